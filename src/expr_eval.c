/* expr_eval: conditions against an item, and projections.
 *
 * The service's semantics: a path that does not resolve is "missing"; an
 * operator whose operand has a type it does not take is false (never an
 * error), except size(), which is then missing itself.  So:
 *   a = b     both present and equal (numbers numerically, sets as sets)
 *   a <> b    not (a = b): true when either side is missing
 *   < <= > >= both S, both N or both B; strings and binaries by unsigned
 *             bytes; anything else is false
 *   BETWEEN   a >= low and a <= high under the same rule
 *   IN        a = any of the list
 *   size      S: bytes of UTF-8, B: bytes, sets: members, L/M: elements
 *   contains  S in S (substring), B in B, member of a set of that type,
 *             element of a list (equality)
 *   begins_with  S prefix of S, B prefix of B
 * Operands live in the item, the placeholders or a per-operand slot on the
 * stack (size results), so evaluation allocates nothing.
 */
#include <string.h>

#include "expr_internal.h"

const value_t *expr_path_lookup(const value_t *item, const expr_path_t *path)
{
    const value_t *v = item;
    for (size_t i = 0; i < path->count && v; i++) {
        const expr_path_step_t *s = &path->steps[i];
        if (s->is_index) {
            if (v->type != VALUE_L || s->index >= v->u.list.count) return NULL;
            v = &v->u.list.items[s->index];
        } else {
            if (v->type != VALUE_M) return NULL;
            v = value_map_get(v, s->name, s->name_len);
        }
    }
    return v;
}

/* --- operands ------------------------------------------------------------- */

typedef struct {
    const value_t *v; /* NULL: missing */
    value_t tmp;
} operand_t;

static void size_of(const value_t *v, operand_t *out)
{
    size_t n;
    switch (v->type) {
    case VALUE_S:
    case VALUE_B: n = v->u.bytes.len; break;
    case VALUE_M: n = v->u.map.count; break;
    case VALUE_L:
    case VALUE_SS:
    case VALUE_NS:
    case VALUE_BS: n = v->u.list.count; break;
    default: out->v = NULL; return; /* N, BOOL, NULL have no size */
    }
    out->tmp.type = VALUE_N;
    number_from_int64((int64_t)n, &out->tmp.u.n);
    out->v = &out->tmp;
}

static void eval_operand(const expr_node_t *n, const value_t *item, operand_t *out)
{
    switch (n->kind) {
    case NODE_PATH: out->v = expr_path_lookup(item, &n->u.path); return;
    case NODE_VALUE: out->v = n->u.value; return;
    case NODE_FUNC:
        if (n->op == FN_SIZE) {
            operand_t arg;
            eval_operand(n->kids, item, &arg);
            if (arg.v)
                size_of(arg.v, out);
            else
                out->v = NULL;
            return;
        }
        break;
    default: break;
    }
    out->v = NULL; /* not an operand the validation lets through */
}

static bool ordered(const value_t *v)
{
    return v->type == VALUE_S || v->type == VALUE_N || v->type == VALUE_B;
}

/* a <op> b for < <= > >=: false unless both are of one ordered type. */
static bool compare(const value_t *a, const value_t *b, int op)
{
    if (!a || !b || a->type != b->type || !ordered(a)) return false;
    int c = value_key_compare(a, b);
    switch (op) {
    case CMP_LT: return c < 0;
    case CMP_LE: return c <= 0;
    case CMP_GT: return c > 0;
    default: return c >= 0;
    }
}

static bool equal(const value_t *a, const value_t *b) { return a && b && value_equal(a, b); }

static bool bytes_contain(const value_t *hay, const value_t *needle)
{
    size_t n = needle->u.bytes.len, h = hay->u.bytes.len;
    if (n == 0) return true;
    if (n > h) return false;
    return memmem(hay->u.bytes.ptr, h, needle->u.bytes.ptr, n) != NULL;
}

static bool contains(const value_t *a, const value_t *b)
{
    if (!a || !b) return false;
    switch (a->type) {
    case VALUE_S:
    case VALUE_B: return b->type == a->type && bytes_contain(a, b);
    case VALUE_L:
        for (size_t i = 0; i < a->u.list.count; i++)
            if (value_equal(&a->u.list.items[i], b)) return true;
        return false;
    case VALUE_SS:
    case VALUE_NS:
    case VALUE_BS:
        if (b->type != (a->type == VALUE_SS ? VALUE_S : a->type == VALUE_NS ? VALUE_N : VALUE_B))
            return false;
        for (size_t i = 0; i < a->u.list.count; i++)
            if (value_key_compare(&a->u.list.items[i], b) == 0) return true;
        return false;
    default: return false;
    }
}

static bool begins_with(const value_t *a, const value_t *b)
{
    if (!a || !b || a->type != b->type || (a->type != VALUE_S && a->type != VALUE_B)) return false;
    return b->u.bytes.len <= a->u.bytes.len &&
           memcmp(a->u.bytes.ptr, b->u.bytes.ptr, b->u.bytes.len) == 0;
}

