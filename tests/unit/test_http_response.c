/* test_http_response: the response writer (src/http_response.c): the
 * status line, every header the service's responses carry and their order,
 * the CRC-32 of the body, HEAD, keep-alive and close, CORS and preflight
 * answers, request ids, parser errors mapped to statuses. */
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <zlib.h>

#include "http_response.h"
#include "unit.h"

/* The response as a NUL-terminated string (bodies here are text). */
static char *write_one(http_writer_t *w, const http_response_t *r)
{
    buf_t b;
    buf_init(&b);
    http_response_write(w, &b, r);
    buf_putc(&b, '\0');
    return b.data;
}

/* The value of header name in a response, copied; NULL when absent. */
static char *header_of(const char *resp, const char *name)
{
    size_t n = strlen(name);
    const char *end = strstr(resp, "\r\n\r\n");
    for (const char *p = strstr(resp, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 2 + n + 2, *e = strstr(v, "\r\n");
            char *out = malloc((size_t)(e - v) + 1);
            memcpy(out, v, (size_t)(e - v));
            out[e - v] = '\0';
            return out;
        }
    }
    return NULL;
}

static int count_of(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
    return n;
}

static void test_ok_response_exact_headers(void)
{
    http_writer_t w;
    http_writer_init(&w, 1);
    const char body[] = "{\"TableNames\":[]}";
    http_response_t r = {.status = 200,
                         .content_type = "application/x-amz-json-1.0",
                         .body = body,
                         .body_len = sizeof body - 1};
    char *s = write_one(&w, &r);
    CHECK(strncmp(s, "HTTP/1.1 200 OK\r\nServer: Server\r\nDate: ", 39) == 0);
    /* Date: "Sun, 06 Nov 1994 08:49:37 GMT" */
    char *date = header_of(s, "Date");
    CHECK(date && strlen(date) == HTTP_DATE_LEN && date[3] == ',' && strcmp(date + 26, "GMT") == 0);
    char *id = header_of(s, "x-amzn-RequestId");
    CHECK(id && strlen(id) == HTTP_REQUEST_ID_LEN);
    for (size_t i = 0; id && i < strlen(id); i++)
        CHECK(isdigit((unsigned char)id[i]) || (id[i] >= 'A' && id[i] <= 'Z'));
    char *crc = header_of(s, "x-amz-crc32"), want[16];
    snprintf(want, sizeof want, "%lu", crc32(0, (const Bytef *)body, sizeof body - 1));
    CHECK(crc && strcmp(crc, want) == 0);
    char *ct = header_of(s, "Content-Type"), *cl = header_of(s, "Content-Length");
    CHECK(ct && strcmp(ct, "application/x-amz-json-1.0") == 0);
    CHECK(cl && strcmp(cl, "17") == 0);
    CHECK(header_of(s, "Connection") == NULL);
    CHECK(header_of(s, "Access-Control-Allow-Origin") == NULL);
    /* the body follows the one blank line, whole */
    const char *blank = strstr(s, "\r\n\r\n");
    CHECK(blank && strcmp(blank + 4, body) == 0);
    CHECK(count_of(s, "\r\n\r\n") == 1);
    free(date), free(id), free(crc), free(ct), free(cl), free(s);
}

/* The header order is fixed: a client reading by position sees the same. */
static void test_header_order(void)
{
    http_writer_t w;
    http_writer_init(&w, 2);
    http_response_t r = {.status = 400, .content_type = "text/plain", .body = "x", .body_len = 1,
                         .close = true, .cors = true};
    char *s = write_one(&w, &r);
    const char *order[] = {"HTTP/1.1 400 Bad Request\r\n", "\r\nServer: Server", "\r\nDate: ",
                           "\r\nx-amzn-RequestId: ", "\r\nx-amz-crc32: ", "\r\nContent-Type: ",
                           "\r\nContent-Length: 1\r\n", "\r\nConnection: close\r\n",
                           "\r\nAccess-Control-Allow-Origin: *\r\n",
                           "\r\nAccess-Control-Expose-Headers: "};
    const char *at = s;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(at, order[i]);
        CHECK(p != NULL);
        if (p) at = p + 1;
    }
    free(s);
}

