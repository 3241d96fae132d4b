/* Fuzz target of json.  For any input:
 *  - parse it; if accepted, check the tree's invariants (strings valid UTF-8
 *    and NUL-terminated, numbers in RFC 8259 form, keys unique), write it back
 *    with the writer, parse that and require the same tree;
 *  - write the input as a string literal: it must read back as the same
 *    bytes exactly when the input is valid UTF-8, else fail with JSON_ERR_UTF8;
 *  - base64-decode it; if accepted, encode and decode again to the same bytes.
 * Any violation aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static arena_t *arena;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_json: %s\n", what);
    abort();
}

/* UTF-8 validity by decoding each code point and checking it, a different
 * route from the parser's byte-range tables. */
static bool utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80)
            n = 1, cp = c;
        else if ((c & 0xE0) == 0xC0)
            n = 2, cp = c & 0x1Fu;
        else if ((c & 0xF0) == 0xE0)
            n = 3, cp = c & 0x0Fu;
        else if ((c & 0xF8) == 0xF0)
            n = 4, cp = c & 0x07u;
        else
            return false;
        if (len - i < n) return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}

static bool digits(const char **p)
{
    if (**p < '0' || **p > '9') return false;
    while (**p >= '0' && **p <= '9')
        (*p)++;
    return true;
}

static bool number_valid(const char *s, size_t len)
{
    const char *p = s;
    if (*p == '-') p++;
    if (*p == '0')
        p++;
    else if (!digits(&p))
        return false;
    if (*p == '.' && (p++, !digits(&p))) return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!digits(&p)) return false;
    }
    return (size_t)(p - s) == len;
}

static void check_tree(const json_value_t *v)
{
    switch (v->type) {
    case JSON_NULL:
    case JSON_FALSE:
    case JSON_TRUE: break;
    case JSON_NUMBER:
        if (!number_valid(v->u.str.ptr, v->u.str.len)) fail("number text not in RFC 8259 form");
        break;
    case JSON_STRING:
        if (v->u.str.ptr[v->u.str.len] != '\0') fail("string not NUL-terminated");
        if (!utf8_valid((const uint8_t *)v->u.str.ptr, v->u.str.len)) fail("string not UTF-8");
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.array.count; i++)
            check_tree(v->u.array.items[i]);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.object.count; i++) {
            const json_member_t *m = &v->u.object.members[i];
            if (m->key[m->key_len] != '\0') fail("key not NUL-terminated");
            if (!utf8_valid((const uint8_t *)m->key, m->key_len)) fail("key not UTF-8");
            for (size_t j = 0; j < i; j++) /* inputs are small: quadratic is fine */
                if (v->u.object.members[j].key_len == m->key_len &&
                    !memcmp(v->u.object.members[j].key, m->key, m->key_len))
                    fail("duplicate key accepted");
            check_tree(m->value);
        }
        break;
    default: fail("bad type");
    }
}

static void fuzz_tree(const char *data, size_t size, buf_t *b)
{
    json_value_t *v, *w;
    size_t off = (size_t)-1;
    json_status_t st = json_parse(arena, data, size, &v, &off);
    if (st != JSON_OK) {
        if (st > JSON_ERR_DUPLICATE) fail("unknown status");
        if (off > size) fail("error offset past the end");
        if (v) fail("tree returned with an error");
        if (utf8_valid((const uint8_t *)data, size) && st == JSON_ERR_UTF8) {
            /* Only an escape can be bad UTF-8 in valid UTF-8 text. */
            if (off >= size || data[off] != '\\') fail("JSON_ERR_UTF8 on valid UTF-8");
        }
        return;
    }
    if (!utf8_valid((const uint8_t *)data, size)) fail("accepted invalid UTF-8");
    check_tree(v);
    b->len = 0;
    json_write_value(b, v);
    st = json_parse(arena, b->data, b->len, &w, &off);
    if (st != JSON_OK) fail("written tree does not parse");
    if (!json_value_equal(v, w)) fail("written tree reads back different");
}

static void fuzz_string(const char *data, size_t size, buf_t *b)
{
    json_value_t *v;
    size_t off;
    b->len = 0;
    json_write_string(b, data, size);
    json_status_t st = json_parse(arena, b->data, b->len, &v, &off);
    if (utf8_valid((const uint8_t *)data, size)) {
        if (st != JSON_OK || v->type != JSON_STRING || v->u.str.len != size ||
            memcmp(v->u.str.ptr, data, size))
            fail("string does not round-trip through the writer");
    } else if (st != JSON_ERR_UTF8) {
        fail("invalid UTF-8 written as a string not reported as such");
    }
}

static void fuzz_base64(const char *data, size_t size, buf_t *b)
{
    uint8_t *out = arena_alloc(arena, size * 3 / 4 + 1), *again;
    size_t n, m;
    if (!json_base64_decode(data, size, out, &n)) return;
    if (n > size * 3 / 4 || size % 4) fail("base64 decode length");
    b->len = 0;
    json_write_base64(b, out, n);
    if (b->len != size + 2) fail("base64 re-encoding length");
    again = arena_alloc(arena, size * 3 / 4 + 1);
    if (!json_base64_decode(b->data + 1, b->len - 2, again, &m) || m != n || memcmp(out, again, n))
        fail("base64 does not round-trip");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static buf_t b;
    if (!arena) {
        arena = arena_new(0);
        buf_init(&b);
    }
    fuzz_tree((const char *)data, size, &b);
    arena_reset(arena);
    fuzz_string((const char *)data, size, &b);
    arena_reset(arena);
    fuzz_base64((const char *)data, size, &b);
    arena_reset(arena);
    return 0;
}
