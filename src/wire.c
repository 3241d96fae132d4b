/* wire: request member type checks with the service's texts; see wire.h. */
#include "wire.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *token_name(json_type_t t)
{
    switch (t) {
    case JSON_NUMBER: return "NUMBER_VALUE";
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
    case WIRE_INTEGER: {
        bool ok = (want == WIRE_STRING && t == JSON_STRING) ||
                  (want == WIRE_BOOLEAN && (t == JSON_TRUE || t == JSON_FALSE)) ||
                  ((want == WIRE_LONG || want == WIRE_INTEGER) && t == JSON_NUMBER);
        if (ok) return NULL;
        if (t == JSON_OBJECT) return err_unexpected_structure(a);
        if (t == JSON_ARRAY) return err_unexpected_list(a);
        const char *type_name = want == WIRE_STRING    ? "String"
                                : want == WIRE_BOOLEAN ? "Boolean"
                                : want == WIRE_LONG    ? "Long"
                                                       : "Integer";
        return err_token_not_convertible(a, token_name(t), type_name);
    }
    case WIRE_LIST:
        if (t == JSON_ARRAY) return NULL;
        if (t == JSON_OBJECT) return err_unexpected_structure(a);
        return err_expected_container(a, "list");
    case WIRE_MAP:
    case WIRE_STRUCT:
        if (t == JSON_OBJECT) return NULL;
        if (t == JSON_ARRAY) return err_unexpected_list(a);
        return err_expected_container(a, want == WIRE_MAP ? "map" : NULL);
    }
    return err_internal(a);
}

const json_value_t *wire_member(const json_value_t *obj, const char *name)
{
    const json_value_t *j = json_object_get(obj, name);
    return j && j->type != JSON_NULL ? j : NULL;
}

bool wire_string(arena_t *a, const json_value_t *obj, const char *name, const char **s,
                 size_t *len, ddb_error_t **err)
{
    const json_value_t *j = wire_member(obj, name);
    if (!j) return false;
    if ((*err = wire_check(a, j, WIRE_STRING))) return false;
    *s = j->u.str.ptr;
    if (len) *len = j->u.str.len;
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

/* A JSON number as a Java deserialiser reads it into a long (or an int):
 * a fraction or exponent is truncated; out of range is a serialization
 * error. */
static bool read_whole(arena_t *a, const json_value_t *obj, const char *name, wire_type_t type,
                       int64_t min, int64_t max, int64_t *v, ddb_error_t **err)
{
    const json_value_t *j = wire_member(obj, name);
    if (!j) return false;
    if ((*err = wire_check(a, j, type))) return false;
    const char *type_name = type == WIRE_LONG ? "Long" : "Integer";
    char tmp[64];
    size_t n = j->u.str.len < sizeof tmp - 1 ? j->u.str.len : sizeof tmp - 1;
    memcpy(tmp, j->u.str.ptr, n);
    tmp[n] = '\0';
    errno = 0;
    char *end;
    long long x = strtoll(tmp, &end, 10);
    bool bad = errno == ERANGE || j->u.str.len >= sizeof tmp - 1;
    if (!bad && (*end == '.' || *end == 'e' || *end == 'E')) {
        double d = strtod(tmp, NULL);
        bad = !(d < 9.2e18 && d > -9.2e18);
        x = bad ? 0 : (long long)d;
    }
    if (bad || x < min || x > max) {
        *err = err_token_not_convertible(a, "NUMBER_VALUE", type_name);
        return false;
    }
    *v = x;
    return true;
}

bool wire_long(arena_t *a, const json_value_t *obj, const char *name, int64_t *v,
               ddb_error_t **err)
{
    return read_whole(a, obj, name, WIRE_LONG, INT64_MIN, INT64_MAX, v, err);
}

bool wire_integer(arena_t *a, const json_value_t *obj, const char *name, int64_t *v,
                  ddb_error_t **err)
{
    return read_whole(a, obj, name, WIRE_INTEGER, INT32_MIN, INT32_MAX, v, err);
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
