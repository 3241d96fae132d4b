/* fuzz_http: libFuzzer target for the HTTP request parser.
 *
 * Each input is parsed whole and at several prefix lengths, every time from
 * a fresh heap copy of exactly that many bytes (the parser may rewrite its
 * buffer, and must not read past the end).  Checked: a complete request lies
 * inside the bytes given, its body inside the request, its headers inside
 * the head; a prefix of the input is either incomplete or gives the same
 * answer as the whole input (a longer buffer cannot turn an error into
 * success, nor move a request's end); parsing the growing prefixes while
 * carrying the parser's progress from one to the next (as the server does)
 * gives the same answers as parsing each from scratch; and pipelined
 * requests parse one after another up to the end of the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    http_status_t st;
    size_t consumed;
    size_t body_len;
    char *body; /* heap copy of the body when complete */
} outcome_t;

static void check_request(const char *buf, size_t len, const http_request_t *req, size_t consumed)
{
    if (consumed == 0 || consumed > len) abort();
    if (req->body_len && (req->body < buf || req->body + req->body_len > buf + consumed)) abort();
    if (req->header_count > HTTP_MAX_HEADERS) abort();
    if (req->method < buf || req->method + req->method_len > req->body) abort();
    for (size_t i = 0; i < req->header_count; i++) {
        const http_header_t *h = &req->headers[i];
        if (h->name < buf || h->value + h->value_len > buf + consumed) abort();
        /* Lookup by the name in upper case finds this header or an earlier
         * one of the same name. */
        char name[64];
        if (h->name_len >= sizeof name) continue;
        for (size_t k = 0; k < h->name_len; k++)
            name[k] =
                (h->name[k] >= 'a' && h->name[k] <= 'z') ? (char)(h->name[k] - 32) : h->name[k];
        name[h->name_len] = 0;
        const http_header_t *found = http_request_header(req, name);
        if (!found || found > h || found->name_len != h->name_len) abort();
    }
    if (req->minor_version < 0 || req->minor_version > 9) abort();
}

static outcome_t parse_prefix(const uint8_t *data, size_t len, const http_limits_t *lim,
                              http_progress_t *progress)
{
    outcome_t o = {0};
    char *buf = malloc(len ? len : 1);
    memcpy(buf, data, len);
    http_request_t req;
    o.st = http_parse_request(buf, len, lim, progress, &req, &o.consumed);
    if (o.st == HTTP_COMPLETE) {
        check_request(buf, len, &req, o.consumed);
        if (req.body_len > lim->max_body) abort();
        o.body_len = req.body_len;
        o.body = malloc(req.body_len ? req.body_len : 1);
        memcpy(o.body, req.body, req.body_len);
    } else if (o.st == HTTP_INCOMPLETE) {
        if (o.consumed && o.consumed <= len) abort(); /* the hint needs more bytes */
    } else if (o.st != HTTP_ERR_BAD_REQUEST && o.st != HTTP_ERR_TOO_LARGE &&
               o.st != HTTP_ERR_BAD_VERSION && o.st != HTTP_ERR_HEAD_TOO_LARGE) {
        abort();
    }
    free(buf);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first two bytes pick the body and head limits, so limits get
     * exercised. */
    http_limits_t lim = {.max_head = 65536, .max_body = 64};
    if (size >= 2) {
        lim.max_body = (size_t)data[0] * 4;
        if (data[1]) lim.max_head = (size_t)data[1] * 16;
        data += 2, size -= 2;
    }

    outcome_t whole = parse_prefix(data, size, &lim, NULL);

    size_t splits[20], nsplits = 0;
    if (size <= 200) {
        for (size_t k = 0; k < size && nsplits < 20; k += 1 + size / 20) splits[nsplits++] = k;
    } else {
        for (size_t i = 1; i < 20; i++) splits[nsplits++] = size * i / 20;
    }
    http_progress_t progress = {0};
    for (size_t i = 0; i < nsplits; i++) {
        size_t k = splits[i];
        outcome_t part = parse_prefix(data, k, &lim, NULL);
        outcome_t resumed = parse_prefix(data, k, &lim, &progress);
        if (resumed.st != part.st || resumed.consumed != part.consumed ||
            resumed.body_len != part.body_len ||
            (part.body_len && memcmp(resumed.body, part.body, part.body_len) != 0))
            abort();
        free(resumed.body);
        if (part.st != HTTP_INCOMPLETE) {
            if (part.st != whole.st) abort();
            if (part.st == HTTP_COMPLETE &&
                (part.consumed != whole.consumed || part.body_len != whole.body_len ||
                 memcmp(part.body, whole.body, part.body_len) != 0))
                abort();
        } else if (whole.st == HTTP_COMPLETE && k >= whole.consumed) {
            abort();
        }
        free(part.body);
    }
    outcome_t resumed = parse_prefix(data, size, &lim, &progress);
    if (resumed.st != whole.st || resumed.consumed != whole.consumed ||
        resumed.body_len != whole.body_len ||
        (whole.body_len && memcmp(resumed.body, whole.body, whole.body_len) != 0))
        abort();
    free(resumed.body);
    free(whole.body);

    /* Pipelining: walk the input request by request. */
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    size_t off = 0;
    for (int n = 0; n < 64 && off < size; n++) {
        http_request_t req;
        size_t consumed;
        if (http_parse_request(buf + off, size - off, &lim, NULL, &req, &consumed) != HTTP_COMPLETE)
            break;
        check_request(buf + off, size - off, &req, consumed);
        off += consumed;
    }
    free(buf);
    return 0;
}
