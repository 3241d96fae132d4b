/* ops/items: PutItem, GetItem, DeleteItem. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keycodec.h"
#include "ops/ops.h"
#include "wire.h"

#define HASH_KEY_MAX 2048
#define RANGE_KEY_MAX 1024

/* Members that belong to later parts of the API (expressions and legacy
 * conditions); rejected rather than silently ignored. */
static const char *const unsupported_write_members[] = {
    "ConditionExpression", "Expected", "ExpressionAttributeNames", "ExpressionAttributeValues",
    "ConditionalOperator", NULL};
static const char *const unsupported_read_members[] = {"ProjectionExpression",
                                                       "ExpressionAttributeNames", NULL};

typedef enum { CAPACITY_NONE, CAPACITY_TOTAL, CAPACITY_INDEXES } capacity_mode_t;

/* --- request pieces shared by the item operations ---------------------------- */

typedef struct {
    const char *table_name;
    capacity_mode_t capacity;
    const char *return_values;
} item_common_t;

static ddb_error_t *read_common(api_call_t *call, const json_value_t *req, item_common_t *c,
                                constraint_list_t *cl)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    memset(c, 0, sizeof *c);
    const char *rcc = NULL;
    wire_string(a, req, "TableName", &c->table_name, NULL, &e);
    if (!e) wire_string(a, req, "ReturnConsumedCapacity", &rcc, NULL, &e);
    if (!e) wire_string(a, req, "ReturnValues", &c->return_values, NULL, &e);
    if (e) return e;
    catalog_check_table_name(cl, c->table_name, "tableName");
    if (rcc) {
        if (strcmp(rcc, "TOTAL") == 0) c->capacity = CAPACITY_TOTAL;
        else if (strcmp(rcc, "INDEXES") == 0) c->capacity = CAPACITY_INDEXES;
        else if (strcmp(rcc, "NONE") != 0)
            constraint_list_add(cl, rcc, "returnConsumedCapacity",
                                "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
    }
    if (c->return_values) {
        static const char *const modes[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                            "UPDATED_NEW", NULL};
        bool ok = false;
        for (const char *const *m = modes; *m && !ok; m++) ok = strcmp(*m, c->return_values) == 0;
        if (!ok)
            constraint_list_add(cl, c->return_values, "returnValues",
                                "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, "
                                "ALL_OLD, NONE, UPDATED_NEW]");
    }
    const char *ricm = NULL;
    wire_string(a, req, "ReturnItemCollectionMetrics", &ricm, NULL, &e);
    if (e) return e;
    if (ricm && strcmp(ricm, "SIZE") != 0 && strcmp(ricm, "NONE") != 0)
        constraint_list_add(cl, ricm, "returnItemCollectionMetrics",
                            "Member must satisfy enum value set: [SIZE, NONE]");
    return NULL;
}

static ddb_error_t *check_return_old_only(arena_t *a, const item_common_t *c)
{
    if (c->return_values && strcmp(c->return_values, "NONE") != 0 &&
        strcmp(c->return_values, "ALL_OLD") != 0)
        return err_validation(a, "Return values set to invalid value");
    return NULL;
}

static bool return_all_old(const item_common_t *c)
{
    return c->return_values && strcmp(c->return_values, "ALL_OLD") == 0;
}

