/* storage: the LMDB environment, read transactions and the writer.
 *
 * Reads run on the caller's thread in a read-only transaction (one per I/O
 * thread, reset and renewed per request).  Writes are queued to a single
 * writer thread that drains the queue, applies every queued write in one
 * LMDB transaction in arrival order (each sees the state the ones before it
 * left), commits once, and only then reports each write done: a write is
 * never acknowledged before its commit (group commit).
 *
 * Table DBIs are opened and dropped only by the writer.  A write that opens
 * or drops a DBI, or changes what other writes see of the catalog, is
 * "exclusive": it runs alone in its own transaction, holding the DBI lock
 * for writing from its apply until its done() has returned, while readers
 * hold it for reading around their use of any DBI handle
 * (storage_read_begin/end).  Such a write changes in-memory state (the
 * catalog) only in done(), once the commit succeeded, so that a failed
 * commit leaves memory as it left the disk.
 *
 * Space: the environment's map (--storage-map-size) and the data
 * directory's file system both bound the data.  When a transaction fails
 * for want of space (the map is full, the file system is full, an I/O error
 * writing) every write of it gets done(status), one line is logged, and
 * reads go on.  While the free space left (free pages inside the file, room
 * for the file to grow) is under a reserve, writes that do not free space
 * are refused without being tried and background jobs wait, so that deletes
 * (writes marked `frees`) can still run and make room: writes succeed again
 * once enough is free, without a restart.
 */
#ifndef DDBD_STORAGE_H
#define DDBD_STORAGE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
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
    bool exclusive; /* alone in its transaction, done() under the DBI lock */
    bool frees;     /* deletes only: still applied while space is low */
    storage_write_t *next;
};

/* A status of done(): the write was refused without being tried because
 * space is low (or an earlier write of its transaction failed for want of
 * space).  Like every non-zero status, the request fails with a 500. */
#define STORAGE_NO_SPACE MDB_MAP_FULL

/* Background work of the writer (an index backfill): when no write is
 * queued, the writer runs one step of the oldest job in a transaction of its
 * own and commits it, so a long job never holds back acknowledged writes for
 * more than one step, nor keeps a snapshot open longer than one step. */
typedef struct storage_job storage_job_t;
struct storage_job {
    /* One bounded step; sets *finished when the job is complete.  Returns 0
     * or an LMDB error (the step is then rolled back and retried later). */
    int (*step)(storage_job_t *job, MDB_txn *txn, bool *finished);
    /* After each step: committed, or rolled back (the step or its commit
     * failed).  Progress a step made (a resume position, a definition to
     * publish) is kept aside by step and made the job's own here only when
     * committed.  NULL: nothing to settle. */
    void (*settle)(storage_job_t *job, bool committed);
    /* After the commit of the final step, or when the environment closes
     * (aborted true).  Writer thread. */
    void (*done)(storage_job_t *job, bool aborted);
    storage_job_t *next;
};
/* Queue a background job (from the writer thread or any other). */
void storage_submit_job(storage_job_t *job);
/* Wait until no job is queued nor in a step (each finished and done, or
 * the environment closed), as the request fuzzer does between inputs;
 * true when there was one to wait for. */
bool storage_wait_jobs(void);

/* The map size when none is given: address space only, the file grows as
 * it is used. */
#define STORAGE_DEFAULT_MAP_SIZE ((size_t)256 << 30)
#define STORAGE_MIN_MAP_SIZE ((size_t)1 << 20)

/* Open the environment under dir (created if missing), or a private
 * temporary one that is gone at exit when in_memory, with a map of
 * map_size bytes (at most that much data; 0: the default).  journaled: a
 * commit is durable once its journal record is (journal.h); else LMDB
 * syncs it (cluster mode: until the cluster takes over).  A journal left
 * in dir is replayed either way.  0 or -1 (logged). */
int storage_open(const char *dir, bool in_memory, bool journaled, size_t map_size);
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

/* For the metrics: writes queued and not yet taken by the writer; the
 * map's size and the bytes of it in use. */
size_t storage_queue_depth(void);
void storage_map_use(uint64_t *map_bytes, uint64_t *used_bytes);

/* Observers of failed write transactions: fn runs on the writer thread
 * after a transaction was rolled back (a batch, or a job's step), with a
 * read transaction of the committed state, so that a module whose
 * in-memory state the writer changes during apply can reload it.  Register
 * before writes start. */
void storage_on_rollback(void (*fn)(MDB_txn *committed));

/* Called on the writer thread after each committed write transaction
 * (batches and job steps), e.g. to wake readers of the change log.  Set
 * once, before writes start. */
void storage_on_commit(void (*fn)(void));

/* Replication (cluster mode): when set, every write transaction of the
 * writer (batches and job steps) asks gate() before it begins (non-zero:
 * the writes fail with that status untried, e.g. this node does not lead)
 * and ends with commit(txn) instead of mdb_txn_commit: commit must commit
 * or abort txn and return the status.  STORAGE_UNREPLICATED from either
 * fails every write of the transaction with it, never retried one by one:
 * a write the group may yet commit (its entry's fate unknown here) must not
 * run a second time.  Set once, before writes start; unset, the writer
 * commits as it always did. */
#define STORAGE_UNREPLICATED EAGAIN
typedef struct {
    int (*gate)(void);
    int (*commit)(MDB_txn *txn);
} storage_replicator_t;
void storage_set_replicator(const storage_replicator_t *r);
/* Run the observers of storage_on_rollback: state changed under the
 * in-memory modules by a writer other than the writer thread (a replicated
 * transaction applied on a follower). */
void storage_observers_notify(void);
/* The DBI lock held for writing, around opening or dropping DBIs outside
 * the writer (a replicated transaction applied on a follower). */
void storage_dbi_hold_exclusive(void);

/* Reads.  `slot` is the thread's cached transaction (start it NULL);
 * storage_read_begin returns a renewed transaction with the DBI lock held
 * for reading, or NULL on an LMDB error. */
MDB_txn *storage_read_begin(MDB_txn **slot);
void storage_read_end(MDB_txn *txn);
void storage_read_slot_free(MDB_txn **slot);

/* A read snapshot of its own for a long bounded copy (a backup): it stays
 * on one committed state until ended, on any one thread at a time, and
 * never blocks the writer; while it lives, LMDB cannot reuse the pages it
 * sees, so the copy must not dawdle.  NULL on an LMDB error (logged).  Use
 * DBI handles with it only between storage_dbi_hold and storage_dbi_free
 * (a DeleteTable closes the handles of the DBIs it drops). */
MDB_txn *storage_snapshot_begin(void);
void storage_snapshot_end(MDB_txn *txn);
void storage_dbi_hold(void);
void storage_dbi_free(void);

/* Synchronous write transaction for start-up work (before the writer runs
 * concurrently with anything), or on the writer thread between its own
 * transactions (a done() opening again the DBIs a failed transaction
 * dropped: a transaction that only opens existing DBIs writes nothing).
 * Returns 0 or an LMDB error. */
int storage_run_sync(int (*fn)(MDB_txn *txn, void *arg), void *arg);

#endif
