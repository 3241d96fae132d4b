/* expr_update: applying an update (expression or AttributeUpdates) to an item.
 *
 * The service's model: the target paths form a tree (they never overlap,
 * the parser saw to that) and the new item is built by walking the old item
 * along it.  Every value on the right of SET is computed from the OLD item,
 * so "SET a = b, b = a" swaps.  Under a list, all indexes refer to the
 * original list: elements are replaced or removed in place, then the list
 * closes up; targets past the end are appended in ascending index order
 * (SET, and ADD of a missing element), so
 *   [a b c d]  REMOVE l[1], l[2]       ->  [a d]
 *   [a b c]    SET l[7] = x, l[5] = y  ->  [a b c y x]
 * A path through something missing, or through a scalar, or a list index
 * under a map (and the reverse), is "invalid for update".
 *
 * Results share unchanged values with the old item: values are never
 * modified in place.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"


typedef struct {
    arena_t *a;
    const expr_t *e;
    const value_t *old; /* the whole old item: SET operands read it */
} update_t;

/* --- SET values ---------------------------------------------------------------- */

/* The value of an update operand; *v NULL when it is a missing path. */
/* The elements of list x followed by those of list y (list_append, and the
 * legacy ADD of a list). */
static value_t *list_concat(arena_t *a, const value_t *x, const value_t *y)
{
    value_t *r = arena_alloc(a, sizeof *r);
    size_t count = x->u.list.count + y->u.list.count;
    r->type = VALUE_L;
    r->u.list.count = count;
    r->u.list.items = arena_alloc(a, (count ? count : 1) * sizeof(value_t));
    if (x->u.list.count) memcpy(r->u.list.items, x->u.list.items, x->u.list.count * sizeof(value_t));
    if (y->u.list.count)
        memcpy(r->u.list.items + x->u.list.count, y->u.list.items,
               y->u.list.count * sizeof(value_t));
    return r;
}

static ddb_error_t *operand(update_t *u, const expr_node_t *n, const value_t **v);

static ddb_error_t *required(update_t *u, const expr_node_t *n, value_type_t type,
                             const value_t **v)
{
    ddb_error_t *err = operand(u, n, v);
    if (err) return err;
    if (!*v) return err_update_missing_operand(u->a);
    if ((*v)->type != type) return err_update_operand_type(u->a);
    return NULL;
}

static ddb_error_t *list_append(update_t *u, const expr_node_t *n, const value_t **v)
{
    const value_t *x, *y;
    ddb_error_t *err;
    if ((err = required(u, n->kids, VALUE_L, &x))) return err;
    if ((err = required(u, n->kids->next, VALUE_L, &y))) return err;
    *v = list_concat(u->a, x, y);
    return NULL;
}

static ddb_error_t *number_result(update_t *u, const number_t *x, const number_t *y, bool plus,
                                  const value_t **v)
{
    value_t *r = arena_alloc(u->a, sizeof *r);
    r->type = VALUE_N;
    number_status_t st = plus ? number_add(x, y, &r->u.n) : number_sub(x, y, &r->u.n);
    if (st != NUMBER_OK) return err_number(u->a, st, NULL, 0);
    *v = r;
    return NULL;
}

static ddb_error_t *operand(update_t *u, const expr_node_t *n, const value_t **v)
{
    ddb_error_t *err;
    switch (n->kind) {
    case NODE_PATH: *v = expr_path_lookup(u->old, &n->u.path); return NULL;
    case NODE_VALUE: *v = n->u.value; return NULL;
    case NODE_ARITH: {
        const value_t *x, *y;
        if ((err = required(u, n->kids, VALUE_N, &x))) return err;
        if ((err = required(u, n->kids->next, VALUE_N, &y))) return err;
        return number_result(u, &x->u.n, &y->u.n, n->op == ARITH_PLUS, v);
    }
    case NODE_FUNC:
        if (n->op == FN_LIST_APPEND) return list_append(u, n, v);
        if (n->op == FN_IF_NOT_EXISTS) {
            const value_t *x, *y;
            if ((err = operand(u, n->kids, &x))) return err;
            if ((err = operand(u, n->kids->next, &y))) return err;
            if (!y) return err_update_missing_operand(u->a);
            *v = x ? x : y;
            return NULL;
        }
        break;
    default: break;
    }
    return err_internal(u->a);
}

/* --- ADD and DELETE ---------------------------------------------------------------- */

static bool is_set(value_type_t t) { return t == VALUE_SS || t == VALUE_NS || t == VALUE_BS; }

static bool set_has(const value_t *set, const value_t *member)
{
    for (size_t i = 0; i < set->u.list.count; i++)
        if (value_key_compare(&set->u.list.items[i], member) == 0) return true;
    return false;
}

