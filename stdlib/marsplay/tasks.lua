-- marsplay.tasks: the MARS agent's scheduled tasks (Task Scheduler
-- Library > Microsoft > OnlineBackup), read from their XML definitions
-- on disk, and the checks built on them.  Shared by the playbooks
-- "backups don't run according to schedule" and "job could not be
-- started as another job was in progress".
--
-- On disk a task is C:\Windows\System32\Tasks\<folder>\<name>, an XML
-- document in the Task Scheduler schema; Windows writes it as UTF-16 LE
-- with a BOM (UTF-8 is accepted too).  Edits go through xml.set_text,
-- which keeps the rest of the document byte for byte in its encoding,
-- and are written back with fix.write (atomic replace).
--
-- Schema defaults relied on (Task Scheduler schema documentation): a
-- trigger without <Enabled> is enabled; a task without
-- Settings/<Enabled> is enabled; without <MultipleInstancesPolicy> the
-- policy is IgnoreNew.
--
-- Task Scheduler runs its own copy of each registered task, kept in the
-- registry (...\Schedule\TaskCache, with a hash of the XML): editing the
-- file changes nothing on current Windows and makes older Windows report
-- "the task image is corrupt or has been tampered with".  So the task
-- file is never edited.
--
-- Offline, a fix is manual: the corrected definition is written beside
-- the original (<task>.corrected.xml, see M.corrected_path) and the
-- operator imports it on the running server (schtasks /Create /XML ...
-- /F, or Task Scheduler > Import Task).
--
-- On a live Windows (mp.sys.task answers) the tasks are read from Task
-- Scheduler itself through COM (ITaskService: the definition from
-- IRegisteredTask::get_Xml, parsed as a file is), and the fix registers
-- the corrected definition through COM (ITaskFolder::RegisterTask,
-- fix.task_register): the action keeps the definition Task Scheduler
-- held before (to restore it), and what Task Scheduler reads back after
-- is checked.  A task whose account needs a password to register (a
-- user account) stays a manual fix, as offline.  Where Task Scheduler
-- cannot list a folder (Wine: GetTasks is partial) the names come from
-- the task files and each definition still from COM.

local mp = require "marsplay"

local fs, xml, fix = mp.fs, mp.xml, mp.fix
local T = mp.text
local errtext = require "marsplay.errtext"

local M = {}

M.TASKS = [[C:\Windows\System32\Tasks]]
M.FOLDER = M.TASKS .. [[\Microsoft\OnlineBackup]]
M.LIBRARY = [[\Microsoft\OnlineBackup]]
M.KNOWN = { "Microsoft-OnlineBackup", "Microsoft-OnlineBackup-SystemStateBackup" }
-- Windows Server Backup's scheduled backup (wbadmin enable backup)
M.WSB_TASK = M.TASKS .. [[\Microsoft\Windows\Backup\Microsoft-Windows-WindowsBackup]]
M.WSB_LIBRARY = [[\Microsoft\Windows\Backup\Microsoft-Windows-WindowsBackup]]
M.MAX_BYTES = 4 << 20

-- The SIDs and names the guide accepts as the task's account.
local SYSTEM_NAMES = { ["s-1-5-18"] = true, ["system"] = true, ["nt authority\\system"] = true,
                       ["localsystem"] = true }
local ADMIN_NAMES = { ["s-1-5-32-544"] = true, ["administrators"] = true,
                      ["builtin\\administrators"] = true }

-- Beside the task file, never over it; list() does not read it as a task.
M.CORRECTED_SUFFIX = ".corrected.xml"

function M.corrected_path(path) return path .. M.CORRECTED_SUFFIX end

