-- Troubleshoot restore problems
-- Guide: #troubleshoot-restore-problems.  Azure Backup may fail to mount
-- the recovery volume.  The guide's steps: have the latest agent; find
-- the Microsoft iSCSI Initiator under Device Manager > Storage
-- controllers (or the unknown device ROOT\ISCSIPRT, whose driver must be
-- updated); restart the Microsoft iSCSI Initiator Service; retry with
-- Instant Restore.  Offline, the device tree and the service are read
-- from the SYSTEM hive; stopping and starting the service needs the
-- running server.
--
-- A disabled MSiSCSI is set back to manual start (Start=3): that is
-- Windows' default for this service (it is started on demand, by the
-- iSCSI initiator tools and by the agent's mount), and "manual" is the
-- least change that lets it start; "disabled" is what stops the mount.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local agentv = require "marsplay.agent"
local services = require "marsplay.services"

local reg = mp.reg
local T = mp.text

local with_agent = mars.with_agent

local ENUM_ROOT = [[HKLM\SYSTEM\CurrentControlSet\Enum\ROOT]]
local HWID = [[ROOT\ISCSIPRT]]
local FAILED_INSTALL = 0x40             -- CONFIGFLAG_FAILEDINSTALL
local ALT_RESTORE = "https://learn.microsoft.com/azure/backup/backup-azure-restore-windows-server#use-instant-restore-to-restore-data-to-an-alternate-machine"

local DRIVER_STEPS = {
  T("Open Device Manager > Storage controllers and look for Microsoft iSCSI Initiator.",
    "Abra o Gerenciador de Dispositivos > Controladores de armazenamento e procure o Iniciador iSCSI da Microsoft."),
  T("If it is not there, look for an Unknown device with hardware ID ROOT\\ISCSIPRT: right-click it > Update driver software > Search automatically for updated driver software; it " ..
    "should become Microsoft iSCSI Initiator.",
    "Se ele não estiver lá, procure um Dispositivo desconhecido com a ID de hardware ROOT\\ISCSIPRT: clique com o botão direito > Atualizar driver > Pesquisar automaticamente software " ..
      "de driver atualizado; ele deve virar Iniciador iSCSI da Microsoft."),
  T("Then restart the Microsoft iSCSI Initiator Service and retry the recovery with Instant Restore.",
    "Depois reinicie o serviço Iniciador iSCSI da Microsoft e repita a recuperação com a Restauração Instantânea."),
}

local function hwids(v)
  if type(v) == "table" then return v end
  if type(v) == "string" then return { v } end
  return {}
end

-- Instances of the root-enumerated iSCSI initiator device: ROOT\ISCSIPRT\*,
-- or any ROOT\<class>\<n> whose HardwareID lists ROOT\ISCSIPRT.
local function iscsi_devices()
  local found = {}
  local function add(key)
    local vals = reg.values(key)
    if not vals then return end
    local v = {}
    for n, e in pairs(vals) do v[n:lower()] = e.value end
    found[#found + 1] = { key = key, service = v.service, driver = v.driver,
                          desc = v.devicedesc, config_flags = v.configflags, hwids = hwids(v.hardwareid) }
  end
  for _, inst in ipairs(reg.keys(ENUM_ROOT .. [[\ISCSIPRT]]) or {}) do
    add(ENUM_ROOT .. [[\ISCSIPRT\]] .. inst)
  end
  if #found == 0 then
    local seen = 0
    for _, class in ipairs(reg.keys(ENUM_ROOT) or {}) do
      for _, inst in ipairs(reg.keys(ENUM_ROOT .. "\\" .. class) or {}) do
        seen = seen + 1
        if seen > 4096 then break end
        local key = ENUM_ROOT .. "\\" .. class .. "\\" .. inst
        for _, h in ipairs(hwids(reg.get(key, "HardwareID"))) do
          if h:upper() == HWID then add(key) end
        end
      end
    end
  end
  return found
end

local function detect_device()
  local ok, why = reg.available()
  if not ok then return mp.skip(T("No Windows registry here: " .. tostring(why), "Sem registro do Windows aqui: " .. tostring(why))) end
  local devs = iscsi_devices()
  local ev = { hardware_id = HWID, devices = {} }
  for _, d in ipairs(devs) do
    ev.devices[#ev.devices + 1] = T(("%s (%s, service %s)"):format(d.key, tostring(d.desc), tostring(d.service or "none")),
      ("%s (%s, serviço %s)"):format(d.key, tostring(d.desc), tostring(d.service or "nenhum")))
  end
  if #devs == 0 then
    return mp.manual { evidence = ev, recommendations = DRIVER_STEPS,
      message = T("No Microsoft iSCSI Initiator device ({hardware_id}) in the device tree.",
                  "Nenhum dispositivo Iniciador iSCSI da Microsoft ({hardware_id}) na árvore de dispositivos.") }
  end
  for _, d in ipairs(devs) do
    local flags = math.type(d.config_flags) == "integer" and d.config_flags or 0
    if type(d.service) == "string" and d.service ~= "" and flags & FAILED_INSTALL == 0 then
      local drv = services.read(d.service)
      ev.driver_service = d.service
      ev.device = d.key
      if drv and drv.exists and drv.image_exists ~= false then
        ev.driver_file = drv.image_file
        return mp.pass(ev, T("Microsoft iSCSI Initiator is installed: {device} uses the driver service {driver_service} ({driver_file}).",
                             "O Iniciador iSCSI da Microsoft está instalado: {device} usa o serviço de driver {driver_service} ({driver_file})."))
      end
      ev.driver_file = drv and drv.image_file or nil
      return mp.manual { evidence = ev, recommendations = DRIVER_STEPS,
        message = T("The iSCSI initiator device {device} names the driver service {driver_service}, which is missing or has no driver file.",
                    "O dispositivo do iniciador iSCSI {device} indica o serviço de driver {driver_service}, que não existe ou não tem o arquivo do driver.") }
    end
  end
  ev.device = devs[1].key
  return mp.manual { evidence = ev, recommendations = DRIVER_STEPS,
    message = T("{device} ({hardware_id}) is an unknown device: no driver is installed for it.",
                "{device} ({hardware_id}) é um dispositivo desconhecido: nenhum driver está instalado para ele.") }
