/* test_http: the HTTP/1.1 request parser (src/http.c): complete and partial
 * requests at every split point, pipelining, chunked bodies and resuming
 * their walk, limits, every error class, keep-alive rules and header
 * lookup. */
#include <stdint.h>
#include <stdlib.h>

#include "http.h"
#include "unit.h"

#define MAX_BODY 1000
#define MAX_HEAD (64 * 1024)

/* The parser may rewrite its buffer (chunked bodies), and must never read
 * past len: every parse gets its own heap copy of exactly len bytes, so the
 * sanitizer build catches an overread. */
static char *copy;

static http_status_t parse_n(const char *s, size_t len, size_t max_body, http_request_t *req,
                             size_t *consumed)
{
    free(copy);
    copy = malloc(len ? len : 1);
    memcpy(copy, s, len);
    http_limits_t lim = {.max_head = MAX_HEAD, .max_body = max_body};
    return http_parse_request(copy, len, &lim, NULL, req, consumed);
}

/* The same, with a head limit and a progress carried between calls. */
static http_status_t parse_resumed(const char *s, size_t len, size_t max_head, size_t max_body,
                                   http_progress_t *progress, http_request_t *req, size_t *consumed)
{
    free(copy);
    copy = malloc(len ? len : 1);
    memcpy(copy, s, len);
    http_limits_t lim = {.max_head = max_head, .max_body = max_body};
    return http_parse_request(copy, len, &lim, progress, req, consumed);
}

static http_status_t parse(const char *s, http_request_t *req, size_t *consumed)
{
    return parse_n(s, strlen(s), MAX_BODY, req, consumed);
}

static http_status_t status_of(const char *s)
{
    http_request_t req;
    size_t consumed;
    return parse(s, &req, &consumed);
}

static int mem_is(const char *p, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(p, want, n) == 0;
}

/* Every proper prefix is incomplete, also when each parse resumes from the
 * one before (as the server does), with the same lower bound on the size;
 * the whole request is complete and consumes exactly its length, also with
 * another request behind it. */
static void check_splits(const char *s, const char *want_body)
{
    http_request_t req;
    size_t len = strlen(s), consumed, resumed_consumed;
    http_progress_t progress = {0};
    for (size_t k = 0; k < len; k++) {
        http_status_t st = parse_n(s, k, MAX_BODY, &req, &consumed);
        if (st != HTTP_INCOMPLETE) {
            fprintf(stderr, "prefix %zu of %zu: status %d\n", k, len, st);
            CHECK(st == HTTP_INCOMPLETE);
            return;
        }
        st = parse_resumed(s, k, MAX_HEAD, MAX_BODY, &progress, &req, &resumed_consumed);
        CHECK(st == HTTP_INCOMPLETE);
        CHECK(resumed_consumed == consumed);
    }
    CHECK(parse_resumed(s, len, MAX_HEAD, MAX_BODY, &progress, &req, &consumed) == HTTP_COMPLETE);
    CHECK(consumed == len);
    CHECK(mem_is(req.body, req.body_len, want_body));
    CHECK(progress.body_start == 0);
    CHECK(parse_n(s, len, MAX_BODY, &req, &consumed) == HTTP_COMPLETE);
    CHECK(consumed == len);
    CHECK(mem_is(req.body, req.body_len, want_body));

    char two[4096];
    snprintf(two, sizeof two, "%sGET / HTTP/1.1\r\n\r\n", s);
    CHECK(parse_n(two, strlen(two), MAX_BODY, &req, &consumed) == HTTP_COMPLETE);
    CHECK(consumed == len);
    CHECK(mem_is(req.body, req.body_len, want_body));
}

static void test_get(void)
{
    http_request_t req;
    size_t consumed;
    const char *s = "GET / HTTP/1.1\r\nHost: localhost:8000\r\nUser-Agent: t\r\n\r\n";
    CHECK(parse(s, &req, &consumed) == HTTP_COMPLETE);
    CHECK(consumed == strlen(s));
    CHECK(mem_is(req.method, req.method_len, "GET"));
    CHECK(mem_is(req.path, req.path_len, "/"));
    CHECK(req.minor_version == 1);
    CHECK(req.header_count == 2);
    CHECK(mem_is(req.headers[0].name, req.headers[0].name_len, "Host"));
    CHECK(mem_is(req.headers[0].value, req.headers[0].value_len, "localhost:8000"));
    CHECK(req.keep_alive);
    CHECK(!req.chunked);
    CHECK(req.body_len == 0);
}

