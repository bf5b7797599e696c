-- marsplay.tempfiles: the Windows\Temp *.tmp flood.  The guide (additional
-- recommendations of #invalid-vault-credentials-provided) says more than
-- 60,000-65,000 *.tmp files in C:\Windows\Temp break the registration,
-- and to delete them.
--
-- Detection is one pass over the folder (fs.count).  The fix deletes only
-- regular files directly in the folder whose name matches *.tmp (case-
-- insensitive); folders, links, FIFOs and devices with such names are
-- left alone, and reported.

local mp = require "marsplay"

local fs, fix = mp.fs, mp.fix
local T = mp.text

local M = {}

M.PATTERN = "*.tmp"

M.PARAMS = {
  tmp_limit = { type = "number", default = 60000, min = 0,
                doc = "most *.tmp files C:\\Windows\\Temp may hold before registration breaks" },
  windows_temp = { type = "string", default = [[C:\Windows\Temp]],
                   doc = "the Windows temporary folder" },
}

function M.detect(params)
  local dir, limit = params.windows_temp, params.tmp_limit
  local n, info_or_err, code = fs.count(dir, M.PATTERN, { type = "file" })
  local ev = { folder = dir, tmp_limit = limit }
  if not n then
    ev.error = info_or_err
    if code == "ENOENT" or code == "ENOTDIR" then
      return mp.skip(T("{folder} does not exist on this volume: {error}",
                       "{folder} não existe neste volume: {error}"), ev)
    end
    return { status = "error", reason = tostring(info_or_err), evidence = ev }
  end
  local by = info_or_err.matched_by_type or {}
  ev.tmp_files = n
  ev.other_tmp_entries = (by.dir or 0) + (by.link or 0) + (by.other or 0)
  if n <= limit then
    return mp.pass(ev, T("{tmp_files} *.tmp files in {folder} (limit {tmp_limit}).",
                         "{tmp_files} arquivos *.tmp em {folder} (limite {tmp_limit})."))
  end
  local recs = {
    T("Delete the *.tmp files in {folder} (marsplay deletes only the regular files directly in it), then register again.",
      "Exclua os arquivos *.tmp de {folder} (o marsplay exclui somente os arquivos comuns diretamente nela) e registre novamente."),
  }
  if ev.other_tmp_entries > 0 then
    recs[#recs + 1] = T("{other_tmp_entries} folder(s) or link(s) named *.tmp are left as they are.",
                        "{other_tmp_entries} pasta(s) ou link(s) com nome *.tmp ficam como estão.")
  end
  return mp.finding { evidence = ev, recommendations = recs,
    next_steps = {
      T("Register the server to the vault again if a registration failed because of these files (error 34513).",
        "Registre o servidor no cofre novamente se um registro falhou por causa desses arquivos (erro 34513)."),
    },
    message = T("{tmp_files} *.tmp files in {folder}: more than {tmp_limit} break the server registration.",
                "{tmp_files} arquivos *.tmp em {folder}: mais de {tmp_limit} impedem o registro do servidor.") }
end

function M.fix(params)
  fix.delete_matching(params.windows_temp, M.PATTERN)
end

return M
