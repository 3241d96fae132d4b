/* storage: LMDB environment and the group-commit writer; see storage.h. */
#include "storage.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "journal.h"
#include "log.h"
#include "metrics.h"

#define STORAGE_MAX_DBS 8192
#define STORAGE_MAX_READERS 1024
/* The reserve: a sixteenth of the capacity (the map, or the file system
 * when that is smaller), within these bounds.  Under it only deletes run;
 * other writes come back once twice as much is free. */
#define RESERVE_MIN ((size_t)128 << 10)
#define RESERVE_MAX ((size_t)64 << 20)
/* While space is low and nothing is queued: how often to look again (the
 * file system may have been given room by others). */
#define LOW_RECHECK_MS 500
#define MAX_OBSERVERS 4
/* How far past its last page the data file is kept cached page by page
 * (see pages_ahead), and the reads that do it. */
#define AHEAD_BYTES ((off_t)2 << 20)
#define AHEAD_READ (64 << 10)

static struct {
    MDB_env *env;
    MDB_dbi catalog;
    pthread_rwlock_t dbi_lock;

    pthread_t writer;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    storage_write_t *head, *tail;
    size_t queued; /* writes from head to tail */
    storage_job_t *jobs, *jobs_tail;
    bool job_running;         /* the writer is in a step of the oldest job */
    pthread_cond_t jobs_idle; /* no job queued nor running (storage_wait_jobs) */
    bool stopping;
    bool running;
    /* writer thread */
    int64_t write_time_ms;
    storage_write_t **batch; /* the writes being processed */
    size_t batch_cap;
    size_t page_size;
    bool low;         /* writes that do not free space are refused */
    bool low_logged;  /* the shortage was logged; its end will be too */
    void (*observers[MAX_OBSERVERS])(MDB_txn *committed);
    size_t nobservers;
    const storage_replicator_t *replicator; /* cluster mode only */
    off_t ahead_to; /* writer thread: the file is cached page by page up to here */
} st;

void storage_set_replicator(const storage_replicator_t *r) { st.replicator = r; }

static void (*commit_observer)(void);
void storage_on_commit(void (*fn)(void)) { commit_observer = fn; }

/* A write transaction: begun, its changes recorded for the journal. */
static int txn_start(MDB_txn **txn)
{
    int rc = mdb_txn_begin(st.env, NULL, 0, txn);
    if (!rc) journal_begin();
    return rc;
}

/* A writer transaction's end: committed here (its journal record first),
 * or replicated first. */
static int txn_finish(MDB_txn *txn)
{
    int rc = st.replicator ? st.replicator->commit(txn) : journal_commit(txn);
    if (!rc && commit_observer) commit_observer();
    return rc;
}

int64_t storage_write_time_ms(void) { return st.write_time_ms; }

/* A new transaction's time: the wall clock, never below the previous one. */
static void write_time_advance(void)
{
    int64_t now = clock_now_ms();
    if (now > st.write_time_ms) st.write_time_ms = now;
}

MDB_env *storage_env(void) { return st.env; }
MDB_dbi storage_catalog_dbi(void) { return st.catalog; }

static int open_catalog(MDB_txn *txn, void *arg)
{
    return mdb_dbi_open(txn, "catalog", MDB_CREATE, &st.catalog);
}

int storage_run_sync(int (*fn)(MDB_txn *txn, void *arg), void *arg)
{
    MDB_txn *txn;
    int rc = txn_start(&txn);
    if (rc) return rc;
    rc = fn(txn, arg);
    if (rc) {
        journal_abort(txn);
        return rc;
    }
    return journal_commit(txn);
}

/* --- space ---------------------------------------------------------------- */

static bool space_error(int rc)
{
    return rc == MDB_MAP_FULL || rc == ENOSPC || rc == EDQUOT || rc == EFBIG || rc == EIO;
}

static const char *space_cause(int rc)
{
    switch (rc) {
    case MDB_MAP_FULL: return "the storage map is full (see --storage-map-size)";
    case ENOSPC: return "the file system of the data directory is full (ENOSPC)";
    case EDQUOT: return "the disk quota of the data directory is used up (EDQUOT)";
    case EFBIG: return "the data file cannot grow (EFBIG)";
    default: return "an I/O error writing the data file (EIO; a full file system?)";
    }
}

