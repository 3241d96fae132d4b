/* fuzz_sigv4: libFuzzer target for the signature parser and verifier
 * (sigv4.c).
 *
 * An input whose first byte is even is a whole HTTP request (the seeds are
 * the botocore-signed requests of tests/unit/sigv4_vectors.h, so mutations
 * start from valid signatures and reach every step); an odd first byte
 * ('A' of "AWS4-...") makes the input an Authorization value, set into a
 * fixed request (bytes a header cannot hold become blanks).  The request is
 * verified at the vectors' signing time with their key.
 *
 * Checked: success comes with the key and an error without one; an error is
 * one of the authentication errors, with a message; a request without any
 * credentials gets MissingAuthenticationToken; verifying twice (the second
 * time from the signing-key cache) answers the same; sigv4_parse fails with
 * the very message sigv4_verify gives when it fails; an error's answer is
 * valid JSON, whatever bytes of the headers its message quotes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sigv4.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The vectors' key and signing time (tests/unit/sigv4_vectors.h). */
#define FUZZ_NOW 1710028770LL
static sigv4_key_t key = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL, NULL};
static sigv4_key_t token_key = {
    "AKIDTOKEN", "secret", "IQoJb3JpZ2luX2VjEHAaCXVzLWVhc3QtMSJHMEUCIQ+token/with=odd+chars", NULL};
static arena_t *arena;

static const sigv4_key_t *find_key(const void *keys, const char *id, size_t len)
{
    (void)keys;
    if (len == strlen(key.id) && memcmp(id, key.id, len) == 0) return &key;
    if (len == strlen(token_key.id) && memcmp(id, token_key.id, len) == 0) return &token_key;
    return NULL;
}

static void check_outcome(ddb_error_t *e, const sigv4_key_t *k)
{
    if (!e) {
        if (!k) abort();
        return;
    }
    if (k || !e->message || !*e->message) abort();
    if (e->kind != ERR_MISSING_AUTH && e->kind != ERR_INCOMPLETE_SIGNATURE &&
        e->kind != ERR_INVALID_SIGNATURE && e->kind != ERR_UNRECOGNIZED_CLIENT)
        abort();
    /* the answer is JSON, whatever bytes of the headers its message quotes */
    buf_t body;
    buf_init(&body);
    ddb_error_render(e, &body);
    json_value_t *parsed;
    size_t at;
    if (json_parse(arena, body.data, body.len, &parsed, &at) != JSON_OK) abort();
    buf_free(&body);
}

static void verify(const http_request_t *req)
{
    sigv4_verifier_t v = {"us-east-1", "dynamodb", FUZZ_NOW, find_key, NULL};
    const sigv4_key_t *k1, *k2;
    ddb_error_t *e1 = sigv4_verify(arena, req, &v, &k1);
    check_outcome(e1, k1);
    ddb_error_t *e2 = sigv4_verify(arena, req, &v, &k2);
    check_outcome(e2, k2);
    if (k1 != k2 || !e1 != !e2 ||
        (e1 && (e1->kind != e2->kind || strcmp(e1->message, e2->message) != 0)))
        abort();
    if (!sigv4_has_credentials(req) && (!e1 || e1->kind != ERR_MISSING_AUTH)) abort();
    sigv4_auth_t au;
    ddb_error_t *pe = sigv4_parse(arena, req, &au);
    if (pe && (!e1 || pe->kind != e1->kind || strcmp(pe->message, e1->message) != 0)) abort();
    if (!pe) {
        char hash[65];
        sigv4_sha256_hex(req->body, req->body_len, hash);
        if (!sigv4_canonical_request(arena, req, &au, hash)) abort();
    }
}

static void fuzz_request(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    http_limits_t lim = {.max_head = 65536, .max_body = 65536};
    http_request_t req;
    size_t used;
    if (http_parse_request(buf, size, &lim, NULL, &req, &used) == HTTP_COMPLETE) verify(&req);
    free(buf);
}

static void fuzz_authorization(const uint8_t *data, size_t size)
{
    static const char head[] = "POST / HTTP/1.1\r\nHost: localhost:8000\r\n"
                               "X-Amz-Date: 20240309T235930Z\r\nAuthorization: ";
    static const char tail[] = "\r\nContent-Length: 2\r\n\r\n{}";
    size_t n = sizeof head - 1 + size + sizeof tail - 1;
    char *buf = malloc(n);
    memcpy(buf, head, sizeof head - 1);
    for (size_t i = 0; i < size; i++) {
        unsigned char c = data[i];
        buf[sizeof head - 1 + i] = (char)(c == '\t' || (c >= ' ' && c != 0x7f) ? c : ' ');
    }
    memcpy(buf + sizeof head - 1 + size, tail, sizeof tail - 1);
    http_limits_t lim = {.max_head = 65536, .max_body = 64};
    http_request_t req;
    size_t used;
    if (http_parse_request(buf, n, &lim, NULL, &req, &used) != HTTP_COMPLETE) abort();
    verify(&req);
    free(buf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    arena = arena_new(0);
    sigv4_key_init(&key);
    sigv4_key_init(&token_key);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_reset(arena);
    if (size && (data[0] & 1))
        fuzz_authorization(data, size);
    else
        fuzz_request(data, size);
    return 0;
}
