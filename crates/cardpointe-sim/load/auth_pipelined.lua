-- wrk script: the auth of auth.lua, 8 requests pipelined per write on each keep-alive
-- connection (HTTP/1.1 pipelining; wrk counts every response).
--   wrk -t2 -c32 -d20s -s crates/cardpointe-sim/load/auth_pipelined.lua http://127.0.0.1:8089
local depth = 8
local body = '{"merchid":"496160873888","account":"4111111111111111","expiry":"1225","amount":"1.00","capture":"y"}'
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Basic dGVzdGluZzp0ZXN0aW5nMTIz",
}

init = function(args)
  local one = wrk.format("PUT", "/cardconnect/rest/auth", headers, body)
  req = string.rep(one, depth)
end

request = function()
  return req
end
