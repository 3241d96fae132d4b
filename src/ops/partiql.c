/* ops/partiql: ExecuteStatement.
 *
 * A statement is parsed (partiql.h), then lowered onto the request of the
 * item operation that does the same thing, with its WHERE, SET and REMOVE
 * parts written as condition, key-condition, filter, update and projection
 * expressions over #n / :v placeholders; that request then goes through the
 * very code of the operation (item_read_*, query_run_statement,
 * item_write_*), so PartiQL has no evaluator or storage path of its own:
 *
 *   SELECT, WHERE fixing the whole key (base table)  -> GetItem
 *   SELECT, WHERE fixing the partition key           -> Query (key condition
 *                                                       + filter)
 *   SELECT, anything else                            -> Scan with a filter
 *   INSERT  -> PutItem, condition attribute_not_exists(pk)
 *   UPDATE  -> UpdateItem, condition attribute_exists(pk) AND the rest of WHERE
 *   DELETE  -> DeleteItem, condition attribute_not_exists(pk) OR the rest
 *
 * NextToken is the page's LastEvaluatedKey tagged with a hash of the
 * statement and its parameters, base64-encoded. */
#include <stdio.h>
#include <string.h>

#include "partiql.h"
#include "auth.h"
#include "ops/ops.h"
#include "wire.h"

#define STATEMENT_MAX 8192
#define NEXT_TOKEN_MAX 32768

typedef struct {
    arena_t *a;
    const char *text; /* the statement, for positions in errors */
    const partiql_statement_t *s;
    const char **params; /* AttributeValue JSON of each parameter */
    size_t *param_lens;
    value_t *param_values;
    size_t nparams;
    buf_t names, values; /* "#n0":"x",...  ":v0":{...},... */
    size_t nnames, nvalues;
    ddb_error_t *error;
} lower_t;

/* --- lowering: statement parts as expression text ------------------------------------ */

static void lower_path(lower_t *l, buf_t *out, const expr_path_t *path)
{
    for (size_t i = 0; i < path->count; i++) {
        const expr_path_step_t *st = &path->steps[i];
        if (st->is_index) {
            buf_printf(out, "[%zu]", st->index);
            continue;
        }
        if (i) buf_putc(out, '.');
        buf_printf(out, "#n%zu", l->nnames);
        buf_printf(&l->names, "%s\"#n%zu\":", l->nnames ? "," : "", l->nnames);
        json_write_string(&l->names, st->name, st->name_len);
        l->nnames++;
    }
}

/* A value operand as a new :v placeholder. */
static void lower_value(lower_t *l, buf_t *out, const partiql_node_t *n)
{
    buf_printf(out, ":v%zu", l->nvalues);
    buf_printf(&l->values, "%s\":v%zu\":", l->nvalues ? "," : "", l->nvalues);
    l->nvalues++;
    if (n->kind == PQN_PARAM)
        buf_append(&l->values, l->params[n->param], l->param_lens[n->param]);
    else
        partiql_literal_render(&l->values, n->json, n->json_len, l->params, l->param_lens,
                               l->nparams);
}

static void lower_value_text(lower_t *l, buf_t *out, const char *json)
{
    buf_printf(out, ":v%zu", l->nvalues);
    buf_printf(&l->values, "%s\":v%zu\":%s", l->nvalues ? "," : "", l->nvalues, json);
    l->nvalues++;
}

/* The type of a value operand (a literal or a bound parameter). */
static int operand_type(const lower_t *l, const partiql_node_t *n)
{
    if (n->kind == PQN_PARAM) return (int)l->param_values[n->param].type;
    if (n->kind == PQN_LITERAL) return (int)n->type;
    return -1;
}

static bool is_value(const partiql_node_t *n)
{
    return n->kind == PQN_PARAM || n->kind == PQN_LITERAL;
}

static void lower_cond(lower_t *l, buf_t *out, const partiql_node_t *n);

static void lower_operand(lower_t *l, buf_t *out, const partiql_node_t *n)
{
    if (n->kind == PQN_PATH) lower_path(l, out, &n->path);
    else if (is_value(n)) lower_value(l, out, n);
    else lower_cond(l, out, n); /* size(...) */
}

static const char *const cmp_text[] = {"=", "<>", "<", "<=", ">", ">=", "+", "-"};

/* <, <=, >, >=, BETWEEN refuse unordered values. */
static void check_ordered(lower_t *l, const char *op, const partiql_node_t *n)
{
    int t = operand_type(l, n);
    if (t < 0 || t == VALUE_S || t == VALUE_N || t == VALUE_B || l->error) return;
    l->error = err_partiql_operand_type(l->a, op, value_type_name((value_type_t)t));
}

