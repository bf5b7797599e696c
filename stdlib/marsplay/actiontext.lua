-- actiontext.lua: the remediation API's action details in the report's
-- language.  The native calls (runtime/bind/bind_fix.c) describe what they did
-- in English, as "; "-separated parts; the runner passes each part
-- through here.  A part with no translation stays as it is.
-- tests/sh/t_actiontext.sh checks every English detail in bind_fix.c has
-- one.

local M = {}

-- { Lua pattern for a whole part, replacement } per language.
local PARTS = {
  ["pt-BR"] = {
    { "^already as desired$", "já estava como desejado" },
    { "^already absent$", "já ausente" },
    { "^already exists$", "já existe" },
    { "^a non%-folder is in the way: left alone$", "há algo que não é pasta no caminho: deixado como está" },
    { "^not a regular file: left alone$", "não é um arquivo comum: deixado como está" },
    { "^not a file or folder: left alone$", "não é arquivo nem pasta: deixado como está" },
    { "^a file with other names %(hard links%): left alone$",
      "um arquivo com outros nomes (links físicos): deixado como está" },
    { "^target exists and is not a regular file: left alone$",
      "o destino existe e não é um arquivo comum: deixado como está" },
    { "^destination exists: left alone$", "o destino já existe: deixado como está" },
    { "^changed while the fix ran: left alone$", "mudou durante a correção: deixado como está" },
    { "^changed while the fix ran, and its name was taken again meanwhile: kept as (.+)$",
      "mudou durante a correção e o nome foi ocupado de novo nesse meio-tempo: mantido como %1" },
    { "^finish a deletion interrupted by an earlier run$",
      "concluir uma exclusão interrompida por uma execução anterior" },
    { "^finished a deletion interrupted by an earlier run$",
      "concluída uma exclusão interrompida por uma execução anterior" },
    { "^put back an entry an interrupted run had set aside$",
      "devolvida ao nome original uma entrada que uma execução interrompida havia posto de lado" },
    { "^(%d+) regular files matching (.+)$", "%1 arquivos comuns correspondentes a %2" },
    { "^(%d+) other entries left alone$", "%1 outras entradas deixadas como estão" },
    { "^(%d+) changed while the fix ran, left alone$", "%1 mudaram durante a correção e foram deixadas como estão" },
    { "^(%d+) kept under a %.marsplay%-deleting%. name %(their names were taken meanwhile%)$",
      "%1 mantidas com um nome .marsplay-deleting. (os nomes foram ocupados nesse meio-tempo)" },
    { "^(%d+) set aside by an interrupted run, to finish$",
      "%1 postas de lado por uma execução interrompida, a concluir" },
    { "^finished (%d+) deletions interrupted by an earlier run$",
      "concluídas %1 exclusões interrompidas por uma execução anterior" },
    { "^put back (%d+) entries an interrupted run had set aside$",
      "devolvidas %1 entradas que uma execução interrompida havia posto de lado" },
    { "^some could not be deleted$", "algumas não puderam ser excluídas" },
    { "^copy, verify, then switch$", "copiar, verificar e só então trocar" },
    { "^links and special files not copied: (.+)$", "links e arquivos especiais não copiados: %1" },
    { "^(.+) is a sparse file %(the cache must not be sparse%): not copied$",
      "%1 é um arquivo esparso (o cache não deve ser esparso): não copiado" },
    { "^not enough free space at the destination: (%d+) MiB needed, (%d+) MiB free$",
      "espaço livre insuficiente no destino: %1 MiB necessários, %2 MiB livres" },
    { "^offline volume: no service runs there$", "volume offline: nenhum serviço é executado ali" },
    { "^the service (.+) is not installed$", "o serviço %1 não está instalado" },
    { "^read back: (.+), start type (%d), pid (%d+)$", "lido de volta: %1, tipo de inicialização %2, pid %3" },
    { "^read back: (.+), start type (%d)$", "lido de volta: %1, tipo de inicialização %2" },
    { "^offline volume: Task Scheduler runs only on the live server$",
      "volume offline: o Agendador de Tarefas só é executado no servidor em funcionamento" },
    { "^Task Scheduler is not available on this platform$",
      "o Agendador de Tarefas não está disponível nesta plataforma" },
    { "^RegisterTask (.+): (.+) %(the definition before is in this action%)$",
      "RegisterTask %1: %2 (a definição anterior está nesta ação)" },
    { "^Task Scheduler reads back another definition: (.+) %(the definition before is in this action%)$",
      "o Agendador de Tarefas devolve outra definição: %1 (a definição anterior está nesta ação)" },
    { "^read back: (.+), state (.+)$", "lido de volta: %1, estado %2" },
    { "^service control is not available on this platform$",
      "o controle de serviços não está disponível nesta plataforma" },
    -- "PATH: strerror" of a failed call
    { "^(.+): Permission denied$", "%1: permissão negada" },
    { "^(.+): No such file or directory$", "%1: arquivo ou pasta inexistente" },
    { "^(.+): Read%-only file system$", "%1: sistema de arquivos somente leitura" },
    { "^(.+): No space left on device$", "%1: sem espaço no dispositivo" },
    { "^(.+): Operation not permitted$", "%1: operação não permitida" },
    { "^(.+): Too many levels of symbolic links$", "%1: é um link simbólico (não seguido)" },
    { "^(.+): Not a directory$", "%1: não é uma pasta" },
    { "^(.+): Is a directory$", "%1: é uma pasta" },
    { "^(.+): Invalid cross%-device link$", "%1: fora do volume de destino" },
  },
}

local function part(s, rules)
  for _, r in ipairs(rules) do
    local out, n = s:gsub(r[1], r[2])
    if n > 0 then return out end
  end
  return s
end

-- detail in lang (unchanged for English, an unknown language or text
-- that has no translation).
function M.translate(detail, lang)
  local rules = PARTS[lang]
  if type(detail) ~= "string" or rules == nil then return detail end
  local out = {}
  for piece in (detail .. "; "):gmatch("(.-); ") do out[#out + 1] = part(piece, rules) end
  return table.concat(out, "; ")
end

return M
