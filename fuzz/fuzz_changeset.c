/* fuzz_changeset: the change set decoder a follower applies (changeset.c)
 * under libFuzzer.
 *
 * Input: the bytes of a Raft entry's change set, applied to a small store
 * (DBIs "catalog", "changelog", "t:1" with keys, and one whose name is
 * longer than 255 bytes, as a long index name makes).  For any input:
 *  - the look at the effects (changeset_apply without a transaction) and
 *    the replay agree on whether the bytes are well formed: a replay that
 *    succeeds follows a look that did, and a look that refuses them
 *    (EINVAL) is followed by a replay that fails;
 *  - what the replay says it touched is within what the look said (the
 *    follower takes the DBI lock exclusively on the look's word);
 *  - a catalog key reported is readable bytes;
 *  - the replay itself is recorded (as the leader's writer would be) and
 *    that recording, replayed into a second store of the same contents,
 *    leaves both with the same contents: every store is then read whole.
 * Both transactions are aborted, so every input starts from the same store.
 * Any violation aborts; a crash, hang or leak is libFuzzer's to report.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "changeset.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static MDB_env *store[2];
static char long_name[300];

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_changeset: %s\n", what);
    abort();
}

static MDB_val val(const char *s) { return (MDB_val){strlen(s), (void *)s}; }

static void fill(MDB_env *env)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    if (mdb_txn_begin(env, NULL, 0, &txn)) fail("begin");
    const char *names[] = {"catalog", "changelog", "t:1", long_name};
    for (size_t i = 0; i < 4; i++) {
        if (mdb_dbi_open(txn, names[i], MDB_CREATE, &dbi)) fail("create");
        for (int k = 0; k < 3; k++) {
            char key[8];
            snprintf(key, sizeof key, "k%d", k);
            MDB_val kv = val(key), vv = val("value");
            if (mdb_put(txn, dbi, &kv, &vv, 0)) fail("fill");
        }
    }
    if (mdb_txn_commit(txn)) fail("commit");
}

static MDB_env *env_new(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[256];
    snprintf(dir, sizeof dir, "%s/fuzz-changeset-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    MDB_env *env;
    if (!mkdtemp(dir) || mdb_env_create(&env) || mdb_env_set_maxdbs(env, 64) ||
        mdb_env_set_mapsize(env, 64u << 20) ||
        mdb_env_open(env, dir, MDB_NOSYNC | MDB_NOLOCK, 0600))
        fail("cannot open a store");
    fill(env);
    /* The files can go now: the environment keeps them open. */
    char path[300];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
    return env;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    memset(long_name, 'i', sizeof long_name - 1);
    store[0] = env_new();
    store[1] = env_new();
    return 0;
}

/* Every DBI's every record, as text (keys and values hex-free: lengths and
 * a checksum are enough to compare two stores). */
static void dump(MDB_txn *txn, buf_t *out)
{
    MDB_dbi main_db, dbi;
    MDB_cursor *c, *d;
    MDB_val k, v, dk, dv;
    out->len = 0;
    if (mdb_dbi_open(txn, NULL, 0, &main_db) || mdb_cursor_open(txn, main_db, &c)) fail("main");
    while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
        char name[512];
        if (k.mv_size >= sizeof name) fail("a DBI name longer than LMDB allows");
        memcpy(name, k.mv_data, k.mv_size);
        name[k.mv_size] = 0;
        buf_printf(out, "[%zu:%s]", k.mv_size, name);
        /* a plain record of the main DB (a put there) is no DBI */
        if (memchr(k.mv_data, 0, k.mv_size) || mdb_dbi_open(txn, name, 0, &dbi)) {
            buf_printf(out, "=%zu;", v.mv_size);
            continue;
        }
        if (mdb_cursor_open(txn, dbi, &d)) fail("cursor");
        while (mdb_cursor_get(d, &dk, &dv, MDB_NEXT) == 0) {
            uint32_t sum = 0;
            for (size_t i = 0; i < dv.mv_size; i++) sum = sum * 31 + ((uint8_t *)dv.mv_data)[i];
            buf_printf(out, "%zu:", dk.mv_size);
            buf_append(out, dk.mv_data, dk.mv_size);
            buf_printf(out, "=%zu/%x;", dv.mv_size, sum);
        }
        mdb_cursor_close(d);
    }
    mdb_cursor_close(c);
}

static void catalog_key(const MDB_val *key, void *arg)
{
    volatile uint8_t x = 0;
    for (size_t i = 0; i < key->mv_size; i++) x ^= ((const uint8_t *)key->mv_data)[i];
    (void)x;
    ++*(size_t *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    changeset_effects_t look = {0};
    int rc_look = changeset_apply(NULL, data, size, &look);
    if (rc_look != 0 && rc_look != EINVAL) fail("the look answers neither 0 nor EINVAL");

    MDB_txn *txn, *twin;
    if (mdb_txn_begin(store[0], NULL, 0, &txn)) fail("begin");
    size_t catalog_keys = 0;
    changeset_effects_t done = {.on_catalog_key = catalog_key, .arg = &catalog_keys};
    buf_t rec;
    buf_init(&rec);
    changeset_record_start(&rec);
    int rc = changeset_apply(txn, data, size, &done);
    changeset_record_stop();
    if (rc == 0 && rc_look != 0) fail("replayed bytes the look refused");
    if (rc_look == EINVAL && rc == 0) fail("malformed bytes replayed");
    if (rc == 0) {
        if ((done.catalog && !look.catalog) || (done.dbis && !look.dbis) ||
            (done.changelog && !look.changelog))
            fail("the replay touched more than the look said");
        if (catalog_keys && !done.catalog) fail("catalog keys without the catalog");
        /* The replay's own recording gives the same store elsewhere. */
        if (mdb_txn_begin(store[1], NULL, 0, &twin)) fail("begin");
        changeset_effects_t again = {0};
        if (changeset_apply(twin, (const uint8_t *)rec.data, rec.len, &again))
            fail("a recorded replay does not replay");
        buf_t a, b;
        buf_init(&a), buf_init(&b);
        dump(txn, &a), dump(twin, &b);
        if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) {
            fprintf(stderr, "store:  %.*s\nreplay: %.*s\n", (int)a.len, a.data, (int)b.len,
                    b.data);
            fail("the recording's replay differs");
        }
        buf_free(&a), buf_free(&b);
        mdb_txn_abort(twin);
    }
    mdb_txn_abort(txn);
    buf_free(&rec);
    return 0;
}