static bool attribute_type(const value_t *a, const value_t *t)
{
    if (!a || !t || t->type != VALUE_S) return false;
    const char *name = value_type_name(a->type);
    return strlen(name) == t->u.bytes.len && memcmp(name, t->u.bytes.ptr, t->u.bytes.len) == 0;
}

static bool eval_function(const expr_node_t *n, const value_t *item)
{
    operand_t x, y;
    eval_operand(n->kids, item, &x);
    if (n->op == FN_ATTRIBUTE_EXISTS) return x.v != NULL;
    if (n->op == FN_ATTRIBUTE_NOT_EXISTS) return x.v == NULL;
    if (!n->kids->next) return false;
    eval_operand(n->kids->next, item, &y);
    switch (n->op) {
    case FN_ATTRIBUTE_TYPE: return attribute_type(x.v, y.v);
    case FN_BEGINS_WITH: return begins_with(x.v, y.v);
    case FN_CONTAINS: return contains(x.v, y.v);
    default: return false;
    }
}

bool expr_eval_condition_node(const expr_node_t *n, const value_t *item)
{
    operand_t x, y, z;
    switch (n->kind) {
    case NODE_AND:
        return expr_eval_condition_node(n->kids, item) &&
               expr_eval_condition_node(n->kids->next, item);
    case NODE_OR:
        return expr_eval_condition_node(n->kids, item) ||
               expr_eval_condition_node(n->kids->next, item);
    case NODE_NOT: return !expr_eval_condition_node(n->kids, item);
    case NODE_CMP:
        eval_operand(n->kids, item, &x);
        eval_operand(n->kids->next, item, &y);
        if (n->op == CMP_EQ) return equal(x.v, y.v);
        if (n->op == CMP_NE) return !equal(x.v, y.v);
        return compare(x.v, y.v, n->op);
    case NODE_BETWEEN:
        eval_operand(n->kids, item, &x);
        eval_operand(n->kids->next, item, &y);
        eval_operand(n->kids->next->next, item, &z);
        return compare(x.v, y.v, CMP_GE) && compare(x.v, z.v, CMP_LE);
    case NODE_IN:
        eval_operand(n->kids, item, &x);
        if (!x.v) return false;
        for (const expr_node_t *k = n->kids->next; k; k = k->next) {
            eval_operand(k, item, &y);
            if (equal(x.v, y.v)) return true;
        }
        return false;
    case NODE_FUNC: return eval_function(n, item);
    default: return false;
    }
}

static const value_t empty_item = {.type = VALUE_M};

ddb_error_t *expr_condition_eval(expr_env_t *env, const expr_t *e, const value_t *item,
                                 bool *result)
{
    *result = !e->root || expr_eval_condition_node(e->root, item ? item : &empty_item);
    return NULL;
}

/* --- projections ------------------------------------------------------------ */

/* The part of v that node selects, into *out; false if nothing of it. */
static bool project(arena_t *a, const value_t *v, const expr_trie_t *node, value_t *out)
{
    if (node->end >= 0 || !node->kids) {
        *out = *v;
        return true;
    }
    if (node->kids->step->is_index) {
        if (v->type != VALUE_L) return false;
        size_t n = 0;
        for (const expr_trie_t *k = node->kids; k; k = k->next)
            n++;
        value_t *items = arena_alloc(a, n * sizeof *items);
        size_t got = 0;
        for (const expr_trie_t *k = node->kids; k; k = k->next) /* ascending */
            if (k->step->index < v->u.list.count &&
                project(a, &v->u.list.items[k->step->index], k, &items[got]))
                got++;
        if (!got) return false;
        out->type = VALUE_L;
        out->u.list.items = items;
        out->u.list.count = got;
        return true;
    }
    if (v->type != VALUE_M) return false;
    size_t n = 0;
    for (const expr_trie_t *k = node->kids; k; k = k->next)
        n++;
    value_member_t *members = arena_alloc(a, n * sizeof *members);
    size_t got = 0;
    /* in the item's order */
    for (size_t i = 0; i < v->u.map.count; i++) {
        const value_member_t *m = &v->u.map.members[i];
        const expr_trie_t *k = expr_trie_find_name(node, m->name, m->name_len);
        if (!k) continue;
        value_t *pv = arena_alloc(a, sizeof *pv);
        if (project(a, m->value, k, pv)) {
            members[got].name = m->name;
            members[got].name_len = m->name_len;
            members[got].value = pv;
            got++;
        }
    }
    if (!got) return false;
    out->type = VALUE_M;
    out->u.map.members = members;
    out->u.map.count = got;
    return true;
}

void expr_project(arena_t *a, const value_t *item, const expr_path_t *paths, size_t count,
                  value_t *out)
{
    out->type = VALUE_M;
    out->u.map.members = NULL;
    out->u.map.count = 0;
    if (!item || !count) return;
    const expr_trie_t *root = expr_trie_build_loose(a, paths, count);
    if (!root->kids) return;
    value_t v;
    if (project(a, item, root, &v)) *out = v;
}