static void test_empty_body_crc_and_length(void)
{
    http_writer_t w;
    http_writer_init(&w, 3);
    http_response_t r = {.status = 413, .close = true};
    char *s = write_one(&w, &r);
    CHECK(strncmp(s, "HTTP/1.1 413 Request Entity Too Large\r\n", 39) == 0);
    char *crc = header_of(s, "x-amz-crc32"), *cl = header_of(s, "Content-Length");
    CHECK(crc && strcmp(crc, "0") == 0); /* CRC-32 of no bytes */
    CHECK(cl && strcmp(cl, "0") == 0);
    CHECK(header_of(s, "Content-Type") == NULL);
    char *conn = header_of(s, "Connection");
    CHECK(conn && strcmp(conn, "close") == 0);
    size_t len = strlen(s);
    CHECK(len >= 4 && strcmp(s + len - 4, "\r\n\r\n") == 0);
    free(crc), free(cl), free(conn), free(s);
}

/* HEAD: the GET's headers, its length and CRC, but no body bytes. */
static void test_head_sends_no_body(void)
{
    http_writer_t w;
    http_writer_init(&w, 4);
    http_response_t r = {.status = 200, .content_type = "text/plain", .body = "hello",
                         .body_len = 5, .head_only = true};
    char *s = write_one(&w, &r);
    char *cl = header_of(s, "Content-Length"), *crc = header_of(s, "x-amz-crc32"), want[16];
    snprintf(want, sizeof want, "%lu", crc32(0, (const Bytef *)"hello", 5));
    CHECK(cl && strcmp(cl, "5") == 0);
    CHECK(crc && strcmp(crc, want) == 0);
    size_t len = strlen(s);
    CHECK(strcmp(s + len - 4, "\r\n\r\n") == 0);
    free(cl), free(crc), free(s);
}

static void test_keep_alive_for_http_1_0(void)
{
    http_writer_t w;
    http_writer_init(&w, 5);
    http_response_t r = {.status = 200, .ka_header = true};
    char *s = write_one(&w, &r);
    char *conn = header_of(s, "Connection");
    CHECK(conn && strcmp(conn, "keep-alive") == 0);
    free(conn), free(s);
    r.close = true; /* close wins */
    s = write_one(&w, &r);
    conn = header_of(s, "Connection");
    CHECK(conn && strcmp(conn, "close") == 0);
    CHECK(count_of(s, "Connection:") == 1);
    free(conn), free(s);
}

static void test_cors_and_preflight(void)
{
    http_writer_t w;
    http_writer_init(&w, 6);
    http_response_t r = {.status = 200, .cors = true};
    char *s = write_one(&w, &r);
    char *origin = header_of(s, "Access-Control-Allow-Origin");
    char *expose = header_of(s, "Access-Control-Expose-Headers");
    CHECK(origin && strcmp(origin, "*") == 0);
    CHECK(expose && strcmp(expose, "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date,"
                                   "x-amz-crc32") == 0);
    CHECK(header_of(s, "Access-Control-Allow-Methods") == NULL);
    free(origin), free(expose), free(s);

    const char acrh[] = "content-type,x-amz-target,x-amz-date,authorization";
    r.preflight = true;
    r.allow_methods = "PUT"; /* echoed, whatever it is */
    r.allow_methods_len = 3;
    r.allow_headers = acrh;
    r.allow_headers_len = sizeof acrh - 1;
    s = write_one(&w, &r);
    char *methods = header_of(s, "Access-Control-Allow-Methods");
    char *headers = header_of(s, "Access-Control-Allow-Headers");
    char *age = header_of(s, "Access-Control-Max-Age");
    CHECK(methods && strcmp(methods, "PUT") == 0);
    CHECK(headers && strcmp(headers, acrh) == 0);
    CHECK(age && atoi(age) > 0);
    size_t len = strlen(s);
    CHECK(strcmp(s + len - 4, "\r\n\r\n") == 0 && count_of(s, "\r\n\r\n") == 1);
    free(methods), free(headers), free(age), free(s);

    r.allow_headers = NULL; /* nothing asked: nothing allowed */
    r.allow_methods = NULL;
    s = write_one(&w, &r);
    CHECK(header_of(s, "Access-Control-Allow-Headers") == NULL);
    CHECK(header_of(s, "Access-Control-Allow-Methods") == NULL);
    free(s);
}

