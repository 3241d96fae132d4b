/* throttle: partitions and token buckets, as the service throttles.
 *
 * Off unless --throttling: then every entry point below returns at once,
 * and callers test throttle_on first, so that the request path pays a
 * branch.
 *
 * On, each table has (created on its first request, by name):
 * - a read and a write token bucket of its own: provisioned tables refill
 *   at their RCU/WCU per second and keep up to burst_seconds (300) of
 *   unused capacity; on-demand tables refill at their current capacity,
 *   which starts at 12,000 read / 4,000 write request units and grows to
 *   double the highest per-second consumption seen (previous peak), and
 *   never past their OnDemandThroughput maximums (one second's worth
 *   kept);
 * - a read and a write bucket per GSI: a provisioned table's at its own
 *   RCU/WCU with the same burst, an on-demand table's at its
 *   OnDemandThroughput maximums (one second's worth; none: no limit); a
 *   write is refused while any GSI's write bucket is empty, as the service
 *   throttles a base table's writes on an under-provisioned GSI;
 * - partitions of each GSI, as a table's below but ranges of the hash of
 *   the index's partition key, sized from the GSI's own throughput (or the
 *   on-demand initial size) and split by its entries' bytes and heat: a
 *   write that puts an entry on a GSI partition past its limits is refused
 *   (the GSI text, the index's ARN), as is a Query of that partition;
 * - partitions: ranges of the partition-key hash (the storage order, so a
 *   split moves no data).  Initially max(1, ceil(RCU/3000 + WCU/1000)) for
 *   provisioned tables (raised, never lowered, by UpdateTable), and 4 for
 *   on-demand (12,000 RRU or 4,000 WRU at 3,000 / 1,000 each).  Each
 *   partition has buckets at the hard per-partition limits (3,000 read,
 *   1,000 write units per second, one second's worth kept): adaptive
 *   capacity lets a hot partition use any share of the table's capacity
 *   up to those limits, and the table's bucket still caps the total.
 *   A table whose data passes 10 GB a partition (THROTTLE_PARTITION_BYTES)
 *   splits its widest partitions (throttle_note_bytes).
 *   A partition throttled without pause for burst_seconds / 30 (10 s) is
 *   split: around its hottest key (the majority candidate of its throttled
 *   keys) when one key holds the heat, isolating that item's key hash on a
 *   partition of its own; at its middle otherwise.  At most
 *   THROTTLE_PARTITIONS_MAX partitions per table.
 *
 * Errors carry ThrottlingReasons (errors.h): Table/Index, Read/Write and
 * ProvisionedThroughputExceeded (a table's or GSI's throughput),
 * KeyRangeThroughputExceeded (a partition's limits, and an on-demand
 * table's current capacity) or MaxOnDemandThroughputExceeded (the
 * OnDemandThroughput maximums).
 *
 * Like the service, a request is admitted while its buckets are not empty
 * (checked before a read executes, and before a write reaches the
 * writer), and then charged the units it consumed (capacity.h), which may
 * leave a bucket in debt: later requests wait for the refill.
 *
 * Thread safety: the request path takes no lock.  The registry of table
 * states is read through atomic pointers (a lock for insertions and
 * removals); a bucket is one atomic time that admission loads and a
 * charge advances with a compare-and-swap; each table's mutex serialises
 * only changes of definition, partition splits and heat (see throttle.c).
 */
#ifndef DDBD_THROTTLE_H
#define DDBD_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "capacity.h"
#include "catalog.h"
#include "errors.h"

#define THROTTLE_BURST_SECONDS 300.0
#define THROTTLE_PARTITION_READ_MAX 3000.0
#define THROTTLE_PARTITION_WRITE_MAX 1000.0
#define THROTTLE_PARTITIONS_MAX 1024
/* The data a partition holds before it splits. */
#define THROTTLE_PARTITION_BYTES (10ULL * 1024 * 1024 * 1024)
/* Partitions of a table at /metrics: the ones that consumed the most. */
#define THROTTLE_RENDER_PARTITIONS 8

/* Whether throttling is on (read on the request path: set once, before
 * serving, by throttle_configure). */
extern bool throttle_on;

/* Turn throttling on with burst_seconds of unused capacity kept (the time
 * scale of every other constant above) and partitions of partition_bytes
 * (0: THROTTLE_PARTITION_BYTES); tests shorten both. */
void throttle_configure(bool on, double burst_seconds, uint64_t partition_bytes);

/* Whether a request may run on table t: a read or a write, of the item
 * whose partition-key hash is hash when keyed (else table-wide: Query,
 * Scan).  NULL: admitted.  Else the service's error:
 * ProvisionedThroughputExceededException (provisioned tables, naming the
 * table or its GSIs) or ThrottlingException (on-demand tables); the
 * throttled request is counted in the metrics. */
ddb_error_t *throttle_admit(arena_t *a, const table_t *t, bool write, bool keyed, uint64_t hash);

/* Whether a Query or Scan of GSI index of t may run: the GSI's read
 * capacity (a provisioned table's) or its read maximum (an on-demand
 * table's OnDemandThroughput of the index), and when keyed (a Query) the
 * index partition of hash, the hash of the index's partition key
 * (keycodec_partition_hash).  An LSI reads the table's capacity:
 * throttle_admit. */
ddb_error_t *throttle_admit_index_read(arena_t *a, const table_t *t, const char *index, bool keyed,
                                       uint64_t hash);
/* Whether a write of t that puts an entry of GSI index under partition-key
 * hash may run: that index partition's write limit (KeyRange reason, the
 * index's ARN; provisioned tables answer the GSI text). */
ddb_error_t *throttle_admit_index_write(arena_t *a, const table_t *t, const char *index,
                                        uint64_t hash);

/* Charge what c says a table consumed: the table's buckets, its indexes',
 * and the partition of c->hash when c->keyed. */
void throttle_charge(const capacity_t *c);
/* Charge units consumed on the partition of hash in table (the items of
 * batches and transactions, one by one). */
void throttle_charge_partition(const char *table, uint64_t hash, bool write, double units);
/* Likewise on the partition of GSI index whose key hash is hash (an index
 * entry put or deleted by a write, a Query of the index). */
void throttle_charge_index_partition(const char *table, const char *index, uint64_t hash,
                                     bool write, double units);

/* The bytes of table's items now (its stored counts, read periodically),
 * or of its GSI index's entries (index not NULL): a table or GSI whose data
 * passes partition_bytes a partition splits its widest partitions (ranges
 * of the key hash hold about equal shares of the data) until they hold
 * that much each at most. */
void throttle_note_bytes(const char *table, const char *index, uint64_t bytes);

/* The Prometheus families of the partitions (after the metrics' own):
 * ddbd_partitions{table} and ddbd_partitions{table,index} (a GSI's),
 * and, for the THROTTLE_RENDER_PARTITIONS partitions of each table that
 * consumed the most,
 * ddbd_partition_consumed_units_total{table,partition,kind} (partition:
 * the first key hash of its range, in hex; kind: read or write).  Nothing
 * when throttling is off. */
void throttle_render(buf_t *out);

/* The number of partitions table has now (0: none known yet). */
size_t throttle_partition_count(const char *table);

/* Forget a deleted table's state (a new table of its name starts afresh). */
void throttle_forget(const char *table);
/* Free every state (at exit, once no request runs). */
void throttle_shutdown(void);

#endif
