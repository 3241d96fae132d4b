/* ops/replicas: UpdateTable's ReplicaUpdates (global tables version
 * 2019.11.21), the 2017.11.29 operations as the service answers them today,
 * and the calls replicas make to each other (replication.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changelog.h"
#include "index.h"
#include "ops/ops.h"
#include "regions.h"
#include "replication.h"
#include "wire.h"

/* --- UpdateTable ReplicaUpdates --------------------------------------------------- */

typedef struct {
    bool create; /* else delete (an Update only changes settings) */
    const char *region;
    size_t actions;                     /* Create and Delete actions */
    const char *settings;               /* the Create's or Update's other members (JSON), or NULL */
    bool throughput_override;           /* the Update has a ProvisionedThroughputOverride */
    bool consistency, strong;           /* MultiRegionConsistency given; STRONG */
    const json_value_t *list, *witness; /* ReplicaUpdates, GlobalTableWitnessUpdates */
} replica_request_t;

/* A throughput override with only its one modelled member (if any). */
static void write_override(buf_t *b, const char *key, const json_value_t *o, const char *member)
{
    json_write_key(b, key);
    buf_putc(b, '{');
    const json_value_t *v = json_object_get(o, member);
    if (v && v->type != JSON_NULL) {
        json_write_key(b, member);
        json_write_value(b, v);
    }
    buf_putc(b, '}');
}

/* The one modelled member of a throughput override named key, NULL when
 * key names none. */
static const char *override_member(const char *key)
{
    return strcmp(key, "ProvisionedThroughputOverride") == 0 ? "ReadCapacityUnits"
           : strcmp(key, "OnDemandThroughputOverride") == 0  ? "MaxReadRequestUnits"
                                                              : NULL;
}

/* The modelled members of a Create or Update besides RegionName (in a
 * GlobalSecondaryIndexes element, of its throughput overrides too), as
 * JSON, or NULL when none: what the replica keeps and its description
 * shows.  Members the model does not have are ignored, as everywhere, so
 * that they are neither kept nor shown. */
static const char *replica_settings(arena_t *a, const json_value_t *x)
{
    static const char *const scalars[] = {"KMSMasterKeyId", "TableClassOverride", NULL};
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '{');
    bool any = false;
    for (size_t i = 0; i < x->u.object.count; i++) {
        const json_member_t *m = &x->u.object.members[i];
        const json_value_t *v = m->value;
        bool scalar = false;
        for (size_t k = 0; scalars[k]; k++)
            scalar |= strcmp(m->key, scalars[k]) == 0;
        const char *override = override_member(m->key);
        bool gsis = strcmp(m->key, "GlobalSecondaryIndexes") == 0;
        if (v->type == JSON_NULL || !(scalar || override || gsis)) continue;
        if (any) buf_putc(&b, ',');
        any = true;
        if (override)
            write_override(&b, m->key, v, override);
        else if (!gsis) {
            json_write_key(&b, m->key);
            json_write_value(&b, v);
        } else { /* shape-checked: a list of structures */
            json_write_key(&b, m->key);
            buf_putc(&b, '[');
            for (size_t g = 0; g < v->u.array.count; g++) {
                const json_value_t *ix = v->u.array.items[g];
                buf_append_str(&b, g ? ",{" : "{");
                bool first = true;
                for (size_t k = 0; ix->type == JSON_OBJECT && k < ix->u.object.count; k++) {
                    const json_member_t *im = &ix->u.object.members[k];
                    const char *member = override_member(im->key);
                    if (im->value->type == JSON_NULL ||
                        (!member && strcmp(im->key, "IndexName") != 0))
                        continue;
                    if (!first) buf_putc(&b, ',');
                    first = false;
                    if (member) {
                        write_override(&b, im->key, im->value, member);
                    } else {
                        json_write_key(&b, im->key);
                        json_write_value(&b, im->value);
                    }
                }
                buf_putc(&b, '}');
            }
            buf_putc(&b, ']');
        }
    }
    buf_putc(&b, '}');
    const char *s = any ? arena_strndup(a, b.data, b.len) : NULL;
    buf_free(&b);
    return s;
}

static const char *const consistency_values[] = {"EVENTUAL", "STRONG", NULL};
static const constraint_enum_t ENUM_MULTI_REGION_CONSISTENCY = {consistency_values,
                                                                "EVENTUAL, STRONG"};

/* MultiRegionConsistency STRONG: the regions the request adds (replicas,
 * then witnesses), at least two besides this one; none of this server's
 * regions offers strong consistency. */
static ddb_error_t *strong_request(arena_t *a, const json_value_t *list,
                                   const json_value_t *witness)
{
    const json_value_t *lists[2] = {list, witness};
    buf_t b;
    buf_init(&b);
    size_t n = 0;
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; lists[l] && i < lists[l]->u.array.count; i++) {
            const json_value_t *c = json_object_get(lists[l]->u.array.items[i], "Create");
            const json_value_t *name = c ? json_object_get(c, "RegionName") : NULL;
            if (!name || name->type != JSON_STRING) continue;
            if (n++) buf_append_str(&b, ", ");
            buf_append(&b, name->u.str.ptr, name->u.str.len);
        }
    ddb_error_t *e = n < 2 ? err_strong_replica_count(a)
                           : err_strong_regions(a, arena_strndup(a, b.data, b.len));
    buf_free(&b);
    return e;
}

