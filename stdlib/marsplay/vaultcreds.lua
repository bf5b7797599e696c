-- marsplay.vaultcreds: vault credentials files (*.VaultCredentials) and
-- the vault the server is registered to, shared by the invalid-vault-
-- credentials, vault-credentials-wrong-vault and failed-to-set-
-- encryption-key playbooks.
--
-- Where files are looked for: the paths of --set vault_credentials
-- (files or folders), else the folders of credentials_folders (by default
-- every profile's Downloads and Desktop; "*" in a component matches
-- folders).  Only the folder itself is read, not its subfolders.
--
-- Which entries are examined: names ending in .VaultCredentials (any
-- case); names holding "vaultcredentials" with something after it (a
-- wrong extension); *.xml and *.txt files that turn out to hold a
-- credentials document (a wrong extension too).  Files named on the
-- command line are examined whatever their name.
--
-- SECRET: ManagementCert holds the vault's certificate.  It is checked
-- for presence and shape here and then dropped: no part of it ever goes
-- into a result, a message, an error or the log.  Parser messages are
-- scrubbed of long base64 runs in case a broken file puts it there.

local mp = require "marsplay"
local mars = require "marsplay.mars"

local fs, xml, reg, fix = mp.fs, mp.xml, mp.reg, mp.fix
local T = mp.text
local errtext = require "marsplay.errtext"

local M = {}

M.NS = "http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common"
M.BACKUP_ROOT = "RSBackupVaultAADCreds"
M.ASR_ROOT = "RSVaultAsrCreds"
M.EXT = ".vaultcredentials"
M.MAX_BYTES = 1 << 20          -- a real file is a few KiB
M.REQUIRED = { "SubscriptionId", "ResourceName", "ManagementCert" }

local DAY = 86400

M.PARAMS = {
  vault_credentials = { type = "list", default = {},
    doc = "credentials files or folders to examine (;-separated); empty: the folders of credentials_folders" },
  credentials_folders = { type = "list",
    default = { [[C:\Users\*\Downloads]], [[C:\Users\*\Desktop]] },
    doc = "folders searched for credentials files when vault_credentials is empty (* matches one folder name)" },
  validity_days = { type = "number", default = 10, min = 0,
    doc = "days a credentials file stays valid after its download from the portal" },
  powershell_validity_hours = { type = "number", default = 48, min = 0,
    doc = "hours the certificate of a file written by Get-AzRecoveryServicesVaultSettingsFile stays valid "
          .. "(Azure PowerShell source: 48); applied to files whose name carries a pt-BR date, which only PowerShell writes" },
  registered_vault_value = { type = "string", default = "ServiceResourceName",
    doc = [[value under HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config naming the registered vault (unconfirmed name)]] },
  registered_vault_id_value = { type = "string", default = "",
    doc = [[value under ...\Config holding the registered vault's id, compared with the file's ResourceId (empty: not compared; ResourceId is a candidate, unconfirmed)]] },
}

-- The guide's steps when the credentials are not valid.
M.RENEW_STEPS = {
  T("Download new vault credentials from the Recovery Services vault in the Azure portal.",
    "Baixe novas credenciais do cofre dos Serviços de Recuperação no portal do Azure."),
  T("If the agent is already installed and registered: open the Microsoft Azure Backup agent MMC console, " ..
    "select Register Server in the Actions pane and complete the registration with the new credentials.",
    "Se o agente já estiver instalado e registrado: abra o console MMC do agente de Backup do Microsoft " ..
    "Azure, selecione Registrar servidor no painel Ações e conclua o registro com as novas credenciais."),
  T("If a new installation failed: reinstall the agent with the new credentials.",
    "Se uma nova instalação falhou: reinstale o agente com as novas credenciais."),
  T("When several credentials files were downloaded, only the newest one is valid, for the next {validity_days} days.",
    "Quando vários arquivos de credenciais foram baixados, somente o mais recente é válido, pelos próximos {validity_days} dias."),
}

-- ---------- small helpers ----------

-- The date in a file name, in every culture the tool ships: the portal
-- writes "Ddd Mmm dd yyyy" in English (UTC); Get-AzRecoveryServices-
-- VaultSettingsFile formats the same pattern in the machine's culture
-- ("qui dez 03 2026" on pt-BR; .NET on ICU may add a period: "dez.");
-- older Site Recovery cmdlets wrote yyyy-MM-ddTHH-mm-ss.
local CULTURES = {
  en = { days = { sun = 1, mon = 1, tue = 1, wed = 1, thu = 1, fri = 1, sat = 1 },
         months = { jan = 1, feb = 2, mar = 3, apr = 4, may = 5, jun = 6,
                    jul = 7, aug = 8, sep = 9, oct = 10, nov = 11, dec = 12 } },
  ["pt-BR"] = { days = { dom = 1, seg = 1, ter = 1, qua = 1, qui = 1, sex = 1, ["s\195\161b"] = 1, sab = 1 },
                months = { jan = 1, fev = 2, mar = 3, abr = 4, mai = 5, jun = 6,
                           jul = 7, ago = 8, set = 9, out = 10, nov = 11, dez = 12 } },
}

