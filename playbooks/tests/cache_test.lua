-- Tests of the cache playbook (playbooks/cache.lua), run by
-- `marsplay test playbooks/tests` (ctest: sh/t_playbook_tests).
--
-- For every cache fault of the lab: a dry-run reports it with evidence
-- and a plan (or the manual steps) and changes nothing; an apply fixes
-- and verifies it; a second apply changes nothing.  Targets built by
-- hand (t.hive_set, t.write) cover what the lab does not.

local test = require "marsplay.testing"

local PB = "cache"
local SET = { protected = { [[C:\Data]] } }
local CONFIG = [[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config]]
local PROVIDER = CONFIG .. [[\CloudBackupProvider]]

local function with(extra)
  local s = {}
  for k, v in pairs(SET) do s[k] = v end
  for k, v in pairs(extra or {}) do s[k] = v end
  return s
end

-- Every check of the report other than id is pass or skipped.
local function others_healthy(t, r, id)
  for _, c in ipairs(r.playbooks[1].checks) do
    if c.id ~= id then
      t.expect(c.status == "pass" or c.status == "skipped",
               "check %s: expected pass or skipped, got %s (%s)", c.id, c.status, c.message or c.reason or "")
    end
  end
end

test("healthy lab: every check passes or does not apply, exit 0", function(t)
  t.lab()
  local r = t.unchanged(function() return t.run(PB, { set = SET }) end, "an apply on a healthy lab")
  t.expect_exit(r, 0)
  others_healthy(t, r, nil)
  t.expect_status(r, "cache-free-space", "pass")
  t.expect_status(r, "shadow-copy-storage", "skipped")
  t.expect(t.evidence(r, "cache-free-space").free_bytes > 0, "free space measured")
end)

test("live Linux: no MARS agent, every check skipped: nothing checked, exit 5", function(t)
  local r = t.run(PB, { root = false })
  t.expect_exit(r, 5)
  for _, c in ipairs(r.playbooks[1].checks) do
    t.eq(c.status, "skipped", c.id)
    -- the first check of a chain says why; its dependents name it
    t.expect(c.reason:find("MARS agent not found", 1, true) or c.reason:find("depends on", 1, true),
             "%s: reason %s", c.id, c.reason)
  end
  t.match(t.check(r, "scratch-registry").reason, "MARS agent not found")
end)

-- fault, check, dry-run status, dry-run exit, extra parameters
local FIXABLE = {
  { "scratch-registry-mismatch", "scratch-registry" },
  { "scratch-reparse", "scratch-attributes", { move_cache_to = [[C:\MARSCache]] } },
}

local MANUAL = {
  { "scratch-missing", "scratch-exists" },
  { "scratch-not-dir", "scratch-exists" },
  { "cache-low-space", "cache-free-space" },
  { "scratch-reparse", "scratch-attributes" },
  { "scratch-sparse-file", "scratch-attributes" },
  { "defender-no-exclusions", "cache-not-held" },
}

