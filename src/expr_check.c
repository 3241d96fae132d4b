/* expr_check: everything the service checks about an expression after its
 * syntax, in the service's order, and the placeholder maps.
 *
 * Order (the first problem found is the one reported):
 *   1. empty text, text longer than 4 KB
 *   2. syntax and redundant parentheses (expr_parse.c)
 *   3. in the order the expression is written: reserved words used as names,
 *      list indexes beyond 2^31-1, unknown functions, functions where their
 *      kind of expression or position does not allow them, a second SET /
 *      REMOVE / ADD / DELETE section (reported when it ends)
 *   4. validation, operands before their operator: path depth and #names,
 *      :values, operand counts, operand types known from the text, a path
 *      compared with itself, document path operands, attribute_type names,
 *      BETWEEN bounds, IN sizes, the operator count.  An update's actions
 *      and a projection's paths are taken last to first, as the service
 *      does; an update checks all its target paths (and their overlaps)
 *      before its values.
 * Unused placeholders are checked once per request (expr_env_check_unused).
 */
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"
#include "wire.h"

const char *expr_kind_name(expr_kind_t kind)
{
    switch (kind) {
    case EXPR_CONDITION: return "ConditionExpression";
    case EXPR_FILTER: return "FilterExpression";
    case EXPR_KEY_CONDITION: return "KeyConditionExpression";
    case EXPR_PROJECTION: return "ProjectionExpression";
    case EXPR_UPDATE: return "UpdateExpression";
    }
    return "Expression";
}

/* --- placeholder maps ------------------------------------------------------ */

static const char names_member[] = "ExpressionAttributeNames";
static const char values_member[] = "ExpressionAttributeValues";

static int key_compare(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen) return alen < blen ? -1 : 1;
    return memcmp(a, b, alen);
}

/* Index placeholders by key for binary search (insertion sort: these maps
 * are small, and qsort would need the base pointer in a global). */
