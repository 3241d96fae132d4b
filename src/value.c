/* value: attribute values, their validation, size, stored form and JSON;
 * see value.h for the rules. */
#include "value.h"

#include <stdlib.h>
#include <string.h>

#include "wire.h"

static const char *const type_names[] = {
    [VALUE_S] = "S",   [VALUE_N] = "N",   [VALUE_B] = "B",   [VALUE_BOOL] = "BOOL",
    [VALUE_NULL] = "NULL", [VALUE_M] = "M", [VALUE_L] = "L", [VALUE_SS] = "SS",
    [VALUE_NS] = "NS", [VALUE_BS] = "BS",
};

const char *value_type_name(value_type_t t) { return type_names[t]; }

static bool type_from_name(const char *name, size_t len, value_type_t *t)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strlen(type_names[i]) == len && memcmp(type_names[i], name, len) == 0) {
            *t = (value_type_t)i;
            return true;
        }
    return false;
}

/* --- reading DynamoDB JSON ------------------------------------------------ */

static ddb_error_t *read_number(arena_t *a, const json_value_t *j, number_t *n)
{
    ddb_error_t *e = wire_check(a, j, WIRE_STRING);
    if (e) return e;
    return err_number(a, number_parse(j->u.str.ptr, j->u.str.len, n), j->u.str.ptr,
                      j->u.str.len);
}

static ddb_error_t *read_binary(arena_t *a, const json_value_t *j, value_t *out)
{
    ddb_error_t *e = wire_check(a, j, WIRE_BLOB);
    if (e) return e;
    const char *s = j->u.str.ptr;
    size_t len = j->u.str.len;
    if (len % 4)
        return err_base64_length(a, len);
    uint8_t *bytes = arena_alloc(a, len / 4 * 3 + 1);
    size_t n;
    if (!json_base64_decode(s, len, bytes, &n))
        return err_base64_character(a);
    out->u.bytes.ptr = (const char *)bytes;
    out->u.bytes.len = n;
    return NULL;
}

static int member_compare(const value_t *x, const value_t *y)
{
    if (x->type == VALUE_N) return number_compare(&x->u.n, &y->u.n);
    size_t n = x->u.bytes.len < y->u.bytes.len ? x->u.bytes.len : y->u.bytes.len;
    int c = n ? memcmp(x->u.bytes.ptr, y->u.bytes.ptr, n) : 0;
    if (c) return c;
    return x->u.bytes.len < y->u.bytes.len ? -1 : x->u.bytes.len > y->u.bytes.len;
}

int value_key_compare(const value_t *a, const value_t *b) { return member_compare(a, b); }

static int member_qsort_compare(const void *x, const void *y)
{
    return member_compare(*(const value_t *const *)x, *(const value_t *const *)y);
}

/* The service lists a set with a duplicate as "[a, b, a]". */
static char *set_text(arena_t *a, const json_value_t *j)
{
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '[');
    for (size_t i = 0; i < j->u.array.count; i++) {
        const json_value_t *m = j->u.array.items[i];
        if (i) buf_append_str(&b, ", ");
        if (m->type == JSON_STRING) buf_append(&b, m->u.str.ptr, m->u.str.len);
    }
    buf_putc(&b, ']');
    char *s = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return s;
}

