/* journal: the store's write-ahead log (a single server on disk).
 *
 * A commit of the store costs one sequential write and one flush of this
 * file instead of LMDB's synced commit (every page the transaction dirtied
 * written where it lies, then two flushes).  The changes a write
 * transaction makes are recorded as it runs (changeset.h: puts, deletes,
 * DBI creations and drops, DBIs by name); at its commit that record is
 * written here and flushed first, then LMDB commits without syncing, so
 * nothing is visible before it is durable.  A checkpoint (a thread of its
 * own, every CHECKPOINT_MS while records come, sooner when the file fills)
 * syncs LMDB's file in one go and then marks the records before it as no
 * longer needed.
 *
 * After a crash of the process LMDB's file is intact (the kernel keeps its
 * pages); after a crash of the system it may hold pages of unsynced
 * commits in any mix.  Either way the last checkpoint's snapshot is whole
 * on the disk: it was synced, and until the next checkpoint is durable a
 * read transaction on it keeps LMDB from reusing its pages.  The checkpoint
 * keeps a copy of LMDB's two meta pages as they were at that snapshot (the
 * page header and LMDB's meta record, at the start of each of the file's
 * first two pages); a start writes them back, so LMDB opens that snapshot,
 * and replays every record after it in order.  One recovery for both kinds
 * of crash, run at every start that follows one.  Not when the journal
 * was closed cleanly (LMDB's file was synced then and nothing followed),
 * nor when LMDB's file is not the one it was kept for (another inode) or
 * has seen commits the journal does not hold (its meta pages name a later
 * transaction than the checkpoint's plus the records after it: another
 * program, or an earlier release, wrote to it since): it is then taken as
 * it is, and the journal starts anew.
 *
 * File "journal" in the data directory, its length set at its making (a
 * sixteenth of the file system's free space, 256 KiB to 64 MiB; sparse: its
 * blocks come as its first lap writes them; where it cannot be made the
 * store runs without it, every commit synced):
 *   two header slots of 4096 bytes at offsets 0 and 4096, written in turn
 *   (the valid one with the higher generation counts), then the ring.
 *   header: "DJH1" | u32 page size | u32 flags (1: written at a clean
 *     stop) | u32 zero | u64 generation | u64 start position | u64 sequence
 *     at start | u64 ring bytes | u64 inode of LMDB's file | u64 LMDB
 *     transaction of the checkpoint | 2 x 512 bytes of meta page | u32
 *     crc32 of all before it.
 *   record (at ring offset position % ring bytes, 8-byte aligned):
 *     "DJR1" | u32 kind | u64 sequence | u32 length | u32 crc32 of kind,
 *     sequence, length and the payload | payload | zero padding to 8.
 *   kind 1: a transaction's change set; kind 2: the previous record made no
 *   LMDB transaction (LMDB refused it after it was written, or it changed
 *   nothing after all), skip it; kind 3: the
 *   ring wraps, the next record is at the ring's start (so is it when fewer
 *   bytes than a record header are left); kind 4: a transaction too big to
 *   log follows (durable only through the next checkpoint; it counts
 *   towards the transactions LMDB may hold beyond the checkpoint).  Sequences go up by one from
 *   record to record and never start again, so the first record that is not
 *   the next one (stale bytes of an earlier lap, zeros) ends the log.
 * Positions grow without end; the ring holds those from the last durable
 * checkpoint's start on.  A transaction whose record would take more than
 * a quarter of the ring commits unlogged and waits for a checkpoint to make
 * it durable.  Integers little-endian. */
#ifndef DDBD_JOURNAL_H
#define DDBD_JOURNAL_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Before LMDB opens the store in dir: when dir holds a journal, put LMDB's
 * meta pages back to its last checkpoint's.  0, or -1 (logged). */
int journal_prepare(const char *dir);

/* After LMDB opened it (unsynced when keep): replay the records after the
 * checkpoint and sync the store; then keep: journal every commit from now
 * on; else remove the journal (in-memory or cluster mode, whose durability
 * lies elsewhere).  0, or -1 (logged). */
int journal_start(MDB_env *env, const char *dir, bool keep);

/* The store is journaled (journal_start with keep, not yet closed). */
bool journal_active(void);

/* A top-level write transaction begins on this thread: record what it
 * changes.  Ends with journal_commit or journal_abort. */
void journal_begin(void);

/* Commit txn: its record written and flushed, then mdb_txn_commit.  An
 * LMDB error, or the errno of the record's write (ENOSPC, EIO...: txn
 * aborted, nothing logged).
 * Without a journal: mdb_txn_commit. */
int journal_commit(MDB_txn *txn);

/* Abort txn, dropping its record. */
void journal_abort(MDB_txn *txn);

/* Make a checkpoint now and wait for it (false without a journal).  LMDB
 * reuses the pages freed since the last checkpoint only after the next
 * one: a write that lacked room may find it then. */
bool journal_checkpoint_now(void);

/* A last checkpoint (the next start replays nothing), then stop.  Before
 * LMDB closes; no write transaction may be open. */
void journal_close(void);

/* The records of a journal file's bytes from a header's start on, in
 * order, those canceled left out: fn(payload, length, arg) each (payload
 * NULL for a kind 4 mark); a nonzero return stops there and is returned.  Used by a start's replay
 * and by the fuzzer.  end_pos, next_seq: where the next record goes. */
typedef struct {
    uint32_t page_size;
    uint32_t flags;
    uint64_t generation, start, seq, ring, inode, txnid;
    uint8_t meta[2][512];
} journal_header_t;

/* The valid header of file[0..len) with the higher generation: 0, or -1
 * when neither slot holds one. */
int journal_header_read(const uint8_t *file, size_t len, journal_header_t *h);

int journal_scan(const uint8_t *file, size_t len, const journal_header_t *h,
                 int (*fn)(const uint8_t *payload, size_t len, void *arg), void *arg,
                 uint64_t *end_pos, uint64_t *next_seq);

#endif
