-- marsplay.scratch: the cache (scratch) folder checks and the documented
-- cache move, shared by the cache, activation, passphrase and common-issues
-- playbooks.  Each function is a detect or fix body; playbooks wrap them in
-- checks with their own ids, titles and error IDs.

local mp = require "marsplay"
local mars = require "marsplay.mars"

local fs, fix = mp.fs, mp.fix
local T = mp.text
local errtext = require "marsplay.errtext"

-- fs.attrs's note (runtime/bind/bind_fs.c), sentence by sentence in pt-BR.
local NOTE_PT = {
  { "Windows attributes read from the NTFS volume (ntfs-3g).",
    "Atributos do Windows lidos do volume NTFS (ntfs-3g)." },
  { "Linux view: reparse = a link (junctions and symlinks show as links); "
      .. "compressed/encrypted/immutable from inode flags where the filesystem reports them.",
    "Visão do Linux: reparse = um link (junções e links simbólicos aparecem como links); "
      .. "compactado/criptografado/imutável pelos flags do inode, onde o sistema de arquivos os informa." },
  { " Deduplication cannot be seen from Linux without the NTFS reparse tag.",
    " A eliminação de duplicação não é visível no Linux sem a marca de reparse do NTFS." },
  { " Sparse is a property of files: unknown for a folder.",
    " Esparso é uma propriedade de arquivos: desconhecido para uma pasta." },
}
local function note_text(note)
  local pt = note
  for _, n in ipairs(NOTE_PT) do
    local i, j = pt:find(n[1], 1, true)
    if i then pt = pt:sub(1, i - 1) .. n[2] .. pt:sub(j + 1) end
  end
  return T(note, pt)
end

local M = {}

-- Does folder p hold the agent's key file?
local function has_kek(p)
  return p ~= nil and fs.exists(mars.join(p, "OnlineBackup.KEK"))
end

local function real_dir(p)
  local st = p and fs.stat(p)
  return st ~= nil and st.type == "dir"
end

local function is_dir(p)
  if not p then return false end
  if real_dir(p) then return true end
  local st = fs.stat(p)
  if st and st.type == "link" then
    local lfs = require "lfs"
    return lfs.attributes(p, "mode") == "directory"
  end
  return false
end
M.is_dir = is_dir

-- Offline only the mounted system volume (C:) can be read.  A cache on
-- another drive is normal (the guide's own remedy when C: is short of
-- space): a check of it is not applicable there, never an error.
-- Returns the skip result, or nil when dir can be read here.
function M.other_drive(dir)
  local _, _, code = fs.stat(dir)
  if code ~= "EXDEV" then return nil end
  local ev = { scratch = dir, drive = dir:match("^(%a:)") or dir:match("^(\\\\[^\\]+\\[^\\]+)") or dir }
  return mp.skip(T("Not applicable offline: the scratch folder {scratch} is on {drive}, which is not part of this volume (only the system volume "
                   .. "is mounted). A cache on another drive is normal; check this on the running server or mount that volume too.",
                   "Não se aplica offline: a pasta de rascunho {scratch} está em {drive}, que não faz parte deste volume (só o volume do sistema "
                   .. "está montado). Um cache em outra unidade é normal; verifique isso no servidor em execução ou monte também esse volume."), ev)
end

M.MOVE_STEPS = {
  T("Stop the backup engine: net stop obengine (Services: Microsoft Azure Recovery Services Agent).",
    "Pare o mecanismo de backup: net stop obengine (Serviços: Agente dos Serviços de Recuperação do Microsoft Azure)."),
  T("If any CBSSBVol_<ID> volume is mounted, unmount it.",
    "Se algum volume CBSSBVol_<ID> estiver montado, desmonte-o."),
  T("Copy (do not move) the whole scratch folder to a local fixed volume with enough free space.",
    "Copie (não mova) toda a pasta de rascunho para um volume local e fixo com espaço livre suficiente."),
  T([[Set both registry values HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config\ScratchLocation and ...\Config\CloudBackupProvider\ScratchLocation to the new folder.]],
    [[Ajuste os dois valores do registro HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config\ScratchLocation e ...\Config\CloudBackupProvider\ScratchLocation para a nova pasta.]]),
  T("Start the engine again (net start obengine) and run a backup to confirm.",
    "Inicie o mecanismo novamente (net start obengine) e execute um backup para confirmar."),
}

