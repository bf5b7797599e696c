-- marsplay.powershell: the Windows PowerShell prerequisites of the MARS
-- agent's scheduled backup (a PowerShell call into the MSOnlineBackup
-- module), read from the target's registry and files.
--
-- Facts used:
--  - Windows PowerShell 3.0 and later record their version in
--    HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine\PowerShellVersion;
--    2.0 in ...\1\PowerShellEngine (present beside 3.0+ too, so \3 wins).
--  - The LocalMachine execution policy is ...\PowerShell\1\ShellIds\
--    Microsoft.PowerShell\ExecutionPolicy.  Unset (Undefined), the default
--    applies: RemoteSigned on Windows Server 2012 R2 (build 9600) and
--    later, Restricted on Windows clients and older servers.  Group Policy
--    (HKLM\SOFTWARE\Policies\Microsoft\Windows\PowerShell, EnableScripts
--    and ExecutionPolicy) overrides it.
--  - PowerShell finds a module by name in <folder>\<Name>\<Name>.psd1 for
--    each folder of PSModulePath; the agent's module is
--    <install>\bin\Modules\MSOnlineBackup, so the folder PowerShell needs is
--    <install>\bin\Modules (Microsoft's automation article adds exactly
--    that).  The guide names ...\bin\Modules\MSOnlineBackup; either entry
--    is accepted, the fix appends ...\bin\Modules.

local mp = require "marsplay"
local mars = require "marsplay.mars"

local fs, reg, fix = mp.fs, mp.reg, mp.fix
local T = mp.text
local errtext = require "marsplay.errtext"

local M = {}

M.ENGINE3 = [[HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine]]
M.ENGINE1 = [[HKLM\SOFTWARE\Microsoft\PowerShell\1\PowerShellEngine]]
M.SHELL = [[HKLM\SOFTWARE\Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell]]
M.GPO = [[HKLM\SOFTWARE\Policies\Microsoft\Windows\PowerShell]]
M.ENV = [[HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment]]
M.NT = [[HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion]]
M.CV = [[HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion]]
M.SAFE_POLICY = "RemoteSigned"
-- Windows' own PSModulePath, used when the value is missing altogether
M.DEFAULT_PSMODULEPATH = [[%ProgramFiles%\WindowsPowerShell\Modules;%SystemRoot%\system32\WindowsPowerShell\v1.0\Modules]]

local function str(key, name)
  local v, ty = reg.get(key, name)
  if type(v) == "string" then return v, ty end
  return nil
end

-- ---------- PowerShell version ----------

