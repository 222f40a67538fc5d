-- wrk script: keep-alive PUT /cardconnect/rest/auth with a UAT test card.
--   cardpointe-sim --plain --listen 127.0.0.1:8089 --quiet &
--   wrk -t2 -c64 -d20s -s crates/cardpointe-sim/load/auth.lua http://127.0.0.1:8089
wrk.method = "PUT"
wrk.path = "/cardconnect/rest/auth"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic dGVzdGluZzp0ZXN0aW5nMTIz"
wrk.body = '{"merchid":"496160873888","account":"4111111111111111","expiry":"1225","amount":"1.00","capture":"y"}'

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("requests: %d, non-2xx/3xx: %d\n", summary.requests, summary.errors.status))
end
