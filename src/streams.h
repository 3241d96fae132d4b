/* streams: DynamoDB Streams on the change log.
 *
 * A stream belongs to one table and lives from the UpdateTable (or
 * CreateTable) that enables it until its records age out after it was
 * disabled (by UpdateTable or DeleteTable); each enable makes a new stream.
 * A stream is a log of the change log (changelog.h) whose id is the
 * stream's; its shards are the log's shards.  One shard is open at a time
 * (a table is one partition); after --stream-shard-lifetime it is closed and
 * a child shard, naming it as parent, takes over, so consumers that follow
 * the lineage see every record once and in order.
 *
 * Identifiers, in the service's formats:
 *   ARN    arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>
 *   label  the creation time, 2026-10-08T23:07:31.275 (UTC)
 *   shard  shardId-<20-digit creation ms>-<8 hex>
 *   sequence number  "1" followed by the 20-digit sequence (21 digits, so
 *          numeric and text order agree)
 *   iterator  <ARN>|1|<base64 of stream, shard, position, flags, time, MAC>
 *
 * Metadata (DBI "streams": u64 id -> JSON) is changed by the writer thread
 * only, in the transaction of the change, and read by the I/O threads under
 * a mutex; records are read from the change log in the reader's snapshot.
 */
#ifndef DDBD_STREAMS_H
#define DDBD_STREAMS_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "changelog.h"
#include "errors.h"
#include "value.h"

/* View types in the order of ENUM_STREAM_VIEW_TYPE. */
typedef enum {
    STREAM_VIEW_NEW_IMAGE,
    STREAM_VIEW_OLD_IMAGE,
    STREAM_VIEW_NEW_AND_OLD_IMAGES,
    STREAM_VIEW_KEYS_ONLY,
} stream_view_t;

typedef struct {
    double retention_s;      /* records are trimmed after this (86,400) */
    double shard_lifetime_s; /* an open shard rolls over after this (14,400) */
    double iterator_lifetime_s; /* a shard iterator expires after this (900) */
} streams_config_t;

/* Start-up, inside a write transaction: open the DBIs, load every stream
 * and the secret of the iterators. */
int streams_load(MDB_txn *txn, const streams_config_t *cfg);
void streams_shutdown(void);
/* After a write transaction was rolled back (storage_on_rollback): the
 * registry again as the committed state has it, since the writer changes
 * it while applying (sequence numbers, streams made or disabled, shards
 * rolled over or trimmed). */
void streams_resync(MDB_txn *committed);

/* --- the writer thread ------------------------------------------------------- */

/* A new ENABLED stream of table t (its name, id and key schema) with view
 * (a stream_view_t name); sets t->stream_id and t->stream_label. */
int streams_create(MDB_txn *txn, table_t *t, const char *view);
/* Disable t's stream: its open shard closes, it stays readable until its
 * records age out.  t->stream_id becomes 0; t->stream_label stays. */
int streams_disable(MDB_txn *txn, table_t *t);

/* Record the change of one item of t (old_item NULL: it did not exist;
 * new_item NULL: it was deleted), if t has a stream and the item changed.
 * The items' stored forms, when the caller has them (else NULL), save
 * encoding them again.  by_service: a TTL deletion.  version: a global
 * table's local change, its timestamp (0: none), which the record keeps
 * for the regions it is shipped to; such a write is recorded even when it
 * changed nothing (the replicas must learn its version), hidden from
 * GetRecords.  *sequence: the record's (0: none written). */
int streams_record(MDB_txn *txn, const table_t *t, const value_t *old_item, const value_t *new_item,
                   const MDB_val *old_encoded, const MDB_val *new_encoded, bool by_service,
                   uint64_t version, uint64_t *sequence);
/* The enabled stream of the table with id table_id (0: none) and its last
 * sequence number so far in *last (writer thread, or before it runs). */
uint64_t streams_of_table(const char *table_id, uint64_t *last);
/* Housekeeping keeps the records of a stream after hold(stream id) (a
 * sequence number; UINT64_MAX: none kept), whatever their age: those the
 * regions of a global table have not yet acknowledged.  Set once, at
 * start-up; hold is called on the writer thread. */
void streams_set_hold(uint64_t (*hold)(uint64_t stream));
/* The first shard of a stream (in order) that may hold records after
 * sequence number after: false when there is none; its ordinal, and its
 * last sequence number when it is closed (*end 0: open).  Any thread. */
bool streams_shard_after(uint64_t stream, uint64_t after, uint32_t *ordinal, uint64_t *end);

/* One bounded step of housekeeping at time now_ms: roll over old shards,
 * trim records older than the retention, forget streams whose records are
 * all gone.  *more: work remains. */
int streams_maintain(MDB_txn *txn, int64_t now_ms, size_t budget, bool *more);
/* Whether any stream may need streams_maintain (cheap). */
bool streams_need_maintenance(int64_t now_ms);
/* Hand streams_maintain to the writer when there is work (at most one such
 * write in flight); any thread (the janitor's task). */
void streams_tick(void);

/* --- the DynamoDB Streams operations (I/O threads) ------------------------------ */

ddb_error_t *streams_list(arena_t *a, const char *table, const char *after_arn, int64_t limit,
                          buf_t *out);
ddb_error_t *streams_describe(arena_t *a, const char *arn, const char *after_shard,
                              int64_t limit, const char *child_of, buf_t *out);
/* type: "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER" */
ddb_error_t *streams_iterator(arena_t *a, MDB_txn *txn, const char *arn, const char *shard,
                              const char *type, const char *sequence, buf_t *out);
ddb_error_t *streams_get_records(arena_t *a, MDB_txn *txn, const char *iterator, int64_t limit,
                                 buf_t *out);

#endif
