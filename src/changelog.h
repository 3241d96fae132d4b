/* changelog: the ordered history of item changes, kept in LMDB beside the
 * items and written in the same transaction as each change.
 *
 * The history is divided into logs (one per stream of a table; later also
 * the logs that point-in-time recovery and replication read) and each log
 * into shards.  Within a shard, records are ordered by a sequence number
 * that the writer hands out strictly increasing; a record is never changed,
 * only trimmed from the old end.
 *
 * Layout: one DBI "changelog"; key = u64 log | u32 shard | u64 sequence,
 * all big-endian, so a shard is one contiguous key range read in order and
 * trimmed from its front.  Value:
 *   u8 format (1) | u8 event | u8 flags | varint commit time (ms since the
 *   epoch) | [varint version] | keys | [old image] | [new image]
 * where each map is stored as value_item_encode writes an item (size
 * prefix, then the attributes) and the flags say which images follow,
 * whether the service made the change (a TTL deletion), whether a version
 * follows (the timestamp a global table's local change carries,
 * replication.h: what other regions are sent) and whether the record is
 * hidden (such a write that changed nothing: replicas must learn its
 * newer version, stream readers do not see it).
 * Worked example: log 7, shard 2, sequence 300 ->
 *   key 00..07 | 00 00 00 02 | 00..01 2c
 */
#ifndef DDBD_CHANGELOG_H
#define DDBD_CHANGELOG_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "value.h"

typedef enum { CHANGE_INSERT = 1, CHANGE_MODIFY = 2, CHANGE_REMOVE = 3 } change_event_t;

typedef struct {
    change_event_t event;
    bool by_service;  /* made by the service (TTL), not by a request */
    int64_t time_ms;  /* commit time */
    uint64_t sequence;
    uint64_t version;         /* a global table's local change: its timestamp (0: none) */
    bool hidden;              /* not for stream readers (see above) */
    const value_t *keys;      /* the item's key attributes (a map) */
    const value_t *old_image; /* NULL when not kept */
    const value_t *new_image; /* NULL when not kept */
    /* Appending: the images already in their stored form (value_item_encode),
     * or NULL to encode them here. */
    const MDB_val *old_encoded, *new_encoded;
    size_t size_bytes;        /* item sizes of keys and images together */
} change_record_t;

/* The key attributes (hash, range; range NULL: none) of item as the map a
 * record holds, in a. */
value_t *changelog_keys(arena_t *a, const char *hash, const char *range, const value_t *item);

/* Open the DBI (start-up, inside a write transaction). */
int changelog_open(MDB_txn *txn);

/* Append r (its sequence must be above every other of the shard). */
int changelog_append(MDB_txn *txn, uint64_t log, uint32_t shard, const change_record_t *r,
                     buf_t *scratch);

/* A cursor over one shard from a sequence number on. */
typedef struct {
    MDB_cursor *cursor;
    uint64_t log;
    uint32_t shard;
    bool started;
    uint64_t from;
} changelog_reader_t;

int changelog_reader_open(MDB_txn *txn, uint64_t log, uint32_t shard, uint64_t from,
                          changelog_reader_t *r);
/* The next record (decoded into the arena, valid while the transaction
 * lives): 0, MDB_NOTFOUND past the shard's last record, or an error. */
int changelog_reader_next(changelog_reader_t *r, arena_t *a, change_record_t *out);
/* The next record as stored (its value, valid while the transaction lives,
 * to be copied as it is: changelog_record_decode reads it, in this server
 * or in another of the same format). */
int changelog_reader_next_raw(changelog_reader_t *r, uint64_t *sequence, MDB_val *value);
void changelog_reader_close(changelog_reader_t *r);

/* A record's stored value (any bytes: false unless it is a whole record of
 * this format) decoded into the arena, with the sequence number given. */
bool changelog_record_decode(arena_t *a, uint64_t sequence, const uint8_t *data, size_t len,
                             change_record_t *out);

/* A record's stored value as a peer region takes it (ApplyRecords,
 * replication.h): false when it carries no version (nothing to send: not a
 * local change of a global table, or not a record); else appended to out
 * without its old image, version and hidden mark, with its version in
 * *version.  Scratch memory from a. */
bool changelog_record_for_peer(arena_t *a, const MDB_val *stored, buf_t *out, uint64_t *version);

/* The lowest and highest sequence numbers present in a shard; *empty when
 * it holds none. */
int changelog_bounds(MDB_txn *txn, uint64_t log, uint32_t shard, uint64_t *first,
                     uint64_t *last, bool *empty);

/* Delete, from the front of a shard, at most budget records committed
 * before cutoff_ms (cutoff_ms INT64_MAX: every record) whose sequence
 * numbers are at most keep_after (UINT64_MAX: any).  *deleted counts them;
 * *done says the shard holds no more records before cutoff_ms. */
int changelog_trim(MDB_txn *txn, uint64_t log, uint32_t shard, int64_t cutoff_ms,
                   uint64_t keep_after, size_t budget, size_t *deleted, bool *done);

/* The records of a shard and their stored bytes (keys and values): a walk
 * over the shard, for reports. */
int changelog_size(MDB_txn *txn, uint64_t log, uint32_t shard, uint64_t *records,
                   uint64_t *bytes);

#endif
