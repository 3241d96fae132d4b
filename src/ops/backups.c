/* ops/backups: CreateBackup, DescribeBackup, DeleteBackup, ListBackups,
 * RestoreTableFromBackup; point-in-time recovery: UpdateContinuousBackups,
 * DescribeContinuousBackups, RestoreTableToPointInTime.  The backups
 * themselves: backup.h; the change log and bases of PITR: pitr.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arn.h"
#include "backup.h"
#include "clock.h"
#include "log.h"
#include "ops/ops.h"
#include "pitr.h"
#include "storage.h"
#include "tabledef.h"
#include "wire.h"

#define BACKUP_ARN_MIN 37
#define BACKUP_ARN_MAX 1024
#define LIST_BACKUPS_MAX 100

static const constraint_enum_t ENUM_BACKUP_TYPE_FILTER = {
    (const char *const[]){"USER", "SYSTEM", "AWS_BACKUP", "ALL", NULL},
    "USER, SYSTEM, AWS_BACKUP, ALL"};

/* A BackupArn member (required when `required`), checked at path. */
static ddb_error_t *read_backup_arn(arena_t *a, const json_value_t *req, const char *member,
                                    const char *path, bool required, constraint_list_t *cl,
                                    const char **arn)
{
    ddb_error_t *e = NULL;
    size_t len = 0;
    *arn = NULL;
    if (!wire_string(a, req, member, arn, &len, &e)) {
        if (!e && required) constraint_required(cl, false, "%s", path);
        return e;
    }
    constraint_length(cl, *arn, len, BACKUP_ARN_MIN, BACKUP_ARN_MAX, "%s", path);
    return NULL;
}

/* The backup an ARN names, with a reference, or the error. */
static ddb_error_t *find_backup(arena_t *a, const char *arn, ddb_error_t *(*invalid)(arena_t *),
                                backup_t **out)
{
    if (!backup_arn_valid(arn)) return invalid(a);
    *out = backup_acquire(arn);
    return *out ? NULL : err_backup_not_found(a, arn);
}

/* --- CreateBackup ------------------------------------------------------------------ */

api_result_t op_create_backup(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *table = NULL, *name = NULL;
    wire_string(a, req, "TableName", &table, NULL, &e);
    if (!e) wire_string(a, req, "BackupName", &name, NULL, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_name(&cl, table, "tableName");
    constraint_name(&cl, name, "backupName");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);

    /* A table being restored is not there yet for backups. */
    table_t *t = catalog_acquire(table, strlen(table));
    if (!t) return op_reply_error(call, err_backup_table_not_found(a, table));
    if (!backup_store_enabled()) e = err_backups_unavailable(a, table);
    else e = backup_create(a, t, name, call->out);
    catalog_release(t);
    return e ? op_reply_error(call, e) : op_reply_ok(call);
}

/* --- DescribeBackup, DeleteBackup --------------------------------------------------- */

static api_result_t describe_or_delete(api_call_t *call, const json_value_t *req, bool delete)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *arn;
    ddb_error_t *e = read_backup_arn(a, req, "BackupArn", "backupArn", true, &cl, &arn);
    if (!e) e = constraint_list_finish(&cl);
    backup_t *b = NULL;
    if (!e) e = find_backup(a, arn, err_backup_arn_invalid, &b);
    if (e) return op_reply_error(call, e);
    if (delete) e = backup_delete(a, b, call->out);
    else backup_render_description(call->out, b);
    backup_release(b);
    return e ? op_reply_error(call, e) : op_reply_ok(call);
}

api_result_t op_describe_backup(api_call_t *call, const json_value_t *req)
{
    return describe_or_delete(call, req, false);
}

api_result_t op_delete_backup(api_call_t *call, const json_value_t *req)
{
    return describe_or_delete(call, req, true);
}

/* --- ListBackups -------------------------------------------------------------------- */

