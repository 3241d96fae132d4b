/* http_body: content codings of bodies (no I/O).
 *
 * Requests: a body sent with Content-Encoding gzip (one or more members, as
 * RFC 1952 allows) or deflate (the zlib format, RFC 1950, as HTTP defines
 * it; raw deflate is not accepted) is inflated into memory of the request's
 * arena, never past a limit: a small body may inflate to gigabytes, so the
 * limit is checked as the output grows and memory stays within it.  Bytes
 * after a complete gzip member that do not open another member are ignored
 * (as many gzip readers do; what the service does is not published).
 *
 * Responses: Accept-Encoding chooses gzip, deflate or none by quality
 * (see http_body_accepted), and http_body_encode compresses.
 */
#ifndef DDBD_HTTP_BODY_H
#define DDBD_HTTP_BODY_H

#include <stddef.h>

#include "arena.h"

typedef enum {
    HTTP_CODING_IDENTITY = 0, /* none */
    HTTP_CODING_GZIP,
    HTTP_CODING_DEFLATE,
    HTTP_CODING_UNSUPPORTED, /* any other, or a list of several */
} http_coding_t;

typedef enum {
    HTTP_BODY_OK = 0,
    HTTP_BODY_CORRUPT = -1,   /* not a valid stream of the coding, or truncated */
    HTTP_BODY_TOO_LARGE = -2, /* it inflates to more than the limit */
} http_body_status_t;

/* The coding a Content-Encoding value names (case-insensitive; "identity"
 * and an empty value are none). */
http_coding_t http_body_coding(const char *value, size_t len);

/* Inflates a body of in_len bytes in the coding (gzip or deflate; none
 * copies nothing: *out = in) into the arena: *out, *out_len on
 * HTTP_BODY_OK.  An empty body is corrupt in either coding. */
http_body_status_t http_body_decode(arena_t *a, http_coding_t coding, const char *in,
                                    size_t in_len, size_t max, const char **out,
                                    size_t *out_len);

/* The coding to answer with, given an Accept-Encoding value: gzip or
 * deflate, whichever has the higher quality (q=0 refuses, a q over 1
 * counts as 1, one that is not a number as 1), named ones before "*", the
 * first named on a tie, gzip for "*" alone; identity when neither is
 * acceptable.  Elements that are not a bare token ("gzip br", "\"gzip\"")
 * match nothing. */
http_coding_t http_body_accepted(const char *value, size_t len);

/* Responses at least this long are compressed when the client accepts it:
 * about the service's threshold (4 KB, as its users report); below it the
 * bytes saved do not pay for the time (about 20 bytes of gzip framing, a
 * deflate state set up, and most small answers fit one TCP segment anyway). */
#define HTTP_BODY_COMPRESS_MIN 4096

/* Compresses in[0..len) with gzip or deflate (zlib format) into the arena,
 * at zlib's fastest level (the I/O thread does it): *out, *out_len.  0, or
 * -1 when zlib fails (out of memory). */
int http_body_encode(arena_t *a, http_coding_t coding, const char *in, size_t len,
                     const char **out, size_t *out_len);

#endif
