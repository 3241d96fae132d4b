/* ops/partiql: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction.
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
 *   SELECT, partition key IN [...] or = ... OR = ...  -> one Query per value, in
 *                                                       one page
 *
 *   SELECT, anything else                            -> Scan with a filter
 *   INSERT  -> PutItem, condition attribute_not_exists(pk)
 *   UPDATE  -> UpdateItem, condition attribute_exists(pk) AND the rest of WHERE
 *   DELETE  -> DeleteItem, condition attribute_not_exists(pk) OR the rest
 *   EXISTS(SELECT ...) -> a ConditionCheck, attribute_exists(pk) AND the rest
 *
 * BatchExecuteStatement runs each statement as its own GetItem (one
 * snapshot for the batch) or its own single-item write (one writer request
 * for the batch), so each statement fails or succeeds alone, reported in its
 * slot of Responses.  ExecuteTransaction lowers the same way and hands the
 * requests to TransactGetItems' and TransactWriteItems' paths
 * (transact_get_run, transact_write_submit): all or nothing.  Both accept a
 * SELECT only when its WHERE names the whole primary key and nothing else.
 *
 * NextToken is the page's LastEvaluatedKey (with several partition values:
 * "<index>|" of the partition to go on with, then its LastEvaluatedKey if
 * any) tagged with a hash of the statement and its parameters,
 * base64-encoded. */
#include <stdio.h>
#include <string.h>

#include "partiql.h"
#include "auth.h"
#include "ops/ops.h"
#include "tabledef.h"
#include "throttle.h"
#include "wire.h"

#define STATEMENT_MAX 8192
#define NEXT_TOKEN_MAX 32768
#define BATCH_STATEMENTS_MAX 25
#define TRANSACTION_STATEMENTS_MAX 100
#define TRANSACTION_TOKEN_MAX 36  /* ClientRequestToken length */
#define PARTIQL_PARTITIONS_MAX 50 /* partition values of one SELECT (IN or OR) */

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
static void lower_rest(lower_t *l, buf_t *out, const partiql_node_t *const *terms, size_t n,
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
static void request_begin(buf_t *req, const partiql_statement_t *s, const char *capacity)
{
    buf_append_str(req, "{\"TableName\":");
    json_write_string(req, s->table, strlen(s->table));
    if (capacity) add_string_member(req, "ReturnConsumedCapacity", capacity, strlen(capacity));
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
    const index_def_t *ix = tabledef_index_find(t, s->index, strlen(s->index));
    if (!ix) return err_partiql_index_not_found(a);
    if (catalog_index_multi_attribute(ix)) return err_partiql_multi_attribute_index(a);
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

/* What a NextToken of this statement stands for (after its statement hash):
 * a LastEvaluatedKey, or for several partitions "<index>|" and one. */
static ddb_error_t *next_token_open(arena_t *a, const statement_request_t *r, const lower_t *l,
                                    const char **rest, size_t *rest_len)
{
    uint8_t *raw = arena_alloc(a, r->next_token_len + 1);
    size_t len;
    if (!json_base64_decode(r->next_token, r->next_token_len, raw, &len) || len < 17)
        return err_partiql_next_token_invalid(a);
    char want[17];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)statement_hash(r, l));
    if (memcmp(raw, want, 16) != 0) return err_partiql_next_token_other(a);
    *rest = (const char *)raw + 16, *rest_len = len - 16;
    return NULL;
}

static void next_token_render(buf_t *out, const statement_request_t *r, const lower_t *l,
                              const char *rest, size_t rest_len)
{
    buf_t raw;
    buf_init(&raw);
    buf_printf(&raw, "%016llx", (unsigned long long)statement_hash(r, l));
    buf_append(&raw, rest, rest_len);
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
    if (throttle_on) e = item_read_admit(call, t, rd);
    if (!e) e = item_read_run(call, txn, t, rd, out);
    op_read_end(call, txn);
    if (e) return e;
    buf_putc(out, ']');
    bool first = false;
    capacity_t used = {.table = t->name, .units = item_read_units(rd, false)};
    item_read_charge(t, rd, used.units);
    capacity_render(out, r->capacity_mode, &used, &first);
    buf_putc(out, '}');
    return NULL;
}

/* The partition values of a term `hash IN [v, ...]` or `hash = v OR hash = w
 * ...` (at most max of them; *count beyond max when there are more), or 0. */
static size_t partition_list(const partiql_node_t *t, const char *hash,
                             const partiql_node_t **values, size_t max, size_t count)
{
    if (t->kind == PQN_IN) {
        if (!path_is(t->kids[0], hash)) return 0;
        for (size_t i = 1; i < t->nkids; i++) {
            if (!is_value(t->kids[i])) return 0;
            if (count < max) values[count] = t->kids[i];
            count++;
        }
        return count;
    }
    if (t->kind == PQN_OR) {
        size_t left = partition_list(t->kids[0], hash, values, max, count);
        return left ? partition_list(t->kids[1], hash, values, max, left) : 0;
    }
    const partiql_node_t *v = key_equality(t, hash);
    if (!v) return 0;
    if (count < max) values[count] = v;
    return count + 1;
}