static void lower_function(lower_t *l, buf_t *out, const partiql_node_t *n)
{
    if (!strcmp(n->name, "list_append") || !strcmp(n->name, "set_add") ||
        !strcmp(n->name, "set_delete")) {
        if (!l->error)
            l->error = err_partiql_unrecognized_function(l->a, n->name, l->text, n->pos,
                                                         strlen(n->name));
        return;
    }
    buf_printf(out, "%s(", n->name);
    for (size_t i = 0; i < n->nkids; i++) {
        if (i) buf_putc(out, ',');
        lower_operand(l, out, n->kids[i]);
    }
    buf_putc(out, ')');
}

static bool is_logical(const partiql_node_t *n)
{
    return n->kind == PQN_AND || n->kind == PQN_OR;
}

static void lower_kid(lower_t *l, buf_t *out, const partiql_node_t *parent,
                      const partiql_node_t *kid)
{
    bool wrap = is_logical(kid) && kid->kind != parent->kind;
    if (wrap) buf_putc(out, '(');
    lower_cond(l, out, kid);
    if (wrap) buf_putc(out, ')');
}

static void lower_cmp(lower_t *l, buf_t *out, const partiql_node_t *n)
{
    const partiql_node_t *a = n->kids[0], *b = n->kids[1];
    /* attribute_exists(x) = true: the function itself */
    bool a_bool = a->kind == PQN_FUNC && strcmp(a->name, "size");
    if (a_bool && b->kind == PQN_LITERAL && b->type == VALUE_BOOL &&
        (n->op == PQ_EQ || n->op == PQ_NE)) {
        bool want = strstr(b->json, "true") != NULL;
        if (want != (n->op == PQ_EQ)) buf_append_str(out, "NOT ");
        lower_function(l, out, a);
        return;
    }
    if (n->op >= PQ_LT) {
        check_ordered(l, cmp_text[n->op], a);
        check_ordered(l, cmp_text[n->op], b);
    }
    lower_operand(l, out, a);
    buf_printf(out, " %s ", cmp_text[n->op]);
    lower_operand(l, out, b);
}

static void lower_cond(lower_t *l, buf_t *out, const partiql_node_t *n)
{
    switch ((partiql_node_kind_t)n->kind) {
    case PQN_CMP: lower_cmp(l, out, n); return;
    case PQN_BETWEEN:
        for (int i = 0; i < 3; i++) check_ordered(l, "BETWEEN", n->kids[i]);
        lower_operand(l, out, n->kids[0]);
        buf_append_str(out, " BETWEEN ");
        lower_operand(l, out, n->kids[1]);
        buf_append_str(out, " AND ");
        lower_operand(l, out, n->kids[2]);
        return;
    case PQN_IN:
        lower_operand(l, out, n->kids[0]);
        buf_append_str(out, " IN (");
        for (size_t i = 1; i < n->nkids; i++) {
            if (i > 1) buf_putc(out, ',');
            lower_operand(l, out, n->kids[i]);
        }
        buf_putc(out, ')');
        return;
    case PQN_AND:
    case PQN_OR:
        lower_kid(l, out, n, n->kids[0]);
        buf_append_str(out, n->kind == PQN_AND ? " AND " : " OR ");
        lower_kid(l, out, n, n->kids[1]);
        return;
    case PQN_NOT:
        buf_append_str(out, "NOT ");
        if (is_logical(n->kids[0])) buf_putc(out, '(');
        lower_cond(l, out, n->kids[0]);
        if (is_logical(n->kids[0])) buf_putc(out, ')');
        return;
    case PQN_IS:
        if (!n->is_type) {
            buf_append_str(out, n->negated ? "attribute_exists(" : "attribute_not_exists(");
            lower_operand(l, out, n->kids[0]);
            buf_putc(out, ')');
            return;
        }
        if (n->negated) buf_append_str(out, "NOT ");
        buf_append_str(out, "attribute_type(");
        lower_operand(l, out, n->kids[0]);
        buf_putc(out, ',');
        char json[32];
        snprintf(json, sizeof json, "{\"S\":\"%s\"}", n->is_type);
        lower_value_text(l, out, json);
        buf_putc(out, ')');
        return;
    case PQN_FUNC: lower_function(l, out, n); return;
    default: lower_operand(l, out, n); return;
    }
}

/* --- WHERE: key terms and the rest ------------------------------------------------------- */

#define MAX_TERMS 64

/* The top-level AND terms of a condition. */
static size_t where_terms(const partiql_node_t *n, const partiql_node_t **terms, size_t count)
{
    if (!n) return count;
    if (n->kind == PQN_AND) {
        count = where_terms(n->kids[0], terms, count);
        return where_terms(n->kids[1], terms, count);
    }
    if (count < MAX_TERMS) terms[count] = n;
    return count + 1;
}

static bool path_is(const partiql_node_t *n, const char *name)
{
    return n->kind == PQN_PATH && n->path.count == 1 && strlen(name) == n->path.steps[0].name_len &&
           memcmp(n->path.steps[0].name, name, n->path.steps[0].name_len) == 0;
}

