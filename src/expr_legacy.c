/* expr_legacy: the pre-expression parameters, translated into the same tree.
 *
 *   Expected (+ ConditionalOperator)  ->  a condition
 *     {Exists: false}                  attribute_not_exists(a)
 *     {Value: v} / {Exists: true, ...}  a = v
 *     {ComparisonOperator: op, AttributeValueList: [...]} (or Value as the
 *     one-element list): EQ NE LT LE GT GE as the comparators, BETWEEN,
 *     IN, BEGINS_WITH, CONTAINS, NOT_CONTAINS (NOT contains), NULL
 *     (attribute_not_exists), NOT_NULL (attribute_exists)
 *     joined by AND (the default) or OR.
 *   QueryFilter / ScanFilter (+ ConditionalOperator)  ->  a condition from
 *     Conditions: {ComparisonOperator, AttributeValueList} only, the
 *     operator required.
 *   KeyConditions  ->  checked here as Conditions; Query reads them itself.
 *   AttributeUpdates  ->  an update with the legacy actions: PUT sets,
 *     DELETE without a value removes, DELETE with a set subtracts it, ADD
 *     adds a number, a set or (legacy only) appends a list.
 *   AttributesToGet   ->  a projection of top-level names.
 * Legacy names are whole top-level attribute names: never paths, never
 * reserved words, no placeholders.
 *
 * A wrong AttributeValueList is a ValidationException before anything is
 * read, never a failed condition: the count of values for the operator,
 * each value's type (IN, BETWEEN, LT, LE, GT, GE take S, N or B;
 * BEGINS_WITH S or B; CONTAINS a scalar, BOOL or NULL), all values of one
 * type, BETWEEN's lower bound not above its upper one.
 */
#include <string.h>

#include "constraint.h"
#include "expr_internal.h"
#include "wire.h"

static expr_node_t *name_node(arena_t *a, const char *name, size_t len)
{
    expr_node_t *n = expr_node_new(a, NODE_PATH, 0);
    expr_path_step_t *step = arena_alloc(a, sizeof *step);
    memset(step, 0, sizeof *step);
    step->name = name;
    step->name_len = len;
    n->u.path.steps = step;
    n->u.path.count = 1;
    return n;
}

static expr_node_t *value_node(arena_t *a, const value_t *v)
{
    expr_node_t *n = expr_node_new(a, NODE_VALUE, 0);
    n->u.value = v;
    return n;
}

static expr_node_t *op_node(arena_t *a, expr_node_kind_t kind, int op, expr_node_t *kids)
{
    expr_node_t *n = expr_node_new(a, kind, 0);
    n->op = (uint8_t)op;
    n->kids = kids;
    for (expr_node_t *k = kids; k; k = k->next)
        n->nkids++;
    return n;
}

/* The entries joined by AND or OR as a balanced tree: a chain would be as
 * deep as there are entries, and evaluation recurses. */
static expr_node_t *join_balanced(arena_t *a, expr_node_kind_t kind, expr_node_t **nodes, size_t n)
{
    if (n == 1) return nodes[0];
    expr_node_t *left = join_balanced(a, kind, nodes, n / 2);
    expr_node_t *right = join_balanced(a, kind, nodes + n / 2, n - n / 2);
    left->next = right;
    return op_node(a, kind, 0, left);
}

/* --- Expected ---------------------------------------------------------------- */

typedef enum {
    OP_EQ,
    OP_NE,
    OP_LE,
    OP_LT,
    OP_GE,
    OP_GT,
    OP_NOT_NULL,
    OP_NULL,
    OP_CONTAINS,
    OP_NOT_CONTAINS,
    OP_BEGINS_WITH,
    OP_IN,
    OP_BETWEEN,
    OP_COUNT
} legacy_op_t;

static const char *const op_names[OP_COUNT] = {
    "EQ",   "NE",       "LE",           "LT",          "GE", "GT",      "NOT_NULL",
    "NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN",
};

static int op_lookup(const char *s, size_t len)
{
    for (int i = 0; i < OP_COUNT; i++)
        if (strlen(op_names[i]) == len && memcmp(op_names[i], s, len) == 0) return i;
    return -1;
}

