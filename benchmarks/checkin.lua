-- wrk script for benchmarks/checkin.py: POST /api/v1/checkins with a Bearer token,
-- a random card per request (so "new" and "duplicate" both occur) and a fresh
-- idempotency key. Reads WRK_TOKEN, WRK_CENTRE and WRK_CODES (a file, one code a
-- line) from the environment. Run: wrk -s benchmarks/checkin.lua URL
local token = os.getenv("WRK_TOKEN")
local centre = os.getenv("WRK_CENTRE")
local codes = {}
for line in io.lines(os.getenv("WRK_CODES")) do
  codes[#codes + 1] = line
end
local path = "/api/v1/checkins"
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. token,
}

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (number or 0))
end

local function hex16()
  return string.format("%04x", math.random(0, 0xffff))
end

local function uuid4()
  return hex16() .. hex16() .. "-" .. hex16() .. "-4" .. string.sub(hex16(), 2)
    .. "-" .. string.format("%04x", math.random(0x8000, 0xbfff)) .. "-"
    .. hex16() .. hex16() .. hex16()
end

function request()
  local body = '{"centre":"' .. centre .. '","code":"' .. codes[math.random(#codes)]
    .. '","idempotency_key":"' .. uuid4() .. '"}'
  return wrk.format("POST", path, headers, body)
end
