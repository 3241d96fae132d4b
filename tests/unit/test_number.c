/* test_number: unit tests of number.c -- the grammar, precision and range
 * edges, printing, ordering, exact addition, the key encoding, and a
 * seeded property test against a digit-string oracle written here. */
#include "number.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

typedef unsigned __int128 u128;

/* ---- helpers ---------------------------------------------------------- */

static number_status_t parse_str(const char *s, number_t *n)
{
    return number_parse(s, strlen(s), n);
}

/* Parse, which must succeed. */
static number_t num(const char *s)
{
    number_t n;
    number_status_t st = parse_str(s, &n);
    if (st != NUMBER_OK) {
        fprintf(stderr, "num(\"%s\") failed: %d\n", s, st);
        abort();
    }
    return n;
}

static const char *fmt(number_t n, char *buf)
{
    number_format(&n, buf);
    return buf;
}

static bool same(const number_t *a, const number_t *b)
{
    return a->coef == b->coef && a->exp == b->exp && a->neg == b->neg;
}

static int sgn(int v) { return (v > 0) - (v < 0); }

/* A string of n copies of c followed by tail. */
static char *repeat(char *buf, char c, int n, const char *tail)
{
    memset(buf, c, (size_t)n);
    strcpy(buf + n, tail);
    return buf;
}

/* ---- grammar ---------------------------------------------------------- */

static void test_parse_valid(void)
{
    static const struct {
        const char *text, *canon;
    } cases[] = {
        {"0", "0"},
        {"-0", "0"},
        {"+0", "0"},
        {"0.0", "0"},
        {"-0.000", "0"},
        {"0e5", "0"},
        {"0E-999", "0"},
        {"000", "0"},
        {".0", "0"},
        {"0.", "0"},
        {"1", "1"},
        {"+5", "5"},
        {"-5", "-5"},
        {".5", "0.5"},
        {"-.5", "-0.5"},
        {"5.", "5"},
        {"5.e1", "50"},
        {".5e1", "5"},
        {"1.50", "1.5"},
        {"-1.50", "-1.5"},
        {"15E-1", "1.5"},
        {"0001.2000", "1.2"},
        {"123.456e2", "12345.6"},
        {"123.456E+2", "12345.6"},
        {"123.456e-2", "1.23456"},
        {"1E2", "100"},
        {"1e+2", "100"},
        {"1E-3", "0.001"},
        {"100", "100"},
        {"1000000000000000000000000000000000000000000",
         "1000000000000000000000000000000000000000000"},
        {"0.00000000000000000000000000000000000000000000001",
         "0.00000000000000000000000000000000000000000000001"},
        {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
        {"-1.2345678901234567890123456789012345678", "-1.2345678901234567890123456789012345678"},
        {"1.0000000000000000000000000000000000000000000000", "1"},
        {"1e0000000000000000000000000000000000000000000000001", "10"},
        {"0.1e1", "1"},
        {"10.01", "10.01"},
        {"9223372036854775807", "9223372036854775807"},
    };
    char buf[NUMBER_MAX_TEXT];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        number_t n;
        number_status_t st = parse_str(cases[i].text, &n);
        if (st != NUMBER_OK) fprintf(stderr, "  parse \"%s\" -> %d\n", cases[i].text, st);
        CHECK(st == NUMBER_OK);
        if (st == NUMBER_OK) CHECK_STR(fmt(n, buf), cases[i].canon);
    }
    /* Canonical fields. */
    number_t n = num("1.50");
    CHECK(n.coef == 15 && n.exp == -1 && !n.neg);
    n = num("-0.0e7");
    CHECK(n.coef == 0 && n.exp == 0 && !n.neg);
    n = num("1200");
    CHECK(n.coef == 12 && n.exp == 2);
    n = num("0001.2000");
    CHECK(n.coef == 12 && n.exp == -1);
    number_t m = num("15E-1");
    n = num("1.5");
    CHECK(same(&m, &n));
}

static void test_parse_invalid(void)
{
    static const char *const cases[] = {
        "",      " 1", "1 ",  "0x10", "Infinity", "-Infinity", "NaN",   "inf",   "1e",    "1e+",
        "1E-",   "e5", "E5",  "--1",  "+-1",      "-+1",       "1.2.3", "1..2",  "1_000", "1,000",
        ".",     "-",  "+",   "-.",   ".e1",      "-e1",       "1e1.5", "1e1e1", "1ee1",  "1e++1",
        "1e--1", "١",  "1\n", "\t1",  "1f",       "1d",        "0b1",   "1e 1",  "1 e1",  "1.e",
        "abc",   "1-", "1+1", "e",    "1.2e3.4",  "++1",       "1E+-1", "1/2",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        number_t n;
        number_status_t st = parse_str(cases[i], &n);
        if (st != NUMBER_INVALID) fprintf(stderr, "  parse \"%s\" -> %d\n", cases[i], st);
        CHECK(st == NUMBER_INVALID);
    }
    /* Embedded NUL: the length, not the terminator, delimits. */
    number_t n;
    CHECK(number_parse("1\0002", 3, &n) == NUMBER_INVALID);
    CHECK(number_parse("12", 1, &n) == NUMBER_OK && n.coef == 1);
    CHECK(number_parse("1e5", 2, &n) == NUMBER_INVALID);
}

