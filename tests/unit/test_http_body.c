/* test_http_body: content codings (src/http_body.c): Content-Encoding
 * values; inflating gzip (one and several members, bytes after a member)
 * and deflate (zlib format only) bodies, large ones, every kind of
 * corruption (bad magic, bad CRC, truncation at every length, an empty
 * body), the size limit exactly at it and far past it (a gzip bomb);
 * choosing a response coding from Accept-Encoding; compressing. */
#include <stdlib.h>
#include <zlib.h>

#include "http_body.h"
#include "unit.h"

/* data compressed with zlib's deflate; windowBits picks the wrapper
 * (16 + 15: gzip, 15: zlib, -15: raw).  Returns a malloc'd buffer. */
static unsigned char *deflate_with(const void *data, size_t len, int window_bits, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    size_t cap = deflateBound(&zs, len) + 64;
    unsigned char *out = malloc(cap);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) abort();
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static unsigned char *gzip_of(const char *s, size_t len, size_t *out_len)
{
    return deflate_with(s, len, 16 + MAX_WBITS, out_len);
}

/* Inflates in[0..n) from an exact-size heap copy (the sanitizer catches an overread). */
static http_body_status_t gunzip(arena_t *a, const unsigned char *in, size_t n, size_t max,
                                 const char **out, size_t *out_len)
{
    char *copy = arena_alloc(a, n ? n : 1);
    memcpy(copy, in, n);
    return http_body_decode(a, HTTP_CODING_GZIP, copy, n, max, out, out_len);
}

static void test_gzip_round_trip(void)
{
    arena_t *a = arena_new(0);
    const char json[] = "{\"TableName\":\"t\",\"Key\":{\"pk\":{\"S\":\"k1\"}}}";
    size_t zlen;
    unsigned char *z = gzip_of(json, sizeof json - 1, &zlen);
    const char *out = NULL;
    size_t out_len = 0;
    CHECK(gunzip(a, z, zlen, 1 << 20, &out, &out_len) == HTTP_BODY_OK);
    CHECK(out_len == sizeof json - 1 && memcmp(out, json, out_len) == 0);
    free(z);
    arena_free(a);
}

/* RFC 1952: a gzip file may hold several members, inflated one after another. */
static void test_gzip_several_members(void)
{
    arena_t *a = arena_new(0);
    size_t l1, l2;
    unsigned char *m1 = gzip_of("{\"Tab", 5, &l1), *m2 = gzip_of("leName\":\"x\"}", 12, &l2);
    unsigned char *both = malloc(l1 + l2);
    memcpy(both, m1, l1);
    memcpy(both + l1, m2, l2);
    const char *out;
    size_t out_len;
    CHECK(gunzip(a, both, l1 + l2, 1 << 20, &out, &out_len) == HTTP_BODY_OK);
    CHECK(out_len == 17 && memcmp(out, "{\"TableName\":\"x\"}", 17) == 0);
    free(m1), free(m2), free(both);
    arena_free(a);
}

/* The gzip of nothing is fine; no bytes at all are not gzip. */
static void test_gzip_of_nothing(void)
{
    arena_t *a = arena_new(0);
    size_t zlen;
    unsigned char *z = gzip_of("", 0, &zlen);
    const char *out;
    size_t out_len = 99;
    CHECK(gunzip(a, z, zlen, 1 << 20, &out, &out_len) == HTTP_BODY_OK);
    CHECK(out_len == 0);
    CHECK(gunzip(a, z, 0, 1 << 20, &out, &out_len) == HTTP_BODY_CORRUPT);
    CHECK(http_body_decode(a, HTTP_CODING_DEFLATE, "", 0, 1 << 20, &out, &out_len) ==
          HTTP_BODY_CORRUPT);
    free(z);
    arena_free(a);
}

/* Larger than any first guess of the output size: the buffer grows. */
static void test_gzip_large(void)
{
    arena_t *a = arena_new(0);
    size_t n = 5 * 1024 * 1024;
    char *big = malloc(n);
    unsigned s = 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        big[i] = (char)('a' + (i % 7 == 0 ? (s >> 16) % 26 : 0));
    }
    size_t zlen;
    unsigned char *z = gzip_of(big, n, &zlen);
    const char *out;
    size_t out_len;
    CHECK(gunzip(a, z, zlen, 16 << 20, &out, &out_len) == HTTP_BODY_OK);
    CHECK(out_len == n && memcmp(out, big, n) == 0);
    free(z), free(big);
    arena_free(a);
}