local function parts(v)
  local out = {}
  for n in tostring(v):gmatch("%d+") do out[#out + 1] = tonumber(n) end
  return out
end

-- a >= b, comparing dotted versions
function M.at_least(a, b)
  local x, y = parts(a), parts(b)
  for i = 1, math.max(#x, #y) do
    local p, q = x[i] or 0, y[i] or 0
    if p ~= q then return p > q end
  end
  return true
end

--- The installed Windows PowerShell: version, registry key | nil.
function M.version()
  for _, key in ipairs { M.ENGINE3, M.ENGINE1 } do
    local v = str(key, "PowerShellVersion")
    if v then return v, key end
  end
  return nil
end

local UPGRADE = {
  T("Install Windows Management Framework 5.1 (Windows PowerShell 5.1) on the server; the scheduled backup runs in Windows PowerShell, which must be 3.0 or later.",
    "Instale o Windows Management Framework 5.1 (Windows PowerShell 5.1) no servidor; o backup agendado é executado no Windows PowerShell, que precisa ser 3.0 ou posterior."),
  T("Check on the server with: $PSVersionTable.PSVersion (Major must be 3 or more).",
    "Confira no servidor com: $PSVersionTable.PSVersion (Major precisa ser 3 ou mais)."),
}

function M.detect_version(params)
  local min = params.min_powershell
  local v, key = M.version()
  local ev = { minimum = min }
  if not v then
    ev.looked_in = { M.ENGINE3, M.ENGINE1 }
    return mp.manual { evidence = ev, recommendations = UPGRADE,
      message = T("No Windows PowerShell version found in the registry ({looked_in}).",
                  "Nenhuma versão do Windows PowerShell encontrada no registro ({looked_in}).") }
  end
  ev.version, ev.key = v, key
  if M.at_least(v, min) then
    return mp.pass(ev, T("Windows PowerShell {version} (at least {minimum}).",
                         "Windows PowerShell {version} (pelo menos {minimum})."))
  end
  return mp.manual { evidence = ev, recommendations = UPGRADE,
    message = T("Windows PowerShell {version} is older than {minimum}: the scheduled backup's PowerShell cmdlets cannot run.",
                "O Windows PowerShell {version} é anterior a {minimum}: os cmdlets do PowerShell do backup agendado não podem ser executados.") }
end

-- ---------- PSModulePath ----------

-- %Name% of a machine environment value, from the target's registry.
local function env_var(name)
  local n = name:lower()
  if n == "programfiles" or n == "programw6432" then
    return str(M.CV, "ProgramW6432Dir") or str(M.CV, "ProgramFilesDir") or [[C:\Program Files]]
  elseif n == "programfiles(x86)" then
    return str(M.CV, "ProgramFilesDir (x86)") or [[C:\Program Files (x86)]]
  elseif n == "systemroot" or n == "windir" then
    return str(M.NT, "SystemRoot") or [[C:\Windows]]
  elseif n == "systemdrive" then
    return (str(M.NT, "SystemRoot") or "C:"):sub(1, 2)
  end
  return str(M.ENV, name)
end

function M.expand(s)
  return (s:gsub("%%([^%%]+)%%", function(n) return env_var(n) end))
end

local function same(a, b)
  return mars.norm(a):lower() == mars.norm(b):lower()
end

function M.modules_dir(agent) return mars.join(agent.install, [[bin\Modules]]) end
function M.module_dir(agent) return mars.join(M.modules_dir(agent), "MSOnlineBackup") end

function M.detect_module_path(agent)
  local want, also = M.modules_dir(agent), M.module_dir(agent)
  local value, ty = str(M.ENV, "PSModulePath")
  local ev = { expected = want, key = M.ENV }
  local recs = {
    T([[Add {expected} to the machine environment variable PSModulePath (System Properties > Environment Variables), then restart the server.]],
      [[Adicione {expected} à variável de ambiente de máquina PSModulePath (Propriedades do Sistema > Variáveis de Ambiente) e reinicie o servidor.]]),
  }
  if value then
    ev.value, ev.type = value, ty
    for entry in value:gmatch("[^;]+") do
      local e = M.expand(entry)
      if e:match("%S") and (same(e, want) or same(e, also)) then
        ev.entry = entry
        return mp.pass(ev, T("PSModulePath holds {entry}.", "PSModulePath contém {entry}."))
      end
    end
    local sep = (value == "" or value:sub(-1) == ";") and "" or ";"
    ev.new_value = value .. sep .. want
  else
    ev.value, ev.type = false, false
    ev.new_value = M.DEFAULT_PSMODULEPATH .. ";" .. want
  end
  return mp.finding { evidence = ev, recommendations = recs,
    new_value = ev.new_value, new_type = ty or "REG_EXPAND_SZ",
    message = T("The machine PSModulePath does not include {expected}: the MSOnlineBackup module that starts the scheduled backup is not found.",
                "O PSModulePath da máquina não inclui {expected}: o módulo MSOnlineBackup que inicia o backup agendado não é encontrado.") }
end

function M.fix_module_path(finding)
  fix.set_value(M.ENV, "PSModulePath", finding.new_type, finding.new_value)
end

-- ---------- execution policy ----------

local function os_default()
  local kind = str(M.NT, "InstallationType")
  local product = str(M.NT, "ProductName") or ""
  local build = tonumber(str(M.NT, "CurrentBuildNumber") or str(M.NT, "CurrentBuild") or "")
  local server = (kind and kind:match("^Server")) or (kind == "Nano Server")
                 or (not kind and product:match("Server"))
  local what = ("%s, build %s"):format(product ~= "" and product or "unknown Windows", build or "?")
  if server and build and build >= 9600 then return "RemoteSigned", what end
  if kind == "Client" or (server and build and build < 9600) then return "Restricted", what end
  return nil, what
end

local SET_POLICY = T([[Elevated: Get-ExecutionPolicy -List, then Set-ExecutionPolicy RemoteSigned -Scope LocalMachine (the guide ]]
                     .. [[allows Unrestricted or RemoteSigned; RemoteSigned still blocks unsigned scripts downloaded from the internet).]],
                     [[Em modo elevado: Get-ExecutionPolicy -List e depois Set-ExecutionPolicy RemoteSigned -Scope LocalMachine (o guia ]]
                     .. [[permite Unrestricted ou RemoteSigned; RemoteSigned ainda bloqueia scripts não assinados baixados da internet).]])

function M.detect_execution_policy()
  local ev = { key = M.SHELL }
  local gpo_on = reg.get(M.GPO, "EnableScripts")
  local gpo_policy = str(M.GPO, "ExecutionPolicy")
  if gpo_on == 0 then
    ev.group_policy = "EnableScripts=0"
    ev.group_policy_key = M.GPO
    return mp.manual { evidence = ev,
      message = T([[Group Policy "Turn on Script Execution" is Disabled: PowerShell scripts are restricted on this server whatever LocalMachine says.]],
                  [[A Política de Grupo "Ativar a Execução de Scripts" está Desabilitada: scripts do PowerShell ficam restritos neste servidor, independentemente de LocalMachine.]]),
      recommendations = {
        T([[Ask the Group Policy owner to enable "Turn on Script Execution" (Administrative Templates > ]]
          .. [[Windows Components > Windows PowerShell) with "Allow local scripts and remote signed scripts".]],
          [[Peça ao responsável pela Política de Grupo para habilitar "Ativar a Execução de Scripts" (Modelos Administrativos ]]
          .. [[> Componentes do Windows > Windows PowerShell) com "Permitir scripts locais e scripts remotos assinados".]]),
      } }
  end
  if gpo_on == 1 and gpo_policy then
    ev.group_policy = gpo_policy
    ev.group_policy_key = M.GPO
    return mp.pass(ev, T("Group Policy sets the execution policy to {group_policy}.",
                         "A Política de Grupo define a política de execução como {group_policy}."))
  end
  local lm = str(M.SHELL, "ExecutionPolicy")
  ev.local_machine = lm or false
  if lm and lm:lower() ~= "undefined" and lm:lower() ~= "default" then
    if lm:lower() ~= "restricted" then
      return mp.pass(ev, T("LocalMachine execution policy: {local_machine}.",
                           "Política de execução de LocalMachine: {local_machine}."))
    end
    ev.new_policy = M.SAFE_POLICY
    return mp.finding { evidence = ev, recommendations = { SET_POLICY },
      message = T("LocalMachine execution policy is Restricted: the PowerShell cmdlet that starts the scheduled backup can fail.",
                  "A política de execução de LocalMachine é Restricted: o cmdlet do PowerShell que inicia o backup agendado pode falhar.") }
  end
  local default, what = os_default()
  ev.windows = what
  ev.default = default or false
  if default == "RemoteSigned" then
    return mp.pass(ev, T("LocalMachine execution policy is not set; the default on {windows} is RemoteSigned.",
                         "A política de execução de LocalMachine não está definida; o padrão em {windows} é RemoteSigned."))
  end
  ev.new_policy = M.SAFE_POLICY
  return mp.finding { evidence = ev, recommendations = { SET_POLICY },
    message = default
      and T("LocalMachine execution policy is not set and the default on {windows} is Restricted.",
            "A política de execução de LocalMachine não está definida e o padrão em {windows} é Restricted.")
      or T("LocalMachine execution policy is not set and the default for {windows} is unknown; setting it makes it certain.",
           "A política de execução de LocalMachine não está definida e o padrão para {windows} é desconhecido; defini-la elimina a dúvida.") }
end

function M.fix_execution_policy()
  fix.set_value(M.SHELL, "ExecutionPolicy", "REG_SZ", M.SAFE_POLICY)
end

-- ---------- MSOnlineBackup module files ----------

-- Keys of a module manifest that name files of the module.
local FILE_KEYS = { "RootModule", "ModuleToProcess", "NestedModules", "RequiredAssemblies",
                    "TypesToProcess", "FormatsToProcess", "ScriptsToProcess", "FileList" }

-- Strip PowerShell comments (<# ... #> and # to end of line) outside strings.
local function strip_comments(s)
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = s:sub(i, i)
    if c == "'" or c == '"' then
      local j = s:find(c, i + 1, true) or n
      out[#out + 1] = s:sub(i, j)
      i = j + 1
    elseif s:sub(i, i + 1) == "<#" then
      local j = s:find("#>", i + 2, true)
      i = j and j + 2 or n + 1
    elseif c == "#" then
      local j = s:find("\n", i, true)
      i = j or n + 1
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
  return table.concat(out)
end

-- The quoted strings of the value after "Key =": a single string, a
-- comma-separated list or an @( ... ) array.
local function strings_after(s, pos)
  local list = {}
  local rest = s:sub(pos)
  local arr = rest:match("^%s*@(%b())")
  local body = arr or rest:match("^%s*([^\r\n]*)")
  for _, q in body:gmatch("(['\"])(.-)%1") do list[#list + 1] = q end
  return list
end

-- The text with every string's content blanked (same length), so keys
-- are only searched outside strings.
local function mask_strings(s)
  return (s:gsub("(['\"])(.-)%1", function(q, body) return q .. (" "):rep(#body) .. q end))
end

--- The files a module manifest names (rough parse).  Returns list, ok
--- (false when the text does not look like a manifest: no @{ ... }).
function M.manifest_files(text)
  local s = strip_comments(text:gsub("^\239\187\191", ""))
  if not s:find("@{", 1, true) then return {}, false end
  local lower = mask_strings(s):lower()
  local seen, out = {}, {}
  for _, key in ipairs(FILE_KEYS) do
    local init = 1
    while true do
      local a, b = lower:find(key:lower() .. "%s*=", init)
      if not a then break end
      local prev = a > 1 and lower:sub(a - 1, a - 1) or ""
      if not prev:match("[%w_]") then
        for _, f in ipairs(strings_after(s, b + 1)) do
          local k = f:lower()
          if f ~= "" and not seen[k] then seen[k] = true; out[#out + 1] = f end
        end
      end
      init = b + 1
    end
  end
  return out, true
end

-- Extensions of files a module ships; anything else after a dot is part
-- of a module name ("Microsoft.Foo.Bar").
local FILE_EXT = { dll = true, exe = true, psm1 = true, psd1 = true, ps1 = true, ps1xml = true,
                   cdxml = true, xml = true, json = true, txt = true, config = true, mof = true,
                   resources = true, cat = true }

local COPY_STEPS = {
  T([[On a server where the MARS agent works, copy the folder MSOnlineBackup from C:\Program Files\Microsoft Azure Recovery Services Agent\bin\Modules.]],
    [[Em um servidor onde o agente MARS funciona, copie a pasta MSOnlineBackup de C:\Program Files\Microsoft Azure Recovery Services Agent\bin\Modules.]]),
  T([[On this server, paste it into the same location ({modules}); if a MSOnlineBackup folder is already there, paste the files into it, replacing the existing ones.]],
    [[Neste servidor, cole-a no mesmo local ({modules}); se já houver uma pasta MSOnlineBackup, cole os arquivos nela, substituindo os existentes.]]),
}

-- Is the file at path present and plausible?  nil when fine, else
-- "missing" or a reason it is corrupt.
local function file_problem(path, name)
  local st = fs.stat(path)
  if not st then return "missing" end
  if st.type ~= "file" then return "not a file (" .. tostring(st.type) .. ")" end
  if st.size == 0 then return "empty (0 bytes)" end
  local ext = name:lower():match("%.(%w+)$")
  if ext == "dll" or ext == "exe" then
    local f = io.open(path, "rb")
    local head = f and f:read(2)
    if f then f:close() end
    if head and head ~= "MZ" then return "not a Windows binary (no MZ header)" end
  end
  return nil
end

function M.detect_module_files(agent)
  local dir = M.module_dir(agent)
  local psd1 = mars.join(dir, "MSOnlineBackup.psd1")
  local ev = { module = dir, modules = M.modules_dir(agent) }
  local function bad(msg)
    return mp.manual { evidence = ev, message = msg, recommendations = COPY_STEPS }
  end
  local st = fs.stat(dir)
  if not st then
    return bad(T("The module folder {module} does not exist.", "A pasta do módulo {module} não existe."))
  end
  local prob = file_problem(psd1, "MSOnlineBackup.psd1")
  if prob == "missing" then
    ev.missing = { "MSOnlineBackup.psd1" }
    return bad(T("The module manifest MSOnlineBackup.psd1 is missing from {module}.",
                 "O manifesto do módulo MSOnlineBackup.psd1 não existe em {module}."))
  end
  local text = not prob and fs.read(psd1, 1 << 20)
  if text and (text:sub(1, 2) == "\255\254" or text:sub(1, 2) == "\254\255") then
    text = mp.xml.utf16_to_utf8(text, text:sub(1, 1) == "\254")   -- PowerShell 5.1 writes UTF-16
  end
  local listed, ok = {}, false
  if text then listed, ok = M.manifest_files(text) end
  if prob or not ok then
    ev.corrupt = { errtext.text("MSOnlineBackup.psd1: " .. (prob or "not a module manifest (no @{ ... })")) }
    return bad(T("The module manifest is damaged: {corrupt}.", "O manifesto do módulo está danificado: {corrupt}."))
  end
  local checked, missing, corrupt, other = { "MSOnlineBackup.psd1" }, {}, {}, {}
  for _, f in ipairs(listed) do
    local rel = f:gsub("/", "\\"):gsub("^%.\\", "")
    if rel:find("[%$:]") or rel:match("^\\") then
      other[#other + 1] = f                              -- not a path inside the folder
    elseif FILE_EXT[(rel:match("%.(%w+)$") or ""):lower()] then
      checked[#checked + 1] = rel
      local p = file_problem(mars.join(dir, rel), rel)
      if p == "missing" then missing[#missing + 1] = rel
      elseif p then corrupt[#corrupt + 1] = errtext.text(rel .. ": " .. p) end
    else
      -- a module name: fine if the folder holds it under a module extension
      local found
      for _, ext in ipairs { ".psd1", ".psm1", ".dll" } do
        if fs.exists(mars.join(dir, rel .. ext)) then found = rel .. ext end
      end
      if found then
        checked[#checked + 1] = found
        local p = file_problem(mars.join(dir, found), found)
        if p then corrupt[#corrupt + 1] = errtext.text(found .. ": " .. p) end
      else
        other[#other + 1] = f
      end
    end
  end
  ev.files = checked
  if #other > 0 then ev.not_checked = other end
  if #missing == 0 and #corrupt == 0 then
    return mp.pass(ev, T("{module}: every file the manifest names is present ({files}).",
                         "{module}: todos os arquivos citados pelo manifesto estão presentes ({files})."))
  end
  if #missing > 0 then ev.missing = missing end
  if #corrupt > 0 then ev.corrupt = corrupt end
  if #missing > 0 and #corrupt > 0 then
    return bad(T("MSOnlineBackup module files missing: {missing}; damaged: {corrupt}.",
                 "Arquivos do módulo MSOnlineBackup ausentes: {missing}; danificados: {corrupt}."))
  elseif #missing > 0 then
    return bad(T("MSOnlineBackup module files missing: {missing}.", "Arquivos do módulo MSOnlineBackup ausentes: {missing}."))
  end
  return bad(T("MSOnlineBackup module files damaged: {corrupt}.", "Arquivos do módulo MSOnlineBackup danificados: {corrupt}."))
end

return M