/* ---- precision and range ---------------------------------------------- */

static void test_parse_limits(void)
{
    char big[8192], buf[NUMBER_MAX_TEXT];
    number_t n;

    /* 38 significant digits fit, 39 do not, wherever the point and zeros. */
    CHECK(parse_str("12345678901234567890123456789012345678", &n) == NUMBER_OK);
    CHECK(parse_str("123456789012345678901234567890123456789", &n) == NUMBER_TOO_PRECISE);
    CHECK(parse_str("-1.23456789012345678901234567890123456789", &n) == NUMBER_TOO_PRECISE);
    CHECK(parse_str("0.0012345678901234567890123456789012345678000", &n) == NUMBER_OK);
    CHECK(parse_str("1000000000000000000000000000000000000001", &n) == NUMBER_TOO_PRECISE);
    CHECK(parse_str("100000000000000000000000000000000000001", &n) == NUMBER_TOO_PRECISE);
    CHECK(parse_str("10000000000000000000000000000000000001", &n) == NUMBER_OK);
    CHECK(parse_str("99999999999999999999999999999999999999", &n) == NUMBER_OK);
    CHECK(n.coef == (u128)10000000000000000000ull * 10000000000000000000ull - 1);

    /* The largest and smallest magnitudes. */
    CHECK(parse_str("9.9999999999999999999999999999999999999E+125", &n) == NUMBER_OK);
    CHECK(n.exp == 88 && n.coef == (u128)10000000000000000000ull * 10000000000000000000ull - 1);
    CHECK(parse_str("-9.9999999999999999999999999999999999999E+125", &n) == NUMBER_OK);
    CHECK(parse_str("1E+125", &n) == NUMBER_OK);
    CHECK(n.coef == 1 && n.exp == 125);
    CHECK(strlen(fmt(n, buf)) == 126);
    CHECK(parse_str("1E+126", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("-1E+126", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("1e126", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("0.1E+127", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("0.01E+127", &n) == NUMBER_OK);
    CHECK(parse_str("1E-130", &n) == NUMBER_OK);
    CHECK(n.coef == 1 && n.exp == -130);
    CHECK(parse_str("1.5E-130", &n) == NUMBER_OK);
    CHECK(n.coef == 15 && n.exp == -131);
    CHECK(parse_str("1.2345678901234567890123456789012345678E-130", &n) == NUMBER_OK);
    CHECK(n.exp == -167);
    CHECK(parse_str("1E-131", &n) == NUMBER_UNDERFLOW);
    CHECK(parse_str("-1E-131", &n) == NUMBER_UNDERFLOW);
    CHECK(parse_str("9.99E-131", &n) == NUMBER_UNDERFLOW);
    CHECK(parse_str("10E-131", &n) == NUMBER_OK);
    CHECK(parse_str("0E-999", &n) == NUMBER_OK && number_is_zero(&n));
    CHECK(parse_str("0E+999", &n) == NUMBER_OK && number_is_zero(&n));

    /* Range is checked before precision, as the service does. */
    CHECK(parse_str("1.00000000000000000000000000000000000000001E+126", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("1.00000000000000000000000000000000000000001E-131", &n) == NUMBER_UNDERFLOW);
    CHECK(parse_str("1.00000000000000000000000000000000000000001E+125", &n) == NUMBER_TOO_PRECISE);

    /* Exponent texts beyond any integer type. */
    CHECK(parse_str("1e999999999999999999", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("1e99999999999999999999999999999999999999999", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("-1e999999999999999999", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("1e-999999999999999999", &n) == NUMBER_UNDERFLOW);
    CHECK(parse_str("1e-99999999999999999999999999999999999999999", &n) == NUMBER_UNDERFLOW);
    CHECK(parse_str("0e999999999999999999999999", &n) == NUMBER_OK && number_is_zero(&n));
    CHECK(parse_str("-0.000e-999999999999999999999999", &n) == NUMBER_OK && number_is_zero(&n));
    CHECK(parse_str("1e2147483648", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("1e-2147483649", &n) == NUMBER_UNDERFLOW);
    CHECK(parse_str("1e4294967296", &n) == NUMBER_OVERFLOW);
    CHECK(parse_str("1e-4294967171", &n) == NUMBER_UNDERFLOW);

    /* Long texts whose zeros are not significant. */
    memcpy(big, "0.", 2);
    memset(big + 2, '0', 5000);
    strcpy(big + 5002, "1e5000");
    CHECK(parse_str(big, &n) == NUMBER_OK && n.coef == 1 && n.exp == -1);
    memset(big, '0', 6000);
    strcpy(big + 6000, "7");
    CHECK(parse_str(big, &n) == NUMBER_OK && n.coef == 7 && n.exp == 0);
    big[0] = '7';
    memset(big + 1, '0', 6000);
    strcpy(big + 6001, "e-6000");
    CHECK(parse_str(big, &n) == NUMBER_OK && n.coef == 7 && n.exp == 0);
    strcpy(big + 6001, ".000000e-6000");
    CHECK(parse_str(big, &n) == NUMBER_OK && n.coef == 7 && n.exp == 0);
    big[6001] = '\0';
    CHECK(parse_str(big, &n) == NUMBER_OVERFLOW);
    /* 5000 significant digits: too precise (in range thanks to the exponent). */
    memset(big, '1', 5000);
    strcpy(big + 5000, "e-4990");
    CHECK(parse_str(big, &n) == NUMBER_TOO_PRECISE);
    memset(big, '0', 4000);
    strcpy(big + 4000, ".");
    CHECK(parse_str(big, &n) == NUMBER_OK && number_is_zero(&n));
    strcpy(big + 4000, ".x");
    CHECK(parse_str(big, &n) == NUMBER_INVALID);
}

/* A megabyte of zeros parses quickly: linear time. */
static void test_parse_long(void)
{
    size_t len = 4u << 20;
    char *s = malloc(len + 32);
    memcpy(s, "-0.", 3);
    memset(s + 3, '0', len);
    strcpy(s + 3 + len, "25e4194306");
    number_t n;
    CHECK(parse_str(s, &n) == NUMBER_OK);
    CHECK(n.coef == 25 && n.exp == 0 && n.neg);
    free(s);
}

/* ---- printing --------------------------------------------------------- */

static void test_format(void)
{
    static const struct {
        const char *text, *canon;
    } cases[] = {
        {"1.50", "1.5"},        {"1E+2", "100"},         {"-0.0", "0"},
        {"1E-3", "0.001"},      {"-1.50", "-1.5"},       {"123.456e2", "12345.6"},
        {"12.5", "12.5"},       {"-12", "-12"},          {"0.1", "0.1"},
        {"1e-1", "0.1"},        {"-1e-2", "-0.01"},      {"101e-1", "10.1"},
        {"12345e-2", "123.45"}, {"12345e-5", "0.12345"}, {"12345e-6", "0.012345"},
        {"12345e0", "12345"},   {"12345e1", "123450"},
    };
    char buf[NUMBER_MAX_TEXT], want[NUMBER_MAX_TEXT];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        number_t n = num(cases[i].text);
        size_t len = number_format(&n, buf);
        CHECK_STR(buf, cases[i].canon);
        CHECK(len == strlen(cases[i].canon));
    }

    /* The extremes: 1E+125 is "1" and 125 zeros, 1E-130 "0." 129 zeros "1". */
    number_t n = num("1E+125");
    want[0] = '1';
    repeat(want + 1, '0', 125, "");
    CHECK_STR(fmt(n, buf), want);
    n = num("1E-130");
    strcpy(want, "0.");
    repeat(want + 2, '0', 129, "1");
    CHECK_STR(fmt(n, buf), want);

    /* The longest texts fit NUMBER_MAX_TEXT. */
    n = num("-1.2345678901234567890123456789012345678E-130");
    size_t len = number_format(&n, buf);
    CHECK(len == 3 + 129 + 38 && len < NUMBER_MAX_TEXT);
    strcpy(want, "-0.");
    repeat(want + 3, '0', 129, "12345678901234567890123456789012345678");
    CHECK_STR(buf, want);
    n = num("-9.9999999999999999999999999999999999999E+125");
    len = number_format(&n, buf);
    CHECK(len == 127 && len < NUMBER_MAX_TEXT);
    strcpy(want, "-");
    repeat(want + 1, '9', 38, "");
    repeat(want + 39, '0', 88, "");
    CHECK_STR(buf, want);
}

/* ---- ordering --------------------------------------------------------- */

static void test_compare(void)
{
    /* Strictly increasing. */
    static const char *const order[] = {
        "-9.9999999999999999999999999999999999999E+125",
        "-1E+125",
        "-100",
        "-12.5",
        "-12.25",
        "-12",
        "-1.05",
        "-1",
        "-0.99",
        "-1E-130",
        "0",
        "1E-130",
        "1.5E-130",
        "0.001",
        "0.01",
        "0.0999",
        "0.1",
        "1",
        "1.0000000000000000000000000000000000001",
        "1.05",
        "1.5",
        "9",
        "10",
        "10.5",
        "12.5",
        "99999999999999999999999999999999999999",
        "1E+38",
        "1E+125",
        "9.9999999999999999999999999999999999999E+125",
    };
    size_t cnt = sizeof(order) / sizeof(order[0]);
    for (size_t i = 0; i < cnt; i++) {
        for (size_t j = 0; j < cnt; j++) {
            number_t a = num(order[i]), b = num(order[j]);
            int want = i < j ? -1 : i > j;
            CHECK(sgn(number_compare(&a, &b)) == want);
        }
    }
    number_t a = num("1.50"), b = num("15E-1"), z1 = num("-0"), z2 = num("0e9");
    CHECK(number_compare(&a, &b) == 0);
    CHECK(number_compare(&z1, &z2) == 0);
}

/* ---- addition --------------------------------------------------------- */

static void check_add(const char *a, const char *b, number_status_t want_st, const char *want)
{
    number_t x = num(a), y = num(b), r;
    char buf[NUMBER_MAX_TEXT];
    number_status_t st = number_add(&x, &y, &r);
    if (st != want_st) fprintf(stderr, "  %s + %s -> status %d, want %d\n", a, b, st, want_st);
    CHECK(st == want_st);
    if (st == NUMBER_OK && want) CHECK_STR(fmt(r, buf), want);
    /* Commutes, and a - (-b) is the same sum. */
    number_t r2, nb = y;
    nb.neg = !nb.neg && nb.coef != 0;
    CHECK(number_add(&y, &x, &r2) == st);
    if (st == NUMBER_OK) CHECK(same(&r, &r2));
    CHECK(number_sub(&x, &nb, &r2) == st);
    if (st == NUMBER_OK) CHECK(same(&r, &r2));
}

static void test_add(void)
{
    check_add("1", "2", NUMBER_OK, "3");
    check_add("0.1", "0.2", NUMBER_OK, "0.3");
    check_add("5", "5", NUMBER_OK, "10");
    check_add("1.5", "1.5", NUMBER_OK, "3");
    check_add("0", "0", NUMBER_OK, "0");
    check_add("0", "-7.5", NUMBER_OK, "-7.5");
    check_add("-7.5", "0", NUMBER_OK, "-7.5");
    check_add("1", "-2", NUMBER_OK, "-1");
    check_add("-1", "2", NUMBER_OK, "1");
    check_add("12.5", "-12.5", NUMBER_OK, "0");
    check_add("1E+125", "-1E+125", NUMBER_OK, "0");
    check_add("1E-130", "-1E-130", NUMBER_OK, "0");
    check_add("100", "-99.99", NUMBER_OK, "0.01");
    check_add("-100", "99.99", NUMBER_OK, "-0.01");

    /* Carries at 38 digits. */
    check_add("99999999999999999999999999999999999999", "1", NUMBER_OK,
              "100000000000000000000000000000000000000");
    check_add("99999999999999999999999999999999999999", "2", NUMBER_TOO_PRECISE, NULL);
    check_add("99999999999999999999999999999999999999", "10", NUMBER_TOO_PRECISE, NULL);
    check_add("99999999999999999999999999999999999999", "99999999999999999999999999999999999999",
              NUMBER_TOO_PRECISE, NULL);
    check_add("50000000000000000000000000000000000000", "50000000000000000000000000000000000000",
              NUMBER_OK, "100000000000000000000000000000000000000");
    check_add("99999999999999999999999999999999999999", "0.1", NUMBER_TOO_PRECISE, NULL);
    check_add("9999999999999999999999999999999999999.9", "0.1", NUMBER_OK,
              "10000000000000000000000000000000000000");
    check_add("-99999999999999999999999999999999999999", "-1", NUMBER_OK,
              "-100000000000000000000000000000000000000");

    /* Cancellation down to few digits. */
    check_add("1.0000000000000000000000000000000000001", "-1", NUMBER_OK,
              "0.0000000000000000000000000000000000001");
    check_add("1E+38", "-1", NUMBER_OK, "99999999999999999999999999999999999999");
    check_add("-1E+38", "1", NUMBER_OK, "-99999999999999999999999999999999999999");
    check_add("1E+39", "-1", NUMBER_TOO_PRECISE, NULL);
    check_add("1E+38", "-0.1", NUMBER_TOO_PRECISE, NULL);
    check_add("1", "-0.00000000000000000000000000000000000001", NUMBER_OK,
              "0.99999999999999999999999999999999999999");
    check_add("2E+37", "-1", NUMBER_OK, "19999999999999999999999999999999999999");
    check_add("1.1E+38", "-1", NUMBER_TOO_PRECISE, NULL);
    check_add("1.0000000000000000000000000000000000001E+38", "-1", NUMBER_TOO_PRECISE, NULL);
    check_add("1.0000000000000000000000000000000000001E+37", "-1", NUMBER_OK,
              "10000000000000000000000000000000000000");

    /* Exponents too far apart for an exact 38-digit result. */
    check_add("1E+30", "1E-30", NUMBER_TOO_PRECISE, NULL);
    check_add("1E+30", "-1E-30", NUMBER_TOO_PRECISE, NULL);
    check_add("1E+125", "1E-130", NUMBER_TOO_PRECISE, NULL);
    check_add("-1E+125", "1E-130", NUMBER_TOO_PRECISE, NULL);
    check_add("1E+37", "1", NUMBER_OK, "10000000000000000000000000000000000001");
    check_add("1E+38", "1", NUMBER_TOO_PRECISE, NULL);

    /* Range. */
    check_add("9.9999999999999999999999999999999999999E+125", "1E+88", NUMBER_OVERFLOW, NULL);
    check_add("-9.9999999999999999999999999999999999999E+125", "-1E+88", NUMBER_OVERFLOW, NULL);
    check_add("9.9999999999999999999999999999999999999E+125", "-1E+88", NUMBER_OK, NULL);
    check_add("5E+125", "5E+125", NUMBER_OVERFLOW, NULL);
    check_add("9E+125", "1E+125", NUMBER_OVERFLOW, NULL);
    check_add("9E+125", "9.999E+124", NUMBER_OK, NULL);
    check_add("9E+125", "9.9999999999999999999999999999999999999E+124", NUMBER_TOO_PRECISE, NULL);
    check_add("9E+125", "1.0000000000000000000000000000000000001E+125", NUMBER_OVERFLOW, NULL);
    /* Too precise and too large: range wins, also when the exponents are far apart. */
    check_add("9.9999999999999999999999999999999999999E+125", "1.05E+88", NUMBER_OVERFLOW, NULL);
    check_add("9.9999999999999999999999999999999999999E+125", "9.95E+87", NUMBER_TOO_PRECISE, NULL);
    check_add("-9.9999999999999999999999999999999999999E+125", "-1.05E+88", NUMBER_OVERFLOW, NULL);
    check_add("9.9999999999999999999999999999999999999E+125", "-1.05E+88", NUMBER_TOO_PRECISE,
              NULL);
    check_add("1.1E-130", "-1E-130", NUMBER_UNDERFLOW, NULL);
    check_add("2E-130", "-1E-130", NUMBER_OK, NULL);
    check_add("1.0000000000000000000000000000000000001E-130", "-1E-130", NUMBER_UNDERFLOW, NULL);

    number_t a = num("3"), b = num("5"), r;
    char buf[NUMBER_MAX_TEXT];
    number_t tiny2 = num("2E-130"), tiny1 = num("1E-130");
    CHECK(number_sub(&tiny2, &tiny1, &r) == NUMBER_OK && same(&r, &tiny1));
    CHECK(number_sub(&a, &b, &r) == NUMBER_OK);
    CHECK_STR(fmt(r, buf), "-2");
    CHECK(number_sub(&a, &a, &r) == NUMBER_OK && r.coef == 0 && r.exp == 0 && !r.neg);
    number_t z = num("0");
    CHECK(number_sub(&z, &a, &r) == NUMBER_OK);
    CHECK_STR(fmt(r, buf), "-3");
    CHECK(number_sub(&z, &z, &r) == NUMBER_OK && !r.neg && r.coef == 0);

    /* The result may overwrite an operand. */
    number_t x = num("12.5"), y = num("-0.25");
    CHECK(number_add(&x, &y, &x) == NUMBER_OK);
    CHECK_STR(fmt(x, buf), "12.25");
    CHECK(number_sub(&x, &y, &y) == NUMBER_OK);
    CHECK_STR(fmt(y, buf), "12.5");
}

/* ---- key encoding ----------------------------------------------------- */

static void check_key(const char *text, const uint8_t *want, size_t want_len)
{
    number_t n = num(text), back;
    uint8_t key[NUMBER_MAX_KEY];
    size_t len = number_encode_key(&n, key), used = 0;
    CHECK(len == want_len && memcmp(key, want, want_len) == 0);
    CHECK(number_decode_key(key, len, &back, &used) && used == len && same(&n, &back));
}

static void test_key(void)
{
    check_key("0", (const uint8_t[]){0x02}, 1);
    check_key("1", (const uint8_t[]){0x03, 0x82, 0x14}, 3);
    check_key("-1", (const uint8_t[]){0x01, 0x7d, 0xeb}, 3);
    check_key("12.5", (const uint8_t[]){0x03, 0x83, 0x19, 0x64}, 4);
    check_key("100", (const uint8_t[]){0x03, 0x84, 0x14}, 3);
    check_key("1.05", (const uint8_t[]){0x03, 0x82, 0x15, 0x64}, 4);
    check_key("1E-130", (const uint8_t[]){0x03, 0x00, 0x14}, 3);
    check_key("1E+125", (const uint8_t[]){0x03, 0xff, 0x14}, 3);

    /* The longest key. */
    number_t n = num("-9.9999999999999999999999999999999999999E+125"), back;
    uint8_t key[NUMBER_MAX_KEY + 8];
    size_t len = number_encode_key(&n, key), used;
    CHECK(len == NUMBER_MAX_KEY);
    CHECK(number_decode_key(key, len, &back, &used) && used == len && same(&n, &back));

    /* Self-delimiting: trailing bytes are left alone. */
    n = num("12.5");
    len = number_encode_key(&n, key);
    key[len] = 0x77;
    key[len + 1] = 0x00;
    CHECK(number_decode_key(key, len + 2, &back, &used) && used == len && same(&n, &back));
    /* Truncated keys are refused. */
    for (size_t i = 0; i < len; i++)
        CHECK(!number_decode_key(key, i, &back, &used));

    /* Malformed keys. */
    static const struct {
        uint8_t b[24];
        size_t len;
    } bad[] = {
        {{0x00}, 1},                   /* unknown sign byte */
        {{0x04, 0x82, 0x14}, 3},       /* unknown sign byte */
        {{0x03, 0x82}, 2},             /* no mantissa */
        {{0x03, 0x82, 0x15}, 3},       /* mantissa never ends */
        {{0x03, 0x82, 0xc8}, 3},       /* pair 100 */
        {{0x03, 0x82, 0xfe}, 3},       /* pair 127 */
        {{0x03, 0x82, 0x12}, 3},       /* leading zero (pair 09) */
        {{0x03, 0x82, 0x15, 0x00}, 4}, /* trailing pair 00 */
        {{0x01, 0x7d, 0x14}, 3},       /* negative key with positive bytes: pair 117 */
        {{0x03, 0x82, 0x15, 0x15, 0x15, 0x15, 0x15, 0x15, 0x15, 0x15, 0x15,
          0x15, 0x15, 0x15, 0x15, 0x15, 0x15, 0x15, 0x15, 0x15, 0x15, 0x14},
         22}, /* 20 pairs: 39+ digits */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (number_decode_key(bad[i].b, bad[i].len, &back, &used))
            fprintf(stderr, "  bad key %zu decoded\n", i);
        CHECK(!number_decode_key(bad[i].b, bad[i].len, &back, &used));
    }
    /* 19 pairs is the most, and decodes. */
    uint8_t full[21] = {0x03, 0x82};
    for (int i = 2; i < 20; i++)
        full[i] = 0x15;
    full[20] = 0x14;
    CHECK(number_decode_key(full, 21, &back, &used) && used == 21);
}

/* ---- machine integers ------------------------------------------------- */

static void test_int64(void)
{
    static const int64_t vals[] = {0,
                                   1,
                                   -1,
                                   10,
                                   -10,
                                   100,
                                   12345,
                                   -1200,
                                   INT64_MAX,
                                   INT64_MIN,
                                   INT64_MAX - 1,
                                   INT64_MIN + 1,
                                   1000000000000000000,
                                   -1000000000000000000};
    char buf[NUMBER_MAX_TEXT], want[32];
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        number_t n;
        int64_t back = 7;
        number_from_int64(vals[i], &n);
        snprintf(want, sizeof(want), "%lld", (long long)vals[i]);
        CHECK_STR(fmt(n, buf), want);
        number_t p = num(want);
        CHECK(same(&n, &p));
        CHECK(number_to_int64(&n, &back) && back == vals[i]);
    }
    int64_t v;
    number_t n = num("9223372036854775808");
    CHECK(!number_to_int64(&n, &v));
    n = num("-9223372036854775808");
    CHECK(number_to_int64(&n, &v) && v == INT64_MIN);
    n = num("-9223372036854775809");
    CHECK(!number_to_int64(&n, &v));
    n = num("1.5");
    CHECK(!number_to_int64(&n, &v));
    n = num("15e-1");
    CHECK(!number_to_int64(&n, &v));
    n = num("1e18");
    CHECK(number_to_int64(&n, &v) && v == 1000000000000000000);
    n = num("1e19");
    CHECK(!number_to_int64(&n, &v));
    n = num("1e125");
    CHECK(!number_to_int64(&n, &v));
    n = num("12345678901234567890123456789012345678");
    CHECK(!number_to_int64(&n, &v));
    n = num("-0");
    CHECK(number_to_int64(&n, &v) && v == 0);
}

/* ---- property test ---------------------------------------------------- */

/* The oracle's number: sign, significant digits (first and last nonzero)
 * and the power of ten of the last digit.  nd == 0 is zero. */
typedef struct {
    bool neg;
    int nd;
    char d[400];
    int exp;
} oracle_t;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    /* xorshift64*: fixed seed, so failures reproduce. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static int rng_range(int lo, int hi) { return lo + (int)(rng() % (uint64_t)(hi - lo + 1)); }

static int oracle_adj(const oracle_t *o) { return o->exp + o->nd - 1; }

/* A random in-range number; near, if given, pulls its position close. */
static void oracle_random(oracle_t *o, const oracle_t *near)
{
    o->neg = rng() & 1;
    if (rng_range(0, 19) == 0) {
        o->nd = 0;
        o->exp = 0;
        o->neg = false;
        return;
    }
    int kind = rng_range(0, 9);
    o->nd = kind < 3 ? 38 : kind < 6 ? rng_range(1, 6) : rng_range(1, 38);
    int style = rng_range(0, 5); /* runs of 9s and 0s make carries and borrows */
    for (int i = 0; i < o->nd; i++) {
        char c = (char)('0' + rng_range(0, 9));
        if (style == 0) c = rng_range(0, 7) ? '9' : c;
        if (style == 1) c = rng_range(0, 7) ? '0' : c;
        o->d[i] = c;
    }
    if (o->d[0] == '0') o->d[0] = (char)('1' + rng_range(0, 8));
    if (o->d[o->nd - 1] == '0') o->d[o->nd - 1] = (char)('1' + rng_range(0, 8));
    int adj;
    if (near && near->nd && rng_range(0, 2)) {
        adj = oracle_adj(near) + rng_range(-40, 40);
        if (adj > NUMBER_MAX_EXP) adj = NUMBER_MAX_EXP;
        if (adj < NUMBER_MIN_EXP) adj = NUMBER_MIN_EXP;
    } else if (rng_range(0, 4) == 0) {
        adj = rng_range(0, 1) ? rng_range(NUMBER_MAX_EXP - 3, NUMBER_MAX_EXP)
                              : rng_range(NUMBER_MIN_EXP, NUMBER_MIN_EXP + 3);
    } else {
        adj = rng_range(NUMBER_MIN_EXP, NUMBER_MAX_EXP);
    }
    o->exp = adj - o->nd + 1;
}

/* Some text for o in a random style: point anywhere, padding zeros, an
 * exponent or not, e or E, explicit '+'. */
static void oracle_text(const oracle_t *o, char *out)
{
    char *p = out;
    if (o->nd == 0) {
        static const char *const zeros[] = {"0", "-0", "0.000", "+0e-5", ".0", "000E+77"};
        strcpy(out, zeros[rng_range(0, 5)]);
        return;
    }
    if (o->neg)
        *p++ = '-';
    else if (rng_range(0, 5) == 0)
        *p++ = '+';
    int lead = rng_range(0, 3), trail = rng_range(0, 3);
    char body[600];
    int n = 0;
    for (int i = 0; i < lead; i++)
        body[n++] = '0';
    memcpy(body + n, o->d, (size_t)o->nd);
    n += o->nd;
    for (int i = 0; i < trail; i++)
        body[n++] = '0';
    /* body is an integer of value digits*10^trail; put the point after
     * `ip` characters and fix up with the exponent. */
    int ip = rng_range(0, n);
    int e = o->exp - trail + (n - ip);
    memcpy(p, body, (size_t)ip);
    p += ip;
    if (ip < n || rng_range(0, 3) == 0) *p++ = '.';
    memcpy(p, body + ip, (size_t)(n - ip));
    p += n - ip;
    if (e != 0 || rng_range(0, 3) == 0) {
        *p++ = rng_range(0, 1) ? 'e' : 'E';
        if (e >= 0 && rng_range(0, 1)) *p++ = '+';
        p += sprintf(p, "%d", e);
    }
    *p = '\0';
}

/* The plain text the service prints, built without number.c. */
static void oracle_plain(const oracle_t *o, char *out)
{
    char *p = out;
    if (o->nd == 0) {
        strcpy(out, "0");
        return;
    }
    if (o->neg) *p++ = '-';
    int adj = oracle_adj(o);
    if (o->exp >= 0) {
        for (int i = 0; i < o->nd; i++)
            *p++ = o->d[i];
        for (int i = 0; i < o->exp; i++)
            *p++ = '0';
    } else if (adj < 0) {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -adj - 1; i++)
            *p++ = '0';
        for (int i = 0; i < o->nd; i++)
            *p++ = o->d[i];
    } else {
        for (int i = 0; i < o->nd; i++) {
            if (i == adj + 1) *p++ = '.';
            *p++ = o->d[i];
        }
    }
    *p = '\0';
}

static int oracle_compare(const oracle_t *a, const oracle_t *b)
{
    int sa = a->nd == 0 ? 0 : a->neg ? -1 : 1;
    int sb = b->nd == 0 ? 0 : b->neg ? -1 : 1;
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int m;
    if (oracle_adj(a) != oracle_adj(b)) {
        m = oracle_adj(a) < oracle_adj(b) ? -1 : 1;
    } else {
        int n = a->nd < b->nd ? a->nd : b->nd;
        m = sgn(memcmp(a->d, b->d, (size_t)n));
        if (m == 0) m = a->nd < b->nd ? -1 : a->nd > b->nd;
    }
    return sa * m;
}

/* The exact a+b, as "[-]digitsE<exp>" text, by schoolbook arithmetic on
 * digit arrays lined up at the lower exponent. */
static void oracle_add_text(const oracle_t *a, const oracle_t *b, char *out)
{
    if (a->nd == 0 && b->nd == 0) {
        strcpy(out, "0");
        return;
    }
    enum { W = 340 };
    int lo = 1 << 20;
    if (a->nd && a->exp < lo) lo = a->exp;
    if (b->nd && b->exp < lo) lo = b->exp;
    int x[W] = {0}, y[W] = {0}, r[W + 1] = {0};
    /* x[k] is the digit of 10^(lo+k). */
    for (int i = 0; i < a->nd; i++)
        x[a->exp - lo + (a->nd - 1 - i)] = a->d[i] - '0';
    for (int i = 0; i < b->nd; i++)
        y[b->exp - lo + (b->nd - 1 - i)] = b->d[i] - '0';
    bool neg;
    if (a->nd == 0 || b->nd == 0 || a->neg == b->neg) {
        neg = a->nd ? a->neg : b->neg;
        int carry = 0;
        for (int k = 0; k < W; k++) {
            int s = x[k] + y[k] + carry;
            r[k] = s % 10;
            carry = s / 10;
        }
        r[W] = carry;
    } else {
        /* Subtract the smaller magnitude from the larger. */
        int cmpm = 0;
        for (int k = W - 1; k >= 0 && cmpm == 0; k--)
            cmpm = (x[k] > y[k]) - (x[k] < y[k]);
        int *big = cmpm >= 0 ? x : y, *small = cmpm >= 0 ? y : x;
        neg = cmpm >= 0 ? a->neg : b->neg;
        int borrow = 0;
        for (int k = 0; k < W; k++) {
            int s = big[k] - small[k] - borrow;
            borrow = s < 0;
            r[k] = s + 10 * borrow;
        }
    }
    int top = W;
    while (top >= 0 && r[top] == 0)
        top--;
    if (top < 0) {
        strcpy(out, "0");
        return;
    }
    char *p = out;
    if (neg) *p++ = '-';
    for (int k = top; k >= 0; k--)
        *p++ = (char)('0' + r[k]);
    sprintf(p, "E%d", lo);
}

/* Keys compare as byte strings; a proper prefix sorts first. */
static int key_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c) return sgn(c);
    return alen < blen ? -1 : alen > blen;
}

static void test_property(void)
{
    enum { PAIRS = 120000 };
    long fails = 0, add_ok = 0, add_err = 0, ld_checked = 0;
    for (int iter = 0; iter < PAIRS && fails < 20; iter++) {
        oracle_t oa, ob;
        oracle_random(&oa, NULL);
        oracle_random(&ob, &oa);
        const oracle_t *os[2] = {&oa, &ob};
        number_t n[2];
        char text[2][700], plain[2][NUMBER_MAX_TEXT + 8];
        uint8_t key[2][NUMBER_MAX_KEY];
        size_t klen[2];
        bool bad = false;

        for (int k = 0; k < 2; k++) {
            char buf[NUMBER_MAX_TEXT];
            number_t back;
            size_t used;
            oracle_text(os[k], text[k]);
            oracle_plain(os[k], plain[k]);
            if (parse_str(text[k], &n[k]) != NUMBER_OK) {
                fprintf(stderr, "  parse \"%s\" failed\n", text[k]);
                bad = true;
                continue;
            }
            size_t len = number_format(&n[k], buf);
            if (strcmp(buf, plain[k]) != 0 || len != strlen(buf)) {
                fprintf(stderr, "  \"%s\" formats as \"%s\", want \"%s\"\n", text[k], buf,
                        plain[k]);
                bad = true;
            }
            if (parse_str(buf, &back) != NUMBER_OK || !same(&back, &n[k])) {
                fprintf(stderr, "  format/parse round trip of \"%s\"\n", text[k]);
                bad = true;
            }
            klen[k] = number_encode_key(&n[k], key[k]);
            if (klen[k] > NUMBER_MAX_KEY || !number_decode_key(key[k], klen[k], &back, &used) ||
                used != klen[k] || !same(&back, &n[k])) {
                fprintf(stderr, "  key round trip of \"%s\"\n", text[k]);
                bad = true;
            }
        }
        if (bad) {
            fails++;
            continue;
        }

        /* Ordering: number_compare, the keys and the oracle agree. */
        int want = oracle_compare(&oa, &ob);
        int got = sgn(number_compare(&n[0], &n[1]));
        int keys = key_compare(key[0], klen[0], key[1], klen[1]);
        if (got != want || keys != want || sgn(number_compare(&n[1], &n[0])) != -want) {
            fprintf(stderr, "  compare \"%s\" \"%s\": got %d keys %d want %d\n", text[0], text[1],
                    got, keys, want);
            bad = true;
        }
        /* And long double, where its 64-bit mantissa is unambiguous. */
        long double la = strtold(plain[0], NULL), lb = strtold(plain[1], NULL);
        long double scale = la < 0 ? -la : la, diff = la - lb;
        if (lb > scale || -lb > scale) scale = lb < 0 ? -lb : lb;
        if (diff < 0) diff = -diff;
        if (diff > scale * 1e-15L) {
            ld_checked++;
            if ((la < lb ? -1 : 1) != want) {
                fprintf(stderr, "  long double disagrees on \"%s\" \"%s\"\n", text[0], text[1]);
                bad = true;
            }
        }

        /* Exact addition: the status and value parse would give the exact
         * sum's text. */
        char sum_text[800];
        number_t want_sum, got_sum, got_diff;
        oracle_add_text(&oa, &ob, sum_text);
        number_status_t want_st = parse_str(sum_text, &want_sum);
        number_status_t st = number_add(&n[0], &n[1], &got_sum);
        if (st != want_st || (st == NUMBER_OK && !same(&got_sum, &want_sum))) {
            fprintf(stderr, "  \"%s\" + \"%s\" = %s: got status %d, want %d\n", text[0], text[1],
                    sum_text, st, want_st);
            bad = true;
        }
        st == NUMBER_OK ? add_ok++ : add_err++;
        /* a - b through the oracle with b negated. */
        oracle_t nb = ob;
        nb.neg = nb.nd ? !ob.neg : false;
        oracle_add_text(&oa, &nb, sum_text);
        want_st = parse_str(sum_text, &want_sum);
        st = number_sub(&n[0], &n[1], &got_diff);
        if (st != want_st || (st == NUMBER_OK && !same(&got_diff, &want_sum))) {
            fprintf(stderr, "  \"%s\" - \"%s\" = %s: got status %d, want %d\n", text[0], text[1],
                    sum_text, st, want_st);
            bad = true;
        }
        /* x - x is canonical zero. */
        if (number_sub(&n[0], &n[0], &got_diff) != NUMBER_OK || got_diff.coef != 0 ||
            got_diff.exp != 0 || got_diff.neg) {
            fprintf(stderr, "  \"%s\" - itself is not zero\n", text[0]);
            bad = true;
        }
        if (bad) fails++;
    }
    CHECK(fails == 0);
    /* The generator must exercise both outcomes of addition and the
     * long double cross-check. */
    CHECK(add_ok > PAIRS / 10 && add_err > PAIRS / 10 && ld_checked > PAIRS / 2);
}

/* Random int64 values survive the round trip and match snprintf. */
static void test_int64_random(void)
{
    char buf[NUMBER_MAX_TEXT], want[32];
    for (int i = 0; i < 20000; i++) {
        int64_t v = (int64_t)rng();
        v >>= rng_range(0, 63);
        if (rng_range(0, 3) == 0) v = v / 1000 * 1000;
        number_t n;
        int64_t back;
        number_from_int64(v, &n);
        snprintf(want, sizeof(want), "%lld", (long long)v);
        CHECK_STR(fmt(n, buf), want);
        CHECK(number_to_int64(&n, &back) && back == v);
    }
}

int main(void)
{
    RUN(test_parse_valid);
    RUN(test_parse_invalid);
    RUN(test_parse_limits);
    RUN(test_parse_long);
    RUN(test_format);
    RUN(test_compare);
    RUN(test_add);
    RUN(test_key);
    RUN(test_int64);
    RUN(test_int64_random);
    RUN(test_property);
    return unit_report("number");
}