/* A value operand as an AttributeValue. */
static ddb_error_t *operand_value(lower_t *l, const partiql_node_t *n, value_t *out)
{
    if (n->kind == PQN_PARAM) {
        *out = l->param_values[n->param];
        return NULL;
    }
    buf_t b;
    buf_init(&b);
    partiql_literal_render(&b, n->json, n->json_len, l->params, l->param_lens, l->nparams);
    json_value_t *j;
    ddb_error_t *e = request_parse(l->a, &b, &j);
    if (!e) e = value_from_json(l->a, j, out);
    buf_free(&b);
    return e;
}

/* What a SELECT's WHERE makes of the key: a partition value (or several),
 * the sort-key term, and which terms are left for the filter. */
typedef struct {
    const partiql_node_t *terms[MAX_TERMS];
    size_t n;
    bool skip[MAX_TERMS];
    const partiql_node_t *hashes[PARTIQL_PARTITIONS_MAX + 1];
    size_t nhashes;
    ssize_t range_at;
    const partiql_node_t *range_value; /* the sort key's equality, or NULL */
    bool query, rest;
} select_plan_t;

static void select_plan_where(const target_t *tg, const partiql_statement_t *s, select_plan_t *sp)
{
    sp->n = where_terms(s->where, sp->terms, 0);
    sp->range_at = -1;
    ssize_t hash_at = -1;
    for (size_t i = 0; sp->n <= MAX_TERMS && i < sp->n; i++) {
        size_t count = hash_at < 0 ? partition_list(sp->terms[i], tg->hash, sp->hashes,
                                                    PARTIQL_PARTITIONS_MAX + 1, 0)
                                   : 0;
        if (count)
            sp->nhashes = count, hash_at = (ssize_t)i;
        else if (sp->range_at < 0 && range_term(sp->terms[i], tg->range))
            sp->range_at = (ssize_t)i;
    }
    if (sp->range_at >= 0) sp->range_value = key_equality(sp->terms[sp->range_at], tg->range);
    sp->query = hash_at >= 0;
    if (sp->query) {
        sp->skip[hash_at] = true;
        if (sp->range_at >= 0) sp->skip[sp->range_at] = true;
        for (size_t i = 0; i < sp->n; i++)
            if (!sp->skip[i] &&
                (mentions(sp->terms[i], tg->hash) || mentions(sp->terms[i], tg->range)))
                sp->query = false; /* a key in the filter: scan with the whole condition */
    }
    for (size_t i = 0; sp->query && i < sp->n; i++)
        sp->rest |= !sp->skip[i];
}

/* The Query or Scan request of a SELECT (hash: the partition value of a
 * Query), with Limit and ExclusiveStartKey as given. */
static void select_request(lower_t *l, const target_t *tg, const statement_request_t *r,
                           const select_plan_t *sp, const partiql_node_t *hash, int64_t limit,
                           const char *start, size_t start_len, buf_t *req)
{
    const partiql_statement_t *s = l->s;
    l->names.len = l->values.len = 0;
    l->nnames = l->nvalues = 0;
    request_begin(req, s, r->capacity);
    if (r->consistent) buf_append_str(req, ",\"ConsistentRead\":true");
    projection(l, req);
    if (s->index) add_string_member(req, "IndexName", s->index, strlen(s->index));
    if (limit) buf_printf(req, ",\"Limit\":%lld", (long long)limit);
    if (start_len) {
        buf_append_str(req, ",\"ExclusiveStartKey\":");
        buf_append(req, start, start_len);
    }
    buf_t expr;
    buf_init(&expr);
    if (sp->query) {
        expr_path_t path = {&(expr_path_step_t){false, 0, tg->hash, strlen(tg->hash)}, 1};
        lower_path(l, &expr, &path);
        buf_append_str(&expr, " = ");
        lower_value(l, &expr, hash);
        if (sp->range_at >= 0) {
            buf_append_str(&expr, " AND ");
            lower_range_term(l, &expr, sp->terms[sp->range_at], tg->range);
        }
        add_string_member(req, "KeyConditionExpression", expr.data, expr.len);
        if (s->order_by && s->order_desc) buf_append_str(req, ",\"ScanIndexForward\":false");
        expr.len = 0;
        if (sp->rest) lower_rest(l, &expr, sp->terms, sp->n, sp->skip);
    } else if (s->where) {
        lower_cond(l, &expr, s->where);
    }
    if (expr.len) add_string_member(req, "FilterExpression", expr.data, expr.len);
    buf_free(&expr);
    finish_request(l, req);
}

/* The partition values in the order the items come back: as written, or by
 * value under ORDER BY the partition key; each value once. */