api_result_t op_list_backups(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *table = NULL, *type = NULL, *start = NULL;
    int64_t limit = LIST_BACKUPS_MAX, lower = INT64_MIN, upper = INT64_MAX;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    bool has_table = wire_string(a, req, "TableName", &table, NULL, &e);
    bool has_limit = !e && wire_integer(a, req, "Limit", &limit, &e);
    if (!e) e = read_backup_arn(a, req, "ExclusiveStartBackupArn", "exclusiveStartBackupArn",
                                false, &cl, &start);
    if (!e) wire_string(a, req, "BackupType", &type, NULL, &e);
    if (e) return op_reply_error(call, e);
    if (has_table) constraint_name(&cl, table, "tableName");
    if (has_limit) constraint_range(&cl, limit, 1, LIST_BACKUPS_MAX, "limit");
    int kind = constraint_enum(&cl, type, &ENUM_BACKUP_TYPE_FILTER, "backupType");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    bool has_lower = wire_time_ms(req, "TimeRangeLowerBound", true, &lower);
    bool has_upper = wire_time_ms(req, "TimeRangeUpperBound", true, &upper);
    if (has_lower && has_upper && lower > upper) return op_reply_error(call, err_backup_time_range(a));
    /* the enum's order: USER (the default), SYSTEM, AWS_BACKUP (none here), ALL */
    static const backup_list_type_t types[] = {BACKUP_LIST_USER, BACKUP_LIST_SYSTEM,
                                               BACKUP_LIST_NONE, BACKUP_LIST_ALL};
    backup_list_render(call->out, types[kind < 0 ? 0 : kind], has_table ? table : NULL, lower,
                       upper, start, (size_t)limit);
    return op_reply_ok(call);
}

/* --- RestoreTableFromBackup: the request ------------------------------------------- */

typedef struct {
    const char *target, *arn, *billing;
    const json_value_t *throughput, *on_demand, *gsis, *lsis, *sse;
} restore_request_t;

/* The model constraints of the overrides (required members, ranges), as
 * CreateTable checks the same shapes, at the overrides' paths. */
static ddb_error_t *check_override_shapes(arena_t *a, const restore_request_t *r,
                                          constraint_list_t *cl)
{
    ddb_error_t *e = NULL;
    if (r->throughput) {
        /* the throughput reader reads a ProvisionedThroughput member */
        json_member_t *m = arena_alloc(a, sizeof *m);
        *m = (json_member_t){"ProvisionedThroughput", strlen("ProvisionedThroughput"),
                             (json_value_t *)r->throughput};
        json_value_t holder = {.type = JSON_OBJECT};
        holder.u.object.members = m;
        holder.u.object.count = 1;
        tabledef_throughput_t pt;
        if ((e = tabledef_read_throughput(a, &holder, "provisionedThroughputOverride", cl, &pt)))
            return e;
    }
    const json_value_t *lists[2] = {r->gsis, r->lsis};
    static const char *const paths[2] = {"globalSecondaryIndexOverride",
                                         "localSecondaryIndexOverride"};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; lists[l] && i < lists[l]->u.array.count; i++) {
            char path[64];
            snprintf(path, sizeof path, "%s.%zu.member", paths[l], i + 1);
            if ((e = tabledef_check_index_spec(a, lists[l]->u.array.items[i], path, l == 0, cl))) return e;
        }
    return NULL;
}

/* The target and the overrides, which both restores take. */
static ddb_error_t *read_restore_overrides(arena_t *a, const json_value_t *req,
                                          restore_request_t *r, constraint_list_t *cl)
{
    ddb_error_t *e = NULL;
    wire_string(a, req, "BillingModeOverride", &r->billing, NULL, &e);
    if (!e) r->throughput = wire_container(a, req, "ProvisionedThroughputOverride", WIRE_STRUCT, &e);
    if (!e) r->on_demand = wire_container(a, req, "OnDemandThroughputOverride", WIRE_STRUCT, &e);
    int64_t units;
    if (!e && r->on_demand) wire_long(a, r->on_demand, "MaxReadRequestUnits", &units, &e);
    if (!e && r->on_demand) wire_long(a, r->on_demand, "MaxWriteRequestUnits", &units, &e);
    if (!e) r->gsis = wire_container(a, req, "GlobalSecondaryIndexOverride", WIRE_LIST, &e);
    if (!e) r->lsis = wire_container(a, req, "LocalSecondaryIndexOverride", WIRE_LIST, &e);
    if (!e) r->sse = wire_container(a, req, "SSESpecificationOverride", WIRE_STRUCT, &e);
    if (!e) e = check_override_shapes(a, r, cl);
    return e;
}

