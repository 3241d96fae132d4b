/* ops/transactions: TransactWriteItems and TransactGetItems.
 *
 * A write transaction is one writer request: its actions run in a nested
 * LMDB transaction inside the group-commit transaction, so either all of
 * them are kept or, when any condition fails, the nested transaction is
 * aborted and nothing is.  The single writer applies requests one after
 * another, so transactions are serializable with each other and with
 * single-item writes, and readers (one LMDB snapshot each) never see half
 * of one.  TransactGetItems reads all its items from one snapshot.
 *
 * ExecuteTransaction (ops/partiql.c) lowers its statements onto the same
 * two paths: transact_write_submit and transact_get_run.
 *
 * ClientRequestToken: a token seen in the last 10 minutes with the same
 * request answers with the first response without running again; with
 * another request it is IdempotentParameterMismatchException. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/ops.h"
#include "throttle.h"
#include "wire.h"

#define TRANSACT_MAX 100
#define TRANSACT_TOKEN_MAX 36 /* ClientRequestToken length */
#define TRANSACT_MAX_BYTES (4 * 1024 * 1024) /* aggregate size of the items */
#define TOKEN_LIFETIME_S 600

/* --- idempotency tokens ------------------------------------------------------------- */

typedef struct token {
    struct token *next;
    char *token;
    char *request; /* the request body, to compare */
    size_t request_len;
    char *response;
    size_t response_len;
    time_t expires;
} token_t;

static struct {
    pthread_mutex_t lock;
    token_t *list;
} tokens = {PTHREAD_MUTEX_INITIALIZER, NULL};

static void token_free(token_t *t)
{
    free(t->token);
    free(t->request);
    free(t->response);
    free(t);
}

/* The stored response for token, or NULL; *mismatch when the token was used
 * with another request.  Expired tokens are dropped on the way. */
static bool token_lookup(arena_t *a, const char *token, const json_value_t *req, buf_t *out,
                         bool *mismatch)
{
    time_t now = time(NULL);
    bool found = false;
    *mismatch = false;
    pthread_mutex_lock(&tokens.lock);
    for (token_t **p = &tokens.list; *p;) {
        token_t *t = *p;
        if (t->expires < now) {
            *p = t->next;
            token_free(t);
            continue;
        }
        if (!found && strcmp(t->token, token) == 0) {
            json_value_t *first;
            found = true;
            if (json_parse(a, t->request, t->request_len, &first, NULL) == JSON_OK &&
                json_value_equal(first, req))
                buf_append(out, t->response, t->response_len);
            else
                *mismatch = true;
        }
        p = &t->next;
    }
    pthread_mutex_unlock(&tokens.lock);
    return found;
}

static void token_store(const char *token, const char *request, size_t request_len,
                        const buf_t *response)
{
    token_t *t = calloc(1, sizeof *t);
    if (!t) abort();
    t->token = strdup(token);
    t->request = malloc(request_len + 1);
    t->response = malloc(response->len + 1);
    if (!t->token || !t->request || !t->response) abort();
    memcpy(t->request, request, request_len);
    t->request_len = request_len;
    memcpy(t->response, response->data, response->len);
    t->response_len = response->len;
    t->expires = time(NULL) + TOKEN_LIFETIME_S;
    pthread_mutex_lock(&tokens.lock);
    t->next = tokens.list;
    tokens.list = t;
    pthread_mutex_unlock(&tokens.lock);
}

/* --- TransactWriteItems ------------------------------------------------------------- */

typedef struct {
    storage_write_t w;
    api_call_t *call;
    item_write_t **actions;
    size_t count;
    const bool *inserts; /* PartiQL INSERTs: a failed condition is DuplicateItem */
    const char *token;
    bool canceled;
    bool gone;
    bool too_large;
    capacity_mode_t capacity;
} transact_write_t;

static int transact_apply(storage_write_t *w, MDB_txn *txn)
{
    transact_write_t *t = (transact_write_t *)w;
    MDB_txn *child;
    int rc = mdb_txn_begin(storage_env(), txn, 0, &child);
    if (rc) return rc;
    t->canceled = t->gone = t->too_large = false;
    size_t bytes = 0;
    for (size_t i = 0; i < t->count; i++) {
        if ((rc = item_write_apply(t->actions[i], child))) {
            mdb_txn_abort(child);
            return rc;
        }
        bool gone;
        ddb_error_t *e = item_write_result(t->actions[i], &gone);
        t->gone |= gone;
        t->canceled |= e != NULL;
        bytes += item_write_size(t->actions[i]);
    }
    t->too_large = !t->canceled && !t->gone && bytes > TRANSACT_MAX_BYTES;
    if (t->canceled || t->gone || t->too_large) {
        mdb_txn_abort(child);
        return 0;
    }
    return mdb_txn_commit(child);
}