static void test_post(void)
{
    http_request_t req;
    size_t consumed;
    const char *s = "POST / HTTP/1.1\r\n"
                    "X-Amz-Target: DynamoDB_20120810.GetItem\r\n"
                    "Content-Type: application/x-amz-json-1.0\r\n"
                    "Content-Length: 17\r\n\r\n"
                    "{\"TableName\":\"t\"}";
    CHECK(parse(s, &req, &consumed) == HTTP_COMPLETE);
    CHECK(consumed == strlen(s));
    CHECK(mem_is(req.method, req.method_len, "POST"));
    CHECK(mem_is(req.body, req.body_len, "{\"TableName\":\"t\"}"));
    CHECK(req.body == copy + strlen(s) - 17);
    const http_header_t *h = http_request_header(&req, "x-amz-target");
    CHECK(h && mem_is(h->value, h->value_len, "DynamoDB_20120810.GetItem"));
}

static void test_splits(void)
{
    check_splits("GET / HTTP/1.1\r\n\r\n", "");
    check_splits("GET /?a=b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "");
    check_splits("POST / HTTP/1.1\r\nContent-Length: 5\r\nX-A:b\r\n\r\nhello", "hello");
    check_splits("POST / HTTP/1.1\nContent-Length: 3\n\nabc", "abc");
    check_splits("\r\nPOST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "");
    check_splits("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n6;ext=1;q=\"x\"\r\n world\r\n0\r\n\r\n",
                 "hello world");
    check_splits("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
                 "A \r\n0123456789\r\n1\r\n!\r\n0;last\r\nX-Trailer: yes\r\nY: 2\r\n\r\n",
                 "0123456789!");
    check_splits("POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n", "");
    check_splits("POST / HTTP/1.1\ntransfer-encoding: chunked\n\n3\nabc\n0\n\n", "abc");
}

static void test_pipelined(void)
{
    const char *s = "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab"
                    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ncde\r\n0\r\n\r\n"
                    "GET /health HTTP/1.1\r\n\r\n"
                    "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nf";
    const char *bodies[] = {"ab", "cde", "", "f"};
    size_t len = strlen(s);
    char *buf = malloc(len);
    memcpy(buf, s, len);
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        http_request_t req;
        size_t consumed;
        http_limits_t lim = {.max_head = MAX_HEAD, .max_body = MAX_BODY};
        CHECK(http_parse_request(buf + off, len - off, &lim, NULL, &req, &consumed) ==
              HTTP_COMPLETE);
        CHECK(mem_is(req.body, req.body_len, bodies[i]));
        off += consumed;
    }
    CHECK(off == len);
    free(buf);
}

static void test_chunked_in_place(void)
{
    http_request_t req;
    size_t consumed;
    const char *s = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\nNEXT";
    CHECK(parse(s, &req, &consumed) == HTTP_COMPLETE);
    CHECK(req.chunked);
    CHECK(mem_is(req.body, req.body_len, "abcde"));
    CHECK(req.body == copy + strlen("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
    CHECK(consumed == strlen(s) - 4);
    CHECK(memcmp(copy + consumed, "NEXT", 4) == 0); /* the next request is untouched */

    /* An incomplete chunked body leaves the buffer as it was. */
    size_t part = strlen(s) - 10;
    CHECK(parse_n(s, part, MAX_BODY, &req, &consumed) == HTTP_INCOMPLETE);
    CHECK(memcmp(copy, s, part) == 0);
}

static void test_incomplete_hint(void)
{
    http_request_t req;
    size_t consumed;
    const char *s = "POST / HTTP/1.1\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n";
    CHECK(parse(s, &req, &consumed) == HTTP_INCOMPLETE);
    CHECK(consumed == strlen(s) + 100);
    CHECK(req.method != NULL);
    const http_header_t *h = http_request_header(&req, "expect");
    CHECK(h && mem_is(h->value, h->value_len, "100-continue"));

    CHECK(parse("POST / HTTP/1.1\r\nContent-Length: 100\r\n", &req, &consumed) == HTTP_INCOMPLETE);
    CHECK(consumed == 0);
    CHECK(req.method == NULL);

    const char *c = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
    CHECK(parse(c, &req, &consumed) == HTTP_INCOMPLETE);
    CHECK(consumed > strlen(c));
    CHECK(req.method != NULL);
}

static void test_keep_alive(void)
{
    http_request_t req;
    size_t consumed;
    CHECK(parse("GET / HTTP/1.1\r\n\r\n", &req, &consumed) == HTTP_COMPLETE && req.keep_alive);
    CHECK(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &req, &consumed) == HTTP_COMPLETE &&
          !req.keep_alive);
    CHECK(parse("GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", &req, &consumed) ==
              HTTP_COMPLETE &&
          !req.keep_alive);
    CHECK(parse("GET / HTTP/1.1\r\nConnection: upgrade\r\nConnection: close\r\n\r\n", &req,
                &consumed) == HTTP_COMPLETE &&
          !req.keep_alive);
    CHECK(parse("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", &req, &consumed) == HTTP_COMPLETE &&
          req.keep_alive);
    CHECK(parse("GET / HTTP/1.0\r\n\r\n", &req, &consumed) == HTTP_COMPLETE && !req.keep_alive);
    CHECK(req.minor_version == 0);
    CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &req, &consumed) ==
              HTTP_COMPLETE &&
          req.keep_alive);
    CHECK(parse("GET / HTTP/1.0\r\nconnection:  x , Keep-Alive \r\n\r\n", &req, &consumed) ==
              HTTP_COMPLETE &&
          req.keep_alive);
    CHECK(parse("POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
                "0\r\n\r\n",
                &req, &consumed) == HTTP_COMPLETE &&
          !req.keep_alive);
    CHECK(parse("GET / HTTP/1.9\r\n\r\n", &req, &consumed) == HTTP_COMPLETE && req.keep_alive);
}

