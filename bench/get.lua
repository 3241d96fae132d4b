-- wrk script: GetItem of uniformly random keys from the loaded range (every key exists).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

setup = bench.setup
done = bench.done

function init(args)
    bench.thread_init()
end

function request()
    return bench.get_request(bench.random_key())
end