static ddb_error_t *read_set(arena_t *a, const json_value_t *j, value_type_t type, value_t *out)
{
    ddb_error_t *e = wire_check(a, j, WIRE_LIST);
    if (e) return e;
    size_t count = j->u.array.count;
    value_type_t member_type = type == VALUE_SS ? VALUE_S : type == VALUE_NS ? VALUE_N : VALUE_B;
    value_t *items = arena_alloc(a, (count ? count : 1) * sizeof *items);
    for (size_t i = 0; i < count; i++) {
        const json_value_t *m = j->u.array.items[i];
        value_t *v = &items[i];
        v->type = member_type;
        if (m->type == JSON_NULL) {
            if (type == VALUE_NS) return err_number(a, NUMBER_INVALID, NULL, 0);
            return err_set_null_member(a, type == VALUE_BS);
        }
        if (member_type == VALUE_N) {
            if ((e = read_number(a, m, &v->u.n))) return e;
        } else if (member_type == VALUE_B) {
            if ((e = read_binary(a, m, v))) return e;
        } else {
            if ((e = wire_check(a, m, WIRE_STRING))) return e;
            v->u.bytes.ptr = m->u.str.ptr;
            v->u.bytes.len = m->u.str.len;
        }
    }
    if (count == 0)
        return err_set_empty(a, type == VALUE_SS ? "string" : type == VALUE_NS ? "number" : "binary");
    if (count > 1) {
        const value_t **sorted = arena_alloc(a, count * sizeof *sorted);
        for (size_t i = 0; i < count; i++) sorted[i] = &items[i];
        qsort(sorted, count, sizeof *sorted, member_qsort_compare);
        for (size_t i = 1; i < count; i++)
            if (member_compare(sorted[i - 1], sorted[i]) == 0) {
                return err_set_duplicates(a, type == VALUE_NS ? NULL : set_text(a, j),
                                          type == VALUE_BS);
            }
    }
    out->u.list.items = items;
    out->u.list.count = count;
    return NULL;
}

static ddb_error_t *read_value(arena_t *a, const json_value_t *j, value_t *out, int depth);

static ddb_error_t *read_map(arena_t *a, const json_value_t *j, value_t *out, int depth)
{
    ddb_error_t *e = wire_check(a, j, WIRE_MAP);
    if (e) return e;
    size_t count = j->u.object.count;
    value_member_t *members = arena_alloc(a, (count ? count : 1) * sizeof *members);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const json_member_t *m = &j->u.object.members[i];
        if (m->value->type == JSON_NULL) continue; /* absent, as for the service */
        if (m->key_len > VALUE_MAX_NAME) return err_attribute_name_too_long(a);
        members[n].name = m->key;
        members[n].name_len = m->key_len;
        members[n].value = arena_alloc(a, sizeof(value_t));
        if ((e = read_value(a, m->value, members[n].value, depth))) return e;
        n++;
    }
    out->type = VALUE_M;
    out->u.map.members = members;
    out->u.map.count = n;
    return NULL;
}

static ddb_error_t *read_value(arena_t *a, const json_value_t *j, value_t *out, int depth)
{
    ddb_error_t *e = wire_check(a, j, WIRE_ATTRIBUTE_VALUE);
    if (e) return e;
    /* Type checks of every member come first (deserialisation), then the
     * one-type rule and the value rules (validation). */
    const json_value_t *typed = NULL;
    value_type_t type = VALUE_NULL;
    int types = 0;
    for (size_t i = 0; i < j->u.object.count; i++) {
        const json_member_t *m = &j->u.object.members[i];
        value_type_t t;
        if (m->value->type == JSON_NULL || !type_from_name(m->key, m->key_len, &t)) continue;
        wire_type_t want;
        switch (t) {
        case VALUE_BOOL:
        case VALUE_NULL: want = WIRE_BOOLEAN; break;
        case VALUE_M: want = WIRE_MAP; break;
        case VALUE_L:
        case VALUE_SS:
        case VALUE_NS:
        case VALUE_BS: want = WIRE_LIST; break;
        case VALUE_B: want = WIRE_BLOB; break;
        default: want = WIRE_STRING; break;
        }
        if ((e = wire_check(a, m->value, want))) return e;
        if (types++ == 0) {
            typed = m->value;
            type = t;
        }
    }
    if (types != 1) return err_attribute_value_types(a, types == 0);
    out->type = type;
    switch (type) {
    case VALUE_S:
        out->u.bytes.ptr = typed->u.str.ptr;
        out->u.bytes.len = typed->u.str.len;
        return NULL;
    case VALUE_N: return read_number(a, typed, &out->u.n);
    case VALUE_B: return read_binary(a, typed, out);
    case VALUE_BOOL: out->u.boolean = typed->type == JSON_TRUE; return NULL;
    case VALUE_NULL:
        if (typed->type != JSON_TRUE)
            return err_null_not_true(a);
        return NULL;
    case VALUE_M:
        if (depth >= VALUE_MAX_DEPTH)
            return err_item_nesting_too_deep(a);
        return read_map(a, typed, out, depth + 1);
    case VALUE_L: {
        if (depth >= VALUE_MAX_DEPTH)
            return err_item_nesting_too_deep(a);
        size_t count = typed->u.array.count;
        value_t *items = arena_alloc(a, (count ? count : 1) * sizeof *items);
        for (size_t i = 0; i < count; i++)
            if ((e = read_value(a, typed->u.array.items[i], &items[i], depth + 1))) return e;
        out->u.list.items = items;
        out->u.list.count = count;
        return NULL;
    }
    case VALUE_SS:
    case VALUE_NS:
    case VALUE_BS: return read_set(a, typed, type, out);
    }
    return err_internal(a);
}

