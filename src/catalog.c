/* catalog: the registry of live tables, their versions, persistence, DBIs,
 * counts and descriptions; see catalog.h.  Definitions themselves are
 * tabledef.c's. */
#include "catalog.h"
#include "arn.h"
#include "clock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "storage.h"
#include "tabledef.h"

int catalog_table_store(MDB_txn *txn, const table_t *t)
{
    buf_t def;
    buf_init(&def);
    tabledef_render(&def, t);
    MDB_val key = {strlen(t->name), (void *)t->name}, val = {def.len, def.data};
    int rc = mdb_put(txn, storage_catalog_dbi(), &key, &val, 0);
    buf_free(&def);
    return rc;
}

void catalog_table_adopt(table_t *copy, const table_t *from)
{
    /* the table-level settings of the newest version: changes made to it
     * after copy was built are not lost */
    copy->pay_per_request = from->pay_per_request;
    copy->rcu = from->rcu;
    copy->wcu = from->wcu;
    copy->max_read = from->max_read;
    copy->max_write = from->max_write;
    copy->billing_updated = from->billing_updated;
    memcpy(copy->on_demand_switches, from->on_demand_switches, sizeof copy->on_demand_switches);
    copy->last_increase = from->last_increase;
    copy->last_decrease = from->last_decrease;
    copy->stream_enabled = from->stream_enabled;
    copy->stream_view_type = arena_strdup(copy->arena, from->stream_view_type);
    copy->stream_id = from->stream_id;
    copy->stream_label = arena_strdup(copy->arena, from->stream_label);
    copy->deletion_protection = from->deletion_protection;
    copy->table_class = arena_strdup(copy->arena, from->table_class);
    copy->dbi = from->dbi;
    copy->collections_dbi = from->collections_dbi;
    /* The TTL setting changes in place (UpdateTimeToLive): a definition
     * prepared before the latest change must not undo it. */
    copy->ttl_attribute = from->ttl_attribute ? arena_strndup(copy->arena, from->ttl_attribute,
                                                              strlen(from->ttl_attribute))
                                              : NULL;
    copy->ttl_changed = from->ttl_changed;
    copy->ttl_filled = from->ttl_filled;
    copy->ttl_dbi = from->ttl_dbi;
    /* so does point-in-time recovery (UpdateContinuousBackups) */
    copy->pitr_enabled = from->pitr_enabled;
    copy->pitr_days = from->pitr_days;
    copy->pitr_since_ms = from->pitr_since_ms;
    copy->pitr_log = from->pitr_log;
    /* and so do Contributor Insights settings; those of an index copy does
     * not have go with it */
    copy->insights = arena_calloc(copy->arena, (from->insights_count + 1) * sizeof *copy->insights);
    copy->insights_count = 0;
    for (size_t i = 0; i < from->insights_count; i++) {
        const insights_setting_t *s = &from->insights[i];
        if (s->index && !tabledef_index_find(copy, s->index, strlen(s->index))) continue;
        copy->insights[copy->insights_count] = *s;
        copy->insights[copy->insights_count++].index = arena_strdup(copy->arena, s->index);
    }
    /* tags and policies change in place too */
    copy->tags = tags_merge(copy->arena, atomic_load(&from->tags), NULL, 0, NULL, 0);
    copy->policies = catalog_policies_copy(copy->arena, atomic_load(&from->policies));
    for (size_t i = 0; i < copy->index_count; i++) {
        const index_def_t *same =
            tabledef_index_find(from, copy->indexes[i].name, strlen(copy->indexes[i].name));
        if (same) {
            copy->indexes[i].dbi = same->dbi;
            copy->indexes[i].status = same->status;
        } else {
            copy->indexes[i].status = INDEX_CREATING;
        }
    }
    copy->decreases_today = from->decreases_today;
}

table_policies_t *catalog_policies_copy(arena_t *a, const table_policies_t *p)
{
    table_policies_t *c = arena_calloc(a, sizeof *c);
    c->table = arena_strdup(a, p->table);
    c->table_revision = arena_strdup(a, p->table_revision);
    c->stream_label = arena_strdup(a, p->stream_label);
    c->stream = arena_strdup(a, p->stream);
    c->stream_revision = arena_strdup(a, p->stream_revision);
    return c;
}