/* Is an AttributeValue of type t allowed with op? */
static bool op_takes(legacy_op_t op, value_type_t t)
{
    bool scalar = t == VALUE_S || t == VALUE_N || t == VALUE_B;
    switch (op) {
    case OP_EQ:
    case OP_NE: return true;
    case OP_LE:
    case OP_LT:
    case OP_GE:
    case OP_GT:
    case OP_IN:
    case OP_BETWEEN: return scalar;
    case OP_BEGINS_WITH: return t == VALUE_S || t == VALUE_B;
    case OP_CONTAINS:
    case OP_NOT_CONTAINS: return scalar || t == VALUE_BOOL || t == VALUE_NULL;
    default: return false;
    }
}

static bool count_ok(legacy_op_t op, size_t n)
{
    switch (op) {
    case OP_NULL:
    case OP_NOT_NULL: return n == 0;
    case OP_IN: return n >= 1;
    case OP_BETWEEN: return n == 2;
    default: return n == 1;
    }
}

/* The service's checks of a ComparisonOperator's AttributeValueList, in its
 * order: how many values, then value by value whether the operator takes
 * its type and whether it has the first value's type, then the order of
 * BETWEEN's bounds. */
static ddb_error_t *check_arguments(arena_t *a, legacy_op_t op, const value_t *values, size_t n)
{
    if (!count_ok(op, n)) return err_expected_argument_count(a, op_names[op]);
    for (size_t i = 0; i < n; i++) {
        if (!op_takes(op, values[i].type))
            return err_expected_operator_type(a, op_names[op], value_type_name(values[i].type));
        if (values[i].type != values[0].type) return err_condition_values_mixed(a);
    }
    if (op == OP_BETWEEN && value_key_compare(&values[0], &values[1]) > 0)
        return err_condition_between_order(a);
    return NULL;
}

static expr_node_t *fn_node(arena_t *a, expr_fn_t fn, expr_node_t *kids)
{
    return op_node(a, NODE_FUNC, fn, kids);
}

static expr_node_t *comparison(arena_t *a, legacy_op_t op, expr_node_t *path, value_t *values,
                               size_t count)
{
    expr_node_t *head = NULL, **tail = &head;
    for (size_t i = 0; i < count; i++) {
        *tail = value_node(a, &values[i]);
        tail = &(*tail)->next;
    }
    static const int cmp[] = {[OP_EQ] = CMP_EQ, [OP_NE] = CMP_NE, [OP_LE] = CMP_LE,
                              [OP_LT] = CMP_LT, [OP_GE] = CMP_GE, [OP_GT] = CMP_GT};
    switch (op) {
    case OP_EQ:
    case OP_NE:
    case OP_LE:
    case OP_LT:
    case OP_GE:
    case OP_GT: path->next = head; return op_node(a, NODE_CMP, cmp[op], path);
    case OP_NOT_NULL: return fn_node(a, FN_ATTRIBUTE_EXISTS, path);
    case OP_NULL: return fn_node(a, FN_ATTRIBUTE_NOT_EXISTS, path);
    case OP_CONTAINS: path->next = head; return fn_node(a, FN_CONTAINS, path);
    case OP_NOT_CONTAINS:
        path->next = head;
        return op_node(a, NODE_NOT, 0, fn_node(a, FN_CONTAINS, path));
    case OP_BEGINS_WITH: path->next = head; return fn_node(a, FN_BEGINS_WITH, path);
    case OP_IN: path->next = head; return op_node(a, NODE_IN, 0, path);
    case OP_BETWEEN: path->next = head; return op_node(a, NODE_BETWEEN, 0, path);
    default: return NULL;
    }
}

/* --- enumerations -------------------------------------------------------------- */

void expr_legacy_check_operators(constraint_list_t *cl, const json_value_t *entries,
                                 const char *path, bool required)
{
    if (!entries || entries->type != JSON_OBJECT) return;
    for (size_t i = 0; i < entries->u.object.count; i++) {
        const json_member_t *m = &entries->u.object.members[i];
        if (m->value->type != JSON_OBJECT) continue; /* a type error, reported later */
        const json_value_t *op = json_object_get(m->value, "ComparisonOperator");
        if (op && op->type == JSON_NULL) op = NULL;
        if (op && op->type != JSON_STRING) continue;
        if (!op && !required) continue;
        const char *where = arena_sprintf(cl->arena, "%s.%.*s.member.comparisonOperator", path,
                                          (int)m->key_len, m->key);
        if (constraint_required(cl, op != NULL, "%s", where))
            constraint_enum(cl, wire_c_string(cl->arena, op, NULL), &ENUM_COMPARISON_OPERATOR, "%s",
                            where);
    }
}

