/* http_reply: an HTTP/1.1 response head, read strictly; see http_reply.h. */
#include "http_reply.h"

#include <string.h>
#include <strings.h>

/* Header name characters (RFC 9110 tchar). */
static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* The status line: "HTTP/1." digit SP 3 digits, then SP and a reason, or
 * nothing. */
static int status_line(const char *p, size_t len, int *status)
{
    if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
        return -1;
    int s = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        s = s * 10 + (p[i] - '0');
    }
    if (s < 100 || (len > 12 && p[12] != ' ')) return -1;
    *status = s;
    return 0;
}

http_reply_status_t http_reply_head(const char *data, size_t len, size_t max_body,
                                    http_reply_t *out)
{
    const char *end = len >= 4 ? memmem(data, len, "\r\n\r\n", 4) : NULL;
    if (!end) return len >= HTTP_REPLY_MAX_HEAD ? HTTP_REPLY_BAD : HTTP_REPLY_MORE;
    size_t head = (size_t)(end - data) + 4;
    if (head > HTTP_REPLY_MAX_HEAD) return HTTP_REPLY_BAD;
    memset(out, 0, sizeof *out);
    const char *line = data, *stop = end + 2; /* lines end before stop */
    const char *eol = memmem(line, (size_t)(stop - line), "\r\n", 2);
    if (status_line(line, (size_t)(eol - line), &out->status)) return HTTP_REPLY_BAD;
    int lengths = 0;
    for (line = eol + 2; line < stop; line = eol + 2) {
        eol = memmem(line, (size_t)(stop - line), "\r\n", 2);
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (!colon || colon == line) return HTTP_REPLY_BAD;
        for (const char *c = line; c < colon; c++)
            if (!is_tchar((unsigned char)*c)) return HTTP_REPLY_BAD;
        const char *v = colon + 1, *ve = eol;
        while (v < ve && (*v == ' ' || *v == '\t')) v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        for (const char *c = v; c < ve; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t') return HTTP_REPLY_BAD;
        size_t nlen = (size_t)(colon - line), vlen = (size_t)(ve - v);
        if (name_is(line, nlen, "content-length")) {
            if (lengths++ || !vlen || vlen > 19) return HTTP_REPLY_BAD;
            uint64_t n = 0;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9') return HTTP_REPLY_BAD;
                n = n * 10 + (uint64_t)(v[i] - '0');
            }
            if (n > max_body) return HTTP_REPLY_BAD;
            out->body_len = (size_t)n;
        } else if (name_is(line, nlen, "transfer-encoding")) {
            return HTTP_REPLY_BAD;
        } else if (name_is(line, nlen, "content-encoding")) {
            out->coding = http_body_coding(v, vlen);
        }
    }
    if (lengths != 1) return HTTP_REPLY_BAD;
    out->head_len = head;
    return HTTP_REPLY_OK;
}
