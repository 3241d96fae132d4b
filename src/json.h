/* json: strict JSON reader and the writer helpers for responses.
 *
 * The reader parses a whole request body in one pass into a tree allocated
 * from the request arena (no malloc per node).  Handlers need request
 * members in any order, so a tree (not a token stream) is what they read.
 *
 * Strictness: RFC 8259 only.  UTF-8 is validated (overlongs, surrogates
 * encoded in UTF-8, code points > U+10FFFF rejected); \u escapes are decoded,
 * surrogate pairs combined, a lone surrogate escape rejected; control
 * characters inside strings rejected; nesting deeper than JSON_MAX_DEPTH
 * rejected; a duplicate key inside one object rejected; nothing but
 * whitespace may follow the top-level value.
 *
 * Strings are stored unescaped, NUL-terminated (they may also contain NUL
 * from "\u0000": always use the length).  Numbers keep their original text
 * so the caller decides how to read them (DynamoDB numbers are strings
 * anyway; JSON numbers appear only in fields such as Limit).
 */
#ifndef DDBD_JSON_H
#define DDBD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

#define JSON_MAX_DEPTH 256

typedef enum {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} json_type_t;

typedef struct json_value json_value_t;

typedef struct {
    const char *key; /* unescaped, NUL-terminated */
    size_t key_len;
    json_value_t *value;
} json_member_t;

struct json_value {
    json_type_t type;
    union {
        struct {
            const char *ptr; /* JSON_STRING: unescaped; JSON_NUMBER: raw text */
            size_t len;
        } str;
        struct {
            json_value_t **items;
            size_t count;
        } array;
        struct {
            json_member_t *members; /* in document order */
            size_t count;
        } object;
    } u;
};

typedef enum {
    JSON_OK = 0,
    JSON_ERR_SYNTAX,    /* malformed text, bad escape, trailing garbage */
    JSON_ERR_UTF8,      /* invalid UTF-8 or lone surrogate */
    JSON_ERR_DEPTH,     /* nesting deeper than JSON_MAX_DEPTH */
    JSON_ERR_DUPLICATE, /* duplicate key in one object */
} json_status_t;

/* Parse text[0..len) into *out.  On error returns the status and, if
 * err_offset is not NULL, the byte offset where it was detected. */
json_status_t json_parse(arena_t *a, const char *text, size_t len, json_value_t **out,
                         size_t *err_offset);

/* Structural equality: same types, same string/number text byte for byte,
 * arrays in order, object members in order. */
bool json_value_equal(const json_value_t *a, const json_value_t *b);

/* The member named key (exact bytes), or NULL; NULL too when obj is not an
 * object (an element of a list may be anything a client sent). */
json_value_t *json_object_get(const json_value_t *obj, const char *key);

/* --- writer: appends JSON text to a buffer ------------------------------ */

/* A JSON string literal with quotes, escaping '"', '\\' and control
 * characters (as \n \r \t \b \f or \u00XX); other bytes are copied as is
 * (the input is valid UTF-8 by construction). */
void json_write_string(buf_t *b, const char *s, size_t len);
/* `"key":` and `"key":"value"` (NUL-terminated texts), members of an
 * object being written. */
void json_write_key(buf_t *b, const char *key);
void json_write_member(buf_t *b, const char *key, const char *value);
/* `,"key":"value"` after earlier members; nothing when value is NULL (an
 * optional member left out). */
void json_write_member_optional(buf_t *b, const char *key, const char *value);
/* A parsed tree as compact JSON text (numbers keep their original text). */
void json_write_value(buf_t *b, const json_value_t *v);
/* Base64 (standard alphabet, padded) of data as a JSON string literal. */
void json_write_base64(buf_t *b, const uint8_t *data, size_t len);

/* Base64 decoding with the rules of the service: standard alphabet, padding
 * required so the length is a multiple of 4.  Writes at most len*3/4 bytes
 * into out; returns false on invalid input. */
bool json_base64_decode(const char *s, size_t len, uint8_t *out, size_t *out_len);

/* Whether s[0..len) is valid UTF-8 by the parser's rules (what a JSON string
 * can hold): for text that arrives as bytes, not JSON. */
bool json_utf8_valid(const char *s, size_t len);

/* s[0..len) as valid UTF-8: s itself when it is, else a copy in a (NUL-
 * terminated) where each byte that begins no valid sequence stands for the
 * Latin-1 character of its value, as an HTTP header's bytes do. */
const char *json_utf8_or_latin1(arena_t *a, const char *s, size_t len);

#endif
