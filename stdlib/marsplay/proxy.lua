-- marsplay.proxy: the proxy the MARS agent would use, read from the
-- target's registry, and the guide's "Verifying proxy settings for
-- Windows" (#verifying-proxy-settings-for-windows) as a check body.
--
--   proxy.read([params])           -> settings (see below)
--   proxy.parse_server(s)          -> { host=, port=, url=, scheme= } | nil, why
--   proxy.decode_winhttp(bytes)    -> decoded table | nil, why
--   proxy.effective(params [, settings]) -> url|nil, user|nil, info
--   proxy.routes(params, urls [, settings]) -> { route per url }, user|nil, info
--   proxy.curl_noproxy(bypass)     -> a WinINet/WinHTTP bypass list as libcurl's
--   proxy.detect_settings(ctx)     -> a detect result
--   proxy.PARAMS                   -> parameter specs (merge into a playbook's)
--
-- Where the settings live:
--   * the SYSTEM account's WinINet settings (the guide's psexec -s
--     iexplore.exe → LAN settings): HKU\S-1-5-18\Software\Microsoft\
--     Windows\CurrentVersion\Internet Settings, values ProxyEnable,
--     ProxyServer, ProxyOverride, AutoConfigURL;
--   * WinHTTP's machine proxy (netsh winhttp set proxy): the binary value
--     WinHttpSettings under HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\
--     Internet Settings\Connections.  Microsoft does not document its
--     layout; decode_winhttp follows the layout described publicly by
--     people who took it apart (the same one as WinINet's
--     DefaultConnectionSettings): little-endian 32-bit version, change
--     counter, flags (1 direct, 2 named proxy, 4 auto-config URL, 8
--     auto-detect), then a 32-bit length and the proxy string, then a
--     length and the bypass list.  The raw bytes stay in the evidence (hex)
--     so a human can check the decoding;
--   * when the policy ProxySettingsPerUser = 0 (HKLM\SOFTWARE\Policies\
--     Microsoft\Windows\CurrentVersion\Internet Settings), WinINet's
--     settings are machine-wide: HKLM\SOFTWARE\Microsoft\Windows\
--     CurrentVersion\Internet Settings instead of the SYSTEM account's;
--   * the LAN settings as WinINet keeps them: the binary value
--     Connections\DefaultConnectionSettings under the same key (the
--     WinHttpSettings layout); its proxy counts as much as ProxyServer,
--     and the fix that clears ProxyServer clears it there too;
--   * the agent's own proxy (Set-OBMachineSetting -ProxyServer ...): no
--     documented registry location (Get-OBMachineSetting is the
--     interface), so it is read only when the parameters mars_proxy_key /
--     mars_proxy_value name a location.
--
-- On a live Windows WinHTTP itself is asked too (marsplay.net's
-- system_proxy and proxy_for, platform/win32/live_proxy.c): its default
-- proxy (WinHttpGetDefaultProxyConfiguration) replaces the decoded
-- WinHttpSettings in the evidence, and routes() resolves, per URL, what
-- the SYSTEM account's settings give: auto-detection (WPAD) when the LAN
-- settings ask for it, then the auto-config script (WinHttpGetProxyForUrl
-- runs it), then the named proxy, then WinHTTP's default proxy, then
-- direct.  Offline (and on a live system that is not Windows) nothing
-- runs a script: the named proxy or direct, as the registry says.

local mp = require "marsplay"

local reg = mp.reg
local T = mp.text

local M = {}

M.SYSTEM_KEY = [[HKU\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings]]
M.WINHTTP_KEY = [[HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]]
M.WINHTTP_VALUE = "WinHttpSettings"
M.MACHINE_KEY = [[HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings]]
M.POLICY_KEY = [[HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings]]
M.LAN_VALUE = "DefaultConnectionSettings"

-- MARS's own proxy: the supported interface, for recommendations.
M.MARS_PROXY_STEP = T(
  "MARS can also have its own proxy, set in the agent (Change Properties > Proxy Configuration) and not kept in a documented registry value: "
  .. "on the server run Get-OBMachineSetting (ProxySetting) in PowerShell; set it with Set-OBMachineSetting -ProxyServer http://host -ProxyPort N, "
  .. "or -NoProxy, then restart obengine (net stop obengine; net start obengine).",
  "O MARS também pode ter o seu próprio proxy, definido no agente (Alterar Propriedades > Configuração de Proxy) e não guardado em um valor "
  .. "documentado do registro: no servidor execute Get-OBMachineSetting (ProxySetting) no PowerShell; ajuste com Set-OBMachineSetting -ProxyServer "
  .. "http://host -ProxyPort N, ou -NoProxy, e reinicie o obengine (net stop obengine; net start obengine).")

