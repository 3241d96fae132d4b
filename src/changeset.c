/* changeset: recording and replaying the LMDB changes of a transaction;
 * see changeset.h. */
#include "changeset.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The real LMDB functions (the linker's --wrap names them so). */
int __real_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned flags);
int __real_mdb_cursor_put(MDB_cursor *c, MDB_val *key, MDB_val *data, unsigned flags);
int __real_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data);
int __real_mdb_cursor_del(MDB_cursor *c, unsigned flags);
int __real_mdb_drop(MDB_txn *txn, MDB_dbi dbi, int del);
int __real_mdb_dbi_open(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi);
int __real_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned flags, MDB_txn **txn);
int __real_mdb_txn_commit(MDB_txn *txn);
void __real_mdb_txn_abort(MDB_txn *txn);
int __wrap_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned flags);
int __wrap_mdb_cursor_put(MDB_cursor *c, MDB_val *key, MDB_val *data, unsigned flags);
int __wrap_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data);
int __wrap_mdb_cursor_del(MDB_cursor *c, unsigned flags);
int __wrap_mdb_drop(MDB_txn *txn, MDB_dbi dbi, int del);
int __wrap_mdb_dbi_open(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi);
int __wrap_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned flags, MDB_txn **txn);
int __wrap_mdb_txn_commit(MDB_txn *txn);
void __wrap_mdb_txn_abort(MDB_txn *txn);

/* A name length byte saying a u16 length follows (changeset.h). */
#define NAME_LONG 255
/* LMDB's longest key, hence DBI name. */
#define NAME_MAX_LEN 511

/* LMDB hands out DBI handles as small indexes (0 and 1 are its own). */
#define MAX_HANDLES 16384

static __thread buf_t *recording;
/* The name of each open handle (NULL: the main DB, or unknown). */
static char *names[MAX_HANDLES];
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;

/* The nested transactions open in the recorded one, innermost last, each
 * with the recording's length when it began: an abort drops what it (and
 * the transactions nested in it) recorded, since LMDB drops those changes
 * too.  A follower must not replay a change the leader's store never got
 * (a canceled TransactWriteItems runs its actions in a child transaction
 * and aborts it). */
#define MAX_NESTING 8
static __thread struct {
    MDB_txn *txn;
    size_t mark;
} nested[MAX_NESTING];
static __thread unsigned depth;

/* Puts recorded since the last delete of their key, DBI creation, drop or
 * nesting change, by a hash of handle and key (the first to come keeps its
 * slot: a table's counts come with its first item): a put of such a key
 * with a value of the same length rewrites that record's value instead of
 * adding one.  A batch of puts updates a table's counts (DBI "stats") once
 * per item: its entry then carries them once.  Moving a key's last value up
 * to its first put of the run changes no replay, since nothing between them
 * touches that key; a nesting change clears the slots, so an aborted
 * child's truncation never meets a record rewritten after its mark.  A
 * handle names another DBI only after a drop (the store never closes one),
 * which clears them too. */
#define PUT_SLOTS 64
typedef struct {
    size_t key, value; /* offsets of the record's key and value */
    size_t key_len, value_len;
    MDB_dbi dbi;
    bool used;
} put_slot_t;
static __thread put_slot_t put_slots[PUT_SLOTS];

static void put_slots_clear(void) { memset(put_slots, 0, sizeof put_slots); }

static unsigned put_slot_of(MDB_dbi dbi, const MDB_val *key)
{
    uint32_t h = 2166136261u ^ dbi; /* FNV-1a */
    const uint8_t *p = key->mv_data;
    for (size_t i = 0; i < key->mv_size; i++) h = (h ^ p[i]) * 16777619u;
    return h % PUT_SLOTS;
}

/* The slot of a recorded put of key in dbi, or NULL. */
static put_slot_t *put_slot_find(unsigned i, MDB_dbi dbi, const MDB_val *key)
{
    put_slot_t *s = &put_slots[i];
    if (!s->used || s->dbi != dbi || s->key_len != key->mv_size) return NULL;
    if (memcmp(recording->data + s->key, key->mv_data, key->mv_size) != 0) return NULL;
    return s;
}

void changeset_record_start(buf_t *out)
{
    recording = out;
    depth = 0;
    put_slots_clear();
}

void changeset_record_stop(void)
{
    recording = NULL;
    depth = 0;
}

/* txn ends (aborted unless kept): the nested transactions from txn inward
 * are closed, and their records dropped unless kept.  Not one of them (the
 * recorded transaction itself, or none): nothing to do. */
static void nested_end(MDB_txn *txn, bool kept)
{
    for (unsigned i = depth; i-- > 0;)
        if (nested[i].txn == txn) {
            if (!kept) recording->len = nested[i].mark;
            depth = i;
            put_slots_clear();
            return;
        }
}

static void put_u32(buf_t *b, size_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_append(b, p, 4);
}