-- The import, in the guide's words (Task Scheduler) and as a command.
M.IMPORT = {
  T([[marsplay does not edit the task file: Task Scheduler runs its own registered copy of the task (TaskCache in the registry), and an edited file is either ignored or, ]]
    .. [[on older Windows, reported as "The task image is corrupt or has been tampered with". The corrected definition is written beside the original: {corrected}.]],
    [[O marsplay não edita o arquivo da tarefa: o Agendador de Tarefas executa a sua própria cópia registrada da tarefa (TaskCache no registro), e um arquivo editado ]]
    .. [[é ignorado ou, em versões mais antigas do Windows, informado como "A imagem da tarefa está corrompida ou foi adulterada". ]]
    .. [[A definição corrigida é gravada ao lado da original: {corrected}.]]),
  T([[On the running server, in an elevated prompt, register the corrected task (it replaces the current one, keeping its name): {import}. ]]
    .. [[Or in Task Scheduler: select the Microsoft > OnlineBackup folder, Action > Import Task..., choose the corrected file, check the settings and select OK, ]]
    .. [[replacing the existing task. Then delete the .corrected.xml file.]],
    [[No servidor em execução, em um prompt elevado, registre a tarefa corrigida (ela substitui a atual, com o mesmo nome): {import}. ]]
    .. [[Ou no Agendador de Tarefas: selecione a pasta Microsoft > OnlineBackup, Ação > Importar Tarefa..., escolha o arquivo corrigido, confira as configurações e selecione OK, ]]
    .. [[substituindo a tarefa existente. Depois exclua o arquivo .corrected.xml.]]),
}

-- ---------- small helpers ----------

local function trim(s)
  return s and (s:gsub("^%s+", ""):gsub("%s+$", "")) or nil
end

-- xs:boolean: "true"/"1", "false"/"0"; nil when absent or unknown.
local function boolean(s)
  s = trim(s)
  if s == "true" or s == "1" then return true end
  if s == "false" or s == "0" then return false end
  return nil
end
M.boolean = boolean

local function child(el, name)
  if type(el) ~= "table" then return nil end
  for _, c in ipairs(el) do
    if c.name == name then return c end
  end
  return nil
end

-- ---------- reading task files ----------

--- Read and parse one task file.  Returns task | nil, message, code.
--- task = { name, path, bytes, encoding, tree }
function M.read(path, name)
  name = name or path:match("([^\\/]+)$")
  local bytes, err, code = fs.read(path, M.MAX_BYTES)
  if not bytes then return nil, err, code end
  local tree, enc, perr = xml.parse(bytes, { name = name })
  if not tree then
    return nil, enc, perr
  end
  if tree.name ~= "Task" then
    return nil, ("%s: the root element is <%s>, not <Task>"):format(name, tostring(tree.name)), "EXML"
  end
  return { name = name, path = path, bytes = bytes, encoding = enc, tree = tree }
end