/* Pages on the free list of the committed state: freed by deletes and
 * rewrites, reused before the file grows. */
static size_t free_pages(void)
{
    MDB_txn *txn;
    if (mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn)) return 0;
    MDB_cursor *c;
    size_t pages = 0;
    if (mdb_cursor_open(txn, 0 /* LMDB's free-list DBI */, &c) == 0) {
        MDB_val k, v;
        while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
            size_t count; /* each record: a count, then that many page numbers */
            if (v.mv_size < sizeof count) continue;
            memcpy(&count, v.mv_data, sizeof count);
            pages += count;
        }
        mdb_cursor_close(c);
    }
    mdb_txn_abort(txn);
    return pages;
}

static void set_low(bool low, size_t room, size_t reserve, const char *bound)
{
    if (low && !st.low_logged) {
        log_warn("storage: %zu KiB free in %s, under the reserve of %zu KiB: writes other than "
                 "deletes are refused until space is freed", room >> 10, bound, reserve >> 10);
        st.low_logged = true;
    } else if (!low && st.low) {
        log_info("storage: %zu KiB free again: writes are accepted", room >> 10);
        st.low_logged = false;
    }
    st.low = low;
}

/* After a commit (and at open): the room left is the free pages plus how
 * far the file may still grow, in the map and on the file system. */
static void space_refresh(void)
{
    MDB_envinfo info;
    if (mdb_env_info(st.env, &info)) return;
    size_t used = (info.me_last_pgno + 1) * st.page_size;
    size_t capacity = info.me_mapsize;
    size_t room = capacity > used ? capacity - used : 0;
    const char *bound = "the storage map (--storage-map-size)";
    int fd;
    struct statvfs fs;
    if (mdb_env_get_fd(st.env, &fd) == 0 && fstatvfs(fd, &fs) == 0) {
        size_t fs_room = (size_t)fs.f_bavail * fs.f_frsize;
        size_t fs_size = (size_t)fs.f_blocks * fs.f_frsize;
        if (fs_room < room) {
            room = fs_room;
            bound = "the file system of the data directory";
        }
        if (fs_size < capacity) capacity = fs_size;
    }
    size_t reserve = capacity / 16;
    if (reserve < RESERVE_MIN) reserve = RESERVE_MIN;
    if (reserve > RESERVE_MAX) reserve = RESERVE_MAX;
    if (room < 2 * reserve) room += free_pages() * st.page_size; /* only near the limit */
    set_low(st.low ? room < 2 * reserve : room < reserve, room, reserve, bound);
}

/* A transaction (of `writes` writes; 0: a background job's step) failed
 * for want of space: one line for it, and writes that do not free space
 * wait until enough is free. */
static void space_failed(int rc, size_t writes)
{
    char what[64];
    if (writes) snprintf(what, sizeof what, "a write transaction of %zu write%s", writes,
                         writes == 1 ? "" : "s");
    else snprintf(what, sizeof what, "a background job's step");
    log_error("storage: %s failed: %s; reads go on, writes other than deletes are refused until "
              "space is freed", what, space_cause(rc));
    st.low = st.low_logged = true;
}

/* --- page cache ------------------------------------------------------------ */

/* Linux caches a file in folios as large as the write that brought each
 * part in (ext4 since 6.16): LMDB writes the pages a growing file gains in
 * runs of up to 64, so after a bulk load the data file sits in the cache in
 * 64-256 KiB folios, and every later write of one page into one of them
 * (a put writes a leaf and its branch, anywhere in the file) costs the
 * kernel work over the whole folio: each block's buffer when written,
 * every mapped page at writeback.  Measured on 10^6 items, a PutItem took
 * 30-45% more CPU.  A page already cached keeps its folio, so the writer
 * keeps the next AHEAD_BYTES past the last page cached one page per folio
 * before LMDB writes there: the file is extended (a sparse tail: no blocks;
 * LMDB goes by its own last page, not the file's length) and that tail is
 * read with readahead off, which caches pages of zeros without touching the
 * disk.
 * Best effort: any failure leaves LMDB to write as it would anyway. */
