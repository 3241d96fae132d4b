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
#include "ops/ops.h"
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

typedef enum { SK_NONE, SK_EQ, SK_LT, SK_LE, SK_GT, SK_GE, SK_BETWEEN, SK_BEGINS_WITH } sk_op_t;

typedef struct {
    bool is_query;
    table_t *table;
    const index_def_t *index; /* NULL: the table itself */
    const char *hash, *range; /* the key attributes of what is read */
    value_type_t hash_type, range_type;
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
} read_plan_t;

/* --- request ----------------------------------------------------------------------- */

static const char *const select_names[] = {"", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES",
                                           "SPECIFIC_ATTRIBUTES", "COUNT", NULL};

static ddb_error_t *read_request(api_call_t *call, const json_value_t *req, read_plan_t *p,
                                 const char **table_name, const char **index_name,
                                 const json_value_t **start_json)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *select = NULL, *rcc = NULL;
    int64_t limit = 0, segment = 0, total = 0;
    bool has_limit, has_segment = false, has_total = false, backward = false;
    *table_name = *index_name = NULL;
    wire_string(a, req, "TableName", table_name, NULL, &e);
    if (!e) wire_string(a, req, "IndexName", index_name, NULL, &e);
    if (!e) wire_string(a, req, "Select", &select, NULL, &e);
    if (!e) wire_string(a, req, "ReturnConsumedCapacity", &rcc, NULL, &e);
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
    catalog_check_table_name(&cl, *table_name, "tableName");
    char v[32];
    if (*index_name) {
        size_t len = strlen(*index_name);
        if (len < 3) constraint_list_add(&cl, *index_name, "indexName",
                                         "Member must have length greater than or equal to 3");
        if (len > 255) constraint_list_add(&cl, *index_name, "indexName",
                                           "Member must have length less than or equal to 255");
    }
    if (has_limit && limit < 1) {
        snprintf(v, sizeof v, "%lld", (long long)limit);
        constraint_list_add(&cl, v, "limit", "Member must have value greater than or equal to 1");
    }
    if (select) {
        int i = 1;
        while (select_names[i] && strcmp(select_names[i], select) != 0) i++;
        if (!select_names[i])
            constraint_list_add(&cl, select, "select",
                                "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, "
                                "ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
        else p->select = (select_t)i;
    }
    if (rcc) {
        if (strcmp(rcc, "TOTAL") == 0) p->capacity = CAPACITY_TOTAL;
        else if (strcmp(rcc, "INDEXES") == 0) p->capacity = CAPACITY_INDEXES;
        else if (strcmp(rcc, "NONE") != 0)
            constraint_list_add(&cl, rcc, "returnConsumedCapacity",
                                "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
    }
    if (has_segment && (segment < 0 || segment > MAX_TOTAL_SEGMENTS - 1)) {
        snprintf(v, sizeof v, "%lld", (long long)segment);
        constraint_list_add(&cl, v, "segment",
                            segment < 0 ? "Member must have value greater than or equal to 0"
                                        : "Member must have value less than or equal to 999999");
    }
    if (has_total && (total < 1 || total > MAX_TOTAL_SEGMENTS)) {
        snprintf(v, sizeof v, "%lld", (long long)total);
        constraint_list_add(&cl, v, "totalSegments",
                            total < 1 ? "Member must have value greater than or equal to 1"
                                      : "Member must have value less than or equal to 1000000");
    }
    if ((e = constraint_list_finish(&cl))) return e;
    if (has_segment && !has_total)
        return err_validation(a, "The TotalSegments parameter is required but was not present in "
                                 "the request when Segment parameter is present");
    if (has_total && !has_segment)
        return err_validation(a, "The Segment parameter is required but was not present in the "
                                 "request when parameter TotalSegments is present");
    if (has_segment && segment >= total)
        return err_validation(a, "The Segment parameter is zero-based and must be less than "
                                 "parameter TotalSegments: Segment: %lld is not less than "
                                 "TotalSegments: %lld",
                              (long long)segment, (long long)total);
    p->limit = has_limit ? limit : 0;
    p->segment = has_segment ? segment : 0;
    p->total_segments = has_total ? total : 1;
    unsigned allow = ALLOW_PROJECTION | ALLOW_FILTER |
                     (p->is_query ? ALLOW_QUERY_FILTER | ALLOW_KEY_CONDITION : ALLOW_SCAN_FILTER);
    if ((e = op_read_expressions(call, req, allow, &p->exprs))) return e;

    bool projected = p->exprs.projection != NULL;
    if (p->select == SELECT_SPECIFIC_ATTRIBUTES && !projected)
        return err_invalid_parameter(a, "Must specify the AttributesToGet or ProjectionExpression "
                                        "when choosing to get SPECIFIC_ATTRIBUTES");
    if (projected && p->select != SELECT_DEFAULT && p->select != SELECT_SPECIFIC_ATTRIBUTES) {
        bool legacy = wire_member(req, "AttributesToGet") != NULL;
        return err_validation(a, "Cannot specify the %s when choosing to get %s",
                              legacy ? "AttributesToGet" : "ProjectionExpression",
                              p->select == SELECT_COUNT ? "only the Count"
                                                        : select_names[p->select]);
    }
    if (projected) p->select = SELECT_SPECIFIC_ATTRIBUTES;
    return NULL;
}

/* --- what is read: the table or an index ------------------------------------------- */

static ddb_error_t *resolve_target(arena_t *a, read_plan_t *p, const char *index_name)
{
    table_t *t = p->table;
    if (index_name) {
        p->index = catalog_table_index(t, index_name, strlen(index_name));
        if (!p->index)
            return err_validation(a, "The table does not have the specified index: %s", index_name);
        if (p->index->status == INDEX_CREATING)
            return err_validation(a, "Cannot read from backfilling global secondary index: %s",
                                  index_name);
        p->hash = p->index->keys.hash;
        p->range = p->index->keys.range;
        p->hash_type = p->index->hash_type;
        p->range_type = p->index->range_type;
        if (p->index->global && p->consistent)
            return err_validation(a, "Consistent reads are not supported on global secondary "
                                     "indexes");
        if (p->select == SELECT_ALL_ATTRIBUTES && p->index->global &&
            p->index->projection != PROJECTION_ALL)
            return err_invalid_parameter(a, "Select type ALL_ATTRIBUTES is not supported for "
                                            "global secondary index %s because its projection "
                                            "type is not ALL",
                                         p->index->name);
    } else {
        p->hash = t->keys.hash;
        p->range = t->keys.range;
        p->hash_type = t->hash_type;
        p->range_type = t->range_type;
        if (p->select == SELECT_ALL_PROJECTED_ATTRIBUTES)
            return err_invalid_parameter(a, "ALL_PROJECTED_ATTRIBUTES can be used only when "
                                            "Querying using an IndexName");
    }
    return NULL;
}

/* One key condition term on a key attribute. */
typedef struct {
    const char *name;
    sk_op_t op;
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
                return err_validation(a, "Invalid condition in KeyConditionExpression: multiple "
                                         "attribute names used in one condition");
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
            return err_validation(a, "Invalid KeyConditionExpression: Query key condition not "
                                     "supported");
        out->name = arena_strndup(a, path->steps[0].name, path->steps[0].name_len);
        out->op = op;
        out->v1 = v1;
        out->v2 = v2;
        return NULL;
    }
    return err_validation(a, "Invalid operator used in KeyConditionExpression: %s", term->op);
}

