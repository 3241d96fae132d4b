/* ops/common: what the operation families share: replying, the read
 * transaction, and request members read the same way by several of them. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ops/ops.h"
#include "storage.h"
#include "wire.h"

/* --- replies and reads ------------------------------------------------------------ */

api_result_t op_reply_error(api_call_t *call, ddb_error_t *e)
{
    call->out->len = 0;
    call->http_status = ddb_error_status(e->kind);
    ddb_error_render(e, call->out);
    return API_DONE;
}

api_result_t op_reply_ok(api_call_t *call)
{
    call->http_status = 200;
    return API_DONE;
}

void op_complete(api_call_t *call) { call->on_complete(call); }

MDB_txn *op_read_begin(api_call_t *call) { return storage_read_begin(&call->thread->read_txn); }
void op_read_end(api_call_t *call, MDB_txn *txn) { storage_read_end(txn); }

/* --- request members ------------------------------------------------------------------ */

ddb_error_t *op_unsupported(api_call_t *call, const json_value_t *req, const char *const *names)
{
    for (; *names; names++)
        if (wire_member(req, *names))
            return err_unsupported_member(call->arena, *names);
    return NULL;
}

ddb_error_t *op_check_attributes_to_get(api_call_t *call, const json_value_t *req,
                                        constraint_list_t *cl)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const json_value_t *list = wire_container(a, req, "AttributesToGet", WIRE_LIST, &e);
    if (e || !list) return e;
    for (size_t i = 0; i < list->u.array.count; i++)
        if ((e = wire_check(a, list->u.array.items[i], WIRE_STRING))) return e;
    constraint_length(cl, "[]", list->u.array.count, 1, 0, "attributesToGet");
    return NULL;
}

/* --- expressions and their legacy forms ---------------------------------------- */

/* Read the expression members an operation allows, refuse a request that
 * mixes them with their legacy forms, parse everything, and check that
 * every placeholder was used. */
