-- wrk script: load exactly BENCH_ITEMS items, keys BENCH_LOAD_FROM (default 0) onwards, in
-- order, then end the run; BENCH_REQUEST "load" fills the table "bench" ("k<n>"), "load-q" the
-- query table (bench.query_table_put_request), "load-qb" the query table 25 items per
-- BatchWriteItem, "load-mk" the multi-attribute key table (bench.multi_key_put_request).
-- Run it with one wrk thread (-t 1): the key counter lives in that thread.
--
-- wrk has no request count limit, only a duration, so: delay() hands out one key per request
-- and parks a connection once every key is handed out; response() counts the answers and,
-- when all N are in, interrupts wrk (SIGINT ends its run early, as Ctrl-C does, and done()
-- still runs).  The -d given to wrk is only a guard against a stalled server.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

setup = bench.setup
done = bench.done

local PARKED_MS = 3600 * 1000

local first_key = tonumber(os.getenv("BENCH_LOAD_FROM") or "0")
local kind = os.getenv("BENCH_REQUEST")
local step = kind == "load-qb" and 25 or 1 -- items per request
local build = kind == "load-q" and bench.query_table_put_request or bench.put_request
if kind == "load-mk" then build = bench.multi_key_put_request end
if kind == "load-qb" then
    build = function(key)
        local last = first_key + bench.items
        return bench.query_table_batch_request(key, math.min(step, last - key))
    end
end
local requests_needed = math.ceil(bench.items / step)

function init(args)
    bench.thread_init()
    handed_out = 0 -- requests promised to a connection by delay()
    next_key = first_key -- next key request() turns into a PutItem
    answered = 0
end

-- delay() runs before each request() of the same connection, so counting here guarantees
-- that request() never runs out of keys even when several connections are ready at once.
function delay()
    if handed_out >= requests_needed then return PARKED_MS end
    handed_out = handed_out + 1
    return 0
end

-- wrk calls request() once in thread 0 before the run, to check what it returns, and never
-- sends that request: it must not use up a key.
local checked = false

function request()
    if not checked then
        checked = true
        return build(first_key)
    end
    local key = next_key
    next_key = next_key + step
    return build(key)
end

function response(status, headers, body)
    answered = answered + 1
    -- os.execute() ignores SIGINT in wrk until the shell returns, so the shell sends it a
    -- little later, from the background ($PPID is wrk).
    if answered == requests_needed then os.execute("(sleep 0.05; kill -INT $PPID) &") end
end
