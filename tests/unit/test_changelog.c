/* changelog: trimming deletes exactly the front records committed before
 * the cutoff, at most budget of them, across many pages of the DBI, and
 * leaves the other shards and logs, and every later record, readable in
 * order. */
#include "changelog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "unit.h"
#include "unit_store.h"

static char dir[] = "/tmp/ddbd-unit-changelog.XXXXXX";
static MDB_env *env;

static void env_open(void)
{
    MDB_txn *txn;
    env = unit_store_open(dir, 4, 64u << 20);
    if (mdb_txn_begin(env, NULL, 0, &txn) || changelog_open(txn) || mdb_txn_commit(txn)) abort();
}

static void env_close(void) { unit_store_remove(env, dir); }

/* Record i of (log, shard): sequence i + 1, committed at i ms, an item of
 * some hundred bytes (so that the records fill many pages). */
static void append(MDB_txn *txn, uint64_t log, uint32_t shard, uint64_t i)
{
    static char pad[200];
    memset(pad, 'x', sizeof pad);
    value_t s = {.type = VALUE_S, .u.bytes = {pad, sizeof pad}};
    value_member_t m = {"pk", 2, &s};
    value_t keys = {.type = VALUE_M, .u.map = {&m, 1}};
    change_record_t r = {.event = CHANGE_INSERT, .time_ms = (int64_t)i, .sequence = i + 1,
                         .keys = &keys};
    buf_t scratch;
    buf_init(&scratch);
    if (changelog_append(txn, log, shard, &r, &scratch)) abort();
    buf_free(&scratch);
}

/* The sequence numbers of (log, shard), in order, must be first..last. */
static void check_range(MDB_txn *txn, uint64_t log, uint32_t shard, uint64_t first,
                        uint64_t last)
{
    arena_t *a = arena_new(0);
    changelog_reader_t rd;
    change_record_t r;
    uint64_t want = first;
    CHECK(changelog_reader_open(txn, log, shard, 0, &rd) == 0);
    while (changelog_reader_next(&rd, a, &r) == 0) {
        CHECK(r.sequence == want);
        want++;
    }
    changelog_reader_close(&rd);
    CHECK(want == last + 1);
    arena_free(a);
}

static void test_trim_across_pages(void)
{
    env_open();
    MDB_txn *txn;
    if (mdb_txn_begin(env, NULL, 0, &txn)) abort();
    for (uint64_t i = 0; i < 3000; i++) {
        append(txn, 7, 0, i);
        append(txn, 7, 1, i);
        append(txn, 8, 0, i);
    }
    size_t deleted = 0;
    bool done = true;
    /* a budget ends the pass before the cutoff */
    CHECK(changelog_trim(txn, 7, 0, 2500, 1000, &deleted, &done) == 0);
    CHECK(deleted == 1000 && !done);
    check_range(txn, 7, 0, 1001, 3000);
    /* then up to the cutoff: records at 1000..2499 ms */
    CHECK(changelog_trim(txn, 7, 0, 2500, 5000, &deleted, &done) == 0);
    CHECK(deleted == 1500 && done);
    check_range(txn, 7, 0, 2501, 3000);
    /* nothing more before the cutoff */
    CHECK(changelog_trim(txn, 7, 0, 2500, 5000, &deleted, &done) == 0);
    CHECK(deleted == 0 && done);
    /* the neighbouring shard and log are untouched */
    check_range(txn, 7, 1, 1, 3000);
    check_range(txn, 8, 0, 1, 3000);
    /* everything: the shard is empty, its neighbours still whole */
    CHECK(changelog_trim(txn, 7, 0, INT64_MAX, 5000, &deleted, &done) == 0);
    CHECK(deleted == 500 && done);
    uint64_t first = 0, last = 0;
    bool empty = false;
    CHECK(changelog_bounds(txn, 7, 0, &first, &last, &empty) == 0 && empty);
    check_range(txn, 7, 1, 1, 3000);
    /* the last log of the DBI, to its very end */
    CHECK(changelog_trim(txn, 8, 0, INT64_MAX, 5000, &deleted, &done) == 0);
    CHECK(deleted == 3000 && done);
    CHECK(changelog_bounds(txn, 8, 0, &first, &last, &empty) == 0 && empty);
    check_range(txn, 7, 1, 1, 3000);
    mdb_txn_abort(txn);
    env_close();
}

int main(void)
{
    RUN(test_trim_across_pages);
    return unit_report("changelog");
}
