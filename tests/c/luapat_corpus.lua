-- luapat_corpus.lua - the cases of tests/c/test_luapat.c: run once in a
-- Lua state with the stock string library and once with marsplay's
-- pattern functions (runtime/core/luapat.c); each returns one line per
-- case (the call and what it gave: results with their types, or the
-- error message), and the two lists must be identical.
-- Generated cases come from a fixed seed; hand cases cover each feature
-- and each error.
local COUNT = tonumber((...)) or 4000

local fmt = string.format
-- the functions under test, taken before anything else can call them
local find, match, gmatch, gsub = string.find, string.match, string.gmatch, string.gsub

local out = {}

local function show(v)
  local t = type(v)
  if t == "string" then return fmt("%q", v) end
  if t == "number" then return math.type(v) .. ":" .. fmt("%q", v) end
  return t .. ":" .. tostring(t == "table" and "{}" or v)
end

local function showall(n, ...)
  local parts = {}
  for i = 1, n do parts[i] = show((select(i, ...))) end
  return table.concat(parts, ",")
end

local function record(what, ok, n, ...)
  if ok then
    out[#out + 1] = what .. " -> " .. showall(n, ...)
  else
    out[#out + 1] = what .. " !! " .. tostring((...))
  end
end

local function pack(ok, ...) return ok, select("#", ...), ... end

local function call(name, fn, ...)
  local args = table.pack(...)
  local what = name .. "(" .. showall(args.n, ...) .. ")"
  record(what, pack(pcall(fn, ...)))
end

-- gmatch: every match (at most 200), or the error
local function gm(s, p, init)
  local what = "gmatch(" .. showall(3, s, p, init) .. ")"
  local ok, err = pcall(function()
    local got = {}
    local it = init == nil and gmatch(s, p) or gmatch(s, p, init)
    for _ = 1, 200 do
      local r = table.pack(it())
      if r[1] == nil then break end
      got[#got + 1] = "[" .. showall(r.n, table.unpack(r, 1, r.n)) .. "]"
    end
    return table.concat(got)
  end)
  out[#out + 1] = what .. (ok and " -> " or " !! ") .. tostring(err)
end

-- gsub replacement functions and tables
local REPL_FN = {
  function(...) return "<" .. showall(select("#", ...), ...) .. ">" end,
  function() return nil end,
  function() return false end,
  function(a) return a == "a" and 7 or nil end,
  function() return {} end,
  function(a) return type(a) == "number" and a * 2 or "x" end,
}
local REPL_TAB = { a = "A", b = false, ab = 12, [1] = "one", [2] = {} }

local function gs(s, p, r, n, rname)
  local what = "gsub(" .. showall(2, s, p) .. "," .. (rname or show(r)) .. "," .. show(n) .. ")"
  if n == nil then record(what, pack(pcall(gsub, s, p, r)))
  else record(what, pack(pcall(gsub, s, p, r, n))) end
end

-- ---------- hand cases ----------
local HAND_FIND = {
  {"hello world", "o w"}, {"hello", "l+"}, {"hello", "^h"}, {"hello", "^e"}, {"hello", "o$"},
  {"hello", "l$"}, {"a$b", "$b"}, {"a$b", "a$"}, {"a^b", "a^b"}, {"^a", "^^a"},
  {"hello", ""}, {"", ""}, {"", "a*"}, {"", "^$"}, {"abc", "()"}, {"abc", "()b()"},
  {"abc", "(a)(b)(c)"}, {"a\0b", "\0"}, {"a\0b", "%z"}, {"a\0b", "[\0]"}, {"a\0b", "a%Zb"},
  {"x = (a(b)c)", "%b()"}, {"((a)", "%b()"}, {"[[x]]", "%b[]"}, {"aaa", "%baa"},
  {"THE (quick) fox", "%f[%a]%a+"}, {"THE (quick) fox", "%f[%A]"}, {"hello", "%f[%z]"},
  {"hello", "%f[^%z]"}, {"aXb", "%f[%u]"}, {"abab", "(ab)%1"}, {"abab", "(a)(b)%2"},
  {"aa", "()%1"}, {"aa", "(a%1)"}, {"abc", "[]]"}, {"a]c", "[]]"}, {"a]c", "[^]]"},
  {"a-c", "[a-]"}, {"a-c", "[-a]"}, {"b", "[a-c]"}, {"-", "[a%-c]"}, {"%", "[%%]"},
  {"x", "[%a-z]"}, {"5", "[%d]"}, {"a.b", "%."}, {"a.b", "."}, {"abc", ".-b"},
  {"abc", "a.-$"}, {"aaab", "a-b"}, {"aaab", "a*b"}, {"aaab", "a+b"}, {"b", "a?b"},
  {"ab", "a?b"}, {"key = value", "(%w+)%s*=%s*(%w+)"}, {"  trim  ", "^%s*(.-)%s*$"},
  {"caf\195\169", "[\128-\255]+"}, {"\255\254", "[^\0-\127]"}, {"x", "[\255]"},
  {"a+b", "a+b", 1, true}, {"a+b", "+", 1, true}, {"a.b", ".", 1, true}, {"abc", "", 10},
  {"abc", "", 4}, {"abc", "", 5}, {"abc", "c", -1}, {"abc", "a", -10}, {"abc", "b", 0},
  {"abc", "b", math.mininteger}, {"abc", "b", math.maxinteger}, {"abc", "b", -3},
  {"abcabc", "b", 3}, {"abcabc", "b()", -2}, {"aaa", "a", 2, false}, {"a", "a", 1, 0},
  {"ab", "a)"}, {"ab", "(a"}, {"ab", "a(", 1, true}, {"ab", "%"}, {"ab", "a%"},
  {"ab", "[a"}, {"ab", "[^"}, {"ab", "[a%"}, {"ab", "[%]"}, {"ab", "%f"}, {"ab", "%fa"},
  {"ab", "%b"}, {"ab", "%ba"}, {"ab", "%1"}, {"ab", "%0"}, {"ab", "(a)%2"}, {"ab", "(a%1)"},
  {"ab", "%9"}, {"ab", "(()"}, {"ab", "())"}, {"ab", ")"}, {"ab", "a)"},
  {("a"):rep(40), ("(a)"):rep(32)}, {("a"):rep(40), ("(a)"):rep(33)},
  {("a"):rep(40), ("()"):rep(32)}, {("a"):rep(40), ("()"):rep(33)},
  {("a"):rep(300), ("a?"):rep(199)}, {("a"):rep(300), ("a?"):rep(200)},
  {("a"):rep(300), ("a?"):rep(201)}, {("a"):rep(300), ("a?"):rep(300)},
  {("a"):rep(300), ("(a"):rep(20) .. (")"):rep(20)}, {("a"):rep(300), ("a*"):rep(210)},
  {("a"):rep(300), ("a-"):rep(210) .. "$"}, {("x"):rep(500), "x*$"}, {("ab"):rep(50), "(ab)*"},
  {("a"):rep(60), ("(.-)"):rep(3) .. "b"}, {("ab"):rep(3000), "(.-)(.-)b$"},
  {"x", ("%"):rep(3)}, {"%a", "%%a"}, {"a", "[%a]"}, {"a", "[%A]"}, {"a", "%w%W"},
}
for _, c in ipairs(HAND_FIND) do
  local n = #c
  if c[3] ~= nil or c[4] ~= nil then n = 4 end
  call("find", find, table.unpack(c, 1, n))
  call("match", match, table.unpack(c, 1, math.min(n, 3)))
  gm(c[1], c[2], c[3])
end

-- methods on strings, wrong argument types, numbers as strings
call("method find", function() return ("hello"):find("l+") end)
call("method match", function() return ("key=val"):match("(%w+)=(%w+)") end)
call("method gsub", function() return ("hello"):gsub("l", "L") end)
call("method gmatch", function()
  local t = {}
  for w in ("one two  three"):gmatch("%a+") do t[#t + 1] = w end
  return table.concat(t, "|")
end)
call("find", find)
call("find", find, "a")
call("find", find, {}, "a")
call("find", find, "a", {})
call("find", find, "a", "a", "x")
call("find", find, "a", "a", 1.5)
call("find", find, 12345, 3)
call("find", find, 12.5, "%.")
call("match", match, nil, "a")
call("match", match, "abc", "b", "2")
call("gmatch", gmatch, nil, "a")
call("gmatch", gmatch, "a", nil)
call("gmatch", gmatch, "a", "a", {})
call("gsub", gsub, "abc", "b")
call("gsub", gsub, "abc", "b", true)
call("gsub", gsub, "abc", "b", "x", "y")
call("gsub", gsub, "abc", "b", "x", 1.5)
call("gsub", gsub, nil, "b", "x")
call("gsub", gsub, "abc", nil, "x")
call("gsub", gsub, 12345, 3, 9)

-- gmatch with init, anchors, empty matches
for _, c in ipairs({
  {"hello world from lua", "%a+"}, {"hello world from lua", "%a+", 7}, {"abc", "", 2},
  {"abc", ""}, {"abc", "()"}, {"abc", "%w*"}, {"abc", "^a"}, {"^a^a", "^a"}, {"abc", "a*", 10},
  {"abc", "b*", -2}, {"k1=v1, k2=v2", "(%w+)=(%w+)"}, {"aaa", "a-"}, {"a,b,,c", "([^,]*)"},
}) do gm(c[1], c[2], c[3]) end

-- gsub forms
local HAND_GSUB = {
  {"hello world", "o", "0"}, {"hello world", "(o)", "[%1]"}, {"hello world", "o", "%0%0"},
  {"hello", "", "-"}, {"abc", "%w*", "-"}, {"abc", "%w-", "-"}, {"", "", "x"}, {"", "a*", "x"},
  {"hello", "l", "%%"}, {"hello", "l", "%"}, {"hello", "l", "a%"}, {"hello", "l", "%x"},
  {"hello", "l", "%1"}, {"hello", "l", "%2"}, {"hello", "(l)", "%2"}, {"hello", "()l", "%1"},
  {"hello", "(h)(e)", "%2%1"}, {"hello", "(h)(e)", "%9"}, {"abc", "(", "x"}, {"abc", "b", 5},
  {"abc", "b", 2.5}, {"abc", "^a", "X"}, {"aaa", "^a", "X"}, {"abc", "^", "X"}, {"abc", "$", "X"},
  {"a b c", "%s", "_", 1}, {"a b c", "%s", "_", 0}, {"a b c", "%s", "_", -1},
  {"a b c", "%s", "_", math.maxinteger}, {"abc", "(b)(", "x"}, {"abc", "b", "%0", 1},
  {"x\0y", "\0", "%%0"}, {"abc", ".", "%0\0"},
}
for _, c in ipairs(HAND_GSUB) do gs(c[1], c[2], c[3], c[4]) end
for i, f in ipairs(REPL_FN) do
  for _, c in ipairs({{"hello world", "%w+"}, {"abc", "(a)(b)"}, {"abc", "()"}, {"abc", "(b)()"},
                      {"ab", "a"}, {"aXa", "a"}}) do
    gs(c[1], c[2], f, nil, "fn" .. i)
  end
end
for _, c in ipairs({{"a b ab c", "%w+"}, {"a b ab", "(%w+)"}, {"xa", "()a"}, {"ab", "(a)(b)"},
                    {"aaa", "a", 2}}) do
  gs(c[1], c[2], REPL_TAB, c[3], "tab")
end
-- an error raised inside the replacement function passes through
gs("abc", "b", function() error("from the function", 0) end, nil, "fnerr")

-- ---------- generated cases (fixed seed) ----------
math.randomseed(15)
local R = math.random
local function pick(t) return t[R(#t)] end
local ATOMS = {
  "a", "b", "c", ".", "%a", "%d", "%s", "%w", "%p", "%A", "%x", "%z", "%l", "%u", "%c", "%g",
  "%S", "%D", "%W", "%.", "%%", "%(", "[ab]", "[^a]", "[a-c]", "[%d_]", "[]]", "[^]]",
  "[a-]", "[%a%d]", "[^%s]", "[b-a]", "\0", "[\0-a]", " ", "(", ")", "()", "%1", "%2", "%3",
  "%b()", "%bab", "%baa", "%f[%w]", "%f[^a]", "%f[%z]", "$", "^", "-", "*", "%", "[", "]",
  "%f", "%b", "%b(", "[^", "x", "1", "_",
}
local SUFFIX = {"", "", "", "*", "+", "-", "?"}
local SUBJ = {"a", "b", "c", "a", "b", " ", "1", "_", "(", ")", "[", "]", "\0", "x", "%", "-", "A",
              "\200"}

local function gen_pattern()
  local parts = {}
  if R(5) == 1 then parts[1] = "^" end
  for _ = 1, R(0, 6) do
    local a = pick(ATOMS)
    if #a == 1 or a:sub(1, 1) == "[" or (a:sub(1, 1) == "%" and #a == 2) then a = a .. pick(SUFFIX) end
    parts[#parts + 1] = a
  end
  if R(6) == 1 then parts[#parts + 1] = "$" end
  return table.concat(parts)
end

local function gen_subject()
  local t = {}
  for i = 1, R(0, 10) do t[i] = pick(SUBJ) end
  return table.concat(t)
end

local INITS = {"none", 1, 2, 0, -1, -3, 5, 11, 12, -20}
local TEMPLATES = {"x", "%0", "%1", "%2", "<%1|%2>", "%%", "%", "a%", "%x", "", "%3%1", "%9", 42}

for _ = 1, COUNT do
  local s, p = gen_subject(), gen_pattern()
  local init = pick(INITS)
  if init == "none" then init = nil end
  if R(8) == 1 then
    call("find", find, s, p, init, R(2) == 1)
  elseif init == nil then
    call("find", find, s, p)
  else
    call("find", find, s, p, init)
  end
  if init == nil then call("match", match, s, p) else call("match", match, s, p, init) end
  gm(s, p, init)
  local kind = R(4)
  local maxn = R(4) == 1 and R(-1, 3) or nil
  if kind == 1 then gs(s, p, pick(REPL_FN), maxn, "fn")
  elseif kind == 2 then gs(s, p, REPL_TAB, maxn, "tab")
  else gs(s, p, pick(TEMPLATES), maxn) end
end

return table.concat(out, "\n"), #out
