/* storage: the LMDB environment, read transactions and the writer.
 *
 * Reads run on the caller's thread in a read-only transaction (one per I/O
 * thread, reset and renewed per request).  Writes are queued to a single
 * writer thread that drains the queue, applies every queued write in one
 * LMDB transaction in arrival order (each sees the state the ones before it
 * left), commits once, and only then reports each write done: a write is
 * never acknowledged before its commit (group commit).
 *
 * Table DBIs are opened and dropped only by the writer.  A batch that opens
 * or drops a DBI runs "exclusive": it holds the DBI lock for writing from
 * its first apply to its commit, while readers hold it for reading around
 * their use of any DBI handle (storage_read_begin/end).
 */
#ifndef DDBD_STORAGE_H
#define DDBD_STORAGE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct storage_write storage_write_t;

struct storage_write {
    /* Runs on the writer thread inside the batch transaction.  Returns 0,
     * or an LMDB error (the batch is then retried one write at a time, and
     * a write failing on its own gets done(status)).  A write that decides
     * not to write (a failed condition) records that in its own state and
     * returns 0. */
    int (*apply)(storage_write_t *w, MDB_txn *txn);
    /* Runs on the writer thread after the commit (status 0) or a failure
     * (an LMDB error code).  Called exactly once. */
    void (*done)(storage_write_t *w, int status);
    bool exclusive; /* opens or drops a DBI */
    storage_write_t *next;
};

/* Background work of the writer (an index backfill): when no write is
 * queued, the writer runs one step of the oldest job in a transaction of its
 * own and commits it, so a long job never holds back acknowledged writes for
 * more than one step. */
typedef struct storage_job storage_job_t;
struct storage_job {
    /* One bounded step; sets *finished when the job is complete.  Returns 0
     * or an LMDB error (the step is then rolled back and retried later). */
    int (*step)(storage_job_t *job, MDB_txn *txn, bool *finished);
    /* After the commit of the final step, or when the environment closes
     * (aborted true).  Writer thread. */
    void (*done)(storage_job_t *job, bool aborted);
    storage_job_t *next;
};
/* Queue a background job (from the writer thread or any other). */
void storage_submit_job(storage_job_t *job);

/* Open the environment under dir (created if missing), or a private
 * temporary one that is gone at exit when in_memory.  0 or -1 (logged). */
int storage_open(const char *dir, bool in_memory);
/* Finish queued writes, stop the writer, close the environment. */
void storage_close(void);

MDB_env *storage_env(void);
/* The catalog DBI (table metadata). */
MDB_dbi storage_catalog_dbi(void);

/* The commit time of the writer's current transaction (ms since the epoch):
 * every change of one transaction has the same time, and it never goes
 * backwards.  Writer thread, inside apply or step. */
int64_t storage_write_time_ms(void);

/* Queue a write; its done() will be called from the writer thread. */
void storage_submit(storage_write_t *w);

/* Reads.  `slot` is the thread's cached transaction (start it NULL);
 * storage_read_begin returns a renewed transaction with the DBI lock held
 * for reading, or NULL on an LMDB error. */
MDB_txn *storage_read_begin(MDB_txn **slot);
void storage_read_end(MDB_txn *txn);
void storage_read_slot_free(MDB_txn **slot);

/* Synchronous write transaction for start-up work (before the writer runs
 * concurrently with anything).  Returns 0 or an LMDB error. */
int storage_run_sync(int (*fn)(MDB_txn *txn, void *arg), void *arg);

#endif
