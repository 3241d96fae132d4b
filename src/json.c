/* json: the strict request-body reader (text -> arena tree, one pass) and the
 * writer helpers that render strings and base64 into response buffers.
 *
 * How the reader stays cheap: the body is copied once into the arena with a
 * few zero bytes after it.  Strings are unescaped in place inside that copy
 * (an escape is never shorter than what it decodes to) and NUL-terminated on
 * their closing quote, so a string costs no allocation.  The zero padding
 * lets scanners read ahead (16-byte loads, "true", \uXXXX) without bounds
 * checks: a zero byte can never continue a token, so every scan stops at the
 * end.  A container's children are collected on one scratch stack shared by
 * all nesting levels and copied into a single arena block (nodes and the
 * member/item array together) when the container closes.
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Zero bytes after the copy of the input; covers a 16-byte load at the end. */
#define JSON_PAD 16
/* Objects up to this many members find duplicates by comparing each new key
 * with the previous ones; bigger ones are sorted once when they close, so
 * an object with many thousands of keys costs O(n log n), with no hash that
 * crafted keys could flood. */
#define JSON_DUP_LINEAR 16
/* Scratch slots on the C stack before the scratch moves to the arena. */
#define JSON_SCRATCH_INITIAL 64
/* Bounds of the node chunk size, which is four times the input length (the
 * tree of a DynamoDB request takes about three bytes per byte of text). */
#define JSON_CHUNK_MIN 256
#define JSON_CHUNK_MAX 16384

typedef struct {
    const char *key;
    size_t key_len;
    json_value_t v;
} json_slot_t;

typedef struct {
    char *end; /* of the text in the copy; JSON_PAD zero bytes follow */
    arena_t *a;
    json_slot_t *slots; /* scratch stack of open containers' children */
    size_t top, cap;
    json_value_t *root;
    char *err; /* where the error was detected */
    json_status_t status;
    int depth;
    char *chunk; /* where the next node array goes */
    size_t chunk_left, chunk_size;
} json_parser_t;

/* The parsing functions take the cursor and return it past what they read,
 * or NULL after recording the error: the cursor stays in a register. */

/* A value being parsed is named by its scratch slot, not by a pointer: the
 * scratch moves when it grows.  Writing each value in place (never building
 * it in a temporary and copying it) also matters for speed. */
#define JSON_ROOT SIZE_MAX

static inline json_value_t *json_dst(json_parser_t *P, size_t slot)
{
    return slot == JSON_ROOT ? P->root : &P->slots[slot].v;
}

/* 1 for space, \t, \n, \r. */
static const uint8_t json_ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

/* Bytes a string needs to escape when written: '"', '\\' and controls. */
static const uint8_t json_esc[256] = {[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1};

static inline char *json_skip_ws(char *p)
{
    while (json_ws[(uint8_t)*p])
        p++;
    return p;
}

static char *json_fail(json_parser_t *P, char *at, json_status_t st)
{
    P->err = at;
    P->status = st;
    return NULL;
}

/* Length of the valid UTF-8 sequence at s, or 0.  Rejects stray continuation
 * bytes, overlongs (C0, C1, E0 80..9F, F0 80..8F), UTF-8-encoded surrogates
 * (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF) and truncated
 * sequences (a zero pad byte is not a continuation byte). */
static inline int json_utf8_len(const uint8_t *s)
{
    uint8_t c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80) return 0;
        return 3;
    }
    if (c < 0xF5) {
        uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        return 4;
    }
    return 0;
}

bool json_utf8_valid(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        /* json_utf8_len reads up to 4 bytes: the last ones from a padded copy */
        uint8_t tail[4] = {0};
        const uint8_t *at = p;
        if (end - p < 4) {
            memcpy(tail, p, (size_t)(end - p));
            at = tail;
        }
        int n = json_utf8_len(at);
        if (n == 0 || n > end - p) return false;
        p += n;
    }
    return true;
}

/* An unexpected byte where a token should start: invalid UTF-8 is reported
 * as such wherever it appears; anything else is a syntax error. */
