/* constraint: member-constraint checks and their texts; see constraint.h. */
#include "constraint.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The service lists at most this many violations. */
#define CONSTRAINT_MAX_LISTED 10

void constraint_list_init(constraint_list_t *l, arena_t *a)
{
    l->arena = a;
    l->count = 0;
    l->text = "";
}

ddb_error_t *constraint_list_finish(constraint_list_t *l)
{
    if (!l->count) return NULL;
    return ddb_error_new(l->arena, ERR_VALIDATION, "%d validation error%s detected: %s", l->count,
                         l->count > 1 ? "s" : "", l->text);
}

/* This thread's path prefix (constraint_path_prefix_set). */
static __thread const char *path_prefix;

void constraint_path_prefix_set(const char *prefix) { path_prefix = prefix; }

static void add_v(constraint_list_t *l, const char *value_text, const char *constraint,
                  const char *path_fmt, va_list ap)
{
    if (l->count >= CONSTRAINT_MAX_LISTED) return;
    char path[512];
    size_t at = path_prefix ? (size_t)snprintf(path, sizeof path, "%s", path_prefix) : 0;
    if (at >= sizeof path) at = sizeof path - 1;
    vsnprintf(path + at, sizeof path - at, path_fmt, ap);
    const char *sep = l->count ? "; " : "";
    if (value_text)
        l->text = arena_sprintf(l->arena, "%s%sValue '%s' at '%s' failed to satisfy constraint: %s",
                                l->text, sep, value_text, path, constraint);
    else
        l->text = arena_sprintf(l->arena, "%s%sValue null at '%s' failed to satisfy constraint: %s",
                                l->text, sep, path, constraint);
    l->count++;
}

void constraint_add(constraint_list_t *l, const char *value_text, const char *constraint,
                    const char *path_fmt, ...)
{
    va_list ap;
    va_start(ap, path_fmt);
    add_v(l, value_text, constraint, path_fmt, ap);
    va_end(ap);
}

ddb_error_t *constraint_error(arena_t *a, const char *value_text, const char *constraint,
                              const char *path_fmt, ...)
{
    constraint_list_t l;
    constraint_list_init(&l, a);
    va_list ap;
    va_start(ap, path_fmt);
    add_v(&l, value_text, constraint, path_fmt, ap);
    va_end(ap);
    return constraint_list_finish(&l);
}

ddb_error_t *err_member_null(arena_t *a, const char *path_fmt, ...)
{
    constraint_list_t l;
    constraint_list_init(&l, a);
    va_list ap;
    va_start(ap, path_fmt);
    add_v(&l, NULL, "Member must not be null", path_fmt, ap);
    va_end(ap);
    return constraint_list_finish(&l);
}

bool constraint_required_check(constraint_list_t *l, bool present, const char *path_fmt, ...)
{
    if (present) return true;
    va_list ap;
    va_start(ap, path_fmt);
    add_v(l, NULL, "Member must not be null", path_fmt, ap);
    va_end(ap);
    return false;
}

int constraint_enum_check(constraint_list_t *l, const char *value, const constraint_enum_t *set,
                          const char *path_fmt, ...)
{
    if (!value) return -1;
    for (int i = 0; set->values[i]; i++)
        if (strcmp(set->values[i], value) == 0) return i;
    char constraint[256];
    snprintf(constraint, sizeof constraint, "Member must satisfy enum value set: [%s]",
             set->set_text);
    va_list ap;
    va_start(ap, path_fmt);
    add_v(l, value, constraint, path_fmt, ap);
    va_end(ap);
    return -1;
}

void constraint_length(constraint_list_t *l, const char *value_text, size_t length, size_t min,
                       size_t max, const char *path_fmt, ...)
{
    char constraint[96];
    if (length < min)
        snprintf(constraint, sizeof constraint,
                 "Member must have length greater than or equal to %zu", min);
    else if (max && length > max)
        snprintf(constraint, sizeof constraint, "Member must have length less than or equal to %zu",
                 max);
    else
        return;
    va_list ap;
    va_start(ap, path_fmt);
    add_v(l, value_text, constraint, path_fmt, ap);
    va_end(ap);
}

