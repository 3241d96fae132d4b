/* replication: global tables (version 2019.11.21) between regions.
 *
 * A global table is a group of replicas, one table of the same name per
 * region (regions.h).  Each server keeps, for each of its tables that has
 * replicas, the group's members (the other regions and their
 * ReplicaStatus), durably in the DBI "replication", so that every member
 * knows every other.
 *
 * Writes: every local change of an item of such a table gets a timestamp
 * (microseconds, strictly increasing on this server and above the item's
 * last version), kept, in the change's transaction, in the record of the
 * table's stream (streams.h: a replicated table always has one, with new
 * and old images; the record carries the timestamp as its version, and a
 * write that changed nothing is recorded too, hidden from stream readers,
 * since the replicas must learn its newer version) and as the item's
 * version (timestamp, origin region).  A stored
 * item carries its own version (value.h), written by the put the change
 * does anyway and read with the old item it reads anyway; a deletion's
 * version, its tombstone, goes to the DBI "replver" (table id | item key ->
 * u64 timestamp | origin region).  An item's version is the one it carries,
 * else the DBI's: there an earlier release kept every item's, which stay
 * honoured until the item is written again.  Only local changes are
 * logged: a change that came from another region is never shipped on.  At
 * start-up the clock resumes above the last record of each log, and a
 * bound kept in the version DBI (raised, some seconds ahead, whenever a
 * version, kept there or with an item, passes it) tells whether any
 * version may be ahead of the clock: only then does a change look up the
 * DBI for an item that carries none.  Neither needs a pass over the items.
 *
 * Shipping: one thread per peer region sends, for each table it shares with
 * that peer, the stream's records after the peer's acknowledged position
 * that carry a version (the records of changes that came from other regions
 * carry none, and are passed over), in order, in batches (the peer's
 * ApplyRecords: each record as a change log holds it, without its old
 * image, in a body of bytes, under its version; ApplyChanges, JSON, to a
 * peer of an earlier release that does not know it; after a call a shipper
 * gathers for some milliseconds, so that a busy table's changes go by the
 * hundred), and moves the position (kept in the DBI, about once a second
 * or every few thousand changes) only once the peer answered; after a
 * restart or an outage it resends from there, which the peer's idempotent
 * apply makes harmless.  The stream keeps the records a peer has not
 * acknowledged past its retention.  A group stored by an earlier release
 * kept its changes in a log of its own: what that log still holds for a
 * peer is sent first, then the stream's records from the upgrade on.
 *
 * Applying: a remote change of an item is applied only when its (timestamp,
 * origin region) is above the item's version (last writer wins); deletions
 * leave their version as a tombstone, so every replica converges to the
 * same item, or to its absence.
 *
 * Replicas are added and removed by UpdateTable (ops/replicas.c) and then
 * built by a control thread: the table is created in the peer region with
 * the same definition, the peer learns the group, the existing items are
 * copied from a read snapshot (with their versions) while new writes keep
 * being shipped, and the replica becomes ACTIVE.
 */
#ifndef DDBD_REPLICATION_H
#define DDBD_REPLICATION_H

#include <errno.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "value.h"

/* Peer regions are configured: the write path looks no further when not. */
extern bool replication_on;

#define REPLICATION_TARGET_PREFIX "DdbdReplication_20261130."
/* The Content-Type of ApplyRecords' body (bytes; the peer's api.c takes
 * such bodies for that call only). */
#define REPLICATION_RECORDS_TYPE "application/octet-stream"

/* Start-up, in the catalog's load transaction: open the DBIs and load the
 * groups.  Then start: shippers and the control thread. */
int replication_load(MDB_txn *txn);
void replication_start(void);
void replication_stop(void);

/* An item's version as its stored form carries it (value.h). */
typedef struct {
    bool has;
    uint64_t ts;
    char origin[VALUE_ORIGIN_MAX + 1];
} replication_version_t;
/* The version a stored item carries (v->has false: none), and (item, when
 * not NULL) the stored item without it, as other modules know items. */
void replication_version_read(const MDB_val *stored, replication_version_t *v, MDB_val *item);

/* Writer thread, a local change of an item of t that stores the item: its
 * timestamp in *ts (0: t has no replicas), and the version the stored item
 * is to carry appended to b (its stored form follows); old: the version
 * the item's stored form carried (NULL: none, or no item). */
int replication_stamp(MDB_txn *txn, const table_t *t, const MDB_val *key,
                      const replication_version_t *old, buf_t *b, uint64_t *ts);
/* Writer thread: one change of an item of t; ts: its stamp when the item
 * is stored (replication_stamp; 0: none, a deletion: stamped here, its
 * version kept in the version DBI).  *version: what the change's stream
 * record is to carry (0: nothing to ship: t has no replicas, or the change
 * came from another region); then replication_logged with the record's
 * sequence number, which wakes the shippers once committed. */
