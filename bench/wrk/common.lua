-- Shared code for the bench/run.sh wrk scripts (wrk runs one script; each workload script loads
-- this file with dofile and defines request()).
-- Environment: LINES (file of line ids, one a line), TOKEN (bearer token), RUN (a run id that
-- makes Idempotency-Keys unique across runs), RESULT (file that done() appends one line to).
local threads = {}
thread_id = 0
lines = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("LINES")
  if path and path ~= "" then
    for line in io.lines(path) do
      lines[#lines + 1] = line
    end
  end
  local token = os.getenv("TOKEN")
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  math.randomseed(thread_id * 7919 + os.time())
end

function random_line()
  return lines[math.random(#lines)]
end

-- A unique Idempotency-Key per request: prefix, run, thread, counter.
function next_key(prefix)
  counter = counter + 1
  return string.format("%s-%s-%d-%d", prefix, os.getenv("RUN") or "0", thread_id, counter)
end

-- wrk.format uses the headers table it is given instead of wrk.headers, so requests add theirs to
-- wrk.headers (which holds Authorization).
function post_json(path, key, body)
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Idempotency-Key"] = key
  return wrk.format("POST", path, nil, body)
end

function get(path)
  return wrk.format("GET", path)
end

-- One machine-readable line per run; bench/run.sh parses it. ok_rps counts only the answers below
-- 400 (wrk counts 4xx and 5xx as status errors).
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local line = string.format(
    "requests=%d seconds=%.3f rps=%.1f ok_rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "http_errors=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, (summary.requests - e.status) / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout)
  io.write(line)
  local result = os.getenv("RESULT")
  if result and result ~= "" then
    local f = assert(io.open(result, "w"))
    f:write(line)
    f:close()
  end
end