-- Days since 1970-01-01 of a civil date.
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp_ = (m + 9) % 12
  local doy = (153 * mp_ + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end
M.days_from_civil = days_from_civil

local function valid(y, m, d) return m and m >= 1 and m <= 12 and d >= 1 and d <= 31 and y >= 2000 end

-- The download date in a file name "<vault>_<date>...": day number,
-- "yyyy-mm-dd", the form ("en", "pt-BR" or "iso") and, for the ISO form,
-- the seconds since the epoch; or nil.
function M.date_in_name(name)
  local found
  for day, mon, d, y in name:gmatch("_([^%s_%d]+) ([^%s_%d]+) (%d%d?) (%d%d%d%d)") do
    found = { day:lower():gsub("%.$", ""), mon:lower():gsub("%.$", ""), tonumber(d), tonumber(y) }
  end
  if found then
    for form, c in pairs(CULTURES) do
      local m = c.months[found[2]]
      if c.days[found[1]] and valid(found[4], m, found[3]) then
        return days_from_civil(found[4], m, found[3]), ("%04d-%02d-%02d"):format(found[4], m, found[3]), form
      end
    end
  end
  local y, m, d, hh, mi, ss = name:match("_(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d)%-(%d%d)%-(%d%d)")
  if not y then y, m, d = name:match("_(%d%d%d%d)%-(%d%d)%-(%d%d)") end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if y and valid(y, m, d) then
    local day = days_from_civil(y, m, d)
    local at = hh and (day * DAY + tonumber(hh) * 3600 + tonumber(mi) * 60 + tonumber(ss)) or nil
    return day, ("%04d-%02d-%02d"):format(y, m, d), "iso", at
  end
  return nil
end

-- Parser messages may quote text of the file: never let a run that could
-- be part of the certificate through.
local function scrub(s, longest)
  longest = longest or 31
  s = tostring(s or "")
  return (s:gsub("[%w+/=]+", function(run)
    if #run > longest then return "<redacted>" end
  end))
end
M.scrub = scrub

-- Text values copied from a file into results: short and never the
-- certificate (a broken file could put it in another element).
local function field(tree, name, cert)
  local v = xml.text(tree, name)
  if v == nil or v == "" then return nil end
  if cert and #cert >= 8 and v:find(cert:sub(1, 32), 1, true) then return "<redacted>" end
  if #v > 128 then v = v:sub(1, 125) .. "..." end
  return scrub(v, 64)         -- names and ids are shorter than that
end

local function lower(s) return (s or ""):lower() end

local function ends_with(s, suffix)
  return #s >= #suffix and s:sub(-#suffix) == suffix
end

local function has_glob(s) return s:find("[*?]") ~= nil end

-- Expand a folder path whose components may hold * or ?: the folders
-- that exist.
local function expand(path)
  path = mars.norm(path)
  if not has_glob(path) then return { path } end
  local drive, rest = path:match("^(%a:)\\(.*)$")
  local bases = { drive and (drive .. "\\") or "" }
  if not drive then rest = path:gsub("^\\", "") end
  for comp in rest:gmatch("[^\\]+") do
    local nextb = {}
    for _, b in ipairs(bases) do
      local parent = b == "" and "\\" or b
      if has_glob(comp) then
        for _, name in ipairs(fs.glob(parent, comp) or {}) do
          local p = (parent:sub(-1) == "\\" and parent or parent .. "\\") .. name
          if fs.isdir(p) then nextb[#nextb + 1] = p end
        end
      else
        nextb[#nextb + 1] = (parent:sub(-1) == "\\" and parent or parent .. "\\") .. comp
      end
    end
    bases = nextb
  end
  return bases
end

-- ---------- reading one file ----------

-- Examine one file.  named: its name says it is a credentials file (or
-- it was given explicitly).  Returns an entry, or nil for a file that is
-- not a credentials file at all.
local function read_entry(path, name, named, st)
  local e = { path = path, name = name, named = named,
              ext_ok = ends_with(lower(name), M.EXT) }
  if st then e.size = st.size; e.mtime = st.mtime end
  if st and st.type ~= "file" then
    if not named then return nil end
    e.error = ("not a regular file (%s)"):format(st.type)
    return e
  end
  local data, err, code = fs.read(path, M.MAX_BYTES)
  if not data then
    if not named then return nil end
    e.error = code == "EFBIG" and ("larger than %d bytes: not a credentials file"):format(M.MAX_BYTES)
              or scrub(err)
    return e
  end
  if #data == 0 then
    if not named then return nil end
    e.error = "the file is empty"
    return e
  end
  local tree, perr = xml.parse(data, { name = name })
  if not tree then
    if not named then return nil end
    perr = tostring(perr)
    if perr:sub(1, #name + 2) == name .. ": " then perr = perr:sub(#name + 3) end
    e.error = scrub(perr)
    return e
  end
  if tree.name == M.ASR_ROOT then
    e.kind = "asr"
  elseif tree.name == M.BACKUP_ROOT then
    e.kind = "backup"
  else
    if not named then return nil end
    e.error = ("the document is a <%s>, not a <%s>"):format(scrub(tree.name), M.BACKUP_ROOT)
    return e
  end
  local cert = xml.text(tree, "ManagementCert")
  -- the certificate is a secret: the engine redacts it from every output
  if cert and cert ~= "" then
    local secret = require "marsplay.secret"
    secret.add(cert)
    -- its validity, when the PFX can be read (secret.pfx_validity:
    -- libcrypto / CryptoAPI); otherwise the age rules below decide
    local info, why, pcode = secret.pfx_validity(cert)
    if info then e.cert = info else e.cert_unread = { reason = why, code = pcode } end
  end
  if e.kind == "backup" then
    local problems = {}
    if tree.ns ~= M.NS then
      problems[#problems + 1] = ("namespace %s instead of %s"):format(scrub(tree.ns or "(none)"), M.NS)
    end
    for _, f in ipairs(M.REQUIRED) do
      if not xml.text(tree, f) or xml.text(tree, f) == "" then
        problems[#problems + 1] = ("element %s is missing or empty"):format(f)
      end
    end
    if cert and cert ~= "" then
      local compact = cert:gsub("%s+", "")
      if not compact:match("^[A-Za-z0-9+/]+=?=?$") or #compact % 4 ~= 0 then
        problems[#problems + 1] = "ManagementCert is not valid base64"
      end
    end
    if #problems > 0 then
      e.error = table.concat(problems, "; ")
      local line = tree.line
      if line then e.error = ("line %d: %s"):format(line, e.error) end
    end
  end
  e.vault = field(tree, "ResourceName", cert)
  e.subscription = field(tree, "SubscriptionId", cert)
  e.resource_group = field(tree, "ResourceGroup", cert)
  e.resource_id = field(tree, "ResourceId", cert)
  e.location = field(tree, "Location", cert)
  e.id_endpoint = field(tree, "IdMgmtRestEndpoint", cert)
  e.version = field(tree, "Version", cert)
  return e
end

-- Each check scans again; a file is read and parsed once per run while
-- its path, size, modification time and inode stay the same.
local cache = {}

local function examine(path, name, named, now)
  local st = fs.stat(path)
  local key = st and table.concat({ path, tostring(named), st.type, st.size, st.mtime, st.ino }, "\0")
  local e = key and cache[key]
  if e == nil then
    e = read_entry(path, name, named, st) or false
    if key then cache[key] = e end
  end
  if not e then return nil end
  local copy = {}
  for k, v in pairs(e) do copy[k] = v end
  e = copy
  -- the certificate's own validity, when it was read: a span of about
  -- 48 hours is the certificate Get-AzRecoveryServicesVaultSettingsFile
  -- makes (its NotBefore is 10 minutes before its creation)
  if e.cert then
    e.not_after = e.cert.not_after
    e.cert_left_hours = math.floor((e.cert.not_after - now) / 360) / 10
    e.cert_span_hours = (e.cert.not_after - e.cert.not_before) / 3600
  end
  -- age: the date in the file name, else the modification time
  local day, iso, form, at = M.date_in_name(name)
  if day then
    e.date = iso
    e.day = day
    e.age_days = at and math.floor((now - at) / DAY * 10) / 10 or math.floor(now / DAY) - day
    e.age_source = "name"
    e.name_form = form
    -- only Get-AzRecoveryServicesVaultSettingsFile writes a pt-BR date
    -- (the portal writes English): its certificate is valid 48 hours
    if form == "pt-BR" then e.powershell = true end
  elseif e.mtime then
    e.date = os.date("!%Y-%m-%d", math.floor(e.mtime))
    e.day = math.floor(e.mtime / DAY)
    e.age_days = math.floor((now - e.mtime) / DAY * 10) / 10
    e.age_source = "mtime"
  end
  return e
end

-- The name a misnamed credentials file should have, in its folder.
function M.proper_name(name)
  local l = name:lower()
  local last
  local i = l:find(M.EXT, 1, true)
  while i do last = i; i = l:find(M.EXT, i + 1, true) end
  if last then return name:sub(1, last + #M.EXT - 1) end
  local stem = name:match("^(.+)%.[^.]*$") or name
  return stem .. ".VaultCredentials"
end

local function candidate(name)
  local l = name:lower()
  if l:find("vaultcredentials", 1, true) then return true, true end
  if ends_with(l, ".xml") or ends_with(l, ".txt") then return true, false end
  return false
end

--- Find and examine the credentials files.  Returns
--- { files = {entry...}, searched = {folder...}, missing = {path...} }.
function M.scan(params)
  local now = mp.sys.now()
  local out = { files = {}, searched = {}, missing = {}, looked_in = {} }
  local given = params.vault_credentials or {}
  local function folder(dir, explicit)
    local list, err, code = fs.dir(dir)
    if not list then
      if explicit then out.missing[#out.missing + 1] = ("%s (%s)"):format(dir, code or err) end
      return
    end
    out.searched[#out.searched + 1] = dir
    for _, ent in ipairs(list) do
      local want, named = candidate(ent.name)
      if want and ent.type ~= "dir" then
        local e = examine(mars.join(dir, ent.name), ent.name, named, now)
        if e then out.files[#out.files + 1] = e end
      end
    end
  end
  if #given > 0 then
    for _, p in ipairs(given) do
      out.looked_in[#out.looked_in + 1] = p
      local st, err, code = fs.stat(p)
      if not st then
        out.missing[#out.missing + 1] = ("%s (%s)"):format(p, code or err)
      elseif st.type == "dir" then
        folder(mars.norm(p), true)
      else
        local name = mars.norm(p):match("([^\\]+)$") or p
        local e = examine(mars.norm(p), name, true, now)
        e.explicit = true
        out.files[#out.files + 1] = e
      end
    end
  else
    for _, pattern in ipairs(params.credentials_folders or {}) do
      out.looked_in[#out.looked_in + 1] = pattern
      for _, dir in ipairs(expand(pattern)) do folder(dir, false) end
    end
  end
  table.sort(out.files, function(a, b) return a.path < b.path end)
  return out
end

-- Readable Backup-vault files (the ones that can register MARS), grouped
-- by vault; each group sorted newest first.
local function groups(files)
  local by, order = {}, {}
  for _, e in ipairs(files) do
    if e.kind == "backup" and not e.error then
      local key = lower(e.vault) .. "|" .. lower(e.subscription)
      if not by[key] then
        by[key] = {}
        order[#order + 1] = key
      end
      table.insert(by[key], e)
    end
  end
  local out = {}
  for _, key in ipairs(order) do
    local g = by[key]
    table.sort(g, function(a, b)
      if (a.day or 0) ~= (b.day or 0) then return (a.day or 0) > (b.day or 0) end
      if (a.mtime or 0) ~= (b.mtime or 0) then return (a.mtime or 0) > (b.mtime or 0) end
      return a.path < b.path
    end)
    out[#out + 1] = g
  end
  return out
end
M.groups = groups

local function names(list, fmt)
  local out = {}
  for _, e in ipairs(list) do out[#out + 1] = fmt and fmt(e) or e.path end
  return out
end

local function describe_age(e)
  if not e.age_days then return e.path end
  local by_name = e.age_source == "name"
  return T(("%s (%s days old, from the %s)"):format(e.path, tostring(e.age_days),
             by_name and "date in its name" or "modification time"),
           ("%s (%s dias, pela %s)"):format(e.path, tostring(e.age_days),
             by_name and "data no nome" or "data de modificação"))
end

local function utc(t) return os.date("!%Y-%m-%d %H:%M UTC", math.floor(t)) end
M.utc = utc

-- The certificate's validity, said for the report.
local function describe_cert(e)
  local c = e.cert
  if e.cert_left_hours < 0 then
    return T(("%s (certificate CN=%s expired on %s, its NotAfter)"):format(e.path, c.subject, utc(c.not_after)),
             ("%s (o certificado CN=%s expirou em %s, seu NotAfter)"):format(e.path, c.subject, utc(c.not_after)))
  end
  local left = e.cert_left_hours
  local en = left >= 48 and ("%s days"):format(math.floor(left / 24 * 10) / 10) or ("%s hours"):format(left)
  local pt = left >= 48 and ("%s dias"):format(math.floor(left / 24 * 10) / 10) or ("%s horas"):format(left)
  return T(("%s (certificate CN=%s valid until %s, its NotAfter: %s left)"):format(e.path, c.subject, utc(c.not_after), en),
           ("%s (certificado CN=%s válido até %s, seu NotAfter: faltam %s)"):format(e.path, c.subject, utc(c.not_after), pt))
end

local function skip_no_backup(scan)
  return mp.skip(T("No readable Backup vault credentials file was found, so there is nothing to date or compare.",
                   "Nenhum arquivo de credenciais de cofre de Backup legível foi encontrado; não há o que datar ou comparar."),
                 { examined = names(scan.files) })
end

-- ---------- checks ----------

--- The credentials files are where we looked.
function M.detect_located(params)
  local scan = M.scan(params)
  local ev = { looked_in = scan.looked_in, searched = scan.searched, files = names(scan.files) }
  if #scan.missing > 0 then
    ev.missing = scan.missing
    return mp.manual { evidence = ev,
      message = T("The vault credentials named with --set vault_credentials cannot be read: {missing}.",
                  "As credenciais do cofre indicadas com --set vault_credentials não podem ser lidas: {missing}."),
      recommendations = { T("Give the full path of the .VaultCredentials file used for the registration.",
                            "Informe o caminho completo do arquivo .VaultCredentials usado no registro.") } }
  end
  if #scan.files == 0 then
    return mp.skip(T("No vault credentials file found in {looked_in}; pass --set vault_credentials=<file or folder> to examine the file used for the registration.",
                     "Nenhum arquivo de credenciais do cofre encontrado em {looked_in}; informe --set vault_credentials=<arquivo ou pasta> para examinar o arquivo usado no registro."),
                   ev)
  end
  ev.count = #scan.files
  return mp.pass(ev, T("{count} vault credentials file(s) found: {files}.",
                       "{count} arquivo(s) de credenciais do cofre encontrado(s): {files}."))
end

--- Every credentials file parses as a vault credentials document.
function M.detect_corrupt(params)
  local scan = M.scan(params)
  local bad = {}
  for _, e in ipairs(scan.files) do
    if e.error then bad[#bad + 1] = errtext.text(e.path .. ": " .. e.error) end
  end
  local ev = { examined = names(scan.files) }
  if #bad == 0 then
    return mp.pass(ev, T("Every credentials file is a well-formed vault credentials document.",
                         "Todos os arquivos de credenciais são documentos de credenciais do cofre bem formados."))
  end
  ev.corrupt = bad
  return mp.manual { evidence = ev, recommendations = M.RENEW_STEPS,
    message = T("Corrupt vault credentials file(s): {corrupt}.",
                "Arquivo(s) de credenciais do cofre corrompido(s): {corrupt}.") }
end

--- Credentials documents whose name does not end in .VaultCredentials.
--- A finding (fix: rename in place) when every one can take its proper
--- name; manual when a file of that name is already there.
function M.detect_extension(params)
  local scan = M.scan(params)
  local wrong, renames, blocked = {}, {}, {}
  for _, e in ipairs(scan.files) do
    if e.kind == "backup" and not e.error and not e.ext_ok then
      local dir = e.path:match("^(.*)\\[^\\]+$")
      local to = mars.join(dir, M.proper_name(e.name))
      wrong[#wrong + 1] = e.path
      if e.explicit then
        -- named on the command line: renaming it would lose it for the next run
        blocked[#blocked + 1] = ("%s (named with vault_credentials: rename it to %s yourself)"):format(e.path, to)
      elseif fs.exists(to) then
        blocked[#blocked + 1] = ("%s (%s already exists)"):format(e.path, to)
      else
        renames[#renames + 1] = { from = e.path, to = to }
      end
    end
  end
  local ev = { examined = names(scan.files) }
  if #wrong == 0 then
    return mp.pass(ev, T("Every vault credentials document has the .VaultCredentials extension.",
                         "Todos os documentos de credenciais do cofre têm a extensão .VaultCredentials."))
  end
  ev.wrong_extension = wrong
  ev.rename_to = names(renames, function(r) return r.to end)
  local msg = T("Vault credentials saved with another extension: {wrong_extension}; the agent only accepts *.VaultCredentials.",
                "Credenciais do cofre salvas com outra extensão: {wrong_extension}; o agente só aceita *.VaultCredentials.")
  local recs = {
    T("Rename the file so that its name ends in .VaultCredentials (marsplay does it: {rename_to}), or download new credentials.",
      "Renomeie o arquivo para que o nome termine em .VaultCredentials (o marsplay faz isso: {rename_to}), ou baixe novas credenciais."),
  }
  if #blocked > 0 then
    ev.blocked = blocked
    recs = { T("Give these files a name ending in .VaultCredentials, keeping the newest download if a file of that name exists: {blocked}.",
               "Dê a estes arquivos um nome terminado em .VaultCredentials, mantendo o download mais recente se já existir um arquivo com esse nome: {blocked}.") }
    for _, s in ipairs(M.RENEW_STEPS) do recs[#recs + 1] = s end
    return mp.manual { evidence = ev, message = msg, recommendations = recs }
  end
  return mp.finding { evidence = ev, message = msg, recommendations = recs, renames = renames }
end

function M.fix_extension(finding)
  for _, r in ipairs(finding.renames) do fix.rename(r.from, r.to) end
end

--- The newest file of each vault is within the validity limit.
function M.detect_expired(params)
  local scan = M.scan(params)
  local gs = groups(scan.files)
  if #gs == 0 then return skip_no_backup(scan) end
  local limit = params.validity_days
  local ps_hours = params.powershell_validity_hours or M.PARAMS.powershell_validity_hours.default
  local newest, expired, certs, unread = {}, {}, {}, {}
  local ev = { validity_days = limit }
  for _, g in ipairs(gs) do
    local e = g[1]
    -- a certificate made for about 48 hours is PowerShell's, whatever the name says
    local ps = e.powershell or (e.cert and e.cert_span_hours <= ps_hours + 1)
    if ps then
      ev.powershell = ev.powershell or {}
      ev.powershell[#ev.powershell + 1] = e.path
      ev.powershell_validity_hours = ps_hours
    end
    if e.cert then
      -- the certificate's NotAfter decides when it was read; a portal
      -- download is also held to the guide's limit from the date of the
      -- download (its certificate may be made for longer)
      certs[#certs + 1] = describe_cert(e)
      newest[#newest + 1] = ps and describe_cert(e) or describe_age(e)
      if e.cert_left_hours < 0 then
        expired[#expired + 1] = describe_cert(e)
      elseif not ps and e.age_days and e.age_days > limit then
        expired[#expired + 1] = describe_age(e)
      end
    else
      newest[#newest + 1] = describe_age(e)
      if e.cert_unread then
        unread[#unread + 1] = T(("%s: %s (%s)"):format(e.path, e.cert_unread.reason, e.cert_unread.code),
                                ("%s: %s (%s)"):format(e.path, errtext.text(e.cert_unread.reason), e.cert_unread.code))
      end
      local max = ps and ps_hours / 24 or limit
      if e.age_days and e.age_days > max then expired[#expired + 1] = describe_age(e) end
    end
  end
  ev.source = #certs == #gs and "certificate" or (#certs > 0 and "certificate+age" or "age")
  if #certs > 0 then ev.certificate = certs end
  if #unread > 0 then ev.certificate_unread = unread end
  ev.newest = newest
  if #expired == 0 then
    if #certs > 0 then
      return mp.pass(ev, T("The newest credentials file of each vault is within its validity (its certificate has not expired and "
                           .. "a portal download is at most {validity_days} days old): {certificate}.",
                           "O arquivo de credenciais mais recente de cada cofre está dentro da validade (o certificado não expirou e "
                           .. "um download do portal tem no máximo {validity_days} dias): {certificate}."))
    end
    if #unread > 0 then
      return mp.pass(ev, T("The newest credentials file of each vault is at most {validity_days} days old: {newest}. Its certificate "
                           .. "could not be read ({certificate_unread}), so the date in the name or the modification time was used.",
                           "O arquivo de credenciais mais recente de cada cofre tem no máximo {validity_days} dias: {newest}. Não foi "
                           .. "possível ler seu certificado ({certificate_unread}), então foi usada a data no nome ou a data de modificação."))
    end
    return mp.pass(ev, T("The newest credentials file of each vault is at most {validity_days} days old: {newest}.",
                         "O arquivo de credenciais mais recente de cada cofre tem no máximo {validity_days} dias: {newest}."))
  end
  ev.expired = expired
  local recs = M.RENEW_STEPS
  if ev.powershell then
    recs = { table.unpack(M.RENEW_STEPS) }
    table.insert(recs, 1, T("Files written by Get-AzRecoveryServicesVaultSettingsFile ({powershell}: a certificate made for about 48 hours, or a date in the machine's language in the name) carry a "
                            .. "certificate valid for {powershell_validity_hours} hours only: run the cmdlet again right before registering.",
                            "Arquivos gravados pelo Get-AzRecoveryServicesVaultSettingsFile ({powershell}: um certificado feito para cerca de 48 horas, ou a data no idioma da máquina no nome) têm um "
                            .. "certificado válido por apenas {powershell_validity_hours} horas: execute o cmdlet de novo logo antes de registrar."))
  end
  return mp.manual { evidence = ev, recommendations = recs,
    message = ev.certificate
      and T("Vault credentials stop being valid when their certificate expires (its NotAfter) and, for a portal download, "
            .. "{validity_days} days after it; expired: {expired}.",
            "As credenciais do cofre deixam de valer quando o certificado expira (seu NotAfter) e, para um download do portal, "
            .. "{validity_days} dias depois dele; expiradas: {expired}.")
      or ev.powershell
      and T("Vault credentials expire {validity_days} days after a portal download, {powershell_validity_hours} hours after PowerShell wrote them; expired: {expired}.",
            "As credenciais do cofre expiram {validity_days} dias após o download no portal, {powershell_validity_hours} horas depois de gravadas pelo PowerShell; expiradas: {expired}.")
      or T("Vault credentials expire {validity_days} days after their download; expired: {expired}.",
           "As credenciais do cofre expiram {validity_days} dias após o download; expiradas: {expired}.") }
end

--- Only the newest file of a vault is valid: older ones are reported.
function M.detect_superseded(params)
  local scan = M.scan(params)
  local gs = groups(scan.files)
  if #gs == 0 then return skip_no_backup(scan) end
  local older, newest = {}, {}
  for _, g in ipairs(gs) do
    newest[#newest + 1] = g[1].path
    for i = 2, #g do older[#older + 1] = describe_age(g[i]) end
  end
  local ev = { newest = newest }
  if #older == 0 then
    return mp.pass(ev, T("One credentials file per vault: {newest}.",
                         "Um arquivo de credenciais por cofre: {newest}."))
  end
  ev.older = older
  return mp.manual { evidence = ev,
    message = T("Older credentials files are no longer valid once a newer one was downloaded: {older} (use {newest}).",
                "Arquivos de credenciais mais antigos deixam de ser válidos quando um mais novo é baixado: {older} (use {newest})."),
    recommendations = {
      T("Register with the newest file only: {newest}.", "Registre usando somente o arquivo mais recente: {newest}."),
      T("Move the older files out of the way so they are not picked by mistake (marsplay does not delete your credentials).",
        "Tire os arquivos antigos do caminho para que não sejam escolhidos por engano (o marsplay não apaga suas credenciais)."),
      M.RENEW_STEPS[4],
    } }
end

--- Site Recovery credentials cannot register the MARS agent.
function M.detect_site_recovery(params)
  local scan = M.scan(params)
  local asr = {}
  for _, e in ipairs(scan.files) do
    if e.kind == "asr" then
      asr[#asr + 1] = e.vault and T(("%s (vault %s)"):format(e.path, e.vault), ("%s (cofre %s)"):format(e.path, e.vault))
                      or e.path
    end
  end
  local ev = { examined = names(scan.files) }
  if #asr == 0 then
    return mp.pass(ev, T("No Site Recovery credentials among the files.",
                         "Nenhuma credencial do Site Recovery entre os arquivos."))
  end
  ev.site_recovery = asr
  local recs = {
    T("These are Azure Site Recovery credentials (root RSVaultAsrCreds); the MARS agent needs the vault's Backup credentials.",
      "Estas são credenciais do Azure Site Recovery (raiz RSVaultAsrCreds); o agente MARS precisa das credenciais de Backup do cofre."),
  }
  for _, s in ipairs(M.RENEW_STEPS) do recs[#recs + 1] = s end
  return mp.manual { evidence = ev, recommendations = recs,
    message = T("Site Recovery credentials cannot register the backup agent: {site_recovery}.",
                "Credenciais do Site Recovery não registram o agente de backup: {site_recovery}.") }
end

--- The installed agent can read these credentials: the current format
--- (root RSBackupVaultAADCreds) needs agent 2.0.9249.0 or later
--- (params.hard_min_version, from marsplay.agent's parameters).
function M.detect_agent_format(agent, params)
  local agentv = require "marsplay.agent"
  local scan = M.scan(params)
  local files = {}
  for _, e in ipairs(scan.files) do
    if e.kind == "backup" and not e.error then files[#files + 1] = e.path end
  end
  if #files == 0 then return skip_no_backup(scan) end
  local min = params.hard_min_version or agentv.PARAMS.hard_min_version.default
  local v, why = agentv.version(agent, params)
  local ev = { files = files, hard_min_version = min }
  if not v then
    ev.looked_at = why and (why.file or why.registry) or false
    return mp.skip(T("The agent's version cannot be read (cbengine.exe, registry), so whether it reads this credentials format is unknown.",
                     "Não foi possível ler a versão do agente (cbengine.exe, registro), então não se sabe se ele lê este formato de credenciais."), ev)
  end
  ev.version, ev.source = v.version, v.source
  if not agentv.parse(min) then
    return { status = "error", evidence = ev, reason = "hard_min_version must be a version like 2.0.9249.0" }
  end
  if agentv.compare(v.version, min) >= 0 then
    return mp.pass(ev, T("Agent {version} reads the current vault credentials format (needs {hard_min_version} or later).",
                         "O agente {version} lê o formato atual de credenciais do cofre (exige {hard_min_version} ou posterior)."))
  end
  local recs = {}
  for _, step in ipairs(agentv.UPGRADE_STEPS or {}) do recs[#recs + 1] = step end
  recs[#recs + 1] = T("Then register again with the credentials file (Register Server in the agent's MMC console).",
                      "Depois, registre novamente com o arquivo de credenciais (Registrar servidor no console MMC do agente).")
  return mp.manual { evidence = ev, recommendations = recs,
    message = T("Agent {version} (from {source}) is older than {hard_min_version} and takes current vault credentials files for invalid.",
                "O agente {version} (lido de {source}) é anterior a {hard_min_version} e considera inválidos os arquivos atuais de credenciais do cofre.") }
end

-- ---------- the registered vault ----------

--- What the registry says about the registration.
function M.registered(params)
  local function get(name)
    if not name or name == "" then return nil end
    local v = reg.get(mars.CONFIG, name)
    if v == nil or v == "" then return nil end
    return tostring(v)
  end
  -- The vault's subscription and resource group (Windows Admin Center's
  -- Azure Backup extension reads these two): a vault name alone is not
  -- unique across resource groups and subscriptions.
  return {
    vault = get(params.registered_vault_value),
    vault_id = get(params.registered_vault_id_value),
    subscription = get("SubscriptionId"),
    resource_group = get("ResourceGroupName"),
    machine_id = get("MachineId"),
  }
end

M.REREGISTER_STEPS = {
  T("Use credentials downloaded from the vault this server is registered to ({registered_vault}).",
    "Use credenciais baixadas do cofre em que este servidor está registrado ({registered_vault})."),
  T("Make sure the source and target machines are registered to the same Recovery Services vault.",
    "Verifique se as máquinas de origem e de destino estão registradas no mesmo cofre dos Serviços de Recuperação."),
  T("If the server must move to another vault, use Register Server in the agent's MMC console to register it to the right vault.",
    "Se o servidor precisar ir para outro cofre, use Registrar servidor no console MMC do agente para registrá-lo no cofre correto."),
}

--- The credentials files belong to the vault the server is registered
--- to.  Returns a result; ev carries registered_vault and other_vault.
function M.detect_vault_match(params, recommendations)
  local scan = M.scan(params)
  local backups = {}
  for _, e in ipairs(scan.files) do
    if e.kind == "backup" and not e.error then backups[#backups + 1] = e end
  end
  local r = M.registered(params)
  local ev = { registered_vault = r.vault or false, registered_vault_id = r.vault_id or false,
               registered_subscription = r.subscription or false, registered_resource_group = r.resource_group or false,
               examined = names(scan.files), value = mars.CONFIG .. "\\" .. params.registered_vault_value }
  if not r.vault then
    if r.machine_id or r.vault_id then
      return mp.skip(T("The server looks registered (Config\\MachineId or ResourceId is set) but {value} is absent, so the registered " ..
                       "vault is unknown; name the value that holds it with --set registered_vault_value=<name>.",
                       "O servidor parece registrado (Config\\MachineId ou ResourceId definido), mas {value} não existe, então o " ..
                       "cofre registrado é desconhecido; indique o valor que o contém com --set registered_vault_value=<nome>."),
                     ev)
    end
    return mp.pass(ev, T("The server is not registered to any vault (no {value}, no MachineId): credentials of any vault can be used.",
                         "O servidor não está registrado em nenhum cofre (sem {value}, sem MachineId): credenciais de qualquer cofre podem ser usadas."))
  end
  if #backups == 0 then return skip_no_backup(scan) end
  local other, same = {}, {}
  for _, e in ipairs(backups) do
    local differs = lower(e.vault) ~= lower(r.vault)
    if not differs and r.vault_id and e.resource_id and r.vault_id ~= e.resource_id then
      differs = true     -- same name, another vault (deleted and re-created)
    end
    -- same name in another subscription or resource group: another vault
    if not differs and r.subscription and e.subscription and lower(r.subscription) ~= lower(e.subscription) then
      differs = true
    end
    if not differs and r.resource_group and e.resource_group and lower(r.resource_group) ~= lower(e.resource_group) then
      differs = true
    end
    if differs then
      -- the file's own element names: the same in every language
      other[#other + 1] = ("%s (ResourceName=%s, ResourceGroup=%s, SubscriptionId=%s, ResourceId=%s)"):format(e.path,
        tostring(e.vault), tostring(e.resource_group), tostring(e.subscription), tostring(e.resource_id))
    else
      same[#same + 1] = e.path
    end
  end
  if #same > 0 then ev.matching = same end
  if #other == 0 then
    return mp.pass(ev, T("The credentials files are from {registered_vault}, the vault this server is registered to.",
                         "Os arquivos de credenciais são de {registered_vault}, o cofre em que este servidor está registrado."))
  end
  ev.other_vault = other
  return mp.manual { evidence = ev, recommendations = recommendations or M.REREGISTER_STEPS,
    message = T("This server is registered to {registered_vault}, but these credentials are from another vault: {other_vault}.",
                "Este servidor está registrado em {registered_vault}, mas estas credenciais são de outro cofre: {other_vault}.") }
end

return M
