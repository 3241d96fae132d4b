/* fuzz_http_reply: libFuzzer target for the reading of response heads from
 * other servers (peer regions, the cluster's leader, a node asked by the
 * admin command).
 *
 * The input is read whole and at every prefix length, each from a heap copy
 * of exactly that many bytes (ASan sees any read past them).  Checked: an
 * accepted head lies inside the bytes given and its body length within the
 * limit; a prefix is either incomplete or, once it holds the whole head,
 * gives the same answer as the whole input; an incomplete answer never
 * comes for more bytes than a head may have. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_reply.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIMIT 1000

static http_reply_status_t read_copy(const uint8_t *data, size_t len, http_reply_t *r)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) abort();
    memcpy(copy, data, len);
    http_reply_status_t st = http_reply_head(copy, len, LIMIT, r);
    free(copy);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    http_reply_t whole;
    http_reply_status_t st = read_copy(data, size, &whole);
    FUZZ_CHECK(st == HTTP_REPLY_OK || st == HTTP_REPLY_MORE || st == HTTP_REPLY_BAD);
    if (st == HTTP_REPLY_MORE) FUZZ_CHECK(size < HTTP_REPLY_MAX_HEAD);
    if (st == HTTP_REPLY_OK) {
        FUZZ_CHECK(whole.head_len >= 4 && whole.head_len <= size);
        FUZZ_CHECK(whole.head_len <= HTTP_REPLY_MAX_HEAD);
        FUZZ_CHECK(memcmp(data + whole.head_len - 4, "\r\n\r\n", 4) == 0);
        FUZZ_CHECK(whole.body_len <= LIMIT);
        FUZZ_CHECK(whole.status >= 100 && whole.status <= 999);
    }
    for (size_t cut = 0; cut < size; cut++) {
        http_reply_t part;
        http_reply_status_t ps = read_copy(data, cut, &part);
        if (ps == HTTP_REPLY_MORE) continue;
        /* a prefix that holds a whole head answers as the whole input does */
        FUZZ_CHECK(ps == st);
        if (ps == HTTP_REPLY_OK)
            FUZZ_CHECK(part.head_len == whole.head_len && part.body_len == whole.body_len &&
                       part.status == whole.status && part.coding == whole.coding);
    }
    return 0;
}
