-- marsplay.lab.cache: faults of the MARS cache (scratch) folder, guide
-- section #troubleshoot-cache-problems.

local SCRATCH = "Program Files/Microsoft Azure Recovery Services Agent/Scratch"
local KEK = SCRATCH .. "/OnlineBackup.KEK"
local CONFIG = [[Microsoft\Windows Azure Backup\Config]]
local PROVIDER = CONFIG .. [[\CloudBackupProvider]]
local GUIDE = "troubleshoot-cache-problems"

-- Faults that leave no scratch folder to work in.
local NO_FOLDER = { "scratch-missing", "scratch-not-dir" }

local function without(list, name)
  local r = {}
  for _, x in ipairs(list) do if x ~= name then r[#r + 1] = x end end
  return r
end

local function concat(a, b)
  local r = {}
  for _, x in ipairs(a) do r[#r + 1] = x end
  for _, x in ipairs(b) do r[#r + 1] = x end
  return r
end

local SHAPES = { "scratch-missing", "scratch-not-dir", "scratch-reparse" }

-- ---------- NTFS permissions ----------
-- A self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6) as ntfs-3g exposes
-- it in system.ntfs_acl.  ext4/tmpfs cannot hold that name, so the lab
-- stores it as user.marsplay.ntfs_acl (labkit.test_acl), which marsplay
-- reads only in test mode (MARSPLAY_TEST_NTFS_ACL=1).

local function sid(text)
  local parts = {}
  for n in text:gmatch("%d+") do parts[#parts + 1] = tonumber(n) end
  -- parts: 1 (revision), authority, sub-authorities...
  local auth, subs = parts[2], {}
  for i = 3, #parts do subs[#subs + 1] = string.pack("<I4", parts[i]) end
  return string.pack("BB", 1, #subs) .. string.pack(">I6", auth) .. table.concat(subs)
end

local FULL, READ_EXECUTE = 0x001F01FF, 0x001200A9
local OI_CI, INHERITED = 0x03, 0x10

-- aces: { {type = 0 allow | 1 deny, flags, mask, sid}, ... }
local function security_descriptor(owner, aces)
  local body = {}
  for _, a in ipairs(aces) do
    local s = sid(a.sid)
    body[#body + 1] = string.pack("<BBI2I4", a.type, a.flags, 8 + #s, a.mask) .. s
  end
  local acl_body = table.concat(body)
  local acl = string.pack("<BBI2I2I2", 2, 0, 8 + #acl_body, #aces, 0) .. acl_body
  local o = sid(owner)
  -- header (20) | owner | DACL; control: self-relative | DACL present
  return string.pack("<BBI2I4I4I4I4", 1, 0, 0x8004, 20, 0, 0, 20 + #o) .. o .. acl
end

-- What an install below Program Files inherits: SYSTEM and Administrators
-- full control, Users read and execute.
local HEALTHY_ACES = {
  { type = 0, flags = OI_CI | INHERITED, mask = FULL, sid = "S-1-5-18" },
  { type = 0, flags = OI_CI | INHERITED, mask = FULL, sid = "S-1-5-32-544" },
  { type = 0, flags = OI_CI | INHERITED, mask = READ_EXECUTE, sid = "S-1-5-32-545" },
}

local function human(n)
  local units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" }
  local i, v = 1, n
  while v >= 1024 and i < #units do v = v / 1024; i = i + 1 end
  return ("%.1f %s"):format(v, units[i])
end

local FAULTS = {
  {
    name = "cache-low-space",
    description = "protected data so large that 5% of it exceeds the free space of the cache volume",
    guide = GUIDE,
    apply = function(lab)
      local total, avail = lab.kit.space(lab.root)
      -- 40x the free space: 5% of it is twice the free space, a margin
      -- against other writers on the same volume.
      local target = avail > math.maxinteger // 40 and math.maxinteger or avail * 40
      if target < 1 << 30 then target = 1 << 30 end
      local dir = "Data/Archive"
      lab:mkdir(dir)
      local made, cap, n = 0, target, 0
      while made < target do
        n = n + 1
        if n > 1024 then error("cache-low-space: the filesystem's file size limit is too small", 0) end
        local want = math.min(target - made, cap)
        local got = lab.kit.sparse(lab:host(("%s/server-image-%03d.vhdx"):format(dir, n)), want)
        cap = got
        made = made + got
      end
      lab:log("cache-low-space: volume %s total, %s free; protected data grows by %s apparent " ..
              "(%d sparse files in C:\\Data\\Archive); 5%% of it = %s",
              human(total), human(avail), human(made), n, human(made // 20))
      lab:note("cache-low-space", {
        volume_total = total, volume_free = avail, sparse_bytes = made, sparse_files = n,
        five_percent = made // 20,
      })
    end,
  },
  {
    name = "scratch-missing",
    description = "the scratch folder does not exist (the registry still names it)",
    guide = GUIDE,
    conflicts = without(concat(SHAPES, { "scratch-readonly", "scratch-sparse-file", "cache-file-held" }),
                        "scratch-missing"),
    phase = 10,
    apply = function(lab) lab:remove(SCRATCH) end,
  },
  {
    name = "scratch-not-dir",
    description = "the scratch path is a regular file, not a folder",
    guide = GUIDE,
    conflicts = without(concat(SHAPES, { "scratch-readonly", "scratch-sparse-file", "cache-file-held" }),
                        "scratch-not-dir"),
    phase = 10,
    apply = function(lab)
      lab:remove(SCRATCH)
      lab:write(SCRATCH, "not a folder\r\n")
    end,
  },
  {
    name = "cache-other-drive",
    description = "a real state: the cache was moved to D:\\MARSCache (both ScratchLocation values), the guide's remedy for a full C:; "
                  .. "offline only C: is mounted",
    guide = GUIDE,
    conflicts = concat(SHAPES, { "scratch-registry-mismatch", "scratch-readonly", "scratch-sparse-file", "cache-file-held",
                                 "cache-low-space" }),
    apply = function(lab)
      lab:set("SOFTWARE", CONFIG, "ScratchLocation", [[D:\MARSCache]])
      lab:set("SOFTWARE", PROVIDER, "ScratchLocation", [[D:\MARSCache]])
    end,
  },
  {
    name = "scratch-registry-mismatch",
    description = "Config\\CloudBackupProvider\\ScratchLocation names another existing folder (C:\\OldScratch, no KEK)",
    guide = GUIDE,
    apply = function(lab)
      lab:mkdir("OldScratch")
      lab:write("OldScratch/desktop.ini", "[.ShellClassInfo]\r\n")
      lab:set("SOFTWARE", PROVIDER, "ScratchLocation", [[C:\OldScratch]])
    end,
  },
  {
    name = "scratch-readonly",
    description = "the scratch folder's Linux mode is 0555: on an NTFS volume permission bits are not the NTFS permissions, "
                  .. "so no check may judge them",
    guide = GUIDE,
    conflicts = NO_FOLDER,
    phase = 90,                  -- after anything that writes into it
    apply = function(lab)
      lab.kit.chmod(lab:host(SCRATCH), tonumber("555", 8))
    end,
  },
  {
    name = "scratch-reparse",
    description = "the scratch folder is a reparse point (a link to Scratch.target beside it)",
    guide = GUIDE,
    conflicts = without(SHAPES, "scratch-reparse"),
    phase = 10,
    apply = function(lab)
      lab:rename(SCRATCH, SCRATCH .. ".target")
      -- relative, so the link stays inside the volume wherever it is mounted
      lab.kit.symlink("Scratch.target", lab:host(SCRATCH))
    end,
  },
  {
    name = "scratch-sparse-file",
    description = "a sparse file inside the scratch folder (an unsupported attribute)",
    guide = GUIDE,
    conflicts = NO_FOLDER,
    apply = function(lab)
      local path = lab:write(SCRATCH .. "/CacheChunk0001.dat", ("\0"):rep(4096))
      lab.kit.sparse(path, 256 << 20)
    end,
  },
  {
    name = "cache-file-held",
    description = "another process holds OnlineBackup.KEK in the scratch folder open (like an antivirus)",
    guide = "another-process-or-antivirus-software-blocking-access-to-cache-folder",
    conflicts = NO_FOLDER,
    phase = 95,
    apply = function(lab)
      lab:at_end(function()
        local pidfile = lab:host(lab.M.HOLDER_PIDFILE)
        local pid = lab.kit.hold(lab:host(KEK), pidfile, 600)
        lab:log("cache-file-held: process %d (mp-lab-holder) holds %s open for up to 600 s; " ..
                "stop it: rm %s (or kill %d)", pid, lab:host(KEK), pidfile, pid)
        lab:note("cache-file-held", { pid = pid, pidfile = lab.M.HOLDER_PIDFILE, seconds = 600 })
      end)
    end,
  },
  {
    name = "scratch-acl-no-system",
    description = "the scratch folder's NTFS permissions do not give SYSTEM (the agent's account) full control: "
                  .. "Administrators full, Users read (test-mode security descriptor, see lab/cache.lua)",
    guide = GUIDE,
    conflicts = NO_FOLDER,
    apply = function(lab)
      lab.kit.test_acl(lab:host(SCRATCH), security_descriptor("S-1-5-32-544", {
        { type = 0, flags = OI_CI, mask = FULL, sid = "S-1-5-32-544" },
        { type = 0, flags = OI_CI, mask = READ_EXECUTE, sid = "S-1-5-32-545" },
        { type = 0, flags = OI_CI | 0x08, mask = FULL, sid = "S-1-5-18" },   -- inherit-only: not for the folder
      }))
    end,
  },
}

-- Every lab: the scratch folder's permissions as an install gets them
-- (best effort: a filesystem without user extended attributes has none).
function FAULTS.healthy(lab)
  local ok, err = pcall(lab.kit.test_acl, lab:host(SCRATCH), security_descriptor("S-1-5-32-544", HEALTHY_ACES))
  if not ok then lab:log("no test-mode NTFS permissions on the scratch folder: %s", tostring(err)) end
end

return FAULTS
