-- Shared by the wrk scripts of the benchmark: request building for the `bench` table
-- (hash key pk S), the per-thread random seed, and the done() hook that prints one
-- machine-readable RESULT line per run for scripts/bench.sh to collect.
--
-- Settings come from the environment (set by scripts/bench.sh):
--   BENCH_ITEMS     keys are "k0" .. "k<BENCH_ITEMS-1>"
--   BENCH_TABLE     the table of the single-item and batch requests (default "bench")
--   BENCH_EXPIRES   when set, items carry "exp": this Number (the TTL attribute)
--   BENCH_WORKLOAD  label printed in the RESULT line
--   BENCH_CONNS     connection count, printed in the RESULT line

local M = {}

M.items = tonumber(os.getenv("BENCH_ITEMS") or "100000")
M.workload = os.getenv("BENCH_WORKLOAD") or "unnamed"
M.conns = os.getenv("BENCH_CONNS") or "?"
M.table = os.getenv("BENCH_TABLE") or "bench"
local expires = os.getenv("BENCH_EXPIRES")
local exp_attr = expires and (',"exp":{"N":"' .. expires .. '"}') or ""

local auth = "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
    .. "SignedHeaders=host, Signature=0"

-- Everything of a request but its length and body, so that request() only concatenates.
local function request_head(op)
    local host = wrk.host
    if wrk.port then host = host .. ":" .. wrk.port end
    return "POST / HTTP/1.1\r\n"
        .. "Host: " .. host .. "\r\n"
        .. "Content-Type: application/x-amz-json-1.0\r\n"
        .. "X-Amz-Target: DynamoDB_20120810." .. op .. "\r\n"
        .. "Authorization: " .. auth .. "\r\n"
        .. "Content-Length: "
end

local put_head, get_head, update_head, query_head, bwrite_head, bget_head, transact_head
local statement_head
local payload_pool -- 144 random letters; each item takes a 72-letter window of it

-- Called from each thread's init(): the threads must not share a random sequence.
function M.thread_init()
    local index = thread_index or 0
    math.randomseed(os.time() * 1000 + index * 7919 + math.floor(os.clock() * 1e6))
    put_head = request_head("PutItem")
    get_head = request_head("GetItem")
    update_head = request_head("UpdateItem")
    query_head = request_head("Query")
    bwrite_head = request_head("BatchWriteItem")
    bget_head = request_head("BatchGetItem")
    transact_head = request_head("TransactWriteItems")
    statement_head = request_head("ExecuteStatement")
    local letters = {}
    for i = 1, 144 do letters[i] = string.char(97 + math.random(0, 25)) end
    payload_pool = table.concat(letters)
end

function M.random_key()
    return math.random(0, M.items - 1)
end

-- An item of about 100 bytes as DynamoDB sizes it: pk (8) + ts (~7) + payload (79) + flag (5)
-- + c (3), the counter the UpdateItem workload increments.  `extra` is appended to the request
-- (e.g. a condition).
function M.put_request(key, extra)
    local off = math.random(1, 73)
    local body = '{"TableName":"' .. M.table .. '","Item":{"pk":{"S":"k' .. key
        .. '"},"ts":{"N":"' .. math.random(100000, 999999)
        .. '"},"payload":{"S":"' .. payload_pool:sub(off, off + 71)
        .. '"},"flag":{"BOOL":true},"c":{"N":"0"}' .. exp_attr .. '}' .. (extra or "") .. '}'
    return put_head .. #body .. "\r\n\r\n" .. body
end

-- The query table "benchq": item n is sort key n % 10 of partition p<n / 10>, and the GSI byG
-- groups the same ten items under g<n / 10>.
function M.query_table_put_request(key)
    local off = math.random(1, 73)
    local part = math.floor(key / 10)
    local body = '{"TableName":"benchq","Item":{"pk":{"S":"p' .. part .. '"},"sk":{"N":"'
        .. (key % 10) .. '"},"g":{"S":"g' .. part .. '"},"payload":{"S":"'
        .. payload_pool:sub(off, off + 71) .. '"}}}'
    return put_head .. #body .. "\r\n\r\n" .. body
end

