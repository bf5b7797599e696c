-- marsplay.lab.vaultcreds: vault credentials files and the other causes
-- of failed registrations, guide sections #invalid-vault-credentials-
-- provided (with additional-recommendations), #the-specified-vault-
-- credential-file-cannot-be-used-... and #failed-to-set-the-encryption-
-- key-for-secure-backups.
--
-- The healthy volume gets one fresh credentials file for the registered
-- vault in C:\Users\Administrator\Downloads (M.healthy, called by
-- lab/base.lua); the faults replace or add files next to it.
--
-- File format (see the reference notes): DataContractSerializer XML,
-- UTF-8 without BOM, root RSBackupVaultAADCreds.  The Site Recovery
-- layout (root RSVaultAsrCreds) below is plausible, not confirmed: only
-- its root name matters to the checks.  ManagementCert holds a real PFX
-- made like a portal or PowerShell download (M.pfx): a self-signed
-- RSA certificate CN=Windows Azure Tools and its key (1024 bits, where a
-- real one has 2048: see platform_posix_pkcs12.c), exported with
-- no password, both bags 3DES-encrypted (what a Windows export writes),
-- made by the platform layer's libcrypto at lab-build time.

local CONFIG = [[Microsoft\Windows Azure Backup\Config]]
local DOWNLOADS = "Users/Administrator/Downloads"
local TEMP = "Windows/Temp"
local SCRATCH = "Program Files/Microsoft Azure Recovery Services Agent/Scratch"
local NS = "http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common"
local GUIDE = "invalid-vault-credentials-provided"
local DAY = 86400

local M = {}

-- ---------- dates (UTC, no locale) ----------

local WDAYS = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" }
local MONTHS = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }

-- Civil date of a day number (days since 1970-01-01).
local function civil(days)
  local z = days + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return y, m, d
end