static bool path_under(const partiql_node_t *n, const char *name)
{
    return n->kind == PQN_PATH && strlen(name) == n->path.steps[0].name_len &&
           memcmp(n->path.steps[0].name, name, n->path.steps[0].name_len) == 0;
}

static bool mentions(const partiql_node_t *n, const char *name)
{
    if (!name) return false;
    if (path_under(n, name)) return true;
    for (size_t i = 0; i < n->nkids; i++)
        if (mentions(n->kids[i], name)) return true;
    return false;
}

/* The value of `key = value` (or `value = key`), or NULL. */
static const partiql_node_t *key_equality(const partiql_node_t *t, const char *key)
{
    if (t->kind != PQN_CMP || t->op != PQ_EQ) return NULL;
    if (path_is(t->kids[0], key) && is_value(t->kids[1])) return t->kids[1];
    if (path_is(t->kids[1], key) && is_value(t->kids[0])) return t->kids[0];
    return NULL;
}

static ddb_error_t *check_key_value(lower_t *l, const char *key, value_type_t want,
                                    const partiql_node_t *v)
{
    if (operand_type(l, v) != (int)want) return err_partiql_key_type(l->a, key);
    return NULL;
}

/* "key": value, for a Key map. */
static void render_key_member(lower_t *l, buf_t *out, const char *key, const partiql_node_t *v)
{
    json_write_string(out, key, strlen(key));
    buf_putc(out, ':');
    if (v->kind == PQN_PARAM) buf_append(out, l->params[v->param], l->param_lens[v->param]);
    else partiql_literal_render(out, v->json, v->json_len, l->params, l->param_lens, l->nparams);
}

/* The remaining terms (skip[i] set for key terms) joined with AND. */
static void lower_rest(lower_t *l, buf_t *out, const partiql_node_t **terms, size_t n,
                       const bool *skip)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (skip[i]) continue;
        if (!first) buf_append_str(out, " AND ");
        first = false;
        bool wrap = terms[i]->kind == PQN_OR;
        if (wrap) buf_putc(out, '(');
        lower_cond(l, out, terms[i]);
        if (wrap) buf_putc(out, ')');
    }
}

/* Append the placeholder maps and close the request object. */
static void finish_request(lower_t *l, buf_t *req)
{
    if (l->nnames) {
        buf_append_str(req, ",\"ExpressionAttributeNames\":{");
        buf_append(req, l->names.data, l->names.len);
        buf_putc(req, '}');
    }
    if (l->nvalues) {
        buf_append_str(req, ",\"ExpressionAttributeValues\":{");
        buf_append(req, l->values.data, l->values.len);
        buf_putc(req, '}');
    }
    buf_putc(req, '}');
}

static void add_string_member(buf_t *req, const char *name, const char *value, size_t len)
{
    buf_printf(req, ",\"%s\":", name);
    json_write_string(req, value, len);
}

static ddb_error_t *request_parse(arena_t *a, buf_t *req, json_value_t **out)
{
    char *text = arena_strndup(a, req->data, req->len);
    if (json_parse(a, text, req->len, out, NULL) != JSON_OK) return err_internal(a);
    return NULL;
}

/* --- the request ---------------------------------------------------------------------- */

typedef struct {
    const char *statement;
    size_t statement_len;
    const json_value_t *parameters;
    bool consistent;
    const char *next_token, *capacity, *on_failure;
    size_t next_token_len;
    int64_t limit;
    bool has_limit;
    capacity_mode_t capacity_mode;
} statement_request_t;

static ddb_error_t *read_request(api_call_t *call, const json_value_t *req,
                                 statement_request_t *r)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    memset(r, 0, sizeof *r);
    wire_string(a, req, "Statement", &r->statement, &r->statement_len, &e);
    if (!e) r->parameters = wire_container(a, req, "Parameters", WIRE_LIST, &e);
    if (!e) wire_bool(a, req, "ConsistentRead", &r->consistent, &e);
    if (!e) wire_string(a, req, "NextToken", &r->next_token, &r->next_token_len, &e);
    if (!e) r->has_limit = wire_integer(a, req, "Limit", &r->limit, &e);
    if (!e) wire_string(a, req, "ReturnConsumedCapacity", &r->capacity, NULL, &e);
    if (!e) wire_string(a, req, "ReturnValuesOnConditionCheckFailure", &r->on_failure, NULL, &e);
    if (e) return e;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    if (constraint_required(&cl, r->statement != NULL, "statement"))
        constraint_length(&cl, r->statement, r->statement_len, 1, STATEMENT_MAX, "statement");
    if (r->parameters)
        constraint_length(&cl, wire_value_text(a, r->parameters), r->parameters->u.array.count,
                          1, SIZE_MAX, "parameters");
    if (r->next_token)
        constraint_length(&cl, r->next_token, r->next_token_len, 1, NEXT_TOKEN_MAX, "nextToken");
    if (r->has_limit) constraint_range(&cl, r->limit, 1, INT64_MAX, "limit");
    if ((e = capacity_mode_read(a, req, &cl, &r->capacity_mode))) return e;
    constraint_enum(&cl, r->on_failure, &ENUM_RETURN_VALUES_ON_FAILURE,
                    "returnValuesOnConditionCheckFailure");
    return constraint_list_finish(&cl);
}