void constraint_range(constraint_list_t *l, int64_t value, int64_t min, int64_t max,
                      const char *path_fmt, ...)
{
    char constraint[96], text[32];
    if (value < min)
        snprintf(constraint, sizeof constraint,
                 "Member must have value greater than or equal to %" PRId64, min);
    else if (value > max)
        snprintf(constraint, sizeof constraint,
                 "Member must have value less than or equal to %" PRId64, max);
    else
        return;
    snprintf(text, sizeof text, "%" PRId64, value);
    va_list ap;
    va_start(ap, path_fmt);
    add_v(l, text, constraint, path_fmt, ap);
    va_end(ap);
}

static bool name_chars_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

void constraint_members_length(constraint_list_t *l, const char *value_text, size_t min,
                               size_t max, const char *which, const char *path)
{
    char constraint[200];
    snprintf(constraint, sizeof constraint,
             "%s must satisfy constraint: [Member must have length less than or equal to %zu, "
             "Member must have length greater than or equal to %zu]",
             which, max, min);
    constraint_add(l, value_text, constraint, "%s", path);
}

void constraint_name(constraint_list_t *l, const char *name, const char *path_fmt, ...)
{
    size_t len = name ? strlen(name) : 0;
    bool long_enough = len >= 3 && len <= 255, pattern = len && name_chars_ok(name);
    if (name && long_enough && pattern) return; /* the usual case: no path to format */
    char path[512];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    if (!constraint_required(l, name != NULL, "%s", path)) return;
    constraint_length(l, name, len, 3, 255, "%s", path);
    if (!pattern) /* the pattern wants one character at least */
        constraint_add(l, name, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
                       "%s", path);
}

/* --- the model's enums ------------------------------------------------------------ */

#define ENUM(id, set, ...)                                                                  \
    static const char *const id##_values[] = {__VA_ARGS__, NULL};                           \
    const constraint_enum_t id = {id##_values, set}

ENUM(ENUM_RETURN_CONSUMED_CAPACITY, "INDEXES, TOTAL, NONE", "NONE", "TOTAL", "INDEXES");
ENUM(ENUM_RETURN_VALUES, "ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW", "NONE", "ALL_OLD",
     "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW");
ENUM(ENUM_RETURN_ITEM_COLLECTION_METRICS, "SIZE, NONE", "NONE", "SIZE");
ENUM(ENUM_RETURN_VALUES_ON_FAILURE, "ALL_OLD, NONE", "NONE", "ALL_OLD");
ENUM(ENUM_SELECT, "SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES",
     "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT");
ENUM(ENUM_CONDITIONAL_OPERATOR, "OR, AND", "AND", "OR");
ENUM(ENUM_COMPARISON_OPERATOR,
     "IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS",
     "EQ", "NE", "LE", "LT", "GE", "GT", "NOT_NULL", "NULL", "CONTAINS", "NOT_CONTAINS",
     "BEGINS_WITH", "IN", "BETWEEN");
ENUM(ENUM_ATTRIBUTE_ACTION, "ADD, PUT, DELETE", "PUT", "ADD", "DELETE");
ENUM(ENUM_KEY_TYPE, "HASH, RANGE", "HASH", "RANGE");
ENUM(ENUM_SCALAR_TYPE, "B, N, S", "S", "N", "B");
ENUM(ENUM_BILLING_MODE, "PROVISIONED, PAY_PER_REQUEST", "PROVISIONED", "PAY_PER_REQUEST");
ENUM(ENUM_PROJECTION_TYPE, "ALL, KEYS_ONLY, INCLUDE", "ALL", "KEYS_ONLY", "INCLUDE");
ENUM(ENUM_STREAM_VIEW_TYPE, "OLD_IMAGE, KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE", "NEW_IMAGE",
     "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY");
ENUM(ENUM_SSE_TYPE, "AES256, KMS", "AES256", "KMS");
ENUM(ENUM_SHARD_ITERATOR_TYPE, "TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER",
     "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER");
ENUM(ENUM_SHARD_FILTER_TYPE, "CHILD_SHARDS", "CHILD_SHARDS");
ENUM(ENUM_INSIGHTS_ACTION, "ENABLE, DISABLE", "ENABLE", "DISABLE");
ENUM(ENUM_INSIGHTS_MODE, "THROTTLED_KEYS, ACCESSED_AND_THROTTLED_KEYS", "ACCESSED_AND_THROTTLED_KEYS",
     "THROTTLED_KEYS");
ENUM(ENUM_TABLE_CLASS, "STANDARD, STANDARD_INFREQUENT_ACCESS", "STANDARD",
     "STANDARD_INFREQUENT_ACCESS");