void expr_legacy_check_conditional_operator(constraint_list_t *cl, const char *op)
{
    constraint_enum(cl, op, &ENUM_CONDITIONAL_OPERATOR, "conditionalOperator");
}

void expr_legacy_check_actions(constraint_list_t *cl, const json_value_t *updates)
{
    if (!updates || updates->type != JSON_OBJECT) return;
    for (size_t i = 0; i < updates->u.object.count; i++) {
        const json_member_t *m = &updates->u.object.members[i];
        if (m->value->type != JSON_OBJECT) continue;
        const json_value_t *action = json_object_get(m->value, "Action");
        if (!action || action->type != JSON_STRING) continue;
        constraint_enum(cl, wire_c_string(cl->arena, action, NULL), &ENUM_ATTRIBUTE_ACTION,
                        "attributeUpdates.%.*s.member.action", (int)m->key_len, m->key);
    }
}

/* --- Expected and Conditions ----------------------------------------------------- */

/* The values of an AttributeValueList (NULL when absent), deserialised. */
static ddb_error_t *read_values(arena_t *a, const json_value_t *jl, value_t **out, size_t *n)
{
    *n = jl ? jl->u.array.count : 0;
    *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
    for (size_t i = 0; i < *n; i++) {
        ddb_error_t *e = value_from_json(a, jl->u.array.items[i], &(*out)[i]);
        if (e) return e;
    }
    return NULL;
}

/* One Expected entry as a condition node. */
static ddb_error_t *expected_entry(arena_t *a, const char *attr, size_t attr_len,
                                   const json_value_t *j, expr_node_t **out)
{
    ddb_error_t *e = wire_check(a, j, WIRE_STRUCT);
    if (e) return e;
    const char *op_text = NULL;
    size_t op_len = 0;
    bool exists = false;
    bool has_exists = wire_bool(a, j, "Exists", &exists, &e);
    if (!e) wire_string(a, j, "ComparisonOperator", &op_text, &op_len, &e);
    const json_value_t *jv = e ? NULL : wire_container(a, j, "Value", WIRE_STRUCT, &e);
    const json_value_t *jl = e ? NULL : wire_container(a, j, "AttributeValueList", WIRE_LIST, &e);
    if (e) return e;
    /* values first: deserialising them comes before any rule */
    value_t *value = NULL, *list = NULL;
    size_t nlist = 0;
    if (jv) {
        value = arena_alloc(a, sizeof *value);
        if ((e = value_from_json(a, jv, value))) return e;
    }
    if ((e = read_values(a, jl, &list, &nlist))) return e;
    const char *name = arena_strndup(a, attr, attr_len);
    if (value && jl) return err_expected_value_and_list(a, name);
    if (jl && !op_text) return err_expected_list_without_operator(a, name);
    expr_node_t *path = name_node(a, attr, attr_len);
    if (op_text) {
        if (has_exists) return err_expected_exists_and_operator(a, name);
        int op = op_lookup(op_text, op_len);
        if (op < 0) return err_internal(a); /* refused by expr_legacy_check_operators */
        if (!jl && value) {
            list = value;
            nlist = 1;
        }
        if (!jl && !value && op != OP_NULL && op != OP_NOT_NULL)
            return err_expected_operator_without_value(a, op_names[op], name);
        if ((e = check_arguments(a, (legacy_op_t)op, list, nlist))) return e;
        *out = comparison(a, (legacy_op_t)op, path, list, nlist);
        return NULL;
    }
    if (has_exists && !exists) {
        if (value) return err_expected_value_with_exists_false(a, name);
        *out = fn_node(a, FN_ATTRIBUTE_NOT_EXISTS, path);
        return NULL;
    }
    if (!value) return err_expected_value_missing(a, has_exists ? "true" : "null", name);
    path->next = value_node(a, value);
    *out = op_node(a, NODE_CMP, CMP_EQ, path);
    return NULL;
}

