-- marsplay.lab.agent: faults of the agent itself and of the guide's
-- remaining sections (basic troubleshooting, backups completed with
-- warnings, activation, passphrase, resource not provisioned, restore,
-- common issues).
--
-- It also completes the healthy volume (FAULTS.healthy, which lab.lua
-- runs on every lab right after the base volume):
--  - Bin\cbengine.exe becomes a small but well-formed PE32+ image whose
--    resources hold a VS_VERSIONINFO with the agent's version (the base
--    lab writes a text placeholder there);
--  - Config\MachineName records the name the server was registered with
--    (where MARS keeps it is unconfirmed; the playbook reads a parameter);
--  - the iSCSI initiator the restore section needs: svchost.exe and
--    iscsiexe.dll, MSiSCSI's Parameters\ServiceDll, the iScsiPrt driver
--    and its root-enumerated device ROOT\ISCSIPRT\0000 ("Microsoft iSCSI
--    Initiator" under Storage controllers).

local AGENT = "Program Files/Microsoft Azure Recovery Services Agent"
local CBENGINE = AGENT .. "/Bin/cbengine.exe"
local TEMP = AGENT .. "/Temp"
local MARS = [[Microsoft\Windows Azure Backup]]
local CS = [[ControlSet001]]
local SVC = CS .. [[\Services\]]
local ISCSI_ENUM = CS .. [[\Enum\ROOT\ISCSIPRT\0000]]
local SCSI_CLASS = "{4d36e97b-e325-11ce-bfc1-08002be10318}"   -- SCSI and RAID controllers

-- ---------- a PE image with a version resource ----------

local function utf16z(s) return (s:gsub(".", "%0\0")) .. "\0\0" end
local function pad4(s) return s .. ("\0"):rep((4 - #s % 4) % 4) end
local function align(n, a) return (n + a - 1) // a * a end

-- One VS_VERSIONINFO-style block: header, key, value, children.
local function block(key, value, value_len, wtype, children)
  local body = pad4(string.pack("<I2I2I2", 0, value_len, wtype) .. utf16z(key)) .. (value or "")
  for _, c in ipairs(children or {}) do body = pad4(body) .. c end
  return string.pack("<I2", #body) .. body:sub(3)
end

local function split_version(v)
  local a, b, c, d = v:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  assert(a, "lab: bad version " .. tostring(v))
  return tonumber(a), tonumber(b), tonumber(c), tonumber(d)
end

local function version_info(version)
  local a, b, c, d = split_version(version)
  local ms, ls = (a << 16) | b, (c << 16) | d
  local fixed = string.pack("<I4I4I4I4I4I4I4I4I4I4I4I4I4",
    0xFEEF04BD, 0x00010000, ms, ls, ms, ls,
    0x3F, 0,            -- flags mask, flags
    0x00040004,         -- VOS_NT_WINDOWS32
    1, 0,               -- VFT_APP
    0, 0)
  local strings = {}
  for _, kv in ipairs {
    { "CompanyName", "Microsoft Corporation" },
    { "FileDescription", "Microsoft Azure Recovery Services Agent engine (marsplay lab image)" },
    { "FileVersion", version },
    { "InternalName", "CBEngine" },
    { "OriginalFilename", "CBEngine.exe" },
    { "ProductName", "Microsoft Azure Recovery Services Agent" },
    { "ProductVersion", version },
  } do
    strings[#strings + 1] = block(kv[1], utf16z(kv[2]), #kv[2] + 1, 1)
  end
  local sfi = block("StringFileInfo", nil, 0, 1, { block("040904B0", nil, 0, 1, strings) })
  local vfi = block("VarFileInfo", nil, 0, 1,
                    { block("Translation", string.pack("<I2I2", 0x0409, 1200), 4, 0) })
  return block("VS_VERSION_INFO", fixed, #fixed, 0, { sfi, vfi })
end

local RSRC_RVA = 0x2000

-- The resource section: RT_VERSION (16) -> id 1 -> language 0x409.
local function rsrc(version)
  local vi = version_info(version)
  local function dir(id, to)
    return string.pack("<I4I4I2I2I2I2", 0, 0, 0, 0, 0, 1) .. string.pack("<I4I4", id, to)
  end
  local head = dir(16, 0x80000000 | 24) .. dir(1, 0x80000000 | 48) .. dir(0x0409, 72)
  head = head .. string.pack("<I4I4I4I4", RSRC_RVA + 88, #vi, 0, 0)
  assert(#head == 88)
  return head .. vi
end

--- A PE32+ image (x64, two sections) with the version in its resources,
--- or without resources when version is nil.
local function pe_image(version)
  local text = ("\xC3"):rep(1) -- ret
  local res = version and rsrc(version) or nil
  local nsect = res and 2 or 1
  local image_size = RSRC_RVA + (res and align(#res, 0x1000) or 0)
  local dos = "MZ" .. ("\0"):rep(58) .. string.pack("<I4", 0x80)
  dos = dos .. "This image is a marsplay lab simulacrum; it does not run.\r\n$"
  dos = dos .. ("\0"):rep(0x80 - #dos)
  local coff = "PE\0\0" .. string.pack("<I2I2I4I4I4I2I2", 0x8664, nsect, 0x65F0A000, 0, 0, 240, 0x0022)
  local opt = string.pack("<I2BBI4I4I4I4I4I8I4I4I2I2I2I2I2I2I4I4I4I4I2I2I8I8I8I8I4I4",
    0x20B, 14, 0, 0x200, res and 0x200 or 0, 0, 0x1000, 0x1000, 0x140000000,
    0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0, image_size, 0x200, 0, 2, 0x8160,
    0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
  for i = 0, 15 do
    if i == 2 and res then opt = opt .. string.pack("<I4I4", RSRC_RVA, #res)
    else opt = opt .. string.pack("<I4I4", 0, 0) end
  end
  local function section(name, vsize, va, rawsize, rawptr, chars)
    return name .. ("\0"):rep(8 - #name) .. string.pack("<I4I4I4I4I4I4I2I2I4", vsize, va, rawsize, rawptr, 0, 0, 0, 0, chars)
  end
  local sects = section(".text", #text, 0x1000, 0x200, 0x200, 0x60000020)
  if res then sects = sects .. section(".rsrc", #res, RSRC_RVA, align(#res, 0x200), 0x400, 0x40000040) end
  local headers = dos .. coff .. opt .. sects
  local out = headers .. ("\0"):rep(0x200 - #headers) .. text .. ("\0"):rep(0x200 - #text)
  if res then out = out .. res .. ("\0"):rep(align(#res, 0x200) - #res) end
  return out
end

local UNINSTALL = [[Microsoft\Windows\CurrentVersion\Uninstall\]]
local PRODUCT = UNINSTALL .. "{FFE6D16C-3F87-4192-AF94-DDBEFF165106}"

local function set_version(lab, version)
  lab:write(CBENGINE, pe_image(version))
  lab:set("SOFTWARE", PRODUCT, "DisplayVersion", version)
end

-- ---------- completing the healthy volume ----------

local function complete(lab)
  local version = lab:get("SOFTWARE", PRODUCT, "DisplayVersion") or "2.0.9506.0"
  lab:write(CBENGINE, pe_image(version))
  -- unconfirmed location of the registered name (a playbook parameter)
  lab:set("SOFTWARE", MARS .. [[\Config]], "MachineName", lab.M.COMPUTER_NAME)
  -- the iSCSI initiator service and driver
  lab:write("Windows/System32/svchost.exe", pe_image("10.0.17763.1"))
  lab:write("Windows/System32/iscsiexe.dll", pe_image("10.0.17763.1"))
  lab:write("Windows/System32/drivers/msiscsi.sys", pe_image("10.0.17763.1"))
  lab:set("SYSTEM", SVC .. [[MSiSCSI\Parameters]], "ServiceDll",
          lab.M.expand([[%SystemRoot%\System32\iscsiexe.dll]]))
  lab:set("SYSTEM", SVC .. "iScsiPrt", {
    Type = 1, Start = 3, ErrorControl = 1, Group = "SCSI miniport",
    ImagePath = lab.M.expand([[System32\drivers\msiscsi.sys]]),
    DisplayName = "Microsoft iSCSI Initiator",
  })
  lab:set("SYSTEM", ISCSI_ENUM, {
    HardwareID = lab.M.multi({ [[ROOT\ISCSIPRT]] }),
    DeviceDesc = "Microsoft iSCSI Initiator",
    Class = "SCSIAdapter", ClassGUID = SCSI_CLASS,
    Service = "iScsiPrt", Driver = SCSI_CLASS .. [[\0001]],
    Mfg = "Microsoft", ConfigFlags = 0,
  })
end


-- ---------- helpers for faults ----------

local function drop_key(lab, hive, path)
  local prefix = path:lower()
  for k in pairs(lab.hives[hive]) do
    if k == prefix or k:sub(1, #prefix + 1) == prefix .. "\\" then lab.hives[hive][k] = nil end
  end
end

-- Failed-files entries: path and HRESULT (the per-line format of the real
-- file is unconfirmed; the playbook parses tolerantly).
local FAILED = {
  { [[C:\Data\Finance\archive-2019.zip]], "0x80070570" },
  { [[C:\Data\Finance\invoices\2024-02-117.pdf]], "0x80070570" },
  { [[C:\Data\Projects\build\obj\a1.tmp]], "0x80070002" },
  { [[C:\Data\Projects\build\obj\a2.tmp]], "0x80070002" },
  { [[C:\Data\Projects\build\obj\a3.tmp]], "0x80070002" },
  { [[C:\Data\Projects\old-share\notes.txt]], "0x80070003" },
  { [[C:\Data\HR\payroll\2024-03.xlsx]], "0x80070005" },
  { [[C:\Data\HR\payroll\2024-02.xlsx]], "0x80070005" },
  { [[C:\Data\HR\reviews\confidential.docx]], "0x80070005" },
  { [[C:\Users\Administrator\OneDrive - Contoso\Plans\roadmap.pptx]], "0x8007018b" },
  { [[C:\Users\Administrator\OneDrive - Contoso\Plans\budget.xlsx]], "0x8007018b" },
  { [[C:\Data\Finance\~$budget-2024.xlsx]], "0x80070020" },
}

local TRAILER = {
  ("-"):rep(60),
  "Consider adding these to exclusion list of backup policy.",
}

local GUIDE = "backup-jobs-completed-with-warning"

local FAULTS = {
  {
    name = "agent-outdated",
    description = "cbengine.exe (and the MSI uninstall entry) say 2.0.9145.0, older than 2.0.9249.0",
    guide = "basic-troubleshooting",
    conflicts = { "agent-not-latest", "cbengine-no-version", "obengine-missing-binary" },
    apply = function(lab) set_version(lab, "2.0.9145.0") end,
  },
  {
    name = "agent-not-latest",
    description = "cbengine.exe says 2.0.9415.0: supported, but older than the latest known 2.0.9506.0",
    guide = "basic-troubleshooting",
    conflicts = { "agent-outdated", "cbengine-no-version", "obengine-missing-binary" },
    apply = function(lab) set_version(lab, "2.0.9415.0") end,
  },
  {
    name = "cbengine-no-version",
    description = "cbengine.exe is a PE image without a version resource (the version only in the MSI uninstall entry)",
    guide = "basic-troubleshooting",
    conflicts = { "agent-outdated", "agent-not-latest", "obengine-missing-binary", "agent-uninstall-by-name" },
    apply = function(lab) lab:write(CBENGINE, pe_image(nil)) end,
  },
  {
    name = "agent-uninstall-by-name",
    description = "cbengine.exe has no version resource and the MSI entry is under another product code "
                  .. "(found by DisplayName, 2.0.9415.0); a Setup\\AgentVersion value says 2.0.9506.0 and must not be trusted",
    guide = "basic-troubleshooting",
    conflicts = { "agent-outdated", "agent-not-latest", "obengine-missing-binary", "cbengine-no-version" },
    phase = 60,
    apply = function(lab)
      lab:write(CBENGINE, pe_image(nil))
      local old = lab.hives.SOFTWARE[PRODUCT:lower()]
      lab.hives.SOFTWARE[PRODUCT:lower()] = nil
      local other = UNINSTALL .. "{0B9A3E7C-5D2F-4A61-8C4E-7F1D2B3A4C5D}"
      for _, e in pairs(old and old.values or {}) do lab:set("SOFTWARE", other, e.name, e.v) end
      lab:set("SOFTWARE", other, "DisplayVersion", "2.0.9415.0")
      lab:set("SOFTWARE", UNINSTALL .. "{11111111-2222-3333-4444-555555555555}", {
        DisplayName = "Microsoft Visual C++ 2019 X64 Minimum Runtime", DisplayVersion = "14.29.30133" })
      lab:set("SOFTWARE", MARS .. [[\Setup]], "AgentVersion", "2.0.9506.0")
    end,
  },
  {
    name = "obengine-disabled",
    description = "the obengine service (MARS) is disabled (Start=4)",
    guide = "basic-troubleshooting",
    conflicts = { "obengine-missing" },
    apply = function(lab) lab:set("SYSTEM", SVC .. "obengine", "Start", 4) end,
  },
  {
    name = "obengine-manual",
    description = "healthy state, not a fault: obengine starts manually (Start=3), as Microsoft's xASR DSC resource sets it",
    guide = "basic-troubleshooting",
    conflicts = { "obengine-disabled", "obengine-missing" },
    apply = function(lab) lab:set("SYSTEM", SVC .. "obengine", "Start", 3) end,
  },
  {
    name = "obengine-missing",
    description = "the obengine service is not registered (no Services\\obengine key)",
    guide = "basic-troubleshooting",
    conflicts = { "obengine-disabled" },
    apply = function(lab) drop_key(lab, "SYSTEM", SVC .. "obengine") end,
  },
  {
    name = "obengine-missing-binary",
    description = "Bin\\cbengine.exe, the service's binary, is missing",
    guide = "basic-troubleshooting",
    conflicts = { "agent-outdated", "agent-not-latest", "cbengine-no-version" },
    phase = 60,
    apply = function(lab) lab:remove(CBENGINE) end,
  },
  {
    name = "dotnet-old",
    description = ".NET Framework 4.5 only (Release 378389), below the 4.5.2 the guide requires",
    guide = "basic-troubleshooting",
    apply = function(lab)
      lab:set("SOFTWARE", [[Microsoft\NET Framework Setup\NDP\v4\Full]], {
        Release = 378389, Version = "4.5.50709",
      })
    end,
  },
  {
    name = "protected-reparse",
    description = "the protected folder C:\\Data holds a symbolic link (a reparse point backup skips)",
    guide = "basic-troubleshooting",
    apply = function(lab)
      lab.kit.symlink("../HR", lab:host("Data/Projects/hr-link"))
    end,
  },
  {
    name = "azure-vm",
    description = "the server is an Azure VM (Windows Azure Guest Agent service and C:\\WindowsAzure)",
    guide = "basic-troubleshooting",
    apply = function(lab)
      lab:mkdir("WindowsAzure/GuestAgent_2.7.41491.1102/")
      lab:write("WindowsAzure/GuestAgent_2.7.41491.1102/WindowsAzureGuestAgent.exe", pe_image("2.7.41491.1102"))
      lab:set("SYSTEM", SVC .. "WindowsAzureGuestAgent", {
        Type = 0x10, Start = 2, ErrorControl = 1, ObjectName = "LocalSystem",
        DisplayName = "Windows Azure Guest Agent",
        ImagePath = [[C:\WindowsAzure\GuestAgent_2.7.41491.1102\WindowsAzureGuestAgent.exe]],
      })
    end,
  },
  {
    name = "agent-not-registered",
    description = "the agent is installed but not registered to a vault (no MachineId/ResourceId)",
    guide = "basic-troubleshooting",
    apply = function(lab)
      for _, v in ipairs { "MachineId", "ResourceId", "ServiceResourceName" } do
        lab:unset("SOFTWARE", MARS .. [[\Config]], v)
      end
    end,
  },
  {
    name = "failed-files",
    description = "Temp\\LastBackupFailedFiles*.txt (UTF-16LE) lists 12 skipped files with six error codes",
    guide = GUIDE,
    conflicts = { "failed-files-utf8", "failed-files-paths-only" },
    apply = function(lab)
      local lines = {}
      for _, e in ipairs(FAILED) do lines[#lines + 1] = e[1] .. "\t" .. e[2] end
      for _, l in ipairs(TRAILER) do lines[#lines + 1] = l end
      lab:write_utf16(TEMP .. "/LastBackupFailedFiles8d1c4e2a_3_11_2025.txt",
                      table.concat(lines, "\r\n") .. "\r\n")
    end,
  },
  {
    name = "failed-files-paths-only",
    description = "the failed-files list holds only paths (no error codes) and the trailer line, as the public reader of the list expects",
    guide = GUIDE,
    conflicts = { "failed-files", "failed-files-utf8" },
    apply = function(lab)
      local lines = {}
      for _, e in ipairs(FAILED) do lines[#lines + 1] = e[1] end
      lines[#lines + 1] = TRAILER[2] .. ("-"):rep(40)
      lab:write_utf16(TEMP .. "/LastBackupFailedFiles3e7f0b19_3_13_2025.txt",
                      table.concat(lines, "\r\n") .. "\r\n")
    end,
  },
  {
    name = "failed-files-utf8",
    description = "the failed-files list in UTF-8 with another line layout (code first, then the path)",
    guide = GUIDE,
    conflicts = { "failed-files", "failed-files-paths-only" },
    apply = function(lab)
      local lines = {}
      for _, e in ipairs(FAILED) do
        lines[#lines + 1] = ("Error %s: %s"):format(e[2], e[1])
      end
      for _, l in ipairs(TRAILER) do lines[#lines + 1] = l end
      lab:write(TEMP .. "/LastBackupFailedFiles5a0b_3_12_2025.txt", table.concat(lines, "\r\n") .. "\r\n")
    end,
  },
  {
    name = "critical-inconsistency",
    description = "CBEngineCurr.errlog reports the critical inconsistency of a recreated top-level folder",
    guide = GUIDE,
    apply = function(lab)
      local path = lab:host(TEMP .. "/CBEngineCurr.errlog")
      local f = assert(io.open(path, "ab"))
      assert(f:write(table.concat({ "0A4C", "1F30", "03/12", "21:07:44.530", "18",
        "dsmfsenumerator.cpp(2210)", "[0000000000000000]", "WARNING",
        [[C:\Data\Projects: A critical inconsistency was detected, therefore changes cannot be replicated.]] }, "\t")
        .. "\r\n"))
      assert(f:close())
    end,
  },
  {
    name = "kek-missing",
    description = "OnlineBackup.KEK is missing from the scratch folder",
    guide = "the-activation-did-not-complete-successfully",
    phase = 60,
    apply = function(lab)
      local kek = AGENT .. "/Scratch/OnlineBackup.KEK"
      if lab:exists(kek) then lab:remove(kek) end
    end,
  },
  {
    name = "server-renamed",
    description = "the server was renamed to MARS-SRV02 after it was registered as MARS-SRV01",
    guide = "resource-not-provisioned-in-service-stamp",
    apply = function(lab)
      local new = "MARS-SRV02"
      lab:set("SYSTEM", CS .. [[\Control\ComputerName\ComputerName]], "ComputerName", new)
      lab:set("SYSTEM", CS .. [[\Services\Tcpip\Parameters]], { Hostname = new, ["NV Hostname"] = new })
    end,
  },
  {
    name = "machinename-absent",
    description = "a real state: no Config\\MachineName (no public source confirms MARS writes it), so the rename check cannot decide",
    guide = "resource-not-provisioned-in-service-stamp",
    apply = function(lab) lab:unset("SOFTWARE", MARS .. [[\Config]], "MachineName") end,
  },
  {
    name = "iscsi-disabled",
    description = "the Microsoft iSCSI Initiator Service (MSiSCSI) is disabled (Start=4)",
    guide = "troubleshoot-restore-problems",
    conflicts = { "iscsi-missing" },
    apply = function(lab) lab:set("SYSTEM", SVC .. "MSiSCSI", "Start", 4) end,
  },
  {
    name = "iscsi-missing",
    description = "the MSiSCSI service is not registered",
    guide = "troubleshoot-restore-problems",
    conflicts = { "iscsi-disabled" },
    apply = function(lab) drop_key(lab, "SYSTEM", SVC .. "MSiSCSI") end,
  },
  {
    name = "iscsi-device-unknown",
    description = "ROOT\\ISCSIPRT is an unknown device (no driver bound to it)",
    guide = "troubleshoot-restore-problems",
    apply = function(lab)
      for _, v in ipairs { "Service", "Driver", "Class", "ClassGUID", "Mfg" } do
        lab:unset("SYSTEM", ISCSI_ENUM, v)
      end
      lab:set("SYSTEM", ISCSI_ENUM, "DeviceDesc", "Unknown device")
      lab:set("SYSTEM", ISCSI_ENUM, "ConfigFlags", 0x40)   -- CONFIGFLAG_FAILEDINSTALL
    end,
  },
}

-- lab.lua runs this on every lab, healthy or not, after the base volume.
FAULTS.healthy = complete

return FAULTS
