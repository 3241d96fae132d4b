/* Unit tests of json: the strict reader (valid documents, every rejection
 * with its status and offset, limits, big inputs), the writer helpers, base64,
 * and a differential property test of random documents written then read. */
#include "json.h"

#include <stdlib.h>

#include "unit.h"

static arena_t *arena;

/* --- helpers ------------------------------------------------------------ */

static json_status_t parse_n(const char *s, size_t len, json_value_t **out, size_t *off)
{
    json_value_t *dummy;
    size_t dummy_off;
    return json_parse(arena, s, len, out ? out : &dummy, off ? off : &dummy_off);
}

static json_status_t parse(const char *s, json_value_t **out)
{
    return parse_n(s, strlen(s), out, NULL);
}

static bool str_is(const json_value_t *v, const char *want, size_t want_len)
{
    return v && v->type == JSON_STRING && v->u.str.len == want_len &&
           !memcmp(v->u.str.ptr, want, want_len) && v->u.str.ptr[want_len] == '\0';
}

/* xorshift64*: a fixed-seed generator so failures reproduce. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t rng_below(uint32_t n) { return (uint32_t)(rng_next() >> 33) % n; }

/* Random whitespace, when the writer is in its noisy mode. */
static void put_ws(buf_t *b, bool noisy)
{
    if (!noisy) return;
    static const char ws[] = " \t\n\r";
    for (uint32_t n = rng_below(4) == 0 ? rng_below(3) : 0; n; n--)
        buf_putc(b, ws[rng_below(4)]);
}

/* A string literal with escapes chosen at random: raw bytes where allowed,
 * short escapes, \u escapes in either hex case, surrogate pairs. */
static void put_string_noisy(buf_t *b, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    buf_putc(b, '"');
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n;
        if (p[i] < 0x80)
            cp = p[i], n = 1;
        else if (p[i] < 0xE0)
            cp = (p[i] & 0x1Fu) << 6 | (p[i + 1] & 0x3Fu), n = 2;
        else if (p[i] < 0xF0)
            cp = (p[i] & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu), n = 3;
        else
            cp = (p[i] & 0x07u) << 18 | (p[i + 1] & 0x3Fu) << 12 | (p[i + 2] & 0x3Fu) << 6 |
                 (p[i + 3] & 0x3Fu),
            n = 4;
        bool must = cp < 0x20 || cp == '"' || cp == '\\';
        uint32_t how = rng_below(4);
        if (!must && how < 2) {
            buf_append(b, p + i, n);
        } else if (how == 2 && cp < 0x80 && strchr("\"\\/\b\f\n\r\t", (int)cp) && cp) {
            static const char from[] = "\"\\/\b\f\n\r\t", to[] = "\"\\/bfnrt";
            buf_putc(b, '\\');
            buf_putc(b, to[strchr(from, (int)cp) - from]);
        } else {
            const char *fmt = rng_below(2) ? "\\u%04x" : "\\u%04X";
            if (cp >= 0x10000) {
                buf_printf(b, fmt, 0xD800 + ((cp - 0x10000) >> 10));
                buf_printf(b, fmt, 0xDC00 + ((cp - 0x10000) & 0x3FF));
            } else {
                buf_printf(b, fmt, cp);
            }
        }
        i += n;
    }
    buf_putc(b, '"');
}

/* Serialize a tree; noisy adds random whitespace and random escapes. */
static void put_value(buf_t *b, const json_value_t *v, bool noisy)
{
    switch (v->type) {
    case JSON_NULL: buf_append_str(b, "null"); break;
    case JSON_FALSE: buf_append_str(b, "false"); break;
    case JSON_TRUE: buf_append_str(b, "true"); break;
    case JSON_NUMBER: buf_append(b, v->u.str.ptr, v->u.str.len); break;
    case JSON_STRING:
        if (noisy)
            put_string_noisy(b, v->u.str.ptr, v->u.str.len);
        else
            json_write_string(b, v->u.str.ptr, v->u.str.len);
        break;
    case JSON_ARRAY:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->u.array.count; i++) {
            if (i) buf_putc(b, ',');
            put_ws(b, noisy);
            put_value(b, v->u.array.items[i], noisy);
            put_ws(b, noisy);
        }
        buf_putc(b, ']');
        break;
    case JSON_OBJECT:
        buf_putc(b, '{');
        for (size_t i = 0; i < v->u.object.count; i++) {
            const json_member_t *m = &v->u.object.members[i];
            if (i) buf_putc(b, ',');
            put_ws(b, noisy);
            if (noisy)
                put_string_noisy(b, m->key, m->key_len);
            else
                json_write_string(b, m->key, m->key_len);
            put_ws(b, noisy);
            buf_putc(b, ':');
            put_ws(b, noisy);
            put_value(b, m->value, noisy);
            put_ws(b, noisy);
        }
        buf_putc(b, '}');
        break;
    }
}

static size_t put_utf8(uint8_t *w, uint32_t cp)
{
    if (cp < 0x80) return w[0] = (uint8_t)cp, 1;
    if (cp < 0x800) return w[0] = (uint8_t)(0xC0 | cp >> 6), w[1] = (uint8_t)(0x80 | (cp & 63)), 2;
    if (cp < 0x10000) {
        w[0] = (uint8_t)(0xE0 | cp >> 12);
        w[1] = (uint8_t)(0x80 | (cp >> 6 & 63));
        w[2] = (uint8_t)(0x80 | (cp & 63));
        return 3;
    }
    w[0] = (uint8_t)(0xF0 | cp >> 18);
    w[1] = (uint8_t)(0x80 | (cp >> 12 & 63));
    w[2] = (uint8_t)(0x80 | (cp >> 6 & 63));
    w[3] = (uint8_t)(0x80 | (cp & 63));
    return 4;
}

/* A random code point of any UTF-8 length, never a surrogate. */
static uint32_t random_code_point(void)
{
    switch (rng_below(8)) {
    case 0: return rng_below(0x20);
    case 1: return "\"\\/ab"[rng_below(5)];
    case 2: return 0x80 + rng_below(0x800 - 0x80);
    case 3: {
        uint32_t cp = 0x800 + rng_below(0x10000 - 0x800 - 0x800);
        return cp >= 0xD800 ? cp + 0x800 : cp;
    }
    case 4: return 0x10000 + rng_below(0x110000 - 0x10000);
    default: return 0x20 + rng_below(0x5F);
    }
}