static char *json_fail_token(json_parser_t *P, char *at)
{
    if (at < P->end && (uint8_t)*at >= 0x80 && json_utf8_len((const uint8_t *)at) == 0)
        return json_fail(P, at, JSON_ERR_UTF8);
    return json_fail(P, at, JSON_ERR_SYNTAX);
}

/* The first byte at or after q that ends the plain part of a string: '"',
 * '\\', a control character or a non-ASCII byte.  The terminating pad byte
 * guarantees one is found at or before the end. */
static inline char *json_scan_plain(char *q)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    for (;;) {
        __m128i x = _mm_loadu_si128((const __m128i *)q);
        /* Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches
         * both the controls and the non-ASCII bytes. */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                 _mm_cmplt_epi8(x, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return q + __builtin_ctz(mask);
        q += 16;
    }
#else
    for (;;) {
        uint8_t c = (uint8_t)*q;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return q;
        q++;
    }
#endif
}

/* The value of 4 hex digits at s, or -1. */
static inline int32_t json_hex4(const char *s)
{
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = (uint8_t)s[i];
        int32_t d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static inline char *json_utf8_put(char *w, uint32_t cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | cp >> 6);
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | cp >> 12);
        *w++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | cp >> 18);
        *w++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *w++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

const char *json_utf8_or_latin1(arena_t *a, const char *s, size_t len)
{
    if (json_utf8_valid(s, len)) return s;
    char *out = arena_alloc(a, 2 * len + 1), *w = out;
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    while (p < end) {
        uint8_t tail[4] = {0};
        const uint8_t *at = p;
        if (end - p < 4) {
            memcpy(tail, p, (size_t)(end - p));
            at = tail;
        }
        int n = *p < 0x80 ? 1 : json_utf8_len(at);
        if (n > 0 && n <= end - p) {
            memcpy(w, p, (size_t)n);
            w += n, p += n;
        } else {
            w = json_utf8_put(w, *p++);
        }
    }
    *w = 0;
    return out;
}

/* Decode the escape at q (q[0] == '\\') into *wp, advancing it; returns the
 * cursor past the escape. */
static char *json_parse_escape(json_parser_t *P, char *q, char **wp)
{
    char c;
    switch (q[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
        int32_t cp = json_hex4(q + 2);
        if (cp < 0) return json_fail(P, q, JSON_ERR_SYNTAX);
        if (cp < 0xD800 || cp > 0xDFFF) {
            *wp = json_utf8_put(*wp, (uint32_t)cp);
            return q + 6;
        }
        /* A surrogate: only a high one followed by an escaped low one. */
        if (cp >= 0xDC00 || q[6] != '\\' || q[7] != 'u') return json_fail(P, q, JSON_ERR_UTF8);
        int32_t lo = json_hex4(q + 8);
        if (lo < 0) return json_fail(P, q + 6, JSON_ERR_SYNTAX);
        if (lo < 0xDC00 || lo > 0xDFFF) return json_fail(P, q, JSON_ERR_UTF8);
        *wp =
            json_utf8_put(*wp, 0x10000 + ((uint32_t)(cp - 0xD800) << 10) + (uint32_t)(lo - 0xDC00));
        return q + 12;
    }
    default: return json_fail(P, q, JSON_ERR_SYNTAX);
    }
    *(*wp)++ = c;
    return q + 2;
}

/* The rest of a string that is not plain ASCII up to its closing quote:
 * start is its first byte, q the first byte json_scan_plain stopped at. */