M.PARAMS = {
  proxy = { type = "string", default = "",
            doc = "proxy for the probes instead of the one read from the target (http://host:port)" },
  proxy_user = { type = "string", default = "", secret = true,
                 doc = "proxy credentials user:password for the probes (secret: never printed)" },
  mars_proxy_key = { type = "string", default = "",
                     doc = "registry key holding the agent's own proxy (Set-OBMachineSetting); unconfirmed, so empty = not read" },
  mars_proxy_value = { type = "string", default = "ProxyServer",
                       doc = "value name under mars_proxy_key holding the agent's proxy (unconfirmed)" },
}

-- ---------- helpers ----------

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function nonempty(s)
  if type(s) ~= "string" then return nil end
  s = trim(s)
  if s == "" then return nil end
  return s
end

-- Values of a key by lower-cased name: { name = { type=, value= } }.
local function values_ci(key)
  local v, err, code = reg.values(key)
  if not v then return nil, err, code end
  local out = {}
  for name, e in pairs(v) do out[name:lower()] = e end
  return out
end

local function as_number(e)
  if not e then return nil end
  if type(e.value) == "number" then return e.value end
  if type(e.value) == "string" then return tonumber(e.value) end
  return nil
end

local function as_string(e)
  if e and type(e.value) == "string" then return e.value end
  return nil
end

local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end
M.hex = hex

-- ---------- the proxy server string ----------

-- The pt-BR words of parse_server's and decode_winhttp's reasons
-- (patterns on the English reason; captures fill %1, %2).
local WHY_PT = {
  { "^unsupported proxy scheme '(.*)'$", "esquema de proxy '%1' não suportado" },
  { "^invalid characters in the proxy address$", "caracteres inválidos no endereço do proxy" },
  { "^the port is not a number$", "a porta não é um número" },
  { "^no host name$", "sem nome de host" },
  { "^invalid host name$", "nome de host inválido" },
  { "^the port is empty$", "a porta está vazia" },
  { "^no port$", "sem porta" },
  { "^the port is out of range %(1%-65535%)$", "a porta está fora do intervalo (1-65535)" },
  { "^empty$", "vazio" },
  { "^malformed entry '(.*)'$", "entrada malformada '%1'" },
  { "^no http or https entry %(socks and ftp proxies are not used for HTTPS%)$",
    "nenhuma entrada http ou https (proxies socks e ftp não são usados para HTTPS)" },
  { "^not binary data$", "não são dados binários" },
  { "^too short %((%d+) bytes%)$", "curto demais (%1 bytes)" },
  { "^truncated length of (.*)$", "comprimento truncado de %1" },
  { "^length of (.-) %((%d+)%) runs past the end$", "o comprimento de %1 (%2) passa do fim" },
  { "^no proxy string$", "sem texto de proxy" },
}

--- A reason from parse_server or decode_winhttp as a text in both
--- languages (the English reason stays as it is when no pattern knows it).
function M.why_text(why)
  why = tostring(why)
  for _, p in ipairs(WHY_PT) do
    local caps = { why:match(p[1]) }
    if caps[1] then
      return T(why, (p[2]:gsub("%%(%d)", function(i) return caps[tonumber(i)] end)))
    end
  end
  return T(why, why)
end

-- One "host:port" (or "scheme://host:port") entry.
local function parse_one(s)
  local scheme, rest = s:match("^(%a[%w+.-]*)://(.*)$")
  if scheme then
    scheme = scheme:lower()
    if scheme ~= "http" and scheme ~= "https" then
      return nil, ("unsupported proxy scheme '%s'"):format(scheme)
    end
  else
    rest = s
  end
  rest = rest:gsub("/+$", "")
  if rest:find("[%s/@;=,]") then return nil, "invalid characters in the proxy address" end
  local host, port = rest:match("^%[([%x:.]+)%]:?(%d*)$")
  if not host then
    host, port = rest:match("^([^:]*):?(%d*)$")
  end
  if not host then return nil, "the port is not a number" end
  if host == "" then return nil, "no host name" end
  if not host:match("^[%w.%-_:]+$") then return nil, "invalid host name" end
  if rest:sub(-1) == ":" then return nil, "the port is empty" end
  if port == "" then return nil, "no port" end
  local n = tonumber(port)
  if not n or n < 1 or n > 65535 then return nil, "the port is out of range (1-65535)" end
  local h = host:find(":", 1, true) and ("[" .. host .. "]") or host
  return { host = host, port = n, scheme = scheme or "http",
           server = h .. ":" .. n, url = (scheme or "http") .. "://" .. h .. ":" .. n }
end

