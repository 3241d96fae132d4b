/* changeset: what a write transaction changed, recorded and replayed into
 * a second environment, leaves both with the same contents; replaying over
 * a state that already has the changes changes nothing. */
#include "changeset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "unit.h"
#include "unit_store.h"

static MDB_env *env_new(char *dir) { return unit_store_open(dir, 16, 0); }

static void env_free(MDB_env *env, char *dir) { unit_store_remove(env, dir); }

static MDB_val val(const char *s) { return (MDB_val){strlen(s), (void *)s}; }

/* Every key and value of every named DBI, as one text. */
static void dump(MDB_env *env, buf_t *out)
{
    MDB_txn *txn;
    MDB_dbi main_db, dbi;
    MDB_cursor *c, *d;
    MDB_val k, v, dk, dv;
    out->len = 0;
    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    mdb_dbi_open(txn, NULL, 0, &main_db);
    mdb_cursor_open(txn, main_db, &c);
    while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
        char name[512];
        snprintf(name, sizeof name, "%.*s", (int)k.mv_size, (char *)k.mv_data);
        buf_printf(out, "[%s]", name);
        if (mdb_dbi_open(txn, name, 0, &dbi)) continue;
        mdb_cursor_open(txn, dbi, &d);
        while (mdb_cursor_get(d, &dk, &dv, MDB_NEXT) == 0)
            buf_printf(out, "%.*s=%.*s;", (int)dk.mv_size, (char *)dk.mv_data, (int)dv.mv_size,
                       (char *)dv.mv_data);
        mdb_cursor_close(d);
    }
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    buf_putc(out, 0);
}

/* Run fn in a write transaction of env, recording into rec. */
static void record(MDB_env *env, buf_t *rec, void (*fn)(MDB_txn *txn))
{
    MDB_txn *txn;
    mdb_txn_begin(env, NULL, 0, &txn);
    rec->len = 0;
    changeset_record_start(rec);
    fn(txn);
    changeset_record_stop();
    CHECK(mdb_txn_commit(txn) == 0);
}

static int replay(MDB_env *env, const buf_t *rec, changeset_effects_t *fx)
{
    MDB_txn *txn;
    mdb_txn_begin(env, NULL, 0, &txn);
    int rc = changeset_apply(txn, (const uint8_t *)rec->data, rec->len, fx);
    if (rc) mdb_txn_abort(txn);
    else rc = mdb_txn_commit(txn);
    return rc;
}

static void first(MDB_txn *txn)
{
    MDB_dbi items, catalog, gone;
    mdb_dbi_open(txn, "items", MDB_CREATE, &items);
    mdb_dbi_open(txn, "catalog", MDB_CREATE, &catalog);
    mdb_dbi_open(txn, "gone", MDB_CREATE, &gone);
    MDB_val k, v;
    for (int i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        k = val(key), v = val("one");
        mdb_put(txn, items, &k, &v, 0);
    }
    k = val("k1"), v = val("two");
    mdb_put(txn, items, &k, &v, 0);
    k = val("k9");
    CHECK(mdb_del(txn, items, &k, NULL) == MDB_NOTFOUND); /* a failed delete: not recorded */
    k = val("k2"), v = val("kept");
    CHECK(mdb_put(txn, items, &k, &v, MDB_NOOVERWRITE) == MDB_KEYEXIST); /* nor a refused put */
    k = val("tbl"), v = val("{}");
    mdb_put(txn, catalog, &k, &v, 0);
    k = val("x"), v = val("y");
    mdb_put(txn, gone, &k, &v, 0);
}

static void second(MDB_txn *txn)
{
    MDB_dbi items, gone, catalog;
    mdb_dbi_open(txn, "items", 0, &items);
    mdb_dbi_open(txn, "gone", 0, &gone);
    mdb_dbi_open(txn, "catalog", 0, &catalog);
    MDB_val k = val("k3");
    mdb_del(txn, items, &k, NULL);
    /* a cursor delete, as the change log's trimming does */
    MDB_cursor *c;
    MDB_val ck, cv;
    mdb_cursor_open(txn, items, &c);
    CHECK(mdb_cursor_get(c, &ck, &cv, MDB_FIRST) == 0);
    CHECK(mdb_cursor_del(c, 0) == 0);
    /* cursor puts, as an item write does: in place (with a value of another
     * size) at the position a read left, and of a new key */
    ck = val("k4");
    CHECK(mdb_cursor_get(c, &ck, &cv, MDB_SET) == 0);
    ck = val("k4"), cv = val("four");
    CHECK(mdb_cursor_put(c, &ck, &cv, MDB_CURRENT) == 0);
    ck = val("k5"), cv = val("five");
    CHECK(mdb_cursor_put(c, &ck, &cv, 0) == 0);
    mdb_cursor_close(c);
    mdb_drop(txn, gone, 1);
    k = val("tbl");
    mdb_del(txn, catalog, &k, NULL);
}

