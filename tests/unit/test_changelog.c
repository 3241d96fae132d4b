/* changelog: trimming deletes exactly the front records committed before
 * the cutoff, at most budget of them and none past a held sequence number,
 * across many pages of the DBI, and leaves the other shards and logs, and
 * every later record, readable in order; a record's version and hidden mark
 * are kept, and a record is sent to a peer region only with its version,
 * in the form a peer takes. */
#include "changelog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "unit.h"
#include "unit_store.h"

static char dir[64];
static MDB_env *env;

/* A fresh store for each test. */
static void env_open(void)
{
    MDB_txn *txn;
    snprintf(dir, sizeof dir, "/tmp/ddbd-unit-changelog.XXXXXX");
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
    CHECK(changelog_trim(txn, 7, 0, 2500, UINT64_MAX, 1000, &deleted, &done) == 0);
    CHECK(deleted == 1000 && !done);
    check_range(txn, 7, 0, 1001, 3000);
    /* then up to the cutoff: records at 1000..2499 ms */
    CHECK(changelog_trim(txn, 7, 0, 2500, UINT64_MAX, 5000, &deleted, &done) == 0);
    CHECK(deleted == 1500 && done);
    check_range(txn, 7, 0, 2501, 3000);
    /* nothing more before the cutoff */
    CHECK(changelog_trim(txn, 7, 0, 2500, UINT64_MAX, 5000, &deleted, &done) == 0);
    CHECK(deleted == 0 && done);
    /* the neighbouring shard and log are untouched */
    check_range(txn, 7, 1, 1, 3000);
    check_range(txn, 8, 0, 1, 3000);
    /* everything: the shard is empty, its neighbours still whole */
    CHECK(changelog_trim(txn, 7, 0, INT64_MAX, UINT64_MAX, 5000, &deleted, &done) == 0);
    CHECK(deleted == 500 && done);
    uint64_t first = 0, last = 0;
    bool empty = false;
    CHECK(changelog_bounds(txn, 7, 0, &first, &last, &empty) == 0 && empty);
    check_range(txn, 7, 1, 1, 3000);
    /* the last log of the DBI, to its very end */
    CHECK(changelog_trim(txn, 8, 0, INT64_MAX, UINT64_MAX, 5000, &deleted, &done) == 0);
    CHECK(deleted == 3000 && done);
    CHECK(changelog_bounds(txn, 8, 0, &first, &last, &empty) == 0 && empty);
    check_range(txn, 7, 1, 1, 3000);
    mdb_txn_abort(txn);
    env_close();
}

static void test_trim_held(void)
{
    env_open();
    MDB_txn *txn;
    if (mdb_txn_begin(env, NULL, 0, &txn)) abort();
    for (uint64_t i = 0; i < 3000; i++)
        append(txn, 7, 0, i);
    size_t deleted = 0;
    bool done = true;
    /* every record is old enough, but those after 1200 are held */
    CHECK(changelog_trim(txn, 7, 0, INT64_MAX, 1200, 5000, &deleted, &done) == 0);
    CHECK(deleted == 1200 && !done);
    check_range(txn, 7, 0, 1201, 3000);
    CHECK(changelog_trim(txn, 7, 0, INT64_MAX, 1200, 5000, &deleted, &done) == 0);
    CHECK(deleted == 0 && !done);
    /* the hold moves on: the cutoff ends the pass first */
    CHECK(changelog_trim(txn, 7, 0, 2000, 2500, 5000, &deleted, &done) == 0);
    CHECK(deleted == 800 && done);
    check_range(txn, 7, 0, 2001, 3000);
    mdb_txn_abort(txn);
    env_close();
}

