/* ops/query: Query and Scan, over a table or one of its indexes.
 *
 * Both read one LMDB snapshot with a cursor: Query walks one partition's
 * key range (forward or reverse) bounded by the sort-key condition; Scan
 * walks the whole key space, or one segment of the 64-bit hash space for a
 * parallel scan.  Limit counts the items read before the filter, a page
 * stops after 1 MB of items read, and LastEvaluatedKey holds the key
 * attributes of the last item read (for an index: its keys and the
 * table's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "keycodec.h"
#include "insights.h"
#include "ops/ops.h"
#include "tabledef.h"
#include "throttle.h"
#include "wire.h"

#define PAGE_BYTES (1024 * 1024)
#define MAX_TOTAL_SEGMENTS 1000000

typedef enum {
    SELECT_DEFAULT,
    SELECT_ALL_ATTRIBUTES,
    SELECT_ALL_PROJECTED_ATTRIBUTES,
    SELECT_SPECIFIC_ATTRIBUTES,
    SELECT_COUNT,
} select_t;

/* SK_RANGE: v1 <= sort key < v2 (v2 NULL: no upper bound), the form the
 * conditions on a multi-attribute sort key take. */
typedef enum {
    SK_NONE,
    SK_EQ,
    SK_LT,
    SK_LE,
    SK_GT,
    SK_GE,
    SK_BETWEEN,
    SK_BEGINS_WITH,
    SK_RANGE
} sk_op_t;

/* The key attributes LastEvaluatedKey carries: an index's (up to four of
 * each kind), then the table's. */
#define MAX_KEY_NAMES (2 * CATALOG_KEY_PARTS_MAX + 2)
/* Key conditions read: a multi-attribute key may have one per attribute. */
#define MAX_KEY_TERMS (2 * CATALOG_KEY_PARTS_MAX)

typedef struct {
    bool is_query;
    table_t *table;
    const index_def_t *index; /* NULL: the table itself */
    const char *hash, *range; /* the key attributes of what is read (an index
                                 with a multi-attribute key: the first ones) */
    value_type_t hash_type, range_type;
    const char *key_names[MAX_KEY_NAMES]; /* of LastEvaluatedKey, with their types */
    value_type_t key_types[MAX_KEY_NAMES];
    size_t key_count;
    /* Query */
    const value_t *pk;
    sk_op_t sk_op;
    const value_t *v1, *v2;
    bool forward;
    /* Scan */
    int64_t segment, total_segments;
    /* both */
    int64_t limit; /* 0: none */
    select_t select;
    bool consistent;
    capacity_mode_t capacity;
    op_exprs_t exprs; /* filter, projection */
    value_t *start_key; /* ExclusiveStartKey */
    /* ExecuteStatement: render only Items (and ConsumedCapacity), no closing
     * brace, and the last evaluated key into this buffer instead. */
    buf_t *statement_last_key;
    query_part_t *part; /* one of several queries of one SELECT, or NULL */
} read_plan_t;

/* --- request ----------------------------------------------------------------------- */


static ddb_error_t *read_request(api_call_t *call, const json_value_t *req, read_plan_t *p,
                                 const char **table_name, const char **index_name,
                                 const json_value_t **start_json)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *select = NULL;
    int64_t limit = 0, segment = 0, total = 0;
    bool has_limit, has_segment = false, has_total = false, backward = false;
    *table_name = *index_name = NULL;
    wire_string(a, req, "TableName", table_name, NULL, &e);
    if (!e) wire_string(a, req, "IndexName", index_name, NULL, &e);
    if (!e) wire_string(a, req, "Select", &select, NULL, &e);
    has_limit = !e && wire_integer(a, req, "Limit", &limit, &e);
    if (!e) wire_bool(a, req, "ConsistentRead", &p->consistent, &e);
    if (!e && p->is_query) {
        bool forward = true;
        if (wire_bool(a, req, "ScanIndexForward", &forward, &e)) backward = !forward;
    }
    if (!e && !p->is_query) {
        has_segment = wire_integer(a, req, "Segment", &segment, &e);
        if (!e) has_total = wire_integer(a, req, "TotalSegments", &total, &e);
    }
    if (!e) *start_json = wire_container(a, req, "ExclusiveStartKey", WIRE_MAP, &e);
    if (e) return e;
    p->forward = !backward;

    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_name(&cl, *table_name, "tableName");
    if (*index_name)
        constraint_length(&cl, *index_name, strlen(*index_name), 3, 255, "indexName");
    if (has_limit) constraint_range(&cl, limit, 1, INT64_MAX, "limit");
    int i = constraint_enum(&cl, select, &ENUM_SELECT, "select");
    if (i >= 0) p->select = (select_t)(i + 1);
    if ((e = capacity_mode_read(a, req, &cl, &p->capacity))) return e;
    if (has_segment) constraint_range(&cl, segment, 0, MAX_TOTAL_SEGMENTS - 1, "segment");
    if (has_total) constraint_range(&cl, total, 1, MAX_TOTAL_SEGMENTS, "totalSegments");
    if ((e = op_check_attributes_to_get(call, req, &cl))) return e;
    if ((e = constraint_list_finish(&cl))) return e;
    if (has_segment != has_total) return err_segments_incomplete(a, has_segment);
    if (has_segment && segment >= total) return err_segment_out_of_range(a, segment, total);
    p->limit = has_limit ? limit : 0;
    p->segment = has_segment ? segment : 0;
    p->total_segments = has_total ? total : 1;
    unsigned allow = ALLOW_PROJECTION | ALLOW_FILTER |
                     (p->is_query ? ALLOW_QUERY_FILTER | ALLOW_KEY_CONDITION : ALLOW_SCAN_FILTER);
    if ((e = op_read_expressions(call, req, allow, &p->exprs))) return e;

    bool projected = p->exprs.projection != NULL;
    if (p->select == SELECT_SPECIFIC_ATTRIBUTES && !projected)
        return err_select_specific_without_projection(a);
    if (projected && p->select != SELECT_DEFAULT && p->select != SELECT_SPECIFIC_ATTRIBUTES) {
        bool legacy = wire_member(req, "AttributesToGet") != NULL;
        return err_select_with_projection(a, legacy ? "AttributesToGet" : "ProjectionExpression",
                                          p->select == SELECT_COUNT
                                              ? "only the Count"
                                              : ENUM_SELECT.values[p->select - 1]);
    }
    if (projected) p->select = SELECT_SPECIFIC_ATTRIBUTES;
    return NULL;
}

