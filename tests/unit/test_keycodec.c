/* Unit tests of keycodec: the storage order of items equals DynamoDB's
 * order (property test over random S, N and B sort keys), and items of one
 * partition share its prefix. */
#include <stdio.h>
#include <stdlib.h>

#include "keycodec.h"
#include "unit.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* LMDB's default key order: memcmp over the common length, then shorter first. */
static int lmdb_order(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c) return c < 0 ? -1 : 1;
    return alen < blen ? -1 : alen > blen;
}

/* DynamoDB's order of two sort keys of one type. */
static int dynamodb_order(const value_t *a, const value_t *b)
{
    if (a->type == VALUE_N) {
        int c = number_compare(&a->u.n, &b->u.n);
        return c < 0 ? -1 : c > 0;
    }
    return lmdb_order((const uint8_t *)a->u.bytes.ptr, a->u.bytes.len,
                      (const uint8_t *)b->u.bytes.ptr, b->u.bytes.len);
}

static void random_sort_key(value_type_t type, value_t *v, char *storage)
{
    v->type = type;
    if (type == VALUE_N) {
        char text[64];
        int digits = 1 + (int)(next_random() % 20);
        size_t n = 0;
        if (next_random() % 2) text[n++] = '-';
        for (int i = 0; i < digits; i++) text[n++] = (char)('0' + next_random() % 10);
        n += (size_t)sprintf(text + n, "E%d", (int)(next_random() % 200) - 100);
        number_status_t st = number_parse(text, n, &v->u.n);
        if (st != NUMBER_OK) number_from_int64((int64_t)(next_random() % 1000), &v->u.n);
        return;
    }
    /* short alphabets make shared prefixes (the interesting case) common;
     * lengths cross the truncation point rarely */
    size_t len = next_random() % 8 == 0 ? 290 + next_random() % 20 : next_random() % 6;
    for (size_t i = 0; i < len; i++)
        storage[i] = (char)(type == VALUE_S ? 'a' + next_random() % 3 : next_random() % 4 * 85);
    v->u.bytes.ptr = storage;
    v->u.bytes.len = len;
}

static void test_sort_key_order_property(void)
{
    value_type_t types[] = {VALUE_S, VALUE_N, VALUE_B};
    value_t pk = {.type = VALUE_S, .u.bytes = {"user#1", 6}};
    static char sa[400], sb[400];
    for (int t = 0; t < 3; t++)
        for (int i = 0; i < 100000; i++) {
            value_t a, b;
            random_sort_key(types[t], &a, sa);
            random_sort_key(types[t], &b, sb);
            uint8_t ka[KEYCODEC_MAX_KEY], kb[KEYCODEC_MAX_KEY];
            size_t la = keycodec_item_key(&pk, &a, ka), lb = keycodec_item_key(&pk, &b, kb);
            int want = dynamodb_order(&a, &b), got = lmdb_order(ka, la, kb, lb);
            /* the documented exception: long keys sharing the stored prefix */
            bool truncated_tie = types[t] != VALUE_N && a.u.bytes.len > KEYCODEC_MAX_SK_PART - 8 &&
                                 b.u.bytes.len > KEYCODEC_MAX_SK_PART - 8 &&
                                 memcmp(sa, sb, KEYCODEC_MAX_SK_PART - 8) == 0;
            if (!truncated_tie && want != got) {
                CHECK(want == got);
                return;
            }
            CHECK(la <= KEYCODEC_MAX_KEY && lb <= KEYCODEC_MAX_KEY);
        }
}

static void test_partition_prefix(void)
{
    uint8_t prefix[KEYCODEC_MAX_KEY], key[KEYCODEC_MAX_KEY];
    value_t pk = {.type = VALUE_N}, sk = {.type = VALUE_S, .u.bytes = {"zz", 2}};
    CHECK(number_parse("42.5", 4, &pk.u.n) == NUMBER_OK);
    size_t pl = keycodec_partition_prefix(&pk, prefix);
    size_t kl = keycodec_item_key(&pk, &sk, key);
    CHECK(kl == pl + 2 && memcmp(prefix, key, pl) == 0);
    /* equal numbers written differently are one partition */
    value_t pk2 = {.type = VALUE_N};
    CHECK(number_parse("425E-1", 6, &pk2.u.n) == NUMBER_OK);
    uint8_t prefix2[KEYCODEC_MAX_KEY];
    CHECK(keycodec_partition_prefix(&pk2, prefix2) == pl && memcmp(prefix, prefix2, pl) == 0);
    /* a long partition key is stored as prefix + hash, and stays distinct */
    static char long_a[2048], long_b[2048];
    memset(long_a, 'x', sizeof long_a);
    memset(long_b, 'x', sizeof long_b);
    long_b[2047] = 'y';
    value_t la = {.type = VALUE_S, .u.bytes = {long_a, 2048}};
    value_t lb = {.type = VALUE_S, .u.bytes = {long_b, 2048}};
    uint8_t ka[KEYCODEC_MAX_KEY], kb[KEYCODEC_MAX_KEY];
    size_t na = keycodec_item_key(&la, NULL, ka), nb = keycodec_item_key(&lb, NULL, kb);
    CHECK(na == nb && na <= 511 && memcmp(ka, kb, na) != 0);
}

