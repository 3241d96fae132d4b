/* keycodec: storage keys; see keycodec.h for the layout. */
#include "keycodec.h"

#include <string.h>

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

static void put_u64_be(uint8_t *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Copy a part, or a prefix plus the hash of the whole when it is long. */
static size_t put_part(uint8_t *out, const uint8_t *bytes, size_t len, size_t max)
{
    if (len <= max) {
        memcpy(out, bytes, len);
        return len;
    }
    memcpy(out, bytes, max - 8);
    put_u64_be(out + max - 8, keycodec_hash64(bytes, len));
    return max;
}

size_t keycodec_partition_prefix(const value_t *pk, uint8_t out[KEYCODEC_MAX_KEY])
{
    uint8_t scratch[NUMBER_MAX_KEY];
    const uint8_t *bytes;
    size_t len = part_bytes(pk, &bytes, scratch);
    put_u64_be(out, keycodec_hash64(bytes, len));
    size_t stored = len > KEYCODEC_MAX_PK_PART ? KEYCODEC_MAX_PK_PART : len;
    out[8] = (uint8_t)(stored >> 8);
    out[9] = (uint8_t)stored;
    return 10 + put_part(out + 10, bytes, len, KEYCODEC_MAX_PK_PART);
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