/* Request ids differ from response to response and between writers. */
static void test_request_ids_unique(void)
{
    http_writer_t a, b;
    http_writer_init(&a, 7);
    http_writer_init(&b, 8);
    http_response_t r = {.status = 200};
    char *ids[64];
    for (int i = 0; i < 64; i++) {
        char *s = write_one(i % 2 ? &a : &b, &r);
        ids[i] = header_of(s, "x-amzn-RequestId");
        free(s);
    }
    for (int i = 0; i < 64; i++)
        for (int j = i + 1; j < 64; j++) CHECK(strcmp(ids[i], ids[j]) != 0);
    for (int i = 0; i < 64; i++) free(ids[i]);
}

/* Responses append: a pipelined second one follows the first intact. */
static void test_appends(void)
{
    http_writer_t w;
    http_writer_init(&w, 9);
    buf_t b;
    buf_init(&b);
    http_response_t r1 = {.status = 200, .body = "first", .body_len = 5};
    http_response_t r2 = {.status = 404, .body = "second", .body_len = 6};
    http_response_write(&w, &b, &r1);
    size_t first = b.len;
    http_response_write(&w, &b, &r2);
    buf_putc(&b, '\0');
    CHECK(memcmp(b.data + first - 5, "first", 5) == 0);
    CHECK(strncmp(b.data + first, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
    CHECK(strcmp(b.data + b.len - 1 - 6, "second") == 0);
    buf_free(&b);
}

/* A large body is copied whole (the writer sizes its buffer for it). */
static void test_large_body(void)
{
    http_writer_t w;
    http_writer_init(&w, 10);
    size_t n = 3 * 1024 * 1024;
    char *body = malloc(n);
    for (size_t i = 0; i < n; i++) body[i] = (char)('a' + i % 26);
    buf_t b;
    buf_init(&b);
    http_response_t r = {.status = 200, .body = body, .body_len = n};
    http_response_write(&w, &b, &r);
    CHECK(b.len > n && memcmp(b.data + b.len - n, body, n) == 0);
    buf_free(&b);
    free(body);
}

/* A compressed body: Content-Encoding says so, and the CRC-32 and the
 * length are of the bytes sent. */
static void test_content_encoding(void)
{
    http_writer_t w;
    http_writer_init(&w, 11);
    const char sent[] = "\x1f\x8b\x08\x00 compressed bytes";
    http_response_t r = {.status = 200, .content_type = "application/x-amz-json-1.0",
                         .content_encoding = "gzip", .body = sent, .body_len = sizeof sent - 1};
    char *s = write_one(&w, &r);
    char *ce = header_of(s, "Content-Encoding"), *crc = header_of(s, "x-amz-crc32");
    char *cl = header_of(s, "Content-Length"), want[16], len[16];
    snprintf(want, sizeof want, "%lu", crc32(0, (const Bytef *)sent, sizeof sent - 1));
    snprintf(len, sizeof len, "%zu", sizeof sent - 1);
    CHECK(ce && strcmp(ce, "gzip") == 0);
    CHECK(crc && strcmp(crc, want) == 0);
    CHECK(cl && strcmp(cl, len) == 0);
    free(ce), free(crc), free(cl), free(s);
    r.content_encoding = NULL;
    s = write_one(&w, &r);
    CHECK(header_of(s, "Content-Encoding") == NULL);
    free(s);
}

static void test_statuses(void)
{
    CHECK(http_response_status_of(HTTP_ERR_TOO_LARGE) == 413);
    CHECK(http_response_status_of(HTTP_ERR_HEAD_TOO_LARGE) == 431);
    CHECK(http_response_status_of(HTTP_ERR_BAD_VERSION) == 505);
    CHECK(http_response_status_of(HTTP_ERR_BAD_REQUEST) == 400);
    CHECK_STR(http_response_reason(408), "Request Timeout");
    CHECK_STR(http_response_reason(405), "Method Not Allowed");
    CHECK_STR(http_response_reason(299), "Unknown");
}

int main(void)
{
    RUN(test_ok_response_exact_headers);
    RUN(test_header_order);
    RUN(test_empty_body_crc_and_length);
    RUN(test_head_sends_no_body);
    RUN(test_keep_alive_for_http_1_0);
    RUN(test_cors_and_preflight);
    RUN(test_request_ids_unique);
    RUN(test_appends);
    RUN(test_large_body);
    RUN(test_content_encoding);
    RUN(test_statuses);
    return unit_report("http_response");
}