ddb_error_t *value_from_json(arena_t *a, const json_value_t *j, value_t *out)
{
    return read_value(a, j, out, 0);
}

ddb_error_t *value_map_from_json(arena_t *a, const json_value_t *j, value_t *out)
{
    return read_map(a, j, out, 0);
}

/* --- writing DynamoDB JSON ------------------------------------------------ */

static void write_number(buf_t *b, const number_t *n)
{
    char text[NUMBER_MAX_TEXT];
    size_t len = number_format(n, text);
    buf_putc(b, '"');
    buf_append(b, text, len);
    buf_putc(b, '"');
}

static void write_member_payload(buf_t *b, const value_t *v)
{
    if (v->type == VALUE_N) write_number(b, &v->u.n);
    else if (v->type == VALUE_B)
        json_write_base64(b, (const uint8_t *)v->u.bytes.ptr, v->u.bytes.len);
    else json_write_string(b, v->u.bytes.ptr, v->u.bytes.len);
}

void value_map_write_json(buf_t *b, const value_t *map)
{
    buf_putc(b, '{');
    for (size_t i = 0; i < map->u.map.count; i++) {
        const value_member_t *m = &map->u.map.members[i];
        if (i) buf_putc(b, ',');
        json_write_string(b, m->name, m->name_len);
        buf_putc(b, ':');
        value_write_json(b, m->value);
    }
    buf_putc(b, '}');
}

/* Each type's opening, {"S": and so on, with its length: one append per
 * value (a Query renders tens of values per item, a page thousands). */
#define TYPE_OPENING(name) {"{\"" name "\":", sizeof "{\"" name "\":" - 1}
static const struct {
    const char *text;
    size_t len;
} type_openings[] = {
    [VALUE_S] = TYPE_OPENING("S"),       [VALUE_N] = TYPE_OPENING("N"),
    [VALUE_B] = TYPE_OPENING("B"),       [VALUE_BOOL] = TYPE_OPENING("BOOL"),
    [VALUE_NULL] = TYPE_OPENING("NULL"), [VALUE_M] = TYPE_OPENING("M"),
    [VALUE_L] = TYPE_OPENING("L"),       [VALUE_SS] = TYPE_OPENING("SS"),
    [VALUE_NS] = TYPE_OPENING("NS"),     [VALUE_BS] = TYPE_OPENING("BS"),
};
#undef TYPE_OPENING

