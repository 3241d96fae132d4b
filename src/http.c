/* http: the HTTP/1.1 request parser behind http.h.
 *
 * Stateless: every call parses the request at the start of the buffer from
 * its first byte, so the caller simply calls again when more bytes arrive.
 * It reads nothing at or past len and never allocates.
 *
 * Choices (RFC 9112 leaves them to the server):
 * - Line ends are CRLF or a bare LF, as most servers accept; a CR anywhere
 *   else in a line is an error.  Up to HTTP_MAX_LEADING_EOL bytes of empty
 *   lines before the request line are skipped (clients may send a stray
 *   CRLF after a body).
 * - A request line without a version ("GET /", HTTP/0.9) or with any version
 *   other than HTTP/1.<digit> is HTTP_ERR_BAD_VERSION; a line whose shape is
 *   wrong (bad method characters, empty target, stray blanks) is
 *   HTTP_ERR_BAD_REQUEST.
 * - Header folding (obs-fold) and blanks before the colon are rejected.
 * - Transfer-Encoding must be exactly "chunked"; with Content-Length it is
 *   rejected, as are conflicting Content-Length values.  On HTTP/1.0 it is
 *   accepted but the connection is not kept alive (RFC 9112 6.1).
 * - Chunked framing overhead beyond the head limit plus an eighth of the
 *   body (a stream of one-byte chunks) counts as too large (413); trailers
 *   count against the head limit (431).
 *
 * Beyond http.h, for the server: on HTTP_INCOMPLETE once the head is
 * complete, *req holds the parsed head (req->method != NULL; not when the
 * call resumed a chunked body's walk, which skips the head) and *consumed
 * is a lower bound on the size of the whole request, exact for a
 * Content-Length body; while the head is incomplete, req->method is NULL and
 * *consumed is 0.  An error found on a prefix of the input is the error the
 * whole input gives: errors are reported as soon as the bytes prove them.
 *
 * Chunked bodies are checked in a first pass that writes nothing and
 * de-chunked in place only once complete, so an incomplete parse leaves the
 * buffer intact for the next call.  That pass can stop and resume (see
 * http_progress_t): with it, a body of n chunks received in r reads costs
 * O(n + r) line scans instead of O(n * r).
 */
#include "http.h"

#include <stdint.h>
#include <string.h>

#define HTTP_MAX_LEADING_EOL 8   /* bytes of empty lines tolerated before a request line */
#define HTTP_MAX_CHUNK_LINE 4096 /* chunk-size line including extensions */

/* tchar of RFC 9110 5.6.2: method and field-name characters. */
/* clang-format off */
static const unsigned char http_tchar[256] = {
    ['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
};
/* clang-format on */

/* Field-value characters: HTAB, SP, VCHAR and obs-text; no other control. */
static const unsigned char http_vchar[256] = {
    ['\t'] = 1,
    [' ' ... '~'] = 1,
    [0x80 ... 0xff] = 1,
};

static inline unsigned char http_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* a[0..n) equals b[0..n) ignoring ASCII case. */
static bool http_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (http_lower((unsigned char)a[i]) != http_lower((unsigned char)b[i])) return false;
    return true;
}

static inline bool http_is_ows(char c) { return c == ' ' || c == '\t'; }

/* Finds the line starting at pos inside buf[0..limit).  *end is where its
 * content stops (the CR of a CRLF, or the LF) and *next is just past the LF.
 * False when no LF lies before limit. */
static bool http_line(const char *buf, size_t pos, size_t limit, size_t *end, size_t *next)
{
    const char *nl = memchr(buf + pos, '\n', limit - pos);
    if (!nl) return false;
    size_t e = (size_t)(nl - buf);
    *next = e + 1;
    if (e > pos && buf[e - 1] == '\r') e--;
    *end = e;
    return true;
}

/* A request line still missing its LF: could it become valid?  Checks only
 * what the complete line would fail on for the same bytes, so garbage (a
 * TLS hello, binary) is refused without waiting for a line end. */
