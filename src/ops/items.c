/* ops/items: PutItem, GetItem, DeleteItem, UpdateItem.
 *
 * Writes are validated on the I/O thread (request rules, expressions
 * parsed, the table and key checked), then executed by the writer against
 * the committed state: read the old item, evaluate the condition, build the
 * new item (PutItem: the request's; UpdateItem: the update applied to the
 * old one), check its size, write.  The response is rendered after the
 * commit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "index.h"
#include "keycodec.h"
#include "ops/ops.h"
#include "wire.h"

#define HASH_KEY_MAX 2048
#define RANGE_KEY_MAX 1024

typedef enum {
    RETURN_NONE,
    RETURN_ALL_OLD,
    RETURN_UPDATED_OLD,
    RETURN_ALL_NEW,
    RETURN_UPDATED_NEW,
} return_values_t;

/* --- request pieces shared by the item operations ---------------------------- */

typedef struct {
    const char *table_name;
    capacity_mode_t capacity;
    bool return_metrics; /* ReturnItemCollectionMetrics: SIZE */
    return_values_t return_values;
    bool return_old_on_failure; /* ReturnValuesOnConditionCheckFailure: ALL_OLD */
} item_common_t;

static void check_enum(constraint_list_t *cl, const char *value, const char *path,
                       const char *const *values, const char *set_text, int *index)
{
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], value) == 0) {
            *index = i;
            return;
        }
    char constraint[160];
    snprintf(constraint, sizeof constraint, "Member must satisfy enum value set: [%s]", set_text);
    constraint_list_add(cl, value, path, constraint);
}

static ddb_error_t *read_common(api_call_t *call, const json_value_t *req, item_common_t *c,
                                constraint_list_t *cl)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    memset(c, 0, sizeof *c);
    const char *rcc = NULL, *rv = NULL, *ricm = NULL, *rvf = NULL;
    wire_string(a, req, "TableName", &c->table_name, NULL, &e);
    if (!e) wire_string(a, req, "ReturnConsumedCapacity", &rcc, NULL, &e);
    if (!e) wire_string(a, req, "ReturnValues", &rv, NULL, &e);
    if (!e) wire_string(a, req, "ReturnItemCollectionMetrics", &ricm, NULL, &e);
    if (!e) wire_string(a, req, "ReturnValuesOnConditionCheckFailure", &rvf, NULL, &e);
    if (e) return e;
    catalog_check_table_name(cl, c->table_name, "tableName");
    int i = 0;
    static const char *const capacity[] = {"NONE", "TOTAL", "INDEXES", NULL};
    if (rcc) {
        check_enum(cl, rcc, "returnConsumedCapacity", capacity, "INDEXES, TOTAL, NONE", &i);
        c->capacity = (capacity_mode_t)i;
    }
    static const char *const modes[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                        "UPDATED_NEW", NULL};
    if (rv) {
        i = 0;
        check_enum(cl, rv, "returnValues", modes, "ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW",
                   &i);
        c->return_values = (return_values_t)i;
    }
    static const char *const metrics[] = {"NONE", "SIZE", NULL};
    if (ricm) {
        i = 0;
        check_enum(cl, ricm, "returnItemCollectionMetrics", metrics, "SIZE, NONE", &i);
        c->return_metrics = i == 1;
    }
    static const char *const on_failure[] = {"NONE", "ALL_OLD", NULL};
    if (rvf) {
        i = 0;
        check_enum(cl, rvf, "returnValuesOnConditionCheckFailure", on_failure, "ALL_OLD, NONE", &i);
        c->return_old_on_failure = i == 1;
    }
    return NULL;
}

/* --- keys ---------------------------------------------------------------------- */

static ddb_error_t *check_empty_key_value(arena_t *a, const char *name, const value_t *v)
{
    if ((v->type == VALUE_S || v->type == VALUE_B) && v->u.bytes.len == 0)
        return err_empty_key(a, v->type == VALUE_S, name);
    return NULL;
}

