-- marsplay.connectivity: can the server reach the addresses the MARS agent
-- needs?  Shared by the connectivity, vault-credentials and basic
-- troubleshooting playbooks.
--
--   connectivity.ENDPOINTS            data: the guide's URLs and IP ranges, per cloud
--   connectivity.PORTAL               data: what the portal download needs, per cloud
--   connectivity.PARAMS               parameter specs to merge into a playbook's params
--   connectivity.merge(a, b, ...)     a new table with the fields of all arguments
--   connectivity.targets(params [, set]) -> endpoints, ip_ranges | nil, error
--   connectivity.probe_options(params [, proxy_url, user, bypass]) -> options for net.probe
--   connectivity.detect(ctx [, opts]) -> a detect result
--   connectivity.detect_file_download(ctx) / fix_file_download(finding)
--                                     Internet zone "File download" for SYSTEM
--
-- Probes go through marsplay.net: one HEAD request per endpoint, all at
-- once; any HTTP answer means reachable.  They use the proxy the agent
-- would use for each endpoint (marsplay.proxy.routes: on a live Windows
-- WinHTTP resolves auto-detection and auto-config scripts per URL and
-- gives its default proxy; offline the registry's named proxy).  Every
-- wildcard of the guide is probed through one concrete host under it
-- ("representative": a host that exists today under that domain; the
-- agent's real hosts, such as the vault's storage accounts or the
-- regional *.backup.windowsazure.com service, are known only to the
-- agent — add them with extra_endpoints).
-- Wildcards with no stable public host are listed, not probed.
--
-- The agent's own service (*.backup.windowsazure.com) is probed through
-- the host the vault credentials file names (IdMgmtRestEndpoint), when a
-- credentials file is found; manage.windowsazure.com (the classic
-- portal) is retired and no longer stands for *.windowsazure.com.
--
-- IP ranges (the guide's Azure AD ranges): the addresses the Azure AD
-- endpoints resolved to are checked against them (informational: the
-- guide's list may be older than Azure AD's addresses).  Sampled
-- addresses (ip_sample, default 0) are probed only on request and are
-- informational too: an address of a range that nothing listens on says
-- nothing about a firewall.

local mp = require "marsplay"
local proxy = require "marsplay.proxy"

local T = mp.text

local M = {}

-- ---------- data ----------

-- url: what is probed.  pattern: what the guide or docs list.
-- representative: the host stands for a wildcard.  source: "guide" (this
-- edition of the troubleshooting guide) or "docs" (the current docs'
-- additions).  The NCSI hosts are Windows' connectivity indicators, which
-- Windows fetches over plain HTTP; they are probed that way.
local function ep(pattern, url, source, representative)
  return { pattern = pattern, url = url, source = source, representative = representative or nil }
end

M.ENDPOINTS = {
  public = {
    urls = {
      ep("www.msftncsi.com", "http://www.msftncsi.com/ncsi.txt", "guide"),
      ep("*.microsoft.com", "https://www.microsoft.com/", "guide", true),
      ep("*.windowsazure.com", nil, "guide"),             -- manage.windowsazure.com is retired
      ep("*.backup.windowsazure.com", nil, "docs"),        -- the vault's service: from the credentials file
      ep("*.microsoftonline.com", "https://login.microsoftonline.com/", "guide", true),   -- Azure AD sign-in
      ep("*.windows.net", "https://login.windows.net/", "guide", true),                  -- Azure AD (older name)
      ep("www.msftconnecttest.com", "http://www.msftconnecttest.com/connecttest.txt", "guide"),
      -- current docs; the vault's storage accounts are not known here:
      -- azcliprod is a long-lived public account under the same front end.
      ep("*.blob.core.windows.net", "https://azcliprod.blob.core.windows.net/", "docs", true),
      ep("*.queue.core.windows.net", nil, "docs"),      -- no stable public host known: listed only
      ep("*.blob.storage.azure.net", nil, "docs"),      -- no stable public host known: listed only
      ep("*.login.microsoft.com", nil, "docs"),         -- Azure AD; no stable public host under it
    },
    ip_ranges = { "20.190.128.0/18", "40.126.0.0/18" },  -- the guide's (Azure AD)
  },
  -- US Government: the docs name *.windowsazure.us, *.microsoftonline.us
  -- and *.usgovcloudapi.net besides the common entries; no IP ranges.
  usgov = {
    urls = {
      ep("www.msftncsi.com", "http://www.msftncsi.com/ncsi.txt", "guide"),
      ep("*.microsoft.com", "https://www.microsoft.com/", "guide", true),
      ep("*.windowsazure.us", "https://manage.windowsazure.us/", "docs", true),
      ep("*.microsoftonline.us", "https://login.microsoftonline.us/", "docs", true),
      ep("*.windows.net", "https://login.windows.net/", "guide", true),
      ep("*.usgovcloudapi.net", "https://management.usgovcloudapi.net/", "docs", true),
      ep("www.msftconnecttest.com", "http://www.msftconnecttest.com/connecttest.txt", "guide"),
    },
    ip_ranges = {},
  },
}

-- The vault credentials file is generated by the portal through Azure
-- Resource Manager after an Azure AD sign-in.
M.PORTAL = {
  public = {
    urls = {
      ep("portal.azure.com", "https://portal.azure.com/", "portal"),
      ep("management.azure.com", "https://management.azure.com/", "portal"),
      ep("login.microsoftonline.com", "https://login.microsoftonline.com/", "portal"),
    },
    ip_ranges = {},
  },
  usgov = {
    urls = {
      ep("portal.azure.us", "https://portal.azure.us/", "portal"),
      ep("management.usgovcloudapi.net", "https://management.usgovcloudapi.net/", "portal"),
      ep("login.microsoftonline.us", "https://login.microsoftonline.us/", "portal"),
    },
    ip_ranges = {},
  },
}

function M.merge(...)
  local out = {}
  for i = 1, select("#", ...) do
    for k, v in pairs((select(i, ...))) do out[k] = v end
  end
  return out
end

M.PARAMS = M.merge(proxy.PARAMS, {
  cloud = { type = "string", default = "public", doc = "endpoint set: public or usgov" },
  endpoints = { type = "list", default = {},
                doc = "endpoints to probe instead of the cloud's (URLs or host names; ;-separated)" },
  extra_endpoints = { type = "list", default = {}, doc = "endpoints to probe besides the cloud's" },
  ip_ranges = { type = "list", default = {}, doc = "IP ranges to probe instead of the cloud's (CIDR)" },
  ip_sample = { type = "number", default = 0, min = 0, max = 64,
                doc = "addresses probed per IP range, for information only (0: none)" },
  ip_port = { type = "number", default = 443, min = 1, max = 65535, doc = "port probed on those addresses" },
  timeout = { type = "number", default = 5, min = 1, max = 120, doc = "seconds per probe" },
  probe_offline = { type = "boolean", default = false,
                    doc = "probe the network even with --root (the rescue machine's network, not the server's)" },
  cainfo = { type = "string", default = "", doc = "CA bundle for the probes (tests)" },
  resolve = { type = "list", default = {}, doc = "host:port:address entries mapping names (tests)" },
  connect_to = { type = "list", default = {}, doc = "host:port:to_host:to_port entries redirecting probes (tests)" },
})

-- ---------- targets ----------

local function to_url(item)
  if item:find("://", 1, true) then return item end
  return "https://" .. item .. "/"
end

local function host_of(url)
  return url:match("^%a[%w+.-]*://%[?([^/%]:]+)") or url
end

--- The endpoints and IP ranges for these parameters: endpoints is a list
--- of { pattern, url (nil: listed, not probed), host, source,
--- representative }; set is M.ENDPOINTS (default) or M.PORTAL.
function M.targets(params, set)
  params = params or {}
  local cloud = params.cloud or "public"
  local base = (set or M.ENDPOINTS)[cloud]
  if not base then
    return nil, ("unknown cloud '%s' (public or usgov)"):format(tostring(cloud))
  end
  local eps = {}
  local given = params.endpoints
  if type(given) == "table" and #given > 0 then
    for _, item in ipairs(given) do
      local url = to_url(item)
      eps[#eps + 1] = { pattern = host_of(url), url = url, source = "parameter" }
    end
  else
    for _, e in ipairs(base.urls) do
      eps[#eps + 1] = { pattern = e.pattern, url = e.url, source = e.source,
                        representative = e.representative }
    end
  end
  for _, item in ipairs(params.extra_endpoints or {}) do
    local url = to_url(item)
    eps[#eps + 1] = { pattern = host_of(url), url = url, source = "parameter" }
  end
  -- the agent's service host, from the vault credentials file
  if not (type(given) == "table" and #given > 0) then
    local svc = M.service_url(params)
    for _, e in ipairs(eps) do
      if svc and not e.url and (e.pattern == "*.backup.windowsazure.com") then
        e.url, e.representative, e.from = svc.url, true, svc.file
      end
    end
  end
  for _, e in ipairs(eps) do e.host = e.url and host_of(e.url) or nil end
  local ranges = base.ip_ranges
  if type(params.ip_ranges) == "table" and #params.ip_ranges > 0 then ranges = params.ip_ranges end
  return eps, ranges
end

--- The agent's service endpoint named by the newest readable vault
--- credentials file (IdMgmtRestEndpoint under *.backup.windowsazure.com):
--- { url, file } | nil.
function M.service_url(params)
  local ok, vc = pcall(require, "marsplay.vaultcreds")
  if not ok or not mp.reg.available() then return nil end
  local p = {}
  for k, spec in pairs(vc.PARAMS) do p[k] = spec.default end
  for k, v in pairs(params or {}) do p[k] = v end
  local ok2, scan = pcall(vc.scan, p)
  if not ok2 or not scan then return nil end
  for _, g in ipairs(vc.groups(scan.files)) do
    local ep_url = g[1].id_endpoint
    local host = type(ep_url) == "string" and ep_url:match("^https://([%w%.%-]+)/?")
    if host and host:lower():sub(-#".backup.windowsazure.com") == ".backup.windowsazure.com" then
      return { url = "https://" .. host .. "/", file = g[1].path }
    end
  end
  return nil
end

local function list_or_nil(t)
  if type(t) == "table" and #t > 0 then
    local out = {}
    for i, v in ipairs(t) do out[i] = v end
    return out
  end
  return nil
end

--- Options for net.probe from the parameters.
function M.probe_options(params, url, user, bypass)
  params = params or {}
  -- TLS 1.2 at least: what the agent itself requires.
  local o = { timeout = params.timeout or 5, tls_min = "1.2", proxy = url, proxy_user = url and user or nil,
              noproxy = url and proxy.curl_noproxy(bypass) or nil,
              resolve = list_or_nil(params.resolve), connect_to = list_or_nil(params.connect_to) }
  if type(params.cainfo) == "string" and params.cainfo ~= "" then o.cainfo = params.cainfo end
  return o
end

-- ---------- the check ----------

local HINT = {
  dns = T("the name does not resolve: check the server's DNS", "o nome não é resolvido: verifique o DNS do servidor"),
  refused = T("the connection is refused: a firewall rejects it", "a conexão é recusada: um firewall a rejeita"),
  timeout = T("no answer: a firewall drops the traffic", "sem resposta: um firewall descarta o tráfego"),
  tls = T("the TLS handshake fails: TLS inspection or TLS 1.2 disabled", "o handshake TLS falha: inspeção TLS ou TLS 1.2 desabilitado"),
  proxy_auth = T("the proxy demands credentials (407)", "o proxy exige credenciais (407)"),
  proxy = T("the proxy refused or failed the connection", "o proxy recusou ou não completou a conexão"),
  error = T("the probe failed", "a sonda falhou"),
}

local function result_of(r)
  return {
    result = r.result, http_status = r.http_status, proxy_status = r.proxy_status,
    detail = r.detail, ip = r.ip, elapsed_ms = r.elapsed_ms and math.floor(r.elapsed_ms + 0.5),
    via_proxy = r.via_proxy,
  }
end

local function add_hint(recs, kind, names)
  local h = HINT[kind] or HINT.error
  recs[#recs + 1] = T(names .. ": " .. h.en .. ".", names .. ": " .. h["pt-BR"] .. ".")
end

--- Probe the endpoints (and IP ranges) through the agent's proxy.
--- opts: { set = M.ENDPOINTS | M.PORTAL, what = T(...) naming the set in
--- messages }.
function M.detect(ctx, opts)
  opts = opts or {}
  local p = ctx.params or {}
  if ctx.offline and not p.probe_offline then
    return mp.skip(T("Connectivity is a property of the running server; offline (--root) this machine's network says nothing about the server's " ..
                     "(set probe_offline=true to probe from here anyway).",
                     "A conectividade é uma propriedade do servidor em execução; offline (--root) a rede desta máquina não diz nada sobre a do servidor " ..
                     "(defina probe_offline=true para testar daqui mesmo assim)."))
  end
  local eps, ranges = M.targets(p, opts.set)
  if not eps then return { status = "error", reason = ranges } end
  local targets, which, urls = {}, {}, {}
  local not_probed = {}
  for _, e in ipairs(eps) do
    if e.url then
      targets[#targets + 1] = { name = e.pattern, url = e.url }
      which[#targets] = e
      urls[#targets] = e.url
    else
      not_probed[#not_probed + 1] = e.pattern
    end
  end
  local routes, user, info = proxy.routes(p, urls)
  if info.error then return { status = "error", reason = info.error } end
  local purl
  local net = require "marsplay.net"

  -- the proxy of the run: the one every probed endpoint used, else "per endpoint"
  local first = routes[1] or info.route
  local same = true
  for _, rt in ipairs(routes) do
    if rt.proxy ~= first.proxy or tostring(rt.source) ~= tostring(first.source) then same = false end
  end
  local live_routes = info.live
  local ev = { cloud = p.cloud or "public", proxy_credentials = user ~= nil,
               endpoints = {}, failed = {}, not_probed = not_probed }
  if same then
    purl = first.proxy
    ev.proxy = purl and first.server or T("none (direct)", "nenhum (direto)")
    ev.proxy_source = first.source
  else
    purl = nil
    for _, rt in ipairs(routes) do purl = purl or rt.proxy end
    ev.proxy = T("per endpoint (see endpoints)", "por endpoint (veja endpoints)")
    ev.proxy_source = T("per endpoint", "por endpoint")
  end
  if info.reason then ev.proxy_note = info.reason end   -- a text (proxy.effective)
  if info.notes then ev.proxy_notes = info.notes end    -- texts (proxy.routes, live)
  if info.autoconfig then
    ev.autoconfig_url = info.autoconfig
    if not live_routes then
      ev.autoconfig_note = T("a proxy auto-config script is set for SYSTEM; marsplay does not run it here: the probes used " ..
                             (purl and "ProxyServer" or "no proxy"),
                             "um script de configuração automática de proxy está definido para SYSTEM; o marsplay não o executa aqui: " ..
                             "as sondagens usaram " .. (purl and "o ProxyServer" or "nenhum proxy"))
    end
  end

  -- one net.probe per distinct proxy, the results back in endpoint order
  local failures = {}     -- { label=, result= }
  local results = {}
  local groups, gorder = {}, {}
  for i, rt in ipairs(routes) do
    local key = tostring(rt.proxy) .. "|" .. tostring(rt.bypass)
    if not groups[key] then groups[key] = { route = rt, idx = {} }; gorder[#gorder + 1] = key end
    table.insert(groups[key].idx, i)
  end
  for _, key in ipairs(gorder) do
    local g = groups[key]
    local list = {}
    for k, i in ipairs(g.idx) do list[k] = targets[i] end
    local o = M.probe_options(p, g.route.proxy, user, g.route.bypass)
    for k, r in ipairs(net.probe(list, o)) do results[g.idx[k]] = r end
  end
  for i, r in ipairs(results) do
    local e = which[i]
    local row = result_of(r)
    row.name, row.host, row.url, row.source = e.pattern, e.host, e.url, e.source
    row.representative = e.representative
    row.from = e.from
    if live_routes then
      row.proxy = routes[i].server or "direct"
      row.proxy_source = routes[i].source
    end
    ev.endpoints[#ev.endpoints + 1] = row
    if r.result ~= "ok" then
      local label = e.pattern
      if e.pattern ~= e.host then label = e.pattern .. " (" .. e.host .. ")" end
      failures[#failures + 1] = { label = label, result = r.result }
    end
  end

  -- IP ranges: where the Azure AD endpoints actually resolved (informational)
  if ranges and #ranges > 0 and opts.ip ~= false then
    for _, row in ipairs(ev.endpoints) do
      local aad = row.host and (row.host:match("microsoftonline") or row.host:match("^login%.windows%.net$"))
      if aad and row.ip and not row.via_proxy then
        local inside
        for _, cidr in ipairs(ranges) do
          if net.cidr_contains(cidr, row.ip) then inside = cidr end
        end
        ev.aad_addresses = ev.aad_addresses or {}
        ev.aad_addresses[#ev.aad_addresses + 1] = ("%s %s: %s"):format(row.host, row.ip, inside or "-")
        if not inside then ev.outside_ranges = true end
      end
    end
  end
  -- sampled addresses of the ranges, on request: informational only
  local sample = math.floor(p.ip_sample or 0)
  if sample > 0 and ranges and #ranges > 0 and opts.ip ~= false then
    ev.ip_ranges = {}
    local ipt, ipw = {}, {}
    for _, cidr in ipairs(ranges) do
      local addrs, err = net.cidr_sample(cidr, sample)
      if not addrs then return { status = "error", reason = err, evidence = ev } end
      for _, a in ipairs(addrs) do
        local h = a:find(":", 1, true) and ("[" .. a .. "]") or a
        ipt[#ipt + 1] = { name = a, url = ("https://%s:%d/"):format(h, math.floor(p.ip_port or 443)) }
        ipw[#ipt] = cidr
      end
    end
    local io = M.probe_options(p, first.proxy, user, first.bypass)
    io.insecure = true
    for i, r in ipairs(#ipt > 0 and net.probe(ipt, io) or {}) do
      local row = result_of(r)
      row.range, row.address = ipw[i], ipt[i].name
      row.tcp_reachable = r.result == "ok" or r.result == "tls"
      row.informational = true
      ev.ip_ranges[#ev.ip_ranges + 1] = row
    end
  end

  local total = #ev.endpoints
  ev.total = total
  ev.failed_count = #failures
  local kinds, order = {}, {}
  for _, f in ipairs(failures) do
    ev.failed[#ev.failed + 1] = f.label .. ": " .. f.result
    if not kinds[f.result] then kinds[f.result] = {}; order[#order + 1] = f.result end
    table.insert(kinds[f.result], f.label)
  end
  local what = opts.what or T("endpoints", "endpoints")
  ev.what = what.en
  if #failures == 0 then
    local msg = T(("All %d probed {what} answer (proxy: {proxy})."):format(total),
                  ("Todos os %d endpoints testados respondem (proxy: {proxy})."):format(total))
    if #ev.not_probed > 0 then
      msg = T(msg.en .. " Not probed (no public host to test; allow them too): {not_probed}.",
              msg["pt-BR"] .. " Não testados (sem host público para testar; libere-os também): {not_probed}.")
    end
    if ev.outside_ranges then
      msg = T(msg.en .. " Azure AD resolved outside the guide's IP ranges ({aad_addresses}): allow the names, not only those ranges.",
              msg["pt-BR"] .. " O Azure AD foi resolvido fora dos intervalos de IP do guia ({aad_addresses}): libere os nomes, não só esses intervalos.")
    end
    return mp.pass(ev, msg)
  end

  local names = {}
  for _, f in ipairs(failures) do names[#names + 1] = f.label end
  local list = table.concat(names, ", ")
  local recs = {}
  local msg
  if kinds.proxy_auth then
    local who = table.concat(kinds.proxy_auth, ", ")
    msg = T("(407) Proxy Authentication Required: the proxy {proxy} demands credentials for " .. who .. ".",
            "(407) Autenticação de Proxy Necessária: o proxy {proxy} exige credenciais para " .. who .. ".")
    recs[#recs + 1] = T("Give the agent the proxy credentials: Set-OBMachineSetting -ProxyServer http://<host> -ProxyPort <port> " ..
                        "-ProxyUsername <user> -ProxyPassword <SecureString> (or in the agent console: Change Properties > Proxy Configuration).",
                        "Informe ao agente as credenciais do proxy: Set-OBMachineSetting -ProxyServer http://<host> -ProxyPort <porta> " ..
                        "-ProxyUsername <usuário> -ProxyPassword <SecureString> (ou no console do agente: Alterar Propriedades > Configuração de Proxy).")
    recs[#recs + 1] = T("Or have the proxy let the server reach these addresses without authentication.",
                        "Ou configure o proxy para permitir que o servidor acesse esses endereços sem autenticação.")
    if #failures > #kinds.proxy_auth then
      msg = T(msg.en .. " Also unreachable: {failed}.", msg["pt-BR"] .. " Também inacessíveis: {failed}.")
    end
  else
    msg = T(("%d of %d {what} cannot be reached: {failed}."):format(#failures, total),
            ("%d de %d endpoints não podem ser acessados: {failed}."):format(#failures, total))
  end
  recs[#recs + 1] = T("Have the firewall and proxy allow HTTPS (port 443) to: " .. list .. ".",
                      "Peça que o firewall e o proxy permitam HTTPS (porta 443) para: " .. list .. ".")
  for _, k in ipairs(order) do
    if k ~= "proxy_auth" then add_hint(recs, k, table.concat(kinds[k], ", ")) end
  end
  recs[#recs + 1] = T("Add these URLs and IP addresses to the trusted sites in Internet Explorer (for the SYSTEM account too).",
                      "Adicione essas URLs e endereços IP aos sites confiáveis do Internet Explorer (também para a conta SYSTEM).")
  if purl then
    recs[#recs + 1] = T("The probes used the proxy {proxy} ({proxy_source}); if the server should not use a proxy, clear the proxy option (Verifying proxy settings for Windows).",
                        "As sondas usaram o proxy {proxy} ({proxy_source}); se o servidor não deve usar proxy, desmarque a opção de proxy (Verificando as configurações de proxy para o Windows).")
  else
    recs[#recs + 1] = T("If the network requires a proxy, set it for the agent and give its details (Set-OBMachineSetting -ProxyServer ... -ProxyPort ...).",
                        "Se a rede exigir um proxy, configure-o no agente e informe seus detalhes (Set-OBMachineSetting -ProxyServer ... -ProxyPort ...).")
  end
  recs[#recs + 1] = T("If the connection goes through Azure ExpressRoute, check its configuration for Azure Backup.",
                      "Se a conexão passar pelo Azure ExpressRoute, verifique sua configuração para o Backup do Azure.")
  return mp.manual { evidence = ev, message = msg, recommendations = recs }
end

-- ---------- Internet Explorer: File download in the Internet zone ----------
--
-- URL action 0x1803 (file download) of security zone 3 (Internet): 0
-- enable, 1 prompt, 3 disable.  Policies win over the account's own
-- setting; the machine's zone template is used when the account has no
-- value; no value at all means the Internet zone's default, enabled.

M.ZONE_KEYS = {
  machine_policy = [[HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings\Zones\3]],
  system_policy = [[HKU\S-1-5-18\Software\Policies\Microsoft\Windows\CurrentVersion\Internet Settings\Zones\3]],
  system = [[HKU\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Zones\3]],
  machine = [[HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Zones\3]],
}
M.FILE_DOWNLOAD = "1803"

local ZONE_ACTION = { [0] = T("enabled", "habilitado"), [1] = T("prompt", "perguntar"), [3] = T("disabled", "desabilitado") }

local function zone_value(key)
  local v = mp.reg.get(key, M.FILE_DOWNLOAD)
  if math.type(v) == "integer" then return v end
  return nil
end

function M.detect_file_download(_ctx)
  local ok, why = mp.reg.available()
  if not ok then
    return mp.skip(T("No Windows registry on this system (" .. tostring(why) .. "): Internet Explorer's zone settings cannot be read.",
                     "Sem registro do Windows neste sistema (" .. tostring(why) .. "): as configurações de zona do Internet Explorer não podem ser lidas."))
  end
  local ev = {}
  local effective, from
  for _, which in ipairs { "machine_policy", "system_policy", "system", "machine" } do
    local v = zone_value(M.ZONE_KEYS[which])
    ev[which] = v or false
    if v and not effective then effective, from = v, which end
  end
  ev.effective = effective and (ZONE_ACTION[effective] or T("value " .. effective, "valor " .. effective))
                 or T("enabled (default)", "habilitado (padrão)")
  ev.from = from and M.ZONE_KEYS[from] or T("default", "padrão")
  local steps = {
    T("In Internet Explorer (as SYSTEM: psexec -i -s iexplore.exe) go to Tools > Internet Options > Security > Internet > Custom level, " ..
      "scroll to Downloads > File download and select Enable.",
      "No Internet Explorer (como SYSTEM: psexec -i -s iexplore.exe) vá para Ferramentas > Opções da Internet > Segurança > Internet > Nível personalizado, " ..
      "role até Downloads > Download de arquivo e selecione Habilitar."),
    T("You may also have to add the agent's URLs and IP addresses to the trusted sites.",
      "Você também pode ter que adicionar as URLs e os endereços IP do agente aos sites confiáveis."),
  }
  if effective == nil or effective == 0 then
    return mp.pass(ev, T("File download is allowed in the Internet zone ({effective}).",
                         "O download de arquivos é permitido na zona da Internet ({effective})."))
  end
  if from == "machine_policy" or from == "system_policy" then
    return mp.manual { evidence = ev,
      message = T("A policy sets File download in the Internet zone to {effective} ({from}).",
                  "Uma política define o download de arquivos na zona da Internet como {effective} ({from})."),
      recommendations = {
        T("Change the group policy (Computer/User Configuration > Administrative Templates > Windows Components > Internet Explorer > " ..
          "Internet Control Panel > Security Page > Internet Zone > Allow file downloads) to Enabled, then run gpupdate /force.",
          "Altere a política de grupo (Configuração do Computador/Usuário > Modelos Administrativos > Componentes do Windows > Internet Explorer > " ..
          "Painel de Controle da Internet > Página de Segurança > Zona da Internet > Permitir downloads de arquivos) para Habilitado e execute gpupdate /force."),
        steps[2],
      } }
  end
  return mp.finding { evidence = ev, key = M.ZONE_KEYS[from],
    message = T("File download is not enabled in the Internet zone ({effective}; {from}).",
                "O download de arquivos não está habilitado na zona da Internet ({effective}; {from})."),
    recommendations = steps }
end

function M.fix_file_download(finding)
  mp.fix.set_value(finding.key, M.FILE_DOWNLOAD, "REG_DWORD", 0)
end

return M