static ddb_error_t *select_partitions(lower_t *l, const target_t *tg, select_plan_t *sp)
{
    const partiql_statement_t *s = l->s;
    value_t *vals = arena_alloc(l->a, sp->nhashes * sizeof *vals);
    size_t kept = 0;
    for (size_t i = 0; i < sp->nhashes; i++) {
        ddb_error_t *e = operand_value(l, sp->hashes[i], &vals[kept]);
        if (e) return e;
        bool seen = false;
        for (size_t k = 0; k < kept && !seen; k++)
            seen = value_key_compare(&vals[k], &vals[kept]) == 0;
        if (!seen) sp->hashes[kept++] = sp->hashes[i];
    }
    sp->nhashes = kept;
    if (!s->order_by || strcmp(s->order_by, tg->hash)) return NULL;
    for (size_t i = 1; i < kept; i++) /* insertion sort: at most PARTIQL_PARTITIONS_MAX */
        for (size_t k = i; k > 0; k--) {
            int c = value_key_compare(&vals[k - 1], &vals[k]);
            if (s->order_desc ? c >= 0 : c <= 0) break;
            value_t tv = vals[k];
            vals[k] = vals[k - 1], vals[k - 1] = tv;
            const partiql_node_t *tn = sp->hashes[k];
            sp->hashes[k] = sp->hashes[k - 1], sp->hashes[k - 1] = tn;
        }
    return NULL;
}

/* Several partition values: one Query each, their items in one page.
 * Limit counts the items every Query evaluated; the NextToken names the
 * partition to go on with ("<index>|" and its LastEvaluatedKey). */
static ddb_error_t *select_run_partitions(api_call_t *call, lower_t *l, const table_t *t,
                                          const target_t *tg, const statement_request_t *r,
                                          select_plan_t *sp)
{
    arena_t *a = call->arena;
    size_t from = 0;
    const char *start = NULL;
    size_t start_len = 0;
    if (r->next_token) {
        const char *rest;
        size_t rest_len;
        ddb_error_t *e = next_token_open(a, r, l, &rest, &rest_len);
        if (e) return e;
        char *bar = memchr(rest, '|', rest_len);
        if (!bar || bar == rest) return err_partiql_next_token_invalid(a);
        for (const char *c = rest; c < bar; c++) {
            if (*c < '0' || *c > '9') return err_partiql_next_token_invalid(a);
            from = from * 10 + (size_t)(*c - '0');
        }
        if (from >= sp->nhashes) return err_partiql_next_token_invalid(a);
        start = bar + 1, start_len = rest_len - (size_t)(bar + 1 - rest);
    }
    buf_t *out = call->out;
    buf_append_str(out, "{\"Items\":[");
    query_part_t part = {0};
    capacity_t used = {.table = t->name};
    int64_t left = r->has_limit ? r->limit : 0;
    buf_t last_key, req;
    buf_init(&last_key);
    buf_init(&req);
    ddb_error_t *e = NULL;
    size_t i = from;
    for (; i < sp->nhashes; i++, start_len = 0) {
        req.len = 0;
        select_request(l, tg, r, sp, sp->hashes[i], left, start, start_len, &req);
        json_value_t *j;
        if ((e = l->error) || (e = request_parse(a, &req, &j))) break;
        if ((e = query_run_statement_part(call, j, &part, &last_key))) break;
        used.units += part.units;
        if (last_key.len) break; /* the page ended inside this partition */
        if (r->has_limit && (left -= part.scanned) <= 0) {
            i++;
            break;
        }
    }
    if (!e) {
        buf_putc(out, ']');
        if (last_key.len || i < sp->nhashes) {
            static const char prefix[] = ",\"LastEvaluatedKey\":";
            buf_t token;
            buf_init(&token);
            buf_printf(&token, "%zu|", i);
            if (last_key.len)
                buf_append(&token, last_key.data + sizeof prefix - 1,
                           last_key.len - (sizeof prefix - 1));
            next_token_render(out, r, l, token.data, token.len);
            buf_free(&token);
        }
        bool first = false;
        capacity_render(out, r->capacity_mode, &used, &first);
        buf_putc(out, '}');
    }
    buf_free(&last_key);
    buf_free(&req);
    return e;
}