static ddb_error_t *key_terms_from_legacy(arena_t *a, const json_value_t *conditions,
                                          key_term_t *terms, size_t *count)
{
    static const struct {
        const char *name;
        sk_op_t op;
        size_t values;
    } ops[] = {{"EQ", SK_EQ, 1}, {"LT", SK_LT, 1}, {"LE", SK_LE, 1},           {"GT", SK_GT, 1},
               {"GE", SK_GE, 1}, {"BETWEEN", SK_BETWEEN, 2}, {"BEGINS_WITH", SK_BEGINS_WITH, 1}};
    ddb_error_t *e = NULL;
    *count = 0;
    for (size_t i = 0; i < conditions->u.object.count; i++) {
        const json_member_t *m = &conditions->u.object.members[i];
        if ((e = wire_check(a, m->value, WIRE_STRUCT))) return e;
        const char *op_name = NULL;
        wire_string(a, m->value, "ComparisonOperator", &op_name, NULL, &e);
        const json_value_t *list = e ? NULL : wire_container(a, m->value, "AttributeValueList",
                                                             WIRE_LIST, &e);
        if (e) return e;
        if (!op_name)
            return err_validation(a, "1 validation error detected: Value null at "
                                     "'keyConditions.%s.member.comparisonOperator' failed to "
                                     "satisfy constraint: Member must not be null",
                                  m->key);
        size_t k = 0;
        while (k < sizeof ops / sizeof ops[0] && strcmp(ops[k].name, op_name) != 0) k++;
        if (k == sizeof ops / sizeof ops[0])
            return err_validation(a, "Attempted conditional constraint is not an indexable "
                                     "operation");
        size_t n = list ? list->u.array.count : 0;
        if (n != ops[k].values)
            return err_invalid_parameter(a, "Invalid number of argument(s) for the %s "
                                            "ComparisonOperator",
                                         op_name);
        if (*count == 8) return err_validation(a, "Conditions can be of length 1 or 2 only");
        key_term_t *t = &terms[(*count)++];
        t->name = m->key;
        t->op = ops[k].op;
        value_t *vals = arena_alloc(a, 2 * sizeof(value_t));
        for (size_t j = 0; j < n; j++)
            if ((e = value_from_json(a, list->u.array.items[j], &vals[j]))) return e;
        t->v1 = &vals[0];
        t->v2 = n > 1 ? &vals[1] : NULL;
    }
    return NULL;
}

