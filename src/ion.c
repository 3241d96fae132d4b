/* ion: Amazon Ion text of items; see ion.h. */
#include "ion.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "number.h"

/* A string's text between double quotes: escapes for the quote, the
 * backslash and control characters; UTF-8 as it is. */
static void write_string(buf_t *b, const char *s, size_t len)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\x%02x", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, '"');
}

static bool is_identifier(const char *s, size_t len)
{
    static const char *const keywords[] = {"true", "false", "null", "nan", NULL};
    if (!len || (s[0] >= '0' && s[0] <= '9')) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '$'))
            return false;
    }
    if (s[0] == '$' && len > 1) { /* $<digits> is a symbol id, not a name */
        bool digits = true;
        for (size_t i = 1; i < len && digits; i++)
            digits = s[i] >= '0' && s[i] <= '9';
        if (digits) return false;
    }
    for (int k = 0; keywords[k]; k++)
        if (strlen(keywords[k]) == len && memcmp(keywords[k], s, len) == 0) return false;
    return true;
}

static void write_symbol(buf_t *b, const char *s, size_t len)
{
    if (is_identifier(s, len)) {
        buf_append(b, s, len);
        return;
    }
    buf_putc(b, '\'');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\'' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\x%02x", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, '\'');
}

/* A number as an Ion decimal: "12" -> "12.", "1.5E+3" -> "1.5d+3". */
static void write_decimal(buf_t *b, const number_t *n)
{
    char text[NUMBER_MAX_TEXT];
    size_t len = number_format(n, text);
    bool point = false, exponent = false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '.') point = true;
        if (text[i] == 'E' || text[i] == 'e') {
            text[i] = 'd';
            exponent = true;
        }
    }
    buf_append(b, text, len);
    if (!point && !exponent) buf_putc(b, '.');
}

/* A blob: {{<base64>}}, the one base64 encoder's text without its quotes. */
static void write_blob(buf_t *b, const char *data, size_t len)
{
    buf_append_str(b, "{{");
    size_t at = b->len;
    json_write_base64(b, (const uint8_t *)data, len);
    memmove(b->data + at, b->data + at + 1, b->len - at - 2);
    b->len -= 2;
    buf_append_str(b, "}}");
}

static void write_list(buf_t *b, const value_t *items, size_t count)
{
    buf_putc(b, '[');
    for (size_t i = 0; i < count; i++) {
        if (i) buf_putc(b, ',');
        ion_write_value(b, &items[i]);
    }
    buf_putc(b, ']');
}

void ion_write_map(buf_t *b, const value_t *map)
{
    buf_putc(b, '{');
    for (size_t i = 0; i < map->u.map.count; i++) {
        const value_member_t *m = &map->u.map.members[i];
        if (i) buf_putc(b, ',');
        write_symbol(b, m->name, m->name_len);
        buf_putc(b, ':');
        ion_write_value(b, m->value);
    }
    buf_putc(b, '}');
}

void ion_write_value(buf_t *b, const value_t *v)
{
    switch (v->type) {
    case VALUE_S: write_string(b, v->u.bytes.ptr, v->u.bytes.len); break;
    case VALUE_N: write_decimal(b, &v->u.n); break;
    case VALUE_B: write_blob(b, v->u.bytes.ptr, v->u.bytes.len); break;
    case VALUE_BOOL: buf_append_str(b, v->u.boolean ? "true" : "false"); break;
    case VALUE_NULL: buf_append_str(b, "null"); break;
    case VALUE_M: ion_write_map(b, v); break;
    case VALUE_L: write_list(b, v->u.list.items, v->u.list.count); break;
    case VALUE_SS:
        buf_append_str(b, "$dynamodb_SS::");
        write_list(b, v->u.list.items, v->u.list.count);
        break;
    case VALUE_NS:
        buf_append_str(b, "$dynamodb_NS::");
        write_list(b, v->u.list.items, v->u.list.count);
        break;
    case VALUE_BS:
        buf_append_str(b, "$dynamodb_BS::");
        write_list(b, v->u.list.items, v->u.list.count);
        break;
    }
}

void ion_write_item_line(buf_t *b, const value_t *item)
{
    buf_append_str(b, "$ion_1_0 {Item:");
    ion_write_map(b, item);
    buf_append_str(b, "}\n");
}

/* --- reading: the text ion_write_item_line writes, as DynamoDB JSON ---------------- */

typedef struct {
    const char *p, *end;
    buf_t *out;
    const char *problem;
    int depth;
} ion_reader_t;

