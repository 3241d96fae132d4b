/* replica_sync: a replica brought in line with the group's settings and
 * its overrides; see replica_sync.h. */
#include "replica_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "catalog.h"
#include "json.h"
#include "log.h"
#include "replication.h"
#include "tabledef.h"

#define SYNC_ROUNDS 600     /* changes sent and looks taken, at most */
#define SYNC_WAIT_US 200000 /* between looks at a busy replica */
#define SYNC_CALL_TIMEOUT_S 10
#define SYNC_DEADLINE_S 600

/* A table's or index's figures: read/write capacity (PROVISIONED) and
 * on-demand maxima (0: none). */
typedef struct {
    int64_t rcu, wcu, max_read, max_write;
} figures_t;

static int64_t number(const json_value_t *o, const char *name)
{
    const json_value_t *v = o && o->type == JSON_OBJECT ? json_object_get(o, name) : NULL;
    if (!v || v->type != JSON_NUMBER) return 0;
    long long x = strtoll(v->u.str.ptr, NULL, 10);
    return x > 0 ? x : 0; /* -1: no maximum */
}

/* The figures a DescribeTable shows for a table or index description. */
static figures_t described(const json_value_t *d)
{
    const json_value_t *pt = json_object_get(d, "ProvisionedThroughput"),
                       *od = json_object_get(d, "OnDemandThroughput");
    figures_t f = {number(pt, "ReadCapacityUnits"), number(pt, "WriteCapacityUnits"),
                   number(od, "MaxReadRequestUnits"), number(od, "MaxWriteRequestUnits")};
    return f;
}

/* An override's read figures in place of the group's. */
static void overridden(figures_t *f, const json_value_t *o)
{
    if (!o || o->type != JSON_OBJECT) return;
    int64_t rcu = number(json_object_get(o, "ProvisionedThroughputOverride"), "ReadCapacityUnits");
    int64_t max = number(json_object_get(o, "OnDemandThroughputOverride"), "MaxReadRequestUnits");
    if (rcu) f->rcu = rcu;
    if (max) f->max_read = max;
}

/* The element of list (a JSON array of objects) whose IndexName is name,
 * or NULL. */
static const json_value_t *named_index(const json_value_t *list, const char *name)
{
    for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->u.array.count; i++) {
        const json_value_t *n = json_object_get(list->u.array.items[i], "IndexName");
        if (n && n->type == JSON_STRING && strcmp(n->u.str.ptr, name) == 0)
            return list->u.array.items[i];
    }
    return NULL;
}

/* The override of index name in the replica's overrides, or NULL. */
static const json_value_t *index_override(const json_value_t *overrides, const char *name)
{
    return overrides && overrides->type == JSON_OBJECT
               ? named_index(json_object_get(overrides, "GlobalSecondaryIndexes"), name)
               : NULL;
}

static const json_value_t *described_index(const json_value_t *table, const char *name)
{
    return named_index(json_object_get(table, "GlobalSecondaryIndexes"), name);
}

/* A creation takes no -1 ("no maximum"): it leaves such a member out. */
static void render_figures(buf_t *b, const figures_t *f, bool on_demand, bool create)
{
    if (!on_demand) {
        buf_printf(b,
                   "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                   "\"WriteCapacityUnits\":%lld}",
                   (long long)f->rcu, (long long)f->wcu);
        return;
    }
    buf_append_str(b, "\"OnDemandThroughput\":{");
    if (f->max_read || !create)
        buf_printf(b, "\"MaxReadRequestUnits\":%lld", f->max_read ? (long long)f->max_read : -1LL);
    if ((f->max_read || !create) && (f->max_write || !create)) buf_putc(b, ',');
    if (f->max_write || !create)
        buf_printf(b, "\"MaxWriteRequestUnits\":%lld",
                   f->max_write ? (long long)f->max_write : -1LL);
    buf_putc(b, '}');
}

static bool figures_differ(const figures_t *want, const figures_t *got, bool on_demand)
{
    return on_demand ? want->max_read != got->max_read || want->max_write != got->max_write
                     : want->rcu != got->rcu || want->wcu != got->wcu;
}

/* The one change (an UpdateTable or UpdateTimeToLive request, in *op and
 * req) that brings the replica (its description d, TTL description ttl)
 * closer to t with overrides; false when nothing differs. */
