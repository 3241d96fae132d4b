-- wrk script: PutItem with ConditionExpression attribute_exists(pk) on uniformly random
-- existing keys (the condition holds: every write goes through).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

setup = bench.setup
done = bench.done

function init(args)
    bench.thread_init()
end

function request()
    return bench.conditional_put_request(bench.random_key())
end
