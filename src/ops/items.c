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
#include "stats.h"
#include "pitr.h"
#include "streams.h"
#include "insights.h"
#include "throttle.h"
#include "ttl.h"
#include "ops/ops.h"
#include "replication.h"
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

static ddb_error_t *read_common(api_call_t *call, const json_value_t *req, item_common_t *c,
                                constraint_list_t *cl)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    memset(c, 0, sizeof *c);
    const char *rv = NULL, *ricm = NULL, *rvf = NULL;
    wire_string(a, req, "TableName", &c->table_name, NULL, &e);
    if (!e) wire_string(a, req, "ReturnValues", &rv, NULL, &e);
    if (!e) wire_string(a, req, "ReturnItemCollectionMetrics", &ricm, NULL, &e);
    if (!e) wire_string(a, req, "ReturnValuesOnConditionCheckFailure", &rvf, NULL, &e);
    if (e) return e;
    constraint_name(cl, c->table_name, "tableName");
    if ((e = capacity_mode_read(a, req, cl, &c->capacity))) return e;
    int i = constraint_enum(cl, rv, &ENUM_RETURN_VALUES, "returnValues");
    if (i > 0) c->return_values = (return_values_t)i;
    c->return_metrics = constraint_enum(cl, ricm, &ENUM_RETURN_ITEM_COLLECTION_METRICS,
                                        "returnItemCollectionMetrics") == 1;
    c->return_old_on_failure = constraint_enum(cl, rvf, &ENUM_RETURN_VALUES_ON_FAILURE,
                                               "returnValuesOnConditionCheckFailure") == 1;
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
        return err_hash_key_too_large(a);
    if (sk && value_size(sk) > RANGE_KEY_MAX)
        return err_range_key_too_large(a);
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
        if (!v) return err_item_missing_key(a, names[i]);
        *mistyped = v->type != types[i];
        if (v->type != types[i])
            return err_key_type_mismatch(a, names[i], value_type_name(types[i]),
                                         value_type_name(v->type), NULL);
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
    bool untouched; /* an update that left its missing item missing */
    size_t old_size, new_size;
    value_t *old_item; /* decoded from a copy, when needed */
    MDB_val old_encoded; /* that copy: the old item in its stored form */
    replication_version_t old_version; /* the version the old item carried */
    value_t *new_item; /* PutItem and UpdateItem */
    bool has_collection;
    uint64_t collection_size; /* tables with LSIs */
    ddb_error_t *deferred; /* found while preparing, reported when applied */
    /* write units the change cost on each index of `charged` (the table
     * as applied); NULL: none */
    double *index_units;
    const table_t *charged;
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

static bool needs_old_item(const item_write_t *iw, const table_t *t)
{
    return iw->exprs.condition || iw->kind == WRITE_UPDATE ||
           iw->common.return_values != RETURN_NONE || t->index_count || t->stream_id ||
           t->ttl_attribute || (iw->kind == WRITE_DELETE && t->pitr_enabled) ||
           (replication_on && iw->kind == WRITE_DELETE);
}

/* The old item, copied out of the map so that it outlives the transaction;
 * c is left on it, for the write to replace or delete it there. */
