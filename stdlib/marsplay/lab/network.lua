-- marsplay.lab.network: faults of the network settings — the SYSTEM
-- account's proxy, WinHTTP's proxy, Internet Explorer's file download
-- setting — and of the time zone.  Guide sections:
-- #the-microsoft-azure-recovery-service-agent-was-unable-to-connect-to-microsoft-azure-backup,
-- #verifying-proxy-settings-for-windows, #basic-troubleshooting.
--
-- proxy-set and winhttp-proxy-set take the proxy address from the
-- environment variable MARSPLAY_LAB_PROXY (host:port), default
-- 127.0.0.1:3128, so a test can point the lab at the proxy it started;
-- proxy-autoconfig-set likewise takes MARSPLAY_LAB_PAC.

local INET = [[Software\Microsoft\Windows\CurrentVersion\Internet Settings]]
local WINHTTP = [[Microsoft\Windows\CurrentVersion\Internet Settings\Connections]]
local ZONE_USER = INET .. [[\Zones\3]]
local ZONE_POLICY = [[Policies\Microsoft\Windows\CurrentVersion\Internet Settings\Zones\3]]
local TZ = [[ControlSet001\Control\TimeZoneInformation]]
local CONNECT = "the-microsoft-azure-recovery-service-agent-was-unable-to-connect-to-microsoft-azure-backup"
local PROXY_GUIDE = "verifying-proxy-settings-for-windows"

local function lab_proxy()
  local p = os.getenv("MARSPLAY_LAB_PROXY")
  if p == nil or p == "" then p = "127.0.0.1:3128" end
  return p
end

