-- wrk script: UpdateItem SET #c = #c + :one (an atomic counter) on uniformly random
-- existing keys.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

setup = bench.setup
done = bench.done

function init(args)
    bench.thread_init()
end

function request()
    return bench.counter_request(bench.random_key())
end