static __attribute__((noinline)) char *
json_parse_string_slow(json_parser_t *P, char *start, char *q, const char **out, size_t *len)
{
    for (;;) {
        uint8_t c = (uint8_t)*q;
        if (c == '"') {
            *q = '\0';
            *out = start;
            *len = (size_t)(q - start);
            return q + 1;
        }
        if (c == '\\') break;
        if (c < 0x20) return json_fail(P, q < P->end ? q : P->end, JSON_ERR_SYNTAX);
        int n = json_utf8_len((const uint8_t *)q);
        if (!n) return json_fail(P, q, JSON_ERR_UTF8);
        q = json_scan_plain(q + n);
    }
    /* From the first escape on, the decoded text trails the cursor. */
    char *w = q;
    for (;;) {
        uint8_t c = (uint8_t)*q;
        if (c == '\\') {
            if (!(q = json_parse_escape(P, q, &w))) return NULL;
        } else if (c == '"') {
            *w = '\0';
            *out = start;
            *len = (size_t)(w - start);
            return q + 1;
        } else if (c < 0x20) {
            return json_fail(P, q < P->end ? q : P->end, JSON_ERR_SYNTAX);
        } else if (c >= 0x80) {
            int n = json_utf8_len((const uint8_t *)q);
            if (!n) return json_fail(P, q, JSON_ERR_UTF8);
            for (int k = 0; k < n; k++)
                *w++ = *q++;
        } else {
            char *r = json_scan_plain(q);
            if (r - q > 32) {
                memmove(w, q, (size_t)(r - q));
                w += r - q, q = r;
            } else { /* short runs between escapes or non-ASCII: no call */
                while (q < r)
                    *w++ = *q++;
            }
        }
    }
}

/* The string whose opening quote is at q[-1]: validated, unescaped in place,
 * NUL-terminated on its closing quote. */
static inline char *json_parse_string(json_parser_t *P, char *q, const char **out, size_t *len)
{
    char *r = json_scan_plain(q);
    if (__builtin_expect(*r == '"', 1)) {
        *r = '\0';
        *out = q;
        *len = (size_t)(r - q);
        return r + 1;
    }
    return json_parse_string_slow(P, q, r, out, len);
}

/* Node arrays are carved from arena chunks sized after the input rather than
 * allocated one by one: an arena call per container was a tenth of the time
 * of a typical request.  Less than a quarter of a chunk is ever left unused
 * when the next one starts. */
static inline void *json_alloc(json_parser_t *P, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n > P->chunk_left) {
        if (n > P->chunk_size / 4) return arena_alloc(P->a, n);
        P->chunk = arena_alloc(P->a, P->chunk_size);
        P->chunk_left = P->chunk_size;
    }
    void *r = P->chunk;
    P->chunk += n;
    P->chunk_left -= n;
    return r;
}

/* RFC 8259 number grammar; the raw text is kept (as its own NUL-terminated
 * copy, since the byte after it in the input is still to be parsed). */
static char *json_parse_number(json_parser_t *P, char *s, json_value_t *v)
{
    char *p = s;
    if (*p == '-') p++;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        do
            p++;
        while (*p >= '0' && *p <= '9');
    } else {
        return json_fail_token(P, p);
    }
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9')) return json_fail_token(P, p);
        do
            p++;
        while (*p >= '0' && *p <= '9');
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return json_fail_token(P, p);
        do
            p++;
        while (*p >= '0' && *p <= '9');
    }
    v->type = JSON_NUMBER;
    char *text = json_alloc(P, (size_t)(p - s) + 1);
    memcpy(text, s, (size_t)(p - s));
    text[p - s] = '\0';
    v->u.str.ptr = text;
    v->u.str.len = (size_t)(p - s);
    return p;
}

static void json_scratch_grow(json_parser_t *P)
{
    size_t cap = P->cap * 2;
    json_slot_t *s = arena_alloc(P->a, cap * sizeof *s);
    memcpy(s, P->slots, P->top * sizeof *s);
    P->slots = s;
    P->cap = cap;
}

static inline size_t json_slot_push(json_parser_t *P)
{
    if (P->top == P->cap) json_scratch_grow(P);
    return P->top++;
}

static char *json_parse_value(json_parser_t *P, char *p, size_t slot);

static inline int json_key_cmp(const json_slot_t *x, const json_slot_t *y)
{
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    return memcmp(x->key, y->key, x->key_len);
}

/* Duplicate check for a big object: a stable merge sort of member indexes
 * by key, then a look at neighbours.  Reports the earliest member whose key
 * repeats an earlier one, as the pairwise check of small objects would. */
