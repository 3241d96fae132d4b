/* test_sigv4: Signature Version 4 verification (src/sigv4.c) against
 * known answers computed elsewhere: the signing key of the AWS
 * documentation's worked example, and requests signed by botocore
 * (sigv4_vectors.h, written by sigv4_vectors.py): their canonical request,
 * string to sign and signature, acceptance inside the time window and
 * refusal outside it, with another secret, a changed body or a wrong
 * session token.  Then every malformed form with the service's exact text,
 * dates, and the signing-key cache across days. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sigv4.h"
#include "sigv4_vectors.h"
#include "unit.h"

static arena_t *arena;

/* The request parser keeps pointers into its buffer: one heap copy per
 * parse, kept until the next. */
static char *raw_copy;
static http_request_t parsed;

static const http_request_t *parse(const char *raw)
{
    free(raw_copy);
    size_t len = strlen(raw);
    raw_copy = malloc(len + 1);
    memcpy(raw_copy, raw, len + 1);
    http_limits_t lim = {.max_head = 65536, .max_body = 1 << 20};
    size_t used;
    if (http_parse_request(raw_copy, len, &lim, NULL, &parsed, &used) != HTTP_COMPLETE) {
        fprintf(stderr, "cannot parse the test request:\n%s\n", raw);
        abort();
    }
    return &parsed;
}

static sigv4_key_t test_key, token_key, other_key;

static const sigv4_key_t *find_key(const void *keys, const char *id, size_t len)
{
    const sigv4_key_t *const *list = keys;
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]->id) == len && memcmp(list[i]->id, id, len) == 0) return list[i];
    return NULL;
}

static const sigv4_key_t *plain_keys[] = {&test_key, &other_key, NULL};
static const sigv4_key_t *token_keys[] = {&token_key, &other_key, NULL};

static sigv4_verifier_t verifier(int64_t now, bool with_token)
{
    return (sigv4_verifier_t){VECTOR_REGION, "dynamodb", now, find_key,
                              with_token ? (const void *)token_keys : (const void *)plain_keys};
}

/* The error's text, or "" on success. */
static const char *verify_at(const char *raw, int64_t now, bool with_token)
{
    arena_reset(arena);
    sigv4_verifier_t v = verifier(now, with_token);
    const sigv4_key_t *key;
    ddb_error_t *e = sigv4_verify(arena, parse(raw), &v, &key);
    if (e) {
        CHECK(key == NULL);
        return e->message ? e->message : "(no message)";
    }
    CHECK(key == (with_token ? &token_key : &test_key));
    return "";
}

static ddb_error_kind_t kind_at(const char *raw, int64_t now)
{
    arena_reset(arena);
    sigv4_verifier_t v = verifier(now, false);
    const sigv4_key_t *key;
    ddb_error_t *e = sigv4_verify(arena, parse(raw), &v, &key);
    return e ? e->kind : ERR_KIND_COUNT;
}

#define MISMATCH                                                                                   \
    "The request signature we calculated does not match the signature you provided. Check your "   \
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
#define BAD_TOKEN "The security token included in the request is invalid."

