-- marsplay.failedfiles: the files a backup skipped (guide: #backup-jobs-
-- completed-with-warning).  The agent lists them in
-- <install>\Temp\LastBackupFailedFiles*.txt; each entry names a file and
-- an HRESULT.  The per-line layout is unconfirmed, so lines are read
-- tolerantly: any line holding "0x" + 8 hex digits is an entry, the path
-- is the Windows path on it (drive or UNC), and the trailer lines (a row
-- of dashes, "Consider adding these to exclusion list of backup policy.")
-- hold no code and are left out.  The one public reader of the list
-- treats every line as a file name (no code at all), so a line naming a
-- file (drive path) without a recognised code is a file that was not
-- backed up either: counted as "uncoded", never a sign of health.
-- Files are read with the streaming
-- fs.scan (UTF-8 or UTF-16LE, any size): counts are exact, paths come
-- from the first entries of each code (samples).
--
-- Also: the "critical inconsistency" warning (a protected top-level
-- folder deleted and recreated), searched in Temp\CBEngine*.errlog (where
-- the agent writes it is unconfirmed: the phrase is searched).

local mp = require "marsplay"
local mars = require "marsplay.mars"

local fs = mp.fs
local T = mp.text

local M = {}

M.PARAMS = {
  failed_files_pattern = { type = "string", default = "LastBackupFailedFiles*.txt",
                           doc = "names of the failed-files lists in the agent's Temp folder" },
  top_paths = { type = "number", default = 10, min = 1, max = 100,
                doc = "paths listed per error code" },
}

-- The guide's table: code groups and what to do about them.
M.GROUPS = {
  corrupt = {
    codes = { "0x80070570" },
    reason = T("The file or folder is corrupted and unreadable.", "O arquivo ou diretório está corrompido e ilegível."),
    steps = {
      T("Run chkdsk on the source volume ({volumes}): chkdsk X: /f (it needs the volume locked; on the system volume it runs at the next restart).",
        "Execute chkdsk no volume de origem ({volumes}): chkdsk X: /f (ele precisa bloquear o volume; no volume do sistema ele roda na próxima reinicialização)."),
      T("Restore damaged files from an earlier recovery point if chkdsk cannot repair them, then run the backup again.",
        "Restaure os arquivos danificados de um ponto de recuperação anterior se o chkdsk não conseguir repará-los e execute o backup novamente."),
    },
  },
  ["not-found"] = {
    codes = { "0x80070002", "0x80070003" },
    reason = T("The system cannot find the file specified.", "O sistema não pode localizar o arquivo especificado."),
    steps = {
      T("Check that the scratch (cache) folder is not full: free space on its volume must be 5-10 % of the protected data (the cache playbook measures it).",
        "Verifique se a pasta de rascunho (cache) não está cheia: o espaço livre no volume dela deve ser de 5-10 % dos dados protegidos (o playbook cache mede isso)."),
      T("Check that the volume where the scratch folder is configured still exists (was not deleted).",
        "Verifique se o volume onde a pasta de rascunho está configurada ainda existe (não foi excluído)."),
      T("Check that the MARS agent is excluded from the antivirus installed on the server.",
        "Verifique se o agente MARS foi excluído da verificação do antivírus instalado no servidor."),
      T("Files deleted or moved during the backup are also reported this way; exclude temporary folders from the policy.",
        "Arquivos excluídos ou movidos durante o backup também aparecem assim; exclua pastas temporárias da política."),
    },
  },
  ["access-denied"] = {
    codes = { "0x80070005" },
    reason = T("Access denied.", "Acesso negado."),
    steps = {
      T("Check whether antivirus or other third-party software blocks the agent's access to these files, and exclude the agent from it.",
        "Verifique se um antivírus ou outro software de terceiros bloqueia o acesso do agente a esses arquivos e exclua o agente dele."),
      T("Check that SYSTEM (the account the agent runs as) can read these files.",
        "Verifique se SYSTEM (a conta com que o agente é executado) consegue ler esses arquivos."),
    },
  },
  ["cloud-offline"] = {
    codes = { "0x8007018B" },
    reason = T("Access to the cloud file was denied.", "O acesso ao arquivo de nuvem foi negado."),
    steps = {
      T("These are OneDrive, git or other cloud files that are offline (not on this disk): make them available offline (always keep on this device) or exclude them from the policy.",
        "São arquivos do OneDrive, git ou outros arquivos de nuvem que estão offline (fora deste disco): deixe-os disponíveis offline (sempre manter neste dispositivo) ou exclua-os da política."),
    },
  },
}

