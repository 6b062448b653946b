-- wrk script: each request is one complete, valid, anonymous response to the survey (NPS, CSAT, a choice and a
-- comment), POSTed to the public endpoint /s/{token}/responses. Counts the answers the app accepted (201) and the
-- others by status, so the runner can compare "accepted" with the rows stored.
-- usage: SURVEY_TOKEN=… wrk -t2 -c16 -d30s -s responses.lua http://127.0.0.1:5120
local token = os.getenv("SURVEY_TOKEN")
local counter = 0
local threads = {}
local comments = { "Quick delivery, friendly staff.", "The parcel was late again.", "Fine overall.", "Too expensive for what it is.", "Love the new app!" }

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  accepted = 0
  rejected = {}
  counter = math.random(1, 1000000)
end

function request()
  counter = counter + 1
  local nps = counter % 11
  local csat = 1 + counter % 5
  local comment = comments[1 + counter % #comments]
  local body = string.format('{"answers":{"nps":%d,"csat":%d,"liked":["speed"],"comment":"%s #%d"},"complete":true,"touchpoint":"load-test","channel":"web"}', nps, csat, comment, counter)
  return wrk.format("POST", "/s/" .. token .. "/responses", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 201 then
    accepted = accepted + 1
  else
    rejected[status] = (rejected[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  local others = ""
  for _, thread in ipairs(threads) do
    total = total + thread:get("accepted")
    local r = thread:get("rejected")
    for status, n in pairs(r) do
      others = others .. string.format(" %d×%d", status, n)
    end
  end
  io.write(string.format("ACCEPTED %d\n", total))
  io.write(string.format("REJECTED%s\n", others == "" and " none" or others))
  io.write(string.format("accepted per second: %.0f\n", total / (summary.duration / 1e6)))
end