static value_t *set_union(arena_t *a, const value_t *x, const value_t *y)
{
    value_t *r = arena_alloc(a, sizeof *r);
    size_t cap = x->u.list.count + y->u.list.count;
    r->type = x->type;
    r->u.list.items = arena_alloc(a, cap * sizeof(value_t));
    memcpy(r->u.list.items, x->u.list.items, x->u.list.count * sizeof(value_t));
    size_t n = x->u.list.count;
    for (size_t i = 0; i < y->u.list.count; i++)
        if (!set_has(x, &y->u.list.items[i])) r->u.list.items[n++] = y->u.list.items[i];
    r->u.list.count = n;
    return r;
}

/* x without y's members; NULL when nothing is left. */
static value_t *set_difference(arena_t *a, const value_t *x, const value_t *y)
{
    value_t *r = arena_alloc(a, sizeof *r);
    r->type = x->type;
    r->u.list.items = arena_alloc(a, (x->u.list.count ? x->u.list.count : 1) * sizeof(value_t));
    size_t n = 0;
    for (size_t i = 0; i < x->u.list.count; i++)
        if (!set_has(y, &x->u.list.items[i])) r->u.list.items[n++] = x->u.list.items[i];
    r->u.list.count = n;
    return n ? r : NULL;
}

/* The new value at a target (NULL: absent) from its old value (NULL: absent). */
static ddb_error_t *action_result(update_t *u, const expr_action_t *act, const value_t *old,
                                  const value_t **v)
{
    const value_t *arg = act->value ? act->value->u.value : NULL;
    *v = NULL;
    switch (act->kind) {
    case ACT_SET: {
        ddb_error_t *err = operand(u, act->value, v);
        if (!err && !*v) err = err_update_missing_operand(u->a);
        return err;
    }
    case ACT_REMOVE: return NULL;
    case ACT_LEGACY_PUT: *v = arg; return NULL;
    case ACT_ADD:
    case ACT_LEGACY_ADD: {
        ddb_error_t *mismatch = act->kind == ACT_ADD ? err_update_operand_type(u->a)
                                                     : err_attribute_update_type_mismatch(u->a);
        if (!old) {
            *v = arg;
            return NULL;
        }
        if (old->type != arg->type) return mismatch;
        if (arg->type == VALUE_N) return number_result(u, &old->u.n, &arg->u.n, true, v);
        if (is_set(arg->type)) {
            *v = set_union(u->a, old, arg);
            return NULL;
        }
        if (arg->type == VALUE_L && act->kind == ACT_LEGACY_ADD) {
            *v = list_concat(u->a, old, arg);
            return NULL;
        }
        return mismatch;
    }
    case ACT_DELETE:
    case ACT_LEGACY_DELETE:
        if (!old) return NULL;
        if (old->type != arg->type)
            return act->kind == ACT_DELETE ? err_update_operand_type(u->a)
                                           : err_attribute_update_type_mismatch(u->a);
        *v = set_difference(u->a, old, arg);
        return NULL;
    }
    return err_internal(u->a);
}

/* --- the walk -------------------------------------------------------------------- */

/* Containers may nest VALUE_MAX_DEPTH deep below a top-level attribute. */
static bool too_deep(const value_t *v, size_t depth)
{
    if (v->type == VALUE_M) {
        if (depth >= VALUE_MAX_DEPTH) return true;
        for (size_t i = 0; i < v->u.map.count; i++)
            if (too_deep(v->u.map.members[i].value, depth + 1)) return true;
    } else if (v->type == VALUE_L) {
        if (depth >= VALUE_MAX_DEPTH) return true;
        for (size_t i = 0; i < v->u.list.count; i++)
            if (too_deep(&v->u.list.items[i], depth + 1)) return true;
    }
    return false;
}

static ddb_error_t *rebuild(update_t *u, const value_t *old, const expr_trie_t *node, size_t depth,
                            const value_t **out);

/* The new value below trie node `k` (a child of a container at `depth`). */
static ddb_error_t *child_result(update_t *u, const value_t *old, const expr_trie_t *k,
                                 size_t depth, const value_t **v)
{
    ddb_error_t *err;
    if (k->end >= 0) {
        if ((err = action_result(u, &u->e->actions[k->end], old, v))) return err;
        if (*v && too_deep(*v, depth)) return err_item_nesting_too_deep(u->a);
        return NULL;
    }
    if (!old) return err_update_invalid_path(u->a);
    return rebuild(u, old, k, depth + 1, v);
}

static int pointer_compare(const void *x, const void *y)
{
    uintptr_t p = (uintptr_t) * (const void *const *)x, q = (uintptr_t) * (const void *const *)y;
    return p < q ? -1 : p > q;
}