int replication_version(MDB_txn *txn, const table_t *t, const MDB_val *key, const value_t *old_item,
                        const value_t *new_item, uint64_t ts, const replication_version_t *old,
                        uint64_t *version);
void replication_logged(const table_t *t, uint64_t sequence);

/* Writer thread: a remote change, applied by write (the item operations'
 * item_write_replicated, passed in since they call this module; found: the
 * item's stored form as looked up here, NULL: none, so that it is looked up
 * once; a new item is stored carrying the version (ts, origin)) if it wins. */
typedef int (*replication_item_writer_t)(MDB_txn *txn, arena_t *a, table_t *t,
                                         const MDB_val *key, const MDB_val *found,
                                         const value_t *new_item, uint64_t ts,
                                         const char *origin);
int replication_apply_change(MDB_txn *txn, arena_t *a, table_t *t, const char *origin, uint64_t ts,
                             const value_t *keys, const value_t *item,
                             replication_item_writer_t write);

/* The group's members as the description shows them (nothing for a
 * regional table). */
void replication_render_description(buf_t *b, const table_t *t);
/* Whether the table has replicas; how many. */
size_t replication_replica_count(const char *table);
bool replication_has_member(const char *table, const char *region);
/* The other members of the table's group (at most max): region names and
 * ReplicaStatus; how many. */
#define REPLICATION_STATUS_MAX 24
size_t replication_members(const char *table, char (*regions)[65],
                           char (*statuses)[REPLICATION_STATUS_MAX], size_t max);

/* The longest settings a replica keeps (its Create's or Update's
 * overrides as JSON, terminator included): 20 GSIs' with the longest names
 * fit, with a KMS key id of some hundred characters. */
#define REPLICATION_OVERRIDES_MAX 8192

/* The groups of at most this many tables are kept: a replica of one more
 * table is refused (replication_replica_add and replication_group_set
 * return REPLICATION_NO_ROOM; replication_group_room tells beforehand). */
#define REPLICATION_GROUPS_MAX 256
#define REPLICATION_NO_ROOM ENOBUFS
/* Whether the table has a group, or there is room for its group. */
bool replication_group_room(const char *table);

/* Control plane (I/O threads): queue adding or removing a replica in
 * region of table t (overrides: the Create's settings as JSON, or NULL);
 * the group is changed durably before the call returns (0, or an LMDB
 * error). */
int replication_replica_add(table_t *t, const char *region, const char *overrides);
/* A replica's own settings (its Update: throughput, GSI and table-class
 * overrides, as JSON), kept and shown in descriptions. */
int replication_replica_settings(table_t *t, const char *region, const char *overrides);
int replication_replica_remove(table_t *t, const char *region);
/* A peer told this server the group of its table (members: every region of
 * the group, with statuses; none: this region left it), and each member's
 * overrides as JSON (NULL: not told, kept as they are). */
int replication_group_set(table_t *t, const char *const *regions, const char *const *statuses,
                          const char *const *sources, const int64_t *source_ms,
                          const char *const *overrides, size_t count);
/* Whether this region made one of the table's replicas in the last 24
 * hours: its table cannot be deleted then. */
bool replication_recent_source(const char *table);
/* Whether region made one of the table's present replicas in the last 24
 * hours (as the group's announcements tell): its replica cannot be
 * removed then. */
bool replication_region_recent_source(const char *table, const char *region);
/* The table was deleted: forget its group and tell the other replicas
 * (writer thread, in the transaction of the delete). */
int replication_table_dropped(MDB_txn *txn, const table_t *t);

/* Settings shared by the group (UpdateTable's GSIs, billing, throughput and
 * stream; UpdateTimeToLive): a local change that succeeded is sent, as the
 * request (JSON) of op ("UpdateTable", "UpdateTimeToLive"), to every other
 * replica, which applies it as its own without sending it on (the
 * Settings call).  Queued; never blocks. */
void replication_settings_forward(const char *table, const char *op, const char *request,
                                  size_t len);
/* Expired items of a replicated table are deleted by one region only (the
 * first of the group by name), whose deletions replicate: the others would
 * otherwise delete each item again, with their own stream records. */
bool replication_expires_here(const table_t *t);

/* Versions kept in the version DBI (tombstones, and items' versions kept
 * there by an earlier release) older than this are forgotten once every
 * replica has what this region logged up to them (--replication-version-
 * keep; default a day): by then no change that could lose to them is
 * expected.  A version an item carries goes with the item. */
extern double replication_version_keep_s;

/* Lag per (table, peer) for /metrics. */
void replication_metrics_render(buf_t *out);

#endif
