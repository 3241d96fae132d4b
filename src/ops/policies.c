/* ops/policies: PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy.
 *
 * A table has two policy slots, its own and its stream's (the stream of the
 * table's latest label), each with its RevisionId: the time of the change
 * in epoch milliseconds, always later than the slot's previous one.  The
 * documents are kept in their canonical form (policy.h) in the table's
 * definition, so they survive restarts and go with DeleteTable.  They are
 * not enforced here: policy_denies() is what authorisation calls. */
#include <stdlib.h>
#include <string.h>

#include "arn.h"
#include "clock.h"
#include "ops/ops.h"
#include "policy.h"
#include "wire.h"

#define RESOURCE_ARN_MAX 1283
#define REVISION_MAX 255
/* ExpectedRevisionId saying "no policy may exist yet" */
#define NO_POLICY "NO_POLICY"

typedef struct {
    const char *text; /* the ARN as sent */
    arn_t arn;
    table_t *table; /* acquired by resolve() */
    bool stream;
} target_t;

/* The checks of the ARN alone, before the document is read. */
static ddb_error_t *check_arn(arena_t *a, const char *text, target_t *out)
{
    ddb_error_t *e = arn_parse(a, text, &out->arn);
    if (e) return e;
    out->text = text;
    out->stream = out->arn.kind == ARN_STREAM;
    if (strcmp(out->arn.service, "dynamodb") != 0 || out->arn.kind == ARN_OTHER)
        return err_arn_not_dynamodb(a, text);
    if (out->arn.kind == ARN_INDEX) return err_arn_not_table_or_stream(a, text);
    if (strcmp(out->arn.partition, "aws") != 0 || strcmp(out->arn.region, arn_region()) != 0)
        return err_policy_arn_invalid(a, text);
    if (strcmp(out->arn.account, CATALOG_ACCOUNT) != 0) return err_policy_other_account(a);
    return NULL;
}

/* The table (and stream) the ARN names, acquired into out->table. */
static ddb_error_t *resolve(arena_t *a, target_t *out)
{
    table_t *t = catalog_acquire(out->arn.table, strlen(out->arn.table));
    if (!t) return err_table_not_found(a, out->arn.table);
    if (out->stream && (!t->stream_label || strcmp(t->stream_label, out->arn.child) != 0)) {
        catalog_release(t);
        return err_stream_not_found_for_table(a, out->arn.child, out->arn.table);
    }
    out->table = t;
    return NULL;
}

/* The slot's document and revision in p (NULL: none). */
static const char *slot_document(const table_policies_t *p, const target_t *g,
                                 const char **revision)
{
    if (!g->stream) {
        *revision = p->table_revision;
        return p->table;
    }
    bool same = p->stream && strcmp(p->stream_label, g->arn.child) == 0;
    *revision = same ? p->stream_revision : NULL;
    return same ? p->stream : NULL;
}

/* A new revision, later than previous (NULL: none). */
static const char *next_revision(arena_t *a, const char *previous)
{
    long long now = (long long)clock_now_ms(), before = previous ? atoll(previous) : 0;
    return arena_sprintf(a, "%lld", now > before ? now : before + 1);
}

/* Read ResourceArn with its constraints into cl. */
static ddb_error_t *read_arn(arena_t *a, const json_value_t *req, constraint_list_t *cl,
                             const char **arn)
{
    ddb_error_t *e = NULL;
    size_t len = 0;
    *arn = NULL;
    wire_string(a, req, "ResourceArn", arn, &len, &e);
    if (!e && constraint_required(cl, *arn != NULL, "resourceArn"))
        constraint_length(cl, *arn, len, 1, RESOURCE_ARN_MAX, "resourceArn");
    return e;
}

static ddb_error_t *read_expected(arena_t *a, const json_value_t *req, constraint_list_t *cl,
                                  const char **expected)
{
    ddb_error_t *e = NULL;
    size_t len = 0;
    *expected = NULL;
    if (wire_string(a, req, "ExpectedRevisionId", expected, &len, &e) && !e)
        constraint_length(cl, *expected, len, 1, REVISION_MAX, "expectedRevisionId");
    return e;
}

/* --- the change, on the writer -------------------------------------------------------- */

typedef struct {
    storage_write_t w;
    api_call_t *call;
    target_t target;
    const char *document; /* canonical; NULL: delete */
    const char *expected; /* ExpectedRevisionId or NULL */
    const char *revision; /* the answer's RevisionId (NULL: none) */
    ddb_error_t *error;
    bool gone;
    /* The version whose policies apply replaced, and the set they replaced:
     * put back by done if the commit fails. */
    table_t *changed;
    const table_policies_t *previous;
} policy_write_t;

/* ExpectedRevisionId against the slot's current revision (NULL: none). */
static ddb_error_t *check_expected(arena_t *a, const policy_write_t *pw, const char *current)
{
    const char *table = pw->target.arn.table;
    if (!pw->expected) return NULL;
    if (strcmp(pw->expected, NO_POLICY) == 0)
        return current && pw->document ? err_policy_expected_none(a, table, current) : NULL;
    if (!current) return err_policy_not_found(a, pw->target.text);
    if (strcmp(pw->expected, current) != 0)
        return err_policy_revision_mismatch(a, pw->expected, table, current);
    return NULL;
}