static void pages_ahead(void)
{
    MDB_envinfo info;
    int fd;
    if (mdb_env_info(st.env, &info) || mdb_env_get_fd(st.env, &fd)) return;
    off_t used = (off_t)(info.me_last_pgno + 1) * (off_t)st.page_size;
    if (st.ahead_to >= used + AHEAD_BYTES / 2) return; /* almost always */
    off_t from = st.ahead_to > used ? st.ahead_to : used;
    off_t to = used + AHEAD_BYTES;
    if (to > (off_t)info.me_mapsize) to = (off_t)info.me_mapsize;
    struct stat sb;
    if (to <= from || fstat(fd, &sb)) return;
    if (!st.ahead_to) /* the reads below bring in only the pages asked for */
        posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
    if (sb.st_size < to && ftruncate(fd, to)) return;
    static char scratch[AHEAD_READ];
    for (off_t at = from; at < to;) {
        size_t len = to - at < AHEAD_READ ? (size_t)(to - at) : AHEAD_READ;
        ssize_t got = pread(fd, scratch, len, at);
        if (got <= 0) return;
        at += got;
    }
    st.ahead_to = to;
}

void storage_on_rollback(void (*fn)(MDB_txn *committed))
{
    if (st.nobservers < MAX_OBSERVERS) st.observers[st.nobservers++] = fn;
}

/* A write transaction was rolled back: let the observers reload what they
 * changed in memory from the committed state. */
static void rollback_observe(void)
{
    storage_observers_notify();
}

/* One read transaction, renewed for each notification: a follower
 * notifies after every lot of entries it applies, and a new read
 * transaction costs LMDB an allocation sized by the map's maximum number
 * of DBIs, zeroed. */
static pthread_mutex_t notify_lock = PTHREAD_MUTEX_INITIALIZER;
static MDB_txn *notify_txn;

void storage_observers_notify(void)
{
    if (!st.nobservers) return;
    pthread_mutex_lock(&notify_lock);
    int rc = notify_txn ? mdb_txn_renew(notify_txn)
                        : mdb_txn_begin(st.env, NULL, MDB_RDONLY, &notify_txn);
    if (rc) {
        if (notify_txn) mdb_txn_abort(notify_txn);
        notify_txn = NULL;
    } else {
        for (size_t i = 0; i < st.nobservers; i++) st.observers[i](notify_txn);
        mdb_txn_reset(notify_txn);
    }
    pthread_mutex_unlock(&notify_lock);
}

/* --- writer ----------------------------------------------------------------- */

/* Apply writes w[0..n) in one transaction and commit. */
static int txn_once(storage_write_t **w, size_t n)
{
    write_time_advance();
    MDB_txn *txn;
    int rc = st.replicator ? st.replicator->gate() : 0;
    if (rc || (rc = txn_start(&txn))) return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = w[i]->apply(w[i], txn))) {
            journal_abort(txn);
            return rc;
        }
    int64_t start = metrics_now_ns();
    rc = txn_finish(txn);
    metrics_commit_count(metrics_now_ns() - start);
    return rc;
}

/* txn_once, and once more after a failure for want of space that a
 * journal checkpoint may cure (the pages freed since the last one are
 * reused only after the next). */
static int txn_run(storage_write_t **w, size_t n)
{
    int rc = txn_once(w, n);
    if (space_error(rc) && journal_checkpoint_now()) {
        rollback_observe();
        rc = txn_once(w, n);
    }
    return rc;
}

/* Each of w[0..n) again in a transaction of its own, after their common
 * one failed with rc: only the failing ones fail.  After a failure for want
 * of space only the writes that free space are tried again. */
static void group_retry(storage_write_t **w, size_t n, int rc)
{
    for (size_t i = 0; i < n; i++) {
        int one = rc;
        if (!space_error(rc) || w[i]->frees) {
            one = txn_run(&w[i], 1);
            if (one) rollback_observe();
            if (space_error(one) && !space_error(rc)) space_failed(one, 1);
        }
        w[i]->done(w[i], one);
    }
}

