-- marsplay.antivirus: are the agent's files excluded from antivirus
-- scanning?  The guide asks for exclusions of cbengine.exe, every CSC.exe,
-- the scratch folder and the Bin folder (in the registration, connection
-- and cache sections).  Windows Defender's exclusions are readable from
-- the registry, offline too; other products keep theirs in their own
-- formats, so without Defender the check says what to verify by hand.

local mp = require "marsplay"
local mars = require "marsplay.mars"

local fs, reg = mp.fs, mp.reg
local T = mp.text

local M = {}

local DEFENDER = [[HKLM\SOFTWARE\Microsoft\Windows Defender]]
local DEFENDER_POLICY = [[HKLM\SOFTWARE\Policies\Microsoft\Windows Defender]]

local function expand_env(p)
  return (p:gsub("%%(%w+)%%", function(v)
    local l = v:lower()
    if l == "programfiles" then return [[C:\Program Files]] end
    if l == "systemroot" or l == "windir" then return [[C:\Windows]] end
    if l == "systemdrive" then return "C:" end
  end))
end

-- Exclusions of one kind ("Paths", "Processes") from the settings and the
-- policy, as lower-case Lua patterns (Defender's * is a wildcard).  A key
-- that cannot be read (access denied: recent Windows lets only SYSTEM read
-- Defender's exclusions) is added to denied: its exclusions are unknown,
-- not absent.
local function exclusions(kind, denied)
  local out = {}
  for _, base in ipairs { DEFENDER, DEFENDER_POLICY } do
    local key = base .. [[\Exclusions\]] .. kind
    local vals, _, code = reg.values(key)
    if not vals and (code == "EACCES" or code == "EPERM") then denied[#denied + 1] = key end
    for name in pairs(vals or {}) do
      local p = mars.norm(expand_env(name)):lower()
      out[#out + 1] = { text = name, pat = "^" .. p:gsub("[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0"):gsub("%*", ".*") }
    end
  end
  return out
end

local function path_covered(path, paths)
  local p = mars.norm(path):lower()
  for _, x in ipairs(paths) do
    if p:match(x.pat .. "$") or p:match(x.pat .. "\\") then return true end
  end
  return false
end

local function process_covered(path, procs, paths)
  local p = mars.norm(path):lower()
  local base = p:match("([^\\]+)$")
  for _, x in ipairs(procs) do
    if base:match(x.pat .. "$") or p:match(x.pat .. "$") then return true end
  end
  return path_covered(path, paths)
end

-- Every csc.exe of the .NET Framework versions on the volume.
local function csc_files()
  local out = {}
  for _, fw in ipairs(fs.glob([[C:\Windows\Microsoft.NET]], "Framework*") or {}) do
    local dir = [[C:\Windows\Microsoft.NET\]] .. fw
    for _, v in ipairs(fs.glob(dir, "v*") or {}) do
      local exe = dir .. "\\" .. v .. [[\csc.exe]]
      if fs.exists(exe) then out[#out + 1] = exe end
    end
  end
  return out
end

-- opts.consequence: what scanning can break, e.g.
-- T("antivirus scanning can block the registration", ...).
function M.detect(agent, opts)
  opts = opts or {}
  local needed = mars.exclusions(agent)
  if not reg.exists(DEFENDER) then
    return mp.skip(T("Windows Defender is not installed on this volume and other antivirus products keep their exclusions in their own formats: make sure they exclude {needed}.",
                     "O Windows Defender não está instalado neste volume e outros antivírus guardam suas exclusões em formatos próprios: verifique se excluem {needed}."),
                   { needed = needed })
  end
  if reg.get(DEFENDER_POLICY, "DisableAntiSpyware") == 1 or reg.get(DEFENDER, "DisableAntiSpyware") == 1 then
    return mp.skip(T("Windows Defender is turned off (DisableAntiSpyware=1); another antivirus product may be in use: make sure it excludes {needed}.",
                     "O Windows Defender está desativado (DisableAntiSpyware=1); outro antivírus pode estar em uso: verifique se ele exclui {needed}."),
                   { needed = needed })
  end
  local denied = {}
  local paths, procs = exclusions("Paths", denied), exclusions("Processes", denied)
  if #denied > 0 then
    return mp.skip(T("Windows Defender's exclusions could not be read ({denied}: access denied; recent Windows lets only SYSTEM read them), so whether it excludes {needed} is unknown. "
                     .. "Check as an administrator in PowerShell: Get-MpPreference | Select-Object ExclusionPath, ExclusionProcess.",
                     "As exclusões do Windows Defender não puderam ser lidas ({denied}: acesso negado; o Windows recente só deixa SYSTEM lê-las), então não se sabe se ele exclui {needed}. "
                     .. "Verifique como administrador no PowerShell: Get-MpPreference | Select-Object ExclusionPath, ExclusionProcess."),
                   { denied = denied, needed = needed })
  end
  local missing = {}
  local scratch = mars.scratch(agent)
  if not process_covered(mars.join(agent.bin, "cbengine.exe"), procs, paths) then
    missing[#missing + 1] = mars.join(agent.bin, "cbengine.exe")
  end
  local cscs = csc_files()
  if #cscs == 0 then cscs = { "CSC.exe" } end
  for _, exe in ipairs(cscs) do
    if not process_covered(exe, procs, paths) then missing[#missing + 1] = exe end
  end
  if not path_covered(scratch, paths) then missing[#missing + 1] = scratch end
  if not path_covered(agent.bin, paths) then missing[#missing + 1] = agent.bin end
  local shown = {}
  for _, x in ipairs(paths) do shown[#shown + 1] = x.text end
  for _, x in ipairs(procs) do shown[#shown + 1] = x.text end
  local ev = { excluded = shown, needed = needed }
  if #missing == 0 then
    return mp.pass(ev, T("Windows Defender excludes cbengine.exe, CSC.exe, the scratch folder and the Bin folder.",
                         "O Windows Defender exclui cbengine.exe, CSC.exe, a pasta de rascunho e a pasta Bin."))
  end
  ev.missing = missing
  local recs = { T("Add these Windows Defender exclusions (or the same in the antivirus in use), then retry the operation:",
                   "Adicione estas exclusões no Windows Defender (ou no antivírus em uso) e repita a operação:") }
  for _, m in ipairs(missing) do recs[#recs + 1] = "  " .. m end
  recs[#recs + 1] = T("There is one CSC.exe per .NET Framework version: exclude each of them.",
                      "Há um CSC.exe para cada versão do .NET Framework: exclua todos.")
  return mp.manual { evidence = ev, recommendations = recs,
    message = opts.message or T("Windows Defender does not exclude {missing}; antivirus scanning can block the agent.",
                                "O Windows Defender não exclui {missing}; a verificação antivírus pode bloquear o agente.") }
end

return M