void value_write_json(buf_t *b, const value_t *v)
{
    buf_append(b, type_openings[v->type].text, type_openings[v->type].len);
    switch (v->type) {
    case VALUE_S:
    case VALUE_N:
    case VALUE_B: write_member_payload(b, v); break;
    case VALUE_BOOL: buf_append_str(b, v->u.boolean ? "true" : "false"); break;
    case VALUE_NULL: buf_append_str(b, "true"); break;
    case VALUE_M: value_map_write_json(b, v); break;
    case VALUE_L:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->u.list.count; i++) {
            if (i) buf_putc(b, ',');
            value_write_json(b, &v->u.list.items[i]);
        }
        buf_putc(b, ']');
        break;
    case VALUE_SS:
    case VALUE_NS:
    case VALUE_BS:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->u.list.count; i++) {
            if (i) buf_putc(b, ',');
            write_member_payload(b, &v->u.list.items[i]);
        }
        buf_putc(b, ']');
        break;
    }
    buf_putc(b, '}');
}

/* --- size and comparison --------------------------------------------------- */

static size_t number_size(const number_t *n)
{
    char text[NUMBER_MAX_TEXT];
    size_t len = number_format(n, text), digits = 0;
    /* significant digits: strip sign, point, leading and trailing zeros */
    size_t first = 0, last = 0;
    bool seen = false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '1' || text[i] > '9') continue;
        if (!seen) first = i, seen = true;
        last = i;
    }
    if (seen)
        for (size_t i = first; i <= last; i++) digits += text[i] >= '0' && text[i] <= '9';
    return 1 + (digits + 1) / 2;
}

size_t value_size(const value_t *v)
{
    size_t size = 0;
    switch (v->type) {
    case VALUE_S:
    case VALUE_B: return v->u.bytes.len;
    case VALUE_N: return number_size(&v->u.n);
    case VALUE_BOOL:
    case VALUE_NULL: return 1;
    case VALUE_M:
        size = 3;
        for (size_t i = 0; i < v->u.map.count; i++)
            size += 1 + v->u.map.members[i].name_len + value_size(v->u.map.members[i].value);
        return size;
    case VALUE_L:
        size = 3;
        for (size_t i = 0; i < v->u.list.count; i++) size += 1 + value_size(&v->u.list.items[i]);
        return size;
    case VALUE_SS:
    case VALUE_NS:
    case VALUE_BS:
        for (size_t i = 0; i < v->u.list.count; i++) size += value_size(&v->u.list.items[i]);
        return size;
    }
    return 0;
}

size_t value_item_size(const value_t *item)
{
    size_t size = 0;
    for (size_t i = 0; i < item->u.map.count; i++)
        size += item->u.map.members[i].name_len + value_size(item->u.map.members[i].value);
    return size;
}

value_t *value_map_get(const value_t *map, const char *name, size_t name_len)
{
    for (size_t i = 0; i < map->u.map.count; i++) {
        const value_member_t *m = &map->u.map.members[i];
        if (m->name_len == name_len && memcmp(m->name, name, name_len) == 0) return m->value;
    }
    return NULL;
}

bool value_equal(const value_t *a, const value_t *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case VALUE_S:
    case VALUE_B:
    case VALUE_N: return member_compare(a, b) == 0;
    case VALUE_BOOL: return a->u.boolean == b->u.boolean;
    case VALUE_NULL: return true;
    case VALUE_M:
        if (a->u.map.count != b->u.map.count) return false;
        for (size_t i = 0; i < a->u.map.count; i++) {
            const value_member_t *m = &a->u.map.members[i];
            const value_t *other = value_map_get(b, m->name, m->name_len);
            if (!other || !value_equal(m->value, other)) return false;
        }
        return true;
    case VALUE_L:
        if (a->u.list.count != b->u.list.count) return false;
        for (size_t i = 0; i < a->u.list.count; i++)
            if (!value_equal(&a->u.list.items[i], &b->u.list.items[i])) return false;
        return true;
    case VALUE_SS:
    case VALUE_NS:
    case VALUE_BS:
        if (a->u.list.count != b->u.list.count) return false;
        /* members are distinct, so equal counts plus inclusion is equality */
        for (size_t i = 0; i < a->u.list.count; i++) {
            bool found = false;
            for (size_t k = 0; k < b->u.list.count && !found; k++)
                found = member_compare(&a->u.list.items[i], &b->u.list.items[k]) == 0;
            if (!found) return false;
        }
        return true;
    }
    return false;
}