static ddb_error_t *check_key_sizes(arena_t *a, const value_t *pk, const value_t *sk)
{
    if (value_size(pk) > HASH_KEY_MAX)
        return err_invalid_parameter(a, "Size of hashkey has exceeded the maximum size limit "
                                        "of2048 bytes");
    if (sk && value_size(sk) > RANGE_KEY_MAX)
        return err_invalid_parameter(a, "Aggregated size of all range keys has exceeded the size "
                                        "limit of 1024 bytes");
    return NULL;
}

/* The key attributes of a whole item (PutItem).  BatchWriteItem reports a
 * missing or mistyped key as a schema mismatch (schema_message). */
static ddb_error_t *item_keys(arena_t *a, const table_t *t, const value_t *item,
                              bool schema_message, bool *mistyped, const value_t **pk,
                              const value_t **sk)
{
    *mistyped = false;
    const char *names[2] = {t->keys.hash, t->keys.range};
    value_type_t types[2] = {t->hash_type, t->range_type};
    const value_t *found[2] = {NULL, NULL};
    for (int i = 0; i < 2 && names[i]; i++) {
        const value_t *v = value_map_get(item, names[i], strlen(names[i]));
        if ((!v || v->type != types[i]) && schema_message) return err_key_schema_mismatch(a);
        if (!v) return err_invalid_parameter(a, "Missing the key %s in the item", names[i]);
        *mistyped = v->type != types[i];
        if (v->type != types[i])
            return err_invalid_parameter(a, "Type mismatch for key %s expected: %s actual: %s",
                                         names[i], value_type_name(types[i]),
                                         value_type_name(v->type));
        ddb_error_t *e = check_empty_key_value(a, names[i], v);
        if (e) return e;
        found[i] = v;
    }
    *pk = found[0];
    *sk = found[1];
    return check_key_sizes(a, *pk, *sk);
}

/* A Key map (GetItem, DeleteItem, UpdateItem): exactly the table's keys. */
static ddb_error_t *key_map_keys(arena_t *a, const table_t *t, const value_t *key,
                                 const value_t **pk, const value_t **sk)
{
    size_t want = t->keys.range ? 2 : 1;
    const value_t *h = value_map_get(key, t->keys.hash, strlen(t->keys.hash));
    const value_t *r = t->keys.range ? value_map_get(key, t->keys.range, strlen(t->keys.range))
                                     : NULL;
    if (key->u.map.count != want || !h || h->type != t->hash_type ||
        (t->keys.range && (!r || r->type != t->range_type)))
        return err_key_schema_mismatch(a);
    ddb_error_t *e = check_empty_key_value(a, t->keys.hash, h);
    if (!e && r) e = check_empty_key_value(a, t->keys.range, r);
    if (e) return e;
    *pk = h;
    *sk = r;
    return check_key_sizes(a, h, r);
}

/* An update may not write or remove a key attribute. */
static ddb_error_t *check_update_paths(arena_t *a, const table_t *t, const expr_t *update)
{
    if (!update) return NULL;
    const expr_path_t *paths;
    size_t n = expr_paths(update, &paths);
    const char *keys[2] = {t->keys.hash, t->keys.range};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2 && keys[k]; k++)
            if (paths[i].steps[0].name_len == strlen(keys[k]) &&
                memcmp(paths[i].steps[0].name, keys[k], paths[i].steps[0].name_len) == 0)
                return err_update_key_attribute(a, keys[k]);
    return NULL;
}

/* A stored item whose key attributes are not those asked for is another
 * item sharing a truncated storage key (keycodec.h): it is not this one. */
static bool stored_item_matches(const table_t *t, const value_t *item, const value_t *pk,
                                const value_t *sk)
{
    const value_t *h = value_map_get(item, t->keys.hash, strlen(t->keys.hash));
    if (!h || !value_equal(h, pk)) return false;
    if (!sk) return true;
    const value_t *r = value_map_get(item, t->keys.range, strlen(t->keys.range));
    return r && value_equal(r, sk);
}

/* --- capacity -------------------------------------------------------------------- */

static double write_units(size_t size)
{
    size_t units = (size + 1023) / 1024;
    return units ? (double)units : 1.0;
}