-- ---------- both registry values name the same folder ----------

function M.detect_registry(agent)
  local a, b = agent.scratch, agent.scratch_provider
  local ev = { config_value = a or false, provider_value = b or false }
  if a and b and mars.same_path(a, b) then
    return mp.pass(ev, T("Both ScratchLocation values name {config_value}.",
                         "Os dois valores ScratchLocation apontam para {config_value}."))
  end
  local recs = {
    T([[Set Config\ScratchLocation and Config\CloudBackupProvider\ScratchLocation to the same existing cache folder (the one holding OnlineBackup.KEK).]],
      [[Ajuste Config\ScratchLocation e Config\CloudBackupProvider\ScratchLocation para a mesma pasta de cache existente (a que contém OnlineBackup.KEK).]]),
  }
  -- Pick the value to keep: the folder holding the key file; then a real
  -- folder over a link; then Config\ScratchLocation.
  local cands = {}
  for _, v in ipairs({ a or false, b or false }) do
    if v and is_dir(v) then
      cands[#cands + 1] = { path = v, kek = has_kek(v), real = real_dir(v) }
    end
  end
  table.sort(cands, function(x, y)
    if x.kek ~= y.kek then return x.kek end
    if x.real ~= y.real then return x.real end
    return false
  end)
  local keep = cands[1] and cands[1].path
  ev.keep = keep or false
  if not a and not b then
    return mp.manual { evidence = ev, recommendations = recs,
      message = T("Neither ScratchLocation value is set: the agent has no cache folder configured.",
                  "Nenhum valor ScratchLocation está definido: o agente não tem pasta de cache configurada.") }
  end
  local msg = (a and b)
    and T([[The two ScratchLocation values differ: Config says {config_value}, CloudBackupProvider says {provider_value}.]],
          [[Os dois valores ScratchLocation diferem: Config diz {config_value}, CloudBackupProvider diz {provider_value}.]])
    or T([[Only one ScratchLocation value is set (Config: {config_value}; CloudBackupProvider: {provider_value}).]],
         [[Apenas um valor ScratchLocation está definido (Config: {config_value}; CloudBackupProvider: {provider_value}).]])
  if not keep then
    return mp.manual { evidence = ev, message = msg, recommendations = recs }
  end
  return mp.finding { evidence = ev, message = msg, recommendations = recs, keep = keep }
end

function M.fix_registry(finding)
  local keep = finding.keep
  local ev = finding.evidence or {}
  -- Provider first, Config last: a run killed in between leaves the new
  -- folder in the provider value, which the rule above keeps on rerun.
  if ev.provider_value ~= keep then fix.set_value(mars.PROVIDER, "ScratchLocation", "REG_SZ", keep) end
  if ev.config_value ~= keep then fix.set_value(mars.CONFIG, "ScratchLocation", "REG_SZ", keep) end
end

-- ---------- the folder exists and is a folder ----------

function M.detect_exists(agent)
  local dir = mars.scratch(agent)
  local elsewhere = M.other_drive(dir)
  if elsewhere then return elsewhere end
  local st, err = fs.stat(dir)
  local ev = { scratch = dir }
  if not st then
    ev.error = errtext.text(err)
    return mp.manual { evidence = ev,
      message = T("The scratch folder {scratch} does not exist.", "A pasta de rascunho {scratch} não existe."),
      recommendations = {
        T("Find where the cache was moved and point both ScratchLocation values at it, or restore the folder with its OnlineBackup.KEK.",
          "Descubra para onde o cache foi movido e aponte os dois valores ScratchLocation para ele, ou restaure a pasta com o seu OnlineBackup.KEK."),
        T("If the cache is lost, re-register the server with the vault (a new passphrase may be required).",
          "Se o cache foi perdido, registre novamente o servidor no cofre (pode ser necessária uma nova senha)."),
        require("marsplay.consequences").NEW_PASSPHRASE,
      } }
  end
  ev.type = st.type
  if st.type ~= "dir" and not is_dir(dir) then
    return mp.manual { evidence = ev,
      message = T("{scratch} is not a folder (it is " .. mp.kind_text(st.type).en .. ").",
                  "{scratch} não é uma pasta (é " .. mp.kind_text(st.type)["pt-BR"] .. ")."),
      recommendations = {
        T("Move the object aside and restore the scratch folder, or point both ScratchLocation values at the real cache folder.",
          "Mova o objeto para outro lugar e restaure a pasta de rascunho, ou aponte os dois valores ScratchLocation para a pasta de cache real."),
      } }
  end
  return mp.pass(ev, T("The scratch folder {scratch} exists.", "A pasta de rascunho {scratch} existe."))
end

-- ---------- readable and writable ----------

-- NTFS permissions are ACLs: POSIX mode bits of a mounted NTFS volume
-- do not reflect them, so they are never used.  The security descriptor
-- is read where it exists (ntfs-3g's system.ntfs_acl, fs.ntfs_acl) and
-- SYSTEM (S-1-5-18, the agent's account) must have full control of the
-- folder; otherwise the check is skipped, saying why.  There is no
-- automatic fix: granting rights is the operator's call (icacls).
local ICACLS = T([[Give SYSTEM full control of the scratch folder, elevated on the server: icacls "{scratch}" /grant *S-1-5-18:(OI)(CI)F ]]
                 .. [[(or Properties > Security > Edit > Add > SYSTEM > Full control); remove any Deny entry for SYSTEM or Everyone.]],
                 [[Dê à conta SYSTEM controle total da pasta de rascunho, em modo elevado no servidor: icacls "{scratch}" /grant *S-1-5-18:(OI)(CI)F ]]
                 .. [[(ou Propriedades > Segurança > Editar > Adicionar > SYSTEM > Controle total); remova qualquer entrada Negar para SYSTEM ou Todos.]])

local ACE_TYPE = { allow = "allow", deny = "deny" }

function M.detect_access(agent)
  local dir = mars.scratch(agent)
  local elsewhere = M.other_drive(dir)
  if elsewhere then return elsewhere end
  local st = fs.stat(dir)
  if not st then return mp.skip(T("The scratch folder is missing.", "A pasta de rascunho não existe.")) end
  local ev = { scratch = dir }
  local vol = fs.volume(dir)
  if vol and vol.readonly then
    ev.readonly_volume = true
    return mp.manual { evidence = ev,
      message = T("The volume holding {scratch} is mounted read-only.", "O volume que contém {scratch} está montado somente leitura."),
      recommendations = { T("Make the volume writable; the agent must write its cache.",
                            "Torne o volume gravável; o agente precisa gravar seu cache.") } }
  end
  local acl, why, code = fs.ntfs_acl(dir)
  if not acl then
    ev.acl = code
    if mp.sys.live() or code == "EOPNOTSUPP" then   -- the Windows API, refused (Wine)
      ev.why = why
      return mp.skip(T([[The NTFS permissions of {scratch} could not be read ({why}): ]]
                       .. [[check on the server that SYSTEM has Full control (icacls "{scratch}").]],
                       [[As permissões NTFS de {scratch} não puderam ser lidas ({why}): ]]
                       .. [[verifique no servidor se SYSTEM tem Controle total (icacls "{scratch}").]]), ev)
    end
    return mp.skip(T([[The NTFS permissions of {scratch} cannot be read on this mount: they are ACLs, which only an ntfs-3g mount exposes; ]]
                     .. [[Linux permission bits say nothing about them. On the server, check that SYSTEM has Full control (icacls "{scratch}").]],
                     [[As permissões NTFS de {scratch} não podem ser lidas nesta montagem: são ACLs, que só uma montagem ntfs-3g expõe; ]]
                     .. [[os bits de permissão do Linux não dizem nada sobre elas. No servidor, verifique se SYSTEM tem Controle total (icacls "{scratch}").]]), ev)
  end
  ev.acl_source = acl.source
  ev.owner = acl.owner
  ev.dacl = {}
  for _, a in ipairs(acl.dacl) do
    ev.dacl[#ev.dacl + 1] = ("%s %s 0x%08X%s"):format(ACE_TYPE[a.type] or tostring(a.type), tostring(a.sid),
                                                       a.mask, a.inherit_only and " (inherit-only)" or "")
  end
  if acl.system_full_control then
    return mp.pass(ev, T("SYSTEM (S-1-5-18), the agent's account, has full control of {scratch}.",
                         "SYSTEM (S-1-5-18), a conta do agente, tem controle total de {scratch}."))
  end
  return mp.manual { evidence = ev, recommendations = { ICACLS },
    message = T("SYSTEM (S-1-5-18), the account the agent runs as, does not have full control of {scratch}: the cache cannot be read or written.",
                "SYSTEM (S-1-5-18), a conta com que o agente é executado, não tem controle total de {scratch}: o cache não pode ser lido nem gravado.") }
end

-- ---------- free space: 5 to 10 % of the protected data ----------

function M.detect_space(agent, params)
  local dir = mars.scratch(agent)
  local elsewhere = M.other_drive(dir)
  if elsewhere then return elsewhere end
  local probe = dir
  local vol, err = fs.volume(probe)
  while not vol and probe:match("\\[^\\]+$") do  -- nearest existing parent
    probe = probe:gsub("\\[^\\]+$", "")
    vol, err = fs.volume(probe)
  end
  if not vol then
    return { status = "error", reason = err }
  end
  local size, how = mars.protected_size(params)
  local ev = { scratch = dir, free_bytes = vol.avail, free = mp.bytes(vol.avail),
               volume_bytes = vol.total, fstype = vol.fstype,
               min_free_pct = params.min_free_pct, recommended_free_pct = params.recommended_free_pct }
  if not size then
    if how then return { status = "error", reason = how, evidence = ev } end
    return mp.skip(T("The size of the protected data is unknown: pass --set protected=<folders;...> or --set protected_bytes=N.",
                     "O tamanho dos dados protegidos é desconhecido: informe --set protected=<pastas;...> ou --set protected_bytes=N."), ev)
  end
  ev.protected_bytes = size
  ev.protected = mp.bytes(size)
  ev.protected_source = how and how.source
  ev.free_pct = size > 0 and (vol.avail * 100 / size) or 100
  ev.required_bytes = size * params.min_free_pct / 100
  ev.required = mp.bytes(ev.required_bytes)
  ev.recommended = mp.bytes(size * params.recommended_free_pct / 100)
  if vol.remote then
    ev.remote = true
    return mp.manual { evidence = ev,
      message = T("The scratch folder {scratch} is on a network volume ({fstype}); the cache must be on a local fixed volume.",
                  "A pasta de rascunho {scratch} está em um volume de rede ({fstype}); o cache precisa estar em um volume local e fixo."),
      recommendations = M.MOVE_STEPS }
  end
  if vol.avail >= ev.required_bytes then
    if size > 0 and vol.avail < size * params.recommended_free_pct / 100 then
      return mp.pass(ev, T("{free} free on the cache volume: above the {min_free_pct}% minimum of {protected} protected, below the recommended {recommended_free_pct}% ({recommended}).",
                           "{free} livres no volume do cache: acima do mínimo de {min_free_pct}% de {protected} protegidos, abaixo dos {recommended_free_pct}% recomendados ({recommended})."))
    end
    return mp.pass(ev, T("{free} free on the cache volume for {protected} of protected data.",
                         "{free} livres no volume do cache para {protected} de dados protegidos."))
  end
  -- The move that cures low space goes to another volume: offline only
  -- the system volume is mounted, so marsplay cannot do it here (moving
  -- within the same volume frees nothing); the steps are the guide's.
  local recs = {
    T("Free space or grow the volume that holds the scratch folder to at least {required}, ideally {recommended}.",
      "Libere espaço ou aumente o volume que contém a pasta de rascunho para pelo menos {required}, idealmente {recommended}."),
    T("Or move the cache to another local fixed volume with enough free space, on the running server, following the documented steps:",
      "Ou mova o cache para outro volume local e fixo com espaço livre suficiente, no servidor em execução, seguindo as etapas documentadas:"),
  }
  for _, s in ipairs(M.MOVE_STEPS) do recs[#recs + 1] = s end
  recs[#recs + 1] = T("System State backups need 30 to 35 GB more.", "Backups de Estado do Sistema precisam de 30 a 35 GB adicionais.")
  return mp.manual { evidence = ev, recommendations = recs,
    message = T("Only {free} free on the cache volume: at least {required} ({min_free_pct}% of {protected} protected) is needed.",
                "Apenas {free} livres no volume do cache: são necessários pelo menos {required} ({min_free_pct}% de {protected} protegidos).") }
end

-- ---------- shadow-copy storage ----------

-- The guide: backups fail without enough shadow copy storage on the
-- protected volume (vssadmin List/Resize ShadowStorage).  Live on Windows
-- the Volume Shadow Copy Service says, for the cache's volume and each
-- protected folder's, how much of its storage is used of its maximum
-- (sys.shadow_storage); the guide gives no threshold, so "nearly full" is
-- the parameter shadow_full_pct.  No storage yet is no fault: VSS
-- creates it, with its default size, at the first shadow copy.
function M.detect_shadow(agent, params)
  local drives, seen = {}, {}
  local function add(p)
    local d = type(p) == "string" and p:match("^(%a):")
    if d and not seen[d:upper()] then seen[d:upper()] = true; drives[#drives + 1] = d:upper() end
  end
  add(mars.scratch(agent))
  for _, p in ipairs(params.protected or {}) do add(p) end
  local ev = { volumes = {}, full_pct = params.shadow_full_pct }
  local short, recs = {}, {}
  for _, d in ipairs(drives) do
    local list, why, code = mp.sys.shadow_storage(d)
    if not list then
      ev.error = code
      ev.why = why
      if code == "EACCES" then
        return mp.skip(T("The shadow copy storage could not be read ({why}): VSS answers only an elevated process, and a dry-run's Low-integrity barrier "
                         .. "may refuse it too; check with vssadmin List ShadowStorage from an elevated prompt.",
                         "O armazenamento de cópias de sombra não pôde ser lido ({why}): o VSS só responde a um processo elevado, e a barreira de "
                         .. "integridade baixa de uma simulação também pode recusá-lo; verifique com vssadmin List ShadowStorage em um prompt elevado."), ev)
      end
      ev.drive = d
      return mp.skip(T("The shadow copy storage could not be read ({why}); check it with vssadmin List ShadowStorage /For={drive}:.",
                       "O armazenamento de cópias de sombra não pôde ser lido ({why}); verifique com vssadmin List ShadowStorage /For={drive}:."), ev)
    end
    if #list == 0 then ev.volumes[#ev.volumes + 1] = d .. ": none yet" end
    for _, a in ipairs(list) do
      local line = ("%s: on %s, used %s of %s (allocated %s)"):format(d, a.on, mp.bytes(a.used),
        a.maximum and mp.bytes(a.maximum) or "no limit", mp.bytes(a.allocated))
      ev.volumes[#ev.volumes + 1] = line
      if a.maximum and a.used >= a.maximum * params.shadow_full_pct / 100 then
        short[#short + 1] = d .. ":"
        recs[#recs + 1] = ("vssadmin Resize ShadowStorage /On=<the volume of %s> /For=%s: /Maxsize=<size>"):format(a.on, d)
      end
    end
  end
  ev.short = short
  if #short == 0 then
    return mp.pass(ev, T("The shadow copy storage is below {full_pct}% of its maximum on every volume checked.",
                         "O armazenamento de cópias de sombra está abaixo de {full_pct}% do máximo em todos os volumes verificados."))
  end
  table.insert(recs, 1, T("Grow the shadow copy storage from an elevated prompt (vssadmin List ShadowStorage shows the volumes):",
                          "Aumente o armazenamento de cópias de sombra em um prompt elevado (vssadmin List ShadowStorage mostra os volumes):"))
  return mp.manual { evidence = ev, recommendations = recs,
    message = T("The shadow copy storage of {short} is at least {full_pct}% used: backups can fail for lack of it.",
                "O armazenamento de cópias de sombra de {short} está com pelo menos {full_pct}% de uso: os backups podem falhar por falta dele.") }
end

-- ---------- the documented cache move ----------

-- Copy the cache to dest, then point both values at it.  The old folder
-- stays (copy, not move): nothing is lost if anything fails.
function M.move(agent, dest)
  local from = mars.scratch(agent)
  fix.service(mars.SERVICE, "stop")
  fix.copy_tree(from, dest)
  fix.set_value(mars.PROVIDER, "ScratchLocation", "REG_SZ", dest)
  fix.set_value(mars.CONFIG, "ScratchLocation", "REG_SZ", dest)
  fix.service(mars.SERVICE, "start")
end

-- ---------- unsupported attributes ----------

local BAD = { "compressed", "encrypted", "sparse", "reparse", "dedup" }

function M.detect_attributes(agent, params)
  local dir = mars.scratch(agent)
  local elsewhere = M.other_drive(dir)
  if elsewhere then return elsewhere end
  local a, err = fs.attrs(dir)
  if not a then
    return mp.skip(T("Cannot read the attributes of {scratch}: {error}",
                     "Não foi possível ler os atributos de {scratch}: {error}"), { scratch = dir, error = errtext.text(err) })
  end
  local ev = { scratch = dir, found = {}, files = {}, unknown = a.unknown or {} }
  for _, name in ipairs(BAD) do
    if a[name] then ev.found[#ev.found + 1] = name end
  end
  -- files directly in the cache: sparse/compressed/encrypted ones
  for _, e in ipairs(fs.dir(dir) or {}) do
    if e.type == "file" then
      local p = mars.join(dir, e.name)
      local fa = fs.attrs(p)
      if fa then
        for _, name in ipairs(BAD) do
          if fa[name] then
            ev.files[#ev.files + 1] = e.name .. " (" .. name .. ")"
          end
        end
      end
    end
  end
  if a.note then ev.note = note_text(a.note) end
  if #ev.found == 0 and #ev.files == 0 then
    return mp.pass(ev, T("No unsupported attribute on {scratch}.", "Nenhum atributo sem suporte em {scratch}."))
  end
  local recs = { T("Move the cache to a folder without these attributes, following the documented steps:",
                   "Mova o cache para uma pasta sem esses atributos, seguindo as etapas documentadas:") }
  for _, s in ipairs(M.MOVE_STEPS) do recs[#recs + 1] = s end
  local msg = #ev.found > 0
    and T("The cache folder {scratch} has unsupported attributes: {found}.",
          "A pasta de cache {scratch} tem atributos sem suporte: {found}.")
    or T("Files in the cache folder have unsupported attributes: {files}.",
         "Arquivos na pasta de cache têm atributos sem suporte: {files}.")
  local dest = params.move_cache_to
  if dest and dest ~= "" then
    ev.move_to = dest
    return mp.finding { evidence = ev, message = msg, recommendations = recs, move_to = dest }
  end
  recs[#recs + 1] = T("marsplay can do this move: rerun with --set move_cache_to=<new folder>.",
                      "O marsplay pode fazer essa movimentação: execute novamente com --set move_cache_to=<nova pasta>.")
  return mp.manual { evidence = ev, message = msg, recommendations = recs }
end

-- ---------- another process holding cache files ----------

-- Offline, the processes that can be listed are the rescue machine's:
-- they say nothing about the server's antivirus.  The process scan is
-- skipped (saying why) and what the volume does show is checked: the
-- Windows Defender exclusions the guide asks for.
local function holders_offline(agent)
  local r = require("marsplay.antivirus").detect(agent, {
    message = T("Windows Defender on this volume does not exclude {missing}; scanning can block the agent's cache.",
                "O Windows Defender deste volume não exclui {missing}; a verificação pode bloquear o cache do agente.") })
  local ev = r.evidence or {}
  r.evidence = ev
  ev.scratch = mars.scratch(agent)
  ev.process_scan = false     -- not run: offline the processes are this machine's (the message says so)
  local why = T("The processes holding the cache can only be listed on the running server (offline they are this machine's, not the server's). ",
                "Os processos que mantêm o cache só podem ser listados no servidor em execução (offline eles são desta máquina, não do servidor). ")
  if r.status == "pass" then
    r.message = T(why.en .. "On the volume: Windows Defender excludes cbengine.exe, CSC.exe, the scratch folder and the Bin folder.",
                  why["pt-BR"] .. "No volume: o Windows Defender exclui cbengine.exe, CSC.exe, a pasta de rascunho e a pasta Bin.")
  elseif r.status == "skipped" then
    local reason = r.reason
    r.reason = T(why.en .. reason.en, why["pt-BR"] .. reason["pt-BR"])
    r.message = r.reason
  else
    table.insert(r.recommendations, T("On the running server, find the processes holding the cache folder open (Resource Monitor > CPU > Associated Handles, "
                                      .. "search the folder name) and stop them or exclude the folder from their scans.",
                                      "No servidor em execução, descubra quais processos mantêm a pasta de cache aberta (Monitor de Recursos > CPU > "
                                      .. "Identificadores Associados, pesquise o nome da pasta) e pare-os ou exclua a pasta das verificações deles."))
  end
  return r
end

-- How each holder is said in the evidence: /proc names the file and the
-- descriptor; Windows' Restart Manager names a process using some file of
-- the folder (which one it does not say); the sharing probe names a file
-- held without sharing, by a process it cannot name.
local function holder_text(h)
  if not h.pid then
    return T(("an unknown process holds %s open without sharing it"):format(h.file),
             ("um processo desconhecido mantém %s aberto sem compartilhá-lo"):format(h.file))
  end
  local who = ("%s (pid %d%s)"):format(h.comm ~= "" and h.comm or (h.app or "?"), h.pid,
    h.service and (", service " .. h.service) or "")
  if h.whole_folder then
    return T(("%s uses files of %s"):format(who, h.file), ("%s usa arquivos de %s"):format(who, h.file))
  end
  return T(("%s holds %s"):format(who, h.file), ("%s mantém %s aberto"):format(who, h.file))
end

-- The agent's own engine (cbengine.exe, service obengine) holds the cache
-- by design.
local function is_agent(h)
  return tostring(h.comm):lower():match("^cbengine") ~= nil or tostring(h.service or ""):lower() == "obengine"
end

local BY_HAND = T("Check by hand: Resource Monitor (resmon.exe), CPU tab, Associated Handles, search for {scratch}; "
                  .. "or Sysinternals handle.exe {scratch}.",
                  "Verifique manualmente: Monitor de Recursos (resmon.exe), guia CPU, Identificadores Associados, "
                  .. "procure {scratch}; ou handle.exe da Sysinternals {scratch}.")

function M.detect_holders(agent)
  local dir = mars.scratch(agent)
  if not mp.sys.live() then return holders_offline(agent) end
  local list, err = fs.holders(dir)
  if not list then
    return mp.skip(T("Cannot list the processes holding files open: {error}. " .. BY_HAND.en,
                     "Não foi possível listar os processos com arquivos abertos: {error}. " .. BY_HAND["pt-BR"]),
                   { error = errtext.text(err), scratch = dir })
  end
  local info = type(err) == "table" and err or {}
  -- method: "proc" (Linux), "restart-manager", "sharing-probe" (Windows:
  -- the Restart Manager failed), "restart-manager+sharing-probe" (it named
  -- nobody, which Wine's always says, so the files were probed too),
  -- "folder-listing" (no file to hold)
  local ev = { scratch = dir, processes = {}, method = info.method }
  -- In a dry-run the kernel sandbox hides /proc: the list was taken just
  -- before it closed.
  if info.snapshot then ev.listed_at = "start of the run (dry-run sandbox)" end
  if info.denied and info.denied > 0 then ev.unreadable_processes = info.denied end
  if info.files then ev.files_checked = info.files end
  if info.probed then ev.files_probed = info.probed end
  if info.cut then ev.files_cut = true end   -- more files than were checked
  if info.restart_manager_error then ev.restart_manager_error = info.restart_manager_error end
  local unknown = false
  for _, h in ipairs(list) do
    if not is_agent(h) then
      ev.processes[#ev.processes + 1] = holder_text(h)
      unknown = unknown or not h.pid
    end
  end
  if #ev.processes == 0 then
    local msg = T("No other process holds files of {scratch} open.",
                  "Nenhum outro processo mantém arquivos de {scratch} abertos.")
    if info.method == "sharing-probe" and not info.probed then
      return mp.skip(T("Cannot tell who holds files of {scratch}: the Restart Manager could not be asked "
                       .. "({restart_manager_error}) and no file could be opened to probe. " .. BY_HAND.en,
                       "Não é possível saber quem mantém arquivos de {scratch}: não foi possível consultar o "
                       .. "Gerenciador de Reinicialização ({restart_manager_error}) e nenhum arquivo pôde ser aberto "
                       .. "para teste. " .. BY_HAND["pt-BR"]), ev)
    elseif info.method == "restart-manager+sharing-probe" and not info.probed then
      msg = T("The Restart Manager names no process using files of {scratch} (no file could be opened to probe).",
              "O Gerenciador de Reinicialização não aponta nenhum processo usando arquivos de {scratch} (nenhum "
              .. "arquivo pôde ser aberto para teste).")
    elseif info.method == "restart-manager+sharing-probe" then
      msg = T("The Restart Manager names no process using files of {scratch}, and none of the {files_probed} files "
              .. "opened is held without sharing.",
              "O Gerenciador de Reinicialização não aponta nenhum processo usando arquivos de {scratch}, e nenhum dos "
              .. "{files_probed} arquivos abertos está retido sem compartilhamento.")
    elseif info.method == "sharing-probe" then
      msg = T("None of the {files_probed} files of {scratch} opened is held without sharing (the Restart Manager "
              .. "could not be asked: {restart_manager_error}; a process that shares the files is not seen this way).",
              "Nenhum dos {files_probed} arquivos de {scratch} abertos está retido sem compartilhamento (não foi possível "
              .. "consultar o Gerenciador de Reinicialização: {restart_manager_error}; um processo que compartilha os "
              .. "arquivos não é visto assim).")
    end
    if info.cut then
      msg = T(msg.en .. " Only the first {files_checked} files were checked.",
              msg["pt-BR"] .. " Só os primeiros {files_checked} arquivos foram verificados.")
    end
    -- Nobody holds the cache at this instant; Defender scanning it later
    -- is what the guide warns of: its missing exclusions (the live
    -- registry) make this manual, as offline.
    local av = require("marsplay.antivirus").detect(agent, {
      message = T("No other process holds files of {scratch} open now, but Windows Defender does not exclude {missing}; "
                  .. "its scans can block the agent's cache.",
                  "Nenhum outro processo mantém arquivos de {scratch} abertos agora, mas o Windows Defender não exclui "
                  .. "{missing}; as verificações dele podem bloquear o cache do agente.") })
    if av.status == "manual" then
      for k, v in pairs(ev) do av.evidence[k] = v end
      return av
    end
    return mp.pass(ev, msg)
  end
  local recs = {
    T("Find out why these processes hold the cache open and stop them, or exclude the cache from their scans.",
      "Descubra por que esses processos mantêm o cache aberto e pare-os, ou exclua o cache das verificações deles."),
    T("Add antivirus exclusions for:", "Adicione exclusões no antivírus para:"),
  }
  for _, x in ipairs(mars.exclusions(agent)) do recs[#recs + 1] = "  " .. x end
  if unknown then
    table.insert(recs, 1, T("A file held without sharing does not say by whom. " .. BY_HAND.en,
                            "Um arquivo retido sem compartilhamento não diz por quem. " .. BY_HAND["pt-BR"]))
  end
  return mp.manual { evidence = ev, recommendations = recs,
    message = T("Other processes hold files of the cache open: {processes}.",
                "Outros processos mantêm arquivos do cache abertos: {processes}.") }
end

return M