static uint32_t *sort_keys(arena_t *a, const expr_placeholder_t *p, size_t count)
{
    uint32_t *idx = arena_alloc(a, (count ? count : 1) * sizeof *idx);
    for (size_t i = 0; i < count; i++) {
        size_t j = i;
        while (j > 0 &&
               key_compare(p[idx[j - 1]].key, p[idx[j - 1]].key_len, p[i].key, p[i].key_len) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = (uint32_t)i;
    }
    return idx;
}

static expr_placeholder_t *find(expr_placeholder_t *p, const uint32_t *idx, size_t count,
                                const char *key, size_t len)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        expr_placeholder_t *e = &p[idx[mid]];
        int c = key_compare(key, len, e->key, e->key_len);
        if (c == 0) return e;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

expr_placeholder_t *expr_env_find_name(expr_env_t *env, const char *key, size_t len)
{
    if (!env->p) return NULL;
    return find(env->p->names, env->p->names_sorted, env->p->nnames, key, len);
}

expr_placeholder_t *expr_env_find_value(expr_env_t *env, const char *key, size_t len)
{
    if (!env->p) return NULL;
    return find(env->p->values, env->p->values_sorted, env->p->nvalues, key, len);
}

/* "#" or ":" then one or more of [A-Za-z0-9_]. */
static bool placeholder_key_ok(const char *k, size_t len, char sigil)
{
    if (len < 2 || k[0] != sigil) return false;
    for (size_t i = 1; i < len; i++) {
        unsigned char c = (unsigned char)k[i];
        if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9') && c != '_')
            return false;
    }
    return true;
}

static ddb_error_t *check_keys(arena_t *a, const json_value_t *map, const char *member, char sigil)
{
    for (size_t i = 0; i < map->u.object.count; i++) {
        const json_member_t *m = &map->u.object.members[i];
        if (m->key_len == 0) return err_expr_map_key_empty(a, member);
        if (m->key_len > EXPR_MAX_KEY_LENGTH)
            return err_expr_map_key_too_long(a, member, sigil == '#' ? m->key_len : 0);
        if (!placeholder_key_ok(m->key, m->key_len, sigil))
            return err_expr_map_key_syntax(a, member, m->key, m->key_len);
    }
    return NULL;
}

ddb_error_t *expr_env_init(expr_env_t *env, arena_t *a, const json_value_t *names,
                           const json_value_t *values)
{
    ddb_error_t *e;
    env->arena = a;
    env->p = arena_alloc(a, sizeof *env->p);
    memset(env->p, 0, sizeof *env->p);
    expr_env_private_t *p = env->p;
    if (names && names->type == JSON_NULL) names = NULL;
    if (values && values->type == JSON_NULL) values = NULL;
    if (names) {
        if ((e = wire_check(a, names, WIRE_MAP))) return e;
        if (names->u.object.count == 0) return err_expr_map_empty(a, names_member);
        if ((e = check_keys(a, names, names_member, '#'))) return e;
        p->names = arena_alloc(a, names->u.object.count * sizeof *p->names);
        for (size_t i = 0; i < names->u.object.count; i++) {
            const json_member_t *m = &names->u.object.members[i];
            if (m->value->type == JSON_NULL) continue; /* absent */
            if ((e = wire_check(a, m->value, WIRE_STRING))) return e;
            if (m->value->u.str.len == 0) return err_expr_name_empty(a, m->key, m->key_len);
            expr_placeholder_t *ph = &p->names[p->nnames++];
            memset(ph, 0, sizeof *ph);
            ph->key = m->key;
            ph->key_len = m->key_len;
            ph->name = m->value->u.str.ptr;
            ph->name_len = m->value->u.str.len;
        }
        p->names_sorted = sort_keys(a, p->names, p->nnames);
    }
    if (values) {
        if ((e = wire_check(a, values, WIRE_MAP))) return e;
        if (values->u.object.count == 0) return err_expr_map_empty(a, values_member);
        if ((e = check_keys(a, values, values_member, ':'))) return e;
        p->values = arena_alloc(a, values->u.object.count * sizeof *p->values);
        for (size_t i = 0; i < values->u.object.count; i++) {
            const json_member_t *m = &values->u.object.members[i];
            if (m->value->type == JSON_NULL) continue;
            expr_placeholder_t *ph = &p->values[p->nvalues];
            memset(ph, 0, sizeof *ph);
            ph->key = m->key;
            ph->key_len = m->key_len;
            if ((e = value_from_json(a, m->value, &ph->value))) {
                if (e->kind != ERR_VALIDATION || !e->message) return e;
                return err_expr_value_invalid(a, e->message, m->key, m->key_len);
            }
            p->nvalues++;
        }
        p->values_sorted = sort_keys(a, p->values, p->nvalues);
    }
    return NULL;
}

static ddb_error_t *unused(arena_t *a, const expr_placeholder_t *p, size_t count,
                           const char *member)
{
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; i < count; i++) {
        if (p[i].used) continue;
        if (b.len) buf_append_str(&b, ", ");
        buf_append(&b, p[i].key, p[i].key_len);
    }
    ddb_error_t *e = NULL;
    if (b.len) {
        buf_putc(&b, '\0');
        e = err_expr_unused(a, member, b.data);
    }
    buf_free(&b);
    return e;
}

ddb_error_t *expr_env_check_unused(expr_env_t *env)
{
    if (!env->p) return NULL;
    ddb_error_t *e = unused(env->arena, env->p->names, env->p->nnames, names_member);
    if (!e) e = unused(env->arena, env->p->values, env->p->nvalues, values_member);
    return e;
}

/* --- shared node facts ------------------------------------------------------- */

static const char *const function_names[] = {
    [FN_UNKNOWN] = "",
    [FN_ATTRIBUTE_EXISTS] = "attribute_exists",
    [FN_ATTRIBUTE_NOT_EXISTS] = "attribute_not_exists",
    [FN_ATTRIBUTE_TYPE] = "attribute_type",
    [FN_BEGINS_WITH] = "begins_with",
    [FN_CONTAINS] = "contains",
    [FN_SIZE] = "size",
    [FN_IF_NOT_EXISTS] = "if_not_exists",
    [FN_LIST_APPEND] = "list_append",
};

static const char *operator_name(const expr_node_t *n)
{
    static const char *const cmp[] = {"=", "<>", "<", "<=", ">", ">="};
    switch (n->kind) {
    case NODE_FUNC: return function_names[n->op];
    case NODE_CMP: return cmp[n->op];
    case NODE_BETWEEN: return "BETWEEN";
    case NODE_IN: return "IN";
    case NODE_AND: return "AND";
    case NODE_OR: return "OR";
    case NODE_NOT: return "NOT";
    case NODE_ARITH: return n->op == ARITH_PLUS ? "+" : "-";
    }
    return "";
}