/* The model's constraints on ReplicaUpdates' actions. */
static void replica_constraints(constraint_list_t *cl, arena_t *a, const json_value_t *list)
{
    const char *kinds[] = {"Create", "Delete", "Update"}, *paths[] = {"create", "delete", "update"};
    for (size_t i = 0; list && i < list->u.array.count; i++) {
        const json_value_t *u = list->u.array.items[i];
        for (int k = 0; u->type == JSON_OBJECT && k < 3; k++) {
            const json_value_t *x = wire_member(u, kinds[k]);
            if (!x) continue;
            const char *path = arena_sprintf(a, "replicaUpdates.%zu.member.%s", i + 1, paths[k]);
            constraint_required(cl, wire_member(x, "RegionName"), "%s.regionName", path);
            if (k == 1) continue;
            int64_t rcu;
            ddb_error_t *e = NULL;
            const json_value_t *pt = wire_member(x, "ProvisionedThroughputOverride");
            if (pt && wire_long(a, pt, "ReadCapacityUnits", &rcu, &e) && !e)
                constraint_range(cl, rcu, 1, INT64_MAX,
                                 "%s.provisionedThroughputOverride.readCapacityUnits", path);
            const json_value_t *gsis = wire_member(x, "GlobalSecondaryIndexes");
            if (gsis && !gsis->u.array.count)
                constraint_add(cl, "[]", "Member must have length greater than or equal to 1",
                               "%s.globalSecondaryIndexes", path);
            for (size_t g = 0; gsis && g < gsis->u.array.count; g++) {
                const json_value_t *ix = gsis->u.array.items[g];
                const char *name = NULL;
                if (ix->type == JSON_OBJECT) wire_string(a, ix, "IndexName", &name, NULL, &e);
                if (ix->type == JSON_OBJECT)
                    constraint_name(cl, name, "%s.globalSecondaryIndexes.%zu.member.indexName",
                                    path, g + 1);
            }
            const char *cls = NULL;
            wire_string(a, x, "TableClassOverride", &cls, NULL, &e);
            constraint_enum(cl, cls, &ENUM_TABLE_CLASS, "%s.tableClassOverride", path);
        }
    }
}

static ddb_error_t *validate_replicas(api_call_t *call, const json_value_t *req,
                                      replica_request_t *r)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *consistency = NULL;
    wire_string(a, req, "MultiRegionConsistency", &consistency, NULL, &e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    int mode =
        constraint_enum(&cl, consistency, &ENUM_MULTI_REGION_CONSISTENCY, "multiRegionConsistency");
    if ((e = constraint_list_finish(&cl))) return e;
    bool strong = mode == 1;
    const json_value_t *witness = wire_member(req, "GlobalTableWitnessUpdates"),
                       *list = wire_member(req, "ReplicaUpdates");
    for (size_t i = 0; i < req->u.object.count; i++) {
        const char *k = req->u.object.members[i].key;
        if (strcmp(k, "TableName") && strcmp(k, "ReplicaUpdates") &&
            strcmp(k, "MultiRegionConsistency") && strcmp(k, "GlobalTableWitnessUpdates") &&
            req->u.object.members[i].value->type != JSON_NULL)
            return strong || witness ? err_strong_only_operation(a) : err_replica_only_operation(a);
    }
    /* witnesses alone (STRONG or not) change nothing the service counts */
    if (!list) return err_update_table_nothing(a);
    if (witness && !strong) return err_witness_needs_strong(a);
    if (!list->u.array.count)
        return constraint_error(a, "[]", "Member must have length greater than or equal to 1",
                                "replicaUpdates");
    replica_constraints(&cl, a, list);
    if ((e = constraint_list_finish(&cl))) return e;
    memset(r, 0, sizeof *r);
    bool other_than_create = false;
    for (size_t i = 0; i < list->u.array.count; i++) {
        const json_value_t *u = list->u.array.items[i];
        const char *kinds[] = {"Create", "Delete", "Update"};
        int present = 0;
        for (int k = 0; k < 3; k++) {
            const json_value_t *x = json_object_get(u, kinds[k]);
            if (!x || x->type != JSON_OBJECT) continue;
            if (present++) return err_replica_action_types(a);
            const json_value_t *name = json_object_get(x, "RegionName");
            const char *settings = k == 1 ? NULL : replica_settings(a, x);
            if (k == 2 && !settings) return err_replica_update_empty(a);
            other_than_create |= k != 0;
            if (k < 2) r->actions++;
            if (!r->region || k < 2) {
                r->region = name->u.str.ptr;
                r->create = k == 0;
                r->settings = settings;
                r->throughput_override =
                    k == 2 && wire_member(x, "ProvisionedThroughputOverride") != NULL;
            }
        }
        if (!present) return err_replica_update_empty(a);
    }
    if (consistency && other_than_create) return err_replica_consistency_create_only(a);
    r->consistency = consistency != NULL;
    r->strong = strong;
    r->list = list;
    r->witness = witness;
    if (strong) return NULL; /* its regions are looked at with the table's group */
    if (r->actions > 1) return err_replica_one_action(a);
    if (!r->region) return err_update_table_nothing(a);
    if (strcmp(r->region, regions_local()) == 0) return err_replica_local_region(a);
    if (!regions_find(r->region, strlen(r->region))) {
        buf_t list_text;
        buf_init(&list_text);
        regions_render_list(&list_text);
        buf_putc(&list_text, 0);
        e = err_replica_region_unsupported(
            a, r->region, arena_strndup(a, list_text.data, strlen(list_text.data)));
        buf_free(&list_text);
        return e;
    }
    return NULL;
}

/* Whether a replica of the table is being created or deleted: another
 * cannot be added meanwhile. */
static bool replicas_changing(const char *table)
{
    char regions[REGIONS_MAX][65], statuses[REGIONS_MAX][REPLICATION_STATUS_MAX];
    size_t n = replication_members(table, regions, statuses, REGIONS_MAX);
    for (size_t i = 0; i < n; i++)
        if (strcmp(statuses[i], "CREATING") == 0 || strcmp(statuses[i], "DELETING") == 0)
            return true;
    return false;
}

