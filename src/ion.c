/* ion: Amazon Ion text of items; see ion.h. */
#include "ion.h"

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
