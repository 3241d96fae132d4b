/* Unit tests of stats: the stored form of the counts (the worked example of
 * stats.h), their arithmetic (never below zero), and the counts kept in a
 * real LMDB environment: absent means empty, changes add up inside one
 * transaction and across several, a record is forgotten, a DBI of items is
 * counted, and an environment without the DBI is told apart. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "stats.h"
#include "unit.h"
#include "unit_store.h"
#include "value.h"

static void test_encoding_worked_example(void)
{
    stats_t s = {3, 250}, back;
    uint8_t v[STATS_VALUE_LEN];
    stats_encode(&s, v);
    static const uint8_t want[STATS_VALUE_LEN] = {0, 0, 0, 0, 0, 0, 0, 3,
                                                  0, 0, 0, 0, 0, 0, 0, 0xfa};
    CHECK(memcmp(v, want, sizeof want) == 0);
    CHECK(stats_decode(v, sizeof v, &back));
    CHECK(back.items == 3 && back.bytes == 250);
}

static void test_encoding_round_trip_extremes(void)
{
    stats_t values[] = {{0, 0}, {1, 1}, {UINT64_MAX, UINT64_MAX}, {1ULL << 40, 0x0102030405060708ULL}};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        uint8_t v[STATS_VALUE_LEN];
        stats_t back = {7, 7};
        stats_encode(&values[i], v);
        CHECK(stats_decode(v, sizeof v, &back));
        CHECK(back.items == values[i].items && back.bytes == values[i].bytes);
    }
}

static void test_decode_refuses_other_lengths(void)
{
    uint8_t v[STATS_VALUE_LEN + 1] = {0};
    stats_t s;
    CHECK(!stats_decode(v, 0, &s));
    CHECK(!stats_decode(v, 8, &s));
    CHECK(!stats_decode(v, STATS_VALUE_LEN - 1, &s));
    CHECK(!stats_decode(v, STATS_VALUE_LEN + 1, &s));
}

static void test_apply_adds_and_subtracts(void)
{
    stats_t s = {0, 0};
    CHECK(stats_apply(&s, 1, 100));
    CHECK(stats_apply(&s, 1, 50));
    CHECK(s.items == 2 && s.bytes == 150);
    CHECK(stats_apply(&s, 0, -30)); /* an item rewritten smaller */
    CHECK(s.items == 2 && s.bytes == 120);
    CHECK(stats_apply(&s, -1, -100));
    CHECK(s.items == 1 && s.bytes == 20);
    CHECK(stats_apply(&s, -1, -20));
    CHECK(s.items == 0 && s.bytes == 0);
}

static void test_apply_stops_at_zero(void)
{
    stats_t s = {1, 10};
    CHECK(!stats_apply(&s, -2, 0));
    CHECK(s.items == 0 && s.bytes == 10);
    s = (stats_t){1, 10};
    CHECK(!stats_apply(&s, 0, -11));
    CHECK(s.items == 1 && s.bytes == 0);
    s = (stats_t){5, 5};
    CHECK(!stats_apply(&s, INT64_MIN, INT64_MIN)); /* no overflow negating it */
    CHECK(s.items == 0 && s.bytes == 0);
    s = (stats_t){UINT64_MAX, 0};
    CHECK(stats_apply(&s, INT64_MIN, 0));
    CHECK(s.items == UINT64_MAX - (1ULL << 63));
}

/* --- in LMDB ------------------------------------------------------------------ */

static char dir[64];
static MDB_env *env;

static void env_open(void)
{
    snprintf(dir, sizeof dir, "/tmp/ddbd-unit-stats-XXXXXX");
    env = unit_store_open(dir, 8, 0);
}

static void env_close(void) { unit_store_remove(env, dir); }

static MDB_txn *begin(void)
{
    MDB_txn *txn;
    if (mdb_txn_begin(env, NULL, 0, &txn)) abort();
    return txn;
}

