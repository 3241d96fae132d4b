/* journal: the records after a checkpoint are read back in order, those
 * canceled left out, across the ring's end; the log ends at the first
 * record that is not the next (a stale lap, a torn write, zeros); a header
 * that does not check is not used.  And the whole cycle on a real store:
 * commits journaled, the process gone without a checkpoint and LMDB's
 * meta pages garbled (what a system crash may leave), every commit back. */
#include "journal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "byteorder.h"
#include "changeset.h"
#include "unit.h"

#define SLOT 4096
#define RING_AT (2 * SLOT)
#define HEAD 24

/* A journal image: the header in slot `slot`, ring of ring bytes. */
typedef struct {
    uint8_t *file;
    size_t len;
    uint64_t ring;
} image_t;

static void header_put(image_t *im, int slot, uint64_t generation, uint64_t start, uint64_t seq)
{
    uint8_t *p = im->file + slot * SLOT;
    memset(p, 0, SLOT);
    memcpy(p, "DJH1", 4);
    le32_put(p + 4, 4096);
    le64_put(p + 16, generation);
    le64_put(p + 24, start);
    le64_put(p + 32, seq);
    le64_put(p + 40, im->ring);
    le64_put(p + 48, 77);
    memset(p + 64, 0xab, 1024);
    le32_put(p + 1088, (uint32_t)crc32(0, p, 1088));
}

static image_t image_new(uint64_t ring)
{
    image_t im = {calloc(1, RING_AT + ring), RING_AT + ring, ring};
    if (!im.file) abort();
    return im;
}

/* A record at ring position pos; returns the next position. */
static uint64_t record_put(image_t *im, uint64_t pos, uint32_t kind, uint64_t seq, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    uint8_t *r = im->file + RING_AT + pos % im->ring;
    memcpy(r, "DJR1", 4);
    le32_put(r + 4, kind);
    le64_put(r + 8, seq);
    le32_put(r + 16, (uint32_t)n);
    if (n) memcpy(r + HEAD, text, n);
    uLong c = crc32(0, r + 4, 16);
    le32_put(r + 20, (uint32_t)crc32(c, r + HEAD, (uInt)n));
    if (kind == 3) return pos + (im->ring - pos % im->ring);
    return pos + HEAD + ((n + 7) & ~(size_t)7);
}

static char seen[512];

/* Each payload, "*" for an unlogged transaction's mark. */
static int collect(const uint8_t *payload, size_t len, void *arg)
{
    size_t at = strlen(seen);
    snprintf(seen + at, sizeof seen - at, "%s%.*s", at ? "," : "", payload ? (int)len : 1,
             payload ? (const char *)payload : "*");
    return 0;
}

/* The payloads a scan of im from its header yields ("," between), its end. */
static int scan(const image_t *im, uint64_t *end, uint64_t *seq)
{
    journal_header_t h;
    seen[0] = 0;
    if (journal_header_read(im->file, im->len, &h) != 0) return -1;
    return journal_scan(im->file, im->len, &h, collect, NULL, end, seq);
}

static void test_records_in_order_and_the_first_stranger_ends_them(void)
{
    image_t im = image_new(4096);
    header_put(&im, 0, 1, 0, 10);
    uint64_t p = record_put(&im, 0, 1, 10, "one");
    p = record_put(&im, p, 1, 11, "two");
    uint64_t end_expected = record_put(&im, p, 1, 12, "three");
    record_put(&im, end_expected, 1, 5, "stale"); /* an earlier lap's */
    uint64_t end, seq;
    CHECK(scan(&im, &end, &seq) == 0);
    CHECK_STR(seen, "one,two,three");
    CHECK(end == end_expected && seq == 13);
    /* a flipped byte in "two": the log ends before it */
    im.file[RING_AT + 32 + HEAD] ^= 1;
    CHECK(scan(&im, &end, &seq) == 0);
    CHECK_STR(seen, "one");
    CHECK(end == 32 && seq == 11);
    free(im.file);
}

