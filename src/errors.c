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
    [ERR_ITEM_COLLECTION_SIZE_LIMIT] =
        {"com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException", 400, false},
    [ERR_TRANSACTION_CANCELED] =
        {"com.amazonaws.dynamodb.v20120810#TransactionCanceledException", 400, true},
    [ERR_IDEMPOTENT_MISMATCH] =
        {"com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException", 400, true},
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

ddb_error_t *err_placeholders_without_expression(arena_t *a, const char *member,
                                                 const char *null_expressions)
{
    if (null_expressions)
        return ddb_error_new(a, ERR_VALIDATION,
                             "%s can only be specified when using expressions: %s", member,
                             null_expressions);
    return ddb_error_new(a, ERR_VALIDATION, "%s can only be specified when using expressions",
                         member);
}

ddb_error_t *err_conditional_operator_alone(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "ConditionalOperator cannot be used without Filter or Expected");
}

ddb_error_t *err_conditional_operator_one_element(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "ConditionalOperator can only be used when Filter or Expected has two or "
                         "more elements");
}

ddb_error_t *err_updated_item_too_large(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Item size to update has exceeded the maximum allowed size");
}

ddb_error_t *err_empty_index_key(arena_t *a, bool string, const char *index, const char *key)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "One or more parameter values are not valid. A value specified for a "
                         "secondary index key is not supported. The AttributeValue for a key "
                         "attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s",
                         string ? "string" : "binary", index, key);
}

ddb_error_t *err_empty_key(arena_t *a, bool string, const char *key)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "One or more parameter values are not valid. The AttributeValue for a key "
                         "attribute cannot contain an empty %s value. Key: %s",
                         string ? "string" : "binary", key);
}

ddb_error_t *err_item_collection_too_large(arena_t *a)
{
    return ddb_error_new(a, ERR_ITEM_COLLECTION_SIZE_LIMIT, "Collection size exceeded.");
}

ddb_error_t *err_transaction_same_item(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Transaction request cannot include multiple operations on one item");
}

ddb_error_t *err_idempotent_mismatch(arena_t *a)
{
    return ddb_error_new(a, ERR_IDEMPOTENT_MISMATCH,
                         "Request parameters do not match those of the original request with "
                         "the same ClientRequestToken");
}

ddb_error_t *err_transaction_canceled(arena_t *a, const char *reasons, const char *reasons_json)
{
    ddb_error_t *e = ddb_error_new(a, ERR_TRANSACTION_CANCELED,
                                   "Transaction cancelled, please refer cancellation reasons for "
                                   "specific reasons [%s]",
                                   reasons);
    e->extra_json = reasons_json;
    return e;
}

ddb_error_t *err_item_too_large(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Item size has exceeded the maximum allowed size");
}

/* --- expressions (expr_*.c) -------------------------------------------------- */

ddb_error_t *err_expr_empty(arena_t *a, const char *expr)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid %s: The expression can not be empty;", expr);
}

ddb_error_t *err_expr_too_long(arena_t *a, const char *expr, size_t size)
{
    if (!size)
        return ddb_error_new(a, ERR_VALIDATION,
                             "Invalid %s: Expression size has exceeded the maximum allowed size;",
                             expr);
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Expression size has exceeded the maximum allowed size; "
                         "expression size: %zu",
                         expr, size);
}

ddb_error_t *err_expr_syntax(arena_t *a, const char *expr, const char *token, size_t token_len,
                             const char *near, size_t near_len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Syntax error; token: \"%.*s\", near: \"%.*s\"", expr,
                         (int)token_len, token, (int)near_len, near);
}

ddb_error_t *err_expr_redundant_parens(arena_t *a, const char *expr)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid %s: The expression has redundant parentheses;",
                         expr);
}

ddb_error_t *err_expr_reserved_word(arena_t *a, const char *expr, const char *word, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Attribute name is a reserved keyword; reserved keyword: %.*s",
                         expr, (int)len, word);
}

