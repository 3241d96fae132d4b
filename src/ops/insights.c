/* ops/insights: UpdateContributorInsights, DescribeContributorInsights and
 * ListContributorInsights.
 *
 * A setting per table or GSI (catalog.h: insights_setting_t) is changed by
 * the writer in a new version of the table's definition, so it is stored
 * with the table, survives a restart and goes with the table.  The service
 * takes a few seconds to create or delete its CloudWatch rules; here they
 * exist at once: an update answers ENABLING or DISABLING (the service's
 * first answer) and every later read sees ENABLED or DISABLED.  While a
 * setting is enabled, the keys read and written are counted (insights.h)
 * and shown at /metrics. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "insights.h"
#include "ops/ops.h"
#include "tabledef.h"
#include "wire.h"

#define INSIGHTS_NAME_MIN 3
#define INSIGHTS_NAME_MAX 255
#define LIST_INSIGHTS_MAX 100 /* MaxResults' bound, and the page without one */

static const char *const MODE_NAMES[] = {"ACCESSED_AND_THROTTLED_KEYS", "THROTTLED_KEYS"};

/* The members of the two operations that name one table or index. */
typedef struct {
    const char *table, *index; /* index NULL: the table itself */
    int action;                /* 0 ENABLE, 1 DISABLE; -1 absent (Describe) */
    insights_mode_t mode;
} insights_request_t;

static ddb_error_t *read_request(api_call_t *call, const json_value_t *req, bool update,
                                 insights_request_t *r)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *action = NULL, *mode = NULL;
    size_t index_len = 0;
    memset(r, 0, sizeof *r);
    r->action = -1;
    wire_string(a, req, "TableName", &r->table, NULL, &e);
    if (!e) wire_string(a, req, "IndexName", &r->index, &index_len, &e);
    if (!e && update) wire_string(a, req, "ContributorInsightsAction", &action, NULL, &e);
    if (!e && update) wire_string(a, req, "ContributorInsightsMode", &mode, NULL, &e);
    if (e) return e;
    /* the service checks IndexName's length apart, before the other members */
    if (r->index && (index_len < INSIGHTS_NAME_MIN || index_len > INSIGHTS_NAME_MAX))
        return err_insights_index_name_length(a);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_name(&cl, r->table, "tableName");
    if (r->index) constraint_name(&cl, r->index, "indexName");
    if (update && constraint_required(&cl, action != NULL, "contributorInsightsAction"))
        r->action =
            constraint_enum(&cl, action, &ENUM_INSIGHTS_ACTION, "contributorInsightsAction");
    int m = constraint_enum(&cl, mode, &ENUM_INSIGHTS_MODE, "contributorInsightsMode");
    r->mode = m == INSIGHTS_THROTTLED_KEYS ? INSIGHTS_THROTTLED_KEYS
                                           : INSIGHTS_ACCESSED_AND_THROTTLED_KEYS;
    return constraint_list_finish(&cl);
}

/* The table (with a reference) and, when named, its GSI: ResourceNotFound
 * for a missing table, a missing index or an LSI. */
static ddb_error_t *find_target(arena_t *a, const insights_request_t *r, table_t **out,
                                const index_def_t **ix)
{
    table_t *t = catalog_acquire(r->table, strlen(r->table));
    if (!t) return err_table_not_found(a, r->table);
    *ix = NULL;
    if (r->index) {
        *ix = tabledef_index_find(t, r->index, strlen(r->index));
        if (!*ix || !(*ix)->global) {
            catalog_release(t);
            return err_insights_index_not_found(a, r->index, r->table);
        }
    }
    *out = t;
    return NULL;
}

static void render_names(buf_t *out, const char *table, const char *index)
{
    buf_append_str(out, "\"TableName\":");
    json_write_string(out, table, strlen(table));
    if (index) {
        buf_append_str(out, ",\"IndexName\":");
        json_write_string(out, index, strlen(index));
    }
}

/* --- UpdateContributorInsights --------------------------------------------------------------- */

typedef struct {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    insights_request_t r;
    bool gone;
    const char *status; /* the answer's ContributorInsightsStatus */
    bool has_mode;      /* the answer shows a mode (a setting exists) */
    insights_mode_t mode;
    table_t *changed; /* the new version; NULL: nothing changed */
} insights_write_t;

/* What the request makes of the current setting s (NULL: never set):
 * whether it changes, and the answer's status. */
static bool plan_change(const insights_setting_t *s, const insights_request_t *r,
                        const char **status)
{
    bool enable = r->action == 0;
    bool on = s && s->enabled;
    bool change = enable ? !on || s->mode != r->mode : on;
    *status = enable ? (change ? "ENABLING" : "ENABLED") : (change ? "DISABLING" : "DISABLED");
    return change;
}

