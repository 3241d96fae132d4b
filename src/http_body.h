/* http_body: content codings of request bodies (no I/O).
 *
 * Inflates a body sent with Content-Encoding into memory of the request's
 * arena, never past a limit (a small body may inflate to gigabytes: the
 * limit is checked as the output grows, so memory stays within it).
 */
#ifndef DDBD_HTTP_BODY_H
#define DDBD_HTTP_BODY_H

#include <stddef.h>

#include "arena.h"

typedef enum {
    HTTP_BODY_OK = 0,
    HTTP_BODY_CORRUPT = -1,   /* not a valid stream of the coding, or truncated */
    HTTP_BODY_TOO_LARGE = -2, /* it inflates to more than the limit */
} http_body_status_t;

/* Inflates a gzip body (one or more members, as RFC 1952 allows) of
 * in_len bytes into the arena: *out, *out_len on HTTP_BODY_OK. */
http_body_status_t http_body_gunzip(arena_t *a, const char *in, size_t in_len, size_t max,
                                    const char **out, size_t *out_len);

#endif