api_result_t op_update_table_replicas(api_call_t *call, const json_value_t *req, const char *table)
{
    replica_request_t r;
    arena_t *a = call->arena;
    ddb_error_t *e = validate_replicas(call, req, &r);
    if (e) return op_reply_error(call, e);
    table_t *t = catalog_acquire(table, strlen(table));
    if (!t) return op_reply_error(call, err_table_not_found(a, table));
    bool member = r.region && replication_has_member(t->name, r.region);
    if (r.consistency && replication_replica_count(t->name))
        e = err_replica_consistency_existing(a);
    else if (r.strong)
        e = strong_request(a, r.list, r.witness);
    else if (!t->pay_per_request)
        e = err_replica_write_capacity(a);
    else if (r.actions && r.create && t->stream_enabled &&
             strcmp(t->stream_view_type, "NEW_AND_OLD_IMAGES") != 0)
        e = err_replica_stream_view(a);
    else if (r.actions && r.create && replicas_changing(t->name))
        e = err_replica_busy(a);
    else if (r.actions && r.create && member)
        e = err_replica_exists(a, t->name);
    else if (r.actions && r.create && !replication_group_room(t->name))
        e = err_replica_groups_limit(a, REPLICATION_GROUPS_MAX);
    else if (r.actions && !r.create && !member)
        e = err_replica_not_found(a, r.region);
    else if (r.actions && !r.create && replication_region_recent_source(t->name, r.region))
        e = err_replica_recent_source(a);
    else if (!r.actions && !member)
        e = err_replica_not_found(a, r.region);
    else if (!r.actions && t->pay_per_request && r.throughput_override)
        e = err_replica_throughput_on_demand(a); /* (a Create takes it) */
    else if (r.settings && strlen(r.settings) >= REPLICATION_OVERRIDES_MAX)
        e = err_replica_settings_too_long(a);
    int rc = 0;
    if (!e && r.actions)
        rc = r.create ? replication_replica_add(t, r.region, r.settings)
                      : replication_replica_remove(t, r.region);
    else if (!e && r.settings)
        rc = replication_replica_settings(t, r.region, r.settings);
    if (!e && rc) /* (the last group's room taken meanwhile) */
        e = rc == REPLICATION_NO_ROOM ? err_replica_groups_limit(a, REPLICATION_GROUPS_MAX)
                                      : err_internal(a);
    if (e) {
        catalog_release(t);
        return op_reply_error(call, e);
    }
    /* The description shows the stream the replica made the table enable. */
    table_t *now = catalog_acquire(table, strlen(table));
    if (now) {
        catalog_release(t);
        t = now;
    }
    MDB_txn *txn = op_read_begin(call);
    catalog_stats_t stats, *sp = NULL;
    if (txn && !catalog_table_read_stats(txn, a, t, &stats)) sp = &stats;
    buf_append_str(call->out, "{\"TableDescription\":");
    catalog_table_render_description(call->out, t, r.actions ? "UPDATING" : "ACTIVE", sp);
    buf_putc(call->out, '}');
    if (txn) op_read_end(call, txn);
    catalog_release(t);
    return op_reply_ok(call);
}

/* --- request constraints of the global table operations ------------------------------ */

/* The model's constraints on a list of the request (present: its length
 * within min..max, 0: no maximum). */
static void list_length(constraint_list_t *cl, arena_t *a, const json_value_t *list, size_t min,
                        size_t max, const char *path)
{
    if (list)
        constraint_length(cl, wire_value_text(a, list), list->u.array.count, min, max, "%s", path);
}

/* A member the model declares a positive long (PositiveLongObject). */
static void positive(constraint_list_t *cl, arena_t *a, const json_value_t *obj, const char *member,
                     const char *path)
{
    int64_t v;
    ddb_error_t *e = NULL;
    if (wire_long(a, obj, member, &v, &e) && !e) constraint_range(cl, v, 1, INT64_MAX, "%s", path);
}

/* A string member of length min..max. */
static void string_length(constraint_list_t *cl, arena_t *a, const json_value_t *obj,
                          const char *member, size_t min, size_t max, const char *path)
{
    const char *s = NULL;
    size_t n = 0;
    ddb_error_t *e = NULL;
    if (wire_string(a, obj, member, &s, &n, &e) && !e)
        constraint_length(cl, s, n, min, max, "%s", path);
}

/* An AutoScalingSettingsUpdate at path. */
static void auto_scaling_update(constraint_list_t *cl, arena_t *a, const json_value_t *u,
                                const char *path)
{
    if (!u) return;
    positive(cl, a, u, "MinimumUnits", arena_sprintf(a, "%s.minimumUnits", path));
    positive(cl, a, u, "MaximumUnits", arena_sprintf(a, "%s.maximumUnits", path));
    string_length(cl, a, u, "AutoScalingRoleArn", 1, 1600,
                  arena_sprintf(a, "%s.autoScalingRoleArn", path));
    const json_value_t *policy = wire_member(u, "ScalingPolicyUpdate");
    if (!policy) return;
    string_length(cl, a, policy, "PolicyName", 1, 256,
                  arena_sprintf(a, "%s.scalingPolicyUpdate.policyName", path));
    const json_value_t *target = wire_member(policy, "TargetTrackingScalingPolicyConfiguration");
    const char *tpath =
        arena_sprintf(a, "%s.scalingPolicyUpdate.targetTrackingScalingPolicyConfiguration", path);
    if (constraint_required(cl, target != NULL, "%s", tpath))
        constraint_required(cl, wire_member(target, "TargetValue") != NULL, "%s.targetValue",
                            tpath);
}

/* An index name member: not required unless said, 3..255 and the pattern. */
static void index_name(constraint_list_t *cl, arena_t *a, const json_value_t *obj, bool required,
                       const char *path)
{
    const char *name = NULL;
    ddb_error_t *e = NULL;
    wire_string(a, obj, "IndexName", &name, NULL, &e);
    if (name || required) constraint_name(cl, name, "%s", path);
}

/* A RegionName the model requires. */
static void region_required(constraint_list_t *cl, const json_value_t *obj, const char *path)
{
    constraint_required(cl, obj && wire_member(obj, "RegionName"), "%s", path);
}

/* --- version 2017.11.29 --------------------------------------------------------------- */

/* The global table's name: its length is checked with the operations' own
 * text before anything else; then the model's pattern. */
static ddb_error_t *legacy_name(api_call_t *call, const json_value_t *req, const char **name,
                                constraint_list_t *cl)
{
    ddb_error_t *e = NULL;
    *name = NULL;
    wire_string(call->arena, req, "GlobalTableName", name, NULL, &e);
    if (e) return e;
    size_t n = *name ? strlen(*name) : 0;
    if (n < 3 || n > 255) return err_global_table_name_length(call->arena);
    constraint_list_init(cl, call->arena);
    constraint_name(cl, *name, "globalTableName");
    return NULL;
}

api_result_t op_create_global_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    constraint_list_t cl;
    ddb_error_t *e = legacy_name(call, req, &name, &cl);
    if (e) return op_reply_error(call, e);
    constraint_required(&cl, wire_member(req, "ReplicationGroup"), "replicationGroup");
    e = constraint_list_finish(&cl);
    return op_reply_error(call, e ? e : err_global_tables_legacy(call->arena));
}

