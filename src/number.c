/* number: DynamoDB's exact decimal numbers -- parsing, printing, ordering,
 * exact addition, and the order-preserving key encoding; see number.h.
 *
 * Terms used below.  For a nonzero canonical number with nd significant
 * digits, `exp` is the power of ten of its last digit and the "adjusted
 * exponent" E = exp + nd - 1 is the power of ten of its first digit
 * (12.5 = 125E-1: nd 3, exp -1, E 1).  The service's range is
 * -130 <= E <= 125; the precision limit is nd <= 38.  When a text breaks
 * both, the range error wins, as the service reports it.
 *
 * Key encoding (number_encode_key).  Three parts:
 *
 *   sign byte     0x01 negative, 0x02 zero, 0x03 positive
 *   exponent      E + 130, one byte (E spans exactly 256 values)
 *   mantissa      the significant digits in pairs, each pair a base-100
 *                 digit X (0..99, an odd count padded with a final 0) stored
 *                 as 2X+1, except the last pair, stored as 2X
 *
 * Zero is the sign byte alone.  For a negative number the exponent and
 * mantissa bytes are complemented (~b).
 *
 *   0      -> 02
 *   1      -> 03 82 14          E 0 -> 0x82; digits "1" -> pair 10, last: 20
 *   -1     -> 01 7d eb          the same two bytes complemented
 *   12.5   -> 03 83 19 64       E 1 -> 0x83; pairs 12 (more: 25), 50 (last: 100)
 *   100    -> 03 84 14          same mantissa as 1, larger exponent
 *   1.05   -> 03 82 15 64       pairs 10 (more: 21), 50 (last: 100)
 *
 * Why memcmp order is numeric order.  The sign byte orders the three
 * classes.  Among positives, a larger E means a larger number (the first
 * digit is never 0), and the exponent byte grows with E.  With equal E the
 * mantissas compare as digit strings: a differing pair decides through 2X
 * vs 2X+1 (both grow with X, and 2X+1 < 2Y for X < Y); if one mantissa
 * ends where the other goes on with the same pair X, the ended one has 2X
 * against 2X+1, and it is indeed the smaller, as the longer one has more
 * nonzero digits after the same prefix (1 < 1.05 above).  Equal numbers
 * have equal canonical digits, hence equal bytes.
 *
 * Negatives: every byte but the last of a mantissa is odd and the last is
 * even, so no encoding is a proper prefix of another; for such strings
 * complementing every byte exactly reverses memcmp order, which is what
 * larger magnitudes below zero need.  The odd/even rule also makes the
 * encoding self-delimiting.  Longest: 1 + 1 + 38/2 = 21 = NUMBER_MAX_KEY.
 */
#include "number.h"

#include <assert.h>
#include <string.h>

typedef unsigned __int128 u128;

/* E of the smallest magnitude in range, and of the largest. */
#define NUMBER_MIN_ADJ NUMBER_MIN_EXP
#define NUMBER_MAX_ADJ NUMBER_MAX_EXP

#define KEY_NEG 0x01
#define KEY_ZERO 0x02
#define KEY_POS 0x03

/* The longest texts: "-0." then 129 zeros then 38 digits (1.23..E-130), and
 * "-" then 126 digits (9.99..E+125), plus the NUL. */
static_assert(NUMBER_MAX_TEXT >= 3 + (-NUMBER_MIN_ADJ - 1) + NUMBER_MAX_DIGITS + 1,
              "NUMBER_MAX_TEXT too small for the smallest magnitudes");
static_assert(NUMBER_MAX_TEXT >= 1 + NUMBER_MAX_ADJ + 1 + 1,
              "NUMBER_MAX_TEXT too small for the largest magnitudes");
static_assert(NUMBER_MAX_KEY >= 2 + (NUMBER_MAX_DIGITS + 1) / 2, "NUMBER_MAX_KEY too small");
static_assert(NUMBER_MAX_ADJ - NUMBER_MIN_ADJ <= 255, "adjusted exponent must fit one key byte");

/* 10^0 .. 10^38.  10^38 < 2^127, so the sum of two 38-digit coefficients
 * still fits 128 bits. */