static double read_units(size_t size, bool consistent)
{
    size_t units = (size + 4095) / 4096;
    if (!units) units = 1;
    return consistent ? (double)units : (double)units / 2;
}

/* --- writes: PutItem, DeleteItem, UpdateItem ------------------------------------------ */

struct item_write {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    write_kind_t kind;
    const value_t *pk, *sk;
    uint8_t key[KEYCODEC_MAX_KEY];
    size_t key_len;
    value_t *put_item; /* PutItem: the new item */
    item_common_t common;
    op_exprs_t exprs;
    /* results, set by the writer */
    bool gone;
    ddb_error_t *error; /* a failed condition, an update error, a too-large item */
    bool had_old;
    size_t old_size, new_size;
    value_t *old_item; /* decoded from a copy, when needed */
    value_t *new_item; /* PutItem and UpdateItem */
    bool has_collection;
    uint64_t collection_size; /* tables with LSIs */
    ddb_error_t *deferred; /* found while preparing, reported when applied */
};

/* Tables with LSIs: account the write in its item collection, refusing one
 * that would take the collection over the limit. */
static int add_to_collection(item_write_t *iw, MDB_txn *txn, const table_t *t, int64_t delta)
{
    if (!t->has_collections) return 0;
    int rc = index_collection_add(txn, t, iw->pk, delta, true, &iw->collection_size);
    if (rc) return rc;
    if (delta > 0 && iw->collection_size > INDEX_COLLECTION_LIMIT) {
        iw->error = err_item_collection_too_large(iw->call->arena);
        return 0;
    }
    iw->has_collection = true;
    return index_collection_add(txn, t, iw->pk, delta, false, &iw->collection_size);
}

static bool needs_old_item(const item_write_t *iw)
{
    return iw->exprs.condition || iw->kind == WRITE_UPDATE ||
           iw->common.return_values != RETURN_NONE || iw->table->index_count;
}

/* The old item, copied out of the map so that it outlives the transaction. */
static int read_old_item(item_write_t *iw, MDB_txn *txn, MDB_val *key)
{
    MDB_val old;
    int rc = mdb_get(txn, iw->table->dbi, key, &old);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc;
    arena_t *a = iw->call->arena;
    const uint8_t *p = old.mv_data;
    uint64_t size = 0;
    varint_get(&p, p + old.mv_size, &size);
    iw->had_old = true;
    iw->old_size = (size_t)size;
    if (!needs_old_item(iw)) return 0;
    uint8_t *copy = arena_alloc(a, old.mv_size);
    memcpy(copy, old.mv_data, old.mv_size);
    iw->old_item = arena_alloc(a, sizeof(value_t));
    if (!value_item_decode(a, copy, old.mv_size, iw->old_item, NULL)) return MDB_CORRUPTED;
    return 0;
}

static ddb_error_t *condition_failed(item_write_t *iw)
{
    arena_t *a = iw->call->arena;
    ddb_error_t *e = err_condition_failed(a);
    if (iw->common.return_old_on_failure && iw->old_item) {
        buf_t b;
        buf_init(&b);
        buf_append_str(&b, "\"Item\":");
        value_map_write_json(&b, iw->old_item);
        e->extra_json = arena_strndup(a, b.data, b.len);
        buf_free(&b);
    }
    return e;
}

/* The item an UpdateItem starts from when none exists: just its key. */
static value_t *key_only_item(item_write_t *iw)
{
    arena_t *a = iw->call->arena;
    value_t *item = arena_calloc(a, sizeof *item);
    item->type = VALUE_M;
    item->u.map.members = arena_alloc(a, 2 * sizeof(value_member_t));
    const table_t *t = iw->table;
    item->u.map.members[0] = (value_member_t){t->keys.hash, strlen(t->keys.hash),
                                              (value_t *)iw->pk};
    item->u.map.count = 1;
    if (iw->sk)
        item->u.map.members[item->u.map.count++] =
            (value_member_t){t->keys.range, strlen(t->keys.range), (value_t *)iw->sk};
    return item;
}

