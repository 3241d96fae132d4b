/* ops/batch: BatchGetItem and BatchWriteItem.
 *
 * Each key or write request is checked exactly as the single-item operation
 * would check it (the same prepare functions, given a request object built
 * from the batch entry).  BatchWriteItem runs as one writer request: every
 * write is applied on its own, in the same group-commit transaction, and
 * acknowledged after the commit.  BatchGetItem reads one snapshot.
 *
 * With throttling on (throttle.h), each key or write is admitted as its
 * single-item operation would be; the ones throttled are answered in
 * UnprocessedKeys / UnprocessedItems, and the call fails (with the first
 * one's error) only when every one of them was throttled. */
#include <stdio.h>
#include <string.h>

#include "ops/ops.h"
#include "throttle.h"
#include "wire.h"

#define BATCH_GET_MAX 100
#define BATCH_WRITE_MAX 25
#define BATCH_GET_RESPONSE_MAX (16 * 1024 * 1024)

/* A request object {TableName: name, <member>: value, ...rest of entry}. */
static json_value_t *entry_request(arena_t *a, const char *table, size_t table_len,
                                   const json_value_t *entry, const char *member,
                                   const json_value_t *value)
{
    size_t extra = entry && entry->type == JSON_OBJECT ? entry->u.object.count : 0;
    json_value_t *obj = arena_calloc(a, sizeof *obj);
    obj->type = JSON_OBJECT;
    obj->u.object.members = arena_alloc(a, (extra + 2) * sizeof(json_member_t));
    json_value_t *name = arena_calloc(a, sizeof *name);
    name->type = JSON_STRING;
    name->u.str.ptr = table;
    name->u.str.len = table_len;
    obj->u.object.members[obj->u.object.count++] = (json_member_t){"TableName", 9, name};
    if (member) obj->u.object.members[obj->u.object.count++] =
        (json_member_t){member, strlen(member), (json_value_t *)value};
    for (size_t i = 0; i < extra; i++)
        obj->u.object.members[obj->u.object.count++] = entry->u.object.members[i];
    return obj;
}

/* RequestItems and ReturnConsumedCapacity, shared by both batches: the
 * member types, and the constraints into cl. */
static ddb_error_t *read_request_items(api_call_t *call, const json_value_t *req,
                                       constraint_list_t *cl, const json_value_t **items,
                                       capacity_mode_t *capacity)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    *items = wire_container(a, req, "RequestItems", WIRE_MAP, &e);
    if (e) return e;
    if (constraint_required(cl, *items != NULL, "requestItems")) {
        constraint_length(cl, "{}", (*items)->u.object.count, 1, 0, "requestItems");
        for (size_t i = 0; i < (*items)->u.object.count; i++)
            constraint_name(cl, (*items)->u.object.members[i].key, "requestItems.key");
    }
    return capacity_mode_read(a, req, cl, capacity);
}

/* --- BatchWriteItem ----------------------------------------------------------------- */

typedef struct {
    storage_write_t w;
    api_call_t *call;
    item_write_t **writes;
    size_t count;
    capacity_mode_t capacity;
    /* throttled entries (throttle.h), answered as UnprocessedItems: each
     * with its table's name */
    const json_value_t **unprocessed;
    const json_member_t **unprocessed_tables;
    size_t unprocessed_count;
} batch_write_t;

/* "UnprocessedItems":{"T":[entry,...],...}: the throttled entries as sent,
 * grouped by table in request order. */
static void batch_write_render_unprocessed(buf_t *out, const batch_write_t *b)
{
    buf_append_str(out, "\"UnprocessedItems\":{");
    size_t tables = 0;
    for (size_t i = 0; i < b->unprocessed_count; i++) {
        const json_member_t *table = b->unprocessed_tables[i];
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = b->unprocessed_tables[j] == table;
        if (seen) continue;
        if (tables++) buf_putc(out, ',');
        json_write_string(out, table->key, table->key_len);
        buf_append_str(out, ":[");
        for (size_t j = i, n = 0; j < b->unprocessed_count; j++) {
            if (b->unprocessed_tables[j] != table) continue;
            if (n++) buf_putc(out, ',');
            json_write_value(out, b->unprocessed[j]);
        }
        buf_putc(out, ']');
    }
    buf_putc(out, '}');
}

