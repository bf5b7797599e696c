-- Detect and fix must agree on what a wildcard matches: for every case
-- folder under params.dir (each holds one regular file) and the pattern
-- on the same line of params.dir/patterns.txt, fs.glob's answer must be
-- what fix.delete_matching plans (run with --dry-run).  The fix fails,
-- listing the first disagreements, if they ever differ.
local mp = require "marsplay"

return mp.playbook {
  id = "globfix",
  title = "fs.glob and fix.delete_matching agree",
  params = { dir = { type = "string", default = "C:\\Cases" } },
  checks = {
    mp.check {
      id = "agree",
      detect = function() return mp.finding { message = "compare" } end,
      fix = function(ctx)
        local dir = ctx.params.dir
        local f = assert(io.open(dir .. "\\patterns.txt"))
        local bad, n = {}, 0
        for line in f:lines() do
          n = n + 1
          local case, pat = line:match("^(%S+)\t(.*)$")
          local folder = dir .. "\\" .. case
          local listed = #assert(mp.fs.glob(folder, pat))
          local plan = mp.fix.delete_matching(folder, pat)
          local planned = plan.before and plan.before.files or -1
          if listed ~= planned and #bad < 10 then
            local names = {}
            for _, e in ipairs(assert(mp.fs.dir(folder))) do names[#names + 1] = e.name end
            bad[#bad + 1] = ("%s: pattern %q, file %q: glob %d, fix %d"):format(
              case, pat, table.concat(names, ","), listed, planned)
          end
        end
        f:close()
        if #bad > 0 then error(("%d cases, disagreements:\n%s"):format(n, table.concat(bad, "\n")), 0) end
        if n == 0 then error("no cases", 0) end
      end,
    },
  },
}
