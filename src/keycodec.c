/* keycodec: storage keys; see keycodec.h for the layout. */
#include "keycodec.h"

#include <string.h>

#include "byteorder.h"

uint64_t keycodec_hash64(const void *data, size_t len)
{
    /* FNV-1a over the bytes, then a 64-bit finaliser so that the high bits
     * (which decide scan segments) are well mixed. */
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* The key bytes of an S, N or B value. */
static size_t part_bytes(const value_t *v, const uint8_t **bytes, uint8_t *scratch)
{
    if (v->type == VALUE_N) {
        *bytes = scratch;
        return number_encode_key(&v->u.n, scratch);
    }
    *bytes = (const uint8_t *)v->u.bytes.ptr;
    return v->u.bytes.len;
}

/* Copy a part, or a prefix plus the hash of the whole when it is long. */
static size_t put_part(uint8_t *out, const uint8_t *bytes, size_t len, size_t max)
{
    if (len <= max) {
        memcpy(out, bytes, len);
        return len;
    }
    memcpy(out, bytes, max - 8);
    be64_put(out + max - 8, keycodec_hash64(bytes, len));
    return max;
}

uint64_t keycodec_partition_hash(const value_t *pk)
{
    uint8_t scratch[NUMBER_MAX_KEY];
    const uint8_t *bytes;
    size_t len = part_bytes(pk, &bytes, scratch);
    return keycodec_hash64(bytes, len);
}

uint64_t keycodec_key_hash(const uint8_t *key)
{
    uint64_t h = 0;
    for (int i = 0; i < 8; i++) h = h << 8 | key[i];
    return h;
}

size_t keycodec_partition_prefix(const value_t *pk, uint8_t out[KEYCODEC_MAX_KEY])
{
    uint8_t scratch[NUMBER_MAX_KEY];
    const uint8_t *bytes;
    size_t len = part_bytes(pk, &bytes, scratch);
    be64_put(out, keycodec_hash64(bytes, len));
    size_t stored = len > KEYCODEC_MAX_PK_PART ? KEYCODEC_MAX_PK_PART : len;
    out[8] = (uint8_t)(stored >> 8);
    out[9] = (uint8_t)stored;
    return 10 + put_part(out + 10, bytes, len, KEYCODEC_MAX_PK_PART);
}

bool keycodec_partition_exact(size_t prefix_len)
{
    return prefix_len < 10 + KEYCODEC_MAX_PK_PART;
}

size_t keycodec_item_key(const value_t *pk, const value_t *sk, uint8_t out[KEYCODEC_MAX_KEY])
{
    size_t n = keycodec_partition_prefix(pk, out);
    if (sk) {
        uint8_t scratch[NUMBER_MAX_KEY];
        const uint8_t *bytes;
        size_t len = part_bytes(sk, &bytes, scratch);
        n += put_part(out + n, bytes, len, KEYCODEC_MAX_SK_PART);
    }
    return n;
}

size_t keycodec_item_seek(const value_t *pk, const value_t *sk, uint8_t out[KEYCODEC_MAX_KEY])
{
    size_t n = keycodec_partition_prefix(pk, out);
    if (sk) {
        uint8_t scratch[NUMBER_MAX_KEY];
        const uint8_t *bytes;
        size_t len = part_bytes(sk, &bytes, scratch);
        if (len > KEYCODEC_TABLE_SK_EXACT) len = KEYCODEC_TABLE_SK_EXACT;
        memcpy(out + n, bytes, len);
        n += len;
    }
    return n;
}

/* Escaped sort key bytes: with the terminator, cut to prefix + hash when
 * long (an entry key), or without it, cut to the exact prefix (a seek). */
static size_t escape_sort_key(const value_t *isk, bool terminate, uint8_t *out)
{
    uint8_t scratch[NUMBER_MAX_KEY];
    const uint8_t *bytes;
    size_t len = part_bytes(isk, &bytes, scratch);
    if (isk->type == VALUE_N) {
        memcpy(out, bytes, len);
        return len;
    }
    /* Escape into a buffer big enough for the worst case, then cut. */
    uint8_t escaped[2 * 1024 + 2 + 16];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof escaped - 4; i++) {
        escaped[n++] = bytes[i];
        if (bytes[i] == 0) escaped[n++] = 0xFF;
    }
    if (!terminate) {
        n = n > KEYCODEC_INDEX_SK_EXACT ? KEYCODEC_INDEX_SK_EXACT : n;
        memcpy(out, escaped, n);
        return n;
    }
    escaped[n++] = 0;
    escaped[n++] = 0;
    return put_part(out, escaped, n, KEYCODEC_MAX_ISK_PART);
}

bool keycodec_tuple_encode(const value_t *const *values, size_t n, bool open,
                           uint8_t out[KEYCODEC_MAX_TUPLE], size_t *len)
{
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t scratch[NUMBER_MAX_KEY];
        const uint8_t *bytes;
        size_t size = part_bytes(values[i], &bytes, scratch);
        bool number = values[i]->type == VALUE_N;
        /* worst case: every byte escaped, plus the terminator */
        if (at + (number ? size : 2 * size + 2) > KEYCODEC_MAX_TUPLE) return false;
        if (number) {
            memcpy(out + at, bytes, size);
            at += size;
            continue;
        }
        for (size_t k = 0; k < size; k++) {
            out[at++] = bytes[k];
            if (bytes[k] == 0) out[at++] = 0xFF;
        }
        if (open && i + 1 == n) break;
        out[at++] = 0;
        out[at++] = 0;
    }
    *len = at;
    return true;
}

size_t keycodec_index_seek(const value_t *ipk, const value_t *isk, uint8_t out[KEYCODEC_MAX_KEY])
{
    size_t n = keycodec_partition_prefix(ipk, out);
    if (isk) n += escape_sort_key(isk, false, out + n);
    return n;
}

size_t keycodec_index_key(const value_t *ipk, const value_t *isk, const uint8_t *table_key,
                          size_t table_key_len, uint8_t out[KEYCODEC_MAX_KEY])
{
    size_t n = keycodec_partition_prefix(ipk, out);
    if (isk) n += escape_sort_key(isk, true, out + n);
    /* two independent 64-bit hashes: the table key is unique among entries */
    be64_put(out + n, keycodec_hash64(table_key, table_key_len));
    uint8_t salted[KEYCODEC_MAX_KEY + 1];
    salted[0] = 0x5a;
    memcpy(salted + 1, table_key, table_key_len);
    be64_put(out + n + 8, keycodec_hash64(salted, table_key_len + 1));
    return n + KEYCODEC_TABLE_KEY_HASH;
}

size_t keycodec_order_group(const uint8_t *key, size_t len, bool index)
{
    if (len < 10) return 0;
    size_t sort_at = 10 + ((size_t)key[8] << 8 | key[9]);
    size_t tail = index ? KEYCODEC_TABLE_KEY_HASH : 0;
    size_t exact = index ? KEYCODEC_INDEX_SK_EXACT : KEYCODEC_TABLE_SK_EXACT;
    if (len < sort_at + tail || len - tail - sort_at <= exact) return 0;
    return sort_at + exact;
}
