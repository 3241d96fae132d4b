/* Unit tests of http_reply: the response heads this server reads as a
 * client, each case from an exact copy of its bytes (ASan sees any read past
 * them). */
#include <stdlib.h>

#include "http_reply.h"
#include "unit.h"

static http_reply_status_t head(const char *text, size_t max_body, http_reply_t *r)
{
    size_t len = strlen(text);
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    http_reply_status_t st = http_reply_head(copy, len, max_body, r);
    free(copy);
    return st;
}

static void test_well_formed(void)
{
    http_reply_t r;
    CHECK(head("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 100, &r) == HTTP_REPLY_OK);
    CHECK(r.status == 200 && r.head_len == 38 && r.body_len == 2 &&
          r.coding == HTTP_CODING_IDENTITY);
    /* no reason, other headers, spaces around the value, case, a coding */
    CHECK(head("HTTP/1.0 404\r\nx-amzn-RequestId: A\r\ncontent-length:\t 17 \r\n"
               "Content-Encoding: gzip\r\n\r\n",
               100, &r) == HTTP_REPLY_OK);
    CHECK(r.status == 404 && r.body_len == 17 && r.coding == HTTP_CODING_GZIP);
    CHECK(head("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", 0, &r) ==
          HTTP_REPLY_OK);
    CHECK(r.status == 500 && r.body_len == 0);
    /* the body's bytes may or may not follow: the head is read alone */
    CHECK(head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 100, &r) == HTTP_REPLY_OK);
    CHECK(r.head_len == 38 && r.body_len == 5);
    CHECK(head("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 100, &r) == HTTP_REPLY_OK);
}

static void test_incomplete(void)
{
    const char *whole = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
    http_reply_t r;
    for (size_t cut = 0; cut < strlen(whole); cut++) {
        char part[64];
        memcpy(part, whole, cut);
        part[cut] = 0;
        CHECK(head(part, 100, &r) == HTTP_REPLY_MORE);
    }
    /* a head that never ends is refused once it is longer than any answer's */
    char *big = malloc(HTTP_REPLY_MAX_HEAD + 1);
    memset(big, 'x', HTTP_REPLY_MAX_HEAD);
    big[HTTP_REPLY_MAX_HEAD] = 0;
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    CHECK(head(big, 100, &r) == HTTP_REPLY_BAD);
    big[HTTP_REPLY_MAX_HEAD - 1] = 0;
    CHECK(head(big, 100, &r) == HTTP_REPLY_MORE);
    /* a complete one of the limit's length is read, one longer is not */
    memcpy(big + HTTP_REPLY_MAX_HEAD - 5, "\r\n\r\n", 5);
    memcpy(big + 17, "Content-Length: 0\r\nX: ", 22);
    CHECK(head(big, 100, &r) == HTTP_REPLY_OK && r.head_len == HTTP_REPLY_MAX_HEAD - 1);
    free(big);
    big = malloc(HTTP_REPLY_MAX_HEAD + 2);
    memset(big, 'x', HTTP_REPLY_MAX_HEAD + 1);
    memcpy(big, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: ", 39);
    memcpy(big + HTTP_REPLY_MAX_HEAD - 3, "\r\n\r\n", 5);
    CHECK(head(big, 100, &r) == HTTP_REPLY_BAD);
    free(big);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 099 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n",
        "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",                                          /* no length */
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", /* two */
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551617\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", /* over the caller's limit */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nno colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n: empty name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nbad name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n folded: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: a\rb\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: a\nb\r\n\r\n",
        "\r\n\r\n",
    };
    http_reply_t r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (head(bad[i], 100, &r) != HTTP_REPLY_BAD) {
            fprintf(stderr, "accepted: %s\n", bad[i]);
            CHECK(0);
        }
    }
    /* a NUL inside the head */
    static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n";
    CHECK(http_reply_head(nul, sizeof nul - 1, 100, &r) == HTTP_REPLY_BAD);
}

int main(void)
{
    RUN(test_well_formed);
    RUN(test_incomplete);
    RUN(test_malformed);
    return unit_report("http_reply");
}
