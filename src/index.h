/* index: secondary-index entries.
 *
 * Every index (LSI or GSI) has its own DBI, written in the same transaction
 * as the item, so an index is never staler than its table.  An item has an
 * entry in an index when it has every one of the index's key attributes
 * (indexes are sparse; a GSI key may have several, catalog.h); the entry's
 * key is keycodec_index_key() and its value the item projected as the index
 * declares (KEYS_ONLY: table and index keys; INCLUDE: those plus the listed
 * attributes; ALL: the whole item), stored like a table item
 * (value_item_encode).
 */
#ifndef DDBD_INDEX_H
#define DDBD_INDEX_H

#include <lmdb.h>
#include <stdbool.h>

#include "catalog.h"
#include "errors.h"
#include "keycodec.h"
#include "value.h"

/* Index key values are key values: S, N or B as the index declares, S
 * and B not empty, a partition key of at most 2048 bytes and a sort key of
 * at most 1024.  A write whose item breaks that for an index key attribute
 * is refused, as the service does. */
#define INDEX_HASH_KEY_MAX 2048
#define INDEX_RANGE_KEY_MAX 1024
ddb_error_t *index_check_item(arena_t *a, const table_t *t, const value_t *item);

/* The key of item's entry in ix, or false when the item is not in the
 * index: it lacks a key attribute, or holds a value that cannot be a key
 * (the items a backfill finds that were written before the index: they
 * stay in the table, absent from the index). */
bool index_entry_key(const table_t *t, const index_def_t *ix, const value_t *item,
                     uint8_t out[KEYCODEC_MAX_KEY], size_t *len);

/* The value of ix's partition key (its sort key when range) in item: the
 * attribute itself, or for a key of several attributes their tuple
 * (keycodec_tuple_encode) as a B value whose bytes are in scratch.  false
 * when an attribute is missing (or the index has no sort key). */
bool index_key_value(const index_def_t *ix, bool range, const value_t *item,
                     uint8_t scratch[KEYCODEC_MAX_TUPLE], value_t *out);
/* Whether name (len bytes) is one of ix's key attributes. */
bool index_key_attribute(const index_def_t *ix, const char *name, size_t len);

/* The table key of an item (keycodec_item_key of its key attributes). */
size_t index_table_key(const table_t *t, const value_t *item, uint8_t out[KEYCODEC_MAX_KEY]);

/* Replace old's entries (NULL: none) by new's (NULL: none) in every index
 * of t, and keep each index's counts (stats.h).  Writer thread, inside the
 * item's transaction. */
int index_update(MDB_txn *txn, arena_t *a, const table_t *t, const value_t *old_item,
                 const value_t *new_item);
/* The same, setting units[i] (t->index_count of them) to the write units
 * the change costs on index i (capacity.h): a put, a delete, or both when
 * the item moves between index keys; nothing when its entry is unchanged.
 * A request's change: each entry put or deleted is also charged to its GSI
 * partition (throttle.h) and counted as an access of its index keys in the
 * index's Contributor Insights (insights.h). */
int index_update_charged(MDB_txn *txn, arena_t *a, const table_t *t, const value_t *old_item,
                         const value_t *new_item, double *units);



/* Item collections (tables with LSIs): add delta bytes to the collection of
 * partition key pk and give its new size.  The service's limit is 10 GB. */
#define INDEX_COLLECTION_LIMIT ((uint64_t)10 << 30)
int index_collection_add(MDB_txn *txn, const table_t *t, const value_t *pk, int64_t delta,
                         bool dry_run, uint64_t *size);

/* A walk over a table's items in bounded steps (the fills of new indexes):
 * each step visits at most `max` items, from where the last one stopped.
 * Start it zeroed. */
typedef struct {
    uint8_t resume[KEYCODEC_MAX_KEY]; /* the next table key to read */
    size_t resume_len;
} table_walk_t;
/* Call visit on the next items of t (decoded into a, reset first); *done
 * when the whole table has been visited.  Returns 0, visit's error, or an
 * LMDB error. */
int table_walk_step(MDB_txn *txn, const table_t *t, table_walk_t *w, size_t max, arena_t *a,
                    int (*visit)(void *ctx, const MDB_val *key, const value_t *item), void *ctx,
                    bool *done);

/* Fill index `name` of table t (a GSI added by UpdateTable, status
 * CREATING) from the table's items, in background steps of the writer;
 * then mark it ACTIVE and store the definition.  Takes its own reference
 * to t. */
void index_backfill_start(table_t *t, const char *name);
#endif
