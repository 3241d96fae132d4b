/* api: header checks, the operation table and the shared reply helpers;
 * see api.h. */
#include "api.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arn.h"
#include "auth.h"
#include "backup.h"
#include "export.h"
#include "import.h"
#include "pitr.h"
#include "replication.h"
#include "capacity.h"
#include "catalog.h"
#include "cluster.h"
#include "index.h"
#include "insights.h"
#include "janitor.h"
#include "log.h"
#include "metrics.h"
#include "ops/ops.h"
#include "storage.h"
#include "stats.h"
#include "streams.h"
#include "throttle.h"
#include "wire.h"

#define TARGET_PREFIX "DynamoDB_20120810."
#define STREAMS_PREFIX "DynamoDBStreams_20120810."

/* The operation table: X-Amz-Target -> the request's declared shape and
 * the handler. */
typedef struct {
    const char *target; /* prefix and name */
    size_t target_len;
    size_t name_at; /* where the name starts */
    const wire_shape_t *shape;
    op_handler_t handler;
    /* The body is bytes (Content-Type OPERATION_BYTES_TYPE), read by the
     * handler itself (call->body), not JSON: its req is an empty object. */
    bool bytes;
} operation_t;

#define OPERATION(prefix, name, shape, handler)                                                    \
    {prefix name, sizeof prefix name - 1, sizeof prefix - 1, shape, handler, false}
#define OPERATION_BYTES(prefix, name, handler)                                                     \
    {prefix name, sizeof prefix name - 1, sizeof prefix - 1, &WIRE_REQUEST_EMPTY, handler, true}
#define OPERATION_BYTES_TYPE REPLICATION_RECORDS_TYPE /* (the only such call) */