-- "Wed Nov 26 2025": the date part of the portal's file name.
-- form "pt-BR": the same pattern as Get-AzRecoveryServicesVaultSettingsFile
-- formats it on a pt-BR machine ("qua nov 26 2025"); form "iso": the older
-- Site Recovery cmdlets' yyyy-MM-ddTHH-mm-ss.
local WDAYS_PT = { "dom", "seg", "ter", "qua", "qui", "sex", "s\195\161b" }
local MONTHS_PT = { "jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez" }
function M.name_date(t, form)
  local days = math.floor(t / DAY)
  local y, m, d = civil(days)
  if form == "iso" then
    local s = t % DAY
    return ("%04d-%02d-%02dT%02d-%02d-%02d"):format(y, m, d, s // 3600, s % 3600 // 60, s % 60)
  end
  local wd, mon = WDAYS, MONTHS
  if form == "pt-BR" then wd, mon = WDAYS_PT, MONTHS_PT end
  return ("%s %s %02d %04d"):format(wd[(days + 4) % 7 + 1], mon[m], d, y)
end

-- ---------- file contents ----------

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local chars = {}
    for k = 1, 4 do
      local idx = (n >> (6 * (4 - k))) & 63
      chars[k] = B64:sub(idx + 1, idx + 1)
    end
    if not b then chars[3] = "=" end
    if not c then chars[4] = "=" end
    out[#out + 1] = table.concat(chars)
  end
  return table.concat(out)
end

-- Validity of the certificate in a download, in hours: the portal's
-- file is valid 10 days (the guide; its certificate's own span is not
-- published: one real portal test file carries a certificate of a year),
-- Get-AzRecoveryServicesVaultSettingsFile makes one of 48 hours and the
-- older Site Recovery cmdlets (ISO date in the name) one of 120 hours.
-- NotBefore is 10 minutes before the file was made, as those cmdlets do.
M.CERT_HOURS = { portal = 240, powershell = 48, iso = 120 }
M.CERT_CN = "Windows Azure Tools"

-- A real PFX (base64) whose certificate is valid from made - 10 minutes
-- for `hours` hours after made.
function M.pfx(lab, made, hours)
  return base64(lab.kit.pfx(M.CERT_CN, math.floor(made) - 600, math.floor(made + hours * 3600)))
end

-- Deterministic bytes shaped like a DER-encoded PFX (a SEQUENCE of 2,400
-- bytes), base64, that no PKCS#12 reader accepts: the creds-cert-unreadable
-- fault's certificate.
function M.cert(seed)
  local n = 2400
  local bytes = { "\x30\x82", string.char((n >> 8) & 0xFF, n & 0xFF) }
  local x = seed
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 0x80000000
    bytes[i + 2] = string.char((x >> 16) & 0xFF)
  end
  return base64(table.concat(bytes))
end

local BACKUP_FIELDS = {
  "Version", "SubscriptionId", "ResourceType", "ResourceName", "ManagementCert", "ResourceId",
  "ResourceGroup", "Location", "ProviderNamespace", "AadAuthority", "AadTenantId",
  "ServicePrincipalClientId", "IdMgmtRestEndpoint", "AgentLinks", "AadAudience",
  "PrivateEndpointStateForBackup",
}
-- unconfirmed: the Site Recovery file's children
local ASR_FIELDS = {
  "Version", "SubscriptionId", "ResourceType", "ResourceName", "ManagementCert", "ResourceId",
  "ResourceGroup", "Location", "SiteId", "SiteName", "ChannelIntegrityKey",
  "PrivateEndpointStateForSiteRecovery",
}

-- The XML of a credentials file.  v = { vault=, resource_id=, seed=,
-- root= (default RSBackupVaultAADCreds) }.
function M.xml(v)
  local values = {
    Version = "2.0",
    SubscriptionId = v.subscription or "3f2b6c1d-8e4a-4d7b-9c05-a1e2f3b4c5d6",
    ResourceType = "Vaults",
    ResourceName = v.vault,
    ManagementCert = v.cert or M.cert(v.seed or 7),
    ResourceId = v.resource_id,
    ResourceGroup = v.group or "contoso-backup-rg",
    Location = "brazilsouth",
    ProviderNamespace = "Microsoft.RecoveryServices",
    AadAuthority = "https://login.windows.net",
    AadTenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47",
    ServicePrincipalClientId = "9c2e1a7b-4f3d-4b8e-8a16-0d5c7e9f1b23",
    IdMgmtRestEndpoint = "https://pod01-id1.brs.backup.windowsazure.com/",
    AgentLinks = "Recovery Services Agent,https://aka.ms/azurebackup_agent;Azure Backup Server,https://aka.ms/latest_azurebackupserver",
    AadAudience = "https://RecoveryServices/IdMgmt/" .. (v.subscription or "3f2b6c1d-8e4a-4d7b-9c05-a1e2f3b4c5d6"),
    PrivateEndpointStateForBackup = "None",
    SiteId = "/Subscriptions/3f2b6c1d/resourceGroups/contoso-backup-rg/providers/Microsoft.RecoveryServices/vaults/"
             .. v.vault .. "/replicationFabrics/hyperv-site",
    SiteName = "hyperv-site",
    ChannelIntegrityKey = "c2l0ZS1yZWNvdmVyeS1jaGFubmVsLWtleQ==",
    PrivateEndpointStateForSiteRecovery = "None",
  }
  local root = v.root or "RSBackupVaultAADCreds"
  local fields = root == "RSBackupVaultAADCreds" and BACKUP_FIELDS or ASR_FIELDS
  local lines = {
    [[<?xml version="1.0" encoding="utf-8"?>]],
    ('<%s xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="%s">'):format(root, NS),
  }
  for _, f in ipairs(fields) do
    lines[#lines + 1] = ("  <%s>%s</%s>"):format(f, values[f], f)
  end
  lines[#lines + 1] = ("</%s>"):format(root)
  return table.concat(lines, "\r\n")
end

-- ---------- helpers ----------

-- The vault the server is registered to.  A fault that removes the
-- registration (agent-not-registered) may run before a credentials fault:
-- the files are still of the vault the healthy build registered.
local function registered(lab)
  local vault, id = lab:get("SOFTWARE", CONFIG, "ServiceResourceName"), lab:get("SOFTWARE", CONFIG, "ResourceId")
  if vault and id then return vault, id end
  if lab.vc_registered then return lab.vc_registered[1], lab.vc_registered[2] end
  error("the credentials faults need the vault the healthy build registers (Config\\ServiceResourceName, ResourceId)", 0)
end

-- Write a credentials file as downloaded `days_ago` days before the lab
-- was built (name date and modification time); returns its lab path.
local function download(lab, v, days_ago, suffix, form, mtime_days_ago)
  local t = lab.vc_now - days_ago * DAY
  if v.cert == nil then
    v.cert = M.pfx(lab, t, v.cert_hours or M.CERT_HOURS[form == "pt-BR" and "powershell" or form or "portal"])
  end
  local name = ("%s_%s%s.VaultCredentials"):format(v.vault, M.name_date(t, form), suffix or "")
  local rel = DOWNLOADS .. "/" .. name
  local host = lab:write(rel, M.xml(v))
  if mtime_days_ago then t = lab.vc_now - mtime_days_ago * DAY end
  if t ~= lab.vc_now then
    local ok, err = lab.lfs.touch(host, t, t)
    if not ok then error(("touch %s: %s"):format(host, err), 0) end
  end
  return rel, name
end

-- The healthy file, for faults that replace it.
local function healthy_file(lab)
  return assert(lab.vc_healthy, "vaultcreds: the base lab wrote no credentials file")
end

--- The healthy state: one fresh credentials file of the registered vault.
function M.healthy(lab)
  lab.vc_now = os.time()
  local vault, id = registered(lab)
  lab.vc_registered = { vault, id }
  local rel, name = download(lab, { vault = vault, resource_id = id }, 0)
  lab.vc_healthy = rel
  lab:note("vault_credentials", { file = [[C:\]] .. rel:gsub("/", "\\"), vault = vault })
  lab:log("vault credentials for %s: C:\\%s", vault, rel:gsub("/", "\\"))
  return name
end

-- Replace the healthy file with another download.
local function replace(lab, v, days_ago, form, mtime_days_ago)
  lab:remove(healthy_file(lab))
  lab.vc_healthy = download(lab, v, days_ago, nil, form, mtime_days_ago)
end

local CREDS = { "creds-corrupt", "creds-expired", "creds-wrong-extension", "creds-site-recovery",
                "creds-other-vault", "creds-same-name-other-group", "creds-powershell-ptbr", "creds-iso-name",
                "creds-powershell-en", "creds-cert-unreadable" }

local function others(name)
  local r = {}
  for _, x in ipairs(CREDS) do if x ~= name then r[#r + 1] = x end end
  return r
end

-- ---------- faults ----------

M[#M + 1] = {
  name = "creds-corrupt",
  description = "the vault credentials file in Downloads is cut short inside ManagementCert (a broken download)",
  guide = GUIDE,
  conflicts = others("creds-corrupt"),
  apply = function(lab)
    local rel = healthy_file(lab)
    local vault, id = registered(lab)
    local full = M.xml({ vault = vault, resource_id = id })
    local cut = full:find("<ManagementCert>", 1, true) + #"<ManagementCert>" + 1500
    lab:write(rel, full:sub(1, cut))
  end,
}

M[#M + 1] = {
  name = "creds-expired",
  description = "the only vault credentials file was downloaded 30 days ago (file name date and modification time)",
  guide = GUIDE,
  conflicts = others("creds-expired"),
  apply = function(lab)
    lab:remove(healthy_file(lab))
    local vault, id = registered(lab)
    lab.vc_healthy = download(lab, { vault = vault, resource_id = id }, 30)
  end,
}

M[#M + 1] = {
  name = "creds-wrong-extension",
  description = "the vault credentials file was saved as <name>.VaultCredentials.xml",
  guide = GUIDE,
  conflicts = others("creds-wrong-extension"),
  apply = function(lab)
    local rel = healthy_file(lab)
    lab:rename(rel, rel .. ".xml")
    lab.vc_healthy = rel .. ".xml"
  end,
}

M[#M + 1] = {
  name = "creds-older-than-newest",
  description = "an older credentials file of the same vault (3 days old) beside the newest one",
  guide = GUIDE,
  conflicts = { "creds-expired", "creds-site-recovery", "creds-other-vault" },
  apply = function(lab)
    local vault, id = registered(lab)
    download(lab, { vault = vault, resource_id = id, seed = 3 }, 3)
  end,
}

M[#M + 1] = {
  name = "creds-site-recovery",
  description = "the credentials file in Downloads is a Site Recovery one (root RSVaultAsrCreds)",
  guide = GUIDE,
  conflicts = others("creds-site-recovery"),
  apply = function(lab)
    lab:remove(healthy_file(lab))
    local vault, id = registered(lab)
    lab.vc_healthy = download(lab, { vault = vault, resource_id = id, root = "RSVaultAsrCreds", seed = 11 }, 0)
  end,
}

M[#M + 1] = {
  name = "creds-other-vault",
  description = "the credentials file in Downloads is from fabrikam-backup-vault, not the vault the server is registered to",
  guide = "the-specified-vault-credential-file-cannot-be-used-as-it-is-not-downloaded-from-the-vault-associated-with-this-server",
  conflicts = others("creds-other-vault"),
  apply = function(lab)
    lab:remove(healthy_file(lab))
    lab.vc_healthy = download(lab, { vault = "fabrikam-backup-vault", resource_id = "5123409876543210123",
                                      subscription = "8d4c2b1a-6e5f-4a3b-9d8c-7f6e5d4c3b2a",
                                      group = "fabrikam-rg", seed = 13 }, 0)
  end,
}

M[#M + 1] = {
  name = "creds-powershell-ptbr",
  description = "the credentials file was written 3 days ago by Get-AzRecoveryServicesVaultSettingsFile on a pt-BR server "
                .. "(a Portuguese date in its name): its 48-hour certificate has expired",
  guide = "invalid-vault-credentials-provided",
  conflicts = others("creds-powershell-ptbr"),
  apply = function(lab)
    local vault, id = registered(lab)
    replace(lab, { vault = vault, resource_id = id, seed = 19 }, 3, "pt-BR")
  end,
}

M[#M + 1] = {
  name = "creds-iso-name",
  description = "the credentials file's name carries a yyyy-MM-ddTHH-mm-ss date 23 days old; the file was copied today (a fresh mtime)",
  guide = "invalid-vault-credentials-provided",
  conflicts = others("creds-iso-name"),
  apply = function(lab)
    local vault, id = registered(lab)
    replace(lab, { vault = vault, resource_id = id, seed = 23 }, 23, "iso", 0)
  end,
}

M[#M + 1] = {
  name = "creds-powershell-en",
  description = "the credentials file was written 3 days ago by Get-AzRecoveryServicesVaultSettingsFile on an en-US server: "
                .. "its English name passes the portal's 10 days, but its 48-hour certificate expired a day ago (only NotAfter tells)",
  guide = "invalid-vault-credentials-provided",
  conflicts = others("creds-powershell-en"),
  apply = function(lab)
    local vault, id = registered(lab)
    replace(lab, { vault = vault, resource_id = id, cert_hours = M.CERT_HOURS.powershell }, 3)
  end,
}

M[#M + 1] = {
  name = "creds-cert-unreadable",
  description = "the credentials file's ManagementCert is well-formed base64 but not a PKCS#12 blob: "
                .. "its validity cannot be read, so the date in the name decides (a fresh download)",
  guide = "invalid-vault-credentials-provided",
  conflicts = others("creds-cert-unreadable"),
  apply = function(lab)
    local vault, id = registered(lab)
    replace(lab, { vault = vault, resource_id = id, cert = M.cert(29) }, 1)
  end,
}

M[#M + 1] = {
  name = "creds-same-name-other-group",
  description = "the credentials file is from a vault with the registered vault's name in another resource group and subscription",
  guide = "the-specified-vault-credential-file-cannot-be-used-as-it-is-not-downloaded-from-the-vault-associated-with-this-server",
  conflicts = others("creds-same-name-other-group"),
  apply = function(lab)
    replace(lab, { vault = registered(lab), resource_id = "6234509876543210987",
                   subscription = "8d4c2b1a-6e5f-4a3b-9d8c-7f6e5d4c3b2a", group = "contoso-dr-rg", seed = 17 }, 0)
  end,
}

M[#M + 1] = {
  name = "temp-tmp-flood",
  description = "60,001 *.tmp files in C:\\Windows\\Temp, plus a folder and a link named *.tmp that must stay",
  guide = "additional-recommendations",
  apply = function(lab)
    local dir = lab:host(TEMP)
    -- base already wrote 3 *.tmp files; top up to 60,001 regular ones
    local have = 0
    for name in lab.lfs.dir(dir) do
      if name:lower():match("%.tmp$") and lab.lfs.symlinkattributes(dir .. "/" .. name, "mode") == "file" then
        have = have + 1
      end
    end
    for i = 1, 60001 - have do
      local path = ("%s/tmp%05X.tmp"):format(dir, i)
      local f, err = io.open(path, "wb")
      if not f then error(err, 0) end
      f:close()
    end
    -- not regular files: the fix leaves them alone
    lab:write(TEMP .. "/cab_4242_1.tmp/setup.log", "a folder named *.tmp\r\n")
    lab.kit.symlink("../../Data/Projects/readme.txt", dir .. "/linked-outside.tmp")
    lab:note("temp-tmp-flood", { regular = 60001, folder = "cab_4242_1.tmp",
                                 link = "linked-outside.tmp -> C:\\Data\\Projects\\readme.txt" })
  end,
}

M[#M + 1] = {
  name = "passphrase-kek-empty",
  description = "OnlineBackup.KEK in the scratch folder is empty (the passphrase setup did not complete)",
  guide = "failed-to-set-the-encryption-key-for-secure-backups",
  conflicts = { "scratch-missing", "scratch-not-dir", "kek-missing" },
  phase = 60,
  apply = function(lab)
    lab:write(SCRATCH .. "/OnlineBackup.KEK", "")
  end,
}

M[#M + 1] = {
  name = "defender-no-exclusions",
  description = "Windows Defender is installed without the exclusions the agent needs (cbengine.exe, CSC.exe, Scratch, Bin)",
  guide = GUIDE,
  apply = function(lab)
    local WD = [[Microsoft\Windows Defender]]
    lab:set("SOFTWARE", WD, {
      InstallLocation = [[C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\]],
      ProductStatus = 0,
    })
    lab:set("SOFTWARE", WD .. [[\Exclusions\Paths]], [[C:\Data\Projects]], 0)
    lab:set("SOFTWARE", WD .. [[\Exclusions\Processes]], "sqlservr.exe", 0)
    lab:key("SOFTWARE", WD .. [[\Exclusions\Extensions]])
  end,
}

M.NS = NS
return M
