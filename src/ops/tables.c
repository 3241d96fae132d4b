/* ops/tables: CreateTable, DescribeTable, DeleteTable, ListTables,
 * UpdateTable. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "index.h"
#include "ops/ops.h"
#include "wire.h"

/* The TableName member of a table operation, with its checks. */
static ddb_error_t *read_table_name(api_call_t *call, const json_value_t *req, const char **name)
{
    ddb_error_t *e = NULL;
    *name = NULL;
    wire_string(call->arena, req, "TableName", name, NULL, &e);
    if (e) return e;
    constraint_list_t cl;
    constraint_list_init(&cl, call->arena);
    catalog_check_table_name(&cl, *name, "tableName");
    return constraint_list_finish(&cl);
}

static api_result_t reply_description(api_call_t *call, const char *key, const table_t *t,
                                      const char *status)
{
    buf_printf(call->out, "{\"%s\":", key);
    catalog_table_render_description(call->out, t, status);
    buf_putc(call->out, '}');
    return op_reply_ok(call);
}

/* What every table-changing write shares: the call, its table (with a
 * reference held) and whether the table was gone when the writer got to it. */
typedef struct {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    bool gone;
} table_write_t;

static api_result_t table_write_submit(table_write_t *tw, api_call_t *call, table_t *t,
                                       int (*apply)(storage_write_t *, MDB_txn *),
                                       void (*done)(storage_write_t *, int), bool exclusive)
{
    tw->w.apply = apply;
    tw->w.done = done;
    tw->w.exclusive = exclusive;
    tw->call = call;
    tw->table = t;
    storage_submit(&tw->w);
    return API_PENDING;
}

/* The response of a table write: the table's description in `status`, or
 * the error; then the call completes. */
static void table_write_finish(table_write_t *tw, int status, const char *table_status)
{
    api_call_t *call = tw->call;
    if (status) op_reply_error(call, err_internal(call->arena));
    else if (tw->gone) op_reply_error(call, err_table_not_found(call->arena, tw->table->name));
    else reply_description(call, "TableDescription", tw->table, table_status);
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
    buf_t def;
    buf_init(&def);
    catalog_table_render_definition(&def, t);
    val.mv_size = def.len;
    val.mv_data = def.data;
    rc = mdb_put(txn, storage_catalog_dbi(), &key, &val, 0);
    buf_free(&def);
    return rc;
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

api_result_t op_create_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    ddb_error_t *e = read_table_name(call, req, &name);
    table_t *t;
    if (!e) e = catalog_table_parse(call->arena, req, false, &t);
    if (e) return op_reply_error(call, e);
    if (catalog_exists(t->name)) {
        e = err_table_exists(call->arena, t->name);
        catalog_table_free(t);
        return op_reply_error(call, e);
    }
    create_write_t *cw = arena_calloc(call->arena, sizeof *cw);
    return table_write_submit(&cw->base, call, t, create_apply, create_done, true);
}

/* --- DescribeTable --------------------------------------------------------- */

api_result_t op_describe_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    ddb_error_t *e = read_table_name(call, req, &name);
    if (e) return op_reply_error(call, e);
    table_t *t = catalog_acquire(name, strlen(name));
    if (!t) return op_reply_error(call, err_table_not_found(call->arena, name));
    reply_description(call, "Table", t, "ACTIVE");
    catalog_release(t);
    return API_DONE;
}

/* --- DeleteTable ------------------------------------------------------------ */

static int delete_apply(storage_write_t *w, MDB_txn *txn)
{
    table_write_t *dw = (table_write_t *)w;
    table_t *t = catalog_latest(dw->table);
    if (t->dropped) {
        dw->gone = true;
        return 0;
    }
    MDB_val key = {strlen(t->name), (void *)t->name};
    int rc = catalog_table_drop_dbis(txn, t);
    if (rc) return rc;
    rc = mdb_del(txn, storage_catalog_dbi(), &key, NULL);
    if (rc && rc != MDB_NOTFOUND) return rc;
    /* Under the exclusive DBI lock: no reader can see the table between the
     * drop and the commit. */
    t->dropped = true;
    catalog_unpublish(t);
    return 0;
}

static void delete_done(storage_write_t *w, int status)
{
    table_write_finish((table_write_t *)w, status, "DELETING");
}