static ddb_error_t *read_restore_request(arena_t *a, const json_value_t *req, restore_request_t *r)
{
    ddb_error_t *e = NULL;
    memset(r, 0, sizeof *r);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    wire_string(a, req, "TargetTableName", &r->target, NULL, &e);
    if (!e) e = read_backup_arn(a, req, "BackupArn", "backupArn", true, &cl, &r->arn);
    if (!e) e = read_restore_overrides(a, req, r, &cl);
    if (e) return e;
    constraint_name(&cl, r->target, "targetTableName");
    constraint_enum(&cl, r->billing, &ENUM_BILLING_MODE, "billingModeOverride");
    return constraint_list_finish(&cl);
}

static const char *json_text(const json_value_t *obj, const char *key)
{
    const json_value_t *v = obj && obj->type == JSON_OBJECT ? json_object_get(obj, key) : NULL;
    return v && v->type == JSON_STRING ? v->u.str.ptr : NULL;
}

/* The source index of the same name in list (a JSON array), or NULL. */
static const json_value_t *source_index(const json_value_t *list, const char *name)
{
    for (size_t i = 0; name && list && i < list->u.array.count; i++) {
        const char *n = json_text(list->u.array.items[i], "IndexName");
        if (n && strcmp(n, name) == 0) return list->u.array.items[i];
    }
    return NULL;
}

/* Each override index must be one of the source's, with its key schema. */
static ddb_error_t *check_index_overrides(arena_t *a, const json_value_t *overrides,
                                          const json_value_t *source)
{
    for (size_t i = 0; overrides && i < overrides->u.array.count; i++) {
        const json_value_t *o = overrides->u.array.items[i];
        const char *name = json_text(o, "IndexName");
        const json_value_t *s = source_index(source, name);
        const json_value_t *ks = o->type == JSON_OBJECT ? json_object_get(o, "KeySchema") : NULL;
        if (!s || !ks || !json_value_equal(ks, json_object_get(s, "KeySchema")))
            return err_restore_index_unknown(a, name ? name : "null");
    }
    return NULL;
}

/* The final billing mode and the throughput override against it. */
static ddb_error_t *check_billing(arena_t *a, const restore_request_t *r, bool source_on_demand,
                                  bool *on_demand)
{
    *on_demand = r->billing ? strcmp(r->billing, "PAY_PER_REQUEST") == 0 : source_on_demand;
    if (r->billing && *on_demand && r->throughput) return err_restore_throughput_on_demand(a);
    if (r->billing && !*on_demand && !r->throughput) return err_restore_throughput_required(a);
    if (!r->billing && *on_demand && r->throughput) return err_restore_throughput_not_provisioned(a);
    /* (a source on demand keeps its mode: the override applies to it; inferred) */
    if (r->on_demand && !*on_demand) {
        bool read = wire_member(r->on_demand, "MaxReadRequestUnits") != NULL ||
                    wire_member(r->on_demand, "MaxWriteRequestUnits") == NULL;
        return err_restore_on_demand_not_on_demand(a, read ? "MaxReadRequestUnits"
                                                           : "MaxWriteRequestUnits");
    }
    return NULL;
}

static void put_member(buf_t *b, const char *key, const json_value_t *v)
{
    buf_printf(b, ",\"%s\":", key);
    json_write_value(b, v);
}

/* Whether an attribute is a key of the table or of a kept index. */
static bool attribute_used(const json_value_t *def, const json_value_t *const lists[2],
                           const char *name)
{
    const json_value_t *schemas[1] = {json_object_get(def, "KeySchema")};
    for (size_t i = 0; schemas[0] && i < schemas[0]->u.array.count; i++)
        if (strcmp(json_text(schemas[0]->u.array.items[i], "AttributeName"), name) == 0) return true;
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; lists[l] && i < lists[l]->u.array.count; i++) {
            const json_value_t *ks = json_object_get(lists[l]->u.array.items[i], "KeySchema");
            for (size_t k = 0; ks && ks->type == JSON_ARRAY && k < ks->u.array.count; k++) {
                const char *n = json_text(ks->u.array.items[k], "AttributeName");
                if (n && strcmp(n, name) == 0) return true;
            }
        }
    return false;
}

/* One index of the new table: an override as given, or a source index
 * with the throughput the billing mode wants. */