/* Writes w[0..n) as one transaction (n is 1 for an exclusive write, whose
 * done() runs under the DBI lock). */
static void group_process(storage_write_t **w, size_t n)
{
    if (st.low) { /* refused untried, without a line each */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++)
            if (w[i]->frees) w[kept++] = w[i];
            else w[i]->done(w[i], STORAGE_NO_SPACE);
        if (!(n = kept)) return;
    }
    bool exclusive = w[0]->exclusive;
    assert(!exclusive || n == 1);
    /* Replicated: an exclusive write waits to be writable before it takes
     * the DBI lock, since what it waits for (the applier catching up) may
     * need that lock. */
    int early = exclusive && st.replicator ? st.replicator->gate() : 0;
    if (exclusive) pthread_rwlock_wrlock(&st.dbi_lock);
    int rc = early ? early : txn_run(w, n);
    /* Not replicated (cluster mode): no retry, see storage_replicator_t. */
    bool retry = rc && n > 1 && !(st.replicator && rc == STORAGE_UNREPLICATED);
    if (rc) {
        rollback_observe();
        if (space_error(rc)) space_failed(rc, n);
        else if (retry) log_warn("write batch failed (%s); retrying its writes one by one",
                                 mdb_strerror(rc));
        else if (!st.replicator || rc != STORAGE_UNREPLICATED)
            log_error("write failed: %s", mdb_strerror(rc));
    }
    if (retry) group_retry(w, n, rc);
    else
        for (size_t i = 0; i < n; i++) w[i]->done(w[i], rc);
    if (exclusive) pthread_rwlock_unlock(&st.dbi_lock);
    space_refresh();
    pages_ahead();
}

/* The queued writes in arrival order: runs of ordinary writes share a
 * transaction, each exclusive write has one of its own. */
static void batch_process(storage_write_t *list)
{
    size_t n = 0;
    for (storage_write_t *w = list; w; w = w->next) {
        if (n == st.batch_cap) {
            st.batch_cap = st.batch_cap ? 2 * st.batch_cap : 256;
            st.batch = realloc(st.batch, st.batch_cap * sizeof *st.batch);
            if (!st.batch) abort();
        }
        st.batch[n++] = w;
    }
    metrics_batch_count(n);
    for (size_t i = 0; i < n;) {
        size_t end = i + 1;
        if (!st.batch[i]->exclusive)
            while (end < n && !st.batch[end]->exclusive) end++;
        group_process(&st.batch[i], end - i);
        i = end;
    }
}

/* One step of the oldest job; the mutex is not held. */
static void job_step(storage_job_t *job)
{
    MDB_txn *txn;
    bool finished = false;
    write_time_advance();
    int rc = st.replicator ? st.replicator->gate() : 0;
    for (int attempt = 0; !rc && attempt < 2; attempt++) {
        if ((rc = txn_start(&txn))) break;
        rc = job->step(job, txn, &finished);
        if (rc) journal_abort(txn);
        if (!rc) rc = txn_finish(txn);
        if (!space_error(rc) || attempt || !journal_checkpoint_now()) break;
        rollback_observe(); /* as in txn_run */
        if (job->settle) job->settle(job, false);
        finished = false;
        rc = 0;
    }
    if (rc) {
        rollback_observe();
        if (space_error(rc)) space_failed(rc, 0);
        else log_warn("background job step failed: %s; retrying", mdb_strerror(rc));
        finished = false;
    }
    if (job->settle) job->settle(job, rc == 0);
    pthread_mutex_lock(&st.mutex);
    if (finished) {
        st.jobs = job->next;
        if (!st.jobs) st.jobs_tail = NULL;
    }
    pthread_mutex_unlock(&st.mutex);
    if (finished) job->done(job, false);
    space_refresh();
    pages_ahead();
}

/* Wait for work; the mutex is held.  While space is low, jobs wait too and
 * the space is looked at again now and then. */