#define TEN19 10000000000000000000ull
static const u128 number_pow10_table[NUMBER_MAX_DIGITS + 1] = {
    1ull,
    10ull,
    100ull,
    1000ull,
    10000ull,
    100000ull,
    1000000ull,
    10000000ull,
    100000000ull,
    1000000000ull,
    10000000000ull,
    100000000000ull,
    1000000000000ull,
    10000000000000ull,
    100000000000000ull,
    1000000000000000ull,
    10000000000000000ull,
    100000000000000000ull,
    1000000000000000000ull,
    10000000000000000000ull,
    (u128)TEN19 * 10ull,
    (u128)TEN19 * 100ull,
    (u128)TEN19 * 1000ull,
    (u128)TEN19 * 10000ull,
    (u128)TEN19 * 100000ull,
    (u128)TEN19 * 1000000ull,
    (u128)TEN19 * 10000000ull,
    (u128)TEN19 * 100000000ull,
    (u128)TEN19 * 1000000000ull,
    (u128)TEN19 * 10000000000ull,
    (u128)TEN19 * 100000000000ull,
    (u128)TEN19 * 1000000000000ull,
    (u128)TEN19 * 10000000000000ull,
    (u128)TEN19 * 100000000000000ull,
    (u128)TEN19 * 1000000000000000ull,
    (u128)TEN19 * 10000000000000000ull,
    (u128)TEN19 * 100000000000000000ull,
    (u128)TEN19 * 1000000000000000000ull,
    (u128)TEN19 * 10000000000000000000ull,
};

static inline u128 number_pow10(int k)
{
    assert(k >= 0 && k <= NUMBER_MAX_DIGITS);
    return number_pow10_table[k];
}

static inline uint64_t number_pow10_u64(int k)
{
    assert(k >= 0 && k <= 19);
    return (uint64_t)number_pow10_table[k];
}

/* Number of decimal digits of c (0 for 0); any 128-bit c. */
static int number_digits_count(u128 c)
{
    if (c == 0) return 0;
    uint64_t hi = (uint64_t)(c >> 64);
    int bits = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll((uint64_t)c);
    /* log10(2) ~ 1233/4096: a guess that is exact or one short. */
    int d = (bits * 1233) >> 12;
    if (d <= NUMBER_MAX_DIGITS && c >= number_pow10(d)) d++;
    return d;
}

/* Classify a nonzero magnitude by its adjusted exponent. */
static number_status_t number_range_check(int adj)
{
    if (adj > NUMBER_MAX_ADJ) return NUMBER_OVERFLOW;
    if (adj < NUMBER_MIN_ADJ) return NUMBER_UNDERFLOW;
    return NUMBER_OK;
}

static void number_set_zero(number_t *out)
{
    out->coef = 0;
    out->exp = 0;
    out->neg = false;
}

bool number_is_zero(const number_t *n) { return n->coef == 0; }

/* ---- parsing ---------------------------------------------------------- */

static inline bool number_is_digit(char c) { return c >= '0' && c <= '9'; }

/* Exponent texts are clamped here: far beyond any reachable E, and small
 * enough that adding a text length can never overflow int64_t. */
#define NUMBER_EXP_CLAMP 100000000000000000ll /* 1e17 */