-- The task file names in folder (sorted): entries, or nil, message, code.
local function task_file_names(folder)
  local entries, err, code = fs.dir(folder)
  if not entries then return nil, err, code end
  local names = {}
  for _, e in ipairs(entries) do
    -- tasks are files; a leftover of an interrupted atomic write is not
    if e.type == "file" and not e.name:match("%.marsplay%-tmp$")
       and e.name:lower():sub(-#M.CORRECTED_SUFFIX) ~= M.CORRECTED_SUFFIX then
      names[#names + 1] = e.name
    end
  end
  table.sort(names)
  return names
end

--- Parse a definition as Task Scheduler gives it (UTF-8 text; its XML
--- declaration may say UTF-16, so it is parsed as UTF-16 LE).  Returns
--- task | nil, message, code; task.com is what sys.task said.
function M.read_live(path, name)
  name = name or path:match("([^\\]+)$")
  local info, err, code = mp.sys.task(path)
  if not info then return nil, err, code end
  local bytes, cerr, ccode = xml.utf8_to_utf16le(info.xml, true)
  if not bytes then return nil, ("%s: %s"):format(path, tostring(cerr)), ccode end
  local tree, enc, perr = xml.parse(bytes, { name = path })
  if not tree then return nil, enc, perr end
  if tree.name ~= "Task" then
    return nil, ("%s: the root element is <%s>, not <Task>"):format(path, tostring(tree.name)), "EXML"
  end
  return { name = name, path = path, bytes = bytes, encoding = enc, tree = tree, com = info }
end

--- Does Task Scheduler answer here (a live Windows)?  Offline, or live
--- on another system, the task files are read.
function M.com()
  if not mp.sys.live() then return false end
  local _, _, code = mp.sys.task_names(M.LIBRARY)
  return code ~= "ENOSYS"
end

-- The tasks of the OnlineBackup folder as Task Scheduler holds them.
-- Read each task name under prefix with reader (M.read or M.read_live)
-- into out.tasks, or out.unreadable with why.
local function collect(out, names, prefix, reader)
  for _, n in ipairs(names) do
    local path = prefix .. "\\" .. n
    local t, rerr, rcode = reader(path, n)
    if t then
      out.tasks[#out.tasks + 1] = t
    else
      out.unreadable[#out.unreadable + 1] = { name = n, path = path, error = rerr, code = rcode }
    end
  end
  return out
end

local function list_live(out)
  out.folder, out.source = M.LIBRARY, "Task Scheduler (COM)"
  local names, err, code = mp.sys.task_names(M.LIBRARY)
  if not names and code == "EOPNOTSUPP" then
    -- Task Scheduler cannot list the folder (Wine): the names of the task
    -- files; each definition is still read from Task Scheduler
    names, err, code = task_file_names(M.FOLDER)
  end
  if not names then
    if code == "ENOENT" then out.missing = true else out.error = err end
    return out
  end
  table.sort(names)
  return collect(out, names, M.LIBRARY, M.read_live)
end

--- Every task in the OnlineBackup folder: from Task Scheduler on a live
--- Windows (M.com()), else the task files.
--- Returns { tasks = {task...}, unreadable = {{name, path, error, code}...},
---           missing = true when the folder does not exist, error = msg }
function M.list(folder)
  local out = { tasks = {}, unreadable = {}, folder = folder or M.FOLDER }
  if not folder and M.com() then return list_live(out) end
  local names, err, code = task_file_names(out.folder)
  if not names then
    if code == "ENOENT" then out.missing = true else out.error = err end
    return out
  end
  return collect(out, names, out.folder, M.read)
end

-- ---------- what a task says ----------

--- The triggers of a task: { {kind, index, enabled, explicit, start,
--- days = {Monday=true...} | nil (any day), repeats}, ... }
function M.triggers(tree)
  local list = {}
  local trig = child(tree, "Triggers")
  for i, t in ipairs(trig or {}) do
    local en = child(t, "Enabled")
    local value = en and boolean(en.text)
    local item = { kind = t.name, index = i, explicit = en ~= nil,
                   enabled = value ~= false, raw = en and trim(en.text) or nil }
    local sb = child(t, "StartBoundary")
    item.start = sb and trim(sb.text) or nil
    item.repeats = child(t, "Repetition") ~= nil
    local week = child(t, "ScheduleByWeek")
    local dow = week and child(week, "DaysOfWeek")
    if dow then
      item.days = {}
      for _, d in ipairs(dow) do item.days[d.name] = true end
    end
    list[#list + 1] = item
  end
  return list
end

--- Is the task itself enabled (Settings/Enabled, default true)?
--- Returns enabled, raw text or nil.
function M.enabled(tree)
  local settings = child(tree, "Settings")
  local en = child(settings, "Enabled")
  if not en then return true, nil end
  return boolean(en.text) ~= false, trim(en.text)
end

--- Settings/MultipleInstancesPolicy: value (default IgnoreNew), explicit.
function M.instances_policy(tree)
  local el = child(child(tree, "Settings"), "MultipleInstancesPolicy")
  if not el then return "IgnoreNew", false end
  return trim(el.text), true
end

--- The principals: { {id, user, group, logon, run_level}, ... }
function M.principals(tree)
  local list = {}
  for _, p in ipairs(child(tree, "Principals") or {}) do
    if p.name == "Principal" then
      local function txt(n) local c = child(p, n); return c and trim(c.text) or nil end
      list[#list + 1] = { id = p.attr and p.attr.id, user = txt("UserId"), group = txt("GroupId"),
                          logon = txt("LogonType"), run_level = txt("RunLevel") }
    end
  end
  return list
end

--- Is the task t enabled?  Live, as Task Scheduler says (get_Enabled);
--- else its Settings/Enabled.
function M.task_enabled(t)
  if t.com then return t.com.enabled end
  return (M.enabled(t.tree))
end

--- How RegisterTask must log the task on, from its principal: logon
--- ("service", "group", "none"), user; nil for a user account (it
--- needs the account's password, which marsplay never has).
function M.logon(tree)
  local p = M.principals(tree)[1]
  if not p or (not p.user and not p.group) then return "none" end
  if p.user and SYSTEM_NAMES[p.user:lower()] then return "service", p.user end
  if not p.user and p.group then return "group", p.group end
  return nil
end

--- Does the principal run as SYSTEM or as the local Administrators group?
function M.is_allowed_principal(p)
  if p.user and SYSTEM_NAMES[p.user:lower()] then return true end
  if p.group and ADMIN_NAMES[p.group:lower()] then return true end
  return false
end

-- "UserId S-1-5-21-..." / "GroupId ..." for messages.
function M.describe_principal(p)
  if p.user then return "UserId " .. p.user end
  if p.group then return "GroupId " .. p.group end
  return "no UserId or GroupId"
end

-- ---------- editing ----------

--- New bytes for a task with path set to text (xml.set_text options);
--- the result must parse again, or this raises an error.
function M.edit(bytes, path, text, opts)
  local out, n_or_err, code = xml.set_text(bytes, path, text, opts)
  if not out then error(("%s: %s (%s)"):format(path, tostring(n_or_err), tostring(code)), 0) end
  local tree, perr = xml.parse(out)
  if not tree then error("the edited task no longer parses: " .. tostring(perr), 0) end
  return out
end

--- The task as the guide wants it: every trigger that has <Enabled>
--- enabled, the task enabled, MultipleInstancesPolicy IgnoreNew (only
--- elements already there are changed: an absent one is the schema's
--- default, already right).  Returns bytes, {changes...} (empty: nothing
--- to correct).
function M.correct(task)
  local out, changes = task.bytes, {}
  local off = 0
  for _, tr in ipairs(M.triggers(task.tree)) do
    if not tr.enabled then off = off + 1 end
  end
  if off > 0 then
    out = M.edit(out, "/Task/Triggers/*/Enabled", "true", { all = true, create = false })
    changes[#changes + 1] = "Triggers/*/Enabled true"
  end
  if not M.enabled(task.tree) then
    out = M.edit(out, "/Task/Settings/Enabled", "true", { create = false })
    changes[#changes + 1] = "Settings/Enabled true"
  end
  if M.instances_policy(task.tree) ~= "IgnoreNew" then
    out = M.edit(out, "/Task/Settings/MultipleInstancesPolicy", "IgnoreNew")
    changes[#changes + 1] = "MultipleInstancesPolicy IgnoreNew"
  end
  return out, changes
end

-- The elevated command that registers a corrected file as the task.
local function import_command(name, file)
  return ([[schtasks /Create /TN "%s\%s" /XML "%s" /F]]):format(M.LIBRARY, name, M.corrected_path(file))
end

--- The result for tasks that need correcting.  Live (tasks read from
--- Task Scheduler) whose accounts RegisterTask can use: a problem the
--- fix corrects through COM.  Else manual: the evidence names the
--- corrected files and the import commands; the check's fix
--- (M.fix_corrected) writes them, also when the outcome stays manual
--- (prepare = true).
function M.manual_corrected(ev, bad, message, steps)
  local fixes, live = {}, true
  for _, t in ipairs(bad) do
    fixes[#fixes + 1] = { path = t.path, name = t.name, live = t.com ~= nil }
    if not t.com or not M.logon(t.tree) then live = false end
  end
  if live then
    ev.source = "Task Scheduler (COM)"
    return mp.finding { evidence = ev, fixes = fixes, message = message, recommendations = steps }
  end
  ev.corrected, ev.import, fixes = {}, {}, {}
  for _, t in ipairs(bad) do
    -- live, the corrected file goes beside the task file as offline
    local file = t.com and (M.FOLDER .. "\\" .. t.name) or t.path
    ev.corrected[#ev.corrected + 1] = M.corrected_path(file)
    ev.import[#ev.import + 1] = import_command(t.name, file)
    fixes[#fixes + 1] = { path = file, name = t.name }
  end
  local recs = { table.unpack(steps) }
  for _, r in ipairs(M.IMPORT) do recs[#recs + 1] = r end
  return mp.manual { evidence = ev, fixes = fixes, prepare = true, message = message,
                     recommendations = recs }
end

-- A parsed definition's shape: what a registration must keep.
local function shape(tree)
  local function count(name)
    local el = child(tree, name)
    local n = 0
    for _ in ipairs(el or {}) do n = n + 1 end
    return n
  end
  local off = 0
  for _, tr in ipairs(M.triggers(tree)) do if not tr.enabled then off = off + 1 end end
  return { triggers = count("Triggers"), principals = count("Principals"), actions = count("Actions"),
           triggers_off = off, enabled = M.enabled(tree), policy = (M.instances_policy(tree)) }
end

--- verify(xml, enabled) for fix.task_register: what Task Scheduler reads
--- back holds the corrected definition: same triggers, principals and
--- actions, the changed settings as registered, and get_Enabled agreeing.
function M.readback_check(want_bytes)
  local want = shape(assert(xml.parse(want_bytes)))
  return function(back_xml, enabled)
    local bytes = assert(xml.utf8_to_utf16le(back_xml, true))
    local tree, perr = xml.parse(bytes)
    if not tree then return false, "not well-formed: " .. tostring(perr) end
    local got = shape(tree)
    for _, k in ipairs { "triggers", "principals", "actions", "triggers_off", "enabled", "policy" } do
      if got[k] ~= want[k] then
        return false, ("%s: %s registered, %s read back"):format(k, tostring(want[k]), tostring(got[k]))
      end
    end
    if enabled ~= want.enabled then
      return false, ("get_Enabled says %s, the definition %s"):format(tostring(enabled), tostring(want.enabled))
    end
    return true
  end
end

--- The one place a corrected task is applied.  Live, the corrected
--- definition is registered through Task Scheduler (fix.task_register:
--- the action keeps the definition before); offline it is written beside
--- the original (never over it) for the operator to import on the
--- running server.
function M.fix_corrected(finding)
  for _, f in ipairs(finding.fixes) do
    if f.live then
      local t = assert(M.read_live(f.path, f.name))
      local out, changes = M.correct(t)
      if #changes > 0 then
        local logon, user = M.logon(t.tree)
        fix.task_register(t.path, assert(xml.utf16_to_utf8(out)),
                          { logon = logon, user = user, verify = M.readback_check(out) })
      end
    else
      local t = assert(M.read(f.path, f.name))
      local out, changes = M.correct(t)
      if #changes > 0 then
        fix.write(M.corrected_path(t.path), out,
                  { describe = { before = t.path, after = table.concat(changes, ", ") } })
      end
    end
  end
end

-- ---------- shared check bodies ----------

local function names(list)
  local out = {}
  for _, t in ipairs(list) do out[#out + 1] = t.name end
  return out
end

-- The steps when the task definition is missing or damaged.
M.RECREATE = {
  T("Open the Microsoft Azure Backup console (MARS agent) and run Schedule Backup again: saving the schedule registers the OnlineBackup task anew.",
    "Abra o console do Backup do Microsoft Azure (agente MARS) e execute Agendar Backup novamente: salvar o agendamento registra a tarefa OnlineBackup de novo."),
  T([[Or export the task from a working server (Task Scheduler > Microsoft > OnlineBackup > Export) and import it here.]],
    [[Ou exporte a tarefa de um servidor que funciona (Agendador de Tarefas > Microsoft > OnlineBackup > Exportar) e importe-a aqui.]]),
}

--- The task files exist and are readable Task Scheduler XML.
function M.detect_files()
  local l = M.list()
  local ev = { folder = l.folder }
  if l.error then
    return { status = "error", reason = l.error, evidence = ev }
  end
  if l.missing or (#l.tasks == 0 and #l.unreadable == 0) then
    ev.found = 0
    return mp.manual { evidence = ev, recommendations = M.RECREATE,
      message = T([[No OnlineBackup scheduled task: {folder} does not exist or holds no task. No backup schedule is registered.]],
                  [[Nenhuma tarefa agendada OnlineBackup: {folder} não existe ou não contém tarefas. Nenhum agendamento de backup está registrado.]]) }
  end
  ev.tasks = names(l.tasks)
  if #l.unreadable == 0 then
    return mp.pass(ev, T("{tasks}: readable task definitions.", "{tasks}: definições de tarefa legíveis."))
  end
  ev.unreadable = {}
  for _, u in ipairs(l.unreadable) do
    ev.unreadable[#ev.unreadable + 1] = errtext.text(u.error)     -- names the file
  end
  if #ev.tasks == 0 then ev.tasks = nil end
  return mp.manual { evidence = ev, recommendations = M.RECREATE,
    message = T("Task definitions that cannot be read: {unreadable}.",
                "Definições de tarefa que não podem ser lidas: {unreadable}.") }
end

-- The readable tasks, or nil and a skip result.
function M.readable()
  local l = M.list()
  if #l.tasks == 0 then
    return nil, mp.skip(T("No readable OnlineBackup task definition (see the check task-files).",
                          "Nenhuma definição de tarefa OnlineBackup legível (veja a verificação task-files)."),
                        { folder = l.folder })
  end
  return l.tasks, nil, l
end

-- ---------- schedule: triggers enabled ----------

local TRIGGERS_TAB = T(
  [[In Task Scheduler expand Microsoft > OnlineBackup, double-click Microsoft-OnlineBackup, open the Triggers tab: every trigger must show Enabled; if not, select Edit, check Enabled and select OK.]],
  [[No Agendador de Tarefas expanda Microsoft > OnlineBackup, clique duas vezes em Microsoft-OnlineBackup e abra a guia ]]
  .. [[Gatilhos: todos os gatilhos devem estar Habilitados; se não estiverem, selecione Editar, marque Habilitado e selecione OK.]])

function M.detect_triggers()
  local tasks, skip = M.readable()
  if not tasks then return skip end
  local ev = { tasks = names(tasks) }
  local disabled, bad, without, enabled = {}, {}, {}, 0
  for _, t in ipairs(tasks) do
    local trig = M.triggers(t.tree)
    local off = {}
    for _, tr in ipairs(trig) do
      if tr.enabled then enabled = enabled + 1
      else off[#off + 1] = ("%s %d"):format(tr.kind, tr.index) end
    end
    if #trig == 0 then without[#without + 1] = t.name end
    if #off > 0 then
      disabled[#disabled + 1] = ("%s: %s"):format(t.name, table.concat(off, ", "))
      bad[#bad + 1] = t
    end
  end
  ev.enabled_triggers = enabled
  if #without > 0 then ev.without_triggers = without end
  if #disabled > 0 then
    ev.disabled = disabled
    return M.manual_corrected(ev, bad,
      T("Disabled triggers: {disabled}. The backup never starts on schedule from them.",
        "Gatilhos desabilitados: {disabled}. O backup nunca é iniciado pelo agendamento a partir deles."),
      { TRIGGERS_TAB })
  end
  if enabled == 0 then
    return mp.manual { evidence = ev, recommendations = M.RECREATE,
      message = T("{tasks}: no trigger at all, so no backup is scheduled.",
                  "{tasks}: nenhum gatilho, portanto nenhum backup está agendado.") }
  end
  return mp.pass(ev, T("{tasks}: every trigger is enabled ({enabled_triggers}).",
                       "{tasks}: todos os gatilhos estão habilitados ({enabled_triggers})."))
end

-- ---------- schedule: the task itself enabled ----------

function M.detect_task_enabled()
  local tasks, skip = M.readable()
  if not tasks then return skip end
  local ev = { tasks = names(tasks) }
  local off, bad = {}, {}
  for _, t in ipairs(tasks) do
    if not M.task_enabled(t) then
      off[#off + 1] = t.name
      bad[#bad + 1] = t
    end
  end
  if #off == 0 then
    return mp.pass(ev, T("{tasks}: enabled.", "{tasks}: habilitada(s)."))
  end
  ev.disabled = off
  return M.manual_corrected(ev, bad,
    T("Disabled tasks: {disabled}. Task Scheduler does not run a disabled task.",
      "Tarefas desabilitadas: {disabled}. O Agendador de Tarefas não executa uma tarefa desabilitada."),
    { T([[In Task Scheduler > Microsoft > OnlineBackup, right-click the task and select Enable (this alone is enough; no import is needed then).]],
        [[No Agendador de Tarefas > Microsoft > OnlineBackup, clique com o botão direito na tarefa e selecione Habilitar (isso basta; a importação não é necessária nesse caso).]]) })
end

-- ---------- schedule: the account ----------

function M.detect_principal()
  local tasks, skip = M.readable()
  if not tasks then return skip end
  local ev = { tasks = names(tasks) }
  local ok, bad = {}, {}
  for _, t in ipairs(tasks) do
    local ps = M.principals(t.tree)
    if #ps == 0 then
      bad[#bad + 1] = t.name .. ": no principal (runs as the account that registered it)"
    end
    for _, p in ipairs(ps) do
      local d = ("%s: %s"):format(t.name, M.describe_principal(p))
      if p.logon then d = d .. " (LogonType " .. p.logon .. ")" end
      if M.is_allowed_principal(p) then ok[#ok + 1] = d else bad[#bad + 1] = d end
    end
  end
  ev.accounts = ok
  if #bad == 0 then
    return mp.pass(ev, T("{accounts}: SYSTEM or the local Administrators group.",
                         "{accounts}: SYSTEM ou o grupo Administradores local."))
  end
  ev.wrong = bad
  if #ok == 0 then ev.accounts = nil end
  -- Kept manual: the account a task runs as is a security decision, and
  -- Task Scheduler stores the account (and any password) in its own
  -- store; rewriting the file would not change what the service runs.
  return mp.manual { evidence = ev,
    message = T("Tasks that run as another account: {wrong}. They must run as SYSTEM (S-1-5-18) or the local Administrators group (S-1-5-32-544).",
                "Tarefas executadas com outra conta: {wrong}. Elas devem ser executadas como SYSTEM (S-1-5-18) ou pelo grupo Administradores local (S-1-5-32-544)."),
    recommendations = {
      T([[In Task Scheduler > Microsoft > OnlineBackup, open the task, General tab > Security options > Change User or Group: enter SYSTEM (or the local Administrators group) and select OK.]],
        [[No Agendador de Tarefas > Microsoft > OnlineBackup, abra a tarefa, guia Geral > Opções de segurança ]]
        .. [[> Alterar Usuário ou Grupo: informe SYSTEM (ou o grupo Administradores local) e selecione OK.]]),
      T([[Or, elevated: schtasks /Change /TN "\Microsoft\OnlineBackup\Microsoft-OnlineBackup" /RU SYSTEM]],
        [[Ou, em modo elevado: schtasks /Change /TN "\Microsoft\OnlineBackup\Microsoft-OnlineBackup" /RU SYSTEM]]),
    } }
end

-- ---------- schedule: Windows Server Backup conflict ----------

local WEEK = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" }

-- minutes after midnight of a StartBoundary ("2024-01-01T21:00:00")
local function minute_of(start)
  local h, m = tostring(start or ""):match("T(%d%d):(%d%d)")
  if not h then return nil end
  return tonumber(h) * 60 + tonumber(m)
end

local function describe_trigger(tr)
  local days = "every day"
  if tr.days then
    local d = {}
    for _, n in ipairs(WEEK) do if tr.days[n] then d[#d + 1] = n:sub(1, 3) end end
    days = table.concat(d, ",")
  end
  local m = minute_of(tr.start)
  local at = m and ("%02d:%02d"):format(m // 60, m % 60) or "?"
  return ("%s %s %s%s"):format(tr.kind, days, at, tr.repeats and " (repeats)" or "")
end

local function days_overlap(a, b)
  if not a.days or not b.days then return true end
  for d in pairs(a.days) do if b.days[d] then return true end end
  return false
end

-- The enabled triggers of an enabled task.
local function active_triggers(tree)
  if not M.enabled(tree) then return {} end
  local out = {}
  for _, tr in ipairs(M.triggers(tree)) do
    if tr.enabled then out[#out + 1] = tr end
  end
  return out
end

function M.detect_wsb_conflict(params)
  local window = params.wsb_window_minutes
  local ev = { wsb_task = M.WSB_TASK, window_minutes = window }
  -- live, the task as Task Scheduler holds it; offline its file
  local wsb, err, code
  if M.com() then
    ev.wsb_task = M.WSB_LIBRARY
    wsb, err, code = M.read_live(M.WSB_LIBRARY)
  elseif fs.stat(M.WSB_TASK) then
    wsb, err = M.read(M.WSB_TASK)
  else
    code = "ENOENT"
  end
  if not wsb and code == "ENOENT" then
    return mp.pass(ev, T("No Windows Server Backup schedule on this server (no task {wsb_task}).",
                         "Nenhum agendamento do Backup do Windows Server neste servidor (sem a tarefa {wsb_task})."))
  end
  local recs = {
    T("Make sure the Windows Server Backup schedule does not overlap the Azure Backup (MARS) files and folders schedule.",
      "Verifique se o agendamento do Backup do Windows Server não se sobrepõe ao agendamento de backup de arquivos e pastas do Backup do Azure (MARS)."),
    T("Move one of them: Windows Server Backup console > Backup Schedule, or the Microsoft Azure Backup console > Schedule Backup.",
      "Mova um deles: console do Backup do Windows Server > Agendamento de Backup, ou console do Backup do Microsoft Azure > Agendar Backup."),
  }
  if not wsb then
    ev.error = err
    return mp.manual { evidence = ev, recommendations = recs,
      message = T("The Windows Server Backup task exists but cannot be read ({error}); compare the two schedules by hand.",
                  "A tarefa do Backup do Windows Server existe mas não pode ser lida ({error}); compare os dois agendamentos manualmente.") }
  end
  local w = active_triggers(wsb.tree)
  if #w == 0 then
    return mp.pass(ev, T("The Windows Server Backup task is disabled or has no enabled trigger.",
                         "A tarefa do Backup do Windows Server está desabilitada ou não tem gatilho habilitado."))
  end
  local tasks, skip = M.readable()
  if not tasks then return skip end
  local wsb_desc, mars_desc, close = {}, {}, {}
  for _, a in ipairs(w) do wsb_desc[#wsb_desc + 1] = describe_trigger(a) end
  local gap
  for _, t in ipairs(tasks) do
    for _, b in ipairs(active_triggers(t.tree)) do
      mars_desc[#mars_desc + 1] = t.name .. ": " .. describe_trigger(b)
      for _, a in ipairs(w) do
        if days_overlap(a, b) then
          local ma, mb = minute_of(a.start), minute_of(b.start)
          local g
          if a.repeats or b.repeats or not ma or not mb then g = 0
          else
            g = math.abs(ma - mb)
            g = math.min(g, 1440 - g)
          end
          if not gap or g < gap then gap = g end
          if g < window then close[#close + 1] = t.name .. ": " .. describe_trigger(b) end
        end
      end
    end
  end
  ev.wsb_schedule = wsb_desc
  ev.mars_schedule = mars_desc
  ev.gap_minutes = gap or false
  if #close == 0 then
    if not gap then
      return mp.pass(ev, T("Windows Server Backup ({wsb_schedule}) and Azure Backup ({mars_schedule}) never run on the same days.",
                           "O Backup do Windows Server ({wsb_schedule}) e o Backup do Azure ({mars_schedule}) nunca são executados nos mesmos dias."))
    end
    return mp.pass(ev, T("Windows Server Backup ({wsb_schedule}) starts at least {gap_minutes} minutes away from Azure Backup ({mars_schedule}); the window checked is {window_minutes} minutes.",
                         "O Backup do Windows Server ({wsb_schedule}) inicia a pelo menos {gap_minutes} minutos do "
                         .. "Backup do Azure ({mars_schedule}); a janela verificada é de {window_minutes} minutos."))
  end
  ev.conflicts = close
  return mp.manual { evidence = ev, recommendations = recs,
    message = T("Windows Server Backup ({wsb_schedule}) starts within {window_minutes} minutes of Azure Backup ({conflicts}): the two backups compete.",
                "O Backup do Windows Server ({wsb_schedule}) inicia a menos de {window_minutes} minutos do Backup do Azure ({conflicts}): os dois backups competem.") }
end

-- ---------- job could not be started: MultipleInstancesPolicy ----------

function M.detect_instances()
  local tasks, skip = M.readable()
  if not tasks then return skip end
  local ev = { tasks = names(tasks) }
  local bad, wrong = {}, {}
  for _, t in ipairs(tasks) do
    local policy, explicit = M.instances_policy(t.tree)
    if policy ~= "IgnoreNew" then
      bad[#bad + 1] = ("%s: %s"):format(t.name, tostring(policy))
      wrong[#wrong + 1] = t
    elseif not explicit then
      ev.defaulted = ev.defaulted or {}
      ev.defaulted[#ev.defaulted + 1] = t.name
    end
  end
  for _, t in ipairs(tasks) do
    -- live: how many instances run now (where Task Scheduler tells)
    if t.com and t.com.instances then
      ev.running = ev.running or {}
      ev.running[#ev.running + 1] = ("%s: %d"):format(t.name, t.com.instances)
    end
  end
  if #bad == 0 then
    return mp.pass(ev, T([[{tasks}: "Do not start a new instance" (IgnoreNew).]],
                         [[{tasks}: "Não iniciar uma nova instância" (IgnoreNew).]]))
  end
  ev.policy = bad
  return M.manual_corrected(ev, wrong,
    T([[Tasks that may start a second instance of the backup job: {policy} (should be IgnoreNew, "Do not start a new instance").]],
      [[Tarefas que podem iniciar uma segunda instância do trabalho de backup: {policy} (deveria ser IgnoreNew, "Não iniciar uma nova instância").]]),
    { T([[For each task in Task Scheduler Library > Microsoft > OnlineBackup: Properties > Settings > "If ]]
        .. [[the task is already running, then the following rule applies" > "Do not start a new instance".]],
        [[Para cada tarefa em Biblioteca do Agendador de Tarefas > Microsoft > OnlineBackup: Propriedades > Configurações ]]
        .. [[> "Se a tarefa já estiver em execução, a seguinte regra se aplica" > "Não iniciar uma nova instância".]]) })
end

return M
