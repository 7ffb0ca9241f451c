-- POST /v1/usage: batches of USAGE_BATCH (default 10,000) data records, each on a random line of
-- the LINES file (IMSIs here), each with a record_id no other request or run uses.
-- USAGE_START and USAGE_END are the records' times (RFC 3339).
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local batch = tonumber(os.getenv("USAGE_BATCH") or "10000")
local started = os.getenv("USAGE_START")
local ended = os.getenv("USAGE_END")
local run = os.getenv("RUN") or "0"
local sent = 0

function request()
  sent = sent + 1
  local prefix = string.format("w-%s-%d-%d-", run, thread_id, sent)
  local records = {}
  for i = 1, batch do
    records[i] = string.format(
      '{"record_id":"%s%d","imsi":"%s","kind":"data","quantity":%d,"start":"%s","end":"%s"}',
      prefix, i, random_line(), math.random(1, 100000), started, ended)
  end
  wrk.headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/v1/usage", nil, '{"records":[' .. table.concat(records, ",") .. "]}")
end