#define TYPES_ORDERED (TYPEBIT(VALUE_S) | TYPEBIT(VALUE_N) | TYPEBIT(VALUE_B))
#define TYPES_ITERABLE                                                                             \
    (TYPEBIT(VALUE_S) | TYPEBIT(VALUE_B) | TYPEBIT(VALUE_SS) | TYPEBIT(VALUE_NS) |                 \
     TYPEBIT(VALUE_BS) | TYPEBIT(VALUE_L) | TYPEBIT(VALUE_M))

unsigned expr_node_types(const expr_node_t *n)
{
    switch (n->kind) {
    case NODE_PATH: return TYPES_ALL;
    case NODE_VALUE: return n->u.value ? TYPEBIT(n->u.value->type) : TYPES_ALL;
    case NODE_FUNC:
        switch (n->op) {
        case FN_SIZE: return TYPEBIT(VALUE_N);
        case FN_IF_NOT_EXISTS: return TYPES_ALL;
        case FN_LIST_APPEND: return TYPEBIT(VALUE_L);
        default: return TYPEBIT(VALUE_BOOL);
        }
    case NODE_ARITH: return TYPEBIT(VALUE_N);
    default: return TYPEBIT(VALUE_BOOL);
    }
}

/* The operand types an operator accepts. */
static unsigned operand_types(const expr_node_t *n)
{
    switch (n->kind) {
    case NODE_CMP: return n->op == CMP_EQ || n->op == CMP_NE ? TYPES_ALL : TYPES_ORDERED;
    case NODE_BETWEEN: return TYPES_ORDERED;
    case NODE_IN: return TYPES_ALL;
    case NODE_ARITH: return TYPEBIT(VALUE_N);
    case NODE_FUNC:
        switch (n->op) {
        case FN_BEGINS_WITH: return TYPEBIT(VALUE_S) | TYPEBIT(VALUE_B);
        case FN_SIZE: return TYPES_ITERABLE;
        case FN_LIST_APPEND: return TYPEBIT(VALUE_L);
        default: return TYPES_ALL;
        }
    default: return TYPEBIT(VALUE_BOOL);
    }
}

/* How the service spells a node's possible types in "operand type: ...". */
static const char *types_text(unsigned types)
{
    for (int t = VALUE_S; t <= VALUE_BS; t++)
        if (types == TYPEBIT(t)) return value_type_name((value_type_t)t);
    return "{SS,M,DECIMAL,DOUBLESET,HDS,N,B,DICT,INTSET,BOOL,HD,BS,INT,DECIMALSET,NULL,FLOAT,"
           "FS,S,L,NS,DOUBLE}";
}

static const char valid_type_names[] = "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}";

/* "[a, b, [1]]" */
static char *path_text(arena_t *a, const expr_path_t *path)
{
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '[');
    for (size_t i = 0; i < path->count; i++) {
        const expr_path_step_t *s = &path->steps[i];
        if (i) buf_append_str(&b, ", ");
        if (s->is_index)
            buf_printf(&b, "[%zu]", s->index);
        else
            buf_append(&b, s->name, s->name_len);
    }
    buf_putc(&b, ']');
    char *text = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return text;
}

/* "AttributeValue: {N:5}" as the service prints a BETWEEN bound. */
static char *bound_text(arena_t *a, const value_t *v)
{
    if (v->type == VALUE_N) {
        char num[NUMBER_MAX_TEXT];
        number_format(&v->u.n, num);
        return arena_sprintf(a, "AttributeValue: {N:%s}", num);
    }
    if (v->type == VALUE_B)
        return arena_sprintf(a,
                             "AttributeValue: {B:java.nio.HeapByteBuffer[pos=0 lim=%zu cap=%zu]}",
                             v->u.bytes.len, v->u.bytes.len);
    return arena_sprintf(a, "AttributeValue: {%s:%.*s}", value_type_name(v->type),
                         (int)v->u.bytes.len, v->u.bytes.ptr);
}