static bool json_check_duplicates(json_parser_t *P, const json_slot_t *m, size_t n)
{
    size_t *idx = arena_alloc(P->a, 2 * n * sizeof *idx), *tmp = idx + n;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = json_key_cmp(&m[idx[j]], &m[idx[i]]) < 0 ? idx[j++] : idx[i++];
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        size_t *t = idx;
        idx = tmp, tmp = t;
    }
    size_t first = n;
    for (size_t i = 1; i < n; i++)
        if (idx[i] < first && json_key_cmp(&m[idx[i - 1]], &m[idx[i]]) == 0) first = idx[i];
    if (first == n) return true;
    json_fail(P, (char *)m[first].key - 1, JSON_ERR_DUPLICATE);
    return false;
}

/* p is at '{'. */
static char *json_parse_object(json_parser_t *P, char *p, size_t slot)
{
    if (++P->depth > JSON_MAX_DEPTH) return json_fail(P, p, JSON_ERR_DEPTH);
    size_t base = P->top;
    p = json_skip_ws(p + 1);
    if (*p != '}') {
        for (;;) {
            if (*p != '"') return json_fail_token(P, p);
            char *quote = p;
            const char *key;
            size_t key_len;
            if (!(p = json_parse_string(P, p + 1, &key, &key_len))) return NULL;
            size_t i = json_slot_push(P);
            if (i - base < JSON_DUP_LINEAR) {
                for (size_t j = base; j < i; j++)
                    if (P->slots[j].key_len == key_len && P->slots[j].key[0] == key[0] &&
                        !memcmp(P->slots[j].key, key, key_len))
                        return json_fail(P, quote, JSON_ERR_DUPLICATE);
            }
            P->slots[i].key = key;
            P->slots[i].key_len = key_len;
            p = json_skip_ws(p);
            if (*p != ':') return json_fail_token(P, p);
            p = json_skip_ws(p + 1);
            if (*p == '"') { /* the common case, without the dispatch */
                json_value_t *v = &P->slots[i].v;
                v->type = JSON_STRING;
                p = json_parse_string(P, p + 1, &v->u.str.ptr, &v->u.str.len);
            } else {
                p = json_parse_value(P, p, i);
            }
            if (!p) return NULL;
            p = json_skip_ws(p);
            if (*p == ',') {
                p = json_skip_ws(p + 1);
                continue;
            }
            if (*p == '}') break;
            return json_fail_token(P, p);
        }
    }
    size_t n = P->top - base;
    const json_slot_t *s = P->slots + base;
    if (n > JSON_DUP_LINEAR && !json_check_duplicates(P, s, n)) return NULL;
    json_value_t *v = json_dst(P, slot);
    v->type = JSON_OBJECT;
    v->u.object.count = n;
    v->u.object.members = NULL;
    if (n) {
        json_value_t *nodes = json_alloc(P, n * (sizeof *nodes + sizeof(json_member_t)));
        json_member_t *mem = (json_member_t *)(nodes + n);
        for (size_t i = 0; i < n; i++) {
            nodes[i] = s[i].v;
            mem[i].key = s[i].key;
            mem[i].key_len = s[i].key_len;
            mem[i].value = &nodes[i];
        }
        v->u.object.members = mem;
    }
    P->top = base;
    P->depth--;
    return p + 1;
}

/* p is at '['. */
static char *json_parse_array(json_parser_t *P, char *p, size_t slot)
{
    if (++P->depth > JSON_MAX_DEPTH) return json_fail(P, p, JSON_ERR_DEPTH);
    size_t base = P->top;
    p = json_skip_ws(p + 1);
    if (*p != ']') {
        for (;;) {
            if (!(p = json_parse_value(P, p, json_slot_push(P)))) return NULL;
            p = json_skip_ws(p);
            if (*p == ',') {
                p = json_skip_ws(p + 1);
                continue;
            }
            if (*p == ']') break;
            return json_fail_token(P, p);
        }
    }
    size_t n = P->top - base;
    const json_slot_t *s = P->slots + base;
    json_value_t *v = json_dst(P, slot);
    v->type = JSON_ARRAY;
    v->u.array.count = n;
    v->u.array.items = NULL;
    if (n) {
        json_value_t *nodes = json_alloc(P, n * (sizeof *nodes + sizeof(json_value_t *)));
        json_value_t **items = (json_value_t **)(nodes + n);
        for (size_t i = 0; i < n; i++) {
            nodes[i] = s[i].v;
            items[i] = &nodes[i];
        }
        v->u.array.items = items;
    }
    P->top = base;
    P->depth--;
    return p + 1;
}