static void test_signing_key_documented(void)
{
    /* The AWS documentation's example of deriving a signing key. */
    uint8_t k[32];
    char hex[65];
    sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam",
                      k);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", k[i]);
    CHECK_STR(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

static void test_sha256_hex(void)
{
    char hex[65];
    sigv4_sha256_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sigv4_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* Our canonical request, string to sign and signature equal botocore's. */
static void test_vectors_canonical(void)
{
    for (size_t i = 0; i < sizeof sigv4_vectors / sizeof sigv4_vectors[0]; i++) {
        const sigv4_vector_t *vec = &sigv4_vectors[i];
        arena_reset(arena);
        const http_request_t *req = parse(vec->request);
        sigv4_auth_t au;
        CHECK(sigv4_parse(arena, req, &au) == NULL);
        const http_header_t *claimed = http_request_header(req, "x-amz-content-sha256");
        char hash[65];
        sigv4_sha256_hex(req->body, req->body_len, hash);
        const char *payload =
            claimed ? arena_strndup(arena, claimed->value, claimed->value_len) : hash;
        char *canonical = sigv4_canonical_request(arena, req, &au, payload);
        if (strcmp(canonical, vec->canonical) != 0)
            fprintf(stderr, "vector %s: canonical request\n%s\n--- botocore:\n%s\n", vec->name,
                    canonical, vec->canonical);
        CHECK_STR(canonical, vec->canonical);

        char canonical_hash[65], sts[512];
        sigv4_sha256_hex(canonical, strlen(canonical), canonical_hash);
        snprintf(sts, sizeof sts,
                 "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/"
                 "dynamodb/aws4_request\n%s",
                 canonical_hash);
        CHECK_STR(sts, vec->string_to_sign);

        uint8_t k[32], mac[32];
        unsigned mac_len;
        sigv4_signing_key(VECTOR_SECRET, "20240309", VECTOR_REGION, "dynamodb", k);
        HMAC(EVP_sha256(), k, 32, (const uint8_t *)sts, strlen(sts), mac, &mac_len);
        char sig[65];
        for (int b = 0; b < 32; b++)
            snprintf(sig + 2 * b, 3, "%02x", mac[b]);
        CHECK_STR(sig, vec->signature);
        /* the signer of the calls this server makes gives the same */
        char own[65];
        sigv4_signature_hex(k, sts, strlen(sts), own);
        CHECK_STR(own, vec->signature);
        CHECK_STR(au.signature, vec->signature);
    }
}

static void test_vectors_verify(void)
{
    for (size_t i = 0; i < sizeof sigv4_vectors / sizeof sigv4_vectors[0]; i++) {
        const sigv4_vector_t *vec = &sigv4_vectors[i];
        bool token = vec->session_token;
        const char *want = vec->accept ? "" : MISMATCH;
        if (strcmp(verify_at(vec->request, VECTOR_NOW, token), want) != 0)
            fprintf(stderr, "vector %s: %s\n", vec->name,
                    verify_at(vec->request, VECTOR_NOW, token));
        CHECK_STR(verify_at(vec->request, VECTOR_NOW, token), want);
        /* the edges of the window, also after midnight */
        CHECK_STR(verify_at(vec->request, VECTOR_NOW - SIGV4_WINDOW_S, token), want);
        CHECK_STR(verify_at(vec->request, VECTOR_NOW + 30, token), want);
        /* the key with or without a token, when the request is the other way */
        if (vec->accept) CHECK_STR(verify_at(vec->request, VECTOR_NOW, !token), BAD_TOKEN);
    }
}

static const sigv4_vector_t *vector_named(const char *name)
{
    for (size_t i = 0; i < sizeof sigv4_vectors / sizeof sigv4_vectors[0]; i++)
        if (strcmp(sigv4_vectors[i].name, name) == 0) return &sigv4_vectors[i];
    abort();
}

static void test_vectors_time_window(void)
{
    const char *raw = vector_named("get_item")->request;
    /* VECTOR_NOW is 2024-03-09T23:59:30Z */
    CHECK_STR(verify_at(raw, VECTOR_NOW + SIGV4_WINDOW_S, false), "");
    CHECK_STR(verify_at(raw, VECTOR_NOW + SIGV4_WINDOW_S + 1, false),
              "Signature expired: 20240309T235930Z is now earlier than 20240309T235931Z "
              "(20240310T001431Z - 15 min.)");
    CHECK_STR(verify_at(raw, VECTOR_NOW - SIGV4_WINDOW_S - 1, false),
              "Signature not yet current: 20240309T235930Z is still later than 20240309T235929Z "
              "(20240309T234429Z + 15 min.)");
    CHECK(kind_at(raw, VECTOR_NOW + 86400) == ERR_INVALID_SIGNATURE);

    /* presigned: X-Amz-Expires replaces the window into the past */
    const char *pre = vector_named("presigned")->request; /* 3600 s */
    CHECK_STR(verify_at(pre, VECTOR_NOW + 3600, false), "");
    CHECK_STR(verify_at(pre, VECTOR_NOW + 3601, false),
              "Signature expired: 20240309T235930Z is now earlier than 20240309T235931Z "
              "(20240310T005931Z - 60 min.)");
    CHECK_STR(verify_at(pre, VECTOR_NOW - SIGV4_WINDOW_S - 1, false),
              "Signature not yet current: 20240309T235930Z is still later than 20240309T235929Z "
              "(20240309T234429Z + 15 min.)");
    const char *short_lived = vector_named("presigned_token")->request; /* 60 s */
    CHECK_STR(verify_at(short_lived, VECTOR_NOW + 60, true), "");
    CHECK_STR(verify_at(short_lived, VECTOR_NOW + 61, true),
              "Signature expired: 20240309T235930Z is now earlier than 20240309T235931Z "
              "(20240310T000031Z - 1 min.)");
}

/* raw with the first occurrence of from replaced by to. */
static char *replaced(const char *raw, const char *from, const char *to)
{
    const char *at = strstr(raw, from);
    if (!at) {
        fprintf(stderr, "'%s' not in the request\n", from);
        abort();
    }
    size_t n = strlen(raw) - strlen(from) + strlen(to);
    char *out = arena_alloc(arena, n + 1);
    size_t head = (size_t)(at - raw);
    memcpy(out, raw, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static const char *verify_replaced(const char *name, const char *from, const char *to)
{
    arena_reset(arena);
    char *raw = replaced(vector_named(name)->request, from, to);
    char *keep = strdup(raw);
    const char *msg = verify_at(keep, VECTOR_NOW, false);
    static char out[2048];
    snprintf(out, sizeof out, "%s", msg);
    free(keep);
    return out;
}

static void test_tampering(void)
{
    /* the body, the target, a signed header, the path, the query */
    CHECK_STR(verify_replaced("get_item", "\"u1\"", "\"u2\""), MISMATCH);
    CHECK_STR(verify_replaced("get_item", "DynamoDB_20120810.GetItem", "DynamoDB_20120810.PutItem"),
              MISMATCH);
    CHECK_STR(verify_replaced("get_item", "Host: localhost:8000", "Host: localhost:8001"),
              MISMATCH);
    CHECK_STR(verify_replaced("get_item", "POST / ", "POST /x "), MISMATCH);
    CHECK_STR(verify_replaced("query_string", "b=2", "b=3"), MISMATCH);
    CHECK_STR(verify_replaced("presigned", "X-Amz-Expires=3600", "X-Amz-Expires=3601"), MISMATCH);
    /* an unsigned header may change */
    CHECK_STR(verify_replaced("get_item", "Content-Length:", "X-Unsigned: 1\r\nContent-Length:"),
              "");
    /* the signature: one digit, upper case, truncated, longer */
    const char *sig = vector_named("get_item")->signature;
    char changed[80];
    snprintf(changed, sizeof changed, "%.63s%c", sig, sig[63] == '0' ? '1' : '0');
    CHECK_STR(verify_replaced("get_item", sig, changed), MISMATCH);
    snprintf(changed, sizeof changed, "%s", sig);
    for (char *c = changed; *c; c++)
        if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 32);
    CHECK_STR(verify_replaced("get_item", sig, changed), MISMATCH);
    snprintf(changed, sizeof changed, "%.62s", sig);
    CHECK_STR(verify_replaced("get_item", sig, changed), MISMATCH);
    snprintf(changed, sizeof changed, "%s00", sig);
    CHECK_STR(verify_replaced("get_item", sig, changed), MISMATCH);
    /* another key that exists, with the same signature */
    CHECK_STR(verify_replaced("get_item", "Credential=AKIDEXAMPLE/", "Credential=AKIDOTHER/"),
              MISMATCH);
    CHECK_STR(verify_replaced("get_item", "Credential=AKIDEXAMPLE/", "Credential=AKIDNONE/"),
              BAD_TOKEN);
    /* the session token changed, or sent to a key without one */
    CHECK_STR(verify_replaced("session_token", "with=odd", "with=odD"), MISMATCH);
}

/* A request with the given Authorization (NULL: none) and extra header lines. */
static const char *verify_with(const char *target, const char *authorization, const char *extra)
{
    static char raw[4096];
    snprintf(raw, sizeof raw,
             "POST %s HTTP/1.1\r\nHost: localhost:8000\r\n"
             "Content-Type: application/x-amz-json-1.0\r\n"
             "X-Amz-Target: DynamoDB_20120810.ListTables\r\n%s%s%s%sContent-Length: 2\r\n\r\n{}",
             target, authorization ? "Authorization: " : "", authorization ? authorization : "",
             authorization ? "\r\n" : "", extra);
    return verify_at(raw, VECTOR_NOW, false);
}

#define DATE "X-Amz-Date: 20240309T235930Z\r\n"
#define GOOD_CRED "Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request"
#define SIG "Signature=0000000000000000000000000000000000000000000000000000000000000000"

static void test_missing(void)
{
    const char *missing = "Request is missing Authentication Token";
    CHECK_STR(verify_with("/", NULL, DATE), missing);
    CHECK_STR(verify_with("/", "AWS4", DATE), missing);
    CHECK_STR(verify_with("/", "Basic dXNlcjpwYXNz", DATE), missing);
    CHECK_STR(verify_with("/", "aws4-hmac-sha256 " GOOD_CRED, DATE), missing);
    /* query parameters of the presigned form without X-Amz-Algorithm */
    CHECK_STR(verify_with("/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c"
                          "&X-Amz-Date=d",
                          NULL, ""),
              missing);
    CHECK_STR(verify_with("/?X-Amz-Algorith", "X", ""), missing);
    /* both forms, whatever the header says */
    const char *both = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' "
                       "as HTTP header.";
    CHECK_STR(verify_with("/?X-Amz-Algorithm", "X", ""), both);
    CHECK_STR(verify_with("/?a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256", DATE),
              both);
    CHECK(kind_at("POST /?X-Amz-Algorithm HTTP/1.1\r\nAuthorization: X\r\n\r\n", VECTOR_NOW) ==
          ERR_INVALID_SIGNATURE);
    CHECK(kind_at("POST / HTTP/1.1\r\n\r\n", VECTOR_NOW) == ERR_MISSING_AUTH);
}

static void test_incomplete_header(void)
{
    CHECK_STR(verify_with("/", "AWS4-", ""),
              "Authorization header requires 'Credential' parameter. Authorization header "
              "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
              "parameter. Authorization header requires existence of either a 'X-Amz-Date' or "
              "a 'Date' header. Authorization=AWS4-");
    CHECK_STR(verify_with("/", "AWS4- Signature=b Credential=a", "Date: a\r\n"),
              "Authorization header requires 'SignedHeaders' parameter. "
              "Authorization=AWS4- Signature=b Credential=a");
    CHECK_STR(verify_with("/", "AWS4- Signature=b,Credential=a", "Date: a\r\n"),
              "Authorization header requires 'SignedHeaders' parameter. "
              "Authorization=AWS4- Signature=b,Credential=a");
    CHECK_STR(verify_with("/", "AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host", DATE),
              "Authorization header requires 'Signature' parameter. "
              "Authorization=AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host");
    /* empty values count as missing, but an empty SignedHeaders does not */
    CHECK_STR(verify_with("/", "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=", DATE),
              "Authorization header requires 'Credential' parameter. Authorization header "
              "requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=, "
              "SignedHeaders=, Signature=");
    /* names are case-sensitive */
    CHECK_STR(verify_with("/", "AWS4-HMAC-SHA256 credential=a, SignedHeaders=host, " SIG, DATE),
              "Authorization header requires 'Credential' parameter. Authorization="
              "AWS4-HMAC-SHA256 credential=a, SignedHeaders=host, " SIG);
    /* a token without '=', before any missing part is reported */
    CHECK_STR(verify_with("/",
                          "AWS4-HMAC-SHA256 Credential=AKID /20240309/us-east-1/dynamodb/"
                          "aws4_request, SignedHeaders=host, " SIG,
                          DATE),
              "'/20240309/us-east-1/dynamodb/aws4_request' not a valid key=value pair (missing "
              "equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=AKID "
              "/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=host, " SIG "'.");
    CHECK_STR(verify_with("/", "AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders", ""),
              "'Credential' not a valid key=value pair (missing equal-sign) in Authorization "
              "header: 'AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders'.");
    CHECK(kind_at("POST / HTTP/1.1\r\nAuthorization: AWS4-\r\n\r\n", VECTOR_NOW) ==
          ERR_INCOMPLETE_SIGNATURE);
}

static void test_incomplete_query(void)
{
    CHECK_STR(verify_with("/?X-Amz-Algorithm", NULL, ""),
              "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string "
              "parameters must include 'X-Amz-Credential'. AWS query-string parameters must "
              "include 'X-Amz-Signature'. AWS query-string parameters must include "
              "'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. "
              "Re-examine the query-string parameters.");
    CHECK_STR(verify_with("/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c"
                          "&X-Amz-Date=d",
                          NULL, ""),
              "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the "
              "query-string parameters.");
    /* the parameters are read decoded */
    CHECK_STR(verify_with("/?X%2DAmz%2DAlgorithm=a&X-Amz-Credential=b&X-Amz-Signature=c"
                          "&X-Amz-Date=d&X-Amz-SignedHeaders=",
                          NULL, ""),
              "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the "
              "query-string parameters.");
}

#define FULL(cred, signed_headers)                                                                 \
    "AWS4-HMAC-SHA256 Credential=" cred ", SignedHeaders=" signed_headers ", " SIG

static void test_dates(void)
{
    const char *good = FULL("AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request", "host");
    CHECK_STR(verify_with("/", good, "X-Amz-Date: 201\r\n"),
              "Date must be in ISO-8601 'basic format'. Got '201'. See "
              "http://en.wikipedia.org/wiki/ISO_8601");
    CHECK_STR(verify_with("/", good, "X-Amz-Date: 20240230T000000Z\r\n"),
              "Date must be in ISO-8601 'basic format'. Got '20240230T000000Z'. See "
              "http://en.wikipedia.org/wiki/ISO_8601");
    /* X-Amz-Date must be ISO-8601; the Date header may be an HTTP date */
    CHECK_STR(verify_with("/", good, "X-Amz-Date: Sat, 09 Mar 2024 23:59:30 GMT\r\n"),
              "Date must be in ISO-8601 'basic format'. Got 'Sat, 09 Mar 2024 23:59:30 GMT'. "
              "See http://en.wikipedia.org/wiki/ISO_8601");
    CHECK_STR(verify_with("/", good, "Date: Sat, 09 Mar 2024 23:59:30 GMT\r\n"), MISMATCH);
    CHECK_STR(verify_with("/", good, "Date: 20240309T235930Z\r\n"), MISMATCH);
    CHECK_STR(verify_with("/", good, "Date: Sat, 09 Mar 2024 23:59:30 XYZ\r\n"),
              "Date must be in ISO-8601 'basic format'. Got 'Sat, 09 Mar 2024 23:59:30 XYZ'. "
              "See http://en.wikipedia.org/wiki/ISO_8601");
    /* X-Amz-Date wins over Date */
    CHECK_STR(verify_with("/", good, "Date: junk\r\n" DATE), MISMATCH);
    CHECK_STR(verify_with("/", good, "X-Amz-Date: 20130301T000000Z\r\n"),
              "Signature expired: 20130301T000000Z is now earlier than 20240309T234430Z "
              "(20240309T235930Z - 15 min.)");

    int64_t t;
    CHECK(sigv4_date_parse("20240229T235959Z", 16, false, &t) && t == 1709251199);
    CHECK(!sigv4_date_parse("20230229T000000Z", 16, false, &t));
    CHECK(!sigv4_date_parse("20240101T240000Z", 16, false, &t));
    CHECK(!sigv4_date_parse("20240101T000000z", 16, false, &t));
    CHECK(!sigv4_date_parse("2024010 T000000Z", 16, false, &t));
    CHECK(sigv4_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29, true, &t) && t == 784111777);
    CHECK(sigv4_date_parse("Sun, 6 Nov 1994 08:49:37 GMT", 28, true, &t) && t == 784111777);
    CHECK(sigv4_date_parse("Sun, 06 Nov 1994 09:49:37 +0100", 31, true, &t) && t == 784111777);
    CHECK(sigv4_date_parse("Sun, 06 Nov 1994 08:49:37 -0000", 31, true, &t) && t == 784111777);
    CHECK(!sigv4_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29, false, &t));
    CHECK(!sigv4_date_parse("Xyz, 06 Nov 1994 08:49:37 GMT", 29, true, &t));
    CHECK(!sigv4_date_parse("Sun, 06 Nox 1994 08:49:37 GMT", 29, true, &t));
    CHECK(!sigv4_date_parse("Sun, 06 Nov 1994 08:49:37", 25, true, &t));
    char iso[17];
    sigv4_date_format(784111777, iso);
    CHECK_STR(iso, "19941106T084937Z");
}

/* The hand-made formatter agrees with gmtime/strftime over every kind of
 * day: leap years, century years, before 1970, both ends of four-digit
 * years; out of that range it gives zeros. */
static void test_date_format(void)
{
    static const int64_t fixed[] = {0,
                                    -1,
                                    86399,
                                    86400,
                                    951782400 /* 2000-02-29 */,
                                    4107542400 /* 2100-03-01 */,
                                    -2208988800 /* 1900-01-01 */,
                                    -62167219200 /* 0000-01-01 */,
                                    253402300799 /* 9999 */};
    int64_t cases[2000 + sizeof fixed / sizeof fixed[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        cases[n++] = fixed[i];
    uint64_t x = 88172645463325252ull; /* xorshift: spread over the whole range */
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        cases[n++] = -62167219200 + (int64_t)(x % (253402300799ull + 62167219201ull));
    }
    for (size_t i = 0; i < n; i++) {
        time_t t = (time_t)cases[i];
        struct tm tm;
        char want[96], got[17];
        CHECK(gmtime_r(&t, &tm) != NULL);
        snprintf(want, sizeof want, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        sigv4_date_format(cases[i], got);
        CHECK_STR(got, want);
        int64_t back; /* the parser takes years 1 to 9999 */
        if (memcmp(got, "0000", 4) != 0)
            CHECK(sigv4_date_parse(got, 16, false, &back) && back == cases[i]);
    }
    char out[17];
    sigv4_date_format(-62167219201, out);
    CHECK_STR(out, "00000000T000000Z");
    sigv4_date_format(253402300800, out);
    CHECK_STR(out, "00000000T000000Z");
}

/* SignedHeaders in any order, case, and repeated give the canonical
 * request of the sorted list, as clients send it. */
static void test_signed_headers_order(void)
{
    const char *head = "POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 20240309T235930Z\r\n"
                       "X-Amz-Target: T\r\nAuthorization: AWS4-HMAC-SHA256 Credential="
                       "AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=";
    const char *lists[] = {"host;x-amz-date;x-amz-target", "x-amz-target;host;x-amz-date",
                           "x-amz-date;X-Amz-Target;host;host", "x-amz-target;x-amz-date;host"};
    char *first = NULL;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        arena_reset(arena);
        char *raw = arena_sprintf(arena, "%s%s, Signature=x\r\n\r\n", head, lists[i]);
        sigv4_auth_t au;
        const http_request_t *req = parse(raw);
        CHECK(sigv4_parse(arena, req, &au) == NULL);
        char *c = sigv4_canonical_request(arena, req, &au, "hash");
        if (!first) {
            first = strdup(c);
            CHECK_STR(first, "POST\n/\n\nhost:h\nx-amz-date:20240309T235930Z\nx-amz-target:T\n\n"
                             "host;x-amz-date;x-amz-target\nhash");
        } else {
            CHECK_STR(c, first);
        }
    }
    free(first);
}

/* Every digest's hex, against OpenSSL's digest printed by snprintf: the
 * digits of every nibble value, in every position. */
static void test_sha256_hex_digits(void)
{
    uint8_t data[300];
    for (size_t n = 0; n < sizeof data; n++) {
        for (size_t i = 0; i < n; i++)
            data[i] = (uint8_t)(i * 31 + n);
        uint8_t md[32];
        unsigned md_len;
        CHECK(EVP_Digest(data, n, md, &md_len, EVP_sha256(), NULL) && md_len == 32);
        char want[65], got[65];
        for (int b = 0; b < 32; b++)
            snprintf(want + 2 * b, 3, "%02x", md[b]);
        sigv4_sha256_hex(data, n, got);
        CHECK_STR(got, want);
    }
}

/* Header names matched in any case, whatever their length (short, a word,
 * more, a word and a bit): a name differing only in one character, even one
 * that folding bits would confuse ('^' and '~'), is another header.
 * Values keep their inner blanks as one space wherever they fall. */
static void test_canonical_header_names(void)
{
    arena_reset(arena);
    const char *raw =
        "POST / HTTP/1.1\r\nHost: h\r\nA: 12345678\t9\r\nX-Ab:  two  words\there  \r\n"
        "X-aBcDeFg: 3\r\nY-ABCDEFGH: no\r\nX-ABCDEFGH: 0123456789 x\r\n"
        "x-abcdefghijklmn: 5\r\nX-ABCDEFGHIJKLMNOPQRSTU: 6\r\nX-A^B: no\r\nX-ABCDEFG^: no\r\n"
        "X-Amz-Date: 20240309T235930Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential="
        "AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=a;host;x-a~b;"
        "x-ab;x-abcdefg;x-abcdefg~;x-abcdefgh;x-abcdefghijklmn;x-abcdefghijklmnopqrstu;"
        "x-abcdefghijklmnopqrstv, Signature=x\r\n\r\n";
    sigv4_auth_t au;
    const http_request_t *req = parse(raw);
    CHECK(sigv4_parse(arena, req, &au) == NULL);
    CHECK_STR(sigv4_canonical_request(arena, req, &au, "hash"),
              "POST\n/\n\na:12345678 9\nhost:h\nx-ab:two words here\nx-abcdefg:3\n"
              "x-abcdefgh:0123456789 x\nx-abcdefghijklmn:5\nx-abcdefghijklmnopqrstu:6\n"
              "x-abcdefghijklmnopqrstv:\nx-abcdefg~:\nx-a~b:\n\n"
              "a;host;x-ab;x-abcdefg;x-abcdefgh;x-abcdefghijklmn;x-abcdefghijklmnopqrstu;"
              "x-abcdefghijklmnopqrstv;x-abcdefg~;x-a~b\nhash");
}

/* The Authorization value's parts between any run of blanks, tabs and
 * commas; the first of a repeated part counts; the parts' lengths are
 * theirs. */
static void test_authorization_parts(void)
{
    arena_reset(arena);
    const char *raw = "POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 20240309T235930Z\r\n"
                      "Authorization: AWS4-HMAC-SHA256\t,Credential=AKIDEXAMPLE/20240309/"
                      "us-east-1/dynamodb/aws4_request,,SignedHeaders=host;x-amz-date ,\t "
                      "Signature=abc, Signature=def,Credential=x\r\n\r\n";
    sigv4_auth_t au;
    CHECK(sigv4_parse(arena, parse(raw), &au) == NULL);
    CHECK_STR(au.algorithm, "AWS4-HMAC-SHA256");
    CHECK(au.algorithm_len == 16);
    CHECK_STR(au.credential, "AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request");
    CHECK(au.credential_len == strlen(au.credential));
    CHECK_STR(au.signed_headers, "host;x-amz-date");
    CHECK(au.signed_headers_len == 15);
    CHECK_STR(au.signature, "abc");
    CHECK(au.signature_len == 3);
    CHECK_STR(au.date, "20240309T235930Z");
    CHECK(au.date_len == 16 && !au.date_is_http && !au.token && !au.content_sha256);
    CHECK(au.header_len == strlen(au.header) && strstr(au.header, "Credential=x"));
    /* the same separators in a signed request */
    CHECK_STR(verify_replaced("get_item", "AWS4-HMAC-SHA256 Credential",
                              "AWS4-HMAC-SHA256\t, Credential"),
              "");
    CHECK_STR(verify_replaced("get_item", ", SignedHeaders=", ",,\t SignedHeaders="), "");
    CHECK_STR(verify_replaced("get_item", ", Signature=", " Signature="), "");
}

static void test_expires(void)
{
    const char *pre = vector_named("presigned")->request;
    const char *bad[] = {"0", "604801", "-1", "1e3", "", "99999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        arena_reset(arena);
        char from[] = "X-Amz-Expires=3600", to[64];
        snprintf(to, sizeof to, "X-Amz-Expires=%s", bad[i]);
        char *raw = strdup(replaced(pre, from, to));
        char want[256];
        snprintf(want, sizeof want,
                 "X-Amz-Expires must be a whole number of seconds from 1 to 604800, got '%s'. "
                 "Re-examine the query-string parameters.",
                 bad[i]);
        CHECK_STR(verify_at(raw, VECTOR_NOW, false), want);
        free(raw);
    }
    arena_reset(arena);
    char *raw = strdup(replaced(pre, "X-Amz-Expires=3600", "X-Amz-Expires=604800"));
    CHECK_STR(verify_at(raw, VECTOR_NOW, false), MISMATCH); /* in range, not what was signed */
    free(raw);
}

static void test_host_algorithm_credential(void)
{
    CHECK_STR(verify_with("/",
                          FULL("AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request",
                               "x-amz-date;x-amz-target"),
                          DATE),
              "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    CHECK_STR(
        verify_with("/", FULL("AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request", ""), DATE),
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    /* SignedHeaders in any case and order, with blanks: host is found */
    CHECK_STR(
        verify_with("/",
                    FULL("AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request", "x-amz-date;HOST"),
                    DATE),
        MISMATCH);
    CHECK_STR(verify_with("/", "AWS4-HMAC-SHA25 " GOOD_CRED ", SignedHeaders=host, " SIG, DATE),
              "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ");
    CHECK_STR(verify_with("/", FULL("a/b/c/d", "host"), DATE),
              "Credential must have exactly 5 slash-delimited elements, e.g. "
              "keyid/date/region/service/term, got 'a/b/c/d'");
    CHECK_STR(verify_with("/", FULL("a/b/c/d/e/f", "host"), DATE),
              "Credential must have exactly 5 slash-delimited elements, e.g. "
              "keyid/date/region/service/term, got 'a/b/c/d/e/f'");
    /* trailing slashes do not count; empty parts inside do */
    CHECK_STR(verify_with("/",
                          FULL("AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request//", "host"),
                          DATE),
              MISMATCH);
    CHECK_STR(verify_with("/", FULL("a//b/c/d/e", "host"), DATE),
              "Credential must have exactly 5 slash-delimited elements, e.g. "
              "keyid/date/region/service/term, got 'a//b/c/d/e'");
    CHECK_STR(verify_with("/", FULL("AKIDEXAMPLE/b/c/d/e", "host"), DATE),
              "Credential should be scoped to a valid region. Credential should be scoped to "
              "correct service: 'dynamodb'. Credential should be scoped with a valid terminator: "
              "'aws4_request', not 'e'. Date in Credential scope does not match YYYYMMDD from "
              "ISO-8601 version of date from HTTP: 'b' != '20240309', from '20240309T235930Z'. ");
    CHECK_STR(verify_with("/", FULL("AKIDEXAMPLE/20240309/eu-west-1/dynamodb/aws4_request", "host"),
                          DATE),
              "Credential should be scoped to a valid region. ");
    CHECK_STR(verify_with("/", FULL("AKIDEXAMPLE/20240309/us-east-1/DynamoDB/aws4_request", "host"),
                          DATE),
              "Credential should be scoped to correct service: 'dynamodb'. ");
    CHECK_STR(verify_with("/", FULL("AKIDEXAMPLE/20240308/us-east-1/dynamodb/aws4_request", "host"),
                          DATE),
              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
              "from HTTP: '20240308' != '20240309', from '20240309T235930Z'. ");
    /* the scope is checked before the key */
    CHECK_STR(
        verify_with("/", FULL("NOSUCHKEY/20240309/eu-west-1/dynamodb/aws4_request", "host"), DATE),
        "Credential should be scoped to a valid region. ");
    CHECK_STR(
        verify_with("/", FULL("NOSUCHKEY/20240309/us-east-1/dynamodb/aws4_request", "host"), DATE),
        BAD_TOKEN);
    CHECK(kind_at("POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 20240309T235930Z\r\nAuthorization: "
                  "AWS4-HMAC-SHA256 Credential=NOSUCHKEY/20240309/us-east-1/dynamodb/"
                  "aws4_request, SignedHeaders=host, " SIG "\r\n\r\n",
                  VECTOR_NOW) == ERR_UNRECOGNIZED_CLIENT);
}

static void test_has_credentials(void)
{
    CHECK(sigv4_has_credentials(parse("POST / HTTP/1.1\r\nAuthorization: x\r\n\r\n")));
    CHECK(sigv4_has_credentials(parse("POST /?a&X-Amz-Algorithm HTTP/1.1\r\n\r\n")));
    CHECK(!sigv4_has_credentials(parse("POST /?X-Amz-Algorith HTTP/1.1\r\n\r\n")));
    CHECK(!sigv4_has_credentials(parse("POST / HTTP/1.1\r\nX-Amz-Date: x\r\n\r\n")));
}

/* Signs a ListTables request made at time t with this module's own pieces
 * (their agreement with botocore is tested above), for the cache test. */
static char *signed_at(int64_t t)
{
    char iso[17];
    sigv4_date_format(t, iso);
    char *raw = arena_sprintf(arena,
                              "POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Date: %s\r\nAuthorization: "
                              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%.8s/us-east-1/dynamodb/"
                              "aws4_request, SignedHeaders=host;x-amz-date, Signature=%s\r\n"
                              "Content-Length: 2\r\n\r\n{}",
                              iso, iso, "x");
    sigv4_auth_t au;
    const http_request_t *req = parse(raw);
    CHECK(sigv4_parse(arena, req, &au) == NULL);
    char hash[65], canonical_hash[65];
    sigv4_sha256_hex("{}", 2, hash);
    char *canonical = sigv4_canonical_request(arena, req, &au, hash);
    sigv4_sha256_hex(canonical, strlen(canonical), canonical_hash);
    char *sts =
        arena_sprintf(arena, "AWS4-HMAC-SHA256\n%s\n%.8s/us-east-1/dynamodb/aws4_request\n%s", iso,
                      iso, canonical_hash);
    char day[9];
    snprintf(day, sizeof day, "%.8s", iso);
    uint8_t k[32], mac[32];
    unsigned mac_len;
    sigv4_signing_key(VECTOR_SECRET, day, "us-east-1", "dynamodb", k);
    HMAC(EVP_sha256(), k, 32, (const uint8_t *)sts, strlen(sts), mac, &mac_len);
    char sig[65];
    for (int b = 0; b < 32; b++)
        snprintf(sig + 2 * b, 3, "%02x", mac[b]);
    return strdup(replaced(raw, "Signature=x", arena_sprintf(arena, "Signature=%s", sig)));
}

static void test_cache_across_days(void)
{
    /* days revisited out of order, then more days than the cache keeps */
    const int days[] = {0, 1, 0,  2,  3,  1, 1,  0, 3,  2, 4,  5,  6, 7,
                        8, 9, 10, 11, 12, 0, 12, 3, 13, 2, 11, 14, 0};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        int64_t t = VECTOR_NOW + days[i] * 86400;
        arena_reset(arena);
        char *raw = signed_at(t);
        CHECK_STR(verify_at(raw, t, false), "");
        free(raw);
    }
}

int main(void)
{
    arena = arena_new(0);
    test_key = (sigv4_key_t){VECTOR_KEY_ID, VECTOR_SECRET, NULL, NULL};
    token_key = (sigv4_key_t){VECTOR_KEY_ID, VECTOR_SECRET, VECTOR_TOKEN, NULL};
    other_key = (sigv4_key_t){"AKIDOTHER", "another secret", NULL, NULL};
    sigv4_key_init(&test_key);
    sigv4_key_init(&token_key);
    sigv4_key_init(&other_key);
    RUN(test_signing_key_documented);
    RUN(test_sha256_hex);
    RUN(test_vectors_canonical);
    RUN(test_vectors_verify);
    RUN(test_vectors_time_window);
    RUN(test_tampering);
    RUN(test_missing);
    RUN(test_incomplete_header);
    RUN(test_incomplete_query);
    RUN(test_dates);
    RUN(test_date_format);
    RUN(test_signed_headers_order);
    RUN(test_sha256_hex_digits);
    RUN(test_canonical_header_names);
    RUN(test_authorization_parts);
    RUN(test_expires);
    RUN(test_host_algorithm_credential);
    RUN(test_has_credentials);
    RUN(test_cache_across_days);
    sigv4_key_destroy(&test_key);
    sigv4_key_destroy(&token_key);
    sigv4_key_destroy(&other_key);
    free(raw_copy);
    arena_free(arena);
    return unit_report("test_sigv4");
}