ddb_error_t *err_expr_list_index(arena_t *a, const char *expr, const char *index, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: List index is not within the allowable range; index: [%.*s]",
                         expr, (int)len, index);
}

ddb_error_t *err_expr_function_name(arena_t *a, const char *expr, const char *name, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION, "Invalid %s: Invalid function name; function: %.*s",
                         expr, (int)len, name);
}

ddb_error_t *err_expr_function_not_in_condition(arena_t *a, const char *expr, const char *name)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The function is not allowed in a condition expression; "
                         "function: %s",
                         expr, name);
}

ddb_error_t *err_expr_function_not_in_update(arena_t *a, const char *expr, const char *name)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The function is not allowed in an update expression; "
                         "function: %s",
                         expr, name);
}

ddb_error_t *err_expr_function_context(arena_t *a, const char *expr, const char *name)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The function is not allowed to be used this way in an "
                         "expression; function: %s",
                         expr, name);
}

ddb_error_t *err_expr_duplicate_section(arena_t *a, const char *expr, const char *section)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The \"%s\" section can only be used once in an update "
                         "expression;",
                         expr, section);
}

ddb_error_t *err_expr_path_too_deep(arena_t *a, const char *expr, size_t levels)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The document path has too many nesting levels; nesting "
                         "levels: %zu",
                         expr, levels);
}

ddb_error_t *err_expr_name_undefined(arena_t *a, const char *expr, const char *name, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: An expression attribute name used in the document path is "
                         "not defined; attribute name: %.*s",
                         expr, (int)len, name);
}

ddb_error_t *err_expr_value_undefined(arena_t *a, const char *expr, const char *name, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: An expression attribute value used in expression is not "
                         "defined; attribute value: %.*s",
                         expr, (int)len, name);
}

ddb_error_t *err_expr_operand_count(arena_t *a, const char *expr, const char *op, size_t count)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Incorrect number of operands for operator or function; "
                         "operator or function: %s, number of operands: %zu",
                         expr, op, count);
}

ddb_error_t *err_expr_operand_type(arena_t *a, const char *expr, const char *op, const char *type)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Incorrect operand type for operator or function; operator "
                         "or function: %s, operand type: %s",
                         expr, op, type);
}

ddb_error_t *err_expr_action_operand_type(arena_t *a, const char *expr, const char *action,
                                          const char *type, const char *type_set)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Incorrect operand type for operator or function; operator: "
                         "%s, operand type: %s, typeSet: %s",
                         expr, action, type, type_set);
}

ddb_error_t *err_expr_requires_path(arena_t *a, const char *expr, const char *op)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Operator or function requires a document path; operator or "
                         "function: %s",
                         expr, op);
}

ddb_error_t *err_expr_operands_not_distinct(arena_t *a, const char *expr, const char *op,
                                            const char *path)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The first operand must be distinct from the remaining "
                         "operands for this operator or function; operator: %s, first operand: %s",
                         expr, op, path);
}

ddb_error_t *err_expr_type_name(arena_t *a, const char *expr, const char *type, size_t len,
                                const char *valid)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Invalid attribute type name found; type: %.*s, valid types: "
                         "%s",
                         expr, (int)len, type, valid);
}

ddb_error_t *err_expr_between_types(arena_t *a, const char *expr, const char *lower,
                                    const char *upper)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The BETWEEN operator requires same data type for lower and "
                         "upper bounds; lower bound operand: %s, upper bound operand: %s",
                         expr, lower, upper);
}

ddb_error_t *err_expr_between_order(arena_t *a, const char *expr, const char *lower,
                                    const char *upper)
{
    return ddb_error_new(
        a, ERR_VALIDATION,
        "Invalid %s: The BETWEEN operator requires upper bound to be greater than "
        "or equal to lower bound; lower bound operand: %s, upper bound operand: %s",
        expr, lower, upper);
}

ddb_error_t *err_expr_in_too_many(arena_t *a, const char *expr, size_t count)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The IN operator is provided with too many operands; number "
                         "of operands: %zu",
                         expr, count);
}