static bool path_equal(const expr_path_t *x, const expr_path_t *y)
{
    if (x->count != y->count) return false;
    for (size_t i = 0; i < x->count; i++) {
        const expr_path_step_t *a = &x->steps[i], *b = &y->steps[i];
        if (a->is_index != b->is_index) return false;
        if (a->is_index ? a->index != b->index
                        : a->name_len != b->name_len || memcmp(a->name, b->name, a->name_len))
            return false;
    }
    return true;
}

/* --- step 3: the translate walk -------------------------------------------- */

typedef struct {
    arena_t *a;
    expr_env_t *env;
    expr_t *e;
    const char *kind; /* "ConditionExpression"... */
    size_t operators;
} check_t;

static bool is_update_function(int fn) { return fn == FN_IF_NOT_EXISTS || fn == FN_LIST_APPEND; }

static ddb_error_t *translate_path(check_t *c, const expr_node_t *n)
{
    const expr_token_t *t = c->e->toks;
    size_t i = n->tok;
    for (size_t s = 0; s < n->u.path.count; s++) {
        if (s > 0) i += t[i].kind == TOK_LBRACKET ? 0 : 1; /* past '.' */
        if (t[i].kind == TOK_LBRACKET) {
            const expr_token_t *index = &t[i + 1];
            if (n->u.path.steps[s].index == SIZE_MAX)
                return err_expr_list_index(c->a, c->kind, c->e->text + index->start, index->len);
            i += 3;
            continue;
        }
        if (t[i].kind == TOK_ID && expr_reserved_word(c->e->text + t[i].start, t[i].len))
            return err_expr_reserved_word(c->a, c->kind, c->e->text + t[i].start, t[i].len);
        i++;
    }
    return NULL;
}

/* nesting: inside how many comparisons, functions and arithmetic operators
 * the node sits (the service's rule for where a function may appear). */
static ddb_error_t *translate(check_t *c, const expr_node_t *n, unsigned nesting)
{
    ddb_error_t *err;
    unsigned inner = nesting;
    switch (n->kind) {
    case NODE_PATH: return translate_path(c, n);
    case NODE_VALUE: return NULL;
    case NODE_FUNC: {
        const char *name = function_names[n->op];
        if (n->op == FN_UNKNOWN) {
            const expr_token_t *t = &c->e->toks[n->tok];
            return err_expr_function_name(c->a, c->kind, c->e->text + t->start, t->len);
        }
        if (c->e->kind == EXPR_UPDATE) {
            if (!is_update_function(n->op))
                return err_expr_function_not_in_update(c->a, c->kind, name);
            if (nesting > 0 && n->op != FN_IF_NOT_EXISTS)
                return err_expr_function_context(c->a, c->kind, name);
        } else {
            if (is_update_function(n->op))
                return err_expr_function_not_in_condition(c->a, c->kind, name);
            if ((nesting == 0) == (n->op == FN_SIZE))
                return err_expr_function_context(c->a, c->kind, name);
        }
        inner = nesting + 1;
        break;
    }
    case NODE_CMP:
    case NODE_BETWEEN:
    case NODE_IN:
    case NODE_ARITH: inner = nesting + 1; break;
    default: break;
    }
    for (const expr_node_t *k = n->kids; k; k = k->next)
        if ((err = translate(c, k, inner))) return err;
    return NULL;
}

static const char *const section_names[] = {
    [ACT_SET] = "SET", [ACT_REMOVE] = "REMOVE", [ACT_ADD] = "ADD", [ACT_DELETE] = "DELETE"};

static ddb_error_t *translate_update(check_t *c)
{
    bool seen[4] = {false, false, false, false};
    ddb_error_t *err;
    size_t i = 0;
    while (i < c->e->nactions) {
        const expr_action_t *first = &c->e->actions[i];
        for (; i < c->e->nactions && c->e->actions[i].section == first->section; i++) {
            const expr_action_t *act = &c->e->actions[i];
            if ((err = translate_path(c, act->path))) return err;
            if (act->value && (err = translate(c, act->value, 0))) return err;
        }
        if (seen[first->kind])
            return err_expr_duplicate_section(c->a, c->kind, section_names[first->kind]);
        seen[first->kind] = true;
    }
    return NULL;
}

/* --- step 4: validation -------------------------------------------------------- */

