/* changelog: records of item changes in shards of logs; see changelog.h. */
#include "changelog.h"

#include <string.h>

#include "byteorder.h"

#define FORMAT 1
#define FLAG_OLD 1
#define FLAG_NEW 2
#define FLAG_SERVICE 4
#define FLAG_VERSION 8
#define FLAG_HIDDEN 16
#define KEY_LEN 20 /* u64 log | u32 shard | u64 sequence */

static MDB_dbi dbi;
/* The highest key appended (writer thread): a key above it goes in with
 * MDB_APPEND, which fills pages instead of splitting them in halves.  After
 * an aborted transaction it may be above the stored highest key, which
 * only costs that optimisation. */
static uint8_t top_key[KEY_LEN];
static bool top_known;

int changelog_open(MDB_txn *txn)
{
    int rc = mdb_dbi_open(txn, "changelog", MDB_CREATE, &dbi);
    if (rc) return rc;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(txn, dbi, &c))) return rc;
    MDB_val k, v;
    rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
    memset(top_key, 0, KEY_LEN);
    if (rc == 0 && k.mv_size == KEY_LEN) memcpy(top_key, k.mv_data, KEY_LEN);
    top_known = rc == 0 || rc == MDB_NOTFOUND;
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

value_t *changelog_keys(arena_t *a, const char *hash, const char *range, const value_t *item)
{
    value_t *keys = arena_calloc(a, sizeof *keys);
    keys->type = VALUE_M;
    keys->u.map.members = arena_alloc(a, 2 * sizeof(value_member_t));
    const char *names[2] = {hash, range};
    for (int i = 0; i < 2 && names[i]; i++) {
        value_t *v = value_map_get(item, names[i], strlen(names[i]));
        if (v)
            keys->u.map.members[keys->u.map.count++] =
                (value_member_t){names[i], strlen(names[i]), v};
    }
    return keys;
}

static void make_key(uint8_t key[KEY_LEN], uint64_t log, uint32_t shard, uint64_t seq)
{
    be64_put(key, log);
    be32_put(key + 8, shard);
    be64_put(key + 12, seq);
}

/* Whether k is a key of (log, shard). */
static bool in_shard(const MDB_val *k, uint64_t log, uint32_t shard)
{
    return k->mv_size == KEY_LEN && be64_get(k->mv_data) == log &&
           be32_get((const uint8_t *)k->mv_data + 8) == shard;
}

/* Position c at the first key of (log, shard) at or after seq. */
static int seek(MDB_cursor *c, uint64_t log, uint32_t shard, uint64_t seq, MDB_val *k, MDB_val *v)
{
    uint8_t key[KEY_LEN];
    make_key(key, log, shard, seq);
    k->mv_size = KEY_LEN;
    k->mv_data = key;
    int rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
    if (rc) *k = (MDB_val){0, NULL}; /* not left pointing at this frame */
    return rc;
}

int changelog_append(MDB_txn *txn, uint64_t log, uint32_t shard, const change_record_t *r,
                     buf_t *scratch)
{
    scratch->len = 0;
    uint8_t flags = (r->old_image ? FLAG_OLD : 0) | (r->new_image ? FLAG_NEW : 0) |
                    (r->by_service ? FLAG_SERVICE : 0) | (r->version ? FLAG_VERSION : 0) |
                    (r->hidden ? FLAG_HIDDEN : 0);
    buf_putc(scratch, FORMAT);
    buf_putc(scratch, (char)r->event);
    buf_putc(scratch, (char)flags);
    varint_put(scratch, (uint64_t)r->time_ms);
    if (r->version) varint_put(scratch, r->version);
    value_item_encode(scratch, r->keys, value_item_size(r->keys));
    const value_t *images[2] = {r->old_image, r->new_image};
    const MDB_val *encoded[2] = {r->old_encoded, r->new_encoded};
    for (int i = 0; i < 2; i++) {
        if (!images[i]) continue;
        if (encoded[i]) buf_append(scratch, encoded[i]->mv_data, encoded[i]->mv_size);
        else value_item_encode(scratch, images[i], value_item_size(images[i]));
    }
    uint8_t key[KEY_LEN];
    make_key(key, log, shard, r->sequence);
    MDB_val k = {KEY_LEN, key}, v = {scratch->len, scratch->data};
    bool above = top_known && memcmp(key, top_key, KEY_LEN) > 0;
    int rc = mdb_put(txn, dbi, &k, &v, above ? MDB_APPEND : 0);
    if (!rc && (above || memcmp(key, top_key, KEY_LEN) > 0)) memcpy(top_key, key, KEY_LEN);
    return rc;
}