static void test_versions(void)
{
    env_open();
    arena_t *a = arena_new(0);
    MDB_txn *txn;
    if (mdb_txn_begin(env, NULL, 0, &txn)) abort();
    value_t pk = {.type = VALUE_S, .u.bytes = {"k1", 2}},
            v1 = {.type = VALUE_S, .u.bytes = {"old", 3}},
            v2 = {.type = VALUE_S, .u.bytes = {"new!", 4}};
    value_member_t km = {"pk", 2, &pk}, om[2] = {{"pk", 2, &pk}, {"a", 1, &v1}},
                   nm[2] = {{"pk", 2, &pk}, {"a", 1, &v2}};
    value_t keys = {.type = VALUE_M, .u.map = {&km, 1}}, old = {.type = VALUE_M, .u.map = {om, 2}},
            new = {.type = VALUE_M, .u.map = {nm, 2}};
    buf_t scratch;
    buf_init(&scratch);
    /* 1: a local change of a global table; 2: the same, changing nothing;
     * 3: a change without a version (a replicated one, or a regional
     * table's) */
    change_record_t r = {.event = CHANGE_MODIFY,
                         .time_ms = 5,
                         .sequence = 1,
                         .keys = &keys,
                         .old_image = &old,
                         .new_image = &new,
                         .version = 1234567890123};
    CHECK(changelog_append(txn, 9, 0, &r, &scratch) == 0);
    r.sequence = 2, r.version = 1234567890124, r.hidden = true, r.old_image = &new;
    CHECK(changelog_append(txn, 9, 0, &r, &scratch) == 0);
    r.sequence = 3, r.version = 0, r.hidden = false, r.event = CHANGE_REMOVE, r.new_image = NULL;
    CHECK(changelog_append(txn, 9, 0, &r, &scratch) == 0);
    changelog_reader_t rd;
    change_record_t got;
    CHECK(changelog_reader_open(txn, 9, 0, 0, &rd) == 0);
    const uint64_t versions[3] = {1234567890123, 1234567890124, 0};
    const bool hidden[3] = {false, true, false};
    for (int i = 0; i < 3; i++) {
        CHECK(changelog_reader_next(&rd, a, &got) == 0);
        CHECK(got.sequence == (uint64_t)i + 1 && got.version == versions[i] &&
              got.hidden == hidden[i] && got.time_ms == 5);
        CHECK(got.keys && value_equal(got.keys, &keys));
    }
    changelog_reader_close(&rd);
    /* what a peer is sent: records 1 and 2, keys and new image only, which
     * it decodes as a record of its own log */
    CHECK(changelog_reader_open(txn, 9, 0, 0, &rd) == 0);
    for (int i = 0; i < 3; i++) {
        uint64_t seq, version = 0;
        MDB_val v;
        CHECK(changelog_reader_next_raw(&rd, &seq, &v) == 0);
        buf_t out;
        buf_init(&out);
        bool sent = changelog_record_for_peer(a, &v, &out, &version);
        CHECK(sent == (versions[i] != 0));
        if (sent) {
            CHECK(version == versions[i] && out.len < v.mv_size);
            CHECK(changelog_record_decode(a, version, (const uint8_t *)out.data, out.len, &got));
            CHECK(got.event == CHANGE_MODIFY && got.sequence == version && !got.old_image &&
                  !got.version && !got.hidden && got.time_ms == (int64_t)(version / 1000));
            CHECK(got.new_image && value_equal(got.new_image, &new) &&
                  value_equal(got.keys, &keys));
        }
        /* cut short anywhere, a record is refused, never read past */
        for (size_t len = 0; len < v.mv_size; len++) {
            MDB_val part = {len, v.mv_data};
            out.len = 0;
            CHECK(!changelog_record_for_peer(a, &part, &out, &version));
        }
        buf_free(&out);
    }
    changelog_reader_close(&rd);
    buf_free(&scratch);
    mdb_txn_abort(txn);
    arena_free(a);
    env_close();
}

int main(void)
{
    RUN(test_trim_across_pages);
    RUN(test_trim_held);
    RUN(test_versions);
    return unit_report("changelog");
}
