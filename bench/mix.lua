-- wrk script: 50% GetItem, 50% PutItem, each on a uniformly random key of the loaded range.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

setup = bench.setup
done = bench.done

function init(args)
    bench.thread_init()
end

function request()
    local key = bench.random_key()
    if math.random() < 0.5 then return bench.get_request(key) end
    return bench.put_request(key)
end
