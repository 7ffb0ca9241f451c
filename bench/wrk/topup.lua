-- Cash top-ups of 100 yen on random lines, one unique Idempotency-Key per request.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local body = '{"amount_jpy":100,"payment":{"method":"cash"}}'
function request()
  return post_json("/v1/lines/" .. random_line() .. "/topups", next_key("topup"), body)
end