/* Throttling: the writes not admitted leave b->writes for the unprocessed
 * list; when none is admitted, the error of the first is the answer. */
static ddb_error_t *batch_write_admit(api_call_t *call, batch_write_t *b,
                                      const json_value_t **entries, const json_member_t **tables)
{
    arena_t *a = call->arena;
    b->unprocessed = arena_alloc(a, b->count * sizeof *b->unprocessed);
    b->unprocessed_tables = arena_alloc(a, b->count * sizeof *b->unprocessed_tables);
    ddb_error_t *first = NULL;
    size_t kept = 0;
    for (size_t i = 0; i < b->count; i++) {
        ddb_error_t *e = item_write_admit(b->writes[i]);
        if (!e) {
            b->writes[kept++] = b->writes[i];
            continue;
        }
        if (!first) first = e;
        b->unprocessed[b->unprocessed_count] = entries[i];
        b->unprocessed_tables[b->unprocessed_count++] = tables[i];
        item_write_release(b->writes[i]);
    }
    b->count = kept;
    return kept ? NULL : first;
}

static int batch_write_apply(storage_write_t *w, MDB_txn *txn)
{
    batch_write_t *b = (batch_write_t *)w;
    for (size_t i = 0; i < b->count; i++) {
        int rc = item_write_apply(b->writes[i], txn);
        if (rc) return rc;
    }
    return 0;
}

static void batch_write_done(storage_write_t *w, int status)
{
    batch_write_t *b = (batch_write_t *)w;
    api_call_t *call = b->call;
    ddb_error_t *e = status ? err_internal(call->arena) : NULL;
    for (size_t i = 0; !e && i < b->count; i++) {
        bool gone;
        ddb_error_t *own = item_write_result(b->writes[i], &gone);
        if (gone) e = err_table_not_found_op(call->arena);
        else if (own) e = own;
    }
    if (e) {
        op_reply_error(call, e);
    } else {
        buf_putc(call->out, '{');
        batch_write_render_unprocessed(call->out, b);
        capacity_t *used = arena_alloc(call->arena, b->count * sizeof *used);
        size_t nused = 0;
        bool first = false;
        item_write_add_capacity(b->writes, b->count, 1.0, used, &nused);
        capacity_render_list(call->out, b->capacity, used, nused, &first);
        buf_putc(call->out, '}');
        op_reply_ok(call);
    }
    for (size_t i = 0; i < b->count; i++) item_write_release(b->writes[i]);
    op_complete(call);
}