/* No 2017.11.29 global table exists here: every name is unknown. */
api_result_t op_update_global_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    constraint_list_t cl;
    arena_t *a = call->arena;
    ddb_error_t *e = legacy_name(call, req, &name, &cl);
    if (e) return op_reply_error(call, e);
    const json_value_t *updates = wire_member(req, "ReplicaUpdates");
    constraint_required(&cl, updates, "replicaUpdates");
    for (size_t i = 0; updates && i < updates->u.array.count; i++) {
        const json_value_t *u = updates->u.array.items[i];
        const char *kinds[] = {"Create", "Delete"}, *paths[] = {"create", "delete"};
        for (int k = 0; k < 2; k++) {
            const json_value_t *x = u->type == JSON_OBJECT ? wire_member(u, kinds[k]) : NULL;
            if (x)
                region_required(
                    &cl, x,
                    arena_sprintf(a, "replicaUpdates.%zu.member.%s.regionName", i + 1, paths[k]));
        }
    }
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    return op_reply_error(call, err_global_table_not_found(a, name));
}

api_result_t op_describe_global_table(api_call_t *call, const json_value_t *req)
{
    const char *name;
    constraint_list_t cl;
    ddb_error_t *e = legacy_name(call, req, &name, &cl);
    if (!e) e = constraint_list_finish(&cl);
    return op_reply_error(call, e ? e : err_global_table_not_found(call->arena, name));
}

api_result_t op_describe_global_table_settings(api_call_t *call, const json_value_t *req)
{
    return op_describe_global_table(call, req);
}

api_result_t op_update_global_table_settings(api_call_t *call, const json_value_t *req)
{
    const char *name;
    constraint_list_t cl;
    arena_t *a = call->arena;
    ddb_error_t *e = legacy_name(call, req, &name, &cl);
    if (e) return op_reply_error(call, e);
    const char *billing = NULL;
    wire_string(a, req, "GlobalTableBillingMode", &billing, NULL, &e);
    constraint_enum(&cl, billing, &ENUM_BILLING_MODE, "globalTableBillingMode");
    positive(&cl, a, req, "GlobalTableProvisionedWriteCapacityUnits",
             "globalTableProvisionedWriteCapacityUnits");
    auto_scaling_update(
        &cl, a, wire_member(req, "GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate"),
        "globalTableProvisionedWriteCapacityAutoScalingSettingsUpdate");
    const json_value_t *gsis = wire_member(req, "GlobalTableGlobalSecondaryIndexSettingsUpdate");
    list_length(&cl, a, gsis, 1, 20, "globalTableGlobalSecondaryIndexSettingsUpdate");
    for (size_t i = 0; gsis && i < gsis->u.array.count; i++) {
        const json_value_t *g = gsis->u.array.items[i];
        if (g->type != JSON_OBJECT) continue;
        const char *path =
            arena_sprintf(a, "globalTableGlobalSecondaryIndexSettingsUpdate.%zu.member", i + 1);
        index_name(&cl, a, g, true, arena_sprintf(a, "%s.indexName", path));
        positive(&cl, a, g, "ProvisionedWriteCapacityUnits",
                 arena_sprintf(a, "%s.provisionedWriteCapacityUnits", path));
        auto_scaling_update(
            &cl, a, wire_member(g, "ProvisionedWriteCapacityAutoScalingSettingsUpdate"),
            arena_sprintf(a, "%s.provisionedWriteCapacityAutoScalingSettingsUpdate", path));
    }
    const json_value_t *reps = wire_member(req, "ReplicaSettingsUpdate");
    list_length(&cl, a, reps, 1, 50, "replicaSettingsUpdate");
    for (size_t i = 0; reps && i < reps->u.array.count; i++) {
        const json_value_t *r = reps->u.array.items[i];
        if (r->type != JSON_OBJECT) continue;
        const char *path = arena_sprintf(a, "replicaSettingsUpdate.%zu.member", i + 1);
        region_required(&cl, r, arena_sprintf(a, "%s.regionName", path));
        positive(&cl, a, r, "ReplicaProvisionedReadCapacityUnits",
                 arena_sprintf(a, "%s.replicaProvisionedReadCapacityUnits", path));
        auto_scaling_update(
            &cl, a, wire_member(r, "ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate"),
            arena_sprintf(a, "%s.replicaProvisionedReadCapacityAutoScalingSettingsUpdate", path));
        const json_value_t *rg = wire_member(r, "ReplicaGlobalSecondaryIndexSettingsUpdate");
        const char *rpath = arena_sprintf(a, "%s.replicaGlobalSecondaryIndexSettingsUpdate", path);
        list_length(&cl, a, rg, 1, 20, rpath);
        for (size_t k = 0; rg && k < rg->u.array.count; k++) {
            const json_value_t *g = rg->u.array.items[k];
            if (g->type != JSON_OBJECT) continue;
            const char *gpath = arena_sprintf(a, "%s.%zu.member", rpath, k + 1);
            index_name(&cl, a, g, true, arena_sprintf(a, "%s.indexName", gpath));
            positive(&cl, a, g, "ProvisionedReadCapacityUnits",
                     arena_sprintf(a, "%s.provisionedReadCapacityUnits", gpath));
            auto_scaling_update(
                &cl, a, wire_member(g, "ProvisionedReadCapacityAutoScalingSettingsUpdate"),
                arena_sprintf(a, "%s.provisionedReadCapacityAutoScalingSettingsUpdate", gpath));
        }
        const char *cls = NULL;
        wire_string(a, r, "ReplicaTableClass", &cls, NULL, &e);
        constraint_enum(&cl, cls, &ENUM_TABLE_CLASS, "%s.replicaTableClass", path);
    }
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    return op_reply_error(call, err_global_table_not_found(a, name));
}

