/* http: an incremental HTTP/1.1 request parser (no I/O, no allocation).
 *
 * The server feeds it the bytes received so far on a connection; it answers
 * "need more", "here is one complete request of N bytes" or an error.  Only
 * what a DynamoDB endpoint needs: request line, headers, Content-Length or
 * chunked bodies.  Header values point into the caller's buffer.
 */
#ifndef DDBD_HTTP_H
#define DDBD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_HEADER_BYTES (64 * 1024) /* request line + headers */
#define HTTP_MAX_HEADERS 100

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
    HTTP_ERR_BAD_REQUEST = -1,   /* malformed: answer 400 and close */
    HTTP_ERR_TOO_LARGE = -2,     /* headers or body over the limit: 413 and close */
    HTTP_ERR_BAD_VERSION = -3,   /* not HTTP/1.x: 505 and close */
} http_status_t;

/* Parse one request from buf[0..len).  On HTTP_COMPLETE, *consumed is the
 * number of bytes the whole request (head + body) occupied.  max_body is the
 * largest body accepted.  May modify buf (chunked bodies). */
http_status_t http_parse_request(char *buf, size_t len, size_t max_body, http_request_t *req,
                                 size_t *consumed);

/* Case-insensitive header lookup; NULL when absent. */
const http_header_t *http_request_header(const http_request_t *req, const char *name);

#endif
