-- wrk script for every steady-state workload; BENCH_REQUEST picks the requests, each on a
-- uniformly random key of the loaded range (every key exists):
--   put      PutItem of a ~100-byte item (replaces an existing one: the table keeps its size)
--   get      GetItem
--   pql-get  ExecuteStatement SELECT * FROM "bench" WHERE pk = 'k<n>' (the same read)
--   mix      50% GetItem, 50% PutItem
--   counter  UpdateItem SET #c = #c + :one (an atomic counter)
--   cput     PutItem with ConditionExpression attribute_exists(pk) (the condition holds)
--   query, query-rev, query-gsi   Query of one partition's 10 items of the query table
--   get-q    GetItem on the query table; put-q  PutItem replacing one of its items
--   query-mk, query-sk   Query of one group's 10 items of the multi-attribute key table,
--            through its GSI with a multi-attribute key, or through its single-attribute GSI
--   bwrite   BatchWriteItem of 25 items; bget BatchGetItem of 100 keys
--   transfer TransactWriteItems of two conditional counter updates
--   signed   the requests of the file BENCH_SIGNED (written by sign_requests.py: each
--            followed by a NUL), in turn, each thread from its own place
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local builders = {
    put = bench.put_request,
    get = bench.get_request,
    ["pql-get"] = bench.statement_get_request,
    counter = bench.counter_request,
    cput = bench.conditional_put_request,
    query = function() return bench.query_request(true, false) end,
    ["query-rev"] = function() return bench.query_request(false, false) end,
    ["query-gsi"] = function() return bench.query_request(true, true) end,
    ["query-mk"] = function() return bench.multi_key_query_request(true) end,
    ["query-sk"] = function() return bench.multi_key_query_request(false) end,
    ["get-q"] = bench.query_table_get_request,
    ["put-q"] = bench.query_table_put_request,
    bwrite = function() return bench.batch_write_request() end,
    bget = function() return bench.batch_get_request() end,
    transfer = function() return bench.transfer_request() end,
    mix = function(key)
        if math.random() < 0.5 then return bench.get_request(key) end
        return bench.put_request(key)
    end,
}
-- Requests signed ahead of time: wrk's Lua cannot compute an HMAC.
local signed, next_signed = {}, 1
builders.signed = function()
    local r = signed[next_signed]
    next_signed = next_signed % #signed + 1
    return r
end

local kind = os.getenv("BENCH_REQUEST") or "get"
local build = builders[kind] or error("unknown BENCH_REQUEST: " .. kind)

setup = bench.setup
done = bench.done

-- BENCH_DELAY_MS: each connection pauses that long after every answer (a paced load, whose
-- latencies are a request's rather than a queue's); unset, it sends again at once.
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause and pause > 0 then
    function delay() return pause end
end

function init(args)
    bench.thread_init()
    if kind == "signed" then
        local f = assert(io.open(os.getenv("BENCH_SIGNED") or "", "rb"))
        local all = f:read("*a")
        f:close()
        for r in all:gmatch("([^%z]+)%z") do signed[#signed + 1] = r end
        assert(#signed > 0, "no signed requests")
        next_signed = (thread_index or 0) * 997 % #signed + 1
    end
end

function request()
    return build(bench.random_key())
end