/* Each parameter as JSON text and as a value. */
static ddb_error_t *bind_parameters(lower_t *l, const json_value_t *list, size_t needed)
{
    size_t n = list ? list->u.array.count : 0;
    if (n < needed) return err_partiql_param_count(l->a);
    l->nparams = n;
    l->params = arena_alloc(l->a, (n + 1) * sizeof *l->params);
    l->param_lens = arena_alloc(l->a, (n + 1) * sizeof *l->param_lens);
    l->param_values = arena_alloc(l->a, (n + 1) * sizeof *l->param_values);
    for (size_t i = 0; i < n; i++) {
        const json_value_t *p = list->u.array.items[i];
        const json_value_t *num = p->type == JSON_OBJECT ? json_object_get(p, "N") : NULL;
        if (num && num->type == JSON_STRING) {
            number_t parsed;
            if (number_parse(num->u.str.ptr, num->u.str.len, &parsed) != NUMBER_OK)
                return err_partiql_param_number(l->a, num->u.str.ptr, num->u.str.len);
        }
        ddb_error_t *e = value_from_json(l->a, p, &l->param_values[i]);
        if (e) return e;
        buf_t b;
        buf_init(&b);
        json_write_value(&b, p);
        l->params[i] = arena_strndup(l->a, b.data, b.len);
        l->param_lens[i] = b.len;
        buf_free(&b);
    }
    return NULL;
}

/* Members every lowered request carries. */
static void request_begin(buf_t *req, const partiql_statement_t *s, const statement_request_t *r)
{
    buf_append_str(req, "{\"TableName\":");
    json_write_string(req, s->table, strlen(s->table));
    if (r->capacity) add_string_member(req, "ReturnConsumedCapacity", r->capacity, strlen(r->capacity));
}

/* --- SELECT ----------------------------------------------------------------------------- */

typedef struct {
    const char *hash, *range;
    value_type_t hash_type, range_type;
    const index_def_t *index;
} target_t;

static ddb_error_t *resolve_target(arena_t *a, const table_t *t, const partiql_statement_t *s,
                                   const statement_request_t *r, target_t *out)
{
    memset(out, 0, sizeof *out);
    out->hash = t->keys.hash, out->range = t->keys.range;
    out->hash_type = t->hash_type, out->range_type = t->range_type;
    if (!s->index) return NULL;
    const index_def_t *ix = catalog_table_index(t, s->index, strlen(s->index));
    if (!ix) return err_partiql_index_not_found(a);
    if (ix->global && r->consistent) return err_partiql_gsi_consistent(a);
    out->index = ix;
    out->hash = ix->keys.hash, out->range = ix->keys.range;
    for (size_t i = 0; i < t->attr_count; i++) {
        if (!strcmp(t->attrs[i].name, out->hash)) out->hash_type = t->attrs[i].type;
        if (out->range && !strcmp(t->attrs[i].name, out->range))
            out->range_type = t->attrs[i].type;
    }
    return NULL;
}

/* A sort-key condition usable in a KeyConditionExpression. */
static bool range_term(const partiql_node_t *t, const char *range)
{
    if (!range) return false;
    if (t->kind == PQN_CMP && t->op != PQ_NE)
        return (path_is(t->kids[0], range) && is_value(t->kids[1])) ||
               (path_is(t->kids[1], range) && is_value(t->kids[0]));
    if (t->kind == PQN_BETWEEN)
        return path_is(t->kids[0], range) && is_value(t->kids[1]) && is_value(t->kids[2]);
    if (t->kind == PQN_FUNC && !strcmp(t->name, "begins_with") && t->nkids == 2)
        return path_is(t->kids[0], range) && is_value(t->kids[1]);
    return false;
}

/* A sort-key comparison written with the key first. */
static void lower_range_term(lower_t *l, buf_t *out, const partiql_node_t *t, const char *range)
{
    if (t->kind == PQN_CMP && !path_is(t->kids[0], range)) {
        static const uint8_t flipped[] = {PQ_EQ, PQ_NE, PQ_GT, PQ_GE, PQ_LT, PQ_LE};
        if (t->op >= PQ_LT) check_ordered(l, cmp_text[t->op], t->kids[0]);
        lower_operand(l, out, t->kids[1]);
        buf_printf(out, " %s ", cmp_text[flipped[t->op]]);
        lower_operand(l, out, t->kids[0]);
        return;
    }
    lower_cond(l, out, t);
}