-- WinHttpSettings as netsh writes it (layout: see marsplay/proxy.lua):
-- version 0x28, change counter, flags (1 direct | 2 named proxy), then
-- length-prefixed proxy and bypass strings.
local function winhttp_blob(server, bypass)
  local flags = server and 3 or 1
  server = server or ""
  bypass = bypass or ""
  return string.pack("<I4I4I4", 0x28, 2, flags) ..
         string.pack("<I4", #server) .. server ..
         string.pack("<I4", #bypass) .. bypass
end

local PROXY_FAULTS = { "proxy-enabled-no-server", "proxy-set", "proxy-malformed", "proxy-disabled-with-server" }

local function others(name)
  local r = {}
  for _, n in ipairs(PROXY_FAULTS) do if n ~= name then r[#r + 1] = n end end
  return r
end

return {
  {
    name = "proxy-enabled-no-server",
    description = "the SYSTEM account has ProxyEnable=1 but no ProxyServer",
    guide = PROXY_GUIDE,
    conflicts = others("proxy-enabled-no-server"),
    apply = function(lab)
      lab:set("USER", INET, "ProxyEnable", 1)
      lab:unset("USER", INET, "ProxyServer")
    end,
  },
  {
    name = "proxy-set",
    description = "the SYSTEM account uses a proxy (MARSPLAY_LAB_PROXY, default 127.0.0.1:3128)",
    guide = CONNECT,
    conflicts = others("proxy-set"),
    apply = function(lab)
      local p = lab_proxy()
      lab:set("USER", INET, { ProxyEnable = 1, ProxyServer = p, ProxyOverride = "<local>" })
      lab:note("proxy-set", p)
    end,
  },
  {
    name = "proxy-malformed",
    description = "the SYSTEM account's ProxyServer is not host:port ('10.0.0.5;8080')",
    guide = PROXY_GUIDE,
    conflicts = others("proxy-malformed"),
    apply = function(lab)
      lab:set("USER", INET, { ProxyEnable = 1, ProxyServer = "10.0.0.5;8080" })
    end,
  },
  {
    name = "proxy-disabled-with-server",
    description = "the SYSTEM account's proxy is off but a ProxyServer is still configured",
    guide = PROXY_GUIDE,
    conflicts = others("proxy-disabled-with-server"),
    apply = function(lab)
      lab:set("USER", INET, { ProxyEnable = 0, ProxyServer = "10.0.0.5:8080" })
    end,
  },
  {
    name = "proxy-autoconfig-set",
    description = "the SYSTEM account uses a proxy auto-config script (MARSPLAY_LAB_PAC, default http://wpad.contoso.com/proxy.pac)",
    guide = PROXY_GUIDE,
    apply = function(lab)
      local url = os.getenv("MARSPLAY_LAB_PAC")
      if url == nil or url == "" then url = "http://wpad.contoso.com/proxy.pac" end
      lab:set("USER", INET, "AutoConfigURL", url)
    end,
  },
  {
    name = "winhttp-proxy-set",
    description = "WinHTTP's machine proxy is set (netsh winhttp set proxy MARSPLAY_LAB_PROXY)",
    guide = PROXY_GUIDE,
    conflicts = { "winhttp-proxy-no-server" },
    apply = function(lab)
      lab:set("SOFTWARE", WINHTTP, "WinHttpSettings", lab.M.binary(winhttp_blob(lab_proxy(), "<local>")))
    end,
  },
  {
    name = "winhttp-proxy-no-server",
    description = "WinHTTP's proxy flag is on with an empty proxy server",
    guide = PROXY_GUIDE,
    conflicts = { "winhttp-proxy-set" },
    apply = function(lab)
      local blob = string.pack("<I4I4I4I4I4", 0x28, 3, 3, 0, 0)
      lab:set("SOFTWARE", WINHTTP, "WinHttpSettings", lab.M.binary(blob))
    end,
  },
  {
    name = "ie-file-download-disabled",
    description = "Internet zone 'File download' is disabled for the SYSTEM account (Zones\\3\\1803 = 3)",
    guide = CONNECT,
    apply = function(lab)
      lab:set("USER", ZONE_USER, { ["1803"] = 3, DisplayName = "Internet" })
    end,
  },
  {
    name = "ie-file-download-policy",
    description = "a machine policy disables 'File download' in the Internet zone (Policies ...\\Zones\\3\\1803 = 3)",
    guide = CONNECT,
    apply = function(lab)
      lab:set("SOFTWARE", ZONE_POLICY, "1803", 3)
    end,
  },
  {
    name = "proxy-machine-wide",
    description = "the policy ProxySettingsPerUser=0 makes WinINet's proxy machine-wide (HKLM ... Internet Settings: "
                  .. "MARSPLAY_LAB_PROXY, default 127.0.0.1:3128); the SYSTEM account's own values say no proxy",
    guide = PROXY_GUIDE,
    conflicts = { "default-hive-missing" },
    apply = function(lab)
      lab:set("SOFTWARE", [[Policies\Microsoft\Windows\CurrentVersion\Internet Settings]], "ProxySettingsPerUser", 0)
      lab:set("SOFTWARE", [[Microsoft\Windows\CurrentVersion\Internet Settings]],
              { ProxyEnable = 1, ProxyServer = lab_proxy(), ProxyOverride = "<local>" })
    end,
  },
  {
    name = "proxy-lan-stale",
    description = "the SYSTEM account's proxy is off, but ProxyServer and the LAN settings blob (DefaultConnectionSettings) "
                  .. "still name 10.0.0.5:8080",
    guide = PROXY_GUIDE,
    conflicts = { "proxy-enabled-no-server", "proxy-set", "proxy-malformed", "proxy-disabled-with-server", "default-hive-missing" },
    apply = function(lab)
      lab:set("USER", INET, { ProxyEnable = 0, ProxyServer = "10.0.0.5:8080" })
      -- direct (flags 1), the proxy string and bypass kept, then the
      -- auto-config URL (empty) and 28 more bytes WinINet writes
      local blob = string.pack("<I4I4I4", 0x46, 7, 1) .. string.pack("<s4s4s4", "10.0.0.5:8080", "<local>", "")
                   .. ("\0"):rep(28)
      lab:set("USER", INET .. [[\Connections]], "DefaultConnectionSettings", lab.M.binary(blob))
    end,
  },
  {
    name = "default-hive-missing",
    description = "config\\DEFAULT (HKU\\S-1-5-18, the SYSTEM account's hive) is missing; "
                  .. "systemprofile\\NTUSER.DAT, another hive, holds a proxy that must never be read or written in its place",
    guide = PROXY_GUIDE,
    conflicts = { "proxy-enabled-no-server", "proxy-set", "proxy-malformed", "proxy-disabled-with-server",
                  "proxy-autoconfig-set", "ie-file-download-disabled" },
    apply = function(lab)
      lab:set("SYSPROFILE", INET, { ProxyEnable = 1, ProxyServer = "10.99.0.1:8080" })
      lab:at_end(function(l) l:remove("Windows/System32/config/DEFAULT") end)
    end,
  },
  {
    name = "timezone-missing",
    description = "no time zone: TimeZoneKeyName removed from the SYSTEM hive",
    guide = "basic-troubleshooting",
    apply = function(lab)
      lab:unset("SYSTEM", TZ, "TimeZoneKeyName")
    end,
  },
}
