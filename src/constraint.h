/* constraint: the request-member constraints of the service model, in the
 * service's words.
 *
 * Before an operation does anything, the service checks each request
 * member against the constraints its model declares (required, enum,
 * length, range, pattern) and reports every violation of the request in one
 * ValidationException:
 *
 *   2 validation errors detected: Value 'x' at 'tableName' failed to satisfy
 *   constraint: Member must have length greater than or equal to 3; Value
 *   null at 'key' failed to satisfy constraint: Member must not be null
 *
 * A request collects violations in a constraint_list_t through the checks
 * below and turns them into that error with constraint_list_finish(), the
 * only place the "N validation errors detected" text is made.  Paths are
 * the model's member names with a lower-case first letter, list elements
 * 1-based as "transactItems.2.member.update", map values as
 * "requestItems.<key>.member.keys".  Path arguments are printf formats.
 * The texts are part of the error catalogue (errors.h).
 */
#ifndef DDBD_CONSTRAINT_H
#define DDBD_CONSTRAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "errors.h"

/* Lives in the request arena: a list left unfinished (an early return on
 * another error) needs no clean-up. */
typedef struct {
    arena_t *arena;
    int count;
    const char *text; /* "Value ...; Value ..." */
} constraint_list_t;

void constraint_list_init(constraint_list_t *l, arena_t *a);
/* Paths of this thread's violations start with prefix (NULL: none) until
 * set again: a structure checked by another request's rules nested inside
 * this one (ImportTable's TableCreationParameters, a CreateTable request). */
void constraint_path_prefix_set(const char *prefix);
/* The accumulated error, or NULL if none. */
ddb_error_t *constraint_list_finish(constraint_list_t *l);
/* One violation found alone: the error for it. */
ddb_error_t *constraint_error(arena_t *a, const char *value_text, const char *constraint,
                              const char *path_fmt, ...) __attribute__((format(printf, 4, 5)));

/* A required member missing, found alone: "1 validation error detected:
 * Value null at '<path>' failed to satisfy constraint: Member must not be
 * null". */
ddb_error_t *err_member_null(arena_t *a, const char *path_fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A violation with its constraint text as the model words it; value_text
 * NULL renders "Value null", otherwise the value is quoted.  The checks
 * below are this with their constraint texts. */
void constraint_add(constraint_list_t *l, const char *value_text, const char *constraint,
                    const char *path_fmt, ...) __attribute__((format(printf, 4, 5)));

/* A required member: adds a violation when present is false. */
bool constraint_required_check(constraint_list_t *l, bool present, const char *path_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* (the common case, present, costs no call) */
#define constraint_required(l, present, ...)                                                  \
    __extension__({                                                                            \
        bool present_ = (present);                                                             \
        present_ || constraint_required_check((l), false, __VA_ARGS__);                        \
    })

/* An enum: the allowed values (NULL-terminated, in the order whose index the
 * caller wants back) and the set as the service lists it. */
typedef struct {
    const char *const *values;
    const char *set_text;
} constraint_enum_t;

/* The index of value in set, or -1 after adding a violation.  value NULL
 * (absent) is no violation: -1 without one. */
int constraint_enum_check(constraint_list_t *l, const char *value, const constraint_enum_t *set,
                          const char *path_fmt, ...) __attribute__((format(printf, 4, 5)));
/* (an absent member, the common case, costs no call) */
#define constraint_enum(l, value, set, ...)                                                   \
    __extension__({                                                                            \
        const char *value_ = (value);                                                          \
        value_ ? constraint_enum_check((l), value_, (set), __VA_ARGS__) : -1;                   \
    })

/* A string's or a list's or map's length (count) against min..max (max 0:
 * no maximum); value_text is how the service quotes the value. */
void constraint_length(constraint_list_t *l, const char *value_text, size_t length, size_t min,
                       size_t max, const char *path_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* A number against min..max. */
void constraint_range(constraint_list_t *l, int64_t value, int64_t min, int64_t max,
                      const char *path_fmt, ...) __attribute__((format(printf, 5, 6)));

/* Every element of a list (which: "Member") or value of a map ("Map
 * value") of length min..max: one violation for the whole list or map,
 * quoted as value_text. */
void constraint_members_length(constraint_list_t *l, const char *value_text, size_t min,
                               size_t max, const char *which, const char *path);

/* A table or index name: length 3..255, then pattern [a-zA-Z0-9_.-]+ (as
 * the service lists them); absent is a "must not be null" violation. */
void constraint_name(constraint_list_t *l, const char *name, const char *path_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- the model's enums -------------------------------------------------------- */
/* values[] order: the index the caller receives. */
extern const constraint_enum_t ENUM_RETURN_CONSUMED_CAPACITY; /* NONE TOTAL INDEXES */
extern const constraint_enum_t ENUM_RETURN_VALUES; /* NONE ALL_OLD UPDATED_OLD ALL_NEW UPDATED_NEW */
extern const constraint_enum_t ENUM_RETURN_ITEM_COLLECTION_METRICS; /* NONE SIZE */
extern const constraint_enum_t ENUM_RETURN_VALUES_ON_FAILURE;       /* NONE ALL_OLD */
extern const constraint_enum_t ENUM_SELECT; /* ALL_ATTRIBUTES ALL_PROJECTED_ATTRIBUTES
                                               SPECIFIC_ATTRIBUTES COUNT */
extern const constraint_enum_t ENUM_CONDITIONAL_OPERATOR; /* AND OR */
extern const constraint_enum_t ENUM_COMPARISON_OPERATOR;  /* EQ NE LE LT GE GT NOT_NULL NULL
                                                             CONTAINS NOT_CONTAINS BEGINS_WITH
                                                             IN BETWEEN */
extern const constraint_enum_t ENUM_ATTRIBUTE_ACTION;     /* PUT ADD DELETE */
extern const constraint_enum_t ENUM_KEY_TYPE;             /* HASH RANGE */
extern const constraint_enum_t ENUM_SCALAR_TYPE;          /* S N B */
extern const constraint_enum_t ENUM_BILLING_MODE;         /* PROVISIONED PAY_PER_REQUEST */
extern const constraint_enum_t ENUM_PROJECTION_TYPE;      /* ALL KEYS_ONLY INCLUDE */
extern const constraint_enum_t ENUM_STREAM_VIEW_TYPE; /* NEW_IMAGE OLD_IMAGE NEW_AND_OLD_IMAGES
                                                         KEYS_ONLY */
extern const constraint_enum_t ENUM_SSE_TYPE;         /* AES256 KMS */
extern const constraint_enum_t ENUM_SHARD_ITERATOR_TYPE; /* TRIM_HORIZON LATEST
                                                            AT_SEQUENCE_NUMBER
                                                            AFTER_SEQUENCE_NUMBER */
extern const constraint_enum_t ENUM_SHARD_FILTER_TYPE;   /* CHILD_SHARDS */
extern const constraint_enum_t ENUM_INSIGHTS_ACTION; /* ENABLE DISABLE */
extern const constraint_enum_t ENUM_INSIGHTS_MODE;   /* ACCESSED_AND_THROTTLED_KEYS THROTTLED_KEYS */
extern const constraint_enum_t ENUM_TABLE_CLASS;      /* STANDARD STANDARD_INFREQUENT_ACCESS */

#endif
