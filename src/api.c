/* api: header checks, the operation table and the shared reply helpers;
 * see api.h. */
#include "api.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "index.h"
#include "log.h"
#include "ops/ops.h"
#include "storage.h"
#include "wire.h"

struct api_thread {
    MDB_txn *read_txn;
};

#define TARGET_PREFIX "DynamoDB_20120810."
#define STREAMS_PREFIX "DynamoDBStreams_20120810."

/* The operation table: X-Amz-Target operation name -> handler. */
static const struct {
    const char *name;
    op_handler_t handler;
} operations[] = {
    {"CreateTable", op_create_table},
    {"DeleteTable", op_delete_table},
    {"DescribeTable", op_describe_table},
    {"ListTables", op_list_tables},
    {"UpdateTable", op_update_table},
    {"PutItem", op_put_item},
    {"GetItem", op_get_item},
    {"DeleteItem", op_delete_item},
    {"UpdateItem", op_update_item},
    {"BatchGetItem", op_batch_get_item},
    {"BatchWriteItem", op_batch_write_item},
    {"TransactWriteItems", op_transact_write_items},
    {"TransactGetItems", op_transact_get_items},
    {"Query", op_query},
    {"Scan", op_scan},
};

static op_handler_t find_operation(const char *target, size_t len)
{
    size_t plen = strlen(TARGET_PREFIX);
    if (len <= plen || memcmp(target, TARGET_PREFIX, plen) != 0) return NULL;
    const char *name = target + plen;
    size_t nlen = len - plen;
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
        if (strlen(operations[i].name) == nlen && memcmp(operations[i].name, name, nlen) == 0)
            return operations[i].handler;
    return NULL;
}

static bool content_type_ok(const char *ct, size_t len)
{
    /* Parameters such as "; charset=utf-8" are allowed. */
    static const char *const accepted[] = {"application/x-amz-json-1.0",
                                           "application/x-amz-json-1.1"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(accepted[i]);
        if (len >= n && strncasecmp(ct, accepted[i], n) == 0 &&
            (len == n || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

api_result_t op_reply_error(api_call_t *call, ddb_error_t *e)
{
    call->out->len = 0;
    call->http_status = ddb_error_status(e->kind);
    ddb_error_render(e, call->out);
    return API_DONE;
}

api_result_t op_reply_ok(api_call_t *call)
{
    call->http_status = 200;
    return API_DONE;
}

void op_complete(api_call_t *call) { call->on_complete(call); }

MDB_txn *op_read_begin(api_call_t *call) { return storage_read_begin(&call->thread->read_txn); }
void op_read_end(api_call_t *call, MDB_txn *txn) { storage_read_end(txn); }

api_result_t api_dispatch(api_call_t *call)
{
    arena_t *a = call->arena;
    if (!call->content_type || !content_type_ok(call->content_type, call->content_type_len)) {
        /* The service does not know the operation unless the body is one
         * of its JSON protocols. */
        op_reply_error(call, err_unknown_operation(a));
        call->http_status = 404;
        return API_DONE;
    }
    op_handler_t handler = call->target ? find_operation(call->target, call->target_len) : NULL;
    if (!handler) return op_reply_error(call, err_unknown_operation(a));
    if (!call->has_authorization) return op_reply_error(call, err_missing_auth(a));

    json_value_t *req;
    static const char empty[] = "{}";
    const char *body = call->body_len ? call->body : empty;
    size_t body_len = call->body_len ? call->body_len : 2;
    if (json_parse(a, body, body_len, &req, NULL) != JSON_OK)
        return op_reply_error(call, err_serialization(a, NULL));
    if (req->type != JSON_OBJECT) {
        ddb_error_t *e = req->type == JSON_ARRAY
                             ? err_wire_list_not_expected(a)
                             : err_serialization(a, NULL);
        return op_reply_error(call, e);
    }
    /* Deserialisation before validation, as the service does. */
    size_t plen = strlen(TARGET_PREFIX);
    const wire_shape_t *shape = wire_request_shape(call->target + plen, call->target_len - plen);
    ddb_error_t *e = wire_check_request(a, shape, req);
    if (e) return op_reply_error(call, e);
    return handler(call, req);
}

static int load_catalog(MDB_txn *txn, void *arg) { return catalog_load(txn); }

/* Index backfills cut short by a stop resume where they started. */
static void resume_backfills(void)
{
    arena_t *a = arena_new(0);
    const char **names;
    bool more;
    size_t n = catalog_list(a, NULL, SIZE_MAX, &names, &more);
    for (size_t i = 0; i < n; i++) {
        table_t *t = catalog_acquire(names[i], strlen(names[i]));
        for (size_t k = 0; t && k < t->index_count; k++)
            if (t->indexes[k].status == INDEX_CREATING) index_backfill_start(t, t->indexes[k].name);
        catalog_release(t);
    }
    arena_free(a);
}

int api_open(const api_config_t *cfg)
{
    catalog_init(cfg->region);
    if (storage_open(cfg->data_dir, cfg->in_memory) != 0) return -1;
    int rc = storage_run_sync(load_catalog, NULL);
    if (rc) {
        log_error("cannot load the catalog: %s", mdb_strerror(rc));
        return -1;
    }
    resume_backfills();
    return 0;
}

void api_close(void)
{
    storage_close();
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