/* One Condition (an entry of QueryFilter, ScanFilter or KeyConditions): a
 * ComparisonOperator and its AttributeValueList, nothing else. */
static ddb_error_t *condition_entry(arena_t *a, const json_value_t *j, legacy_op_t *op,
                                    value_t **values, size_t *n)
{
    ddb_error_t *e = wire_check(a, j, WIRE_STRUCT);
    const char *op_text = NULL;
    size_t op_len = 0;
    if (!e) wire_string(a, j, "ComparisonOperator", &op_text, &op_len, &e);
    const json_value_t *jl = e ? NULL : wire_container(a, j, "AttributeValueList", WIRE_LIST, &e);
    if (e || (e = read_values(a, jl, values, n))) return e;
    int found = op_text ? op_lookup(op_text, op_len) : -1;
    if (found < 0) return err_internal(a); /* refused by expr_legacy_check_operators */
    *op = (legacy_op_t)found;
    return check_arguments(a, *op, *values, *n);
}

/* A Condition as a node. */
static ddb_error_t *condition_node(arena_t *a, const char *attr, size_t attr_len,
                                   const json_value_t *j, expr_node_t **out)
{
    legacy_op_t op;
    value_t *values;
    size_t n;
    ddb_error_t *e = condition_entry(a, j, &op, &values, &n);
    if (!e) *out = comparison(a, op, name_node(a, attr, attr_len), values, n);
    return e;
}

typedef ddb_error_t *entry_node_fn(arena_t *a, const char *attr, size_t attr_len,
                                   const json_value_t *j, expr_node_t **out);

/* A map of entries as one condition: joined by AND, or by OR when
 * conditional_operator says so; no entries always hold. */
static ddb_error_t *entries_condition(expr_env_t *env, const json_value_t *entries,
                                      const char *conditional_operator, entry_node_fn *entry,
                                      expr_t **out)
{
    arena_t *a = env->arena;
    ddb_error_t *e = wire_check(a, entries, WIRE_MAP);
    *out = NULL;
    if (e) return e;
    bool any = conditional_operator && strcmp(conditional_operator, "OR") == 0;
    expr_node_t **nodes = arena_alloc(a, (entries->u.object.count + 1) * sizeof *nodes);
    size_t n = 0;
    for (size_t i = 0; i < entries->u.object.count; i++) {
        const json_member_t *m = &entries->u.object.members[i];
        if (m->value->type == JSON_NULL) continue;
        if ((e = entry(a, m->key, m->key_len, m->value, &nodes[n]))) return e;
        n++;
    }
    expr_node_t *root = n ? join_balanced(a, any ? NODE_OR : NODE_AND, nodes, n) : NULL;
    expr_t *x = arena_alloc(a, sizeof *x);
    memset(x, 0, sizeof *x);
    x->kind = EXPR_CONDITION;
    x->legacy = true;
    x->root = root;
    *out = x;
    return NULL;
}

ddb_error_t *expr_from_expected(expr_env_t *env, const json_value_t *expected,
                                const char *conditional_operator, expr_t **out)
{
    return entries_condition(env, expected, conditional_operator, expected_entry, out);
}

ddb_error_t *expr_from_conditions(expr_env_t *env, const json_value_t *conditions,
                                  const char *conditional_operator, expr_t **out)
{
    return entries_condition(env, conditions, conditional_operator, condition_node, out);
}

ddb_error_t *expr_check_key_conditions(expr_env_t *env, const json_value_t *conditions)
{
    arena_t *a = env->arena;
    ddb_error_t *e = wire_check(a, conditions, WIRE_MAP);
    if (e) return e;
    size_t count = 0;
    for (size_t i = 0; i < conditions->u.object.count; i++) {
        legacy_op_t op;
        value_t *values;
        size_t n;
        const json_value_t *j = conditions->u.object.members[i].value;
        if (j->type == JSON_NULL) continue;
        if ((e = condition_entry(a, j, &op, &values, &n))) return e;
        count++;
    }
    return count == 1 || count == 2 ? NULL : err_key_conditions_count(a);
}

/* --- AttributeUpdates --------------------------------------------------------- */