static void writer_wait(void)
{
    while (!st.head && !(st.jobs && !st.low) && !st.stopping) {
        if (!st.low) {
            pthread_cond_wait(&st.cond, &st.mutex);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += LOW_RECHECK_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (pthread_cond_timedwait(&st.cond, &st.mutex, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&st.mutex);
            space_refresh();
            pthread_mutex_lock(&st.mutex);
        }
    }
}

static void *writer_main(void *arg)
{
    pthread_mutex_lock(&st.mutex);
    for (;;) {
        writer_wait();
        if (!st.head && st.stopping) break;
        if (st.head) {
            storage_write_t *batch = st.head;
            st.head = st.tail = NULL;
            st.queued = 0;
            pthread_mutex_unlock(&st.mutex);
            batch_process(batch);
        } else {
            storage_job_t *job = st.jobs;
            st.job_running = true;
            pthread_mutex_unlock(&st.mutex);
            job_step(job);
            pthread_mutex_lock(&st.mutex);
            st.job_running = false;
            if (!st.jobs) pthread_cond_broadcast(&st.jobs_idle);
            continue;
        }
        pthread_mutex_lock(&st.mutex);
    }
    /* Unfinished jobs resume at the next start (their state is stored). */
    storage_job_t *jobs = st.jobs;
    st.jobs = st.jobs_tail = NULL;
    pthread_cond_broadcast(&st.jobs_idle);
    pthread_mutex_unlock(&st.mutex);
    while (jobs) {
        storage_job_t *next = jobs->next;
        jobs->done(jobs, true);
        jobs = next;
    }
    free(st.batch);
    st.batch = NULL;
    st.batch_cap = 0;
    return NULL;
}

void storage_submit_job(storage_job_t *job)
{
    job->next = NULL;
    pthread_mutex_lock(&st.mutex);
    if (st.jobs_tail) st.jobs_tail->next = job;
    else st.jobs = job;
    st.jobs_tail = job;
    pthread_cond_signal(&st.cond);
    pthread_mutex_unlock(&st.mutex);
}

bool storage_wait_jobs(void)
{
    bool waited = false;
    pthread_mutex_lock(&st.mutex);
    while ((st.jobs || st.job_running) && st.running) {
        waited = true;
        pthread_cond_wait(&st.jobs_idle, &st.mutex);
    }
    pthread_mutex_unlock(&st.mutex);
    return waited;
}

void storage_submit(storage_write_t *w)
{
    w->next = NULL;
    pthread_mutex_lock(&st.mutex);
    if (st.tail) st.tail->next = w;
    else st.head = w;
    st.tail = w;
    st.queued++;
    pthread_cond_signal(&st.cond);
    pthread_mutex_unlock(&st.mutex);
}

/* --- reads -------------------------------------------------------------------- */

MDB_txn *storage_read_begin(MDB_txn **slot)
{
    pthread_rwlock_rdlock(&st.dbi_lock);
    int rc = *slot ? mdb_txn_renew(*slot) : mdb_txn_begin(st.env, NULL, MDB_RDONLY, slot);
    if (rc) {
        log_error("read transaction: %s", mdb_strerror(rc));
        if (*slot) {
            mdb_txn_abort(*slot);
            *slot = NULL;
        }
        pthread_rwlock_unlock(&st.dbi_lock);
        return NULL;
    }
    return *slot;
}

void storage_read_end(MDB_txn *txn)
{
    mdb_txn_reset(txn);
    pthread_rwlock_unlock(&st.dbi_lock);
}

MDB_txn *storage_snapshot_begin(void)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        log_error("snapshot transaction: %s", mdb_strerror(rc));
        return NULL;
    }
    return txn;
}

void storage_snapshot_end(MDB_txn *txn)
{
    if (txn) mdb_txn_abort(txn);
}

void storage_dbi_hold(void) { pthread_rwlock_rdlock(&st.dbi_lock); }
void storage_dbi_free(void) { pthread_rwlock_unlock(&st.dbi_lock); }
void storage_dbi_hold_exclusive(void) { pthread_rwlock_wrlock(&st.dbi_lock); }

