-- marsplay.lab: builds a simulated Windows system volume with the MARS
-- agent installed, healthy or with faults, for `marsplay lab DIR
-- [--fault NAME]...`.  Runs in its own trusted Lua state (lab.c) with the
-- standard libraries, lfs and marsplay.labkit; it is not a playbook
-- module (playbooks cannot reach labkit).
--
-- Faults live in the modules of lab/ (see fault_modules); each returns an array
-- of { name, description, guide (anchor in the guide), phase (order,
-- default 50), conflicts = {names}, apply = function(lab) }.  A fault
-- changes files through the lab object and registry values through
-- lab:set(...) before the hives are written; lab:at_end(fn) runs fn after
-- everything else (for background processes).
--
-- Rebuild rule: DIR must not exist or must be empty.  A lab is never
-- rebuilt in place (a faulty lab may hold read-only folders and a
-- background process); remove it first.
--
-- DIR/.marsplay-lab.json records what was built, for humans and tests.
-- Playbooks must not read it: they diagnose the volume as it is.

local M = {}

M.FORMAT_VERSION = 1
M.COMPUTER_NAME = "MARS-SRV01"
M.INSTALL = [[C:\Program Files\Microsoft Azure Recovery Services Agent]]
M.METADATA = ".marsplay-lab.json"
M.HOLDER_PIDFILE = ".marsplay-lab-holder"

