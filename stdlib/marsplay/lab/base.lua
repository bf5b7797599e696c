-- marsplay.lab.base: the healthy system volume every lab starts from —
-- Windows Server 2019 with the MARS agent installed and registered.
-- Facts: see the reference notes; what no public source confirms is
-- marked "unconfirmed" and kept plausible.

local M = {}

local GUID_TASK = "{6B3A2F1E-8C4D-4E2B-9A71-3D5F0C9E4B12}"
local MACHINE_ID = "5f1c2a9e-7b3d-4c8e-a0f6-2d9b8e71c345"
local RESOURCE_ID = "4872914387654321987"     -- a 64-bit vault id (as text)
local VAULT = "contoso-backup-vault"
local AGENT_VERSION = "2.0.9506.0"

local function install(lab, sub)
  return lab.M.INSTALL .. (sub and ("\\" .. sub) or "")
end

-- Task Scheduler XML for the backup task.  The shape follows the Task
-- Scheduler schema; the exact PowerShell command MARS registers is
-- unconfirmed (a call into the MSOnlineBackup module).
local function task_xml()
  local lines = {
    [[<?xml version="1.0" encoding="UTF-16"?>]],
    [[<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">]],
    [[  <RegistrationInfo>]],
    [[    <Author>Microsoft Corporation</Author>]],
    [[    <Description>Microsoft Azure Recovery Services Agent scheduled backup</Description>]],
    [[    <URI>\Microsoft\OnlineBackup\Microsoft-OnlineBackup</URI>]],
    [[  </RegistrationInfo>]],
    [[  <Triggers>]],
    [[    <CalendarTrigger>]],
    [[      <StartBoundary>2024-01-01T21:00:00</StartBoundary>]],
    [[      <Enabled>true</Enabled>]],
    [[      <ScheduleByWeek>]],
    [[        <DaysOfWeek>]],
    [[          <Monday />]],
    [[          <Tuesday />]],
    [[          <Wednesday />]],
    [[          <Thursday />]],
    [[          <Friday />]],
    [[        </DaysOfWeek>]],
    [[        <WeeksInterval>1</WeeksInterval>]],
    [[      </ScheduleByWeek>]],
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
    [[    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>]],
    [[    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>]],
    [[    <AllowHardTerminate>true</AllowHardTerminate>]],
    [[    <StartWhenAvailable>true</StartWhenAvailable>]],
    [[    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>]],
    [[    <IdleSettings>]],
    [[      <StopOnIdleEnd>false</StopOnIdleEnd>]],
    [[      <RestartOnIdle>false</RestartOnIdle>]],
    [[    </IdleSettings>]],
    [[    <AllowStartOnDemand>true</AllowStartOnDemand>]],
    [[    <Enabled>true</Enabled>]],
    [[    <Hidden>false</Hidden>]],
    [[    <RunOnlyIfIdle>false</RunOnlyIfIdle>]],
    [[    <WakeToRun>false</WakeToRun>]],
    [[    <ExecutionTimeLimit>PT72H</ExecutionTimeLimit>]],
    [[    <Priority>7</Priority>]],
    [[  </Settings>]],
    [[  <Actions Context="Author">]],
    [[    <Exec>]],
    [[      <Command>C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe</Command>]],
    -- unconfirmed: the real arguments MARS writes
    [[      <Arguments>-NonInteractive -WindowStyle Hidden -Command "Import-Module MSOnlineBackup; Start-OBBackup -Name 'Microsoft-OnlineBackup'"</Arguments>]],
    [[    </Exec>]],
    [[  </Actions>]],
    [[</Task>]],
  }
  return table.concat(lines, "\r\n") .. "\r\n"
end

-- CBEngine log lines: the tab-separated layout (thread, process, date,
-- time, level, source, context, severity, text) is unconfirmed.
local function errlog()
  local rows = {
    { "0A4C", "1F30", "03/11", "21:00:03.214", "cbpsession.cpp(412)", "NORMAL", "Backup session started" },
    { "0A4C", "1F30", "03/11", "21:00:05.871", "dsmfsenumerator.cpp(1732)", "WARNING", "Skipping C:\\Data\\Finance\\~$budget-2024.xlsx: Hr: = [0x80070020]" },
    { "0B10", "1F30", "03/11", "21:14:47.002", "cbpsession.cpp(960)", "NORMAL", "Backup session completed" },
  }
  local out = {}
  for _, r in ipairs(rows) do
    out[#out + 1] = table.concat({ r[1], r[2], r[3], r[4], "18", r[5], "[0000000000000000]", r[6], r[7] }, "\t")
  end
  return table.concat(out, "\r\n") .. "\r\n"
end

local function files(lab)
  -- Windows
  for _, d in ipairs {
    "Windows/System32/config/systemprofile/AppData/Local/Microsoft/Windows",
    "Windows/System32/drivers/etc",
    "Windows/Temp",
    "Windows/Microsoft.NET/Framework64/v4.0.30319",
    "Users/Administrator/Downloads",
    "Users/Administrator/Desktop",
    "Users/Public",
    "ProgramData/Microsoft/Windows",
  } do lab:mkdir(d) end
  lab:write("Windows/System32/WindowsPowerShell/v1.0/powershell.exe", "MZ marsplay lab placeholder: powershell.exe\n")
  lab:write("Windows/Microsoft.NET/Framework64/v4.0.30319/csc.exe", "MZ marsplay lab placeholder: csc.exe\n")
  lab:write("Windows/System32/drivers/etc/hosts", "# Copyright (c) 1993-2009 Microsoft Corp.\r\n#\r\n# localhost name resolution is handled within DNS itself.\r\n")
  for i, name in ipairs { "tmp1F3A.tmp", "tmp2B71.tmp", "tmpC04E.tmp" } do
    lab:write("Windows/Temp/" .. name, ("temporary file %d\r\n"):format(i))
  end
  lab:write("Windows/Temp/MpCmdRun.log", "MpCmdRun: Command Line: \"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\MpCmdRun.exe\" -wdenable\r\n")
  lab:write_utf16("Windows/System32/Tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup", task_xml())

  -- the agent
  local base = "Program Files/Microsoft Azure Recovery Services Agent/"
  lab:write(base .. "Bin/cbengine.exe", "MZ marsplay lab placeholder: cbengine.exe " .. AGENT_VERSION .. "\n")
  lab:write(base .. "Bin/Modules/MSOnlineBackup/MSOnlineBackup.psd1", table.concat({
    "@{",
    "    ModuleVersion = '" .. AGENT_VERSION:match("^(%d+%.%d+)") .. "'",
    "    RootModule = 'MSOnlineBackup.psm1'",
    "    Author = 'Microsoft Corporation'",
    "    Description = 'Microsoft Azure Recovery Services Agent cmdlets (marsplay lab placeholder)'",
    "    PowerShellVersion = '3.0'",
    "    FunctionsToExport = @('Get-OBPolicy', 'Start-OBBackup', 'Get-OBMachineSetting', 'Set-OBMachineSetting')",
    "}",
  }, "\r\n") .. "\r\n")
  lab:write(base .. "Bin/Modules/MSOnlineBackup/MSOnlineBackup.psm1",
            "# marsplay lab placeholder for the MSOnlineBackup module\r\n")
  -- deterministic 256-byte key-encryption-key file (content is opaque)
  local kek = {}
  local x = 0x2545F491
  for i = 1, 256 do
    x = (x * 1103515245 + 12345) % 0x80000000
    kek[i] = string.char((x >> 16) & 0xFF)
  end
  lab:write(base .. "Scratch/OnlineBackup.KEK", table.concat(kek))
  lab:write(base .. "Temp/CBEngineCurr.errlog", errlog())
  lab:write(base .. "Temp/CBEngineCurr.currLog", errlog())

  -- protected data
  lab:write("Data/Finance/budget-2024.xlsx", ("PK\3\4 marsplay lab spreadsheet\n"):rep(64))
  lab:write("Data/Finance/invoices/2024-03-001.pdf", ("%PDF-1.7 marsplay lab\n"):rep(32))
  lab:write("Data/HR/policies.docx", ("PK\3\4 marsplay lab document\n"):rep(48))
  lab:write("Data/Projects/readme.txt", "Projects share (protected by the MARS agent)\r\n")
end

local function registry(lab)
  local MARS = [[Microsoft\Windows Azure Backup]]
  local scratch = install(lab, "Scratch")
  lab:set("SOFTWARE", MARS .. [[\Setup]], { InstallPath = install(lab) .. "\\" })
  -- the MSI's uninstall entry (product code per the Admin Center extension)
  lab:set("SOFTWARE", [[Microsoft\Windows\CurrentVersion\Uninstall\{FFE6D16C-3F87-4192-AF94-DDBEFF165106}]], {
    DisplayName = "Microsoft Azure Recovery Services Agent",
    DisplayVersion = AGENT_VERSION,
    Publisher = "Microsoft Corporation",
    InstallLocation = install(lab) .. "\\",
    WindowsInstaller = 1,
  })
  lab:set("SOFTWARE", MARS .. [[\Config]], {
    ScratchLocation = scratch,
    MachineId = MACHINE_ID,
    ResourceId = RESOURCE_ID,
    ServiceResourceName = VAULT,            -- confirmed (Admin Center extension)
    SubscriptionId = "3f2b6c1d-8e4a-4d7b-9c05-a1e2f3b4c5d6",   -- read by the same extension
    ResourceGroupName = "contoso-backup-rg",
  })
  lab:set("SOFTWARE", MARS .. [[\Config\CloudBackupProvider]], { ScratchLocation = scratch })
  lab:set("SOFTWARE", [[Microsoft\Windows NT\CurrentVersion]], {
    ProductName = "Windows Server 2019 Datacenter",
    EditionID = "ServerDatacenter",
    InstallationType = "Server",
    CurrentVersion = "6.3",
    CurrentBuild = "17763",
    CurrentBuildNumber = "17763",
    ReleaseId = "1809",
    CurrentMajorVersionNumber = 10,
    CurrentMinorVersionNumber = 0,
    UBR = 5830,
    SystemRoot = [[C:\Windows]],
    RegisteredOwner = "Windows User",
  })
  local task = [[Microsoft\Windows NT\CurrentVersion\Schedule\TaskCache]]
  lab:set("SOFTWARE", task .. [[\Tree\Microsoft\OnlineBackup\Microsoft-OnlineBackup]],
          { Id = GUID_TASK, Index = 3 })
  lab:set("SOFTWARE", task .. [[\Tasks\]] .. GUID_TASK, {
    Path = [[\Microsoft\OnlineBackup\Microsoft-OnlineBackup]],
    URI = [[\Microsoft\OnlineBackup\Microsoft-OnlineBackup]],
    Author = "Microsoft Corporation",
  })
  for _, k in ipairs { [[Microsoft\.NETFramework\v4.0.30319]],
                       [[WOW6432Node\Microsoft\.NETFramework\v4.0.30319]] } do
    lab:set("SOFTWARE", k, { SchUseStrongCrypto = 1, SystemDefaultTlsVersions = 1 })
  end
  lab:set("SOFTWARE", [[Microsoft\NET Framework Setup\NDP\v4\Full]], {
    Release = 528040, Version = "4.8.03761", Install = 1, TargetVersion = "4.0.0",
    InstallPath = [[C:\Windows\Microsoft.NET\Framework64\v4.0.30319\]],
  })
  lab:set("SOFTWARE", [[Microsoft\PowerShell\3\PowerShellEngine]], {
    PowerShellVersion = "5.1.17763.1", RuntimeVersion = "v4.0.30319",
  })
  lab:set("SOFTWARE", [[Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell]], {
    ExecutionPolicy = "RemoteSigned",
    Path = [[C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe]],
  })
  lab:set("SOFTWARE", [[Microsoft\Windows\CurrentVersion]], {
    ProgramFilesDir = [[C:\Program Files]],
    CommonFilesDir = [[C:\Program Files\Common Files]],
    ProgramFilesPath = lab.M.expand("%ProgramFiles%"),
  })

  local cs = [[ControlSet001]]
  lab:set("SYSTEM", "Select", { Current = 1, Default = 1, Failed = 0, LastKnownGood = 1 })
  lab:set("SYSTEM", cs .. [[\Control\ComputerName\ComputerName]], { ComputerName = lab.M.COMPUTER_NAME })
  lab:set("SYSTEM", cs .. [[\Control\TimeZoneInformation]], {
    TimeZoneKeyName = "E. South America Standard Time", Bias = 180,
    DynamicDaylightTimeDisabled = 0,
  })
  lab:set("SYSTEM", cs .. [[\Control\Session Manager\Environment]], {
    OS = "Windows_NT", PROCESSOR_ARCHITECTURE = "AMD64", NUMBER_OF_PROCESSORS = "4",
    windir = lab.M.expand("%SystemRoot%"),
    TEMP = lab.M.expand([[%SystemRoot%\TEMP]]),
    TMP = lab.M.expand([[%SystemRoot%\TEMP]]),
    Path = lab.M.expand([[%SystemRoot%\system32;%SystemRoot%;%SystemRoot%\System32\Wbem;%SYSTEMROOT%\System32\WindowsPowerShell\v1.0\]]),
    PSModulePath = lab.M.expand([[%ProgramFiles%\WindowsPowerShell\Modules;%SystemRoot%\system32\WindowsPowerShell\v1.0\Modules;]]
                                .. install(lab, [[bin\Modules\]])),
  })
  local tls = cs .. [[\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\]]
  lab:set("SYSTEM", tls .. "Client", { Enabled = 1, DisabledByDefault = 0 })
  lab:set("SYSTEM", tls .. "Server", { Enabled = 1, DisabledByDefault = 0 })
  lab:set("SYSTEM", cs .. [[\Services\obengine]], {
    Type = 0x10, Start = 2, ErrorControl = 1,
    ImagePath = lab.M.expand('"' .. install(lab, [[bin\cbengine.exe]]) .. '"'),
    DisplayName = "Microsoft Azure Recovery Services Agent",
    ObjectName = "LocalSystem",
  })
  lab:set("SYSTEM", cs .. [[\Services\MSiSCSI]], {
    Type = 0x20, Start = 3, ErrorControl = 1,
    ImagePath = lab.M.expand([[%SystemRoot%\system32\svchost.exe -k netsvcs -p]]),
    DisplayName = "Microsoft iSCSI Initiator Service",
    ObjectName = "LocalSystem",
  })
  lab:set("SYSTEM", cs .. [[\Services\Tcpip\Parameters]], {
    Hostname = lab.M.COMPUTER_NAME, ["NV Hostname"] = lab.M.COMPUTER_NAME, Domain = "",
  })

  lab:set("USER", [[Software\Microsoft\Windows\CurrentVersion\Internet Settings]], {
    ProxyEnable = 0,
  })
  lab:key("USER", [[Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]])
  lab:set("USER", [[Control Panel\International]], { LocaleName = "pt-BR" })
  lab:set("SYSPROFILE", [[Control Panel\International]], { LocaleName = "en-US" })
end

function M.build(lab)
  files(lab)
  registry(lab)
end

return M
