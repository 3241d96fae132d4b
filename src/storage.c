/* storage: LMDB environment and the group-commit writer; see storage.h. */
#include "storage.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define STORAGE_MAP_SIZE ((size_t)256 << 30) /* address space only; files grow as used */
#define STORAGE_MAX_DBS 8192
#define STORAGE_MAX_READERS 1024

static struct {
    MDB_env *env;
    MDB_dbi catalog;
    pthread_rwlock_t dbi_lock;

    pthread_t writer;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    storage_write_t *head, *tail;
    storage_job_t *jobs, *jobs_tail;
    bool stopping;
    bool running;
    int64_t write_time_ms; /* writer thread */
} st;

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
    int rc = mdb_txn_begin(st.env, NULL, 0, &txn);
    if (rc) return rc;
    rc = fn(txn, arg);
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

/* --- writer ----------------------------------------------------------------- */

static void batch_finish(storage_write_t *w, int status)
{
    while (w) {
        storage_write_t *next = w->next;
        w->done(w, status);
        w = next;
    }
}

/* Apply writes [first, until) in one transaction and commit. */
static int batch_run(storage_write_t *first, storage_write_t *until)
{
    write_time_advance();
    MDB_txn *txn;
    int rc = mdb_txn_begin(st.env, NULL, 0, &txn);
    if (rc) return rc;
    for (storage_write_t *w = first; w != until; w = w->next)
        if ((rc = w->apply(w, txn))) {
            mdb_txn_abort(txn);
            return rc;
        }
    return mdb_txn_commit(txn);
}

static void batch_process(storage_write_t *batch)
{
    bool exclusive = false;
    for (storage_write_t *w = batch; w; w = w->next) exclusive |= w->exclusive;
    if (exclusive) pthread_rwlock_wrlock(&st.dbi_lock);
    int rc = batch_run(batch, NULL);
    if (rc && batch->next) {
        /* One write failed the batch (e.g. the map is full): retry each on
         * its own so that only the failing ones fail. */
        log_warn("write batch failed (%s); retrying its writes one by one", mdb_strerror(rc));
        storage_write_t *w = batch;
        while (w) {
            storage_write_t *next = w->next;
            int one = batch_run(w, next);
            w->next = NULL;
            w->done(w, one);
            w = next;
        }
        if (exclusive) pthread_rwlock_unlock(&st.dbi_lock);
        return;
    }
    if (exclusive) pthread_rwlock_unlock(&st.dbi_lock);
    if (rc) log_error("write failed: %s", mdb_strerror(rc));
    batch_finish(batch, rc);
}

/* One step of the oldest job; the mutex is not held. */
static void job_step(storage_job_t *job)
{
    MDB_txn *txn;
    bool finished = false;
    write_time_advance();
    int rc = mdb_txn_begin(st.env, NULL, 0, &txn);
    if (!rc) {
        rc = job->step(job, txn, &finished);
        if (rc) mdb_txn_abort(txn);
        else rc = mdb_txn_commit(txn);
    }
    if (rc) {
        log_warn("background job step failed: %s; retrying", mdb_strerror(rc));
        finished = false;
    }
    pthread_mutex_lock(&st.mutex);
    if (finished) {
        st.jobs = job->next;
        if (!st.jobs) st.jobs_tail = NULL;
    }
    pthread_mutex_unlock(&st.mutex);
    if (finished) job->done(job, false);
}

static void *writer_main(void *arg)
{
    pthread_mutex_lock(&st.mutex);
    for (;;) {
        while (!st.head && !st.jobs && !st.stopping) pthread_cond_wait(&st.cond, &st.mutex);
        if (!st.head && st.stopping) break;
        if (st.head) {
            storage_write_t *batch = st.head;
            st.head = st.tail = NULL;
            pthread_mutex_unlock(&st.mutex);
            batch_process(batch);
        } else {
            storage_job_t *job = st.jobs;
            pthread_mutex_unlock(&st.mutex);
            job_step(job);
        }
        pthread_mutex_lock(&st.mutex);
    }
    /* Unfinished jobs resume at the next start (their state is stored). */
    storage_job_t *jobs = st.jobs;
    st.jobs = st.jobs_tail = NULL;
    pthread_mutex_unlock(&st.mutex);
    while (jobs) {
        storage_job_t *next = jobs->next;
        jobs->done(jobs, true);
        jobs = next;
    }
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

void storage_submit(storage_write_t *w)
{
    w->next = NULL;
    pthread_mutex_lock(&st.mutex);
    if (st.tail) st.tail->next = w;
    else st.head = w;
    st.tail = w;
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

void storage_read_slot_free(MDB_txn **slot)
{
    if (*slot) mdb_txn_abort(*slot);
    *slot = NULL;
}

/* --- open / close ------------------------------------------------------------ */

static char in_memory_dir[64];

int storage_open(const char *dir, bool in_memory)
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
    }
    pthread_rwlock_init(&st.dbi_lock, NULL);
    pthread_mutex_init(&st.mutex, NULL);
    pthread_cond_init(&st.cond, NULL);
    if ((rc = mdb_env_create(&st.env)) || (rc = mdb_env_set_mapsize(st.env, STORAGE_MAP_SIZE)) ||
        (rc = mdb_env_set_maxdbs(st.env, STORAGE_MAX_DBS)) ||
        (rc = mdb_env_set_maxreaders(st.env, STORAGE_MAX_READERS)) ||
        (rc = mdb_env_open(st.env, dir, flags, 0644))) {
        log_error("cannot open storage in %s: %s", dir, mdb_strerror(rc));
        return -1;
    }
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
    if (pthread_create(&st.writer, NULL, writer_main, NULL) != 0) {
        log_error("cannot start the writer thread");
        return -1;
    }
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
    if (st.env) {
        mdb_env_close(st.env);
        st.env = NULL;
    }
}
