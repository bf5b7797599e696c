-- marsplay.services: Windows services as the SYSTEM hive describes them
-- (HKLM\SYSTEM\CurrentControlSet\Services\<name>): installed or not, how
-- they start, and whether their binary is on the volume.  Whether a
-- service *runs* is a fact of the live system: offline it is unknown.
--
-- Used for obengine (the MARS engine, basic troubleshooting) and MSiSCSI
-- (the iSCSI initiator, restore).

local mp = require "marsplay"
local mars = require "marsplay.mars"

local fs, reg, fix = mp.fs, mp.reg, mp.fix
local T = mp.text

local M = {}

M.ROOT = [[HKLM\SYSTEM\CurrentControlSet\Services]]

M.START_NAMES = { [0] = "boot", [1] = "system", [2] = "automatic", [3] = "manual", [4] = "disabled" }
local START_PT = { [0] = "boot", [1] = "sistema", [2] = "automático", [3] = "manual", [4] = "desabilitado" }

-- The start type in both languages.
local function start_text(n)
  return M.START_NAMES[n] or ("unknown (" .. tostring(n) .. ")"), START_PT[n] or ("desconhecido (" .. tostring(n) .. ")")
end

function M.key(name) return M.ROOT .. "\\" .. name end

-- ---------- environment variables in REG_EXPAND_SZ paths ----------

local ENV_KEY = [[HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment]]

local function env_table()
  local function sw(key, name, dflt)
    local v = reg.get(key, name)
    return type(v) == "string" and mars.norm(v) or dflt
  end
  local root = sw([[HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion]], "SystemRoot", [[C:\Windows]])
  local cv = [[HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion]]
  local env = {
    systemroot = root, windir = root, systemdrive = root:match("^(%a:)") or "C:",
    programfiles = sw(cv, "ProgramFilesDir", [[C:\Program Files]]),
    ["programfiles(x86)"] = sw(cv, "ProgramFilesDir (x86)", [[C:\Program Files (x86)]]),
    commonprogramfiles = sw(cv, "CommonFilesDir", [[C:\Program Files\Common Files]]),
    programdata = [[C:\ProgramData]],
  }
  -- the machine's own variables (values may refer to the ones above)
  for name, e in pairs(reg.values(ENV_KEY) or {}) do
    if type(e.value) == "string" and not env[name:lower()] then env[name:lower()] = e.value end
  end
  return env
end

--- Expand %VAR% from the target's machine environment (unknown names stay).
function M.expand(s)
  if type(s) ~= "string" or not s:find("%", 1, true) then return s end
  local env = env_table()
  for _ = 1, 4 do            -- nested references, bounded
    local changed = false
    s = s:gsub("%%([^%%]+)%%", function(n)
      local v = env[n:lower()]
      if v then changed = true; return v end
    end)
    if not changed then break end
  end
  return s
end

-- ---------- the binary a service runs ----------

local function is_file(p)
  local st = fs.stat(p)
  return st ~= nil and st.type == "file"
end

-- Kernel-style paths: \SystemRoot\..., System32\..., \??\C:\...
local function kernel_path(p)
  local root = M.expand("%SystemRoot%")
  if p:match("^\\[Ss][Yy][Ss][Tt][Ee][Mm][Rr][Oo][Oo][Tt]\\") then return root .. p:sub(12) end
  if p:match("^\\%?%?\\") then return p:sub(5) end
  if not p:match("^%a:") and not p:match("^\\") then return root .. "\\" .. p end
  return p
end