static void test_header_lookup(void)
{
    http_request_t req;
    size_t consumed;
    CHECK(parse("GET / HTTP/1.1\r\nX-Amz-TARGET:\t a b \t\r\nempty:\r\nA^B: 1\r\n\r\n", &req,
                &consumed) == HTTP_COMPLETE);
    const http_header_t *h = http_request_header(&req, "x-amz-target");
    CHECK(h && mem_is(h->value, h->value_len, "a b"));
    h = http_request_header(&req, "X-AMZ-Target");
    CHECK(h && mem_is(h->value, h->value_len, "a b"));
    h = http_request_header(&req, "EMPTY");
    CHECK(h && h->value_len == 0);
    CHECK(http_request_header(&req, "a^b") != NULL);
    CHECK(http_request_header(&req, "a~b") == NULL);
    CHECK(http_request_header(&req, "x-amz-targe") == NULL);
    CHECK(http_request_header(&req, "content-length") == NULL);

    /* obs-text is allowed in values. */
    CHECK(status_of("GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n") == HTTP_COMPLETE);
}

static void test_bad_request_line(void)
{
    CHECK(status_of("GET / HTTP/2.0\r\n\r\n") == HTTP_ERR_BAD_VERSION);
    CHECK(status_of("GET / HTTP/1.1x\r\n\r\n") == HTTP_ERR_BAD_VERSION);
    CHECK(status_of("GET / HTTP/1.\r\n\r\n") == HTTP_ERR_BAD_VERSION);
    CHECK(status_of("GET / http/1.1\r\n\r\n") == HTTP_ERR_BAD_VERSION);
    CHECK(status_of("GET / FOO\r\n\r\n") == HTTP_ERR_BAD_VERSION);
    CHECK(status_of("GET /\r\n\r\n") == HTTP_ERR_BAD_VERSION);
    CHECK(status_of("GET / HTTP/2.0\r\n") == HTTP_ERR_BAD_VERSION); /* before the headers end */
    CHECK(status_of("GET  / HTTP/1.1\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of(" GET / HTTP/1.1\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1 \r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET /a b HTTP/1.1\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("G(T / HTTP/1.1\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\r\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET /\x01 HTTP/1.1\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("\rGET / HTTP/1.1\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    /* Garbage is refused before any line end arrives. */
    CHECK(status_of("\x16\x03\x01\x02") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET /\x7f") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\x01") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\r") == HTTP_INCOMPLETE);
    CHECK(status_of("GET /\r") == HTTP_INCOMPLETE);
    CHECK(status_of("") == HTTP_INCOMPLETE);
}

static void test_bad_headers(void)
{
    CHECK(status_of("GET / HTTP/1.1\r\nNoColon\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\r\nName : v\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\r\n: v\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\r\nA(: b\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    http_request_t req;
    size_t consumed;
    CHECK(parse_n("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 27, MAX_BODY, &req, &consumed) ==
          HTTP_ERR_BAD_REQUEST);
}

static void test_content_length(void)
{
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\nx") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1 1\r\n\r\nxx") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\nx") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx") ==
          HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 01\r\n\r\nx") ==
          HTTP_COMPLETE);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Length: 1\r\n\r\n0\r\n\r\n") == HTTP_ERR_BAD_REQUEST);

    /* Too large as soon as the head says so: no body bytes yet. */
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n") == HTTP_ERR_TOO_LARGE);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n") == HTTP_INCOMPLETE);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n") ==
          HTTP_ERR_TOO_LARGE);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n") ==
          HTTP_ERR_TOO_LARGE);
    CHECK(
        status_of("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999999999\r\n\r\n") ==
        HTTP_ERR_TOO_LARGE);
    CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 000000000000000000000000000000005\r\n\r\n"
                    "12345") == HTTP_COMPLETE);
    http_request_t req;
    size_t consumed;
    const char *s = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n12345";
    CHECK(parse_n(s, strlen(s), SIZE_MAX, &req, &consumed) == HTTP_COMPLETE);
    CHECK(parse_n(s, strlen(s), 4, &req, &consumed) == HTTP_ERR_TOO_LARGE);
    CHECK(parse_n(s, strlen(s), 5, &req, &consumed) == HTTP_COMPLETE);
}