static ddb_error_t *projection(lower_t *l, buf_t *req)
{
    const partiql_statement_t *s = l->s;
    if (s->star) return NULL;
    buf_t expr;
    buf_init(&expr);
    for (size_t i = 0; i < s->nprojection; i++) {
        const expr_path_t *p = &s->projection[i]->path;
        if (i) buf_putc(&expr, ',');
        lower_path(l, &expr, p);
    }
    add_string_member(req, "ProjectionExpression", expr.data, expr.len);
    buf_free(&expr);
    return NULL;
}

/* A hash of the statement and its parameters: what a NextToken belongs to. */
static uint64_t statement_hash(const statement_request_t *r, const lower_t *l)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < r->statement_len; i++) h = (h ^ (uint8_t)r->statement[i]) * 1099511628211ull;
    for (size_t p = 0; p < l->nparams; p++)
        for (size_t i = 0; i < l->param_lens[p]; i++)
            h = (h ^ (uint8_t)l->params[p][i]) * 1099511628211ull;
    return h;
}

/* The ExclusiveStartKey a NextToken stands for. */
static ddb_error_t *next_token_read(arena_t *a, const statement_request_t *r, const lower_t *l,
                                    buf_t *req)
{
    uint8_t *raw = arena_alloc(a, r->next_token_len + 1);
    size_t len;
    if (!json_base64_decode(r->next_token, r->next_token_len, raw, &len) || len < 17 ||
        raw[16] != '{')
        return err_partiql_next_token_invalid(a);
    char want[17];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)statement_hash(r, l));
    if (memcmp(raw, want, 16) != 0) return err_partiql_next_token_other(a);
    buf_append_str(req, ",\"ExclusiveStartKey\":");
    buf_append(req, raw + 16, len - 16);
    return NULL;
}

static void next_token_render(buf_t *out, const statement_request_t *r, const lower_t *l,
                              const buf_t *last_key)
{
    static const char prefix[] = ",\"LastEvaluatedKey\":";
    buf_t raw;
    buf_init(&raw);
    buf_printf(&raw, "%016llx", (unsigned long long)statement_hash(r, l));
    buf_append(&raw, last_key->data + sizeof prefix - 1, last_key->len - (sizeof prefix - 1));
    buf_append_str(out, ",\"NextToken\":");
    json_write_base64(out, (const uint8_t *)raw.data, raw.len);
    buf_free(&raw);
}

static ddb_error_t *check_order_by(arena_t *a, const partiql_statement_t *s, const target_t *tg,
                                   bool has_hash)
{
    if (!s->order_by) return NULL;
    if (!s->where) return err_partiql_order_by_where(a);
    if (!has_hash) return err_partiql_order_by_hash(a);
    if (strcmp(s->order_by, tg->hash) && (!tg->range || strcmp(s->order_by, tg->range)))
        return err_partiql_order_by_key(a, s->order_by);
    return NULL;
}

/* GetItem: {"Items":[item]} */
static ddb_error_t *select_get(api_call_t *call, const json_value_t *req, const table_t *t,
                               const statement_request_t *r)
{
    arena_t *a = call->arena;
    item_read_t *rd;
    ddb_error_t *e = item_read_prepare(call, req, &rd);
    if (e) return e;
    MDB_txn *txn = op_read_begin(call);
    if (!txn) return err_internal(a);
    buf_t *out = call->out;
    buf_append_str(out, "{\"Items\":[");
    e = item_read_run(call, txn, t, rd, out);
    op_read_end(call, txn);
    if (e) return e;
    buf_putc(out, ']');
    bool first = false;
    capacity_t used = {.table = t->name, .units = item_read_units(rd, false)};
    capacity_render(out, r->capacity_mode, &used, &first);
    buf_putc(out, '}');
    return NULL;
}