/* --- what is read: the table or an index ------------------------------------------- */

static void add_key_name(read_plan_t *p, const char *name, value_type_t type)
{
    if (!name) return;
    for (size_t k = 0; k < p->key_count; k++)
        if (strcmp(p->key_names[k], name) == 0) return;
    p->key_names[p->key_count] = name;
    p->key_types[p->key_count++] = type;
}

/* The key attributes of an item as LastEvaluatedKey / ExclusiveStartKey
 * carry them: the read keys, then the table's. */
static void plan_key_names(read_plan_t *p)
{
    const index_def_t *ix = p->index;
    for (size_t i = 0; ix && i < ix->hash_count; i++)
        add_key_name(p, ix->hash_parts[i].name, ix->hash_parts[i].type);
    for (size_t i = 0; ix && i < ix->range_count; i++)
        add_key_name(p, ix->range_parts[i].name, ix->range_parts[i].type);
    add_key_name(p, p->table->keys.hash, p->table->hash_type);
    add_key_name(p, p->table->keys.range, p->table->range_type);
}

static ddb_error_t *resolve_target(arena_t *a, read_plan_t *p, const char *index_name)
{
    table_t *t = p->table;
    if (index_name) {
        p->index = tabledef_index_find(t, index_name, strlen(index_name));
        if (!p->index) return err_index_not_found(a, index_name);
        if (p->index->status == INDEX_CREATING) return err_index_backfilling(a, index_name);
        p->hash = p->index->keys.hash;
        p->range = p->index->keys.range;
        p->hash_type = p->index->hash_type;
        p->range_type = p->index->range_type;
        if (p->index->global && p->consistent) return err_gsi_consistent_read(a);
        if (p->select == SELECT_ALL_ATTRIBUTES && p->index->global &&
            p->index->projection != PROJECTION_ALL)
            return err_select_all_on_gsi(a, p->index->name);
    } else {
        p->hash = t->keys.hash;
        p->range = t->keys.range;
        p->hash_type = t->hash_type;
        p->range_type = t->range_type;
        if (p->select == SELECT_ALL_PROJECTED_ATTRIBUTES) return err_select_projected_on_table(a);
    }
    plan_key_names(p);
    return NULL;
}

/* One key condition term on a key attribute. */
typedef struct {
    const char *name;
    sk_op_t op;
    bool unindexable; /* a legacy operator Query cannot seek with (NE, IN, NULL...) */
    const value_t *v1, *v2;
} key_term_t;

static ddb_error_t *key_term_from_expr(arena_t *a, const expr_term_t *term, key_term_t *out)
{
    static const struct {
        const char *text;
        sk_op_t op, flipped;
    } ops[] = {{"=", SK_EQ, SK_EQ},          {"<", SK_LT, SK_GT},      {"<=", SK_LE, SK_GE},
               {">", SK_GT, SK_LT},          {">=", SK_GE, SK_LE},     {"BETWEEN", SK_BETWEEN, SK_NONE},
               {"begins_with", SK_BEGINS_WITH, SK_NONE}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(term->op, ops[i].text) != 0) continue;
        const expr_path_t *path = term->operands[0].path;
        for (size_t o = 1; path && o < term->noperands && o < 3; o++)
            if (term->operands[o].path)
                return err_key_condition_two_names(a);
        const value_t *v1 = term->noperands > 1 ? term->operands[1].value : NULL;
        const value_t *v2 = term->noperands > 2 ? term->operands[2].value : NULL;
        sk_op_t op = ops[i].op;
        if (!path && term->noperands == 2 && term->operands[1].path && ops[i].flipped != SK_NONE) {
            path = term->operands[1].path; /* ":v < sk" */
            v1 = term->operands[0].value;
            op = ops[i].flipped;
        }
        if (!path || path->count != 1 || path->steps[0].is_index || !v1 ||
            (op == SK_BETWEEN && !v2))
            return err_key_condition_unsupported(a, true);
        out->name = arena_strndup(a, path->steps[0].name, path->steps[0].name_len);
        out->op = op;
        out->v1 = v1;
        out->v2 = v2;
        return NULL;
    }
    return err_key_condition_operator(a, term->op);
}

/* KeyConditions, already checked as Conditions (operators, values, one or
 * two entries). */
static ddb_error_t *key_terms_from_legacy(arena_t *a, const json_value_t *conditions,
                                          key_term_t *terms, size_t max, size_t *count)
{
    static const struct {
        const char *name;
        sk_op_t op;
    } ops[] = {{"EQ", SK_EQ}, {"LT", SK_LT}, {"LE", SK_LE},           {"GT", SK_GT},
               {"GE", SK_GE}, {"BETWEEN", SK_BETWEEN}, {"BEGINS_WITH", SK_BEGINS_WITH}};
    ddb_error_t *e = NULL;
    *count = 0;
    for (size_t i = 0; i < conditions->u.object.count && *count < max; i++) {
        const json_member_t *m = &conditions->u.object.members[i];
        if (m->value->type == JSON_NULL) continue;
        const char *op_name = NULL;
        wire_string(a, m->value, "ComparisonOperator", &op_name, NULL, &e);
        const json_value_t *list = e ? NULL : wire_container(a, m->value, "AttributeValueList",
                                                             WIRE_LIST, &e);
        if (e) return e;
        key_term_t *t = &terms[(*count)++];
        memset(t, 0, sizeof *t);
        t->name = m->key;
        size_t k = 0;
        while (k < sizeof ops / sizeof ops[0] && strcmp(ops[k].name, op_name) != 0) k++;
        t->unindexable = k == sizeof ops / sizeof ops[0];
        if (t->unindexable) continue;
        t->op = ops[k].op;
        value_t *vals = arena_alloc(a, 2 * sizeof(value_t));
        for (size_t j = 0; j < list->u.array.count && j < 2; j++)
            if ((e = value_from_json(a, list->u.array.items[j], &vals[j]))) return e;
        t->v1 = &vals[0];
        t->v2 = list->u.array.count > 1 ? &vals[1] : NULL;
    }
    return NULL;
}