static bool http_request_line_prefix_ok(const char *buf, size_t pos, size_t limit)
{
    /* A final CR may be the first half of the line's CRLF. */
    if (limit > pos && buf[limit - 1] == '\r') limit--;
    size_t p = pos;
    while (p < limit && http_tchar[(unsigned char)buf[p]]) p++;
    if (p == limit) return true;
    if (p == pos || buf[p] != ' ') return false;
    size_t t = ++p;
    while (p < limit && (unsigned char)buf[p] > ' ' && (unsigned char)buf[p] < 0x7f) p++;
    if (p == limit) return true;
    if (p == t || buf[p] != ' ') return false;
    for (p++; p < limit; p++)
        if ((unsigned char)buf[p] <= ' ' || (unsigned char)buf[p] == 0x7f) return false;
    return true;
}

/* "METHOD SP request-target SP HTTP/1.d" in buf[pos..end). */
static http_status_t http_parse_request_line(const char *buf, size_t pos, size_t end,
                                             http_request_t *req)
{
    size_t p = pos;
    while (p < end && http_tchar[(unsigned char)buf[p]]) p++;
    if (p == pos || p == end || buf[p] != ' ') return HTTP_ERR_BAD_REQUEST;
    req->method = buf + pos;
    req->method_len = p - pos;

    size_t t = ++p;
    while (p < end && (unsigned char)buf[p] > ' ' && (unsigned char)buf[p] < 0x7f) p++;
    if (p == t) return HTTP_ERR_BAD_REQUEST;
    req->path = buf + t;
    req->path_len = p - t;
    if (p == end) return HTTP_ERR_BAD_VERSION; /* "GET /": HTTP/0.9 */
    if (buf[p] != ' ') return HTTP_ERR_BAD_REQUEST;

    const char *v = buf + ++p;
    size_t vlen = end - p;
    for (size_t i = 0; i < vlen; i++)
        if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] == 0x7f) return HTTP_ERR_BAD_REQUEST;
    if (vlen != 8 || memcmp(v, "HTTP/1.", 7) != 0 || v[7] < '0' || v[7] > '9')
        return HTTP_ERR_BAD_VERSION;
    req->minor_version = v[7] - '0';
    return HTTP_COMPLETE;
}

/* "name: value" in buf[pos..end); the value with its blanks trimmed. */
static bool http_parse_field(const char *buf, size_t pos, size_t end, http_header_t *h)
{
    size_t p = pos;
    while (p < end && http_tchar[(unsigned char)buf[p]]) p++;
    if (p == pos || p == end || buf[p] != ':') return false; /* also obs-fold, "name :" */
    h->name = buf + pos;
    h->name_len = p - pos;
    for (size_t i = p + 1; i < end; i++)
        if (!http_vchar[(unsigned char)buf[i]]) return false;
    size_t v = p + 1, ve = end;
    while (v < ve && http_is_ows(buf[v])) v++;
    while (ve > v && http_is_ows(buf[ve - 1])) ve--;
    h->value = buf + v;
    h->value_len = ve - v;
    return true;
}

/* Content-Length: 1*DIGIT; values past UINT64_MAX saturate (too large anyway). */
static bool http_parse_length(const char *v, size_t n, uint64_t *out)
{
    if (n == 0) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return false;
        unsigned d = (unsigned)(v[i] - '0');
        x = (x > (UINT64_MAX - d) / 10) ? UINT64_MAX : x * 10 + d;
    }
    *out = x;
    return true;
}

/* The comma-separated tokens of a Connection header. */
static void http_scan_connection(const char *v, size_t n, bool *close, bool *keep_alive)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (http_is_ows(v[i]) || v[i] == ',')) i++;
        size_t s = i;
        while (i < n && v[i] != ',') i++;
        size_t e = i;
        while (e > s && http_is_ows(v[e - 1])) e--;
        if (e - s == 5 && http_ieq(v + s, "close", 5)) *close = true;
        if (e - s == 10 && http_ieq(v + s, "keep-alive", 10)) *keep_alive = true;
    }
}

static int http_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The chunk-size line at pos: "1*HEXDIG [BWS ; extensions] CRLF".  Sets
 * *size and *next (just past the line). */
