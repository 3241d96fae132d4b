/* stats: item counts and byte sizes kept beside the data; see stats.h. */
#include "stats.h"

#include <string.h>

#include "byteorder.h"
#include "log.h"
#include "value.h"

static MDB_dbi dbi;

void stats_encode(const stats_t *s, uint8_t out[STATS_VALUE_LEN])
{
    be64_put(out, s->items);
    be64_put(out + 8, s->bytes);
}

bool stats_decode(const void *data, size_t len, stats_t *out)
{
    if (len != STATS_VALUE_LEN) return false;
    out->items = be64_get(data);
    out->bytes = be64_get((const uint8_t *)data + 8);
    return true;
}

/* v + delta, stopping at zero; *ok false when it had to. */
static uint64_t add_clamped(uint64_t v, int64_t delta, bool *ok)
{
    if (delta >= 0) return v + (uint64_t)delta;
    uint64_t down = (uint64_t)-(delta + 1) + 1; /* |delta| without overflow at INT64_MIN */
    if (down > v) {
        *ok = false;
        return 0;
    }
    return v - down;
}

bool stats_apply(stats_t *s, int64_t items, int64_t bytes)
{
    bool ok = true;
    s->items = add_clamped(s->items, items, &ok);
    s->bytes = add_clamped(s->bytes, bytes, &ok);
    return ok;
}

int stats_open(MDB_txn *txn, bool *created)
{
    int rc = mdb_dbi_open(txn, "stats", 0, &dbi);
    *created = rc == MDB_NOTFOUND;
    if (*created) rc = mdb_dbi_open(txn, "stats", MDB_CREATE, &dbi);
    return rc;
}

static MDB_val key_of(const char *name)
{
    return (MDB_val){strlen(name), (void *)name};
}

int stats_get(MDB_txn *txn, const char *name, stats_t *out)
{
    MDB_val k = key_of(name), v;
    memset(out, 0, sizeof *out);
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc;
    return stats_decode(v.mv_data, v.mv_size, out) ? 0 : MDB_CORRUPTED;
}

int stats_put(MDB_txn *txn, const char *name, const stats_t *s)
{
    uint8_t value[STATS_VALUE_LEN];
    stats_encode(s, value);
    MDB_val k = key_of(name), v = {sizeof value, value};
    return mdb_put(txn, dbi, &k, &v, 0);
}

int stats_add(MDB_txn *txn, const char *name, int64_t items, int64_t bytes)
{
    if (!items && !bytes) return 0;
    stats_t s;
    int rc = stats_get(txn, name, &s);
    if (rc) return rc;
    if (!stats_apply(&s, items, bytes))
        log_warn("stats: the counts of %s went below zero; kept at zero", name);
    return stats_put(txn, name, &s);
}

int stats_remove(MDB_txn *txn, const char *name)
{
    MDB_val k = key_of(name);
    int rc = mdb_del(txn, dbi, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int stats_count(MDB_txn *txn, MDB_dbi counted, stats_t *out)
{
    memset(out, 0, sizeof *out);
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, counted, &c);
    if (rc) return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const uint8_t *p = v.mv_data;
        p += value_item_version(p, v.mv_size, NULL, NULL); /* an item's version is no part of it */
        uint64_t size = 0;
        varint_get(&p, (const uint8_t *)v.mv_data + v.mv_size, &size);
        out->items++;
        out->bytes += size;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}