/* Random valid UTF-8 of about max_cps code points, in the arena. */
static char *random_utf8(size_t max_cps, size_t *len)
{
    size_t n = rng_below((uint32_t)max_cps + 1);
    uint8_t *s = arena_alloc(arena, n * 4 + 1);
    size_t l = 0;
    for (size_t i = 0; i < n; i++)
        l += put_utf8(s + l, random_code_point());
    s[l] = 0;
    *len = l;
    return (char *)s;
}

/* A random number text following the RFC 8259 grammar. */
static char *random_number(size_t *len)
{
    char tmp[64];
    size_t l = 0;
    if (rng_below(2)) tmp[l++] = '-';
    if (rng_below(4) == 0) {
        tmp[l++] = '0';
    } else {
        tmp[l++] = (char)('1' + rng_below(9));
        for (uint32_t n = rng_below(12); n; n--)
            tmp[l++] = (char)('0' + rng_below(10));
    }
    if (rng_below(2)) {
        tmp[l++] = '.';
        for (uint32_t n = 1 + rng_below(8); n; n--)
            tmp[l++] = (char)('0' + rng_below(10));
    }
    if (rng_below(3) == 0) {
        tmp[l++] = rng_below(2) ? 'e' : 'E';
        uint32_t sign = rng_below(3);
        if (sign) tmp[l++] = sign == 1 ? '+' : '-';
        for (uint32_t n = 1 + rng_below(3); n; n--)
            tmp[l++] = (char)('0' + rng_below(10));
    }
    *len = l;
    return arena_strndup(arena, tmp, l);
}

static json_value_t *random_value(int depth)
{
    json_value_t *v = arena_calloc(arena, sizeof *v);
    uint32_t kind = depth >= 6 ? rng_below(5) : rng_below(7);
    switch (kind) {
    case 0: v->type = JSON_NULL; break;
    case 1: v->type = rng_below(2) ? JSON_TRUE : JSON_FALSE; break;
    case 2:
        v->type = JSON_NUMBER;
        v->u.str.ptr = random_number(&v->u.str.len);
        break;
    case 3:
    case 4:
        v->type = JSON_STRING;
        v->u.str.ptr = random_utf8(12, &v->u.str.len);
        break;
    case 5: {
        v->type = JSON_ARRAY;
        size_t n = rng_below(6);
        v->u.array.count = n;
        v->u.array.items = arena_alloc(arena, (n + 1) * sizeof(json_value_t *));
        for (size_t i = 0; i < n; i++)
            v->u.array.items[i] = random_value(depth + 1);
        break;
    }
    default: {
        v->type = JSON_OBJECT;
        size_t n = rng_below(rng_below(8) == 0 ? 40 : 6);
        json_member_t *m = arena_alloc(arena, (n + 1) * sizeof *m);
        for (size_t i = 0; i < n; i++) {
            bool unique;
            do { /* keys of one object must differ */
                m[i].key = random_utf8(rng_below(2) ? 2 : 6, &m[i].key_len);
                unique = true;
                for (size_t j = 0; j < i; j++)
                    if (m[j].key_len == m[i].key_len && !memcmp(m[j].key, m[i].key, m[i].key_len))
                        unique = false;
            } while (!unique);
            m[i].value = random_value(depth + 1);
        }
        v->u.object.members = m;
        v->u.object.count = n;
        break;
    }
    }
    return v;
}

/* --- valid documents ---------------------------------------------------- */

static void test_scalars(void)
{
    json_value_t *v;
    CHECK(parse("null", &v) == JSON_OK && v->type == JSON_NULL);
    CHECK(parse("true", &v) == JSON_OK && v->type == JSON_TRUE);
    CHECK(parse("false", &v) == JSON_OK && v->type == JSON_FALSE);
    CHECK(parse(" \t\r\n 0 \n", &v) == JSON_OK && v->type == JSON_NUMBER);
    CHECK(parse("\"\"", &v) == JSON_OK && str_is(v, "", 0));
    CHECK(parse("\"abc\"", &v) == JSON_OK && str_is(v, "abc", 3));
    CHECK(parse("[]", &v) == JSON_OK && v->type == JSON_ARRAY && v->u.array.count == 0);
    CHECK(parse("{}", &v) == JSON_OK && v->type == JSON_OBJECT && v->u.object.count == 0);
    CHECK(parse("[ ]", &v) == JSON_OK && v->u.array.count == 0);
    CHECK(parse("{ \n}", &v) == JSON_OK && v->u.object.count == 0);
}

static void test_numbers_raw(void)
{
    static const char *nums[] = {
        "0",    "-0",      "1",           "-1",  "123456789012345678901234567890",
        "0.5",  "-0.0",    "1e5",         "1E5", "1e+5",
        "1e-5", "1.5E+10", "-12.34e-056", "0e0", "10"};
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        json_value_t *v;
        char doc[80];
        snprintf(doc, sizeof doc, "[%s]", nums[i]);
        CHECK(parse(doc, &v) == JSON_OK);
        if (!v) continue;
        json_value_t *n = v->u.array.items[0];
        CHECK(n->type == JSON_NUMBER && n->u.str.len == strlen(nums[i]) &&
              !strcmp(n->u.str.ptr, nums[i]));
        CHECK(parse(nums[i], &v) == JSON_OK && v->type == JSON_NUMBER &&
              !strcmp(v->u.str.ptr, nums[i]));
    }
}

static void test_nested(void)
{
    json_value_t *v;
    const char *doc =
        "{\"TableName\":\"t\",\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},"
        "\"l\":{\"L\":[{\"BOOL\":true},{\"NULL\":true},[1,[2,[]]],{}]}},\"Limit\":10}";
    CHECK(parse(doc, &v) == JSON_OK);
    if (!v) return;
    CHECK(v->type == JSON_OBJECT && v->u.object.count == 3);
    CHECK(!strcmp(v->u.object.members[0].key, "TableName"));
    CHECK(!strcmp(v->u.object.members[1].key, "Item"));
    CHECK(!strcmp(v->u.object.members[2].key, "Limit"));
    CHECK(str_is(json_object_get(v, "TableName"), "t", 1));
    json_value_t *item = json_object_get(v, "Item");
    CHECK(item && item->type == JSON_OBJECT && item->u.object.count == 3);
    CHECK(str_is(json_object_get(json_object_get(item, "pk"), "S"), "a", 1));
    json_value_t *l = json_object_get(json_object_get(item, "l"), "L");
    CHECK(l && l->type == JSON_ARRAY && l->u.array.count == 4);
    CHECK(l->u.array.items[0]->u.object.members[0].value->type == JSON_TRUE);
    json_value_t *inner = l->u.array.items[2];
    CHECK(inner->type == JSON_ARRAY && inner->u.array.count == 2);
    CHECK(inner->u.array.items[1]->u.array.items[1]->type == JSON_ARRAY);
    CHECK(inner->u.array.items[1]->u.array.items[1]->u.array.count == 0);
    CHECK(l->u.array.items[3]->type == JSON_OBJECT && l->u.array.items[3]->u.object.count == 0);
    json_value_t *limit = json_object_get(v, "Limit");
    CHECK(limit && limit->type == JSON_NUMBER && !strcmp(limit->u.str.ptr, "10"));
    CHECK(json_object_get(v, "Missing") == NULL);
    CHECK(json_object_get(v, "tablename") == NULL);
    CHECK(json_object_get(v, "Table") == NULL);
}

