/* ops/ttl: UpdateTimeToLive, DescribeTimeToLive, and the deleter of
 * expired items.
 *
 * Enabling TTL opens the table's expiry index (ttl.h) and fills it from the
 * items already stored, in background steps of the writer; from then on
 * every write keeps it.  The deleter (ttl_expire_tick, run by the janitor)
 * sends one write at a time to the writer that deletes due items, at most
 * TTL_EXPIRE_BUDGET per transaction, each through item_expire() so that
 * indexes, collections and the change log stay consistent. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "index.h"
#include "log.h"
#include "ops/ops.h"
#include "replication.h"
#include "ttl.h"
#include "wire.h"

#define TTL_NAME_MAX 255
#define TTL_FILL_STEP_ITEMS 1000
#define TTL_EXPIRE_BUDGET 256 /* deletions per writer transaction */

#define TTL_PERIOD_SLACK_MS 5 /* a janitor tick that comes this much early still counts */

static double ttl_cooldown_s = 3600, ttl_delay_s = 1;
static int64_t expire_last_ms; /* when the janitor last looked for due items */

void ttl_configure(double cooldown_s, double delay_s)
{
    ttl_cooldown_s = cooldown_s;
    ttl_delay_s = delay_s;
    expire_last_ms = clock_now_ms();
}

/* --- filling the expiry index of a table whose TTL was just enabled ---------------------- */

typedef struct {
    storage_job_t job;
    table_t *table;
    double changed; /* the enabling this fill is for: its ttl_changed */
    table_walk_t walk; /* committed progress */
    table_walk_t next; /* the progress of the step in flight */
    arena_t *arena;
    MDB_txn *txn; /* the step in flight */
    const table_t *latest;
    table_t *filled; /* the last step: the definition marked filled */
} ttl_fill_t;

static int fill_visit(void *ctx, const MDB_val *key, const value_t *item)
{
    ttl_fill_t *f = ctx;
    return ttl_put(f->txn, f->latest, key, item);
}

static int fill_step(storage_job_t *job, MDB_txn *txn, bool *finished)
{
    ttl_fill_t *f = (ttl_fill_t *)job;
    table_t *t = catalog_latest(f->table);
    if (t->dropped || !t->ttl_attribute || t->ttl_changed != f->changed || t->ttl_filled) {
        *finished = true; /* the table or this TTL setting went away */
        return 0;
    }
    f->txn = txn;
    f->latest = t;
    f->next = f->walk;
    bool done;
    int rc = table_walk_step(txn, t, &f->next, TTL_FILL_STEP_ITEMS, f->arena, fill_visit, f,
                             &done);
    if (rc || !done) return rc;
    /* marked filled in a new version, published once committed (fill_settle) */
    table_t *next = catalog_table_clone(t);
    next->ttl_filled = true;
    if ((rc = catalog_table_store(txn, next))) {
        catalog_release(next);
        return rc;
    }
    f->filled = next;
    *finished = true;
    return 0;
}

static void fill_settle(storage_job_t *job, bool committed)
{
    ttl_fill_t *f = (ttl_fill_t *)job;
    if (committed) f->walk = f->next;
    if (committed && f->filled) catalog_replace(catalog_latest(f->table), f->filled);
    if (f->filled) catalog_release(f->filled);
    f->filled = NULL;
}

static void fill_done(storage_job_t *job, bool aborted)
{
    ttl_fill_t *f = (ttl_fill_t *)job;
    catalog_release(f->table);
    arena_free(f->arena);
    free(f);
}

void ttl_fill_start(table_t *t)
{
    ttl_fill_t *f = calloc(1, sizeof *f);
    if (!f) abort();
    f->job.step = fill_step;
    f->job.settle = fill_settle;
    f->job.done = fill_done;
    catalog_retain(t);
    f->table = t;
    f->changed = t->ttl_changed;
    f->arena = arena_new(0);
    storage_submit_job(&f->job);
}

/* --- UpdateTimeToLive ---------------------------------------------------------------------- */

typedef struct {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    bool enable;
    const char *attribute;
    ddb_error_t *error; /* found against the committed state */
    bool gone;
    table_t *changed; /* the new version of the table, published once committed */
    const char *request; /* as received: for the other replicas of a global table */
} ttl_write_t;

/* When a TTL setting changes: whole milliseconds, as the stored definition
 * keeps them (a new definition of the table reads the same value back), and
 * always later than the previous change, so that it tells one enabling from
 * the next (fill_step). */
static double change_time(double previous)
{
    int64_t ms = clock_now_ms(), before = (int64_t)(previous * 1000 + 0.5);
    if (ms <= before) ms = before + 1;
    return (double)ms / 1000;
}

