/* index: secondary-index entries and their maintenance; see index.h. */
#include "index.h"

#include "capacity.h"

#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "insights.h"
#include "keycodec.h"
#include "stats.h"
#include "throttle.h"
#include "storage.h"
#include "tabledef.h"

static const value_t *attr(const value_t *item, const char *name)
{
    return name ? value_map_get(item, name, strlen(name)) : NULL;
}

typedef enum { KEY_OK, KEY_TYPE, KEY_EMPTY, KEY_SIZE } key_fault_t;

/* Whether v can be the value of a key attribute of type `type` (a sort key
 * attribute when range). */
static key_fault_t key_value_fault(value_type_t type, bool range, const value_t *v)
{
    if (v->type != type) return KEY_TYPE;
    if ((v->type == VALUE_S || v->type == VALUE_B) && v->u.bytes.len == 0) return KEY_EMPTY;
    if (value_size(v) > (range ? INDEX_RANGE_KEY_MAX : INDEX_HASH_KEY_MAX)) return KEY_SIZE;
    return KEY_OK;
}

/* The key attributes of ix, partition key first, in key-schema order. */
static const key_part_t *key_part(const index_def_t *ix, size_t i, bool *range)
{
    *range = i >= ix->hash_count;
    return *range ? &ix->range_parts[i - ix->hash_count] : &ix->hash_parts[i];
}

static ddb_error_t *check_index_item(arena_t *a, const index_def_t *ix, const value_t *item)
{
    for (size_t i = 0; i < ix->hash_count + ix->range_count; i++) {
        bool range;
        const key_part_t *part = key_part(ix, i, &range);
        const value_t *v = attr(item, part->name);
        switch (v ? key_value_fault(part->type, range, v) : KEY_OK) {
        case KEY_OK: break;
        case KEY_TYPE:
            return err_key_type_mismatch(a, part->name, value_type_name(part->type),
                                         value_type_name(v->type), ix->name);
        case KEY_EMPTY: return err_empty_index_key(a, v->type == VALUE_S, ix->name, part->name);
        case KEY_SIZE: return range ? err_range_key_too_large(a) : err_hash_key_too_large(a);
        }
    }
    return NULL;
}

ddb_error_t *index_check_item(arena_t *a, const table_t *t, const value_t *item)
{
    ddb_error_t *e = NULL;
    for (size_t i = 0; !e && i < t->index_count; i++) e = check_index_item(a, &t->indexes[i], item);
    return e;
}

size_t index_table_key(const table_t *t, const value_t *item, uint8_t out[KEYCODEC_MAX_KEY])
{
    return keycodec_item_key(attr(item, t->keys.hash), attr(item, t->keys.range), out);
}

bool index_key_value(const index_def_t *ix, bool range, const value_t *item,
                     uint8_t scratch[KEYCODEC_MAX_TUPLE], value_t *out)
{
    const key_part_t *parts = range ? ix->range_parts : ix->hash_parts;
    size_t n = range ? ix->range_count : ix->hash_count;
    if (n == 1) {
        const value_t *v = attr(item, parts[0].name);
        if (v) *out = *v;
        return v != NULL;
    }
    const value_t *values[CATALOG_KEY_PARTS_MAX];
    for (size_t i = 0; i < n; i++)
        if (!(values[i] = attr(item, parts[i].name))) return false;
    size_t len;
    if (n == 0 || !keycodec_tuple_encode(values, n, false, scratch, &len)) return false;
    out->type = VALUE_B;
    out->u.bytes.ptr = (const char *)scratch;
    out->u.bytes.len = len;
    return true;
}

bool index_entry_key(const table_t *t, const index_def_t *ix, const value_t *item,
                     uint8_t out[KEYCODEC_MAX_KEY], size_t *len)
{
    for (size_t i = 0; i < ix->hash_count + ix->range_count; i++) {
        bool range;
        const key_part_t *part = key_part(ix, i, &range);
        const value_t *v = attr(item, part->name);
        if (!v || key_value_fault(part->type, range, v) != KEY_OK) return false;
    }
    uint8_t pk_bytes[KEYCODEC_MAX_TUPLE], sk_bytes[KEYCODEC_MAX_TUPLE];
    value_t ipk, isk;
    if (!index_key_value(ix, false, item, pk_bytes, &ipk)) return false;
    bool sorted = ix->range_count > 0;
    if (sorted && !index_key_value(ix, true, item, sk_bytes, &isk)) return false;
    uint8_t table_key[KEYCODEC_MAX_KEY];
    size_t tk = index_table_key(t, item, table_key);
    *len = keycodec_index_key(&ipk, sorted ? &isk : NULL, table_key, tk, out);
    return true;
}

