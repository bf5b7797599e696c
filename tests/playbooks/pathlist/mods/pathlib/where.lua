-- tests/playbooks/pathlist/mods/pathlib/where.lua - a module found only through
-- --playbook-path (t_sandbox.sh; tests/win/t_cli.sh with Windows paths).
return { where = "the first folder of the list" }