/* Whatever a client put in a list, looking a member up in an element is
 * safe: a literal's value holds nothing but its type (the rest of it is
 * whatever its memory held before), and no value but an object has
 * members. */
static void test_member_of_what_is_no_object(void)
{
    json_member_t stale[2] = {{"Create", 6, NULL}, {"Create", 6, NULL}};
    json_value_t inner = {.type = JSON_OBJECT};
    stale[0].value = stale[1].value = &inner;
    const json_type_t types[] = {JSON_NULL,   JSON_TRUE,   JSON_FALSE,
                                 JSON_NUMBER, JSON_STRING, JSON_ARRAY};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        json_value_t v;
        memset(&v, 0xa5, sizeof v); /* what an earlier value left there */
        v.type = types[i];
        v.u.object.members = stale;
        v.u.object.count = 2;
        CHECK(json_object_get(&v, "Create") == NULL);
    }
    json_value_t *doc;
    CHECK(parse("[null,true,1,\"Create\",[{\"Create\":1}],{\"Create\":{}}]", &doc) == JSON_OK);
    if (!doc) return;
    for (size_t i = 0; i + 1 < doc->u.array.count; i++)
        CHECK(json_object_get(doc->u.array.items[i], "Create") == NULL);
    CHECK(json_object_get(doc->u.array.items[5], "Create") != NULL);
}

static void test_whitespace_everywhere(void)
{
    json_value_t *v;
    CHECK(parse(" \r\n\t{ \"a\" \t:\n[ 1 , true ,\r\"x\" ] , \"b\" : { } } \n", &v) == JSON_OK);
    if (!v) return;
    CHECK(v->u.object.count == 2);
    CHECK(json_object_get(v, "a")->u.array.count == 3);
}

