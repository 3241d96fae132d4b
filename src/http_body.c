/* http_body: inflating request bodies and deflating responses with zlib,
 * in the request's arena; choosing a response coding; see http_body.h. */
#include "http_body.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "http.h"

#define GZIP_WINDOW (16 + MAX_WBITS) /* zlib's window bits for the gzip wrapper */

/* zlib's state and window come from the arena too: freed with the request. */
static void *zlib_arena_alloc(void *opaque, uInt items, uInt size)
{
    return arena_alloc(opaque, (size_t)items * size);
}

static void zlib_arena_free(void *opaque, void *p) { (void)opaque, (void)p; }

static void zlib_arena_init(z_stream *zs, arena_t *a)
{
    memset(zs, 0, sizeof *zs);
    zs->zalloc = zlib_arena_alloc;
    zs->zfree = zlib_arena_free;
    zs->opaque = a;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* s[*b..*e) without the blanks around it. */
static void trim(const char *s, size_t *b, size_t *e)
{
    while (*b < *e && is_blank(s[*b])) (*b)++;
    while (*e > *b && is_blank(s[*e - 1])) (*e)--;
}

http_coding_t http_body_coding(const char *value, size_t len)
{
    size_t b = 0, e = len;
    trim(value, &b, &e);
    if (b == e || http_token_ieq(value + b, e - b, "identity")) return HTTP_CODING_IDENTITY;
    if (http_token_ieq(value + b, e - b, "gzip")) return HTTP_CODING_GZIP;
    if (http_token_ieq(value + b, e - b, "deflate")) return HTTP_CODING_DEFLATE;
    return HTTP_CODING_UNSUPPORTED;
}

/* After a complete gzip member: another follows only if the next bytes
 * open one (the magic 1f 8b); anything else is ignored, as gzip(1) does. */
static bool gzip_member_follows(const z_stream *zs)
{
    return zs->avail_in >= 2 && zs->next_in[0] == 0x1f && zs->next_in[1] == 0x8b;
}

http_body_status_t http_body_decode(arena_t *a, http_coding_t coding, const char *in,
                                    size_t in_len, size_t max, const char **out,
                                    size_t *out_len)
{
    if (coding == HTTP_CODING_IDENTITY) {
        *out = in;
        *out_len = in_len;
        return HTTP_BODY_OK;
    }
    if (coding != HTTP_CODING_GZIP && coding != HTTP_CODING_DEFLATE) return HTTP_BODY_CORRUPT;
    if (in_len == 0) return HTTP_BODY_CORRUPT;
    z_stream zs;
    zlib_arena_init(&zs, a);
    if (inflateInit2(&zs, coding == HTTP_CODING_GZIP ? GZIP_WINDOW : MAX_WBITS) != Z_OK)
        return HTTP_BODY_CORRUPT;
    size_t cap = in_len < max / 4 ? in_len * 4 : max + 1;
    if (cap < 4096) cap = 4096;
    char *buf = arena_alloc(a, cap);
    size_t produced = 0;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)in_len;
    for (;;) {
        zs.next_out = (Bytef *)buf + produced;
        zs.avail_out = (uInt)(cap - produced);
        int rc = inflate(&zs, Z_NO_FLUSH);
        produced = (size_t)((char *)zs.next_out - buf);
        if (produced > max) return HTTP_BODY_TOO_LARGE;
        if (rc == Z_STREAM_END) {
            if (coding != HTTP_CODING_GZIP || !gzip_member_follows(&zs)) break;
            if (inflateReset(&zs) != Z_OK) return HTTP_BODY_CORRUPT;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) return HTTP_BODY_CORRUPT;
        if (zs.avail_out == 0) {
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            buf = arena_realloc(a, buf, produced, ncap);
            cap = ncap;
        } else if (zs.avail_in == 0) {
            return HTTP_BODY_CORRUPT; /* truncated */
        } else if (rc == Z_BUF_ERROR) {
            return HTTP_BODY_CORRUPT;
        }
    }
    *out = buf;
    *out_len = produced;
    return HTTP_BODY_OK;
}

/* The quality of one Accept-Encoding element's parameters p[0..n), e.g.
 * ";q=0.5": the first q counts; 1 without one or when it is no number. */
static double accept_quality(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t b = i + 1, e = b; /* past the ';' */
        while (e < n && p[e] != ';') e++;
        i = e;
        size_t eq = b;
        while (eq < e && p[eq] != '=') eq++;
        size_t nb = b, ne = eq;
        trim(p, &nb, &ne);
        if (eq == e || !http_token_ieq(p + nb, ne - nb, "q")) continue;
        size_t vb = eq + 1, ve = e;
        trim(p, &vb, &ve);
        char num[32];
        if (ve == vb || ve - vb >= sizeof num) return 1;
        memcpy(num, p + vb, ve - vb);
        num[ve - vb] = '\0';
        char *end;
        double q = strtod(num, &end);
        if (*end != '\0' || q != q) return 1;
        return q > 1 ? 1 : q;
    }
    return 1;
}

typedef struct {
    double q;  /* -1: not named */
    size_t at; /* position of the naming element */
} accept_entry_t;

http_coding_t http_body_accepted(const char *value, size_t len)
{
    accept_entry_t gz = {-1, 0}, df = {-1, 0};
    double star = -1;
    size_t i = 0, index = 0;
    while (i < len) {
        size_t b = i, e = i;
        while (e < len && value[e] != ',') e++;
        i = e + 1;
        size_t semi = b;
        while (semi < e && value[semi] != ';') semi++;
        size_t tb = b, te = semi;
        trim(value, &tb, &te);
        if (tb == te) continue;
        double q = accept_quality(value + semi, e - semi);
        accept_entry_t *named = http_token_ieq(value + tb, te - tb, "gzip")      ? &gz
                                : http_token_ieq(value + tb, te - tb, "deflate") ? &df
                                                                                 : NULL;
        if (named) {
            if (named->q < 0) named->at = index;
            if (q > named->q) named->q = q;
        } else if (te - tb == 1 && value[tb] == '*' && q > star) {
            star = q;
        }
        index++;
    }
    /* "*" stands for what is not named */
    double qg = gz.q >= 0 ? gz.q : star, qd = df.q >= 0 ? df.q : star;
    if (qg <= 0 && qd <= 0) return HTTP_CODING_IDENTITY;
    if (qg != qd) return qg > qd ? HTTP_CODING_GZIP : HTTP_CODING_DEFLATE;
    /* a tie: named before "*", then the first named, then gzip */
    if ((gz.q >= 0) != (df.q >= 0)) return gz.q >= 0 ? HTTP_CODING_GZIP : HTTP_CODING_DEFLATE;
    if (gz.q >= 0 && df.at < gz.at) return HTTP_CODING_DEFLATE;
    return HTTP_CODING_GZIP;
}

int http_body_encode(arena_t *a, http_coding_t coding, const char *in, size_t len,
                     const char **out, size_t *out_len)
{
    z_stream zs;
    zlib_arena_init(&zs, a);
    int window = coding == HTTP_CODING_GZIP ? GZIP_WINDOW : MAX_WBITS;
    if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&zs, (uLong)len);
    char *buf = arena_alloc(a, cap);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)buf;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH); /* the bound makes one call enough */
    if (rc != Z_STREAM_END) return -1;
    *out = buf;
    *out_len = cap - zs.avail_out;
    return 0;
}