static http_status_t http_chunk_line(const char *buf, size_t pos, size_t len, size_t max_body,
                                     size_t *size, size_t *next)
{
    size_t limit = len - pos > HTTP_MAX_CHUNK_LINE ? pos + HTTP_MAX_CHUNK_LINE : len;
    size_t end;
    if (!http_line(buf, pos, limit, &end, next))
        return limit == len ? HTTP_INCOMPLETE : HTTP_ERR_BAD_REQUEST;
    size_t p = pos, s = 0;
    int d;
    while (p < end && (d = http_hex(buf[p])) >= 0) {
        if (s > (SIZE_MAX - 15) / 16) return HTTP_ERR_TOO_LARGE;
        s = s * 16 + (size_t)d;
        if (s > max_body) return HTTP_ERR_TOO_LARGE;
        p++;
    }
    if (p == pos) return HTTP_ERR_BAD_REQUEST;
    while (p < end && http_is_ows(buf[p])) p++;
    if (p < end && buf[p] != ';') return HTTP_ERR_BAD_REQUEST;
    for (; p < end; p++) /* extensions are ignored, but must be text */
        if (!http_vchar[(unsigned char)buf[p]]) return HTTP_ERR_BAD_REQUEST;
    *size = s;
    return HTTP_COMPLETE;
}

/* Walks a chunked body from pr->pos (a chunk-size line, or a trailer line
 * once pr->trailer_start is set) to its end, checking it and writing
 * nothing; pr records how far it got.  On HTTP_COMPLETE *consumed is the
 * end of the request; on HTTP_INCOMPLETE a lower bound on it. */
static http_status_t http_chunked_walk(const char *buf, size_t len, const http_limits_t *lim,
                                       http_progress_t *pr, size_t *consumed)
{
    size_t size, next, end;
    http_status_t st;
    while (!pr->trailer_start) {
        if ((st = http_chunk_line(buf, pr->pos, len, lim->max_body, &size, &next)) !=
            HTTP_COMPLETE) {
            if (st == HTTP_INCOMPLETE) *consumed = len + 1;
            return st;
        }
        if (size == 0) {
            pr->trailer_start = pr->pos = next;
            break;
        }
        if (size > lim->max_body - pr->total) return HTTP_ERR_TOO_LARGE;
        if (len - next <= size) { /* the data and at least the LF after it */
            *consumed = next + size + 1;
            return HTTP_INCOMPLETE;
        }
        size_t d = next + size, after;
        if (buf[d] == '\n') {
            after = d + 1;
        } else if (buf[d] == '\r') {
            if (d + 1 == len) {
                *consumed = d + 2;
                return HTTP_INCOMPLETE;
            }
            if (buf[d + 1] != '\n') return HTTP_ERR_BAD_REQUEST;
            after = d + 2;
        } else {
            return HTTP_ERR_BAD_REQUEST;
        }
        pr->total += size;
        pr->pos = after;
        if ((pr->pos - pr->body_start) - pr->total > lim->max_head + pr->total / 8)
            return HTTP_ERR_TOO_LARGE;
    }

    /* Trailer fields: checked, then ignored. */
    size_t limit =
        len - pr->trailer_start > lim->max_head ? pr->trailer_start + lim->max_head : len;
    for (;;) {
        if (!http_line(buf, pr->pos, limit, &end, &next)) {
            if (limit != len) return HTTP_ERR_HEAD_TOO_LARGE;
            *consumed = len + 1;
            return HTTP_INCOMPLETE;
        }
        if (end == pr->pos) break;
        http_header_t h;
        if (!http_parse_field(buf, pr->pos, end, &h)) return HTTP_ERR_BAD_REQUEST;
        pr->pos = next;
    }
    *consumed = next;
    return HTTP_COMPLETE;
}

/* The chunked body starting at buf[start]: checks it all, then de-chunks it
 * in place. */
static http_status_t http_parse_chunked(char *buf, size_t len, size_t start,
                                        const http_limits_t *lim, http_progress_t *progress,
                                        http_request_t *req, size_t *consumed)
{
    http_progress_t pr = {.body_start = start, .pos = start};
    http_status_t st = http_chunked_walk(buf, len, lim, &pr, consumed);
    if (st == HTTP_INCOMPLETE && progress) *progress = pr;
    if (st != HTTP_COMPLETE) return st;

    /* Everything is there: move the data down over the framing. */
    char *dst = buf + start;
    size_t size, next;
    for (size_t p = start;;) {
        http_chunk_line(buf, p, len, lim->max_body, &size, &next);
        if (size == 0) break;
        memmove(dst, buf + next, size);
        dst += size;
        p = next + size + (buf[next + size] == '\r' ? 2 : 1);
    }
    req->body = buf + start;
    req->body_len = pr.total;
    return HTTP_COMPLETE;
}