static bool next_change(const table_t *t, const json_value_t *overrides, const json_value_t *d,
                        const json_value_t *ttl, const char **op, buf_t *req)
{
    buf_putc(req, '{');
    json_write_member(req, "TableName", t->name);
    *op = "UpdateTable";
    /* indexes the group dropped */
    const json_value_t *list = json_object_get(d, "GlobalSecondaryIndexes");
    for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->u.array.count; i++) {
        const json_value_t *n = json_object_get(list->u.array.items[i], "IndexName");
        if (!n || n->type != JSON_STRING) continue;
        const index_def_t *ix = tabledef_index_find(t, n->u.str.ptr, n->u.str.len);
        if (ix && ix->global && ix->status != INDEX_DELETING) continue;
        buf_append_str(req, ",\"GlobalSecondaryIndexUpdates\":[{\"Delete\":{");
        json_write_member(req, "IndexName", n->u.str.ptr);
        buf_append_str(req, "}}]}");
        return true;
    }
    /* indexes the group added, with the replica's figures */
    for (size_t i = 0; i < t->index_count; i++) {
        const index_def_t *ix = &t->indexes[i];
        if (!ix->global || ix->status == INDEX_DELETING || described_index(d, ix->name)) continue;
        figures_t f = {ix->rcu, ix->wcu, ix->max_read, ix->max_write};
        overridden(&f, index_override(overrides, ix->name));
        buf_putc(req, ',');
        tabledef_render_attributes(req, t);
        buf_append_str(req, ",\"GlobalSecondaryIndexUpdates\":[{\"Create\":{");
        json_write_member(req, "IndexName", ix->name);
        buf_putc(req, ',');
        tabledef_render_index_key_schema(req, ix);
        buf_putc(req, ',');
        tabledef_render_projection(req, ix);
        if (!t->pay_per_request || f.max_read || f.max_write) {
            buf_putc(req, ',');
            render_figures(req, &f, t->pay_per_request, true);
        }
        buf_append_str(req, "}}]}");
        return true;
    }
    /* billing mode, then the table's figures */
    const json_value_t *bms = json_object_get(d, "BillingModeSummary"),
                       *bm = bms ? json_object_get(bms, "BillingMode") : NULL;
    bool replica_on_demand =
        bm && bm->type == JSON_STRING && strcmp(bm->u.str.ptr, "PAY_PER_REQUEST") == 0;
    figures_t want = {t->rcu, t->wcu, t->max_read, t->max_write}, got = described(d);
    overridden(&want, overrides);
    if (replica_on_demand != t->pay_per_request) {
        buf_putc(req, ',');
        json_write_member(req, "BillingMode",
                          t->pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED");
        if (!t->pay_per_request) {
            buf_putc(req, ',');
            render_figures(req, &want, false, false);
        }
        buf_putc(req, '}');
        return true;
    }
    if (figures_differ(&want, &got, t->pay_per_request)) {
        buf_putc(req, ',');
        render_figures(req, &want, t->pay_per_request, false);
        buf_putc(req, '}');
        return true;
    }
    /* each index's figures */
    for (size_t i = 0; i < t->index_count; i++) {
        const index_def_t *ix = &t->indexes[i];
        if (!ix->global || ix->status == INDEX_DELETING) continue;
        figures_t w = {ix->rcu, ix->wcu, ix->max_read, ix->max_write};
        overridden(&w, index_override(overrides, ix->name));
        figures_t g = described(described_index(d, ix->name));
        if (!figures_differ(&w, &g, t->pay_per_request)) continue;
        buf_append_str(req, ",\"GlobalSecondaryIndexUpdates\":[{\"Update\":{");
        json_write_member(req, "IndexName", ix->name);
        buf_putc(req, ',');
        render_figures(req, &w, t->pay_per_request, false);
        buf_append_str(req, "}}]}");
        return true;
    }
    /* the stream (a replica's is never disabled) */
    if (t->stream_enabled && !json_object_get(d, "LatestStreamArn")) {
        buf_append_str(req, ",\"StreamSpecification\":{\"StreamEnabled\":true,");
        json_write_member(req, "StreamViewType", t->stream_view_type);
        buf_append_str(req, "}}");
        return true;
    }
    /* TTL */
    const json_value_t *st = json_object_get(ttl, "TimeToLiveStatus"),
                       *attr = json_object_get(ttl, "AttributeName");
    bool on = st && st->type == JSON_STRING &&
              (strcmp(st->u.str.ptr, "ENABLED") == 0 || strcmp(st->u.str.ptr, "ENABLING") == 0);
    const char *name = attr && attr->type == JSON_STRING ? attr->u.str.ptr : NULL;
    if (t->ttl_attribute && (!on || !name || strcmp(name, t->ttl_attribute) != 0)) {
        if (on && name) { /* another attribute: off first */
            buf_append_str(req, ",\"TimeToLiveSpecification\":{\"Enabled\":false,");
            json_write_member(req, "AttributeName", name);
        } else {
            buf_append_str(req, ",\"TimeToLiveSpecification\":{\"Enabled\":true,");
            json_write_member(req, "AttributeName", t->ttl_attribute);
        }
        buf_append_str(req, "}}");
        *op = "UpdateTimeToLive";
        return true;
    }
    if (!t->ttl_attribute && on && name) {
        buf_append_str(req, ",\"TimeToLiveSpecification\":{\"Enabled\":false,");
        json_write_member(req, "AttributeName", name);
        buf_append_str(req, "}}");
        *op = "UpdateTimeToLive";
        return true;
    }
    return false;
}