static void render_index(buf_t *b, const json_value_t *ix, bool from_source, bool global,
                         bool on_demand, const json_value_t *throughput)
{
    if (!from_source) {
        json_write_value(b, ix);
        return;
    }
    buf_append_str(b, "{\"IndexName\":");
    json_write_value(b, json_object_get(ix, "IndexName"));
    put_member(b, "KeySchema", json_object_get(ix, "KeySchema"));
    put_member(b, "Projection", json_object_get(ix, "Projection"));
    if (global && !on_demand) {
        const json_value_t *pt = json_object_get(ix, "ProvisionedThroughput");
        if (!pt) pt = throughput;
        if (pt) put_member(b, "ProvisionedThroughput", pt);
    }
    buf_putc(b, '}');
}

/* The CreateTable request the restored table is made from: the source's
 * definition with the overrides applied, read by the CreateTable parser so
 * that every definition rule (and its text) is the same. */
static ddb_error_t *plan_restore(arena_t *a, const restore_request_t *r, const char *text,
                                 table_t **out)
{
    json_value_t *def;
    if (json_parse(a, text, strlen(text), &def, NULL) != JSON_OK) return err_internal(a);
    const json_value_t *src_gsis = json_object_get(def, "GlobalSecondaryIndexes");
    const json_value_t *src_lsis = json_object_get(def, "LocalSecondaryIndexes");
    ddb_error_t *e;
    if ((e = check_index_overrides(a, r->gsis, src_gsis))) return e;
    if ((e = check_index_overrides(a, r->lsis, src_lsis))) return e;
    const char *src_billing = json_text(def, "BillingMode");
    bool on_demand;
    if ((e = check_billing(a, r, src_billing && strcmp(src_billing, "PAY_PER_REQUEST") == 0,
                           &on_demand)))
        return e;
    const json_value_t *throughput = r->throughput ? r->throughput
                                                   : json_object_get(def, "ProvisionedThroughput");
    const json_value_t *lists[2] = {r->lsis ? r->lsis : src_lsis, r->gsis ? r->gsis : src_gsis};

    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "{\"TableName\":");
    json_write_string(&b, r->target, strlen(r->target));
    buf_append_str(&b, ",\"AttributeDefinitions\":[");
    const json_value_t *attrs = json_object_get(def, "AttributeDefinitions");
    bool first = true;
    for (size_t i = 0; attrs && i < attrs->u.array.count; i++) {
        const char *n = json_text(attrs->u.array.items[i], "AttributeName");
        if (!n || !attribute_used(def, lists, n)) continue;
        if (!first) buf_putc(&b, ',');
        first = false;
        json_write_value(&b, attrs->u.array.items[i]);
    }
    buf_putc(&b, ']');
    put_member(&b, "KeySchema", json_object_get(def, "KeySchema"));
    buf_printf(&b, ",\"BillingMode\":\"%s\"", on_demand ? "PAY_PER_REQUEST" : "PROVISIONED");
    if (!on_demand && throughput) put_member(&b, "ProvisionedThroughput", throughput);
    /* the source's maximums on demand, or the override's */
    const json_value_t *od = r->on_demand ? r->on_demand : json_object_get(def, "OnDemandThroughput");
    if (on_demand && od) put_member(&b, "OnDemandThroughput", od);
    static const char *const members[2] = {"LocalSecondaryIndexes", "GlobalSecondaryIndexes"};
    for (int g = 0; g < 2; g++) {
        if (!lists[g] || !lists[g]->u.array.count) continue;
        buf_printf(&b, ",\"%s\":[", members[g]);
        bool from_source = g ? !r->gsis : !r->lsis;
        for (size_t i = 0; i < lists[g]->u.array.count; i++) {
            if (i) buf_putc(&b, ',');
            render_index(&b, lists[g]->u.array.items[i], from_source, g == 1, on_demand,
                         throughput);
        }
        buf_putc(&b, ']');
    }
    const json_value_t *sse = r->sse ? r->sse : json_object_get(def, "SSESpecification");
    if (sse) put_member(&b, "SSESpecification", sse);
    buf_putc(&b, '}');
    json_value_t *create;
    char *copy = arena_strndup(a, b.data, b.len);
    size_t len = b.len;
    buf_free(&b);
    if (json_parse(a, copy, len, &create, NULL) != JSON_OK) return err_internal(a);
    return tabledef_parse(a, create, false, out);
}

/* --- RestoreTableFromBackup: the write --------------------------------------------- */

typedef struct {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    backup_t *backup;
    bool exists;
} restore_write_t;

