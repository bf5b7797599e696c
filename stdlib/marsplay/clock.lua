-- marsplay.clock: the server's clock and time zone (guide: basic
-- troubleshooting, "the clock on the protected system is set to the
-- right time zone"; additional recommendations, "date and time match the
-- local time zone").
--
--   clock.PARAMS              parameter specs (merge into a playbook's params)
--   clock.detect_skew(ctx)     host clock vs. the Date header of an HTTPS endpoint
--   clock.detect_timezone(ctx) the time zone setting in the SYSTEM hive
--
-- The skew needs the running server: offline, the rescue machine's clock
-- says nothing about the server's (unless probe_offline).  The time zone
-- is read from HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation.

local mp = require "marsplay"
local connectivity = require "marsplay.connectivity"
local proxy = require "marsplay.proxy"

local T = mp.text

local M = {}

M.TZ_KEY = [[HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation]]

M.PARAMS = {
  clock_url = { type = "string", default = "https://login.microsoftonline.com/",
                doc = "HTTPS endpoint whose Date header the clock is compared with" },
  clock_max_skew = { type = "number", default = 300, min = 1,
                     doc = "largest tolerated difference between the clocks, seconds" },
  expected_timezone = { type = "string", default = "",
                        doc = "Windows time zone the server should use (TimeZoneKeyName, e.g. 'E. South America Standard Time'); empty: not compared" },
}

local function iso(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(t))
end

local SYNC = {
  T("Synchronise the clock: w32tm /resync (check the time source with w32tm /query /status; in an Azure VM the host provides the time).",
    "Sincronize o relógio: w32tm /resync (verifique a fonte de hora com w32tm /query /status; em uma VM do Azure o host fornece a hora)."),
  T("Check that the time zone is the local one (tzutil /g), then retry the operation.",
    "Verifique se o fuso horário é o local (tzutil /g) e repita a operação."),
}

--- Host clock vs. the Date header of params.clock_url.
function M.detect_skew(ctx)
  local p = ctx.params or {}
  if ctx.offline and not p.probe_offline then
    return mp.skip(T("The clock of the running server cannot be read from an offline volume; this machine's clock says nothing about it " ..
                     "(set probe_offline=true to compare this machine's clock).",
                     "O relógio do servidor em execução não pode ser lido de um volume offline; o relógio desta máquina não diz nada sobre ele " ..
                     "(defina probe_offline=true para comparar o relógio desta máquina)."))
  end
  local net = require "marsplay.net"
  local url = p.clock_url or M.PARAMS.clock_url.default
  local max = p.clock_max_skew or M.PARAMS.clock_max_skew.default
  local routes, user, info = proxy.routes(p, { url })
  if info.error then return { status = "error", reason = info.error } end
  local route = routes[1]
  local purl = route.proxy
  local o = connectivity.probe_options(p, purl, user, route.bypass)
  local before = mp.sys.now()
  local r = net.probe({ { name = "clock", url = url } }, o)[1]
  local after = mp.sys.now()
  local ev = { url = url, result = r.result, max_skew_seconds = max,
               proxy = purl and route.server or "none (direct)" }
  if r.result ~= "ok" then
    ev.detail = r.detail
    return mp.skip(T("The clock could not be compared: {url} did not answer ({result}); see the connectivity check.",
                     "O relógio não pôde ser comparado: {url} não respondeu ({result}); veja a verificação de conectividade."), ev)
  end
  if not r.date_epoch then
    ev.date = r.date or false
    return mp.skip(T("The clock could not be compared: {url} sent no usable Date header.",
                     "O relógio não pôde ser comparado: {url} não enviou um cabeçalho Date utilizável."), ev)
  end
  -- The server stamped its Date somewhere between before and after;
  -- compare with the middle and allow the 1 s resolution of the header.
  local host = (before + after) / 2
  local skew = host - r.date_epoch
  ev.host_time = iso(host)
  ev.server_date = r.date
  ev.skew_seconds = math.floor(skew + 0.5)
  ev.abs_skew_seconds = math.abs(ev.skew_seconds)
  ev.direction = skew >= 0 and "ahead" or "behind"
  if math.abs(skew) <= max + 1 + (after - before) / 2 then
    return mp.pass(ev, T("The clock is within {abs_skew_seconds} s of {url} (limit {max_skew_seconds} s).",
                         "O relógio está a {abs_skew_seconds} s de {url} (limite {max_skew_seconds} s)."))
  end
  return mp.manual { evidence = ev,
    message = T("The clock is {abs_skew_seconds} s {direction} of {url} (host {host_time}, server {server_date}; limit {max_skew_seconds} s).",
                "O relógio está {abs_skew_seconds} s " .. (skew >= 0 and "adiantado" or "atrasado") ..
                " em relação a {url} (host {host_time}, servidor {server_date}; limite {max_skew_seconds} s)."),
    recommendations = SYNC }
end

--- The time zone setting of the target (SYSTEM hive).
function M.detect_timezone(ctx)
  local p = ctx.params or {}
  local ok, why = mp.reg.available()
  if not ok then
    return mp.skip(T("Not applicable: no Windows registry on this system (" .. tostring(why) .. "); the Windows time zone setting lives in the SYSTEM hive.",
                     "Não se aplica: sem registro do Windows neste sistema (" .. tostring(why) .. "); o fuso horário do Windows fica no hive SYSTEM."))
  end
  local vals, err, code = mp.reg.values(M.TZ_KEY)
  local ev = { key = M.TZ_KEY }
  if not vals and code ~= "ENOENT" then
    return { status = "error", reason = err, evidence = ev }
  end
  local v = {}
  for name, e in pairs(vals or {}) do v[name:lower()] = e.value end
  local name = type(v.timezonekeyname) == "string" and v.timezonekeyname:match("^%s*(.-)%s*$") or ""
  ev.timezone = name ~= "" and name or false
  ev.standard_name = v.standardname or nil
  if math.type(v.bias) == "integer" then  -- a LONG stored as DWORD
    ev.bias_minutes = v.bias >= 0x80000000 and v.bias - 0x100000000 or v.bias
  end
  ev.real_time_is_universal = v.realtimeisuniversal or 0
  ev.dynamic_dst_disabled = v.dynamicdaylighttimedisabled or 0
  ev.key_exists = vals ~= nil
  local expected = type(p.expected_timezone) == "string" and p.expected_timezone:match("^%s*(.-)%s*$") or ""
  if expected ~= "" then ev.expected_timezone = expected end
  local set_tz = T("Set the time zone to the local one: tzutil /s \"<time zone>\" (list them with tzutil /l), or Settings > Time & Language.",
                   "Defina o fuso horário local: tzutil /s \"<fuso>\" (liste com tzutil /l), ou Configurações > Hora e Idioma.")
  if name == "" then
    return mp.manual { evidence = ev,
      message = T("No time zone is set: TimeZoneKeyName is missing or empty in {key}.",
                  "Nenhum fuso horário definido: TimeZoneKeyName ausente ou vazio em {key}."),
      recommendations = { set_tz, SYNC[1] } }
  end
  if expected ~= "" and expected:lower() ~= name:lower() then
    return mp.manual { evidence = ev,
      message = T("The time zone is '{timezone}', not the expected '{expected_timezone}'.",
                  "O fuso horário é '{timezone}', não o esperado '{expected_timezone}'."),
      recommendations = { set_tz, SYNC[1] } }
  end
  if expected ~= "" then
    return mp.pass(ev, T("The time zone is '{timezone}', as expected.", "O fuso horário é '{timezone}', como esperado."))
  end
  return mp.pass(ev, T("The time zone is set to '{timezone}' (set expected_timezone to compare it with the local one).",
                       "O fuso horário está definido como '{timezone}' (defina expected_timezone para compará-lo com o local)."))
end

return M
