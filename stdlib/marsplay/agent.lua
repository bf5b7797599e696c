-- marsplay.agent: the MARS agent's version, read from the target.
--
-- The version is the file version of Bin\cbengine.exe (the engine behind
-- the obengine service): its PE resources hold a VS_FIXEDFILEINFO whose
-- dwFileVersionMS/LS give the four numbers.  The resource tree is walked
-- when the PE headers are sound; otherwise the file is scanned (bounded)
-- for the structure's signature (this is how Microsoft's own support log
-- collector reads the version).  When the file gives nothing, the MSI's
-- uninstall entry: HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\
-- Uninstall\{FFE6D16C-3F87-4192-AF94-DDBEFF165106} (the product code the
-- Windows Admin Center extension uses), or the entry whose DisplayName is
-- "Microsoft Azure Recovery Services Agent", value DisplayVersion.  No
-- source documents a Setup\AgentVersion value: it is read only when the
-- parameter version_value names one.
--
-- Shared by the basic-troubleshooting, activation, passphrase, restore
-- and common-issues playbooks.

local mp = require "marsplay"
local mars = require "marsplay.mars"

local fs, reg = mp.fs, mp.reg
local T = mp.text
local errtext = require "marsplay.errtext"

local M = {}

-- Parameters every playbook that checks the version merges into its own.
M.PARAMS = {
  min_version = { type = "string", default = "2.0.9506.0",
                  doc = "the agent version the server should have at least (the guide says: the latest; "
                        .. "default: the newest release known when this playbook was written)" },
  hard_min_version = { type = "string", default = "2.0.9249.0",
                       doc = "below this version the agent cannot use current vault credentials files" },
  version_value = { type = "string", default = "",
                    doc = [[a registry value under ...\Windows Azure Backup\Setup read last, when neither cbengine.exe nor ]]
                          .. [[the MSI uninstall entry gives a version (none documented: empty, not read)]] },
  exe_max_bytes = { type = "number", default = 64 * 1024 * 1024, min = 4096,
                    doc = "most bytes of cbengine.exe read when looking for its version resource" },
}

M.DOWNLOAD = "https://aka.ms/azurebackup_agent"

M.UPGRADE_STEPS = {
  T("Download the latest MARS agent installer (MARSAgentInstaller.exe) from " .. M.DOWNLOAD .. " and run it on the server: it upgrades the agent in place and keeps the registration.",
    "Baixe o instalador mais recente do agente MARS (MARSAgentInstaller.exe) em " .. M.DOWNLOAD .. " e execute-o no servidor: ele atualiza o agente no local e mantém o registro."),
  T("Check the version afterwards in the MARS console: Actions > About Microsoft Azure Recovery Services Agent.",
    "Depois, confira a versão no console do MARS: Ações > Sobre o Agente dos Serviços de Recuperação do Microsoft Azure."),
}

-- ---------- versions ----------

