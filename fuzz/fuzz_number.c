/* fuzz_number: libFuzzer target for number.c.  The input is parsed as a
 * number's text; a valid number must survive format/parse and key
 * encode/decode, compare equal to itself and cancel to zero.  If the input
 * holds a ',', the two sides are also checked as a pair (ordering of keys,
 * commutativity, (a+b)-b == a), and the raw bytes are fed to the key
 * decoder, whose every accepted key must re-encode to itself. */
#include "number.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_same(const number_t *a, const number_t *b)
{
    return a->coef == b->coef && a->exp == b->exp && a->neg == b->neg;
}

static bool fuzz_canonical_zero(const number_t *n)
{
    return n->coef == 0 && n->exp == 0 && !n->neg;
}

static int fuzz_sign(int v) { return (v > 0) - (v < 0); }

/* Checks of one valid number. */
static void fuzz_one(const number_t *x)
{
    char text[NUMBER_MAX_TEXT];
    number_t back, neg, r;

    size_t len = number_format(x, text);
    FUZZ_CHECK(len < NUMBER_MAX_TEXT && len == strlen(text));
    FUZZ_CHECK(number_parse(text, len, &back) == NUMBER_OK && fuzz_same(&back, x));

    uint8_t key[NUMBER_MAX_KEY];
    size_t klen = number_encode_key(x, key), used = 0;
    FUZZ_CHECK(klen >= 1 && klen <= NUMBER_MAX_KEY);
    FUZZ_CHECK(number_decode_key(key, klen, &back, &used) && used == klen && fuzz_same(&back, x));

    FUZZ_CHECK(number_compare(x, x) == 0);
    neg = *x;
    neg.neg = !x->neg && x->coef != 0;
    FUZZ_CHECK(number_add(x, &neg, &r) == NUMBER_OK && fuzz_canonical_zero(&r));
    FUZZ_CHECK(number_sub(x, x, &r) == NUMBER_OK && fuzz_canonical_zero(&r));

    int64_t i64;
    if (number_to_int64(x, &i64)) {
        number_from_int64(i64, &back);
        FUZZ_CHECK(fuzz_same(&back, x));
    }
}

/* Checks of a pair of valid numbers. */
static void fuzz_pair(const number_t *a, const number_t *b)
{
    int c = fuzz_sign(number_compare(a, b));
    FUZZ_CHECK(fuzz_sign(number_compare(b, a)) == -c);

    uint8_t ka[NUMBER_MAX_KEY], kb[NUMBER_MAX_KEY];
    size_t la = number_encode_key(a, ka), lb = number_encode_key(b, kb);
    int kc = memcmp(ka, kb, la < lb ? la : lb);
    kc = kc ? fuzz_sign(kc) : (la < lb ? -1 : la > lb);
    FUZZ_CHECK(kc == c);

    number_t s1, s2, d;
    number_status_t st1 = number_add(a, b, &s1), st2 = number_add(b, a, &s2);
    FUZZ_CHECK(st1 == st2);
    if (st1 != NUMBER_OK) return;
    FUZZ_CHECK(fuzz_same(&s1, &s2));
    /* a+b was exact, so (a+b)-b is exactly a. */
    FUZZ_CHECK(number_sub(&s1, b, &d) == NUMBER_OK && fuzz_same(&d, a));
    /* The sum is on the right side of a. */
    FUZZ_CHECK(fuzz_sign(number_compare(&s1, a)) == (number_is_zero(b) ? 0 : b->neg ? -1 : 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    number_t x, y;

    if (number_parse(s, size, &x) == NUMBER_OK) fuzz_one(&x);

    const char *comma = memchr(s, ',', size);
    if (comma) {
        size_t la = (size_t)(comma - s);
        if (number_parse(s, la, &x) == NUMBER_OK &&
            number_parse(comma + 1, size - la - 1, &y) == NUMBER_OK) {
            fuzz_one(&x);
            fuzz_one(&y);
            fuzz_pair(&x, &y);
        }
    }

    size_t used;
    if (number_decode_key(data, size, &x, &used)) {
        uint8_t key[NUMBER_MAX_KEY];
        FUZZ_CHECK(used <= size && used <= NUMBER_MAX_KEY);
        FUZZ_CHECK(number_encode_key(&x, key) == used && memcmp(key, data, used) == 0);
        fuzz_one(&x);
    }
    return 0;
}