bool index_key_attribute(const index_def_t *ix, const char *name, size_t len)
{
    for (size_t i = 0; i < ix->hash_count + ix->range_count; i++) {
        bool range;
        const char *k = key_part(ix, i, &range)->name;
        if (strlen(k) == len && memcmp(k, name, len) == 0) return true;
    }
    return false;
}

static bool is_key_attribute(const table_t *t, const index_def_t *ix, const char *name, size_t len)
{
    const char *keys[2] = {t->keys.hash, t->keys.range};
    for (int i = 0; i < 2; i++)
        if (keys[i] && strlen(keys[i]) == len && memcmp(keys[i], name, len) == 0) return true;
    return index_key_attribute(ix, name, len);
}

/* The item as the index projects it. */
static void project_entry(arena_t *a, const table_t *t, const index_def_t *ix,
                          const value_t *item, value_t *out)
{
    if (ix->projection == PROJECTION_ALL) {
        *out = *item;
        return;
    }
    out->type = VALUE_M;
    out->u.map.members = arena_alloc(a, (item->u.map.count + 1) * sizeof(value_member_t));
    out->u.map.count = 0;
    for (size_t i = 0; i < item->u.map.count; i++) {
        const value_member_t *m = &item->u.map.members[i];
        bool keep = is_key_attribute(t, ix, m->name, m->name_len);
        for (size_t k = 0; !keep && k < ix->non_key_count; k++)
            keep = strlen(ix->non_key[k]) == m->name_len &&
                   memcmp(ix->non_key[k], m->name, m->name_len) == 0;
        if (keep) out->u.map.members[out->u.map.count++] = *m;
    }
}

/* Write item's entry in ix at key (len bytes); *size is the entry's item
 * size.  flags: mdb_put's (MDB_NOOVERWRITE keeps an entry already there, and
 * *size is then 0). */
static int put_entry(MDB_txn *txn, arena_t *a, const table_t *t, const index_def_t *ix,
                     const value_t *item, const uint8_t *key, size_t len, unsigned flags,
                     buf_t *scratch, size_t *size)
{
    value_t entry;
    project_entry(a, t, ix, item, &entry);
    *size = value_item_size(&entry);
    scratch->len = 0;
    value_item_encode(scratch, &entry, *size);
    MDB_val k = {len, (void *)key}, v = {scratch->len, scratch->data};
    int rc = mdb_put(txn, ix->dbi, &k, &v, flags);
    if (rc == MDB_KEYEXIST) {
        *size = 0;
        return 0;
    }
    return rc;
}

/* The item size of item's entry in ix (it has one). */
static size_t entry_size(arena_t *a, const table_t *t, const index_def_t *ix, const value_t *item)
{
    if (ix->projection == PROJECTION_ALL) return value_item_size(item);
    value_t entry;
    project_entry(a, t, ix, item, &entry);
    return value_item_size(&entry);
}

/* Whether old and new project the same entry in ix. */
static bool entry_unchanged(arena_t *a, const table_t *t, const index_def_t *ix,
                            const value_t *old_item, const value_t *new_item)
{
    value_t before, after;
    project_entry(a, t, ix, old_item, &before);
    project_entry(a, t, ix, new_item, &after);
    return value_equal(&before, &after);
}

/* A request's write put or deleted item's entry (key) in ix at a cost of
 * units: a GSI's partition of that key is charged (throttle.h), and the
 * index's partition key (and sort key) counts in its Contributor Insights
 * (insights.h) as an access. */
static void entry_charged(const table_t *t, const index_def_t *ix, const value_t *item,
                          const uint8_t *key, double units)
{
    if (throttle_on && ix->global)
        throttle_charge_index_partition(t->name, ix->name, keycodec_key_hash(key), true, units);
    if (!t->insights_count) return;
    const insights_setting_t *st = insights_setting_find(t, ix->name);
    if (!st || !st->enabled) return;
    uint8_t pk_scratch[KEYCODEC_MAX_TUPLE], sk_scratch[KEYCODEC_MAX_TUPLE];
    value_t pk, sk;
    if (!index_key_value(ix, false, item, pk_scratch, &pk)) return;
    bool ranged = index_key_value(ix, true, item, sk_scratch, &sk);
    insights_note_access(t, ix->name, &pk, ranged ? &sk : NULL);
}

