-- Renewals from the wallet balance (3 GB au topping, 990 yen) on random pre-funded au lines.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local body = '{"plan_id":"sample-au-topping-3gb","payment":{"method":"balance"}}'
function request()
  return post_json("/v1/lines/" .. random_line() .. "/renewals", next_key("renewal"), body)
end