api_result_t op_list_global_tables(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    const char *start = NULL;
    ddb_error_t *e = NULL;
    if (wire_string(a, req, "ExclusiveStartGlobalTableName", &start, NULL, &e) && !e)
        constraint_name(&cl, start, "exclusiveStartGlobalTableName");
    int64_t limit;
    if (wire_integer(a, req, "Limit", &limit, &e) && !e)
        constraint_range(&cl, limit, 1, INT32_MAX, "limit");
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    buf_append_str(call->out, "{\"GlobalTables\":[]}");
    return op_reply_ok(call);
}

/* --- Describe/UpdateTableReplicaAutoScaling ----------------------------------------------- */

typedef struct {
    char region[65];
    char status[REPLICATION_STATUS_MAX];
} group_member_t;

static int member_cmp(const void *x, const void *y)
{
    return strcmp(((const group_member_t *)x)->region, ((const group_member_t *)y)->region);
}

/* Every region of t's group, this one included, by name; how many. */
static size_t group_members(const table_t *t, group_member_t *out)
{
    char regions[REGIONS_MAX][65], statuses[REGIONS_MAX][REPLICATION_STATUS_MAX];
    size_t n = replication_members(t->name, regions, statuses, REGIONS_MAX - 1);
    for (size_t i = 0; i < n; i++) {
        memcpy(out[i].region, regions[i], sizeof out[i].region);
        memcpy(out[i].status, statuses[i], sizeof out[i].status);
    }
    snprintf(out[n].region, sizeof out[n].region, "%s", regions_local());
    snprintf(out[n].status, sizeof out[n].status, "ACTIVE");
    qsort(out, n + 1, sizeof *out, member_cmp);
    return n + 1;
}

/* TableAutoScalingDescription: no replica of an on-demand table has
 * provisioned settings to scale. */
static void render_auto_scaling(buf_t *b, const table_t *t)
{
    group_member_t m[REGIONS_MAX];
    size_t n = group_members(t, m);
    buf_append_str(b, "{\"TableAutoScalingDescription\":{");
    json_write_member(b, "TableName", t->name);
    buf_append_str(b, ",\"TableStatus\":\"ACTIVE\",\"Replicas\":[");
    for (size_t i = 0; i < n; i++) {
        buf_append_str(b, i ? ",{" : "{");
        json_write_member(b, "RegionName", m[i].region);
        buf_append_str(b, ",\"GlobalSecondaryIndexes\":[");
        bool first = true;
        for (size_t k = 0; k < t->index_count; k++) {
            const index_def_t *ix = &t->indexes[k];
            if (!ix->global) continue;
            buf_append_str(b, first ? "{" : ",{");
            first = false;
            json_write_member(b, "IndexName", ix->name);
            buf_putc(b, ',');
            json_write_member(b, "IndexStatus",
                              ix->status == INDEX_CREATING   ? "CREATING"
                              : ix->status == INDEX_DELETING ? "DELETING"
                                                             : "ACTIVE");
            buf_putc(b, '}');
        }
        buf_append_str(b, "],");
        json_write_member(b, "ReplicaStatus", m[i].status);
        buf_putc(b, '}');
    }
    buf_append_str(b, "]}}");
}

/* Whether an AutoScalingSettingsUpdate sets anything (only disabling auto
 * scaling sets nothing). */
static bool sets_something(const json_value_t *u)
{
    if (!u || u->type != JSON_OBJECT) return false;
    for (size_t i = 0; i < u->u.object.count; i++) {
        const json_member_t *m = &u->u.object.members[i];
        if (m->value->type == JSON_NULL) continue;
        if (strcmp(m->key, "AutoScalingDisabled") == 0 && m->value->type == JSON_TRUE) continue;
        return true;
    }
    return false;
}

/* The service's name of the first settings update the request makes; NULL
 * when it makes none. */
static const char *first_settings_update(const json_value_t *req)
{
    if (sets_something(json_object_get(req, "ProvisionedWriteCapacityAutoScalingUpdate")))
        return "GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate";
    const json_value_t *gsis = json_object_get(req, "GlobalSecondaryIndexUpdates");
    for (size_t i = 0; gsis && gsis->type == JSON_ARRAY && i < gsis->u.array.count; i++)
        if (sets_something(json_object_get(gsis->u.array.items[i],
                                           "ProvisionedWriteCapacityAutoScalingUpdate")))
            return "GlobalTableGlobalSecondaryIndexSettingsUpdate"; /* name unverified */
    const json_value_t *reps = json_object_get(req, "ReplicaUpdates");
    for (size_t i = 0; reps && reps->type == JSON_ARRAY && i < reps->u.array.count; i++) {
        const json_value_t *r = reps->u.array.items[i];
        if (sets_something(json_object_get(r, "ReplicaProvisionedReadCapacityAutoScalingUpdate")))
            return "ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate";
        const json_value_t *rg = json_object_get(r, "ReplicaGlobalSecondaryIndexUpdates");
        for (size_t k = 0; rg && rg->type == JSON_ARRAY && k < rg->u.array.count; k++)
            if (sets_something(json_object_get(rg->u.array.items[k],
                                               "ProvisionedReadCapacityAutoScalingUpdate")))
                return "ReplicaGlobalSecondaryIndexSettingsUpdate"; /* name unverified */
    }
    return NULL;
}

/* 'US-EAST-1', 'US-WEST-2': the group's regions as the service names them. */
static const char *region_list(arena_t *a, const table_t *t)
{
    group_member_t m[REGIONS_MAX];
    size_t n = group_members(t, m);
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        buf_append_str(&b, i ? ", '" : "'");
        for (const char *p = m[i].region; *p; p++)
            buf_putc(&b, *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p);
        buf_putc(&b, '\'');
    }
    const char *s = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return s;
}