int index_update(MDB_txn *txn, arena_t *a, const table_t *t, const value_t *old_item,
                 const value_t *new_item)
{
    return index_update_charged(txn, a, t, old_item, new_item, NULL);
}

int index_update_charged(MDB_txn *txn, arena_t *a, const table_t *t, const value_t *old_item,
                         const value_t *new_item, double *units)
{
    buf_t encoded;
    buf_init(&encoded);
    int rc = 0;
    for (size_t i = 0; !rc && i < t->index_count; i++) {
        const index_def_t *ix = &t->indexes[i];
        uint8_t old_key[KEYCODEC_MAX_KEY], new_key[KEYCODEC_MAX_KEY];
        size_t old_len = 0, new_len = 0;
        bool had = old_item && index_entry_key(t, ix, old_item, old_key, &old_len);
        bool has = new_item && index_entry_key(t, ix, new_item, new_key, &new_len);
        bool same = had && has && old_len == new_len && memcmp(old_key, new_key, old_len) == 0;
        if (same && ix->status == INDEX_CREATING) {
            /* a backfill may not have reached the old item yet */
            MDB_val k = {old_len, old_key}, v;
            rc = mdb_get(txn, ix->dbi, &k, &v);
            if (rc == MDB_NOTFOUND) had = same = false, rc = 0;
            if (rc) break;
        }
        int64_t items = 0, bytes = 0;
        size_t old_size = had ? entry_size(a, t, ix, old_item) : 0;
        if (units) units[i] = 0;
        if (had && !same) {
            MDB_val k = {old_len, old_key};
            rc = mdb_del(txn, ix->dbi, &k, NULL);
            if (rc == 0) items--, bytes -= (int64_t)old_size;
            else if (rc == MDB_NOTFOUND) rc = 0;
            if (units) {
                units[i] += capacity_write_units(old_size);
                entry_charged(t, ix, old_item, old_key, capacity_write_units(old_size));
            }
        }
        if (!rc && has) {
            size_t size;
            rc = put_entry(txn, a, t, ix, new_item, new_key, new_len, 0, &encoded, &size);
            bytes += (int64_t)size;
            if (same) bytes -= (int64_t)old_size;
            else items++;
            /* An entry rewritten in place costs as a table item does (the
             * larger of its two sizes); one left as it was costs nothing. */
            if (units && !(same && entry_unchanged(a, t, ix, old_item, new_item))) {
                double put = capacity_write_units(same && old_size > size ? old_size : size);
                units[i] += put;
                entry_charged(t, ix, new_item, new_key, put);
            }
        }
        if (!rc) rc = stats_add(txn, ix->dbi_name, items, bytes);
    }
    buf_free(&encoded);
    return rc;
}

