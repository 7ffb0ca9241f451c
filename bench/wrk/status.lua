-- Status reads of random lines.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

function request()
  return get("/v1/lines/" .. random_line() .. "/status")
end
