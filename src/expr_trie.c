/* expr_trie: trees of document paths (update targets, projections), shared
 * by the checks (overlapping and conflicting paths) and the evaluator
 * (projecting an item); see expr_trie_t in expr_internal.h. */
#include <string.h>

#include "expr_internal.h"
#include "wire.h"

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