static int insights_write_apply(storage_write_t *w, MDB_txn *txn)
{
    insights_write_t *iw = (insights_write_t *)w;
    table_t *t = catalog_latest(iw->table);
    if ((iw->gone = t->dropped)) return 0;
    catalog_release(iw->changed); /* a batch retried write by write */
    iw->changed = NULL;
    const insights_setting_t *s = insights_setting_find(t, iw->r.index);
    bool change = plan_change(s, &iw->r, &iw->status);
    iw->has_mode = s || change;
    iw->mode = change && iw->r.action == 0 ? iw->r.mode : s ? s->mode : iw->r.mode;
    if (!change) return 0;
    table_t *c = iw->changed = catalog_table_clone(t);
    insights_setting_t *cs = (insights_setting_t *)insights_setting_find(c, iw->r.index);
    if (!cs) {
        insights_setting_t *grown = arena_calloc(c->arena, (c->insights_count + 1) * sizeof *grown);
        if (c->insights_count) memcpy(grown, c->insights, c->insights_count * sizeof *grown);
        c->insights = grown;
        cs = &c->insights[c->insights_count++];
        cs->index = arena_strdup(c->arena, iw->r.index);
    }
    cs->enabled = iw->r.action == 0;
    if (cs->enabled) cs->mode = iw->r.mode;
    /* later than the last change, so that a new enabling counts afresh */
    int64_t now = storage_write_time_ms();
    cs->changed_ms = now > cs->changed_ms ? now : cs->changed_ms + 1;
    return catalog_table_store(txn, c);
}

static void insights_write_done(storage_write_t *w, int status)
{
    insights_write_t *iw = (insights_write_t *)w;
    api_call_t *call = iw->call;
    if (status) {
        op_reply_error(call, err_internal(call->arena));
    } else if (iw->gone) {
        op_reply_error(call, err_table_not_found(call->arena, iw->r.table));
    } else {
        if (iw->changed) catalog_replace(catalog_latest(iw->table), iw->changed);
        buf_putc(call->out, '{');
        render_names(call->out, iw->r.table, iw->r.index);
        buf_printf(call->out, ",\"ContributorInsightsStatus\":\"%s\"", iw->status);
        if (iw->has_mode)
            buf_printf(call->out, ",\"ContributorInsightsMode\":\"%s\"", MODE_NAMES[iw->mode]);
        buf_putc(call->out, '}');
        op_reply_ok(call);
    }
    catalog_release(iw->changed);
    catalog_release(iw->table);
    op_complete(call);
}

api_result_t op_update_contributor_insights(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    insights_request_t r;
    ddb_error_t *e = read_request(call, req, true, &r);
    if (e) return op_reply_error(call, e);
    /* a table being restored is CREATING: the service's state error */
    table_t *t = catalog_acquire_any(r.table, strlen(r.table));
    if (t && t->restoring) {
        catalog_release(t);
        return op_reply_error(call, err_insights_not_active(a, false));
    }
    catalog_release(t);
    const index_def_t *ix;
    if ((e = find_target(a, &r, &t, &ix))) return op_reply_error(call, e);
    if (ix && ix->status != INDEX_ACTIVE) {
        catalog_release(t);
        return op_reply_error(call, err_insights_not_active(a, true));
    }
    insights_write_t *iw = arena_calloc(a, sizeof *iw);
    iw->w.apply = insights_write_apply;
    iw->w.done = insights_write_done;
    iw->call = call;
    iw->table = t;
    iw->r = r;
    storage_submit(&iw->w);
    return API_PENDING;
}

/* --- DescribeContributorInsights ------------------------------------------------------------ */

/* The rule names: PKC, PKT (and SKC, SKT with a sort key); only the
 * throttled-key rules in THROTTLED_KEYS mode. */
static void render_rules(buf_t *out, const table_t *t, const index_def_t *ix,
                         const insights_setting_t *s)
{
    bool sort_key = ix ? ix->range_count > 0 : t->keys.range != NULL;
    static const char *const kinds[] = {"PKC", "PKT", "SKC", "SKT"};
    buf_append_str(out, ",\"ContributorInsightsRuleList\":[");
    bool first = true;
    for (int k = 0; k < (sort_key ? 4 : 2); k++) {
        if (s->mode == INSIGHTS_THROTTLED_KEYS && kinds[k][2] == 'C') continue;
        buf_append_str(out, first ? "\"" : ",\"");
        first = false;
        buf_printf(out, "DynamoDBContributorInsights-%s-%s", kinds[k], t->name);
        if (ix) buf_printf(out, "-%s", ix->name);
        buf_printf(out, "-%" PRId64 "\"", s->changed_ms);
    }
    buf_putc(out, ']');
}