static int item_apply(storage_write_t *w, MDB_txn *txn)
{
    return item_write_apply((item_write_t *)w, txn);
}

int item_write_apply(item_write_t *iw, MDB_txn *txn)
{
    table_t *t = catalog_latest(iw->table); /* with the indexes added since */
    arena_t *a = iw->call->arena;
    /* A batch retried write by write runs apply again: start clean. */
    iw->gone = false, iw->error = NULL, iw->had_old = false, iw->old_size = 0;
    iw->has_collection = false;
    iw->old_item = NULL;
    if (iw->deferred) {
        iw->error = iw->deferred;
        return 0;
    }
    if (t->dropped) {
        iw->gone = true;
        return 0;
    }
    MDB_val key = {iw->key_len, iw->key};
    int rc = read_old_item(iw, txn, &key);
    if (rc) return rc;
    if (iw->exprs.condition) {
        bool ok = false;
        ddb_error_t *e = expr_condition_eval(&iw->exprs.env, iw->exprs.condition, iw->old_item, &ok);
        if (e || !ok) {
            iw->error = e ? e : condition_failed(iw);
            return 0;
        }
    }
    if (iw->kind == WRITE_CHECK) return 0;
    if (iw->kind == WRITE_DELETE) {
        if (!iw->had_old) return 0;
        if ((rc = mdb_del(txn, t->dbi, &key, NULL))) return rc;
        if ((rc = add_to_collection(iw, txn, t, -(int64_t)iw->old_size))) return rc;
        return index_update(txn, a, t, iw->old_item, NULL);
    }

    if (iw->kind == WRITE_UPDATE) {
        const value_t *base = iw->old_item ? iw->old_item : key_only_item(iw);
        if (iw->exprs.update) {
            iw->new_item = arena_alloc(a, sizeof(value_t));
            if ((iw->error = expr_update_apply(&iw->exprs.env, iw->exprs.update, base,
                                               iw->new_item)))
                return 0;
        } else {
            iw->new_item = (value_t *)base;
        }
    } else {
        iw->new_item = iw->put_item;
    }
    if (iw->kind == WRITE_UPDATE && (iw->error = index_check_item(a, t, iw->new_item))) return 0;
    iw->new_size = value_item_size(iw->new_item);
    if (iw->new_size > ITEM_MAX_SIZE) {
        iw->error = iw->kind == WRITE_UPDATE ? err_updated_item_too_large(a) : err_item_too_large(a);
        return 0;
    }
    if ((rc = add_to_collection(iw, txn, t, (int64_t)iw->new_size - (int64_t)iw->old_size)))
        return rc;
    if (iw->error) return 0;
    buf_t encoded;
    buf_init(&encoded);
    value_item_encode(&encoded, iw->new_item, iw->new_size);
    MDB_val val = {encoded.len, encoded.data};
    rc = mdb_put(txn, t->dbi, &key, &val, 0);
    buf_free(&encoded);
    if (!rc && t->index_count) rc = index_update(txn, a, t, iw->old_item, iw->new_item);
    return rc;
}

/* The Attributes member ReturnValues asks for, or NULL for none. */
static const value_t *returned_attributes(item_write_t *iw)
{
    const value_t *old = iw->had_old ? iw->old_item : NULL;
    switch (iw->common.return_values) {
    case RETURN_NONE: return NULL;
    case RETURN_ALL_OLD: return old;
    case RETURN_ALL_NEW: return iw->new_item;
    case RETURN_UPDATED_OLD:
    case RETURN_UPDATED_NEW: {
        const value_t *from = iw->common.return_values == RETURN_UPDATED_OLD ? old : iw->new_item;
        if (!from || !iw->exprs.update) return NULL;
        const expr_path_t *paths;
        size_t n = expr_paths(iw->exprs.update, &paths);
        value_t *projected = arena_alloc(iw->call->arena, sizeof *projected);
        expr_project(iw->call->arena, from, paths, n, projected);
        return projected;
    }
    }
    return NULL;
}

