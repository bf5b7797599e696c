-- A playbook that tries to change the target in every way it can reach,
-- once while detecting and once in a fix.  Run with --dry-run, nothing
-- may change: every attempt must be refused (the check ends as "error"
-- with the refusal as its reason) or, for the remediation API inside a
-- fix, only planned (status "planned", actions in state "planned").
-- An attempt that went through without either says "ESCAPED" in its
-- message (status fail/manual), which the test looks for.
local mp = require "marsplay"

local fix = mp.fix
local ROOT_KEK = [[C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch\OnlineBackup.KEK]]
local SCRATCH = [[C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch]]
local CONFIG = [[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config]]
local TEMP = [[C:\Windows\Temp]]

-- Raise unless an inspection-style call (nil, message) failed.
local function must(v, err, ...)
  if v == nil then error(tostring(err), 0) end
  return v, err, ...
end

-- name -> function: returns a description of what it did if it "worked";
-- raises when refused.
local ATTEMPTS = {
  { "fix-delete", function() return fix.delete(ROOT_KEK) end },
  { "fix-delete-matching", function() return fix.delete_matching(SCRATCH, "*") end },
  { "fix-delete-matching-temp", function() return fix.delete_matching(TEMP, "*") end },
  { "fix-write-new", function() return fix.write([[C:\evil.txt]], "owned") end },
  { "fix-write-existing", function() return fix.write(ROOT_KEK, "overwritten") end },
  { "fix-mkdir", function() return fix.mkdir([[C:\evil-dir]]) end },
  { "fix-chmod", function() return fix.chmod(SCRATCH, tonumber("777", 8)) end },
  { "fix-rename", function() return fix.rename(ROOT_KEK, ROOT_KEK .. ".moved") end },
  { "fix-copy-tree", function() return fix.copy_tree(SCRATCH, [[C:\stolen-cache]]) end },
  { "fix-set-value", function() return fix.set_value(CONFIG, "ScratchLocation", "REG_SZ", [[C:\evil]]) end },
  { "fix-set-value-new", function() return fix.set_value(CONFIG .. [[\Evil]], "Planted", "REG_DWORD", 1) end },
  { "fix-service", function() return fix.service("obengine", "stop") end },
  -- the context says dry_run; changing it must not matter
  { "fix-after-ctx-change", function(ctx) ctx.dry_run = false; return fix.delete(ROOT_KEK) end },
  -- a fresh copy of the module is the same engine
  { "fix-required-again", function() return require("marsplay.fix").delete(ROOT_KEK) end },
  -- plain Lua io
  { "io-open-w", function() return must(io.open(ROOT_KEK, "w")) end },
  { "io-open-a", function() return must(io.open(ROOT_KEK, "a")) end },
  { "io-open-r+", function() return must(io.open(ROOT_KEK, "r+")) end },
  { "io-open-w+", function() return must(io.open([[C:\evil-io.txt]], "w+")) end },
  { "io-write-read-handle", function()
      local f = must(io.open(ROOT_KEK, "r"))
      local ok, err = f:write("overwritten")
      f:close()
      if not ok then error("write refused: " .. tostring(err), 0) end
      return "wrote through a read handle"
    end },
  { "io-output", function() return io.output(ROOT_KEK) end },
  { "io-stdout", function() return io.stdout:write("x") end },
  -- lfs: only attributes, symlinkattributes and dir exist
  { "lfs-mkdir", function() return require("lfs").mkdir([[C:\evil-lfs]]) end },
  { "lfs-rmdir", function() return require("lfs").rmdir(SCRATCH) end },
  { "lfs-touch", function() return require("lfs").touch(ROOT_KEK, 0, 0) end },
  { "lfs-link", function() return require("lfs").link(ROOT_KEK, [[C:\evil-link]], true) end },
  { "lfs-setmode", function() return require("lfs").setmode(io.stdout, "binary") end },
  { "lfs-lock-dir", function() return require("lfs").lock_dir(SCRATCH) end },
  { "lfs-real-module", function()
      -- a path to the real C module through package.loaded / searchers
      local real = package and package.loaded and package.loaded.lfs
      return real.mkdir("/tmp/marsplay-malicious")
    end },
  -- os
  { "os-remove", function() return os.remove(ROOT_KEK) end },
  { "os-rename", function() return os.rename(ROOT_KEK, ROOT_KEK .. ".x") end },
  { "os-execute", function() return os.execute("touch /tmp/marsplay-malicious") end },
  { "os-tmpname", function() return os.tmpname() end },
  { "io-popen", function() return io.popen("touch /tmp/marsplay-malicious") end },
  -- load tricks
  { "load-binary", function()
      return must(load(string.dump(function() return fix end), "x", "b"))()
    end },
  { "load-binary-any-mode", function()
      return must(load(string.dump(function() return fix end), "x", "bt"))()
    end },
  { "load-reader-function", function()
      local parts = { "return os.", "remove" }
      local i = 0
      return must(load(function() i = i + 1; return parts[i] end))()
    end },
  { "load-global-env", function()
      -- the chunk runs in the sandbox, not in the engine's globals
      local f = must(load("return os.remove"))()
      return f(ROOT_KEK)
    end },
  { "load-explicit-env", function()
      local f = must(load("return io.open(...)", "x", "t", { io = io }))
      return must(f(ROOT_KEK, "w"))
    end },
  { "string-metatable", function()
      local mt = getmetatable("")
      return mt.__index.dump and mt.__index.remove(ROOT_KEK)
    end },
  { "require-io", function() return require("io").open(ROOT_KEK, "w") end },
  { "require-os", function() return require("os").remove(ROOT_KEK) end },
  { "require-core", function() return require("marsplay.core").set_phase("fix") end },
  { "require-path-trick", function() return require("..marsplay.core") end },
  { "debug-registry", function() return debug.getregistry() end },
  { "debug-sethook", function() return debug.sethook() end },
  { "gc-finalizer", function()
      setmetatable({}, { __gc = function() fix.delete(ROOT_KEK) end })
      collectgarbage("collect")
      return "finalizer installed"
    end },
  { "coroutine-fix", function()
      local co = coroutine.wrap(function() return fix.delete(ROOT_KEK) end)
      return co()
    end },
}

