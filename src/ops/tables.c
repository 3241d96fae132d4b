/* ops/tables: CreateTable, DescribeTable, DeleteTable, ListTables,
 * UpdateTable. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arn.h"
#include "clock.h"
#include "index.h"
#include "log.h"
#include "ops/ops.h"
#include "pitr.h"
#include "replication.h"
#include "throttle.h"
#include "stats.h"
#include "streams.h"
#include "tabledef.h"
#include "wire.h"

#define LIST_TABLES_MAX 100

/* The TableName member of a table operation, with its checks. */
static ddb_error_t *read_table_name(api_call_t *call, const json_value_t *req, const char **name)
{
    ddb_error_t *e = NULL;
    *name = NULL;
    wire_string(call->arena, req, "TableName", name, NULL, &e);
    if (e) return e;
    constraint_list_t cl;
    constraint_list_init(&cl, call->arena);
    constraint_name(&cl, *name, "tableName");
    return constraint_list_finish(&cl);
}

static api_result_t reply_description(api_call_t *call, const char *key, const table_t *t,
                                      const char *status, const catalog_stats_t *stats)
{
    buf_printf(call->out, "{\"%s\":", key);
    catalog_table_render_description(call->out, t, status, stats);
    buf_putc(call->out, '}');
    return op_reply_ok(call);
}

/* What every table-changing write shares: the call, its table (with a
 * reference held), whether the table was gone when the writer got to it,
 * and its counts for the response.  Each is exclusive: alone in its
 * transaction, with its done() under the DBI lock, where the catalog
 * changes once the commit succeeded. */
typedef struct {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    bool gone;
    catalog_stats_t stats;
} table_write_t;

static api_result_t table_write_submit(table_write_t *tw, api_call_t *call, table_t *t,
                                       int (*apply)(storage_write_t *, MDB_txn *),
                                       void (*done)(storage_write_t *, int), bool frees)
{
    tw->w.apply = apply;
    tw->w.done = done;
    tw->w.exclusive = true;
    tw->w.frees = frees;
    tw->call = call;
    tw->table = t;
    storage_submit(&tw->w);
    return API_PENDING;
}

/* The response of a table write: the table's description in `status`
 * (NULL: the trimmed one of a deleted table), or the error; then the call
 * completes. */
static void table_write_finish(table_write_t *tw, int status, const char *table_status)
{
    api_call_t *call = tw->call;
    if (status) op_reply_error(call, err_internal(call->arena));
    else if (tw->gone) op_reply_error(call, err_table_not_found(call->arena, tw->table->name));
    else if (!table_status) {
        buf_append_str(call->out, "{\"TableDescription\":");
        catalog_table_render_deleting(call->out, tw->table, &tw->stats);
        buf_putc(call->out, '}');
        op_reply_ok(call);
    } else reply_description(call, "TableDescription", tw->table, table_status, &tw->stats);
    catalog_release(tw->table);
    op_complete(call);
}

/* --- CreateTable ---------------------------------------------------------- */

typedef struct {
    table_write_t base;
    bool exists;
} create_write_t;

static int create_apply(storage_write_t *w, MDB_txn *txn)
{
    create_write_t *cw = (create_write_t *)w;
    table_t *t = cw->base.table;
    MDB_val key = {strlen(t->name), (void *)t->name}, val;
    int rc = mdb_get(txn, storage_catalog_dbi(), &key, &val);
    if (rc == 0) {
        cw->exists = true;
        return 0;
    }
    if (rc != MDB_NOTFOUND) return rc;
    if ((rc = catalog_table_open_dbis(txn, t))) return rc;
    if (t->stream_enabled && (rc = streams_create(txn, t, t->stream_view_type))) return rc;
    return catalog_table_store(txn, t);
}

static void create_done(storage_write_t *w, int status)
{
    create_write_t *cw = (create_write_t *)w;
    table_t *t = cw->base.table;
    if (cw->exists) {
        op_reply_error(cw->base.call, err_table_exists(cw->base.call->arena, t->name));
        catalog_release(t);
        op_complete(cw->base.call);
        return;
    }
    if (!status) catalog_publish(t);
    table_write_finish(&cw->base, status, "CREATING");
}

/* The provisioned units (read, write) of table t with its GSIs. */
static void provisioned_units(const table_t *t, int64_t units[2])
{
    units[0] = units[1] = 0;
    if (t->pay_per_request) return;
    units[0] = t->rcu, units[1] = t->wcu;
    for (size_t i = 0; i < t->index_count; i++)
        if (t->indexes[i].global) units[0] += t->indexes[i].rcu, units[1] += t->indexes[i].wcu;
}

/* The account maxima (DescribeLimits): the provisioned units of every
 * other table of the server and its GSIs, with units[2] for the table
 * named except (new or changed), at most TABLEDEF_ACCOUNT_MAX_*. */
static ddb_error_t *check_account_maxima(arena_t *a, const char *except, const int64_t units[2])
{
    static const char *const which[2] = {"ReadCapacityUnits", "WriteCapacityUnits"};
    const int64_t max[2] = {TABLEDEF_ACCOUNT_MAX_READ, TABLEDEF_ACCOUNT_MAX_WRITE};
    if (!units[0] && !units[1]) return NULL;
    int64_t total[2] = {units[0], units[1]};
    const char **names;
    bool more;
    size_t n = catalog_list(a, NULL, SIZE_MAX, &names, &more);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], except) == 0) continue;
        table_t *t = catalog_acquire(names[i], strlen(names[i]));
        if (!t) continue;
        int64_t other[2];
        provisioned_units(t, other);
        catalog_release(t);
        total[0] += other[0], total[1] += other[1];
    }
    for (int k = 0; k < 2; k++)
        if (total[k] > max[k])
            return err_throughput_above_account_max(a, which[k], (long long)total[k],
                                                    (long long)max[k], arn_region());
    return NULL;
}

