/* sigv4: AWS Signature Version 4, verified as the service verifies it.
 *
 * A pure function of the request as received (method, request target with
 * its query string, headers, body before any Content-Encoding is undone),
 * the server's region, the time and a way to find an access key: it answers
 * with the key that signed the request, or with the service's error.  No
 * I/O, no global state; the only thing kept between calls is each key's
 * signing-key cache, safe to share between threads.
 *
 * Two forms:
 *   header   Authorization: AWS4-HMAC-SHA256 Credential=<id>/<day>/<region>/
 *            dynamodb/aws4_request, SignedHeaders=<h1;h2>, Signature=<hex>
 *            with the time in X-Amz-Date (or Date), an optional
 *            X-Amz-Security-Token and X-Amz-Content-Sha256;
 *   query    (presigned) X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
 *            X-Amz-SignedHeaders, X-Amz-Signature, optional X-Amz-Expires
 *            and X-Amz-Security-Token as query parameters.
 *
 * The checks, in the service's order, each with its error:
 *   1. both forms at once (InvalidSignature); neither, or an Authorization
 *      value not starting with "AWS4-" (MissingAuthenticationToken);
 *   2. a header token without '='; missing components or date
 *      (IncompleteSignature, listing every missing part);
 *   3. the date's format (IncompleteSignature), then the time: the request
 *      date within SIGV4_WINDOW_S of now, or for a presigned request with
 *      X-Amz-Expires, not older than that (InvalidSignature);
 *   4. host among the signed headers (InvalidSignature);
 *   5. the algorithm (IncompleteSignature); the credential's five parts
 *      (IncompleteSignature); its scope: region, service "dynamodb",
 *      terminator, day of the request date (InvalidSignature, all faults);
 *   6. the access key (UnrecognizedClient);
 *   7. the signature, compared in constant time, and a sent
 *      X-Amz-Content-Sha256 against the body (InvalidSignature);
 *   8. the session token: required and equal when the key has one, absent
 *      when not (UnrecognizedClient).
 *
 * The canonical request (what the signature covers), worked example:
 *   POST                                   method
 *   /                                      path: dot segments and repeated
 *                                          slashes removed, URI-encoded again
 *   a=1&b=x%2Fy                            query: decoded, re-encoded (RFC
 *                                          3986 unreserved kept, %XX upper),
 *                                          sorted by name then value;
 *                                          X-Amz-Signature left out
 *   content-type:application/x-amz-json-1.0  signed headers, lower case,
 *   host:localhost:8000                    sorted, values trimmed with inner
 *   x-amz-date:20240101T000000Z            blanks collapsed, repeated
 *   x-amz-target:DynamoDB_20120810.GetItem headers joined with ','
 *                                          (blank line)
 *   content-type;host;x-amz-date;x-amz-target
 *   <hex SHA-256 of the body, or the X-Amz-Content-Sha256 value>
 * String to sign: "AWS4-HMAC-SHA256\n<ISO date>\n<day/region/service/
 * aws4_request>\n<hex SHA-256 of the canonical request>"; signing key:
 * HMAC chain "AWS4"+secret -> day -> region -> service -> "aws4_request".
 */
#ifndef DDBD_SIGV4_H
#define DDBD_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "errors.h"
#include "http.h"

#define SIGV4_WINDOW_S 900         /* request dates this far from now are accepted */
#define SIGV4_MAX_EXPIRES_S 604800 /* a presigned request lives at most a week */
#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* An access key.  The owner fills the three strings (they must outlive the
 * key) and brackets its life with sigv4_key_init / sigv4_key_destroy, which
 * own the cache of signing keys (one per day, region and service). */
typedef struct {
    const char *id;            /* the access key id */
    const char *secret;        /* the secret access key */
    const char *session_token; /* NULL: requests must carry none */
    struct sigv4_cache *cache;
} sigv4_key_t;

void sigv4_key_init(sigv4_key_t *key);
void sigv4_key_destroy(sigv4_key_t *key);

typedef const sigv4_key_t *(*sigv4_find_key_t)(const void *keys, const char *id, size_t id_len);

typedef struct {
    const char *region;  /* the scope must name it */
    const char *service; /* and this service ("dynamodb", also for Streams) */
    int64_t now;         /* seconds since the epoch */
    sigv4_find_key_t find_key;
    const void *keys; /* find_key's first argument */
} sigv4_verifier_t;

/* Whether the request carries credentials in either form (an Authorization
 * header, or an X-Amz-Algorithm query parameter): what is asked of a request
 * when authentication is off. */
bool sigv4_has_credentials(const http_request_t *req);

/* Verify req.  NULL and *key set on success; else the error (from the
 * arena), *key NULL. */
ddb_error_t *sigv4_verify(arena_t *a, const http_request_t *req, const sigv4_verifier_t *v,
                          const sigv4_key_t **key);

/* --- the steps, for tests and tools --------------------------------------- */

typedef struct {
    const char *name, *value; /* decoded, NUL-terminated (may hold NUL: use lengths) */
    size_t name_len, value_len;
} sigv4_param_t;

/* What a request says about its signature (sigv4_parse).  Strings are
 * NUL-terminated copies in the arena, with their lengths (a value may hold
 * NUL); absent ones NULL, length 0. */
typedef struct {
    bool query;         /* the presigned form */
    const char *header; /* the Authorization value (header form) */
    const char *algorithm, *credential, *signed_headers, *signature;
    const char *date;           /* as sent */
    bool date_is_http;          /* from the Date header, which may be an HTTP date */
    const char *expires;        /* X-Amz-Expires (query form) */
    const char *token;          /* X-Amz-Security-Token */
    const char *content_sha256; /* the X-Amz-Content-Sha256 header: the claimed payload hash */
    size_t header_len, algorithm_len, credential_len, signed_headers_len, signature_len, date_len,
        expires_len, token_len, content_sha256_len;
    const sigv4_param_t *params; /* the query string, decoded, in order */
    size_t param_count;
} sigv4_auth_t;

/* Steps 1 and 2: the form and its parts. */
ddb_error_t *sigv4_parse(arena_t *a, const http_request_t *req, sigv4_auth_t *auth);

/* The canonical request of req as auth describes it, with payload_hash
 * (64 hex digits) as its last line. */
char *sigv4_canonical_request(arena_t *a, const http_request_t *req, const sigv4_auth_t *auth,
                              const char *payload_hash);

/* kSigning of the worked example above. */
void sigv4_signing_key(const char *secret, const char *day, const char *region, const char *service,
                       uint8_t out[32]);

/* A signature: lower-case hex of HMAC-SHA256(signing key, string to sign)
 * (for the requests this server makes itself). */
void sigv4_signature_hex(const uint8_t key[32], const char *sts, size_t len, char out[65]);

/* Lower-case hex of SHA-256 of data: out gets 64 digits and a NUL. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

/* A date as sent: ISO-8601 basic "20240101T000000Z", and when http_date
 * also an HTTP date ("Mon, 01 Jan 2024 00:00:00 GMT", or a numeric zone as
 * in "-0000").  False when it is neither. */
bool sigv4_date_parse(const char *s, size_t len, bool http_date, int64_t *epoch);
/* "20240101T000000Z" */
void sigv4_date_format(int64_t epoch, char out[17]);

#endif
