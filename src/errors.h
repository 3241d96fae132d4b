/* errors: the DynamoDB error catalogue.
 *
 * One place knows every error `__type`, its HTTP status and the text of
 * every message the service sends.  Handlers never spell a message: they
 * call one of the constructors below, which formats it into the request
 * arena.  An error is a value (ddb_error_t *); NULL means success.
 *
 * Wire form: {"__type":"<namespace>#<Name>","message":"<text>"}; the
 * coral-level errors (serialization, unknown operation, authentication)
 * use "Message", as the service does.
 */
#ifndef DDBD_ERRORS_H
#define DDBD_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"

typedef enum {
    ERR_VALIDATION,
    ERR_SERIALIZATION,
    ERR_UNKNOWN_OPERATION,
    ERR_MISSING_AUTH,
    ERR_RESOURCE_NOT_FOUND,
    ERR_RESOURCE_IN_USE,
    ERR_CONDITIONAL_CHECK_FAILED,
    ERR_LIMIT_EXCEEDED,
    ERR_INTERNAL,
    ERR_KIND_COUNT
} ddb_error_kind_t;

typedef struct {
    ddb_error_kind_t kind;
    const char *message; /* NULL: no message member */
    /* More members of the error body, already rendered ("\"Item\":{...}"),
     * or NULL: e.g. the item of a failed condition. */
    const char *extra_json;
} ddb_error_t;

/* A new error of `kind` with a printf-formatted message. */
ddb_error_t *ddb_error_new(arena_t *a, ddb_error_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* HTTP status of an error kind. */
int ddb_error_status(ddb_error_kind_t kind);
/* Render {"__type":...,"message":...} into out. */
void ddb_error_render(const ddb_error_t *e, buf_t *out);

/* --- the catalogue ------------------------------------------------------ */
/* Protocol. */
ddb_error_t *err_unknown_operation(arena_t *a);
ddb_error_t *err_missing_auth(arena_t *a);
ddb_error_t *err_serialization(arena_t *a, const char *msg); /* msg NULL: no message */
ddb_error_t *err_internal(arena_t *a);
/* A Content-Encoding: gzip body that does not inflate. */
ddb_error_t *err_body_not_decompressible(arena_t *a);

/* "1 validation error detected: Value '<v>' at '<path>' failed to satisfy
 * constraint: <constraint>" accumulates: a request collects constraint
 * violations into a list, rendered together (the service lists up to 10). */
typedef struct {
    arena_t *arena;
    int count;
    buf_t text; /* "Value ... ; Value ..." */
} constraint_list_t;
void constraint_list_init(constraint_list_t *l, arena_t *a);
/* value_text NULL renders "Value null"; otherwise the value is quoted. */
void constraint_list_add(constraint_list_t *l, const char *value_text, const char *path,
                         const char *constraint);
/* The accumulated error (and frees the list's buffer), or NULL if empty. */
ddb_error_t *constraint_list_finish(constraint_list_t *l);

/* Generic ValidationException with a fixed text. */
ddb_error_t *err_validation(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "One or more parameter values were invalid: <detail>" */
ddb_error_t *err_invalid_parameter(arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Tables. */
ddb_error_t *err_table_not_found(arena_t *a, const char *table);    /* DescribeTable & co */
ddb_error_t *err_table_not_found_op(arena_t *a);                    /* item operations */
ddb_error_t *err_table_exists(arena_t *a, const char *table);
ddb_error_t *err_table_in_use(arena_t *a, const char *table, const char *status);

/* Items and values. */
ddb_error_t *err_key_schema_mismatch(arena_t *a);
ddb_error_t *err_item_too_large(arena_t *a);
ddb_error_t *err_return_values_invalid(arena_t *a);
ddb_error_t *err_condition_failed(arena_t *a);
/* "Cannot update attribute <name>. This attribute is part of the key" */
ddb_error_t *err_update_key_attribute(arena_t *a, const char *name);
/* Legacy and expression parameters in one request. */
ddb_error_t *err_mixed_parameters(arena_t *a, const char *legacy, const char *expression);
/* ExpressionAttributeNames/Values given without any expression. */
ddb_error_t *err_placeholders_without_expression(arena_t *a, const char *member);

#endif