api_result_t op_create_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    ddb_error_t *e = read_table_name(call, req, &name);
    table_t *t;
    if (!e) e = tabledef_parse(call->arena, req, false, &t);
    if (e) return op_reply_error(call, e);
    if (catalog_exists(t->name)) {
        e = err_table_exists(call->arena, t->name);
        tabledef_free(t);
        return op_reply_error(call, e);
    }
    int64_t units[2];
    provisioned_units(t, units);
    if ((e = check_account_maxima(call->arena, t->name, units))) {
        tabledef_free(t);
        return op_reply_error(call, e);
    }
    create_write_t *cw = arena_calloc(call->arena, sizeof *cw);
    return table_write_submit(&cw->base, call, t, create_apply, create_done, false);
}

/* --- DescribeTable --------------------------------------------------------- */

api_result_t op_describe_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    ddb_error_t *e = read_table_name(call, req, &name);
    if (e) return op_reply_error(call, e);
    table_t *t = catalog_acquire_any(name, strlen(name));
    if (!t) return op_reply_error(call, err_table_not_found(call->arena, name));
    catalog_stats_t stats;
    MDB_txn *txn = op_read_begin(call);
    int rc = txn ? catalog_table_read_stats(txn, call->arena, t, &stats) : MDB_PANIC;
    if (txn) op_read_end(call, txn);
    if (rc) e = err_internal(call->arena);
    else reply_description(call, "Table", t, t->restoring ? "CREATING" : "ACTIVE", &stats);
    catalog_release(t);
    return e ? op_reply_error(call, e) : API_DONE;
}

/* --- DeleteTable ------------------------------------------------------------ */

typedef struct {
    table_write_t base;
    bool applied;
    uint64_t stream_id; /* the table's stream before, kept if the commit fails */
    backup_t *system;   /* the SYSTEM backup of a table with PITR */
} delete_write_t;