static ddb_error_t *rebuild_map(update_t *u, const value_t *old, const expr_trie_t *node,
                                size_t depth, const value_t **out)
{
    size_t kids = 0;
    for (const expr_trie_t *k = node->kids; k; k = k->next)
        kids++;
    size_t cap = old->u.map.count + kids;
    value_member_t *members = arena_alloc(u->a, (cap ? cap : 1) * sizeof *members);
    /* The children that update an existing member, sorted: the others add
     * members (maps and updates can both be huge: no pairwise search). */
    const expr_trie_t **updated = arena_alloc(u->a, (kids ? kids : 1) * sizeof *updated);
    size_t n = 0, nupdated = 0;
    ddb_error_t *err;
    for (size_t i = 0; i < old->u.map.count; i++) {
        const value_member_t *m = &old->u.map.members[i];
        const expr_trie_t *k = expr_trie_find_name(node, m->name, m->name_len);
        const value_t *v = m->value;
        if (k) updated[nupdated++] = k;
        if (k && (err = child_result(u, m->value, k, depth, &v))) return err;
        if (!v) continue;
        members[n].name = m->name;
        members[n].name_len = m->name_len;
        members[n].value = (value_t *)v;
        n++;
    }
    qsort(updated, nupdated, sizeof *updated, pointer_compare);
    for (const expr_trie_t *k = node->kids; k; k = k->next) {
        if (bsearch(&k, updated, nupdated, sizeof *updated, pointer_compare)) continue;
        const value_t *v;
        if ((err = child_result(u, NULL, k, depth, &v))) return err;
        if (!v) continue;
        members[n].name = k->step->name;
        members[n].name_len = k->step->name_len;
        members[n].value = (value_t *)v;
        n++;
    }
    value_t *r = arena_alloc(u->a, sizeof *r);
    r->type = VALUE_M;
    r->u.map.members = members;
    r->u.map.count = n;
    *out = r;
    return NULL;
}

static ddb_error_t *rebuild_list(update_t *u, const value_t *old, const expr_trie_t *node,
                                 size_t depth, const value_t **out)
{
    size_t kids = 0;
    for (const expr_trie_t *k = node->kids; k; k = k->next)
        kids++;
    size_t cap = old->u.list.count + kids;
    value_t *items = arena_alloc(u->a, (cap ? cap : 1) * sizeof *items);
    size_t n = 0;
    ddb_error_t *err;
    const expr_trie_t *k = node->kids; /* ascending indexes */
    for (size_t i = 0; i < old->u.list.count; i++) {
        const value_t *v = &old->u.list.items[i];
        if (k && k->step->index == i) {
            if ((err = child_result(u, v, k, depth, &v))) return err;
            k = k->next;
        }
        if (v) items[n++] = *v;
    }
    for (; k; k = k->next) { /* past the end */
        const value_t *v;
        if ((err = child_result(u, NULL, k, depth, &v))) return err;
        if (v) items[n++] = *v;
    }
    value_t *r = arena_alloc(u->a, sizeof *r);
    r->type = VALUE_L;
    r->u.list.items = items;
    r->u.list.count = n;
    *out = r;
    return NULL;
}

/* depth: the nesting of old's elements (0: old is the item, whose elements
 * are the top-level attributes). */
static ddb_error_t *rebuild(update_t *u, const value_t *old, const expr_trie_t *node, size_t depth,
                            const value_t **out)
{
    if (node->kids->step->is_index) {
        if (old->type != VALUE_L) return err_update_invalid_path(u->a);
        return rebuild_list(u, old, node, depth, out);
    }
    if (old->type != VALUE_M) return err_update_invalid_path(u->a);
    return rebuild_map(u, old, node, depth, out);
}

static const value_t empty_item = {.type = VALUE_M};

ddb_error_t *expr_update_apply(expr_env_t *env, const expr_t *e, const value_t *item, value_t *out)
{
    update_t u = {.a = env->arena, .e = e, .old = item ? item : &empty_item};
    if (!e->trie || !e->trie->kids) {
        *out = *u.old;
        return NULL;
    }
    /* the item's attributes sit at depth 0 (see value.h); the item is the
     * root, so its children are measured from there */
    const value_t *r;
    ddb_error_t *err = rebuild_map(&u, u.old, e->trie, 0, &r);
    if (err) return err;
    *out = *r;
    return NULL;
}

bool expr_update_only_removes(const expr_t *e)
{
    for (size_t i = 0; i < e->nactions; i++) {
        uint8_t k = e->actions[i].kind;
        if (k != ACT_REMOVE && k != ACT_DELETE && k != ACT_LEGACY_DELETE) return false;
    }
    return e->nactions > 0;
}