number_status_t number_parse(const char *s, size_t len, number_t *out)
{
    const char *p = s, *end = s + len;
    bool neg = false;

    if (p < end && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }

    /* One pass over the mantissa: where the point is, where the first and
     * last nonzero digits are.  Zeros outside them are not significant. */
    const char *dot = NULL, *first = NULL, *last = NULL;
    bool any_digit = false;
    for (; p < end; p++) {
        char c = *p;
        if (number_is_digit(c)) {
            any_digit = true;
            if (c != '0') {
                if (!first) first = p;
                last = p;
            }
        } else if (c == '.' && !dot) {
            dot = p;
        } else {
            break;
        }
    }
    if (!any_digit) return NUMBER_INVALID;
    const char *point = dot ? dot : p;

    int64_t e10 = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        const char *edigits = p;
        for (; p < end && number_is_digit(*p); p++) {
            if (e10 < NUMBER_EXP_CLAMP) e10 = e10 * 10 + (*p - '0');
        }
        if (p == edigits) return NUMBER_INVALID;
        if (eneg) e10 = -e10;
    }
    if (p != end) return NUMBER_INVALID;

    if (!first) {
        number_set_zero(out);
        return NUMBER_OK;
    }

    /* Adjusted exponent: digits between the first nonzero one and the
     * point, shifted by the exponent text. */
    int64_t adj = first < point ? (int64_t)(point - first) - 1 : -(int64_t)(first - point);
    adj += e10;
    if (adj > NUMBER_MAX_ADJ) return NUMBER_OVERFLOW;
    if (adj < NUMBER_MIN_ADJ) return NUMBER_UNDERFLOW;

    int64_t nd = (int64_t)(last - first) + 1 - (dot && first < dot && dot < last);
    if (nd > NUMBER_MAX_DIGITS) return NUMBER_TOO_PRECISE;

    /* At most 38 digits: the first 19 into hi, the rest into lo, each in a
     * 64-bit register; one 128-bit multiply at the end. */
    uint64_t hi = 0, lo = 0;
    int taken = 0, nlo = 0;
    for (const char *q = first; q <= last; q++) {
        if (*q == '.') continue;
        unsigned d = (unsigned)(*q - '0');
        if (taken < 19) {
            hi = hi * 10 + d;
        } else {
            lo = lo * 10 + d;
            nlo++;
        }
        taken++;
    }
    out->coef = (u128)hi * number_pow10_u64(nlo) + lo;
    out->exp = (int32_t)(adj - (nd - 1));
    out->neg = neg;
    return NUMBER_OK;
}

/* ---- formatting ------------------------------------------------------- */

/* Writes the decimal digits of c (nonzero, < 10^38) into buf, returns the
 * count; no leading zeros. */
