-- wrk script for GET /api/customers/{id}: a random id from IDS_FILE per request, a Bearer key from API_KEY, and
-- a fixed pause per connection (DELAY_MS) so that rate ≈ connections × 1000 / (DELAY_MS + latency).
-- wrk -t2 -c10 -d30s --latency -s bench/Obsess.Bench/Hub/profile.lua http://127.0.0.1:5110
local ids = {}
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")

function init(args)
  for line in io.lines(os.getenv("IDS_FILE")) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("API_KEY")
end

function request()
  return wrk.format("GET", "/api/customers/" .. ids[math.random(#ids)])
end

function delay()
  return delay_ms
end

local errors = 0
function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("HTTP " .. status .. "\n") end
  end
end