static inline char *json_parse_literal(json_parser_t *P, char *p, size_t slot, const char *word,
                                       size_t len, json_type_t type)
{
    if (memcmp(p, word, len)) return json_fail_token(P, p);
    json_dst(P, slot)->type = type;
    return p + len;
}

/* p is at the first byte of the value (whitespace already skipped). */
static char *json_parse_value(json_parser_t *P, char *p, size_t slot)
{
    switch (*p) {
    case '"': {
        json_value_t *v = json_dst(P, slot);
        v->type = JSON_STRING;
        return json_parse_string(P, p + 1, &v->u.str.ptr, &v->u.str.len);
    }
    case '{': return json_parse_object(P, p, slot);
    case '[': return json_parse_array(P, p, slot);
    case 't': return json_parse_literal(P, p, slot, "true", 4, JSON_TRUE);
    case 'f': return json_parse_literal(P, p, slot, "false", 5, JSON_FALSE);
    case 'n': return json_parse_literal(P, p, slot, "null", 4, JSON_NULL);
    case '-':
    case '0' ... '9': return json_parse_number(P, p, json_dst(P, slot));
    default: return json_fail_token(P, p);
    }
}

json_status_t json_parse(arena_t *a, const char *text, size_t len, json_value_t **out,
                         size_t *err_offset)
{
    json_slot_t scratch[JSON_SCRATCH_INITIAL];
    if (len > SIZE_MAX / 8) abort(); /* no such text fits in memory */
    char *copy = arena_alloc(a, len + JSON_PAD);
    if (len) memcpy(copy, text, len);
    memset(copy + len, 0, JSON_PAD);
    json_parser_t P = {
        .end = copy + len,
        .a = a,
        .slots = scratch,
        .cap = JSON_SCRATCH_INITIAL,
        .root = arena_alloc(a, sizeof(json_value_t)),
        .chunk_size = len < JSON_CHUNK_MIN / 4   ? JSON_CHUNK_MIN
                      : len < JSON_CHUNK_MAX / 4 ? (len * 4 + 15) & ~(size_t)15
                                                 : JSON_CHUNK_MAX,
    };
    char *p = json_parse_value(&P, json_skip_ws(copy), JSON_ROOT);
    if (p && (p = json_skip_ws(p)) != P.end) p = json_fail_token(&P, p);
    if (!p) {
        if (err_offset) *err_offset = (size_t)(P.err - copy);
        *out = NULL;
        return P.status;
    }
    *out = P.root;
    return JSON_OK;
}

json_value_t *json_object_get(const json_value_t *obj, const char *key)
{
    if (obj->type != JSON_OBJECT) return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < obj->u.object.count; i++) {
        const json_member_t *m = &obj->u.object.members[i];
        if (m->key_len == len && !memcmp(m->key, key, len)) return m->value;
    }
    return NULL;
}

/* --- writer ---------------------------------------------------------------- */

void json_write_string(buf_t *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    buf_reserve(b, len + 2);
    b->data[b->len++] = '"';
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < len && !json_esc[(uint8_t)s[j]])
            j++;
        buf_append(b, s + i, j - i);
        if (j == len) break;
        uint8_t c = (uint8_t)s[j];
        char e[6] = {'\\'};
        size_t n = 2;
        switch (c) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default:
            memcpy(e + 1, "u00", 3);
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            n = 6;
        }
        buf_append(b, e, n);
        i = j + 1;
    }
    buf_putc(b, '"');
}

void json_write_key(buf_t *b, const char *key)
{
    json_write_string(b, key, strlen(key));
    buf_putc(b, ':');
}

void json_write_member(buf_t *b, const char *key, const char *value)
{
    json_write_key(b, key);
    json_write_string(b, value, strlen(value));
}

void json_write_member_optional(buf_t *b, const char *key, const char *value)
{
    if (!value) return;
    buf_putc(b, ',');
    json_write_member(b, key, value);
}

