-- Resource not provisioned in service stamp (230006)
-- Guide: #resource-not-provisioned-in-service-stamp.  "The current
-- operation failed due to an internal service error 'Resource not
-- provisioned in service stamp'": the protected server was renamed after
-- it was registered.  The check compares the computer name with the name
-- the server was registered with.
--
-- Where MARS records the registered name is unconfirmed: the registry
-- value is a parameter (registered_name_key / registered_name_value,
-- default Config\MachineName), and the name can be given directly
-- (registered_name, as the vault shows it in the portal).  The computer
-- name is SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName (the
-- name Windows uses from its next start) offline, and also the running
-- host's name live.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local warn = require "marsplay.consequences"

local reg = mp.reg
local T = mp.text

local with_agent = mars.with_agent

local NAME_KEY = [[HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName]]
local TCPIP = [[HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters]]

local function str(v) return type(v) == "string" and v:match("^%s*(.-)%s*$") or nil end

local function detect_name(ctx)
  local p = ctx.params
  local ev = { computer_name_key = NAME_KEY }
  local current = str(reg.get(NAME_KEY, "ComputerName"))
  ev.computer_name = current or false
  ev.dns_hostname = str(reg.get(TCPIP, "NV Hostname")) or str(reg.get(TCPIP, "Hostname")) or nil
  if not ctx.offline then
    local h = mp.sys.hostname()
    if h then ev.running_hostname = h; current = current or h end
  end
  if not current then
    return mp.skip(T("The computer name cannot be read ({computer_name_key}).",
                     "O nome do computador não pode ser lido ({computer_name_key})."), ev)
  end
  local registered, source = str(p.registered_name), "parameter registered_name"
  if not registered or registered == "" then
    registered = str(reg.get(p.registered_name_key, p.registered_name_value))
    source = p.registered_name_key .. "\\" .. p.registered_name_value
  end
  ev.registered_source = source
  if not registered or registered == "" then
    ev.decided = false
    return mp.skip(T("Cannot decide whether the server was renamed: the name it was registered with is not recorded at {registered_source} (a location no Microsoft "
      .. "source confirms; a real server may not have it). Compare {computer_name} with the name the vault shows for this server (Backup Infrastructure > "
      .. "Protected Servers), or pass --set registered_name=<that name>.",
      "Não é possível decidir se o servidor foi renomeado: o nome com que ele foi registrado não está em {registered_source} (um local que nenhuma fonte da "
      .. "Microsoft confirma; um servidor real pode não tê-lo). Compare {computer_name} com o nome que o cofre mostra para este servidor (Infraestrutura de "
      .. "Backup > Servidores Protegidos), ou informe --set registered_name=<esse nome>."), ev)
  end
  ev.registered_name = registered
  -- a registered FQDN matches its first label
  local short = registered:match("^([^.]+)") or registered
  local function same(a) return a and (a:lower() == registered:lower() or a:lower() == short:lower()) end
  local mismatch = not same(current) or (ev.running_hostname and not same(ev.running_hostname:match("^([^.]+)")))
  if not mismatch then
    return mp.pass(ev, T("The computer name {computer_name} is the name the server was registered with ({registered_name}).",
                         "O nome do computador {computer_name} é o nome com que o servidor foi registrado ({registered_name})."))
  end
  return mp.manual { evidence = ev,
    message = T("The server was renamed: it is now {computer_name}, but it was registered to the vault as {registered_name}.",
                "O servidor foi renomeado: agora ele é {computer_name}, mas foi registrado no cofre como {registered_name}."),
    recommendations = {
      T("Rename the server back to its original name, {registered_name}, as registered in the vault (System Properties > Computer Name, or Rename-Computer), and restart it.",
        "Renomeie o servidor de volta para o nome original, {registered_name}, conforme registrado no cofre (Propriedades do Sistema > Nome do Computador, ou Rename-Computer), e reinicie-o."),
      T("Or register the server again to the vault with its new name, {computer_name}.",
        "Ou registre o servidor novamente no cofre com o novo nome, {computer_name}."),
      warn.RENAMED,
    } }
end

return mp.playbook {
  id = "resource-not-provisioned",
  title = T("Resource not provisioned in service stamp (230006)",
            "Recurso não provisionado no carimbo de serviço (230006)"),
  anchor = "resource-not-provisioned-in-service-stamp",
  params = {
    registered_name = { type = "string", default = "",
                        doc = "the name the server was registered with (as the vault shows it); empty: read it from the registry" },
    registered_name_key = { type = "string", default = mars.CONFIG,
                            doc = "registry key holding the registered name (unconfirmed)" },
    registered_name_value = { type = "string", default = "MachineName",
                              doc = "registry value holding the registered name (unconfirmed)" },
  },
  checks = {
    mp.check {
      id = "server-not-renamed",
      title = T("The server has the name it was registered with", "O servidor tem o nome com que foi registrado"),
      cause = T("The protected server was renamed.", "O servidor protegido foi renomeado."),
      error_ids = { "230006" },
      severity = "high",
      detect = with_agent(function(_, ctx) return detect_name(ctx) end),
    },
  },
}