api_result_t op_delete_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    ddb_error_t *e = read_table_name(call, req, &name);
    if (e) return op_reply_error(call, e);
    table_t *t = catalog_acquire(name, strlen(name));
    if (!t) return op_reply_error(call, err_table_not_found(call->arena, name));
    if (t->deletion_protection) {
        catalog_release(t);
        return op_reply_error(call, err_validation(call->arena,
                                                   "Resource cannot be deleted as it is currently "
                                                   "protected against deletion. Disable deletion "
                                                   "protection first."));
    }
    table_write_t *dw = arena_calloc(call->arena, sizeof *dw);
    return table_write_submit(dw, call, t, delete_apply, delete_done, true);
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
    if (start) catalog_check_table_name(&cl, start, "exclusiveStartTableName");
    if (has_limit && (limit < 1 || limit > 100)) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)limit);
        constraint_list_add(&cl, v, "limit",
                            limit < 1 ? "Member must have value greater than or equal to 1"
                                      : "Member must have value less than or equal to 100");
    }
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
    bool stream_enabled, deletion_protection;
    const char *stream_view_type;
    const char *table_class;
    /* GlobalSecondaryIndexUpdates: the whole new definition (validated by
     * the CreateTable parser), and the index it adds or removes. */
    table_t *new_def;
    const char *created, *deleted;
} update_write_t;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