--- Parse a ProxyServer string: "host:port", "http://host:port" or the
--- per-protocol form "http=host:port;https=host:port".  For the per-
--- protocol form the https entry wins (the endpoints are https), then
--- http.  Returns { host, port, scheme, server, url } or nil, why.
function M.parse_server(s)
  s = nonempty(s)
  if not s then return nil, "empty" end
  if s:find("=", 1, true) then
    local by = {}
    for item in s:gmatch("[^;]+") do
      local k, v = item:match("^%s*([%w]+)%s*=%s*(.-)%s*$")
      if not k then return nil, ("malformed entry '%s'"):format(trim(item)) end
      by[k:lower()] = v
    end
    local pick = by.https or by.http
    if not pick then
      return nil, "no http or https entry (socks and ftp proxies are not used for HTTPS)"
    end
    return parse_one(pick)
  end
  return parse_one(s)
end

-- ---------- WinHTTP ----------

--- Decode a WinHttpSettings value (layout: see the header; not documented
--- by Microsoft).  Returns a table or nil, why.
function M.decode_winhttp(b)
  if type(b) ~= "string" then return nil, "not binary data" end
  if #b < 12 then return nil, ("too short (%d bytes)"):format(#b) end
  local version, counter, flags, pos = string.unpack("<I4I4I4", b)
  local out = { version = version, counter = counter, flags = flags,
                direct = flags & 1 ~= 0, proxy_enabled = flags & 2 ~= 0,
                autoconfig_enabled = flags & 4 ~= 0, autodetect = flags & 8 ~= 0 }
  local function str(field)
    if pos > #b then return true end            -- trailing fields are optional
    if pos + 3 > #b then return nil, "truncated length of " .. field end
    local n
    n, pos = string.unpack("<I4", b, pos)
    if n > #b - pos + 1 then return nil, ("length of %s (%d) runs past the end"):format(field, n) end
    out[field] = b:sub(pos, pos + n - 1)
    pos = pos + n
    return true
  end
  for _, field in ipairs { "proxy", "bypass" } do
    local ok, why = str(field)
    if not ok then return nil, why end
  end
  -- WinINet's LAN settings go on with the auto-config URL (then bytes of
  -- their own); WinHttpSettings ends before it.  A URL that cannot be
  -- read leaves the rest decoded.
  if not str("autoconfig") then out.autoconfig = nil end
  return out
end

local function read_winhttp()
  local w = { source = M.WINHTTP_KEY .. "\\" .. M.WINHTTP_VALUE,
              layout = T("undocumented by Microsoft; decoded per the publicly described layout",
                         "não documentado pela Microsoft; decodificado pelo formato descrito publicamente") }
  local v, t = reg.get(M.WINHTTP_KEY, M.WINHTTP_VALUE)
  if v == nil then
    w.present = false
    w.note = "not set: WinHTTP uses direct access"
    return w
  end
  w.present = true
  w.type = t
  if type(v) ~= "string" then
    w.error = "unexpected value type " .. tostring(t)
    return w
  end
  w.raw_hex = hex(v)
  local d, why = M.decode_winhttp(v)
  if not d then
    w.error = "cannot decode: " .. why
    w.error_pt = "impossível decodificar: " .. M.why_text(why)["pt-BR"]
    return w
  end
  w.decoded = true
  w.flags = d.flags
  w.proxy_enabled = d.proxy_enabled
  w.server = nonempty(d.proxy)
  w.bypass = nonempty(d.bypass)
  return w
end

-- The LAN settings blob (DefaultConnectionSettings) under key: nil when
-- absent, else { raw, proxy_enabled, autoconfig_enabled, server, error }.
local function read_lan(key)
  local v = reg.get(key .. [[\Connections]], M.LAN_VALUE)
  if type(v) ~= "string" then return nil end
  local l = { source = key .. [[\Connections\]] .. M.LAN_VALUE, raw_hex = hex(v), raw = v }
  local d, why = M.decode_winhttp(v)
  if not d then
    l.error, l.error_pt = "cannot decode: " .. why, "impossível decodificar: " .. M.why_text(why)["pt-BR"]
    return l
  end
  l.proxy_enabled = d.proxy_enabled
  l.autoconfig_enabled = d.autoconfig_enabled
  l.autodetect = d.autodetect
  l.server = nonempty(d.proxy)
  l.autoconfig = d.autoconfig_enabled and nonempty(d.autoconfig) or nil
  return l
end

-- WinHTTP's default proxy as WinHTTP reports it: nil where there is no
-- such API (offline, or not Windows), else { source, server, bypass,
-- error }.
local API_DEFAULT = "WinHttpGetDefaultProxyConfiguration"
local function read_winhttp_api()
  local a, why, code = require("marsplay.net").system_proxy()
  if not a and (code == "ENOSYS" or code == "EOPNOTSUPP") then return nil end
  if not a then return { source = API_DEFAULT, error = tostring(why) } end
  return { source = API_DEFAULT, server = a.access == "proxy" and nonempty(a.proxy) or nil,
           bypass = nonempty(a.bypass) }
end