static ddb_error_t *plan_key_condition(arena_t *a, read_plan_t *p)
{
    key_term_t terms[8];
    size_t count = 0;
    ddb_error_t *e;
    if (p->exprs.key_condition) {
        expr_term_t raw[8];
        size_t n = expr_condition_terms(p->exprs.key_condition, raw, 8);
        if (n > 8) return err_validation(a, "Query key condition not supported");
        for (size_t i = 0; i < n; i++)
            if ((e = key_term_from_expr(a, &raw[i], &terms[count++]))) return e;
    } else if (p->exprs.key_conditions) {
        if ((e = key_terms_from_legacy(a, p->exprs.key_conditions, terms, &count))) return e;
    } else {
        return err_validation(a, "Either the KeyConditions or KeyConditionExpression parameter "
                                 "must be specified in the request.");
    }
    const key_term_t *hash = NULL, *range = NULL;
    bool other = false;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(terms[i].name, p->hash) == 0) {
            if (hash)
                return err_validation(a, "KeyConditionExpressions must only contain one condition "
                                         "per key");
            hash = &terms[i];
        } else if (p->range && strcmp(terms[i].name, p->range) == 0) {
            if (range)
                return err_validation(a, "KeyConditionExpressions must only contain one condition "
                                         "per key");
            range = &terms[i];
        } else {
            other = true;
        }
    }
    /* A condition on another attribute: the first key element it missed. */
    if (!hash || other)
        return err_validation(a, "Query condition missed key schema element: %s",
                              !hash || !p->range ? p->hash : p->range);
    if (hash->op != SK_EQ)
        return err_validation(a, "Query key condition not supported");
    if (hash->v1->type != p->hash_type)
        return err_validation(a, "One or more parameter values were invalid: Condition parameter "
                                 "type does not match schema type");
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
                return err_validation(a, "Invalid KeyConditionExpression: Incorrect operand type "
                                         "for operator or function; operator or function: "
                                         "begins_with, operand type: N");
            return err_validation(a, "One or more parameter values were invalid: Condition "
                                     "parameter type does not match schema type");
        }
        if (range->op == SK_BEGINS_WITH && p->range_type == VALUE_N)
            return err_validation(a, "Invalid KeyConditionExpression: Incorrect operand type for "
                                     "operator or function; operator or function: begins_with, "
                                     "operand type: N");
        if (range->op == SK_BETWEEN && value_key_compare(range->v1, range->v2) > 0)
            return p->exprs.key_condition
                       ? err_validation(a, "Invalid KeyConditionExpression: The BETWEEN operator "
                                           "requires upper bound to be greater than or equal to "
                                           "lower bound")
                       : err_validation(a, "The BETWEEN condition was provided a range where the "
                                           "lower bound is bigger than the upper bound");
        p->sk_op = range->op;
        p->v1 = range->v1;
        p->v2 = range->v2;
    }
    return NULL;
}

