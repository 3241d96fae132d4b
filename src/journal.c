/* journal: the store's write-ahead log; see journal.h. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "byteorder.h"
#include "changeset.h"
#include "durable_file.h"
#include "log.h"

#define JOURNAL_NAME "journal"
/* The journal's length: a sixteenth of the file system's free space, within
 * these bounds (a small one still works: what does not fit a quarter of
 * it waits for a checkpoint). */
#define JOURNAL_MAX ((uint64_t)64 << 20)
#define JOURNAL_MIN ((uint64_t)256 << 10)
#define SLOT_BYTES 4096
#define RING_START (2 * SLOT_BYTES)
#define META_BYTES 512
#define HEADER_CRC_AT (64 + 2 * META_BYTES)
/* LMDB's meta record (format 1) in its page: magic, version, txn id */
#define LMDB_MAGIC_AT 16
#define LMDB_TXNID_AT 144
#define HEADER_CLEAN 1u
#define RECORD_HEAD 24
#define CHECKPOINT_MS 1000
/* A checkpoint writes the store's pages back this much at a time, waiting
 * for each part (write_back). */
#define WRITEBACK_STEP ((off_t)1 << 20)

enum { KIND_CHANGES = 1, KIND_CANCEL = 2, KIND_WRAP = 3, KIND_UNLOGGED = 4 };

static uint64_t pad8(uint64_t n) { return (n + 7) & ~(uint64_t)7; }

/* --- format ------------------------------------------------------------------- */

static void header_encode(uint8_t out[SLOT_BYTES], const journal_header_t *h)
{
    memset(out, 0, SLOT_BYTES);
    memcpy(out, "DJH1", 4);
    le32_put(out + 4, h->page_size);
    le32_put(out + 8, h->flags);
    le64_put(out + 16, h->generation);
    le64_put(out + 24, h->start);
    le64_put(out + 32, h->seq);
    le64_put(out + 40, h->ring);
    le64_put(out + 48, h->inode);
    le64_put(out + 56, h->txnid);
    memcpy(out + 64, h->meta, 2 * META_BYTES);
    le32_put(out + HEADER_CRC_AT, (uint32_t)crc32(0, out, HEADER_CRC_AT));
}

static bool header_decode(const uint8_t *p, journal_header_t *h)
{
    if (memcmp(p, "DJH1", 4) != 0 || le32_get(p + HEADER_CRC_AT) != crc32(0, p, HEADER_CRC_AT))
        return false;
    h->page_size = le32_get(p + 4);
    h->flags = le32_get(p + 8);
    h->generation = le64_get(p + 16);
    h->start = le64_get(p + 24);
    h->seq = le64_get(p + 32);
    h->ring = le64_get(p + 40);
    h->inode = le64_get(p + 48);
    h->txnid = le64_get(p + 56);
    memcpy(h->meta, p + 64, 2 * META_BYTES);
    return true;
}

int journal_header_read(const uint8_t *file, size_t len, journal_header_t *h)
{
    journal_header_t a, b;
    bool va = len >= RING_START && header_decode(file, &a);
    bool vb = len >= RING_START && header_decode(file + SLOT_BYTES, &b);
    if (!va && !vb) return -1;
    *h = va && (!vb || a.generation > b.generation) ? a : b;
    return 0;
}

static uint32_t record_crc(const uint8_t *head, const uint8_t *payload, size_t len)
{
    uLong c = crc32(0, head + 4, 16);
    return (uint32_t)(len ? crc32(c, payload, (uInt)len) : c);
}