/* --- stored form ---------------------------------------------------------- */

void varint_put(buf_t *b, uint64_t v)
{
    while (v >= 0x80) {
        buf_putc(b, (char)(v | 0x80));
        v >>= 7;
    }
    buf_putc(b, (char)v);
}

bool varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

static const char tags[] = {
    [VALUE_S] = 'S',  [VALUE_N] = 'N',  [VALUE_B] = 'B',  [VALUE_BOOL] = 'T', [VALUE_NULL] = '0',
    [VALUE_M] = 'M',  [VALUE_L] = 'L',  [VALUE_SS] = 's', [VALUE_NS] = 'n',   [VALUE_BS] = 'b',
};

static void encode_payload(buf_t *b, const value_t *v)
{
    if (v->type == VALUE_N) {
        uint8_t key[NUMBER_MAX_KEY];
        buf_append(b, key, number_encode_key(&v->u.n, key));
    } else {
        varint_put(b, v->u.bytes.len);
        buf_append(b, v->u.bytes.ptr, v->u.bytes.len);
    }
}

static void encode_map(buf_t *b, const value_t *map)
{
    varint_put(b, map->u.map.count);
    for (size_t i = 0; i < map->u.map.count; i++) {
        const value_member_t *m = &map->u.map.members[i];
        varint_put(b, m->name_len);
        buf_append(b, m->name, m->name_len);
        value_encode(b, m->value);
    }
}

void value_encode(buf_t *b, const value_t *v)
{
    char tag = tags[v->type];
    if (v->type == VALUE_BOOL && !v->u.boolean) tag = 'F';
    buf_putc(b, tag);
    switch (v->type) {
    case VALUE_S:
    case VALUE_N:
    case VALUE_B: encode_payload(b, v); break;
    case VALUE_BOOL:
    case VALUE_NULL: break;
    case VALUE_M: encode_map(b, v); break;
    case VALUE_L:
        varint_put(b, v->u.list.count);
        for (size_t i = 0; i < v->u.list.count; i++) value_encode(b, &v->u.list.items[i]);
        break;
    case VALUE_SS:
    case VALUE_NS:
    case VALUE_BS:
        varint_put(b, v->u.list.count);
        for (size_t i = 0; i < v->u.list.count; i++) encode_payload(b, &v->u.list.items[i]);
        break;
    }
}

void value_item_encode(buf_t *b, const value_t *item, size_t item_size)
{
    varint_put(b, item_size);
    encode_map(b, item);
}

typedef struct {
    arena_t *arena;
    const uint8_t *p, *end;
} decoder_t;

static bool decode_value(decoder_t *d, value_t *v, int depth);

static bool decode_count(decoder_t *d, size_t *count)
{
    uint64_t n;
    /* every element takes at least one byte: a larger count is corrupt */
    if (!varint_get(&d->p, d->end, &n) || n > (uint64_t)(d->end - d->p)) return false;
    *count = (size_t)n;
    return true;
}

static bool decode_payload(decoder_t *d, value_type_t type, value_t *v)
{
    v->type = type;
    if (type == VALUE_N) {
        size_t used;
        if (!number_decode_key(d->p, (size_t)(d->end - d->p), &v->u.n, &used)) return false;
        d->p += used;
        return true;
    }
    size_t len;
    if (!decode_count(d, &len)) return false;
    v->u.bytes.ptr = (const char *)d->p;
    v->u.bytes.len = len;
    d->p += len;
    return true;
}