static int delete_apply(storage_write_t *w, MDB_txn *txn)
{
    delete_write_t *dw = (delete_write_t *)w;
    table_t *t = catalog_latest(dw->base.table);
    if (t->dropped) {
        dw->base.gone = true;
        return 0;
    }
    MDB_val key = {strlen(t->name), (void *)t->name};
    dw->applied = true;
    dw->stream_id = t->stream_id;
    int rc = catalog_table_read_stats(txn, dw->base.call->arena, t, &dw->base.stats);
    pitr_table_deleted(dw->system, false); /* a retried apply */
    dw->system = rc ? NULL : pitr_table_deleting(txn, t);
    if (!rc) rc = catalog_table_forget_stats(txn, t);
    if (!rc) rc = catalog_table_drop_dbis(txn, t);
    if (!rc) rc = streams_disable(txn, t);
    if (!rc && replication_on) rc = replication_table_dropped(txn, t);
    if (rc) return rc;
    rc = mdb_del(txn, storage_catalog_dbi(), &key, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int reopen_dbis(MDB_txn *txn, void *t) { return catalog_table_open_dbis(txn, t); }

/* Under the DBI lock: no reader sees the table between the drop and the
 * commit, nor after it. */
static void delete_done(storage_write_t *w, int status)
{
    delete_write_t *dw = (delete_write_t *)w;
    table_t *t = catalog_latest(dw->base.table);
    pitr_table_deleted(dw->system, !status && !dw->base.gone);
    if (!status && !dw->base.gone) {
        t->dropped = true;
        catalog_unpublish(t);
        throttle_forget(t->name); /* a new table of that name starts afresh */
    } else if (status && dw->applied && !dw->base.gone) {
        /* Still there: its dropped DBIs' handles were closed by the failed
         * transaction, and its stream is still enabled. */
        t->stream_id = dw->stream_id;
        int rc = storage_run_sync(reopen_dbis, t);
        if (rc) log_error("catalog: cannot reopen the DBIs of %s: %s", t->name, mdb_strerror(rc));
    }
    table_write_finish(&dw->base, status, NULL);
}

api_result_t op_delete_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    ddb_error_t *e = read_table_name(call, req, &name);
    if (e) return op_reply_error(call, e);
    table_t *t = catalog_acquire_any(name, strlen(name));
    if (!t) return op_reply_error(call, err_table_not_found(call->arena, name));
    if (t->restoring) {
        catalog_release(t);
        return op_reply_error(call, err_table_in_use(call->arena, name, "created"));
    }
    if (t->deletion_protection) {
        catalog_release(t);
        return op_reply_error(call, err_deletion_protected(call->arena));
    }
    if (replication_on && replication_recent_source(t->name)) {
        catalog_release(t);
        return op_reply_error(call, err_replica_recent_source(call->arena));
    }
    delete_write_t *dw = arena_calloc(call->arena, sizeof *dw);
    return table_write_submit(&dw->base, call, t, delete_apply, delete_done, true);
}

/* --- ListTables ----------------------------------------------------------------- */

api_result_t op_list_tables(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *start = NULL;
    int64_t limit = 100;
    bool has_limit = wire_integer(a, req, "Limit", &limit, &e);
    if (!e) wire_string(a, req, "ExclusiveStartTableName", &start, NULL, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    if (start) constraint_name(&cl, start, "exclusiveStartTableName");
    if (has_limit) constraint_range(&cl, limit, 1, LIST_TABLES_MAX, "limit");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);

    const char **names;
    bool more;
    size_t n = catalog_list(a, start, (size_t)limit, &names, &more);
    buf_append_str(call->out, "{\"TableNames\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(call->out, ',');
        json_write_string(call->out, names[i], strlen(names[i]));
    }
    buf_putc(call->out, ']');
    if (more && n) {
        buf_append_str(call->out, ",\"LastEvaluatedTableName\":");
        json_write_string(call->out, names[n - 1], strlen(names[n - 1]));
    }
    buf_putc(call->out, '}');
    return op_reply_ok(call);
}

/* --- UpdateTable ------------------------------------------------------------------- */

typedef struct {
    table_write_t base;
    /* the new settings */
    bool pay_per_request;
    int64_t rcu, wcu;
    bool billing_changed, throughput_changed, stream_changed, protection_changed;
    bool maxima_changed;
    int64_t max_read, max_write; /* OnDemandThroughput after the update */
    bool stream_enabled, deletion_protection;
    const char *stream_view_type;
    const char *table_class;
    /* Index changes (or a billing switch of a table with GSIs): the whole
     * new definition, validated by the CreateTable parser, and the index it
     * adds or removes. */
    table_t *new_def;
    const char *created, *deleted;
    /* the table changed between validation and the writer */
    bool conflict;
    /* the new version, stored by apply, published by done once committed */
    table_t *changed;
    /* the settings the other replicas of a global table take too (JSON) */
    const char *forward;
} update_write_t;

/* Apply the new settings to t, the new version of table old (or old
 * itself); writer thread only. */
static void update_table_fields(update_write_t *uw, table_t *t, const table_t *old)
{
    double now = clock_now_seconds();
    if (uw->billing_changed) {
        t->pay_per_request = uw->pay_per_request;
        t->billing_updated = now;
        if (!t->pay_per_request) t->max_read = t->max_write = 0; /* on-demand only */
        if (t->pay_per_request) { /* the oldest of the day's switches makes room */
            double *sw = t->on_demand_switches;
            size_t n = 0;
            while (n < CATALOG_ON_DEMAND_SWITCHES && sw[n]) n++;
            if (n == CATALOG_ON_DEMAND_SWITCHES) {
                memmove(sw, sw + 1, (n - 1) * sizeof *sw);
                n--;
            }
            sw[n] = now;
        }
    }
    if (uw->maxima_changed) {
        t->max_read = uw->max_read;
        t->max_write = uw->max_write;
    }
    if (uw->throughput_changed) {
        int64_t rcu = old->pay_per_request ? 0 : old->rcu, wcu = old->pay_per_request ? 0 : old->wcu;
        if (uw->rcu > rcu || uw->wcu > wcu) t->last_increase = now;
        if (uw->rcu < rcu || uw->wcu < wcu) {
            t->decreases_today = catalog_table_decreases_today(old, now) + 1;
            t->last_decrease = now;
        }
        t->rcu = uw->rcu;
        t->wcu = uw->wcu;
    }
    if (uw->stream_changed) {
        t->stream_enabled = uw->stream_enabled;
        t->stream_view_type =
            uw->stream_enabled ? arena_strndup(t->arena, uw->stream_view_type,
                                               strlen(uw->stream_view_type))
                               : NULL;
    }
    if (uw->protection_changed) t->deletion_protection = uw->deletion_protection;
    if (uw->table_class) t->table_class = arena_strndup(t->arena, uw->table_class,
                                                        strlen(uw->table_class));
}

/* Whether two versions of a table have the same indexes with the same
 * throughput (other versions come from TTL changes and finished backfills,
 * which catalog_table_adopt carries over). */
static bool same_indexes(const table_t *a, const table_t *b)
{
    if (a->index_count != b->index_count) return false;
    for (size_t i = 0; i < a->index_count; i++) {
        const index_def_t *x = &a->indexes[i], *y = &b->indexes[i];
        if (strcmp(x->name, y->name) != 0 || x->rcu != y->rcu || x->wcu != y->wcu) return false;
    }
    return true;
}

static int update_apply(storage_write_t *w, MDB_txn *txn)
{
    update_write_t *uw = (update_write_t *)w;
    table_t *t = catalog_latest(uw->base.table);
    uw->base.gone = uw->conflict = false;
    if (t->dropped) {
        uw->base.gone = true;
        return 0;
    }
    if (uw->new_def && !same_indexes(t, uw->base.table)) {
        /* another UpdateTable changed the indexes this one was built on */
        uw->conflict = true;
        return 0;
    }
    int rc = 0;
    table_t *changed;
    if (uw->new_def) {
        changed = uw->new_def;
        catalog_retain(changed); /* new_def keeps its own for a retried apply */
        catalog_table_adopt(changed, t);
        for (size_t i = 0; !rc && i < changed->index_count; i++) {
            index_def_t *ix = &changed->indexes[i];
            if (uw->created && strcmp(ix->name, uw->created) == 0)
                rc = mdb_dbi_open(txn, ix->dbi_name, MDB_CREATE, &ix->dbi);
        }
        const index_def_t *gone =
            uw->deleted ? tabledef_index_find(t, uw->deleted, strlen(uw->deleted)) : NULL;
        if (!rc && gone) rc = stats_remove(txn, gone->dbi_name);
        if (!rc && gone) rc = mdb_drop(txn, gone->dbi, 1);
    } else {
        changed = catalog_table_clone(t);
    }
    uw->changed = changed;
    if (rc) return rc;
    update_table_fields(uw, changed, t);
    if (uw->stream_changed)
        rc = uw->stream_enabled ? streams_create(txn, changed, uw->stream_view_type)
                                : streams_disable(txn, changed);
    if (!rc) rc = catalog_table_store(txn, changed);
    if (!rc) rc = catalog_table_read_stats(txn, uw->base.call->arena, changed, &uw->base.stats);
    return rc;
}

/* Under the DBI lock, right after the commit or its failure. */
static void update_done(storage_write_t *w, int status)
{
    update_write_t *uw = (update_write_t *)w;
    table_t *t = catalog_latest(uw->base.table);
    bool applied = !status && !uw->base.gone && !uw->conflict;
    if (applied) catalog_replace(t, uw->changed); /* the registry and t take references */
    if (status && uw->deleted && !uw->base.gone && !uw->conflict) {
        /* the failed transaction closed the handle of the index it dropped */
        int rc = storage_run_sync(reopen_dbis, t);
        if (rc) log_error("catalog: cannot reopen the DBIs of %s: %s", t->name, mdb_strerror(rc));
    }
    catalog_release(uw->changed);
    catalog_release(uw->new_def);
    table_t *latest = catalog_latest(uw->base.table);
    if (applied && uw->created) index_backfill_start(latest, uw->created);
    if (applied && uw->forward)
        replication_settings_forward(latest->name, "UpdateTable", uw->forward,
                                     strlen(uw->forward));
    if (uw->conflict && !status) {
        api_call_t *call = uw->base.call;
        op_reply_error(call, err_table_in_use(call->arena, uw->base.table->name, "updated"));
        catalog_release(uw->base.table);
        op_complete(call);
        return;
    }
    if (applied && uw->base.table != latest) {
        /* The response describes the new definition. */
        catalog_retain(latest);
        table_t *acquired = uw->base.table;
        uw->base.table = latest;
        catalog_release(acquired);
    }
    table_write_finish(&uw->base, status, "UPDATING");
}

/* --- UpdateTable: the request ------------------------------------------------------------ */

typedef enum { GSI_CREATE, GSI_UPDATE, GSI_DELETE } gsi_action_kind_t;

/* One entry of GlobalSecondaryIndexUpdates. */
typedef struct {
    gsi_action_kind_t kind;
    int actions; /* how many of Create, Update and Delete it holds */
    const json_value_t *body;
    const char *name;
    tabledef_throughput_t throughput; /* Update */
    tabledef_on_demand_t on_demand;   /* Update */
} gsi_action_t;

typedef struct {
    const char *billing;
    tabledef_throughput_t throughput;
    const json_value_t *stream;
    bool stream_enabled, stream_enabled_set;
    const char *view;
    bool protection, protection_set;
    const char *table_class;
    tabledef_on_demand_t maxima; /* OnDemandThroughput */
    const json_value_t *gsi_updates;
    gsi_action_t *actions;
    size_t action_count;
    bool on_demand; /* the billing mode after the update */
} update_request_t;

/* GlobalSecondaryIndexUpdates: each entry read, its model constraints into cl. */
static ddb_error_t *read_index_actions(arena_t *a, update_request_t *r, constraint_list_t *cl)
{
    ddb_error_t *e = NULL;
    size_t n = r->gsi_updates->u.array.count;
    r->actions = arena_calloc(a, (n ? n : 1) * sizeof(gsi_action_t));
    r->action_count = n;
    for (size_t i = 0; i < n; i++) {
        const json_value_t *u = r->gsi_updates->u.array.items[i];
        gsi_action_t *act = &r->actions[i];
        if (u->type == JSON_NULL) continue;
        if ((e = wire_check(a, u, WIRE_STRUCT))) return e;
        static const char *const members[] = {"Create", "Update", "Delete"};
        static const char *const paths[] = {"create", "update", "delete"};
        for (int k = 2; k >= 0; k--) {
            const json_value_t *body = wire_container(a, u, members[k], WIRE_STRUCT, &e);
            if (e) return e;
            if (!body) continue;
            act->actions++;
            act->kind = (gsi_action_kind_t)k;
            act->body = body;
        }
        if (act->actions != 1) continue;
        char path[96];
        snprintf(path, sizeof path, "globalSecondaryIndexUpdates.%zu.member.%s", i + 1,
                 paths[act->kind]);
        wire_string(a, act->body, "IndexName", &act->name, NULL, &e);
        if (e) return e;
        if (act->kind == GSI_CREATE) {
            if ((e = tabledef_check_index_spec(a, act->body, path, true, cl))) return e;
            continue;
        }
        char name_path[128];
        snprintf(name_path, sizeof name_path, "%s.indexName", path);
        constraint_name(cl, act->name, "%s", name_path);
        if (act->kind == GSI_UPDATE) {
            char pt_path[128];
            snprintf(pt_path, sizeof pt_path, "%s.provisionedThroughput", path);
            if ((e = tabledef_read_throughput(a, act->body, pt_path, cl, &act->throughput)))
                return e;
            if ((e = tabledef_read_on_demand(a, act->body, &act->on_demand))) return e;
        }
    }
    return NULL;
}

/* Deserialise the request and check its model constraints. */
static ddb_error_t *read_update_request(arena_t *a, const json_value_t *req, update_request_t *r)
{
    ddb_error_t *e = NULL;
    memset(r, 0, sizeof *r);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    wire_string(a, req, "BillingMode", &r->billing, NULL, &e);
    if (!e) e = tabledef_read_throughput(a, req, "provisionedThroughput", &cl, &r->throughput);
    if (!e) r->stream = wire_container(a, req, "StreamSpecification", WIRE_STRUCT, &e);
    if (!e && r->stream) {
        r->stream_enabled_set = wire_bool(a, r->stream, "StreamEnabled", &r->stream_enabled, &e);
        if (!e) wire_string(a, r->stream, "StreamViewType", &r->view, NULL, &e);
    }
    if (!e) r->protection_set = wire_bool(a, req, "DeletionProtectionEnabled", &r->protection, &e);
    if (!e) wire_string(a, req, "TableClass", &r->table_class, NULL, &e);
    if (!e) e = tabledef_read_on_demand(a, req, &r->maxima);
    if (!e) e = tabledef_check_attribute_definitions(a, req, &cl);
    if (!e) r->gsi_updates = wire_container(a, req, "GlobalSecondaryIndexUpdates", WIRE_LIST, &e);
    if (!e && r->gsi_updates) e = read_index_actions(a, r, &cl);
    if (e) return e;
    constraint_enum(&cl, r->billing, &ENUM_BILLING_MODE, "billingMode");
    if (r->stream) {
        constraint_required(&cl, r->stream_enabled_set, "streamSpecification.streamEnabled");
        constraint_enum(&cl, r->view, &ENUM_STREAM_VIEW_TYPE, "streamSpecification.streamViewType");
    }
    constraint_enum(&cl, r->table_class, &ENUM_TABLE_CLASS, "tableClass");
    return constraint_list_finish(&cl);
}

#define DECREASES_FREE 4
#define DECREASE_INTERVAL_S 3600

/* Table-level billing and throughput rules. */
static ddb_error_t *check_billing(arena_t *a, const table_t *t, const update_request_t *r)
{
    const tabledef_throughput_t *pt = &r->throughput;
    if (r->on_demand && pt->present) return err_throughput_with_on_demand(a);
    if (!r->on_demand && r->billing && !pt->present)
        return err_update_table_provisioned_needs_throughput(a);
    if (pt->present && !t->pay_per_request && pt->rcu == t->rcu && pt->wcu == t->wcu)
        return err_table_throughput_unchanged(a, (long long)t->rcu, (long long)pt->rcu,
                                              (long long)t->wcu, (long long)pt->wcu);
    if (pt->present && !t->pay_per_request && (pt->rcu < t->rcu || pt->wcu < t->wcu)) {
        /* Decreases: DECREASES_FREE a UTC day, then one an hour. */
        double now = clock_now_seconds();
        int today = catalog_table_decreases_today(t, now);
        if (today >= DECREASES_FREE && now - t->last_decrease < DECREASE_INTERVAL_S)
            return err_throughput_decreases_limited(a, today, t->last_decrease,
                                                    t->last_decrease + DECREASE_INTERVAL_S);
    }
    return tabledef_check_on_demand(a, &r->maxima, NULL, r->on_demand, true);
}

static size_t gsi_count(const table_t *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->index_count; i++) n += t->indexes[i].global;
    return n;
}