static ddb_error_t *select_run(api_call_t *call, lower_t *l, const table_t *t,
                               const statement_request_t *r)
{
    arena_t *a = call->arena;
    const partiql_statement_t *s = l->s;
    target_t tg;
    ddb_error_t *e = resolve_target(a, t, s, r, &tg);
    if (e) return e;
    const partiql_node_t *terms[MAX_TERMS];
    size_t n = where_terms(s->where, terms, 0);
    bool skip[MAX_TERMS] = {false};
    const partiql_node_t *hash_value = NULL, *range_value = NULL;
    ssize_t hash_at = -1, range_at = -1;
    for (size_t i = 0; n <= MAX_TERMS && i < n; i++) {
        const partiql_node_t *v = key_equality(terms[i], tg.hash);
        if (v && !hash_value) hash_value = v, hash_at = (ssize_t)i;
        else if (range_at < 0 && range_term(terms[i], tg.range)) range_at = (ssize_t)i;
    }
    if (range_at >= 0) range_value = key_equality(terms[range_at], tg.range);
    bool query = hash_value != NULL;
    if (query) {
        skip[hash_at] = true;
        if (range_at >= 0) skip[range_at] = true;
        for (size_t i = 0; i < n; i++)
            if (!skip[i] && (mentions(terms[i], tg.hash) || mentions(terms[i], tg.range)))
                query = false; /* a key in the filter: scan with the whole condition */
    }
    if ((e = check_order_by(a, s, &tg, hash_value != NULL))) return e;
    if (query && (e = check_key_value(l, tg.hash, tg.hash_type, hash_value))) return e;
    if (query && range_value && (e = check_key_value(l, tg.range, tg.range_type, range_value)))
        return e;
    bool rest = false;
    for (size_t i = 0; query && i < n; i++) rest |= !skip[i];
    bool get = query && !tg.index && !rest && (!tg.range || range_value);

    buf_t req;
    buf_init(&req);
    request_begin(&req, s, r);
    if (r->consistent) buf_append_str(&req, ",\"ConsistentRead\":true");
    if ((e = projection(l, &req))) goto done;
    if (get) {
        buf_append_str(&req, ",\"Key\":{");
        render_key_member(l, &req, tg.hash, hash_value);
        if (range_value) {
            buf_putc(&req, ',');
            render_key_member(l, &req, tg.range, range_value);
        }
        buf_putc(&req, '}');
        finish_request(l, &req);
        json_value_t *j;
        if (!(e = request_parse(a, &req, &j))) e = select_get(call, j, t, r);
        goto done;
    }
    if (s->index) add_string_member(&req, "IndexName", s->index, strlen(s->index));
    if (r->has_limit) buf_printf(&req, ",\"Limit\":%lld", (long long)r->limit);
    if (r->next_token && (e = next_token_read(a, r, l, &req))) goto done;
    buf_t expr;
    buf_init(&expr);
    if (query) {
        expr_path_t hash = {&(expr_path_step_t){false, 0, tg.hash, strlen(tg.hash)}, 1};
        lower_path(l, &expr, &hash);
        buf_append_str(&expr, " = ");
        lower_value(l, &expr, hash_value);
        if (range_at >= 0) {
            buf_append_str(&expr, " AND ");
            lower_range_term(l, &expr, terms[range_at], tg.range);
        }
        add_string_member(&req, "KeyConditionExpression", expr.data, expr.len);
        if (s->order_by && s->order_desc) buf_append_str(&req, ",\"ScanIndexForward\":false");
        expr.len = 0;
        if (rest) lower_rest(l, &expr, terms, n, skip);
    } else if (s->where) {
        lower_cond(l, &expr, s->where);
    }
    if (expr.len) add_string_member(&req, "FilterExpression", expr.data, expr.len);
    buf_free(&expr);
    finish_request(l, &req);
    if ((e = l->error)) goto done;
    json_value_t *j;
    if ((e = request_parse(a, &req, &j))) goto done;
    buf_t last_key;
    buf_init(&last_key);
    e = query_run_statement(call, j, query, &last_key);
    if (!e && last_key.len) next_token_render(call->out, r, l, &last_key);
    if (!e) buf_putc(call->out, '}');
    buf_free(&last_key);
done:
    buf_free(&req);
    return e ? e : l->error;
}

/* --- writes ----------------------------------------------------------------------------- */

typedef struct {
    storage_write_t w;
    api_call_t *call;
    item_write_t *iw;
    const partiql_statement_t *s;
    capacity_mode_t capacity;
} statement_write_t;

static int write_apply(storage_write_t *w, MDB_txn *txn)
{
    return item_write_apply(((statement_write_t *)w)->iw, txn);
}

static void write_done(storage_write_t *w, int status)
{
    statement_write_t *sw = (statement_write_t *)w;
    api_call_t *call = sw->call;
    arena_t *a = call->arena;
    bool gone;
    ddb_error_t *e = status ? err_internal(a) : item_write_result(sw->iw, &gone);
    if (!status && gone) e = err_table_not_found_op(a);
    if (e && sw->s->kind == PQ_INSERT && e->kind == ERR_CONDITIONAL_CHECK_FAILED)
        e = err_partiql_duplicate_item(a);
    if (e) {
        op_reply_error(call, e);
    } else {
        buf_t *out = call->out;
        buf_append_str(out, "{\"Items\":[");
        const value_t *returned = item_write_returned(sw->iw);
        if (returned && returned->u.map.count) value_map_write_json(out, returned);
        buf_putc(out, ']');
        capacity_t used[1];
        size_t nused = 0;
        bool first = false;
        item_write_add_capacity(&sw->iw, 1, 1.0, used, &nused);
        capacity_render(out, sw->capacity, &used[0], &first);
        buf_putc(out, '}');
        op_reply_ok(call);
    }
    item_write_release(sw->iw);
    op_complete(call);
}

static const char *const return_values[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                            "UPDATED_NEW"};