ddb_error_t *err_expr_too_many_operators(arena_t *a, const char *expr, size_t count)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: The expression contains too many operators; operator count: "
                         "%zu",
                         expr, count);
}

ddb_error_t *err_expr_paths_overlap(arena_t *a, const char *expr, const char *one, const char *two)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Two document paths overlap with each other; must remove or "
                         "rewrite one of these paths; path one: %s, path two: %s",
                         expr, one, two);
}

ddb_error_t *err_expr_paths_conflict(arena_t *a, const char *expr, const char *one, const char *two)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Invalid %s: Two document paths conflict with each other; must remove or "
                         "rewrite one of these paths; path one: %s, path two: %s",
                         expr, one, two);
}

ddb_error_t *err_expr_map_empty(arena_t *a, const char *member)
{
    return ddb_error_new(a, ERR_VALIDATION, "%s must not be empty", member);
}

ddb_error_t *err_expr_map_key_syntax(arena_t *a, const char *member, const char *key, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION, "%s contains invalid key: Syntax error; key: \"%.*s\"",
                         member, (int)len, key);
}

ddb_error_t *err_expr_map_key_empty(arena_t *a, const char *member)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "%s contains invalid key: The expression attribute map contains an empty "
                         "key;",
                         member);
}

ddb_error_t *err_expr_map_key_too_long(arena_t *a, const char *member, size_t size)
{
    if (!size)
        return ddb_error_new(a, ERR_VALIDATION,
                             "%s contains invalid key: The expression attribute map contains a key "
                             "that is too long;",
                             member);
    return ddb_error_new(a, ERR_VALIDATION,
                         "%s contains invalid key: The expression attribute map contains a key "
                         "that is too long; size of key: %zu",
                         member, size);
}

ddb_error_t *err_expr_name_empty(arena_t *a, const char *key, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "ExpressionAttributeNames contains invalid value: Empty attribute name "
                         "for key %.*s",
                         (int)len, key);
}

ddb_error_t *err_expr_value_invalid(arena_t *a, const char *message, const char *key, size_t len)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "ExpressionAttributeValues contains invalid value: %s for key %.*s",
                         message, (int)len, key);
}

ddb_error_t *err_expr_unused(arena_t *a, const char *member, const char *keys)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Value provided in %s unused in expressions: keys: {%s}", member, keys);
}

ddb_error_t *err_update_missing_operand(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The provided expression refers to an attribute that does not exist in "
                         "the item");
}

ddb_error_t *err_update_operand_type(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "An operand in the update expression has an incorrect data type");
}

ddb_error_t *err_update_invalid_path(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "The document path provided in the update expression is invalid for "
                         "update");
}

ddb_error_t *err_number(arena_t *a, number_status_t status, const char *text, size_t len)
{
    switch (status) {
    case NUMBER_OK: return NULL;
    case NUMBER_INVALID:
        if (!text || len == 0)
            return ddb_error_new(a, ERR_VALIDATION,
                                 "The parameter cannot be converted to a numeric value");
        return ddb_error_new(a, ERR_VALIDATION,
                             "The parameter cannot be converted to a numeric value: %.*s",
                             (int)len, text);
    case NUMBER_TOO_PRECISE:
        return ddb_error_new(a, ERR_VALIDATION,
                             "Attempting to store more than 38 significant digits in a Number");
    case NUMBER_OVERFLOW:
        return ddb_error_new(a, ERR_VALIDATION,
                             "Number overflow. Attempting to store a number with magnitude "
                             "larger than supported range");
    case NUMBER_UNDERFLOW:
        return ddb_error_new(a, ERR_VALIDATION,
                             "Number underflow. Attempting to store a number with magnitude "
                             "smaller than supported range");
    }
    return err_internal(a);
}

ddb_error_t *err_item_nesting_too_deep(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION,
                         "Nesting Levels have exceeded supported limits: Attributes in the item "
                         "have nested levels beyond supported limit");
}