int journal_scan(const uint8_t *file, size_t len, const journal_header_t *h,
                 int (*fn)(const uint8_t *payload, size_t len, void *arg), void *arg,
                 uint64_t *end_pos, uint64_t *next_seq)
{
    uint64_t ring = h->ring, pos = h->start, seq = h->seq;
    if (ring < RECORD_HEAD || ring % 8 || pos % 8 || len < RING_START || ring > len - RING_START)
        return EINVAL;
    const uint8_t *pending = NULL;
    size_t pending_len = 0;
    int rc;
    while (pos - h->start < ring) {
        uint64_t off = pos % ring, room = ring - off;
        if (room < RECORD_HEAD) { /* the ring wraps without a marker */
            if (pos + room - h->start > ring) break;
            pos += room;
            continue;
        }
        const uint8_t *r = file + RING_START + off;
        uint32_t kind = le32_get(r + 4), n = le32_get(r + 16);
        if (memcmp(r, "DJR1", 4) != 0 || le64_get(r + 8) != seq || kind < KIND_CHANGES ||
            kind > KIND_UNLOGGED || n > room - RECORD_HEAD ||
            le32_get(r + 20) != record_crc(r, r + RECORD_HEAD, n))
            break;
        uint64_t size = kind == KIND_WRAP ? room : RECORD_HEAD + pad8(n);
        if (pos + size - h->start > ring) break; /* past a lap: overwritten */
        seq++;
        pos += size;
        if (kind == KIND_CANCEL) {
            pending = NULL;
        } else if (kind == KIND_CHANGES || kind == KIND_UNLOGGED) {
            if (pending && (rc = fn(pending, pending_len, arg))) return rc;
            pending = NULL;
            if (kind == KIND_UNLOGGED && (rc = fn(NULL, 0, arg))) return rc;
            if (kind == KIND_CHANGES) {
                pending = r + RECORD_HEAD;
                pending_len = n;
            }
        }
    }
    if (pending && (rc = fn(pending, pending_len, arg))) return rc;
    *end_pos = pos;
    *next_seq = seq;
    return 0;
}

/* --- state -------------------------------------------------------------------- */

static struct {
    bool active;
    bool restored; /* journal_prepare put the meta pages back */
    MDB_env *env;
    int fd;      /* the journal */
    int data_fd; /* LMDB's file */
    uint32_t page_size;
    uint64_t inode; /* LMDB's file's */
    uint64_t ring;
    pthread_mutex_t mutex;
    pthread_cond_t wake; /* the checkpointer */
    pthread_cond_t done; /* a checkpoint finished */
    uint64_t head, tail; /* next record's position; the durable checkpoint's start */
    uint64_t seq;        /* next record's sequence */
    uint64_t generation; /* of the durable header */
    uint64_t captures;   /* checkpoints begun */
    uint64_t durable;    /* the last of them that is durable */
    bool want, stopping;
    /* a commit too big to log waits for its checkpoint: no record may be
     * logged after it meanwhile (a replay would apply it without it) */
    bool unlogged;
    MDB_txn *hold; /* a read transaction on the durable checkpoint's snapshot */
    pthread_t thread;
    bool thread_running;
} jr = {.fd = -1,
        .data_fd = -1,
        .mutex = PTHREAD_MUTEX_INITIALIZER,
        .wake = PTHREAD_COND_INITIALIZER,
        .done = PTHREAD_COND_INITIALIZER};

/* The write transaction being recorded: LMDB runs one at a time, so one
 * buffer serves every thread; the flag says which thread began it. */
static buf_t recorded;
static __thread bool recording;