static char catalog_seen[64];
static void note_catalog_key(const MDB_val *key, void *arg)
{
    snprintf(catalog_seen, sizeof catalog_seen, "%.*s", (int)key->mv_size, (char *)key->mv_data);
}

static void test_replay_matches(void)
{
    char da[] = "/tmp/changeset-a-XXXXXX", db[] = "/tmp/changeset-b-XXXXXX";
    MDB_env *a = env_new(da), *b = env_new(db);
    buf_t rec1, rec2, dump_a, dump_b;
    buf_init(&rec1), buf_init(&rec2), buf_init(&dump_a), buf_init(&dump_b);

    /* an empty change set, without bytes, changes nothing (the recording
     * of a transaction that wrote nothing) */
    changeset_effects_t none = {0};
    CHECK(changeset_apply(NULL, NULL, 0, &none) == 0);
    CHECK(!none.catalog && !none.dbis && !none.changelog);

    record(a, &rec1, first);
    changeset_effects_t fx = {0};
    CHECK(changeset_apply(NULL, (const uint8_t *)rec1.data, rec1.len, &fx) == 0);
    CHECK(fx.catalog && fx.dbis && !fx.changelog);
    changeset_effects_t fx1 = {.on_catalog_key = note_catalog_key};
    CHECK(replay(b, &rec1, &fx1) == 0);
    CHECK_STR(catalog_seen, "tbl");
    dump(a, &dump_a), dump(b, &dump_b);
    CHECK_STR(dump_b.data, dump_a.data);
    CHECK(strstr(dump_a.data, "k1=two;k2=one;") != NULL);

    record(a, &rec2, second);
    changeset_effects_t fx2 = {0};
    CHECK(replay(b, &rec2, &fx2) == 0);
    dump(a, &dump_a), dump(b, &dump_b);
    CHECK_STR(dump_b.data, dump_a.data);
    CHECK_STR(dump_a.data, "[catalog][items]k1=two;k2=one;k4=four;k5=five;");

    /* replayed again over a state that has both: nothing changes */
    changeset_effects_t fx3 = {0};
    CHECK(replay(b, &rec1, &fx3) == 0);
    CHECK(replay(b, &rec2, &fx3) == 0);
    dump(b, &dump_b);
    CHECK_STR(dump_b.data, dump_a.data);

    buf_free(&rec1), buf_free(&rec2), buf_free(&dump_a), buf_free(&dump_b);
    env_free(a, da), env_free(b, db);
}

/* Nested transactions: an aborted child's changes (and those of the
 * children nested in it) are not recorded, a committed child's are. */
static void nested(MDB_txn *txn)
{
    MDB_dbi items;
    MDB_txn *kept, *dropped, *inner;
    mdb_dbi_open(txn, "items", 0, &items);
    MDB_val k = val("p"), v = val("parent");
    mdb_put(txn, items, &k, &v, 0);
    CHECK(mdb_txn_begin(mdb_txn_env(txn), txn, 0, &kept) == 0);
    k = val("c1"), v = val("kept");
    mdb_put(kept, items, &k, &v, 0);
    CHECK(mdb_txn_commit(kept) == 0);
    CHECK(mdb_txn_begin(mdb_txn_env(txn), txn, 0, &dropped) == 0);
    k = val("k1"), v = val("three");
    mdb_put(dropped, items, &k, &v, 0);
    k = val("k2");
    mdb_del(dropped, items, &k, NULL);
    CHECK(mdb_txn_begin(mdb_txn_env(txn), dropped, 0, &inner) == 0);
    k = val("c2"), v = val("inner");
    mdb_put(inner, items, &k, &v, 0);
    CHECK(mdb_txn_commit(inner) == 0); /* into dropped: gone with it */
    mdb_txn_abort(dropped);
    CHECK(mdb_txn_begin(mdb_txn_env(txn), txn, 0, &dropped) == 0);
    CHECK(mdb_txn_begin(mdb_txn_env(txn), dropped, 0, &inner) == 0);
    k = val("c3"), v = val("inner");
    mdb_put(inner, items, &k, &v, 0);
    mdb_txn_abort(dropped); /* aborts inner too */
    k = val("q"), v = val("parent");
    mdb_put(txn, items, &k, &v, 0);
}

