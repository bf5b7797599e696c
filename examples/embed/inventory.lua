-- inventory.lua - the playbook of the embedding example: it calls the
-- host program's own function, require("marsplay.host").inventory_tag(),
-- next to the ordinary inspection API.

local mp = require "marsplay"
local host = require "marsplay.host"

local T = mp.text
local AGENT = [[C:\Program Files\Microsoft Azure Recovery Services Agent\Bin]]

return mp.playbook {
  id = "inventory",
  title = T("The server is known to the inventory and has the MARS agent",
            "O servidor consta do inventário e tem o agente MARS"),
  checks = {
    mp.check {
      id = "inventory-tag",
      title = T("The host program knows this server by a tag", "O programa hospedeiro conhece este servidor por uma etiqueta"),
      severity = "info",
      detect = function()
        if type(host.inventory_tag) ~= "function" then
          return mp.skip(T("Not run by a host program that provides inventory_tag.",
                           "Não executado por um programa que forneça inventory_tag."))
        end
        local tag = host.inventory_tag()
        if tag ~= "" then
          return mp.pass({ tag = tag }, T("Inventory tag {tag}.", "Etiqueta de inventário {tag}."))
        end
        return mp.manual {
          evidence = { tag = tag },
          message = T("The server has no inventory tag.", "O servidor não tem etiqueta de inventário."),
          recommendations = { T("Add the server to the inventory.", "Inclua o servidor no inventário.") },
        }
      end,
    },
    mp.check {
      id = "agent-installed",
      title = T("The MARS agent is installed", "O agente MARS está instalado"),
      severity = "high",
      detect = function()
        local st = mp.fs.stat(AGENT)
        if st and st.type == "dir" then
          return mp.pass({ path = AGENT }, T("{path} exists.", "{path} existe."))
        end
        return mp.manual {
          evidence = { path = AGENT },
          message = T("{path} does not exist.", "{path} não existe."),
          recommendations = { T("Install the MARS agent.", "Instale o agente MARS.") },
        }
      end,
    },
  },
}