static void test_gzip_limit(void)
{
    arena_t *a = arena_new(0);
    size_t n = 100000;
    char *text = malloc(n);
    memset(text, 'x', n);
    size_t zlen;
    unsigned char *z = gzip_of(text, n, &zlen);
    const char *out;
    size_t out_len;
    CHECK(gunzip(a, z, zlen, n, &out, &out_len) == HTTP_BODY_OK); /* exactly the limit */
    CHECK(out_len == n);
    CHECK(gunzip(a, z, zlen, n - 1, &out, &out_len) == HTTP_BODY_TOO_LARGE);
    free(z), free(text);
    arena_free(a);
}

/* 1 GiB of zeros compresses to about 1 MB; it is refused once the output
 * passes the limit, long before 1 GiB is allocated. */
static void test_gzip_bomb(void)
{
    arena_t *a = arena_new(0);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
    static char zeros[1 << 20];
    size_t cap = 2 << 20, used = 0;
    unsigned char *z = malloc(cap);
    for (int i = 0; i < 1024; i++) {
        zs.next_in = (Bytef *)zeros;
        zs.avail_in = sizeof zeros;
        do {
            zs.next_out = z + used;
            zs.avail_out = (uInt)(cap - used);
            deflate(&zs, i == 1023 ? Z_FINISH : Z_NO_FLUSH);
            used = cap - zs.avail_out;
        } while (zs.avail_in > 0);
    }
    deflateEnd(&zs);
    const char *out;
    size_t out_len;
    CHECK(http_body_decode(a, HTTP_CODING_GZIP, (const char *)z, used, 16 << 20, &out,
                           &out_len) == HTTP_BODY_TOO_LARGE);
    free(z);
    arena_free(a);
}

static void test_gzip_corrupt(void)
{
    arena_t *a = arena_new(0);
    const char json[] = "{\"TableName\":\"some-table-name\"}";
    size_t zlen;
    unsigned char *z = gzip_of(json, sizeof json - 1, &zlen);
    const char *out;
    size_t out_len;
    /* every truncation, down to nothing */
    for (size_t n = 0; n < zlen; n++)
        CHECK(gunzip(a, z, n, 1 << 20, &out, &out_len) == HTTP_BODY_CORRUPT);
    /* a wrong magic number */
    unsigned char *bad = malloc(zlen + 8);
    memcpy(bad, z, zlen);
    bad[0] ^= 0xff;
    CHECK(gunzip(a, bad, zlen, 1 << 20, &out, &out_len) == HTTP_BODY_CORRUPT);
    /* a wrong CRC-32 in the trailer */
    memcpy(bad, z, zlen);
    bad[zlen - 8] ^= 0x01;
    CHECK(gunzip(a, bad, zlen, 1 << 20, &out, &out_len) == HTTP_BODY_CORRUPT);
    /* a wrong length in the trailer */
    memcpy(bad, z, zlen);
    bad[zlen - 1] ^= 0x01;
    CHECK(gunzip(a, bad, zlen, 1 << 20, &out, &out_len) == HTTP_BODY_CORRUPT);
    /* a second member that is corrupt */
    memcpy(bad, z, zlen);
    memcpy(bad + zlen, "\x1f\x8b\x08\x00zzzz", 8);
    CHECK(gunzip(a, bad, zlen + 8, 1 << 20, &out, &out_len) == HTTP_BODY_CORRUPT);
    /* plain JSON is not gzip */
    CHECK(gunzip(a, (const unsigned char *)json, sizeof json - 1, 1 << 20, &out, &out_len) ==
          HTTP_BODY_CORRUPT);
    free(z), free(bad);
    arena_free(a);
}

/* Bytes after a complete member that do not open another one are ignored,
 * as gzip(1) does. */
static void test_gzip_trailing_bytes_ignored(void)
{
    arena_t *a = arena_new(0);
    const char json[] = "{\"TableName\":\"t\"}";
    size_t zlen;
    unsigned char *z = gzip_of(json, sizeof json - 1, &zlen);
    unsigned char *more = malloc(zlen + 8);
    memcpy(more, z, zlen);
    memcpy(more + zlen, "garbage!", 8);
    const char *out;
    size_t out_len;
    for (size_t extra = 1; extra <= 8; extra++) {
        CHECK(gunzip(a, more, zlen + extra, 1 << 20, &out, &out_len) == HTTP_BODY_OK);
        CHECK(out_len == sizeof json - 1 && memcmp(out, json, out_len) == 0);
    }
    more[zlen] = 0x1f; /* the magic's first byte alone opens nothing */
    CHECK(gunzip(a, more, zlen + 1, 1 << 20, &out, &out_len) == HTTP_BODY_OK);
    free(z), free(more);
    arena_free(a);
}