static ddb_error_t *select_run(api_call_t *call, lower_t *l, const table_t *t,
                               const statement_request_t *r)
{
    arena_t *a = call->arena;
    const partiql_statement_t *s = l->s;
    target_t tg;
    ddb_error_t *e = resolve_target(a, t, s, r, &tg);
    if (e) return e;
    select_plan_t *sp = arena_calloc(a, sizeof *sp);
    select_plan_where(&tg, s, sp);
    if ((e = check_order_by(a, s, &tg, sp->nhashes > 0))) return e;
    if (sp->nhashes > PARTIQL_PARTITIONS_MAX) return err_partiql_too_many_partitions(a);
    for (size_t i = 0; sp->query && i < sp->nhashes; i++)
        if ((e = check_key_value(l, tg.hash, tg.hash_type, sp->hashes[i]))) return e;
    if (sp->query && sp->range_value &&
        (e = check_key_value(l, tg.range, tg.range_type, sp->range_value)))
        return e;
    if (sp->query && sp->nhashes > 1 && (e = select_partitions(l, &tg, sp))) return e;
    if (sp->query && sp->nhashes > 1 && s->order_by && strcmp(s->order_by, tg.hash))
        return err_partiql_order_by_several_partitions(a);
    if (sp->query && sp->nhashes > 1) return select_run_partitions(call, l, t, &tg, r, sp);
    bool get = sp->query && !tg.index && !sp->rest && (!tg.range || sp->range_value);

    buf_t req;
    buf_init(&req);
    if (get) {
        request_begin(&req, s, r->capacity);
        if (r->consistent) buf_append_str(&req, ",\"ConsistentRead\":true");
        projection(l, &req);
        buf_append_str(&req, ",\"Key\":{");
        render_key_member(l, &req, tg.hash, sp->hashes[0]);
        if (sp->range_value) {
            buf_putc(&req, ',');
            render_key_member(l, &req, tg.range, sp->range_value);
        }
        buf_putc(&req, '}');
        finish_request(l, &req);
        json_value_t *j;
        if (!(e = request_parse(a, &req, &j))) e = select_get(call, j, t, r);
        goto done;
    }
    const char *start = NULL;
    size_t start_len = 0;
    if (r->next_token && (e = next_token_open(a, r, l, &start, &start_len))) goto done;
    if (start && (!start_len || start[0] != '{')) {
        e = err_partiql_next_token_invalid(a);
        goto done;
    }
    select_request(l, &tg, r, sp, sp->query ? sp->hashes[0] : NULL, r->has_limit ? r->limit : 0,
                   start, start_len, &req);
    if ((e = l->error)) goto done;
    json_value_t *j;
    if ((e = request_parse(a, &req, &j))) goto done;
    buf_t last_key;
    buf_init(&last_key);
    e = query_run_statement(call, j, sp->query, &last_key);
    if (!e && last_key.len) {
        static const char prefix[] = ",\"LastEvaluatedKey\":";
        next_token_render(call->out, r, l, last_key.data + sizeof prefix - 1,
                          last_key.len - (sizeof prefix - 1));
    }
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

/* UPDATE, DELETE and EXISTS: the key from WHERE, the rest as the
 * condition. */
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
    if (s->kind == PQ_EXISTS && !rest) {
        buf_free(&expr);
        return err_partiql_exists_condition(a);
    }
    if (s->kind != PQ_DELETE || rest) {
        /* UPDATE and EXISTS need the item; DELETE of a missing item succeeds */
        bool must_exist = s->kind != PQ_DELETE;
        buf_append_str(&expr, must_exist ? "attribute_exists(" : "attribute_not_exists(");
        lower_path(l, &expr, &hash);
        buf_putc(&expr, ')');
        if (rest) {
            buf_append_str(&expr, must_exist ? " AND (" : " OR (");
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

/* INSERT, UPDATE, DELETE and EXISTS as the request of the single-item write
 * (PutItem, UpdateItem, DeleteItem, ConditionCheck) and its kind. */
static ddb_error_t *write_lower(lower_t *l, const table_t *t, const char *capacity,
                                const char *on_failure, json_value_t **out, write_kind_t *kind)
{
    arena_t *a = l->a;
    const partiql_statement_t *s = l->s;
    buf_t req;
    buf_init(&req);
    request_begin(&req, s, capacity);
    if (on_failure)
        add_string_member(&req, "ReturnValuesOnConditionCheckFailure", on_failure,
                          strlen(on_failure));
    static const write_kind_t kinds[] = {[PQ_INSERT] = WRITE_PUT,
                                         [PQ_UPDATE] = WRITE_UPDATE,
                                         [PQ_DELETE] = WRITE_DELETE,
                                         [PQ_EXISTS] = WRITE_CHECK};
    *kind = kinds[s->kind];
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
    if (!e) finish_request(l, &req);
    if (!e) e = request_parse(a, &req, out);
    buf_free(&req);
    return e;
}

static ddb_error_t *write_run(api_call_t *call, lower_t *l, const table_t *t,
                              const statement_request_t *r, bool *pending)
{
    json_value_t *j;
    write_kind_t kind;
    item_write_t *iw;
    ddb_error_t *e = write_lower(l, t, r->capacity, r->on_failure, &j, &kind);
    if (!e) e = item_write_prepare(call, j, kind, &iw);
    if (e) return e;
    if (throttle_on && (e = item_write_admit(iw))) {
        item_write_release(iw);
        return e;
    }
    statement_write_t *sw = arena_calloc(call->arena, sizeof *sw);
    sw->call = call;
    sw->iw = iw;
    sw->s = l->s;
    sw->capacity = r->capacity_mode;
    sw->w.apply = write_apply;
    sw->w.done = write_done;
    sw->w.frees = item_write_frees(iw);
    *pending = true;
    storage_submit(&sw->w);
    return NULL;
}

/* A SELECT of one item by its whole primary key, as a GetItem request
 * (BatchExecuteStatement, ExecuteTransaction); *out stays NULL when the
 * statement reads anything else: an index, a key condition, a filter. */
static ddb_error_t *select_lower_point(lower_t *l, const table_t *t, bool consistent,
                                       json_value_t **out)
{
    const partiql_statement_t *s = l->s;
    *out = NULL;
    if (s->index) return NULL;
    const partiql_node_t *terms[MAX_TERMS];
    size_t n = where_terms(s->where, terms, 0);
    const char *keys[2] = {t->keys.hash, t->keys.range};
    value_type_t types[2] = {t->hash_type, t->range_type};
    const partiql_node_t *values[2] = {NULL, NULL};
    size_t nkeys = keys[1] ? 2 : 1;
    if (n != nkeys) return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        const partiql_node_t *v = NULL;
        while (k < nkeys && !(v = key_equality(terms[i], keys[k])))
            k++;
        if (!v || values[k]) return NULL;
        values[k] = v;
    }
    ddb_error_t *e = NULL;
    for (size_t k = 0; k < nkeys && !e; k++)
        e = check_key_value(l, keys[k], types[k], values[k]);
    if (e) return e;
    buf_t req;
    buf_init(&req);
    request_begin(&req, s, NULL);
    if (consistent) buf_append_str(&req, ",\"ConsistentRead\":true");
    projection(l, &req);
    buf_append_str(&req, ",\"Key\":{");
    for (size_t k = 0; k < nkeys; k++) {
        if (k) buf_putc(&req, ',');
        render_key_member(l, &req, keys[k], values[k]);
    }
    buf_putc(&req, '}');
    finish_request(l, &req);
    e = l->error ? l->error : request_parse(l->a, &req, out);
    buf_free(&req);
    return e;
}

/* --- one statement of any of the three operations --------------------------------------- */

typedef struct {
    statement_request_t r;
    partiql_statement_t *s; /* NULL: it did not parse */
    lower_t l;
    table_t *t; /* referenced, or NULL */
} prepared_t;

static ddb_error_t *statement_parse(api_call_t *call, prepared_t *p)
{
    p->l = (lower_t){.a = call->arena, .text = p->r.statement};
    buf_init(&p->l.names);
    buf_init(&p->l.values);
    ddb_error_t *e = partiql_parse(call->arena, p->r.statement, p->r.statement_len, &p->s);
    p->l.s = p->s;
    return e;
}

/* After statement_parse: parameters bound, the caller's rights (IAM's
 * PartiQL actions on the statement's table or index), the table. */
static ddb_error_t *statement_bind(api_call_t *call, prepared_t *p)
{
    arena_t *a = call->arena;
    const partiql_statement_t *s = p->s;
    ddb_error_t *e = bind_parameters(&p->l, p->r.parameters, s->nparams);
    if (e) return e;
    static const char *const actions[] = {[PQ_SELECT] = "PartiQLSelect",
                                          [PQ_INSERT] = "PartiQLInsert",
                                          [PQ_UPDATE] = "PartiQLUpdate",
                                          [PQ_DELETE] = "PartiQLDelete",
                                          [PQ_EXISTS] = "PartiQLSelect"};
    bool write = s->kind != PQ_SELECT && s->kind != PQ_EXISTS;
    if ((e = auth_authorize_table(a, call->identity, actions[s->kind], write, s->table,
                                  strlen(s->table), s->index)))
        return e;
    if (!(p->t = catalog_acquire(s->table, strlen(s->table)))) return err_table_not_found_op(a);
    return NULL;
}

static void statement_release(prepared_t *p)
{
    buf_free(&p->l.names);
    buf_free(&p->l.values);
    if (p->t) catalog_release(p->t);
    p->t = NULL;
}

/* --- ExecuteStatement ---------------------------------------------------------------------- */

api_result_t op_execute_statement(api_call_t *call, const json_value_t *req)
{
    prepared_t p = {0};
    ddb_error_t *e = read_request(call, req, &p.r);
    if (!e) e = statement_parse(call, &p);
    if (!e && p.s->kind == PQ_EXISTS) e = err_partiql_exists_outside(call->arena);
    if (!e) e = statement_bind(call, &p);
    bool pending = false;
    if (!e && p.s->kind == PQ_SELECT)
        e = select_run(call, &p.l, p.t, &p.r);
    else if (!e)
        e = write_run(call, &p.l, p.t, &p.r, &pending);
    statement_release(&p);
    if (pending) return API_PENDING;
    if (e) return op_reply_error(call, e);
    return op_reply_ok(call);
}

/* --- the statement lists of BatchExecuteStatement and ExecuteTransaction ------------------- */

/* One element of Statements (batch: ConsistentRead allowed) or
 * TransactStatements; the member constraints go to cl. */
static ddb_error_t *read_member(api_call_t *call, const json_value_t *el, const char *list,
                                size_t i, bool batch, statement_request_t *r, constraint_list_t *cl)
{
    arena_t *a = call->arena;
    memset(r, 0, sizeof *r);
    ddb_error_t *e = wire_check(a, el, WIRE_STRUCT);
    if (!e) wire_string(a, el, "Statement", &r->statement, &r->statement_len, &e);
    if (!e) r->parameters = wire_container(a, el, "Parameters", WIRE_LIST, &e);
    if (!e && batch) wire_bool(a, el, "ConsistentRead", &r->consistent, &e);
    if (!e) wire_string(a, el, "ReturnValuesOnConditionCheckFailure", &r->on_failure, NULL, &e);
    if (e) return e;
    if (constraint_required(cl, r->statement != NULL, "%s.%zu.member.statement", list, i + 1))
        constraint_length(cl, r->statement, r->statement_len, 1, STATEMENT_MAX,
                          "%s.%zu.member.statement", list, i + 1);
    if (r->parameters)
        constraint_length(cl, wire_value_text(a, r->parameters), r->parameters->u.array.count, 1,
                          SIZE_MAX, "%s.%zu.member.parameters", list, i + 1);
    constraint_enum(cl, r->on_failure, &ENUM_RETURN_VALUES_ON_FAILURE,
                    "%s.%zu.member.returnValuesOnConditionCheckFailure", list, i + 1);
    /* a value that does not deserialize (bad base64) fails the whole request */
    for (size_t k = 0; r->parameters && k < r->parameters->u.array.count; k++) {
        value_t v;
        e = value_from_json(a, r->parameters->u.array.items[k], &v);
        if (e && e->kind == ERR_SERIALIZATION) return e;
    }
    return NULL;
}

/* The statement list of a request (limits min..max) and its elements. */
static ddb_error_t *read_members(api_call_t *call, const json_value_t *req, const char *member,
                                 const char *path, size_t max, bool batch, prepared_t **out,
                                 size_t *count, constraint_list_t *cl)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const json_value_t *list = wire_container(a, req, member, WIRE_LIST, &e);
    if (e) return e;
    *count = 0;
    if (constraint_required(cl, list != NULL, "%s", path))
        constraint_length(cl, wire_value_text(a, list), list->u.array.count, 1, max, "%s", path);
    if (!list) return NULL;
    *out = arena_calloc(a, (list->u.array.count + 1) * sizeof **out);
    for (size_t i = 0; i < list->u.array.count; i++)
        if ((e = read_member(call, list->u.array.items[i], path, i, batch, &(*out)[i].r, cl)))
            return e;
    *count = list->u.array.count;
    return NULL;
}

static bool is_read(const partiql_statement_t *s) { return s->kind == PQ_SELECT; }

/* --- BatchExecuteStatement ------------------------------------------------------------------ */

typedef struct {
    prepared_t p;
    ddb_error_t *error; /* the statement's own failure, or NULL */
    item_read_t *read;
    item_write_t *write;
} slot_t;

typedef struct {
    storage_write_t w;
    api_call_t *call;
    slot_t *slots;
    size_t count;
    capacity_mode_t capacity;
} batch_write_t;

/* The statement error codes of BatchStatementError. */
static const char *slot_code(const ddb_error_t *e)
{
    switch (e->kind) {
    case ERR_CONDITIONAL_CHECK_FAILED: return "ConditionalCheckFailed";
    case ERR_DUPLICATE_ITEM: return "DuplicateItem";
    case ERR_RESOURCE_NOT_FOUND: return "ResourceNotFound";
    case ERR_ACCESS_DENIED: return "AccessDenied";
    case ERR_ITEM_COLLECTION_SIZE_LIMIT: return "ItemCollectionSizeLimitExceeded";
    case ERR_INTERNAL: return "InternalServerError";
    case ERR_PROVISIONED_THROUGHPUT_EXCEEDED: return "ProvisionedThroughputExceeded";
    case ERR_THROTTLING: return "ThrottlingError";
    default: return "ValidationError";
    }
}

static void slot_render_table(buf_t *out, const slot_t *sl)
{
    buf_append_str(out, "\"TableName\":");
    json_write_string(out, sl->p.s->table, strlen(sl->p.s->table));
}

/* {"Error":{"Code","Message"[,"Item"]}[,"TableName"]}: the table is named
 * when the statement ran against it and failed (a condition, a duplicate),
 * not when it was refused before running. */
static void slot_render_error(buf_t *out, const slot_t *sl)
{
    const ddb_error_t *e = sl->error;
    buf_printf(out, "{\"Error\":{\"Code\":\"%s\"", slot_code(e));
    if (e->message) {
        buf_append_str(out, ",\"Message\":");
        json_write_string(out, e->message, strlen(e->message));
    }
    if (e->extra_json && e->kind == ERR_CONDITIONAL_CHECK_FAILED) { /* the Item */
        buf_putc(out, ',');
        buf_append_str(out, e->extra_json);
    }
    buf_putc(out, '}');
    if (e->kind == ERR_CONDITIONAL_CHECK_FAILED || e->kind == ERR_DUPLICATE_ITEM) {
        buf_putc(out, ',');
        slot_render_table(out, sl);
    }
    buf_putc(out, '}');
}

static void batch_release(slot_t *slots, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        statement_release(&slots[i].p);
        if (slots[i].write) item_write_release(slots[i].write);
        slots[i].write = NULL;
    }
}