static void skip_space(ion_reader_t *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static bool fail_at(ion_reader_t *r, const char *problem)
{
    if (!r->problem) r->problem = problem;
    return false;
}

/* A quoted text (q the quote) with Ion escapes, written as a JSON string. */
static bool read_quoted(ion_reader_t *r, char q)
{
    buf_t text;
    buf_init(&text);
    r->p++;
    bool ok = false;
    while (r->p < r->end) {
        char c = *r->p++;
        if (c == q) {
            ok = true;
            break;
        }
        if (c != '\\') {
            buf_putc(&text, c);
            continue;
        }
        if (r->p >= r->end) break;
        char e = *r->p++;
        static const char from[] = "\"'\\/nrt0abfv", to[] = "\"'\\/\n\r\t\0\a\b\f\v";
        const char *k = strchr(from, e);
        if (k && e) {
            buf_putc(&text, to[k - from]);
        } else if (e == 'x' && r->end - r->p >= 2) {
            unsigned v = 0;
            for (int i = 0; i < 2; i++) {
                char h = *r->p++;
                v = v * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
            }
            buf_putc(&text, (char)v);
        } else {
            break; /* \u escapes and others: not what the service writes */
        }
    }
    /* Ion text is UTF-8, and so must the JSON made of it be */
    if (ok && !json_utf8_valid(text.data ? text.data : "", text.len)) {
        buf_free(&text);
        return fail_at(r, "a text that is not UTF-8");
    }
    if (ok) json_write_string(r->out, text.data ? text.data : "", text.len);
    buf_free(&text);
    return ok || fail_at(r, "an unterminated or unsupported quoted text");
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$';
}

/* A bare word: its length. */
static size_t word_len(const ion_reader_t *r)
{
    size_t n = 0;
    while (r->p + n < r->end && is_name_char(r->p[n]))
        n++;
    return n;
}

static bool read_value(ion_reader_t *r);

/* What a blob's {{...}} may hold. */
#define BASE64_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

/* [v, ...] as a JSON array of typed values (set: the bare values of one
 * type, tag "S", "N" or "B"). */
static bool read_list(ion_reader_t *r, const char *set)
{
    if (r->p >= r->end || *r->p != '[') return fail_at(r, "a list expected");
    r->p++;
    buf_putc(r->out, '[');
    skip_space(r);
    bool first = true;
    while (r->p < r->end && *r->p != ']') {
        if (!first) {
            if (*r->p != ',') return fail_at(r, "a comma expected");
            r->p++;
            skip_space(r);
            buf_putc(r->out, ',');
        }
        first = false;
        size_t at = r->out->len;
        if (!read_value(r)) return false;
        if (set) { /* {"S":"x"} -> "x": the member's value only */
            char want[8];
            snprintf(want, sizeof want, "{\"%s\":", set);
            size_t wl = strlen(want);
            if (r->out->len - at < wl + 1 || memcmp(r->out->data + at, want, wl) != 0)
                return fail_at(r, "a set member of another type");
            memmove(r->out->data + at, r->out->data + at + wl, r->out->len - at - wl - 1);
            r->out->len -= wl + 1;
        }
        skip_space(r);
    }
    if (r->p >= r->end) return fail_at(r, "an unterminated list");
    r->p++;
    buf_putc(r->out, ']');
    return true;
}

/* {name: v, ...} as a JSON object of typed values. */
static bool read_struct_members(ion_reader_t *r)
{
    if (r->p >= r->end || *r->p != '{') return fail_at(r, "a struct expected");
    r->p++;
    buf_putc(r->out, '{');
    skip_space(r);
    bool first = true;
    while (r->p < r->end && *r->p != '}') {
        if (!first) {
            if (*r->p != ',') return fail_at(r, "a comma expected");
            r->p++;
            skip_space(r);
            buf_putc(r->out, ',');
            if (r->p >= r->end) return fail_at(r, "an unterminated struct");
        }
        first = false;
        if (*r->p == '\'' || *r->p == '"') {
            if (!read_quoted(r, *r->p)) return false;
        } else {
            size_t n = word_len(r);
            if (!n) return fail_at(r, "a field name expected");
            json_write_string(r->out, r->p, n);
            r->p += n;
        }
        skip_space(r);
        if (r->p >= r->end || *r->p != ':') return fail_at(r, "a colon expected");
        r->p++;
        skip_space(r);
        buf_putc(r->out, ':');
        if (!read_value(r)) return false;
        skip_space(r);
    }
    if (r->p >= r->end) return fail_at(r, "an unterminated struct");
    r->p++;
    buf_putc(r->out, '}');
    return true;
}

/* A number: its text as DynamoDB writes numbers (d and e exponents as E,
 * no trailing point). */
static bool read_number(ion_reader_t *r)
{
    const char *s = r->p;
    while (r->p < r->end && *r->p && strchr("+-0123456789.dDeE_", *r->p))
        r->p++;
    buf_append_str(r->out, "{\"N\":\"");
    for (const char *q = s; q < r->p; q++) {
        if (*q == '_') continue;
        if (*q == '.' && (q + 1 == r->p || !(q[1] >= '0' && q[1] <= '9'))) continue;
        buf_putc(r->out, *q == 'd' || *q == 'D' || *q == 'e' ? 'E' : *q);
    }
    buf_append_str(r->out, "\"}");
    return r->p > s || fail_at(r, "a value expected");
}

static bool read_value(ion_reader_t *r)
{
    if (++r->depth > VALUE_MAX_DEPTH + 2) return fail_at(r, "nested too deeply");
    skip_space(r);
    bool ok;
    if (r->p >= r->end) {
        ok = fail_at(r, "a value expected");
    } else if (*r->p == '"') {
        buf_append_str(r->out, "{\"S\":");
        ok = read_quoted(r, '"');
        buf_putc(r->out, '}');
    } else if (r->end - r->p >= 2 && r->p[0] == '{' && r->p[1] == '{') {
        r->p += 2;
        skip_space(r);
        const char *s = r->p;
        while (r->p < r->end && *r->p && strchr(BASE64_CHARS, *r->p))
            r->p++;
        skip_space(r);
        size_t n = (size_t)(r->p - s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        ok = r->end - r->p >= 2 && r->p[0] == '}' && r->p[1] == '}';
        if (ok) {
            r->p += 2;
            buf_append_str(r->out, "{\"B\":");
            json_write_string(r->out, s, n);
            buf_putc(r->out, '}');
        } else {
            fail_at(r, "an unterminated blob");
        }
    } else if (*r->p == '{') {
        buf_append_str(r->out, "{\"M\":");
        ok = read_struct_members(r);
        buf_putc(r->out, '}');
    } else if (*r->p == '[') {
        buf_append_str(r->out, "{\"L\":");
        ok = read_list(r, NULL);
        buf_putc(r->out, '}');
    } else if (*r->p == '-' || *r->p == '+' || (*r->p >= '0' && *r->p <= '9')) {
        ok = read_number(r);
    } else {
        size_t n = word_len(r);
        static const struct {
            const char *annotation, *tag, *member;
        } sets[] = {{"$dynamodb_SS", "SS", "S"}, {"$dynamodb_NS", "NS", "N"},
                    {"$dynamodb_BS", "BS", "B"}};
        ok = false;
        for (int i = 0; i < 3 && !ok; i++) {
            size_t al = strlen(sets[i].annotation);
            if (n == al && memcmp(r->p, sets[i].annotation, al) == 0 && r->end - r->p > (long)al + 1 &&
                r->p[al] == ':' && r->p[al + 1] == ':') {
                r->p += al + 2;
                skip_space(r);
                buf_printf(r->out, "{\"%s\":", sets[i].tag);
                ok = read_list(r, sets[i].member);
                buf_putc(r->out, '}');
                if (!ok) return false;
            }
        }
        if (ok) {
        } else if (n == 4 && memcmp(r->p, "true", 4) == 0) {
            buf_append_str(r->out, "{\"BOOL\":true}");
            r->p += 4, ok = true;
        } else if (n == 5 && memcmp(r->p, "false", 5) == 0) {
            buf_append_str(r->out, "{\"BOOL\":false}");
            r->p += 5, ok = true;
        } else if (n == 4 && memcmp(r->p, "null", 4) == 0) {
            r->p += 4;
            if (r->p < r->end && *r->p == '.') { /* null.<type> */
                r->p++;
                r->p += word_len(r);
            }
            buf_append_str(r->out, "{\"NULL\":true}");
            ok = true;
        } else {
            ok = fail_at(r, "a value of a type items do not hold");
        }
    }
    r->depth--;
    return ok;
}

const char *ion_line_to_json(const char *line, size_t len, buf_t *out)
{
    ion_reader_t r = {line, line + len, out, NULL, 0};
    skip_space(&r);
    if (r.end - r.p >= 8 && memcmp(r.p, "$ion_1_0", 8) == 0) r.p += 8;
    skip_space(&r);
    /* {Item:{...}}: the item's struct, its members typed */
    if (r.p >= r.end || *r.p != '{') return "not an Ion struct";
    r.p++;
    skip_space(&r);
    size_t n = word_len(&r);
    if (n != 4 || memcmp(r.p, "Item", 4) != 0) return "not a struct with one field Item";
    r.p += 4;
    skip_space(&r);
    if (r.p >= r.end || *r.p != ':') return "not a struct with one field Item";
    r.p++;
    skip_space(&r);
    buf_append_str(out, "{\"Item\":");
    if (!read_struct_members(&r)) return r.problem;
    buf_putc(out, '}');
    skip_space(&r);
    if (r.p >= r.end || *r.p != '}') return "not a struct with one field Item";
    r.p++;
    skip_space(&r);
    return r.p == r.end ? NULL : "more after the item";
}