end

local function detect_restart(ctx)
  if ctx.offline then
    return mp.skip(T("Cancelling a hung mount and restarting the Microsoft iSCSI Initiator Service need the running server (this is an offline volume); the service's configuration is checked above.",
                     "Cancelar uma montagem travada e reiniciar o serviço Iniciador iSCSI da Microsoft exigem o servidor em execução (este é um volume offline); a configuração do " ..
                       "serviço é verificada acima."))
  end
  return mp.manual {
    message = T("Restart the Microsoft iSCSI Initiator Service and retry the recovery.",
                "Reinicie o serviço Iniciador iSCSI da Microsoft e repita a recuperação."),
    recommendations = {
      T("If the mount has been running for several minutes, cancel it.", "Se a montagem estiver em execução há vários minutos, cancele-a."),
      T("Services (local) > Microsoft iSCSI Initiator Service: right-click > Stop, then right-click > Start (or: net stop MSiSCSI & net start MSiSCSI).",
        "Serviços (local) > Serviço Iniciador iSCSI da Microsoft: clique com o botão direito > Parar e depois > Iniciar (ou: net stop MSiSCSI & net start MSiSCSI)."),
      T("Retry the recovery with Instant Restore.", "Repita a recuperação com a Restauração Instantânea."),
      T("If it still fails, restart the server; if you cannot restart it or it still fails, recover from another machine: " .. ALT_RESTORE,
        "Se ainda falhar, reinicie o servidor; se não puder reiniciar ou se ainda falhar, recupere a partir de outro computador: " .. ALT_RESTORE),
    } }
end

return mp.playbook {
  id = "restore-problems",
  title = T("Troubleshoot restore problems", "Solucionar problemas de restauração"),
  anchor = "troubleshoot-restore-problems",
  params = agentv.PARAMS,
  checks = {
    mp.check {
      id = "agent-up-to-date",
      title = T("The MARS agent is the latest version", "O agente MARS está na versão mais recente"),
      cause = T("An older agent cannot mount the recovery volume.", "Um agente antigo pode não montar o volume de recuperação."),
      severity = "medium",
      detect = with_agent(function(agent, ctx) return agentv.detect_version(agent, ctx.params) end),
    },
    mp.check {
      id = "iscsi-initiator-device",
      title = T("Microsoft iSCSI Initiator is present under Storage controllers",
                "O Iniciador iSCSI da Microsoft está em Controladores de armazenamento"),
      cause = T("The Microsoft iSCSI Initiator is missing or an unknown device (ROOT\\ISCSIPRT) without a driver.",
                "O Iniciador iSCSI da Microsoft está ausente ou é um dispositivo desconhecido (ROOT\\ISCSIPRT) sem driver."),
      severity = "high",
      detect = with_agent(function() return detect_device() end),
    },
    mp.check {
      id = "iscsi-service",
      title = T("The Microsoft iSCSI Initiator Service (MSiSCSI) is installed and not disabled",
                "O serviço Iniciador iSCSI da Microsoft (MSiSCSI) está instalado e não desabilitado"),
      cause = T("The Microsoft iSCSI Initiator Service cannot start.", "O serviço Iniciador iSCSI da Microsoft não consegue iniciar."),
      severity = "high",
      detect = with_agent(function()
        return services.detect_configured {
          name = "MSiSCSI", ok_starts = { 2, 3 }, fix_start = 3,
          missing_steps = DRIVER_STEPS,
          binary_steps = {
            T("Repair the system files that host the service: sfc /scannow (or DISM /Online /Cleanup-Image /RestoreHealth), then restart the server.",
              "Repare os arquivos de sistema que hospedam o serviço: sfc /scannow (ou DISM /Online /Cleanup-Image /RestoreHealth) e reinicie o servidor."),
          },
        }
      end),
      fix = function(_, finding) services.fix_start(finding) end,
    },
    mp.check {
      id = "iscsi-service-restart",
      title = T("Restart the Microsoft iSCSI Initiator Service and retry the recovery",
                "Reiniciar o serviço Iniciador iSCSI da Microsoft e repetir a recuperação"),
      cause = T("The recovery volume does not mount after several minutes.", "O volume de recuperação não é montado após vários minutos."),
      severity = "medium",
      depends = { "iscsi-service" },
      detect = with_agent(function(_, ctx) return detect_restart(ctx) end),
    },
  },
}
