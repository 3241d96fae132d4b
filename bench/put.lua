-- wrk script: PutItem of ~100-byte items with uniformly random keys from the loaded range
-- (each put replaces an existing item, so the table keeps its size across runs).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

setup = bench.setup
done = bench.done

function init(args)
    bench.thread_init()
end

function request()
    return bench.put_request(bench.random_key())
end