bool changelog_record_decode(arena_t *a, uint64_t sequence, const uint8_t *data, size_t len,
                             change_record_t *out)
{
    const uint8_t *p = data, *end = p + len;
    if (len < 4 || p[0] != FORMAT) return false;
    memset(out, 0, sizeof *out);
    out->event = (change_event_t)p[1];
    uint8_t flags = p[2];
    p += 3;
    uint64_t time;
    if (!varint_get(&p, end, &time)) return false;
    out->time_ms = (int64_t)time;
    out->by_service = flags & FLAG_SERVICE;
    out->hidden = flags & FLAG_HIDDEN;
    out->sequence = sequence;
    if ((flags & FLAG_VERSION) && (!varint_get(&p, end, &out->version) || !out->version))
        return false;
    value_t *maps = arena_alloc(a, 3 * sizeof *maps);
    size_t size;
    if (!value_item_decode_next(a, &p, end, &maps[0], &size)) return false;
    out->keys = &maps[0];
    out->size_bytes = size;
    if (flags & FLAG_OLD) {
        if (!value_item_decode_next(a, &p, end, &maps[1], &size)) return false;
        out->old_image = &maps[1];
        out->size_bytes += size;
    }
    if (flags & FLAG_NEW) {
        if (!value_item_decode_next(a, &p, end, &maps[2], &size)) return false;
        out->new_image = &maps[2];
        out->size_bytes += size;
    }
    return p == end;
}

bool changelog_record_for_peer(arena_t *a, const MDB_val *stored, buf_t *out, uint64_t *version)
{
    const uint8_t *p = stored->mv_data, *end = p + stored->mv_size;
    uint64_t time;
    if (stored->mv_size < 4 || p[0] != FORMAT || !(p[2] & FLAG_VERSION)) return false;
    uint8_t event = p[1], flags = p[2];
    p += 3;
    if (!varint_get(&p, end, &time) || !varint_get(&p, end, version) || !*version) return false;
    /* the maps' extents: keys, [old image], [new image] */
    const uint8_t *keys = p, *keys_end, *image = NULL;
    value_t v;
    if (!value_item_decode_next(a, &p, end, &v, NULL)) return false;
    keys_end = p;
    if ((flags & FLAG_OLD) && !value_item_decode_next(a, &p, end, &v, NULL)) return false;
    if (flags & FLAG_NEW) {
        image = p;
        if (!value_item_decode_next(a, &p, end, &v, NULL)) return false;
    }
    if (p != end) return false;
    buf_putc(out, FORMAT);
    buf_putc(out, (char)event);
    buf_putc(out, (char)(flags & (FLAG_NEW | FLAG_SERVICE)));
    varint_put(out, *version / 1000);
    buf_append(out, keys, (size_t)(keys_end - keys));
    if (image) buf_append(out, image, (size_t)(end - image));
    return true;
}

int changelog_reader_open(MDB_txn *txn, uint64_t log, uint32_t shard, uint64_t from,
                          changelog_reader_t *r)
{
    memset(r, 0, sizeof *r);
    r->log = log;
    r->shard = shard;
    r->from = from;
    return mdb_cursor_open(txn, dbi, &r->cursor);
}

