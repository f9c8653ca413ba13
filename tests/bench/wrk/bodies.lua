-- wrk script for the registry benchmark (tests/bench/run.sh): keep-alive
-- POST of request bodies prepared by bench.py, one per line of a file.
--
--   wrk ... -s bodies.lua URL -- FILE [ORDER] [DELAY_MS] [FIRST]
--
-- ORDER "random" (default) picks a random line for every request; "cycle"
-- walks the lines in order, starting at line FIRST (default 1), and starts
-- over at the end. DELAY_MS (default 0) makes every connection wait that long
-- on average before each request, so that C connections send about
-- C * 1000 / DELAY_MS requests per second (the fleet's steady rate) instead of
-- as many as they can.
-- It drives etcd's own gateway (lease keepalive, prefix range) with the same
-- client that drives the registry, and the fleet's pings.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local bodies = {}
local order = "random"
local delay_ms = 0
local next_line = 1

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open " .. tostring(args[1]))
  for line in file:lines() do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  file:close()
  assert(#bodies > 0, "no request bodies in " .. args[1])
  order = args[2] or "random"
  delay_ms = tonumber(args[3] or "0")
  next_line = tonumber(args[4] or "1")
  if next_line < 1 or next_line > #bodies then next_line = 1 end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

-- Uniform in [0, 2 * DELAY_MS]: the mean is DELAY_MS, and connections that
-- all started at once do not go on sending in step (bursts of C requests).
function delay()
  if delay_ms <= 0 then return 0 end
  return math.random() * 2 * delay_ms
end

function request()
  local body
  if order == "cycle" then
    body = bodies[next_line]
    next_line = next_line % #bodies + 1
  else
    body = bodies[math.random(1, #bodies)]
  end
  return wrk.format(nil, nil, nil, body)
end

-- One machine-readable line for bench.py, as rpc.lua writes it.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50=%d p99=%d max=%d requests=%d timeouts=%d " ..
                         "connect=%d read=%d write=%d status=%d\n",
                         summary.requests / (summary.duration / 1e6),
                         latency:percentile(50), latency:percentile(99), latency.max,
                         summary.requests, e.timeout, e.connect, e.read, e.write, e.status))
end
