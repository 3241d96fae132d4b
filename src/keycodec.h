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
 *   sort key > 296 bytes: first 288 bytes + hash.
 * Order groups: storage order is DynamoDB's order except among keys of one
 * partition whose sort part is longer than KEYCODEC_TABLE_SK_EXACT bytes
 * and that share those first bytes.  Such keys (cut or not) are contiguous
 * in storage, ordered among themselves by hash: a reader that needs
 * DynamoDB's order reads the whole group and sorts it by the real sort keys
 * (keycodec_order_group).  A seek key built by keycodec_item_seek never
 * lands inside a group, so the first key at or after it is never past a
 * wanted one.
 * Worked example, table (pk S, sk N), item pk "a", sk 12.5:
 *   hash64("a") (8 bytes, big-endian) | 00 01 | 61 | number_encode_key(12.5)
 * and with sort keys S "x"*300+"b" and "x"*300+"a" (both cut): each is
 *   hash64("a") | 00 01 | 61 | "x"*288 | hash64(whole sort key)
 * so their storage order follows the hashes; both are in the group of
 * prefix hash64("a") | 00 01 | 61 | "x"*288 (11 + 288 bytes), with every key
 * of that partition whose sort key starts with "x"*288 and is longer.
 */
#ifndef DDBD_KEYCODEC_H
#define DDBD_KEYCODEC_H

#include <stdbool.h>
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

/* The partition-key hash an item key or partition prefix starts with, and
 * that of partition key pk (the same, without encoding the key). */
uint64_t keycodec_partition_hash(const value_t *pk);
uint64_t keycodec_key_hash(const uint8_t *key);

/* The key prefix shared by every item of partition pk. */
size_t keycodec_partition_prefix(const value_t *pk, uint8_t out[KEYCODEC_MAX_KEY]);

/* Whether a partition prefix of prefix_len bytes surely holds its
 * partition key whole (not cut to prefix + hash): keys that share it then
 * have equal partition keys. */
bool keycodec_partition_exact(size_t prefix_len);

/* A seek position for a Query: the partition prefix then the sort key
 * bytes cut to KEYCODEC_TABLE_SK_EXACT (sk NULL: the partition prefix).
 * Every key whose sort key is >= sk sorts at or after it. */
size_t keycodec_item_seek(const value_t *pk, const value_t *sk, uint8_t out[KEYCODEC_MAX_KEY]);

/* Index entries.  Many items may share one index key, so an entry's key is
 *   partition prefix(index pk) | escaped index sort key | 16-byte hash of the item's table key
 * The sort key is escaped (S, B: byte 00 -> 00 FF, then the terminator
 * 00 00; N: number_encode_key, self-delimiting) so that every entry of one
 * index key is contiguous and the order between index sort keys is exact,
 * whatever follows.  Escaped sort keys longer than KEYCODEC_MAX_ISK_PART are
 * cut to a prefix plus a hash, as for tables, and form order groups past
 * KEYCODEC_INDEX_SK_EXACT bytes.  isk is NULL for an index without a sort
 * key. */
#define KEYCODEC_MAX_ISK_PART 280
#define KEYCODEC_TABLE_KEY_HASH 16
size_t keycodec_index_key(const value_t *ipk, const value_t *isk, const uint8_t *table_key,
                          size_t table_key_len, uint8_t out[KEYCODEC_MAX_KEY]);
/* A seek position for an index Query: partition prefix | escaped isk
 * without its terminator, cut to KEYCODEC_INDEX_SK_EXACT bytes.  Every
 * entry whose sort key is >= isk sorts at or after it. */
size_t keycodec_index_seek(const value_t *ipk, const value_t *isk, uint8_t out[KEYCODEC_MAX_KEY]);

/* --- composite keys ------------------------------------------------------------
 * A GSI key of several attributes (catalog.h: multi-attribute keys) is one
 * B value: the tuple of the attributes' values in key-schema order, each
 *   N:    number_encode_key (self-delimiting)
 *   S, B: the bytes with 00 escaped as 00 FF, then the terminator 00 00
 * so that the byte order of two tuples is the order of their values
 * compared one after the other, each by its own type, and the tuple of the
 * first k values is a byte prefix of the whole.  That value then goes
 * through keycodec_index_key / keycodec_index_seek like any B key: one key
 * layout for every index.
 * Worked example, sort key (round N, bracket S), values (2, "a\0b"):
 *   number_encode_key(2) | 61 00 FF 62 00 00
 * With open, the last value (S or B) has no terminator: the prefix of
 * every tuple whose last value begins with it (begins_with).
 * Returns false when the tuple would exceed KEYCODEC_MAX_TUPLE bytes. */
#define KEYCODEC_MAX_TUPLE (4 * (2 * 2048 + 2))
bool keycodec_tuple_encode(const value_t *const *values, size_t n, bool open,
                           uint8_t out[KEYCODEC_MAX_TUPLE], size_t *len);

/* --- order groups ------------------------------------------------------------
 * Sort parts longer than these share the group of every key with the same
 * first bytes (the exact prefix of a cut part: its length minus the hash). */
#define KEYCODEC_TABLE_SK_EXACT (KEYCODEC_MAX_SK_PART - 8)
#define KEYCODEC_INDEX_SK_EXACT (KEYCODEC_MAX_ISK_PART - 8)

/* The length of the group prefix of a stored key (a table key, or an index
 * entry key when index is true): two keys are in one group when both give
 * the same n > 0 and share their first n bytes.  0: the key's position is
 * exact.  Cutting a key to its group prefix gives a seek position at or
 * before every key of the group. */
size_t keycodec_order_group(const uint8_t *key, size_t len, bool index);

#endif