/* The content checks, in the service's order, against t's settings. */
static ddb_error_t *check_change(arena_t *a, const table_t *t, bool enable, const char *name)
{
    const char *current = t->ttl_attribute;
    if (current && strcmp(current, name) != 0) return err_ttl_other_attribute(a, current);
    if (enable && current) return err_ttl_already(a, true);
    if (!enable && !current) return err_ttl_already(a, false);
    if (t->ttl_changed && clock_now_seconds() - t->ttl_changed < ttl_cooldown_s)
        return err_ttl_cooldown(a);
    return NULL;
}

static int ttl_write_apply(storage_write_t *w, MDB_txn *txn)
{
    ttl_write_t *tw = (ttl_write_t *)w;
    table_t *t = catalog_latest(tw->table);
    tw->error = NULL;
    if ((tw->gone = t->dropped)) return 0;
    if ((tw->error = check_change(tw->call->arena, t, tw->enable, tw->attribute))) return 0;
    table_t *c = tw->changed = catalog_table_clone(t);
    int rc;
    if (tw->enable) {
        c->ttl_attribute = arena_strndup(c->arena, tw->attribute, strlen(tw->attribute));
        rc = ttl_open(txn, c);
    } else {
        rc = ttl_drop(txn, c);
        c->ttl_attribute = NULL;
    }
    c->ttl_filled = false;
    c->ttl_changed = change_time(t->ttl_changed);
    return rc ? rc : catalog_table_store(txn, c);
}

static int reopen_expiry_index(MDB_txn *txn, void *t) { return ttl_open(txn, t); }

/* Exclusive: runs under the DBI lock, right after the commit or failure. */
static void ttl_write_done(storage_write_t *w, int status)
{
    ttl_write_t *tw = (ttl_write_t *)w;
    api_call_t *call = tw->call;
    table_t *t = catalog_latest(tw->table);
    if (status && tw->changed && !tw->enable) {
        /* The failed transaction closed the handle of the expiry index it
         * dropped, which is still there. */
        int rc = storage_run_sync(reopen_expiry_index, t);
        if (rc) log_error("ttl: cannot reopen the expiry index of %s: %s", t->name,
                          mdb_strerror(rc));
    }
    if (status) {
        op_reply_error(call, err_internal(call->arena));
    } else if (tw->gone) {
        op_reply_error(call, err_table_not_found(call->arena, tw->table->name));
    } else if (tw->error) {
        op_reply_error(call, tw->error);
    } else {
        catalog_replace(t, tw->changed);
        if (tw->enable) ttl_fill_start(tw->changed);
        /* TTL is the whole group's: the other replicas take the change. */
        if (replication_on && !call->from_peer && replication_replica_count(t->name))
            replication_settings_forward(t->name, "UpdateTimeToLive", tw->request,
                                         strlen(tw->request));
        buf_printf(call->out, "{\"TimeToLiveSpecification\":{\"Enabled\":%s,\"AttributeName\":",
                   tw->enable ? "true" : "false");
        json_write_string(call->out, tw->attribute, strlen(tw->attribute));
        buf_append_str(call->out, "}}");
        op_reply_ok(call);
    }
    catalog_release(tw->changed); /* NULL-safe; the registry holds the published one */
    catalog_release(tw->table);
    op_complete(call);
}

api_result_t op_update_time_to_live(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *name = NULL, *attribute = NULL;
    bool enabled = false, has_enabled = false;
    size_t attribute_len = 0;
    ddb_error_t *e = NULL;
    wire_string(a, req, "TableName", &name, NULL, &e);
    const json_value_t *spec =
        e ? NULL : wire_container(a, req, "TimeToLiveSpecification", WIRE_STRUCT, &e);
    if (!e && spec) {
        has_enabled = wire_bool(a, spec, "Enabled", &enabled, &e);
        if (!e) wire_string(a, spec, "AttributeName", &attribute, &attribute_len, &e);
    }
    if (e) return op_reply_error(call, e);
    constraint_name(&cl, name, "tableName");
    if (constraint_required(&cl, spec != NULL, "timeToLiveSpecification")) {
        if (constraint_required(&cl, attribute != NULL, "timeToLiveSpecification.attributeName"))
            constraint_length(&cl, attribute, attribute_len, 1, TTL_NAME_MAX,
                              "timeToLiveSpecification.attributeName");
        constraint_required(&cl, has_enabled, "timeToLiveSpecification.enabled");
    }
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    table_t *t = catalog_acquire(name, strlen(name));
    if (!t) return op_reply_error(call, err_table_not_found(a, name));
    ttl_write_t *tw = arena_calloc(a, sizeof *tw);
    tw->w.apply = ttl_write_apply;
    tw->w.done = ttl_write_done;
    tw->w.exclusive = true; /* opens or drops a DBI, changes the definition */
    tw->w.frees = !enabled; /* drops the expiry index */
    tw->call = call;
    tw->table = t;
    tw->enable = enabled;
    tw->attribute = attribute;
    tw->request = arena_strndup(a, call->body, call->body_len);
    storage_submit(&tw->w);
    return API_PENDING;
}