static ddb_error_t *check_empty_key_value(arena_t *a, const char *name, const value_t *v)
{
    if (v->type == VALUE_S && v->u.bytes.len == 0)
        return err_validation(a, "One or more parameter values are not valid. The AttributeValue "
                                 "for a key attribute cannot contain an empty string value. Key: %s",
                              name);
    if (v->type == VALUE_B && v->u.bytes.len == 0)
        return err_validation(a, "One or more parameter values are not valid. The AttributeValue "
                                 "for a key attribute cannot contain an empty binary value. Key: %s",
                              name);
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

/* The key attributes of a whole item (PutItem). */
static ddb_error_t *item_keys(arena_t *a, const table_t *t, const value_t *item,
                              const value_t **pk, const value_t **sk)
{
    const char *names[2] = {t->keys.hash, t->keys.range};
    value_type_t types[2] = {t->hash_type, t->range_type};
    const value_t *found[2] = {NULL, NULL};
    for (int i = 0; i < 2 && names[i]; i++) {
        const value_t *v = value_map_get(item, names[i], strlen(names[i]));
        if (!v) return err_invalid_parameter(a, "Missing the key %s in the item", names[i]);
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

/* A Key map (GetItem, DeleteItem): exactly the table's key attributes. */
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

static void render_capacity(buf_t *out, const table_t *t, capacity_mode_t mode, double units,
                            bool *first)
{
    if (mode == CAPACITY_NONE) return;
    if (!*first) buf_putc(out, ',');
    *first = false;
    buf_append_str(out, "\"ConsumedCapacity\":{\"TableName\":");
    json_write_string(out, t->name, strlen(t->name));
    buf_printf(out, ",\"CapacityUnits\":%.1f", units);
    if (mode == CAPACITY_INDEXES) buf_printf(out, ",\"Table\":{\"CapacityUnits\":%.1f}", units);
    buf_putc(out, '}');
}

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

/* --- writes: PutItem and DeleteItem ------------------------------------------------ */

typedef struct {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    const value_t *pk, *sk;
    uint8_t key[KEYCODEC_MAX_KEY];
    size_t key_len;
    bool is_delete;
    buf_t encoded; /* PutItem: the new item */
    size_t new_size;
    capacity_mode_t capacity;
    bool return_old;
    /* results */
    bool gone;
    bool had_old;
    size_t old_size;
    uint8_t *old_bytes; /* copied out of the map when it must be returned */
    size_t old_len;
} item_write_t;

static int item_apply(storage_write_t *w, MDB_txn *txn)
{
    item_write_t *iw = (item_write_t *)w;
    table_t *t = iw->table;
    if (t->dropped) {
        iw->gone = true;
        return 0;
    }
    MDB_val key = {iw->key_len, iw->key}, old;
    int rc = mdb_get(txn, t->dbi, &key, &old);
    if (rc && rc != MDB_NOTFOUND) return rc;
    iw->had_old = rc == 0;
    if (iw->had_old) {
        const uint8_t *p = old.mv_data;
        uint64_t size = 0;
        varint_get(&p, p + old.mv_size, &size);
        iw->old_size = (size_t)size;
        if (iw->return_old) {
            iw->old_bytes = arena_alloc(iw->call->arena, old.mv_size);
            memcpy(iw->old_bytes, old.mv_data, old.mv_size);
            iw->old_len = old.mv_size;
        }
    }
    if (iw->is_delete) {
        if (iw->had_old && (rc = mdb_del(txn, t->dbi, &key, NULL))) return rc;
        return 0;
    }
    MDB_val val = {iw->encoded.len, iw->encoded.data};
    return mdb_put(txn, t->dbi, &key, &val, 0);
}

static void item_done(storage_write_t *w, int status)
{
    item_write_t *iw = (item_write_t *)w;
    api_call_t *call = iw->call;
    table_t *t = iw->table;
    buf_free(&iw->encoded);
    if (status) {
        op_reply_error(call, err_internal(call->arena));
    } else if (iw->gone) {
        op_reply_error(call, err_table_not_found_op(call->arena));
    } else {
        if (iw->is_delete) {
            if (iw->had_old) {
                atomic_fetch_sub(&t->item_count, 1);
                atomic_fetch_sub(&t->size_bytes, (int64_t)iw->old_size);
            }
        } else {
            if (!iw->had_old) atomic_fetch_add(&t->item_count, 1);
            atomic_fetch_add(&t->size_bytes, (int64_t)iw->new_size - (int64_t)iw->old_size);
        }
        buf_t *out = call->out;
        bool first = true;
        buf_putc(out, '{');
        value_t old;
        if (iw->old_bytes &&
            value_item_decode(call->arena, iw->old_bytes, iw->old_len, &old, NULL)) {
            buf_append_str(out, "\"Attributes\":");
            value_map_write_json(out, &old);
            first = false;
        }
        size_t charged = iw->new_size > iw->old_size ? iw->new_size : iw->old_size;
        render_capacity(out, t, iw->capacity, write_units(charged), &first);
        buf_putc(out, '}');
        op_reply_ok(call);
    }
    catalog_release(t);
    op_complete(call);
}

static api_result_t submit_item_write(api_call_t *call, item_write_t *iw)
{
    iw->w.apply = item_apply;
    iw->w.done = item_done;
    iw->call = call;
    iw->key_len = keycodec_item_key(iw->pk, iw->sk, iw->key);
    storage_submit(&iw->w);
    return API_PENDING;
}

api_result_t op_put_item(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    item_common_t c;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    ddb_error_t *e = read_common(call, req, &c, &cl);
    const json_value_t *item_json = e ? NULL : wire_container(a, req, "Item", WIRE_MAP, &e);
    if (e) {
        constraint_list_finish(&cl);
        return op_reply_error(call, e);
    }
    if (!item_json) constraint_list_add(&cl, NULL, "item", "Member must not be null");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    value_t item;
    if ((e = value_map_from_json(a, item_json, &item))) return op_reply_error(call, e);
    if ((e = check_return_old_only(a, &c))) return op_reply_error(call, e);
    if ((e = op_unsupported(call, req, unsupported_write_members))) return op_reply_error(call, e);

    table_t *t = catalog_acquire(c.table_name, strlen(c.table_name));
    if (!t) return op_reply_error(call, err_table_not_found_op(a));
    item_write_t *iw = arena_calloc(a, sizeof *iw);
    if ((e = item_keys(a, t, &item, &iw->pk, &iw->sk))) goto fail;
    iw->new_size = value_item_size(&item);
    if (iw->new_size > ITEM_MAX_SIZE) {
        e = err_item_too_large(a);
        goto fail;
    }
    iw->table = t;
    iw->capacity = c.capacity;
    iw->return_old = return_all_old(&c);
    buf_init(&iw->encoded);
    value_item_encode(&iw->encoded, &item, iw->new_size);
    return submit_item_write(call, iw);
fail:
    catalog_release(t);
    return op_reply_error(call, e);
}

/* Key map of GetItem / DeleteItem, read and checked against the request
 * rules (before the table is known). */
static ddb_error_t *read_key_member(api_call_t *call, const json_value_t *req,
                                    constraint_list_t *cl, const json_value_t **key_json)
{
    ddb_error_t *e = NULL;
    *key_json = wire_container(call->arena, req, "Key", WIRE_MAP, &e);
    if (e) return e;
    if (!*key_json) constraint_list_add(cl, NULL, "key", "Member must not be null");
    return NULL;
}

api_result_t op_delete_item(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    item_common_t c;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const json_value_t *key_json = NULL;
    ddb_error_t *e = read_common(call, req, &c, &cl);
    if (!e) e = read_key_member(call, req, &cl, &key_json);
    if (e) {
        constraint_list_finish(&cl);
        return op_reply_error(call, e);
    }
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    value_t key;
    if ((e = value_map_from_json(a, key_json, &key))) return op_reply_error(call, e);
    if ((e = check_return_old_only(a, &c))) return op_reply_error(call, e);
    if ((e = op_unsupported(call, req, unsupported_write_members))) return op_reply_error(call, e);

    table_t *t = catalog_acquire(c.table_name, strlen(c.table_name));
    if (!t) return op_reply_error(call, err_table_not_found_op(a));
    item_write_t *iw = arena_calloc(a, sizeof *iw);
    if ((e = key_map_keys(a, t, &key, &iw->pk, &iw->sk))) {
        catalog_release(t);
        return op_reply_error(call, e);
    }
    iw->table = t;
    iw->is_delete = true;
    iw->capacity = c.capacity;
    iw->return_old = return_all_old(&c);
    buf_init(&iw->encoded);
    return submit_item_write(call, iw);
}

/* --- GetItem ------------------------------------------------------------------------ */

/* AttributesToGet: names to keep, checked as the service does. */
static ddb_error_t *read_attributes_to_get(api_call_t *call, const json_value_t *req,
                                           constraint_list_t *cl, const json_value_t **list)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    *list = wire_container(a, req, "AttributesToGet", WIRE_LIST, &e);
    if (e || !*list) return e;
    for (size_t i = 0; i < (*list)->u.array.count; i++)
        if ((e = wire_check(a, (*list)->u.array.items[i], WIRE_STRING))) return e;
    if ((*list)->u.array.count == 0)
        constraint_list_add(cl, "[]", "attributesToGet",
                            "Member must have length greater than or equal to 1");
    return NULL;
}

static ddb_error_t *check_attributes_to_get_unique(arena_t *a, const json_value_t *list)
{
    for (size_t i = 0; list && i < list->u.array.count; i++)
        for (size_t k = 0; k < i; k++) {
            const json_value_t *x = list->u.array.items[i], *y = list->u.array.items[k];
            if (x->u.str.len == y->u.str.len && memcmp(x->u.str.ptr, y->u.str.ptr, x->u.str.len) == 0)
                return err_invalid_parameter(a, "Duplicate value in attribute name: %.*s",
                                             (int)x->u.str.len, x->u.str.ptr);
        }
    return NULL;
}

static void project_attributes(value_t *item, const json_value_t *names)
{
    size_t n = 0;
    for (size_t i = 0; i < item->u.map.count; i++) {
        const value_member_t *m = &item->u.map.members[i];
        bool keep = false;
        for (size_t k = 0; k < names->u.array.count && !keep; k++) {
            const json_value_t *name = names->u.array.items[k];
            keep = name->u.str.len == m->name_len && memcmp(name->u.str.ptr, m->name, m->name_len) == 0;
        }
        if (keep) item->u.map.members[n++] = *m;
    }
    item->u.map.count = n;
}

api_result_t op_get_item(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    item_common_t c;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const json_value_t *key_json = NULL, *to_get = NULL;
    bool consistent = false;
    ddb_error_t *e = read_common(call, req, &c, &cl);
    if (!e) e = read_key_member(call, req, &cl, &key_json);
    if (!e) e = read_attributes_to_get(call, req, &cl, &to_get);
    if (!e) wire_bool(a, req, "ConsistentRead", &consistent, &e);
    if (e) {
        constraint_list_finish(&cl);
        return op_reply_error(call, e);
    }
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    value_t key;
    if ((e = value_map_from_json(a, key_json, &key))) return op_reply_error(call, e);
    if ((e = check_attributes_to_get_unique(a, to_get))) return op_reply_error(call, e);
    if ((e = op_unsupported(call, req, unsupported_read_members))) return op_reply_error(call, e);

    MDB_txn *txn = op_read_begin(call);
    if (!txn) return op_reply_error(call, err_internal(a));
    table_t *t = catalog_acquire(c.table_name, strlen(c.table_name));
    const value_t *pk, *sk;
    if (!t) e = err_table_not_found_op(a);
    else e = key_map_keys(a, t, &key, &pk, &sk);
    if (e) goto done;

    uint8_t k[KEYCODEC_MAX_KEY];
    MDB_val mk = {keycodec_item_key(pk, sk, k), k}, mv;
    int rc = mdb_get(txn, t->dbi, &mk, &mv);
    value_t item;
    size_t size = 0;
    bool found = false;
    if (rc == 0) {
        /* Decode straight from the map: the response is rendered before the
         * transaction ends. */
        if (!value_item_decode(a, mv.mv_data, mv.mv_size, &item, &size)) {
            e = err_internal(a);
            goto done;
        }
        found = stored_item_matches(t, &item, pk, sk);
    } else if (rc != MDB_NOTFOUND && rc != EINVAL) {
        e = err_internal(a);
        goto done;
    }
    buf_t *out = call->out;
    bool first = true;
    buf_putc(out, '{');
    if (found) {
        if (to_get) project_attributes(&item, to_get);
        buf_append_str(out, "\"Item\":");
        value_map_write_json(out, &item);
        first = false;
    }
    render_capacity(out, t, c.capacity, read_units(found ? size : 0, consistent), &first);
    buf_putc(out, '}');
done:
    op_read_end(call, txn);
    catalog_release(t);
    if (e) return op_reply_error(call, e);
    return op_reply_ok(call);
}