http_status_t http_parse_request(char *buf, size_t len, const http_limits_t *limits,
                                 http_progress_t *progress, http_request_t *req, size_t *consumed)
{
    *consumed = 0;
    req->method = NULL;
    req->method_len = 0;
    req->path = NULL;
    req->path_len = 0;
    req->minor_version = 0;
    req->header_count = 0;
    req->keep_alive = false;
    req->chunked = false;
    req->body = NULL;
    req->body_len = 0;

    if (progress && progress->body_start) {
        /* Only the rest of a chunked body is new: walk it from where the
         * last call stopped; parse everything once it is complete. */
        http_status_t st = http_chunked_walk(buf, len, limits, progress, consumed);
        if (st == HTTP_INCOMPLETE) return st;
        memset(progress, 0, sizeof *progress);
        if (st != HTTP_COMPLETE) return st;
    }

    size_t max_head = limits->max_head;
    size_t limit = len < max_head ? len : max_head;
    size_t pos = 0, end, next;
    while (pos < limit && (buf[pos] == '\r' || buf[pos] == '\n')) {
        if (buf[pos] == '\r' && pos + 1 < limit && buf[pos + 1] != '\n')
            return HTTP_ERR_BAD_REQUEST;
        if (++pos > HTTP_MAX_LEADING_EOL) return HTTP_ERR_BAD_REQUEST;
    }

    if (!http_line(buf, pos, limit, &end, &next)) {
        if (!http_request_line_prefix_ok(buf, pos, limit)) return HTTP_ERR_BAD_REQUEST;
        return len >= max_head ? HTTP_ERR_HEAD_TOO_LARGE : HTTP_INCOMPLETE;
    }
    http_status_t st = http_parse_request_line(buf, pos, end, req);
    if (st != HTTP_COMPLETE) {
        req->method = NULL;
        return st;
    }

    bool have_length = false, hdr_close = false, hdr_keep = false;
    uint64_t length = 0;
    for (pos = next;;) {
        if (!http_line(buf, pos, limit, &end, &next)) {
            req->method = NULL;
            return len >= max_head ? HTTP_ERR_HEAD_TOO_LARGE : HTTP_INCOMPLETE;
        }
        if (end == pos) break;
        if (req->header_count == HTTP_MAX_HEADERS) {
            req->method = NULL;
            return HTTP_ERR_HEAD_TOO_LARGE;
        }
        http_header_t *h = &req->headers[req->header_count];
        if (!http_parse_field(buf, pos, end, h)) goto fail_bad;
        req->header_count++;
        pos = next;

        if (h->name_len == 14 && http_ieq(h->name, "content-length", 14)) {
            uint64_t v;
            if (!http_parse_length(h->value, h->value_len, &v)) goto fail_bad;
            if (have_length && v != length) goto fail_bad;
            have_length = true;
            length = v;
        } else if (h->name_len == 17 && http_ieq(h->name, "transfer-encoding", 17)) {
            if (req->chunked || h->value_len != 7 || !http_ieq(h->value, "chunked", 7))
                goto fail_bad;
            req->chunked = true;
        } else if (h->name_len == 10 && http_ieq(h->name, "connection", 10)) {
            http_scan_connection(h->value, h->value_len, &hdr_close, &hdr_keep);
        }
    }
    size_t head_end = next;

    if (have_length && req->chunked) goto fail_bad;
    if (req->minor_version >= 1)
        req->keep_alive = !hdr_close;
    else
        req->keep_alive = hdr_keep && !hdr_close && !req->chunked;

    if (req->chunked)
        return http_parse_chunked(buf, len, head_end, limits, progress, req, consumed);
    if (length > limits->max_body || length > SIZE_MAX - head_end) goto fail_large;
    *consumed = head_end + (size_t)length;
    if (len < *consumed) return HTTP_INCOMPLETE;
    req->body = buf + head_end;
    req->body_len = (size_t)length;
    return HTTP_COMPLETE;

fail_bad:
    req->method = NULL;
    return HTTP_ERR_BAD_REQUEST;
fail_large:
    req->method = NULL;
    return HTTP_ERR_TOO_LARGE;
}

const http_header_t *http_request_header(const http_request_t *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->header_count; i++) {
        const http_header_t *h = &req->headers[i];
        if (h->name_len == n && http_ieq(h->name, name, n)) return h;
    }
    return NULL;
}