/* Filters may not name key attributes in a Query. */
static ddb_error_t *check_filter_keys(arena_t *a, const read_plan_t *p, bool legacy)
{
    if (!p->is_query || !p->exprs.filter) return NULL;
    const char *keys[2] = {p->hash, p->range};
    for (int k = 0; k < 2; k++)
        if (keys[k] && expr_condition_mentions(p->exprs.filter, keys[k]))
            return err_validation(a, "%s can only contain non-primary key attributes: Primary key "
                                     "attribute: %s",
                                  legacy ? "QueryFilter" : "Filter Expression", keys[k]);
    return NULL;
}

static bool starts_with(const value_t *v, const value_t *prefix)
{
    return v->u.bytes.len >= prefix->u.bytes.len &&
           memcmp(v->u.bytes.ptr, prefix->u.bytes.ptr, prefix->u.bytes.len) == 0;
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
    case SK_NONE: break;
    }
    return 0;
}

/* The key attributes of an item as LastEvaluatedKey / ExclusiveStartKey
 * carry them: the read keys, then the table's. */
static size_t key_names(const read_plan_t *p, const char *names[4])
{
    size_t n = 0;
    const char *all[4] = {p->hash, p->range, p->table->keys.hash, p->table->keys.range};
    for (int i = 0; i < 4; i++) {
        if (!all[i]) continue;
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++) dup = strcmp(names[k], all[i]) == 0;
        if (!dup) names[n++] = all[i];
    }
    return n;
}

static ddb_error_t *check_start_key(arena_t *a, const read_plan_t *p, const value_t *start)
{
    const char *names[4];
    size_t n = key_names(p, names);
    bool ok = start->u.map.count == n;
    for (size_t i = 0; ok && i < n; i++) {
        const value_t *v = value_map_get(start, names[i], strlen(names[i]));
        value_type_t want = strcmp(names[i], p->hash) == 0 ? p->hash_type
                            : p->range && strcmp(names[i], p->range) == 0
                                ? p->range_type
                            : strcmp(names[i], p->table->keys.hash) == 0 ? p->table->hash_type
                                                                          : p->table->range_type;
        ok = v && v->type == want;
    }
    if (!ok)
        return err_validation(a, "The provided starting key is invalid: The provided key element "
                                 "does not match the schema");
    return NULL;
}