/* The action of the request on index `name`, or NULL. */
static const gsi_action_t *action_on(const update_request_t *r, const char *name)
{
    for (size_t i = 0; i < r->action_count; i++)
        if (r->actions[i].name && strcmp(r->actions[i].name, name) == 0) return &r->actions[i];
    return NULL;
}

/* The shape of GlobalSecondaryIndexUpdates: one action per entry and per
 * index, one online change, alone with what may accompany it. */
static ddb_error_t *check_index_action_shape(arena_t *a, const table_t *t,
                                             const update_request_t *r)
{
    size_t online = 0;
    for (size_t i = 0; i < r->action_count; i++) {
        const gsi_action_t *act = &r->actions[i];
        if (act->actions == 0) return err_index_update_no_action(a);
        if (act->actions > 1) return err_index_update_two_actions(a);
    }
    for (size_t i = 0; i < r->action_count; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(r->actions[i].name, r->actions[k].name) == 0)
                return err_index_update_same_index(a, r->actions[i].name);
    for (size_t i = 0; i < r->action_count; i++) online += r->actions[i].kind != GSI_UPDATE;
    if (!online) return NULL;
    bool building = false;
    for (size_t i = 0; i < t->index_count; i++) building |= t->indexes[i].status != INDEX_ACTIVE;
    if (online > 1 || building) return err_index_online_limit(a);
    if (r->throughput.present) return err_index_change_with_throughput(a);
    if (r->stream) return err_index_change_with_stream(a);
    if (r->protection_set) return err_update_table_only_operation(a, "DeletionProtection");
    if (r->table_class) return err_update_table_only_operation(a, "TableClass");
    return NULL;
}

