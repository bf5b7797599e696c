-- marsplay.lab.tasks: faults of the OnlineBackup scheduled tasks and of
-- the PowerShell prerequisites, guide sections
-- #backups-dont-run-according-to-schedule and
-- #job-could-not-be-started-as-another-job-was-in-progress.
--
-- Task faults edit the task XML that lab/base.lua wrote (UTF-16 LE with
-- a BOM): the file is decoded, one exact fragment is replaced (exactly
-- one match, so a change in base.lua fails loudly here) and the file is
-- written back the way Windows writes it.

local TASK = "Windows/System32/Tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup"
local WSB = "Windows/System32/Tasks/Microsoft/Windows/Backup/Microsoft-Windows-WindowsBackup"
local MODULE = "Program Files/Microsoft Azure Recovery Services Agent/Bin/Modules/MSOnlineBackup"
local SCHEDULE = "backups-dont-run-according-to-schedule"
local JOB = "job-could-not-be-started-as-another-job-was-in-progress"
local ENV = [[ControlSet001\Control\Session Manager\Environment]]
local PS = [[Microsoft\PowerShell]]

-- Faults that leave no task definition to edit.
local NO_TASK = { "task-xml-corrupt", "task-missing" }
local TASK_EDITS = { "task-trigger-disabled", "task-disabled", "task-wrong-principal",
                     "task-multiple-instances" }

local function read_bytes(lab, p)
  local f = assert(io.open(lab:host(p), "rb"))
  local b = f:read("a")
  f:close()
  return b
end