static ddb_error_t *plan_tuple_key_condition(arena_t *a, read_plan_t *p, const key_term_t *terms,
                                             size_t count, size_t conditions);

static ddb_error_t *plan_key_condition(arena_t *a, read_plan_t *p)
{
    key_term_t terms[MAX_KEY_TERMS] = {{0}};
    size_t count = 0, conditions = 0; /* terms read, conditions given */
    bool multi = p->index && catalog_index_multi_attribute(p->index);
    size_t max = multi ? MAX_KEY_TERMS : 8;
    ddb_error_t *e;
    if (p->exprs.key_condition) {
        expr_term_t raw[MAX_KEY_TERMS];
        conditions = expr_condition_terms(p->exprs.key_condition, raw, max);
        for (size_t i = 0; i < conditions && i < max; i++)
            if ((e = key_term_from_expr(a, &raw[i], &terms[count++]))) return e;
    } else if (p->exprs.key_conditions) {
        if ((e = key_terms_from_legacy(a, p->exprs.key_conditions, terms, multi ? max : 2,
                                       &count)))
            return e;
        conditions = count;
    } else {
        return err_key_condition_missing(a);
    }
    if (multi) return plan_tuple_key_condition(a, p, terms, count, conditions);
    const key_term_t *hash = NULL, *range = NULL;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(terms[i].name, p->hash) == 0) {
            if (hash) return err_key_condition_twice(a);
            hash = &terms[i];
        } else if (p->range && strcmp(terms[i].name, p->range) == 0) {
            if (range) return err_key_condition_twice(a);
            range = &terms[i];
        }
    }
    /* The service's order: the number of conditions, a missing key
     * element, then each key's condition in turn (hash first): an
     * operator it cannot seek with, a value of another type than the key,
     * anything but equality on the hash key. */
    if (conditions > 2) return err_key_conditions_count(a);
    if (!p->range && count > 1) return err_key_condition_unsupported(a, false);
    if (!hash || (!range && count > 1))
        return err_key_condition_missed(a, !hash ? p->hash : p->range);
    if (hash->unindexable) return err_key_condition_not_indexable(a);
    if (hash->v1->type != p->hash_type) return err_key_condition_type(a);
    if (hash->op != SK_EQ) return err_key_condition_unsupported(a, false);
    if (range && range->unindexable) return err_key_condition_not_indexable(a);
    const value_t *given[2] = {hash->v1, range ? range->v1 : NULL};
    const char *given_names[2] = {p->hash, p->range};
    for (int i = 0; i < 2; i++) {
        const value_t *v = given[i];
        if (!v || !((v->type == VALUE_S || v->type == VALUE_B) && v->u.bytes.len == 0)) continue;
        return p->index ? err_empty_index_key(a, v->type == VALUE_S, p->index->name, given_names[i])
                        : err_empty_key(a, v->type == VALUE_S, given_names[i]);
    }
    p->pk = hash->v1;
    if (range) {
        if (range->v1->type != p->range_type || (range->v2 && range->v2->type != p->range_type)) {
            if (range->op == SK_BEGINS_WITH && range->v1->type == VALUE_N)
                return err_expr_operand_type(a, "KeyConditionExpression", "begins_with", "N");
            return err_key_condition_type(a);
        }
        if (range->op == SK_BEGINS_WITH && p->range_type == VALUE_N)
            return err_expr_operand_type(a, "KeyConditionExpression", "begins_with", "N");
        /* (KeyConditions had their bounds checked with the request) */
        if (range->op == SK_BETWEEN && value_key_compare(range->v1, range->v2) > 0)
            return err_key_condition_between_order(a);
        p->sk_op = range->op;
        p->v1 = range->v1;
        p->v2 = range->v2;
    }
    return NULL;
}

/* --- multi-attribute keys ----------------------------------------------------------- */

/* The tuple of n values (keycodec_tuple_encode) as a B value in a. */
static ddb_error_t *tuple_value(arena_t *a, const value_t *const *values, size_t n, bool open,
                                value_t **out)
{
    uint8_t bytes[KEYCODEC_MAX_TUPLE];
    size_t len;
    if (!keycodec_tuple_encode(values, n, open, bytes, &len)) return err_range_key_too_large(a);
    *out = arena_alloc(a, sizeof(value_t));
    (*out)->type = VALUE_B;
    (*out)->u.bytes.ptr = arena_strndup(a, (const char *)bytes, len);
    (*out)->u.bytes.len = len;
    return NULL;
}

/* The smallest byte string after every one that starts with x (NULL: there
 * is none, x is empty or all FF). */
static value_t *tuple_after(arena_t *a, const value_t *x)
{
    size_t n = x->u.bytes.len;
    while (n && (uint8_t)x->u.bytes.ptr[n - 1] == 0xFF) n--;
    if (!n) return NULL;
    value_t *v = arena_alloc(a, sizeof *v);
    char *bytes = arena_strndup(a, x->u.bytes.ptr, n);
    bytes[n - 1] = (char)((uint8_t)bytes[n - 1] + 1);
    v->type = VALUE_B;
    v->u.bytes.ptr = bytes;
    v->u.bytes.len = n;
    return v;
}

/* Which key attribute a term names: partition key attribute *at, or sort
 * key attribute *at when *range; false: none. */
static bool tuple_term_part(const index_def_t *ix, const char *name, size_t *at, bool *range)
{
    for (size_t i = 0; i < ix->hash_count + ix->range_count; i++) {
        *range = i >= ix->hash_count;
        *at = *range ? i - ix->hash_count : i;
        const key_part_t *part = *range ? &ix->range_parts[*at] : &ix->hash_parts[*at];
        if (strcmp(part->name, name) == 0) return true;
    }
    return false;
}

/* A condition's values against a key attribute's type and emptiness. */
static ddb_error_t *check_tuple_term(arena_t *a, const read_plan_t *p, const key_part_t *part,
                                     const key_term_t *t)
{
    if (t->unindexable) return err_key_condition_not_indexable(a);
    if (t->op == SK_BEGINS_WITH && (t->v1->type == VALUE_N || part->type == VALUE_N))
        return err_expr_operand_type(a, "KeyConditionExpression", "begins_with", "N");
    if (t->v1->type != part->type || (t->v2 && t->v2->type != part->type))
        return err_key_condition_type(a);
    const value_t *given[2] = {t->v1, t->v2};
    for (int i = 0; i < 2; i++) {
        const value_t *v = given[i];
        if (v && (v->type == VALUE_S || v->type == VALUE_B) && v->u.bytes.len == 0)
            return err_empty_index_key(a, v->type == VALUE_S, p->index->name, part->name);
    }
    if (t->op == SK_BETWEEN && value_key_compare(t->v1, t->v2) > 0)
        return err_key_condition_between_order(a);
    return NULL;
}