-- "2.0.9506.0" -> { 2, 0, 9506, 0 } (missing parts are 0) | nil
function M.parse(s)
  if type(s) ~= "string" then return nil end
  s = s:match("^%s*(.-)%s*$")
  if not s:match("^%d+[%.%d]*$") then return nil end
  local t = {}
  for part in s:gmatch("[^.]+") do
    if #t == 4 then return nil end
    local n = tonumber(part)
    if not n or n > 65535 then return nil end
    t[#t + 1] = n
  end
  while #t < 4 do t[#t + 1] = 0 end
  return t
end

-- -1, 0 or 1 as version a is older than, equal to or newer than b.
function M.compare(a, b)
  local x, y = M.parse(a), M.parse(b)
  assert(x and y, "agent.compare: not a version")
  for i = 1, 4 do
    if x[i] ~= y[i] then return x[i] < y[i] and -1 or 1 end
  end
  return 0
end

-- ---------- reading the PE version resource ----------

local SIG = "\xBD\x04\xEF\xFE"          -- 0xFEEF04BD, little-endian
local RT_VERSION = 16
local FIXED_LEN = 52                     -- sizeof(VS_FIXEDFILEINFO)
local CHUNK = 1024 * 1024

local function u16(s, off) return (string.unpack("<I2", s, off + 1)) end
local function u32(s, off) return (string.unpack("<I4", s, off + 1)) end

local function read_at(f, off, n)
  if not f:seek("set", off) then return nil end
  return f:read(n)
end

-- The version in a VS_FIXEDFILEINFO starting at off in s, or nil.
local function fixed_info(s, off)
  if off < 0 or off + FIXED_LEN > #s or s:sub(off + 1, off + 4) ~= SIG then return nil end
  local struc = u32(s, off + 4)
  if struc >> 16 ~= 1 then return nil end            -- dwStrucVersion 1.x
  local fms, fls = u32(s, off + 8), u32(s, off + 12)
  local pms, pls = u32(s, off + 16), u32(s, off + 20)
  return ("%d.%d.%d.%d"):format(fms >> 16, fms & 0xFFFF, fls >> 16, fls & 0xFFFF),
         ("%d.%d.%d.%d"):format(pms >> 16, pms & 0xFFFF, pls >> 16, pls & 0xFFFF)
end

-- First DWORD-aligned VS_FIXEDFILEINFO in s (base: file offset of s[1]).
local function scan_block(s, base)
  local from = 1
  while true do
    local i = s:find(SIG, from, true)
    if not i then return nil end
    local off = i - 1
    if (base + off) % 4 == 0 then
      local v, pv = fixed_info(s, off)
      if v then return v, pv, base + off end
    end
    from = i + 1
  end
end

-- The PE layout: sections and the resource directory | nil, why.
local function pe_layout(f, size)
  local h = read_at(f, 0, 4096)
  if not h or #h < 64 or h:sub(1, 2) ~= "MZ" then return nil, "no MZ header" end
  local pe = u32(h, 0x3C)
  if pe > 65536 or pe + 24 > size then return nil, "bad e_lfanew" end
  if pe + 24 + 240 + 40 * 96 > #h then
    h = read_at(f, 0, math.min(size, pe + 24 + 240 + 40 * 96))
  end
  if not h or h:sub(pe + 1, pe + 4) ~= "PE\0\0" then return nil, "no PE signature" end
  local coff = pe + 4
  local nsect, optsize = u16(h, coff + 2), u16(h, coff + 16)
  local opt = coff + 20
  if nsect == 0 or nsect > 96 or opt + optsize + 40 * nsect > #h then return nil, "bad section table" end
  local magic = u16(h, opt)
  local dd_at, n_at
  if magic == 0x10B then dd_at, n_at = 96, 92
  elseif magic == 0x20B then dd_at, n_at = 112, 108
  else return nil, ("unknown optional header magic 0x%X"):format(magic) end
  if optsize < dd_at + 3 * 8 or u32(h, opt + n_at) < 3 then return nil, "no resource directory entry" end
  local rsrc_rva, rsrc_size = u32(h, opt + dd_at + 16), u32(h, opt + dd_at + 20)
  if rsrc_rva == 0 or rsrc_size == 0 then return nil, "no resources" end
  local sections = {}
  for i = 0, nsect - 1 do
    local s = opt + optsize + 40 * i
    sections[#sections + 1] = { va = u32(h, s + 12), vsize = u32(h, s + 8),
                                rawsize = u32(h, s + 16), rawptr = u32(h, s + 20) }
  end
  return { sections = sections, rsrc_rva = rsrc_rva, rsrc_size = rsrc_size }
end

local function rva_to_off(layout, rva)
  for _, s in ipairs(layout.sections) do
    local span = math.max(s.vsize, s.rawsize)
    if rva >= s.va and rva < s.va + span then
      local delta = rva - s.va
      if delta >= s.rawsize then return nil end
      return s.rawptr + delta
    end
  end
  return nil
end

-- Walk type RT_VERSION -> first name -> first language -> data entry.
-- Returns the data's RVA and size | nil, why.
local function version_entry(r)
  local function dir_entries(off)
    if off + 16 > #r then return nil end
    local n = u16(r, off + 12) + u16(r, off + 14)
    if n > 4096 or off + 16 + 8 * n > #r then return nil end
    local list = {}
    for i = 0, n - 1 do
      list[#list + 1] = { id = u32(r, off + 16 + 8 * i), to = u32(r, off + 20 + 8 * i) }
    end
    return list
  end
  local root = dir_entries(0)
  if not root then return nil, "bad resource directory" end
  local node
  for _, e in ipairs(root) do
    if e.id == RT_VERSION then node = e end
  end
  if not node then return nil, "no version resource" end
  for _ = 1, 2 do                       -- name level, then language level
    if node.to & 0x80000000 == 0 then return nil, "bad version resource tree" end
    local list = dir_entries(node.to & 0x7FFFFFFF)
    if not list or #list == 0 then return nil, "empty version resource" end
    node = list[1]
  end
  if node.to & 0x80000000 ~= 0 or node.to + 16 > #r then return nil, "bad version data entry" end
  return u32(r, node.to), u32(r, node.to + 4)
end

--- The file version of a PE file.  Returns
--- { version=, product_version=, method = "resource"|"scan", offset= }
--- | nil, why.  Reads at most max_bytes of the file.
function M.pe_version(path, max_bytes)
  max_bytes = max_bytes or M.PARAMS.exe_max_bytes.default
  local st, err = fs.stat(path)
  if not st then return nil, err end
  if st.type ~= "file" then return nil, path .. " is not a regular file (" .. st.type .. ")" end
  local f, oerr = io.open(path, "rb")
  if not f then return nil, oerr end
  local size = st.size
  local function done(...) f:close(); return ... end
  local layout, why = pe_layout(f, size)
  local base, block = 0, nil
  if layout then
    local off = rva_to_off(layout, layout.rsrc_rva)
    local len = math.min(layout.rsrc_size, max_bytes)
    if off and off < size then
      block = read_at(f, off, len)
      base = off
    end
    if block then
      local rva, dlen = version_entry(block)
      if rva then
        local doff = rva_to_off(layout, rva)
        local data
        if doff and dlen >= 40 + FIXED_LEN and dlen <= 1024 * 1024 then
          if doff >= base and doff + dlen <= base + #block then
            data = block:sub(doff - base + 1, doff - base + dlen)
          else
            data = read_at(f, doff, dlen)
          end
        end
        if data then
          -- VS_VERSIONINFO: 3 WORDs, L"VS_VERSION_INFO\0", padding to a
          -- DWORD, then the fixed info (when wValueLength says so).
          local v, pv = nil, nil
          if u16(data, 2) >= FIXED_LEN then v, pv = fixed_info(data, 40) end
          if not v then v, pv = scan_block(data, 0) end
          if v then return done({ version = v, product_version = pv, method = "resource", offset = doff }) end
        end
      end
    end
  end
  -- Fallback: scan the resource block, or the start of the file.
  if block then
    local v, pv, at = scan_block(block, base)
    if v then return done({ version = v, product_version = pv, method = "scan", offset = at, note = why }) end
  end
  local pos, limit = 0, math.min(size, max_bytes)
  while pos < limit do
    local chunk = read_at(f, pos, math.min(CHUNK + FIXED_LEN, limit - pos))
    if not chunk or #chunk == 0 then break end
    local v, pv, at = scan_block(chunk, pos)
    if v then return done({ version = v, product_version = pv, method = "scan", offset = at, note = why }) end
    pos = pos + CHUNK
  end
  if size > max_bytes then
    return done(nil, ("no version resource in the first %d bytes of %s"):format(max_bytes, path))
  end
  return done(nil, ("%s has no version resource (%s)"):format(path, why or "VS_FIXEDFILEINFO not found"))
end

-- ---------- the agent's version ----------

M.UNINSTALL = [[HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall]]
M.PRODUCT_CODE = "{FFE6D16C-3F87-4192-AF94-DDBEFF165106}"
M.DISPLAY_NAME = "Microsoft Azure Recovery Services Agent"

--- The MSI uninstall entry's DisplayVersion: the product code's key, else
--- the entry named "Microsoft Azure Recovery Services Agent".
--- Returns version, value path | nil.
function M.uninstall_version()
  local function from(key)
    local v = reg.get(key, "DisplayVersion")
    if type(v) == "string" and M.parse(v) then return v, key .. "\\DisplayVersion" end
  end
  local v, where = from(M.UNINSTALL .. "\\" .. M.PRODUCT_CODE)
  if v then return v, where end
  local keys = reg.keys(M.UNINSTALL) or {}
  table.sort(keys)
  for _, k in ipairs(keys) do
    local key = M.UNINSTALL .. "\\" .. k
    local name = reg.get(key, "DisplayName")
    if type(name) == "string" and name:lower() == M.DISPLAY_NAME:lower() then
      v, where = from(key)
      if v then return v, where end
    end
  end
  return nil
end

--- The installed agent's version: { version=, source = "cbengine.exe" |
--- the registry value read, file=, method=, file_error= } | nil, why.
function M.version(agent, params)
  params = params or {}
  local exe = mars.join(agent.bin, "cbengine.exe")
  local info, ferr = M.pe_version(exe, params.exe_max_bytes)
  if ferr then ferr = errtext.text(ferr) end
  if info then
    return { version = info.version, source = "cbengine.exe", file = exe, method = info.method }
  end
  local v, where = M.uninstall_version()
  if v then
    return { version = v, source = where, registry = where, file = exe, file_error = ferr }
  end
  local looked = M.UNINSTALL .. "\\" .. M.PRODUCT_CODE .. "\\DisplayVersion"
  local name = params.version_value
  if name and name ~= "" then
    local sv = reg.get(mars.SETUP, name)
    if type(sv) == "string" and M.parse(sv) then
      return { version = sv, source = mars.SETUP .. "\\" .. name, registry = mars.SETUP .. "\\" .. name,
               file = exe, file_error = ferr }
    end
    looked = looked .. ", " .. mars.SETUP .. "\\" .. name
  end
  return nil, { file = exe, file_error = ferr, registry = looked }
end

--- detect: the agent is at least params.min_version.
function M.detect_version(agent, params)
  local v, why = M.version(agent, params)
  if not v then
    local ev = why or {}
    return mp.manual { evidence = ev,
      message = T("The agent's version cannot be read: {file_error}; the MSI uninstall entry ({registry}) does not give it either.",
                  "Não foi possível ler a versão do agente: {file_error}; a entrada de desinstalação do MSI ({registry}) também não a informa."),
      recommendations = {
        T("Check the version in the MARS console (Actions > About Microsoft Azure Recovery Services Agent) and compare it with the latest release.",
          "Confira a versão no console do MARS (Ações > Sobre o Agente dos Serviços de Recuperação do Microsoft Azure) e compare com a versão mais recente."),
        T("If cbengine.exe is missing or damaged, reinstall the latest agent from " .. M.DOWNLOAD .. ".",
          "Se o cbengine.exe estiver ausente ou danificado, reinstale o agente mais recente a partir de " .. M.DOWNLOAD .. "."),
      } }
  end
  local ev = { version = v.version, source = v.source, min_version = params.min_version,
               hard_min_version = params.hard_min_version, file = v.file, method = v.method,
               registry = v.registry, file_error = v.file_error }
  if not M.parse(params.min_version) or not M.parse(params.hard_min_version) then
    return { status = "error", evidence = ev,
             reason = "min_version and hard_min_version must be versions like 2.0.9506.0" }
  end
  if M.compare(v.version, params.min_version) >= 0 then
    return mp.pass(ev, T("Agent version {version} (from {source}) is at least {min_version}.",
                         "A versão do agente {version} (lida de {source}) é pelo menos {min_version}."))
  end
  local recs = {}
  for _, s in ipairs(M.UPGRADE_STEPS) do recs[#recs + 1] = s end
  if M.compare(v.version, params.hard_min_version) < 0 then
    ev.below_hard_min = true
    return mp.manual { evidence = ev, recommendations = recs,
      message = T("Agent version {version} (from {source}) is older than {hard_min_version}: it cannot read current vault credentials files and misses years of fixes; the latest known " ..
        "is {min_version}.",
                  "A versão do agente {version} (lida de {source}) é anterior a {hard_min_version}: ela não lê os arquivos de credenciais do cofre atuais e não tem anos de correções; a " ..
                    "mais recente conhecida é {min_version}.") }
  end
  return mp.manual { evidence = ev, recommendations = recs,
    message = T("Agent version {version} (from {source}) is older than {min_version}: upgrade to the latest agent.",
                "A versão do agente {version} (lida de {source}) é anterior a {min_version}: atualize para o agente mais recente.") }
end

return M
