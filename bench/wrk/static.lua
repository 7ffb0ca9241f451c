-- The HTTP ceiling: GET of a static JSON file (served by nginx).
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

function request()
  return get("/status.json")
end