/* The conditions on a multi-attribute sort key, sort key attributes
 * 0..last constrained, as one condition on its tuples (keycodec.h): with
 * P the tuple of the equal values before the last condition and X that of
 * P and the last condition's value v,
 *   = v        begins_with X        (every tuple continuing X)
 *   begins_with  begins_with P+v without its terminator
 *   < v        [P, X)               <= v   [P, after(X))
 *   > v        [after(X), after(P)) >= v   [X, after(P))
 *   BETWEEN v w  [X, after(P+w))
 * where after(Y) is the first string past every one starting with Y. */
static ddb_error_t *plan_tuple_sort_key(arena_t *a, read_plan_t *p, const key_term_t *const *range,
                                        size_t last)
{
    const value_t *values[CATALOG_KEY_PARTS_MAX];
    for (size_t i = 0; i <= last; i++) values[i] = range[i]->v1;
    const key_term_t *t = range[last];
    value_t *prefix, *x, *upper = NULL;
    ddb_error_t *e;
    if ((e = tuple_value(a, values, last, false, &prefix))) return e;
    if ((e = tuple_value(a, values, last + 1, t->op == SK_BEGINS_WITH, &x))) return e;
    if (t->op == SK_BETWEEN) {
        values[last] = t->v2;
        if ((e = tuple_value(a, values, last + 1, false, &upper))) return e;
    }
    p->sk_op = SK_RANGE;
    switch (t->op) {
    case SK_EQ:
    case SK_BEGINS_WITH: p->sk_op = SK_BEGINS_WITH, p->v1 = x; break;
    case SK_LT: p->v1 = prefix, p->v2 = x; break;
    case SK_LE: p->v1 = prefix, p->v2 = tuple_after(a, x); break;
    case SK_GT: p->v1 = tuple_after(a, x), p->v2 = tuple_after(a, prefix); break;
    case SK_GE: p->v1 = x, p->v2 = tuple_after(a, prefix); break;
    case SK_BETWEEN: p->v1 = x, p->v2 = tuple_after(a, upper); break;
    default: break;
    }
    if (!p->v1) p->v1 = p->v2 = x; /* nothing is past an all-FF tuple: an empty range */
    return NULL;
}

/* A Query on an index with a multi-attribute key (catalog.h): equality on
 * every partition key attribute; conditions on sort key attributes from
 * the first on, in key-schema order, each but the last an equality.  The
 * clauses' order in the expression does not matter. */
static ddb_error_t *plan_tuple_key_condition(arena_t *a, read_plan_t *p, const key_term_t *terms,
                                             size_t count, size_t conditions)
{
    const index_def_t *ix = p->index;
    const key_term_t *hash[CATALOG_KEY_PARTS_MAX] = {0}, *range[CATALOG_KEY_PARTS_MAX] = {0};
    ddb_error_t *e;
    /* more conditions than attributes: one names another attribute, or one
     * twice (found below when every one was read) */
    if (conditions > count) return err_key_condition_unsupported(a, false);
    for (size_t i = 0; i < count; i++) {
        size_t at;
        bool is_range;
        if (!tuple_term_part(ix, terms[i].name, &at, &is_range))
            return err_key_condition_unsupported(a, false);
        const key_term_t **slot = is_range ? &range[at] : &hash[at];
        if (*slot) return err_key_condition_twice(a);
        *slot = &terms[i];
    }
    for (size_t i = 0; i < ix->hash_count; i++) {
        if (!hash[i]) return err_key_condition_missed(a, ix->hash_parts[i].name);
        if ((e = check_tuple_term(a, p, &ix->hash_parts[i], hash[i]))) return e;
        if (hash[i]->op != SK_EQ) return err_key_condition_unsupported(a, false);
    }
    size_t last = 0;
    bool any = false;
    for (size_t i = 0; i < ix->range_count; i++)
        if (range[i]) last = i, any = true;
    for (size_t i = 0; any && i < last; i++)
        if (!range[i] || range[i]->unindexable || range[i]->op != SK_EQ)
            return err_key_condition_range_prefix(a, ix->range_parts[i].name,
                                                  ix->range_parts[last].name);
    for (size_t i = 0; any && i <= last; i++)
        if ((e = check_tuple_term(a, p, &ix->range_parts[i], range[i]))) return e;
    const value_t *pk_values[CATALOG_KEY_PARTS_MAX];
    for (size_t i = 0; i < ix->hash_count; i++) pk_values[i] = hash[i]->v1;
    value_t *pk = NULL;
    if (ix->hash_count > 1 && (e = tuple_value(a, pk_values, ix->hash_count, false, &pk))) return e;
    p->pk = pk ? pk : hash[0]->v1;
    if (!any) return NULL;
    if (ix->range_count == 1) {
        p->sk_op = range[0]->op;
        p->v1 = range[0]->v1;
        p->v2 = range[0]->v2;
        return NULL;
    }
    return plan_tuple_sort_key(a, p, range, last);
}

/* Filters may not name key attributes in a Query. */
static ddb_error_t *check_filter_keys(arena_t *a, const read_plan_t *p, bool legacy)
{
    if (!p->is_query || !p->exprs.filter) return NULL;
    const char *which = legacy ? "QueryFilter" : "Filter Expression";
    const index_def_t *ix = p->index;
    if (ix && catalog_index_multi_attribute(ix)) {
        for (size_t i = 0; i < ix->hash_count + ix->range_count; i++) {
            const char *name = i < ix->hash_count ? ix->hash_parts[i].name
                                                  : ix->range_parts[i - ix->hash_count].name;
            if (expr_condition_mentions(p->exprs.filter, name))
                return err_filter_on_key(a, which, name);
        }
        return NULL;
    }
    const char *keys[2] = {p->hash, p->range};
    for (int k = 0; k < 2; k++)
        if (keys[k] && expr_condition_mentions(p->exprs.filter, keys[k]))
            return err_filter_on_key(a, which, keys[k]);
    return NULL;
}