static const char *reason_code(const ddb_error_t *e)
{
    if (!e) return "None";
    switch (e->kind) {
    case ERR_CONDITIONAL_CHECK_FAILED: return "ConditionalCheckFailed";
    case ERR_ITEM_COLLECTION_SIZE_LIMIT: return "ItemCollectionSizeLimitExceeded";
    case ERR_DUPLICATE_ITEM: return "DuplicateItem";
    case ERR_PROVISIONED_THROUGHPUT_EXCEEDED: return "ProvisionedThroughputExceeded";
    case ERR_THROTTLING: return "ThrottlingError";
    default: return "ValidationError";
    }
}

/* TransactionCanceledException with one reason per action (errors[i]:
 * action i's, or NULL). */
static ddb_error_t *cancellation_render(arena_t *a, ddb_error_t *const *errors, size_t count)
{
    buf_t names, json;
    buf_init(&names);
    buf_init(&json);
    buf_append_str(&json, "\"CancellationReasons\":[");
    for (size_t i = 0; i < count; i++) {
        const ddb_error_t *e = errors[i];
        const char *code = reason_code(e);
        buf_printf(&names, "%s%s", i ? ", " : "", code);
        buf_printf(&json, "%s{\"Code\":\"%s\"", i ? "," : "", code);
        if (e && e->message) {
            buf_append_str(&json, ",\"Message\":");
            json_write_string(&json, e->message, strlen(e->message));
        }
        /* the Item, with ReturnValuesOnConditionCheckFailure (a throttled
         * action's reason carries no ThrottlingReasons) */
        if (e && e->extra_json && e->kind == ERR_CONDITIONAL_CHECK_FAILED) {
            buf_putc(&json, ',');
            buf_append_str(&json, e->extra_json);
        }
        buf_putc(&json, '}');
    }
    buf_putc(&json, ']');
    buf_putc(&names, '\0');
    ddb_error_t *e = err_transaction_canceled(a, names.data, arena_strndup(a, json.data, json.len));
    buf_free(&names);
    buf_free(&json);
    return e;
}

static ddb_error_t *cancellation(arena_t *a, transact_write_t *t)
{
    ddb_error_t **errors = arena_alloc(a, t->count * sizeof *errors);
    for (size_t i = 0; i < t->count; i++) {
        bool gone;
        errors[i] = item_write_result(t->actions[i], &gone);
        if (errors[i] && errors[i]->kind == ERR_CONDITIONAL_CHECK_FAILED && t->inserts &&
            t->inserts[i])
            errors[i] = err_partiql_duplicate_item(a);
    }
    return cancellation_render(a, errors, t->count);
}

/* Throttling (throttle.h): every action is admitted before the writer sees
 * the transaction; one throttled action cancels it, its reason saying so. */
static ddb_error_t *transact_write_admit(arena_t *a, item_write_t **actions, size_t count)
{
    ddb_error_t **errors = arena_calloc(a, count * sizeof *errors);
    bool any = false;
    for (size_t i = 0; i < count; i++)
        any |= (errors[i] = item_write_admit(actions[i])) != NULL;
    return any ? cancellation_render(a, errors, count) : NULL;
}

static void transact_done(storage_write_t *w, int status)
{
    transact_write_t *t = (transact_write_t *)w;
    api_call_t *call = t->call;
    if (status) op_reply_error(call, err_internal(call->arena));
    else if (t->gone) op_reply_error(call, err_table_not_found_op(call->arena));
    else if (t->too_large)
        op_reply_error(call, err_transaction_too_large(call->arena));
    else if (t->canceled) op_reply_error(call, cancellation(call->arena, t));
    else {
        capacity_t *used = arena_alloc(call->arena, t->count * sizeof *used);
        size_t nused = 0;
        bool first = true;
        item_write_add_capacity(t->actions, t->count, CAPACITY_TRANSACTION_FACTOR, used, &nused);
        buf_putc(call->out, '{');
        capacity_render_list(call->out, t->capacity, used, nused, &first);
        buf_putc(call->out, '}');
        op_reply_ok(call);
        if (t->token) token_store(t->token, call->body, call->body_len, call->out);
    }
    for (size_t i = 0; i < t->count; i++) item_write_release(t->actions[i]);
    op_complete(call);
}

/* TransactItems (its constraints into cl) and ReturnConsumedCapacity: each
 * element of TransactItems has exactly one of the given members. */
