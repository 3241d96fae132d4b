/* http_response: the HTTP/1.1 response writer (no I/O).
 *
 * Appends one whole response -- status line, headers, body -- to a buffer.
 * Every response carries what the service's responses carry: Server (the
 * service's says "Server"), Date,
 * an x-amzn-RequestId (52 upper-case letters and digits, unique, not
 * secret), x-amz-crc32 (CRC-32 of the body bytes as sent, unsigned
 * decimal), Content-Length; and, when asked, Content-Type, Connection and
 * the CORS headers a browser needs: to a page of any origin, the headers
 * the SDKs read are exposed (the service's list, and x-amz-crc32 so that a
 * browser's SDK can check it); a preflight is allowed what it asks for.  A writer holds what it reuses between
 * responses (the formatted date of the current second, the request-id
 * generator): one per thread, no locking.
 */
#ifndef DDBD_HTTP_RESPONSE_H
#define DDBD_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "http.h"

#define HTTP_REQUEST_ID_LEN 52
#define HTTP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

typedef struct {
    uint64_t rng; /* request ids */
    time_t date_sec;
    char date[32]; /* "Sun, 06 Nov 1994 08:49:37 GMT" of date_sec */
} http_writer_t;

typedef struct {
    int status;
    const char *content_type;     /* NULL: none */
    const char *content_encoding; /* of the body as given ("gzip"), NULL: none */
    const char *body;
    size_t body_len;
    bool head_only; /* HEAD: the length of the body, not the body */
    bool close;     /* Connection: close */
    bool ka_header; /* Connection: keep-alive, for an HTTP/1.0 client */
    bool cors;      /* the request came from a browser page (Origin) */
    bool preflight; /* a CORS preflight's answer: the methods and headers allowed */
    const char *allow_methods; /* preflight: Access-Control-Request-Method, NULL: none */
    size_t allow_methods_len;
    const char *allow_headers; /* preflight: Access-Control-Request-Headers, NULL: none */
    size_t allow_headers_len;
} http_response_t;

/* A writer whose request ids start from seed (any value). */
void http_writer_init(http_writer_t *w, uint64_t seed);

/* Appends the response r to out. */
void http_response_write(http_writer_t *w, buf_t *out, const http_response_t *r);

/* The status a parser error is answered with (413, 431, 505, else 400). */
int http_response_status_of(http_status_t st);

/* "OK", "Not Found"... ("Unknown" for a status this server never sends). */
const char *http_response_reason(int status);

#endif