for _, case in ipairs(FIXABLE) do
  local fault, id, extra = case[1], case[2], case[3]
  local set = with(extra)

  test(fault .. ": the dry-run plans the fix of " .. id .. " and changes nothing", function(t)
    t.lab { fault }
    local r = t.unchanged(function() return t.run(PB, { dry_run = true, set = set }) end, "the dry-run")
    t.expect_status(r, id, "planned")
    t.expect_exit(r, 2)
    t.expect(next(t.evidence(r, id)) ~= nil, "evidence recorded")
    t.expect(#t.actions(r, id, "planned") > 0, "planned actions")
    t.eq(#t.actions(r, id, "done"), 0, "nothing done")
    t.expect(t.check(r, id).message, "a message says what is wrong")
  end)

  test(fault .. ": the fix of " .. id .. " verifies, and a second run changes nothing", function(t)
    t.lab { fault }
    local first, second = t.idempotent(function() return t.run(PB, { set = set }) end)
    t.expect_status(first, id, "fixed")
    t.eq(t.check(first, id).verified, true, "verified")
    t.expect(#t.actions(first, id, "done") > 0, "actions done")
    t.expect_exit(first, 0)
    t.expect_status(second, id, "pass")
    t.expect_exit(second, 0)
  end)
end

for _, case in ipairs(MANUAL) do
  local fault, id = case[1], case[2]
  test(fault .. ": " .. id .. " needs manual action, with steps; nothing changes", function(t)
    t.lab { fault }
    local dry = t.unchanged(function() return t.run(PB, { dry_run = true, set = SET }) end, "the dry-run")
    t.expect_status(dry, id, "manual")
    t.expect_exit(dry, 3)
    t.expect(#t.check(dry, id).recommendations > 0, "manual steps given")
    t.expect(next(t.evidence(dry, id)) ~= nil, "evidence recorded")
    local apply = t.unchanged(function() return t.run(PB, { set = SET }) end, "an apply")
    t.expect_status(apply, id, "manual")
    t.expect_exit(apply, 3)
  end)
end

test("scratch-registry-mismatch: the fix keeps the folder holding the key file", function(t)
  t.lab { "scratch-registry-mismatch" }
  local r = t.run(PB, { dry_run = true, set = SET })
  local ev = t.evidence(r, "scratch-registry")
  t.eq(ev.provider_value, [[C:\OldScratch]])
  t.match(ev.keep, "Scratch$")
  t.run(PB, { set = SET })
  t.eq(t.reg(PROVIDER, "ScratchLocation"), ev.keep)
  t.eq(t.reg(CONFIG, "ScratchLocation"), ev.keep)
end)

test("scratch-reparse with move_cache_to: the cache is copied, the old folder kept", function(t)
  t.lab { "scratch-reparse" }
  local r = t.run(PB, { set = with { move_cache_to = [[C:\MARSCache]] } })
  t.expect_status(r, "scratch-attributes", "fixed")
  t.expect(t.exists([[C:\MARSCache\OnlineBackup.KEK]]), "key file copied")
  t.expect(t.exists([[C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch.target\OnlineBackup.KEK]]),
           "old folder kept")
  t.eq(t.reg(CONFIG, "ScratchLocation"), [[C:\MARSCache]])
  t.eq(t.reg(PROVIDER, "ScratchLocation"), [[C:\MARSCache]])
end)

test("cache-low-space: the shortfall is measured against the protected data", function(t)
  t.lab { "cache-low-space" }
  local r = t.run(PB, { dry_run = true, set = SET })
  local ev = t.evidence(r, "cache-free-space")
  t.expect(ev.protected_bytes > ev.free_bytes * 20, "5% of the protected data exceeds the free space")
  t.expect(ev.required_bytes > ev.free_bytes, "required above free")
end)

test("--no-fix: a fixable problem stays fail and nothing changes", function(t)
  t.lab { "scratch-registry-mismatch" }
  local r = t.unchanged(function() return t.run(PB, { no_fix = true, set = SET }) end, "a --no-fix run")
  t.expect_status(r, "scratch-registry", "fail")
  t.expect_exit(r, 2)
end)

test("--only runs just the named checks", function(t)
  t.lab()
  local r = t.run(PB, { only = { "scratch-registry", "scratch-exists" }, set = SET })
  t.eq(#r.playbooks[1].checks, 2)
end)

-- A target built by hand: only the registry values and folders the
-- checks read, no lab.
local function minimal_agent(t, scratch, provider)
  t.hive_set([[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Setup]], "InstallPath", "REG_SZ",
             [[C:\Program Files\Microsoft Azure Recovery Services Agent]])
  if scratch then t.hive_set(CONFIG, "ScratchLocation", "REG_SZ", scratch) end
  if provider then t.hive_set(PROVIDER, "ScratchLocation", "REG_SZ", provider) end
  t.write([[C:\Cache\OnlineBackup.KEK]], "key")
  t.mkdir([[C:\Data]])
end

test("hand-built target: a missing provider value is planned, then set", function(t)
  minimal_agent(t, [[C:\Cache]], nil)
  local dry = t.unchanged(function() return t.run(PB, { dry_run = true, set = SET }) end, "the dry-run")
  t.expect_status(dry, "scratch-registry", "planned")
  t.eq(t.evidence(dry, "scratch-registry").keep, [[C:\Cache]])
  local planned = t.actions(dry, "scratch-registry", "planned")
  t.eq(#planned, 1, "one value to set (Config already names the folder)")
  t.eq(planned[1].kind, "set-value")
  t.match(planned[1].target, "CloudBackupProvider\\ScratchLocation$")
  t.eq(planned[1].after, [[C:\Cache]])
  local first, second = t.idempotent(function() return t.run(PB, { set = SET }) end)
  t.expect_status(first, "scratch-registry", "fixed")
  t.expect_status(second, "scratch-registry", "pass")
  t.eq(t.reg(PROVIDER, "ScratchLocation"), [[C:\Cache]])
end)

test("hand-built target: neither value set is manual", function(t)
  minimal_agent(t, nil, nil)
  t.hive_set(CONFIG, "MachineId", "REG_SZ", "5f1c2a9e-7b3d-4c8e-a0f6-2d9b8e71c345")
  local r = t.run(PB, { dry_run = true, set = SET })
  t.expect_status(r, "scratch-registry", "manual")
  t.expect_status(r, "scratch-exists", "skipped")
end)

test("a waiver turns the planned fix into waived, exit 0", function(t)
  t.lab { "scratch-registry-mismatch" }
  t.write("waivers.txt", "cache/scratch-registry | until 2999-12-31 | the folder is managed by policy\n")
  local r = t.run(PB, { dry_run = true, set = SET, waivers = t.path("waivers.txt") })
  local c = t.expect_status(r, "scratch-registry", "waived")
  t.eq(c.waived_status, "planned")
  t.eq(c.waiver, "the folder is managed by policy")
  t.expect_exit(r, 0)
end)
