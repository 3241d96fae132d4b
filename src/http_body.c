/* http_body: inflating request bodies with zlib into the request's arena;
 * see http_body.h. */
#include "http_body.h"

#include <string.h>
#include <zlib.h>

/* zlib's state and window come from the arena too: freed with the request. */
static void *zlib_arena_alloc(void *opaque, uInt items, uInt size)
{
    return arena_alloc(opaque, (size_t)items * size);
}

static void zlib_arena_free(void *opaque, void *p) { (void)opaque, (void)p; }

http_body_status_t http_body_gunzip(arena_t *a, const char *in, size_t in_len, size_t max,
                                    const char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = zlib_arena_alloc;
    zs.zfree = zlib_arena_free;
    zs.opaque = a;
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return HTTP_BODY_CORRUPT;
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
            if (zs.avail_in == 0) break;
            /* another gzip member follows */
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