static int restore_apply(storage_write_t *w, MDB_txn *txn)
{
    restore_write_t *rw = (restore_write_t *)w;
    table_t *t = rw->table;
    MDB_val key = {strlen(t->name), (void *)t->name}, val;
    int rc = mdb_get(txn, storage_catalog_dbi(), &key, &val);
    rw->exists = rc == 0;
    if (rc != MDB_NOTFOUND) return rc;
    if ((rc = catalog_table_open_dbis(txn, t))) return rc;
    return catalog_table_store(txn, t);
}

/* Under the DBI lock, after the commit: the table is published CREATING
 * and its fill begins. */
static void restore_done(storage_write_t *w, int status)
{
    restore_write_t *rw = (restore_write_t *)w;
    api_call_t *call = rw->call;
    table_t *t = rw->table;
    if (status) op_reply_error(call, err_internal(call->arena));
    else if (rw->exists) op_reply_error(call, err_restore_target_exists(call->arena, t->name));
    if (status || rw->exists) {
        backup_restore_end(rw->backup);
    } else {
        catalog_publish(t);
        backup_restore_start(t, true);
        buf_append_str(call->out, "{\"TableDescription\":");
        catalog_table_render_description(call->out, t, "CREATING", NULL);
        buf_putc(call->out, '}');
        op_reply_ok(call);
    }
    catalog_release(t);
    backup_release(rw->backup);
    op_complete(call);
}

/* The target name against the live tables. */
static ddb_error_t *check_target(arena_t *a, const char *name)
{
    table_t *t = catalog_acquire_any(name, strlen(name));
    if (!t) return NULL;
    ddb_error_t *e = t->restoring ? err_restore_target_in_use(a, name)
                                  : err_restore_target_exists(a, name);
    catalog_release(t);
    return e;
}

/* Create t (restoring) and start its fill from bk, whose restore count the
 * caller took. */
static api_result_t submit_restore(api_call_t *call, table_t *t, backup_t *bk)
{
    restore_write_t *rw = arena_calloc(call->arena, sizeof *rw);
    rw->w.apply = restore_apply;
    rw->w.done = restore_done;
    rw->w.exclusive = true;
    rw->call = call;
    rw->table = t;
    rw->backup = bk;
    storage_submit(&rw->w);
    return API_PENDING;
}

api_result_t op_restore_table_from_backup(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    restore_request_t r;
    ddb_error_t *e = read_restore_request(a, req, &r);
    backup_t *bk = NULL;
    if (!e) e = find_backup(a, r.arn, err_restore_backup_arn_invalid, &bk);
    if (!e) e = check_target(a, r.target);
    table_t *t = NULL;
    if (!e) e = plan_restore(a, &r, backup_definition(bk), &t);
    if (!e && (e = backup_restore_begin(a, bk))) catalog_release(t);
    if (e) {
        backup_release(bk);
        return op_reply_error(call, e);
    }
    t->restoring = true;
    t->restore_backup_arn = arena_strndup(t->arena, backup_arn(bk), strlen(backup_arn(bk)));
    t->restore_source_arn =
        arena_strndup(t->arena, backup_table_arn(bk), strlen(backup_table_arn(bk)));
    t->restore_time = clock_now_seconds();
    return submit_restore(call, t, bk);
}

/* --- UpdateContinuousBackups, DescribeContinuousBackups ------------------------------- */

/* {"ContinuousBackupsDescription":{...}} of t. */
static void render_continuous_backups(buf_t *out, const table_t *t)
{
    buf_printf(out, "{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"%s\","
                    "\"PointInTimeRecoveryDescription\":{",
               backup_store_enabled() ? "ENABLED" : "DISABLED");
    if (!t->pitr_enabled) {
        buf_append_str(out, "\"PointInTimeRecoveryStatus\":\"DISABLED\"}}}");
        return;
    }
    int64_t earliest, latest;
    pitr_window(t, clock_now_ms(), true, &earliest, &latest);
    buf_printf(out, "\"PointInTimeRecoveryStatus\":\"ENABLED\",\"RecoveryPeriodInDays\":%d,"
                    "\"EarliestRestorableDateTime\":%.3f,\"LatestRestorableDateTime\":%.3f}}}",
               t->pitr_days, (double)earliest / 1000.0, (double)latest / 1000.0);
}

/* The source table of a continuous-backups request by name, or its error. */
static ddb_error_t *continuous_backups_table(arena_t *a, const char *name, table_t **t)
{
    *t = catalog_acquire(name, strlen(name));
    return *t ? NULL : err_backup_table_not_found(a, name);
}

