/* wire: request member type checks with the service's texts; see wire.h. */
#include "wire.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The deserialiser's name for the JSON token of j. */
static const char *token_name(const json_value_t *j)
{
    switch (j->type) {
    case JSON_NUMBER: /* (number text is not NUL-terminated) */
        for (size_t i = 0; i < j->u.str.len; i++)
            if (strchr(".eE", j->u.str.ptr[i])) return "DECIMAL_VALUE";
        return "NUMBER_VALUE";
    case JSON_STRING: return "STRING_VALUE";
    case JSON_TRUE: return "TRUE_VALUE";
    case JSON_FALSE: return "FALSE_VALUE";
    default: return "NULL_VALUE";
    }
}

ddb_error_t *wire_check(arena_t *a, const json_value_t *j, wire_type_t want)
{
    json_type_t t = j->type;
    switch (want) {
    case WIRE_STRING:
    case WIRE_BOOLEAN:
    case WIRE_LONG:
    case WIRE_INTEGER:
    case WIRE_BLOB:
    case WIRE_TIMESTAMP:
    case WIRE_DOUBLE: {
        bool ok = ((want == WIRE_STRING || want == WIRE_BLOB) && t == JSON_STRING) ||
                  (want == WIRE_BOOLEAN && (t == JSON_TRUE || t == JSON_FALSE)) ||
                  ((want == WIRE_LONG || want == WIRE_INTEGER || want == WIRE_TIMESTAMP ||
                    want == WIRE_DOUBLE) &&
                   t == JSON_NUMBER);
        if (ok) return NULL;
        if (t == JSON_OBJECT) return err_wire_object_not_expected(a);
        if (t == JSON_ARRAY) return err_wire_list_not_expected(a);
        if (want == WIRE_BLOB && t != JSON_NULL) return err_wire_blob_not_string(a);
        static const char *const type_names[] = {[WIRE_STRING] = "String",
                                                 [WIRE_BOOLEAN] = "Boolean",
                                                 [WIRE_LONG] = "Long",
                                                 [WIRE_INTEGER] = "Integer",
                                                 [WIRE_BLOB] = "String",
                                                 [WIRE_TIMESTAMP] = "Date",
                                                 [WIRE_DOUBLE] = "Double"};
        return err_wire_cannot_convert(a, token_name(j), type_names[want]);
    }
    case WIRE_LIST:
        if (t == JSON_ARRAY) return NULL;
        if (t == JSON_OBJECT) return err_wire_object_not_expected(a);
        return err_wire_unexpected_field(a);
    case WIRE_MAP:
    case WIRE_STRUCT:
    case WIRE_ATTRIBUTE_VALUE:
        if (t == JSON_OBJECT) return NULL;
        if (t == JSON_ARRAY) return err_wire_list_not_expected(a);
        return want == WIRE_ATTRIBUTE_VALUE ? err_wire_unexpected_value(a)
                                            : err_wire_unexpected_field(a);
    }
    return err_internal(a);
}

const json_value_t *wire_member(const json_value_t *obj, const char *name)
{
    const json_value_t *j = json_object_get(obj, name);
    return j && j->type != JSON_NULL ? j : NULL;
}

bool wire_time_ms(const json_value_t *obj, const char *name, bool round, int64_t *ms)
{
    const json_value_t *j = wire_member(obj, name);
    if (!j || j->type != JSON_NUMBER) return false;
    char tmp[64]; /* the number's text ends where the JSON does not */
    size_t n = j->u.str.len < sizeof tmp - 1 ? j->u.str.len : sizeof tmp - 1;
    memcpy(tmp, j->u.str.ptr, n);
    tmp[n] = '\0';
    double s = strtod(tmp, NULL);
    /* converting a double out of int64's range is undefined */
    if (s > 9.2e15) *ms = INT64_MAX;
    else if (s < -9.2e15) *ms = INT64_MIN;
    else *ms = (int64_t)(s * 1000.0 + (!round ? 0 : s >= 0 ? 0.5 : -0.5));
    return true;
}

const char *wire_c_string(arena_t *a, const json_value_t *j, size_t *len)
{
    const char *p = j->u.str.ptr;
    size_t n = j->u.str.len;
    if (!memchr(p, '\0', n)) {
        if (len) *len = n;
        return p;
    }
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    char *out = arena_alloc(a, 3 * n + 1), *w = out;
    for (size_t i = 0; i < n; i++) {
        if (p[i]) {
            *w++ = p[i];
        } else {
            memcpy(w, replacement, 3);
            w += 3;
        }
    }
    *w = '\0';
    if (len) *len = (size_t)(w - out);
    return out;
}

bool wire_string(arena_t *a, const json_value_t *obj, const char *name, const char **s, size_t *len,
                 ddb_error_t **err)
{
    const json_value_t *j = wire_member(obj, name);
    if (!j) return false;
    if ((*err = wire_check(a, j, WIRE_STRING))) return false;
    *s = wire_c_string(a, j, len);
    return true;
}

bool wire_bool(arena_t *a, const json_value_t *obj, const char *name, bool *v, ddb_error_t **err)
{
    const json_value_t *j = wire_member(obj, name);
    if (!j) return false;
    if ((*err = wire_check(a, j, WIRE_BOOLEAN))) return false;
    *v = j->type == JSON_TRUE;
    return true;
}