ddb_error_t *op_read_expressions(api_call_t *call, const json_value_t *req, unsigned allow,
                                 op_exprs_t *x)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    memset(x, 0, sizeof *x);
    static const struct {
        const char *name;
        unsigned allow;
        bool legacy;
        wire_type_t type;
    } members[] = {
        {"Expected", ALLOW_CONDITION, true, WIRE_MAP},
        {"ConditionalOperator", ALLOW_CONDITION | ALLOW_FILTER, true, WIRE_STRING},
        {"AttributeUpdates", ALLOW_UPDATE, true, WIRE_MAP},
        {"AttributesToGet", ALLOW_PROJECTION, true, WIRE_LIST},
        {"QueryFilter", ALLOW_QUERY_FILTER, true, WIRE_MAP},
        {"ScanFilter", ALLOW_SCAN_FILTER, true, WIRE_MAP},
        {"KeyConditions", ALLOW_KEY_CONDITION, true, WIRE_MAP},
        {"ConditionExpression", ALLOW_CONDITION, false, WIRE_STRING},
        {"UpdateExpression", ALLOW_UPDATE, false, WIRE_STRING},
        {"ProjectionExpression", ALLOW_PROJECTION, false, WIRE_STRING},
        {"FilterExpression", ALLOW_FILTER, false, WIRE_STRING},
        {"KeyConditionExpression", ALLOW_KEY_CONDITION, false, WIRE_STRING},
        {"ExpressionAttributeNames", ~0u, false, WIRE_MAP},
        /* every expression but a projection can take values */
        {"ExpressionAttributeValues", ~0u & ~(unsigned)ALLOW_PROJECTION, false, WIRE_MAP},
    };
    enum { N = sizeof members / sizeof members[0], NAMES = N - 2, VALUES = N - 1 };
    const json_value_t *m[N];
    buf_t legacy, expression;
    buf_init(&legacy);
    buf_init(&expression);
    for (size_t i = 0; i < N; i++) {
        m[i] = (members[i].allow & allow) ? wire_member(req, members[i].name) : NULL;
        if (m[i] && (e = wire_check(a, m[i], members[i].type))) goto done;
        if (!m[i] || i >= NAMES) continue; /* the placeholder maps alone do not count */
        buf_t *list = members[i].legacy ? &legacy : &expression;
        if (list->len) buf_append_str(list, ", ");
        buf_append_str(list, members[i].name);
    }
    if (legacy.len && expression.len) {
        buf_putc(&legacy, '\0');
        buf_putc(&expression, '\0');
        e = err_mixed_parameters(a, legacy.data, expression.data);
        goto done;
    }
    if (m[1]) {
        /* ConditionalOperator joins the entries of Expected, QueryFilter
         * or ScanFilter: it needs one of them, with two entries or more. */
        const json_value_t *joined = m[0] ? m[0] : m[4] ? m[4] : m[5];
        if (!joined) {
            e = err_conditional_operator_alone(a);
            goto done;
        }
        if (joined->type == JSON_OBJECT && joined->u.object.count < 2) {
            e = err_conditional_operator_one_element(a);
            goto done;
        }
    }
    const json_value_t *names = m[NAMES], *values = m[VALUES];
    if (!expression.len) {
        const char *null_expressions =
            (allow & ALLOW_UPDATE)          ? "UpdateExpression and ConditionExpression are null"
            : (allow & ALLOW_CONDITION)     ? "ConditionExpression is null"
            : (allow & ALLOW_KEY_CONDITION) ? "KeyConditionExpression and FilterExpression are null"
            : (allow & ALLOW_FILTER)        ? "FilterExpression is null"
                                            : NULL;
        if (names) e = err_placeholders_without_expression(a, "ExpressionAttributeNames", NULL);
        else if (values)
            e = err_placeholders_without_expression(a, "ExpressionAttributeValues",
                                                    null_expressions);
        if (e) goto done;
    }
    if ((e = expr_env_init(&x->env, a, names, values))) goto done;
    static const struct {
        int member;
        expr_kind_t kind;
        size_t field;
    } parses[] = {
        {7, EXPR_CONDITION, offsetof(op_exprs_t, condition)},
        {8, EXPR_UPDATE, offsetof(op_exprs_t, update)},
        {9, EXPR_PROJECTION, offsetof(op_exprs_t, projection)},
        {10, EXPR_FILTER, offsetof(op_exprs_t, filter)},
        {11, EXPR_KEY_CONDITION, offsetof(op_exprs_t, key_condition)},
    };
    for (size_t i = 0; i < sizeof parses / sizeof parses[0]; i++) {
        const json_value_t *text = m[parses[i].member];
        expr_t **slot = (expr_t **)((char *)x + parses[i].field);
        if (text && (e = expr_parse(&x->env, parses[i].kind, text->u.str.ptr, text->u.str.len, slot)))
            goto done;
    }
    if (expression.len && (e = expr_env_check_unused(&x->env))) goto done;
    if (m[0] || (m[1] && (allow & ALLOW_CONDITION))) {
        const char *op = m[1] ? m[1]->u.str.ptr : NULL;
        if ((e = expr_from_expected(&x->env, m[0], op, &x->condition))) goto done;
    }
    const json_value_t *legacy_filter = m[4] ? m[4] : m[5];
    if (legacy_filter) {
        const char *op = m[1] ? m[1]->u.str.ptr : NULL;
        if ((e = expr_from_expected(&x->env, legacy_filter, op, &x->filter))) goto done;
    }
    if (m[2] && (e = expr_from_attribute_updates(&x->env, m[2], &x->update))) goto done;
    if (m[3] && (e = expr_from_attributes_to_get(&x->env, m[3], &x->projection))) goto done;
    x->key_conditions = m[6];
done:
    buf_free(&legacy);
    buf_free(&expression);
    return e;
}