/* Whether the replica's table or one of its indexes is busy. */
static bool busy(const json_value_t *d)
{
    const json_value_t *s = json_object_get(d, "TableStatus");
    if (!s || s->type != JSON_STRING || strcmp(s->u.str.ptr, "ACTIVE") != 0) return true;
    const json_value_t *list = json_object_get(d, "GlobalSecondaryIndexes");
    for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->u.array.count; i++) {
        const json_value_t *is = json_object_get(list->u.array.items[i], "IndexStatus");
        if (!is || is->type != JSON_STRING || strcmp(is->u.str.ptr, "ACTIVE") != 0) return true;
    }
    return false;
}

/* A call to the peer, retried while it cannot be reached (bounded by the
 * deadline); the answer parsed into *out (NULL: none, or not JSON). */
static int call(const region_peer_t *p, const char *target, const buf_t *body, time_t deadline,
                const volatile bool *stop, arena_t *a, json_value_t **out)
{
    buf_t resp;
    buf_init(&resp);
    int status = 0;
    *out = NULL;
    while (regions_call(p, target, body->data, body->len, SYNC_CALL_TIMEOUT_S, &status, &resp)) {
        if (time(NULL) > deadline || *stop) {
            buf_free(&resp);
            return -1;
        }
        resp.len = 0;
        usleep(SYNC_WAIT_US);
    }
    if (json_parse(a, resp.data, resp.len, out, NULL) != JSON_OK) *out = NULL;
    buf_free(&resp);
    return status;
}

static bool in_use(const json_value_t *answer)
{
    const json_value_t *type = answer ? json_object_get(answer, "__type") : NULL;
    return type && type->type == JSON_STRING && strstr(type->u.str.ptr, "ResourceInUseException");
}

bool replica_sync_run(const char *table, const region_peer_t *peer, const char *overrides,
                      const volatile bool *stop)
{
    time_t deadline = time(NULL) + SYNC_DEADLINE_S;
    bool done = false, failed = false;
    for (int round = 0; round < SYNC_ROUNDS && !done && !failed && !*stop && time(NULL) <= deadline;
         round++) {
        table_t *t = catalog_acquire(table, strlen(table));
        if (!t) return false;
        arena_t *a = arena_new(0);
        json_value_t *o = NULL, *desc = NULL, *ttl = NULL;
        if (overrides && json_parse(a, overrides, strlen(overrides), &o, NULL) != JSON_OK) o = NULL;
        buf_t body, req;
        buf_init(&body);
        buf_init(&req);
        buf_putc(&body, '{');
        json_write_member(&body, "TableName", table);
        buf_putc(&body, '}');
        int s1 = call(peer, "DynamoDB_20120810.DescribeTable", &body, deadline, stop, a, &desc);
        int s2 = call(peer, "DynamoDB_20120810.DescribeTimeToLive", &body, deadline, stop, a, &ttl);
        const json_value_t *d = desc ? json_object_get(desc, "Table") : NULL,
                           *td = ttl ? json_object_get(ttl, "TimeToLiveDescription") : NULL;
        const char *op = NULL;
        bool wait = false;
        if (s1 != 200 || s2 != 200 || !d || !td)
            failed = true;
        else if (busy(d))
            wait = true;
        else if (!next_change(t, o, d, td, &op, &req))
            done = true;
        if (op && !done && !failed && !wait) {
            body.len = 0;
            buf_putc(&body, '{');
            json_write_member(&body, "Operation", op);
            buf_append_str(&body, ",\"Request\":");
            buf_append(&body, req.data, req.len);
            buf_putc(&body, '}');
            json_value_t *answer;
            int status =
                call(peer, REPLICATION_TARGET_PREFIX "Settings", &body, deadline, stop, a, &answer);
            if (status != 200 && in_use(answer))
                wait = true; /* its TTL or table is still changing: again */
            else if (status != 200) {
                log_warn("replication: %s in %s: %s answered %d: %.*s", table, peer->name, op,
                         status, (int)(req.len > 300 ? 300 : req.len), req.data);
                failed = true;
            }
        }
        if (failed && (s1 != 200 || s2 != 200))
            log_warn("replication: %s in %s cannot be described (%d, %d)", table, peer->name, s1,
                     s2);
        buf_free(&body);
        buf_free(&req);
        arena_free(a);
        catalog_release(t);
        if (wait) usleep(SYNC_WAIT_US);
    }
    return done;
}
