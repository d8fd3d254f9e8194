-- wrk script for server_bench.py: every request is a new consent event, as the widget sends it
-- (POST, text/plain JSON body, no cookie), with an event id unique across threads and runs.
-- Arguments (after `--`): <run prefix: 16 hex digits> <page origin> [c15t].
-- With `c15t`, each request is instead what c15t's front-end (npm `c15t` 2.2.1, setConsent)
-- posts to its backend's POST /subjects when a visitor makes a choice: JSON, a new subject
-- per request, 200 its success.
-- done() prints one JSON line, prefixed "WRK_RESULT ", that server_bench.py parses.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local ACTIONS = {
  { "accept_all", "true", "true", "true", "true" },
  { "refuse_all", "false", "false", "false", "false" },
  { "custom", "true", "true", "false", "false" },
}

-- c15t's categories (its consentTypes) and consentAction: all, necessary, custom.
local C15T_ACTIONS = {
  { "all", "true", "true", "true", "true" },
  { "necessary", "false", "false", "false", "false" },
  { "custom", "true", "true", "false", "false" },
}

function init(args)
  prefix = args[1] .. string.format("%04x", thread_id)
  origin = args[2]
  c15t = args[3] == "c15t"
  success = c15t and 200 or 201
  count = 0
  created = 0
  other = 0
  sample = ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = c15t and "application/json" or "text/plain;charset=UTF-8"
  wrk.headers["Origin"] = origin
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) consent-server-bench"
end

-- c15t's subject ids are "sub_" and base58 (its front-end: 20 random bytes, the first 8 a
-- timestamp): our unique id with its zeros, not in base58, as "o".
local function c15t_body(id)
  local a = C15T_ACTIONS[count % 3 + 1]
  return '{"type":"cookie_banner","domain":"' .. string.match(origin, "//([^:/]+)") ..
    '","preferences":{"necessary":true,"functionality":' .. a[2] .. ',"measurement":' .. a[3] ..
    ',"experience":' .. a[4] .. ',"marketing":' .. a[5] .. '},"subjectId":"sub_' ..
    string.gsub(id, "0", "o") .. '","jurisdiction":"GDPR","jurisdictionModel":"opt-in",' ..
    '"givenAt":' .. os.time() .. '000,"uiSource":"banner","consentAction":"' .. a[1] .. '"}'
end

function request()
  count = count + 1
  -- 16 + 4 + 12 digits: decimal digits are hex digits too.
  local id = prefix .. string.format("%012d", count)
  if c15t then
    return wrk.format(nil, nil, nil, c15t_body(id))
  end
  local a = ACTIONS[count % 3 + 1]
  -- One visitor per event: the consent id differs from the event id by its first digit.
  local body = '{"site":"kppay","revision":1,"consent_id":"c' .. string.sub(id, 2) ..
    '","event_id":"' .. id .. '","action":"' .. a[1] ..
    '","choices":{"essential":true,"performance":' .. a[2] .. ',"functionality":' .. a[3] ..
    ',"targeting":' .. a[4] .. ',"social":' .. a[5] ..
    '},"language":"fr","page_url":"' .. origin .. '/","gpc":false,' ..
    '"client_time":"2026-11-25T09:00:00.000Z"}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == success then
    created = created + 1
  else
    other = other + 1
    if sample == "" then sample = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local created_all, other_all, samples = 0, 0, ""
  for _, thread in ipairs(threads) do
    created_all = created_all + thread:get("created")
    other_all = other_all + thread:get("other")
    local s = thread:get("sample")
    if s ~= "" and samples == "" then samples = s end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"created":%d,"other":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"sample":"%s"}\n',
    summary.requests, summary.duration, created_all, other_all,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, (samples:gsub('[%c"\\]', " "))))
end
