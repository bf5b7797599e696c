-- marsplay.mars: where the MARS agent keeps things, read from the target.
-- Shared by every MARS playbook so the facts live in one place.

local reg = require "marsplay.reg"
local fs = require "marsplay.fs"
local mp = require "marsplay"

local M = {}

M.KEY = [[HKLM\SOFTWARE\Microsoft\Windows Azure Backup]]
M.SETUP = M.KEY .. [[\Setup]]
M.CONFIG = M.KEY .. [[\Config]]
M.PROVIDER = M.KEY .. [[\Config\CloudBackupProvider]]
M.DEFAULT_INSTALL = [[C:\Program Files\Microsoft Azure Recovery Services Agent]]
M.SERVICE = "obengine"

-- Windows path helpers: trailing separators off, case-insensitive compare.
function M.norm(p)
  if type(p) ~= "string" then return p end
  p = p:gsub("/", "\\"):gsub("\\+$", "")
  if p:match("^%a:$") then p = p .. "\\" end
  return p
end

function M.same_path(a, b)
  if type(a) ~= "string" or type(b) ~= "string" then return false end
  return M.norm(a):lower() == M.norm(b):lower()
end

function M.join(a, b)
  return M.norm(a) .. "\\" .. b
end

local function read(key, name)
  local v = reg.get(key, name)
  if type(v) == "string" then return v end
  return nil
end

-- The agent as installed on the target, or nil and a skip result that
-- says what was looked for.
function M.agent()
  local ok, why = reg.available()
  if not ok and not mp.sys.live() then
    -- an offline volume whose registry cannot be read is a problem to
    -- report, not a reason to skip every check
    return nil, { status = "error", reason = "cannot read the volume's registry: " .. tostring(why),
                  evidence = { registry = why } }
  end
  if not ok then
    return nil, mp.skip(mp.text(
      "MARS agent not found: " .. tostring(why) .. " (looked for the registry key " .. M.KEY .. ")",
      "Agente MARS não encontrado: " .. tostring(why) .. " (procurada a chave do registro " .. M.KEY .. ")"),
      { looked_for = M.KEY, registry = why })
  end
  if not reg.exists(M.KEY) then
    return nil, mp.skip(mp.text(
      "MARS agent not found: the registry key " .. M.KEY .. " does not exist",
      "Agente MARS não encontrado: a chave do registro " .. M.KEY .. " não existe"),
      { looked_for = M.KEY })
  end
  local install = read(M.SETUP, "InstallPath") or M.DEFAULT_INSTALL
  install = M.norm(install)
  return {
    install = install,
    bin = M.join(install, "Bin"),
    temp = M.join(install, "Temp"),
    scratch = read(M.CONFIG, "ScratchLocation"),
    scratch_provider = read(M.PROVIDER, "ScratchLocation"),
    machine_id = read(M.CONFIG, "MachineId"),
    vault = read(M.CONFIG, "ServiceResourceName"),
  }
end

-- Wrap a check body(agent, ctx, ...) so that it runs only where the agent
-- is installed; elsewhere the check is skipped saying what was looked for.
function M.with_agent(body)
  return function(ctx, ...)
    local agent, skip = M.agent()
    if not agent then return skip end
    return body(agent, ctx, ...)
  end
end

-- The scratch (cache) folder the agent uses: Config\ScratchLocation, or
-- the provider's value, or the default under the install folder.
function M.scratch(agent)
  return M.norm(agent.scratch or agent.scratch_provider or M.join(agent.install, "Scratch"))
end

-- The guide's antivirus exclusions, for recommendations (paths only, so
-- they read the same in every language; CSC.exe of every .NET Framework).
function M.exclusions(agent)
  return {
    M.scratch(agent),
    agent.bin,
    M.join(agent.bin, "cbengine.exe"),
    [[C:\Windows\Microsoft.NET\Framework*\v*\csc.exe]],
  }
end

-- Size of the data being backed up: the folders in params.protected, or
-- params.protected_bytes.  Returns bytes, details | nil, why.
function M.protected_size(params)
  if params.protected_bytes and params.protected_bytes > 0 then
    return params.protected_bytes, { source = "protected_bytes" }
  end
  local list = params.protected
  if type(list) ~= "table" or #list == 0 then return nil end
  local total, errors, per = 0, 0, {}
  for _, path in ipairs(list) do
    local r, err = fs.du(path)
    if not r then
      return nil, err
    end
    total = total + r.bytes
    errors = errors + (r.errors or 0)
    per[#per + 1] = { path = path, bytes = r.bytes, files = r.files }
  end
  return total, { source = "protected", folders = per, errors = errors }
end

return M