static void path_of(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/* An I/O failure that leaves what is durable unknown: stop; the next start
 * recovers from the last durable checkpoint and the records after it. */
static void fatal(const char *what, int err)
{
    log_error("journal: %s failed: %s; stopping (the next start replays the journal)", what,
              strerror(err));
    abort();
}

static int write_all(int fd, const struct iovec *iov, int n, uint64_t off)
{
    size_t want = 0;
    for (int i = 0; i < n; i++)
        want += iov[i].iov_len;
    ssize_t w = pwritev(fd, iov, n, (off_t)off);
    if (w == (ssize_t)want) return 0;
    if (w >= 0) errno = EIO;
    return -1;
}

/* --- checkpoints -------------------------------------------------------------- */

/* Start writing back the dirty pages of the store's first `end` bytes,
 * WRITEBACK_STEP at a time, each waited for before the next: at most one
 * step's writes are ever queued before a commit's journal flush, instead of
 * every page the last second dirtied (measured: PutItem p99 ~100 ms -> ~7
 * ms at 16 connections; the same throughput).  Durability is still the
 * fdatasync that follows (this neither flushes the disk's cache nor writes
 * metadata); a failure here shows there too. */
static void write_back(int fd, off_t end)
{
    for (off_t at = 0; at < end; at += WRITEBACK_STEP)
        (void)sync_file_range(fd, at, WRITEBACK_STEP,
                              SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
}

/* Under the mutex (released meanwhile): sync LMDB's file as of now and make
 * that the durable checkpoint (clean: at a stop, no record follows it).
 * False when no snapshot could be taken. */
static bool checkpoint(bool clean)
{
    MDB_txn *snap;
    int rc = mdb_txn_begin(jr.env, NULL, MDB_RDONLY, &snap);
    if (rc) {
        log_warn("journal: cannot begin a checkpoint: %s", mdb_strerror(rc));
        return false;
    }
    journal_header_t h = {.page_size = jr.page_size,
                          .generation = jr.generation + 1,
                          .start = jr.head,
                          .seq = jr.seq,
                          .ring = jr.ring,
                          .inode = jr.inode,
                          .txnid = mdb_txn_id(snap),
                          .flags = clean ? HEADER_CLEAN : 0};
    if (pread(jr.data_fd, h.meta[0], META_BYTES, 0) != META_BYTES ||
        pread(jr.data_fd, h.meta[1], META_BYTES, jr.page_size) != META_BYTES)
        fatal("reading the store's meta pages", errno ? errno : EIO);
    uint64_t n = ++jr.captures;
    MDB_envinfo info;
    mdb_env_info(jr.env, &info); /* (no page past the last can be dirty) */
    pthread_mutex_unlock(&jr.mutex);
    write_back(jr.data_fd, (off_t)(info.me_last_pgno + 1) * jr.page_size);
    if ((rc = mdb_env_sync(jr.env, 1))) fatal("syncing the store", rc);
    uint8_t slot[SLOT_BYTES];
    header_encode(slot, &h);
    struct iovec v = {slot, SLOT_BYTES};
    if (write_all(jr.fd, &v, 1, (h.generation % 2) * SLOT_BYTES) || fdatasync(jr.fd))
        fatal("writing the journal's header", errno);
    pthread_mutex_lock(&jr.mutex);
    jr.generation = h.generation;
    jr.tail = h.start;
    jr.durable = n;
    if (jr.hold) mdb_txn_abort(jr.hold);
    jr.hold = snap;
    pthread_cond_broadcast(&jr.done);
    return true;
}

static void *checkpointer_main(void *arg)
{
    pthread_mutex_lock(&jr.mutex);
    while (!jr.stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += CHECKPOINT_MS % 1000 * 1000000L;
        until.tv_sec += CHECKPOINT_MS / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!jr.want && !jr.stopping &&
               pthread_cond_timedwait(&jr.wake, &jr.mutex, &until) != ETIMEDOUT) {
        }
        if (jr.stopping) break;
        if (jr.want || jr.head != jr.tail) {
            jr.want = false;
            if (!checkpoint(false)) {
                pthread_mutex_unlock(&jr.mutex);
                usleep(10000);
                pthread_mutex_lock(&jr.mutex);
            }
        }
    }
    pthread_mutex_unlock(&jr.mutex);
    return NULL;
}

/* Under the mutex: wait until a checkpoint begun after now is durable. */
static void wait_checkpoint(void)
{
    uint64_t target = jr.captures + 1;
    while (jr.durable < target) {
        jr.want = true;
        pthread_cond_signal(&jr.wake);
        pthread_cond_wait(&jr.done, &jr.mutex);
    }
}

bool journal_checkpoint_now(void)
{
    if (!jr.active) return false;
    pthread_mutex_lock(&jr.mutex);
    wait_checkpoint();
    pthread_mutex_unlock(&jr.mutex);
    return true;
}

/* --- records ------------------------------------------------------------------ */

/* Under the mutex: room for a record of size bytes at the head (and for the
 * end of the ring, when it does not fit before it). */
static void make_room(uint64_t size)
{
    for (;;) {
        uint64_t room = jr.ring - jr.head % jr.ring;
        uint64_t need = size <= room ? size : room + size;
        if (jr.head - jr.tail + need <= jr.ring) break;
        jr.want = true;
        pthread_cond_signal(&jr.wake);
        pthread_cond_wait(&jr.done, &jr.mutex);
    }
    if (jr.head - jr.tail > jr.ring / 4) { /* a checkpoint before the ring is full */
        jr.want = true;
        pthread_cond_signal(&jr.wake);
    }
}

/* Under the mutex: append a record and flush it.  0, or -1 with errno when
 * it could not be written (nothing appended: the next record goes there). */
static int append(uint32_t kind, const void *payload, size_t len)
{
    uint64_t size = RECORD_HEAD + pad8(len);
    make_room(size);
    uint64_t off = jr.head % jr.ring, room = jr.ring - off, head = jr.head, seq = jr.seq;
    static const uint8_t zeros[8];
    if (size > room) {
        if (room >= RECORD_HEAD) {
            uint8_t w[RECORD_HEAD] = "DJR1";
            le32_put(w + 4, KIND_WRAP);
            le64_put(w + 8, seq);
            le32_put(w + 16, 0);
            le32_put(w + 20, record_crc(w, NULL, 0));
            struct iovec v = {w, RECORD_HEAD};
            if (write_all(jr.fd, &v, 1, RING_START + off)) return -1;
            seq++;
        }
        head += room;
        off = 0;
    }
    uint8_t h[RECORD_HEAD] = "DJR1";
    le32_put(h + 4, kind);
    le64_put(h + 8, seq);
    le32_put(h + 16, (uint32_t)len);
    le32_put(h + 20, record_crc(h, payload, len));
    struct iovec v[3] = {
        {h, RECORD_HEAD}, {(void *)payload, len}, {(void *)zeros, pad8(len) - len}};
    if (write_all(jr.fd, v, 3, RING_START + off)) return -1;
    if (fdatasync(jr.fd)) fatal("flushing the journal", errno);
    jr.head = head + size;
    jr.seq = seq + 1;
    return 0;
}

bool journal_active(void) { return jr.active; }

static uint64_t last_txnid(void)
{
    MDB_envinfo info;
    return mdb_env_info(jr.env, &info) == 0 ? (uint64_t)info.me_last_txnid : 0;
}

void journal_begin(void)
{
    if (!jr.active) return;
    /* under LMDB's writer lock: no other thread uses the buffer now */
    if (recorded.cap > ((size_t)1 << 20)) buf_free(&recorded); /* keep no large one */
    recorded.len = 0;
    changeset_record_start(&recorded);
    recording = true;
}

void journal_abort(MDB_txn *txn)
{
    if (recording) {
        changeset_record_stop();
        recording = false;
    }
    mdb_txn_abort(txn);
}

int journal_commit(MDB_txn *txn)
{
    if (!recording) return mdb_txn_commit(txn);
    changeset_record_stop();
    recording = false;
    int rc;
    pthread_mutex_lock(&jr.mutex);
    while (jr.unlogged)
        pthread_cond_wait(&jr.done, &jr.mutex);
    if (!recorded.len) {
        rc = mdb_txn_commit(txn);
    } else if (RECORD_HEAD + pad8(recorded.len) > jr.ring / 4) {
        /* too big to log: durable once a checkpoint has synced it; a mark
         * says that LMDB may hold one transaction more than the records */
        if (append(KIND_UNLOGGED, NULL, 0) != 0) {
            rc = errno ? errno : EIO;
            mdb_txn_abort(txn);
        } else if (!(rc = mdb_txn_commit(txn))) {
            jr.unlogged = true;
            wait_checkpoint();
            jr.unlogged = false;
            pthread_cond_broadcast(&jr.done);
        }
    } else if (append(KIND_CHANGES, recorded.data, recorded.len) != 0) {
        rc = errno ? errno : EIO; /* ENOSPC and the like: the store's space errors */
        mdb_txn_abort(txn);
    } else {
        uint64_t before = last_txnid();
        /* refused, or nothing to commit after all (DBIs opened with
         * MDB_CREATE that were there): the record stands for no
         * transaction, so that a start counts LMDB's exactly */
        if (((rc = mdb_txn_commit(txn)) != 0 || last_txnid() == before) &&
            append(KIND_CANCEL, NULL, 0) != 0)
            fatal("canceling a record LMDB did not commit", errno);
    }
    pthread_mutex_unlock(&jr.mutex);
    return rc;
}

/* --- start and stop ----------------------------------------------------------- */

static int count_one(const uint8_t *payload, size_t len, void *arg)
{
    (*(uint64_t *)arg)++;
    return 0;
}

/* The newest transaction LMDB's meta pages in data[0..) name (0: none
 * valid). */
static uint64_t store_txnid(int data, uint32_t page_size)
{
    uint64_t newest = 0;
    for (int i = 0; i < 2; i++) {
        uint8_t m[LMDB_TXNID_AT + 8];
        if (pread(data, m, sizeof m, (off_t)i * page_size) != (ssize_t)sizeof m) continue;
        if (le32_get(m + LMDB_MAGIC_AT) != 0xBEEFC0DEu) continue;
        uint64_t t = le64_get(m + LMDB_TXNID_AT);
        if (t > newest) newest = t;
    }
    return newest;
}

/* Whether the journal at path is to be applied to LMDB's file data: 0 yes,
 * else why not (logged by the caller when it matters). */
static const char *applicable(int fd, int data, const journal_header_t *h)
{
    struct stat sb, db;
    if (fstat(fd, &sb) != 0 || fstat(data, &db) != 0) return "cannot be looked at";
    if ((uint64_t)db.st_ino != h->inode) return "it was kept for another store";
    const uint8_t *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return "cannot be mapped";
    uint64_t records = 0, end, seq;
    int rc = journal_scan(map, (size_t)sb.st_size, h, count_one, &records, &end, &seq);
    munmap((void *)map, (size_t)sb.st_size);
    if (rc) return "its ring does not fit the file";
    if (store_txnid(data, h->page_size) > h->txnid + records)
        return "the store has commits it does not hold";
    return NULL;
}

int journal_prepare(const char *dir)
{
    char path[PATH_MAX];
    jr.restored = false;
    path_of(path, sizeof path, dir, JOURNAL_NAME);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return 0;
    if (fd < 0) {
        log_error("journal: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t head[RING_START];
    journal_header_t h;
    ssize_t got = pread(fd, head, sizeof head, 0);
    /* no checkpoint yet (nothing was logged), or a clean stop's: LMDB's
     * file is as it was synced */
    if (got != (ssize_t)sizeof head || journal_header_read(head, sizeof head, &h) != 0 ||
        (h.flags & HEADER_CLEAN)) {
        close(fd);
        return 0;
    }
    path_of(path, sizeof path, dir, "data.mdb");
    int data = open(path, O_RDWR | O_CLOEXEC);
    const char *why = data < 0 ? "there is no store" : applicable(fd, data, &h);
    close(fd);
    if (why) {
        log_warn("journal: not applied: %s; the store is taken as it is", why);
        if (data >= 0) close(data);
        return 0;
    }
    if (pwrite(data, h.meta[0], META_BYTES, 0) != META_BYTES ||
        pwrite(data, h.meta[1], META_BYTES, h.page_size) != META_BYTES || fdatasync(data) != 0) {
        log_error("journal: cannot restore the store's checkpoint: %s", strerror(errno));
        close(data);
        return -1;
    }
    close(data);
    jr.restored = true;
    return 0;
}

static int replay_one(const uint8_t *payload, size_t len, void *arg)
{
    size_t *count = arg;
    MDB_txn *txn;
    if (!payload) return 0; /* an unlogged transaction: lost unless checkpointed */
    changeset_effects_t fx = {0};
    int rc = mdb_txn_begin(jr.env, NULL, 0, &txn);
    if (rc) return rc;
    if ((rc = changeset_apply(txn, payload, len, &fx))) {
        mdb_txn_abort(txn);
        return rc;
    }
    if (!(rc = mdb_txn_commit(txn))) (*count)++;
    return rc;
}

/* Replay what the journal at path holds after its checkpoint; *pos, *seq,
 * *generation: where it ended.  0, or -1 (logged). */
static int replay(const char *path, int fd, uint64_t *pos, uint64_t *seq, uint64_t *generation)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size < RING_START) return 0;
    const uint8_t *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        log_error("journal: cannot map %s: %s", path, strerror(errno));
        return -1;
    }
    journal_header_t h;
    int rc = 0;
    size_t count = 0;
    if (journal_header_read(map, (size_t)sb.st_size, &h) == 0) {
        *pos = h.start;
        *seq = h.seq;
        *generation = h.generation;
        /* not applied: its records never count, even where the ring still
         * holds them (more than a lap of records) */
        if (!jr.restored) *seq += h.ring / RECORD_HEAD + 1;
        if (jr.restored) {
            rc = journal_scan(map, (size_t)sb.st_size, &h, replay_one, &count, pos, seq);
            if (rc)
                log_error("journal: cannot replay %s: %s", path, mdb_strerror(rc));
            else if (count)
                log_info("journal: %zu transactions replayed", count);
        }
    }
    munmap((void *)map, (size_t)sb.st_size);
    return rc ? -1 : 0;
}