static const char json_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void json_write_base64(buf_t *b, const uint8_t *data, size_t len)
{
    buf_reserve(b, (len + 2) / 3 * 4 + 2);
    char *w = b->data + b->len;
    *w++ = '"';
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *w++ = json_b64[v >> 18];
        *w++ = json_b64[v >> 12 & 63];
        *w++ = json_b64[v >> 6 & 63];
        *w++ = json_b64[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)data[i] << 16;
        *w++ = json_b64[v >> 18];
        *w++ = json_b64[v >> 12 & 63];
        *w++ = '=';
        *w++ = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
        *w++ = json_b64[v >> 18];
        *w++ = json_b64[v >> 12 & 63];
        *w++ = json_b64[v >> 6 & 63];
        *w++ = '=';
    }
    *w++ = '"';
    b->len = (size_t)(w - b->data);
}

/* Value of a base64 digit plus one; 0 for anything else, '=' included. */
static const uint8_t json_b64_val[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
    ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* Non-canonical trailing bits ("Zh==" for "f", whose canonical form is
 * "Zg==") are accepted and ignored: the service decodes leniently there, and
 * rejecting them would refuse requests it takes. */
bool json_base64_decode(const char *s, size_t len, uint8_t *out, size_t *out_len)
{
    if (len % 4) return false;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        const uint8_t *q = (const uint8_t *)s + i;
        uint32_t a = json_b64_val[q[0]], b = json_b64_val[q[1]];
        uint32_t c = json_b64_val[q[2]], d = json_b64_val[q[3]];
        if (!a || !b) return false;
        uint32_t v = (a - 1) << 18 | (b - 1) << 12;
        if (c && d) {
            v |= (c - 1) << 6 | (d - 1);
            out[o++] = (uint8_t)(v >> 16);
            out[o++] = (uint8_t)(v >> 8);
            out[o++] = (uint8_t)v;
            continue;
        }
        /* Padding: only in the last group, "xx==" or "xxx=". */
        if (i + 4 != len || q[3] != '=') return false;
        out[o++] = (uint8_t)(v >> 16);
        if (c) {
            v |= (c - 1) << 6;
            out[o++] = (uint8_t)(v >> 8);
        } else if (q[2] != '=') {
            return false;
        }
    }
    *out_len = o;
    return true;
}

bool json_value_equal(const json_value_t *a, const json_value_t *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case JSON_NULL:
    case JSON_FALSE:
    case JSON_TRUE: return true;
    case JSON_NUMBER:
    case JSON_STRING:
        return a->u.str.len == b->u.str.len && !memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len);
    case JSON_ARRAY:
        if (a->u.array.count != b->u.array.count) return false;
        for (size_t i = 0; i < a->u.array.count; i++)
            if (!json_value_equal(a->u.array.items[i], b->u.array.items[i])) return false;
        return true;
    case JSON_OBJECT:
        if (a->u.object.count != b->u.object.count) return false;
        for (size_t i = 0; i < a->u.object.count; i++) {
            const json_member_t *x = &a->u.object.members[i], *y = &b->u.object.members[i];
            if (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len)) return false;
            if (!json_value_equal(x->value, y->value)) return false;
        }
        return true;
    }
    return false;
}

void json_write_value(buf_t *b, const json_value_t *v)
{
    switch (v->type) {
    case JSON_NULL: buf_append_str(b, "null"); break;
    case JSON_FALSE: buf_append_str(b, "false"); break;
    case JSON_TRUE: buf_append_str(b, "true"); break;
    case JSON_NUMBER: buf_append(b, v->u.str.ptr, v->u.str.len); break;
    case JSON_STRING: json_write_string(b, v->u.str.ptr, v->u.str.len); break;
    case JSON_ARRAY:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->u.array.count; i++) {
            if (i) buf_putc(b, ',');
            json_write_value(b, v->u.array.items[i]);
        }
        buf_putc(b, ']');
        break;
    case JSON_OBJECT:
        buf_putc(b, '{');
        for (size_t i = 0; i < v->u.object.count; i++) {
            if (i) buf_putc(b, ',');
            json_write_string(b, v->u.object.members[i].key, v->u.object.members[i].key_len);
            buf_putc(b, ':');
            json_write_value(b, v->u.object.members[i].value);
        }
        buf_putc(b, '}');
        break;
    }
}