table_t *catalog_table_clone(const table_t *t)
{
    arena_t *a = arena_new(0);
    buf_t def;
    buf_init(&def);
    tabledef_render(&def, t);
    json_value_t *j;
    table_t *copy = NULL;
    if (json_parse(a, def.data, def.len, &j, NULL) == JSON_OK &&
        tabledef_parse(a, j, true, &copy) == NULL) {
        catalog_table_adopt(copy, t);
    }
    buf_free(&def);
    arena_free(a);
    if (!copy) abort(); /* a definition we wrote always reads back */
    return copy;
}

int catalog_table_open_dbis(MDB_txn *txn, table_t *t)
{
    int rc = mdb_dbi_open(txn, t->dbi_name, MDB_CREATE, &t->dbi);
    if (!rc && t->has_collections)
        rc = mdb_dbi_open(txn, t->collections_dbi_name, MDB_CREATE, &t->collections_dbi);
    if (!rc && t->ttl_attribute) rc = mdb_dbi_open(txn, t->ttl_dbi_name, MDB_CREATE, &t->ttl_dbi);
    for (size_t i = 0; !rc && i < t->index_count; i++)
        rc = mdb_dbi_open(txn, t->indexes[i].dbi_name, MDB_CREATE, &t->indexes[i].dbi);
    return rc;
}

int catalog_table_drop_dbis(MDB_txn *txn, table_t *t)
{
    int rc = mdb_drop(txn, t->dbi, 1);
    if (!rc && t->has_collections) rc = mdb_drop(txn, t->collections_dbi, 1);
    if (!rc && t->ttl_attribute) rc = mdb_drop(txn, t->ttl_dbi, 1);
    for (size_t i = 0; !rc && i < t->index_count; i++)
        rc = mdb_drop(txn, t->indexes[i].dbi, 1);
    return rc;
}

bool catalog_index_multi_attribute(const index_def_t *ix)
{
    return ix->hash_count > 1 || ix->range_count > 1;
}

void catalog_stream_arn(buf_t *b, const char *table, const char *label)
{
    buf_printf(b, "arn:aws:dynamodb:%s:%s:table/%s/stream/%s", arn_region(), CATALOG_ACCOUNT,
               table, label);
}

void catalog_table_arn(const table_t *t, buf_t *b)
{
    buf_printf(b, "arn:aws:dynamodb:%s:%s:table/%s", arn_region(), CATALOG_ACCOUNT, t->name);
}

int catalog_decreases_today(double last_decrease, int count, double now)
{
    if ((int64_t)(last_decrease / 86400) != (int64_t)(now / 86400)) return 0;
    return count;
}

int catalog_table_decreases_today(const table_t *t, double now)
{
    return catalog_decreases_today(t->last_decrease, t->decreases_today, now);
}

/* A table's or GSI's ProvisionedThroughput: its units and the times and
 * count of their changes. */
static void render_throughput(buf_t *b, double last_increase, double last_decrease,
                              int decreases, int64_t rcu, int64_t wcu)
{
    buf_append_str(b, "\"ProvisionedThroughput\":{");
    if (last_increase) buf_printf(b, "\"LastIncreaseDateTime\":%.3f,", last_increase);
    if (last_decrease) buf_printf(b, "\"LastDecreaseDateTime\":%.3f,", last_decrease);
    buf_printf(b,
               "\"NumberOfDecreasesToday\":%d,\"ReadCapacityUnits\":%lld,"
               "\"WriteCapacityUnits\":%lld}",
               catalog_decreases_today(last_decrease, decreases, clock_now_seconds()),
               (long long)rcu, (long long)wcu);
}