static void item_done(storage_write_t *w, int status)
{
    item_write_t *iw = (item_write_t *)w;
    api_call_t *call = iw->call;
    table_t *t = catalog_latest(iw->table);
    if (status) {
        op_reply_error(call, err_internal(call->arena));
    } else if (iw->gone) {
        op_reply_error(call, err_table_not_found_op(call->arena));
    } else if (iw->error) {
        op_reply_error(call, iw->error);
    } else {
        item_write_account(iw);
        buf_t *out = call->out;
        bool first = true;
        buf_putc(out, '{');
        const value_t *attrs = returned_attributes(iw);
        if (attrs && attrs->u.map.count) {
            buf_append_str(out, "\"Attributes\":");
            value_map_write_json(out, attrs);
            first = false;
        }
        size_t charged = iw->new_size > iw->old_size ? iw->new_size : iw->old_size;
        op_render_capacity(out, t, iw->common.capacity, write_units(charged), &first);
        if (iw->common.return_metrics && iw->has_collection) {
            /* The service gives a range in GB around its estimate. */
            double gb = (double)iw->collection_size / (1024.0 * 1024.0 * 1024.0);
            double lo = (double)(int64_t)gb;
            if (!first) buf_putc(out, ',');
            first = false;
            buf_append_str(out, "\"ItemCollectionMetrics\":{\"ItemCollectionKey\":{");
            json_write_string(out, t->keys.hash, strlen(t->keys.hash));
            buf_putc(out, ':');
            value_write_json(out, iw->pk);
            buf_printf(out, "},\"SizeEstimateRangeGB\":[%.1f,%.1f]}", lo, lo + 1.0);
        }
        buf_putc(out, '}');
        op_reply_ok(call);
    }
    catalog_release(iw->table);
    op_complete(call);
}

void item_write_account(const item_write_t *iw)
{
    table_t *t = catalog_latest(iw->table);
    if (iw->gone || iw->error || iw->kind == WRITE_CHECK) return;
    if (iw->kind == WRITE_DELETE) {
        if (iw->had_old) {
            atomic_fetch_sub(&t->item_count, 1);
            atomic_fetch_sub(&t->size_bytes, (int64_t)iw->old_size);
        }
    } else {
        if (!iw->had_old) atomic_fetch_add(&t->item_count, 1);
        atomic_fetch_add(&t->size_bytes, (int64_t)iw->new_size - (int64_t)iw->old_size);
    }
}

ddb_error_t *item_write_result(const item_write_t *iw, bool *gone)
{
    *gone = iw->gone;
    return iw->error;
}

const value_t *item_write_old_item(const item_write_t *iw) { return iw->old_item; }

void item_write_release(item_write_t *iw) { catalog_release(iw->table); }

bool item_write_same_item(const item_write_t *a, const item_write_t *b)
{
    if (a->deferred || b->deferred) return false; /* no key to compare */
    return catalog_latest(a->table) == catalog_latest(b->table) && a->key_len == b->key_len &&
           memcmp(a->key, b->key, a->key_len) == 0;
}

size_t item_write_size(const item_write_t *iw)
{
    return iw->new_size > iw->old_size ? iw->new_size : iw->old_size;
}

const table_t *item_write_table(const item_write_t *iw) { return iw->table; }

static ddb_error_t *prepare_write(api_call_t *call, const json_value_t *req, write_kind_t kind,
                                  item_write_t **iw_out);

ddb_error_t *item_write_prepare(api_call_t *call, const json_value_t *req, write_kind_t kind,
                                item_write_t **iw_out)
{
    return prepare_write(call, req, kind, iw_out);
}

/* Validation common to the writes, up to the table lookup.  On success
 * *iw_out holds a write with its table referenced. */