static void test_escapes(void)
{
    json_value_t *v;
    CHECK(parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", &v) == JSON_OK);
    CHECK(str_is(v, "\" \\ / \b \f \n \r \t", 15));
    CHECK(parse("\"caf\\u00e9\"", &v) == JSON_OK && str_is(v, "caf\xc3\xa9", 5));
    CHECK(parse("\"\\u00E9\\u00c9\"", &v) == JSON_OK && str_is(v, "\xc3\xa9\xc3\x89", 4));
    CHECK(parse("\"\\u0041\\u07ff\\u0800\\uffff\"", &v) == JSON_OK &&
          str_is(v, "A\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf", 9));
    CHECK(parse("\"\\ud83d\\ude00\"", &v) == JSON_OK && str_is(v, "\xf0\x9f\x98\x80", 4));
    CHECK(parse("\"\\uD800\\uDC00\\uDBFF\\uDFFF\"", &v) == JSON_OK &&
          str_is(v, "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8));
    CHECK(parse("\"\\u0000\"", &v) == JSON_OK && v->u.str.len == 1 && v->u.str.ptr[0] == 0);
    CHECK(parse("\"a\\u0000b\"", &v) == JSON_OK && str_is(v, "a\0b", 3));
    /* Escapes mixed with plain text and raw UTF-8 on both sides. */
    CHECK(parse("\"\xc3\xa9x\\n\xe2\x82\xac\\ty\xf0\x9f\x98\x80z\"", &v) == JSON_OK &&
          str_is(v, "\xc3\xa9x\n\xe2\x82\xac\ty\xf0\x9f\x98\x80z", 14));
    /* Escaped keys are unescaped too. */
    CHECK(parse("{\"k\\u0065y\":1}", &v) == JSON_OK && json_object_get(v, "key") != NULL);
    /* A string longer than one 16-byte block, with an escape at the end. */
    CHECK(parse("\"0123456789abcdef0123456789abcdef\\n\"", &v) == JSON_OK &&
          str_is(v, "0123456789abcdef0123456789abcdef\n", 33));
}

static void test_unicode_raw(void)
{
    json_value_t *v;
    const char *s = "\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf "
                    "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf \x7f\"";
    CHECK(parse(s, &v) == JSON_OK && v->u.str.len == strlen(s) - 2);
    CHECK(parse("{\"\xe6\x97\xa5\xe6\x9c\xac\":\"\xf0\x9f\x8e\x89\"}", &v) == JSON_OK);
    CHECK(v && str_is(json_object_get(v, "\xe6\x97\xa5\xe6\x9c\xac"), "\xf0\x9f\x8e\x89", 4));
}

static void test_copy_independent(void)
{
    /* The tree must not point into the caller's text, which dies first. */
    char *text = strdup("{\"a\":\"bbb\",\"n\":12}");
    json_value_t *v;
    CHECK(parse(text, &v) == JSON_OK);
    memset(text, 'x', strlen(text));
    free(text);
    CHECK(v && str_is(json_object_get(v, "a"), "bbb", 3));
    CHECK(v && !strcmp(json_object_get(v, "n")->u.str.ptr, "12"));
}

/* --- invalid documents ---------------------------------------------------- */

struct bad_case {
    const char *text;
    json_status_t status;
    size_t offset;
};

static void check_bad(const struct bad_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t off;
        json_value_t *v = (json_value_t *)1;
        json_status_t st = parse_n(c[i].text, strlen(c[i].text), &v, &off);
        if (st != c[i].status || off != c[i].offset || v != NULL) {
            fprintf(stderr, "  case %zu \"%s\": status %d offset %zu, want %d at %zu\n", i,
                    c[i].text, st, off, c[i].status, c[i].offset);
            unit_current_failed = 1;
        }
    }
}

static void test_syntax_errors(void)
{
    static const struct bad_case cases[] = {
        {"", JSON_ERR_SYNTAX, 0},
        {"   ", JSON_ERR_SYNTAX, 3},
        {"[1,]", JSON_ERR_SYNTAX, 3},
        {"[1,,2]", JSON_ERR_SYNTAX, 3},
        {"[,1]", JSON_ERR_SYNTAX, 1},
        {"{\"a\":1,}", JSON_ERR_SYNTAX, 7},
        {"{,}", JSON_ERR_SYNTAX, 1},
        {"{\"a\" 1}", JSON_ERR_SYNTAX, 5},
        {"{\"a\":}", JSON_ERR_SYNTAX, 5},
        {"{\"a\"}", JSON_ERR_SYNTAX, 4},
        {"{a:1}", JSON_ERR_SYNTAX, 1},
        {"{1:1}", JSON_ERR_SYNTAX, 1},
        {"{'a':1}", JSON_ERR_SYNTAX, 1},
        {"['a']", JSON_ERR_SYNTAX, 1},
        {"[1 2]", JSON_ERR_SYNTAX, 3},
        {"[1}", JSON_ERR_SYNTAX, 2},
        {"{\"a\":1]", JSON_ERR_SYNTAX, 6},
        {"[", JSON_ERR_SYNTAX, 1},
        {"[1", JSON_ERR_SYNTAX, 2},
        {"{", JSON_ERR_SYNTAX, 1},
        {"{\"a\":1", JSON_ERR_SYNTAX, 6},
        {"]", JSON_ERR_SYNTAX, 0},
        {"}", JSON_ERR_SYNTAX, 0},
        {"[1]]", JSON_ERR_SYNTAX, 3},
        {"1 2", JSON_ERR_SYNTAX, 2},
        {"{} {}", JSON_ERR_SYNTAX, 3},
        {"null x", JSON_ERR_SYNTAX, 5},
        {"[1] // c", JSON_ERR_SYNTAX, 4},
        {"/* c */ 1", JSON_ERR_SYNTAX, 0},
        {"[1 /* c */]", JSON_ERR_SYNTAX, 3},
        {"# c\n1", JSON_ERR_SYNTAX, 0},
        /* literals */
        {"tru", JSON_ERR_SYNTAX, 0},
        {"True", JSON_ERR_SYNTAX, 0},
        {"nul", JSON_ERR_SYNTAX, 0},
        {"NULL", JSON_ERR_SYNTAX, 0},
        {"fals", JSON_ERR_SYNTAX, 0},
        {"truex", JSON_ERR_SYNTAX, 4},
        {"[nulll]", JSON_ERR_SYNTAX, 5},
        {"undefined", JSON_ERR_SYNTAX, 0},
        /* numbers */
        {"01", JSON_ERR_SYNTAX, 1},
        {"[00]", JSON_ERR_SYNTAX, 2},
        {"-01", JSON_ERR_SYNTAX, 2},
        {"+1", JSON_ERR_SYNTAX, 0},
        {"[+1]", JSON_ERR_SYNTAX, 1},
        {".5", JSON_ERR_SYNTAX, 0},
        {"[-.5]", JSON_ERR_SYNTAX, 2},
        {"1.", JSON_ERR_SYNTAX, 2},
        {"[1.]", JSON_ERR_SYNTAX, 3},
        {"1.e5", JSON_ERR_SYNTAX, 2},
        {"1e", JSON_ERR_SYNTAX, 2},
        {"1e+", JSON_ERR_SYNTAX, 3},
        {"1e-x", JSON_ERR_SYNTAX, 3},
        {"1E+-1", JSON_ERR_SYNTAX, 3},
        {"-", JSON_ERR_SYNTAX, 1},
        {"--1", JSON_ERR_SYNTAX, 1},
        {"- 1", JSON_ERR_SYNTAX, 1},
        {"NaN", JSON_ERR_SYNTAX, 0},
        {"[-NaN]", JSON_ERR_SYNTAX, 2},
        {"Infinity", JSON_ERR_SYNTAX, 0},
        {"-Infinity", JSON_ERR_SYNTAX, 1},
        {"0x10", JSON_ERR_SYNTAX, 1},
        {"1.5.3", JSON_ERR_SYNTAX, 3},
        {"1e5.0", JSON_ERR_SYNTAX, 3},
        /* strings */
        {"\"abc", JSON_ERR_SYNTAX, 4},
        {"\"", JSON_ERR_SYNTAX, 1},
        {"[\"abc]", JSON_ERR_SYNTAX, 6},
        {"\"a\x01\"", JSON_ERR_SYNTAX, 2},
        {"\"a\nb\"", JSON_ERR_SYNTAX, 2},
        {"\"a\tb\"", JSON_ERR_SYNTAX, 2},
        {"\"\x1f\"", JSON_ERR_SYNTAX, 1},
        {"\"\\n\x1f\"", JSON_ERR_SYNTAX, 3},
        {"\"\\x41\"", JSON_ERR_SYNTAX, 1},
        {"\"\\a\"", JSON_ERR_SYNTAX, 1},
        {"\"\\'\"", JSON_ERR_SYNTAX, 1},
        {"\"\\U0041\"", JSON_ERR_SYNTAX, 1},
        {"\"\\u12\"", JSON_ERR_SYNTAX, 1},
        {"\"\\u12", JSON_ERR_SYNTAX, 1},
        {"\"\\uZZZZ\"", JSON_ERR_SYNTAX, 1},
        {"\"\\u 123\"", JSON_ERR_SYNTAX, 1},
        {"\"ab\\", JSON_ERR_SYNTAX, 3},
        {"\"ab\\\"", JSON_ERR_SYNTAX, 5},
        {"\"\\ud83d\\uZZZZ\"", JSON_ERR_SYNTAX, 7},
        /* bytes outside strings: valid UTF-8 that is no token is a syntax error */
        {"[\xc3\xa9]", JSON_ERR_SYNTAX, 1},
        {"\xef\xbb\xbf{}", JSON_ERR_SYNTAX, 0}, /* a byte order mark is not whitespace */
        {"[1,\xe2\x80\x83 2]", JSON_ERR_SYNTAX, 3},
        {"\f1", JSON_ERR_SYNTAX, 0},
        {"\v1", JSON_ERR_SYNTAX, 0},
    };
    check_bad(cases, sizeof cases / sizeof *cases);
}

static void test_nul_bytes(void)
{
    size_t off;
    /* A NUL byte is a control character inside a string and no token outside. */
    CHECK(parse_n("\"a\0b\"", 5, NULL, &off) == JSON_ERR_SYNTAX && off == 2);
    CHECK(parse_n("[1,\0]", 5, NULL, &off) == JSON_ERR_SYNTAX && off == 3);
    CHECK(parse_n("1\0", 2, NULL, &off) == JSON_ERR_SYNTAX && off == 1);
    CHECK(parse_n("\0", 1, NULL, &off) == JSON_ERR_SYNTAX && off == 0);
    /* The length is what counts, not a terminating NUL. */
    CHECK(parse_n("[1,2]garbage", 5, NULL, &off) == JSON_OK);
    CHECK(parse_n("[1,2]", 4, NULL, &off) == JSON_ERR_SYNTAX && off == 4);
    CHECK(parse_n("\"abc\"", 4, NULL, &off) == JSON_ERR_SYNTAX && off == 4);
    CHECK(parse_n("true", 3, NULL, &off) == JSON_ERR_SYNTAX && off == 0);
    CHECK(parse_n("123", 2, NULL, &off) == JSON_OK);
}

static void test_utf8_errors(void)
{
    static const struct bad_case cases[] = {
        /* stray continuation bytes, invalid lead bytes */
        {"\"\x80\"", JSON_ERR_UTF8, 1},
        {"\"ab\xbf\"", JSON_ERR_UTF8, 3},
        {"\"\xff\"", JSON_ERR_UTF8, 1},
        {"\"\xfe\"", JSON_ERR_UTF8, 1},
        {"\"\xf8\x88\x80\x80\x80\"", JSON_ERR_UTF8, 1},
        /* overlong encodings */
        {"\"\xc0\x80\"", JSON_ERR_UTF8, 1},
        {"\"\xc1\xbf\"", JSON_ERR_UTF8, 1},
        {"\"\xe0\x80\x80\"", JSON_ERR_UTF8, 1},
        {"\"\xe0\x9f\xbf\"", JSON_ERR_UTF8, 1},
        {"\"\xf0\x80\x80\x80\"", JSON_ERR_UTF8, 1},
        {"\"\xf0\x8f\xbf\xbf\"", JSON_ERR_UTF8, 1},
        /* surrogates encoded in UTF-8 */
        {"\"\xed\xa0\x80\"", JSON_ERR_UTF8, 1},
        {"\"\xed\xbf\xbf\"", JSON_ERR_UTF8, 1},
        {"\"\xed\xa0\xbd\xed\xb8\x80\"", JSON_ERR_UTF8, 1},
        /* above U+10FFFF */
        {"\"\xf4\x90\x80\x80\"", JSON_ERR_UTF8, 1},
        {"\"\xf5\x80\x80\x80\"", JSON_ERR_UTF8, 1},
        {"\"\xf7\xbf\xbf\xbf\"", JSON_ERR_UTF8, 1},
        /* truncated sequences */
        {"\"\xc3\"", JSON_ERR_UTF8, 1},
        {"\"\xe2\x82\"", JSON_ERR_UTF8, 1},
        {"\"\xf0\x9f\x98\"", JSON_ERR_UTF8, 1},
        {"\"\xe2\x82", JSON_ERR_UTF8, 1},
        {"\"\xc3", JSON_ERR_UTF8, 1},
        {"\"\xe2x\xac\"", JSON_ERR_UTF8, 1},
        /* after an escape (the slow path) */
        {"\"\\n\x80\"", JSON_ERR_UTF8, 3},
        {"\"\\n\xed\xa0\x80\"", JSON_ERR_UTF8, 3},
        /* in keys */
        {"{\"\xc0\xaf\":1}", JSON_ERR_UTF8, 2},
        /* outside strings */
        {"\x80", JSON_ERR_UTF8, 0},
        {"[1,\xff]", JSON_ERR_UTF8, 3},
        {"{\"a\":1}\xc3", JSON_ERR_UTF8, 7},
        {"[1]\xed\xa0\x80", JSON_ERR_UTF8, 3},
        {"{\xf4\x90\x80\x80:1}", JSON_ERR_UTF8, 1},
        /* lone and mismatched surrogate escapes */
        {"\"\\ud83d\"", JSON_ERR_UTF8, 1},
        {"\"\\ude00\"", JSON_ERR_UTF8, 1},
        {"\"\\udc00\\ud800\"", JSON_ERR_UTF8, 1},
        {"\"\\ude00\\ude00\"", JSON_ERR_UTF8, 1},
        {"\"\\ud83d\\u0041\"", JSON_ERR_UTF8, 1},
        {"\"\\ud83d\\ud83d\"", JSON_ERR_UTF8, 1},
        {"\"\\ud83dx\"", JSON_ERR_UTF8, 1},
        {"\"\\ud83d\\n\"", JSON_ERR_UTF8, 1},
        {"\"ab\\uDBFF\\uE000\"", JSON_ERR_UTF8, 3},
        {"\"\\ud83d", JSON_ERR_UTF8, 1},
        {"{\"\\ud800\":1}", JSON_ERR_UTF8, 2},
    };
    check_bad(cases, sizeof cases / sizeof *cases);
}

static void test_depth(void)
{
    char doc[2 * (JSON_MAX_DEPTH + 1) + 1];
    json_value_t *v;
    size_t off;
    for (int n = JSON_MAX_DEPTH; n <= JSON_MAX_DEPTH + 1; n++) {
        memset(doc, '[', (size_t)n);
        memset(doc + n, ']', (size_t)n);
        doc[2 * n] = 0;
        json_status_t st = parse_n(doc, (size_t)(2 * n), &v, &off);
        if (n == JSON_MAX_DEPTH) {
            CHECK(st == JSON_OK);
            size_t depth = 0;
            for (json_value_t *x = v; x && x->type == JSON_ARRAY; depth++)
                x = x->u.array.count ? x->u.array.items[0] : NULL;
            CHECK(depth == JSON_MAX_DEPTH);
        } else {
            CHECK(st == JSON_ERR_DEPTH && off == JSON_MAX_DEPTH);
        }
    }

    /* Objects and arrays count alike; a scalar at the deepest level is fine. */
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        buf_append_str(&b, i % 2 ? "[" : "{\"k\":");
    buf_append_str(&b, "\"leaf\"");
    for (int i = JSON_MAX_DEPTH - 1; i >= 0; i--)
        buf_putc(&b, i % 2 ? ']' : '}');
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK);
    b.len = 0;
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        buf_append_str(&b, i % 2 ? "[" : "{\"k\":");
    size_t last = b.len - 5;
    buf_append_str(&b, "1");
    for (int i = JSON_MAX_DEPTH; i >= 0; i--)
        buf_putc(&b, i % 2 ? ']' : '}');
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_ERR_DEPTH && off == last);

    /* A very deep input is refused at the limit, without recursing further. */
    b.len = 0;
    for (int i = 0; i < 1000000; i++)
        buf_putc(&b, '[');
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_ERR_DEPTH && off == JSON_MAX_DEPTH);
    buf_free(&b);

    /* Depth is about nesting, not about how many containers there are. */
    b.len = 0;
    buf_putc(&b, '[');
    for (int i = 0; i < 10000; i++)
        buf_append_str(&b, i ? ",[[]]" : "[[]]");
    buf_putc(&b, ']');
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK && v->u.array.count == 10000);
    buf_free(&b);
}

