-- errtext.lua: error messages from the host (the C library's strerror
-- texts, libxml2's parser messages, the stdlib's own reasons) as texts in
-- both languages, so that what a check puts in its evidence or message
-- reads in the report's language.
--   errtext.text(msg) -> mp.text(msg, pt)
-- A message is "; "-separated parts; a part "PREFIX: REST" whose REST is
-- known keeps its PREFIX (a path, a file name).  A part no rule knows stays
-- as it is (tests/sh/ptbr_leaks.py reports it).

local M = {}

-- { Lua pattern for a whole part, pt-BR replacement }
local RULES = {
  -- strerror (glibc, and the platform layer's Windows equivalents)
  { "^No such file or directory$", "arquivo ou pasta inexistente" },
  { "^Permission denied$", "permissão negada" },
  { "^Not a directory$", "não é uma pasta" },
  { "^Is a directory$", "é uma pasta" },
  { "^Too many levels of symbolic links$", "níveis demais de links simbólicos" },
  { "^Input/output error$", "erro de entrada/saída" },
  { "^File exists$", "o arquivo já existe" },
  { "^Operation not permitted$", "operação não permitida" },
  { "^Function not implemented$", "função não implementada" },
  { "^Invalid argument$", "argumento inválido" },
  -- the registry (runtime/bind/bind_reg.c, runtime/formats/hive.c)
  { "^registry hive unavailable: (.-) %(nothing under (.-) can be read%)$",
    "hive do registro indisponível: %1 (nada em %2 pode ser lido)" },
  { "^hive file (.+) not found$", "arquivo de hive %1 não encontrado" },
  -- libxml2
  { "^line (%d+)$", "linha %1" },
  { "^Premature end of data in tag (%S+) line (%d+)$", "fim prematuro dos dados na tag %1 (aberta na linha %2)" },
  { "^Opening and ending tag mismatch: (%S+) line (%d+) and (%S+)$",
    "as tags de abertura e de fechamento não correspondem: %1 (linha %2) e %3" },
  { "^Start tag expected, '<' not found$", "tag de abertura esperada, '<' não encontrado" },
  { "^Document is empty$", "o documento está vazio" },
  { "^Extra content at the end of the document$", "conteúdo extra no fim do documento" },
  { "^EndTag: '</' not found$", "tag de fechamento: '</' não encontrado" },
  { "^Couldn't find end of Start Tag (%S+) line (%d+)$", "fim da tag de abertura %1 (linha %2) não encontrado" },
  -- PKCS#12 certificates (runtime/platform/plat_names.c, bind_secret.c)
  { "^not base64 text$", "não é texto base64" },
  { "^not a PKCS#12 %(PFX%) certificate blob, or a damaged one$", "não é um certificado PKCS#12 (PFX), ou está danificado" },
  { "^the PFX is protected by a password %(not an empty one%)$", "o PFX está protegido por uma senha (não vazia)" },
  { "^the PFX is encrypted with an algorithm this system cannot decrypt$",
    "o PFX está criptografado com um algoritmo que este sistema não sabe descriptografar" },
  { "^the PFX holds no certificate$", "o PFX não contém nenhum certificado" },
  { "^the PFX could not be opened with an empty password or none %(a password or damage: the system did not say which%)$",
    "não foi possível abrir o PFX com senha vazia nem sem senha (uma senha ou dano: o sistema não disse qual)" },
  { "^no PKCS#12 reader on this system %(the crypto library is missing%)$",
    "não há leitor de PKCS#12 neste sistema (falta a biblioteca de criptografia)" },
  -- the stdlib's own reasons
  { "^empty %((%d+) bytes%)$", "vazio (%1 bytes)" },
  { "^not a file %((.-)%)$", "não é um arquivo (%1)" },
  { "^not a Windows binary %(no MZ header%)$", "não é um binário do Windows (sem cabeçalho MZ)" },
  { "^not a module manifest %(no @{ %.%.%. }%)$", "não é um manifesto de módulo (sem @{ ... })" },
  { "^(.-) has no version resource %((.*)%)$", "%1 não tem recurso de versão (%2)" },
  { "^no version resource in the first (%d+) bytes of (.+)$", "nenhum recurso de versão nos primeiros %1 bytes de %2" },
  { "^VS_FIXEDFILEINFO not found$", "VS_FIXEDFILEINFO não encontrado" },
  { "^no MZ header$", "sem cabeçalho MZ" },
  { "^bad e_lfanew$", "e_lfanew inválido" },
  { "^no PE signature$", "sem assinatura PE" },
  { "^bad section table$", "tabela de seções inválida" },
  { "^no resource directory entry$", "sem entrada de diretório de recursos" },
  { "^no resources$", "sem recursos" },
  { "^bad resource directory$", "diretório de recursos inválido" },
  { "^no version resource$", "sem recurso de versão" },
  { "^bad version resource tree$", "árvore do recurso de versão inválida" },
  { "^empty version resource$", "recurso de versão vazio" },
  { "^bad version data entry$", "entrada de dados de versão inválida" },
  { "^not a regular file %((.-)%)$", "não é um arquivo comum (%1)" },
  { "^larger than (%d+) bytes: not a credentials file$", "maior que %1 bytes: não é um arquivo de credenciais" },
  { "^the file is empty$", "o arquivo está vazio" },
  { "^the document is a <(.-)>, not a <(.-)>$", "o documento é um <%1>, não um <%2>" },
  { "^namespace (%S+) instead of (%S+)$", "namespace %1 em vez de %2" },
  { "^element (%S+) is missing or empty$", "o elemento %1 está ausente ou vazio" },
  { "^(%S+) is not valid base64$", "%1 não é base64 válido" },
}

local part
function part(s)
  for _, r in ipairs(RULES) do
    local caps = { s:match(r[1]) }
    if caps[1] then
      return (r[2]:gsub("%%(%d)", function(i) return part(caps[tonumber(i)]) end))
    end
  end
  local head, rest = s:match("^(.-): (.+)$")
  if head then
    local t = part(rest)
    if t ~= rest or head:match("^line %d+$") then return part(head) .. ": " .. t end
  end
  return s
end

--- msg in pt-BR (rule by rule; unknown parts unchanged).
function M.pt(msg)
  msg = tostring(msg)
  local out = {}
  for p in (msg .. "; "):gmatch("(.-); ") do out[#out + 1] = part(p) end
  return table.concat(out, "; ")
end

--- msg as a text in both languages (what mp.text returns; this module
--- needs no other, so the runner loads it too).
function M.text(msg)
  msg = tostring(msg)
  return { en = msg, ["pt-BR"] = M.pt(msg) }
end

return M
