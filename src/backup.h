/* backup: on-demand backups of tables, and the restores that read them.
 *
 * Where backups live: one directory per backup under <data-dir>/backups/,
 * named by the backup's id ("<13-digit epoch ms>-<8 hex>"), holding
 *   items        the table's items at the backup's instant, in key order:
 *                records u32 key length | u32 value length | key | value
 *                (big-endian lengths; key and value as the table DBI holds
 *                them: keycodec table key, value_item_encode item)
 *   backup.json  written last (fsync'd, then renamed into place): ARN,
 *                name, source table identity, creation time, counts, the
 *                byte length and CRC-32 of `items`, and the source table's
 *                definition (catalog JSON, so indexes are rebuilt on
 *                restore by the CreateTable parser's rules).
 * A directory without backup.json is a backup that never finished (a stop
 * or kill -9 during the copy): dropped at the next start.  Files rather
 * than the main LMDB environment: a backup outlives its table and is
 * deleted by removing a directory (its space comes back at once, no
 * free-list growth in the data file), the copy writes one sequential file
 * at disk speed without passing through the writer, and the same stream
 * of records serves a point-in-time base snapshot or an export later.
 *
 * Consistency: CreateBackup opens an LMDB read snapshot on the request's
 * thread, so the backup holds exactly the writes committed (hence
 * acknowledged) before the request was read, and none sent after its
 * response.  A copy thread then walks the table in that one snapshot in
 * chunks, taking the DBI lock only around each chunk; writes never wait
 * for it.  The snapshot stays open only while the copy runs (pages it
 * sees are not reused meanwhile), and ends before the metadata is written.
 * A DeleteTable during the copy ends it: the backup is dropped.
 *
 * Restore: RestoreTableFromBackup creates the new table with `restoring`
 * set (TableStatus CREATING, item operations do not see it), then a
 * background job of the writer (storage_job_t) puts the backup's items in
 * bounded steps through the usual counts and index maintenance; each step
 * stores its resume offset in the table's definition in the same
 * transaction, so a restore cut short by a stop or kill -9 resumes where
 * its last committed step ended.  While a restore reads a backup, the
 * backup cannot be deleted (BackupInUseException).
 *
 * Point-in-time bases (pitr.h): the same copy, marked internal in
 * backup.json with where the table's change log stood in the snapshot (the
 * sequence number and commit time of its last record).  They are not
 * backups of the API: ListBackups, DescribeBackup, DeleteBackup and
 * RestoreTableFromBackup never see them.  A point-in-time restore reads a
 * base's items, then replays the change log's records after that position
 * up to its instant, in the same resumable steps; a restore asked for
 * while its base is still being copied starts when the copy ends.
 *
 * In-memory mode keeps no backups: CreateBackup is refused.
 */
#ifndef DDBD_BACKUP_H
#define DDBD_BACKUP_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "errors.h"

typedef struct backup backup_t;

/* Find the backups under data_dir (dropping unfinished ones); none and no
 * directory in memory.  0 or -1 (logged). */
int backup_store_open(const char *data_dir, bool in_memory);
/* Stop copies in progress (their backups are dropped) and forget all. */
void backup_store_close(void);
/* Whether backups can be taken (a data directory). */
bool backup_store_enabled(void);

/* Take a backup named name of t now: its snapshot is opened before this
 * returns, the copy runs on.  Renders {"BackupDetails":{...}} into out. */
ddb_error_t *backup_create(arena_t *a, table_t *t, const char *name, buf_t *out);

/* A backup by ARN with a reference held, or NULL. */
backup_t *backup_acquire(const char *arn);
void backup_release(backup_t *b);
/* Whether text has the shape of a backup ARN of this server's region. */
bool backup_arn_valid(const char *arn);

/* {"BackupDescription":{...}} of b. */
void backup_render_description(buf_t *out, backup_t *b);
/* Delete b (renders its description, status DELETED): BackupInUse while a
 * restore reads it or it is still being created. */
ddb_error_t *backup_delete(arena_t *a, backup_t *b, buf_t *out);

/* ListBackups: the summaries of the backups of a type of table (NULL: all)
 * created in [lower_ms, upper_ms), after the backup named start_arn (NULL:
 * from the first), at most limit, rendered as the response object. */
typedef enum { BACKUP_LIST_USER, BACKUP_LIST_SYSTEM, BACKUP_LIST_NONE, BACKUP_LIST_ALL } backup_list_type_t;
void backup_list_render(buf_t *out, backup_list_type_t type, const char *table, int64_t lower_ms,
                        int64_t upper_ms, const char *start_arn, size_t limit);

/* What a restore needs of b: the source definition (catalog JSON) and
 * the source table's ARN, copied into a. */
const char *backup_definition(const backup_t *b);
const char *backup_table_arn(const backup_t *b);
const char *backup_arn(const backup_t *b);
/* Mark b read by one more restore: BackupInUse if it is not AVAILABLE. */
ddb_error_t *backup_restore_begin(arena_t *a, backup_t *b);
void backup_restore_end(backup_t *b);

/* Fill t (restoring, published) from the backup its definition names, in
 * background steps, from its stored offset; the restore count of that
 * backup is taken over from the caller when `begun`, else taken here (a
 * restore resumed at start-up).  Takes its own reference to t. */
void backup_restore_start(table_t *t, bool begun);

/* --- SYSTEM backups ------------------------------------------------------------
 * The backup the service makes when a table with PITR enabled is deleted:
 * named "<table>$DeletedTableBackup", type SYSTEM, its ARN ending in
 * "-00000000", expiring at expires_ms (then removed by
 * backup_system_expire), refused by DeleteBackup; restored like any other.
 * It is copied in the deleting write transaction (txn, writer thread), from
 * the state the delete removes, and made durable before that transaction
 * commits; backup_system_settle enters it when the delete committed, or
 * removes it.  NULL when no backup could be written (logged). */
backup_t *backup_system_create(MDB_txn *txn, table_t *t, int64_t now_ms, int64_t expires_ms);
void backup_system_settle(backup_t *b, bool committed);
void backup_system_expire(int64_t now_ms);

/* --- point-in-time bases ---------------------------------------------------- */

/* Start a base snapshot of t, positioned in change log `log`: 0 or -1. */
int backup_base_create(table_t *t, uint64_t log);

typedef struct {
    const char *arn, *table_name, *table_id;
    uint64_t log;
    int64_t created_ms;  /* the snapshot's instant: it holds no change after it */
    uint64_t log_seq;    /* the last record of the log it holds (0: none) */
    int64_t log_time_ms; /* that record's commit time (0: none) */
    bool available;      /* copied (else still being copied) */
    bool in_use;         /* a restore reads it */
    uint64_t file_bytes;
} backup_base_t;

/* The bases of table table_id for log (table_id NULL: every base), oldest
 * first, copied into a. */
size_t backup_bases(arena_t *a, const char *table_id, uint64_t log, backup_base_t **out);
/* Drop a base no restore reads: whether it was dropped. */
bool backup_base_drop(const char *arn);
/* A base by ARN with a reference held, or NULL; and mark it read by one
 * more restore (backup_restore_start takes that over). */
backup_t *backup_base_acquire(const char *arn);
bool backup_base_restore_begin(backup_t *b);
/* Read the items of b (a reference held, and a restore count taken so that
 * it stays): the file opened, and its records one by one (1, 0 at the end,
 * -1 when damaged; k and v point into rec). */
FILE *backup_items_open(const backup_t *b);
int backup_items_next(FILE *f, buf_t *rec, MDB_val *k, MDB_val *v);

#endif