static void test_duplicates(void)
{
    static const struct bad_case cases[] = {
        {"{\"a\":1,\"a\":2}", JSON_ERR_DUPLICATE, 7},
        {"{\"a\":1,\"b\":2,\"a\":3}", JSON_ERR_DUPLICATE, 13},
        {"{\"a\":1,\"\\u0061\":2}", JSON_ERR_DUPLICATE, 7},
        {"{\"\\u00e9\":1,\"\xc3\xa9\":2}", JSON_ERR_DUPLICATE, 12},
        {"{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", JSON_ERR_DUPLICATE, 18},
        {"{\"\":1,\"\":2}", JSON_ERR_DUPLICATE, 6},
        {"{\"a\\u0000\":1,\"a\\u0000\":2}", JSON_ERR_DUPLICATE, 13},
        {"{\"x\":{\"a\":1,\"a\":2}}", JSON_ERR_DUPLICATE, 12},
        {"[{\"a\":1},{\"b\":{\"c\":[{\"d\":1,\"d\":1}]}}]", JSON_ERR_DUPLICATE, 27},
        /* detected at the key, before a later syntax error */
        {"{\"a\":1,\"a\":2,]", JSON_ERR_DUPLICATE, 7},
    };
    check_bad(cases, sizeof cases / sizeof *cases);

    json_value_t *v;
    /* Equal keys in different objects, and keys equal up to a NUL or a prefix. */
    CHECK(parse("{\"a\":{\"a\":1},\"b\":{\"a\":2}}", &v) == JSON_OK);
    CHECK(parse("{\"a\":1,\"a\\u0000\":2,\"A\":3,\"aa\":4,\"\":5}", &v) == JSON_OK);
    CHECK(v && v->u.object.count == 5);
    CHECK(parse("{\"pk\":1,\"sk\":2,\"ab\":3,\"ba\":4}", &v) == JSON_OK);
}

