/* keycodec: the storage key of an item.
 *
 *   hash64(partition key) | u16 partition-key length | partition key | sort key
 *
 * Items of one partition key are contiguous and ordered by sort key, so a
 * Query is one cursor range; a Scan walks hash order, and scan segments
 * split the 64-bit hash space.  Key bytes per type:
 *   S, B: the raw bytes (the sort key is last, so no terminator is needed:
 *         LMDB's memcmp-then-length order is DynamoDB's unsigned byte order);
 *   N:    number_encode_key (memcmp order == numeric order).
 *
 * LMDB keys are at most 511 bytes, while DynamoDB allows a 2048-byte
 * partition key and a 1024-byte sort key.  Longer parts are stored as a
 * prefix plus a 64-bit hash of the whole part:
 *   partition key > 192 bytes: first 184 bytes + hash   (equality is exact
 *       up to hash collisions; the stored item is checked on every read)
 *   sort key > 296 bytes: first 288 bytes + hash (order is exact except
 *       between sort keys sharing their first 288 bytes).
 * Worked example, table (pk S, sk N), item pk "a", sk 12.5:
 *   hash64("a") (8 bytes, big-endian) | 00 01 | 61 | number_encode_key(12.5)
 */
#ifndef DDBD_KEYCODEC_H
#define DDBD_KEYCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "value.h"

#define KEYCODEC_MAX_PK_PART 192
#define KEYCODEC_MAX_SK_PART 296
#define KEYCODEC_MAX_KEY (8 + 2 + KEYCODEC_MAX_PK_PART + KEYCODEC_MAX_SK_PART)
/* Index keys: 10 + 192 + 280 + 16 = 498, within LMDB's 511. */

/* A stable 64-bit hash (the on-disk layout depends on it). */
uint64_t keycodec_hash64(const void *data, size_t len);

/* The key of an item whose partition key is pk and sort key sk (NULL for a
 * hash-only table).  pk and sk are S, N or B values.  Returns its length. */
size_t keycodec_item_key(const value_t *pk, const value_t *sk, uint8_t out[KEYCODEC_MAX_KEY]);

/* The key prefix shared by every item of partition pk. */
size_t keycodec_partition_prefix(const value_t *pk, uint8_t out[KEYCODEC_MAX_KEY]);

/* Index entries.  Many items may share one index key, so an entry's key is
 *   partition prefix(index pk) | escaped index sort key | 16-byte hash of the item's table key
 * The sort key is escaped (S, B: byte 00 -> 00 FF, then the terminator
 * 00 00; N: number_encode_key, self-delimiting) so that every entry of one
 * index key is contiguous and the order between index sort keys is exact,
 * whatever follows.  Escaped sort keys longer than KEYCODEC_MAX_ISK_PART are
 * cut to a prefix plus a hash, as for tables.  isk is NULL for an index
 * without a sort key. */
#define KEYCODEC_MAX_ISK_PART 280
#define KEYCODEC_TABLE_KEY_HASH 16
size_t keycodec_index_key(const value_t *ipk, const value_t *isk, const uint8_t *table_key,
                          size_t table_key_len, uint8_t out[KEYCODEC_MAX_KEY]);
/* The first bytes of every index key whose sort key is >= isk, without the
 * terminator (a seek position): partition prefix | escaped isk. */
size_t keycodec_index_seek(const value_t *ipk, const value_t *isk, uint8_t out[KEYCODEC_MAX_KEY]);

#endif