static int number_digits_write(u128 c, char *buf)
{
    char tmp[NUMBER_MAX_DIGITS + 2];
    int n = 0;
    while (c > UINT64_MAX) {
        /* Peel 19 digits at a time so the inner loop is 64-bit division. */
        u128 q = c / number_pow10_u64(19);
        uint64_t r = (uint64_t)(c - q * number_pow10_u64(19));
        for (int i = 0; i < 19; i++) {
            tmp[n++] = (char)('0' + r % 10);
            r /= 10;
        }
        c = q;
    }
    uint64_t v = (uint64_t)c;
    while (v) {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    }
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

size_t number_format(const number_t *n, char *out)
{
    if (n->coef == 0) {
        out[0] = '0';
        out[1] = '\0';
        return 1;
    }
    char digits[NUMBER_MAX_DIGITS + 2];
    int nd = number_digits_write(n->coef, digits);
    int adj = n->exp + nd - 1;
    assert(nd <= NUMBER_MAX_DIGITS && adj >= NUMBER_MIN_ADJ && adj <= NUMBER_MAX_ADJ);
    char *o = out;

    if (n->neg) *o++ = '-';
    if (n->exp >= 0) {
        /* Integer: digits, then exp zeros. */
        memcpy(o, digits, (size_t)nd);
        o += nd;
        memset(o, '0', (size_t)n->exp);
        o += n->exp;
    } else if (adj >= 0) {
        /* Point inside the digits. */
        int ip = adj + 1;
        memcpy(o, digits, (size_t)ip);
        o += ip;
        *o++ = '.';
        memcpy(o, digits + ip, (size_t)(nd - ip));
        o += nd - ip;
    } else {
        /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        memset(o, '0', (size_t)(-adj - 1));
        o += -adj - 1;
        memcpy(o, digits, (size_t)nd);
        o += nd;
    }
    *o = '\0';
    assert(o - out < NUMBER_MAX_TEXT);
    return (size_t)(o - out);
}

/* ---- ordering --------------------------------------------------------- */

/* Compare magnitudes ca*10^ea and cb*10^eb; coefficients nonzero and below
 * 10^38, trailing zeros allowed. */
static int number_magnitude_compare(u128 ca, int ea, u128 cb, int eb)
{
    int na = number_digits_count(ca), nb = number_digits_count(cb);
    int adja = ea + na - 1, adjb = eb + nb - 1;
    if (adja != adjb) return adja < adjb ? -1 : 1;
    /* Same leading position: line the digits up at the longer length,
     * which stays within 38 digits. */
    if (na < nb)
        ca *= number_pow10(nb - na);
    else if (nb < na)
        cb *= number_pow10(na - nb);
    return ca < cb ? -1 : ca > cb;
}

int number_compare(const number_t *a, const number_t *b)
{
    int sa = a->coef == 0 ? 0 : a->neg ? -1 : 1;
    int sb = b->coef == 0 ? 0 : b->neg ? -1 : 1;
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int m = number_magnitude_compare(a->coef, a->exp, b->coef, b->exp);
    return sa < 0 ? -m : m;
}

/* ---- addition --------------------------------------------------------- */

/* The exact sum is held as hi*10^38 + lo (lo < 10^38) times 10^exp; hi
 * stays tiny, so this is a 39..40-digit decimal accumulator. */
typedef struct {
    u128 hi, lo;
    int exp;
} number_wide_t;

static number_status_t number_wide_finish(number_wide_t w, bool neg, number_t *out)
{
    const u128 base = number_pow10(NUMBER_MAX_DIGITS);
    if (w.hi == 0 && w.lo == 0) {
        number_set_zero(out);
        return NUMBER_OK;
    }
    while (w.lo % 10 == 0) {
        w.lo = w.lo / 10 + (w.hi % 10) * (base / 10);
        w.hi /= 10;
        w.exp++;
    }
    if (w.hi != 0) {
        /* More than 38 digits: range first, then precision. */
        int adj = w.exp + NUMBER_MAX_DIGITS + number_digits_count(w.hi) - 1;
        number_status_t st = number_range_check(adj);
        return st != NUMBER_OK ? st : NUMBER_TOO_PRECISE;
    }
    int adj = w.exp + number_digits_count(w.lo) - 1;
    number_status_t st = number_range_check(adj);
    if (st != NUMBER_OK) return st;
    out->coef = w.lo;
    out->exp = w.exp;
    out->neg = neg;
    return NUMBER_OK;
}

/* a + (bneg ? -|b| : |b|), with a's sign in a->neg. */
static number_status_t number_add_signed(const number_t *a, const number_t *b, bool bneg,
                                         number_t *out)
{
    if (b->coef == 0) {
        *out = *a;
        if (out->coef == 0) number_set_zero(out);
        return NUMBER_OK;
    }
    if (a->coef == 0) {
        *out = *b;
        out->neg = bneg;
        return NUMBER_OK;
    }

    /* h: the operand whose last digit sits higher; l: the other. */
    u128 hc = a->coef, lc = b->coef;
    int he = a->exp, le = b->exp;
    bool hneg = a->neg, lneg = bneg;
    if (he < le) {
        hc = b->coef, lc = a->coef;
        he = b->exp, le = a->exp;
        hneg = bneg, lneg = a->neg;
    }
    int shift = he - le;
    int hnd = number_digits_count(hc);
    bool same_sign = hneg == lneg;

    if (hnd + shift > NUMBER_MAX_DIGITS + 1) {
        /* Lined up at l's last digit, h spans 40+ digits.  l's last digit
         * (nonzero) stays the last digit of the result, and h's top is at
         * least two positions above l's, so the result keeps 39+ digits
         * whatever the signs: it is too precise.  It cannot be too small;
         * it is too large only if |h| + |l| >= 10^126. */
        if (same_sign && he + hnd - 1 == NUMBER_MAX_ADJ) {
            /* 10^126 - |h| = (10^hnd - hc) * 10^he; compare |l| with it. */
            u128 gap = number_pow10(hnd) - hc;
            if (number_magnitude_compare(lc, le, gap, he) >= 0) return NUMBER_OVERFLOW;
        }
        return NUMBER_TOO_PRECISE;
    }

    /* h * 10^shift fits the wide accumulator: shift <= 38 as hnd >= 1. */
    const u128 base = number_pow10(NUMBER_MAX_DIGITS);
    u128 split = number_pow10(NUMBER_MAX_DIGITS - shift);
    number_wide_t w = {hc / split, (hc % split) * number_pow10(shift), le};
    bool neg = hneg;

    if (same_sign) {
        w.lo += lc; /* < 2 * 10^38 < 2^128 */
        if (w.lo >= base) {
            w.lo -= base;
            w.hi++;
        }
    } else if (w.hi != 0 || w.lo >= lc) {
        if (w.lo >= lc) {
            w.lo -= lc;
        } else {
            w.lo = (base - lc) + w.lo;
            w.hi--;
        }
    } else {
        w.lo = lc - w.lo;
        neg = lneg;
    }
    return number_wide_finish(w, neg, out);
}

number_status_t number_add(const number_t *a, const number_t *b, number_t *out)
{
    return number_add_signed(a, b, b->neg, out);
}

number_status_t number_sub(const number_t *a, const number_t *b, number_t *out)
{
    return number_add_signed(a, b, !b->neg, out);
}

/* ---- key encoding ----------------------------------------------------- */

size_t number_encode_key(const number_t *n, uint8_t *out)
{
    if (n->coef == 0) {
        out[0] = KEY_ZERO;
        return 1;
    }
    char digits[NUMBER_MAX_DIGITS + 2];
    int nd = number_digits_write(n->coef, digits);
    int adj = n->exp + nd - 1;
    assert(adj >= NUMBER_MIN_ADJ && adj <= NUMBER_MAX_ADJ);
    uint8_t mask = n->neg ? 0xff : 0x00;
    size_t len = 0;

    out[len++] = n->neg ? KEY_NEG : KEY_POS;
    out[len++] = (uint8_t)((adj - NUMBER_MIN_ADJ) ^ mask);
    for (int i = 0; i < nd; i += 2) {
        unsigned pair = (unsigned)(digits[i] - '0') * 10;
        if (i + 1 < nd) pair += (unsigned)(digits[i + 1] - '0');
        bool more = i + 2 < nd;
        out[len++] = (uint8_t)((pair * 2 + more) ^ mask);
    }
    assert(len <= NUMBER_MAX_KEY);
    return len;
}

bool number_decode_key(const uint8_t *in, size_t len, number_t *out, size_t *used)
{
    if (len < 1) return false;
    if (in[0] == KEY_ZERO) {
        number_set_zero(out);
        *used = 1;
        return true;
    }
    if (in[0] != KEY_NEG && in[0] != KEY_POS) return false;
    bool neg = in[0] == KEY_NEG;
    uint8_t mask = neg ? 0xff : 0x00;
    if (len < 3) return false;
    int adj = (int)(in[1] ^ mask) + NUMBER_MIN_ADJ;

    uint64_t hi = 0, lo = 0;
    int nd = 0, nlo = 0;
    size_t i = 2;
    for (;;) {
        if (i >= len || i >= NUMBER_MAX_KEY) return false;
        unsigned b = in[i++] ^ mask;
        unsigned pair = b >> 1;
        bool more = b & 1;
        if (pair > 99) return false;
        if (nd == 0 && pair < 10) return false; /* leading zero */
        if (!more && pair == 0) return false;   /* trailing zeros */
        int take = (!more && pair % 10 == 0) ? 1 : 2;
        unsigned v = take == 1 ? pair / 10 : pair;
        /* 38 digits = 19 pairs; the first 9 pairs and a half go to hi. */
        for (int k = 0; k < take; k++) {
            unsigned d = take == 1 ? v : (k == 0 ? v / 10 : v % 10);
            if (nd < 19) {
                hi = hi * 10 + d;
            } else {
                lo = lo * 10 + d;
                nlo++;
            }
            nd++;
        }
        if (!more) break;
    }
    out->coef = (u128)hi * number_pow10_u64(nlo) + lo;
    out->exp = adj - (nd - 1);
    out->neg = neg;
    *used = i;
    return true;
}

/* ---- machine integers ------------------------------------------------- */

void number_from_int64(int64_t v, number_t *out)
{
    if (v == 0) {
        number_set_zero(out);
        return;
    }
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int exp = 0;
    while (m % 10 == 0) {
        m /= 10;
        exp++;
    }
    out->coef = m;
    out->exp = exp;
    out->neg = v < 0;
}

bool number_to_int64(const number_t *n, int64_t *out)
{
    if (n->coef == 0) {
        *out = 0;
        return true;
    }
    if (n->exp < 0) return false; /* canonical: a fraction */
    /* int64 values have at most 19 digits. */
    if (number_digits_count(n->coef) + n->exp > 19) return false;
    u128 m = n->coef * number_pow10(n->exp);
    if (n->neg) {
        if (m > (u128)INT64_MAX + 1) return false;
        *out = (int64_t)(0 - (uint64_t)m);
    } else {
        if (m > INT64_MAX) return false;
        *out = (int64_t)m;
    }
    return true;
}