/* UpdateTableReplicaAutoScaling's members (Describe has none of them). */
static void auto_scaling_constraints(constraint_list_t *cl, arena_t *a, const json_value_t *req)
{
    const json_value_t *gsis = wire_member(req, "GlobalSecondaryIndexUpdates");
    list_length(cl, a, gsis, 1, 0, "globalSecondaryIndexUpdates");
    for (size_t i = 0; gsis && i < gsis->u.array.count; i++) {
        const json_value_t *g = gsis->u.array.items[i];
        if (g->type != JSON_OBJECT) continue;
        const char *path = arena_sprintf(a, "globalSecondaryIndexUpdates.%zu.member", i + 1);
        index_name(cl, a, g, false, arena_sprintf(a, "%s.indexName", path));
        auto_scaling_update(cl, a, wire_member(g, "ProvisionedWriteCapacityAutoScalingUpdate"),
                            arena_sprintf(a, "%s.provisionedWriteCapacityAutoScalingUpdate", path));
    }
    auto_scaling_update(cl, a, wire_member(req, "ProvisionedWriteCapacityAutoScalingUpdate"),
                        "provisionedWriteCapacityAutoScalingUpdate");
    const json_value_t *reps = wire_member(req, "ReplicaUpdates");
    list_length(cl, a, reps, 1, 0, "replicaUpdates");
    for (size_t i = 0; reps && i < reps->u.array.count; i++) {
        const json_value_t *r = reps->u.array.items[i];
        if (r->type != JSON_OBJECT) continue;
        const char *path = arena_sprintf(a, "replicaUpdates.%zu.member", i + 1);
        region_required(cl, r, arena_sprintf(a, "%s.regionName", path));
        const json_value_t *rg = wire_member(r, "ReplicaGlobalSecondaryIndexUpdates");
        for (size_t k = 0; rg && k < rg->u.array.count; k++) {
            const json_value_t *g = rg->u.array.items[k];
            if (g->type != JSON_OBJECT) continue;
            const char *gpath =
                arena_sprintf(a, "%s.replicaGlobalSecondaryIndexUpdates.%zu.member", path, k + 1);
            index_name(cl, a, g, false, arena_sprintf(a, "%s.indexName", gpath));
            auto_scaling_update(
                cl, a, wire_member(g, "ProvisionedReadCapacityAutoScalingUpdate"),
                arena_sprintf(a, "%s.provisionedReadCapacityAutoScalingUpdate", gpath));
        }
        auto_scaling_update(
            cl, a, wire_member(r, "ReplicaProvisionedReadCapacityAutoScalingUpdate"),
            arena_sprintf(a, "%s.replicaProvisionedReadCapacityAutoScalingUpdate", path));
    }
}

/* Only global tables have replica auto scaling; ddbd's are on-demand, so
 * an update may only disable it (the response shows the settings before
 * the update, which are the same). */
/* An update must update something, for each replica it names, and name
 * each replica once. */
static ddb_error_t *auto_scaling_update_check(arena_t *a, const table_t *t, const json_value_t *req)
{
    const json_value_t *reps = wire_member(req, "ReplicaUpdates");
    if (!wire_member(req, "ProvisionedWriteCapacityAutoScalingUpdate") &&
        !wire_member(req, "GlobalSecondaryIndexUpdates") && !reps)
        return err_auto_scaling_nothing(a, t->name, NULL);
    size_t n = reps ? reps->u.array.count : 0;
    wire_names_t *seen = wire_names_new(a, n + 1), *repeated = wire_names_new(a, n + 1);
    buf_t b;
    buf_init(&b);
    const char *nothing = NULL;
    for (size_t i = 0; i < n; i++) {
        const json_value_t *r = reps->u.array.items[i];
        const char *region = NULL;
        size_t len = 0;
        ddb_error_t *e = NULL;
        if (r->type != JSON_OBJECT || !wire_string(a, r, "RegionName", &region, &len, &e) || e)
            continue;
        if (!wire_names_add(seen, region, len) && wire_names_add(repeated, region, len)) {
            if (b.len) buf_append_str(&b, ", ");
            buf_append(&b, region, len);
        }
        if (!nothing && !wire_member(r, "ReplicaGlobalSecondaryIndexUpdates") &&
            !wire_member(r, "ReplicaProvisionedReadCapacityAutoScalingUpdate"))
            nothing = region;
    }
    ddb_error_t *e =
        b.len     ? err_auto_scaling_regions_repeated(a, t->name, arena_strndup(a, b.data, b.len))
        : nothing ? err_auto_scaling_nothing(a, t->name, nothing)
                  : NULL;
    buf_free(&b);
    return e;
}

static api_result_t replica_auto_scaling(api_call_t *call, const json_value_t *req, bool update)
{
    arena_t *a = call->arena;
    ddb_error_t *e = NULL;
    const char *name = NULL;
    wire_string(a, req, "TableName", &name, NULL, &e);
    if (e) return op_reply_error(call, e);
    constraint_list_t cl;
    constraint_list_init(&cl, a);
    constraint_name(&cl, name, "tableName");
    if (update) auto_scaling_constraints(&cl, a, req);
    if ((e = constraint_list_finish(&cl))) return op_reply_error(call, e);
    table_t *t = name && replication_on && replication_replica_count(name)
                     ? catalog_acquire(name, strlen(name))
                     : NULL;
    if (!t) return op_reply_error(call, err_replica_auto_scaling_not_found(a, name ? name : ""));
    const char *setting = update ? first_settings_update(req) : NULL;
    if (update) e = auto_scaling_update_check(a, t, req);
    if (!e && setting && t->pay_per_request)
        e = err_replica_auto_scaling_on_demand(a, t->name, region_list(a, t), setting);
    if (e) {
        catalog_release(t);
        return op_reply_error(call, e);
    }
    render_auto_scaling(call->out, t);
    catalog_release(t);
    return op_reply_ok(call);
}

api_result_t op_describe_table_replica_auto_scaling(api_call_t *call, const json_value_t *req)
{
    return replica_auto_scaling(call, req, false);
}

api_result_t op_update_table_replica_auto_scaling(api_call_t *call, const json_value_t *req)
{
    return replica_auto_scaling(call, req, true);
}

/* --- between regions ---------------------------------------------------------------------- */

typedef struct {
    const char *origin;
    uint64_t ts;
    value_t keys, item;
    bool has_item;
} remote_change_t;

typedef struct {
    storage_write_t w;
    api_call_t *call;
    table_t *table;
    remote_change_t *changes;
    size_t count;
} apply_write_t;

static int apply_changes(storage_write_t *w, MDB_txn *txn)
{
    apply_write_t *aw = (apply_write_t *)w;
    table_t *t = catalog_latest(aw->table);
    if (t->dropped) return 0;
    for (size_t i = 0; i < aw->count; i++) {
        remote_change_t *c = &aw->changes[i];
        int rc = replication_apply_change(txn, aw->call->arena, t, c->origin, c->ts, &c->keys,
                                          c->has_item ? &c->item : NULL, item_write_replicated);
        if (rc) return rc;
    }
    return 0;
}