api_result_t op_describe_continuous_backups(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *name = NULL;
    wire_string(a, req, "TableName", &name, NULL, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_name(&cl, name, "tableName");
    table_t *t = NULL;
    if (!(e = constraint_list_finish(&cl))) e = continuous_backups_table(a, name, &t);
    if (e) return op_reply_error(call, e);
    render_continuous_backups(call->out, t);
    catalog_release(t);
    return op_reply_ok(call);
}

typedef struct {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    bool enable;
    int days; /* 0: not given */
    bool gone, started; /* started: PITR went from off to on */
    table_t *changed;
} pitr_write_t;

static int pitr_write_apply(storage_write_t *w, MDB_txn *txn)
{
    pitr_write_t *pw = (pitr_write_t *)w;
    table_t *t = catalog_latest(pw->table);
    if ((pw->gone = t->dropped)) return 0;
    catalog_release(pw->changed); /* a batch retried write by write */
    table_t *c = pw->changed = catalog_table_clone(t);
    pw->started = pw->enable && !t->pitr_enabled;
    if (pw->started) {
        c->pitr_since_ms = storage_write_time_ms();
        if (!c->pitr_log) c->pitr_log = pitr_log_new(c->pitr_since_ms);
    }
    c->pitr_enabled = pw->enable;
    /* the period resets to its default with each enabling */
    c->pitr_days = !pw->enable ? 0 : pw->days ? pw->days
                                   : pw->started ? PITR_DAYS_DEFAULT : t->pitr_days;
    if (!pw->enable) c->pitr_since_ms = 0;
    return catalog_table_store(txn, c);
}

static void pitr_write_done(storage_write_t *w, int status)
{
    pitr_write_t *pw = (pitr_write_t *)w;
    api_call_t *call = pw->call;
    if (status) {
        op_reply_error(call, err_internal(call->arena));
    } else if (pw->gone) {
        op_reply_error(call, err_backup_table_not_found(call->arena, pw->table->name));
    } else {
        catalog_replace(catalog_latest(pw->table), pw->changed);
        if (pw->started) pitr_begin(pw->changed);
        log_info("pitr: %s: point-in-time recovery %s", pw->changed->name,
                 pw->enable ? "enabled" : "disabled");
        render_continuous_backups(call->out, pw->changed);
        op_reply_ok(call);
    }
    catalog_release(pw->changed);
    catalog_release(pw->table);
    op_complete(call);
}

api_result_t op_update_continuous_backups(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *name = NULL;
    bool enable = false, has_enable = false;
    int64_t days = 0;
    bool has_days = false;
    wire_string(a, req, "TableName", &name, NULL, &e);
    const json_value_t *spec =
        e ? NULL : wire_container(a, req, "PointInTimeRecoverySpecification", WIRE_STRUCT, &e);
    if (!e && spec) {
        has_enable = wire_bool(a, spec, "PointInTimeRecoveryEnabled", &enable, &e);
        if (!e) has_days = wire_integer(a, spec, "RecoveryPeriodInDays", &days, &e);
    }
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_name(&cl, name, "tableName");
    if (constraint_required(&cl, spec != NULL, "pointInTimeRecoverySpecification")) {
        constraint_required(&cl, has_enable, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled");
        if (has_days)
            constraint_range(&cl, days, 1, PITR_DAYS_MAX,
                             "pointInTimeRecoverySpecification.recoveryPeriodInDays");
    }
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    if (has_days && !enable) return op_reply_error(call, err_pitr_period_on_disable(a));
    table_t *t;
    if ((e = continuous_backups_table(a, name, &t))) return op_reply_error(call, e);
    /* the change log is kept on disk beside bases: a data directory */
    if (enable && !backup_store_enabled()) {
        catalog_release(t);
        return op_reply_error(call, err_backups_unavailable(a, name));
    }
    pitr_write_t *pw = arena_calloc(a, sizeof *pw);
    pw->w.apply = pitr_write_apply;
    pw->w.done = pitr_write_done;
    pw->call = call;
    pw->table = t;
    pw->enable = enable;
    pw->days = has_days ? (int)days : 0;
    storage_submit(&pw->w);
    return API_PENDING;
}

/* --- RestoreTableToPointInTime ------------------------------------------------------ */

typedef struct {
    restore_request_t r;
    const char *source_name, *source_arn;
    bool use_latest, has_latest, has_time;
    int64_t time_ms;
} pitr_restore_request_t;

static ddb_error_t *read_pitr_restore_request(arena_t *a, const json_value_t *req,
                                              pitr_restore_request_t *p)
{
    ddb_error_t *e = NULL;
    memset(p, 0, sizeof *p);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    size_t arn_len = 0;
    wire_string(a, req, "TargetTableName", &p->r.target, NULL, &e);
    if (!e) wire_string(a, req, "SourceTableName", &p->source_name, NULL, &e);
    if (!e) wire_string(a, req, "SourceTableArn", &p->source_arn, &arn_len, &e);
    if (!e) p->has_latest = wire_bool(a, req, "UseLatestRestorableTime", &p->use_latest, &e);
    if (!e) e = read_restore_overrides(a, req, &p->r, &cl);
    if (e) return e;
    if (p->source_name) constraint_name(&cl, p->source_name, "sourceTableName");
    if (p->source_arn) constraint_length(&cl, p->source_arn, arn_len, 1, 1024, "sourceTableArn");
    constraint_name(&cl, p->r.target, "targetTableName");
    constraint_enum(&cl, p->r.billing, &ENUM_BILLING_MODE, "billingModeOverride");
    if ((e = constraint_list_finish(&cl))) return e;
    p->has_time = wire_time_ms(req, "RestoreDateTime", true, &p->time_ms);
    if (!p->source_name == !p->source_arn) return err_pitr_source_choice(a);
    if (p->has_time == (p->has_latest && p->use_latest)) return err_pitr_restore_time_choice(a);
    return NULL;
}

/* The source table (PITR's rules apply to live tables only). */
static ddb_error_t *pitr_source(arena_t *a, const pitr_restore_request_t *p, table_t **t)
{
    const char *name = p->source_name;
    if (p->source_arn) {
        arn_t arn;
        ddb_error_t *e = arn_parse(a, p->source_arn, &arn);
        if (e || arn.kind != ARN_TABLE || strcmp(arn.service, "dynamodb") != 0 ||
            strcmp(arn.region, arn_region()) != 0 || strcmp(arn.account, CATALOG_ACCOUNT) != 0)
            return err_pitr_table_arn_invalid(a);
        name = arn.table;
    }
    return continuous_backups_table(a, name, t);
}

api_result_t op_restore_table_to_point_in_time(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    pitr_restore_request_t p;
    ddb_error_t *e = read_pitr_restore_request(a, req, &p);
    table_t *src = NULL;
    if (!e) e = pitr_source(a, &p, &src);
    if (e) return op_reply_error(call, e);
    int64_t earliest = 0, latest = 0, until = 0;
    if (!src->pitr_enabled) e = err_pitr_unavailable(a, src->name);
    if (!e && !pitr_instant(src, clock_now_ms(), true, p.has_time, p.time_ms, &until, &earliest,
                            &latest))
        e = err_pitr_restore_time(a, earliest, latest);
    if (!e) e = check_target(a, p.r.target);
    table_t *t = NULL;
    buf_t def;
    buf_init(&def);
    tabledef_render(&def, src);
    if (!e) e = plan_restore(a, &p.r, arena_strndup(a, def.data, def.len), &t);
    buf_free(&def);
    const char *base_arn = NULL;
    uint64_t base_seq = 0;
    backup_t *bk = NULL;
    if (!e && !(pitr_base_for(a, src, until, &base_arn, &base_seq) &&
                (bk = backup_base_acquire(base_arn)) && backup_base_restore_begin(bk)))
        e = err_pitr_restore_time(a, earliest, latest);
    if (e) {
        catalog_release(t);
        backup_release(bk);
        catalog_release(src);
        return op_reply_error(call, e);
    }
    t->restoring = true;
    t->restore_backup_arn = arena_strndup(t->arena, base_arn, strlen(base_arn));
    buf_t arn;
    buf_init(&arn);
    catalog_table_arn(src, &arn);
    t->restore_source_arn = arena_strndup(t->arena, arn.data, arn.len);
    buf_free(&arn);
    t->restore_time = (double)until / 1000.0;
    t->restore_log = src->pitr_log;
    t->restore_log_next = base_seq + 1;
    t->restore_until_ms = until;
    catalog_release(src);
    return submit_restore(call, t, bk);
}