void storage_read_slot_free(MDB_txn **slot)
{
    if (*slot) mdb_txn_abort(*slot);
    *slot = NULL;
}

/* --- open / close ------------------------------------------------------------ */

static char in_memory_dir[64];

int storage_open(const char *dir, bool in_memory, bool journaled, size_t map_size)
{
    int rc;
    unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
    if (in_memory) {
        const char *tmp = getenv("TMPDIR");
        snprintf(in_memory_dir, sizeof in_memory_dir, "%s/ddbd-mem-XXXXXX",
                 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        if (!mkdtemp(in_memory_dir)) {
            log_error("cannot create a temporary directory: %s", strerror(errno));
            return -1;
        }
        dir = in_memory_dir;
        /* Nothing is kept, so nothing needs to reach the disk. */
        flags |= MDB_NOSYNC | MDB_NOMETASYNC;
    } else if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        log_error("cannot create data directory %s: %s", dir, strerror(errno));
        return -1;
    } else if (journal_prepare(dir) != 0) {
        return -1;
    } else if (journaled) {
        /* durable by the journal: LMDB's file is synced at checkpoints */
        flags |= MDB_NOSYNC;
    }
    if (!map_size) map_size = STORAGE_DEFAULT_MAP_SIZE;
    st.ahead_to = 0;
    pthread_rwlock_init(&st.dbi_lock, NULL);
    pthread_mutex_init(&st.mutex, NULL);
    pthread_cond_init(&st.cond, NULL);
    pthread_cond_init(&st.jobs_idle, NULL);
    if ((rc = mdb_env_create(&st.env)) || (rc = mdb_env_set_mapsize(st.env, map_size)) ||
        (rc = mdb_env_set_maxdbs(st.env, STORAGE_MAX_DBS)) ||
        (rc = mdb_env_set_maxreaders(st.env, STORAGE_MAX_READERS)) ||
        (rc = mdb_env_open(st.env, dir, flags, 0644))) {
        log_error("cannot open storage in %s: %s", dir, mdb_strerror(rc));
        return -1;
    }
    if (!in_memory && journal_start(st.env, dir, journaled) != 0) return -1;
    if (in_memory) {
        /* The maps stay valid after the names are gone: the files vanish
         * with the process, however it ends. */
        char path[128];
        snprintf(path, sizeof path, "%s/data.mdb", in_memory_dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/lock.mdb", in_memory_dir);
        unlink(path);
        rmdir(in_memory_dir);
    }
    if ((rc = storage_run_sync(open_catalog, NULL))) {
        log_error("cannot open the catalog: %s", mdb_strerror(rc));
        return -1;
    }
    MDB_stat stat;
    mdb_env_stat(st.env, &stat);
    st.page_size = stat.ms_psize;
    space_refresh();
    if (pthread_create(&st.writer, NULL, writer_main, NULL) != 0) {
        log_error("cannot start the writer thread");
        return -1;
    }
    pthread_setname_np(st.writer, "writer");
    st.running = true;
    return 0;
}

void storage_close(void)
{
    if (st.running) {
        pthread_mutex_lock(&st.mutex);
        st.stopping = true;
        pthread_cond_signal(&st.cond);
        pthread_mutex_unlock(&st.mutex);
        pthread_join(st.writer, NULL);
        st.running = false;
    }
    journal_close();
    if (notify_txn) mdb_txn_abort(notify_txn);
    notify_txn = NULL;
    if (st.env) {
        mdb_env_close(st.env);
        st.env = NULL;
    }
}

size_t storage_queue_depth(void)
{
    pthread_mutex_lock(&st.mutex);
    size_t n = st.queued;
    pthread_mutex_unlock(&st.mutex);
    return n;
}

void storage_map_use(uint64_t *map_bytes, uint64_t *used_bytes)
{
    MDB_envinfo info;
    MDB_stat stat;
    *map_bytes = *used_bytes = 0;
    if (!st.env || mdb_env_info(st.env, &info) || mdb_env_stat(st.env, &stat)) return;
    *map_bytes = info.me_mapsize;
    *used_bytes = (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
}