--- The same blob with its proxy string emptied (the counter bumped; the
--- flags, the bypass list and every byte after them kept), or nil, why.
function M.lan_without_proxy(b)
  local d, why = M.decode_winhttp(b)
  if not d then return nil, why end
  if not d.proxy then return nil, "no proxy string" end
  local head = 12
  local plen = string.unpack("<I4", b, head + 1)
  local tail = b:sub(head + 4 + plen + 1)
  return string.pack("<I4I4I4I4", d.version, (d.counter + 1) & 0xFFFFFFFF, d.flags, 0) .. tail
end

-- ---------- reading ----------

--- The proxy settings of the target:
--- { available, source, enabled, server, override, autoconfig, key_exists,
---   enable_raw, winhttp = {...}, mars = {...} | nil, error }
function M.read(params)
  params = params or {}
  local r = { source = M.SYSTEM_KEY, enabled = false }
  local ok, why = reg.available()
  if not ok then
    r.available = false
    r.error = tostring(why)
    return r
  end
  r.available = true
  -- ProxySettingsPerUser = 0: WinINet's settings are the machine's
  local per_user = reg.get(M.POLICY_KEY, "ProxySettingsPerUser")
  if per_user == 0 then
    r.source = M.MACHINE_KEY
    r.machine_wide = true
  end
  local v, err, code = values_ci(r.source)
  if not v then
    r.key_exists = false
    if code ~= "ENOENT" then r.error = err end
    v = {}
  else
    r.key_exists = true
  end
  local en = as_number(v.proxyenable)
  r.enable_raw = en
  r.enabled = en ~= nil and en ~= 0
  r.server = nonempty(as_string(v.proxyserver))
  r.server_raw = as_string(v.proxyserver)
  r.override = nonempty(as_string(v.proxyoverride))
  r.autoconfig = nonempty(as_string(v.autoconfigurl))
  -- WinINet's own copy of the LAN settings counts as much as the values
  r.lan = read_lan(r.source)
  if r.lan and not r.lan.error then
    if r.lan.proxy_enabled then r.enabled = true end
    r.lan_server = r.lan.server
    r.server = r.server or r.lan.server
    r.autodetect = r.lan.autodetect
    r.autoconfig = r.autoconfig or r.lan.autoconfig
  end
  r.winhttp = read_winhttp()
  r.winhttp_api = read_winhttp_api()
  local key = nonempty(params.mars_proxy_key)
  if key then
    local name = nonempty(params.mars_proxy_value) or "ProxyServer"
    local mv = reg.get(key, name)
    r.mars = { source = key .. "\\" .. name, location = "unconfirmed (from parameters)",
               server = type(mv) == "string" and nonempty(mv) or nil }
  end
  return r
end

-- ---------- the proxy for probes ----------

local function creds(params)
  local u = params and nonempty(params.proxy_user)
  return u
end

--- The proxy URL the probes should use and the credentials:
--- url|nil, user|nil, info = { source=, server=, bypass=, reason= }.
--- Order: the proxy parameter; the agent's own proxy (when its location
--- is given); the SYSTEM account's proxy when enabled; else direct.
--- WinHTTP's proxy is reported by read() but not used: the guide points
--- at the SYSTEM account's settings.
function M.effective(params, settings)
  params = params or {}
  local user = creds(params)
  local p = nonempty(params.proxy)
  if p then
    local parsed, why = M.parse_server(p)
    if not parsed then
      return nil, user, { source = "parameter proxy", error = "invalid proxy parameter: " .. why }
    end
    return parsed.url, user, { source = "parameter proxy", server = parsed.server }
  end
  settings = settings or M.read(params)
  local pac = settings.autoconfig
  if settings.mars and settings.mars.server then
    local parsed = M.parse_server(settings.mars.server)
    if parsed then
      return parsed.url, user, { source = settings.mars.source, server = parsed.server }
    end
  end
  if settings.enabled and settings.server then
    local parsed, why = M.parse_server(settings.server)
    if parsed then
      return parsed.url, user, { source = settings.source, server = parsed.server,
                                 bypass = settings.override, autoconfig = pac }
    end
    return nil, user, { source = "direct", autoconfig = pac,
                        reason = T("the SYSTEM proxy is enabled but unusable: " .. why,
                                   "o proxy da conta SYSTEM está habilitado, mas não pode ser usado: " .. M.why_text(why)["pt-BR"]) }
  end
  return nil, user, { source = "direct", autoconfig = pac }
end