local KNOWN = {}
for id, g in pairs(M.GROUPS) do
  for _, c in ipairs(g.codes) do KNOWN[c] = id end
end

-- ---------- parsing one entry ----------

local LABELS = { error = true, hresult = true, hr = true, code = true, errorcode = true,
                 status = true, result = true, file = true, path = true }

local function trim_tail(p)
  for _ = 1, 4 do
    local before = p
    p = p:gsub("[%s\"',;:=|%(%[%-]+$", "")
    local head, word = p:match("^(.-)[%s,;(%[]+(%a+)$")
    if head and LABELS[word:lower()] then p = head end
    if p == before then break end
  end
  return p
end

--- One line of a failed-files list -> path | nil, { "0x8007XXXX", ... }.
function M.parse_entry(line)
  if type(line) ~= "string" then return nil, {} end
  line = line:gsub("^\239\187\191", ""):gsub("[\r\n]+$", "")
  local codes = {}
  for c in line:gmatch("0[xX](%x%x%x%x%x%x%x%x)") do codes[#codes + 1] = "0x" .. c:upper() end
  local cut = line:gsub("0[xX]%x%x%x%x%x%x%x%x", "\t")
  for field in cut:gmatch("[^\t|]+") do
    local pre, p = field:match("(\\\\%?\\)(%a:\\.*)")
    if not p then p = field:match("(%a:\\.*)") end
    if p then
      -- after "X:\" no ':' '"' '<' '>' '|' '*' '?' can be part of the path
      p = p:sub(1, 3) .. p:sub(4):match('^[^:"<>|*?]*')
    else
      p = field:match('(\\\\[%w%.%-_$]+\\[^:"<>|*?]*)')          -- UNC
    end
    if p then
      p = trim_tail(p)
      if #p >= 3 then return (pre or "") .. p, codes end
    end
  end
  return nil, codes
end

local function parent(p)
  local d = p:match("^(.*)\\[^\\]+$")
  if d and d:match("^%a:$") then d = d .. "\\" end
  return d or p
end

-- ---------- the lists ----------

--- The failed-files lists in the agent's Temp folder, newest first:
--- { {name=, path=, mtime=, size=}, ... } | nil, message, code.
function M.lists(agent, params)
  local pattern = (params and params.failed_files_pattern) or M.PARAMS.failed_files_pattern.default
  local names, err, code = fs.glob(agent.temp, pattern)
  if not names then return nil, err, code end
  local out = {}
  for _, n in ipairs(names) do
    local p = mars.join(agent.temp, n)
    local st = fs.stat(p)
    if st and st.type == "file" then
      out[#out + 1] = { name = n, path = p, mtime = st.mtime, size = st.size }
    end
  end
  table.sort(out, function(a, b)
    if a.mtime ~= b.mtime then return a.mtime > b.mtime end
    return a.name > b.name
  end)
  return out
end

local cache = {}

--- Analyse one list: { file=, encoding=, lines=, entries=, path_lines=,
--- codes = { [code] = { count=, paths={...} } }, folders = {{folder=, count=}},
--- codes_dropped= } | nil, message.  Cached by path, size and mtime.
function M.analyze(list)
  local key = ("%s|%d|%s"):format(list.path, list.size, tostring(list.mtime))
  if cache[key] then return cache[key] end
  local r, err = fs.scan(list.path, { codes = true, patterns = { ":\\" }, max_samples = 100 })
  if not r then return nil, err end
  local out = { file = list.path, name = list.name, encoding = r.encoding, lines = r.lines,
                entries = 0, codes = {}, folders = {}, codes_dropped = r.codes_dropped }
  local pl = r.patterns and r.patterns[":\\"]
  out.path_lines = pl and pl.count or 0
  local fcount = {}
  for code, hit in pairs(r.codes or {}) do
    local c = { count = hit.count, paths = {} }
    for _, line in ipairs(hit.samples or {}) do
      local p = M.parse_entry(line)
      if p then
        c.paths[#c.paths + 1] = p
        local d = parent(p)
        fcount[d] = (fcount[d] or 0) + 1
      end
    end
    out.codes[code] = c
    out.entries = out.entries + hit.count
  end
  -- Lines naming a file with no code.  Without any code in the list the
  -- count is exact (lines holding a drive path); in a mixed list it is
  -- the path lines beyond the coded entries (each coded entry names one
  -- file), and the samples are the path lines without a code.
  out.uncoded = { count = math.max(0, out.path_lines - out.entries), paths = {} }
  for _, line in ipairs(pl and pl.samples or {}) do
    local p, codes = M.parse_entry(line)
    if p and #codes == 0 then
      out.uncoded.paths[#out.uncoded.paths + 1] = p
      local d = parent(p)
      fcount[d] = (fcount[d] or 0) + 1
    end
  end
  out.files = out.entries + out.uncoded.count
  for d, n in pairs(fcount) do out.folders[#out.folders + 1] = { folder = d, count = n } end
  table.sort(out.folders, function(a, b)
    if a.count ~= b.count then return a.count > b.count end
    return a.folder < b.folder
  end)
  cache[key] = out
  return out
end

-- The newest list and its analysis, or a finished result (skip/error):
-- analysis | nil, done, evidence, newest list.
local function newest(agent, params)
  local lists, err, code = M.lists(agent, params)
  if not lists then
    if code == "ENOENT" or code == "ENOTDIR" then
      return nil, mp.skip(T("The agent's Temp folder {temp} does not exist: there is no failed-files list to read.",
                            "A pasta Temp do agente {temp} não existe: não há lista de arquivos com falha para ler."),
                          { temp = agent.temp })
    end
    return nil, { status = "error", reason = err }
  end
  if #lists == 0 then
    return nil, nil, { temp = agent.temp, lists = 0 }
  end
  local a, aerr = M.analyze(lists[1])
  if not a then return nil, { status = "error", reason = aerr } end
  return a, nil, { file = a.file, lists = #lists, entries_total = a.files }, lists[1]
end
M.newest = newest

local function first(t, n)
  local out = {}
  for i = 1, math.min(#t, n) do out[i] = t[i] end
  return out
end

local function volumes(paths)
  local seen, out = {}, {}
  for _, p in ipairs(paths) do
    local v = p:match("^(%a:)")
    if v and not seen[v:upper()] then seen[v:upper()] = true; out[#out + 1] = v:upper() end
  end
  table.sort(out)
  return out
end

local function sorted_codes(codes)
  local out = {}
  for c in pairs(codes) do out[#out + 1] = c end
  table.sort(out)
  return out
end

local NO_LIST = T("No failed-files list (LastBackupFailedFiles*.txt) in {temp}: the last backups skipped no file.",
                  "Nenhuma lista de arquivos com falha (LastBackupFailedFiles*.txt) em {temp}: os últimos backups não ignoraram nenhum arquivo.")

--- detect: files the newest list names without a recognised error code.
function M.detect_uncoded(agent, params)
  local a, done, ev = newest(agent, params)
  if done then return done end
  if not a then return mp.pass(ev, NO_LIST) end
  ev.encoding = a.encoding
  ev.count = a.uncoded.count
  if a.uncoded.count == 0 then
    return mp.pass(ev, T("Every file in the newest failed-files list ({file}) has an error code (see the checks per code).",
                         "Todos os arquivos da lista de arquivos com falha mais recente ({file}) têm um código de erro (veja as verificações por código)."))
  end
  local top = params.top_paths or M.PARAMS.top_paths.default
  ev.paths = first(a.uncoded.paths, top)
  ev.volumes = volumes(a.uncoded.paths)
  ev.top = top
  return mp.manual { evidence = ev,
    message = T("The last backup did not back up {count} file(s) listed in {file} without an error code.",
                "O último backup não fez backup de {count} arquivo(s) listado(s) em {file} sem código de erro."),
    recommendations = {
      T("Open the MARS console, Jobs, select the job that completed with warnings and View Details: it gives the error of each file. Then follow the guide's table for that code "
        .. "(0x80070570 corrupted: chkdsk; 0x80070002/0x80070003 not found: scratch folder, volume, antivirus; 0x80070005 access denied: antivirus; 0x8007018b cloud file offline).",
        "Abra o console do MARS, Trabalhos, selecione o trabalho concluído com avisos e Exibir Detalhes: ele mostra o erro de cada arquivo. Depois siga a tabela do guia para o código "
        .. "(0x80070570 corrompido: chkdsk; 0x80070002/0x80070003 não encontrado: pasta de rascunho, volume, antivírus; 0x80070005 acesso negado: antivírus; 0x8007018b arquivo de nuvem offline)."),
      T("Until then these files have no backup; if they need none (temporary, unsupported, deleted), add exclusion rules for them (Schedule Backup > Exclusion Settings).",
        "Até lá esses arquivos ficam sem backup; se eles não precisam de backup (temporários, sem suporte, excluídos), "
        .. "adicione regras de exclusão para eles (Agendar Backup > Configurações de Exclusão)."),
      T("Files listed (first {top}): see the evidence 'paths'; the full list is {file}.",
        "Arquivos listados (primeiros {top}): veja a evidência 'paths'; a lista completa está em {file}."),
    } }
end

--- detect: entries of one group ("corrupt", "not-found", "access-denied",
--- "cloud-offline" or "other") in the newest list.
function M.detect_group(agent, params, group)
  local a, done, ev = newest(agent, params)
  if done then return done end
  if not a then return mp.pass(ev, NO_LIST) end
  ev.encoding = a.encoding
  local top = params.top_paths or M.PARAMS.top_paths.default
  local count, paths, codes = 0, {}, {}
  for _, code in ipairs(sorted_codes(a.codes)) do
    local mine = (group == "other") and not KNOWN[code] or KNOWN[code] == group
    if mine then
      local c = a.codes[code]
      count = count + c.count
      codes[#codes + 1] = ("%s (%d)"):format(code, c.count)
      for _, p in ipairs(c.paths) do paths[#paths + 1] = p end
    end
  end
  ev.count = count
  if count == 0 then
    return mp.pass(ev, T("The newest failed-files list ({file}) has no entry of this kind.",
                         "A lista de arquivos com falha mais recente ({file}) não tem entradas deste tipo."))
  end
  ev.codes = codes
  ev.paths = first(paths, top)
  ev.volumes = volumes(paths)
  local g = M.GROUPS[group]
  local recs = {}
  if g then
    for _, s in ipairs(g.steps) do recs[#recs + 1] = s end
  else
    recs[#recs + 1] = T("Look up each code (for example with certutil -error <code>) and fix the cause, or exclude the files if they need no backup.",
                        "Consulte cada código (por exemplo com certutil -error <código>) e corrija a causa, ou exclua os arquivos se eles não precisam de backup.")
  end
  recs[#recs + 1] = T("Files listed (first {top}): see the evidence 'paths'; the full list is {file}.",
                      "Arquivos listados (primeiros {top}): veja a evidência 'paths'; a lista completa está em {file}.")
  ev.top = top
  return mp.manual { evidence = ev, recommendations = recs,
    message = g and T("The last backup skipped {count} file(s) with {codes}: " .. g.reason.en,
                      "O último backup ignorou {count} arquivo(s) com {codes}: " .. g.reason["pt-BR"])
             or T("The last backup skipped {count} file(s) with other errors: {codes}.",
                  "O último backup ignorou {count} arquivo(s) com outros erros: {codes}.") }
end

--- detect: folders worth excluding from the policy (every skipped entry).
function M.detect_exclusions(agent, params)
  local a, done, ev = newest(agent, params)
  if done then return done end
  if not a then
    return mp.pass(ev, T("No failed-files list in {temp}: nothing to exclude.",
                         "Nenhuma lista de arquivos com falha em {temp}: nada a excluir."))
  end
  if a.files == 0 then
    return mp.pass(ev, T("The newest failed-files list ({file}) has no entries.",
                         "A lista de arquivos com falha mais recente ({file}) não tem entradas."))
  end
  local top = params.top_paths or M.PARAMS.top_paths.default
  ev.folders = {}
  for i = 1, math.min(#a.folders, top) do
    ev.folders[i] = ("%s (%d)"):format(a.folders[i].folder, a.folders[i].count)
  end
  local recs = {
    T("In the MARS console: Schedule Backup > Modify a backup schedule > Exclusion Settings, add exclusion rules for files that are unsupported, missing or deleted, so backups complete " ..
      "without warnings.",
      "No console do MARS: Agendar Backup > Modificar um agendamento de backup > Configurações de Exclusão, adicione regras de exclusão para arquivos sem suporte, ausentes ou excluídos, " ..
        "para que os backups terminem sem avisos."),
    T("Folders with skipped files (from the first entries of each code):", "Pastas com arquivos ignorados (das primeiras entradas de cada código):"),
  }
  for _, f in ipairs(ev.folders) do recs[#recs + 1] = "  " .. f end
  recs[#recs + 1] = T("Exclude only what needs no backup; fix the causes of the other entries (see the checks per code).",
                      "Exclua apenas o que não precisa de backup; corrija as causas das outras entradas (veja as verificações por código).")
  return mp.manual { evidence = ev, recommendations = recs,
    message = T("{entries_total} skipped entries in {file}; candidate folders for exclusion rules: {folders}.",
                "{entries_total} entradas ignoradas em {file}; pastas candidatas a regras de exclusão: {folders}.") }
end

-- ---------- the critical inconsistency ----------

M.INCONSISTENCY = { "critical inconsistency", "Critical inconsistency", "CRITICAL INCONSISTENCY" }

function M.detect_inconsistency(agent)
  local names, err, code = fs.glob(agent.temp, "CBEngine*.errlog")
  if not names then
    if code == "ENOENT" or code == "ENOTDIR" then
      return mp.skip(T("The agent's Temp folder {temp} does not exist: no engine log to read.",
                       "A pasta Temp do agente {temp} não existe: não há log do mecanismo para ler."), { temp = agent.temp })
    end
    return { status = "error", reason = err }
  end
  local ev = { temp = agent.temp, logs = names, found = {} }
  if #names == 0 then
    return mp.skip(T("No engine error log (CBEngine*.errlog) in {temp} to search.",
                     "Nenhum log de erros do mecanismo (CBEngine*.errlog) em {temp} para pesquisar."), ev)
  end
  local total = 0
  for _, n in ipairs(names) do
    local r, serr = fs.scan(mars.join(agent.temp, n), { patterns = M.INCONSISTENCY, max_samples = 3 })
    if not r then return { status = "error", reason = serr, evidence = ev } end
    for _, pat in ipairs(M.INCONSISTENCY) do
      local hit = r.patterns[pat]
      if hit and hit.count > 0 then
        total = total + hit.count
        for _, s in ipairs(hit.samples) do
          ev.found[#ev.found + 1] = n .. ": " .. s:gsub("%s+$", "")
          local p = M.parse_entry(s)
          if p then
            ev.folders = ev.folders or {}
            ev.folders[#ev.folders + 1] = p
          end
        end
      end
    end
  end
  ev.count = total
  if total == 0 then
    return mp.pass(ev, T("The engine logs in {temp} do not report a critical inconsistency.",
                         "Os logs do mecanismo em {temp} não relatam uma inconsistência crítica."))
  end
  return mp.manual { evidence = ev,
    message = T("The engine log reports {count} time(s): \"a critical inconsistency was detected, therefore changes cannot be replicated\" ({folders}).",
                "O log do mecanismo relata {count} vez(es): \"uma inconsistência crítica foi detectada, portanto, as alterações não podem ser replicadas\" ({folders})."),
    recommendations = {
      T("Avoid deleting and re-creating protected folders with the same names at the top level of the protected folder; this is what causes the warning.",
        "Evite excluir e recriar pastas protegidas com os mesmos nomes no nível superior da pasta protegida; é isso que causa o aviso."),
      T("If folders must be deleted and re-created, do it in subfolders below the protected top-level folder.",
        "Se for preciso excluir e recriar pastas, faça isso em subpastas abaixo da pasta protegida de nível superior."),
    } }
end

-- ---------- for the basic checklist ----------

--- detect: a recent failed-files list with entries -> manual, pointing to
--- the backup-jobs-completed-with-warning playbook.
function M.detect_recent(agent, params)
  local a, done, ev, list = newest(agent, params)
  if done then return done end
  if not a then
    return mp.pass(ev, T("No failed-files list in {temp}: no backup completed with warnings recently.",
                         "Nenhuma lista de arquivos com falha em {temp}: nenhum backup terminou com avisos recentemente."))
  end
  local age = (mp.sys.now() - (list.mtime or 0)) / 86400
  ev.age_days = math.floor(age * 10 + 0.5) / 10
  ev.max_age_days = params.warnings_max_age_days
  if a.files == 0 then
    return mp.pass(ev, T("The newest failed-files list ({file}) has no entries.",
                         "A lista de arquivos com falha mais recente ({file}) não tem entradas."))
  end
  if age > params.warnings_max_age_days then
    return mp.pass(ev, T("The newest failed-files list ({file}) is {age_days} days old, older than {max_age_days} days: no recent backup completed with warnings.",
                         "A lista de arquivos com falha mais recente ({file}) tem {age_days} dias, mais que {max_age_days} dias: nenhum backup recente terminou com avisos."))
  end
  local codes = {}
  for _, c in ipairs(sorted_codes(a.codes)) do codes[#codes + 1] = ("%s (%d)"):format(c, a.codes[c].count) end
  if a.uncoded.count > 0 then codes[#codes + 1] = ("- (%d)"):format(a.uncoded.count) end
  ev.codes = codes
  return mp.manual { evidence = ev,
    message = T("A recent backup completed with warnings: {entries_total} file(s) skipped ({codes}), listed in {file}.",
                "Um backup recente terminou com avisos: {entries_total} arquivo(s) ignorado(s) ({codes}), listados em {file}."),
    recommendations = {
      T("Run the backup-jobs-completed-with-warning playbook: it reads the list and gives the guide's action for each error code.",
        "Execute o playbook backup-jobs-completed-with-warning: ele lê a lista e dá a ação do guia para cada código de erro."),
    } }
end

return M