static void test_deflate(void)
{
    arena_t *a = arena_new(0);
    const char json[] = "{\"TableName\":\"deflated\",\"Key\":{\"pk\":{\"S\":\"k\"}}}";
    size_t zlen;
    unsigned char *z = deflate_with(json, sizeof json - 1, MAX_WBITS, &zlen);
    char *copy = malloc(zlen);
    memcpy(copy, z, zlen);
    const char *out;
    size_t out_len;
    CHECK(http_body_decode(a, HTTP_CODING_DEFLATE, copy, zlen, 1 << 20, &out, &out_len) ==
          HTTP_BODY_OK);
    CHECK(out_len == sizeof json - 1 && memcmp(out, json, out_len) == 0);
    CHECK(http_body_decode(a, HTTP_CODING_DEFLATE, copy, zlen, 10, &out, &out_len) ==
          HTTP_BODY_TOO_LARGE);
    for (size_t n = 1; n < zlen; n++)
        CHECK(http_body_decode(a, HTTP_CODING_DEFLATE, copy, n, 1 << 20, &out, &out_len) ==
              HTTP_BODY_CORRUPT);
    copy[zlen - 1] ^= 1; /* the Adler-32 */
    CHECK(http_body_decode(a, HTTP_CODING_DEFLATE, copy, zlen, 1 << 20, &out, &out_len) ==
          HTTP_BODY_CORRUPT);
    free(z), free(copy);
    /* raw deflate (no zlib header) and gzip are not the deflate coding */
    z = deflate_with(json, sizeof json - 1, -MAX_WBITS, &zlen);
    CHECK(http_body_decode(a, HTTP_CODING_DEFLATE, (const char *)z, zlen, 1 << 20, &out,
                           &out_len) == HTTP_BODY_CORRUPT);
    free(z);
    z = gzip_of(json, sizeof json - 1, &zlen);
    CHECK(http_body_decode(a, HTTP_CODING_DEFLATE, (const char *)z, zlen, 1 << 20, &out,
                           &out_len) == HTTP_BODY_CORRUPT);
    free(z);
    /* identity: the body as it is */
    CHECK(http_body_decode(a, HTTP_CODING_IDENTITY, json, 5, 1 << 20, &out, &out_len) ==
          HTTP_BODY_OK);
    CHECK(out == json && out_len == 5);
    arena_free(a);
}

