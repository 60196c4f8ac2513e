-- wrk script for bench/signing.py. Arguments (after "--"): a file of personal links,
-- one per line as "token sha256" (the SHA-256 of the text that link's signing page
-- shows, which the form sends back), a file with the rest of the form body (CSRF
-- token, consent, the drawn PNG as a data URL, the text format, ending in
-- "text_sha256="), and the mode:
--   sign     POST /t/<token>/            — every request a different link
--   floor    POST /bench/floor/<token>/  — the floor view, same body
--   page     GET  /t/<token>/            — warm-up, signs nothing
--   journey  GET page, POST, GET confirmation, GET the PDF poll — interleaved with a
--            lag so that each signer's later steps go out after the earlier answered.
-- done() prints one JSON line: requests, statuses, latency percentiles (µs), exhausted.
local tokens, hashes, body, mode, csrf, lag = {}, {}, nil, nil, nil, 64
n, statuses, exhausted = 0, {}, 0  -- globals: done() reads them with thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local token, sha = line:match("^(%S+) (%S+)$")
    tokens[#tokens + 1] = token
    hashes[#hashes + 1] = sha
  end
  local f = io.open(args[2], "rb")
  body = f:read("*a")
  f:close()
  mode = args[3]
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1000000))
  csrf = args[4]
  wrk.headers["Cookie"] = "csrftoken=" .. csrf
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["X-Forwarded-Proto"] = "https"
  wrk.headers["X-Forwarded-For"] = "203.0.113.7"
  wrk.headers["Referer"] = "https://" .. wrk.host .. ":" .. wrk.port .. "/"
  wrk.headers["User-Agent"] = "Mozilla/5.0 (Linux; Android 14) bench-signing"
end

-- What the signing page adds to each submit: an id minted on the device (a random UUID)
-- and the device's clock in milliseconds.
local function submission()
  local r = math.random
  local id = string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    r(0, 65535), r(0, 65535), r(0, 65535), r(0, 4095), r(32768, 49151), r(0, 65535), r(0, 65535), r(0, 65535))
  return "&submission_id=" .. id .. "&claimed_ms=" .. string.format("%d", os.time() * 1000)
end

local function index_of(i)
  if i > #tokens then
    exhausted = exhausted + 1
    i = (i - 1) % #tokens + 1
  end
  return i
end

local function token_at(i)
  return tokens[index_of(i)]
end

request = function()
  n = n + 1
  if mode == "sign" or mode == "floor" then
    local i = index_of(n)
    local path = mode == "sign" and "/t/" or "/bench/floor/"
    return wrk.format("POST", path .. tokens[i] .. "/", nil, body .. hashes[i] .. submission())
  elseif mode == "page" then
    return wrk.format("GET", "/t/" .. token_at(n) .. "/")
  end
  -- journey: request n is step (n-1)%4 of signer ((n-1)//4 + 1 - step*lag)
  local step = (n - 1) % 4
  local signer = math.floor((n - 1) / 4) + 1 - step * lag
  if signer < 1 then
    return wrk.format("GET", "/t/" .. token_at(math.floor((n - 1) / 4) + 1) .. "/")
  end
  local i = index_of(signer)
  local token = tokens[i]
  if step == 0 then
    return wrk.format("GET", "/t/" .. token .. "/")
  elseif step == 1 then
    return wrk.format("POST", "/t/" .. token .. "/", nil, body .. hashes[i] .. submission())
  elseif step == 2 then
    return wrk.format("GET", "/t/" .. token .. "/")
  end
  return wrk.format("GET", "/t/" .. token .. "/pdf")
end

response = function(status, headers, resp_body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged, gone = {}, 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for key, value in pairs(counts) do merged[key] = (merged[key] or 0) + value end
    gone = gone + thread:get("exhausted")
  end
  local parts = {}
  for key, value in pairs(merged) do parts[#parts + 1] = string.format('"%s": %d', key, value) end
  io.write(string.format(
    'WRK-JSON {"requests": %d, "seconds": %.3f, "socket_errors": %d, "statuses": {%s}, ' ..
    '"p50": %d, "p95": %d, "p99": %d, "max": %d, "exhausted": %d}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", "),
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, gone))
end
