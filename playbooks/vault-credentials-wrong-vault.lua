-- The specified vault credential file cannot be used as it is not
-- downloaded from the vault associated with this server (ID 100110)
-- Guide: #the-specified-vault-credential-file-cannot-be-used-as-it-is-not-
-- downloaded-from-the-vault-associated-with-this-server.
-- A server is registered to one vault; credentials of another vault are
-- refused.  The registered vault is read from the registry (value name
-- unconfirmed: --set registered_vault_value=...), the file's from its
-- ResourceName.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local vaultcreds = require "marsplay.vaultcreds"

local T = mp.text

local with_agent = mars.with_agent

return mp.playbook {
  id = "vault-credentials-wrong-vault",
  title = T("The vault credential file is not from the vault associated with this server",
            "O arquivo de credencial do cofre não é do cofre associado a este servidor"),
  anchor = "the-specified-vault-credential-file-cannot-be-used-as-it-is-not-downloaded-from-the-vault-associated-with-this-server",
  params = vaultcreds.PARAMS,
  checks = {
    mp.check {
      id = "credentials-registered-vault",
      title = T("The vault credentials are from the vault this server is registered to",
                "As credenciais do cofre são do cofre em que este servidor está registrado"),
      cause = T("The vault credential file is from a vault other than the one this server is already registered to.",
                "O arquivo de credencial do cofre é de um cofre diferente daquele em que este servidor já está registrado."),
      error_ids = { "100110" },
      severity = "high",
      detect = with_agent(function(_, ctx) return vaultcreds.detect_vault_match(ctx.params) end),
    },
  },
}