/* An object of n members "k0".."k{n-1}", optionally with member dup_at's key
 * repeated as the last member; returns the offset of that last key. */
static size_t build_object(buf_t *b, size_t n, long dup_at)
{
    size_t last = 0;
    b->len = 0;
    buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(b, ',');
        buf_printf(b, "\"k%zu\":%zu", i, i);
    }
    if (dup_at >= 0) {
        buf_putc(b, ',');
        last = b->len;
        buf_printf(b, "\"k%ld\":0", dup_at);
    }
    buf_putc(b, '}');
    return last;
}

static void test_big_objects(void)
{
    buf_t b;
    buf_init(&b);
    json_value_t *v;
    size_t off;
    build_object(&b, 10000, -1);
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK);
    CHECK(v && v->type == JSON_OBJECT && v->u.object.count == 10000);
    if (v) {
        for (size_t i = 0; i < 10000; i += 997) {
            char key[16], num[16];
            snprintf(key, sizeof key, "k%zu", i);
            snprintf(num, sizeof num, "%zu", i);
            CHECK(!strcmp(v->u.object.members[i].key, key));
            json_value_t *x = json_object_get(v, key);
            CHECK(x && x->type == JSON_NUMBER && !strcmp(x->u.str.ptr, num));
        }
    }
    /* Duplicates among the first members, in the middle, at the very end. */
    static const long dups[] = {0, 3, 15, 16, 17, 5000, 9999};
    for (size_t i = 0; i < sizeof dups / sizeof *dups; i++) {
        size_t last = build_object(&b, 10000, dups[i]);
        CHECK(parse_n(b.data, b.len, &v, &off) == JSON_ERR_DUPLICATE && off == last);
    }
    /* Around the switch from pairwise comparison to sorting. */
    for (size_t n = 1; n < 40; n++) {
        build_object(&b, n, -1);
        CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK && v->u.object.count == n);
        for (size_t d = 0; d < n; d++) {
            size_t last = build_object(&b, n, (long)d);
            CHECK(parse_n(b.data, b.len, &v, &off) == JSON_ERR_DUPLICATE && off == last);
        }
    }
    /* Of several duplicates in a big object, the earliest repeat is reported. */
    b.len = 0;
    buf_putc(&b, '{');
    for (int i = 0; i < 100; i++)
        buf_printf(&b, "%s\"k%d\":1", i ? "," : "", i);
    buf_append_str(&b, ",\"k70\":1,");
    size_t first = b.len;
    buf_append_str(&b, "\"k20\":1,\"k70\":2,\"k20\":3}");
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_ERR_DUPLICATE && off == first - 8);
    /* Many keys sharing a long prefix. */
    b.len = 0;
    buf_putc(&b, '{');
    for (int i = 0; i < 3000; i++)
        buf_printf(&b, "%s\"%0200d\":%d", i ? "," : "", i, i);
    buf_putc(&b, '}');
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK && v->u.object.count == 3000);
    /* Big arrays, also of objects. */
    b.len = 0;
    buf_putc(&b, '[');
    for (int i = 0; i < 100000; i++)
        buf_append_str(&b, i ? ",{\"S\":\"x\"}" : "{\"S\":\"x\"}");
    buf_putc(&b, ']');
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK && v->u.array.count == 100000);
    CHECK(v && str_is(json_object_get(v->u.array.items[99999], "S"), "x", 1));
    buf_free(&b);
}

