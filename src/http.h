/* http: an incremental HTTP/1.1 request parser (no I/O, no allocation).
 *
 * The server feeds it the bytes received so far on a connection; it answers
 * "need more", "here is one complete request of N bytes" or an error.  Only
 * what a DynamoDB endpoint needs: request line, headers, Content-Length or
 * chunked bodies.  Header values point into the caller's buffer.  The
 * caller sets the limits (head and body sizes); a chunked body's walk can be
 * resumed where the previous call stopped, so a body arriving in many small
 * reads costs time in proportion to its size, not to its size squared.
 */
#ifndef DDBD_HTTP_H
#define DDBD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define HTTP_MAX_HEADERS 100

typedef struct {
    size_t max_head; /* request line + headers; also the trailers of a chunked body */
    size_t max_body; /* the body (de-chunked) */
} http_limits_t;

/* How far the walk through an incomplete chunked body got: kept by the
 * caller between calls on the same request (its bytes unchanged, more
 * appended), all zero for a new request. */
typedef struct {
    size_t body_start;    /* 0: nothing to resume */
    size_t pos;           /* the next line to read: a chunk-size line or a trailer */
    size_t total;         /* body bytes in the chunks before pos */
    size_t trailer_start; /* 0 while in the chunks */
} http_progress_t;

typedef struct {
    const char *name;
    size_t name_len;
    const char *value; /* leading/trailing blanks trimmed */
    size_t value_len;
} http_header_t;

typedef struct {
    const char *method;
    size_t method_len;
    const char *path;
    size_t path_len;
    int minor_version; /* HTTP/1.<minor> */
    http_header_t headers[HTTP_MAX_HEADERS];
    size_t header_count;
    bool keep_alive;  /* after this request: HTTP/1.1 default yes, "Connection: close" no; 1.0 needs keep-alive */
    bool chunked;     /* Transfer-Encoding: chunked */
    /* The body.  For Content-Length bodies it points into the input buffer.
     * For chunked bodies the parser de-chunks in place inside the input
     * buffer (the data moves to lower addresses, the caller's buffer is
     * modified), and body points there. */
    const char *body;
    size_t body_len;
} http_request_t;

typedef enum {
    HTTP_INCOMPLETE = 0,
    HTTP_COMPLETE = 1,
    HTTP_ERR_BAD_REQUEST = -1,    /* malformed: answer 400 and close */
    HTTP_ERR_TOO_LARGE = -2,      /* body (or its chunk framing) over the limit: 413 and close */
    HTTP_ERR_BAD_VERSION = -3,    /* not HTTP/1.x: 505 and close */
    HTTP_ERR_HEAD_TOO_LARGE = -4, /* request line + headers (or trailers) over the limit, or
                                     more than HTTP_MAX_HEADERS fields: 431 and close */
} http_status_t;

/* Parse one request from buf[0..len).  On HTTP_COMPLETE, *consumed is the
 * number of bytes the whole request (head + body) occupied.  May modify buf
 * (chunked bodies).
 *
 * progress may be NULL.  Otherwise, on HTTP_INCOMPLETE inside a chunked
 * body it records how far the walk got, and a later call with the same
 * progress (and the same bytes, more appended) resumes there: it then
 * answers HTTP_INCOMPLETE without parsing the head again (*req left empty,
 * req->method NULL), or parses the whole request once it is complete.  The
 * answer is always the one a call without progress would give.  Zero it
 * for a new request. */
http_status_t http_parse_request(char *buf, size_t len, const http_limits_t *limits,
                                 http_progress_t *progress, http_request_t *req, size_t *consumed);

/* s[0..n) equals lit (lower case) ignoring ASCII case: header names and
 * tokens such as "gzip".  Inline: the server tests a few per request. */
static inline bool http_token_ieq(const char *s, size_t n, const char *lit)
{
    if (n != strlen(lit)) return false; /* folded to a constant for a literal */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (c != lit[i]) return false;
    }
    return true;
}

/* Case-insensitive header lookup; NULL when absent. */
const http_header_t *http_request_header(const http_request_t *req, const char *name);

#endif