--- The executable an ImagePath names: quoted, or the unquoted path the
--- way Windows resolves it (the shortest prefix ending at a space that is
--- an existing file, else the first one ending in .exe/.sys/.dll).
function M.image_file(image_path)
  if type(image_path) ~= "string" or image_path == "" then return nil end
  local p = M.expand(image_path):match("^%s*(.-)%s*$")
  local quoted = p:match('^"([^"]*)"')
  if quoted then return kernel_path(quoted) end
  local cands = {}
  local from = 1
  while true do
    local sp = p:find(" ", from, true)
    cands[#cands + 1] = kernel_path(sp and p:sub(1, sp - 1) or p)
    if not sp then break end
    from = sp + 1
  end
  for _, c in ipairs(cands) do
    if c:lower():match("%.[a-z][a-z][a-z]$") and is_file(c) then return c end
  end
  for _, c in ipairs(cands) do
    if is_file(c) then return c end
  end
  for _, c in ipairs(cands) do
    local ext = c:lower():match("%.(%w+)$")
    if ext == "exe" or ext == "sys" or ext == "dll" then return c end
  end
  return cands[1]
end

--- What the SYSTEM hive says about a service: { name, key, exists, start,
--- start_name, delayed, image_path, image_file, image_exists, service_dll,
--- service_dll_exists, display_name, type } | nil, message (no registry).
function M.read(name)
  local key = M.key(name)
  local vals, err, code = reg.values(key)
  local info = { name = name, key = key }
  if not vals then
    if code == "ENOENT" then info.exists = false; return info end
    return nil, err
  end
  local v = {}
  for n, e in pairs(vals) do v[n:lower()] = e.value end
  info.exists = true
  info.start = math.type(v.start) == "integer" and v.start or nil
  info.start_name = info.start and M.START_NAMES[info.start] or "unknown"
  info.delayed = v.delayedautostart == 1 or nil
  info.display_name = v.displayname
  info.type = v.type
  if type(v.imagepath) == "string" then
    info.image_path = v.imagepath
    info.image_file = M.image_file(v.imagepath)
    info.image_exists = info.image_file ~= nil and is_file(info.image_file)
  end
  local dll = reg.get(key .. [[\Parameters]], "ServiceDll")
  if type(dll) == "string" then
    info.service_dll = kernel_path(M.expand(dll))
    info.service_dll_exists = is_file(info.service_dll)
  end
  return info
end

-- Evidence for a report (no nils where a value is expected).
local function evidence(info)
  return { service = info.name, key = info.key, installed = info.exists,
           start = info.start, start_type = info.start_name, delayed = info.delayed,
           display_name = info.display_name, image_path = info.image_path,
           image_file = info.image_file, image_exists = info.image_exists,
           service_dll = info.service_dll, service_dll_exists = info.service_dll_exists }
end

--- detect: the service is installed, starts as opts.ok_starts allows and
--- its binary is on the volume.
--- opts = { name=, ok_starts = {2} , fix_start = 2, missing_steps = {T...},
---          binary_steps = {T...}, label = T(...) }
--- A disabled (or otherwise not allowed) start type is a finding whose
--- fix sets Start = opts.fix_start (see M.fix_start).
function M.detect_configured(opts)
  local info, err = M.read(opts.name)
  if not info then return { status = "error", reason = err } end
  local ev = evidence(info)
  ev.live_state = T("not read: whether a service runs is only known on the running server",
                    "não lido: se um serviço está em execução só se sabe no servidor em funcionamento")
  local scm = mp.sys.live() and mp.sys.service(opts.name)
  if scm then
    -- live Windows: what the Service Control Manager says (it starts the
    -- service from its own copy of this configuration)
    ev.live_state, ev.pid, ev.account, ev.scm_start = scm.state, scm.pid, scm.account, scm.start
  end
  if not info.exists then
    return mp.manual { evidence = ev, recommendations = opts.missing_steps,
      message = T("The {service} service is not installed: {key} does not exist.",
                  "O serviço {service} não está instalado: {key} não existe.") }
  end
  if info.image_path and not info.image_exists then
    return mp.manual { evidence = ev, recommendations = opts.binary_steps,
      message = T("The {service} service's binary {image_file} (ImagePath {image_path}) is missing.",
                  "O binário do serviço {service}, {image_file} (ImagePath {image_path}), não existe.") }
  end
  if info.service_dll and not info.service_dll_exists then
    return mp.manual { evidence = ev, recommendations = opts.binary_steps,
      message = T("The {service} service's DLL {service_dll} is missing.",
                  "A DLL do serviço {service}, {service_dll}, não existe.") }
  end
  if not info.image_path then
    return mp.manual { evidence = ev, recommendations = opts.missing_steps,
      message = T("The {service} service has no ImagePath in {key}: it cannot start.",
                  "O serviço {service} não tem ImagePath em {key}: ele não consegue iniciar.") }
  end
  local ok = false
  for _, s in ipairs(opts.ok_starts) do
    if info.start == s then ok = true end
  end
  local now_en, now_pt = start_text(info.start)
  if ok then
    return mp.pass(ev, T("The {service} service is installed, its start type is " .. now_en .. " (Start={start}) and its binary {image_file} is present; " ..
                         "whether it runs is only known on the running server.",
                         "O serviço {service} está instalado, seu tipo de inicialização é " .. now_pt .. " (Start={start}) e seu binário {image_file} existe; " ..
                         "se ele está em execução só se sabe no servidor em execução."))
  end
  local want_en, want_pt = start_text(opts.fix_start)
  local sc = opts.fix_start == 2 and "auto" or "demand"
  ev.fix_start = opts.fix_start
  ev.fix_start_type = want_en
  return mp.finding { evidence = ev, service = info.name, fix_start = opts.fix_start,
    message = T("The {service} service's start type is " .. now_en .. " (Start={start}): it cannot start. The least change that lets it start is " .. want_en .. " (Start={fix_start}).",
                "O tipo de inicialização do serviço {service} é " .. now_pt .. " (Start={start}): ele não consegue iniciar. "
                .. "A menor mudança que permite iniciá-lo é " .. want_pt .. " (Start={fix_start})."),
    recommendations = {
      T("Set the service's startup type to " .. want_en .. " (Automatic also works): services.msc, or sc config {service} start= " .. sc .. ", then start it.",
        "Defina o tipo de inicialização do serviço como " .. want_pt .. " (Automático também funciona): services.msc, ou sc config {service} start= " .. sc .. ", e inicie-o."),
    },
    -- the fix only changes Start: the service still has to be started
    next_steps = {
      T("Start the {service} service on the running server: services.msc, or net start {service} in an elevated prompt.",
        "Inicie o serviço {service} no servidor em execução: services.msc, ou net start {service} em um prompt elevado."),
    } }
end

--- fix: start type = finding.fix_start.  Offline the Start value
--- (REG_DWORD) of the SYSTEM hive, the only thing touched; live on
--- Windows through the Service Control Manager (which keeps its own copy
--- and writes Start itself), read back.
function M.fix_start(finding)
  if mp.sys.live() and mp.sys.service(finding.service) then
    fix.service_start(finding.service, finding.fix_start)
  else
    fix.set_value(M.key(finding.service), "Start", "REG_DWORD", finding.fix_start)
  end
end

--- detect (live only): a process named process (e.g. "cbengine.exe") runs.
--- Offline: skipped, saying why.  Live: pass, or a finding whose fix
--- starts the service (M.fix_running).
function M.detect_running(name, process)
  if not mp.sys.live() then
    return mp.skip(T("Whether the " .. name .. " service runs is only known on the running server; this is an offline volume (--root).",
                     "Se o serviço " .. name .. " está em execução só se sabe no servidor em execução; este é um volume offline (--root)."),
                   { service = name })
  end
  local ev = { service = name, process = process, running = false }
  local scm, why, code = mp.sys.service(name)
  if scm then
    -- live Windows: the Service Control Manager knows
    ev.state, ev.pid, ev.running = scm.state, scm.pid, scm.state == "running"
    if ev.running then
      return mp.pass(ev, T("The " .. name .. " service runs (pid {pid}).",
                           "O serviço " .. name .. " está em execução (pid {pid})."))
    end
    return mp.finding { evidence = ev, service = name,
      message = T("The " .. name .. " service is not running (the Service Control Manager says: {state}).",
                  "O serviço " .. name .. " não está em execução (o Gerenciador de Controle de Serviços diz: {state})."),
      recommendations = {
        T("Start the service (services.msc, or net start " .. name .. ") and retry the operation.",
          "Inicie o serviço (services.msc, ou net start " .. name .. ") e repita a operação."),
      } }
  elseif code == "ENOENT" then
    ev.scm = why
    return mp.manual { evidence = ev,
      message = T("The " .. name .. " service is not installed.", "O serviço " .. name .. " não está instalado."),
      recommendations = {
        T("Reinstall the Microsoft Azure Recovery Services agent.", "Reinstale o agente dos Serviços de Recuperação do Microsoft Azure."),
      } }
  end
  -- no Service Control Manager here (ENOSYS): look for its process
  local procs, err = mp.sys.processes()
  if not procs then return { status = "error", reason = err } end
  local want = process:lower():gsub("%.exe$", "")
  for _, p in ipairs(procs) do
    local n = tostring(p.name or ""):lower():gsub("%.exe$", "")
    if n == want then
      ev.running = true
      ev.pid = p.pid
      return mp.pass(ev, T("The " .. name .. " service runs ({process}, pid {pid}).",
                           "O serviço " .. name .. " está em execução ({process}, pid {pid})."))
    end
  end
  return mp.finding { evidence = ev, service = name,
    message = T("The " .. name .. " service is not running (no {process} process).",
                "O serviço " .. name .. " não está em execução (nenhum processo {process})."),
    recommendations = {
      T("Start the service (services.msc, or net start " .. name .. ") and retry the operation.",
        "Inicie o serviço (services.msc, ou net start " .. name .. ") e repita a operação."),
    } }
end

function M.fix_running(finding)
  fix.service(finding.service, "start")
end

return M