static void test_nested_aborts_not_recorded(void)
{
    char da[] = "/tmp/changeset-a-XXXXXX", db[] = "/tmp/changeset-b-XXXXXX";
    MDB_env *a = env_new(da), *b = env_new(db);
    buf_t rec, dump_a, dump_b;
    buf_init(&rec), buf_init(&dump_a), buf_init(&dump_b);
    record(a, &rec, first);
    CHECK(replay(b, &rec, &(changeset_effects_t){0}) == 0);
    record(a, &rec, nested);
    CHECK(replay(b, &rec, &(changeset_effects_t){0}) == 0);
    dump(a, &dump_a), dump(b, &dump_b);
    CHECK_STR(dump_a.data, "[catalog]tbl={};[gone]x=y;[items]c1=kept;k0=one;k1=two;k2=one;k3=one;"
                           "k4=one;p=parent;q=parent;");
    CHECK_STR(dump_b.data, dump_a.data);
    buf_free(&rec), buf_free(&dump_a), buf_free(&dump_b);
    env_free(a, da), env_free(b, db);
}

static void repeated(MDB_txn *txn)
{
    MDB_dbi stats, items;
    mdb_dbi_open(txn, "stats", MDB_CREATE, &stats);
    mdb_dbi_open(txn, "items", MDB_CREATE, &items);
    for (int i = 0; i < 20; i++) {
        char key[16], count[16];
        snprintf(key, sizeof key, "k%02d", i);
        snprintf(count, sizeof count, "%04d", i + 1);
        MDB_val k = val(key), v = val("item"), sk = val("t"), sv = val(count);
        mdb_put(txn, items, &k, &v, 0);
        mdb_put(txn, stats, &sk, &sv, 0); /* the same key, a value of the same length */
    }
    MDB_val k = val("k03"), v = val("again"), gone = val("k04");
    mdb_put(txn, items, &k, &v, 0); /* another length: a record of its own */
    mdb_del(txn, items, &gone, NULL);
    v = val("back"); /* after the delete: not moved before it */
    mdb_put(txn, items, &gone, &v, 0);
    /* a child's put of a key its parent put, aborted: the parent's value stays */
    MDB_txn *child;
    mdb_txn_begin(mdb_txn_env(txn), txn, 0, &child);
    MDB_val sk = val("t"), sv = val("9999");
    mdb_put(child, stats, &sk, &sv, 0);
    mdb_txn_abort(child);
    /* ... and after the child, the parent's put of it again is recorded */
    sv = val("0021");
    mdb_put(txn, stats, &sk, &sv, 0);
}

static void test_repeated_puts_recorded_once(void)
{
    char da[] = "/tmp/changeset-a-XXXXXX", db[] = "/tmp/changeset-b-XXXXXX";
    MDB_env *a = env_new(da), *b = env_new(db);
    buf_t rec, dump_a, dump_b;
    buf_init(&rec), buf_init(&dump_a), buf_init(&dump_b);
    record(a, &rec, repeated);
    /* 2 creations (2+5, 2+5), 20 item puts (2+5+4+3+4+4), "t" once before
     * the child and once after (2+5+4+1+4+4 each), k03 again (2+5+4+3+4+5),
     * k04's delete (2+5+4+3) and put (2+5+4+3+4+4) */
    CHECK(rec.len == 7 + 7 + 20 * 22 + 2 * 20 + 23 + 14 + 22);
    CHECK(replay(b, &rec, &(changeset_effects_t){0}) == 0);
    dump(a, &dump_a), dump(b, &dump_b);
    CHECK(strstr(dump_a.data, "[stats]t=0021;") != NULL);
    CHECK(strstr(dump_a.data, "k03=again;k04=back;") != NULL);
    CHECK_STR(dump_b.data, dump_a.data);
    buf_free(&rec), buf_free(&dump_a), buf_free(&dump_b);
    env_free(a, da), env_free(b, db);
}