static ddb_error_t *read_actions(arena_t *a, const json_value_t *req, const char *const *kinds,
                                 size_t nkinds, constraint_list_t *cl, const json_value_t **list,
                                 capacity_mode_t *capacity)
{
    ddb_error_t *e = NULL;
    *list = wire_container(a, req, "TransactItems", WIRE_LIST, &e);
    if (e) return e;
    if (constraint_required(cl, *list != NULL, "transactItems"))
        constraint_length(cl, wire_value_text(a, *list), (*list)->u.array.count, 1,
                          TRANSACT_MAX, "transactItems");
    if ((e = capacity_mode_read(a, req, cl, capacity))) return e;
    for (size_t i = 0; *list && i < (*list)->u.array.count; i++) {
        const json_value_t *el = (*list)->u.array.items[i];
        if ((e = wire_check(a, el, WIRE_STRUCT))) return e;
        size_t present = 0;
        for (size_t k = 0; k < nkinds; k++) {
            const json_value_t *m = wire_container(a, el, kinds[k], WIRE_STRUCT, &e);
            if (e) return e;
            present += m != NULL;
        }
        if (present != 1 && nkinds == 1) /* Get, the one member of a TransactGetItem */
            return err_member_null(a, "transactItems.%zu.member.get", i + 1);
        if (present != 1) return err_transact_item_kinds(a);
    }
    return NULL;
}

/* The members an action must have (model constraints, reported with the
 * action's path before the action is read). */
static ddb_error_t *check_required(arena_t *a, const json_value_t *action, size_t index,
                                   const char *kind_path, const char *const *names)
{
    for (; *names; names++)
        if (!wire_member(action, *names))
            return err_member_null(a, "transactItems.%zu.member.%s.%c%s", index + 1, kind_path,
                                   (*names)[0] - 'A' + 'a', *names + 1);
    return NULL;
}

api_result_t op_transact_write_items(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    static const char *const kinds[] = {"ConditionCheck", "Put", "Delete", "Update"};
    static const write_kind_t write_kinds[] = {WRITE_CHECK, WRITE_TRANSACT_PUT, WRITE_DELETE,
                                               WRITE_UPDATE};
    static const char *const kind_paths[] = {"conditionCheck", "put", "delete", "update"};
    static const char *const required[][4] = {{"Key", "TableName", "ConditionExpression", NULL},
                                              {"Item", "TableName", NULL},
                                              {"Key", "TableName", NULL},
                                              {"Key", "UpdateExpression", "TableName", NULL}};
    const json_value_t *list;
    capacity_mode_t capacity;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    ddb_error_t *e = read_actions(a, req, kinds, 4, &cl, &list, &capacity);
    const char *token = NULL, *metrics = NULL;
    size_t token_len = 0;
    if (!e && wire_string(a, req, "ClientRequestToken", &token, &token_len, &e))
        constraint_length(&cl, token, token_len, 1, TRANSACT_TOKEN_MAX, "clientRequestToken");
    if (!e) wire_string(a, req, "ReturnItemCollectionMetrics", &metrics, NULL, &e);
    if (!e) constraint_enum(&cl, metrics, &ENUM_RETURN_ITEM_COLLECTION_METRICS,
                            "returnItemCollectionMetrics");
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    item_write_t **actions = arena_alloc(a, list->u.array.count * sizeof *actions);
    size_t count = 0;
    for (size_t i = 0; !e && i < list->u.array.count; i++) {
        const json_value_t *el = list->u.array.items[i];
        for (size_t k = 0; k < 4; k++) {
            const json_value_t *action = wire_member(el, kinds[k]);
            if (!action) continue;
            if ((e = check_required(a, action, i, kind_paths[k], required[k]))) break;
            item_write_t *iw;
            if ((e = item_write_prepare(call, action, write_kinds[k], &iw))) break;
            actions[count++] = iw;
            break;
        }
    }
    if (e) {
        for (size_t i = 0; i < count; i++)
            item_write_release(actions[i]);
        return op_reply_error(call, e);
    }
    return transact_write_submit(call, req, actions, count, NULL, token, capacity);
}

