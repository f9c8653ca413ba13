-- wrk script for the registry benchmark (tests/bench/run.sh): keep-alive
-- POST /api, one JSON-RPC call per request.
--
--   wrk ... -s rpc.lua http://127.0.0.1:PORT/api -- MODE N
--
-- N instances named svc.K.J (K = k // 10, J = k % 10, port 10000 + k % 50000)
-- are expected to be registered (load_instances.py does that). MODE:
--   ping    renews a random one of the N instances
--   locate  locate_service("svc.K.*") for a random K: ten instances, found
--           through the literal prefix "svc.K."
--   mixed   90% locate, 10% ping
-- nginx is driven with the same script, so both sides see the same load.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local mode = "ping"
local count = 100
local n = 0

function init(args)
  mode = args[1] or "ping"
  count = tonumber(args[2] or "100")
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

local function ping()
  local k = math.random(0, count - 1)
  return '{"jsonrpc":"2.0","method":"ping","params":{"name":"svc.' .. math.floor(k / 10) ..
         '.' .. (k % 10) .. '","host":"127.0.0.1","port":' .. (10000 + k % 50000) .. '},"id":1}'
end

local function locate()
  local k = math.random(0, math.max(1, math.floor(count / 10)) - 1)
  return '{"jsonrpc":"2.0","method":"locate_service","params":["svc.' .. k .. '.*"],"id":1}'
end

function request()
  local body
  if mode == "ping" then
    body = ping()
  elseif mode == "locate" then
    body = locate()
  else
    n = n + 1
    if n % 10 == 0 then body = ping() else body = locate() end
  end
  return wrk.format(nil, nil, nil, body)
end

-- One machine-readable line for run.sh: requests/s, p50, p99 and max in
-- microseconds, and the error counts.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50=%d p99=%d max=%d requests=%d timeouts=%d " ..
                         "connect=%d read=%d write=%d status=%d\n",
                         summary.requests / (summary.duration / 1e6),
                         latency:percentile(50), latency:percentile(99), latency.max,
                         summary.requests, e.timeout, e.connect, e.read, e.write, e.status))
end