api_result_t op_batch_write_item(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    const json_value_t *items;
    capacity_mode_t capacity;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    ddb_error_t *e = read_request_items(call, req, &cl, &items, &capacity);
    const char *metrics = NULL;
    if (!e) wire_string(a, req, "ReturnItemCollectionMetrics", &metrics, NULL, &e);
    size_t total = 0;
    bool sizes_ok = true;
    for (size_t i = 0; !e && items && i < items->u.object.count; i++) {
        const json_value_t *list = items->u.object.members[i].value;
        if ((e = wire_check(a, list, WIRE_LIST))) break;
        size_t n = list->u.array.count;
        sizes_ok &= n >= 1 && n <= BATCH_WRITE_MAX;
        total += n;
    }
    if (!sizes_ok)
        constraint_members_length(&cl, wire_value_text(a, items), 1, BATCH_WRITE_MAX,
                                  "Map value", "requestItems");
    if (!e) constraint_enum(&cl, metrics, &ENUM_RETURN_ITEM_COLLECTION_METRICS,
                            "returnItemCollectionMetrics");
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    if (total > BATCH_WRITE_MAX)
        return op_reply_error(call, err_batch_too_many(a, "BatchWriteItem"));
    batch_write_t *b = arena_calloc(a, sizeof *b);
    b->writes = arena_alloc(a, total * sizeof *b->writes);
    b->capacity = capacity;
    const json_value_t **entries = arena_alloc(a, total * sizeof *entries);
    const json_member_t **tables = arena_alloc(a, total * sizeof *tables);
    for (size_t i = 0; !e && i < items->u.object.count; i++) {
        const json_member_t *table = &items->u.object.members[i];
        for (size_t k = 0; !e && k < table->value->u.array.count; k++) {
            const json_value_t *entry = table->value->u.array.items[k];
            if ((e = wire_check(a, entry, WIRE_STRUCT))) break;
            const json_value_t *put = wire_container(a, entry, "PutRequest", WIRE_STRUCT, &e);
            const json_value_t *del = e ? NULL : wire_container(a, entry, "DeleteRequest",
                                                                WIRE_STRUCT, &e);
            if (e) break;
            if ((put != NULL) == (del != NULL)) {
                e = put ? err_attribute_value_types(a, false)
                        : constraint_error(a, NULL, "Member must not be null",
                                           "requestItems.%s.member.putRequest", table->key);
                break;
            }
            const json_value_t *body = put ? put : del;
            const char *member = put ? "Item" : "Key";
            if (!wire_member(body, member)) {
                e = err_member_null(a, "requestItems.%s.member.%zu.member.%s", table->key, k + 1,
                                    put ? "putRequest.item" : "deleteRequest.key");
                break;
            }
            json_value_t *one = entry_request(a, table->key, table->key_len, NULL, member,
                                              json_object_get(body, member));
            item_write_t *iw;
            if ((e = item_write_prepare(call, one, put ? WRITE_BATCH_PUT : WRITE_DELETE, &iw)))
                break;
            for (size_t j = 0; j < b->count && !e; j++)
                if (item_write_same_item(b->writes[j], iw))
                    e = err_batch_duplicate_keys(a);
            entries[b->count] = entry;
            tables[b->count] = table;
            b->writes[b->count++] = iw;
        }
    }
    if (e) {
        for (size_t i = 0; i < b->count; i++) item_write_release(b->writes[i]);
        return op_reply_error(call, e);
    }
    if (throttle_on && (e = batch_write_admit(call, b, entries, tables)))
        return op_reply_error(call, e);
    b->w.apply = batch_write_apply;
    b->w.done = batch_write_done;
    b->w.frees = true;
    for (size_t i = 0; i < b->count; i++) b->w.frees &= item_write_frees(b->writes[i]);
    b->call = call;
    storage_submit(&b->w);
    return API_PENDING;
}

/* --- BatchGetItem ---------------------------------------------------------------------- */

