/* value: DynamoDB attribute values and items.
 *
 * The ten types (S N B BOOL NULL M L SS NS BS) as an arena-allocated tree,
 * with everything the service checks when a value arrives (one type tag,
 * valid numbers and base64, non-empty duplicate-free sets, NULL true, 32
 * levels of nesting), DynamoDB's item-size rule, the compact binary form
 * items are stored in, and rendering back to DynamoDB JSON.
 *
 * An item is a map: the top-level attributes in the order they arrived.
 *
 * Size rule (the service's, used for the 400 KB limit and for capacity):
 *   S: UTF-8 bytes;  B: raw bytes;  N: 1 + ceil(significant digits / 2);
 *   BOOL, NULL: 1;  M, L: 3 + per element 1 + element (+ name for M);
 *   sets: the sum of their members;  an item: per attribute name + value.
 *
 * Stored form (value_encode): a tag byte then the payload:
 *   'S' 'B': varint length, bytes;   'N': number_encode_key bytes;
 *   'T' 'F' '0': BOOL true/false, NULL;
 *   'M': varint count, per member varint name length, name, value;
 *   'L': varint count, values;   's' 'n' 'b': sets, varint count, members'
 *   payloads (untagged).
 * An item is stored as a varint item size followed by its map payload.
 * An item of a replicated table carries its version before that
 * (replication.h): 0x00 (never the first byte of an item's size: an item
 * holds at least its key), u64 timestamp big-endian, u8 length (1..64),
 * origin region.  Decoding an item passes over it: every reader sees the
 * same item either way.
 */
#ifndef DDBD_VALUE_H
#define DDBD_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "errors.h"
#include "json.h"
#include "number.h"

/* The service allows 32 levels: the attribute itself is level 1, so at most
 * 31 maps or lists may nest inside one another. */
#define VALUE_MAX_DEPTH 31
#define ITEM_MAX_SIZE (400 * 1024)
/* Attribute names (of items and of nested maps): at most 65535 bytes. */
#define VALUE_MAX_NAME 65535

typedef enum {
    VALUE_S,
    VALUE_N,
    VALUE_B,
    VALUE_BOOL,
    VALUE_NULL,
    VALUE_M,
    VALUE_L,
    VALUE_SS,
    VALUE_NS,
    VALUE_BS,
} value_type_t;

typedef struct value value_t;

typedef struct {
    const char *name;
    size_t name_len;
    value_t *value;
} value_member_t;

struct value {
    value_type_t type;
    union {
        struct {
            const char *ptr; /* S: UTF-8 text; B: raw bytes */
            size_t len;
        } bytes;
        number_t n;
        bool boolean;
        struct {
            value_member_t *members;
            size_t count;
        } map;
        struct {
            value_t *items; /* L elements, or set members (S/N/B values) */
            size_t count;
        } list;
    } u;
};

/* The type's wire name: "S", "NS"... */
const char *value_type_name(value_type_t t);

/* --- from and to DynamoDB JSON ------------------------------------------ */

/* Read one AttributeValue ({"S":"x"} ...), validating it as the service
 * does.  Returns NULL and fills *out, or the error. */
ddb_error_t *value_from_json(arena_t *a, const json_value_t *j, value_t *out);
/* Read an attribute map (Item, Key, ...): a JSON object of AttributeValues. */
ddb_error_t *value_map_from_json(arena_t *a, const json_value_t *j, value_t *out);

void value_write_json(buf_t *b, const value_t *v);
/* An attribute map as a JSON object of AttributeValues. */
void value_map_write_json(buf_t *b, const value_t *map);

/* --- size, comparison ---------------------------------------------------- */

size_t value_size(const value_t *v);
/* The size of an item (a map): its attributes' names plus values. */
size_t value_item_size(const value_t *item);
/* Order of two values of one key type (S, N or B): numbers numerically,
 * strings and binaries by unsigned bytes.  <0, 0, >0. */
int value_key_compare(const value_t *a, const value_t *b);
/* Deep equality; numbers compare numerically, sets ignore order. */
bool value_equal(const value_t *a, const value_t *b);
/* The member of a map named name, or NULL. */
value_t *value_map_get(const value_t *map, const char *name, size_t name_len);

/* --- stored form ---------------------------------------------------------- */

void value_encode(buf_t *b, const value_t *v);
/* An item (a map) with its size prefix. */
void value_item_encode(buf_t *b, const value_t *item, size_t item_size);
/* Decode an item stored by value_item_encode (a version before it passed
 * over).  Returns false on corrupt data, and for a stored size of 0, which
 * is never written and, encoded again, would be taken for a version's
 * mark.  Strings point into data, which must outlive the value. */
bool value_item_decode(arena_t *a, const uint8_t *data, size_t len, value_t *item,
                       size_t *item_size);
/* Decode the item starting at *p (other data may follow it) and move *p
 * past it. */
bool value_item_decode_next(arena_t *a, const uint8_t **p, const uint8_t *end, value_t *item,
                            size_t *item_size);

/* Whether a decoded item (bytes another server sent) keeps the rules an
 * item read from DynamoDB JSON keeps: names of at most VALUE_MAX_NAME
 * bytes, unique in their map; names and strings valid UTF-8; sets not empty and
 * without duplicates; at most ITEM_MAX_SIZE.  (The decoder bounds the
 * depth.)  Scratch memory from a. */
bool value_item_valid(arena_t *a, const value_t *item);

/* An item's version (see the stored form above). */
#define VALUE_VERSION_MAX (1 + 8 + 1 + 64)
#define VALUE_ORIGIN_MAX 64
void value_item_version_put(buf_t *b, uint64_t ts, const char *origin);
/* The length of the version that begins the stored item (0: none); with
 * ts and origin (VALUE_ORIGIN_MAX + 1 bytes, NUL-terminated) when not NULL. */
size_t value_item_version(const uint8_t *data, size_t len, uint64_t *ts, char *origin);

/* varints, shared with keycodec and catalog. */
void varint_put(buf_t *b, uint64_t v);
bool varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);

#endif
