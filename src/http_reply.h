/* http_reply: the head of an HTTP/1.1 response this server reads as a
 * client (no I/O): a peer region's answers, the leader's to a forwarded
 * call, a node's to the cluster admin command.
 *
 * The other end may be anything that listens where a peer is expected, so
 * nothing it sends is taken on trust: the head must be complete within
 * HTTP_REPLY_MAX_HEAD bytes, the status line "HTTP/1.x NNN ...", every
 * header line "name: value", and the body's length given by exactly one
 * Content-Length of decimal digits, at most the caller's limit (the bytes
 * are read into memory).  Transfer-Encoding (chunked) is refused: no ddbd
 * sends it.  Content-Encoding names the body's coding (http_body.h).
 *
 * Worked example: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" gives
 * status 200, head_len 38, body_len 2, identity coding.
 */
#ifndef DDBD_HTTP_REPLY_H
#define DDBD_HTTP_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "http_body.h"

#define HTTP_REPLY_MAX_HEAD 16384

typedef enum {
    HTTP_REPLY_OK = 0,    /* the head is complete and well formed */
    HTTP_REPLY_MORE = 1,  /* not complete yet (and within the head's limit) */
    HTTP_REPLY_BAD = -1,  /* malformed, too long, or a body over the limit */
} http_reply_status_t;

typedef struct {
    int status;        /* 100..999 */
    size_t head_len;   /* the body starts here */
    size_t body_len;
    http_coding_t coding;
} http_reply_t;

/* Reads the head at data[0..len) (the bytes received so far; the body's
 * may follow). */
http_reply_status_t http_reply_head(const char *data, size_t len, size_t max_body,
                                    http_reply_t *out);

#endif