/* Apply the new settings to table t; writer thread only. */
static void update_table_fields(update_write_t *uw, table_t *t)
{
    double now = now_seconds();
    if (uw->billing_changed) {
        t->pay_per_request = uw->pay_per_request;
        t->billing_updated = now;
    }
    if (uw->throughput_changed) {
        if (uw->rcu > t->rcu || uw->wcu > t->wcu) t->last_increase = now;
        if (uw->rcu < t->rcu || uw->wcu < t->wcu) {
            t->last_decrease = now;
            t->decreases_today++;
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

static int update_apply(storage_write_t *w, MDB_txn *txn)
{
    update_write_t *uw = (update_write_t *)w;
    table_t *t = catalog_latest(uw->base.table);
    if (t->dropped) {
        uw->base.gone = true;
        return 0;
    }
    int rc = 0;
    table_t *changed = t;
    if (uw->new_def) {
        changed = uw->new_def;
        catalog_table_adopt(changed, t);
        for (size_t i = 0; !rc && i < changed->index_count; i++) {
            index_def_t *ix = &changed->indexes[i];
            if (uw->created && strcmp(ix->name, uw->created) == 0)
                rc = mdb_dbi_open(txn, ix->dbi_name, MDB_CREATE, &ix->dbi);
        }
        const index_def_t *gone =
            uw->deleted ? catalog_table_index(t, uw->deleted, strlen(uw->deleted)) : NULL;
        if (!rc && gone) rc = mdb_drop(txn, gone->dbi, 1);
        if (rc) return rc;
    }
    update_table_fields(uw, changed);
    buf_t def;
    buf_init(&def);
    catalog_table_render_definition(&def, changed);
    MDB_val key = {strlen(t->name), (void *)t->name}, val = {def.len, def.data};
    rc = mdb_put(txn, storage_catalog_dbi(), &key, &val, 0);
    buf_free(&def);
    if (!rc && uw->new_def) {
        catalog_replace(t, uw->new_def); /* the registry and t take references */
        catalog_release(uw->new_def);
        uw->new_def = NULL;
    }
    return rc;
}

static void update_done(storage_write_t *w, int status)
{
    update_write_t *uw = (update_write_t *)w;
    table_t *latest = catalog_latest(uw->base.table);
    if (uw->new_def) catalog_release(uw->new_def); /* not applied */
    else if (!status && !uw->base.gone && uw->created) index_backfill_start(latest, uw->created);
    if (!status && !uw->base.gone && uw->base.table != latest) {
        /* The response describes the new definition. */
        catalog_retain(latest);
        table_t *acquired = uw->base.table;
        uw->base.table = latest;
        catalog_release(acquired);
    }
    table_write_finish(&uw->base, status, "UPDATING");
}

/* --- GlobalSecondaryIndexUpdates ----------------------------------------------------- */

static json_value_t *json_array_new(arena_t *a, size_t cap)
{
    json_value_t *v = arena_calloc(a, sizeof *v);
    v->type = JSON_ARRAY;
    v->u.array.items = arena_alloc(a, (cap ? cap : 1) * sizeof(json_value_t *));
    return v;
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

/* Build the table's definition with the index changes applied and let the
 * CreateTable parser validate it: every index rule and message is shared. */
static ddb_error_t *plan_index_updates(api_call_t *call, const json_value_t *req, table_t *t,
                                       const json_value_t *updates, update_write_t *uw)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const json_value_t *new_attrs = wire_container(a, req, "AttributeDefinitions", WIRE_LIST, &e);
    if (e) return e;
    buf_t text;
    buf_init(&text);
    catalog_table_render_definition(&text, t);
    json_value_t *def;
    json_status_t js = json_parse(a, text.data, text.len, &def, NULL);
    buf_free(&text);
    if (js != JSON_OK) return err_internal(a);
    const json_value_t *old_gsis = json_object_get(def, "GlobalSecondaryIndexes");
    size_t old_count = old_gsis ? old_gsis->u.array.count : 0;
    json_value_t *gsis = json_array_new(a, old_count + updates->u.array.count);
    for (size_t i = 0; i < old_count; i++)
        gsis->u.array.items[gsis->u.array.count++] = old_gsis->u.array.items[i];

    int online = 0;
    for (size_t i = 0; i < updates->u.array.count; i++) {
        const json_value_t *u = updates->u.array.items[i];
        if ((e = wire_check(a, u, WIRE_STRUCT))) return e;
        const json_value_t *create = wire_container(a, u, "Create", WIRE_STRUCT, &e);
        const json_value_t *del = e ? NULL : wire_container(a, u, "Delete", WIRE_STRUCT, &e);
        const json_value_t *upd = e ? NULL : wire_container(a, u, "Update", WIRE_STRUCT, &e);
        if (e) return e;
        if ((create != NULL) + (del != NULL) + (upd != NULL) != 1)
            return err_invalid_parameter(a, "One of GlobalSecondaryIndexUpdate.Create, "
                                            "GlobalSecondaryIndexUpdate.Update, or "
                                            "GlobalSecondaryIndexUpdate.Delete must be provided");
        const json_value_t *which = create ? create : del ? del : upd;
        const char *name = NULL;
        wire_string(a, which, "IndexName", &name, NULL, &e);
        if (e) return e;
        if (!name)
            return err_validation(a, "1 validation error detected: Value null at "
                                     "'globalSecondaryIndexUpdates.%zu.member.%s.indexName' failed "
                                     "to satisfy constraint: Member must not be null",
                                  i + 1, create ? "create" : del ? "delete" : "update");
        const index_def_t *existing = catalog_table_index(t, name, strlen(name));
        if (create || del) online++;
        if (online > 1)
            return ddb_error_new(a, ERR_LIMIT_EXCEEDED,
                                 "Subscriber limit exceeded: Only 1 online index can be created or "
                                 "deleted simultaneously per table");
        if (create) {
            if (existing)
                return err_validation(a, "Attempting to create an index which already exists");
            json_value_t *copy = arena_alloc(a, sizeof *copy);
            *copy = *create;
            gsis->u.array.items[gsis->u.array.count++] = copy;
            uw->created = arena_strndup(a, name, strlen(name));
            continue;
        }
        if (!existing || !existing->global)
            return ddb_error_new(a, ERR_RESOURCE_NOT_FOUND,
                                 "Requested resource not found: Index: %s not found", name);
        for (size_t k = 0; k < gsis->u.array.count; k++) {
            const char *n = json_name(gsis->u.array.items[k], "IndexName");
            if (!n || strcmp(n, name) != 0) continue;
            if (del) {
                memmove(&gsis->u.array.items[k], &gsis->u.array.items[k + 1],
                        (gsis->u.array.count - k - 1) * sizeof(json_value_t *));
                gsis->u.array.count--;
                uw->deleted = arena_strndup(a, name, strlen(name));
            } else {
                const json_value_t *pt = wire_container(a, upd, "ProvisionedThroughput",
                                                        WIRE_STRUCT, &e);
                if (e) return e;
                if (!pt)
                    return err_validation(a, "1 validation error detected: Value null at "
                                             "'globalSecondaryIndexUpdates.%zu.member.update."
                                             "provisionedThroughput' failed to satisfy "
                                             "constraint: Member must not be null",
                                          i + 1);
                json_value_t *copy = arena_alloc(a, sizeof *copy);
                *copy = *gsis->u.array.items[k];
                copy->u.object.members =
                    arena_alloc(a, copy->u.object.count * sizeof(json_member_t));
                memcpy(copy->u.object.members, gsis->u.array.items[k]->u.object.members,
                       copy->u.object.count * sizeof(json_member_t));
                json_object_set(a, copy, "ProvisionedThroughput", (json_value_t *)pt);
                gsis->u.array.items[k] = copy;
            }
            break;
        }
    }
    if (gsis->u.array.count) json_object_set(a, def, "GlobalSecondaryIndexes", gsis);
    else json_object_remove(def, "GlobalSecondaryIndexes");

    /* Attribute definitions: the old ones, the request's, then only those a
     * key of the table or of an index still uses. */
    const json_value_t *old_attrs = json_object_get(def, "AttributeDefinitions");
    size_t n_new = new_attrs ? new_attrs->u.array.count : 0;
    json_value_t *attrs = json_array_new(a, old_attrs->u.array.count + n_new);
    const json_value_t *sources[2] = {old_attrs, new_attrs};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; sources[s] && i < sources[s]->u.array.count; i++) {
            json_value_t *ad = sources[s]->u.array.items[i];
            if ((e = wire_check(a, ad, WIRE_STRUCT))) return e;
            const char *n = json_name(ad, "AttributeName");
            bool dup = false, used = false;
            for (size_t k = 0; n && k < attrs->u.array.count && !dup; k++)
                dup = strcmp(json_name(attrs->u.array.items[k], "AttributeName"), n) == 0;
            if (!n || dup) continue;
            used = schema_uses(json_object_get(def, "KeySchema"), n);
            const json_value_t *lists[2] = {json_object_get(def, "LocalSecondaryIndexes"),
                                            json_object_get(def, "GlobalSecondaryIndexes")};
            for (int l = 0; l < 2 && !used; l++)
                for (size_t k = 0; lists[l] && k < lists[l]->u.array.count && !used; k++)
                    used = schema_uses(json_object_get(lists[l]->u.array.items[k], "KeySchema"), n);
            if (used) attrs->u.array.items[attrs->u.array.count++] = ad;
        }
    json_object_set(a, def, "AttributeDefinitions", attrs);
    table_t *changed;
    if ((e = catalog_table_parse(a, def, true, &changed))) return e;
    uw->new_def = changed;
    return NULL;
}

/* The required members inside AttributeDefinitions and
 * GlobalSecondaryIndexUpdates, with their paths in the request (the index
 * changes are validated later as a whole new table definition, whose paths
 * would not be the request's). */
static void check_index_updates_required(constraint_list_t *cl, const json_value_t *req)
{
    static const char *const null = "Member must not be null";
    char p[160];
    const json_value_t *defs = wire_member(req, "AttributeDefinitions");
    for (size_t i = 0; defs && defs->type == JSON_ARRAY && i < defs->u.array.count; i++) {
        const json_value_t *d = defs->u.array.items[i];
        if (d->type != JSON_OBJECT) continue;
        snprintf(p, sizeof p, "attributeDefinitions.%zu.member.attributeType", i + 1);
        if (!wire_member(d, "AttributeType")) constraint_list_add(cl, NULL, p, null);
        snprintf(p, sizeof p, "attributeDefinitions.%zu.member.attributeName", i + 1);
        if (!wire_member(d, "AttributeName")) constraint_list_add(cl, NULL, p, null);
    }
    const json_value_t *updates = wire_member(req, "GlobalSecondaryIndexUpdates");
    for (size_t i = 0; updates && updates->type == JSON_ARRAY && i < updates->u.array.count; i++) {
        const json_value_t *u = updates->u.array.items[i];
        static const char *const actions[] = {"Create", "Update", "Delete"};
        for (int k = 0; k < 3 && u->type == JSON_OBJECT; k++) {
            const json_value_t *act = wire_member(u, actions[k]);
            if (!act || act->type != JSON_OBJECT) continue;
            char base[96];
            snprintf(base, sizeof base, "globalSecondaryIndexUpdates.%zu.member.%s", i + 1,
                     k == 0 ? "create" : k == 1 ? "update" : "delete");
            static const char *const required[][4] = {
                {"IndexName", "KeySchema", "Projection", NULL},
                {"IndexName", "ProvisionedThroughput", NULL},
                {"IndexName", NULL}};
            for (const char *const *m = required[k]; *m; m++) {
                snprintf(p, sizeof p, "%s.%c%s", base, (*m)[0] - 'A' + 'a', *m + 1);
                if (!wire_member(act, *m)) constraint_list_add(cl, NULL, p, null);
            }
            const json_value_t *schema = wire_member(act, "KeySchema");
            for (size_t j = 0; schema && schema->type == JSON_ARRAY && j < schema->u.array.count;
                 j++) {
                const json_value_t *el = schema->u.array.items[j];
                if (el->type != JSON_OBJECT) continue;
                snprintf(p, sizeof p, "%s.keySchema.%zu.member.attributeName", base, j + 1);
                if (!wire_member(el, "AttributeName")) constraint_list_add(cl, NULL, p, null);
                snprintf(p, sizeof p, "%s.keySchema.%zu.member.keyType", base, j + 1);
                if (!wire_member(el, "KeyType")) constraint_list_add(cl, NULL, p, null);
            }
            const json_value_t *pt = wire_member(act, "ProvisionedThroughput");
            if (pt && pt->type == JSON_OBJECT) {
                snprintf(p, sizeof p, "%s.provisionedThroughput.writeCapacityUnits", base);
                if (!wire_member(pt, "WriteCapacityUnits")) constraint_list_add(cl, NULL, p, null);
                snprintf(p, sizeof p, "%s.provisionedThroughput.readCapacityUnits", base);
                if (!wire_member(pt, "ReadCapacityUnits")) constraint_list_add(cl, NULL, p, null);
            }
        }
    }
}

static ddb_error_t *read_update(api_call_t *call, const json_value_t *req, table_t *t,
                                update_write_t *uw)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *billing = NULL;
    wire_string(a, req, "BillingMode", &billing, NULL, &e);
    if (e) return e;
    const json_value_t *pt = wire_container(a, req, "ProvisionedThroughput", WIRE_STRUCT, &e);
    if (e) return e;
    int64_t rcu = 0, wcu = 0;
    bool rcu_set = false, wcu_set = false;
    if (pt) {
        rcu_set = wire_long(a, pt, "ReadCapacityUnits", &rcu, &e);
        if (!e) wcu_set = wire_long(a, pt, "WriteCapacityUnits", &wcu, &e);
        if (e) return e;
    }
    const json_value_t *ss = wire_container(a, req, "StreamSpecification", WIRE_STRUCT, &e);
    if (e) return e;
    bool stream_enabled = false, stream_enabled_set = false;
    const char *view = NULL;
    if (ss) {
        stream_enabled_set = wire_bool(a, ss, "StreamEnabled", &stream_enabled, &e);
        if (!e) wire_string(a, ss, "StreamViewType", &view, NULL, &e);
        if (e) return e;
    }
    bool protection = false;
    bool protection_set = wire_bool(a, req, "DeletionProtectionEnabled", &protection, &e);
    if (e) return e;
    const char *table_class = NULL;
    wire_string(a, req, "TableClass", &table_class, NULL, &e);
    if (e) return e;
    static const char *const later[] = {"ReplicaUpdates", "SSESpecification", NULL};
    if ((e = op_unsupported(call, req, later))) return e;

    constraint_list_t cl;
    constraint_list_init(&cl, a);
    check_index_updates_required(&cl, req);
    if (ss && !stream_enabled_set)
        constraint_list_add(&cl, NULL, "streamSpecification.streamEnabled",
                            "Member must not be null");
    if (billing && strcmp(billing, "PROVISIONED") != 0 && strcmp(billing, "PAY_PER_REQUEST") != 0)
        constraint_list_add(&cl, billing, "billingMode",
                            "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
    if (pt) {
        char v[32];
        if (!wcu_set)
            constraint_list_add(&cl, NULL, "provisionedThroughput.writeCapacityUnits",
                                "Member must not be null");
        else if (wcu < 1) {
            snprintf(v, sizeof v, "%lld", (long long)wcu);
            constraint_list_add(&cl, v, "provisionedThroughput.writeCapacityUnits",
                                "Member must have value greater than or equal to 1");
        }
        if (!rcu_set)
            constraint_list_add(&cl, NULL, "provisionedThroughput.readCapacityUnits",
                                "Member must not be null");
        else if (rcu < 1) {
            snprintf(v, sizeof v, "%lld", (long long)rcu);
            constraint_list_add(&cl, v, "provisionedThroughput.readCapacityUnits",
                                "Member must have value greater than or equal to 1");
        }
    }
    if ((e = constraint_list_finish(&cl))) return e;
    const json_value_t *gsi_updates =
        wire_container(a, req, "GlobalSecondaryIndexUpdates", WIRE_LIST, &e);
    if (e) return e;
    if (gsi_updates && (e = plan_index_updates(call, req, t, gsi_updates, uw))) return e;
    if (!billing && !pt && !ss && !protection_set && !table_class && !gsi_updates)
        return err_validation(a, "At least one of ProvisionedThroughput, BillingMode, "
                                 "UpdateStreamEnabled, GlobalSecondaryIndexUpdates or "
                                 "SSESpecification or ReplicaUpdates is required");

    bool on_demand = billing ? strcmp(billing, "PAY_PER_REQUEST") == 0 : t->pay_per_request;
    if (on_demand && pt)
        return err_invalid_parameter(a, "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                                        "specified when BillingMode is PAY_PER_REQUEST");
    if (!on_demand && t->pay_per_request && !pt)
        return err_invalid_parameter(a, "ProvisionedThroughput must be specified when "
                                        "BillingMode is PROVISIONED");
    if (pt && !t->pay_per_request && rcu == t->rcu && wcu == t->wcu && !billing)
        return err_validation(
            a, "The provisioned throughput for the table will not change. The requested value "
               "equals the current value. Current ReadCapacityUnits provisioned for the table: "
               "%lld. Requested ReadCapacityUnits: %lld. Current WriteCapacityUnits provisioned "
               "for the table: %lld. Requested WriteCapacityUnits: %lld. Refer to the Amazon "
               "DynamoDB Developer Guide for current limits and how to request higher limits.",
            (long long)t->rcu, (long long)rcu, (long long)t->wcu, (long long)wcu);
    if (ss) {
        if (stream_enabled && !view)
            return err_validation(a, "1 validation error detected: Value null at "
                                     "'streamSpecification.streamViewType' failed to satisfy "
                                     "constraint: Member must not be null");
        if (stream_enabled && t->stream_enabled)
            return err_validation(a, "Table already has an enabled stream: %s", t->name);
        if (!stream_enabled && !t->stream_enabled)
            return err_validation(a, "Table already has no stream enabled: %s", t->name);
    }
    uw->billing_changed = billing && on_demand != t->pay_per_request;
    uw->pay_per_request = on_demand;
    uw->throughput_changed = pt != NULL;
    uw->rcu = rcu;
    uw->wcu = wcu;
    uw->stream_changed = ss != NULL;
    uw->stream_enabled = stream_enabled;
    uw->stream_view_type = view;
    uw->protection_changed = protection_set;
    uw->deletion_protection = protection;
    uw->table_class = table_class;
    return NULL;
}

api_result_t op_update_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    ddb_error_t *e = read_table_name(call, req, &name);
    if (e) return op_reply_error(call, e);
    table_t *t = catalog_acquire(name, strlen(name));
    if (!t) return op_reply_error(call, err_table_not_found(call->arena, name));
    update_write_t *uw = arena_calloc(call->arena, sizeof *uw);
    if ((e = read_update(call, req, t, uw))) {
        if (uw->new_def) catalog_release(uw->new_def);
        catalog_release(t);
        return op_reply_error(call, e);
    }
    bool exclusive = uw->created || uw->deleted; /* opens or drops a DBI */
    return table_write_submit(&uw->base, call, t, update_apply, update_done, exclusive);
}