/* --- DescribeTimeToLive ----------------------------------------------------------------------- */

api_result_t op_describe_time_to_live(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    const char *name = NULL;
    ddb_error_t *e = NULL;
    wire_string(a, req, "TableName", &name, NULL, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_name(&cl, name, "tableName");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    table_t *t = catalog_acquire(name, strlen(name));
    if (!t) return op_reply_error(call, err_table_not_found(a, name));
    table_t *latest = t; /* readers see the published version */
    const char *attribute = latest->ttl_attribute;
    buf_append_str(call->out, "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":");
    if (attribute) {
        buf_append_str(call->out, "\"ENABLED\",\"AttributeName\":");
        json_write_string(call->out, attribute, strlen(attribute));
    } else {
        buf_append_str(call->out, "\"DISABLED\"");
    }
    buf_append_str(call->out, "}}");
    catalog_release(t);
    return op_reply_ok(call);
}

/* --- the deleter -------------------------------------------------------------------------------- */

typedef struct {
    storage_write_t w;
    arena_t *arena;
    table_t **tables;
    size_t count;
    bool more;
} expire_write_t;

static atomic_bool expire_in_flight;

static void expire_start(bool backlog);

static int expire_apply(storage_write_t *w, MDB_txn *txn)
{
    expire_write_t *x = (expire_write_t *)w;
    int64_t now = storage_write_time_ms();
    size_t budget = TTL_EXPIRE_BUDGET;
    x->more = false;
    arena_reset(x->arena);
    for (size_t i = 0; i < x->count && budget; i++) {
        table_t *t = catalog_latest(x->tables[i]);
        if (replication_on && !replication_expires_here(t)) continue;
        while (budget && !t->dropped && t->ttl_attribute) {
            int64_t expiry;
            uint8_t key[KEYCODEC_MAX_KEY];
            size_t key_len;
            int rc = ttl_first_due(txn, t, now, &expiry, key, &key_len);
            if (rc == MDB_NOTFOUND) break;
            if (rc) return rc;
            size_t size = 0;
            if ((rc = item_expire(txn, x->arena, t, key, key_len, expiry, now, &size))) return rc;
            budget--;
        }
    }
    x->more = budget == 0;
    return 0;
}

static void expire_done(storage_write_t *w, int status)
{
    expire_write_t *x = (expire_write_t *)w;
    for (size_t i = 0; i < x->count; i++) catalog_release(x->tables[i]);
    bool more = x->more && !status;
    arena_free(x->arena);
    free(x->tables);
    free(x);
    atomic_store(&expire_in_flight, false);
    if (more) expire_start(true); /* a backlog: go on at once */
}

/* Whether any of the tables has an item due (a look in a read snapshot, so
 * that an idle deleter costs the writer nothing). */
static bool any_due(table_t **tables, size_t count)
{
    static MDB_txn *slot; /* the janitor thread's */
    MDB_txn *txn = storage_read_begin(&slot);
    if (!txn) return false;
    bool due = false;
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < count && !due; i++) {
        int64_t expiry;
        uint8_t key[KEYCODEC_MAX_KEY];
        size_t len;
        due = ttl_first_due(txn, tables[i], now, &expiry, key, &len) == 0;
    }
    storage_read_end(txn);
    return due;
}

/* Send one deleter write for the tables with TTL.  A backlog goes on
 * without a look for due items first: the writer, which calls this then,
 * may hold the lock a read transaction waits for. */
static void expire_start(bool backlog)
{
    bool idle = false;
    if (!atomic_compare_exchange_strong(&expire_in_flight, &idle, true)) return;
    arena_t *a = arena_new(0);
    const char **names;
    bool more;
    size_t n = catalog_list(a, NULL, SIZE_MAX, &names, &more);
    expire_write_t *x = calloc(1, sizeof *x);
    if (!x) abort();
    x->tables = calloc(n ? n : 1, sizeof *x->tables);
    if (!x->tables) abort();
    for (size_t i = 0; i < n; i++) {
        table_t *t = catalog_acquire(names[i], strlen(names[i]));
        if (t && t->ttl_attribute) x->tables[x->count++] = t;
        else catalog_release(t);
    }
    arena_free(a);
    if (!x->count || (!backlog && !any_due(x->tables, x->count))) {
        for (size_t i = 0; i < x->count; i++) catalog_release(x->tables[i]);
        free(x->tables);
        free(x);
        atomic_store(&expire_in_flight, false);
        return;
    }
    x->arena = arena_new(0);
    x->w.apply = expire_apply;
    x->w.done = expire_done;
    x->w.frees = true;
    storage_submit(&x->w);
}

void ttl_expire_tick(void)
{
    int64_t now = clock_now_ms();
    if (now - expire_last_ms + TTL_PERIOD_SLACK_MS < (int64_t)(ttl_delay_s * 1000)) return;
    expire_last_ms = now;
    expire_start(false);
}
