-- luacheck configuration for the stdlib, the playbooks and their tests.
-- Texts come in English and Portuguese side by side, so lines run long.
std = "lua54"
max_line_length = 200
codes = true
-- deliberately broken, for the engine's error reporting
exclude_files = { "tests/playbooks/syntax_error.lua" }