/* UPDATE and DELETE: the key from WHERE, the rest as the condition. */
static ddb_error_t *lower_keyed_write(lower_t *l, const table_t *t, buf_t *req)
{
    arena_t *a = l->a;
    const partiql_statement_t *s = l->s;
    const partiql_node_t *terms[MAX_TERMS];
    size_t n = where_terms(s->where, terms, 0);
    if (n > MAX_TERMS) return err_partiql_where_key(a);
    bool skip[MAX_TERMS] = {false};
    const char *keys[2] = {t->keys.hash, t->keys.range};
    value_type_t types[2] = {t->hash_type, t->range_type};
    const partiql_node_t *values[2] = {NULL, NULL};
    for (int k = 0; k < 2 && keys[k]; k++) {
        for (size_t i = 0; i < n; i++) {
            const partiql_node_t *v = key_equality(terms[i], keys[k]);
            if (!v && terms[i]->kind == PQN_CMP && terms[i]->op == PQ_EQ &&
                (path_under(terms[i]->kids[0], keys[k]) || path_under(terms[i]->kids[1], keys[k])))
                return err_partiql_key_nested(a, keys[k]);
            if (!v) continue;
            if (values[k]) return err_partiql_multiple_key(a, keys[k]);
            values[k] = v;
            skip[i] = true;
        }
        if (!values[k]) return err_partiql_where_key(a);
    }
    for (int k = 0; k < 2 && keys[k]; k++) {
        ddb_error_t *e = check_key_value(l, keys[k], types[k], values[k]);
        if (e) return e;
    }
    buf_append_str(req, ",\"Key\":{");
    for (int k = 0; k < 2 && keys[k]; k++) {
        if (k) buf_putc(req, ',');
        render_key_member(l, req, keys[k], values[k]);
    }
    buf_putc(req, '}');
    buf_t expr;
    buf_init(&expr);
    expr_path_t hash = {&(expr_path_step_t){false, 0, t->keys.hash, strlen(t->keys.hash)}, 1};
    bool rest = false;
    for (size_t i = 0; i < n; i++) rest |= !skip[i];
    if (s->kind == PQ_UPDATE || rest) {
        /* UPDATE needs the item; DELETE of a missing item succeeds */
        buf_append_str(&expr, s->kind == PQ_UPDATE ? "attribute_exists(" : "attribute_not_exists(");
        lower_path(l, &expr, &hash);
        buf_putc(&expr, ')');
        if (rest) {
            buf_append_str(&expr, s->kind == PQ_UPDATE ? " AND (" : " OR (");
            lower_rest(l, &expr, terms, n, skip);
            buf_putc(&expr, ')');
        }
        add_string_member(req, "ConditionExpression", expr.data, expr.len);
    }
    buf_free(&expr);
    return NULL;
}

static void lower_set_value(lower_t *l, buf_t *out, const partiql_node_t *v)
{
    if (v->kind == PQN_ARITH) {
        lower_operand(l, out, v->kids[0]);
        buf_printf(out, " %s ", cmp_text[v->op]);
        lower_operand(l, out, v->kids[1]);
    } else if (v->kind == PQN_FUNC && !strcmp(v->name, "list_append")) {
        buf_append_str(out, "list_append(");
        for (size_t i = 0; i < v->nkids; i++) {
            if (i) buf_putc(out, ',');
            lower_operand(l, out, v->kids[i]);
        }
        buf_putc(out, ')');
    } else {
        lower_operand(l, out, v);
    }
}

static bool is_set_function(const partiql_node_t *v)
{
    return v->kind == PQN_FUNC && (!strcmp(v->name, "set_add") || !strcmp(v->name, "set_delete")) &&
           v->nkids == 2;
}

/* SET / REMOVE actions as one update expression (set_add, set_delete:
 * ADD and DELETE sections). */
static void lower_actions(lower_t *l, buf_t *req)
{
    const partiql_statement_t *s = l->s;
    buf_t expr;
    buf_init(&expr);
    static const char *const sections[] = {"SET", "REMOVE", "ADD", "DELETE"};
    for (int sec = 0; sec < 4; sec++) {
        bool first = true;
        for (size_t i = 0; i < s->nactions; i++) {
            const partiql_action_t *act = &s->actions[i];
            int kind = act->remove ? 1 : is_set_function(act->value)
                                             ? (!strcmp(act->value->name, "set_add") ? 2 : 3)
                                             : 0;
            if (kind != sec) continue;
            buf_append_str(&expr, first ? (expr.len ? " " : "") : ", ");
            if (first) buf_printf(&expr, "%s ", sections[sec]);
            first = false;
            lower_path(l, &expr, &act->path->path);
            if (sec == 0) {
                buf_append_str(&expr, " = ");
                lower_set_value(l, &expr, act->value);
            } else if (sec >= 2) {
                buf_putc(&expr, ' ');
                lower_operand(l, &expr, act->value->kids[1]);
            }
        }
    }
    add_string_member(req, "UpdateExpression", expr.data, expr.len);
    buf_free(&expr);
}