static void test_a_canceled_record_is_left_out_and_an_unlogged_one_marked(void)
{
    image_t im = image_new(4096);
    header_put(&im, 1, 3, 0, 1);
    uint64_t p = record_put(&im, 0, 1, 1, "a");
    p = record_put(&im, p, 1, 2, "b");
    p = record_put(&im, p, 2, 3, NULL); /* "b" did not commit */
    p = record_put(&im, p, 1, 4, "c");
    p = record_put(&im, p, 4, 5, NULL); /* an unlogged transaction after "c" */
    p = record_put(&im, p, 1, 6, "d");
    p = record_put(&im, p, 2, 7, NULL); /* "d" did not commit either */
    uint64_t end, seq;
    CHECK(scan(&im, &end, &seq) == 0);
    CHECK_STR(seen, "a,c,*");
    CHECK(end == p && seq == 8);
    free(im.file);
}

static void test_the_ring_wraps_with_and_without_a_marker(void)
{
    image_t im = image_new(256);
    /* from position 200: 56 bytes left, a marker, then "x" at 256 */
    header_put(&im, 0, 9, 200, 40);
    uint64_t p = record_put(&im, 200, 3, 40, NULL);
    CHECK(p == 256);
    p = record_put(&im, p, 1, 41, "x");
    uint64_t end, seq;
    CHECK(scan(&im, &end, &seq) == 0);
    CHECK_STR(seen, "x");
    CHECK(end == p && seq == 42);
    /* from position 240: 16 bytes left, fewer than a header: no marker */
    image_t im2 = image_new(256);
    header_put(&im2, 0, 9, 240, 7);
    p = record_put(&im2, 256, 1, 7, "y");
    p = record_put(&im2, p, 1, 8, "z");
    CHECK(scan(&im2, &end, &seq) == 0);
    CHECK_STR(seen, "y,z");
    CHECK(end == p && seq == 9);
    free(im.file);
    free(im2.file);
}

static void test_a_length_past_the_ring_end_is_refused(void)
{
    image_t im = image_new(128);
    header_put(&im, 0, 1, 0, 1);
    uint64_t p = record_put(&im, 0, 1, 1, "0123456789012345678901234567890123456789");
    CHECK(p == 64);
    record_put(&im, p, 1, 2, "abcdefghijklmnop");
    uint64_t end, seq;
    CHECK(scan(&im, &end, &seq) == 0);
    CHECK_STR(seen, "0123456789012345678901234567890123456789,abcdefghijklmnop");
    le32_put(im.file + RING_AT + 64 + 16, 41); /* 41 bytes: 24 + 41 > the 64 left */
    CHECK(scan(&im, &end, &seq) == 0);
    CHECK_STR(seen, "0123456789012345678901234567890123456789");
    CHECK(end == 64 && seq == 2);
    free(im.file);
}

static void test_the_newer_valid_header_counts(void)
{
    image_t im = image_new(512);
    header_put(&im, 0, 4, 0, 1);
    header_put(&im, 1, 5, 64, 3);
    journal_header_t h;
    CHECK(journal_header_read(im.file, im.len, &h) == 0);
    CHECK(h.generation == 5 && h.start == 64 && h.seq == 3 && h.ring == 512 && h.inode == 77 &&
          h.page_size == 4096 && h.meta[1][511] == 0xab);
    im.file[SLOT + 100] ^= 0x40; /* slot 1 torn */
    CHECK(journal_header_read(im.file, im.len, &h) == 0);
    CHECK(h.generation == 4 && h.start == 0);
    im.file[7] ^= 1; /* slot 0 as well */
    CHECK(journal_header_read(im.file, im.len, &h) == -1);
    CHECK(journal_header_read(im.file, RING_AT - 1, &h) == -1);
    /* a header whose ring does not fit the file is not scanned */
    header_put(&im, 0, 6, 0, 1);
    im.len = RING_AT + 256;
    uint64_t end, seq;
    CHECK(journal_header_read(im.file, im.len, &h) == 0 && h.ring == 512);
    CHECK(journal_scan(im.file, im.len, &h, collect, NULL, &end, &seq) != 0);
    free(im.file);
}