static bool decode_map(decoder_t *d, value_t *v, int depth)
{
    size_t count;
    if (!decode_count(d, &count)) return false;
    v->type = VALUE_M;
    v->u.map.count = count;
    v->u.map.members = arena_alloc(d->arena, (count ? count : 1) * sizeof(value_member_t));
    value_t *values = arena_alloc(d->arena, (count ? count : 1) * sizeof(value_t));
    for (size_t i = 0; i < count; i++) {
        value_member_t *m = &v->u.map.members[i];
        size_t len;
        if (!decode_count(d, &len)) return false;
        m->name = (const char *)d->p;
        m->name_len = len;
        d->p += len;
        m->value = &values[i];
        if (!decode_value(d, m->value, depth + 1)) return false;
    }
    return true;
}

static bool decode_value(decoder_t *d, value_t *v, int depth)
{
    if (d->p >= d->end || depth > VALUE_MAX_DEPTH + 1) return false;
    char tag = (char)*d->p++;
    size_t count;
    switch (tag) {
    case 'S': return decode_payload(d, VALUE_S, v);
    case 'N': return decode_payload(d, VALUE_N, v);
    case 'B': return decode_payload(d, VALUE_B, v);
    case 'T':
    case 'F':
        v->type = VALUE_BOOL;
        v->u.boolean = tag == 'T';
        return true;
    case '0': v->type = VALUE_NULL; return true;
    case 'M': return decode_map(d, v, depth);
    case 'L':
        if (!decode_count(d, &count)) return false;
        v->type = VALUE_L;
        v->u.list.count = count;
        v->u.list.items = arena_alloc(d->arena, (count ? count : 1) * sizeof(value_t));
        for (size_t i = 0; i < count; i++)
            if (!decode_value(d, &v->u.list.items[i], depth + 1)) return false;
        return true;
    case 's':
    case 'n':
    case 'b': {
        value_type_t set = tag == 's' ? VALUE_SS : tag == 'n' ? VALUE_NS : VALUE_BS;
        value_type_t member = tag == 's' ? VALUE_S : tag == 'n' ? VALUE_N : VALUE_B;
        if (!decode_count(d, &count)) return false;
        v->type = set;
        v->u.list.count = count;
        v->u.list.items = arena_alloc(d->arena, (count ? count : 1) * sizeof(value_t));
        for (size_t i = 0; i < count; i++)
            if (!decode_payload(d, member, &v->u.list.items[i])) return false;
        return true;
    }
    }
    return false;
}

bool value_item_decode_next(arena_t *a, const uint8_t **p, const uint8_t *end, value_t *item,
                            size_t *item_size)
{
    decoder_t d = {a, *p, end};
    uint64_t size;
    if (!varint_get(&d.p, d.end, &size)) return false;
    if (item_size) *item_size = (size_t)size;
    if (!decode_map(&d, item, 0)) return false;
    *p = d.p;
    return true;
}

/* --- checking a decoded value ------------------------------------------------ */

static int name_qsort_compare(const void *x, const void *y)
{
    const value_member_t *m = *(const value_member_t *const *)x,
                         *n = *(const value_member_t *const *)y;
    size_t len = m->name_len < n->name_len ? m->name_len : n->name_len;
    int c = len ? memcmp(m->name, n->name, len) : 0;
    return c ? c : (m->name_len > n->name_len) - (m->name_len < n->name_len);
}

static bool valid_value(arena_t *a, const value_t *v);