int index_collection_add(MDB_txn *txn, const table_t *t, const value_t *pk, int64_t delta,
                         bool dry_run, uint64_t *size)
{
    uint8_t prefix[KEYCODEC_MAX_KEY];
    MDB_val k = {keycodec_partition_prefix(pk, prefix), prefix}, v;
    uint64_t bytes = 0;
    int rc = mdb_get(txn, t->collections_dbi, &k, &v);
    if (rc == 0 && v.mv_size == sizeof bytes) memcpy(&bytes, v.mv_data, sizeof bytes);
    else if (rc && rc != MDB_NOTFOUND) return rc;
    bytes = delta < 0 && (uint64_t)-delta > bytes ? 0 : bytes + (uint64_t)delta;
    *size = bytes;
    if (dry_run) return 0;
    if (bytes == 0) {
        rc = mdb_del(txn, t->collections_dbi, &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : rc;
    }
    MDB_val nv = {sizeof bytes, &bytes};
    return mdb_put(txn, t->collections_dbi, &k, &nv, 0);
}

/* --- online backfill ------------------------------------------------------------------ */

#define BACKFILL_STEP_ITEMS 512

int table_walk_step(MDB_txn *txn, const table_t *t, table_walk_t *w, size_t max, arena_t *a,
                    int (*visit)(void *ctx, const MDB_val *key, const value_t *item), void *ctx,
                    bool *done)
{
    *done = false;
    arena_reset(a);
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, t->dbi, &c);
    if (rc) return rc;
    MDB_val k = {w->resume_len, w->resume}, v;
    rc = mdb_cursor_get(c, &k, &v, w->resume_len ? MDB_SET_RANGE : MDB_FIRST);
    for (size_t n = 0; rc == 0 && n < max; n++) {
        value_t item;
        if (value_item_decode(a, v.mv_data, v.mv_size, &item, NULL) &&
            (rc = visit(ctx, &k, &item)))
            break;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    if (rc == 0) { /* more to do: resume at this key */
        memcpy(w->resume, k.mv_data, k.mv_size);
        w->resume_len = k.mv_size;
    }
    mdb_cursor_close(c);
    if (rc == MDB_NOTFOUND) {
        *done = true;
        rc = 0;
    }
    return rc;
}

typedef struct {
    storage_job_t job;
    table_t *table; /* a version with the index; writes follow catalog_latest() */
    char *name;
    table_walk_t walk; /* committed progress */
    table_walk_t next; /* the progress of the step in flight */
    arena_t *arena;
    buf_t scratch;
    /* the step in flight */
    MDB_txn *txn;
    const table_t *latest;
    const index_def_t *index;
    int64_t step_items, step_bytes; /* entries it added */
    table_t *activated; /* the last step: the definition with the index ACTIVE */
} backfill_t;

static const index_def_t *backfill_index(const table_t *t, const char *name)
{
    const index_def_t *ix = tabledef_index_find(t, name, strlen(name));
    return ix && ix->status == INDEX_CREATING ? ix : NULL;
}

/* An entry a write made since the index was added is left as it is: it
 * is the same as the one the item would get now. */
static int backfill_visit(void *ctx, const MDB_val *key, const value_t *item)
{
    backfill_t *b = ctx;
    uint8_t ikey[KEYCODEC_MAX_KEY];
    size_t len, size;
    if (!index_entry_key(b->latest, b->index, item, ikey, &len)) return 0;
    int rc = put_entry(b->txn, b->arena, b->latest, b->index, item, ikey, len, MDB_NOOVERWRITE,
                       &b->scratch, &size);
    if (!rc && size) {
        b->step_items++;
        b->step_bytes += (int64_t)size;
    }
    return rc;
}

static int backfill_step(storage_job_t *job, MDB_txn *txn, bool *finished)
{
    backfill_t *b = (backfill_t *)job;
    table_t *t = catalog_latest(b->table);
    const index_def_t *ix = t->dropped ? NULL : backfill_index(t, b->name);
    if (!ix) { /* the table or the index went away */
        *finished = true;
        return 0;
    }
    b->txn = txn;
    b->latest = t;
    b->index = ix;
    b->next = b->walk;
    b->step_items = b->step_bytes = 0;
    bool done;
    int rc = table_walk_step(txn, t, &b->next, BACKFILL_STEP_ITEMS, b->arena, backfill_visit, b,
                             &done);
    if (!rc) rc = stats_add(txn, ix->dbi_name, b->step_items, b->step_bytes);
    if (rc || !done) return rc;
    /* The index becomes ACTIVE in a new version of the definition, published
     * once this step is committed (backfill_settle). */
    table_t *next = catalog_table_clone(t);
    ((index_def_t *)tabledef_index_find(next, b->name, strlen(b->name)))->status = INDEX_ACTIVE;
    if ((rc = catalog_table_store(txn, next))) {
        catalog_release(next);
        return rc;
    }
    b->activated = next;
    *finished = true;
    return 0;
}

static void backfill_settle(storage_job_t *job, bool committed)
{
    backfill_t *b = (backfill_t *)job;
    if (committed) b->walk = b->next;
    if (committed && b->activated) catalog_replace(catalog_latest(b->table), b->activated);
    if (b->activated) catalog_release(b->activated);
    b->activated = NULL;
}

static void backfill_done(storage_job_t *job, bool aborted)
{
    backfill_t *b = (backfill_t *)job;
    catalog_release(b->table);
    arena_free(b->arena);
    buf_free(&b->scratch);
    free(b->name);
    free(b);
}

void index_backfill_start(table_t *t, const char *name)
{
    backfill_t *b = calloc(1, sizeof *b);
    if (!b) abort();
    b->job.step = backfill_step;
    b->job.settle = backfill_settle;
    b->job.done = backfill_done;
    catalog_retain(t);
    b->table = t;
    b->name = strdup(name);
    b->arena = arena_new(0);
    buf_init(&b->scratch);
    if (!b->name) abort();
    storage_submit_job(&b->job);
}