static const operation_t operations[] = {
    OPERATION(TARGET_PREFIX, "CreateTable", &WIRE_REQUEST_CREATE_TABLE, op_create_table),
    OPERATION(TARGET_PREFIX, "DeleteTable", &WIRE_REQUEST_TABLE_NAME, op_delete_table),
    OPERATION(TARGET_PREFIX, "DescribeTable", &WIRE_REQUEST_TABLE_NAME, op_describe_table),
    OPERATION(TARGET_PREFIX, "ListTables", &WIRE_REQUEST_LIST_TABLES, op_list_tables),
    OPERATION(TARGET_PREFIX, "UpdateTable", &WIRE_REQUEST_UPDATE_TABLE, op_update_table),
    OPERATION(TARGET_PREFIX, "PutItem", &WIRE_REQUEST_PUT_ITEM, op_put_item),
    OPERATION(TARGET_PREFIX, "GetItem", &WIRE_REQUEST_GET_ITEM, op_get_item),
    OPERATION(TARGET_PREFIX, "DeleteItem", &WIRE_REQUEST_DELETE_ITEM, op_delete_item),
    OPERATION(TARGET_PREFIX, "UpdateItem", &WIRE_REQUEST_UPDATE_ITEM, op_update_item),
    OPERATION(TARGET_PREFIX, "BatchGetItem", &WIRE_REQUEST_BATCH_GET_ITEM, op_batch_get_item),
    OPERATION(TARGET_PREFIX, "BatchWriteItem", &WIRE_REQUEST_BATCH_WRITE_ITEM, op_batch_write_item),
    OPERATION(TARGET_PREFIX, "TransactWriteItems", &WIRE_REQUEST_TRANSACT_WRITE_ITEMS, op_transact_write_items),
    OPERATION(TARGET_PREFIX, "TransactGetItems", &WIRE_REQUEST_TRANSACT_GET_ITEMS, op_transact_get_items),
    OPERATION(TARGET_PREFIX, "Query", &WIRE_REQUEST_QUERY, op_query),
    OPERATION(TARGET_PREFIX, "ExecuteStatement", &WIRE_REQUEST_EXECUTE_STATEMENT,
              op_execute_statement),
    OPERATION(TARGET_PREFIX, "BatchExecuteStatement", &WIRE_REQUEST_BATCH_EXECUTE_STATEMENT,
              op_batch_execute_statement),
    OPERATION(TARGET_PREFIX, "ExecuteTransaction", &WIRE_REQUEST_EXECUTE_TRANSACTION,
              op_execute_transaction),
    OPERATION(TARGET_PREFIX, "Scan", &WIRE_REQUEST_SCAN, op_scan),
    OPERATION(TARGET_PREFIX, "UpdateTimeToLive", &WIRE_REQUEST_UPDATE_TIME_TO_LIVE, op_update_time_to_live),
    OPERATION(TARGET_PREFIX, "DescribeTimeToLive", &WIRE_REQUEST_TABLE_NAME, op_describe_time_to_live),
    OPERATION(TARGET_PREFIX, "TagResource", &WIRE_REQUEST_TAG_RESOURCE, op_tag_resource),
    OPERATION(TARGET_PREFIX, "UntagResource", &WIRE_REQUEST_UNTAG_RESOURCE, op_untag_resource),
    OPERATION(TARGET_PREFIX, "ListTagsOfResource", &WIRE_REQUEST_LIST_TAGS_OF_RESOURCE,
              op_list_tags_of_resource),
    OPERATION(TARGET_PREFIX, "PutResourcePolicy", &WIRE_REQUEST_PUT_RESOURCE_POLICY,
              op_put_resource_policy),
    OPERATION(TARGET_PREFIX, "GetResourcePolicy", &WIRE_REQUEST_RESOURCE_ARN,
              op_get_resource_policy),
    OPERATION(TARGET_PREFIX, "DeleteResourcePolicy", &WIRE_REQUEST_DELETE_RESOURCE_POLICY,
              op_delete_resource_policy),
    OPERATION(TARGET_PREFIX, "CreateBackup", &WIRE_REQUEST_CREATE_BACKUP, op_create_backup),
    OPERATION(TARGET_PREFIX, "DescribeBackup", &WIRE_REQUEST_BACKUP_ARN, op_describe_backup),
    OPERATION(TARGET_PREFIX, "DeleteBackup", &WIRE_REQUEST_BACKUP_ARN, op_delete_backup),
    OPERATION(TARGET_PREFIX, "ListBackups", &WIRE_REQUEST_LIST_BACKUPS, op_list_backups),
    OPERATION(TARGET_PREFIX, "RestoreTableFromBackup", &WIRE_REQUEST_RESTORE_TABLE_FROM_BACKUP,
              op_restore_table_from_backup),
    OPERATION(TARGET_PREFIX, "UpdateContinuousBackups", &WIRE_REQUEST_UPDATE_CONTINUOUS_BACKUPS,
              op_update_continuous_backups),
    OPERATION(TARGET_PREFIX, "DescribeContinuousBackups", &WIRE_REQUEST_TABLE_NAME,
              op_describe_continuous_backups),
    OPERATION(TARGET_PREFIX, "RestoreTableToPointInTime",
              &WIRE_REQUEST_RESTORE_TABLE_TO_POINT_IN_TIME, op_restore_table_to_point_in_time),
    OPERATION(TARGET_PREFIX, "ExportTableToPointInTime", &WIRE_REQUEST_EXPORT_TABLE,
              op_export_table_to_point_in_time),
    OPERATION(TARGET_PREFIX, "DescribeExport", &WIRE_REQUEST_DESCRIBE_EXPORT, op_describe_export),
    OPERATION(TARGET_PREFIX, "ListExports", &WIRE_REQUEST_LIST_EXPORTS, op_list_exports),
    OPERATION(TARGET_PREFIX, "ImportTable", &WIRE_REQUEST_IMPORT_TABLE, op_import_table),
    OPERATION(TARGET_PREFIX, "DescribeImport", &WIRE_REQUEST_DESCRIBE_IMPORT, op_describe_import),
    OPERATION(TARGET_PREFIX, "ListImports", &WIRE_REQUEST_LIST_IMPORTS, op_list_imports),
    OPERATION(TARGET_PREFIX, "UpdateContributorInsights",
              &WIRE_REQUEST_UPDATE_CONTRIBUTOR_INSIGHTS, op_update_contributor_insights),
    OPERATION(TARGET_PREFIX, "DescribeContributorInsights",
              &WIRE_REQUEST_DESCRIBE_CONTRIBUTOR_INSIGHTS, op_describe_contributor_insights),
    OPERATION(TARGET_PREFIX, "ListContributorInsights", &WIRE_REQUEST_LIST_CONTRIBUTOR_INSIGHTS,
              op_list_contributor_insights),
    OPERATION(TARGET_PREFIX, "DescribeEndpoints", &WIRE_REQUEST_EMPTY, op_describe_endpoints),
    OPERATION(TARGET_PREFIX, "DescribeLimits", &WIRE_REQUEST_EMPTY, op_describe_limits),
    OPERATION(TARGET_PREFIX, "CreateGlobalTable", &WIRE_REQUEST_CREATE_GLOBAL_TABLE, op_create_global_table),
    OPERATION(TARGET_PREFIX, "UpdateGlobalTable", &WIRE_REQUEST_UPDATE_GLOBAL_TABLE, op_update_global_table),
    OPERATION(TARGET_PREFIX, "DescribeGlobalTable", &WIRE_REQUEST_GLOBAL_TABLE_NAME, op_describe_global_table),
    OPERATION(TARGET_PREFIX, "ListGlobalTables", &WIRE_REQUEST_LIST_GLOBAL_TABLES, op_list_global_tables),
    OPERATION(TARGET_PREFIX, "DescribeGlobalTableSettings", &WIRE_REQUEST_GLOBAL_TABLE_NAME,
              op_describe_global_table_settings),
    OPERATION(TARGET_PREFIX, "UpdateGlobalTableSettings", &WIRE_REQUEST_UPDATE_GLOBAL_TABLE_SETTINGS,
              op_update_global_table_settings),
    OPERATION(TARGET_PREFIX, "DescribeTableReplicaAutoScaling", &WIRE_REQUEST_TABLE_NAME,
              op_describe_table_replica_auto_scaling),
    OPERATION(TARGET_PREFIX, "UpdateTableReplicaAutoScaling",
              &WIRE_REQUEST_UPDATE_TABLE_REPLICA_AUTO_SCALING,
              op_update_table_replica_auto_scaling),
    OPERATION(REPLICATION_TARGET_PREFIX, "ApplyChanges", &WIRE_REQUEST_EMPTY,
              op_replication_apply),
    OPERATION_BYTES(REPLICATION_TARGET_PREFIX, "ApplyRecords", op_replication_apply_records),
    OPERATION(REPLICATION_TARGET_PREFIX, "SetGroup", &WIRE_REQUEST_EMPTY,
              op_replication_set_group),
    OPERATION(REPLICATION_TARGET_PREFIX, "Settings", &WIRE_REQUEST_EMPTY,
              op_replication_settings),
    OPERATION(STREAMS_PREFIX, "ListStreams", &WIRE_REQUEST_LIST_STREAMS, op_list_streams),
    OPERATION(STREAMS_PREFIX, "DescribeStream", &WIRE_REQUEST_DESCRIBE_STREAM, op_describe_stream),
    OPERATION(STREAMS_PREFIX, "GetShardIterator", &WIRE_REQUEST_GET_SHARD_ITERATOR, op_get_shard_iterator),
    OPERATION(STREAMS_PREFIX, "GetRecords", &WIRE_REQUEST_GET_RECORDS, op_get_records),
};