static void test_chunked_errors(void)
{
    const char *head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    char s[8192];
#define CHUNKED(body) (snprintf(s, sizeof s, "%s%s", head, body), status_of(s))
    CHECK(CHUNKED("x\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(CHUNKED("\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(CHUNKED("-1\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(CHUNKED("1x\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(CHUNKED("0x1\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(CHUNKED("1;a\x01\r\nx\r\n0\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(CHUNKED("3\r\nabcd\r\n0\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(CHUNKED("3\r\nabc\rX0\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(CHUNKED("0\r\nbad trailer\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
    CHECK(CHUNKED("3e9\r\n") == HTTP_ERR_TOO_LARGE);
    CHECK(CHUNKED("ffffffffffffffffffffffff\r\n") == HTTP_ERR_TOO_LARGE);
    CHECK(CHUNKED("3e8\r\n") == HTTP_INCOMPLETE);
    /* The limit applies to the sum of the chunks. */
    char body[2100];
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        n += (size_t)snprintf(body + n, sizeof body - n, "190\r\n");
        memset(body + n, 'a', 400);
        n += 400;
        n += (size_t)snprintf(body + n, sizeof body - n, "\r\n");
    }
    body[n] = 0;
    CHECK(CHUNKED(body) == HTTP_ERR_TOO_LARGE);
    /* A chunk line longer than the limit. */
    char ext[6000];
    memset(ext, 'e', sizeof ext - 1);
    ext[0] = '1', ext[1] = ';';
    ext[sizeof ext - 1] = 0;
    CHECK(CHUNKED(ext) == HTTP_ERR_BAD_REQUEST);
    /* Other transfer codings are refused. */
    CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") ==
          HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n") ==
          HTTP_ERR_BAD_REQUEST);
    CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == HTTP_ERR_BAD_REQUEST);
#undef CHUNKED
}

static void test_chunk_overhead(void)
{
    /* Many one-byte chunks: framing is bounded relative to the data. */
    size_t max = 1 << 20;
    size_t cap = 200000;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    while (n + 16 < cap) n += (size_t)snprintf(s + n, cap - n, "1\r\nx\r\n");
    http_request_t req;
    size_t consumed;
    CHECK(parse_n(s, n, max, &req, &consumed) == HTTP_ERR_TOO_LARGE);
    free(s);
}

static void test_header_limits(void)
{
    char *s = malloc(MAX_HEAD * 2);
    http_request_t req;
    size_t consumed;

    /* HTTP_MAX_HEADERS headers pass, one more is too many. */
    size_t n = (size_t)sprintf(s, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < HTTP_MAX_HEADERS; i++) n += (size_t)sprintf(s + n, "H%d: v\r\n", i);
    n += (size_t)sprintf(s + n, "\r\n");
    CHECK(parse_n(s, n, MAX_BODY, &req, &consumed) == HTTP_COMPLETE);
    CHECK(req.header_count == HTTP_MAX_HEADERS);
    n -= 2;
    n += (size_t)sprintf(s + n, "One: more\r\n\r\n");
    CHECK(parse_n(s, n, MAX_BODY, &req, &consumed) == HTTP_ERR_HEAD_TOO_LARGE);

    /* A head of exactly the limit passes; one byte more does not. */
    const char *start = "GET / HTTP/1.1\r\nBig: ";
    n = strlen(start);
    memcpy(s, start, n);
    size_t fill = MAX_HEAD - n - 4;
    memset(s + n, 'x', fill);
    n += fill;
    memcpy(s + n, "\r\n\r\n", 4);
    n += 4;
    CHECK(n == MAX_HEAD);
    CHECK(parse_n(s, n, MAX_BODY, &req, &consumed) == HTTP_COMPLETE);
    CHECK(consumed == MAX_HEAD);
    memmove(s + strlen(start) + 1, s + strlen(start), fill + 4);
    CHECK(parse_n(s, n + 1, MAX_BODY, &req, &consumed) == HTTP_ERR_HEAD_TOO_LARGE);
    /* ... and is refused before the head's end arrives. */
    CHECK(parse_n(s, MAX_HEAD, MAX_BODY, &req, &consumed) == HTTP_ERR_HEAD_TOO_LARGE);
    CHECK(parse_n(s, MAX_HEAD - 1, MAX_BODY, &req, &consumed) == HTTP_INCOMPLETE);

    /* A request line alone can be too large. */
    memcpy(s, "GET /", 5);
    memset(s + 5, 'a', MAX_HEAD);
    CHECK(parse_n(s, MAX_HEAD + 5, MAX_BODY, &req, &consumed) == HTTP_ERR_HEAD_TOO_LARGE);
    free(s);

    /* The limit is the caller's: the same head fits 64 bytes, not 63. */
    const char *h = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nX: 012345678901\r\n\r\nab";
    size_t head = strlen(h) - 2;
    CHECK(head == 64);
    CHECK(parse_resumed(h, strlen(h), 64, MAX_BODY, NULL, &req, &consumed) == HTTP_COMPLETE);
    CHECK(parse_resumed(h, strlen(h), 63, MAX_BODY, NULL, &req, &consumed) ==
          HTTP_ERR_HEAD_TOO_LARGE);
    CHECK(parse_resumed(h, 63, 63, MAX_BODY, NULL, &req, &consumed) == HTTP_ERR_HEAD_TOO_LARGE);
    CHECK(parse_resumed(h, 62, 63, MAX_BODY, NULL, &req, &consumed) == HTTP_INCOMPLETE);

    /* Trailers count against the head limit, on their own. */
    char t[2048];
    n = (size_t)sprintf(t, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n");
    size_t tstart = n;
    while (n - tstart < 1100)
        n += (size_t)sprintf(t + n, "T: v\r\n");
    CHECK(parse_resumed(t, n, 1024, MAX_BODY, NULL, &req, &consumed) == HTTP_ERR_HEAD_TOO_LARGE);
    CHECK(parse_resumed(t, n, 2048, MAX_BODY, NULL, &req, &consumed) == HTTP_INCOMPLETE);
    n += (size_t)sprintf(t + n, "\r\n");
    CHECK(parse_resumed(t, n, 2048, MAX_BODY, NULL, &req, &consumed) == HTTP_COMPLETE);
    CHECK(consumed == n && mem_is(req.body, req.body_len, "x"));
}

/* A chunked body received in pieces: each parse resumes the walk where the
 * last stopped, and gives the answer a parse from the first byte gives. */
static void test_chunked_resume(void)
{
    char *s = malloc(1 << 16);
    size_t n = (size_t)sprintf(s, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                                  "Expect: 100-continue\r\n\r\n");
    size_t body_start = n;
    char want[4096];
    size_t want_len = 0;
    for (int i = 1; i <= 40; i++) { /* 820 bytes: under MAX_BODY */
        n += (size_t)sprintf(s + n, "%x%s\r\n", i, i % 7 ? "" : ";e=1");
        for (int k = 0; k < i; k++)
            s[n++] = want[want_len++] = (char)('a' + (i + k) % 26);
        n += (size_t)sprintf(s + n, i % 5 ? "\r\n" : "\n");
    }
    n += (size_t)sprintf(s + n, "0\r\nTrailer: x\r\n\r\n");

    http_request_t req, fresh_req;
    size_t consumed, fresh_consumed;
    for (size_t step = 1; step <= 97; step += 16) {
        http_progress_t progress = {0};
        bool resumed_once = false;
        for (size_t k = 1; k < n; k += step) {
            http_status_t fresh = parse_n(s, k, MAX_BODY, &fresh_req, &fresh_consumed);
            http_status_t st = parse_resumed(s, k, MAX_HEAD, MAX_BODY, &progress, &req, &consumed);
            CHECK(st == HTTP_INCOMPLETE && fresh == HTTP_INCOMPLETE);
            CHECK(consumed == fresh_consumed);
            if (progress.body_start) {
                CHECK(progress.body_start == body_start);
                if (resumed_once) CHECK(req.method == NULL); /* the head is not parsed again */
                resumed_once = true;
            }
        }
        CHECK(resumed_once);
        CHECK(parse_resumed(s, n, MAX_HEAD, MAX_BODY, &progress, &req, &consumed) == HTTP_COMPLETE);
        CHECK(consumed == n);
        CHECK(req.body_len == want_len && memcmp(req.body, want, want_len) == 0);
        CHECK(http_request_header(&req, "expect") != NULL);
        CHECK(progress.body_start == 0);
    }

    /* Errors found while resuming are the ones a fresh parse finds. */
    const char *bad[] = {"5\r\nhelloX", "5\r\nhello\r\nzz\r\n", "5\r\nhello\r\n0\r\nbad\r\n",
                         "3e8\r\n", "3e9\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char r[256];
        size_t rn =
            (size_t)sprintf(r, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n%s", bad[i]);
        http_progress_t progress = {0};
        for (size_t k = 1; k <= rn; k++) {
            http_status_t fresh = parse_n(r, k, MAX_BODY, &fresh_req, &fresh_consumed);
            http_status_t st = parse_resumed(r, k, MAX_HEAD, MAX_BODY, &progress, &req, &consumed);
            CHECK(st == fresh);
            if (st != HTTP_INCOMPLETE) break;
            CHECK(consumed == fresh_consumed);
        }
    }
    free(s);
}

static void test_bare_lf(void)
{
    http_request_t req;
    size_t consumed;
    const char *s = "POST / HTTP/1.1\nX-Amz-Target: T\nContent-Length: 2\n\nok";
    CHECK(parse(s, &req, &consumed) == HTTP_COMPLETE);
    CHECK(consumed == strlen(s));
    const http_header_t *h = http_request_header(&req, "X-Amz-Target");
    CHECK(h && mem_is(h->value, h->value_len, "T"));
    CHECK(mem_is(req.body, req.body_len, "ok"));
    /* Mixed line ends. */
    CHECK(status_of("GET / HTTP/1.1\r\nA: b\n\r\n") == HTTP_COMPLETE);
}

/* Random bytes and random mutations of a valid request never crash and
 * keep the result consistent (run under the sanitizer build). */
static void test_garbage(void)
{
    uint64_t x = 88172645463325252ull;
    const char *base = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nA: b\r\n\r\n"
                       "5;x\r\nhello\r\n0\r\nT: t\r\n\r\n";
    size_t blen = strlen(base);
    char s[256];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n;
        if (iter & 1) {
            n = blen;
            memcpy(s, base, n);
            for (int k = 0; k < 3; k++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                s[x % n] = (char)(x >> 32);
            }
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            n = x % sizeof s;
            for (size_t i = 0; i < n; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                s[i] = "GET /\r\n: chunked0123HTP1.\x00\xff"[x % 27];
            }
        }
        http_request_t req;
        size_t consumed;
        http_status_t st = parse_n(s, n, MAX_BODY, &req, &consumed);
        if (st == HTTP_COMPLETE) {
            CHECK(consumed <= n);
            CHECK(req.body >= copy && req.body + req.body_len <= copy + consumed);
        }
    }
}

int main(void)
{
    RUN(test_get);
    RUN(test_post);
    RUN(test_splits);
    RUN(test_pipelined);
    RUN(test_chunked_in_place);
    RUN(test_incomplete_hint);
    RUN(test_keep_alive);
    RUN(test_header_lookup);
    RUN(test_bad_request_line);
    RUN(test_bad_headers);
    RUN(test_content_length);
    RUN(test_chunked_errors);
    RUN(test_chunk_overhead);
    RUN(test_header_limits);
    RUN(test_chunked_resume);
    RUN(test_bare_lf);
    RUN(test_garbage);
    free(copy);
    return unit_report("http");
}