static ddb_error_t *prepare_write(api_call_t *call, const json_value_t *req, write_kind_t kind,
                                  item_write_t **iw_out)
{
    bool batch_put = kind == WRITE_BATCH_PUT, transact_put = kind == WRITE_TRANSACT_PUT;
    if (batch_put || transact_put) kind = WRITE_PUT;
    arena_t *a = call->arena;
    item_write_t *iw = arena_calloc(a, sizeof *iw);
    iw->kind = kind;
    iw->call = call;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    ddb_error_t *e = read_common(call, req, &iw->common, &cl);
    const char *member = kind == WRITE_PUT ? "Item" : "Key";
    const json_value_t *map_json = e ? NULL : wire_container(a, req, member, WIRE_MAP, &e);
    if (!e && !map_json)
        constraint_list_add(&cl, NULL, kind == WRITE_PUT ? "item" : "key",
                            "Member must not be null");
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return e;
    value_t *map = arena_alloc(a, sizeof *map);
    if ((e = value_map_from_json(a, map_json, map))) return e;
    return_values_t rv = iw->common.return_values;
    if (kind != WRITE_UPDATE && rv != RETURN_NONE && rv != RETURN_ALL_OLD)
        return err_return_values_invalid(a);
    unsigned allow = ALLOW_CONDITION | (kind == WRITE_UPDATE ? ALLOW_UPDATE : 0);
    if ((e = op_read_expressions(call, req, allow, &iw->exprs))) return e;

    table_t *t = catalog_acquire(iw->common.table_name, strlen(iw->common.table_name));
    if (!t) return err_table_not_found_op(a);
    iw->table = t;
    if (kind == WRITE_PUT) {
        bool mistyped;
        e = item_keys(a, t, map, batch_put, &mistyped, &iw->pk, &iw->sk);
        if (e && transact_put && mistyped) {
            iw->deferred = e; /* the key cannot be encoded: apply reports it */
            iw->table = t;
            *iw_out = iw;
            return NULL;
        }
        if (!e) e = index_check_item(a, t, map);
        if (!e && value_item_size(map) > ITEM_MAX_SIZE) e = err_item_too_large(a);
        iw->put_item = map;
    } else {
        e = key_map_keys(a, t, map, &iw->pk, &iw->sk);
    }
    if (!e) e = check_update_paths(a, t, iw->exprs.update);
    if (e) {
        catalog_release(t);
        return e;
    }
    iw->key_len = keycodec_item_key(iw->pk, iw->sk, iw->key);
    *iw_out = iw;
    return NULL;
}

static api_result_t item_write(api_call_t *call, const json_value_t *req, write_kind_t kind)
{
    item_write_t *iw;
    ddb_error_t *e = prepare_write(call, req, kind, &iw);
    if (e) return op_reply_error(call, e);
    iw->w.apply = item_apply;
    iw->w.done = item_done;
    iw->call = call;
    storage_submit(&iw->w);
    return API_PENDING;
}

api_result_t op_put_item(api_call_t *call, const json_value_t *req)
{
    return item_write(call, req, WRITE_PUT);
}

api_result_t op_delete_item(api_call_t *call, const json_value_t *req)
{
    return item_write(call, req, WRITE_DELETE);
}

api_result_t op_update_item(api_call_t *call, const json_value_t *req)
{
    return item_write(call, req, WRITE_UPDATE);
}

/* --- GetItem ------------------------------------------------------------------------ */

/* AttributesToGet's own rules (its projection is built by expr). */
static ddb_error_t *check_attributes_to_get(api_call_t *call, const json_value_t *req,
                                            constraint_list_t *cl)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const json_value_t *list = wire_container(a, req, "AttributesToGet", WIRE_LIST, &e);
    if (e || !list) return e;
    for (size_t i = 0; i < list->u.array.count; i++)
        if ((e = wire_check(a, list->u.array.items[i], WIRE_STRING))) return e;
    if (list->u.array.count == 0)
        constraint_list_add(cl, "[]", "attributesToGet",
                            "Member must have length greater than or equal to 1");
    return NULL;
}

static ddb_error_t *check_attributes_to_get_unique(arena_t *a, const json_value_t *list)
{
    size_t i = list ? wire_first_repeat(a, list) : SIZE_MAX;
    if (i == SIZE_MAX) return NULL;
    const json_value_t *x = list->u.array.items[i];
    return err_invalid_parameter(a, "Duplicate value in attribute name: %.*s", (int)x->u.str.len,
                                 x->u.str.ptr);
}