-- BatchWriteItem of the query table's items first .. first + n - 1 (the fast loader).
function M.query_table_batch_request(first, n)
    local parts = {}
    for i = 0, n - 1 do
        local key = first + i
        local off = math.random(1, 73)
        local part = math.floor(key / 10)
        parts[#parts + 1] = '{"PutRequest":{"Item":{"pk":{"S":"p' .. part .. '"},"sk":{"N":"'
            .. (key % 10) .. '"},"g":{"S":"g' .. part .. '"},"payload":{"S":"'
            .. payload_pool:sub(off, off + 71) .. '"}}}}'
    end
    local body = '{"RequestItems":{"benchq":[' .. table.concat(parts, ",") .. ']}}'
    return bwrite_head .. #body .. "\r\n\r\n" .. body
end

-- Query of one random partition's ten items (forward, reverse, or through the GSI).
function M.query_request(forward, by_index)
    local part = math.random(0, math.floor(M.items / 10) - 1)
    local body
    if by_index then
        body = '{"TableName":"benchq","IndexName":"byG","KeyConditionExpression":"g = :g",'
            .. '"ExpressionAttributeValues":{":g":{"S":"g' .. part .. '"}}}'
    else
        body = '{"TableName":"benchq","KeyConditionExpression":"pk = :p",'
            .. '"ExpressionAttributeValues":{":p":{"S":"p' .. part .. '"}},'
            .. '"ScanIndexForward":' .. (forward and "true" or "false") .. '}'
    end
    return query_head .. #body .. "\r\n\r\n" .. body
end

-- The multi-attribute key table "benchmk": item n belongs to group n / 10, with sort value
-- n % 10.  GSI bySingle keys the group as g (HASH) and sk (RANGE); GSI byMulti keys the same
-- group as t (S), r (N), c (S) (HASH) and the sort value as d = sk / 5 (N), e = sk (N)
-- (RANGE): both indexes hold the same ten items per partition in the same order.
function M.multi_key_put_request(key)
    local off = math.random(1, 73)
    local part, s = math.floor(key / 10), key % 10
    local body = '{"TableName":"benchmk","Item":{"pk":{"S":"m' .. key .. '"},"g":{"S":"g' .. part
        .. '"},"sk":{"N":"' .. s .. '"},"t":{"S":"t' .. part .. '"},"r":{"N":"' .. (part % 1000)
        .. '"},"c":{"S":"c' .. (part % 7) .. '"},"d":{"N":"' .. math.floor(s / 5)
        .. '"},"e":{"N":"' .. s .. '"},"payload":{"S":"' .. payload_pool:sub(off, off + 71)
        .. '"}}}'
    return put_head .. #body .. "\r\n\r\n" .. body
end

-- Query of one random group's ten items through byMulti (multi) or bySingle.
function M.multi_key_query_request(multi)
    local part = math.random(0, math.floor(M.items / 10) - 1)
    local body
    if multi then
        body = '{"TableName":"benchmk","IndexName":"byMulti",'
            .. '"KeyConditionExpression":"t = :t AND r = :r AND c = :c",'
            .. '"ExpressionAttributeValues":{":t":{"S":"t' .. part .. '"},":r":{"N":"'
            .. (part % 1000) .. '"},":c":{"S":"c' .. (part % 7) .. '"}}}'
    else
        body = '{"TableName":"benchmk","IndexName":"bySingle","KeyConditionExpression":"g = :g",'
            .. '"ExpressionAttributeValues":{":g":{"S":"g' .. part .. '"}}}'
    end
    return query_head .. #body .. "\r\n\r\n" .. body
end

-- GetItem of one random item of the query table.
function M.query_table_get_request(key)
    local body = '{"TableName":"benchq","Key":{"pk":{"S":"p' .. math.floor(key / 10)
        .. '"},"sk":{"N":"' .. (key % 10) .. '"}}}'
    return get_head .. #body .. "\r\n\r\n" .. body
end

-- n distinct random keys of the loaded range.
local function distinct_keys(n)
    local keys, seen = {}, {}
    while #keys < n do
        local k = M.random_key()
        if not seen[k] then
            seen[k] = true
            keys[#keys + 1] = k
        end
    end
    return keys
end

-- BatchWriteItem of 25 ~100-byte items (replacing existing ones).
function M.batch_write_request()
    local parts = {}
    for i, k in ipairs(distinct_keys(25)) do
        local off = math.random(1, 73)
        parts[i] = '{"PutRequest":{"Item":{"pk":{"S":"k' .. k .. '"},"ts":{"N":"'
            .. math.random(100000, 999999) .. '"},"payload":{"S":"'
            .. payload_pool:sub(off, off + 71) .. '"},"flag":{"BOOL":true},"c":{"N":"0"}}}}'
    end
    local body = '{"RequestItems":{"' .. M.table .. '":[' .. table.concat(parts, ",") .. ']}}'
    return bwrite_head .. #body .. "\r\n\r\n" .. body
end

-- BatchGetItem of 100 existing keys.
function M.batch_get_request()
    local parts = {}
    for i, k in ipairs(distinct_keys(100)) do parts[i] = '{"pk":{"S":"k' .. k .. '"}}' end
    local body = '{"RequestItems":{"' .. M.table .. '":{"Keys":[' .. table.concat(parts, ",")
        .. ']}}}'
    return bget_head .. #body .. "\r\n\r\n" .. body
end

-- A two-item TransactWriteItems transfer: c - 1 on one item, c + 1 on another, each
-- conditional on the item existing (the counters start at 0 and may go negative).
function M.transfer_request()
    local k = distinct_keys(2)
    local function update(key, op)
        return '{"Update":{"TableName":"' .. M.table .. '","Key":{"pk":{"S":"k' .. key .. '"}},'
            .. '"UpdateExpression":"SET #c = #c ' .. op .. ' :one",'
            .. '"ConditionExpression":"attribute_exists(pk)",'
            .. '"ExpressionAttributeNames":{"#c":"c"},'
            .. '"ExpressionAttributeValues":{":one":{"N":"1"}}}}'
    end
    local body = '{"TransactItems":[' .. update(k[1], "-") .. ',' .. update(k[2], "+") .. ']}'
    return transact_head .. #body .. "\r\n\r\n" .. body
end

-- A PutItem that only replaces an existing item (every key of the range exists).
function M.conditional_put_request(key)
    return M.put_request(key, ',"ConditionExpression":"attribute_exists(pk)"')
end

-- An atomic counter: UpdateItem SET #c = #c + :one.
function M.counter_request(key)
    local body = '{"TableName":"' .. M.table .. '","Key":{"pk":{"S":"k' .. key .. '"}},'
        .. '"UpdateExpression":"SET #c = #c + :one","ExpressionAttributeNames":{"#c":"c"},'
        .. '"ExpressionAttributeValues":{":one":{"N":"1"}}}'
    return update_head .. #body .. "\r\n\r\n" .. body
end

function M.get_request(key)
    local body = '{"TableName":"' .. M.table .. '","Key":{"pk":{"S":"k' .. key .. '"}}}'
    return get_head .. #body .. "\r\n\r\n" .. body
end

-- The GetItem of get_request as PartiQL: SELECT by the whole key.
function M.statement_get_request(key)
    local body = '{"Statement":"SELECT * FROM \\"' .. M.table .. '\\" WHERE pk = \'k' .. key
        .. '\'"}'
    return statement_head .. #body .. "\r\n\r\n" .. body
end

-- setup() runs in the main Lua state, once per thread, before the threads start.
local thread_count = 0
function M.setup(thread)
    thread:set("thread_index", thread_count)
    thread_count = thread_count + 1
end

-- One RESULT line; ops_per_s counts successful (2xx/3xx) responses only, and every kind of
-- wrk error is printed so a run with failures cannot pass for a fast one.
function M.done(summary, latency, requests)
    local e = summary.errors
    local seconds = summary.duration / 1e6
    local ok = summary.requests - e.status
    io.write(string.format(
        "RESULT workload=%s conns=%s seconds=%.2f requests=%d ops_per_s=%.0f "
        .. "p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.0f "
        .. "errors_status=%d errors_timeout=%d errors_connect=%d errors_read=%d errors_write=%d\n",
        M.workload, M.conns, seconds, summary.requests, ok / seconds,
        latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency:percentile(99.9), latency.max, latency.mean,
        e.status, e.timeout, e.connect, e.read, e.write))
end

return M