static void record(char op, MDB_dbi dbi, const MDB_val *key, const MDB_val *val)
{
    buf_t *b = recording;
    unsigned slot = key ? put_slot_of(dbi, key) : 0;
    if (key) {
        put_slot_t *s = put_slot_find(slot, dbi, key);
        if (s && op == 'P' && s->value_len == val->mv_size) {
            memcpy(b->data + s->value, val->mv_data, val->mv_size);
            return;
        }
        if (s) put_slots[slot].used = false; /* a delete, or a value of another length */
    } else {
        put_slots_clear(); /* a DBI created, dropped or emptied */
    }
    pthread_mutex_lock(&names_lock);
    const char *name = dbi < MAX_HANDLES ? names[dbi] : NULL;
    size_t n = name ? strlen(name) : 0;
    buf_putc(b, op);
    if (n < NAME_LONG) {
        buf_putc(b, (char)n);
    } else {
        uint8_t l[3] = {NAME_LONG, (uint8_t)n, (uint8_t)(n >> 8)};
        buf_append(b, l, 3);
    }
    buf_append(b, name, n);
    pthread_mutex_unlock(&names_lock);
    if (key) {
        put_u32(b, key->mv_size);
        buf_append(b, key->mv_data, key->mv_size);
    }
    if (val) {
        put_u32(b, val->mv_size);
        buf_append(b, val->mv_data, val->mv_size);
    }
    if (op == 'P' && !put_slots[slot].used)
        put_slots[slot] = (put_slot_t){.key = b->len - val->mv_size - 4 - key->mv_size,
                                       .value = b->len - val->mv_size,
                                       .key_len = key->mv_size,
                                       .value_len = val->mv_size,
                                       .dbi = dbi,
                                       .used = true};
}

int __wrap_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned flags)
{
    int rc = __real_mdb_put(txn, dbi, key, data, flags);
    if (__builtin_expect(recording != NULL, 0) && rc == 0) record('P', dbi, key, data);
    return rc;
}

int __wrap_mdb_cursor_put(MDB_cursor *c, MDB_val *key, MDB_val *data, unsigned flags)
{
    int rc = __real_mdb_cursor_put(c, key, data, flags);
    if (__builtin_expect(recording != NULL, 0) && rc == 0)
        record('P', mdb_cursor_dbi(c), key, data);
    return rc;
}

int __wrap_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data)
{
    int rc = __real_mdb_del(txn, dbi, key, data);
    if (__builtin_expect(recording != NULL, 0) && rc == 0) record('D', dbi, key, NULL);
    return rc;
}

int __wrap_mdb_cursor_del(MDB_cursor *c, unsigned flags)
{
    if (__builtin_expect(recording == NULL, 1)) return __real_mdb_cursor_del(c, flags);
    MDB_val k, v;
    int rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
    if (rc) return rc;
    buf_t key;
    buf_init(&key);
    buf_append(&key, k.mv_data, k.mv_size); /* k points into a page the delete changes */
    if ((rc = __real_mdb_cursor_del(c, flags)) == 0) {
        MDB_val kk = {key.len, key.data};
        record('D', mdb_cursor_dbi(c), &kk, NULL);
    }
    buf_free(&key);
    return rc;
}

int __wrap_mdb_drop(MDB_txn *txn, MDB_dbi dbi, int del)
{
    if (recording) record(del ? 'X' : 'E', dbi, NULL, NULL);
    int rc = __real_mdb_drop(txn, dbi, del);
    /* a failed drop fails its transaction, and the recording with it */
    return rc;
}

int __wrap_mdb_dbi_open(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi)
{
    int rc = __real_mdb_dbi_open(txn, name, flags, dbi);
    if (rc || *dbi >= MAX_HANDLES) return rc;
    pthread_mutex_lock(&names_lock);
    if (!names[*dbi] != !name || (name && strcmp(names[*dbi], name) != 0)) {
        free(names[*dbi]);
        names[*dbi] = name ? strdup(name) : NULL;
        if (name && !names[*dbi]) abort();
    }
    pthread_mutex_unlock(&names_lock);
    if (recording && (flags & MDB_CREATE)) record('C', *dbi, NULL, NULL);
    return rc;
}

int __wrap_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned flags, MDB_txn **txn)
{
    int rc = __real_mdb_txn_begin(env, parent, flags, txn);
    if (__builtin_expect(recording != NULL, 0) && parent && rc == 0) {
        if (depth == MAX_NESTING) abort(); /* deeper than any caller nests */
        nested[depth].txn = *txn;
        nested[depth].mark = recording->len;
        depth++;
        put_slots_clear();
    }
    return rc;
}

int __wrap_mdb_txn_commit(MDB_txn *txn)
{
    if (__builtin_expect(depth == 0, 1)) return __real_mdb_txn_commit(txn);
    int rc = __real_mdb_txn_commit(txn);
    nested_end(txn, rc == 0); /* a child that fails to commit is aborted */
    return rc;
}