static ddb_error_t *validate_path(check_t *c, expr_node_t *n)
{
    expr_path_t *path = &n->u.path;
    if (path->count > EXPR_MAX_PATH_DEPTH)
        return err_expr_path_too_deep(c->a, c->kind, path->count);
    for (size_t s = 0; s < path->count; s++) {
        expr_path_step_t *step = &path->steps[s];
        if (step->is_index || !step->index) continue;
        expr_placeholder_t *ph = expr_env_find_name(c->env, step->name, step->name_len);
        if (!ph) return err_expr_name_undefined(c->a, c->kind, step->name, step->name_len);
        ph->used = true;
        step->name = ph->name;
        step->name_len = ph->name_len;
        step->index = 0;
    }
    return NULL;
}

static ddb_error_t *validate_value(check_t *c, expr_node_t *n)
{
    const expr_token_t *t = &c->e->toks[n->tok];
    const char *key = c->e->text + t->start;
    expr_placeholder_t *ph = expr_env_find_value(c->env, key, t->len);
    if (!ph) return err_expr_value_undefined(c->a, c->kind, key, t->len);
    ph->used = true;
    n->u.value = &ph->value;
    return NULL;
}

static size_t required_operands(const expr_node_t *n)
{
    switch (n->kind) {
    case NODE_FUNC:
        switch (n->op) {
        case FN_ATTRIBUTE_EXISTS:
        case FN_ATTRIBUTE_NOT_EXISTS:
        case FN_SIZE: return 1;
        default: return 2;
        }
    case NODE_BETWEEN: return 3;
    case NODE_NOT: return 1;
    case NODE_IN: return n->nkids; /* any number */
    default: return 2;
    }
}

/* Operators whose first operand, when a path, may not be repeated. */
static bool checks_distinct(const expr_node_t *n)
{
    switch (n->kind) {
    case NODE_CMP:
    case NODE_BETWEEN:
    case NODE_IN: return true;
    case NODE_FUNC: return n->op != FN_LIST_APPEND;
    default: return false;
    }
}

static ddb_error_t *validate_operator(check_t *c, const expr_node_t *n)
{
    const char *op = operator_name(n);
    if (n->nkids != required_operands(n))
        return err_expr_operand_count(c->a, c->kind, op, n->nkids);
    unsigned want = operand_types(n);
    for (const expr_node_t *k = n->kids; k; k = k->next) {
        unsigned have = expr_node_types(k);
        if (!(have & want)) return err_expr_operand_type(c->a, c->kind, op, types_text(have));
    }
    if (checks_distinct(n) && n->nkids > 1 && n->kids->kind == NODE_PATH) {
        for (const expr_node_t *k = n->kids->next; k; k = k->next)
            if (k->kind == NODE_PATH && path_equal(&n->kids->u.path, &k->u.path))
                return err_expr_operands_not_distinct(c->a, c->kind, op,
                                                      path_text(c->a, &n->kids->u.path));
    }
    switch (n->kind) {
    case NODE_FUNC:
        if ((n->op == FN_ATTRIBUTE_EXISTS || n->op == FN_ATTRIBUTE_NOT_EXISTS ||
             n->op == FN_IF_NOT_EXISTS) &&
            n->kids->kind != NODE_PATH)
            return err_expr_requires_path(c->a, c->kind, op);
        if (n->op == FN_ATTRIBUTE_TYPE) {
            const expr_node_t *t = n->kids->next;
            if (t->kind != NODE_VALUE || t->u.value->type != VALUE_S)
                return err_expr_operand_type(c->a, c->kind, op, types_text(expr_node_types(t)));
            static const char *const types[] = {"S", "N", "B",  "BOOL", "NULL",
                                                "M", "L", "SS", "NS",   "BS"};
            const value_t *v = t->u.value;
            bool ok = false;
            for (size_t i = 0; i < sizeof types / sizeof types[0] && !ok; i++)
                ok = strlen(types[i]) == v->u.bytes.len &&
                     memcmp(types[i], v->u.bytes.ptr, v->u.bytes.len) == 0;
            if (!ok)
                return err_expr_type_name(c->a, c->kind, v->u.bytes.ptr, v->u.bytes.len,
                                          valid_type_names);
        }
        break;
    case NODE_BETWEEN: {
        const expr_node_t *lo = n->kids->next, *hi = lo->next;
        if (lo->kind == NODE_VALUE && hi->kind == NODE_VALUE) {
            const value_t *l = lo->u.value, *h = hi->u.value;
            if (l->type != h->type)
                return err_expr_between_types(c->a, c->kind, bound_text(c->a, l),
                                              bound_text(c->a, h));
            if (expr_value_order(l, h) > 0)
                return err_expr_between_order(c->a, c->kind, bound_text(c->a, l),
                                              bound_text(c->a, h));
        }
        break;
    }
    case NODE_IN:
        if (n->nkids - 1 > EXPR_MAX_IN_OPERANDS)
            return err_expr_in_too_many(c->a, c->kind, n->nkids - 1);
        break;
    default: break;
    }
    return NULL;
}

