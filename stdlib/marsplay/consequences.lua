-- marsplay.consequences: what an operator must be told before a step
-- that loses data or protection (reference: "Consequences an operator
-- must be told").  One home for these texts: every recommendation to
-- delete/unregister the server, to register it with a new passphrase or
-- under a new name appends the matching warning.
--
-- Sources: Unregister-AzRecoveryServicesBackupContainer (the server's
-- backup data must be deleted first); the file-and-folder backup FAQ
-- (a forgotten passphrase: recovery points made with the old one cannot
-- be restored with another; renaming a Windows machine).

local mp = require "marsplay"
local T = mp.text

local M = {}

--- Deleting (unregistering) the server from the vault.
M.UNREGISTER = T(
  "Before you delete (unregister) the server from the vault: the vault lets you do it only after the server's backup data is deleted "
  .. "(Stop protection > Delete backup data), so every recovery point of this server is lost. Restore what you still need (to another location) first.",
  "Antes de excluir (cancelar o registro do) servidor no cofre: o cofre só permite isso depois que os dados de backup do servidor "
  .. "são excluídos (Parar proteção > Excluir dados de backup), então todos os pontos de recuperação deste servidor são perdidos. "
  .. "Restaure antes (em outro local) o que ainda for necessário.")

--- Registering with a passphrase other than the original one.
M.NEW_PASSPHRASE = T(
  "A passphrase different from the original one makes the recovery points already in the vault unrestorable: they can only be "
  .. "restored with the passphrase they were encrypted with. Use the original passphrase if you still have it (the passphrase file "
  .. "saved at registration).",
  "Uma senha diferente da original torna irrecuperáveis os pontos de recuperação que já estão no cofre: eles só podem ser "
  .. "restaurados com a senha com que foram criptografados. Use a senha original se ainda a tiver (o arquivo de senha salvo no registro).")

--- The server renamed after it was registered (230006).
M.RENAMED = T(
  "While the name differs, every backup of this server fails. Registering it again under the new name makes a new server in the "
  .. "vault: its first backup is a full backup, and the data backed up under the old name is restored with Recover Data > Another "
  .. "server (to another location).",
  "Enquanto o nome for diferente, todos os backups deste servidor falham. Registrá-lo novamente com o novo nome cria um novo servidor "
  .. "no cofre: o primeiro backup é completo, e os dados copiados com o nome antigo são restaurados com Recuperar Dados > Outro "
  .. "servidor (para outro local).")

return M