-- In dry-run the remediation API answers with an action; anything else
-- that comes back (a file handle, true, ...) means the attempt went
-- through.
local function run(fn, ctx)
  local r = fn(ctx)
  if type(r) == "table" and r.state ~= nil then
    if r.state == "done" then error("ESCAPED: action done: " .. tostring(r.kind), 0) end
    return r
  end
  return r
end

local checks = {}
for _, a in ipairs(ATTEMPTS) do
  local name, fn = a[1], a[2]
  -- while detecting: everything must be refused
  checks[#checks + 1] = mp.check {
    id = "detect-" .. name, title = "detect: " .. name,
    detect = function(ctx)
      local r = run(fn, ctx)
      return mp.finding { message = "ESCAPED in detect: " .. name .. " returned " .. tostring(r),
                          evidence = { got = tostring(r) }, manual = true }
    end,
  }
  -- in a fix: the remediation API plans; everything else is refused
  checks[#checks + 1] = mp.check {
    id = "fix-" .. name, title = "fix: " .. name,
    detect = function() return mp.finding { message = "attempt " .. name .. " in a fix" } end,
    fix = function(ctx)
      local r = run(fn, ctx)
      local action = type(r) == "table" and (r.state == "planned" or r.state == "skipped")
      if not (action or r == nil) then
        error("ESCAPED in fix: " .. name .. " returned " .. tostring(r), 0)
      end
    end,
  }
end

-- The verify phase may not change anything either (runs only when fixes
-- are applied: the test runs it alone, without --dry-run).
checks[#checks + 1] = mp.check {
  id = "verify-writes", title = "verify: tries to write",
  detect = function() return mp.finding { message = "needs a fix" } end,
  fix = function() end,
  verify = function() fix.write([[C:\evil-verify.txt]], "owned"); return mp.pass() end,
}

return mp.playbook { id = "malicious", title = "Malicious playbook", checks = checks }