static bool valid_map(arena_t *a, const value_t *v)
{
    size_t count = v->u.map.count;
    for (size_t i = 0; i < count; i++) {
        const value_member_t *m = &v->u.map.members[i];
        if (m->name_len > VALUE_MAX_NAME || !json_utf8_valid(m->name, m->name_len) ||
            !valid_value(a, m->value))
            return false;
    }
    if (count < 2) return true;
    if (count <= 8) { /* an item's usual few names: pairs, without sorting */
        for (size_t i = 1; i < count; i++)
            for (size_t j = 0; j < i; j++) {
                const value_member_t *x = &v->u.map.members[i], *y = &v->u.map.members[j];
                if (x->name_len == y->name_len && !memcmp(x->name, y->name, x->name_len))
                    return false;
            }
        return true;
    }
    const value_member_t **sorted = arena_alloc(a, count * sizeof *sorted);
    for (size_t i = 0; i < count; i++) sorted[i] = &v->u.map.members[i];
    qsort(sorted, count, sizeof *sorted, name_qsort_compare);
    for (size_t i = 1; i < count; i++)
        if (name_qsort_compare(&sorted[i - 1], &sorted[i]) == 0) return false;
    return true;
}

static bool valid_set(arena_t *a, const value_t *v)
{
    size_t count = v->u.list.count;
    if (!count) return false;
    if (v->type == VALUE_SS)
        for (size_t i = 0; i < count; i++)
            if (!json_utf8_valid(v->u.list.items[i].u.bytes.ptr, v->u.list.items[i].u.bytes.len))
                return false;
    const value_t **sorted = arena_alloc(a, count * sizeof *sorted);
    for (size_t i = 0; i < count; i++) sorted[i] = &v->u.list.items[i];
    qsort(sorted, count, sizeof *sorted, member_qsort_compare);
    for (size_t i = 1; i < count; i++)
        if (member_compare(sorted[i - 1], sorted[i]) == 0) return false;
    return true;
}

static bool valid_value(arena_t *a, const value_t *v)
{
    switch (v->type) {
    case VALUE_S: return json_utf8_valid(v->u.bytes.ptr, v->u.bytes.len);
    case VALUE_M: return valid_map(a, v);
    case VALUE_L:
        for (size_t i = 0; i < v->u.list.count; i++)
            if (!valid_value(a, &v->u.list.items[i])) return false;
        return true;
    case VALUE_SS:
    case VALUE_NS:
    case VALUE_BS: return valid_set(a, v);
    default: return true; /* N (decoded as a number), B, BOOL, NULL */
    }
}

bool value_item_valid(arena_t *a, const value_t *item)
{
    return item->type == VALUE_M && valid_map(a, item) && value_item_size(item) <= ITEM_MAX_SIZE;
}

void value_item_version_put(buf_t *b, uint64_t ts, const char *origin)
{
    size_t n = strlen(origin);
    if (n > VALUE_ORIGIN_MAX) n = VALUE_ORIGIN_MAX;
    uint8_t head[10];
    head[0] = 0;
    for (int i = 0; i < 8; i++)
        head[1 + i] = (uint8_t)(ts >> (56 - 8 * i));
    head[9] = (uint8_t)n;
    buf_append(b, head, sizeof head);
    buf_append(b, origin, n);
}

size_t value_item_version(const uint8_t *data, size_t len, uint64_t *ts, char *origin)
{
    if (len < 11 || data[0] != 0) return 0;
    size_t n = data[9];
    if (n == 0 || n > VALUE_ORIGIN_MAX || len < 10 + n) return 0;
    if (ts) {
        uint64_t x = 0;
        for (int i = 0; i < 8; i++)
            x = x << 8 | data[1 + i];
        *ts = x;
    }
    if (origin) {
        memcpy(origin, data + 10, n);
        origin[n] = 0;
    }
    return 10 + n;
}

bool value_item_decode(arena_t *a, const uint8_t *data, size_t len, value_t *item,
                       size_t *item_size)
{
    size_t skip = value_item_version(data, len, NULL, NULL);
    data += skip, len -= skip;
    const uint8_t *p = data;
    size_t size;
    /* A stored size of 0 is never written (an item holds its key); encoded
     * again, its 0 byte would read as a version's mark. */
    if (!value_item_decode_next(a, &p, data + len, item, &size) || p != data + len || !size)
        return false;
    if (item_size) *item_size = size;
    return true;
}