static ddb_error_t *validate(check_t *c, expr_node_t *n)
{
    ddb_error_t *err;
    if (n->kind == NODE_PATH) return validate_path(c, n);
    if (n->kind == NODE_VALUE) return validate_value(c, n);
    for (expr_node_t *k = n->kids; k; k = k->next)
        if ((err = validate(c, k))) return err;
    if ((err = validate_operator(c, n))) return err;
    if (++c->operators > EXPR_MAX_OPERATORS)
        return err_expr_too_many_operators(c->a, c->kind, c->operators);
    return NULL;
}

/* --- path tries ------------------------------------------------------------------ */

expr_trie_t *expr_trie_new(arena_t *a)
{
    expr_trie_t *t = arena_alloc(a, sizeof *t);
    memset(t, 0, sizeof *t);
    t->end = t->last = -1;
    return t;
}

static bool step_equal(const expr_path_step_t *a, const expr_path_step_t *b)
{
    if (a->is_index != b->is_index) return false;
    if (a->is_index) return a->index == b->index;
    return a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0;
}

#define TRIE_HASH_FROM 8 /* name children before they are hashed */

static void trie_slot_put(expr_trie_t *node, expr_trie_t *child)
{
    uint32_t i = wire_name_hash(child->step->name, child->step->name_len) & (node->nslots - 1);
    while (node->slots[i])
        i = (i + 1) & (node->nslots - 1);
    node->slots[i] = child;
}

const expr_trie_t *expr_trie_find_name(const expr_trie_t *node, const char *name, size_t len)
{
    if (node->slots) {
        uint32_t i = wire_name_hash(name, len) & (node->nslots - 1);
        for (const expr_trie_t *k; (k = node->slots[i]); i = (i + 1) & (node->nslots - 1))
            if (k->step->name_len == len && memcmp(k->step->name, name, len) == 0) return k;
        return NULL;
    }
    for (const expr_trie_t *k = node->kids; k; k = k->next)
        if (!k->step->is_index && k->step->name_len == len && memcmp(k->step->name, name, len) == 0)
            return k;
    return NULL;
}

static expr_trie_t *trie_child(expr_trie_t *node, const expr_path_step_t *step)
{
    if (!step->is_index) return (expr_trie_t *)expr_trie_find_name(node, step->name, step->name_len);
    for (expr_trie_t *k = node->kids; k; k = k->next)
        if (step_equal(k->step, step)) return k;
    return NULL;
}

static void trie_add_child(arena_t *a, expr_trie_t *node, expr_trie_t *child)
{
    /* list indexes in ascending order; names newest first (paths are
     * inserted last to first, so names end up in text order) */
    expr_trie_t **at = &node->kids;
    if (child->step->is_index)
        while (*at && (*at)->step->index < child->step->index)
            at = &(*at)->next;
    child->next = *at;
    *at = child;
    if (child->step->is_index || ++node->nnames < TRIE_HASH_FROM) return;
    if (node->nnames * 2 <= node->nslots) {
        trie_slot_put(node, child);
        return;
    }
    node->nslots = node->nslots ? node->nslots * 2 : 4 * TRIE_HASH_FROM;
    node->slots = arena_calloc(a, node->nslots * sizeof *node->slots);
    for (expr_trie_t *k = node->kids; k; k = k->next)
        trie_slot_put(node, k);
}