/* ",\"BillingModeSummary\":{...}" once the table is or was on demand. */
static void render_billing_summary(buf_t *b, const table_t *t)
{
    if (!t->pay_per_request && !t->billing_updated) return;
    buf_printf(b, ",\"BillingModeSummary\":{\"BillingMode\":\"%s\"",
               t->pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED");
    buf_printf(b, ",\"LastUpdateToPayPerRequestDateTime\":%.3f}",
               t->billing_updated ? t->billing_updated : t->created);
}

/* The stream, SSE, table class and deletion protection members. */
static void render_settings(buf_t *b, const table_t *t)
{
    if (t->stream_enabled) {
        buf_append_str(b, ",\"StreamSpecification\":{\"StreamEnabled\":true,");
        json_write_member(b, "StreamViewType", t->stream_view_type);
        buf_putc(b, '}');
    }
    if (t->stream_label) {
        buf_append_str(b, ",\"LatestStreamLabel\":");
        json_write_string(b, t->stream_label, strlen(t->stream_label));
        buf_append_str(b, ",\"LatestStreamArn\":\"");
        catalog_stream_arn(b, t->name, t->stream_label);
        buf_putc(b, '"');
    }
    if (t->sse_enabled) {
        buf_append_str(b, ",\"SSEDescription\":{\"Status\":\"ENABLED\",");
        json_write_member(b, "SSEType", t->sse_type);
        if (strcmp(t->sse_type, "KMS") == 0) {
            buf_printf(b, ",\"KMSMasterKeyArn\":\"arn:aws:kms:%s:%s:key/%s\"", arn_region(),
                       CATALOG_ACCOUNT, t->kms_key ? t->kms_key : t->id);
        }
        buf_putc(b, '}');
    }
    if (t->table_class) {
        buf_append_str(b, ",\"TableClassSummary\":{");
        json_write_member(b, "TableClass", t->table_class);
        buf_putc(b, '}');
    }
    buf_printf(b, ",\"DeletionProtectionEnabled\":%s", t->deletion_protection ? "true" : "false");
    if (t->max_read || t->max_write) /* -1: no maximum */
        buf_printf(b, ",\"OnDemandThroughput\":{\"MaxReadRequestUnits\":%lld,"
                      "\"MaxWriteRequestUnits\":%lld}",
                   t->max_read ? (long long)t->max_read : -1LL,
                   t->max_write ? (long long)t->max_write : -1LL);
}

int catalog_table_read_stats(MDB_txn *txn, arena_t *a, const table_t *t, catalog_stats_t *out)
{
    out->indexes = arena_calloc(a, (t->index_count + 1) * sizeof *out->indexes);
    int rc = stats_get(txn, t->dbi_name, &out->table);
    for (size_t i = 0; !rc && i < t->index_count; i++)
        rc = stats_get(txn, t->indexes[i].dbi_name, &out->indexes[i]);
    return rc;
}

int catalog_table_forget_stats(MDB_txn *txn, const table_t *t)
{
    int rc = stats_remove(txn, t->dbi_name);
    for (size_t i = 0; !rc && i < t->index_count; i++)
        rc = stats_remove(txn, t->indexes[i].dbi_name);
    return rc;
}

/* TableSizeBytes, ItemCount, TableArn and TableId, after a comma. */
static void render_identity(buf_t *b, const table_t *t, const catalog_stats_t *stats)
{
    stats_t none = {0, 0};
    const stats_t *s = stats ? &stats->table : &none;
    buf_printf(b, ",\"TableSizeBytes\":%llu,\"ItemCount\":%llu,\"TableArn\":\"",
               (unsigned long long)s->bytes, (unsigned long long)s->items);
    catalog_table_arn(t, b);
    buf_append_str(b, "\",");
    json_write_member(b, "TableId", t->id);
}

void (*catalog_description_extra)(buf_t *b, const table_t *t);

void catalog_table_render_description(buf_t *b, const table_t *t, const char *status,
                                      const catalog_stats_t *stats)
{
    buf_putc(b, '{');
    tabledef_render_attributes(b, t);
    buf_putc(b, ',');
    json_write_member(b, "TableName", t->name);
    buf_putc(b, ',');
    tabledef_render_key_schema(b, &t->keys);
    buf_putc(b, ',');
    json_write_member(b, "TableStatus", status);
    buf_printf(b, ",\"CreationDateTime\":%.3f,", t->created);
    render_throughput(b, t->last_increase, t->last_decrease, t->decreases_today,
                      t->pay_per_request ? 0 : t->rcu, t->pay_per_request ? 0 : t->wcu);
    render_identity(b, t, stats);
    render_billing_summary(b, t);
    for (int global = 0; global < 2; global++) {
        bool any = false;
        for (size_t i = 0; i < t->index_count; i++) {
            const index_def_t *ix = &t->indexes[i];
            if (ix->global != global) continue;
            buf_append_str(b, any      ? ",{"
                              : global ? ",\"GlobalSecondaryIndexes\":[{"
                                       : ",\"LocalSecondaryIndexes\":[{");
            any = true;
            json_write_member(b, "IndexName", ix->name);
            buf_putc(b, ',');
            tabledef_render_index_key_schema(b, ix);
            buf_putc(b, ',');
            tabledef_render_projection(b, ix);
            if (global) {
                static const char *const statuses[] = {"ACTIVE", "CREATING", "DELETING"};
                buf_printf(b, ",\"IndexStatus\":\"%s\",", statuses[ix->status]);
                if (ix->status == INDEX_CREATING) buf_append_str(b, "\"Backfilling\":true,");
                render_throughput(b, ix->last_increase, ix->last_decrease, ix->decreases_today,
                                  t->pay_per_request ? 0 : ix->rcu,
                                  t->pay_per_request ? 0 : ix->wcu);
                if (ix->max_read || ix->max_write) /* -1: no maximum */
                    buf_printf(b, ",\"OnDemandThroughput\":{\"MaxReadRequestUnits\":%lld,"
                                  "\"MaxWriteRequestUnits\":%lld}",
                               ix->max_read ? (long long)ix->max_read : -1LL,
                               ix->max_write ? (long long)ix->max_write : -1LL);
            }
            const stats_t *is = stats && stats->indexes ? &stats->indexes[i] : NULL;
            buf_printf(b, ",\"IndexSizeBytes\":%llu,\"ItemCount\":%llu,\"IndexArn\":\"",
                       is ? (unsigned long long)is->bytes : 0ULL,
                       is ? (unsigned long long)is->items : 0ULL);
            catalog_table_arn(t, b);
            buf_append_str(b, "/index/");
            buf_append_str(b, ix->name);
            buf_append_str(b, "\"}");
        }
        if (any) buf_putc(b, ']');
    }
    render_settings(b, t);
    if (t->restoring && !catalog_table_importing(t)) {
        buf_append_str(b, ",\"RestoreSummary\":{");
        if (!t->restore_log) { /* a point-in-time restore's base is internal */
            json_write_member(b, "SourceBackupArn", t->restore_backup_arn);
            buf_putc(b, ',');
        }
        json_write_member(b, "SourceTableArn", t->restore_source_arn);
        buf_printf(b, ",\"RestoreDateTime\":%.3f,\"RestoreInProgress\":true}", t->restore_time);
    }
    if (catalog_description_extra) catalog_description_extra(b, t);
    buf_putc(b, '}');
}

void catalog_table_render_backup_source(buf_t *b, const table_t *t, const stats_t *s)
{
    buf_append_str(b, "\"SourceTableDetails\":{");
    json_write_member(b, "TableName", t->name);
    buf_putc(b, ',');
    json_write_member(b, "TableId", t->id);
    buf_append_str(b, ",\"TableArn\":\"");
    catalog_table_arn(t, b);
    buf_printf(b, "\",\"TableSizeBytes\":%llu,", (unsigned long long)s->bytes);
    tabledef_render_key_schema(b, &t->keys);
    buf_printf(b, ",\"TableCreationDateTime\":%.3f,", t->created);
    buf_printf(
        b, "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,\"WriteCapacityUnits\":%lld}",
        (long long)(t->pay_per_request ? 0 : t->rcu), (long long)(t->pay_per_request ? 0 : t->wcu));
    buf_printf(b, ",\"ItemCount\":%llu,", (unsigned long long)s->items);
    json_write_member(b, "BillingMode", t->pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED");
    buf_append_str(b, "},\"SourceTableFeatureDetails\":{");
    bool first = true;
    for (int global = 0; global < 2; global++) {
        bool any = false;
        for (size_t i = 0; i < t->index_count; i++) {
            const index_def_t *ix = &t->indexes[i];
            if (ix->global != global) continue;
            if (!any) buf_append_str(b, first ? "" : ",");
            buf_append_str(b, any      ? ",{"
                              : global ? "\"GlobalSecondaryIndexes\":[{"
                                       : "\"LocalSecondaryIndexes\":[{");
            any = true;
            first = false;
            json_write_member(b, "IndexName", ix->name);
            buf_putc(b, ',');
            tabledef_render_index_key_schema(b, ix);
            buf_putc(b, ',');
            tabledef_render_projection(b, ix);
            if (global)
                buf_printf(b,
                           ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                           "\"WriteCapacityUnits\":%lld}",
                           (long long)(t->pay_per_request ? 0 : ix->rcu),
                           (long long)(t->pay_per_request ? 0 : ix->wcu));
            buf_putc(b, '}');
        }
        if (any) buf_putc(b, ']');
    }
    if (t->stream_enabled) {
        buf_append_str(b, first ? "" : ",");
        buf_append_str(b, "\"StreamDescription\":{\"StreamEnabled\":true,");
        json_write_member(b, "StreamViewType", t->stream_view_type);
        buf_putc(b, '}');
        first = false;
    }
    buf_append_str(b, first ? "" : ",");
    buf_append_str(b, "\"TimeToLiveDescription\":{");
    if (t->ttl_attribute) {
        buf_append_str(b, "\"TimeToLiveStatus\":\"ENABLED\",");
        json_write_member(b, "AttributeName", t->ttl_attribute);
    } else {
        buf_append_str(b, "\"TimeToLiveStatus\":\"DISABLED\"");
    }
    buf_putc(b, '}');
    if (t->sse_enabled) {
        buf_append_str(b, ",\"SSEDescription\":{\"Status\":\"ENABLED\",");
        json_write_member(b, "SSEType", t->sse_type);
        buf_putc(b, '}');
    }
    buf_append_str(b, "}");
}

void catalog_table_render_deleting(buf_t *b, const table_t *t, const catalog_stats_t *stats)
{
    buf_putc(b, '{');
    json_write_member(b, "TableName", t->name);
    buf_append_str(b, ",\"TableStatus\":\"DELETING\",");
    render_throughput(b, t->last_increase, t->last_decrease, t->decreases_today,
                      t->pay_per_request ? 0 : t->rcu, t->pay_per_request ? 0 : t->wcu);
    render_identity(b, t, stats);
    render_billing_summary(b, t);
    render_settings(b, t);
    buf_putc(b, '}');
}

/* --- registry ------------------------------------------------------------------------- */

static struct {
    pthread_rwlock_t lock;
    table_t **tables; /* sorted by name */
    size_t count, cap;
} reg = {.lock = PTHREAD_RWLOCK_INITIALIZER};


/* Index of the first table whose name is >= name. */
static size_t find_slot(const char *name, size_t len, bool *found)
{
    size_t lo = 0, hi = reg.count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *m = reg.tables[mid]->name;
        size_t mlen = strlen(m);
        int c = memcmp(m, name, mlen < len ? mlen : len);
        if (c == 0) c = mlen < len ? -1 : mlen > len;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < reg.count && strlen(reg.tables[lo]->name) == len &&
             memcmp(reg.tables[lo]->name, name, len) == 0;
    return lo;
}

table_t *catalog_acquire_any(const char *name, size_t len)
{
    pthread_rwlock_rdlock(&reg.lock);
    bool found;
    size_t i = find_slot(name, len, &found);
    table_t *t = found ? reg.tables[i] : NULL;
    if (t) atomic_fetch_add(&t->refs, 1);
    pthread_rwlock_unlock(&reg.lock);
    return t;
}

table_t *catalog_acquire(const char *name, size_t len)
{
    table_t *t = catalog_acquire_any(name, len);
    if (t && t->restoring) {
        catalog_release(t);
        return NULL;
    }
    return t;
}

void catalog_retain(table_t *t) { atomic_fetch_add(&t->refs, 1); }

void catalog_release(table_t *t)
{
    while (t && atomic_fetch_sub(&t->refs, 1) == 1) {
        table_t *next = t->next_version;
        tabledef_free(t);
        t = next;
    }
}

bool catalog_exists(const char *name)
{
    table_t *t = catalog_acquire_any(name, strlen(name));
    catalog_release(t);
    return t != NULL;
}

void catalog_publish(table_t *t)
{
    atomic_fetch_add(&t->refs, 1); /* the registry's */
    pthread_rwlock_wrlock(&reg.lock);
    bool found;
    size_t i = find_slot(t->name, strlen(t->name), &found);
    if (reg.count == reg.cap) {
        reg.cap = reg.cap ? reg.cap * 2 : 64;
        reg.tables = realloc(reg.tables, reg.cap * sizeof *reg.tables);
        if (!reg.tables) abort();
    }
    memmove(&reg.tables[i + 1], &reg.tables[i], (reg.count - i) * sizeof *reg.tables);
    reg.tables[i] = t;
    reg.count++;
    pthread_rwlock_unlock(&reg.lock);
}

void catalog_unpublish(table_t *t)
{
    pthread_rwlock_wrlock(&reg.lock);
    bool found;
    size_t i = find_slot(t->name, strlen(t->name), &found);
    if (found && reg.tables[i] == t) {
        memmove(&reg.tables[i], &reg.tables[i + 1], (reg.count - i - 1) * sizeof *reg.tables);
        reg.count--;
    }
    pthread_rwlock_unlock(&reg.lock);
    catalog_release(t);
}

size_t catalog_list(arena_t *a, const char *after, size_t limit, const char ***names, bool *more)
{
    pthread_rwlock_rdlock(&reg.lock);
    size_t start = 0;
    if (after) {
        bool found;
        start = find_slot(after, strlen(after), &found);
        if (found) start++;
    }
    size_t n = reg.count - start < limit ? reg.count - start : limit;
    *names = arena_alloc(a, (n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++)
        (*names)[i] =
            arena_strndup(a, reg.tables[start + i]->name, strlen(reg.tables[start + i]->name));
    *more = start + n < reg.count;
    pthread_rwlock_unlock(&reg.lock);
    return n;
}

/* A data directory written before counts were kept: count t and its
 * indexes once, and store the counts. */
static int count_once(MDB_txn *txn, const table_t *t, uint64_t *items_read)
{
    stats_t counted;
    int rc = stats_count(txn, t->dbi, &counted);
    if (!rc) rc = stats_put(txn, t->dbi_name, &counted);
    *items_read += counted.items;
    for (size_t i = 0; !rc && i < t->index_count; i++) {
        rc = stats_count(txn, t->indexes[i].dbi, &counted);
        if (!rc) rc = stats_put(txn, t->indexes[i].dbi_name, &counted);
        *items_read += counted.items;
    }
    return rc;
}

int catalog_load(MDB_txn *txn)
{
    bool uncounted;
    int rc = stats_open(txn, &uncounted);
    if (rc) return rc;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(txn, storage_catalog_dbi(), &c))) return rc;
    MDB_val k, v;
    arena_t *a = arena_new(0);
    size_t indexes = 0;
    uint64_t items_read = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        arena_reset(a);
        json_value_t *def;
        table_t *t;
        if (json_parse(a, v.mv_data, v.mv_size, &def, NULL) != JSON_OK ||
            tabledef_parse(a, def, true, &t) != NULL) {
            log_error("catalog: cannot read the definition of %.*s; skipped", (int)k.mv_size,
                      (const char *)k.mv_data);
            continue;
        }
        if ((rc = catalog_table_open_dbis(txn, t)) ||
            (uncounted && (rc = count_once(txn, t, &items_read)))) {
            catalog_release(t);
            break;
        }
        indexes += t->index_count;
        catalog_publish(t);
        catalog_release(t);
    }
    mdb_cursor_close(c);
    arena_free(a);
    if (uncounted && reg.count)
        log_info("catalog: counted the items of a data directory without stored counts, once");
    /* the items read here: 0 but for that one count */
    log_info("catalog: %zu tables, %zu indexes; items read at start-up: %llu", reg.count, indexes,
             (unsigned long long)items_read);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

void catalog_shutdown(void)
{
    pthread_rwlock_wrlock(&reg.lock);
    for (size_t i = 0; i < reg.count; i++)
        catalog_release(reg.tables[i]);
    free(reg.tables);
    reg.tables = NULL;
    reg.count = reg.cap = 0;
    pthread_rwlock_unlock(&reg.lock);
}

void catalog_replace(table_t *old, table_t *new_version)
{
    pthread_rwlock_wrlock(&reg.lock);
    bool found;
    size_t i = find_slot(old->name, strlen(old->name), &found);
    if (found && reg.tables[i] == old) {
        atomic_fetch_add(&new_version->refs, 1); /* the registry's */
        reg.tables[i] = new_version;
    }
    pthread_rwlock_unlock(&reg.lock);
    atomic_fetch_add(&new_version->refs, 1); /* old->next_version's */
    old->next_version = new_version;
    if (found) catalog_release(old); /* the registry's former reference */
}

table_t *catalog_latest(table_t *t)
{
    while (t->next_version)
        t = t->next_version;
    return t;
}

bool catalog_table_importing(const table_t *t)
{
    /* "arn:...:table/<name>/import/<id>": a name holds no '/' */
    const char *arn = t->restoring ? t->restore_backup_arn : NULL;
    const char *name = arn ? strstr(arn, ":table/") : NULL;
    const char *slash = name ? strchr(name + 7, '/') : NULL;
    return slash && strncmp(slash, "/import/", 8) == 0;
}