api_result_t op_describe_contributor_insights(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    insights_request_t r;
    ddb_error_t *e = read_request(call, req, false, &r);
    table_t *t = NULL;
    const index_def_t *ix = NULL;
    if (!e) e = find_target(a, &r, &t, &ix);
    if (e) return op_reply_error(call, e);
    const insights_setting_t *s = insights_setting_find(t, r.index);
    buf_t *out = call->out;
    buf_putc(out, '{');
    render_names(out, t->name, ix ? ix->name : NULL);
    if (s && s->enabled) render_rules(out, t, ix, s);
    buf_printf(out, ",\"ContributorInsightsStatus\":\"%s\"",
               s && s->enabled ? "ENABLED" : "DISABLED");
    if (s)
        buf_printf(out, ",\"LastUpdateDateTime\":%.3f,\"ContributorInsightsMode\":\"%s\"",
                   (double)s->changed_ms / 1000, MODE_NAMES[s->mode]);
    buf_putc(out, '}');
    catalog_release(t);
    return op_reply_ok(call);
}

/* --- ListContributorInsights ----------------------------------------------------------------- */

/* A page of enabled settings, a table's before its GSIs', tables by name.
 * NextToken is the last entry shown: "table" or "table/index" ('/' is in
 * no name), and the next page starts after it. */
typedef struct {
    buf_t *out;
    size_t limit, shown;
    bool more;
    const char *last_table, *last_index;
} list_page_t;

/* Add one entry, or note that the page is full. */
static void list_add(list_page_t *p, const table_t *t, const char *index,
                     const insights_setting_t *s)
{
    if (p->shown == p->limit) {
        p->more = true;
        return;
    }
    buf_append_str(p->out, p->shown++ ? ",{" : "{");
    render_names(p->out, t->name, index);
    buf_printf(p->out,
               ",\"ContributorInsightsStatus\":\"ENABLED\",\"ContributorInsightsMode\":\"%s\"}",
               MODE_NAMES[s->mode]);
    p->last_table = t->name;
    p->last_index = index;
}

/* The entries of t, but the first `skip` of them: 0 none, 1 the table's
 * own, k + 2 that and those of its indexes 0..k. */
static void list_table(list_page_t *p, arena_t *a, const table_t *t, size_t skip)
{
    const insights_setting_t *s = insights_setting_find(t, NULL);
    if (!skip && s && s->enabled) list_add(p, t, NULL, s);
    for (size_t k = 0; k < t->index_count && !p->more; k++) {
        const index_def_t *ix = &t->indexes[k];
        if (k + 2 <= skip || !ix->global) continue;
        s = insights_setting_find(t, ix->name);
        if (s && s->enabled) list_add(p, t, ix->name, s);
    }
    if (p->last_table == t->name) {
        /* t is released before the token is written */
        p->last_table = arena_strdup(a, t->name);
        p->last_index = arena_strdup(a, p->last_index);
    }
}

/* How many entries of t the token passed (list_table's skip); -1: all. */
static long list_skip(const table_t *t, const char *token)
{
    if (!token) return 0;
    const char *slash = strchr(token, '/');
    size_t len = slash ? (size_t)(slash - token) : strlen(token);
    int c = strncmp(t->name, token, len);
    if (c == 0 && t->name[len]) c = 1;
    if (c != 0) return c < 0 ? -1 : 0;
    if (!slash) return 1;
    for (size_t k = 0; k < t->index_count; k++)
        if (strcmp(t->indexes[k].name, slash + 1) == 0) return (long)k + 2;
    return -1; /* the index went: go on after the table */
}

api_result_t op_list_contributor_insights(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *table = NULL, *token = NULL;
    int64_t max = 0;
    bool has_max = false;
    wire_string(a, req, "TableName", &table, NULL, &e);
    if (!e) wire_string(a, req, "NextToken", &token, NULL, &e);
    if (!e) has_max = wire_integer(a, req, "MaxResults", &max, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    if (table) constraint_name(&cl, table, "tableName");
    if (has_max) constraint_range(&cl, max, INT64_MIN, LIST_INSIGHTS_MAX, "maxResults");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    /* the model sets no lower bound; a MaxResults below 1 gives a full page
     * (behaviour unverified) */
    list_page_t p = {.out = call->out,
                     .limit = has_max && max > 0 ? (size_t)max : LIST_INSIGHTS_MAX};
    const char **names = &table;
    size_t n = 1;
    bool more;
    if (!table) n = catalog_list(a, NULL, SIZE_MAX, &names, &more);
    buf_append_str(call->out, "{\"ContributorInsightsSummaries\":[");
    for (size_t i = 0; i < n && !p.more; i++) {
        table_t *t = catalog_acquire(names[i], strlen(names[i]));
        if (!t && table) {
            call->out->len = 0;
            return op_reply_error(call, err_table_not_found(a, table));
        }
        long skip = t ? list_skip(t, token) : -1;
        if (skip >= 0) list_table(&p, a, t, (size_t)skip);
        catalog_release(t);
    }
    buf_putc(call->out, ']');
    if (p.more) {
        buf_append_str(call->out, ",\"NextToken\":");
        const char *tok =
            p.last_index ? arena_sprintf(a, "%s/%s", p.last_table, p.last_index) : p.last_table;
        json_write_string(call->out, tok, strlen(tok));
    }
    buf_putc(call->out, '}');
    return op_reply_ok(call);
}