static void test_counts_in_lmdb(void)
{
    env_open();
    MDB_txn *txn = begin();
    bool created = false;
    CHECK(stats_open(txn, &created) == 0);
    CHECK(created); /* a new environment has no counts yet */
    stats_t s = {9, 9};
    CHECK(stats_get(txn, "t:a", &s) == 0);
    CHECK(s.items == 0 && s.bytes == 0);
    CHECK(stats_add(txn, "t:a", 1, 120) == 0);
    CHECK(stats_add(txn, "t:a", 1, 80) == 0);
    CHECK(stats_add(txn, "i:a:g", 1, 30) == 0);
    CHECK(stats_add(txn, "t:b", 0, 0) == 0); /* nothing: no record */
    CHECK(mdb_txn_commit(txn) == 0);

    txn = begin();
    CHECK(stats_open(txn, &created) == 0);
    CHECK(!created);
    CHECK(stats_add(txn, "t:a", -1, -120) == 0);
    CHECK(stats_get(txn, "t:a", &s) == 0);
    CHECK(s.items == 1 && s.bytes == 80);
    mdb_txn_abort(txn); /* the change goes with its transaction */

    txn = begin();
    CHECK(stats_get(txn, "t:a", &s) == 0);
    CHECK(s.items == 2 && s.bytes == 200);
    CHECK(stats_get(txn, "i:a:g", &s) == 0);
    CHECK(s.items == 1 && s.bytes == 30);
    MDB_dbi stats_dbi;
    MDB_stat st;
    CHECK(mdb_dbi_open(txn, "stats", 0, &stats_dbi) == 0);
    CHECK(mdb_stat(txn, stats_dbi, &st) == 0);
    CHECK(st.ms_entries == 2); /* t:b was never written */
    CHECK(stats_add(txn, "t:a", -5, 0) == 0); /* wrong counts stop at zero */
    CHECK(stats_get(txn, "t:a", &s) == 0);
    CHECK(s.items == 0 && s.bytes == 200);
    CHECK(stats_remove(txn, "t:a") == 0);
    CHECK(stats_remove(txn, "t:none") == 0);
    CHECK(stats_get(txn, "t:a", &s) == 0);
    CHECK(s.items == 0 && s.bytes == 0);
    CHECK(mdb_stat(txn, stats_dbi, &st) == 0);
    CHECK(st.ms_entries == 1);
    CHECK(mdb_txn_commit(txn) == 0);
    env_close();
}

static void test_count_reads_item_sizes(void)
{
    env_open();
    MDB_txn *txn = begin();
    MDB_dbi items;
    CHECK(mdb_dbi_open(txn, "t:x", MDB_CREATE, &items) == 0);
    stats_t s = {9, 9};
    CHECK(stats_count(txn, items, &s) == 0);
    CHECK(s.items == 0 && s.bytes == 0);
    uint64_t sizes[] = {5, 300, 70000, 1};
    for (size_t i = 0; i < 4; i++) {
        buf_t b;
        buf_init(&b);
        varint_put(&b, sizes[i]); /* items start with their size */
        buf_append(&b, "payload", 7);
        char key[8];
        snprintf(key, sizeof key, "k%zu", i);
        MDB_val k = {strlen(key), key}, v = {b.len, b.data};
        CHECK(mdb_put(txn, items, &k, &v, 0) == 0);
        buf_free(&b);
    }
    CHECK(stats_count(txn, items, &s) == 0);
    CHECK(s.items == 4 && s.bytes == 5 + 300 + 70000 + 1);
    mdb_txn_abort(txn);
    env_close();
}

int main(void)
{
    RUN(test_encoding_worked_example);
    RUN(test_encoding_round_trip_extremes);
    RUN(test_decode_refuses_other_lengths);
    RUN(test_apply_adds_and_subtracts);
    RUN(test_apply_stops_at_zero);
    RUN(test_counts_in_lmdb);
    RUN(test_count_reads_item_sizes);
    return unit_report("stats");
}