static int read_old_item(item_write_t *iw, MDB_cursor *c, MDB_val *key)
{
    MDB_val old;
    int rc = mdb_cursor_get(c, key, &old, MDB_SET);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc;
    arena_t *a = iw->call->arena;
    replication_version_read(&old, &iw->old_version, &old);
    const uint8_t *p = old.mv_data;
    uint64_t size = 0;
    varint_get(&p, p + old.mv_size, &size);
    iw->had_old = true;
    iw->old_size = (size_t)size;
    if (!needs_old_item(iw, catalog_latest(iw->table))) return 0;
    uint8_t *copy = arena_alloc(a, old.mv_size);
    memcpy(copy, old.mv_data, old.mv_size);
    iw->old_encoded = (MDB_val){old.mv_size, copy};
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

/* A change of one item: its old and new versions (NULL: absent, or the
 * old one not decoded when nothing below needs it), their stored forms
 * when at hand, and their sizes (0: absent). */
typedef struct {
    const value_t *old_item, *new_item;
    const MDB_val *old_encoded, *new_encoded;
    size_t old_size, new_size;
    bool by_service; /* a TTL deletion */
    double *index_units; /* set to what each index's change costs; NULL: not needed */
    uint64_t stamp; /* the version the new item carries (replication_stamp; 0: none) */
    const replication_version_t *old_version; /* the one the old item carried; NULL: none */
} item_change_t;

/* What follows a change of an item in its transaction: the table's counts,
 * its index entries (and their counts), its entry in the expiry index, its
 * change record. */
static int item_changed(MDB_txn *txn, arena_t *a, const table_t *t, const MDB_val *key,
                        const item_change_t *c)
{
    int rc = stats_add(txn, t->dbi_name, (c->new_size > 0) - (c->old_size > 0),
                       (int64_t)c->new_size - (int64_t)c->old_size);
    if (!rc && t->index_count)
        rc = index_update_charged(txn, a, t, c->old_item, c->new_item, c->index_units);
    if (!rc && t->ttl_attribute) rc = ttl_update(txn, t, key, c->old_item, c->new_item);
    uint64_t version = 0, sequence = 0;
    if (!rc && replication_on)
        rc = replication_version(txn, t, key, c->old_item, c->new_item, c->stamp, c->old_version,
                                 &version);
    if (!rc)
        rc = streams_record(txn, t, c->old_item, c->new_item, c->old_encoded, c->new_encoded,
                            c->by_service, version, &sequence);
    if (!rc && version && sequence) replication_logged(t, sequence);
    if (!rc) rc = pitr_record(txn, t, c->old_item, c->new_item, c->old_encoded, c->new_encoded);
    return rc;
}

/* A stored item (found: its stored form in the map, NULL: none), copied
 * out of the map (so that it outlives a deletion in the transaction)
 * without the version it carries (in *version) and decoded: 0 with *item
 * NULL when there is none. */
static int stored_item_take(arena_t *a, const MDB_val *found, value_t **item, MDB_val *stored,
                            size_t *size, replication_version_t *version)
{
    *item = NULL;
    *stored = (MDB_val){0, NULL};
    *size = 0;
    version->has = false;
    if (!found) return 0;
    MDB_val v;
    replication_version_read(found, version, &v);
    *stored = (MDB_val){v.mv_size, arena_alloc(a, v.mv_size)};
    memcpy(stored->mv_data, v.mv_data, v.mv_size);
    *item = arena_alloc(a, sizeof **item);
    if (!value_item_decode(a, stored->mv_data, v.mv_size, *item, size)) return MDB_CORRUPTED;
    return 0;
}

/* The item stored under key, as stored_item_take leaves it. */
static int stored_item_read(MDB_txn *txn, arena_t *a, const table_t *t, const MDB_val *key,
                            value_t **item, MDB_val *stored, size_t *size,
                            replication_version_t *version)
{
    MDB_val v;
    int rc = mdb_get(txn, t->dbi, (MDB_val *)key, &v);
    if (rc && rc != MDB_NOTFOUND) return rc;
    return stored_item_take(a, rc ? NULL : &v, item, stored, size, version);
}

int item_write_replicated(MDB_txn *txn, arena_t *a, table_t *t, const MDB_val *key,
                          const MDB_val *found, const value_t *new_item, uint64_t ts,
                          const char *origin)
{
    value_t *old_item;
    MDB_val old_copy;
    size_t old_size;
    replication_version_t old_version;
    int rc = stored_item_take(a, found, &old_item, &old_copy, &old_size, &old_version);
    if (rc) return rc;
    if (!new_item && !old_item) return 0;
    const value_t *item = new_item ? new_item : old_item;
    const value_t *pk = value_map_get(item, t->keys.hash, strlen(t->keys.hash));
    size_t new_size = new_item ? value_item_size(new_item) : 0;
    double *units = t->index_count ? arena_calloc(a, t->index_count * sizeof(double)) : NULL;
    uint64_t collection;
    if (t->has_collections && pk &&
        (rc = index_collection_add(txn, t, pk, (int64_t)new_size - (int64_t)old_size, false,
                                   &collection)))
        return rc;
    if (!new_item) {
        if ((rc = mdb_del(txn, t->dbi, (MDB_val *)key, NULL))) return rc;
        item_change_t change = {old_item, NULL, &old_copy, NULL, old_size, 0, false, units, 0, NULL};
        return item_changed(txn, a, t, key, &change);
    }
    buf_t encoded;
    buf_init(&encoded);
    value_item_version_put(&encoded, ts, origin);
    size_t head = encoded.len;
    value_item_encode(&encoded, new_item, new_size);
    MDB_val val = {encoded.len, encoded.data}, image = {encoded.len - head, encoded.data + head};
    rc = mdb_put(txn, t->dbi, (MDB_val *)key, &val, 0);
    item_change_t change = {old_item, new_item, old_item ? &old_copy : NULL, &image, old_size,
                            new_size, false, units, ts, &old_version};
    if (!rc) rc = item_changed(txn, a, t, key, &change);
    buf_free(&encoded);
    return rc;
}

static int item_apply(storage_write_t *w, MDB_txn *txn)
{
    return item_write_apply((item_write_t *)w, txn);
}

/* The write, with c on the table: the old item is read through c and the
 * new one written (or the old one deleted) at the position that left, one
 * descent of the tree for both (a large table's pages are far from the
 * CPU's caches).  Between the two only other DBIs are written, which moves
 * no cursor of this one. */
static int item_write_at(item_write_t *iw, MDB_txn *txn, table_t *t, MDB_cursor *c)
{
    arena_t *a = iw->call->arena;
    MDB_val key = {iw->key_len, iw->key};
    int rc = read_old_item(iw, c, &key);
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
        if ((rc = mdb_cursor_del(c, 0))) return rc;
        if ((rc = add_to_collection(iw, txn, t, -(int64_t)iw->old_size))) return rc;
        item_change_t change = {iw->old_item, NULL, &iw->old_encoded, NULL, iw->old_size, 0,
                                false, iw->index_units, 0, &iw->old_version};
        return item_changed(txn, a, t, &key, &change);
    }

    if (iw->kind == WRITE_UPDATE) {
        const value_t *base = iw->old_item ? iw->old_item : key_only_item(iw);
        if (iw->exprs.update) {
            iw->new_item = arena_alloc(a, sizeof(value_t));
            if ((iw->error = expr_update_apply(&iw->exprs.env, iw->exprs.update, base,
                                               iw->new_item)))
                return 0;
            /* Taking attributes away from nothing creates nothing (an
             * update without actions does create the item). */
            if (!iw->had_old && expr_update_only_removes(iw->exprs.update)) {
                iw->new_item = NULL;
                iw->untouched = true;
                return 0;
            }
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
    uint64_t stamp = 0;
    if (replication_on && (rc = replication_stamp(txn, t, &key, &iw->old_version, &encoded, &stamp))) {
        buf_free(&encoded);
        return rc;
    }
    size_t head = encoded.len; /* the version the item carries, if any */
    value_item_encode(&encoded, iw->new_item, iw->new_size);
    MDB_val val = {encoded.len, encoded.data}, image = {encoded.len - head, encoded.data + head};
    /* In place when the item exists (LMDB moves the entry itself when the
     * new value's size differs); a new key is found again. */
    rc = mdb_cursor_put(c, &key, &val, iw->had_old ? MDB_CURRENT : 0);
    item_change_t change = {iw->had_old ? iw->old_item : NULL, iw->new_item,
                            iw->old_item ? &iw->old_encoded : NULL, &image,
                            iw->had_old ? iw->old_size : 0, iw->new_size, false,
                            iw->index_units, stamp, &iw->old_version};
    if (!rc) rc = item_changed(txn, a, t, &key, &change);
    buf_free(&encoded);
    return rc;
}

int item_write_apply(item_write_t *iw, MDB_txn *txn)
{
    table_t *t = catalog_latest(iw->table); /* with the indexes added since */
    arena_t *a = iw->call->arena;
    /* A batch retried write by write runs apply again: start clean. */
    iw->gone = false, iw->error = NULL, iw->had_old = false, iw->old_size = 0;
    iw->has_collection = false, iw->untouched = false;
    iw->old_item = NULL, iw->new_item = NULL, iw->new_size = 0;
    iw->index_units = NULL, iw->charged = t, iw->old_version.has = false;
    if (t->index_count) iw->index_units = arena_calloc(a, t->index_count * sizeof(double));
    if (iw->deferred) {
        iw->error = iw->deferred;
        return 0;
    }
    if (t->dropped) {
        iw->gone = true;
        return 0;
    }
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, t->dbi, &c);
    if (rc) return rc;
    rc = item_write_at(iw, txn, t, c);
    mdb_cursor_close(c);
    return rc;
}

int item_expire(MDB_txn *txn, arena_t *a, table_t *t, const uint8_t *key, size_t key_len,
                int64_t expiry_ms, int64_t now_ms, size_t *deleted_size)
{
    *deleted_size = 0;
    MDB_val k = {key_len, (void *)key}, stored;
    value_t *item;
    size_t size;
    replication_version_t version;
    int rc = stored_item_read(txn, a, t, &k, &item, &stored, &size, &version);
    if (rc) return rc;
    if (!item) return ttl_remove(txn, t, expiry_ms, key, key_len);
    int64_t expiry;
    bool due = ttl_item_expiry(t, item, &expiry) && expiry == expiry_ms && expiry < now_ms;
    if (!due || expiry < now_ms - TTL_MAX_PAST_MS) /* stale, or too old to be meant */
        return ttl_remove(txn, t, expiry_ms, key, key_len);
    if ((rc = mdb_del(txn, t->dbi, &k, NULL))) return rc;
    if (t->has_collections) {
        const value_t *pk = value_map_get(item, t->keys.hash, strlen(t->keys.hash));
        uint64_t collection;
        if (pk && (rc = index_collection_add(txn, t, pk, -(int64_t)size, false, &collection)))
            return rc;
    }
    item_change_t change = {item, NULL, &stored, NULL, size, 0, true, NULL, 0, &version};
    if ((rc = item_changed(txn, a, t, &k, &change))) return rc;
    *deleted_size = size;
    return 0;
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
        if (iw->error->kind == ERR_CONDITIONAL_CHECK_FAILED) {
            /* a failed condition still costs the write */
            capacity_t used = {.table = t->name, .write = true,
                               .units = capacity_write_units(item_write_size(iw)),
                               .keyed = true, .hash = keycodec_key_hash(iw->key)};
            capacity_account(&used);
        }
        op_reply_error(call, iw->error);
    } else {
        buf_t *out = call->out;
        bool first = true;
        buf_putc(out, '{');
        const value_t *attrs = returned_attributes(iw);
        if (attrs && attrs->u.map.count) {
            buf_append_str(out, "\"Attributes\":");
            value_map_write_json(out, attrs);
            first = false;
        }
        capacity_t used[1];
        size_t nused = 0;
        item_write_add_capacity(&iw, 1, 1.0, used, &nused);
        capacity_render(out, iw->common.capacity, &used[0], &first);
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

ddb_error_t *item_write_result(const item_write_t *iw, bool *gone)
{
    *gone = iw->gone;
    return iw->error;
}

const value_t *item_write_old_item(const item_write_t *iw) { return iw->old_item; }

const value_t *item_write_returned(item_write_t *iw) { return returned_attributes(iw); }

void item_write_release(item_write_t *iw) { catalog_release(iw->table); }

bool item_write_frees(const item_write_t *iw)
{
    return iw->kind == WRITE_DELETE || iw->kind == WRITE_CHECK;
}

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

void item_write_add_capacity(item_write_t *const *writes, size_t count, double factor,
                             capacity_t *list, size_t *n)
{
    for (size_t i = 0; i < count; i++) {
        const item_write_t *iw = writes[i];
        double units = factor * capacity_write_units(item_write_size(iw));
        size_t before = *n;
        capacity_add(list, n, iw->table->name, true, units);
        if (throttle_on && !iw->deferred) {
            /* the partition's share: with the table's when the entry is
             * this item's alone, else item by item */
            uint64_t hash = keycodec_key_hash(iw->key);
            if (count == 1 && *n == before + 1) {
                list[before].keyed = true;
                list[before].hash = hash;
            } else {
                throttle_charge_partition(iw->table->name, hash, true, units);
            }
        }
        for (size_t k = 0; iw->index_units && k < iw->charged->index_count; k++)
            if (iw->index_units[k] > 0)
                capacity_add_index(iw->call->arena, list, n, iw->table->name, true,
                                   iw->charged->indexes[k].name, iw->charged->indexes[k].global,
                                   factor * iw->index_units[k]);
    }
}

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
        constraint_required(&cl, false, kind == WRITE_PUT ? "item" : "key");
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
    insights_note_access(t, NULL, iw->pk, iw->sk);
    *iw_out = iw;
    return NULL;
}

/* A put's entries in the table's GSIs: each against its index partition
 * (the new item's index keys are known before it is written; an update's
 * or a delete's are known only once applied, and are charged then). */
static ddb_error_t *put_index_admit(item_write_t *iw)
{
    const table_t *t = iw->table;
    for (size_t i = 0; i < t->index_count; i++) {
        const index_def_t *ix = &t->indexes[i];
        uint8_t key[KEYCODEC_MAX_KEY];
        size_t len;
        if (!ix->global || !index_entry_key(t, ix, iw->put_item, key, &len)) continue;
        ddb_error_t *e =
            throttle_admit_index_write(iw->call->arena, t, ix->name, keycodec_key_hash(key));
        if (!e) continue;
        uint8_t pk_scratch[KEYCODEC_MAX_TUPLE], sk_scratch[KEYCODEC_MAX_TUPLE];
        value_t pk, sk;
        if (index_key_value(ix, false, iw->put_item, pk_scratch, &pk)) {
            bool ranged = index_key_value(ix, true, iw->put_item, sk_scratch, &sk);
            insights_note_throttled(t, ix->name, &pk, ranged ? &sk : NULL);
        }
        return e;
    }
    return NULL;
}

ddb_error_t *item_write_admit(item_write_t *iw)
{
    uint64_t hash = iw->deferred ? 0 : keycodec_key_hash(iw->key);
    ddb_error_t *e = throttle_admit(iw->call->arena, iw->table, true, !iw->deferred, hash);
    if (e && !iw->deferred) insights_note_throttled(iw->table, NULL, iw->pk, iw->sk);
    if (throttle_on && !e && !iw->deferred && iw->put_item && iw->table->index_count)
        e = put_index_admit(iw);
    return e;
}

static api_result_t item_write(api_call_t *call, const json_value_t *req, write_kind_t kind)
{
    item_write_t *iw;
    ddb_error_t *e = prepare_write(call, req, kind, &iw);
    if (e) return op_reply_error(call, e);
    if (throttle_on && (e = item_write_admit(iw))) {
        catalog_release(iw->table);
        return op_reply_error(call, e);
    }
    iw->w.apply = item_apply;
    iw->w.done = item_done;
    iw->w.frees = kind == WRITE_DELETE;
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
    /* the partition-key hash, once item_read_admit found it */
    bool hashed;
    uint64_t hash;
};

ddb_error_t *item_read_prepare(api_call_t *call, const json_value_t *req, item_read_t **out)
{
    arena_t *a = call->arena;
    item_read_t *r = arena_calloc(a, sizeof *r);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    ddb_error_t *e = read_common(call, req, &r->common, &cl);
    const json_value_t *key_json = e ? NULL : wire_container(a, req, "Key", WIRE_MAP, &e);
    if (!e) constraint_required(&cl, key_json != NULL, "key");
    if (!e) e = op_check_attributes_to_get(call, req, &cl);
    if (!e) wire_bool(a, req, "ConsistentRead", &r->consistent, &e);
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return e;
    if ((e = value_map_from_json(a, key_json, &r->key))) return e;
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
    insights_note_access(t, NULL, pk, sk);
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

ddb_error_t *item_read_admit(api_call_t *call, const table_t *t, item_read_t *r)
{
    const value_t *pk, *sk;
    if (key_map_keys(call->arena, t, &r->key, &pk, &sk)) return NULL; /* run reports it */
    r->hash = keycodec_partition_hash(pk);
    r->hashed = true;
    ddb_error_t *e = throttle_admit(call->arena, t, false, true, r->hash);
    if (e) insights_note_throttled(t, NULL, pk, sk);
    return e;
}

void item_read_charge(const table_t *t, const item_read_t *r, double units)
{
    if (throttle_on && r->hashed) throttle_charge_partition(t->name, r->hash, false, units);
}

double item_read_units(const item_read_t *r, bool transactional)
{
    size_t size = r->found ? r->size : 0;
    if (transactional) return CAPACITY_TRANSACTION_FACTOR * capacity_read_units(size, true);
    return capacity_read_units(size, r->consistent);
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
        if (throttle_on) e = item_read_admit(call, t, r);
        buf_append_str(out, "{\"Item\":");
        if (!e) e = item_read_run(call, txn, t, r, out);
        bool first = !r->found;
        if (!r->found) out->len = 1; /* no Item: keep just the "{" */
        if (!e) {
            capacity_t used = {.table = t->name, .units = item_read_units(r, false),
                               .keyed = r->hashed, .hash = r->hash};
            capacity_render(out, r->common.capacity, &used, &first);
            buf_putc(out, '}');
        }
    }
    op_read_end(call, txn);
    catalog_release(t);
    if (e) return op_reply_error(call, e);
    return op_reply_ok(call);
}
