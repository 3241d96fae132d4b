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
    call->error_kind = (int)e->kind;
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
        if (wire_member(req, *names)) return err_unsupported_member(call->arena, *names);
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

/* The members, in the order the service lists them when a request mixes
 * the two kinds: legacy ones first, then expressions, then the
 * placeholder maps (which count as neither). */
enum {
    M_ATTRIBUTE_UPDATES,
    M_ATTRIBUTES_TO_GET,
    M_EXPECTED,
    M_QUERY_FILTER,
    M_SCAN_FILTER,
    M_CONDITIONAL_OPERATOR,
    M_KEY_CONDITIONS, /* legacy, but only clashes with KeyConditionExpression */
    M_UPDATE_EXPRESSION,
    M_PROJECTION_EXPRESSION,
    M_CONDITION_EXPRESSION,
    M_FILTER_EXPRESSION,
    M_KEY_CONDITION_EXPRESSION,
    M_NAMES,
    M_VALUES,
    M_COUNT
};

/* clang-format off */
#define MEMBER(name, allow, type) {name, sizeof name - 1, allow, type}
/* clang-format on */
static const struct {
    const char *name;
    size_t len;
    unsigned allow;
    wire_type_t type;
} members[M_COUNT] = {
    [M_ATTRIBUTE_UPDATES] = MEMBER("AttributeUpdates", ALLOW_UPDATE, WIRE_MAP),
    [M_ATTRIBUTES_TO_GET] = MEMBER("AttributesToGet", ALLOW_PROJECTION, WIRE_LIST),
    [M_EXPECTED] = MEMBER("Expected", ALLOW_CONDITION, WIRE_MAP),
    [M_QUERY_FILTER] = MEMBER("QueryFilter", ALLOW_QUERY_FILTER, WIRE_MAP),
    [M_SCAN_FILTER] = MEMBER("ScanFilter", ALLOW_SCAN_FILTER, WIRE_MAP),
    [M_CONDITIONAL_OPERATOR] =
        MEMBER("ConditionalOperator", ALLOW_CONDITION | ALLOW_FILTER, WIRE_STRING),
    [M_KEY_CONDITIONS] = MEMBER("KeyConditions", ALLOW_KEY_CONDITION, WIRE_MAP),
    [M_UPDATE_EXPRESSION] = MEMBER("UpdateExpression", ALLOW_UPDATE, WIRE_STRING),
    [M_PROJECTION_EXPRESSION] = MEMBER("ProjectionExpression", ALLOW_PROJECTION, WIRE_STRING),
    [M_CONDITION_EXPRESSION] = MEMBER("ConditionExpression", ALLOW_CONDITION, WIRE_STRING),
    [M_FILTER_EXPRESSION] = MEMBER("FilterExpression", ALLOW_FILTER, WIRE_STRING),
    [M_KEY_CONDITION_EXPRESSION] =
        MEMBER("KeyConditionExpression", ALLOW_KEY_CONDITION, WIRE_STRING),
    [M_NAMES] = MEMBER("ExpressionAttributeNames", ~0u, WIRE_MAP),
    /* every expression but a projection can take values */
    [M_VALUES] = MEMBER("ExpressionAttributeValues", ~0u & ~(unsigned)ALLOW_PROJECTION, WIRE_MAP),
};
#undef MEMBER

/* The legacy members' enumerations are input constraints of the service:
 * they come before any other rule about these members (a Query lists
 * QueryFilter's, ConditionalOperator's, then KeyConditions'; a Scan
 * ConditionalOperator's, then ScanFilter's). */
static ddb_error_t *check_legacy_enums(arena_t *a, const json_value_t *const *m)
{
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    expr_legacy_check_operators(&cl, m[M_QUERY_FILTER], "queryFilter", true);
    expr_legacy_check_operators(&cl, m[M_EXPECTED], "expected", false);
    if (m[M_CONDITIONAL_OPERATOR])
        expr_legacy_check_conditional_operator(&cl,
                                               wire_c_string(a, m[M_CONDITIONAL_OPERATOR], NULL));
    expr_legacy_check_operators(&cl, m[M_SCAN_FILTER], "scanFilter", true);
    expr_legacy_check_operators(&cl, m[M_KEY_CONDITIONS], "keyConditions", true);
    expr_legacy_check_actions(&cl, m[M_ATTRIBUTE_UPDATES]);
    return constraint_list_finish(&cl);
}

/* Legacy and expression members may not meet in one request; KeyConditions
 * only clashes with KeyConditionExpression (with FilterExpression or
 * ProjectionExpression it is fine). */
static ddb_error_t *check_mixing(arena_t *a, const json_value_t *const *m)
{
    buf_t legacy, expression;
    buf_init(&legacy);
    buf_init(&expression);
    for (int i = 0; i < M_NAMES; i++) {
        if (!m[i]) continue;
        if (i == M_KEY_CONDITIONS && !m[M_KEY_CONDITION_EXPRESSION]) continue;
        buf_t *list = i < M_UPDATE_EXPRESSION ? &legacy : &expression;
        if (list->len) buf_append_str(list, ", ");
        buf_append_str(list, members[i].name);
    }
    ddb_error_t *e = NULL;
    if (legacy.len && expression.len) {
        buf_putc(&legacy, '\0');
        buf_putc(&expression, '\0');
        e = err_mixed_parameters(a, legacy.data, expression.data);
    }
    buf_free(&legacy);
    buf_free(&expression);
    return e;
}

/* ConditionalOperator joins the entries of Expected, QueryFilter or
 * ScanFilter: it needs one of them with two entries or more (an empty map
 * is none). */