-- UTF-16 LE (with BOM) -> UTF-8.
local function from_utf16(b)
  assert(b:sub(1, 2) == "\255\254", "task file without a UTF-16 LE BOM")
  local out, i = {}, 3
  while i + 1 <= #b do
    local u = b:byte(i) | (b:byte(i + 1) << 8)
    i = i + 2
    if u >= 0xD800 and u <= 0xDBFF and i + 1 <= #b then
      local lo = b:byte(i) | (b:byte(i + 1) << 8)
      i = i + 2
      u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
    end
    out[#out + 1] = utf8.char(u)
  end
  return table.concat(out)
end

local function escape(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end

-- Replace exactly one occurrence of `from` in the task file.
local function edit(lab, path, from, to)
  local text = from_utf16(read_bytes(lab, path))
  local new, n = text:gsub(escape(from), (to:gsub("%%", "%%%%")))
  if n ~= 1 then
    error(("lab: expected one '%s' in %s, found %d"):format(from, path, n), 0)
  end
  lab:write_utf16(path, new)
end

local function conflicts(own)
  local r = {}
  for _, x in ipairs(NO_TASK) do if x ~= own then r[#r + 1] = x end end
  if own == "task-xml-corrupt" or own == "task-missing" then
    for _, x in ipairs(TASK_EDITS) do r[#r + 1] = x end
  end
  return r
end

-- A Windows Server Backup schedule (wbadmin enable backup), daily at hhmm.
local function wsb_xml(hhmm)
  return table.concat({
    [[<?xml version="1.0" encoding="UTF-16"?>]],
    [[<Task version="1.3" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">]],
    [[  <RegistrationInfo>]],
    [[    <Author>Microsoft</Author>]],
    [[    <Description>This task performs scheduled backups of the server.</Description>]],
    [[    <URI>\Microsoft\Windows\Backup\Microsoft-Windows-WindowsBackup</URI>]],
    [[  </RegistrationInfo>]],
    [[  <Triggers>]],
    [[    <CalendarTrigger>]],
    [[      <StartBoundary>2024-01-01T]] .. hhmm .. [[:00</StartBoundary>]],
    [[      <Enabled>true</Enabled>]],
    [[      <ScheduleByDay>]],
    [[        <DaysInterval>1</DaysInterval>]],
    [[      </ScheduleByDay>]],
    [[    </CalendarTrigger>]],
    [[  </Triggers>]],
    [[  <Principals>]],
    [[    <Principal id="Author">]],
    [[      <UserId>S-1-5-18</UserId>]],
    [[      <RunLevel>HighestAvailable</RunLevel>]],
    [[    </Principal>]],
    [[  </Principals>]],
    [[  <Settings>]],
    [[    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>]],
    [[    <Enabled>true</Enabled>]],
    [[  </Settings>]],
    [[  <Actions Context="Author">]],
    [[    <Exec>]],
    [[      <Command>%windir%\System32\wbadmin.exe</Command>]],
    [[      <Arguments>start backup -templateId:{00000000-0000-0000-0000-000000000000} -quiet</Arguments>]],
    [[    </Exec>]],
    [[  </Actions>]],
    [[</Task>]],
  }, "\r\n") .. "\r\n"
end

return {
  {
    name = "task-trigger-disabled",
    description = "the Microsoft-OnlineBackup task's trigger is disabled (<Enabled>false</Enabled>)",
    guide = SCHEDULE,
    conflicts = conflicts("task-trigger-disabled"),
    apply = function(lab)
      -- the trigger's Enabled sits right after its StartBoundary
      edit(lab, TASK, "</StartBoundary>\r\n      <Enabled>true</Enabled>",
                      "</StartBoundary>\r\n      <Enabled>false</Enabled>")
    end,
  },
  {
    name = "task-disabled",
    description = "the Microsoft-OnlineBackup task itself is disabled (Settings/Enabled false)",
    guide = SCHEDULE,
    conflicts = conflicts("task-disabled"),
    apply = function(lab)
      edit(lab, TASK, "</AllowStartOnDemand>\r\n    <Enabled>true</Enabled>",
                      "</AllowStartOnDemand>\r\n    <Enabled>false</Enabled>")
    end,
  },
  {
    name = "task-wrong-principal",
    description = "the task runs as a domain user account (a user SID, LogonType Password)",
    guide = SCHEDULE,
    conflicts = conflicts("task-wrong-principal"),
    apply = function(lab)
      edit(lab, TASK, "<UserId>S-1-5-18</UserId>",
           "<UserId>S-1-5-21-3623811015-3361044348-30300820-1013</UserId>\r\n      <LogonType>Password</LogonType>")
    end,
  },
  {
    name = "task-multiple-instances",
    description = "the task's MultipleInstancesPolicy is Parallel (a second backup job can start)",
    guide = JOB,
    conflicts = conflicts("task-multiple-instances"),
    apply = function(lab)
      edit(lab, TASK, "<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
                      "<MultipleInstancesPolicy>Parallel</MultipleInstancesPolicy>")
    end,
  },
  {
    name = "task-xml-corrupt",
    description = "the task file is truncated in the middle (UTF-16 LE, not well-formed XML)",
    guide = SCHEDULE,
    conflicts = conflicts("task-xml-corrupt"),
    phase = 80,
    apply = function(lab)
      local b = read_bytes(lab, TASK)
      local keep = (#b // 2) & ~1                 -- half, on a UTF-16 unit boundary
      lab:write(TASK, b:sub(1, keep))
    end,
  },
  {
    name = "task-missing",
    description = "the Microsoft-OnlineBackup task file is gone (no backup schedule registered)",
    guide = SCHEDULE,
    conflicts = conflicts("task-missing"),
    phase = 80,
    apply = function(lab) lab:remove(TASK) end,
  },
  {
    name = "wsb-schedule-conflict",
    description = "a Windows Server Backup schedule runs daily at 21:00, the time of the MARS backup",
    guide = SCHEDULE,
    apply = function(lab) lab:write_utf16(WSB, wsb_xml("21:00")) end,
  },
  {
    name = "powershell-old",
    description = "only Windows PowerShell 2.0 is installed (no PowerShell 3.0+ engine)",
    guide = SCHEDULE,
    apply = function(lab)
      lab:unset("SOFTWARE", PS .. [[\3\PowerShellEngine]], "PowerShellVersion")
      lab:unset("SOFTWARE", PS .. [[\3\PowerShellEngine]], "RuntimeVersion")
      lab:set("SOFTWARE", PS .. [[\1\PowerShellEngine]], {
        PowerShellVersion = "2.0", RuntimeVersion = "v2.0.50727",
      })
    end,
  },
  {
    name = "psmodulepath-missing",
    description = "the machine PSModulePath lacks the agent's bin\\Modules folder",
    guide = SCHEDULE,
    apply = function(lab)
      lab:set("SYSTEM", ENV, "PSModulePath",
              lab.M.expand([[%ProgramFiles%\WindowsPowerShell\Modules;%SystemRoot%\system32\WindowsPowerShell\v1.0\Modules]]))
    end,
  },
  {
    name = "execution-policy-restricted",
    description = "the LocalMachine PowerShell execution policy is Restricted",
    guide = SCHEDULE,
    apply = function(lab)
      lab:set("SOFTWARE", PS .. [[\1\ShellIds\Microsoft.PowerShell]], "ExecutionPolicy", "Restricted")
    end,
  },
  {
    name = "execution-policy-gpo-disabled",
    description = "Group Policy \"Turn on Script Execution\" is Disabled (EnableScripts=0)",
    guide = SCHEDULE,
    apply = function(lab)
      lab:set("SOFTWARE", [[Policies\Microsoft\Windows\PowerShell]], "EnableScripts", 0)
    end,
  },
  {
    name = "msonlinebackup-module-missing",
    description = "a file the MSOnlineBackup.psd1 manifest lists (MSOnlineBackup.psm1) is missing",
    guide = SCHEDULE,
    conflicts = { "msonlinebackup-module-corrupt" },
    apply = function(lab) lab:remove(MODULE .. "/MSOnlineBackup.psm1") end,
  },
  {
    name = "msonlinebackup-module-corrupt",
    description = "the MSOnlineBackup module's MSOnlineBackup.psm1 is empty (0 bytes)",
    guide = SCHEDULE,
    conflicts = { "msonlinebackup-module-missing" },
    apply = function(lab) lab:write(MODULE .. "/MSOnlineBackup.psm1", "") end,
  },
}
