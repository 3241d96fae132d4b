/* Unit tests of keycodec: the storage order of items equals DynamoDB's
 * order (property test over random S, N and B sort keys), and items of one
 * partition share its prefix; multi-attribute keys (tuples) order as their
 * values compared one after the other. */
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
    /* the partition hash (throttling's partitions) is the key's leading hash */
    CHECK(keycodec_partition_hash(&pk) == keycodec_key_hash(key));
    CHECK(keycodec_partition_hash(&pk2) == keycodec_key_hash(prefix));
    CHECK(keycodec_partition_hash(&la) == keycodec_key_hash(ka));
    CHECK(keycodec_partition_hash(&la) != keycodec_partition_hash(&lb));
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

/* --- tuples (multi-attribute keys) ---------------------------------------- */

/* DynamoDB's order of two tuples of one shape: value by value. */
static int tuple_order(const value_t *a, const value_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int c = dynamodb_order(&a[i], &b[i]);
        if (c) return c;
    }
    return 0;
}

static size_t tuple_bytes(const value_t *v, size_t n, bool open, uint8_t *out)
{
    const value_t *ptrs[4];
    for (size_t i = 0; i < n; i++) ptrs[i] = &v[i];
    size_t len = 0;
    CHECK(keycodec_tuple_encode(ptrs, n, open, out, &len));
    return len;
}

static void random_short_value(value_type_t type, value_t *v, char *storage)
{
    do random_sort_key(type, v, storage);
    while (type != VALUE_N && v->u.bytes.len > 6);
}

static void test_tuple_order_property(void)
{
    static const value_type_t shapes[3][3] = {
        {VALUE_N, VALUE_S, VALUE_N}, {VALUE_S, VALUE_B, VALUE_S}, {VALUE_B, VALUE_N, VALUE_B}};
    static uint8_t ea[KEYCODEC_MAX_TUPLE], eb[KEYCODEC_MAX_TUPLE];
    for (int shape = 0; shape < 3; shape++)
        for (int round = 0; round < 20000; round++) {
            value_t a[3], b[3];
            char sa[3][320], sb[3][320];
            for (int i = 0; i < 3; i++) {
                random_short_value(shapes[shape][i], &a[i], sa[i]);
                /* often equal leading values: the later ones decide */
                if (round % 3 && i < 2) b[i] = a[i];
                else random_short_value(shapes[shape][i], &b[i], sb[i]);
            }
            size_t la = tuple_bytes(a, 3, false, ea), lb = tuple_bytes(b, 3, false, eb);
            int want = tuple_order(a, b, 3), got = lmdb_order(ea, la, eb, lb);
            if (want != got) {
                CHECK(want == got);
                return;
            }
            /* the tuple of the first two values is a byte prefix of the whole */
            uint8_t head[KEYCODEC_MAX_TUPLE];
            size_t lh = tuple_bytes(a, 2, false, head);
            CHECK(lh < la && memcmp(head, ea, lh) == 0);
            /* and orders through the index key as a B sort key */
            value_t pk = {.type = VALUE_S, .u.bytes = {"p", 1}};
            value_t ta = {.type = VALUE_B, .u.bytes = {(const char *)ea, la}};
            value_t tb = {.type = VALUE_B, .u.bytes = {(const char *)eb, lb}};
            uint8_t ka[KEYCODEC_MAX_KEY], kb[KEYCODEC_MAX_KEY];
            size_t nka = keycodec_index_key(&pk, &ta, (const uint8_t *)"a", 1, ka);
            size_t nkb = keycodec_index_key(&pk, &tb, (const uint8_t *)"b", 1, kb);
            if (want) CHECK(lmdb_order(ka, nka, kb, nkb) == want);
        }
}

/* An open last value is the prefix of exactly the tuples whose last value
 * begins with it. */
static void test_tuple_begins_with(void)
{
    static uint8_t ep[KEYCODEC_MAX_TUPLE], ev[KEYCODEC_MAX_TUPLE];
    for (int round = 0; round < 50000; round++) {
        value_type_t type = round % 2 ? VALUE_S : VALUE_B;
        value_t v[2], p[2];
        char sv[2][320], sp[2][320];
        random_short_value(VALUE_N, &v[0], sv[0]);
        p[0] = v[0];
        random_short_value(type, &v[1], sv[1]);
        random_short_value(type, &p[1], sp[1]);
        size_t lp = tuple_bytes(p, 2, true, ep), lv = tuple_bytes(v, 2, false, ev);
        bool want = v[1].u.bytes.len >= p[1].u.bytes.len &&
                    memcmp(v[1].u.bytes.ptr, p[1].u.bytes.ptr, p[1].u.bytes.len) == 0;
        bool got = lv >= lp && memcmp(ev, ep, lp) == 0;
        if (want != got) {
            CHECK(want == got);
            return;
        }
    }
}

static void test_tuple_worked_example(void)
{
    value_t v[2];
    CHECK(number_parse("2", 1, &v[0].u.n) == NUMBER_OK);
    v[0].type = VALUE_N;
    v[1].type = VALUE_S;
    v[1].u.bytes.ptr = "a\0b";
    v[1].u.bytes.len = 3;
    uint8_t number[NUMBER_MAX_KEY], out[KEYCODEC_MAX_TUPLE];
    size_t ln = number_encode_key(&v[0].u.n, number);
    size_t len = tuple_bytes(v, 2, false, out);
    static const uint8_t tail[] = {0x61, 0x00, 0xFF, 0x62, 0x00, 0x00};
    CHECK(len == ln + sizeof tail && memcmp(out, number, ln) == 0 &&
          memcmp(out + ln, tail, sizeof tail) == 0);
    /* open: no terminator */
    CHECK(tuple_bytes(v, 2, true, out) == ln + 4);
}

static void test_tuple_too_long(void)
{
    static char big[2048];
    memset(big, 0, sizeof big); /* every byte escaped: the worst case */
    value_t v[4];
    const value_t *ptrs[4];
    for (int i = 0; i < 4; i++) {
        v[i].type = VALUE_B;
        v[i].u.bytes.ptr = big;
        v[i].u.bytes.len = sizeof big;
        ptrs[i] = &v[i];
    }
    static uint8_t out[KEYCODEC_MAX_TUPLE];
    size_t len = 0;
    CHECK(keycodec_tuple_encode(ptrs, 4, false, out, &len) && len == KEYCODEC_MAX_TUPLE);
    static char bigger[2049];
    v[3].u.bytes.ptr = bigger;
    v[3].u.bytes.len = sizeof bigger;
    CHECK(!keycodec_tuple_encode(ptrs, 4, false, out, &len));
}

int main(void)
{
    RUN(test_sort_key_order_property);
    RUN(test_partition_prefix);
    RUN(test_order_groups_and_seeks);
    RUN(test_hash_is_stable);
    RUN(test_tuple_order_property);
    RUN(test_tuple_begins_with);
    RUN(test_tuple_worked_example);
    RUN(test_tuple_too_long);
    return unit_report("keycodec");
}
