/* ops/common: request checks shared by several operation families. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ops/ops.h"
#include "wire.h"

ddb_error_t *op_unsupported(api_call_t *call, const json_value_t *req, const char *const *names)
{
    for (; *names; names++)
        if (wire_member(req, *names))
            return err_validation(call->arena, "%s is not supported by this server yet", *names);
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
    /* A condition of QueryFilter or ScanFilter must name its operator (an
     * entry of Expected need not): a model constraint, checked first. */
    const json_value_t *filter = m[4] ? m[4] : m[5];
    for (size_t i = 0; filter && i < filter->u.object.count; i++) {
        const json_member_t *c = &filter->u.object.members[i];
        if (c->value->type == JSON_OBJECT && !wire_member(c->value, "ComparisonOperator")) {
            e = err_member_null(a, "%s.%s.member.comparisonOperator",
                                m[4] ? "queryFilter" : "scanFilter", c->key);
            goto done;
        }
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

/* --- capacity --------------------------------------------------------------------- */

void op_render_capacity(buf_t *out, const table_t *t, capacity_mode_t mode, double units,
                            bool *first)
{
    if (mode == CAPACITY_NONE) return;
    if (!*first) buf_putc(out, ',');
    *first = false;
    buf_append_str(out, "\"ConsumedCapacity\":{\"TableName\":");
    json_write_string(out, t->name, strlen(t->name));
    buf_printf(out, ",\"CapacityUnits\":%.1f", units);
    if (mode == CAPACITY_INDEXES) buf_printf(out, ",\"Table\":{\"CapacityUnits\":%.1f}", units);
    buf_putc(out, '}');
}

void op_render_write_capacity_list(buf_t *out, item_write_t *const *writes, size_t count,
                                   double factor)
{
    buf_append_str(out, "\"ConsumedCapacity\":[");
    size_t rendered = 0;
    for (size_t i = 0; i < count; i++) {
        const table_t *t = item_write_table(writes[i]);
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++) seen = item_write_table(writes[k]) == t;
        if (seen) continue;
        double units = 0;
        for (size_t k = i; k < count; k++)
            if (item_write_table(writes[k]) == t) {
                size_t size = item_write_size(writes[k]);
                units += factor * (size ? (double)((size + 1023) / 1024) : 1.0);
            }
        buf_printf(out, "%s{\"TableName\":", rendered++ ? "," : "");
        json_write_string(out, t->name, strlen(t->name));
        buf_printf(out, ",\"CapacityUnits\":%.1f}", units);
    }
    buf_putc(out, ']');
}