static void test_malformed_refused(void)
{
    char d[] = "/tmp/changeset-m-XXXXXX";
    MDB_env *env = env_new(d);
    static const struct {
        const char *bytes;
        size_t len;
    } cases[] = {
#define BYTES(s) {s, sizeof s - 1}
        BYTES("P"),                             /* no name length */
        BYTES("P\x05" "ab"),                    /* name cut short */
        BYTES("P\x01" "a" "\x03\0\0\0" "ab"),   /* key cut short */
        BYTES("P\x01" "a" "\x01\0\0\0" "k"),    /* a put without its value */
        BYTES("Z\x01" "a"),                     /* no such operation */
        BYTES("X\x00"),                         /* dropping the main DB */
        BYTES("E\x00"),                         /* emptying it */
        BYTES("P\x00" "\x01\0\0\0" "k" "\x01\0\0\0" "v"), /* a record of its own */
        BYTES("D\x00" "\x05\0\0\0" "items"),  /* deleting a DBI's record */
        BYTES("P\xff\x00\x02" "a"),            /* a name longer than LMDB's keys */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_t b = {(char *)cases[i].bytes, cases[i].len, cases[i].len};
        changeset_effects_t fx = {0};
        CHECK(replay(env, &b, &fx) == EINVAL);
        CHECK(changeset_apply(NULL, (const uint8_t *)b.data, b.len, &fx) == EINVAL);
    }
    /* a well-formed one for contrast */
    static const char good[] = "P\x01" "a" "\x01\0\0\0" "k" "\x01\0\0\0" "v";
    buf_t ok = {(char *)good, sizeof good - 1, sizeof good - 1};
    changeset_effects_t fx = {0};
    CHECK(replay(env, &ok, &fx) == 0);
    env_free(env, d);
}

/* A DBI name of 255 bytes or more (an index's "i:<table id>:<index name>"
 * with a long index name) is recorded whole and replayed into the DBI of
 * that name; a name with a NUL byte names no DBI and is refused. */
static char long_name[300];
static void long_named(MDB_txn *txn)
{
    MDB_dbi dbi;
    CHECK(mdb_dbi_open(txn, long_name, MDB_CREATE, &dbi) == 0);
    MDB_val k = val("k"), v = val("v");
    CHECK(mdb_put(txn, dbi, &k, &v, 0) == 0);
}

static void test_long_dbi_names(void)
{
    static const size_t lengths[] = {254, 255, 256, 299};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        char da[] = "/tmp/changeset-a-XXXXXX", db[] = "/tmp/changeset-b-XXXXXX";
        MDB_env *a = env_new(da), *b = env_new(db);
        buf_t rec, dump_a, dump_b;
        buf_init(&rec), buf_init(&dump_a), buf_init(&dump_b);
        memset(long_name, 'n', lengths[i]);
        long_name[lengths[i]] = 0;
        record(a, &rec, long_named);
        changeset_effects_t fx = {0};
        CHECK(changeset_apply(NULL, (const uint8_t *)rec.data, rec.len, &fx) == 0);
        CHECK(fx.dbis);
        CHECK(replay(b, &rec, &(changeset_effects_t){0}) == 0);
        dump(a, &dump_a), dump(b, &dump_b);
        CHECK(strstr(dump_a.data, "k=v;") != NULL);
        CHECK_STR(dump_b.data, dump_a.data);
        buf_free(&rec), buf_free(&dump_a), buf_free(&dump_b);
        env_free(a, da), env_free(b, db);
    }
    char d[] = "/tmp/changeset-n-XXXXXX";
    MDB_env *env = env_new(d);
    static const char nul[] = "C\x03" "a\0b";
    buf_t b = {(char *)nul, sizeof nul - 1, sizeof nul - 1};
    CHECK(replay(env, &b, &(changeset_effects_t){0}) == EINVAL);
    CHECK(changeset_apply(NULL, (const uint8_t *)b.data, b.len, &(changeset_effects_t){0}) == EINVAL);
    env_free(env, d);
}

/* A change set that drops the main DB (and so every DBI's record) and
 * writes on into a DBI: LMDB crashed in the put; now refused, the store
 * unchanged. */
static void test_main_db_refused(void)
{
    char d[] = "/tmp/changeset-r-XXXXXX";
    MDB_env *env = env_new(d);
    buf_t rec, before, after;
    buf_init(&rec), buf_init(&before), buf_init(&after);
    record(env, &rec, first);
    dump(env, &before);
    static const char bad[] = "X\0" "X\0" "C\x03" "t:3" "P\x07" "catalog" "\x03\0\0\0" "tbl"
                              "\x02\0\0\0" "{}";
    buf_t b = {(char *)bad, sizeof bad - 1, sizeof bad - 1};
    CHECK(replay(env, &b, &(changeset_effects_t){0}) == EINVAL);
    dump(env, &after);
    CHECK_STR(after.data, before.data);
    buf_free(&rec), buf_free(&before), buf_free(&after);
    env_free(env, d);
}

int main(void)
{
    RUN(test_replay_matches);
    RUN(test_nested_aborts_not_recorded);
    RUN(test_repeated_puts_recorded_once);
    RUN(test_malformed_refused);
    RUN(test_long_dbi_names);
    RUN(test_main_db_refused);
    return unit_report("changeset");
}
