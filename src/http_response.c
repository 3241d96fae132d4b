/* http_response: status lines, headers and bodies into a buffer; see
 * http_response.h.  The whole response is sized first and written with
 * pointer stores, no formatting calls: it is on every request's path. */
#include "http_response.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Room for the status line and every fixed header (the request id, the
 * date, numbers); variable parts are added to it. */
#define HTTP_RESPONSE_HEAD_ROOM 640

static uint64_t writer_random(http_writer_t *w)
{
    /* splitmix64: request ids need to be unique, not secret */
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The coarse clock is read from memory, without a system call; the date
 * is formatted once a second. */
static const char *writer_date(http_writer_t *w)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != w->date_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        snprintf(w->date, sizeof w->date, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
        w->date_sec = ts.tv_sec;
    }
    return w->date;
}

static char *put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT_LIT(p, lit) put_str((p), (lit), sizeof(lit) - 1)

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) *p++ = tmp[--n];
    return p;
}

void http_writer_init(http_writer_t *w, uint64_t seed)
{
    memset(w, 0, sizeof *w);
    w->rng = seed;
    w->date_sec = -1;
}

/* The reason phrase and its length, folded to constants where inlined. */
#define REASON(code, text)                                                                         \
    case code: *len = sizeof(text) - 1; return text
static inline const char *reason_of(int status, size_t *len)
{
    switch (status) {
        REASON(200, "OK");
        REASON(400, "Bad Request");
        REASON(403, "Forbidden");
        REASON(404, "Not Found");
        REASON(405, "Method Not Allowed");
        REASON(408, "Request Timeout");
        REASON(413, "Request Entity Too Large");
        REASON(431, "Request Header Fields Too Large");
        REASON(500, "Internal Server Error");
        REASON(501, "Not Implemented");
        REASON(503, "Service Unavailable");
        REASON(505, "HTTP Version Not Supported");
    default: *len = 7; return "Unknown";
    }
}
#undef REASON

const char *http_response_reason(int status)
{
    size_t len;
    return reason_of(status, &len);
}

int http_response_status_of(http_status_t st)
{
    switch (st) {
    case HTTP_ERR_TOO_LARGE: return 413;
    case HTTP_ERR_HEAD_TOO_LARGE: return 431;
    case HTTP_ERR_BAD_VERSION: return 505;
    default: return 400;
    }
}

void http_response_write(http_writer_t *w, buf_t *out, const http_response_t *r)
{
    size_t rlen;
    const char *reason = reason_of(r->status, &rlen);
    size_t body = r->head_only ? 0 : r->body_len;
    buf_reserve(out, HTTP_RESPONSE_HEAD_ROOM + rlen + body);
    char *p = out->data + out->len;

    p = PUT_LIT(p, "HTTP/1.1 ");
    p = put_u64(p, (uint64_t)r->status);
    *p++ = ' ';
    p = put_str(p, reason, rlen);
    p = PUT_LIT(p, "\r\nServer: Server\r\nDate: ");
    p = put_str(p, writer_date(w), HTTP_DATE_LEN);
    p = PUT_LIT(p, "\r\nx-amzn-RequestId: ");
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint64_t bits = 0;
    for (int i = 0; i < HTTP_REQUEST_ID_LEN; i++) {
        if (i % 12 == 0) bits = writer_random(w); /* 36^12 < 2^64 */
        *p++ = alphabet[bits % 36];
        bits /= 36;
    }
    p = PUT_LIT(p, "\r\nx-amz-crc32: ");
    uLong crc = crc32(0L, Z_NULL, 0);
    if (r->body_len) crc = crc32_z(crc, (const Bytef *)r->body, r->body_len);
    p = put_u64(p, crc);
    if (r->content_type) {
        p = PUT_LIT(p, "\r\nContent-Type: ");
        p = put_str(p, r->content_type, strlen(r->content_type));
    }
    if (r->content_encoding) {
        p = PUT_LIT(p, "\r\nContent-Encoding: ");
        p = put_str(p, r->content_encoding, strlen(r->content_encoding));
    }
    p = PUT_LIT(p, "\r\nContent-Length: ");
    p = put_u64(p, r->body_len);
    if (r->close)
        p = PUT_LIT(p, "\r\nConnection: close");
    else if (r->ka_header)
        p = PUT_LIT(p, "\r\nConnection: keep-alive");
    if (r->cors)
        p = PUT_LIT(p, "\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: "
                       "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date,x-amz-crc32");
    p = PUT_LIT(p, "\r\n");
    if (r->preflight) {
        out->len = (size_t)(p - out->data);
        buf_append_str(out, "Access-Control-Max-Age: 172800\r\n");
        if (r->allow_methods) {
            buf_append_str(out, "Access-Control-Allow-Methods: ");
            buf_append(out, r->allow_methods, r->allow_methods_len);
            buf_append_str(out, "\r\n");
        }
        if (r->allow_headers) {
            buf_append_str(out, "Access-Control-Allow-Headers: ");
            buf_append(out, r->allow_headers, r->allow_headers_len);
            buf_append_str(out, "\r\n");
        }
        buf_reserve(out, 2 + body);
        p = out->data + out->len;
    }
    p = PUT_LIT(p, "\r\n");
    if (body) p = put_str(p, r->body, body);
    out->len = (size_t)(p - out->data);
}