/* A Query's start key must lie within its key condition. */
static ddb_error_t *check_start_in_range(arena_t *a, const read_plan_t *p)
{
    if (!p->is_query || !p->start_key) return NULL;
    const value_t *pk = value_map_get(p->start_key, p->hash, strlen(p->hash));
    const value_t *sk = p->range ? value_map_get(p->start_key, p->range, strlen(p->range)) : NULL;
    if (value_key_compare(pk, p->pk) != 0 || (sk && sk_position(p, sk) != 0))
        return err_validation(a, "The provided starting key does not match the range key "
                                 "predicate");
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

/* A seek key: the partition, then (optionally) a sort key value. */
static size_t seek_key(const read_plan_t *p, const value_t *sk, uint8_t out[KEYCODEC_MAX_KEY])
{
    if (p->index) return keycodec_index_seek(p->pk, sk, out);
    return sk ? keycodec_item_key(p->pk, sk, out) : keycodec_partition_prefix(p->pk, out);
}

typedef struct {
    const read_plan_t *p;
    MDB_cursor *cursor;
    uint8_t prefix[KEYCODEC_MAX_KEY]; /* Query: the partition's key prefix */
    size_t prefix_len;
    uint64_t hash_lo, hash_hi; /* Scan: the segment */
    arena_t *arena;
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

static const value_t *item_sort_key(const read_plan_t *p, const value_t *item)
{
    return p->range ? value_map_get(item, p->range, strlen(p->range)) : NULL;
}

/* Position the cursor on the first entry to read; false when there is none. */
static bool walk_start(walk_t *w, MDB_val *k, MDB_val *v)
{
    const read_plan_t *p = w->p;
    uint8_t seek[KEYCODEC_MAX_KEY];
    size_t len;
    int rc;
    if (p->start_key && storage_key(p, p->start_key, seek, &len)) {
        MDB_val s = {len, seek};
        *k = s;
        rc = mdb_cursor_get(w->cursor, k, v, MDB_SET_RANGE);
        if (p->forward) {
            if (rc == 0 && k->mv_size == len && memcmp(k->mv_data, seek, len) == 0)
                rc = mdb_cursor_get(w->cursor, k, v, MDB_NEXT);
        } else {
            rc = mdb_cursor_get(w->cursor, k, v, rc == 0 ? MDB_PREV : MDB_LAST);
        }
        return rc == 0;
    }
    if (!p->is_query) {
        uint8_t lo[8];
        for (int i = 0; i < 8; i++) lo[i] = (uint8_t)(w->hash_lo >> (56 - 8 * i));
        MDB_val s = {8, lo};
        *k = s;
        return mdb_cursor_get(w->cursor, k, v, MDB_SET_RANGE) == 0;
    }
    if (p->forward) {
        bool lower = p->sk_op == SK_EQ || p->sk_op == SK_GT || p->sk_op == SK_GE ||
                     p->sk_op == SK_BETWEEN || p->sk_op == SK_BEGINS_WITH;
        MDB_val s = {seek_key(p, lower ? p->v1 : NULL, seek), seek};
        *k = s;
        return mdb_cursor_get(w->cursor, k, v, MDB_SET_RANGE) == 0;
    }
    /* Reverse: find the first entry past the upper bound, then step back. */
    const value_t *upper = p->sk_op == SK_BETWEEN ? p->v2
                           : (p->sk_op == SK_EQ || p->sk_op == SK_LT || p->sk_op == SK_LE ||
                              p->sk_op == SK_BEGINS_WITH)
                               ? p->v1
                               : NULL;
    MDB_val s = {seek_key(p, upper, seek), seek};
    *k = s;
    rc = mdb_cursor_get(w->cursor, k, v, MDB_SET_RANGE);
    while (rc == 0 && in_range(w, k)) {
        value_t item;
        if (!upper || !value_item_decode(w->arena, v->mv_data, v->mv_size, &item, NULL)) {
            if (!upper) { /* no upper bound: the end of the partition */
                rc = mdb_cursor_get(w->cursor, k, v, MDB_NEXT);
                continue;
            }
            break;
        }
        const value_t *sk = item_sort_key(p, &item);
        if (sk && sk_position(p, sk) > 0) break;
        rc = mdb_cursor_get(w->cursor, k, v, MDB_NEXT);
    }
    rc = mdb_cursor_get(w->cursor, k, v, rc == 0 ? MDB_PREV : MDB_LAST);
    return rc == 0;
}

/* Render one item's key attributes as LastEvaluatedKey. */
static void render_last_key(buf_t *out, const read_plan_t *p, const value_t *item)
{
    const char *names[4];
    size_t n = key_names(p, names);
    buf_append_str(out, ",\"LastEvaluatedKey\":{");
    size_t written = 0;
    for (size_t i = 0; i < n; i++) {
        const value_t *v = value_map_get(item, names[i], strlen(names[i]));
        if (!v) continue;
        if (written++) buf_putc(out, ',');
        json_write_string(out, names[i], strlen(names[i]));
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
                return err_validation(a, "The provided starting key is invalid: Invalid "
                                         "ExclusiveStartKey. Please use ExclusiveStartKey with "
                                         "correct Segment. TotalSegments: %lld Segment: %lld",
                                      (long long)p->total_segments, (long long)p->segment);
        }
    }
    MDB_dbi dbi = p->index ? p->index->dbi : p->table->dbi;
    if (mdb_cursor_open(txn, dbi, &w.cursor) != 0) return err_internal(a);

    buf_t *out = call->out;
    bool count_only = p->select == SELECT_COUNT;
    buf_append_str(out, count_only ? "{" : "{\"Items\":[");
    int64_t scanned = 0, matched = 0;
    size_t bytes = 0;
    bool stopped = false;
    value_t last;
    ddb_error_t *e = NULL;
    MDB_val k, v;
    bool more = walk_start(&w, &k, &v);
    for (; more && in_range(&w, &k);
         more = mdb_cursor_get(w.cursor, &k, &v, p->forward ? MDB_NEXT : MDB_PREV) == 0) {
        value_t item;
        size_t size;
        if (!value_item_decode(a, v.mv_data, v.mv_size, &item, &size)) {
            e = err_internal(a);
            break;
        }
        if (p->is_query) {
            const value_t *pk = value_map_get(&item, p->hash, strlen(p->hash));
            if (!pk || value_key_compare(pk, p->pk) != 0) continue; /* a hashed long key */
            const value_t *sk = item_sort_key(p, &item);
            int pos = sk ? sk_position(p, sk) : 0;
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
                if (matched) buf_putc(out, ',');
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
    if (e) return e;
    if (!count_only) buf_putc(out, ']');
    buf_printf(out, "%s\"Count\":%lld,\"ScannedCount\":%lld", count_only ? "" : ",",
               (long long)matched, (long long)scanned);
    if (stopped) render_last_key(out, p, &last);
    bool first = false;
    size_t units = (bytes + 4095) / 4096;
    double read_units = units ? (double)units : 1.0;
    if (!p->consistent) read_units /= 2;
    op_render_capacity(out, p->table, p->capacity, read_units, &first);
    buf_putc(out, '}');
    return NULL;
}

static api_result_t read_op(api_call_t *call, const json_value_t *req, bool is_query)
{
    arena_t *a = call->arena;
    read_plan_t *p = arena_calloc(a, sizeof *p);
    p->is_query = is_query;
    const char *table_name, *index_name;
    const json_value_t *start_json = NULL;
    ddb_error_t *e = read_request(call, req, p, &table_name, &index_name, &start_json);
    if (!e && start_json) {
        p->start_key = arena_alloc(a, sizeof(value_t));
        e = value_map_from_json(a, start_json, p->start_key);
    }
    if (e) return op_reply_error(call, e);

    MDB_txn *txn = op_read_begin(call);
    if (!txn) return op_reply_error(call, err_internal(a));
    p->table = catalog_acquire(table_name, strlen(table_name));
    if (!p->table) e = err_table_not_found_op(a);
    if (!e) e = resolve_target(a, p, index_name);
    if (!e && is_query) e = plan_key_condition(a, p);
    if (!e) e = check_filter_keys(a, p, wire_member(req, "QueryFilter") != NULL);
    if (!e && p->start_key) e = check_start_key(a, p, p->start_key);
    if (!e) e = check_start_in_range(a, p);
    if (!e) e = run(call, txn, p);
    op_read_end(call, txn);
    catalog_release(p->table);
    if (e) return op_reply_error(call, e);
    return op_reply_ok(call);
}

api_result_t op_query(api_call_t *call, const json_value_t *req)
{
    return read_op(call, req, true);
}

api_result_t op_scan(api_call_t *call, const json_value_t *req)
{
    return read_op(call, req, false);
}
