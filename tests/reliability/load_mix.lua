-- wrk script for tests/reliability/test_load.py: a reader-like mix against one server.
--
--   wrk -t2 -c50 -d60s -s load_mix.lua http://127.0.0.1:PORT -- SCENARIO "ACTIONS" VARIANTS
--
-- Of every 10 requests: 5 POST /api/run (ACTIONS, then `set ebx N` as the 20th action, N cycling
-- through VARIANTS values per thread, so the server's response memo keeps missing while its bounded
-- caches still reach a steady state), 3 chapter pages, 2 GET /healthz.
-- done() prints one "STATUS <code> <count>" line per status code seen, summed over the threads.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  scenario = args[1] or "g033-irq-enable-quiet"
  actions = args[2] or "step"
  variants = tonumber(args[3] or "300")
  n = 0
  statuses = {}
end

local pages = {"/chapters/G-020", "/chapters/G-033", "/chapters/G-045", "/chapters/G-055", "/chapters/M-004"}
local json_header = {["Content-Type"] = "application/json"}

function request()
  n = n + 1
  local k = n % 10
  if k < 5 then
    local value = id * variants + (n % variants)
    local body = '{"scenario":"' .. scenario .. '","actions":"' .. actions .. '; set ebx ' .. value .. '"}'
    return wrk.format("POST", "/api/run", json_header, body)
  elseif k < 8 then
    return wrk.format("GET", pages[(n % #pages) + 1])
  else
    return wrk.format("GET", "/healthz")
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do
      total[code] = (total[code] or 0) + count
    end
  end
  for code, count in pairs(total) do
    io.write(string.format("STATUS %d %d\n", code, count))
  end
end