/* A new journal's length: sparse, its blocks come as its first lap writes
 * them (a data directory that sees few writes takes little room).  0, or -1
 * with errno. */
static int allocate(int fd, const char *dir, uint64_t *size)
{
    struct statvfs vfs;
    uint64_t n = JOURNAL_MAX;
    if (statvfs(dir, &vfs) == 0) {
        uint64_t free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
        if (free_bytes / 16 < n) n = free_bytes / 16 & ~(uint64_t)(SLOT_BYTES - 1);
        if (n < JOURNAL_MIN) n = JOURNAL_MIN;
    }
    if (ftruncate(fd, (off_t)n) != 0) return -1;
    *size = n;
    return fsync(fd);
}

int journal_start(MDB_env *env, const char *dir, bool keep)
{
    char path[PATH_MAX];
    path_of(path, sizeof path, dir, JOURNAL_NAME);
    MDB_stat stat;
    struct stat sb;
    jr.env = env;
    if (mdb_env_get_fd(env, &jr.data_fd) || mdb_env_stat(env, &stat) || fstat(jr.data_fd, &sb)) {
        log_error("journal: cannot look at the store");
        return -1;
    }
    jr.page_size = stat.ms_psize;
    jr.inode = (uint64_t)sb.st_ino;
    uint64_t pos = 0, seq = 1, generation = 0;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) {
        log_error("journal: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    /* the checkpoint's pages stay as they are while the records replay */
    MDB_txn *hold = NULL;
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &hold);
    if (rc || (fd >= 0 && replay(path, fd, &pos, &seq, &generation) != 0) ||
        (rc = mdb_env_sync(env, 1))) {
        if (rc) log_error("journal: cannot sync the store: %s", mdb_strerror(rc));
        if (hold) mdb_txn_abort(hold);
        if (fd >= 0) close(fd);
        return -1;
    }
    if (!keep) {
        mdb_txn_abort(hold);
        if (fd >= 0) {
            close(fd);
            if (unlink(path) != 0 || durable_dir_sync(dir) != 0)
                log_warn("journal: cannot remove %s: %s", path, strerror(errno));
        }
        return 0;
    }
    bool made = fd < 0;
    uint64_t size = 0;
    if (made)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    else if (fstat(fd, &sb) == 0)
        size = (uint64_t)sb.st_size;
    if (fd >= 0 && size < RING_START + JOURNAL_MIN && allocate(fd, dir, &size) != 0) {
        /* durable without it: LMDB syncs every commit again */
        log_warn("journal: cannot make %s: %s; every commit is synced", path, strerror(errno));
        close(fd);
        unlink(path);
        mdb_txn_abort(hold);
        return mdb_env_set_flags(env, MDB_NOSYNC, 0) == 0 ? 0 : -1;
    }
    if (fd < 0 || (made && durable_dir_sync(dir) != 0)) {
        log_error("journal: cannot make %s: %s", path, strerror(errno));
        mdb_txn_abort(hold);
        if (fd >= 0) close(fd);
        return -1;
    }
    jr.fd = fd;
    jr.ring = (size - RING_START) & ~(uint64_t)7;
    jr.head = jr.tail = pos;
    jr.seq = seq;
    jr.generation = generation;
    jr.captures = jr.durable = 0;
    jr.want = jr.stopping = false;
    jr.hold = hold;
    pthread_mutex_lock(&jr.mutex);
    bool ok = checkpoint(false);
    pthread_mutex_unlock(&jr.mutex);
    if (!ok || pthread_create(&jr.thread, NULL, checkpointer_main, NULL) != 0) {
        log_error("journal: cannot start");
        if (jr.hold) mdb_txn_abort(jr.hold);
        jr.hold = NULL;
        close(fd);
        jr.fd = -1;
        return -1;
    }
    pthread_setname_np(jr.thread, "checkpoint");
    jr.thread_running = true;
    jr.active = true;
    return 0;
}

void journal_close(void)
{
    if (!jr.active) return;
    pthread_mutex_lock(&jr.mutex);
    jr.stopping = true;
    pthread_cond_signal(&jr.wake);
    pthread_mutex_unlock(&jr.mutex);
    if (jr.thread_running) pthread_join(jr.thread, NULL);
    jr.thread_running = false;
    pthread_mutex_lock(&jr.mutex);
    checkpoint(true); /* the next start takes LMDB's file as it is */
    if (jr.hold) mdb_txn_abort(jr.hold);
    jr.hold = NULL;
    pthread_mutex_unlock(&jr.mutex);
    close(jr.fd);
    jr.fd = -1;
    jr.active = false;
    buf_free(&recorded);
}