void __wrap_mdb_txn_abort(MDB_txn *txn)
{
    if (__builtin_expect(depth != 0, 0)) nested_end(txn, false);
    __real_mdb_txn_abort(txn);
}

int changeset_dbi_open_foreign(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi)
{
    return __real_mdb_dbi_open(txn, name, flags, dbi);
}

/* --- replay ----------------------------------------------------------------- */

typedef struct {
    const uint8_t *p, *end;
} reader_t;

static bool read_bytes(reader_t *r, size_t n, const uint8_t **out)
{
    if ((size_t)(r->end - r->p) < n) return false;
    *out = r->p;
    r->p += n;
    return true;
}

static bool read_val(reader_t *r, MDB_val *v)
{
    const uint8_t *p;
    if (!read_bytes(r, 4, &p)) return false;
    v->mv_size = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
    return read_bytes(r, v->mv_size, (const uint8_t **)&v->mv_data);
}

/* The handle of DBI name (n bytes), opened (created when create) in txn.
 * MDB_NOTFOUND when absent and not created. */
static int replay_dbi(MDB_txn *txn, const uint8_t *name, size_t n, bool create, MDB_dbi *dbi)
{
    char z[NAME_MAX_LEN + 1];
    memcpy(z, name, n);
    z[n] = 0;
    return mdb_dbi_open(txn, z, create ? MDB_CREATE : 0, dbi);
}

static bool name_is(const uint8_t *name, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(name, s, n) == 0;
}

/* The handles a replay opened last (a change set puts into the same few
 * DBIs over and over: an item's table, its indexes, the change log).
 * Names point into the change set being replayed. */
#define HANDLE_CACHE 8
typedef struct {
    const uint8_t *name;
    size_t n;
    MDB_dbi dbi;
} handle_t;

int changeset_apply(MDB_txn *txn, const uint8_t *data, size_t len, changeset_effects_t *fx)
{
    /* an empty change set may come without bytes (NULL): NULL + 0 is
     * undefined */
    reader_t r = {data, len ? data + len : data};
    handle_t cache[HANDLE_CACHE];
    size_t cached = 0, next = 0;
    while (r.p < r.end) {
        const uint8_t *hdr, *name;
        if (!read_bytes(&r, 2, &hdr)) return EINVAL;
        char op = (char)hdr[0];
        size_t n = hdr[1];
        if (n == NAME_LONG) {
            const uint8_t *l;
            if (!read_bytes(&r, 2, &l)) return EINVAL;
            n = (size_t)l[0] | (size_t)l[1] << 8;
        }
        /* a NUL would make the name another DBI's; no name is the main DB,
         * which holds the DBIs' own records and which no write changes */
        if (n == 0 || n > NAME_MAX_LEN || !read_bytes(&r, n, &name) || memchr(name, 0, n))
            return EINVAL;
        MDB_val k, v;
        if ((op == 'P' || op == 'D') && !read_val(&r, &k)) return EINVAL;
        if (op == 'P' && !read_val(&r, &v)) return EINVAL;
        if (op != 'P' && op != 'D' && op != 'C' && op != 'X' && op != 'E') return EINVAL;
        if (!txn) { /* a look at the effects only */
            if (op == 'C' || op == 'X') fx->dbis = true;
            if (name_is(name, n, "changelog")) fx->changelog = true;
            if (name_is(name, n, "catalog")) fx->catalog = true;
            continue;
        }
        MDB_dbi dbi;
        int rc = MDB_NOTFOUND;
        if (op == 'P' || op == 'D')
            for (size_t i = 0; i < cached; i++)
                if (cache[i].n == n && memcmp(cache[i].name, name, n) == 0) {
                    dbi = cache[i].dbi;
                    rc = 0;
                    break;
                }
        if (rc) {
            rc = replay_dbi(txn, name, n, op == 'P' || op == 'C', &dbi);
            if (rc == MDB_NOTFOUND) continue; /* already dropped: a later change set's effect */
            if (rc) return rc;
            if (op == 'P' || op == 'D') {
                cache[next] = (handle_t){name, n, dbi};
                next = (next + 1) % HANDLE_CACHE;
                if (cached < HANDLE_CACHE) cached++;
            }
        }
        if (op == 'X' || op == 'E' || op == 'C') cached = next = 0; /* handles change */
        if (op == 'P') rc = mdb_put(txn, dbi, &k, &v, 0);
        else if (op == 'D') rc = mdb_del(txn, dbi, &k, NULL);
        else if (op == 'X' || op == 'E') rc = mdb_drop(txn, dbi, op == 'X');
        if (rc == MDB_NOTFOUND) rc = 0;
        if (rc) return rc;
        if (op == 'C' || op == 'X') fx->dbis = true;
        if (name_is(name, n, "changelog")) fx->changelog = true;
        if (name_is(name, n, "catalog")) {
            fx->catalog = true;
            if ((op == 'P' || op == 'D') && fx->on_catalog_key) fx->on_catalog_key(&k, fx->arg);
        }
    }
    return 0;
}