static bool starts_with(const value_t *v, const value_t *prefix)
{
    return v->u.bytes.len >= prefix->u.bytes.len &&
           memcmp(v->u.bytes.ptr, prefix->u.bytes.ptr, prefix->u.bytes.len) == 0;
}

/* The value of the partition key (range: the sort key) of what is read in
 * item; for an index with a multi-attribute key, a tuple (index.h) whose
 * bytes are in scratch.  false: absent. */
static bool read_key_value(const read_plan_t *p, bool range, const value_t *item,
                           uint8_t scratch[KEYCODEC_MAX_TUPLE], value_t *out)
{
    if (p->index) return index_key_value(p->index, range, item, scratch, out);
    const char *name = range ? p->range : p->hash;
    const value_t *v = name ? value_map_get(item, name, strlen(name)) : NULL;
    if (v) *out = *v;
    return v != NULL;
}

/* Where a sort key stands against the condition: -1 before its range, 0
 * inside, 1 after. */
static int sk_position(const read_plan_t *p, const value_t *sk)
{
    if (p->sk_op == SK_NONE) return 0;
    int c1 = value_key_compare(sk, p->v1);
    switch (p->sk_op) {
    case SK_EQ: return c1 < 0 ? -1 : c1 > 0;
    case SK_LT: return c1 < 0 ? 0 : 1;
    case SK_LE: return c1 <= 0 ? 0 : 1;
    case SK_GT: return c1 > 0 ? 0 : -1;
    case SK_GE: return c1 >= 0 ? 0 : -1;
    case SK_BETWEEN: return c1 < 0 ? -1 : value_key_compare(sk, p->v2) > 0 ? 1 : 0;
    case SK_BEGINS_WITH: return starts_with(sk, p->v1) ? 0 : c1 < 0 ? -1 : 1;
    case SK_RANGE: return c1 < 0 ? -1 : p->v2 && value_key_compare(sk, p->v2) >= 0 ? 1 : 0;
    case SK_NONE: break;
    }
    return 0;
}

static ddb_error_t *check_start_key(arena_t *a, const read_plan_t *p, const value_t *start)
{
    bool ok = start->u.map.count == p->key_count;
    for (size_t i = 0; ok && i < p->key_count; i++) {
        const value_t *v = value_map_get(start, p->key_names[i], strlen(p->key_names[i]));
        ok = v && v->type == p->key_types[i];
    }
    if (!ok)
        return err_start_key_invalid(a);
    return NULL;
}

/* A Query's start key must lie within its key condition. */
static ddb_error_t *check_start_in_range(arena_t *a, const read_plan_t *p)
{
    if (!p->is_query || !p->start_key) return NULL;
    uint8_t pk_bytes[KEYCODEC_MAX_TUPLE], sk_bytes[KEYCODEC_MAX_TUPLE];
    value_t pk, sk;
    bool has_pk = read_key_value(p, false, p->start_key, pk_bytes, &pk);
    bool has_sk = read_key_value(p, true, p->start_key, sk_bytes, &sk);
    if (!has_pk || value_key_compare(&pk, p->pk) != 0 || (has_sk && sk_position(p, &sk) != 0))
        return err_start_key_out_of_range(a);
    return NULL;
}

/* --- reading -------------------------------------------------------------------------- */

/* The storage key of an item (or start key) in what is read. */
static bool storage_key(const read_plan_t *p, const value_t *item, uint8_t out[KEYCODEC_MAX_KEY],
                        size_t *len)
{
    if (p->index) return index_entry_key(p->table, p->index, item, out, len);
    const value_t *pk = value_map_get(item, p->hash, strlen(p->hash));
    const value_t *sk = p->range ? value_map_get(item, p->range, strlen(p->range)) : NULL;
    if (!pk || (p->range && !sk)) return false;
    *len = keycodec_item_key(pk, sk, out);
    return true;
}

/* A seek key: the partition, then (optionally) a sort key value; never
 * past any key whose sort key is >= sk (keycodec.h). */
static size_t seek_key(const read_plan_t *p, const value_t *sk, uint8_t out[KEYCODEC_MAX_KEY])
{
    if (p->index) return keycodec_index_seek(p->pk, sk, out);
    return keycodec_item_seek(p->pk, sk, out);
}

/* --- walking in DynamoDB's order ------------------------------------------------------
 *
 * Storage order is DynamoDB's order except inside the order groups of long
 * sort keys (keycodec.h), which are ordered by hash.  A Query reads a group
 * whole and sorts it by (sort key, storage key): outside groups storage
 * order is that order too, so ranges, reverse reads and ExclusiveStartKey
 * all see one total order.  The walker moves over "runs": one entry, or one
 * sorted group.  A group is read whole by every page that reaches it, so
 * its cost grows with its size (the items of one partition sharing the
 * first 288 bytes of a longer sort key; measured: a 10-item page inside a
 * 100-item group costs ~50 us of CPU against ~15 us for short keys).  A
 * Scan never groups: its order is storage order. */

typedef struct {
    MDB_val key, val;
    value_t item;
    size_t size;
} entry_t;

typedef struct {
    const read_plan_t *p;
    MDB_cursor *cursor;
    arena_t *arena;
    uint8_t prefix[KEYCODEC_MAX_KEY]; /* Query: the partition's key prefix */
    size_t prefix_len;
    uint64_t hash_lo, hash_hi; /* Scan: the segment */
    entry_t one;               /* a run of one entry */
    entry_t *run;              /* the current run, in DynamoDB's order */
    size_t count, pos;
    MDB_val first, last; /* a group's first and last keys in storage order */
    bool grouped;        /* the run is a group: the cursor is not on it */
    bool failed;         /* a stored item did not decode */
} walk_t;

static uint64_t key_hash(const MDB_val *k)
{
    uint64_t h = 0;
    const uint8_t *b = k->mv_data;
    for (int i = 0; i < 8 && (size_t)i < k->mv_size; i++) h = h << 8 | b[i];
    return h;
}

static bool in_range(const walk_t *w, const MDB_val *k)
{
    if (w->p->is_query)
        return k->mv_size >= w->prefix_len && memcmp(k->mv_data, w->prefix, w->prefix_len) == 0;
    uint64_t h = key_hash(k);
    return h >= w->hash_lo && h <= w->hash_hi;
}

