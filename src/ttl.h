/* ttl: Time to Live's expiry index.
 *
 * A table with TTL enabled has one more DBI, "x:<table id>", holding an
 * entry for each item whose TTL attribute is a Number of epoch seconds that
 * can expire: key = u64 expiry (ms since the epoch, big-endian) | the item's
 * table key, value empty.  Entries are written in the item's transaction
 * (like index entries), so the expirer finds due items in expiry order
 * without ever scanning the table, and never misses one.
 * Worked example: TTL 1700000000.5 on item key K -> key 00 00 01 8b cf e5 68 f4 | K.
 *
 * An item expires when its TTL value is below the current time; values of
 * zero or less, more than five years in the past, or not a Number never
 * expire.  Expired items stay readable until the expirer deletes them.
 */
#ifndef DDBD_TTL_H
#define DDBD_TTL_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "keycodec.h"
#include "value.h"

#define TTL_MAX_PAST_MS ((int64_t)5 * 365 * 24 * 3600 * 1000) /* "five years" */

/* Open (creating) / drop the table's expiry DBI; writer thread. */
int ttl_open(MDB_txn *txn, table_t *t);
int ttl_drop(MDB_txn *txn, table_t *t);

/* When item expires under t's TTL attribute: false when it never does. */
bool ttl_item_expiry(const table_t *t, const value_t *item, int64_t *expiry_ms);

/* Move the item at table key `key` from old_item's entry to new_item's
 * (either NULL); writer thread, in the item's transaction. */
int ttl_update(MDB_txn *txn, const table_t *t, const MDB_val *key, const value_t *old_item,
               const value_t *new_item);

/* Add the entry of an item already stored (filling the index of a table
 * whose TTL was just enabled). */
int ttl_put(MDB_txn *txn, const table_t *t, const MDB_val *key, const value_t *item);

/* The first entry due before now_ms: its expiry and table key (copied into
 * key_out); MDB_NOTFOUND when none is due. */
int ttl_first_due(MDB_txn *txn, const table_t *t, int64_t now_ms, int64_t *expiry_ms,
                  uint8_t key_out[KEYCODEC_MAX_KEY], size_t *key_len);
/* Remove one entry. */
int ttl_remove(MDB_txn *txn, const table_t *t, int64_t expiry_ms, const uint8_t *key,
               size_t key_len);

#endif