ddb_error_t *err_expected_value_and_list(arena_t *a, const char *attr)
{
    return err_invalid_parameter(
        a, "Value and AttributeValueList cannot be used together for Attribute: %s", attr);
}

ddb_error_t *err_expected_list_without_operator(arena_t *a, const char *attr)
{
    return err_invalid_parameter(
        a, "AttributeValueList can only be used with a ComparisonOperator for Attribute: %s", attr);
}

ddb_error_t *err_expected_exists_and_operator(arena_t *a, const char *attr)
{
    return err_invalid_parameter(
        a, "Exists and ComparisonOperator cannot be used together for Attribute: %s", attr);
}

ddb_error_t *err_expected_operator_without_value(arena_t *a, const char *op, const char *attr)
{
    return err_invalid_parameter(a,
                                 "Value or AttributeValueList must be used with "
                                 "ComparisonOperator: %s for Attribute: %s",
                                 op, attr);
}

ddb_error_t *err_expected_argument_count(arena_t *a, const char *op)
{
    return err_invalid_parameter(a, "Invalid number of argument(s) for the %s ComparisonOperator",
                                 op);
}

ddb_error_t *err_expected_operator_type(arena_t *a, const char *op, const char *type)
{
    return err_invalid_parameter(a, "ComparisonOperator %s is not valid for %s AttributeValue type",
                                 op, type);
}

ddb_error_t *err_expected_value_missing(arena_t *a, const char *exists, const char *attr)
{
    return err_invalid_parameter(a, "Value must be provided when Exists is %s for Attribute: %s",
                                 exists, attr);
}

ddb_error_t *err_expected_value_with_exists_false(arena_t *a, const char *attr)
{
    return err_invalid_parameter(a, "Value cannot be used when Exists is false for Attribute: %s",
                                 attr);
}

ddb_error_t *err_attribute_update_without_value(arena_t *a)
{
    return err_invalid_parameter(
        a, "Only DELETE action is allowed when no attribute value is specified");
}

ddb_error_t *err_attribute_update_delete_type(arena_t *a, const char *type)
{
    return err_invalid_parameter(a, "DELETE action with value is not supported for the type %s",
                                 type);
}

ddb_error_t *err_attribute_update_add_type(arena_t *a, const char *type)
{
    return err_invalid_parameter(a, "ADD action is not supported for the type %s", type);
}

ddb_error_t *err_attribute_update_type_mismatch(arena_t *a)
{
    return ddb_error_new(a, ERR_VALIDATION, "Type mismatch for attribute to update");
}

ddb_error_t *err_attributes_to_get_duplicate(arena_t *a, const char *name)
{
    return err_invalid_parameter(a, "Duplicate value in attribute name: %s", name);
}

ddb_error_t *err_wire_object_not_expected(arena_t *a)
{
    return err_serialization(a, "Start of structure or map found where not expected");
}

ddb_error_t *err_wire_list_not_expected(arena_t *a)
{
    return err_serialization(a, "Start of list found where not expected");
}

ddb_error_t *err_wire_cannot_convert(arena_t *a, const char *token, const char *type)
{
    return ddb_error_new(a, ERR_SERIALIZATION, "%s cannot be converted to %s", token, type);
}

ddb_error_t *err_wire_unexpected_field(arena_t *a)
{
    return err_serialization(a, "Unexpected field type");
}

ddb_error_t *err_wire_unexpected_value(arena_t *a)
{
    return err_serialization(a, "Unexpected value type in payload");
}

ddb_error_t *err_wire_blob_not_string(arena_t *a)
{
    return err_serialization(a, "only base-64-encoded strings are convertible to bytes");
}

ddb_error_t *err_member_null(arena_t *a, const char *path_fmt, ...)
{
    va_list ap;
    va_start(ap, path_fmt);
    char path[512];
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_list_add(&cl, NULL, path, "Member must not be null");
    return constraint_list_finish(&cl);
}