static void test_big_string(void)
{
    size_t n = 1 << 20;
    char *plain = malloc(n);
    rng_state = 42;
    for (size_t i = 0; i < n; i++)
        plain[i] = (char)(0x20 + rng_below(0x5F));
    buf_t b;
    buf_init(&b);
    json_write_string(&b, plain, n);
    json_value_t *v;
    size_t off;
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK && str_is(v, plain, n));

    /* Mixed: random code points, many of them escaped. */
    size_t len = 0;
    char *mixed = malloc(n + 4);
    while (len < n)
        len += put_utf8((uint8_t *)mixed + len, random_code_point());
    b.len = 0;
    put_string_noisy(&b, mixed, len);
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK && str_is(v, mixed, len));
    b.len = 0;
    json_write_string(&b, mixed, len);
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK && str_is(v, mixed, len));
    /* Unterminated: the error is at the very end. */
    b.len--;
    CHECK(parse_n(b.data, b.len, &v, &off) == JSON_ERR_SYNTAX && off == b.len);
    free(mixed);
    free(plain);
    buf_free(&b);
}

/* --- writer ---------------------------------------------------------------- */

static void check_write(const char *s, size_t len, const char *want)
{
    buf_t b;
    buf_init(&b);
    json_write_string(&b, s, len);
    buf_putc(&b, 0);
    CHECK_STR(b.data, want);
    buf_free(&b);
}

static void test_write_string(void)
{
    check_write("", 0, "\"\"");
    check_write("abc", 3, "\"abc\"");
    check_write("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    check_write("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
    check_write("\x01\x1f\x1b", 3, "\"\\u0001\\u001f\\u001b\"");
    check_write("a\0b", 3, "\"a\\u0000b\"");
    check_write("/\x7f", 2, "\"/\x7f\"");
    check_write("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    /* Appends after what the buffer holds. */
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "x:");
    json_write_string(&b, "\n", 1);
    buf_putc(&b, 0);
    CHECK_STR(b.data, "x:\"\\n\"");
    buf_free(&b);
}

static void test_write_member_optional(void)
{
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "{\"A\":1");
    json_write_member_optional(&b, "Gone", NULL);
    json_write_member_optional(&b, "S3Prefix", "p/\"q\"");
    json_write_member_optional(&b, "Empty", "");
    buf_putc(&b, '}');
    buf_putc(&b, 0);
    CHECK_STR(b.data, "{\"A\":1,\"S3Prefix\":\"p/\\\"q\\\"\",\"Empty\":\"\"}");
    buf_free(&b);
}

static void test_write_round_trip(void)
{
    rng_state = 0x9E3779B97F4A7C15ULL;
    buf_t b;
    buf_init(&b);
    for (int iter = 0; iter < 3000; iter++) {
        arena_reset(arena);
        size_t len;
        const char *s = random_utf8(iter % 100 == 0 ? 2000 : 40, &len);
        b.len = 0;
        json_write_string(&b, s, len);
        json_value_t *v;
        size_t off;
        CHECK(parse_n(b.data, b.len, &v, &off) == JSON_OK && str_is(v, s, len));
        /* Only '"', '\\' and controls were escaped. */
        size_t escapes = 0;
        for (size_t i = 0; i < b.len; i++)
            if (b.data[i] == '\\') escapes++, i++;
        size_t need = 0;
        for (size_t i = 0; i < len; i++)
            need += (uint8_t)s[i] < 0x20 || s[i] == '"' || s[i] == '\\';
        CHECK(escapes == need);
    }
    buf_free(&b);
}

/* --- base64 ----------------------------------------------------------------- */

static void test_base64_vectors(void)
{
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; i < 7; i++) {
        b.len = 0;
        json_write_base64(&b, (const uint8_t *)plain[i], strlen(plain[i]));
        CHECK(b.len == strlen(coded[i]) + 2 && b.data[0] == '"' && b.data[b.len - 1] == '"' &&
              !memcmp(b.data + 1, coded[i], strlen(coded[i])));
        uint8_t out[16];
        size_t n = 99;
        CHECK(json_base64_decode(coded[i], strlen(coded[i]), out, &n));
        CHECK(n == strlen(plain[i]) && !memcmp(out, plain[i], n));
    }
    /* Every byte value, and both extra alphabet characters. */
    uint8_t all[256], out[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    b.len = 0;
    json_write_base64(&b, all, 256);
    CHECK(memchr(b.data, '+', b.len) && memchr(b.data, '/', b.len));
    size_t n;
    CHECK(json_base64_decode(b.data + 1, b.len - 2, out, &n) && n == 256 && !memcmp(out, all, 256));
    CHECK(json_base64_decode("+/+/", 4, out, &n) && n == 3 && out[0] == 0xfb && out[1] == 0xff &&
          out[2] == 0xbf);
    buf_free(&b);
}

static void test_base64_round_trip(void)
{
    rng_state = 7;
    buf_t b;
    buf_init(&b);
    uint8_t data[300], out[300];
    for (int iter = 0; iter < 2000; iter++) {
        size_t len = rng_below(300);
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)rng_next();
        b.len = 0;
        json_write_base64(&b, data, len);
        CHECK(b.len == (len + 2) / 3 * 4 + 2);
        size_t n;
        CHECK(json_base64_decode(b.data + 1, b.len - 2, out, &n) && n == len &&
              !memcmp(out, data, len));
        /* The literal is a JSON string holding the same text. */
        json_value_t *v;
        arena_reset(arena);
        CHECK(parse_n(b.data, b.len, &v, NULL) == JSON_OK && v->u.str.len == b.len - 2);
    }
    buf_free(&b);
}

#define B64(s)                                                                                     \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }

static void test_base64_invalid(void)
{
    static const struct {
        const char *s;
        size_t len;
    } bad[] = {/* length not a multiple of 4 */
               B64("Z"), B64("Zg"), B64("Zg="), B64("Zm9"), B64("Zm9vY"), B64("Zg==="),
               B64("Zm9vYmFy="),
               /* padding anywhere but at the end, or too much of it */
               B64("Zg==Zg=="), B64("Zm8=Zm9v"), B64("Z==="), B64("===="), B64("Zm9vYmFy===="),
               B64("=Zg="), B64("Z=g="), B64("Zg=a"), B64("Zm=v"),
               /* whitespace, other alphabets, other bytes */
               B64("Zm9\n"), B64("Zm 9"), B64(" Zm9"), B64("Zm9vYg= "), B64("Zm9v\r\nAA"),
               B64("Zm-_"), B64("Zm9v*A=="), B64("Zm9vYg=\0"), B64("\0\0\0\0"), B64("Zg==\0\0\0\0"),
               B64("Z\xc3\xa9="), B64("Zm9.")};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint8_t out[16];
        size_t n;
        if (json_base64_decode(bad[i].s, bad[i].len, out, &n)) {
            fprintf(stderr, "  accepted bad base64 #%zu \"%s\"\n", i, bad[i].s);
            unit_current_failed = 1;
        }
    }
    /* Non-canonical trailing bits are accepted (see json.c). */
    uint8_t out[4];
    size_t n;
    CHECK(json_base64_decode("Zh==", 4, out, &n) && n == 1 && out[0] == 'f');
    CHECK(json_base64_decode("Zm9=", 4, out, &n) && n == 2 && out[0] == 'f' && out[1] == 'o');
    /* An empty input is valid and decodes to nothing. */
    CHECK(json_base64_decode("", 0, out, &n) && n == 0);
}

