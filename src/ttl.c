/* ttl: the expiry index; see ttl.h. */
#include "ttl.h"

#include <string.h>

#define EXPIRY_LEN 8
#define ENTRY_MAX (EXPIRY_LEN + KEYCODEC_MAX_KEY)
/* Later than any time an item can still be around to reach (year ~5138). */
#define TTL_NEVER_MS ((int64_t)1 << 57)

int ttl_open(MDB_txn *txn, table_t *t)
{
    return mdb_dbi_open(txn, t->ttl_dbi_name, MDB_CREATE, &t->ttl_dbi);
}

int ttl_drop(MDB_txn *txn, table_t *t) { return mdb_drop(txn, t->ttl_dbi, 1); }

/* n seconds as whole milliseconds (rounded down); false when n is not
 * positive or beyond any reachable time. */
static bool seconds_to_ms(const number_t *n, int64_t *ms)
{
    if (n->neg || n->coef == 0) return false;
    int32_t exp = n->exp + 3;
    unsigned __int128 v = n->coef;
    if (exp >= 0) {
        for (int32_t i = 0; i < exp; i++) {
            if (v > (unsigned __int128)TTL_NEVER_MS) return false;
            v *= 10;
        }
    } else {
        for (int32_t i = 0; i < -exp && v; i++) v /= 10;
    }
    if (v == 0 || v >= (unsigned __int128)TTL_NEVER_MS) return false;
    *ms = (int64_t)v;
    return true;
}

bool ttl_item_expiry(const table_t *t, const value_t *item, int64_t *expiry_ms)
{
    if (!t->ttl_attribute || !item) return false;
    const value_t *v = value_map_get(item, t->ttl_attribute, strlen(t->ttl_attribute));
    return v && v->type == VALUE_N && seconds_to_ms(&v->u.n, expiry_ms);
}

static size_t entry_key(uint8_t out[ENTRY_MAX], int64_t expiry_ms, const uint8_t *key,
                        size_t key_len)
{
    uint64_t e = (uint64_t)expiry_ms;
    for (int i = EXPIRY_LEN - 1; i >= 0; i--, e >>= 8) out[i] = (uint8_t)e;
    memcpy(out + EXPIRY_LEN, key, key_len);
    return EXPIRY_LEN + key_len;
}

int ttl_remove(MDB_txn *txn, const table_t *t, int64_t expiry_ms, const uint8_t *key,
               size_t key_len)
{
    uint8_t k[ENTRY_MAX];
    MDB_val mk = {entry_key(k, expiry_ms, key, key_len), k};
    int rc = mdb_del(txn, t->ttl_dbi, &mk, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int ttl_put(MDB_txn *txn, const table_t *t, const MDB_val *key, const value_t *item)
{
    int64_t expiry;
    if (!ttl_item_expiry(t, item, &expiry)) return 0;
    uint8_t k[ENTRY_MAX];
    MDB_val mk = {entry_key(k, expiry, key->mv_data, key->mv_size), k}, empty = {0, NULL};
    return mdb_put(txn, t->ttl_dbi, &mk, &empty, 0);
}

int ttl_update(MDB_txn *txn, const table_t *t, const MDB_val *key, const value_t *old_item,
               const value_t *new_item)
{
    int64_t before = 0, after = 0;
    bool had = ttl_item_expiry(t, old_item, &before), has = ttl_item_expiry(t, new_item, &after);
    if (had && has && before == after) return 0;
    int rc = had ? ttl_remove(txn, t, before, key->mv_data, key->mv_size) : 0;
    if (!rc && has) rc = ttl_put(txn, t, key, new_item);
    return rc;
}

int ttl_first_due(MDB_txn *txn, const table_t *t, int64_t now_ms, int64_t *expiry_ms,
                  uint8_t key_out[KEYCODEC_MAX_KEY], size_t *key_len)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, t->ttl_dbi, &c);
    if (rc) return rc;
    MDB_val k, v;
    rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    if (rc == 0) {
        const uint8_t *p = k.mv_data;
        uint64_t e = 0;
        for (int i = 0; i < EXPIRY_LEN; i++) e = e << 8 | p[i];
        if (k.mv_size < EXPIRY_LEN || k.mv_size > ENTRY_MAX || (int64_t)e >= now_ms) {
            rc = MDB_NOTFOUND;
        } else {
            *expiry_ms = (int64_t)e;
            *key_len = k.mv_size - EXPIRY_LEN;
            memcpy(key_out, p + EXPIRY_LEN, *key_len);
        }
    }
    mdb_cursor_close(c);
    return rc;
}
