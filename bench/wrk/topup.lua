-- Cash top-ups over keep-alive connections, each with a unique Idempotency-Key.
-- Reads the line ids from the file named by the LINES environment variable and the clerk
-- token from TOKEN.
local lines = {}
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("LINES")) do
    table.insert(lines, line)
  end
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
  wrk.headers["Content-Type"] = "application/json"
  wrk.method = "POST"
  wrk.body = '{"amount_jpy":100,"payment":{"method":"cash"}}'
  math.randomseed(thread_id * 7919 + os.time())
end

function request()
  counter = counter + 1
  local line = lines[math.random(#lines)]
  wrk.headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", os.getenv("RUN") or "0", thread_id, counter)
  return wrk.format(nil, "/v1/lines/" .. line .. "/topups")
end

function done(summary, latency, requests)
  io.write(string.format("topup p50_ms=%.2f p99_ms=%.2f non2xx=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status))
end