/* Each index action against the table. */
static ddb_error_t *check_index_actions(arena_t *a, const table_t *t, const json_value_t *req,
                                        const update_request_t *r)
{
    ddb_error_t *e;
    for (size_t i = 0; i < r->action_count; i++) {
        const gsi_action_t *act = &r->actions[i];
        const index_def_t *ix = tabledef_index_find(t, act->name, strlen(act->name));
        if (act->kind == GSI_CREATE) {
            if (ix) return err_index_exists(a);
            if ((e = tabledef_check_index_create(a, t, req, act->body, r->on_demand))) return e;
            if (gsi_count(t) >= CATALOG_GSI_MAX) return err_index_count_limit(a, CATALOG_GSI_MAX);
            continue;
        }
        if (!ix) return err_index_update_not_found(a, act->name, t->name);
        if (!ix->global) return err_index_not_global(a, act->kind == GSI_DELETE, act->name);
        if (act->kind == GSI_DELETE) continue;
        /* an on-demand table's GSIs take maxima only; a provisioned
         * table's, throughput only */
        if (r->on_demand && (act->throughput.present || !act->on_demand.present))
            return err_index_update_on_demand(a, act->name);
        if ((e = tabledef_check_on_demand(a, &act->on_demand, act->name, r->on_demand, true)))
            return e;
        if (r->on_demand) continue;
        if (!act->throughput.present)
            return constraint_error(
                a, NULL, "Member must not be null",
                "globalSecondaryIndexUpdates.%zu.member.update.provisionedThroughput", i + 1);
        if (!t->pay_per_request && act->throughput.rcu == ix->rcu &&
            act->throughput.wcu == ix->wcu)
            return err_index_throughput_unchanged(a, act->name, (long long)ix->rcu,
                                                  (long long)act->throughput.rcu,
                                                  (long long)ix->wcu,
                                                  (long long)act->throughput.wcu);
        /* a GSI's decreases are counted as a table's, on their own */
        if (!t->pay_per_request &&
            (act->throughput.rcu < ix->rcu || act->throughput.wcu < ix->wcu)) {
            double now = clock_now_seconds();
            int today = catalog_decreases_today(ix->last_decrease, ix->decreases_today, now);
            if (today >= DECREASES_FREE && now - ix->last_decrease < DECREASE_INTERVAL_S)
                return err_throughput_decreases_limited(a, today, ix->last_decrease,
                                                        ix->last_decrease + DECREASE_INTERVAL_S);
        }
    }
    /* A switch to PROVISIONED gives every remaining GSI its throughput. */
    if (!r->on_demand && t->pay_per_request)
        for (size_t i = 0; i < t->index_count; i++) {
            const index_def_t *ix = &t->indexes[i];
            const gsi_action_t *act = ix->global ? action_on(r, ix->name) : NULL;
            if (ix->global && !act) return err_index_throughput_required(a, ix->name);
        }
    return NULL;
}

#define DAY_S 86400

/* Switches to PAY_PER_REQUEST: CATALOG_ON_DEMAND_SWITCHES a rolling day
 * (the other way at any time). */
static ddb_error_t *check_on_demand_switches(arena_t *a, const table_t *t)
{
    const double *sw = t->on_demand_switches;
    double now = clock_now_seconds();
    size_t n = 0;
    while (n < CATALOG_ON_DEMAND_SWITCHES && sw[n]) n++;
    if (n < CATALOG_ON_DEMAND_SWITCHES || now - sw[0] >= DAY_S) return NULL;
    return err_on_demand_switches_limited(a, CATALOG_ON_DEMAND_SWITCHES, sw[n - 1], sw[0] + DAY_S);
}

/* A provisioned table's throughput after the update (the table's and its
 * GSIs', created ones included) within the per-table maxima. */