/* INSERT: every key attribute present with its type. */
static ddb_error_t *check_insert_item(lower_t *l, const table_t *t, const char *json, size_t len)
{
    json_value_t *j;
    if (json_parse(l->a, json, len, &j, NULL) != JSON_OK) return err_internal(l->a);
    value_t item;
    ddb_error_t *e = value_from_json(l->a, j, &item);
    if (e) return e;
    const char *keys[2] = {t->keys.hash, t->keys.range};
    value_type_t types[2] = {t->hash_type, t->range_type};
    for (int k = 0; k < 2 && keys[k]; k++) {
        const value_t *v = value_map_get(&item, keys[k], strlen(keys[k]));
        if (!v) return err_partiql_insert_key(l->a, keys[k]);
        if (v->type != types[k]) return err_partiql_key_type(l->a, keys[k]);
    }
    return NULL;
}

static ddb_error_t *write_run(api_call_t *call, lower_t *l, const table_t *t,
                              const statement_request_t *r, bool *pending)
{
    arena_t *a = call->arena;
    const partiql_statement_t *s = l->s;
    buf_t req;
    buf_init(&req);
    request_begin(&req, s, r);
    if (r->on_failure)
        add_string_member(&req, "ReturnValuesOnConditionCheckFailure", r->on_failure,
                          strlen(r->on_failure));
    write_kind_t kind = s->kind == PQ_INSERT ? WRITE_PUT
                        : s->kind == PQ_UPDATE ? WRITE_UPDATE
                                               : WRITE_DELETE;
    ddb_error_t *e = NULL;
    if (s->kind == PQ_INSERT) {
        buf_t item;
        buf_init(&item);
        partiql_literal_render(&item, s->item->json, s->item->json_len, l->params, l->param_lens,
                               l->nparams);
        e = check_insert_item(l, t, arena_strndup(a, item.data, item.len), item.len);
        /* {"M":{...}} -> {...} */
        if (!e) {
            buf_append_str(&req, ",\"Item\":");
            buf_append(&req, item.data + 5, item.len - 6);
            expr_path_t hash = {&(expr_path_step_t){false, 0, t->keys.hash, strlen(t->keys.hash)},
                                1};
            buf_t cond;
            buf_init(&cond);
            buf_append_str(&cond, "attribute_not_exists(");
            lower_path(l, &cond, &hash);
            buf_putc(&cond, ')');
            add_string_member(&req, "ConditionExpression", cond.data, cond.len);
            buf_free(&cond);
        }
        buf_free(&item);
    } else {
        e = lower_keyed_write(l, t, &req);
        if (!e && s->kind == PQ_UPDATE) lower_actions(l, &req);
        if (!e && s->returning)
            add_string_member(&req, "ReturnValues", return_values[s->returning],
                              strlen(return_values[s->returning]));
    }
    if (!e) e = l->error;
    json_value_t *j = NULL;
    if (!e) finish_request(l, &req);
    if (!e) e = request_parse(a, &req, &j);
    buf_free(&req);
    item_write_t *iw;
    if (!e) e = item_write_prepare(call, j, kind, &iw);
    if (e) return e;
    statement_write_t *sw = arena_calloc(a, sizeof *sw);
    sw->call = call;
    sw->iw = iw;
    sw->s = s;
    sw->capacity = r->capacity_mode;
    sw->w.apply = write_apply;
    sw->w.done = write_done;
    sw->w.frees = item_write_frees(iw);
    *pending = true;
    storage_submit(&sw->w);
    return NULL;
}

/* --- ExecuteStatement ---------------------------------------------------------------------- */

api_result_t op_execute_statement(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    statement_request_t r;
    ddb_error_t *e = read_request(call, req, &r);
    partiql_statement_t *s = NULL;
    if (!e) e = partiql_parse(a, r.statement, r.statement_len, &s);
    lower_t l = {.a = a, .text = r.statement, .s = s};
    if (!e) e = bind_parameters(&l, r.parameters, s->nparams);
    if (e) return op_reply_error(call, e);
    /* the rights of the caller's key, as for the item operations (IAM's PartiQL actions) */
    static const char *const actions[] = {[PQ_SELECT] = "PartiQLSelect",
                                          [PQ_INSERT] = "PartiQLInsert",
                                          [PQ_UPDATE] = "PartiQLUpdate",
                                          [PQ_DELETE] = "PartiQLDelete"};
    if ((e = auth_authorize_table(a, call->identity, actions[s->kind], s->kind != PQ_SELECT,
                                  s->table, strlen(s->table), s->index)))
        return op_reply_error(call, e);
    table_t *t = catalog_acquire(s->table, strlen(s->table));
    if (!t) return op_reply_error(call, err_table_not_found_op(a));
    buf_init(&l.names);
    buf_init(&l.values);
    bool pending = false;
    if (s->kind == PQ_SELECT) e = select_run(call, &l, t, &r);
    else e = write_run(call, &l, t, &r, &pending);
    buf_free(&l.names);
    buf_free(&l.values);
    catalog_release(t);
    if (pending) return API_PENDING;
    if (e) return op_reply_error(call, e);
    return op_reply_ok(call);
}