expr_trie_status_t expr_trie_insert(arena_t *a, expr_trie_t *root, const expr_path_t *paths,
                                    int32_t i, int32_t *other)
{
    const expr_path_t *path = &paths[i];
    expr_trie_t *node = root;
    size_t s = 0;
    for (; s < path->count; s++) {
        expr_trie_t *child = trie_child(node, &path->steps[s]);
        if (!child) break;
        node = child;
        if (node->end >= 0) { /* a path already inserted ends on the way */
            *other = node->end;
            return TRIE_OVERLAP;
        }
    }
    if (s == path->count) { /* ends where inserted paths go on */
        *other = node->last;
        return TRIE_OVERLAP;
    }
    if (node->kids && node->kids->step->is_index != path->steps[s].is_index) {
        *other = node->kids->last;
        return TRIE_CONFLICT;
    }
    /* mark the existing part, then grow the new branch */
    expr_trie_t *t = root;
    root->last = i;
    for (size_t k = 0; k < s; k++) {
        t = trie_child(t, &path->steps[k]);
        t->last = i;
    }
    for (; s < path->count; s++) {
        expr_trie_t *child = expr_trie_new(a);
        child->step = &path->steps[s];
        child->last = i;
        trie_add_child(a, t, child);
        t = child;
    }
    t->end = i;
    return TRIE_OK;
}

expr_trie_t *expr_trie_build_loose(arena_t *a, const expr_path_t *paths, size_t count)
{
    expr_trie_t *root = expr_trie_new(a);
    for (size_t i = 0; i < count; i++) {
        expr_trie_t *node = root;
        bool covered = false;
        for (size_t s = 0; s < paths[i].count && !covered; s++) {
            expr_trie_t *child = trie_child(node, &paths[i].steps[s]);
            if (!child) {
                /* a list index under a map (or the reverse) can never match:
                 * keep whichever kind came first */
                if (node->kids && node->kids->step->is_index != paths[i].steps[s].is_index) {
                    covered = true;
                    break;
                }
                child = expr_trie_new(a);
                child->step = &paths[i].steps[s];
                trie_add_child(a, node, child);
            }
            node = child;
            covered = node->end >= 0; /* a shorter path already takes it all */
        }
        if (!covered) {
            node->end = (int32_t)i;
            node->kids = NULL; /* the whole value is taken */
            node->slots = NULL;
            node->nslots = node->nnames = 0;
        }
    }
    return root;
}

static ddb_error_t *trie_error(check_t *c, expr_trie_status_t st, const expr_path_t *one,
                               const expr_path_t *two)
{
    char *a = path_text(c->a, one), *b = path_text(c->a, two);
    return st == TRIE_OVERLAP ? err_expr_paths_overlap(c->a, c->kind, a, b)
                              : err_expr_paths_conflict(c->a, c->kind, a, b);
}

/* --- the entry points ------------------------------------------------------------- */

static ddb_error_t *check_update(check_t *c)
{
    expr_t *e = c->e;
    ddb_error_t *err;
    if ((err = translate_update(c))) return err;
    e->npaths = e->nactions;
    e->paths = arena_alloc(c->a, e->nactions * sizeof *e->paths);
    e->trie = expr_trie_new(c->a);
    for (size_t i = e->nactions; i-- > 0;) {
        if ((err = validate_path(c, e->actions[i].path))) return err;
        e->paths[i] = e->actions[i].path->u.path;
        int32_t other;
        expr_trie_status_t st = expr_trie_insert(c->a, e->trie, e->paths, (int32_t)i, &other);
        if (st != TRIE_OK) return trie_error(c, st, &e->paths[i], &e->paths[other]);
    }
    for (size_t i = e->nactions; i-- > 0;) {
        expr_action_t *act = &e->actions[i];
        if (!act->value) continue;
        if ((err = validate(c, act->value))) return err;
        if (act->kind != ACT_ADD && act->kind != ACT_DELETE) continue;
        static const char *const long_names[] = {
            [VALUE_S] = "STRING",      [VALUE_N] = "NUMBER",      [VALUE_B] = "BINARY",
            [VALUE_BOOL] = "BOOLEAN",  [VALUE_NULL] = "NULL",     [VALUE_M] = "MAP",
            [VALUE_L] = "LIST",        [VALUE_SS] = "STRING_SET", [VALUE_NS] = "NUMBER_SET",
            [VALUE_BS] = "BINARY_SET",
        };
        value_type_t t = act->value->u.value->type;
        bool set = t == VALUE_SS || t == VALUE_NS || t == VALUE_BS;
        if (act->kind == ACT_ADD && !set && t != VALUE_N)
            return err_expr_action_operand_type(c->a, c->kind, "ADD", long_names[t],
                                                "ALLOWED_FOR_ADD_OPERAND");
        if (act->kind == ACT_DELETE && !set)
            return err_expr_action_operand_type(c->a, c->kind, "DELETE", long_names[t],
                                                "ALLOWED_FOR_DELETE_OPERAND");
    }
    return NULL;
}