/* --- differential property test --------------------------------------------- */

static void test_random_documents(void)
{
    rng_state = 0xDDBD2024;
    buf_t b;
    buf_init(&b);
    for (int iter = 0; iter < 3000; iter++) {
        arena_reset(arena);
        json_value_t *doc = random_value(0);
        bool noisy = iter % 2;
        b.len = 0;
        put_ws(&b, noisy);
        put_value(&b, doc, noisy);
        put_ws(&b, noisy);
        json_value_t *v;
        size_t off;
        json_status_t st = parse_n(b.data, b.len, &v, &off);
        CHECK(st == JSON_OK);
        if (st != JSON_OK) {
            fprintf(stderr, "  iteration %d: status %d at %zu in %.*s\n", iter, st, off, (int)b.len,
                    b.data);
            break;
        }
        if (!json_value_equal(doc, v)) {
            fprintf(stderr, "  iteration %d: tree differs for %.*s\n", iter, (int)b.len, b.data);
            unit_current_failed = 1;
            break;
        }
        /* Cutting the text short anywhere inside the value must fail. */
        size_t cut = rng_below((uint32_t)b.len);
        size_t ws_end = cut;
        while (ws_end < b.len && strchr(" \t\n\r", b.data[ws_end]))
            ws_end++;
        if (ws_end < b.len &&
            (doc->type == JSON_ARRAY || doc->type == JSON_OBJECT || doc->type == JSON_STRING)) {
            size_t lead = 0;
            while (lead < b.len && strchr(" \t\n\r", b.data[lead]))
                lead++;
            if (cut > lead) CHECK(parse_n(b.data, cut, &v, &off) != JSON_OK);
        }
    }
    buf_free(&b);
}

/* json_utf8_valid (text that arrives as bytes) takes exactly what a JSON
 * string may hold: each case's verdict is the parser's on the same bytes
 * quoted, and sequences cut by the end of the text are caught. */
static void test_utf8_valid(void)
{
    static const char *const bad[] = {
        "\x80", "ab\xbf", "\xff", "\xfe", "\xf8\x88\x80\x80\x80", "\xc0\x80", "\xc1\xbf",
        "\xe0\x80\x80", "\xe0\x9f\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
        "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xc3",
        "\xe2\x82", "\xf0\x9f\x98", "x\xe2x\xac", "ok\xc3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!json_utf8_valid(bad[i], strlen(bad[i])));
    static const char *const good[] = {
        "", "plain", "h\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
        "\xef\xbf\xbf", "\xed\x9f\xbf", "a\xc2\x80",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(json_utf8_valid(good[i], strlen(good[i])));
    CHECK(json_utf8_valid("a\0b", 3)); /* NUL is text (a JSON string may hold \u0000) */
    /* repaired: valid text as it is (the same pointer), other bytes as Latin-1 */
    const char *same = "h\xc3\xa9";
    CHECK(json_utf8_or_latin1(arena, same, 3) == same);
    CHECK_STR(json_utf8_or_latin1(arena, "a\xff", 2), "a\xc3\xbf");
    CHECK_STR(json_utf8_or_latin1(arena, "\xc3\xa9\xc3", 3), "\xc3\xa9\xc3\x83");
    CHECK_STR(json_utf8_or_latin1(arena, "\xed\xa0\x80!", 4), "\xc3\xad\xc2\xa0\xc2\x80!");
    CHECK_STR(json_utf8_or_latin1(arena, "\x80\xe2\x82\xac", 4), "\xc2\x80\xe2\x82\xac");
    const char *fixed = json_utf8_or_latin1(arena, "\xf0\x9f\x98", 3);
    CHECK(json_utf8_valid(fixed, strlen(fixed)) && strlen(fixed) == 6);
    /* a valid sequence whose last byte lies past len is cut */
    CHECK(!json_utf8_valid("\xe2\x82\xac", 2));
    /* random bytes: the same verdict as the parser's (bytes the parser refuses for
     * other reasons, quote, backslash and controls, left out) */
    unsigned seed = 12345;
    char text[16], quoted[20];
    for (int round = 0; round < 200000; round++) {
        size_t len = 1 + (seed = seed * 1103515245 + 12345) % 6;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245 + 12345;
            unsigned char c = (unsigned char)(seed >> 16);
            if (c < 0x20 || c == '"' || c == '\\') c = 'a';
            /* favour bytes that start or continue sequences */
            if ((seed >> 8) % 2) c = (unsigned char)(0x80 | (c & 0x7f));
            text[i] = (char)c;
        }
        quoted[0] = '"';
        memcpy(quoted + 1, text, len);
        quoted[len + 1] = '"';
        bool parsed = parse_n(quoted, len + 2, NULL, NULL) == JSON_OK;
        if (json_utf8_valid(text, len) != parsed) {
            CHECK(json_utf8_valid(text, len) == parsed);
            break;
        }
    }
}

int main(void)
{
    arena = arena_new(0);
    RUN(test_scalars);
    RUN(test_numbers_raw);
    RUN(test_nested);
    RUN(test_member_of_what_is_no_object);
    RUN(test_whitespace_everywhere);
    RUN(test_escapes);
    RUN(test_unicode_raw);
    RUN(test_copy_independent);
    RUN(test_syntax_errors);
    RUN(test_nul_bytes);
    RUN(test_utf8_errors);
    RUN(test_utf8_valid);
    RUN(test_depth);
    RUN(test_duplicates);
    RUN(test_big_objects);
    RUN(test_big_string);
    RUN(test_write_string);
    RUN(test_write_member_optional);
    RUN(test_write_round_trip);
    RUN(test_base64_vectors);
    RUN(test_base64_round_trip);
    RUN(test_base64_invalid);
    RUN(test_random_documents);
    arena_free(arena);
    return unit_report("json");
}
