-- The activation did not complete successfully (0x1FC07)
-- Guide: #the-activation-did-not-complete-successfully.  "The current
-- operation failed due to an internal service error [0x1FC07]": the
-- scratch folder is on a volume without enough space, was moved
-- incorrectly, or OnlineBackup.KEK is missing; upgrade the agent first.
-- The checks are shared with the passphrase playbook (marsplay.activation).

local mp = require "marsplay"
local activation = require "marsplay.activation"

local T = mp.text

return mp.playbook {
  id = "activation-did-not-complete",
  title = T("The activation did not complete successfully (0x1FC07)",
            "A ativação não foi concluída com êxito (0x1FC07)"),
  anchor = "the-activation-did-not-complete-successfully",
  params = activation.PARAMS,
  checks = activation.checks { error_id = "0x1FC07" },
}