static ddb_error_t *check_conditional_operator(arena_t *a, const json_value_t *const *m)
{
    if (!m[M_CONDITIONAL_OPERATOR]) return NULL;
    const json_value_t *joined = m[M_EXPECTED]       ? m[M_EXPECTED]
                                 : m[M_QUERY_FILTER] ? m[M_QUERY_FILTER]
                                                     : m[M_SCAN_FILTER];
    size_t entries = joined ? joined->u.object.count : 0;
    if (entries == 0) return err_conditional_operator_alone(a);
    if (entries == 1) return err_conditional_operator_one_element(a);
    return NULL;
}

/* Placeholder maps need an expression to serve. */
static ddb_error_t *check_placeholders_used(arena_t *a, const json_value_t *const *m,
                                            unsigned allow)
{
    for (int i = M_UPDATE_EXPRESSION; i < M_NAMES; i++)
        if (m[i]) return NULL;
    if (m[M_NAMES]) return err_placeholders_without_expression(a, members[M_NAMES].name, NULL);
    if (!m[M_VALUES]) return NULL;
    const char *null_expressions =
        (allow & ALLOW_UPDATE)          ? "UpdateExpression and ConditionExpression are null"
        : (allow & ALLOW_CONDITION)     ? "ConditionExpression is null"
        : (allow & ALLOW_KEY_CONDITION) ? "FilterExpression and KeyConditionExpression are null"
        : (allow & ALLOW_FILTER)        ? "FilterExpression is null"
                                        : NULL;
    return err_placeholders_without_expression(a, members[M_VALUES].name, null_expressions);
}

static ddb_error_t *parse_expressions(op_exprs_t *x, const json_value_t *const *m)
{
    static const struct {
        int member;
        expr_kind_t kind;
        size_t field;
    } parses[] = {
        {M_CONDITION_EXPRESSION, EXPR_CONDITION, offsetof(op_exprs_t, condition)},
        {M_UPDATE_EXPRESSION, EXPR_UPDATE, offsetof(op_exprs_t, update)},
        {M_PROJECTION_EXPRESSION, EXPR_PROJECTION, offsetof(op_exprs_t, projection)},
        {M_FILTER_EXPRESSION, EXPR_FILTER, offsetof(op_exprs_t, filter)},
        {M_KEY_CONDITION_EXPRESSION, EXPR_KEY_CONDITION, offsetof(op_exprs_t, key_condition)},
    };
    bool any = false;
    for (size_t i = 0; i < sizeof parses / sizeof parses[0]; i++) {
        const json_value_t *text = m[parses[i].member];
        expr_t **slot = (expr_t **)((char *)x + parses[i].field);
        ddb_error_t *e;
        if (!text) continue;
        any = true;
        if ((e = expr_parse(&x->env, parses[i].kind, text->u.str.ptr, text->u.str.len, slot)))
            return e;
    }
    return any ? expr_env_check_unused(&x->env) : NULL;
}

/* The legacy members as expressions (KeyConditions only checked: Query
 * reads them itself). */
static ddb_error_t *translate_legacy(op_exprs_t *x, const json_value_t *const *m)
{
    ddb_error_t *e = NULL;
    const char *op = m[M_CONDITIONAL_OPERATOR]
                         ? wire_c_string(x->env.arena, m[M_CONDITIONAL_OPERATOR], NULL)
                         : NULL;
    const json_value_t *filter = m[M_QUERY_FILTER] ? m[M_QUERY_FILTER] : m[M_SCAN_FILTER];
    if (m[M_EXPECTED] && (e = expr_from_expected(&x->env, m[M_EXPECTED], op, &x->condition)))
        return e;
    if (filter && (e = expr_from_conditions(&x->env, filter, op, &x->filter))) return e;
    if (m[M_ATTRIBUTE_UPDATES] &&
        (e = expr_from_attribute_updates(&x->env, m[M_ATTRIBUTE_UPDATES], &x->update)))
        return e;
    if (m[M_ATTRIBUTES_TO_GET] &&
        (e = expr_from_attributes_to_get(&x->env, m[M_ATTRIBUTES_TO_GET], &x->projection)))
        return e;
    x->key_conditions = m[M_KEY_CONDITIONS];
    if (x->key_conditions) e = expr_check_key_conditions(&x->env, x->key_conditions);
    return e;
}

/* Read the expression members an operation allows, refuse a request that
 * mixes them with their legacy forms, parse everything, and check that
 * every placeholder was used. */
ddb_error_t *op_read_expressions(api_call_t *call, const json_value_t *req, unsigned allow,
                                 op_exprs_t *x)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    memset(x, 0, sizeof *x);
    const json_value_t *m[M_COUNT] = {0};
    bool any = false;
    for (size_t k = 0; k < req->u.object.count; k++) { /* keys are unique */
        const json_member_t *jm = &req->u.object.members[k];
        if (jm->value->type == JSON_NULL) continue; /* absent */
        for (int i = 0; i < M_COUNT; i++) {
            if (!(members[i].allow & allow) || jm->key_len != members[i].len ||
                memcmp(jm->key, members[i].name, jm->key_len) != 0)
                continue;
            if ((e = wire_check(a, jm->value, members[i].type))) return e;
            m[i] = jm->value;
            any = true;
            break;
        }
    }
    if (!any) return expr_env_init(&x->env, a, NULL, NULL); /* nothing to check or parse */
    if ((e = check_legacy_enums(a, m)) || (e = check_mixing(a, m)) ||
        (e = check_conditional_operator(a, m)) || (e = check_placeholders_used(a, m, allow)) ||
        (e = expr_env_init(&x->env, a, m[M_NAMES], m[M_VALUES])) || (e = parse_expressions(x, m)))
        return e;
    return translate_legacy(x, m);
}