/* LMDB's key order: bytes, then the shorter first. */
static int key_compare(const MDB_val *a, const MDB_val *b)
{
    size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
    int c = memcmp(a->mv_data, b->mv_data, n);
    if (c) return c;
    return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

/* DynamoDB's order of two entries: sort key, then storage key. */
static int entry_compare(const read_plan_t *p, const entry_t *a, const entry_t *b)
{
    uint8_t bytes_a[KEYCODEC_MAX_TUPLE], bytes_b[KEYCODEC_MAX_TUPLE];
    value_t sa, sb;
    bool both = read_key_value(p, true, &a->item, bytes_a, &sa) &&
                read_key_value(p, true, &b->item, bytes_b, &sb);
    int c = both ? value_key_compare(&sa, &sb) : 0;
    return c ? c : key_compare(&a->key, &b->key);
}

static int entry_sort(const void *a, const void *b, void *p)
{
    return entry_compare(p, a, b);
}

static bool entry_read(walk_t *w, const MDB_val *k, const MDB_val *v, entry_t *e)
{
    e->key = *k;
    e->val = *v;
    if (value_item_decode(w->arena, v->mv_data, v->mv_size, &e->item, &e->size)) return true;
    w->failed = true;
    return false;
}

static size_t group_of(const walk_t *w, const MDB_val *k)
{
    return w->p->is_query ? keycodec_order_group(k->mv_data, k->mv_size, w->p->index != NULL) : 0;
}

static bool same_group(const walk_t *w, const MDB_val *k, const uint8_t *group, size_t len)
{
    return in_range(w, k) && group_of(w, k) == len && memcmp(k->mv_data, group, len) == 0;
}

/* Make the run holding the cursor's entry (k, v) current, on its first
 * entry (at_end: its last); false when that entry is out of range. */
static bool walk_load(walk_t *w, MDB_val *k, MDB_val *v, bool at_end)
{
    if (!in_range(w, k)) return false;
    size_t g = group_of(w, k);
    if (!g) {
        w->grouped = false;
        w->run = &w->one;
        w->count = 1;
        w->pos = 0;
        return entry_read(w, k, v, &w->one);
    }
    /* Back to the group's first entry, then read the group in storage order. */
    const uint8_t *group = k->mv_data;
    int rc;
    while ((rc = mdb_cursor_get(w->cursor, k, v, MDB_PREV)) == 0 && same_group(w, k, group, g)) {
    }
    rc = mdb_cursor_get(w->cursor, k, v, rc == 0 ? MDB_NEXT : MDB_FIRST);
    size_t cap = 16;
    w->run = arena_alloc(w->arena, cap * sizeof(entry_t));
    w->count = 0;
    w->first = *k;
    for (; rc == 0 && same_group(w, k, group, g); rc = mdb_cursor_get(w->cursor, k, v, MDB_NEXT)) {
        if (w->count == cap) {
            entry_t *more = arena_alloc(w->arena, 2 * cap * sizeof(entry_t));
            memcpy(more, w->run, cap * sizeof(entry_t));
            w->run = more;
            cap *= 2;
        }
        if (!entry_read(w, k, v, &w->run[w->count])) return false;
        w->last = *k;
        w->count++;
    }
    qsort_r(w->run, w->count, sizeof(entry_t), entry_sort, (void *)w->p);
    w->grouped = true;
    w->pos = at_end ? w->count - 1 : 0;
    return true;
}

/* The first run at or after a storage key. */
static bool walk_seek(walk_t *w, const uint8_t *key, size_t len)
{
    MDB_val k = {len, (void *)key}, v;
    return mdb_cursor_get(w->cursor, &k, &v, MDB_SET_RANGE) == 0 && walk_load(w, &k, &v, false);
}

/* The last entry of the partition (Query) or of everything. */
static bool walk_last(walk_t *w)
{
    MDB_val k, v;
    uint8_t after[KEYCODEC_MAX_KEY];
    size_t n = w->p->is_query ? w->prefix_len : 0;
    /* The smallest key after every key with the prefix: the prefix without
     * its trailing FF bytes, last byte incremented. */
    memcpy(after, w->prefix, n);
    while (n && after[n - 1] == 0xFF) n--;
    int rc = MDB_NOTFOUND;
    if (n) {
        after[n - 1]++;
        k.mv_size = n;
        k.mv_data = after;
        rc = mdb_cursor_get(w->cursor, &k, &v, MDB_SET_RANGE);
    }
    rc = mdb_cursor_get(w->cursor, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
    return rc == 0 && walk_load(w, &k, &v, true);
}

static bool walk_next(walk_t *w)
{
    if (w->pos + 1 < w->count) {
        w->pos++;
        return true;
    }
    MDB_val k = w->last, v;
    int rc = w->grouped ? mdb_cursor_get(w->cursor, &k, &v, MDB_SET) : 0;
    if (rc == 0) rc = mdb_cursor_get(w->cursor, &k, &v, MDB_NEXT);
    return rc == 0 && walk_load(w, &k, &v, false);
}

static bool walk_prev(walk_t *w)
{
    if (w->pos > 0) {
        w->pos--;
        return true;
    }
    MDB_val k = w->first, v;
    int rc = w->grouped ? mdb_cursor_get(w->cursor, &k, &v, MDB_SET) : 0;
    if (rc == 0) rc = mdb_cursor_get(w->cursor, &k, &v, MDB_PREV);
    return rc == 0 && walk_load(w, &k, &v, true);
}

static const entry_t *walk_entry(const walk_t *w)
{
    return &w->run[w->pos];
}

/* Whether the current entry is past what a reverse read wants: after the
 * start key, or past the sort key condition. */
static bool past_wanted(const walk_t *w, const entry_t *start)
{
    const entry_t *e = walk_entry(w);
    if (start) return entry_compare(w->p, e, start) >= 0;
    uint8_t bytes[KEYCODEC_MAX_TUPLE];
    value_t sk;
    return read_key_value(w->p, true, &e->item, bytes, &sk) && sk_position(w->p, &sk) > 0;
}

/* Position on the first entry to read; false when there is none. */
static bool walk_start(walk_t *w)
{
    const read_plan_t *p = w->p;
    uint8_t seek[KEYCODEC_MAX_KEY];
    size_t len = 0;
    entry_t start_entry, *start = NULL;
    if (p->start_key && storage_key(p, p->start_key, seek, &len)) {
        start = &start_entry;
        start->key.mv_size = len;
        start->key.mv_data = arena_alloc(w->arena, len);
        memcpy(start->key.mv_data, seek, len);
        start->item = *p->start_key;
        size_t g = group_of(w, &start->key);
        if (g) len = g; /* the start key's group is read whole */
    }
    if (!p->is_query) {
        if (start) {
            bool ok = walk_seek(w, seek, len);
            if (ok && key_compare(&walk_entry(w)->key, &start->key) == 0) ok = walk_next(w);
            return ok;
        }
        uint8_t lo[8];
        for (int i = 0; i < 8; i++) lo[i] = (uint8_t)(w->hash_lo >> (56 - 8 * i));
        return walk_seek(w, lo, 8);
    }
    bool ok;
    if (p->forward) {
        if (start) {
            ok = walk_seek(w, seek, len);
            while (ok && entry_compare(p, walk_entry(w), start) <= 0) ok = walk_next(w);
            return ok;
        }
        /* from the lower bound; what lies before the range is skipped */
        bool lower = p->sk_op == SK_EQ || p->sk_op == SK_GT || p->sk_op == SK_GE ||
                     p->sk_op == SK_BETWEEN || p->sk_op == SK_BEGINS_WITH || p->sk_op == SK_RANGE;
        len = seek_key(p, lower ? p->v1 : NULL, seek);
        return walk_seek(w, seek, len);
    }
    /* Reverse: find the first entry past what is wanted, then step back. */
    const value_t *upper = p->sk_op == SK_BETWEEN || p->sk_op == SK_RANGE ? p->v2
                           : (p->sk_op == SK_EQ || p->sk_op == SK_LT || p->sk_op == SK_LE ||
                              p->sk_op == SK_BEGINS_WITH)
                               ? p->v1
                               : NULL;
    if (!start && !upper) return walk_last(w);
    if (!start) len = seek_key(p, upper, seek);
    ok = walk_seek(w, seek, len);
    while (ok && !past_wanted(w, start)) ok = walk_next(w);
    if (w->failed) return false;
    return ok ? walk_prev(w) : walk_last(w);
}

/* Render one item's key attributes as LastEvaluatedKey. */
static void render_last_key(buf_t *out, const read_plan_t *p, const value_t *item)
{
    buf_append_str(out, ",\"LastEvaluatedKey\":{");
    size_t written = 0;
    for (size_t i = 0; i < p->key_count; i++) {
        const char *name = p->key_names[i];
        const value_t *v = value_map_get(item, name, strlen(name));
        if (!v) continue;
        if (written++) buf_putc(out, ',');
        json_write_string(out, name, strlen(name));
        buf_putc(out, ':');
        value_write_json(out, v);
    }
    buf_putc(out, '}');
}

/* An LSI entry lacks what it does not project: the whole item comes from
 * the table when the response or the filter may need more. */
static bool fetch_from_table(const read_plan_t *p)
{
    return p->index && !p->index->global && p->index->projection != PROJECTION_ALL &&
           (p->select == SELECT_ALL_ATTRIBUTES || p->select == SELECT_SPECIFIC_ATTRIBUTES ||
            p->exprs.filter);
}

static ddb_error_t *table_item(MDB_txn *txn, arena_t *a, const read_plan_t *p,
                               const value_t *entry, value_t *out)
{
    uint8_t key[KEYCODEC_MAX_KEY];
    MDB_val k = {index_table_key(p->table, entry, key), key}, v;
    if (mdb_get(txn, p->table->dbi, &k, &v) != 0 ||
        !value_item_decode(a, v.mv_data, v.mv_size, out, NULL))
        return err_internal(a);
    return NULL;
}

static ddb_error_t *run(api_call_t *call, MDB_txn *txn, read_plan_t *p)
{
    arena_t *a = call->arena;
    walk_t w = {.p = p, .arena = a, .hash_lo = 0, .hash_hi = UINT64_MAX};
    if (p->is_query) w.prefix_len = keycodec_partition_prefix(p->pk, w.prefix);
    if (!p->is_query && p->total_segments > 1) {
        unsigned __int128 span = ((unsigned __int128)1 << 64);
        w.hash_lo = (uint64_t)(span * (uint64_t)p->segment / (uint64_t)p->total_segments);
        w.hash_hi = (uint64_t)(span * (uint64_t)(p->segment + 1) / (uint64_t)p->total_segments - 1);
        uint8_t key[KEYCODEC_MAX_KEY];
        size_t len;
        if (p->start_key && storage_key(p, p->start_key, key, &len)) {
            MDB_val k = {len, key};
            if (!in_range(&w, &k))
                return err_start_key_segment(a, (long long)p->total_segments,
                                             (long long)p->segment);
        }
    }
    MDB_dbi dbi = p->index ? p->index->dbi : p->table->dbi;
    if (mdb_cursor_open(txn, dbi, &w.cursor) != 0) return err_internal(a);

    buf_t *out = call->out;
    bool count_only = p->select == SELECT_COUNT;
    if (!p->part) buf_append_str(out, count_only ? "{" : "{\"Items\":[");
    buf_t *statement_key = p->statement_last_key;
    int64_t scanned = 0, matched = 0;
    size_t bytes = 0, fetched = 0; /* read from the table or index; fetched from the table */
    bool stopped = false;
    value_t last;
    ddb_error_t *e = NULL;
    uint8_t key_bytes[KEYCODEC_MAX_TUPLE]; /* an item's tuple keys, one at a time */
    /* the partition prefix holds the whole partition key: matching it is equality */
    bool pk_exact = p->is_query && keycodec_partition_exact(w.prefix_len);
    bool more = walk_start(&w);
    for (; more; more = p->forward ? walk_next(&w) : walk_prev(&w)) {
        value_t item = walk_entry(&w)->item;
        size_t size = walk_entry(&w)->size;
        if (p->is_query) {
            value_t pk, sk;
            /* a partition key cut to prefix + hash: another may share the prefix */
            if (!pk_exact && (!read_key_value(p, false, &item, key_bytes, &pk) ||
                              value_key_compare(&pk, p->pk) != 0))
                continue;
            int pos = p->sk_op != SK_NONE && read_key_value(p, true, &item, key_bytes, &sk)
                          ? sk_position(p, &sk)
                          : 0;
            if (pos != 0) {
                if ((pos > 0) == p->forward) break; /* past the range */
                continue;
            }
        }
        scanned++;
        bytes += size;
        last = item;
        const value_t *shown = &item, *whole = &item;
        value_t full;
        if (fetch_from_table(p)) {
            if ((e = table_item(txn, a, p, &item, &full))) break;
            fetched += value_item_size(&full);
            whole = &full;
            if (p->select != SELECT_DEFAULT && p->select != SELECT_ALL_PROJECTED_ATTRIBUTES)
                shown = &full;
        }
        bool keep = true;
        if (p->exprs.filter && (e = expr_condition_eval(&p->exprs.env, p->exprs.filter, whole,
                                                        &keep)))
            break;
        if (keep) {
            if (!count_only) {
                value_t projected;
                if (p->exprs.projection) {
                    const expr_path_t *paths;
                    size_t n = expr_paths(p->exprs.projection, &paths);
                    expr_project(a, shown, paths, n, &projected);
                    shown = &projected;
                }
                if (matched || (p->part && p->part->written)) buf_putc(out, ',');
                value_map_write_json(out, shown);
            }
            matched++;
        }
        if ((p->limit && scanned >= p->limit) || bytes >= PAGE_BYTES) {
            stopped = true;
            break;
        }
    }
    mdb_cursor_close(w.cursor);
    if (!e && w.failed) e = err_internal(a);
    if (e) return e;
    if (p->part) { /* the caller closes the array and adds up the capacity */
        p->part->written += (size_t)matched;
        p->part->scanned = scanned;
        p->part->units = capacity_read_units(bytes, p->consistent);
        if (stopped) render_last_key(statement_key, p, &last);
        return NULL;
    }
    if (!count_only) buf_putc(out, ']');
    if (!statement_key)
        buf_printf(out, "%s\"Count\":%lld,\"ScannedCount\":%lld", count_only ? "" : ",",
                   (long long)matched, (long long)scanned);
    if (stopped && statement_key) {
        render_last_key(statement_key, p, &last);
    } else if (stopped) {
        render_last_key(out, p, &last);
    }
    bool first = false;
    capacity_t used = {.table = p->table->name};
    size_t n = 0;
    if (!p->index) {
        used.units = capacity_read_units(bytes, p->consistent);
    } else {
        /* The index pays for its entries, the table for the items an LSI
         * read fetched from it (summed and rounded once, as a page is). */
        capacity_add_index(a, &used, &n, p->table->name, false, p->index->name, p->index->global,
                           capacity_read_units(bytes, p->consistent));
        /* a Query reads one partition of a GSI: its share there */
        if (throttle_on && p->is_query && p->index->global)
            throttle_charge_index_partition(p->table->name, p->index->name,
                                            keycodec_partition_hash(p->pk), false,
                                            capacity_read_units(bytes, p->consistent));
        if (fetched) used.units = capacity_read_units(fetched, p->consistent);
    }
    capacity_render(out, p->capacity, &used, &first);
    if (!statement_key) buf_putc(out, '}');
    return NULL;
}

static ddb_error_t *read_execute(api_call_t *call, const json_value_t *req, read_plan_t *p)
{
    arena_t *a = call->arena;
    bool is_query = p->is_query;
    const char *table_name, *index_name;
    const json_value_t *start_json = NULL;
    ddb_error_t *e = read_request(call, req, p, &table_name, &index_name, &start_json);
    if (!e && start_json) {
        p->start_key = arena_alloc(a, sizeof(value_t));
        e = value_map_from_json(a, start_json, p->start_key);
    }
    if (e) return e;

    MDB_txn *txn = op_read_begin(call);
    if (!txn) return err_internal(a);
    p->table = catalog_acquire(table_name, strlen(table_name));
    if (!p->table) e = err_table_not_found_op(a);
    if (!e) e = resolve_target(a, p, index_name);
    if (!e && is_query) e = plan_key_condition(a, p);
    /* a Query reads one partition: its key counts, no item's */
    if (!e && is_query) insights_note_access(p->table, p->index ? p->index->name : NULL, p->pk, NULL);
    if (!e) e = check_filter_keys(a, p, wire_member(req, "QueryFilter") != NULL);
    if (!e && p->start_key) e = check_start_key(a, p, p->start_key);
    if (!e) e = check_start_in_range(a, p);
    /* throttling (throttle.h): a Query or Scan against the read capacity
     * of what it reads (an LSI's is the table's), before it runs */
    if (!e && throttle_on)
        e = p->index && p->index->global
                ? throttle_admit_index_read(a, p->table, p->index->name, is_query,
                                            is_query ? keycodec_partition_hash(p->pk) : 0)
                : throttle_admit(a, p->table, false, false, 0);
    if (!e) e = run(call, txn, p);
    op_read_end(call, txn);
    catalog_release(p->table);
    return e;
}

static api_result_t read_op(api_call_t *call, const json_value_t *req, bool is_query)
{
    read_plan_t *p = arena_calloc(call->arena, sizeof *p);
    p->is_query = is_query;
    ddb_error_t *e = read_execute(call, req, p);
    if (e) return op_reply_error(call, e);
    return op_reply_ok(call);
}

ddb_error_t *query_run_statement(api_call_t *call, const json_value_t *req, bool is_query,
                                 buf_t *last_key)
{
    read_plan_t *p = arena_calloc(call->arena, sizeof *p);
    p->is_query = is_query;
    p->statement_last_key = last_key;
    return read_execute(call, req, p);
}

ddb_error_t *query_run_statement_part(api_call_t *call, const json_value_t *req, query_part_t *part,
                                      buf_t *last_key)
{
    read_plan_t *p = arena_calloc(call->arena, sizeof *p);
    p->is_query = true;
    p->statement_last_key = last_key;
    p->part = part;
    return read_execute(call, req, p);
}

api_result_t op_query(api_call_t *call, const json_value_t *req)
{
    return read_op(call, req, true);
}

api_result_t op_scan(api_call_t *call, const json_value_t *req)
{
    return read_op(call, req, false);
}