--- A WinINet/WinHTTP bypass list ("<local>;*.contoso.com;10.*") as
--- libcurl's no-proxy list ("contoso.com"), or nil when nothing in it
--- can be said to libcurl: "<local>" (names without a dot) and patterns
--- with a wildcard anywhere but in front have no libcurl form.
function M.curl_noproxy(bypass)
  if type(bypass) ~= "string" then return nil end
  local out = {}
  for item in bypass:gmatch("[^;,%s]+") do
    if item == "*" then return "*" end
    local host = item:gsub("^%*%.", ""):gsub("^%.", "")
    if not host:find("[*<>]") and host ~= "" then out[#out + 1] = host end
  end
  return #out > 0 and table.concat(out, ",") or nil
end

-- The first proxy of a WinHTTP proxy list ("h:p;h2:p2", or the
-- per-scheme form) as parse_server gives it.
local function first_proxy(list)
  if list:find("=", 1, true) then return M.parse_server(list) end
  return M.parse_server(list:match("^[;%s]*([^;%s]+)") or "")
end

local API_URL = "WinHttpGetProxyForUrl"
-- The URL the proxy-settings check asks an auto-config script about
-- (Azure AD sign-in, which every registration needs).
M.PAC_SAMPLE_URL = "https://login.microsoftonline.com/"

--- The proxy for each of urls: { proxy = url|nil, server =, source =,
--- bypass = (WinINet's form) } per URL, the credentials and the info of
--- effective() with route = effective()'s answer as such a route and,
--- when WinHTTP was asked (live), live = true and notes = { texts } (a
--- script or WinHTTP that failed).
--- Offline, or with the proxy parameter or the agent's own proxy, every
--- URL gets effective()'s answer.  On a live Windows (settings.winhttp_api
--- present) see the header: WPAD, the auto-config script, the named
--- proxy, WinHTTP's default proxy, direct.
function M.routes(params, urls, settings)
  params = params or {}
  settings = settings or M.read(params)
  local purl, user, info = M.effective(params, settings)
  local fixed = { proxy = purl, server = info.server, source = info.source, bypass = info.bypass }
  info.route = fixed
  local out = {}
  local w = settings.winhttp_api
  if info.error or not w or info.source == "parameter proxy" or (settings.mars and info.source == settings.mars.source) then
    for i = 1, #urls do out[i] = fixed end
    return out, user, info
  end
  info.live = true
  local net = require "marsplay.net"
  local failed, notes = {}, {}
  local scripts = {}
  if settings.autodetect then
    scripts[#scripts + 1] = { opts = { autodetect = true }, source = T("auto-detection (WPAD) through " .. API_URL, "detecção automática (WPAD) via " .. API_URL) }
  end
  if settings.autoconfig then
    scripts[#scripts + 1] = { opts = { autoconfig_url = settings.autoconfig },
                              source = T("auto-config script " .. settings.autoconfig .. " through " .. API_URL,
                                         "script de configuração automática " .. settings.autoconfig .. " via " .. API_URL) }
  end
  local named = settings.enabled and purl and fixed or nil
  local wparsed = w.server and first_proxy(w.server)
  local default = wparsed and { proxy = wparsed.url, server = wparsed.server, bypass = w.bypass,
                                source = T("WinHTTP default proxy (" .. API_DEFAULT .. ")",
                                           "proxy padrão do WinHTTP (" .. API_DEFAULT .. ")") }
  if w.server and not wparsed then
    notes[#notes + 1] = T("WinHTTP's default proxy '" .. w.server .. "' cannot be used",
                          "o proxy padrão do WinHTTP '" .. w.server .. "' não pode ser usado")
  end
  if w.error then notes[#notes + 1] = T(w.error, w.error) end
  for i, u in ipairs(urls) do
    local route
    for k, sc in ipairs(scripts) do
      if not route and not failed[k] then
        local a, why = net.proxy_for(u, sc.opts)
        if not a then
          failed[k] = true      -- once per run: WinINet too falls back to the next way
          notes[#notes + 1] = T(tostring(why), tostring(why))
        elseif a.access == "proxy" and a.proxy then
          local parsed = first_proxy(a.proxy)
          if parsed then
            route = { proxy = parsed.url, server = parsed.server, source = sc.source }
          else
            notes[#notes + 1] = T("the script named an unusable proxy '" .. a.proxy .. "' for " .. u,
                                  "o script indicou um proxy inutilizável '" .. a.proxy .. "' para " .. u)
            route = { source = sc.source }
          end
        else
          route = { source = sc.source }       -- the script says DIRECT
        end
      end
    end
    out[i] = route or named or default or { source = "direct" }
  end
  if #notes > 0 then info.notes = notes end
  return out, user, info
end

-- ---------- the check: Verifying proxy settings for Windows ----------

M.GUIDE_STEPS = {
  T([[Open Internet Explorer as SYSTEM: psexec -i -s "C:\Program Files\Internet Explorer\iexplore.exe" (PsExec from Sysinternals, elevated prompt).]],
    [[Abra o Internet Explorer como SYSTEM: psexec -i -s "C:\Program Files\Internet Explorer\iexplore.exe" (PsExec do Sysinternals, prompt elevado).]]),
  T("Go to Tools > Internet Options > Connections > LAN settings and review the SYSTEM account's proxy settings.",
    "Vá para Ferramentas > Opções da Internet > Conexões > Configurações da LAN e revise as configurações de proxy da conta SYSTEM."),
  T("If no proxy is used, clear the proxy details; if a proxy is used, make sure its IP address and port are correct.",
    "Se nenhum proxy for usado, remova os detalhes do proxy; se um proxy for usado, verifique se o IP e a porta estão corretos."),
}

local function steps(first)
  local r = {}
  if first then r[#r + 1] = first end
  for _, s in ipairs(M.GUIDE_STEPS) do r[#r + 1] = s end
  r[#r + 1] = M.MARS_PROXY_STEP
  return r
end

local function base_evidence(s)
  local w = s.winhttp or {}
  local a = s.winhttp_api
  local ev = {
    source = s.source,
    proxy_enable = s.enable_raw or false,
    proxy_server = s.server_raw or false,
    proxy_override = s.override or false,
    autoconfig_url = s.autoconfig or false,
    winhttp = w.present and (w.server or (w.error and T("undecodable: " .. w.error, "não decodificável: " .. w.error_pt))
                             or T("direct", "direto")) or T("not set (direct)", "não definido (direto)"),
    winhttp_raw = w.raw_hex,
    winhttp_layout = w.present and w.layout or nil,
    machine_wide = s.machine_wide or nil,
    lan_settings = s.lan and (s.lan.error and T("undecodable: " .. s.lan.error, "não decodificável: " .. s.lan.error_pt)
                              or s.lan.server or T("direct", "direto")) or nil,
    lan_settings_raw = s.lan and s.lan.raw_hex or nil,
    mars_proxy = s.mars and (s.mars.server or "not set") or "Get-OBMachineSetting",
    winhttp_source = s.winhttp and s.winhttp.source or nil,
    autodetect = s.autodetect or nil,
  }
  if a then            -- live Windows: WinHTTP's own answer
    ev.winhttp = a.error and T("unreadable: " .. a.error, "ilegível: " .. a.error)
                 or a.server or T("direct", "direto")
    ev.winhttp_bypass = a.bypass
    ev.winhttp_source = T("WinHTTP API (" .. a.source .. ")", "API do WinHTTP (" .. a.source .. ")")
  end
  return ev
end

-- Can we connect to the proxy?  An HTTP request to the proxy itself: any
-- answer (even 400 or 407) means it is listening.
local function reach_proxy(ctx, parsed)
  local net = require "marsplay.net"
  local p = ctx.params or {}
  local r = net.probe({ { name = "proxy", url = "http://" .. parsed.server .. "/" } },
                      { timeout = p.timeout or 5 })[1]
  return r
end

--- The SYSTEM proxy settings are consistent (and, live, the proxy answers).
function M.detect_settings(ctx)
  local p = ctx.params or {}
  local s = M.read(p)
  if not s.available then
    return mp.skip(T("No Windows registry on this system (" .. tostring(s.error) .. "): the SYSTEM proxy settings cannot be read.",
                     "Sem registro do Windows neste sistema (" .. tostring(s.error) .. "): as configurações de proxy da conta SYSTEM não podem ser lidas."))
  end
  local ev = base_evidence(s)
  if s.error then
    return { status = "error", reason = s.error, evidence = ev }
  end
  local w = s.winhttp or {}

  if s.enabled then
    if not s.server then
      return mp.manual { evidence = ev,
        message = T("The SYSTEM account has a proxy enabled (ProxyEnable={proxy_enable}) but no proxy server (ProxyServer is empty or missing).",
                    "A conta SYSTEM tem um proxy habilitado (ProxyEnable={proxy_enable}), mas nenhum servidor proxy (ProxyServer vazio ou ausente)."),
        recommendations = steps(T("Either enter the proxy's address and port in the SYSTEM account's LAN settings or, if this network has no proxy, turn the proxy option off.",
                                  "Informe o endereço e a porta do proxy nas configurações de LAN da conta SYSTEM ou, se esta rede não tiver proxy, desative a opção de proxy.")) }
    end
    local parsed, why = M.parse_server(s.server)
    if not parsed then
      ev.problem = M.why_text(why)
      return mp.manual { evidence = ev,
        message = T("The SYSTEM account's proxy server '{proxy_server}' is not a valid host:port ({problem}).",
                    "O servidor proxy da conta SYSTEM '{proxy_server}' não é um host:porta válido ({problem})."),
        recommendations = steps(T("Correct the proxy IP address and port in the SYSTEM account's LAN settings (form host:port).",
                                  "Corrija o IP e a porta do proxy nas configurações de LAN da conta SYSTEM (formato host:porta).")) }
    end
    ev.proxy = parsed.server
    if ctx.offline and not p.probe_offline then
      ev.reachable = T("not tested (offline volume)", "não testado (volume offline)")
      return mp.pass(ev, T("The SYSTEM account uses the proxy {proxy}; whether it is reachable can only be tested on the running server.",
                           "A conta SYSTEM usa o proxy {proxy}; se ele está acessível só pode ser testado no servidor em execução."))
    end
    local r = reach_proxy(ctx, parsed)
    -- any HTTP answer, a 407 included, means the proxy listens
    local answered = r.result == "ok" or r.result == "proxy_auth"
    ev.reachable = answered
    ev.probe_result = r.result
    ev.probe_detail = r.detail
    if not answered then
      return mp.manual { evidence = ev,
        message = T("The SYSTEM account's proxy {proxy} cannot be reached ({probe_result}).",
                    "O proxy {proxy} da conta SYSTEM não pode ser acessado ({probe_result})."),
        recommendations = steps(T("Check that the proxy {proxy} is running and that its IP address and port are correct; if the network has no proxy, turn the proxy option off.",
                                  "Verifique se o proxy {proxy} está em execução e se o IP e a porta estão corretos; se a rede não tiver proxy, desative a opção de proxy.")) }
    end
    return mp.pass(ev, T("The SYSTEM account uses the proxy {proxy}, which answers.",
                         "A conta SYSTEM usa o proxy {proxy}, que responde."))
  end

  -- Proxy off.  The guide: no proxy configured but details given -> remove them
  -- (ProxyServer and the proxy in the LAN settings blob).
  if s.server then
    return mp.finding { evidence = ev, clear = { "ProxyServer" }, key = s.source,
                        lan = s.lan_server and s.lan.raw or nil,
      message = T("The SYSTEM account's proxy is off but proxy details remain (ProxyServer={proxy_server}).",
                  "O proxy da conta SYSTEM está desativado, mas ainda há detalhes de proxy (ProxyServer={proxy_server})."),
      recommendations = {
        T("If this network has no proxy, remove the proxy details (the fix clears ProxyServer and the proxy in the LAN settings, {source}).",
          "Se esta rede não tiver proxy, remova os detalhes do proxy (a correção limpa ProxyServer e o proxy das configurações de LAN, {source})."),
        T("If the server must use that proxy, turn the proxy option on instead (and do not apply this fix).",
          "Se o servidor precisar usar esse proxy, ative a opção de proxy (e não aplique esta correção)."),
        M.MARS_PROXY_STEP,
      } }
  end
  if w.present and w.proxy_enabled and not w.server then
    return mp.manual { evidence = ev,
      message = T("WinHTTP's proxy is switched on but names no server ({winhttp_raw}).",
                  "O proxy do WinHTTP está ativado, mas não indica servidor ({winhttp_raw})."),
      recommendations = { T("Run 'netsh winhttp show proxy' and set or reset it: 'netsh winhttp set proxy host:port', or 'netsh winhttp reset proxy'.",
                            "Execute 'netsh winhttp show proxy' e ajuste ou redefina: 'netsh winhttp set proxy host:porta', ou 'netsh winhttp reset proxy'.") } }
  end
  if s.autoconfig and not (ctx.offline and not p.probe_offline) then
    local net = require "marsplay.net"
    local r = net.probe({ { name = "pac", url = s.autoconfig } }, { timeout = p.timeout or 5 })[1]
    ev.autoconfig_result = r.result
    if r.result ~= "ok" then
      return mp.manual { evidence = ev,
        message = T("The SYSTEM account's proxy auto-config script {autoconfig_url} cannot be fetched ({autoconfig_result}).",
                    "O script de configuração automática de proxy da conta SYSTEM {autoconfig_url} não pode ser obtido ({autoconfig_result})."),
        recommendations = steps(T("Check the automatic configuration script address in the SYSTEM account's LAN settings, or clear it if it is not used.",
                                  "Verifique o endereço do script de configuração automática nas configurações de LAN da conta SYSTEM, ou remova-o se não for usado.")) }
    end
  end
  -- live Windows: WinHTTP runs the script as the agent's requests would
  if s.autoconfig and ev.autoconfig_result == "ok" and s.winhttp_api then
    local a, why = require("marsplay.net").proxy_for(M.PAC_SAMPLE_URL, { autoconfig_url = s.autoconfig })
    ev.autoconfig_sample = M.PAC_SAMPLE_URL
    if not a then
      ev.autoconfig_error = tostring(why)
      return mp.manual { evidence = ev,
        message = T("The SYSTEM account's proxy auto-config script {autoconfig_url} can be fetched, but WinHTTP cannot use it: {autoconfig_error}.",
                    "O script de configuração automática de proxy da conta SYSTEM {autoconfig_url} pode ser obtido, "
                    .. "mas o WinHTTP não consegue usá-lo: {autoconfig_error}."),
        recommendations = steps(T("Have the script's owner check it (FindProxyForURL must return PROXY host:port or DIRECT), or clear the address in the SYSTEM account's LAN settings.",
                                  "Peça ao responsável pelo script que o verifique (FindProxyForURL deve retornar PROXY host:porta ou DIRECT), "
                                  .. "ou remova o endereço nas configurações de LAN da conta SYSTEM.")) }
    end
    ev.autoconfig_proxy = a.access == "proxy" and a.proxy or "DIRECT"
    return mp.pass(ev, T("The SYSTEM account gets its proxy from the automatic configuration script {autoconfig_url}, which WinHTTP fetches and runs "
                         .. "({autoconfig_sample}: {autoconfig_proxy}); no stale proxy details (WinHTTP: {winhttp}). MARS's own proxy: Get-OBMachineSetting on the server.",
                         "A conta SYSTEM obtém o proxy do script de configuração automática {autoconfig_url}, que o WinHTTP obtém e executa "
                         .. "({autoconfig_sample}: {autoconfig_proxy}); nenhum detalhe de proxy antigo (WinHTTP: {winhttp}). O proxy próprio do MARS: Get-OBMachineSetting no servidor."))
  end
  if s.autoconfig and ev.autoconfig_result == "ok" then
    return mp.pass(ev, T("The SYSTEM account gets its proxy from the automatic configuration script {autoconfig_url}, which can be fetched; "
                         .. "no stale proxy details (WinHTTP: {winhttp}). MARS's own proxy: Get-OBMachineSetting on the server.",
                         "A conta SYSTEM obtém o proxy do script de configuração automática {autoconfig_url}, que pode ser obtido; "
                         .. "nenhum detalhe de proxy antigo (WinHTTP: {winhttp}). O proxy próprio do MARS: Get-OBMachineSetting no servidor."))
  end
  if s.autoconfig then
    return mp.pass(ev, T("The SYSTEM account gets its proxy from the automatic configuration script {autoconfig_url} (it can only be fetched from the running "
                         .. "server); no stale proxy details (WinHTTP: {winhttp}). MARS's own proxy: Get-OBMachineSetting on the server.",
                         "A conta SYSTEM obtém o proxy do script de configuração automática {autoconfig_url} (ele só pode ser obtido a partir do servidor em "
                         .. "execução); nenhum detalhe de proxy antigo (WinHTTP: {winhttp}). O proxy próprio do MARS: Get-OBMachineSetting no servidor."))
  end
  -- live Windows: WinHTTP's default proxy is the one the probes use now
  local wa = s.winhttp_api
  local wparsed = wa and wa.server and first_proxy(wa.server)
  if wparsed and not (ctx.offline and not p.probe_offline) then
    local r = reach_proxy(ctx, wparsed)
    local answered = r.result == "ok" or r.result == "proxy_auth"
    ev.reachable, ev.probe_result, ev.probe_detail = answered, r.result, r.detail
    if not answered then
      return mp.manual { evidence = ev,
        message = T("The SYSTEM account uses no proxy of its own, and WinHTTP's default proxy {winhttp} cannot be reached ({probe_result}).",
                    "A conta SYSTEM não usa proxy próprio, e o proxy padrão do WinHTTP {winhttp} não pode ser acessado ({probe_result})."),
        recommendations = { T("Check that the proxy {winhttp} is running; if this network has no proxy, run 'netsh winhttp reset proxy' (see 'netsh winhttp show proxy').",
                              "Verifique se o proxy {winhttp} está em execução; se esta rede não tiver proxy, execute 'netsh winhttp reset proxy' (veja 'netsh winhttp show proxy')."),
                            M.MARS_PROXY_STEP } }
    end
    return mp.pass(ev, T("The SYSTEM account uses no proxy of its own and holds no stale proxy details; WinHTTP's default proxy {winhttp} answers.",
                         "A conta SYSTEM não usa proxy próprio e não tem detalhes de proxy antigos; o proxy padrão do WinHTTP {winhttp} responde."))
  end
  return mp.pass(ev, T("The SYSTEM account uses no proxy and holds no stale proxy details (WinHTTP: {winhttp}).",
                       "A conta SYSTEM não usa proxy e não tem detalhes de proxy antigos (WinHTTP: {winhttp})."))
end

--- Fix for the stale details case: clear what detect_settings listed.
function M.fix_settings(finding)
  local key = finding.key or M.SYSTEM_KEY
  for _, name in ipairs(finding.clear or {}) do
    mp.fix.set_value(key, name, "REG_SZ", "")
  end
  if finding.lan then
    local blob = assert(M.lan_without_proxy(finding.lan))
    mp.fix.set_value(key .. [[\Connections]], M.LAN_VALUE, "REG_BINARY", blob)
  end
end

return M