api_result_t op_batch_get_item(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    const json_value_t *items;
    capacity_mode_t capacity;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    ddb_error_t *e = read_request_items(call, req, &cl, &items, &capacity);
    size_t total = 0;
    for (size_t i = 0; !e && items && i < items->u.object.count; i++) {
        const json_member_t *table = &items->u.object.members[i];
        if ((e = wire_check(a, table->value, WIRE_STRUCT))) break;
        const json_value_t *keys = wire_container(a, table->value, "Keys", WIRE_LIST, &e);
        if (e) break;
        if (!constraint_required(&cl, keys != NULL, "requestItems.%s.member.keys", table->key))
            continue;
        constraint_length(&cl, wire_value_text(a, keys), keys->u.array.count, 1, BATCH_GET_MAX,
                          "requestItems.%s.member.keys", table->key);
        total += keys->u.array.count;
    }
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    if (total > BATCH_GET_MAX)
        return op_reply_error(call, err_batch_too_many(a, "BatchGetItem"));
    /* Prepare every key as a GetItem would be. */
    item_read_t **reads = arena_alloc(a, total * sizeof *reads);
    size_t n = 0;
    for (size_t i = 0; i < items->u.object.count; i++) {
        const json_member_t *table = &items->u.object.members[i];
        const json_value_t *keys = json_object_get(table->value, "Keys");
        /* the table's options apply to each of its keys */
        json_value_t *options = arena_calloc(a, sizeof *options);
        *options = *table->value;
        options->u.object.members = arena_alloc(a, (options->u.object.count + 1) *
                                                       sizeof(json_member_t));
        options->u.object.count = 0;
        for (size_t k = 0; k < table->value->u.object.count; k++)
            if (strcmp(table->value->u.object.members[k].key, "Keys") != 0)
                options->u.object.members[options->u.object.count++] =
                    table->value->u.object.members[k];
        for (size_t k = 0; k < keys->u.array.count; k++) {
            json_value_t *one = entry_request(a, table->key, table->key_len, options, "Key",
                                              keys->u.array.items[k]);
            if ((e = item_read_prepare(call, one, &reads[n]))) return op_reply_error(call, e);
            for (size_t j = 0; j < k; j++)
                if (json_value_equal(keys->u.array.items[j], keys->u.array.items[k]))
                    return op_reply_error(call, err_batch_duplicate_keys(a));
            n++;
        }
    }
    MDB_txn *txn = op_read_begin(call);
    if (!txn) return op_reply_error(call, err_internal(a));
    buf_t *out = call->out;
    buf_append_str(out, "{\"Responses\":{");
    size_t r = 0, unprocessed_from = n;
    /* throttled[r]: key r's throttling error (throttle.h), or NULL */
    ddb_error_t **throttled = arena_calloc(a, n * sizeof *throttled);
    ddb_error_t *first_throttled = NULL;
    size_t throttled_count = 0;
    capacity_t *used = arena_alloc(a, items->u.object.count * sizeof *used);
    size_t nused = 0;
    for (size_t i = 0; !e && i < items->u.object.count; i++) {
        const json_member_t *table = &items->u.object.members[i];
        size_t count = json_object_get(table->value, "Keys")->u.array.count;
        table_t *t = catalog_acquire(table->key, table->key_len);
        if (!t) {
            e = err_table_not_found_op(a);
            break;
        }
        if (i) buf_putc(out, ',');
        json_write_string(out, table->key, table->key_len);
        buf_append_str(out, ":[");
        bool any = false;
        for (size_t k = 0; k < count && !e; k++, r++) {
            if (out->len > BATCH_GET_RESPONSE_MAX && unprocessed_from == n) unprocessed_from = r;
            if (r >= unprocessed_from) continue;
            if (throttle_on && (throttled[r] = item_read_admit(call, t, reads[r]))) {
                if (!first_throttled) first_throttled = throttled[r];
                throttled_count++;
                continue;
            }
            size_t mark = out->len;
            if (any) buf_putc(out, ',');
            e = item_read_run(call, txn, t, reads[r], out);
            double units = e ? 0 : item_read_units(reads[r], false);
            if (!e) capacity_add(used, &nused, item_read_table_name(reads[r]), false, units);
            if (!e) item_read_charge(t, reads[r], units);
            if (!e && !item_read_found(reads[r])) out->len = mark;
            else any = true;
        }
        buf_putc(out, ']');
        catalog_release(t);
    }
    op_read_end(call, txn);
    if (!e && throttled_count == n) e = first_throttled; /* nothing could be read */
    if (e) return op_reply_error(call, e);
    buf_append_str(out, "},\"UnprocessedKeys\":{");
    if (unprocessed_from < n || throttled_count) {
        /* Keys past the 16 MB response limit or throttled, grouped by
         * table, with their options. */
        r = 0;
        size_t tables = 0;
        for (size_t i = 0; i < items->u.object.count; i++) {
            const json_member_t *table = &items->u.object.members[i];
            const json_value_t *keys = json_object_get(table->value, "Keys");
            size_t first = r, count = keys->u.array.count, left = 0;
            r += count;
            for (size_t k = 0; k < count; k++)
                left += first + k >= unprocessed_from || throttled[first + k];
            if (!left) continue;
            if (tables++) buf_putc(out, ',');
            /* The table's entry as sent, with only the keys not read: a
             * client resends it as is and gets the same projection. */
            json_write_string(out, table->key, table->key_len);
            buf_append_str(out, ":{\"Keys\":[");
            for (size_t k = 0, shown = 0; k < count; k++) {
                if (first + k < unprocessed_from && !throttled[first + k]) continue;
                if (shown++) buf_putc(out, ',');
                json_write_value(out, keys->u.array.items[k]);
            }
            buf_putc(out, ']');
            for (size_t m = 0; m < table->value->u.object.count; m++) {
                const json_member_t *opt = &table->value->u.object.members[m];
                if (strcmp(opt->key, "Keys") == 0) continue;
                buf_putc(out, ',');
                json_write_string(out, opt->key, opt->key_len);
                buf_putc(out, ':');
                json_write_value(out, opt->value);
            }
            buf_putc(out, '}');
        }
    }
    buf_putc(out, '}');
    bool first = false;
    capacity_render_list(out, capacity, used, nused, &first);
    buf_putc(out, '}');
    return op_reply_ok(call);
}