static void batch_render_capacity(buf_t *out, capacity_mode_t mode, capacity_t *used, size_t n)
{
    bool first = false;
    capacity_render_list(out, mode, used, n, &first);
}

/* Reads: every GetItem from one snapshot. */
static api_result_t batch_read(api_call_t *call, slot_t *slots, size_t n, capacity_mode_t mode)
{
    arena_t *a = call->arena;
    for (size_t i = 0; i < n; i++) {
        slot_t *sl = &slots[i];
        if (sl->error) continue;
        json_value_t *j;
        sl->error = select_lower_point(&sl->p.l, sl->p.t, sl->p.r.consistent, &j);
        if (!sl->error && !j) sl->error = err_partiql_batch_select_key(a);
        if (!sl->error) sl->error = item_read_prepare(call, j, &sl->read);
    }
    MDB_txn *txn = op_read_begin(call);
    if (!txn) {
        batch_release(slots, n);
        return op_reply_error(call, err_internal(a));
    }
    capacity_t *used = arena_alloc(a, (n + 1) * sizeof *used);
    size_t nused = 0;
    buf_t *out = call->out;
    buf_append_str(out, "{\"Responses\":[");
    for (size_t i = 0; i < n; i++) {
        slot_t *sl = &slots[i];
        if (i) buf_putc(out, ',');
        size_t start = out->len;
        if (!sl->error) {
            buf_putc(out, '{');
            slot_render_table(out, sl);
            buf_append_str(out, ",\"Item\":");
            size_t mark = out->len - 8; /* where ,"Item": starts */
            /* throttled statement by statement (throttle.h) */
            if (throttle_on) sl->error = item_read_admit(call, sl->p.t, sl->read);
            if (!sl->error) sl->error = item_read_run(call, txn, sl->p.t, sl->read, out);
            if (!sl->error && !item_read_found(sl->read)) out->len = mark;
            if (!sl->error) {
                buf_putc(out, '}');
                double units = item_read_units(sl->read, false);
                capacity_add(used, &nused, sl->p.t->name, false, units);
                item_read_charge(sl->p.t, sl->read, units);
                continue;
            }
            out->len = start;
        }
        slot_render_error(out, sl);
    }
    op_read_end(call, txn);
    buf_putc(out, ']');
    batch_render_capacity(out, mode, used, nused);
    buf_putc(out, '}');
    batch_release(slots, n);
    return op_reply_ok(call);
}