ddb_error_t *expr_from_attribute_updates(expr_env_t *env, const json_value_t *updates, expr_t **out)
{
    arena_t *a = env->arena;
    ddb_error_t *e = wire_check(a, updates, WIRE_MAP);
    *out = NULL;
    if (e) return e;
    size_t count = updates->u.object.count;
    expr_t *x = arena_alloc(a, sizeof *x);
    memset(x, 0, sizeof *x);
    x->kind = EXPR_UPDATE;
    x->legacy = true;
    x->actions = arena_alloc(a, (count ? count : 1) * sizeof *x->actions);
    x->paths = arena_alloc(a, (count ? count : 1) * sizeof *x->paths);
    x->trie = expr_trie_new(a);
    for (size_t i = 0; i < count; i++) {
        const json_member_t *m = &updates->u.object.members[i];
        if (m->value->type == JSON_NULL) continue;
        if ((e = wire_check(a, m->value, WIRE_STRUCT))) return e;
        const char *action = NULL;
        wire_string(a, m->value, "Action", &action, NULL, &e);
        const json_value_t *jv = e ? NULL : wire_container(a, m->value, "Value", WIRE_STRUCT, &e);
        if (e) return e;
        value_t *value = NULL;
        if (jv) {
            value = arena_alloc(a, sizeof *value);
            if ((e = value_from_json(a, jv, value))) return e;
        }
        if (!action) action = "PUT";
        expr_action_t *act = &x->actions[x->nactions];
        memset(act, 0, sizeof *act);
        act->path = name_node(a, m->key, m->key_len);
        if (!value) {
            if (strcmp(action, "DELETE") != 0) return err_attribute_update_without_value(a);
            act->kind = ACT_REMOVE;
        } else if (strcmp(action, "PUT") == 0) {
            act->kind = ACT_LEGACY_PUT;
        } else if (strcmp(action, "DELETE") == 0) {
            if (value->type != VALUE_SS && value->type != VALUE_NS && value->type != VALUE_BS)
                return err_attribute_update_delete_type(a, value_type_name(value->type));
            act->kind = ACT_LEGACY_DELETE;
        } else if (strcmp(action, "ADD") == 0) {
            value_type_t t = value->type;
            if (t != VALUE_N && t != VALUE_SS && t != VALUE_NS && t != VALUE_BS && t != VALUE_L)
                return err_attribute_update_add_type(a, value_type_name(t));
            act->kind = ACT_LEGACY_ADD;
        } else {
            return err_internal(a); /* refused by expr_legacy_check_actions */
        }
        if (value) act->value = value_node(a, value);
        x->paths[x->nactions] = act->path->u.path;
        x->nactions++;
    }
    x->npaths = x->nactions;
    /* last to first, as for expressions; object keys are unique, so names
     * never clash */
    for (size_t i = x->nactions; i-- > 0;) {
        int32_t other;
        expr_trie_insert(a, x->trie, x->paths, (int32_t)i, &other);
    }
    *out = x;
    return NULL;
}

/* --- AttributesToGet ------------------------------------------------------------ */

ddb_error_t *expr_from_attributes_to_get(expr_env_t *env, const json_value_t *names, expr_t **out)
{
    arena_t *a = env->arena;
    ddb_error_t *e = wire_check(a, names, WIRE_LIST);
    *out = NULL;
    if (e) return e;
    size_t count = names->u.array.count;
    expr_t *x = arena_alloc(a, sizeof *x);
    memset(x, 0, sizeof *x);
    x->kind = EXPR_PROJECTION;
    x->legacy = true;
    x->paths = arena_alloc(a, (count ? count : 1) * sizeof *x->paths);
    for (size_t i = 0; i < count; i++)
        if ((e = wire_check(a, names->u.array.items[i], WIRE_STRING))) return e;
    size_t repeat = wire_first_repeat(a, names);
    if (repeat != SIZE_MAX)
        return err_attributes_to_get_duplicate(a, names->u.array.items[repeat]->u.str.ptr);
    for (size_t i = 0; i < count; i++) {
        const json_value_t *j = names->u.array.items[i];
        x->paths[x->npaths++] = name_node(a, j->u.str.ptr, j->u.str.len)->u.path;
    }
    *out = x;
    return NULL;
}
