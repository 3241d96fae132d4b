/* ops/streams: ListStreams, DescribeStream, GetShardIterator, GetRecords.
 *
 * Each validates its members as the service model constrains them, then
 * asks streams.h, which reads the stream metadata and, for iterators and
 * records, the change log in this thread's read snapshot. */
#include <string.h>

#include "ops/ops.h"
#include "streams.h"
#include "wire.h"

#define ARN_MIN 37
#define ARN_MAX 1024
#define SHARD_ID_MIN 28
#define SHARD_ID_MAX 65
#define SEQUENCE_MIN 21
#define SEQUENCE_MAX 40
#define ITERATOR_MAX 2048
#define LIST_LIMIT_MAX 100
#define SHARDS_LIMIT_MAX 100
#define RECORDS_LIMIT_MAX 1000

/* An optional string member with its length constraint. */
static ddb_error_t *read_string(arena_t *a, const json_value_t *req, const char *name,
                                const char *path, size_t min, size_t max, bool required,
                                constraint_list_t *cl, const char **out)
{
    ddb_error_t *e = NULL;
    size_t len = 0;
    *out = NULL;
    if (wire_string(a, req, name, out, &len, &e))
        constraint_length(cl, *out, len, min, max, "%s", path);
    else if (!e && required)
        constraint_required(cl, false, "%s", path);
    return e;
}

/* An optional Limit in 1..max; *limit keeps its default when absent. */
static ddb_error_t *read_limit(arena_t *a, const json_value_t *req, int64_t max,
                               constraint_list_t *cl, int64_t *limit)
{
    ddb_error_t *e = NULL;
    int64_t v;
    if (wire_integer(a, req, "Limit", &v, &e)) {
        constraint_range(cl, v, 1, max, "limit");
        *limit = v;
    }
    return e;
}

api_result_t op_list_streams(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *table = NULL, *after = NULL;
    int64_t limit = LIST_LIMIT_MAX;
    ddb_error_t *e = NULL;
    wire_string(a, req, "TableName", &table, NULL, &e);
    if (!e && table) constraint_name(&cl, table, "tableName");
    if (!e) e = read_limit(a, req, LIST_LIMIT_MAX, &cl, &limit);
    if (!e) e = read_string(a, req, "ExclusiveStartStreamArn", "exclusiveStartStreamArn", ARN_MIN,
                            ARN_MAX, false, &cl, &after);
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    if ((e = streams_list(a, table, after, limit, call->out))) return op_reply_error(call, e);
    return op_reply_ok(call);
}

api_result_t op_describe_stream(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *arn, *after, *filter_type = NULL, *child_of = NULL;
    int64_t limit = SHARDS_LIMIT_MAX;
    ddb_error_t *e = read_string(a, req, "StreamArn", "streamArn", ARN_MIN, ARN_MAX, true, &cl,
                                 &arn);
    if (!e) e = read_limit(a, req, SHARDS_LIMIT_MAX, &cl, &limit);
    if (!e)
        e = read_string(a, req, "ExclusiveStartShardId", "exclusiveStartShardId", SHARD_ID_MIN,
                        SHARD_ID_MAX, false, &cl, &after);
    const json_value_t *filter = e ? NULL : wire_container(a, req, "ShardFilter", WIRE_STRUCT, &e);
    if (!e && filter) {
        wire_string(a, filter, "Type", &filter_type, NULL, &e);
        if (!e && constraint_required(&cl, filter_type != NULL, "shardFilter.type"))
            constraint_enum(&cl, filter_type, &ENUM_SHARD_FILTER_TYPE, "shardFilter.type");
        if (!e)
            e = read_string(a, filter, "ShardId", "shardFilter.shardId", SHARD_ID_MIN,
                            SHARD_ID_MAX, true, &cl, &child_of);
    }
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    if ((e = streams_describe(a, arn, after, limit, child_of, call->out)))
        return op_reply_error(call, e);
    return op_reply_ok(call);
}

api_result_t op_get_shard_iterator(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *arn, *shard, *type = NULL, *sequence;
    ddb_error_t *e = read_string(a, req, "StreamArn", "streamArn", ARN_MIN, ARN_MAX, true, &cl,
                                 &arn);
    if (!e)
        e = read_string(a, req, "ShardId", "shardId", SHARD_ID_MIN, SHARD_ID_MAX, true, &cl,
                        &shard);
    if (!e) wire_string(a, req, "ShardIteratorType", &type, NULL, &e);
    if (!e && constraint_required(&cl, type != NULL, "shardIteratorType"))
        constraint_enum(&cl, type, &ENUM_SHARD_ITERATOR_TYPE, "shardIteratorType");
    if (!e)
        e = read_string(a, req, "SequenceNumber", "sequenceNumber", SEQUENCE_MIN, SEQUENCE_MAX,
                        false, &cl, &sequence);
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    MDB_txn *txn = op_read_begin(call);
    if (!txn) return op_reply_error(call, err_internal(a));
    e = streams_iterator(a, txn, arn, shard, type, sequence, call->out);
    op_read_end(call, txn);
    if (e) return op_reply_error(call, e);
    return op_reply_ok(call);
}

api_result_t op_get_records(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *iterator;
    int64_t limit = RECORDS_LIMIT_MAX;
    ddb_error_t *e = read_string(a, req, "ShardIterator", "shardIterator", 1, ITERATOR_MAX, true,
                                 &cl, &iterator);
    if (!e) e = read_limit(a, req, RECORDS_LIMIT_MAX, &cl, &limit);
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    MDB_txn *txn = op_read_begin(call);
    if (!txn) return op_reply_error(call, err_internal(a));
    e = streams_get_records(a, txn, iterator, limit, call->out);
    op_read_end(call, txn);
    if (e) return op_reply_error(call, e);
    return op_reply_ok(call);
}