int changelog_reader_next_raw(changelog_reader_t *r, uint64_t *sequence, MDB_val *value)
{
    MDB_val k;
    int rc;
    if (!r->started) {
        rc = seek(r->cursor, r->log, r->shard, r->from, &k, value);
        r->started = true;
    } else {
        rc = mdb_cursor_get(r->cursor, &k, value, MDB_NEXT);
    }
    if (rc) return rc;
    if (!in_shard(&k, r->log, r->shard)) return MDB_NOTFOUND;
    *sequence = be64_get((const uint8_t *)k.mv_data + 12);
    return 0;
}

int changelog_reader_next(changelog_reader_t *r, arena_t *a, change_record_t *out)
{
    uint64_t sequence;
    MDB_val v;
    int rc = changelog_reader_next_raw(r, &sequence, &v);
    if (rc) return rc;
    return changelog_record_decode(a, sequence, v.mv_data, v.mv_size, out) ? 0 : MDB_CORRUPTED;
}

void changelog_reader_close(changelog_reader_t *r)
{
    if (r->cursor) mdb_cursor_close(r->cursor);
    r->cursor = NULL;
}

int changelog_bounds(MDB_txn *txn, uint64_t log, uint32_t shard, uint64_t *first,
                     uint64_t *last, bool *empty)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, dbi, &c);
    if (rc) return rc;
    *empty = true;
    MDB_val k, v;
    rc = seek(c, log, shard, 0, &k, &v);
    if (rc == 0 && in_shard(&k, log, shard)) {
        *first = be64_get((const uint8_t *)k.mv_data + 12);
        /* the last key of the shard: seek past it, step back */
        rc = seek(c, log, shard, UINT64_MAX, &k, &v);
        if (rc == 0 && in_shard(&k, log, shard)) {
            *last = UINT64_MAX; /* the key at the very top of the range */
        } else {
            rc = mdb_cursor_get(c, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
            if (rc == 0) *last = be64_get((const uint8_t *)k.mv_data + 12);
        }
        if (rc == 0) *empty = false;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int changelog_trim(MDB_txn *txn, uint64_t log, uint32_t shard, int64_t cutoff_ms,
                   uint64_t keep_after, size_t budget, size_t *deleted, bool *done)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, dbi, &c);
    if (rc) return rc;
    *deleted = 0;
    *done = false;
    MDB_val k, v;
    rc = seek(c, log, shard, 0, &k, &v);
    while (rc == 0) {
        if (!in_shard(&k, log, shard)) break;
        const uint8_t *p = v.mv_data, *end = p + v.mv_size;
        uint64_t time = 0;
        p += v.mv_size >= 3 ? 3 : v.mv_size;
        if (!varint_get(&p, end, &time)) time = 0; /* corrupt: trim it */
        if ((int64_t)time >= cutoff_ms) break;
        if (be64_get((const uint8_t *)k.mv_data + 12) > keep_after) {
            mdb_cursor_close(c);
            return 0; /* held */
        }
        if (*deleted == budget) {
            mdb_cursor_close(c);
            return 0; /* more remain */
        }
        if ((rc = mdb_cursor_del(c, 0))) break;
        ++*deleted;
        /* A deletion leaves the cursor on the record that followed, which
         * MDB_NEXT returns (no descent of the tree per record, as a fresh
         * seek would make). */
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (rc == MDB_NOTFOUND) rc = 0;
    if (!rc) *done = true;
    return rc;
}

int changelog_size(MDB_txn *txn, uint64_t log, uint32_t shard, uint64_t *records,
                   uint64_t *bytes)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, dbi, &c);
    if (rc) return rc;
    *records = *bytes = 0;
    MDB_val k, v;
    for (rc = seek(c, log, shard, 0, &k, &v); rc == 0 && in_shard(&k, log, shard);
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        ++*records;
        *bytes += k.mv_size + v.mv_size;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}