static ddb_error_t *check_maxima(arena_t *a, const table_t *t, const update_request_t *r)
{
    if (r->on_demand) return NULL;
    size_t n = 1;
    int64_t(*values)[2] = arena_calloc(a, (1 + t->index_count + r->action_count) * sizeof *values);
    const char **names = arena_calloc(a, (1 + t->index_count + r->action_count) * sizeof *names);
    values[0][0] = r->throughput.present ? r->throughput.rcu : t->rcu;
    values[0][1] = r->throughput.present ? r->throughput.wcu : t->wcu;
    for (size_t i = 0; i < t->index_count; i++) {
        const index_def_t *ix = &t->indexes[i];
        const gsi_action_t *act = ix->global ? action_on(r, ix->name) : NULL;
        if (!ix->global || (act && act->kind == GSI_DELETE)) continue;
        bool updated = act && act->kind == GSI_UPDATE;
        values[n][0] = updated ? act->throughput.rcu : ix->rcu;
        values[n][1] = updated ? act->throughput.wcu : ix->wcu;
        names[n++] = ix->name;
    }
    for (size_t i = 0; i < r->action_count; i++) {
        const gsi_action_t *act = &r->actions[i];
        if (act->kind != GSI_CREATE) continue;
        tabledef_throughput_t tp;
        constraint_list_t ignored; /* checked already */
        constraint_list_init(&ignored, a);
        if (tabledef_read_throughput(a, act->body, "", &ignored, &tp)) continue;
        values[n][0] = tp.rcu;
        values[n][1] = tp.wcu;
        names[n++] = act->name;
    }
    ddb_error_t *e = tabledef_check_table_maxima(a, (const int64_t(*)[2])values, names, n);
    int64_t units[2] = {0, 0};
    for (size_t i = 0; i < n; i++) units[0] += values[i][0], units[1] += values[i][1];
    return e ? e : check_account_maxima(a, t->name, units);
}

/* --- UpdateTable: the new definition ------------------------------------------------------ */

static json_value_t *json_array_new(arena_t *a, size_t cap)
{
    json_value_t *v = arena_calloc(a, sizeof *v);
    v->type = JSON_ARRAY;
    v->u.array.items = arena_alloc(a, (cap ? cap : 1) * sizeof(json_value_t *));
    return v;
}

static json_value_t *json_string_new(arena_t *a, const char *text)
{
    json_value_t *v = arena_calloc(a, sizeof *v);
    v->type = JSON_STRING;
    v->u.str.ptr = arena_strndup(a, text, strlen(text));
    v->u.str.len = strlen(text);
    return v;
}

/* A shallow copy of an object, to change members of. */
static json_value_t *json_object_copy(arena_t *a, const json_value_t *obj)
{
    json_value_t *copy = arena_alloc(a, sizeof *copy);
    *copy = *obj;
    copy->u.object.members = arena_alloc(a, (obj->u.object.count + 1) * sizeof(json_member_t));
    memcpy(copy->u.object.members, obj->u.object.members,
           obj->u.object.count * sizeof(json_member_t));
    return copy;
}

static void json_object_set(arena_t *a, json_value_t *obj, const char *key, json_value_t *value)
{
    for (size_t i = 0; i < obj->u.object.count; i++)
        if (strcmp(obj->u.object.members[i].key, key) == 0) {
            obj->u.object.members[i].value = value;
            return;
        }
    json_member_t *m = arena_alloc(a, (obj->u.object.count + 1) * sizeof *m);
    memcpy(m, obj->u.object.members, obj->u.object.count * sizeof *m);
    m[obj->u.object.count] = (json_member_t){key, strlen(key), value};
    obj->u.object.members = m;
    obj->u.object.count++;
}

static void json_object_remove(json_value_t *obj, const char *key)
{
    for (size_t i = 0; i < obj->u.object.count; i++)
        if (strcmp(obj->u.object.members[i].key, key) == 0) {
            memmove(&obj->u.object.members[i], &obj->u.object.members[i + 1],
                    (obj->u.object.count - i - 1) * sizeof(json_member_t));
            obj->u.object.count--;
            return;
        }
}

static const char *json_name(const json_value_t *obj, const char *key)
{
    const json_value_t *v = obj && obj->type == JSON_OBJECT ? json_object_get(obj, key) : NULL;
    return v && v->type == JSON_STRING ? v->u.str.ptr : NULL;
}

/* Whether a key schema (JSON list) names attribute `name`. */
static bool schema_uses(const json_value_t *schema, const char *name)
{
    for (size_t i = 0; schema && schema->type == JSON_ARRAY && i < schema->u.array.count; i++) {
        const char *n = json_name(schema->u.array.items[i], "AttributeName");
        if (n && strcmp(n, name) == 0) return true;
    }
    return false;
}

static json_value_t *json_number_new(arena_t *a, const char *text)
{
    json_value_t *v = json_string_new(a, text);
    v->type = JSON_NUMBER;
    return v;
}

/* A provisioned GSI's throughput changed to pt: the times and the day's
 * count of decreases go with its stored object g (tabledef). */
static void note_index_change(arena_t *a, json_value_t *g, const index_def_t *ix,
                              const tabledef_throughput_t *pt)
{
    double now = clock_now_seconds();
    double last_increase = ix->last_increase, last_decrease = ix->last_decrease;
    int today = catalog_decreases_today(ix->last_decrease, ix->decreases_today, now);
    if (pt->rcu > ix->rcu || pt->wcu > ix->wcu) last_increase = now;
    if (pt->rcu < ix->rcu || pt->wcu < ix->wcu) last_decrease = now, today++;
    json_object_set(a, g, "LastIncrease",
                    json_number_new(a, arena_sprintf(a, "%.3f", last_increase)));
    json_object_set(a, g, "LastDecrease",
                    json_number_new(a, arena_sprintf(a, "%.3f", last_decrease)));
    json_object_set(a, g, "DecreasesToday", json_number_new(a, arena_sprintf(a, "%d", today)));
}

/* The GSI list with the actions applied, each with the throughput the
 * billing mode after the update wants. */
