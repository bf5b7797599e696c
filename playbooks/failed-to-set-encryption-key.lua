-- Failed to set the encryption key for secure backups
-- Guide: #failed-to-set-the-encryption-key-for-secure-backups.
-- "The activation did not complete successfully, but the encryption
-- passphrase was saved to the following file."  Causes: the server is
-- already registered with another vault; the passphrase was corrupted
-- during setup.  The guide's action for both: unregister the server from
-- the vault and register it again with a new passphrase.
--
-- What can be seen offline: the vault the registry names against the
-- vault of the credentials files, and whether the key file protected by
-- the passphrase (OnlineBackup.KEK, in the scratch folder) is there and
-- not empty.  Whether the passphrase itself is intact cannot be checked:
-- the key file is opaque.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local vaultcreds = require "marsplay.vaultcreds"
local activation = require "marsplay.activation"

local T = mp.text

local params = { kek_folder = activation.PARAMS.kek_folder }
for k, v in pairs(vaultcreds.PARAMS) do params[k] = v end

local with_agent = mars.with_agent

local warn = require "marsplay.consequences"

local REREGISTER = {
  T("Unregister the server from the vault: in the Azure portal, open the Recovery Services vault, Backup Infrastructure > Protected Servers, and delete this server.",
    "Cancele o registro do servidor no cofre: no portal do Azure, abra o cofre dos Serviços de Recuperação, Infraestrutura de Backup > Servidores Protegidos, e exclua este servidor."),
  T("Download new vault credentials from the vault the server must use.",
    "Baixe novas credenciais do cofre que o servidor deve usar."),
  T("Register the server again (Register Server in the agent's MMC console) with a new passphrase, and keep the passphrase file in a safe place off this server.",
    "Registre o servidor novamente (Registrar servidor no console MMC do agente) com uma nova senha e guarde o arquivo da senha em local seguro, fora deste servidor."),
  warn.UNREGISTER,
  warn.NEW_PASSPHRASE,
}

-- The key file check is the activation playbooks' (marsplay.activation);
-- here its remedy is the guide's for this error: register again.
local function detect_key_file(agent, p)
  local r = activation.detect_kek(agent, p)
  if r.status == "manual" or r.status == "fail" then
    r.status = "manual"
    r.recommendations = REREGISTER
  end
  return r
end

return mp.playbook {
  id = "failed-to-set-encryption-key",
  title = T("Failed to set the encryption key for secure backups",
            "Falha ao configurar a chave de criptografia para backups seguros"),
  anchor = "failed-to-set-the-encryption-key-for-secure-backups",
  params = params,
  checks = {
    mp.check {
      id = "registered-with-another-vault",
      title = T("The server is not already registered with another vault",
                "O servidor não está registrado em outro cofre"),
      cause = T("The server is already registered with another vault.", "O servidor já está registrado em outro cofre."),
      severity = "high",
      detect = with_agent(function(_, ctx) return vaultcreds.detect_vault_match(ctx.params, REREGISTER) end),
    },
    mp.check {
      id = "passphrase-key-file",
      title = T("The passphrase key file (OnlineBackup.KEK) is present and not empty",
                "O arquivo de chave da senha (OnlineBackup.KEK) existe e não está vazio"),
      cause = T("The passphrase was corrupted during setup.", "A frase secreta foi corrompida durante a configuração."),
      severity = "high",
      detect = with_agent(function(agent, ctx) return detect_key_file(agent, ctx.params) end),
    },
  },
}
