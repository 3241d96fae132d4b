/* stats: item counts and byte sizes of tables and secondary indexes, kept
 * in LMDB.
 *
 * Each table and each index has one record in the DBI "stats", keyed by
 * its DBI name ("t:<table id>", "i:<table id>:<index name>"), and changed
 * in the same write transaction as the items or index entries it counts:
 * the counts are always those of the committed data, a crash cannot make
 * them drift, and start-up reads them instead of the items (O(tables), not
 * O(items)).  A missing record means empty.  Bytes are DynamoDB item sizes
 * (value_item_size): of each item for a table, of each projected entry for
 * an index.
 *
 * Value: u64 item count | u64 bytes, both big-endian (16 bytes).
 * Worked example: 3 items of 250 bytes in all ->
 *   00 00 00 00 00 00 00 03 | 00 00 00 00 00 00 00 fa
 */
#ifndef DDBD_STATS_H
#define DDBD_STATS_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t items, bytes;
} stats_t;

#define STATS_VALUE_LEN 16

void stats_encode(const stats_t *s, uint8_t out[STATS_VALUE_LEN]);
/* false when data is not a stats value */
bool stats_decode(const void *data, size_t len, stats_t *out);
/* Add a change (either part may be negative) to s.  A count that would go
 * below zero stops at zero and the result is false (the counts were wrong:
 * the caller may log it). */
bool stats_apply(stats_t *s, int64_t items, int64_t bytes);

/* Open the DBI (start-up, inside a write transaction).  *created: it did not
 * exist, i.e. the data directory was written before counts were kept and
 * every table and index must be counted once (stats_count). */
int stats_open(MDB_txn *txn, bool *created);
/* The counts of `name` (zero when it has no record). */
int stats_get(MDB_txn *txn, const char *name, stats_t *out);
int stats_put(MDB_txn *txn, const char *name, const stats_t *s);
/* Add a change to the counts of `name`; a change of nothing writes nothing. */
int stats_add(MDB_txn *txn, const char *name, int64_t items, int64_t bytes);
/* Forget `name` (its table or index was dropped). */
int stats_remove(MDB_txn *txn, const char *name);
/* Count the records of a DBI whose values start with their item size
 * (value_item_encode): a table or an index.  Reads every record: only for
 * the one-time count of a data directory without stored counts. */
int stats_count(MDB_txn *txn, MDB_dbi dbi, stats_t *out);

#endif
