-- Tries to reach outside the sandbox and the target in every way; each
-- check passes only if its attempt was refused.
local mp = require "marsplay"

local function refused(f)
  return function()
    local ok, err = pcall(f)
    if ok and err == nil then return mp.pass({ result = "refused (returned nil)" }) end
    if ok then return mp.finding { message = "escaped: " .. tostring(err), evidence = { got = tostring(err) } } end
    return mp.pass({ refused = tostring(err) })
  end
end

return mp.playbook {
  id = "escape",
  checks = {
    mp.check { id = "os-execute", detect = refused(function() return os.execute("true") end) },
    mp.check { id = "io-popen", detect = refused(function() return io.popen("true") end) },
    mp.check { id = "io-write", detect = refused(function() return io.open("/tmp/marsplay-escape", "w") end) },
    mp.check { id = "os-remove", detect = refused(function() return os.remove("/tmp/x") end) },
    mp.check { id = "loadlib", detect = refused(function() return package.loadlib("libc.so.6", "system") end) },
    mp.check { id = "binary-chunk", detect = refused(function()
      local f = load(string.dump(function() return 1 end), "x", "b")
      return f and f()
    end) },
    mp.check { id = "core", detect = refused(function() return require("marsplay.core") end) },
    mp.check { id = "require-outside", detect = refused(function() return require("..etc.passwd") end) },
    mp.check { id = "debug-getinfo", detect = refused(function() return debug.getinfo(1) end) },
    mp.check { id = "dofile", detect = refused(function() return dofile("/etc/passwd") end) },
    mp.check { id = "lfs-mkdir", detect = refused(function() return require("lfs").mkdir("/tmp/marsplay-escape") end) },
    mp.check { id = "read-outside-root", detect = refused(function()
      local f = io.open("/../../../../etc/hostname")
      if f then
        local s = f:read("a")
        f:close()
        -- inside the root there is no etc/hostname, so reading means escape
        return s
      end
    end) },
  },
}