/* Writes: one writer request applying each statement on its own. */
static int batch_write_apply(storage_write_t *w, MDB_txn *txn)
{
    batch_write_t *b = (batch_write_t *)w;
    for (size_t i = 0; i < b->count; i++) {
        if (!b->slots[i].write) continue;
        int rc = item_write_apply(b->slots[i].write, txn);
        if (rc) return rc;
    }
    return 0;
}

static void batch_write_done(storage_write_t *w, int status)
{
    batch_write_t *b = (batch_write_t *)w;
    api_call_t *call = b->call;
    arena_t *a = call->arena;
    if (status) {
        op_reply_error(call, err_internal(a));
        batch_release(b->slots, b->count);
        op_complete(call);
        return;
    }
    capacity_t *used = arena_alloc(a, (b->count + 1) * sizeof *used);
    size_t nused = 0;
    buf_t *out = call->out;
    buf_append_str(out, "{\"Responses\":[");
    for (size_t i = 0; i < b->count; i++) {
        slot_t *sl = &b->slots[i];
        if (i) buf_putc(out, ',');
        if (sl->write) {
            bool gone;
            item_write_add_capacity(&sl->write, 1, 1.0, used, &nused);
            sl->error = item_write_result(sl->write, &gone);
            if (gone) sl->error = err_table_not_found_op(a);
            if (sl->error && sl->p.s->kind == PQ_INSERT &&
                sl->error->kind == ERR_CONDITIONAL_CHECK_FAILED)
                sl->error = err_partiql_duplicate_item(a);
        }
        if (sl->error) {
            slot_render_error(out, sl);
            continue;
        }
        buf_putc(out, '{');
        slot_render_table(out, sl);
        const value_t *returned = item_write_returned(sl->write);
        if (returned && returned->u.map.count) {
            buf_append_str(out, ",\"Item\":");
            value_map_write_json(out, returned);
        }
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
    batch_render_capacity(out, b->capacity, used, nused);
    buf_putc(out, '}');
    op_reply_ok(call);
    batch_release(b->slots, b->count);
    op_complete(call);
}

static api_result_t batch_write(api_call_t *call, slot_t *slots, size_t n, capacity_mode_t mode)
{
    arena_t *a = call->arena;
    for (size_t i = 0; i < n; i++) {
        slot_t *sl = &slots[i];
        if (sl->error) continue;
        json_value_t *j;
        write_kind_t kind;
        sl->error = write_lower(&sl->p.l, sl->p.t, NULL, sl->p.r.on_failure, &j, &kind);
        if (!sl->error) sl->error = item_write_prepare(call, j, kind, &sl->write);
        for (size_t k = 0; sl->write && k < i; k++)
            if (slots[k].write && item_write_same_item(slots[k].write, sl->write)) {
                batch_release(slots, n);
                return op_reply_error(call, err_batch_duplicate_keys(a));
            }
    }
    /* throttled statement by statement (throttle.h): a throttled one is
     * not written */
    for (size_t i = 0; throttle_on && i < n; i++) {
        slot_t *sl = &slots[i];
        if (sl->write && (sl->error = item_write_admit(sl->write))) {
            item_write_release(sl->write);
            sl->write = NULL;
        }
    }
    batch_write_t *b = arena_calloc(a, sizeof *b);
    b->call = call;
    b->slots = slots;
    b->count = n;
    b->capacity = mode;
    b->w.apply = batch_write_apply;
    b->w.done = batch_write_done;
    b->w.frees = true;
    for (size_t i = 0; i < n; i++)
        if (slots[i].write) b->w.frees &= item_write_frees(slots[i].write);
    storage_submit(&b->w);
    return API_PENDING;
}

api_result_t op_batch_execute_statement(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    prepared_t *list = NULL;
    size_t n = 0;
    capacity_mode_t mode;
    ddb_error_t *e = read_members(call, req, "Statements", "statements", BATCH_STATEMENTS_MAX, true,
                                  &list, &n, &cl);
    if (!e) e = capacity_mode_read(a, req, &cl, &mode);
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    slot_t *slots = arena_calloc(a, n * sizeof *slots);
    /* reads and writes may not be mixed: told apart by the statements that
     * parse (an EXISTS is refused on its own, neither) */
    size_t reads = 0, writes = 0;
    for (size_t i = 0; i < n; i++) {
        slot_t *sl = &slots[i];
        sl->p.r = list[i].r;
        sl->error = statement_parse(call, &sl->p);
        if (!sl->error && sl->p.s->kind == PQ_EXISTS) sl->error = err_partiql_exists_outside(a);
        if (sl->error) continue;
        if (is_read(sl->p.s))
            reads++;
        else
            writes++;
    }
    if (reads && writes) {
        batch_release(slots, n);
        return op_reply_error(call, err_partiql_batch_mixed(a));
    }
    for (size_t i = 0; i < n; i++)
        if (!slots[i].error) slots[i].error = statement_bind(call, &slots[i].p);
    return reads ? batch_read(call, slots, n, mode) : batch_write(call, slots, n, mode);
}

/* --- ExecuteTransaction --------------------------------------------------------------------- */

/* A statement's refusal: validation texts name the statement. */
static ddb_error_t *transaction_error(arena_t *a, size_t i, ddb_error_t *e)
{
    return e->kind == ERR_VALIDATION ? err_partiql_transaction_statement(a, i, e) : e;
}

static void transaction_release(prepared_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        statement_release(&list[i]);
}

static api_result_t transaction_read(api_call_t *call, prepared_t *list, size_t n,
                                     capacity_mode_t mode)
{
    arena_t *a = call->arena;
    item_read_t **reads = arena_alloc(a, n * sizeof *reads);
    const json_value_t **gets = arena_alloc(a, n * sizeof *gets);
    ddb_error_t *e = NULL;
    for (size_t i = 0; i < n && !e; i++) {
        json_value_t *j;
        e = select_lower_point(&list[i].l, list[i].t, false, &j);
        if (!e && !j) e = err_partiql_transaction_select_key(a);
        if (!e) e = item_read_prepare(call, j, &reads[i]);
        if (e) e = transaction_error(a, i, e);
        gets[i] = j;
    }
    transaction_release(list, n);
    if (e) return op_reply_error(call, e);
    return transact_get_run(call, gets, reads, n, mode);
}

static api_result_t transaction_write(api_call_t *call, const json_value_t *req, prepared_t *list,
                                      size_t n, const char *token, capacity_mode_t mode)
{
    arena_t *a = call->arena;
    item_write_t **actions = arena_alloc(a, n * sizeof *actions);
    bool *inserts = arena_calloc(a, n * sizeof *inserts);
    size_t count = 0;
    ddb_error_t *e = NULL;
    for (size_t i = 0; i < n && !e; i++) {
        json_value_t *j;
        write_kind_t kind;
        if (list[i].s->returning) e = err_partiql_transaction_returning(a);
        if (!e) e = write_lower(&list[i].l, list[i].t, NULL, list[i].r.on_failure, &j, &kind);
        if (!e) e = item_write_prepare(call, j, kind, &actions[count]);
        if (e)
            e = transaction_error(a, i, e);
        else
            inserts[count++] = list[i].s->kind == PQ_INSERT;
    }
    transaction_release(list, n);
    if (e) {
        for (size_t i = 0; i < count; i++)
            item_write_release(actions[i]);
        return op_reply_error(call, e);
    }
    return transact_write_submit(call, req, actions, count, inserts, token, mode);
}

api_result_t op_execute_transaction(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    prepared_t *list = NULL;
    size_t n = 0;
    capacity_mode_t mode;
    const char *token = NULL;
    size_t token_len = 0;
    ddb_error_t *e = read_members(call, req, "TransactStatements", "transactStatements",
                                  TRANSACTION_STATEMENTS_MAX, false, &list, &n, &cl);
    if (!e && wire_string(a, req, "ClientRequestToken", &token, &token_len, &e))
        constraint_length(&cl, token, token_len, 1, TRANSACTION_TOKEN_MAX, "clientRequestToken");
    if (!e) e = capacity_mode_read(a, req, &cl, &mode);
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    /* in order: a statement that does not parse, or the first that is a read
     * among writes (or a write among reads), refuses the request */
    bool reads = false;
    size_t parsed = 0;
    for (size_t i = 0; i < n && !e; i++, parsed++) {
        if ((e = statement_parse(call, &list[i])))
            e = transaction_error(a, i, e);
        else if (i == 0)
            reads = is_read(list[i].s);
        else if (is_read(list[i].s) != reads)
            e = err_partiql_transaction_mixed(a);
    }
    for (size_t i = 0; i < n && !e; i++)
        if ((e = statement_bind(call, &list[i]))) e = transaction_error(a, i, e);
    if (e) {
        transaction_release(list, parsed);
        return op_reply_error(call, e);
    }
    return reads ? transaction_read(call, list, n, mode)
                 : transaction_write(call, req, list, n, token, mode);
}
