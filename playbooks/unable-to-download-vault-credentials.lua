-- Unable to download the vault credentials file (ID: 403).
-- Guide: #unable-to-download-vault-credential-file
-- The download happens in the Azure portal, from a browser: most of the
-- guide's bullets are checks a person makes in the portal or the browser.
-- Each bullet is a check with its steps; on the running server they end
-- as manual, on an offline volume they are skipped (nothing on the
-- server's disk shows them) with the same steps.  The firewall bullet is
-- automated: the server's reachability of the portal endpoints, through
-- the proxy the SYSTEM account uses (live only, or probe_offline=true).

local mp = require "marsplay"
local mars = require "marsplay.mars"
local connectivity = require "marsplay.connectivity"

local T = mp.text

local with_agent = mars.with_agent

local ERRORS = { "403" }

-- A bullet of the guide that only a person can check: manual on the
-- running server, skipped (with the steps) on an offline volume.
local function by_hand(message, steps, evidence)
  return with_agent(function(_, ctx)
    if ctx.offline then
      local r = mp.skip(T("Checked in the Azure portal or the browser, not on the server's disk: " .. message.en,
                          "Verificado no portal do Azure ou no navegador, não no disco do servidor: " .. message["pt-BR"]),
                        evidence)
      r.recommendations = steps
      return r
    end
    return mp.manual { message = message, recommendations = steps, evidence = evidence or {} }
  end)
end

local params = connectivity.merge(connectivity.PARAMS, {
  vault_machine_limit = { type = "number", default = 50, min = 1,
                          doc = "servers a vault can hold, per the guide (check the current limit in the docs)" },
})

return mp.playbook {
  id = "unable-to-download-vault-credentials",
  title = T("Unable to download the vault credentials file", "Não é possível baixar o arquivo de credenciais do cofre"),
  anchor = "unable-to-download-vault-credential-file",
  params = params,
  checks = {
    mp.check {
      id = "browser-cache",
      title = T("The browser is not serving a stale portal page", "O navegador não está exibindo uma página antiga do portal"),
      cause = T("The browser's cache or cookies break the download.", "O cache ou os cookies do navegador impedem o download."),
      error_ids = ERRORS,
      severity = "low",
      detect = by_hand(
        T("try the download from another browser, or clear the browser's cache and cookies.",
          "tente o download em outro navegador ou limpe o cache e os cookies do navegador."),
        {
          T("Try downloading the vault credentials with a different browser.",
            "Tente baixar as credenciais do cofre com um navegador diferente."),
          T("Or: start Internet Explorer, press F12, open the Network tab and clear the cache and cookies.",
            "Ou: inicie o Internet Explorer, pressione F12, abra a guia Rede e limpe o cache e os cookies."),
          T("Refresh the portal page and download again.", "Atualize a página do portal e baixe novamente."),
        }),
    },
    mp.check {
      id = "subscription-active",
      title = T("The subscription is enabled and not expired", "A assinatura está habilitada e não expirou"),
      cause = T("The subscription is disabled or expired.", "A assinatura está desabilitada ou expirada."),
      error_ids = ERRORS,
      severity = "high",
      detect = by_hand(
        T("check that the vault's subscription is enabled and not expired.",
          "verifique se a assinatura do cofre está habilitada e não expirou."),
        {
          T("In the Azure portal open Subscriptions and check the state of the vault's subscription (Active).",
            "No portal do Azure abra Assinaturas e verifique o estado da assinatura do cofre (Ativa)."),
          T("Or: az account show --subscription <id> --query state (or Get-AzSubscription -SubscriptionId <id>).",
            "Ou: az account show --subscription <id> --query state (ou Get-AzSubscription -SubscriptionId <id>)."),
          T("If it is disabled or expired, reactivate it (billing) before downloading the credentials.",
            "Se estiver desabilitada ou expirada, reative-a (cobrança) antes de baixar as credenciais."),
        }),
    },
    mp.check {
      id = "firewall-portal",
      title = T("No firewall rule blocks the portal endpoints the download needs",
                "Nenhuma regra de firewall bloqueia os endpoints do portal necessários para o download"),
      cause = T("A firewall rule blocks the download.", "Uma regra de firewall está bloqueando o download."),
      error_ids = ERRORS,
      severity = "high",
      detect = with_agent(function(_, ctx)
        local r = connectivity.detect(ctx, { set = connectivity.PORTAL, ip = false,
                                             what = T("portal endpoints", "endpoints do portal") })
        if r.status == "manual" then
          table.insert(r.recommendations, 1,
            T("These results come from this server; if the download is made from another computer, check that computer's firewall and proxy too.",
              "Estes resultados vêm deste servidor; se o download for feito em outro computador, verifique também o firewall e o proxy dele."))
        end
        return r
      end),
    },
    mp.check {
      id = "vault-machine-limit",
      title = T("The vault has room for another server", "O cofre tem espaço para outro servidor"),
      cause = T("The vault limit (50 machines per vault, per the guide) is exhausted.",
                "O limite do cofre (50 máquinas por cofre, segundo o guia) foi atingido."),
      error_ids = ERRORS,
      severity = "medium",
      detect = by_hand(
        T("check that the vault has not reached its limit of {vault_machine_limit} machines.",
          "verifique se o cofre não atingiu o limite de {vault_machine_limit} máquinas."),
        {
          T("In the vault open Backup Infrastructure > Protected Servers (Azure Backup Agent) and count the registered servers.",
            "No cofre abra Infraestrutura de Backup > Servidores Protegidos (Agente de Backup do Azure) e conte os servidores registrados."),
          T("If the vault holds {vault_machine_limit} machines, unregister servers no longer used or use another vault.",
            "Se o cofre tiver {vault_machine_limit} máquinas, cancele o registro de servidores que não são mais usados ou use outro cofre."),
          require("marsplay.consequences").UNREGISTER,
        }),
    },
    mp.check {
      id = "user-permissions",
      title = T("The user has the Azure Backup permissions to download the credentials",
                "O usuário tem as permissões do Backup do Azure para baixar as credenciais"),
      cause = T("The user lacks the Azure Backup permissions needed to download the vault credentials and register a server.",
                "O usuário não tem as permissões do Backup do Azure necessárias para baixar as credenciais do cofre e registrar um servidor."),
      error_ids = ERRORS,
      severity = "high",
      detect = by_hand(
        T("check that the user has the Azure Backup role needed to download vault credentials and register servers.",
          "verifique se o usuário tem a função do Backup do Azure necessária para baixar as credenciais do cofre e registrar servidores."),
        {
          T("In the vault open Access control (IAM) > Check access for the user downloading the credentials.",
            "No cofre abra Controle de acesso (IAM) > Verificar acesso para o usuário que baixa as credenciais."),
          T("Grant a role that allows it (Backup Contributor or higher on the vault), as described in the guide's Azure RBAC article for Azure Backup.",
            "Conceda uma função que permita isso (Colaborador de Backup ou superior no cofre), conforme o artigo de RBAC do Azure para o Backup do Azure."),
        }),
    },
  },
}
