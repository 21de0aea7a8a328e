-- One wrk script for every run of bench/run.py.
--   wrk ... -s bench/wrk.lua URL -- METHOD PATH IDS_FILE BODY_FILE THREADS
-- PATH may hold "{id}": each request then takes the next id of IDS_FILE (one per line),
-- each thread its own share, so no two requests use the same one (a POST that escalates a
-- case, or decides an escalation, can only succeed once). BODY_FILE ("-" for none) is sent
-- as JSON. done() prints one line, BENCH_JSON {...}, that bench/wrk.py reads.

local threads_seen = 0

function setup(thread)
  thread:set("thread_number", threads_seen)
  threads_seen = threads_seen + 1
end

function init(args)
  method, template, threads = args[1], args[2], tonumber(args[5])
  ids, position = {}, 0
  if args[3] ~= "-" then
    local n = 0
    for line in io.lines(args[3]) do
      if n % threads == thread_number then ids[#ids + 1] = line end
      n = n + 1
    end
  end
  if args[4] ~= "-" then
    local file = io.open(args[4], "r")
    body = file:read("*a")
    file:close()
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  local path = template
  if #ids > 0 then
    -- Past the last id it starts again: those requests fail (409), and the run is flagged.
    position = position % #ids + 1
    path = string.gsub(template, "{id}", ids[position])
  end
  return wrk.format(method, path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