static bool read_integer(arena_t *a, const json_value_t *obj, const char *name, wire_type_t type,
                         int64_t *v, ddb_error_t **err)
{
    const json_value_t *j = wire_member(obj, name);
    if (!j) return false;
    if ((*err = wire_check(a, j, type))) return false;
    /* JSON numbers with a fraction or exponent are truncated, as a Java
     * long deserialiser does; out-of-range ones are a serialization error. */
    const char *type_name = type == WIRE_INTEGER ? "Integer" : "Long";
    char tmp[64];
    size_t n = j->u.str.len < sizeof tmp - 1 ? j->u.str.len : sizeof tmp - 1;
    memcpy(tmp, j->u.str.ptr, n);
    tmp[n] = '\0';
    errno = 0;
    char *end;
    long long x = strtoll(tmp, &end, 10);
    if (errno == ERANGE || j->u.str.len >= sizeof tmp - 1) {
        *err = err_wire_cannot_convert(a, token_name(j), type_name);
        return false;
    }
    if (*end == '.' || *end == 'e' || *end == 'E') {
        double d = strtod(tmp, NULL);
        if (d > 9.2e18 || d < -9.2e18) {
            *err = err_wire_cannot_convert(a, token_name(j), type_name);
            return false;
        }
        x = (long long)d;
    }
    if (type == WIRE_INTEGER && (x < INT32_MIN || x > INT32_MAX)) { /* a Java int */
        *err = err_wire_cannot_convert(a, token_name(j), type_name);
        return false;
    }
    *v = x;
    return true;
}

bool wire_long(arena_t *a, const json_value_t *obj, const char *name, int64_t *v, ddb_error_t **err)
{
    return read_integer(a, obj, name, WIRE_LONG, v, err);
}

bool wire_integer(arena_t *a, const json_value_t *obj, const char *name, int64_t *v,
                  ddb_error_t **err)
{
    return read_integer(a, obj, name, WIRE_INTEGER, v, err);
}

const json_value_t *wire_container(arena_t *a, const json_value_t *obj, const char *name,
                                   wire_type_t want, ddb_error_t **err)
{
    const json_value_t *j = wire_member(obj, name);
    if (!j) return NULL;
    if ((*err = wire_check(a, j, want))) return NULL;
    return j;
}

static void value_text(buf_t *b, const json_value_t *j, int depth)
{
    if (b->len > 4096 || depth > 32) return;
    switch (j->type) {
    case JSON_NULL: buf_append_str(b, "null"); return;
    case JSON_TRUE: buf_append_str(b, "true"); return;
    case JSON_FALSE: buf_append_str(b, "false"); return;
    case JSON_NUMBER:
    case JSON_STRING: buf_append(b, j->u.str.ptr, j->u.str.len); return;
    case JSON_ARRAY:
        buf_putc(b, '[');
        for (size_t i = 0; i < j->u.array.count; i++) {
            if (i) buf_append_str(b, ", ");
            value_text(b, j->u.array.items[i], depth + 1);
        }
        buf_putc(b, ']');
        return;
    case JSON_OBJECT:
        buf_putc(b, '{');
        for (size_t i = 0; i < j->u.object.count; i++) {
            if (i) buf_append_str(b, ", ");
            buf_append(b, j->u.object.members[i].key, j->u.object.members[i].key_len);
            buf_putc(b, '=');
            value_text(b, j->u.object.members[i].value, depth + 1);
        }
        buf_putc(b, '}');
        return;
    }
}

const char *wire_value_text(arena_t *a, const json_value_t *j)
{
    buf_t b;
    buf_init(&b);
    value_text(&b, j, 0);
    char *s = arena_strndup(a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return s;
}

typedef struct {
    const char *name; /* NULL: empty */
    size_t len;
} name_slot_t;

struct wire_names {
    arena_t *arena;
    name_slot_t *slots;
    size_t cap, count; /* cap: a power of two, at least twice count */
};

uint32_t wire_name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

/* The slot holding name, or the empty one where it would go. */
static size_t names_find(const wire_names_t *s, const char *name, size_t len)
{
    size_t i = wire_name_hash(name, len) & (s->cap - 1);
    while (s->slots[i].name && (s->slots[i].len != len || memcmp(s->slots[i].name, name, len) != 0))
        i = (i + 1) & (s->cap - 1);
    return i;
}

static void names_alloc(wire_names_t *s, size_t cap)
{
    s->cap = cap;
    s->slots = arena_calloc(s->arena, cap * sizeof *s->slots);
}

wire_names_t *wire_names_new(arena_t *a, size_t expected)
{
    wire_names_t *s = arena_calloc(a, sizeof *s);
    s->arena = a;
    size_t cap = 16;
    while (cap < 2 * expected)
        cap *= 2;
    names_alloc(s, cap);
    return s;
}

bool wire_names_add(wire_names_t *s, const char *name, size_t len)
{
    size_t i = names_find(s, name, len);
    if (s->slots[i].name) return false;
    if (2 * (s->count + 1) > s->cap) {
        size_t old_cap = s->cap;
        name_slot_t *old = s->slots;
        names_alloc(s, old_cap * 2);
        for (size_t k = 0; k < old_cap; k++)
            if (old[k].name) s->slots[names_find(s, old[k].name, old[k].len)] = old[k];
        i = names_find(s, name, len);
    }
    s->slots[i].name = name;
    s->slots[i].len = len;
    s->count++;
    return true;
}

bool wire_names_has(const wire_names_t *s, const char *name, size_t len)
{
    return s->slots[names_find(s, name, len)].name != NULL;
}

size_t wire_first_repeat(arena_t *a, const json_value_t *list)
{
    wire_names_t *seen = wire_names_new(a, list->u.array.count);
    for (size_t i = 0; i < list->u.array.count; i++) {
        const json_value_t *s = list->u.array.items[i];
        if (s->type == JSON_STRING && !wire_names_add(seen, s->u.str.ptr, s->u.str.len)) return i;
    }
    return SIZE_MAX;
}