static void apply_done(storage_write_t *w, int status)
{
    apply_write_t *aw = (apply_write_t *)w;
    api_call_t *call = aw->call;
    if (status)
        op_reply_error(call, err_internal(call->arena));
    else {
        buf_append_str(call->out, "{}");
        op_reply_ok(call);
    }
    catalog_release(aw->table);
    op_complete(call);
}

/* A string member of at most max bytes (0: any length), not empty and
 * without a NUL inside (it is compared as a C string). */
static const char *plain_string(const json_value_t *obj, const char *name, size_t max)
{
    const json_value_t *v = json_object_get(obj, name);
    if (!v || v->type != JSON_STRING || !v->u.str.len || (max && v->u.str.len > max) ||
        strlen(v->u.str.ptr) != v->u.str.len)
        return NULL;
    return v->u.str.ptr;
}

/* A string member holding a decimal that fits 64 bits, into *out. */
static bool plain_decimal(const json_value_t *obj, const char *name, uint64_t *out)
{
    const char *text = plain_string(obj, name, 20);
    char *end = NULL;
    errno = 0;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (!text || text[0] < '0' || text[0] > '9' || *end || errno) return false;
    *out = v;
    return true;
}

/* Change i of a peer's list, every member checked: T the change's time
 * (decimal), O its origin region (as versions store it: at most 64 bytes),
 * K its key, I (absent: a delete) the new image. */
static ddb_error_t *change_read(arena_t *a, const json_value_t *c, size_t i, remote_change_t *rc)
{
    if (c->type != JSON_OBJECT) return err_replication_member(a, "Changes", i, NULL);
    uint64_t t;
    if (!plain_decimal(c, "T", &t)) return err_replication_member(a, "Changes", i, "T");
    if (!(rc->origin = plain_string(c, "O", 64)))
        return err_replication_member(a, "Changes", i, "O");
    const json_value_t *k = json_object_get(c, "K"), *it = json_object_get(c, "I");
    if (!k || k->type != JSON_OBJECT || value_map_from_json(a, k, &rc->keys))
        return err_replication_member(a, "Changes", i, "K");
    if (it && (it->type != JSON_OBJECT || value_map_from_json(a, it, &rc->item)))
        return err_replication_member(a, "Changes", i, "I");
    rc->ts = t;
    rc->has_item = it != NULL;
    return NULL;
}

/* An image must be an item the table can hold under the change's key: the
 * writer stores it at that key and indexes it without checking again.  (A
 * key that is not this table's, the writer skips.) */
static bool image_fits(arena_t *a, const table_t *t, const remote_change_t *c)
{
    const char *names[2] = {t->keys.hash, t->keys.range};
    value_type_t types[2] = {t->hash_type, t->range_type};
    for (int i = 0; i < 2 && names[i]; i++) {
        const value_t *want = value_map_get(&c->keys, names[i], strlen(names[i]));
        if (!want || want->type != types[i]) return true;
    }
    for (int i = 0; i < 2 && names[i]; i++) {
        const value_t *want = value_map_get(&c->keys, names[i], strlen(names[i])),
                      *got = value_map_get(&c->item, names[i], strlen(names[i]));
        if (!got || !value_equal(want, got)) return false;
        if (want->type != VALUE_N && !want->u.bytes.len) return false; /* no key is empty */
    }
    return value_item_size(&c->item) <= ITEM_MAX_SIZE && !index_check_item(a, t, &c->item);
}

static api_result_t apply_submit(api_call_t *call, apply_write_t *aw, const char *name,
                                 size_t name_len, const char *list, const char *member);

api_result_t op_replication_apply(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    const json_value_t *name = json_object_get(req, "TableName"),
                       *list = json_object_get(req, "Changes");
    if (!name || name->type != JSON_STRING)
        return op_reply_error(call, err_replication_member(a, NULL, 0, "TableName"));
    if (!list || list->type != JSON_ARRAY)
        return op_reply_error(call, err_replication_member(a, NULL, 0, "Changes"));
    apply_write_t *aw = arena_calloc(a, sizeof *aw);
    aw->changes = arena_calloc(a, (list->u.array.count + 1) * sizeof *aw->changes);
    for (size_t i = 0; i < list->u.array.count; i++) {
        ddb_error_t *e = change_read(a, list->u.array.items[i], i, &aw->changes[i]);
        if (e) return op_reply_error(call, e);
    }
    aw->count = list->u.array.count;
    return apply_submit(call, aw, name->u.str.ptr, name->u.str.len, "Changes", "I");
}

/* The changes of aw, read from a call naming table name (list, member: how
 * an error names an image that does not fit), applied in one write. */
static api_result_t apply_submit(api_call_t *call, apply_write_t *aw, const char *name,
                                 size_t name_len, const char *list, const char *member)
{
    arena_t *a = call->arena;
    table_t *t = catalog_acquire(name, name_len);
    if (!t) return op_reply_error(call, err_table_not_found(a, name));
    /* A change whose key is not this table's is skipped by the writer; the
     * others are checked here, so that none of a bad list is applied. */
    for (size_t i = 0; i < aw->count; i++)
        if (aw->changes[i].has_item && !image_fits(a, t, &aw->changes[i])) {
            catalog_release(t);
            return op_reply_error(call, err_replication_member(a, list, i, member));
        }
    aw->call = call;
    aw->table = t;
    aw->w.apply = apply_changes;
    aw->w.done = apply_done;
    storage_submit(&aw->w);
    return API_PENDING;
}

/* How many records a shipment of ApplyRecords holds (each: its sequence
 * number and length as varints, then the record as the change log stores
 * it); 0 with *bad the first that is cut short. */
static size_t records_count(const uint8_t *p, const uint8_t *end, size_t *bad)
{
    size_t n = 0;
    for (; p < end; n++) {
        uint64_t seq, len;
        if (!varint_get(&p, end, &seq) || !varint_get(&p, end, &len) || len > (uint64_t)(end - p)) {
            *bad = n;
            return 0;
        }
        p += len;
    }
    return n;
}

