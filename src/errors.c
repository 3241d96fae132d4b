/* errors: every DynamoDB error type and message text; see errors.h. */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const struct {
    const char *type;
    int status;
    bool capital_message; /* coral-level errors say "Message" */
} error_kinds[ERR_KIND_COUNT] = {
    [ERR_VALIDATION] = {"com.amazon.coral.validate#ValidationException", 400, false},
    [ERR_SERIALIZATION] = {"com.amazon.coral.service#SerializationException", 400, true},
    [ERR_UNKNOWN_OPERATION] = {"com.amazon.coral.service#UnknownOperationException", 400, true},
    [ERR_MISSING_AUTH] = {"com.amazon.coral.service#MissingAuthenticationTokenException", 400,
                          true},
    [ERR_RESOURCE_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                                400, false},
    [ERR_RESOURCE_IN_USE] = {"com.amazonaws.dynamodb.v20120810#ResourceInUseException", 400,
                             false},
    [ERR_CONDITIONAL_CHECK_FAILED] =
        {"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", 400, false},
    [ERR_LIMIT_EXCEEDED] = {"com.amazonaws.dynamodb.v20120810#LimitExceededException", 400,
                            false},
    [ERR_INTERNAL] = {"com.amazonaws.dynamodb.v20120810#InternalServerError", 500, false},
};

static ddb_error_t *error_vnew(arena_t *a, ddb_error_kind_t kind, const char *fmt, va_list ap)
{
    ddb_error_t *e = arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->message = NULL;
    e->extra_json = NULL;
    if (fmt) {
        va_list ap2;
        va_copy(ap2, ap);
        int n = vsnprintf(NULL, 0, fmt, ap2);
        va_end(ap2);
        char *m = arena_alloc(a, (size_t)n + 1);
        vsnprintf(m, (size_t)n + 1, fmt, ap);
        e->message = m;
    }
    return e;
}

ddb_error_t *ddb_error_new(arena_t *a, ddb_error_kind_t kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddb_error_t *e = error_vnew(a, kind, fmt, ap);
    va_end(ap);
    return e;
}

int ddb_error_status(ddb_error_kind_t kind) { return error_kinds[kind].status; }

void ddb_error_render(const ddb_error_t *e, buf_t *out)
{
    buf_append_str(out, "{\"__type\":");
    json_write_string(out, error_kinds[e->kind].type, strlen(error_kinds[e->kind].type));
    if (e->message) {
        buf_append_str(out, error_kinds[e->kind].capital_message ? ",\"Message\":" : ",\"message\":");
        json_write_string(out, e->message, strlen(e->message));
    }
    if (e->extra_json) {
        buf_putc(out, ',');
        buf_append_str(out, e->extra_json);
    }
    buf_putc(out, '}');
}

ddb_error_t *err_unknown_operation(arena_t *a)
{
    return ddb_error_new(a, ERR_UNKNOWN_OPERATION, NULL);
}

ddb_error_t *err_missing_auth(arena_t *a)
{
    return ddb_error_new(a, ERR_MISSING_AUTH, "Request is missing Authentication Token");
}

ddb_error_t *err_serialization(arena_t *a, const char *msg)
{
    return msg ? ddb_error_new(a, ERR_SERIALIZATION, "%s", msg)
               : ddb_error_new(a, ERR_SERIALIZATION, NULL);
}

ddb_error_t *err_body_not_decompressible(arena_t *a)
{
    return err_serialization(a, "The request body could not be decompressed");
}

ddb_error_t *err_internal(arena_t *a)
{
    return ddb_error_new(a, ERR_INTERNAL, "Internal server error");
}

void constraint_list_init(constraint_list_t *l, arena_t *a)
{
    l->arena = a;
    l->count = 0;
    buf_init(&l->text);
}

void constraint_list_add(constraint_list_t *l, const char *value_text, const char *path,
                         const char *constraint)
{
    if (l->count >= 10) return; /* the service reports at most ten */
    if (l->count) buf_append_str(&l->text, "; ");
    if (value_text)
        buf_printf(&l->text, "Value '%s' at '%s' failed to satisfy constraint: %s", value_text,
                   path, constraint);
    else
        buf_printf(&l->text, "Value null at '%s' failed to satisfy constraint: %s", path,
                   constraint);
    l->count++;
}

ddb_error_t *constraint_list_finish(constraint_list_t *l)
{
    ddb_error_t *e = NULL;
    if (l->count)
        e = ddb_error_new(l->arena, ERR_VALIDATION, "%d validation error%s detected: %.*s",
                          l->count, l->count > 1 ? "s" : "", (int)l->text.len, l->text.data);
    buf_free(&l->text);
    return e;
}

ddb_error_t *err_validation(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddb_error_t *e = error_vnew(a, ERR_VALIDATION, fmt, ap);
    va_end(ap);
    return e;
}

ddb_error_t *err_invalid_parameter(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *detail = NULL;
    int n = vasprintf(&detail, fmt, ap);
    va_end(ap);
    if (n < 0) return err_internal(a);
    ddb_error_t *e = ddb_error_new(a, ERR_VALIDATION,
                                   "One or more parameter values were invalid: %s", detail);
    free(detail);
    return e;
}

ddb_error_t *err_table_not_found(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Table: %s not found", table);
}

ddb_error_t *err_table_not_found_op(arena_t *a)
{
    return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
}

ddb_error_t *err_table_exists(arena_t *a, const char *table)
{
    return ddb_error_new(a, ERR_RESOURCE_IN_USE, "Table already exists: %s", table);
}

ddb_error_t *err_table_in_use(arena_t *a, const char *table, const char *status)
{
    return ddb_error_new(a, ERR_RESOURCE_IN_USE,
                         "Attempt to change a resource which is still in use: Table is being %s: %s",
                         status, table);
}

ddb_error_t *err_key_schema_mismatch(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "The provided key element does not match the schema");
}

ddb_error_t *err_return_values_invalid(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Return values set to invalid value");
}

ddb_error_t *err_condition_failed(arena_t *a)
{
    return ddb_error_new(a, ERR_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
}

ddb_error_t *err_update_key_attribute(arena_t *a, const char *name)
{
    return err_invalid_parameter(a, "Cannot update attribute %s. This attribute is part of the key",
                                 name);
}

ddb_error_t *err_mixed_parameters(arena_t *a, const char *legacy, const char *expression)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Can not use both expression and non-expression parameters in the same "
                         "request: Non-expression parameters: {%s} Expression parameters: {%s}",
                         legacy, expression);
}

ddb_error_t *err_placeholders_without_expression(arena_t *a, const char *member)
{
    return ddb_error_new(a, ERR_VALIDATION, "%s can only be specified when using expressions",
                         member);
}

ddb_error_t *err_item_too_large(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Item size has exceeded the maximum allowed size");
}
