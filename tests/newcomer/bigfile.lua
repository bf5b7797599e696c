-- bigfile: files larger than max_bytes under C:\Temp are deleted.
-- Written as a newcomer would, from README.md and docs/api.md only
-- (issue 10): mp.walk for the tree, fix.delete for each file found.
local mp = require "marsplay"
local T = mp.text

local DIR = [[C:\Temp]]

return mp.playbook {
  id = "bigfile",
  title = T("No file under C:\\Temp is larger than the limit", "Nenhum arquivo em C:\\Temp passa do limite"),
  params = {
    max_bytes = { type = "number", default = 1048576, min = 0, doc = "largest file size tolerated under C:\\Temp" },
  },
  checks = {
    mp.check {
      id = "big-files",
      title = T("No file under C:\\Temp is larger than {max_bytes} bytes",
                "Nenhum arquivo em C:\\Temp tem mais de {max_bytes} bytes"),
      severity = "low",
      detect = function(ctx)
        if not mp.fs.isdir(DIR) then
          return mp.skip(T("{dir} does not exist on this target.", "{dir} não existe neste destino."), { dir = DIR })
        end
        local big = {}
        local walk, status = mp.walk(DIR, { stat = true })
        for path, e in walk do
          if e.type == "file" and e.size and e.size > ctx.params.max_bytes then big[#big + 1] = path end
        end
        if #status.errors > 0 then
          return { status = "error", reason = status.errors[1][2] }
        end
        local ev = { dir = DIR, count = #big, files = big, limit = ctx.params.max_bytes }
        if #big == 0 then
          return mp.pass(ev, T("No file under {dir} is larger than {limit} bytes.",
                               "Nenhum arquivo em {dir} tem mais de {limit} bytes."))
        end
        return mp.finding {
          evidence = ev, files = big,
          message = T("{count} file(s) under {dir} larger than {limit} bytes.",
                      "{count} arquivo(s) em {dir} com mais de {limit} bytes."),
          recommendations = { T("Delete the large files under {dir}.", "Exclua os arquivos grandes em {dir}.") },
        }
      end,
      fix = function(_, finding)
        for _, path in ipairs(finding.files) do mp.fix.delete(path) end
      end,
    },
  },
}