/* Record i of a shipment as a remote change of origin: a record of this
 * server's change log format with a key (a removal has no new image). */
static bool record_read(arena_t *a, const uint8_t **p, const uint8_t *end, const char *origin,
                        remote_change_t *c)
{
    uint64_t seq, len;
    change_record_t r;
    varint_get(p, end, &seq); /* (records_count checked both) */
    varint_get(p, end, &len);
    const uint8_t *record = *p;
    *p += len;
    /* The bytes come from outside: what they hold must be what a request's
     * JSON could have held. */
    if (!changelog_record_decode(a, seq, record, (size_t)len, &r) || !r.keys->u.map.count ||
        !value_item_valid(a, r.keys) || (r.new_image && !value_item_valid(a, r.new_image)))
        return false;
    c->origin = origin;
    c->ts = seq;
    c->keys = *r.keys;
    c->has_item = r.new_image != NULL;
    if (c->has_item) c->item = *r.new_image;
    return true;
}

/* A string of the body of ApplyRecords (varint length, bytes) of 1 to max
 * bytes of UTF-8 without a NUL (it is compared as a C string, and may be
 * named in an answer), copied into a. */
static const char *body_string(arena_t *a, const uint8_t **p, const uint8_t *end, size_t max)
{
    uint64_t len;
    if (!varint_get(p, end, &len) || !len || len > max || len > (uint64_t)(end - *p) ||
        memchr(*p, 0, (size_t)len) || !json_utf8_valid((const char *)*p, (size_t)len))
        return NULL;
    const char *s = arena_strndup(a, (const char *)*p, (size_t)len);
    *p += len;
    return s;
}

/* ApplyChanges with the changes as the source's change log stores them,
 * in a body of bytes (Content-Type application/octet-stream): the table
 * name, the origin region (each a varint length and the bytes), then the
 * records (records_count).  A peer that does not know it is sent
 * ApplyChanges instead. */
api_result_t op_replication_apply_records(api_call_t *call, const json_value_t *req)
{
    (void)req; /* (an empty object: the body is bytes) */
    arena_t *a = call->arena;
    const uint8_t *p = (const uint8_t *)call->body, *end = p + call->body_len;
    const char *table = body_string(a, &p, end, 1024);
    if (!table) return op_reply_error(call, err_replication_member(a, NULL, 0, "TableName"));
    const char *origin = body_string(a, &p, end, 64);
    if (!origin) return op_reply_error(call, err_replication_member(a, NULL, 0, "Origin"));
    size_t bad = 0, count = records_count(p, end, &bad);
    if (!count && p < end)
        return op_reply_error(call, err_replication_member(a, "Records", bad, NULL));
    apply_write_t *aw = arena_calloc(a, sizeof *aw);
    aw->changes = arena_calloc(a, (count + 1) * sizeof *aw->changes);
    for (size_t i = 0; i < count; i++)
        if (!record_read(a, &p, end, origin, &aw->changes[i]))
            return op_reply_error(call, err_replication_member(a, "Records", i, NULL));
    aw->count = count;
    return apply_submit(call, aw, table, strlen(table), "Records", NULL);
}

api_result_t op_replication_set_group(api_call_t *call, const json_value_t *req)
{
    arena_t *a = call->arena;
    const json_value_t *name = json_object_get(req, "TableName"),
                       *list = json_object_get(req, "Members");
    if (!name || name->type != JSON_STRING)
        return op_reply_error(call, err_replication_member(a, NULL, 0, "TableName"));
    if (!list || list->type != JSON_ARRAY)
        return op_reply_error(call, err_replication_member(a, NULL, 0, "Members"));
    size_t n = list->u.array.count;
    const char **regions = arena_calloc(a, (n + 1) * sizeof *regions);
    const char **statuses = arena_calloc(a, (n + 1) * sizeof *statuses);
    const char **sources = arena_calloc(a, (n + 1) * sizeof *sources);
    int64_t *source_ms = arena_calloc(a, (n + 1) * sizeof *source_ms);
    const char **overrides = arena_calloc(a, (n + 1) * sizeof *overrides);
    for (size_t i = 0; i < n; i++) {
        const json_value_t *m = list->u.array.items[i];
        if (m->type != JSON_OBJECT)
            return op_reply_error(call, err_replication_member(a, "Members", i, NULL));
        if (!(regions[i] = plain_string(m, "RegionName", 0)))
            return op_reply_error(call, err_replication_member(a, "Members", i, "RegionName"));
        if (!(statuses[i] = plain_string(m, "ReplicaStatus", 0)))
            return op_reply_error(call, err_replication_member(a, "Members", i, "ReplicaStatus"));
        const json_value_t *ov = json_object_get(m, "Overrides");
        if (ov && ov->type != JSON_OBJECT)
            return op_reply_error(call, err_replication_member(a, "Members", i, "Overrides"));
        if (ov) {
            buf_t b;
            buf_init(&b);
            json_write_value(&b, ov);
            overrides[i] = arena_strndup(a, b.data, b.len);
            buf_free(&b);
        }
        if (!json_object_get(m, "Source") && !json_object_get(m, "SourceAt")) continue;
        uint64_t at; /* who made this replica, and when (both or neither) */
        if (!(sources[i] = plain_string(m, "Source", 64)))
            return op_reply_error(call, err_replication_member(a, "Members", i, "Source"));
        if (!plain_decimal(m, "SourceAt", &at) || at > INT64_MAX)
            return op_reply_error(call, err_replication_member(a, "Members", i, "SourceAt"));
        source_ms[i] = (int64_t)at;
    }
    table_t *t = catalog_acquire(name->u.str.ptr, name->u.str.len);
    if (!t) return op_reply_error(call, err_table_not_found(a, name->u.str.ptr));
    int rc = replication_group_set(t, regions, statuses, sources, source_ms, overrides, n);
    catalog_release(t);
    if (rc)
        return op_reply_error(call, rc == REPLICATION_NO_ROOM
                                        ? err_replica_groups_limit(a, REPLICATION_GROUPS_MAX)
                                        : err_internal(a));
    buf_append_str(call->out, "{}");
    return op_reply_ok(call);
}