/* --- the whole cycle on a store ------------------------------------------- */

static char dir[] = "/tmp/ddbd-unit-journal.XXXXXX";

static MDB_env *store_open(bool prepare)
{
    MDB_env *env;
    if (prepare && journal_prepare(dir) != 0) return NULL;
    if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
        mdb_env_set_mapsize(env, (size_t)256 << 20) ||
        mdb_env_open(env, dir, MDB_NOSYNC | MDB_NOTLS, 0644))
        abort();
    if (journal_start(env, dir, true) != 0) abort();
    return env;
}

/* Commit n puts "k<first..first+n)" of value_len bytes each, journaled. */
static void commit_puts(MDB_env *env, int first, int n, size_t value_len)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    if (mdb_txn_begin(env, NULL, 0, &txn)) abort();
    journal_begin();
    if (mdb_dbi_open(txn, "t", MDB_CREATE, &dbi)) abort();
    char *value = malloc(value_len);
    for (int i = first; i < first + n; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%06d", i);
        memset(value, 'a' + i % 26, value_len);
        MDB_val k = {strlen(key), key}, v = {value_len, value};
        if (mdb_put(txn, dbi, &k, &v, 0)) abort();
    }
    free(value);
    if (journal_commit(txn)) abort();
}

static int count_puts(MDB_env *env, size_t *bytes)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_stat st;
    MDB_cursor *c;
    MDB_val k, v;
    *bytes = 0;
    if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) abort();
    if (mdb_dbi_open(txn, "t", 0, &dbi)) {
        mdb_txn_abort(txn);
        return 0;
    }
    mdb_stat(txn, dbi, &st);
    mdb_cursor_open(txn, dbi, &c);
    while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0)
        *bytes += v.mv_size;
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    return (int)st.ms_entries;
}

static void garble_meta_pages(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    int fd = open(path, O_WRONLY);
    uint8_t junk[512];
    memset(junk, 0x5a, sizeof junk);
    if (fd < 0 || pwrite(fd, junk, sizeof junk, 0) != 512 ||
        pwrite(fd, junk, sizeof junk, 4096) != 512)
        abort();
    close(fd);
}

static void test_commits_survive_a_crash_that_garbles_the_store(void)
{
    if (!mkdtemp(dir)) abort();
    pid_t pid = fork();
    if (pid == 0) {
        MDB_env *env = store_open(true);
        /* bigger than a quarter of the ring: durable through a checkpoint */
        commit_puts(env, 5000, 17, (size_t)1 << 20);
        for (int i = 0; i < 200; i++)
            commit_puts(env, i * 5, 5, 100);
        commit_puts(env, 6000, 3, 10);
        _exit(0); /* no journal_close: as if killed */
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    garble_meta_pages();
    MDB_env *env = store_open(true);
    size_t bytes;
    CHECK(count_puts(env, &bytes) == 1000 + 17 + 3);
    CHECK(bytes == 1000 * 100 + 17 * ((size_t)1 << 20) + 3 * 10);
    /* a clean close: the next start has nothing to replay, and holds all */
    commit_puts(env, 7000, 1, 10);
    journal_close();
    mdb_env_close(env);
    env = store_open(true);
    CHECK(count_puts(env, &bytes) == 1021);
    journal_close();
    mdb_env_close(env);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(test_records_in_order_and_the_first_stranger_ends_them);
    RUN(test_a_canceled_record_is_left_out_and_an_unlogged_one_marked);
    RUN(test_the_ring_wraps_with_and_without_a_marker);
    RUN(test_a_length_past_the_ring_end_is_refused);
    RUN(test_the_newer_valid_header_counts);
    RUN(test_commits_survive_a_crash_that_garbles_the_store);
    return unit_report("journal");
}
