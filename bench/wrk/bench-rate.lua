-- bench.lua plus a pause of DELAY_MS (third argument) between the requests of a connection.
-- A separate file because wrk decides at load time whether the script has a delay().
local dir = debug.getinfo(1, "S").source:match("@(.*/)") or "./"
dofile(dir .. "bench.lua")

function delay()
  return pause
end
