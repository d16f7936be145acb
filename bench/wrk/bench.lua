-- wrk script for bench/run.sh. Arguments after `--`: MODE [RUN_ID] [DELAY_MS]
--   list    GET /api/messages/
--   create  POST /api/messages/ with a unique subject per request
-- DELAY_MS is used by bench-rate.lua, which makes each connection pause between requests
-- (a fixed request rate: connections * 1000 / (DELAY_MS + latency) requests/s).
-- done() prints one RESULT line that run.sh parses.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "list"
  run_id = args[2] or "run"
  pause = tonumber(args[3] or "0")
  counter = 0
end

function request()
  if mode == "create" then
    counter = counter + 1
    local body = string.format('{"subject":"bench %s t%d #%d","body":"a benchmark message body"}', run_id, id, counter)
    return wrk.format("POST", "/api/messages/", { ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", "/api/messages/")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
