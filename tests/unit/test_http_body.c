/* test_http_body: inflating request bodies (src/http_body.c): gzip of one
 * and several members, empty and large bodies, every kind of corruption
 * (bad magic, bad CRC, truncation at every length, trailing garbage), and
 * the size limit, exactly at it and far past it (a gzip bomb). */
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
    return http_body_gunzip(a, copy, n, max, out, out_len);
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

static void test_gzip_of_nothing(void)
{
    arena_t *a = arena_new(0);
    size_t zlen;
    unsigned char *z = gzip_of("", 0, &zlen);
    const char *out;
    size_t out_len = 99;
    CHECK(gunzip(a, z, zlen, 1 << 20, &out, &out_len) == HTTP_BODY_OK);
    CHECK(out_len == 0);
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
    CHECK(http_body_gunzip(a, (const char *)z, used, 16 << 20, &out, &out_len) ==
          HTTP_BODY_TOO_LARGE);
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
    /* garbage after a complete member */
    memcpy(bad, z, zlen);
    memcpy(bad + zlen, "garbage!", 8);
    CHECK(gunzip(a, bad, zlen + 8, 1 << 20, &out, &out_len) == HTTP_BODY_CORRUPT);
    /* plain JSON is not gzip */
    CHECK(gunzip(a, (const unsigned char *)json, sizeof json - 1, 1 << 20, &out, &out_len) ==
          HTTP_BODY_CORRUPT);
    free(z), free(bad);
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
    return unit_report("http_body");
}