-- Every module in the lab/ folder beside this file (base.lua aside)
-- holds faults; they are found, not listed, so each playbook's faults
-- live in their own file.
local function fault_modules()
  local lfs = require "lfs"
  local here = package.searchpath("marsplay.lab", package.path)
  local dir = here and here:gsub("%.lua$", "")
  local names = {}
  for entry in lfs.dir(dir) do
    local mod = entry:match("^([%w_%-]+)%.lua$")
    if mod and mod ~= "base" then names[#names + 1] = "marsplay.lab." .. mod end
  end
  table.sort(names)
  return names
end

-- ---------- registry value constructors ----------

local function typed(t, v) return { type = t, value = v } end
function M.sz(s) return typed("REG_SZ", s) end
function M.expand(s) return typed("REG_EXPAND_SZ", s) end
function M.dword(n) return typed("REG_DWORD", n) end
function M.qword(n) return typed("REG_QWORD", n) end
function M.multi(t) return typed("REG_MULTI_SZ", t) end
function M.binary(s) return typed("REG_BINARY", s) end

-- plain string -> REG_SZ, integer -> REG_DWORD, {type=, value=} as is
local function normalize(v)
  if type(v) == "string" then return M.sz(v) end
  if math.type(v) == "integer" then return M.dword(v) end
  if type(v) == "table" and type(v.type) == "string" then return v end
  error("registry value must be a string, an integer or {type=, value=}", 3)
end

-- ---------- faults ----------

local faults_cache
local function faults()
  if faults_cache then return faults_cache end
  local list, by, healthy = {}, {}, {}
  for _, modname in ipairs(fault_modules()) do
    local mod = require(modname)
    -- a module may also complete the healthy volume (mod.healthy)
    if type(mod.healthy) == "function" then healthy[#healthy + 1] = mod.healthy end
    for _, f in ipairs(mod) do
      assert(type(f.name) == "string" and type(f.apply) == "function"
             and type(f.description) == "string",
             modname .. ": a fault needs name, description and apply")
      assert(not by[f.name], "duplicate fault " .. f.name)
      f.phase = f.phase or 50
      f.conflicts = f.conflicts or {}
      list[#list + 1] = f
      by[f.name] = f
    end
  end
  table.sort(list, function(a, b) return a.name < b.name end)
  faults_cache = { list = list, by = by, healthy = healthy }
  return faults_cache
end

function M.faults() return faults().list end

function M.list_text()
  local out = {}
  for _, f in ipairs(faults().list) do
    out[#out + 1] = ("%-28s %s%s"):format(f.name, f.description,
      f.guide and (" (guide: #" .. f.guide .. ")") or "")
  end
  return table.concat(out, "\n") .. "\n"
end

local function valid_names()
  local n = {}
  for _, f in ipairs(faults().list) do n[#n + 1] = f.name end
  return table.concat(n, ", ")
end

-- The faults to apply, in order; errors for unknown names and conflicts.
local function select_faults(names)
  local F, chosen, seen = faults(), {}, {}
  for _, name in ipairs(names) do
    local f = F.by[name]
    if not f then
      error(("unknown fault '%s' (valid: %s)"):format(name, valid_names()), 0)
    end
    if not seen[name] then
      seen[name] = true
      chosen[#chosen + 1] = f
    end
  end
  for _, f in ipairs(chosen) do
    for _, c in ipairs(f.conflicts) do
      if seen[c] then
        error(("faults '%s' and '%s' cannot be combined"):format(f.name, c), 0)
      end
    end
  end
  table.sort(chosen, function(a, b)
    if a.phase ~= b.phase then return a.phase < b.phase end
    return a.name < b.name
  end)
  return chosen
end

-- ---------- the lab object ----------

local Lab = {}
Lab.__index = Lab

local function winrel(p)
  p = p:gsub("^[A-Za-z]:", ""):gsub("\\", "/"):gsub("^/+", ""):gsub("/+$", "")
  return p
end

-- Host path of a lab path ("C:\\X\\Y", "/X/Y" or "X/Y").
function Lab:host(p)
  local r = winrel(p)
  if r == "" then return self.root end
  return self.root .. "/" .. r
end

function Lab:log(fmt, ...)
  self.kit.log(("lab: " .. fmt):format(...))
end

function Lab:note(key, value) self.notes[key] = value end

function Lab:at_end(fn) self.finally[#self.finally + 1] = fn end

function Lab:exists(p)
  return self.lfs.symlinkattributes(self:host(p), "mode") ~= nil
end

function Lab:mkdir(p)
  local lfs = self.lfs
  local path = self.root
  for part in winrel(p):gmatch("[^/]+") do
    path = path .. "/" .. part
    local mode = lfs.symlinkattributes(path, "mode")
    if mode == nil then
      local ok, err = lfs.mkdir(path)
      if not ok then error(("mkdir %s: %s"):format(path, err), 0) end
    elseif mode ~= "directory" and lfs.attributes(path, "mode") ~= "directory" then
      error(("%s exists and is not a folder"):format(path), 0)
    end
  end
  return self:host(p)
end

local function parent(p)
  return p:match("^(.*)/[^/]*$") or ""
end

function Lab:write(p, data)
  local rel = winrel(p)
  self:mkdir(parent(rel))
  local path = self:host(rel)
  local f, err = io.open(path, "wb")
  if not f then error("" .. err, 0) end
  local ok, werr = f:write(data)
  local cok, cerr = f:close()
  if not ok or not cok then error(("write %s: %s"):format(path, werr or cerr), 0) end
  return path
end

function Lab:write_utf16(p, text)
  local rel = winrel(p)
  self:mkdir(parent(rel))
  self.kit.write_utf16(self:host(rel), text)
  return self:host(rel)
end

-- Remove a file or a whole tree (links are removed, never followed).
function Lab:remove(p)
  local lfs = self.lfs
  local function rm(path)
    local mode = lfs.symlinkattributes(path, "mode")
    if mode == nil then return end
    if mode == "directory" then
      for name in lfs.dir(path) do
        if name ~= "." and name ~= ".." then rm(path .. "/" .. name) end
      end
      local ok, err = lfs.rmdir(path)
      if not ok then error(("rmdir %s: %s"):format(path, err), 0) end
    else
      local ok, err = os.remove(path)
      if not ok then error("" .. err, 0) end
    end
  end
  rm(self:host(p))
end

function Lab:rename(from, to)
  local ok, err = os.rename(self:host(from), self:host(to))
  if not ok then error("" .. err, 0) end
end

-- ---------- registry specs ----------

-- hive name -> files it is written to (relative to C:\) and the name the
-- header records.
local HIVE_FILES = {
  SOFTWARE = { header = [[\SystemRoot\System32\Config\SOFTWARE]],
               files = { "Windows/System32/config/SOFTWARE" } },
  SYSTEM = { header = [[\SystemRoot\System32\Config\SYSTEM]],
             files = { "Windows/System32/config/SYSTEM" } },
  -- HKU\.DEFAULT = HKU\S-1-5-18, the file config\DEFAULT (confirmed).
  USER = { header = [[\SystemRoot\System32\Config\DEFAULT]],
           files = { "Windows/System32/config/DEFAULT" } },
  -- The SYSTEM profile folder's own NTUSER.DAT exists on a real server
  -- too, but it is not HKU\S-1-5-18: playbooks must never read it.
  SYSPROFILE = { header = [[\??\C:\Windows\system32\config\systemprofile\ntuser.dat]],
                 files = { "Windows/System32/config/systemprofile/NTUSER.DAT" } },
}

function Lab:key(hive, path)
  local h = assert(self.hives[hive], "lab: unknown hive " .. tostring(hive))
  local k = h[path:lower()]
  if not k then
    k = { path = path, values = {} }
    h[path:lower()] = k
  end
  return k
end

-- lab:set(hive, keypath, name, value) / lab:set(hive, keypath, {name=value,...})
function Lab:set(hive, path, name, value)
  local k = self:key(hive, path)
  if type(name) == "table" then
    for n, v in pairs(name) do k.values[n:lower()] = { name = n, v = normalize(v) } end
  else
    k.values[name:lower()] = { name = name, v = normalize(value) }
  end
end

function Lab:get(hive, path, name)
  local k = self.hives[hive][path:lower()]
  local v = k and k.values[name:lower()]
  return v and v.v.value
end

function Lab:unset(hive, path, name)
  local k = self.hives[hive][path:lower()]
  if k then k.values[name:lower()] = nil end
end

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks)
  return ks
end

function Lab:write_hives()
  for _, hive in ipairs(sorted_keys(HIVE_FILES)) do
    local def = HIVE_FILES[hive]
    local spec = { name = def.header, keys = {} }
    local keys = self.hives[hive]
    for _, lk in ipairs(sorted_keys(keys)) do
      local k = keys[lk]
      local values = {}
      for _, vn in ipairs(sorted_keys(k.values)) do
        local e = k.values[vn]
        values[#values + 1] = { name = e.name, type = e.v.type, value = e.v.value }
      end
      spec.keys[#spec.keys + 1] = { path = k.path, values = values }
    end
    for _, file in ipairs(def.files) do
      self:mkdir(parent(file))
      self.kit.hive_create(self:host(file), spec)
    end
    self:log("hive %s: %d keys -> %s", hive, #spec.keys, table.concat(def.files, ", "))
  end
end

-- ---------- JSON (metadata) ----------

local function json(v, ind)
  ind = ind or ""
  local t = type(v)
  if t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c)
      local m = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }
      return m[c] or ("\\u%04x"):format(c:byte())
    end) .. '"'
  elseif t == "number" then
    return math.type(v) == "integer" and tostring(v) or ("%.17g"):format(v)
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "table" then
    local inner = ind .. "  "
    local mt = getmetatable(v)
    if next(v) == nil then return (mt and mt.array) and "[]" or "{}" end
    if #v > 0 then
      local parts = {}
      for _, x in ipairs(v) do parts[#parts + 1] = inner .. json(x, inner) end
      return "[\n" .. table.concat(parts, ",\n") .. "\n" .. ind .. "]"
    end
    local parts = {}
    for _, k in ipairs(sorted_keys(v)) do
      parts[#parts + 1] = inner .. json(tostring(k)) .. ": " .. json(v[k], inner)
    end
    return "{\n" .. table.concat(parts, ",\n") .. "\n" .. ind .. "}"
  end
  return "null"
end
M.json = json

-- ---------- building ----------

local function prepare_dir(lfs, dir)
  local mode = lfs.attributes(dir, "mode")
  if mode == nil then
    local ok, err = lfs.mkdir(dir)
    if not ok then error(("cannot create %s: %s"):format(dir, err), 0) end
    return
  end
  if mode ~= "directory" then error(("%s exists and is not a folder"):format(dir), 0) end
  for name in lfs.dir(dir) do
    if name ~= "." and name ~= ".." then
      if lfs.attributes(dir .. "/" .. M.METADATA, "mode") then
        error(("%s already holds a lab; labs are never rebuilt in place: " ..
               "remove it first (stop any holder: rm %s/%s)"):format(dir, dir, M.HOLDER_PIDFILE), 0)
      end
      error(("%s is not empty; give a new or empty folder"):format(dir), 0)
    end
  end
end

--- Build the lab in dir with the named faults.
function M.build(dir, names)
  local kit = require "marsplay.labkit"
  local lfs = require "lfs"
  assert(type(dir) == "string" and dir ~= "", "lab: no folder given")
  local chosen = select_faults(names or {})
  prepare_dir(lfs, dir)
  local lab = setmetatable({
    root = kit.realpath(dir), kit = kit, lfs = lfs, M = M,
    hives = { SOFTWARE = {}, SYSTEM = {}, USER = {}, SYSPROFILE = {} },
    notes = {}, finally = {}, applied = setmetatable({}, { array = true }),
  }, Lab)
  lab:log("building a healthy system volume in %s", lab.root)
  require("marsplay.lab.base").build(lab)
  for _, complete in ipairs(faults().healthy) do complete(lab) end
  for _, f in ipairs(chosen) do
    lab:log("fault %s: %s", f.name, f.description)
    f.apply(lab)
    lab.applied[#lab.applied + 1] = f.name
  end
  lab:write_hives()
  local meta = {
    format = "marsplay-lab", version = M.FORMAT_VERSION,
    marsplay_version = kit.marsplay_version,
    created = os.date("!%Y-%m-%dT%H:%M:%SZ"),
    computer_name = M.COMPUTER_NAME,
    faults = lab.applied,
    notes = lab.notes,
  }
  -- Background work starts last; if writing the metadata fails, the
  -- holder is told to stop by removing its pidfile.
  for _, fn in ipairs(lab.finally) do fn(lab) end
  local ok, err = pcall(lab.write, lab, M.METADATA, json(meta) .. "\n")
  if not ok then
    os.remove(lab:host(M.HOLDER_PIDFILE))
    error(err, 0)
  end
  lab:log("done: %s (faults: %s)", lab.root,
          #lab.applied > 0 and table.concat(lab.applied, ", ") or "none")
  return lab
end

return M