static json_value_t *new_gsi_list(arena_t *a, const table_t *t, const json_value_t *def,
                                  const update_request_t *r)
{
    const json_value_t *old = json_object_get(def, "GlobalSecondaryIndexes");
    size_t old_count = old ? old->u.array.count : 0;
    json_value_t *gsis = json_array_new(a, old_count + r->action_count);
    for (size_t i = 0; i < old_count; i++) {
        json_value_t *g = old->u.array.items[i];
        const gsi_action_t *act = action_on(r, json_name(g, "IndexName"));
        if (act && act->kind == GSI_DELETE) continue;
        g = json_object_copy(a, g);
        if (r->on_demand) json_object_remove(g, "ProvisionedThroughput");
        else json_object_remove(g, "OnDemandThroughput"); /* maxima are on-demand's */
        if (act && act->kind == GSI_UPDATE && !r->on_demand) {
            json_object_set(a, g, "ProvisionedThroughput",
                            (json_value_t *)json_object_get(act->body, "ProvisionedThroughput"));
            if (!t->pay_per_request)
                note_index_change(a, g, tabledef_index_find(t, act->name, strlen(act->name)),
                                  &act->throughput);
        }
        if (act && act->kind == GSI_UPDATE && r->on_demand) {
            const index_def_t *ix = tabledef_index_find(t, act->name, strlen(act->name));
            int64_t max_read = ix->max_read, max_write = ix->max_write;
            tabledef_apply_on_demand(&act->on_demand, &max_read, &max_write);
            json_object_remove(g, "OnDemandThroughput");
            if (max_read || max_write) {
                buf_t text;
                buf_init(&text);
                tabledef_render_on_demand(&text, max_read, max_write);
                json_value_t *od;
                if (json_parse(a, arena_strndup(a, text.data, text.len), text.len, &od, NULL) ==
                    JSON_OK)
                    json_object_set(a, g, "OnDemandThroughput", od);
                buf_free(&text);
            }
        }
        gsis->u.array.items[gsis->u.array.count++] = g;
    }
    for (size_t i = 0; i < r->action_count; i++)
        if (r->actions[i].kind == GSI_CREATE)
            gsis->u.array.items[gsis->u.array.count++] = (json_value_t *)r->actions[i].body;
    return gsis;
}

/* The old attribute definitions, then the request's, keeping only those a
 * key of the table or of an index still uses. */
static ddb_error_t *merge_attribute_definitions(arena_t *a, json_value_t *def,
                                                const json_value_t *new_attrs)
{
    ddb_error_t *e;
    const json_value_t *old_attrs = json_object_get(def, "AttributeDefinitions");
    size_t n_new = new_attrs ? new_attrs->u.array.count : 0;
    json_value_t *attrs = json_array_new(a, old_attrs->u.array.count + n_new);
    const json_value_t *sources[2] = {old_attrs, new_attrs};
    const json_value_t *lists[2] = {json_object_get(def, "LocalSecondaryIndexes"),
                                    json_object_get(def, "GlobalSecondaryIndexes")};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; sources[s] && i < sources[s]->u.array.count; i++) {
            json_value_t *ad = sources[s]->u.array.items[i];
            if ((e = wire_check(a, ad, WIRE_STRUCT))) return e;
            const char *n = json_name(ad, "AttributeName");
            bool dup = false, used;
            for (size_t k = 0; n && k < attrs->u.array.count && !dup; k++)
                dup = strcmp(json_name(attrs->u.array.items[k], "AttributeName"), n) == 0;
            if (!n || dup) continue;
            used = schema_uses(json_object_get(def, "KeySchema"), n);
            for (int l = 0; l < 2 && !used; l++)
                for (size_t k = 0; lists[l] && k < lists[l]->u.array.count && !used; k++)
                    used = schema_uses(json_object_get(lists[l]->u.array.items[k], "KeySchema"), n);
            if (used) attrs->u.array.items[attrs->u.array.count++] = ad;
        }
    json_object_set(a, def, "AttributeDefinitions", attrs);
    return NULL;
}

/* Build the table's definition with the index changes (and billing) applied
 * and let the CreateTable parser read it: every definition rule is shared. */
static ddb_error_t *plan_new_definition(arena_t *a, const json_value_t *req, const table_t *t,
                                        const update_request_t *r, update_write_t *uw)
{
    ddb_error_t *e = NULL;
    const json_value_t *new_attrs = wire_container(a, req, "AttributeDefinitions", WIRE_LIST, &e);
    if (e) return e;
    buf_t text;
    buf_init(&text);
    tabledef_render(&text, t);
    json_value_t *def;
    json_status_t js = json_parse(a, text.data, text.len, &def, NULL);
    buf_free(&text);
    if (js != JSON_OK) return err_internal(a);
    json_object_set(a, def, "BillingMode",
                    json_string_new(a, r->on_demand ? "PAY_PER_REQUEST" : "PROVISIONED"));
    if (r->on_demand) json_object_remove(def, "ProvisionedThroughput");
    else if (r->throughput.present)
        json_object_set(a, def, "ProvisionedThroughput",
                        (json_value_t *)json_object_get(req, "ProvisionedThroughput"));
    json_value_t *gsis = new_gsi_list(a, t, def, r);
    if (gsis->u.array.count) json_object_set(a, def, "GlobalSecondaryIndexes", gsis);
    else json_object_remove(def, "GlobalSecondaryIndexes");
    if ((e = merge_attribute_definitions(a, def, new_attrs))) return e;
    table_t *changed;
    if ((e = tabledef_parse(a, def, true, &changed))) return e;
    uw->new_def = changed;
    for (size_t i = 0; i < r->action_count; i++) {
        const char *name = arena_strndup(a, r->actions[i].name, strlen(r->actions[i].name));
        if (r->actions[i].kind == GSI_CREATE) uw->created = name;
        if (r->actions[i].kind == GSI_DELETE) uw->deleted = name;
    }
    return NULL;
}

/* What the request alone decides, before the table is looked up. */
static ddb_error_t *validate_update(api_call_t *call, const json_value_t *req,
                                    update_request_t *r)
{
    arena_t *a = call->arena;
    ddb_error_t *e;
    if ((e = read_update_request(a, req, r))) return e;
    static const char *const later[] = {"ReplicaUpdates", "SSESpecification", NULL};
    if ((e = op_unsupported(call, req, later))) return e;
    if (!r->billing && !r->throughput.present && !r->stream && !r->protection_set &&
        !r->table_class && !r->action_count && !r->maxima.present)
        return err_update_table_nothing(a);
    if (r->gsi_updates && !r->action_count) return err_index_updates_empty(a);
    return NULL;
}