static int policy_write_apply(storage_write_t *w, MDB_txn *txn)
{
    policy_write_t *pw = (policy_write_t *)w;
    table_t *t = catalog_latest(pw->target.table);
    arena_t *a = pw->call->arena;
    pw->error = NULL;
    pw->revision = NULL;
    pw->changed = NULL;
    if ((pw->gone = t->dropped)) return 0;
    const table_policies_t *now = atomic_load(&t->policies);
    const char *current_rev, *current = slot_document(now, &pw->target, &current_rev);
    if ((pw->error = check_expected(a, pw, current_rev))) return 0;
    if (!current && !pw->document) return 0; /* nothing to delete */
    if (current && pw->document && strcmp(current, pw->document) == 0) {
        pw->revision = current_rev; /* the same policy again changes nothing */
        return 0;
    }
    table_policies_t *next = catalog_policies_copy(t->arena, now);
    const char *rev = pw->document ? next_revision(t->arena, current_rev) : NULL;
    const char *doc = pw->document ? arena_strndup(t->arena, pw->document, strlen(pw->document))
                                   : NULL;
    if (!pw->target.stream) {
        next->table = doc;
        next->table_revision = rev;
    } else {
        next->stream_label = doc ? arena_strndup(t->arena, pw->target.arn.child,
                                                 strlen(pw->target.arn.child))
                                 : NULL;
        next->stream = doc;
        next->stream_revision = rev;
    }
    pw->revision = arena_strndup(a, rev ? rev : current_rev, strlen(rev ? rev : current_rev));
    pw->changed = t;
    pw->previous = atomic_exchange(&t->policies, next);
    return catalog_table_store(txn, t);
}

static void policy_write_done(storage_write_t *w, int status)
{
    policy_write_t *pw = (policy_write_t *)w;
    api_call_t *call = pw->call;
    if (status && pw->changed) atomic_store(&pw->changed->policies, pw->previous);
    if (status) op_reply_error(call, err_internal(call->arena));
    else if (pw->gone) op_reply_error(call, err_table_not_found(call->arena, pw->target.arn.table));
    else if (pw->error) op_reply_error(call, pw->error);
    else {
        buf_putc(call->out, '{');
        if (pw->revision) {
            buf_append_str(call->out, "\"RevisionId\":");
            json_write_string(call->out, pw->revision, strlen(pw->revision));
        }
        buf_putc(call->out, '}');
        op_reply_ok(call);
    }
    catalog_release(pw->target.table);
    op_complete(call);
}

static api_result_t policy_write_submit(api_call_t *call, const target_t *g, const char *document,
                                        const char *expected)
{
    policy_write_t *pw = arena_calloc(call->arena, sizeof *pw);
    pw->w.apply = policy_write_apply;
    pw->w.done = policy_write_done;
    pw->w.exclusive = true; /* done() sees no other change of the definition */
    pw->call = call;
    pw->target = *g;
    pw->document = document;
    pw->expected = expected;
    storage_submit(&pw->w);
    return API_PENDING;
}

/* --- the operations ---------------------------------------------------------------------- */

api_result_t op_put_resource_policy(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *arn, *expected, *policy = NULL;
    size_t policy_len = 0;
    bool confirm; /* ConfirmRemoveSelfResourceAccess: nothing to confirm here */
    ddb_error_t *e = read_arn(a, req, &cl, &arn);
    if (!e) wire_string(a, req, "Policy", &policy, &policy_len, &e);
    if (!e) e = read_expected(a, req, &cl, &expected);
    if (!e) wire_bool(a, req, "ConfirmRemoveSelfResourceAccess", &confirm, &e);
    if (e) return op_reply_error(call, e);
    constraint_required(&cl, policy != NULL, "policy");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    target_t g = {0};
    const char *document;
    if ((e = check_arn(a, arn, &g)) ||
        (e = policy_normalize(a, policy, policy_len, g.stream, &document)) ||
        (e = resolve(a, &g)))
        return op_reply_error(call, e);
    return policy_write_submit(call, &g, document, expected);
}

api_result_t op_delete_resource_policy(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *arn, *expected;
    ddb_error_t *e = read_arn(a, req, &cl, &arn);
    if (!e) e = read_expected(a, req, &cl, &expected);
    if (e || (e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    target_t g = {0};
    if ((e = check_arn(a, arn, &g)) || (e = resolve(a, &g))) return op_reply_error(call, e);
    return policy_write_submit(call, &g, NULL, expected);
}

api_result_t op_get_resource_policy(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *arn;
    ddb_error_t *e = read_arn(a, req, &cl, &arn);
    if (e || (e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    target_t g = {0};
    if ((e = check_arn(a, arn, &g)) || (e = resolve(a, &g))) return op_reply_error(call, e);
    const char *revision, *doc = slot_document(atomic_load(&g.table->policies), &g, &revision);
    if (!doc) e = err_policy_not_found(a, arn);
    else {
        buf_append_str(call->out, "{\"Policy\":");
        json_write_string(call->out, doc, strlen(doc));
        buf_append_str(call->out, ",\"RevisionId\":");
        json_write_string(call->out, revision, strlen(revision));
        buf_putc(call->out, '}');
    }
    catalog_release(g.table);
    return e ? op_reply_error(call, e) : op_reply_ok(call);
}