static ddb_error_t *check_projection(check_t *c)
{
    expr_t *e = c->e;
    ddb_error_t *err;
    size_t n = 0;
    e->paths = arena_alloc(c->a, e->npaths * sizeof *e->paths);
    expr_node_t **nodes = arena_alloc(c->a, e->npaths * sizeof *nodes);
    for (expr_node_t *p = e->root; p; p = p->next) {
        if ((err = translate_path(c, p))) return err;
        nodes[n++] = p;
    }
    expr_trie_t *trie = expr_trie_new(c->a);
    for (size_t i = n; i-- > 0;) {
        if ((err = validate_path(c, nodes[i]))) return err;
        e->paths[i] = nodes[i]->u.path;
        int32_t other;
        expr_trie_status_t st = expr_trie_insert(c->a, trie, e->paths, (int32_t)i, &other);
        if (st != TRIE_OK) return trie_error(c, st, &e->paths[i], &e->paths[other]);
    }
    return NULL;
}

ddb_error_t *expr_parse(expr_env_t *env, expr_kind_t kind, const char *text, size_t len,
                        expr_t **out)
{
    arena_t *a = env->arena;
    const char *kind_name = expr_kind_name(kind);
    *out = NULL;
    if (len == 0) return err_expr_empty(a, kind_name);
    if (len > EXPR_MAX_LENGTH)
        return err_expr_too_long(a, kind_name,
                                 kind == EXPR_UPDATE || kind == EXPR_PROJECTION ? 0 : len);
    expr_t *e = arena_alloc(a, sizeof *e);
    memset(e, 0, sizeof *e);
    ddb_error_t *err = expr_syntax_parse(a, kind, text, len, e);
    if (err) return err;
    check_t c = {.a = a, .env = env, .e = e, .kind = kind_name};
    switch (kind) {
    case EXPR_UPDATE: err = check_update(&c); break;
    case EXPR_PROJECTION: err = check_projection(&c); break;
    default:
        err = translate(&c, e->root, 0);
        if (!err) err = validate(&c, e->root);
        break;
    }
    if (err) return err;
    *out = e;
    return NULL;
}

size_t expr_paths(const expr_t *e, const expr_path_t **paths)
{
    *paths = e->paths;
    return e->npaths;
}

static size_t collect_terms(const expr_node_t *n, expr_term_t *terms, size_t max, size_t count)
{
    if (n->kind == NODE_AND) {
        count = collect_terms(n->kids, terms, max, count);
        return collect_terms(n->kids->next, terms, max, count);
    }
    if (count < max) {
        expr_term_t *t = &terms[count];
        memset(t, 0, sizeof *t);
        t->op = operator_name(n);
        if (n->kind != NODE_OR && n->kind != NODE_NOT) {
            size_t i = 0;
            for (const expr_node_t *k = n->kids; k; k = k->next, i++) {
                if (i >= 3) continue;
                if (k->kind == NODE_PATH)
                    t->operands[i].path = &k->u.path;
                else if (k->kind == NODE_VALUE)
                    t->operands[i].value = k->u.value;
            }
            t->noperands = n->nkids;
        }
    }
    return count + 1;
}

size_t expr_condition_terms(const expr_t *e, expr_term_t *terms, size_t max)
{
    if (!e->root || e->kind == EXPR_UPDATE || e->kind == EXPR_PROJECTION) return 0;
    return collect_terms(e->root, terms, max, 0);
}

static bool node_mentions(const expr_node_t *n, const char *name, size_t len)
{
    if (n->kind == NODE_PATH) {
        const expr_path_step_t *first = &n->u.path.steps[0];
        return first->name_len == len && memcmp(first->name, name, len) == 0;
    }
    for (const expr_node_t *k = n->kids; k; k = k->next)
        if (node_mentions(k, name, len)) return true;
    return false;
}

bool expr_condition_mentions(const expr_t *e, const char *name)
{
    if (!e->root || e->kind == EXPR_UPDATE || e->kind == EXPR_PROJECTION) return false;
    return node_mentions(e->root, name, strlen(name));
}