/* Long keys that mostly agree: runs of one byte with a few random bytes,
 * lengths around the cut points (index keys escape 00 to two bytes, so
 * 130-145 zero bytes cross the same points as 265-300 letters). */
static void random_long_key(value_type_t type, value_t *v, char *storage)
{
    static const size_t lengths[] = {1, 2, 5, 130, 136, 137, 140, 145, 190, 200, 265, 271,
                                     272, 273, 280, 281, 287, 288, 289, 295, 296, 297, 300,
                                     1000, 1023, 1024};
    size_t len = lengths[next_random() % (sizeof lengths / sizeof lengths[0])];
    if (next_random() % 2) len += next_random() % 3;
    if (len > 1024) len = 1024;
    char fill = type == VALUE_S ? 'x' : (char)(next_random() % 2 ? 0 : 0xff);
    memset(storage, fill, len);
    for (int i = (int)(next_random() % 3); i > 0; i--)
        storage[next_random() % len] = (char)(type == VALUE_S ? 'w' + next_random() % 3
                                                               : next_random() % 3);
    if (next_random() % 2) storage[len - 1] = (char)(type == VALUE_S ? 'a' : 1);
    v->type = type;
    v->u.bytes.ptr = storage;
    v->u.bytes.len = len;
}

/* The stored key of a sort key: in a table, or in an index (with a table
 * key of its own). */
static size_t long_key(bool index, const value_t *pk, const value_t *sk, int salt,
                       uint8_t out[KEYCODEC_MAX_KEY])
{
    if (!index) return keycodec_item_key(pk, sk, out);
    uint8_t table_key[8] = {'t', (uint8_t)salt};
    return keycodec_index_key(pk, sk, table_key, sizeof table_key, out);
}

/* Storage order is DynamoDB's order outside order groups; a group's keys
 * are contiguous; a seek key is never after a key it must find. */
static void test_order_groups_and_seeks(void)
{
    value_t pk = {.type = VALUE_S, .u.bytes = {"p", 1}};
    static char sa[1100], sb[1100], sc[1100];
    for (int index = 0; index < 2; index++)
        for (int t = 0; t < 2; t++)
            for (int i = 0; i < 60000; i++) {
                value_type_t type = t ? VALUE_B : VALUE_S;
                value_t a, b, c;
                random_long_key(type, &a, sa);
                random_long_key(type, &b, sb);
                random_long_key(type, &c, sc);
                uint8_t ka[KEYCODEC_MAX_KEY], kb[KEYCODEC_MAX_KEY], kc[KEYCODEC_MAX_KEY];
                uint8_t seek[KEYCODEC_MAX_KEY];
                size_t la = long_key(index, &pk, &a, 1, ka), lb = long_key(index, &pk, &b, 2, kb);
                size_t lc = long_key(index, &pk, &c, 3, kc);
                size_t ga = keycodec_order_group(ka, la, index);
                size_t gb = keycodec_order_group(kb, lb, index);
                size_t gc = keycodec_order_group(kc, lc, index);
                bool same = ga && ga == gb && memcmp(ka, kb, ga) == 0;
                int want = dynamodb_order(&a, &b), got = lmdb_order(ka, la, kb, lb);
                if (want != 0 && !same && want != got) {
                    CHECK(want == got);
                    return;
                }
                /* contiguity: a key between two of a group is in it */
                if (same && lmdb_order(ka, la, kc, lc) * lmdb_order(kc, lc, kb, lb) > 0 &&
                    !(gc == ga && memcmp(kc, ka, ga) == 0)) {
                    CHECK(!"a group is not contiguous");
                    return;
                }
                /* seeks: b >= a is at or after seek(a) */
                size_t ls = index ? keycodec_index_seek(&pk, &a, seek)
                                  : keycodec_item_seek(&pk, &a, seek);
                if (want <= 0 && lmdb_order(seek, ls, kb, lb) > 0) {
                    CHECK(!"a seek key is after a key it must reach");
                    return;
                }
                /* the group prefix of a key is at or before the whole group */
                if (same && lmdb_order(ka, ga, kb, lb) > 0) {
                    CHECK(!"a group prefix is after a key of its group");
                    return;
                }
                CHECK(la <= 511 && lb <= 511 && ls <= 511);
            }
}

static void test_hash_is_stable(void)
{
    /* the on-disk layout depends on these values never changing */
    CHECK(keycodec_hash64("", 0) == keycodec_hash64("", 0));
    CHECK(keycodec_hash64("a", 1) != keycodec_hash64("b", 1));
    uint64_t h = keycodec_hash64("ddbd", 4);
    CHECK(h == keycodec_hash64("ddbd", 4));
}

int main(void)
{
    RUN(test_sort_key_order_property);
    RUN(test_partition_prefix);
    RUN(test_order_groups_and_seeks);
    RUN(test_hash_is_stable);
    return unit_report("keycodec");
}