/* The request against the table; fills uw. */
static ddb_error_t *plan_update(api_call_t *call, const json_value_t *req, table_t *t,
                                update_request_t r, update_write_t *uw)
{
    arena_t *a = call->arena;
    ddb_error_t *e;
    r.on_demand = r.billing ? strcmp(r.billing, "PAY_PER_REQUEST") == 0 : t->pay_per_request;
    if ((e = check_index_action_shape(a, t, &r))) return e;
    if ((e = check_billing(a, t, &r))) return e;
    if ((e = check_index_actions(a, t, req, &r))) return e;
    if ((e = check_maxima(a, t, &r))) return e;
    if (r.stream) {
        if (r.stream_enabled != (r.view != NULL))
            return err_stream_view_type(a, false, r.stream_enabled);
        if (r.throughput.present || (r.billing && strcmp(r.billing, "PROVISIONED") == 0))
            return err_stream_change_with_iops(a);
        if (r.stream_enabled && t->stream_enabled) return err_stream_already_enabled(a, t->name);
        if (!r.stream_enabled && !t->stream_enabled) return err_stream_none_to_disable(a, t->name);
        if (!r.stream_enabled && replication_on && replication_replica_count(t->name))
            return err_replica_stream_disable(a);
    }
    bool billing_changed = r.billing && r.on_demand != t->pay_per_request;
    if (billing_changed && r.on_demand && (e = check_on_demand_switches(a, t))) return e;
    if (r.action_count || (billing_changed && gsi_count(t)))
        if ((e = plan_new_definition(a, req, t, &r, uw))) return e;
    uw->billing_changed = billing_changed;
    uw->pay_per_request = r.on_demand;
    uw->throughput_changed = r.throughput.present;
    uw->rcu = r.throughput.rcu;
    uw->wcu = r.throughput.wcu;
    uw->stream_changed = r.stream != NULL;
    uw->stream_enabled = r.stream_enabled;
    uw->stream_view_type = r.view;
    uw->maxima_changed = r.maxima.present;
    uw->max_read = t->pay_per_request ? t->max_read : 0;
    uw->max_write = t->pay_per_request ? t->max_write : 0;
    tabledef_apply_on_demand(&r.maxima, &uw->max_read, &uw->max_write);
    uw->protection_changed = r.protection_set;
    uw->deletion_protection = r.protection;
    uw->table_class = r.table_class;
    return NULL;
}

/* The members of an UpdateTable that every replica of a global table takes
 * (GSIs, billing, throughput, stream), as a request; NULL if none.  Table
 * class, encryption and deletion protection stay each replica's own. */
static const char *group_settings(arena_t *a, const json_value_t *req)
{
    static const char *const own[] = {"TableName", "TableClass", "SSESpecification",
                                      "DeletionProtectionEnabled", NULL};
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '{');
    json_write_member(&b, "TableName", json_object_get(req, "TableName")->u.str.ptr);
    bool any = false;
    for (size_t i = 0; i < req->u.object.count; i++) {
        const json_member_t *m = &req->u.object.members[i];
        bool skip = m->value->type == JSON_NULL;
        for (size_t k = 0; own[k] && !skip; k++)
            skip = strcmp(m->key, own[k]) == 0;
        if (skip) continue;
        any = true;
        buf_putc(&b, ',');
        json_write_key(&b, m->key);
        json_write_value(&b, m->value);
    }
    buf_putc(&b, '}');
    const char *out = any ? arena_strndup(a, b.data, b.len) : NULL;
    buf_free(&b);
    return out;
}

api_result_t op_update_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    update_request_t r;
    ddb_error_t *e = read_table_name(call, req, &name);
    const json_value_t *replicas = json_object_get(req, "ReplicaUpdates"),
                       *witnesses = json_object_get(req, "GlobalTableWitnessUpdates");
    if (!e && ((replicas && replicas->type == JSON_ARRAY) ||
               (witnesses && witnesses->type == JSON_ARRAY)))
        return op_update_table_replicas(call, req, name);
    if (!e) e = validate_update(call, req, &r);
    if (e) return op_reply_error(call, e);
    table_t *t = catalog_acquire(name, strlen(name));
    if (!t) return op_reply_error(call, err_table_not_found(call->arena, name));
    update_write_t *uw = arena_calloc(call->arena, sizeof *uw);
    if ((e = plan_update(call, req, t, r, uw))) {
        if (uw->new_def) catalog_release(uw->new_def);
        catalog_release(t);
        return op_reply_error(call, e);
    }
    if (replication_on && !call->from_peer && replication_replica_count(t->name))
        uw->forward = group_settings(call->arena, req);
    /* Dropping an index is what frees space; the rest writes a little. */
    bool frees = uw->deleted && !uw->created;
    return table_write_submit(&uw->base, call, t, update_apply, update_done, frees);
}

/* A settings change made in another region of the group, applied here as
 * the operation would apply it (and not sent on). */
api_result_t op_replication_settings(api_call_t *call, const json_value_t *req)
{
    const json_value_t *op = json_object_get(req, "Operation"),
                       *body = json_object_get(req, "Request");
    if (!op || op->type != JSON_STRING)
        return op_reply_error(call, err_replication_member(call->arena, NULL, 0, "Operation"));
    if (!body || body->type != JSON_OBJECT)
        return op_reply_error(call, err_replication_member(call->arena, NULL, 0, "Request"));
    /* The inner request gets the shape check the public operation gets
     * (api.c) before its handler reads it. */
    static const struct {
        const char *name;
        const wire_shape_t *shape;
        api_result_t (*handler)(api_call_t *, const json_value_t *);
    } ops[] = {{"UpdateTable", &WIRE_REQUEST_UPDATE_TABLE, op_update_table},
               {"UpdateTimeToLive", &WIRE_REQUEST_UPDATE_TIME_TO_LIVE, op_update_time_to_live}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(op->u.str.ptr, ops[i].name) != 0) continue;
        ddb_error_t *e = wire_check_request(call->arena, ops[i].shape, body);
        if (e) return op_reply_error(call, e);
        call->from_peer = true;
        return ops[i].handler(call, body);
    }
    return op_reply_error(call, err_replication_member(call->arena, NULL, 0, "Operation"));
}