#define OPERATION_COUNT (sizeof operations / sizeof operations[0])

/* The metrics' operation names: 0 is unknown, i + 1 is operations[i]. */
static const char *operation_names[OPERATION_COUNT + 1];

static const operation_t *find_operation(const char *target, size_t len)
{
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
        if (operations[i].target_len == len && memcmp(operations[i].target, target, len) == 0)
            return &operations[i];
    return NULL;
}

static bool content_type_ok(const char *ct, size_t len, bool bytes)
{
    /* Parameters such as "; charset=utf-8" are allowed. */
    static const char *const accepted[] = {"application/x-amz-json-1.0",
                                           "application/x-amz-json-1.1"};
    static const char *const bytes_type[] = {OPERATION_BYTES_TYPE};
    const char *const *types = bytes ? bytes_type : accepted;
    for (size_t i = 0; i < (bytes ? 1 : 2); i++) {
        size_t n = strlen(types[i]);
        if (len >= n && strncasecmp(ct, types[i], n) == 0 &&
            (len == n || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

api_result_t api_dispatch(api_call_t *call)
{
    arena_t *a = call->arena;
    call->operation = 0;
    call->error_kind = -1;
    call->table_name = NULL;
    const operation_t *op = call->target ? find_operation(call->target, call->target_len) : NULL;
    if (!call->content_type ||
        !content_type_ok(call->content_type, call->content_type_len, op && op->bytes)) {
        /* The service does not know the operation unless the body is one
         * of its JSON protocols. */
        op_reply_error(call, err_unknown_operation(a));
        call->http_status = 404;
        return API_DONE;
    }
    if (!op) return op_reply_error(call, err_unknown_operation(a));
    call->operation = (int)(op - operations) + 1;
    call->from_peer = false;

    json_value_t *req;
    static const char empty[] = "{}";
    const char *body = call->body_len && !op->bytes ? call->body : empty;
    size_t body_len = call->body_len && !op->bytes ? call->body_len : 2;
    if (json_parse(a, body, body_len, &req, NULL) != JSON_OK)
        return op_reply_error(call, err_serialization(a, NULL));
    /* The service authenticates a request once it has read its JSON. */
    ddb_error_t *e = auth_authenticate(a, call->request, call->has_authorization, &call->identity);
    if (e) return op_reply_error(call, e);
    if (req->type != JSON_OBJECT) {
        e = req->type == JSON_ARRAY ? err_wire_list_not_expected(a) : err_serialization(a, NULL);
        return op_reply_error(call, e);
    }
    /* Deserialisation before validation, as the service does. */
    const json_value_t *table = metrics_enabled() ? json_object_get(req, "TableName") : NULL;
    if (table && table->type == JSON_STRING)
        call->table_name = table->u.str.ptr, call->table_name_len = table->u.str.len;
    if ((e = wire_check_request(a, op->shape, req))) return op_reply_error(call, e);
    e = auth_authorize(a, call->identity, op->target + op->name_at, op->target_len - op->name_at,
                       req);
    if (e) return op_reply_error(call, e);
    api_result_t forwarded;
    if (cluster_on && cluster_forward(call, op->target + op->name_at, op->target_len - op->name_at,
                                      req, op->handler, &forwarded))
        return forwarded;
    return op->handler(call, req);
}

static int load_catalog(MDB_txn *txn, void *arg)
{
    const api_config_t *cfg = arg;
    streams_config_t streams = {cfg->stream_retention_s, cfg->stream_shard_lifetime_s,
                                cfg->stream_iterator_lifetime_s};
    int rc = streams_load(txn, &streams);
    if (!rc) rc = replication_load(txn);
    return rc ? rc : catalog_load(txn);
}

/* Index backfills, expiry-index fills and restores cut short by a stop
 * resume. */
static void resume_backfills(void)
{
    arena_t *a = arena_new(0);
    const char **names;
    bool more;
    size_t n = catalog_list(a, NULL, SIZE_MAX, &names, &more);
    for (size_t i = 0; i < n; i++) {
        table_t *t = catalog_acquire_any(names[i], strlen(names[i]));
        if (t && t->restoring) {
            if (catalog_table_importing(t)) import_table_abandon(t);
            else backup_restore_start(t, false);
            catalog_release(t);
            continue;
        }
        for (size_t k = 0; t && k < t->index_count; k++)
            if (t->indexes[k].status == INDEX_CREATING) index_backfill_start(t, t->indexes[k].name);
        if (t && t->ttl_attribute && !t->ttl_filled) ttl_fill_start(t);
        catalog_release(t);
    }
    arena_free(a);
}

/* Throttling: each table's and GSI's data, from its stored counts, for partitions
 * that split at a size (throttle_note_bytes); housekeeping thread. */
static void partition_sizes_tick(void)
{
    static MDB_txn *slot;
    if (!throttle_on) return;
    arena_t *a = arena_new(0);
    const char **names;
    bool more;
    size_t n = catalog_list(a, NULL, SIZE_MAX, &names, &more);
    MDB_txn *txn = storage_read_begin(&slot);
    for (size_t i = 0; txn && i < n; i++) {
        table_t *t = catalog_acquire(names[i], strlen(names[i]));
        stats_t st = {0, 0};
        if (t && !stats_get(txn, t->dbi_name, &st)) throttle_note_bytes(t->name, NULL, st.bytes);
        for (size_t k = 0; t && k < t->index_count; k++) {
            const index_def_t *ix = &t->indexes[k];
            stats_t is = {0, 0};
            if (ix->global && !stats_get(txn, ix->dbi_name, &is))
                throttle_note_bytes(t->name, ix->name, is.bytes);
        }
        if (t) catalog_release(t);
    }
    if (txn) storage_read_end(txn);
    arena_free(a);
}

int api_open(const api_config_t *cfg)
{
    arn_region_set(cfg->region);
    cluster_config_t cluster = {cfg->cluster_node_id, cfg->cluster_members, cfg->data_dir,
                                cfg->endpoint, cfg->cluster_snapshot_entries, cfg->cluster_join};
    if (!cfg->in_memory && cluster_store_prepare(&cluster) != 0) return -1;
    /* a cluster's Raft log makes its commits durable */
    if (storage_open(cfg->data_dir, cfg->in_memory, !cfg->in_memory && !cfg->cluster_node_id,
                     cfg->storage_map_size) != 0)
        return -1;
    if (backup_store_open(cfg->data_dir, cfg->in_memory) != 0) return -1;
    if (!cfg->in_memory && export_store_open(cfg->data_dir, cfg->export_root) != 0) return -1;
    if (import_store_open(cfg->in_memory ? NULL : cfg->data_dir, cfg->export_root) != 0) return -1;
    storage_on_rollback(streams_resync);
    int rc = storage_run_sync(load_catalog, (void *)cfg);
    if (rc) {
        log_error("cannot load the catalog: %s", mdb_strerror(rc));
        return -1;
    }
    resume_backfills();
    replication_start();
    if (cluster_open(&cluster) != 0) return -1;
    operation_names[0] = "unknown";
    for (size_t i = 0; i < OPERATION_COUNT; i++)
        operation_names[i + 1] = operations[i].target + operations[i].name_at;
    metrics_operations_set(operation_names, OPERATION_COUNT + 1);
    endpoints_configure(cfg->endpoint);
    ttl_configure(cfg->ttl_cooldown_s, cfg->ttl_delay_s);
    pitr_configure(cfg->pitr_snapshot_interval_s, cfg->pitr_day_s, cfg->pitr_lag_s);
    /* housekeeping often enough for the shortest of its periods */
    double tick = cfg->ttl_delay_s;
    if (cfg->stream_retention_s / 4 < tick) tick = cfg->stream_retention_s / 4;
    if (cfg->stream_shard_lifetime_s / 4 < tick) tick = cfg->stream_shard_lifetime_s / 4;
    if (tick > 1.0) tick = 1.0;
    static const janitor_task_t tasks[] = {streams_tick, ttl_expire_tick, pitr_tick,
                                           partition_sizes_tick};
    return janitor_start(tick, tasks, sizeof tasks / sizeof tasks[0]);
}

void api_close(void)
{
    replication_stop();
    janitor_stop();
    import_store_close();
    export_store_close();
    backup_store_close();
    cluster_close();
    storage_close();
    cluster_store_closed();
    streams_shutdown();
    catalog_shutdown();
}

api_thread_t *api_thread_new(void)
{
    api_thread_t *t = calloc(1, sizeof *t);
    if (!t) abort();
    return t;
}

void api_thread_free(api_thread_t *t)
{
    if (!t) return;
    storage_read_slot_free(&t->read_txn);
    free(t);
}

/* Item counts and sizes of every table and index, from their stored counts. */
static size_t table_sizes(arena_t *a, MDB_txn *txn, metrics_table_size_t **out)
{
    const char **names;
    bool more;
    size_t n = catalog_list(a, NULL, SIZE_MAX, &names, &more), count = 0;
    metrics_table_size_t *sizes = arena_alloc(a, (n * (CAPACITY_INDEXES_MAX + 1) + 1) * sizeof *sizes);
    for (size_t i = 0; i < n; i++) {
        table_t *t = catalog_acquire_any(names[i], strlen(names[i]));
        if (!t) continue;
        for (size_t k = 0; k <= t->index_count && k <= CAPACITY_INDEXES_MAX; k++) {
            const char *dbi = k ? t->indexes[k - 1].dbi_name : t->dbi_name;
            stats_t st = {0, 0};
            if (txn) stats_get(txn, dbi, &st);
            sizes[count++] = (metrics_table_size_t){names[i],
                                                    k ? arena_strndup(a, t->indexes[k - 1].name,
                                                                    strlen(t->indexes[k - 1].name))
                                                      : NULL,
                                                    st.items, st.bytes};
        }
        catalog_release(t);
    }
    *out = sizes;
    return count;
}

void api_metrics_render(api_thread_t *t, size_t connections, buf_t *out)
{
    arena_t *a = arena_new(0);
    metrics_gauges_t g = {.connections = connections, .writer_queue = storage_queue_depth()};
    storage_map_use(&g.map_bytes, &g.map_used_bytes);
    MDB_txn *txn = storage_read_begin(&t->read_txn);
    metrics_table_size_t *sizes;
    g.size_count = table_sizes(a, txn, &sizes);
    g.sizes = sizes;
    if (txn) storage_read_end(txn);
    metrics_render(out, &g);
    insights_render(out);
    replication_metrics_render(out);
    throttle_render(out);
    cluster_metrics_render(out);
    arena_free(a);
}