api_result_t transact_write_submit(api_call_t *call, const json_value_t *req,
                                   item_write_t **actions, size_t count, const bool *inserts,
                                   const char *token, capacity_mode_t capacity)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    for (size_t i = 0; i < count && !e; i++)
        for (size_t j = 0; j < i && !e; j++)
            if (item_write_same_item(actions[j], actions[i])) e = err_transaction_same_item(a);
    /* A token seen before answers as the first request did, once this one
     * has passed validation. */
    bool mismatch = false, seen = !e && token && token_lookup(a, token, req, call->out, &mismatch);
    if (seen && mismatch) e = err_idempotent_mismatch(a);
    if (!e && !seen && throttle_on) e = transact_write_admit(a, actions, count);
    if (e || seen) {
        for (size_t i = 0; i < count; i++)
            item_write_release(actions[i]);
        return e ? op_reply_error(call, e) : op_reply_ok(call);
    }
    transact_write_t *t = arena_calloc(a, sizeof *t);
    t->actions = actions;
    t->count = count;
    t->inserts = inserts;
    t->w.apply = transact_apply;
    t->w.done = transact_done;
    t->w.frees = true;
    for (size_t i = 0; i < count; i++)
        t->w.frees &= item_write_frees(actions[i]);
    t->call = call;
    t->token = token;
    t->capacity = capacity;
    storage_submit(&t->w);
    return API_PENDING;
}

/* --- TransactGetItems ------------------------------------------------------------------ */

api_result_t op_transact_get_items(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    static const char *const kinds[] = {"Get"};
    const json_value_t *list;
    capacity_mode_t capacity;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    ddb_error_t *e = read_actions(a, req, kinds, 1, &cl, &list, &capacity);
    ddb_error_t *ce = constraint_list_finish(&cl);
    if (e || (e = ce)) return op_reply_error(call, e);
    size_t n = list->u.array.count;
    item_read_t **reads = arena_alloc(a, n * sizeof *reads);
    const json_value_t **gets = arena_alloc(a, n * sizeof *gets);
    for (size_t i = 0; i < n; i++) {
        const json_value_t *get = gets[i] = wire_member(list->u.array.items[i], "Get");
        static const char *const required[] = {"Key", "TableName", NULL};
        if ((e = check_required(a, get, i, "get", required))) return op_reply_error(call, e);
        if ((e = item_read_prepare(call, get, &reads[i]))) return op_reply_error(call, e);
    }
    return transact_get_run(call, gets, reads, n, capacity);
}

/* Throttling: every read is admitted before any runs; one throttled read
 * cancels the transaction, as a throttled write does (a table that does
 * not exist is left for the reads to report). */
static ddb_error_t *transact_get_admit(api_call_t *call, item_read_t **reads, size_t n)
{
    ddb_error_t **errors = arena_calloc(call->arena, n * sizeof *errors);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const char *name = item_read_table_name(reads[i]);
        table_t *t = catalog_acquire(name, strlen(name));
        if (!t) return NULL;
        any |= (errors[i] = item_read_admit(call, t, reads[i])) != NULL;
        catalog_release(t);
    }
    return any ? cancellation_render(call->arena, errors, n) : NULL;
}

api_result_t transact_get_run(api_call_t *call, const json_value_t *const *gets,
                              item_read_t **reads, size_t n, capacity_mode_t capacity)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(item_read_table_name(reads[k]), item_read_table_name(reads[i])) == 0 &&
                json_value_equal(json_object_get(gets[k], "Key"), json_object_get(gets[i], "Key")))
                return op_reply_error(call, err_transaction_same_item(a));
    if (throttle_on && (e = transact_get_admit(call, reads, n))) return op_reply_error(call, e);
    MDB_txn *txn = op_read_begin(call);
    if (!txn) return op_reply_error(call, err_internal(a));
    capacity_t *used = arena_alloc(a, n * sizeof *used);
    size_t nused = 0;
    buf_t *out = call->out;
    buf_append_str(out, "{\"Responses\":[");
    for (size_t i = 0; i < n && !e; i++) {
        const char *name = item_read_table_name(reads[i]);
        table_t *t = catalog_acquire(name, strlen(name));
        if (!t) {
            e = err_table_not_found_op(a);
            break;
        }
        buf_append_str(out, i ? ",{\"Item\":" : "{\"Item\":");
        size_t mark = out->len - 7; /* after the "{": where "Item": starts */
        e = item_read_run(call, txn, t, reads[i], out);
        if (!e && !item_read_found(reads[i])) out->len = mark;
        double units = e ? 0 : item_read_units(reads[i], true);
        if (!e) capacity_add(used, &nused, name, false, units);
        if (!e) item_read_charge(t, reads[i], units);
        buf_putc(out, '}');
        catalog_release(t);
    }
    op_read_end(call, txn);
    if (e) return op_reply_error(call, e);
    buf_putc(out, ']');
    bool first = false;
    capacity_render_list(out, capacity, used, nused, &first);
    buf_putc(out, '}');
    return op_reply_ok(call);
}