/* A prepared single-item read: GetItem, and each key of BatchGetItem and
 * TransactGetItems. */
struct item_read {
    item_common_t common;
    bool consistent;
    value_t key;
    op_exprs_t exprs;
    /* results of item_read_run */
    bool found;
    size_t size;
};

ddb_error_t *item_read_prepare(api_call_t *call, const json_value_t *req, item_read_t **out)
{
    arena_t *a = call->arena;
    item_read_t *r = arena_calloc(a, sizeof *r);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    ddb_error_t *e = read_common(call, req, &r->common, &cl);
    const json_value_t *key_json = e ? NULL : wire_container(a, req, "Key", WIRE_MAP, &e);
    if (!e && !key_json) constraint_list_add(&cl, NULL, "key", "Member must not be null");
    if (!e) e = check_attributes_to_get(call, req, &cl);
    if (!e) wire_bool(a, req, "ConsistentRead", &r->consistent, &e);
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return e;
    if ((e = value_map_from_json(a, key_json, &r->key))) return e;
    if ((e = check_attributes_to_get_unique(a, wire_member(req, "AttributesToGet")))) return e;
    if ((e = op_read_expressions(call, req, ALLOW_PROJECTION, &r->exprs))) return e;
    *out = r;
    return NULL;
}

const char *item_read_table_name(const item_read_t *r) { return r->common.table_name; }

ddb_error_t *item_read_run(api_call_t *call, MDB_txn *txn, const table_t *t, item_read_t *r,
                           buf_t *out)
{
    arena_t *a = call->arena;
    const value_t *pk, *sk;
    ddb_error_t *e = key_map_keys(a, t, &r->key, &pk, &sk);
    if (e) return e;
    uint8_t k[KEYCODEC_MAX_KEY];
    MDB_val mk = {keycodec_item_key(pk, sk, k), k}, mv;
    int rc = mdb_get(txn, t->dbi, &mk, &mv);
    value_t item;
    r->found = false;
    r->size = 0;
    if (rc == 0) {
        /* Decoded straight from the map: rendered before the transaction ends. */
        if (!value_item_decode(a, mv.mv_data, mv.mv_size, &item, &r->size)) return err_internal(a);
        r->found = stored_item_matches(t, &item, pk, sk);
    } else if (rc != MDB_NOTFOUND && rc != EINVAL) {
        return err_internal(a);
    }
    if (!r->found) return NULL;
    const value_t *shown = &item;
    value_t projected;
    if (r->exprs.projection) {
        const expr_path_t *paths;
        size_t n = expr_paths(r->exprs.projection, &paths);
        expr_project(a, &item, paths, n, &projected);
        shown = &projected;
    }
    value_map_write_json(out, shown);
    return NULL;
}

bool item_read_found(const item_read_t *r) { return r->found; }

double item_read_units(const item_read_t *r)
{
    return read_units(r->found ? r->size : 0, r->consistent);
}

api_result_t op_get_item(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    item_read_t *r;
    ddb_error_t *e = item_read_prepare(call, req, &r);
    if (e) return op_reply_error(call, e);
    MDB_txn *txn = op_read_begin(call);
    if (!txn) return op_reply_error(call, err_internal(a));
    table_t *t = catalog_acquire(r->common.table_name, strlen(r->common.table_name));
    buf_t *out = call->out;
    if (!t) {
        e = err_table_not_found_op(a);
    } else {
        buf_append_str(out, "{\"Item\":");
        e = item_read_run(call, txn, t, r, out);
        bool first = !r->found;
        if (!r->found) out->len = 1; /* no Item: keep just the "{" */
        if (!e) {
            op_render_capacity(out, t, r->common.capacity, item_read_units(r), &first);
            buf_putc(out, '}');
        }
    }
    op_read_end(call, txn);
    catalog_release(t);
    if (e) return op_reply_error(call, e);
    return op_reply_ok(call);
}
