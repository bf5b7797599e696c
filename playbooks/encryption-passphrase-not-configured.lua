-- Encryption passphrase not correctly configured (34506)
-- Guide: #encryption-passphrase-not-correctly-configured.  "The encryption
-- passphrase stored on this machine is not correctly configured": same
-- causes and actions as the activation error 0x1FC07 — the scratch folder
-- short of space or moved incorrectly, OnlineBackup.KEK missing, an old
-- agent.  The checks are shared (marsplay.activation).

local mp = require "marsplay"
local activation = require "marsplay.activation"

local T = mp.text

return mp.playbook {
  id = "encryption-passphrase-not-configured",
  title = T("Encryption passphrase not correctly configured (34506)",
            "A frase secreta de criptografia não está configurada corretamente (34506)"),
  anchor = "encryption-passphrase-not-correctly-configured",
  params = activation.PARAMS,
  checks = activation.checks { error_id = "34506" },
}
