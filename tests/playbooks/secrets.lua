-- Puts secrets everywhere a playbook can: evidence (values and keys),
-- messages, reasons, recommendations, errors, actions (targets, before
-- and after values), printed notices and the event log.  The secrets come
-- from --set parameters with secret names (proxy_password, token, and a
-- user:password proxy_user), a proxy URL with user information, and
-- marsplay.secret.add (as the vault credential's ManagementCert is
-- registered).  Every output must show "[redacted]" instead.
local mp = require "marsplay"
local secret = require "marsplay.secret"

local CERT = "MIIKcertificateBASE64secretAAAABBBBCCCC0123456789+/=="
local CONFIG = [[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config]]

local function all(p)
  return { pw = p.proxy_password, token = p.api_token, user = p.proxy_user, url = p.proxy, cert = CERT }
end

return mp.playbook {
  id = "secrets",
  title = "Secrets everywhere",
  params = {
    proxy_password = { type = "string", default = "" },
    api_token = { type = "string", default = "" },
    proxy_user = { type = "string", default = "" },
    proxy = { type = "string", default = "" },
  },
  checks = {
    mp.check {
      id = "register",
      detect = function()
        local ok, why = secret.add(CERT)
        if not ok then error("secret.add refused the certificate: " .. tostring(why)) end
        local short_ok = secret.add("abc")
        local word_ok = secret.add("evidence")
        return mp.pass({ registered = ok, short_refused = not short_ok, word_refused = not word_ok,
                         redacted_here = secret.redact("cert=" .. CERT) },
                       "registered")
      end,
    },
    mp.check {
      id = "evidence",
      depends = { "register" },
      detect = function(ctx)
        local s = all(ctx.params)
        print("notice with " .. s.pw .. " and " .. s.cert .. " and " .. s.url)
        local ev = { values = s, nested = { deeper = { s.cert, s.pw } },
                     ["key-" .. s.pw] = "secret as a key", joined = table.concat({ s.pw, s.token, s.cert }, "/") }
        ev[s.cert] = true
        return mp.manual { evidence = ev,
          message = "proxy {url} with password " .. s.pw .. ", user " .. s.user .. ", token " .. s.token,
          recommendations = { "log in with " .. s.pw, "certificate " .. s.cert } }
      end,
    },
    mp.check {
      id = "error",
      detect = function(ctx)
        error("failed with password " .. ctx.params.proxy_password .. " and cert " .. CERT)
      end,
    },
    mp.check {
      id = "skip",
      detect = function(ctx) return mp.skip("skipped: " .. ctx.params.api_token) end,
    },
    mp.check {
      id = "actions",
      detect = function(ctx)
        return mp.finding { message = "will write " .. ctx.params.proxy_password }
      end,
      fix = function(ctx)
        local s = all(ctx.params)
        mp.fix.write([[C:\Data\proxy-]] .. s.pw .. ".txt", "password=" .. s.pw)
        mp.fix.set_value(CONFIG, "ProxyPassword", "REG_SZ", s.pw)
        mp.fix.set_value(CONFIG, "Cert", "REG_SZ", s.cert)
        mp.fix.write([[C:\Data\url.txt]], s.url, { describe = { before = s.url, after = s.cert } })
      end,
    },
  },
}