static void test_coding_names(void)
{
    CHECK(http_body_coding("gzip", 4) == HTTP_CODING_GZIP);
    CHECK(http_body_coding(" GZip ", 6) == HTTP_CODING_GZIP);
    CHECK(http_body_coding("deflate", 7) == HTTP_CODING_DEFLATE);
    CHECK(http_body_coding("identity", 8) == HTTP_CODING_IDENTITY);
    CHECK(http_body_coding("", 0) == HTTP_CODING_IDENTITY);
    CHECK(http_body_coding("  ", 2) == HTTP_CODING_IDENTITY);
    const char *bad[] = {"br", "x-gzip", "gzip, gzip", "gzip,deflate", "compress", "zstd",
                         "gzipx", "gzi", "garbage", "\"gzip\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(http_body_coding(bad[i], strlen(bad[i])) == HTTP_CODING_UNSUPPORTED);
}

static http_coding_t accepted(const char *v) { return http_body_accepted(v, strlen(v)); }

/* Choosing a response coding (the rules: http_body.h). */
static void test_accept_encoding(void)
{
    const http_coding_t G = HTTP_CODING_GZIP, D = HTTP_CODING_DEFLATE, N = HTTP_CODING_IDENTITY;
    struct {
        const char *value;
        http_coding_t want;
    } cases[] = {
        {"gzip", G}, {"deflate", D}, {"identity", N}, {"", N}, {"br", N}, {"zstd", N},
        {"compress", N}, {"x-gzip", N}, {"gzip, deflate", G}, {"br, identity, deflate, gzip", D},
        {"GZIP, identity", G}, {"dog, gzip ,, cat", G}, {"gzip;q=0.8, deflate;q=0.5", G},
        {"br, gzip;q=0, deflate; q = 0.5 , identity;q=0", D}, {"*", G},
        {"*, deflate;q=0.5", G}, {"*, deflate", D}, {"*, identity", G}, {"*, gzip;q=0.5", D},
        {"gzip ;q=0", N}, {"identity;q=0", N}, {"*;q=0", N}, {"*;q=0.5,identity", G},
        {"gzip;q=0.5,identity;q=0.8", G}, {"br;q=0.8,identity;q=0.5,*;q=0", N},
        {"\"gzip\"", N}, {"gzip br", N}, {"gzip:q=1", N},
        {"deflate;q=0.5, gzip;q=31", G}, {"gzip;q=31,deflate;q=51", G},
        {"deflate;q=0.5, gzip;q=0.2", D}, {"deflate;q=0.5, gzip;q=1;q=0.2", G},
        {"deflate;q=0.5,gzip;q=0.", D}, {"deflate;q=0.5,gzip;q=0.x", G},
        {"deflate;q=-0.5,gzip;q=0.2", G}, {"gzip;nq=1;q=0 ", N},
        {"gzip;q=0, gzip;q=1, gzip;q=0", G}, {"br,identity;q=0.5,gzip;q=0.0001", G},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_coding_t got = accepted(cases[i].value);
        if (got != cases[i].want) {
            fprintf(stderr, "Accept-Encoding \"%s\": got %d, want %d\n", cases[i].value, got,
                    cases[i].want);
            unit_current_failed = 1;
        }
    }
}

/* What is compressed inflates back, in both codings, small and large. */
static void test_encode_round_trip(void)
{
    arena_t *a = arena_new(0);
    size_t sizes[] = {0, 1, 4096, 1 << 20};
    http_coding_t codings[] = {HTTP_CODING_GZIP, HTTP_CODING_DEFLATE};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *text = malloc(sizes[i] + 1);
        for (size_t k = 0; k < sizes[i]; k++) text[k] = (char)('a' + (k * 7 + k / 13) % 26);
        for (size_t j = 0; j < 2; j++) {
            const char *z, *back;
            size_t zlen, back_len;
            CHECK(http_body_encode(a, codings[j], text, sizes[i], &z, &zlen) == 0);
            CHECK(zlen > 0);
            if (sizes[i] >= 4096) CHECK(zlen < sizes[i] / 2);
            if (codings[j] == HTTP_CODING_GZIP)
                CHECK((unsigned char)z[0] == 0x1f && (unsigned char)z[1] == 0x8b);
            CHECK(http_body_decode(a, codings[j], z, zlen, sizes[i] + 1, &back, &back_len) ==
                  HTTP_BODY_OK);
            CHECK(back_len == sizes[i] && memcmp(back, text, sizes[i]) == 0);
            /* zlib itself agrees (uncompress reads the zlib format) */
            if (codings[j] == HTTP_CODING_DEFLATE && sizes[i]) {
                uLongf n = (uLongf)sizes[i];
                char *check = malloc(sizes[i]);
                CHECK(uncompress((Bytef *)check, &n, (const Bytef *)z, zlen) == Z_OK);
                CHECK(n == sizes[i] && memcmp(check, text, n) == 0);
                free(check);
            }
        }
        free(text);
        arena_reset(a);
    }
    arena_free(a);
}

/* A zlib-wrapped or raw deflate stream is not gzip. */
static void test_gzip_rejects_other_wrappers(void)
{
    arena_t *a = arena_new(0);
    const char json[] = "{\"TableName\":\"t\"}";
    const char *out;
    size_t out_len, zlen;
    unsigned char *zl = deflate_with(json, sizeof json - 1, MAX_WBITS, &zlen);
    CHECK(gunzip(a, zl, zlen, 1 << 20, &out, &out_len) == HTTP_BODY_CORRUPT);
    free(zl);
    unsigned char *raw = deflate_with(json, sizeof json - 1, -MAX_WBITS, &zlen);
    CHECK(gunzip(a, raw, zlen, 1 << 20, &out, &out_len) == HTTP_BODY_CORRUPT);
    free(raw);
    arena_free(a);
}

int main(void)
{
    RUN(test_gzip_round_trip);
    RUN(test_gzip_several_members);
    RUN(test_gzip_of_nothing);
    RUN(test_gzip_large);
    RUN(test_gzip_limit);
    RUN(test_gzip_bomb);
    RUN(test_gzip_corrupt);
    RUN(test_gzip_rejects_other_wrappers);
    RUN(test_gzip_trailing_bytes_ignored);
    RUN(test_deflate);
    RUN(test_coding_names);
    RUN(test_accept_encoding);
    RUN(test_encode_round_trip);
    return unit_report("http_body");
}
