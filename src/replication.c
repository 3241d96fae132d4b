/* replication: global tables between regions; see replication.h. */
#include "replication.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "byteorder.h"
#include "changelog.h"
#include "json.h"
#include "keycodec.h"
#include "log.h"
#include "regions.h"
#include "replica_sync.h"
#include "storage.h"
#include "streams.h"
#include "tabledef.h"

bool replication_on;

#define GROUPS_MAX REPLICATION_GROUPS_MAX
#define SHIP_BATCH 1000
/* Stream records read per batch at most, sent or not (those of changes
 * from other regions are not). */
#define SHIP_SCAN_MAX (4 * SHIP_BATCH)
#define COPY_BATCH 500
/* A call's body ends once it passes this: the peer refuses bodies over the
 * service's 16 MB request limit, and one more change is at most one item
 * (400 KB, under 2.5 MB as JSON even with every character escaped). */
#define BATCH_BYTES (4u << 20)
#define CALL_TIMEOUT_S 10
#define WAIT_MS 100       /* shippers look again at least this often */
/* A shipper that has just sent gathers what follows for up to GATHER_MS
 * (or until GATHER_RECORDS more changes are committed) before it sends
 * again: a busy table's changes go by the hundred per call, while a lone
 * change after a quiet spell goes at once.  The peer applies a call in one
 * transaction, with one fsync on the disk the regions may share: at 10 ms
 * it committed about 100 calls of some 80 changes a second under a
 * PutItem load, at 50 ms some 20 of 400 (a third less CPU and a quarter
 * fewer bytes written per change), for some 25 ms more lag. */
#define GATHER_MS 50
#define GATHER_RECORDS (SHIP_BATCH / 2)
/* A peer's position is stored about once a second, or once this many
 * changes were shipped since; each time an earlier release's log drops at
 * most this many of the records every replica has. */
#define TRIM_BUDGET 2000
#define VERSION_AHEAD_US (10 * 1000000ULL)
#define CAUGHT_MARGIN_US (10 * 1000000ULL)
#define LAG_LOG_EVERY_MS 10000
#define STATUS_MAX REPLICATION_STATUS_MAX
#define POSITION_STORE_MS 1000
#define OVERRIDES_MAX REPLICATION_OVERRIDES_MAX
#define SETTINGS_BUSY_TRIES 600 /* a busy replica is asked again for 2 minutes */
/* A region that made a replica cannot drop its table for a day. */
#define SOURCE_HOLD_MS (24 * 3600 * 1000LL)

typedef struct {
    char region[65];
    char status[STATUS_MAX];       /* ReplicaStatus */
    bool ready;                    /* its table exists: changes may be shipped */
    uint64_t acked;                /* an earlier release's log: the last record the peer has */
    uint64_t spos;                 /* the table's stream: the last record the peer has */
    uint64_t caught_us;            /* it has every record committed before this time
                                    * (shippers; 0: not known since start-up) */
    int64_t sourced_ms;            /* when this region made it (0: another did) */
    char source[65];               /* or: the region that made it, as announced */
    int64_t source_ms;             /* and when */
    int64_t stored_ms;             /* when its position was last stored (shipper) */
    uint64_t stored_shipped;       /* and `shipped` then */
    char overrides[OVERRIDES_MAX]; /* its settings as Create/Update gave them (JSON) */
    /* lag, for the logs and /metrics (shipper only; read under the lock) */
    double lag_s;
    uint64_t lag_records, shipped;
    int64_t lag_logged_ms;
} member_t;

typedef struct {
    bool used;
    char name[256];
    char id[40];
    uint64_t log;         /* an earlier release's log of the changes to ship (0: none) */
    uint64_t last_seq;    /* its last record (0: unknown, none) */
    uint64_t stream;      /* the table's stream, whose versioned records are shipped */
    uint64_t stream_last; /* the last such record (writer thread; 0: none) */
    char source[65];   /* the region that made this region's replica, and when */
    int64_t source_ms;
    member_t m[REGIONS_MAX];
    size_t count;
} group_t;

static struct {
    MDB_dbi groups_dbi, ver_dbi;
    group_t groups[GROUPS_MAX];
    /* One past the highest slot of groups ever used (under lock): the
     * shippers look no further, once per round. */
    size_t groups_top;
    pthread_mutex_t lock;
    bool applying;    /* writer thread: applying a remote change */
    uint64_t last_ts; /* writer thread */
    /* Writer thread: no item version stored is above ver_max, so a local
     * change stamped above it needs not read its item's version.  It starts
     * at the bound kept in the version DBI (ver_bound: committed;
     * ver_bound_next: written by the open transaction, 0: none), which is
     * raised, VERSION_AHEAD_US ahead, only when a version passes it: once
     * in a while, and found at start-up by one read. */
    uint64_t ver_max, ver_bound, ver_bound_next;
    pthread_t shippers[REGIONS_MAX];
    size_t shipper_count;
    pthread_t control;
    bool control_started;
    pthread_mutex_t jobs_lock;
    pthread_cond_t jobs_cond;
    struct job *jobs;
    volatile bool stopping;
    /* shippers asleep wait for the next commit of logged changes */
    uint64_t logged;  /* writer thread: changes the transaction logged */
    uint64_t commits; /* commits with logged changes, and those changes */
    uint64_t records;
    /* who is to be woken: shippers waiting for any commit (idle), and
     * shippers gathering, for the records count the first of them waits
     * for (wake_records); the others' commits wake nobody */
    size_t idle, gathering;
    uint64_t wake_records;
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
} R = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .wake_lock = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER,
       .jobs_lock = PTHREAD_MUTEX_INITIALIZER,
       .jobs_cond = PTHREAD_COND_INITIALIZER};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* --- the registry (R.lock held) --------------------------------------------------- */

static group_t *group_find(const char *name)
{
    for (size_t i = 0; i < GROUPS_MAX; i++)
        if (R.groups[i].used && strcmp(R.groups[i].name, name) == 0) return &R.groups[i];
    return NULL;
}

bool replication_group_room(const char *table)
{
    pthread_mutex_lock(&R.lock);
    bool room = group_find(table) != NULL;
    for (size_t i = 0; !room && i < GROUPS_MAX; i++)
        room = !R.groups[i].used;
    pthread_mutex_unlock(&R.lock);
    return room;
}

static group_t *group_find_id(const char *id)
{
    for (size_t i = 0; i < GROUPS_MAX; i++)
        if (R.groups[i].used && strcmp(R.groups[i].id, id) == 0) return &R.groups[i];
    return NULL;
}

static group_t *group_new(const char *name)
{
    for (size_t i = 0; i < GROUPS_MAX; i++)
        if (!R.groups[i].used) {
            memset(&R.groups[i], 0, sizeof R.groups[i]);
            R.groups[i].used = true;
            snprintf(R.groups[i].name, sizeof R.groups[i].name, "%s", name);
            if (R.groups_top <= i) R.groups_top = i + 1;
            return &R.groups[i];
        }
    return NULL;
}

static member_t *member_find(group_t *g, const char *region)
{
    for (size_t i = 0; i < g->count; i++)
        if (strcmp(g->m[i].region, region) == 0) return &g->m[i];
    return NULL;
}

static void member_remove(group_t *g, member_t *m)
{
    size_t i = (size_t)(m - g->m);
    memmove(&g->m[i], &g->m[i + 1], (g->count - i - 1) * sizeof *m);
    g->count--;
}

/* --- storage ------------------------------------------------------------------ */

static int group_store(MDB_txn *txn, const group_t *g)
{
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '{');
    json_write_member(&b, "TableId", g->id);
    buf_printf(&b, ",\"Log\":\"%llu\",\"Stream\":\"%llu\",", (unsigned long long)g->log,
               (unsigned long long)g->stream);
    if (g->source[0]) {
        json_write_member(&b, "Source", g->source);
        buf_printf(&b, ",\"SourceAt\":\"%lld\",", (long long)g->source_ms);
    }
    buf_append_str(&b, "\"Members\":[");
    for (size_t i = 0; i < g->count; i++) {
        buf_append_str(&b, i ? ",{" : "{");
        json_write_member(&b, "RegionName", g->m[i].region);
        buf_putc(&b, ',');
        json_write_member(&b, "ReplicaStatus", g->m[i].status);
        buf_printf(&b,
                   ",\"Ready\":%s,\"Position\":\"%llu\",\"StreamPosition\":\"%llu\","
                   "\"Sourced\":\"%lld\"",
                   g->m[i].ready ? "true" : "false", (unsigned long long)g->m[i].acked,
                   (unsigned long long)g->m[i].spos, (long long)g->m[i].sourced_ms);
        if (g->m[i].source[0]) {
            buf_append_str(&b, ",");
            json_write_member(&b, "Source", g->m[i].source);
            buf_printf(&b, ",\"SourceAt\":\"%lld\"", (long long)g->m[i].source_ms);
        }
        if (g->m[i].overrides[0]) {
            buf_append_str(&b, ",\"Overrides\":");
            buf_append_str(&b, g->m[i].overrides);
        }
        buf_putc(&b, '}');
    }
    buf_append_str(&b, "]}");
    MDB_val k = {strlen(g->name), (void *)g->name}, v = {b.len, b.data};
    int rc = mdb_put(txn, R.groups_dbi, &k, &v, 0);
    buf_free(&b);
    return rc;
}

static int group_forget(MDB_txn *txn, const char *name)
{
    MDB_val k = {strlen(name), (void *)name};
    int rc = mdb_del(txn, R.groups_dbi, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static uint64_t json_u64(const json_value_t *v)
{
    return v && v->type == JSON_STRING ? strtoull(v->u.str.ptr, NULL, 10) : 0;
}

static void group_parse(group_t *g, const json_value_t *o)
{
    const json_value_t *id = json_object_get(o, "TableId");
    if (id && id->type == JSON_STRING) snprintf(g->id, sizeof g->id, "%s", id->u.str.ptr);
    g->log = json_u64(json_object_get(o, "Log"));
    g->stream = json_u64(json_object_get(o, "Stream"));
    const json_value_t *src = json_object_get(o, "Source");
    if (src && src->type == JSON_STRING) {
        snprintf(g->source, sizeof g->source, "%s", src->u.str.ptr);
        g->source_ms = (int64_t)json_u64(json_object_get(o, "SourceAt"));
    }
    const json_value_t *ms = json_object_get(o, "Members");
    for (size_t i = 0; ms && ms->type == JSON_ARRAY && i < ms->u.array.count && i < REGIONS_MAX;
         i++) {
        const json_value_t *m = ms->u.array.items[i];
        const json_value_t *r = json_object_get(m, "RegionName"),
                           *s = json_object_get(m, "ReplicaStatus"),
                           *ready = json_object_get(m, "Ready");
        if (!r || r->type != JSON_STRING || !s || s->type != JSON_STRING) continue;
        member_t *x = &g->m[g->count++];
        snprintf(x->region, sizeof x->region, "%s", r->u.str.ptr);
        snprintf(x->status, sizeof x->status, "%s", s->u.str.ptr);
        x->ready = ready && ready->type == JSON_TRUE;
        x->acked = json_u64(json_object_get(m, "Position"));
        /* (none: stored by an earlier release; replication_load sets it) */
        const json_value_t *sp = json_object_get(m, "StreamPosition");
        x->spos = sp ? json_u64(sp) : UINT64_MAX;
        x->sourced_ms = (int64_t)json_u64(json_object_get(m, "Sourced"));
        const json_value_t *msrc = json_object_get(m, "Source");
        if (msrc && msrc->type == JSON_STRING) {
            snprintf(x->source, sizeof x->source, "%s", msrc->u.str.ptr);
            x->source_ms = (int64_t)json_u64(json_object_get(m, "SourceAt"));
        }
        const json_value_t *ov = json_object_get(m, "Overrides");
        if (ov && ov->type == JSON_OBJECT) {
            buf_t ob;
            buf_init(&ob);
            json_write_value(&ob, ov);
            if (ob.len < sizeof x->overrides) {
                memcpy(x->overrides, ob.data, ob.len);
                x->overrides[ob.len] = 0;
            }
            buf_free(&ob);
        }
    }
}

/* The bound on item versions: a key of its own in the version DBI, before
 * every item's (those begin with a table id). */
static const MDB_val version_bound_key = {1, (void *)""};

/* Start-up, and after a rollback: ver_bound as committed.  Versions kept
 * before there was a bound have none: each change reads its item's. */
static int version_bound_load(MDB_txn *txn)
{
    MDB_val k = version_bound_key, v;
    int rc = mdb_get(txn, R.ver_dbi, &k, &v);
    if (!rc && v.mv_size == 8) {
        R.ver_bound = be64_get(v.mv_data);
    } else if (!rc || rc == MDB_NOTFOUND) {
        MDB_stat st;
        if ((rc = mdb_stat(txn, R.ver_dbi, &st))) return rc;
        R.ver_bound = st.ms_entries ? UINT64_MAX : 0;
    } else {
        return rc;
    }
    R.ver_bound_next = 0;
    if (R.ver_max < R.ver_bound) R.ver_max = R.ver_bound;
    return 0;
}

/* The stream of g's table, whose records after each member's position are
 * shipped to it (start-up, or the writer thread): a group stored by an
 * earlier release, whose changes until now went to its own log, ships
 * from the stream's present end on; one whose stream is not the table's
 * (never so while it has replicas: UpdateTable refuses to disable it) from
 * the start of the table's. */
static void group_stream_find(group_t *g)
{
    uint64_t last, stream = streams_of_table(g->id, &last);
    if (g->stream != stream) {
        if (g->stream)
            log_warn("replication: %s: stream %llu is gone, shipping from stream %llu", g->name,
                     (unsigned long long)g->stream, (unsigned long long)stream);
        for (size_t i = 0; i < g->count; i++)
            if (g->m[i].spos != UINT64_MAX) g->m[i].spos = 0;
        g->stream = stream;
    }
    for (size_t i = 0; i < g->count; i++)
        if (g->m[i].spos == UINT64_MAX) g->m[i].spos = last;
    g->stream_last = last;
}

/* streams_set_hold: the records of a stream some member of a group still
 * needs (writer thread). */
static uint64_t stream_hold(uint64_t stream)
{
    uint64_t low = UINT64_MAX;
    pthread_mutex_lock(&R.lock);
    for (size_t i = 0; i < R.groups_top; i++) {
        const group_t *g = &R.groups[i];
        for (size_t k = 0; g->used && g->stream == stream && k < g->count; k++)
            if (strcmp(g->m[k].status, "DELETING") != 0 && g->m[k].spos < low) low = g->m[k].spos;
    }
    pthread_mutex_unlock(&R.lock);
    return low;
}

int replication_load(MDB_txn *txn)
{
    int rc = mdb_dbi_open(txn, "replication", MDB_CREATE, &R.groups_dbi);
    if (!rc) rc = mdb_dbi_open(txn, "replver", MDB_CREATE, &R.ver_dbi);
    if (!rc) rc = version_bound_load(txn);
    if (rc) return rc;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(txn, R.groups_dbi, &c))) return rc;
    MDB_val k, v;
    arena_t *a = arena_new(0);
    for (int op = MDB_FIRST; !(rc = mdb_cursor_get(c, &k, &v, op)); op = MDB_NEXT) {
        char name[256];
        if (k.mv_size >= sizeof name) continue;
        memcpy(name, k.mv_data, k.mv_size);
        name[k.mv_size] = 0;
        json_value_t *o;
        if (json_parse(a, v.mv_data, v.mv_size, &o, NULL) != JSON_OK) continue;
        group_t *g = group_new(name);
        if (g) {
            group_parse(g, o);
            group_stream_find(g);
        }
        uint64_t first, last;
        bool empty;
        if (g && g->log && !changelog_bounds(txn, g->log, 0, &first, &last, &empty) && !empty) {
            g->last_seq = last;
            /* The clock goes on above every change logged before: a log
             * keeps its last record (trimming leaves the last acknowledged
             * millisecond), so one look per log finds where it stood. */
            if (last > R.last_ts) R.last_ts = last;
        }
    }
    arena_free(a);
    mdb_cursor_close(c);
    streams_set_hold(stream_hold);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The end of a write the submitting thread waits for: its done() calls
 * waiter_done, the submitter submit_wait. */
typedef struct {
    int status;
    bool finished;
    pthread_mutex_t lock;
    pthread_cond_t cond;
} waiter_t;

#define WAITER_INIT                                                                                \
    {                                                                                              \
        .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER                        \
    }

static void waiter_done(waiter_t *wt, int status)
{
    pthread_mutex_lock(&wt->lock);
    wt->status = status;
    wt->finished = true;
    pthread_cond_signal(&wt->cond);
    pthread_mutex_unlock(&wt->lock);
}

static int submit_wait(storage_write_t *w, waiter_t *wt)
{
    storage_submit(w);
    pthread_mutex_lock(&wt->lock);
    while (!wt->finished)
        pthread_cond_wait(&wt->cond, &wt->lock);
    pthread_mutex_unlock(&wt->lock);
    return wt->status;
}

/* A write of the writer thread, waited for. */
typedef struct {
    storage_write_t w;
    int (*fn)(MDB_txn *txn, void *arg);
    void *arg;
    waiter_t end;
} sync_write_t;

static int sync_apply(storage_write_t *w, MDB_txn *txn)
{
    sync_write_t *s = (sync_write_t *)w;
    return s->fn(txn, s->arg);
}

static void sync_done(storage_write_t *w, int status)
{
    waiter_done(&((sync_write_t *)w)->end, status);
}

static int write_sync(int (*fn)(MDB_txn *txn, void *arg), void *arg)
{
    sync_write_t s = {
        .w = {.apply = sync_apply, .done = sync_done}, .fn = fn, .arg = arg, .end = WAITER_INIT};
    return submit_wait(&s.w, &s.end);
}

/* --- the write path (writer thread) ---------------------------------------------- */

/* The version key of an item: table id | item key. */
static size_t version_key(const table_t *t, const MDB_val *key, uint8_t *out)
{
    size_t n = strlen(t->id);
    memcpy(out, t->id, n);
    memcpy(out + n, key->mv_data, key->mv_size);
    return n + key->mv_size;
}

static bool version_get(MDB_txn *txn, const uint8_t *vk, size_t vlen, uint64_t *ts, char origin[65])
{
    MDB_val k = {vlen, (void *)vk}, v;
    if (mdb_get(txn, R.ver_dbi, &k, &v) || v.mv_size < 8 || v.mv_size > 8 + 64) return false;
    const uint8_t *p = v.mv_data;
    *ts = be64_get(p);
    memcpy(origin, p + 8, v.mv_size - 8);
    origin[v.mv_size - 8] = 0;
    return true;
}

/* A version ts is stored (in the version DBI or with its item): ver_max
 * and the bound kept follow it. */
static int version_seen(MDB_txn *txn, uint64_t ts)
{
    if (ts > R.ver_max) R.ver_max = ts;
    if (ts > R.ver_bound && ts > R.ver_bound_next) {
        uint64_t bound = ts < UINT64_MAX - VERSION_AHEAD_US ? ts + VERSION_AHEAD_US : UINT64_MAX;
        uint8_t b[8];
        be64_put(b, bound);
        MDB_val bk = version_bound_key, bv = {8, b};
        int rc = mdb_put(txn, R.ver_dbi, &bk, &bv, 0);
        if (rc) return rc;
        R.ver_bound_next = bound;
    }
    return 0;
}

static int version_put(MDB_txn *txn, const uint8_t *vk, size_t vlen, uint64_t ts,
                       const char *origin)
{
    uint8_t val[8 + 64];
    size_t n = strlen(origin);
    if (n > 64) n = 64;
    be64_put(val, ts);
    memcpy(val + 8, origin, n);
    MDB_val k = {vlen, (void *)vk}, v = {8 + n, val};
    int rc = mdb_put(txn, R.ver_dbi, &k, &v, 0);
    return rc ? rc : version_seen(txn, ts);
}

/* The version of t's item under key: the one its stored form carries
 * (stored: that form, absent: NULL), else the version DBI's (a tombstone,
 * or a version kept there by an earlier release), looked up only when one
 * could reach at_least (0: always). */
static bool version_of(MDB_txn *txn, const table_t *t, const MDB_val *key,
                       const replication_version_t *stored, uint64_t at_least, uint64_t *ts,
                       char origin[65])
{
    if (stored && stored->has) {
        *ts = stored->ts;
        memcpy(origin, stored->origin, sizeof stored->origin);
        return true;
    }
    if (at_least && at_least > R.ver_max) return false;
    uint8_t vk[64 + KEYCODEC_MAX_KEY];
    size_t vlen = version_key(t, key, vk);
    return version_get(txn, vk, vlen, ts, origin);
}

void replication_version_read(const MDB_val *stored, replication_version_t *v, MDB_val *item)
{
    size_t n = value_item_version(stored->mv_data, stored->mv_size, &v->ts, v->origin);
    v->has = n > 0;
    if (item) *item = (MDB_val){stored->mv_size - n, (uint8_t *)stored->mv_data + n};
}

/* Whether t has replicas. */
static bool group_replicated(const table_t *t)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find_id(t->id);
    bool replicated = g && g->count;
    pthread_mutex_unlock(&R.lock);
    return replicated;
}

/* A local change's timestamp: above this clock's last and the item's
 * version (only one stamped ahead of the clock, a peer's or this server's
 * before a restart, can be at or above it). */
static uint64_t stamp(MDB_txn *txn, const table_t *t, const MDB_val *key,
                      const replication_version_t *old)
{
    uint64_t seen = 0, ts = now_us();
    char origin[65];
    if (ts <= R.last_ts) ts = R.last_ts + 1;
    if (version_of(txn, t, key, old, ts, &seen, origin) && ts <= seen) ts = seen + 1;
    R.last_ts = ts;
    return ts;
}

int replication_stamp(MDB_txn *txn, const table_t *t, const MDB_val *key,
                      const replication_version_t *old, buf_t *b, uint64_t *ts)
{
    *ts = 0;
    if (R.applying || !group_replicated(t)) return 0;
    *ts = stamp(txn, t, key, old);
    value_item_version_put(b, *ts, regions_local());
    return version_seen(txn, *ts);
}

int replication_version(MDB_txn *txn, const table_t *t, const MDB_val *key, const value_t *old_item,
                        const value_t *new_item, uint64_t ts, const replication_version_t *old,
                        uint64_t *version)
{
    *version = 0;
    if (R.applying || (!old_item && !new_item) || !group_replicated(t)) return 0;
    if (!ts) {
        /* A deletion (its tombstone), or an item stored without its
         * version: the version DBI keeps it. */
        uint8_t vk[64 + KEYCODEC_MAX_KEY];
        size_t vlen = version_key(t, key, vk);
        ts = stamp(txn, t, key, old);
        int rc = version_put(txn, vk, vlen, ts, regions_local());
        if (rc) return rc;
    }
    *version = ts;
    return 0;
}

void replication_logged(const table_t *t, uint64_t sequence)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find_id(t->id);
    if (g && g->stream == t->stream_id && g->stream_last < sequence) g->stream_last = sequence;
    pthread_mutex_unlock(&R.lock);
    R.logged++;
}

int replication_apply_change(MDB_txn *txn, arena_t *a, table_t *t, const char *origin, uint64_t ts,
                             const value_t *keys, const value_t *item,
                             replication_item_writer_t write)
{
    const value_t *pk = value_map_get(keys, t->keys.hash, strlen(t->keys.hash));
    const value_t *sk =
        t->keys.range ? value_map_get(keys, t->keys.range, strlen(t->keys.range)) : NULL;
    if (!pk || pk->type != t->hash_type || (t->keys.range && (!sk || sk->type != t->range_type)))
        return 0; /* not this table's key: nothing to apply */
    uint8_t kb[KEYCODEC_MAX_KEY];
    MDB_val key = {keycodec_item_key(pk, sk, kb), kb}, stored;
    replication_version_t sv = {0};
    int rc = mdb_get(txn, t->dbi, &key, &stored);
    bool found = !rc;
    if (!rc)
        replication_version_read(&stored, &sv, NULL);
    else if (rc != MDB_NOTFOUND)
        return rc;
    uint64_t have;
    char have_origin[65];
    if (version_of(txn, t, &key, &sv, ts, &have, have_origin) &&
        !(ts > have || (ts == have && strcmp(origin, have_origin) > 0)))
        return 0; /* an older change, or one already applied */
    R.applying = true;
    /* (nothing was written since the lookup: stored is still the map's) */
    rc = write(txn, a, t, &key, found ? &stored : NULL, item, ts, origin);
    R.applying = false;
    if (rc) return rc;
    if (item) return version_seen(txn, ts); /* the item carries it */
    uint8_t vk[64 + KEYCODEC_MAX_KEY];
    size_t vlen = version_key(t, &key, vk);
    return version_put(txn, vk, vlen, ts, origin);
}

/* --- group changes ------------------------------------------------------------- */

typedef struct {
    const table_t *t;
    const char *region;
    const char *status; /* NULL: remove the member */
    int ready;          /* -1: leave as is */
    bool add;
    const char *overrides; /* NULL: leave as they are */
} member_change_t;

static int member_change_apply(MDB_txn *txn, void *arg)
{
    member_change_t *c = arg;
    if (c->overrides && strlen(c->overrides) >= OVERRIDES_MAX)
        return MDB_BAD_VALSIZE; /* kept whole or not at all */
    pthread_mutex_lock(&R.lock);
    int rc = 0;
    group_t *g = group_find(c->t->name);
    if (!g && c->add) {
        if ((g = group_new(c->t->name))) {
            snprintf(g->id, sizeof g->id, "%s", c->t->id);
            group_stream_find(g);
        } else {
            rc = REPLICATION_NO_ROOM; /* (not MDB_MAP_FULL: the storage has room) */
        }
    }
    member_t *m = g ? member_find(g, c->region) : NULL;
    if (g && !m && c->add && g->count < REGIONS_MAX) {
        m = &g->m[g->count++];
        memset(m, 0, sizeof *m);
        snprintf(m->region, sizeof m->region, "%s", c->region);
        m->sourced_ms = now_ms();
        /* What is logged before now reaches the new replica by the copy. */
        uint64_t first, last;
        bool empty;
        if (g->log && !changelog_bounds(txn, g->log, 0, &first, &last, &empty) && !empty)
            m->acked = last;
        if (streams_of_table(g->id, &last) == g->stream) m->spos = last;
    }
    if (g && m) {
        if (!c->status)
            member_remove(g, m);
        else
            snprintf(m->status, sizeof m->status, "%s", c->status);
        if (c->status && c->ready >= 0) m->ready = c->ready;
        if (c->status && c->overrides)
            snprintf(m->overrides, sizeof m->overrides, "%s", c->overrides);
        if (g->count)
            rc = group_store(txn, g);
        else {
            rc = group_forget(txn, g->name);
            g->used = false;
        }
    }
    pthread_mutex_unlock(&R.lock);
    return rc;
}

static int member_change(const table_t *t, const char *region, const char *status, int ready,
                         bool add)
{
    member_change_t c = {t, region, status, ready, add, NULL};
    return write_sync(member_change_apply, &c);
}

typedef struct {
    table_t *t;
    const char *const *regions, *const *statuses;
    const char *const *sources;
    const int64_t *source_ms;
    const char *const *overrides;
    size_t count;
} group_set_t;

static int group_set_apply(MDB_txn *txn, void *arg)
{
    group_set_t *s = arg;
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(s->t->name);
    bool member = false;
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->regions[i], regions_local()) == 0) member = true;
    int rc = 0;
    if (!member) {
        if (g) {
            rc = group_forget(txn, g->name);
            g->used = false;
        }
        pthread_mutex_unlock(&R.lock);
        return rc;
    }
    if (g && strcmp(g->id, s->t->id) != 0) g->used = false, g = NULL; /* an older table's */
    if (!g && (g = group_new(s->t->name))) {
        snprintf(g->id, sizeof g->id, "%s", s->t->id);
        group_stream_find(g);
    }
    if (!g) {
        pthread_mutex_unlock(&R.lock);
        return REPLICATION_NO_ROOM;
    }
    group_t next = *g;
    next.count = 0;
    for (size_t i = 0; i < s->count && next.count < REGIONS_MAX; i++) {
        if (strcmp(s->regions[i], regions_local()) == 0) {
            if (s->sources[i]) {
                snprintf(next.source, sizeof next.source, "%s", s->sources[i]);
                next.source_ms = s->source_ms[i];
            }
            continue;
        }
        member_t *old = member_find(g, s->regions[i]);
        member_t *m = &next.m[next.count++];
        if (old)
            *m = *old;
        else {
            memset(m, 0, sizeof *m);
            snprintf(m->region, sizeof m->region, "%s", s->regions[i]);
        }
        snprintf(m->status, sizeof m->status, "%s", s->statuses[i]);
        if (s->sources[i] && !m->sourced_ms) {
            snprintf(m->source, sizeof m->source, "%s", s->sources[i]);
            m->source_ms = s->source_ms[i];
        }
        /* as every region shows them ("{}": none) */
        if (s->overrides[i] && strlen(s->overrides[i]) < sizeof m->overrides)
            snprintf(m->overrides, sizeof m->overrides, "%s",
                     strcmp(s->overrides[i], "{}") ? s->overrides[i] : "");
        m->ready = strcmp(m->status, "DELETING") != 0 && strcmp(m->status, "CREATION_FAILED") != 0;
    }
    *g = next;
    rc = g->count ? group_store(txn, g) : group_forget(txn, g->name);
    if (!g->count) g->used = false;
    pthread_mutex_unlock(&R.lock);
    return rc;
}

int replication_group_set(table_t *t, const char *const *regions, const char *const *statuses,
                          const char *const *sources, const int64_t *source_ms,
                          const char *const *overrides, size_t count)
{
    group_set_t s = {t, regions, statuses, sources, source_ms, overrides, count};
    return write_sync(group_set_apply, &s);
}

bool replication_region_recent_source(const char *table, const char *region)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(table);
    int64_t since = now_ms() - SOURCE_HOLD_MS;
    bool recent = g && strcmp(g->source, region) == 0 && g->source_ms > since;
    for (size_t i = 0; g && i < g->count; i++)
        if (strcmp(g->m[i].source, region) == 0 && g->m[i].source_ms > since) recent = true;
    pthread_mutex_unlock(&R.lock);
    return recent;
}

bool replication_recent_source(const char *table)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(table);
    bool recent = false;
    for (size_t i = 0; g && i < g->count; i++)
        if (g->m[i].sourced_ms > now_ms() - SOURCE_HOLD_MS) recent = true;
    pthread_mutex_unlock(&R.lock);
    return recent;
}

static void job_queue_body(bool add, const char *table, const char *region, char *group);

int replication_table_dropped(MDB_txn *txn, const table_t *t)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find_id(t->id);
    int rc = 0;
    if (g) {
        rc = group_forget(txn, g->name);
        g->used = false;
        /* The other replicas are told this one is gone.  (A rolled-back
         * delete would have them forget it too: they learn it again from
         * this region's next SetGroup.) */
        buf_t b;
        buf_init(&b);
        buf_putc(&b, '{');
        json_write_member(&b, "TableName", g->name);
        buf_append_str(&b, ",\"Members\":[");
        for (size_t i = 0; i < g->count; i++) {
            buf_append_str(&b, i ? ",{" : "{");
            json_write_member(&b, "RegionName", g->m[i].region);
            buf_putc(&b, ',');
            json_write_member(&b, "ReplicaStatus", g->m[i].status);
            buf_putc(&b, '}');
        }
        buf_append_str(&b, "]}");
        buf_putc(&b, 0);
        for (size_t i = 0; i < g->count; i++)
            job_queue_body(false, g->name, g->m[i].region, strdup(b.data));
        buf_free(&b);
    }
    pthread_mutex_unlock(&R.lock);
    return rc;
}

/* --- reading the registry --------------------------------------------------------- */

size_t replication_replica_count(const char *table)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(table);
    size_t n = g ? g->count : 0;
    pthread_mutex_unlock(&R.lock);
    return n;
}

bool replication_has_member(const char *table, const char *region)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(table);
    bool has = g && member_find(g, region);
    pthread_mutex_unlock(&R.lock);
    return has;
}

size_t replication_members(const char *table, char (*regions)[65],
                           char (*statuses)[REPLICATION_STATUS_MAX], size_t max)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(table);
    size_t n = 0;
    for (size_t i = 0; g && i < g->count && n < max; i++, n++) {
        snprintf(regions[n], 65, "%s", g->m[i].region);
        snprintf(statuses[n], REPLICATION_STATUS_MAX, "%s", g->m[i].status);
    }
    pthread_mutex_unlock(&R.lock);
    return n;
}

/* A replica's own settings, as its description shows them. */
static void render_overrides(buf_t *b, const char *text)
{
    if (!text[0]) return;
    arena_t *a = arena_new(0);
    json_value_t *o;
    if (json_parse(a, text, strlen(text), &o, NULL) == JSON_OK && o->type == JSON_OBJECT) {
        static const char *const shown[] = {"KMSMasterKeyId", "ProvisionedThroughputOverride",
                                            "OnDemandThroughputOverride", "GlobalSecondaryIndexes",
                                            NULL};
        for (size_t i = 0; shown[i]; i++) {
            const json_value_t *v = json_object_get(o, shown[i]);
            if (!v) continue;
            buf_putc(b, ',');
            json_write_key(b, shown[i]);
            json_write_value(b, v);
        }
        const json_value_t *cls = json_object_get(o, "TableClassOverride");
        if (cls && cls->type == JSON_STRING) {
            buf_append_str(b, ",\"ReplicaTableClassSummary\":{");
            json_write_member(b, "TableClass", cls->u.str.ptr);
            buf_putc(b, '}');
        }
    }
    arena_free(a);
}

void replication_render_description(buf_t *b, const table_t *t)
{
    if (!replication_on) return;
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find_id(t->id);
    if (g && g->count) {
        buf_append_str(b, ",\"GlobalTableVersion\":\"2019.11.21\",\"Replicas\":[");
        for (size_t i = 0; i < g->count; i++) {
            buf_append_str(b, i ? ",{" : "{");
            json_write_member(b, "RegionName", g->m[i].region);
            buf_putc(b, ',');
            json_write_member(b, "ReplicaStatus", g->m[i].status);
            render_overrides(b, g->m[i].overrides);
            buf_putc(b, '}');
        }
        buf_putc(b, ']');
    }
    pthread_mutex_unlock(&R.lock);
}

void replication_metrics_render(buf_t *out)
{
    if (!replication_on) return;
    pthread_mutex_lock(&R.lock);
    buf_append_str(out, "# HELP ddbd_replication_lag_seconds Age of the oldest change not yet "
                        "acknowledged by the replica\n# TYPE ddbd_replication_lag_seconds gauge\n");
    for (size_t i = 0; i < GROUPS_MAX; i++)
        for (size_t k = 0; R.groups[i].used && k < R.groups[i].count; k++)
            buf_printf(out, "ddbd_replication_lag_seconds{table=\"%s\",replica=\"%s\"} %.3f\n",
                       R.groups[i].name, R.groups[i].m[k].region, R.groups[i].m[k].lag_s);
    buf_append_str(out, "# HELP ddbd_replication_lag_records Changes not yet acknowledged by the "
                        "replica\n# TYPE ddbd_replication_lag_records gauge\n");
    for (size_t i = 0; i < GROUPS_MAX; i++)
        for (size_t k = 0; R.groups[i].used && k < R.groups[i].count; k++)
            buf_printf(out, "ddbd_replication_lag_records{table=\"%s\",replica=\"%s\"} %llu\n",
                       R.groups[i].name, R.groups[i].m[k].region,
                       (unsigned long long)R.groups[i].m[k].lag_records);
    buf_append_str(out, "# HELP ddbd_replication_shipped_total Changes acknowledged by the "
                        "replica\n# TYPE ddbd_replication_shipped_total counter\n");
    for (size_t i = 0; i < GROUPS_MAX; i++)
        for (size_t k = 0; R.groups[i].used && k < R.groups[i].count; k++)
            buf_printf(out, "ddbd_replication_shipped_total{table=\"%s\",replica=\"%s\"} %llu\n",
                       R.groups[i].name, R.groups[i].m[k].region,
                       (unsigned long long)R.groups[i].m[k].shipped);
    pthread_mutex_unlock(&R.lock);
}

/* --- shipping ---------------------------------------------------------------------- */

/* One change as ApplyChanges carries it. */
static void render_change(buf_t *b, uint64_t ts, const char *origin, const value_t *keys,
                          const value_t *item)
{
    char digits[24], *d = digits + sizeof digits;
    do
        *--d = (char)('0' + ts % 10);
    while (ts /= 10);
    buf_append_str(b, "{\"T\":\"");
    buf_append(b, d, (size_t)(digits + sizeof digits - d));
    buf_append_str(b, "\",");
    json_write_member(b, "O", origin);
    buf_append_str(b, ",\"K\":");
    value_map_write_json(b, keys);
    if (item) {
        buf_append_str(b, ",\"I\":");
        value_map_write_json(b, item);
    }
    buf_putc(b, '}');
}

static int call_peer(const region_peer_t *p, const char *op, const buf_t *body, int *status,
                     buf_t *out)
{
    return regions_call(p, op, body->data, body->len, CALL_TIMEOUT_S, status, out);
}

typedef struct {
    char table[256];
    char region[65];
    bool legacy; /* a position in the earlier release's log, else in the stream */
    uint64_t position;
} position_t;

static int position_apply(MDB_txn *txn, void *arg)
{
    position_t *p = arg;
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(p->table);
    member_t *m = g ? member_find(g, p->region) : NULL;
    int rc = 0;
    uint64_t log = 0, low = UINT64_MAX;
    if (m) {
        uint64_t *at = p->legacy ? &m->acked : &m->spos;
        if (p->position > *at) *at = p->position;
        rc = group_store(txn, g);
        log = p->legacy ? g->log : 0;
        for (size_t i = 0; i < g->count; i++)
            if (g->m[i].acked < low) low = g->m[i].acked;
    }
    pthread_mutex_unlock(&R.lock);
    if (!rc && log) {
        /* What every replica has goes: that log serves only the shippers.
         * Records of the millisecond of the lowest position stay for the
         * next time. */
        int64_t cutoff = (int64_t)(low / 1000);
        size_t deleted;
        bool done;
        rc = changelog_trim(txn, log, 0, cutoff, UINT64_MAX, TRIM_BUDGET, &deleted, &done);
    }
    return rc;
}

typedef struct {
    storage_write_t w;
    position_t pos;
} position_write_t;

static int position_write_apply(storage_write_t *w, MDB_txn *txn)
{
    return position_apply(txn, &((position_write_t *)w)->pos);
}

static void position_write_done(storage_write_t *w, int status)
{
    (void)status; /* not stored: stored with a later batch, or sent again */
    free(w);
}

static void position_store(const char *table, const char *region, bool legacy, uint64_t position)
{
    position_write_t *pw = calloc(1, sizeof *pw);
    if (!pw) abort();
    pw->w.apply = position_write_apply;
    pw->w.done = position_write_done;
    snprintf(pw->pos.table, sizeof pw->pos.table, "%s", table);
    snprintf(pw->pos.region, sizeof pw->pos.region, "%s", region);
    pw->pos.legacy = legacy;
    pw->pos.position = position;
    storage_submit(&pw->w);
}

/* What a shipper needs of a group to send the next batch to one peer:
 * from the earlier release's log while it holds records the peer has not
 * acknowledged, else from the stream. */
typedef struct {
    char name[256];
    bool legacy;
    uint64_t log;  /* the log or the stream */
    uint64_t from; /* the peer's position in it */
} ship_t;

/* A batch as read: its body, the changes it holds, the version of the
 * first, and the position after it (each record read, sent or not). */
typedef struct {
    buf_t body;
    size_t n;
    uint64_t first_ts, last;
    bool full;   /* ended by a bound: more are waiting */
    bool caught; /* read to the end of the stream's open shard: nothing is waiting */
} batch_t;

/* Each shipper's read transaction, renewed per batch. */
static __thread MDB_txn *ship_txn;
/* When the peer last refused ApplyRecords (records_refused: an earlier
 * release): ApplyChanges is sent for RECORDS_RETRY_MS, then ApplyRecords
 * tried again (the peer may have been upgraded). */
static __thread int64_t records_refused_ms;
#define RECORDS_RETRY_MS 60000

/* The body of ApplyRecords, bytes: the table name and the origin (each a
 * varint length and the bytes), then the changes after the position, each
 * a record as a change log stores it (without old image) after its version
 * and length (varints).  Nothing is rendered per change, and the peer
 * decodes each record with changelog_record_decode. */
static void batch_begin(batch_t *b, bool records, const char *table)
{
    if (records) {
        const char *names[2] = {table, regions_local()};
        for (int i = 0; i < 2; i++) {
            varint_put(&b->body, strlen(names[i]));
            buf_append_str(&b->body, names[i]);
        }
    } else {
        buf_putc(&b->body, '{');
        json_write_member(&b->body, "TableName", table);
        buf_append_str(&b->body, ",\"Changes\":[");
    }
}

/* One change (rec: a record as a peer takes it, with version ts) into the
 * batch: as it is (ApplyRecords), or as JSON (ApplyChanges, for a peer of
 * an earlier release). */
static void batch_add(batch_t *b, bool records, arena_t *a, uint64_t ts, const uint8_t *rec,
                      size_t len)
{
    change_record_t r;
    if (records) {
        varint_put(&b->body, ts);
        varint_put(&b->body, len);
        buf_append(&b->body, rec, len);
    } else if (changelog_record_decode(a, ts, rec, len, &r)) {
        if (b->n) buf_putc(&b->body, ',');
        render_change(&b->body, ts, regions_local(), r.keys, r.new_image);
    } else {
        return;
    }
    if (!b->n++) b->first_ts = ts;
}

static void batch_end(batch_t *b, bool records)
{
    if (!records) buf_append_str(&b->body, "]}");
}

/* The earlier release's log: its records after the position, each a
 * change as a peer takes it whose sequence number is its version. */
static void batch_read_legacy(MDB_txn *txn, arena_t *a, const ship_t *g, bool records, batch_t *b)
{
    changelog_reader_t rd;
    if (changelog_reader_open(txn, g->log, 0, g->from + 1, &rd)) return;
    uint64_t seq;
    MDB_val v;
    while (!(b->full = b->n == SHIP_BATCH || b->body.len >= BATCH_BYTES) &&
           !changelog_reader_next_raw(&rd, &seq, &v)) {
        arena_reset(a);
        batch_add(b, records, a, seq, v.mv_data, v.mv_size);
        b->last = seq;
    }
    changelog_reader_close(&rd);
}

/* The stream: the records after the position that carry a version (local
 * changes), as a peer takes them; the others (changes from other regions)
 * are passed over.  A closed shard read to its end moves the position to
 * its end, so that the next batch reads its child. */
static void batch_read_stream(MDB_txn *txn, arena_t *a, const ship_t *g, bool records, batch_t *b)
{
    uint32_t shard;
    uint64_t end;
    changelog_reader_t rd;
    if (!streams_shard_after(g->log, g->from, &shard, &end) ||
        changelog_reader_open(txn, g->log, shard, g->from + 1, &rd))
        return;
    buf_t rec;
    buf_init(&rec);
    uint64_t seq, ts;
    MDB_val v;
    size_t read = 0;
    int rc = 0;
    while (!(b->full = b->n == SHIP_BATCH || b->body.len >= BATCH_BYTES || read == SHIP_SCAN_MAX) &&
           !(rc = changelog_reader_next_raw(&rd, &seq, &v))) {
        if (end && seq > end) {
            rc = MDB_NOTFOUND;
            break;
        }
        read++;
        arena_reset(a);
        rec.len = 0;
        if (changelog_record_for_peer(a, &v, &rec, &ts))
            batch_add(b, records, a, ts, (const uint8_t *)rec.data, rec.len);
        b->last = seq;
    }
    changelog_reader_close(&rd);
    buf_free(&rec);
    if (rc == MDB_NOTFOUND && end && b->last < end) b->last = end;
    b->caught = rc == MDB_NOTFOUND && !end;
}

/* Whether the peer cannot take ApplyRecords: it does not know the
 * operation (404: nor a body of bytes), or not the records (a release
 * whose change log has another format).  ApplyChanges, JSON, carries the
 * changes whatever either side's log format. */
static bool records_refused(int status, const buf_t *out)
{
    static const char unknown[] = "UnknownOperationException",
                      records[] = "Invalid replication request: Records[";
    return ((status == 400 || status == 404) &&
            memmem(out->data, out->len, unknown, sizeof unknown - 1)) ||
           (status == 400 && memmem(out->data, out->len, records, sizeof records - 1));
}

/* Ship one batch of table g (a copy) to peer p: how many records the
 * peer's position moved over (0: none were due, or the call failed); *full
 * when more are waiting. */
static size_t ship_batch(const region_peer_t *p, const ship_t *g, bool *full)
{
    *full = false;
    uint64_t read_us = now_us(); /* the batch has every record committed before */
    MDB_txn *txn = storage_read_begin(&ship_txn);
    if (!txn) return 0;
    arena_t *a = arena_new(0);
    batch_t b = {.last = g->from};
    buf_init(&b.body);
    bool records = now_ms() - records_refused_ms >= RECORDS_RETRY_MS;
    batch_begin(&b, records, g->name);
    if (g->legacy)
        batch_read_legacy(txn, a, g, records, &b);
    else
        batch_read_stream(txn, a, g, records, &b);
    batch_end(&b, records);
    storage_read_end(txn);
    *full = b.full;
    uint64_t oldest_ms = b.first_ts / 1000;
    size_t moved = 0;
    bool store = false;
    int64_t now = now_ms();
    int rc = 0, status = 200;
    buf_t out;
    buf_init(&out);
    if (b.n)
        rc = records
                 ? regions_call_typed(p, REPLICATION_TARGET_PREFIX "ApplyRecords",
                                      REPLICATION_RECORDS_TYPE, b.body.data, b.body.len,
                                      CALL_TIMEOUT_S, &status, &out)
                 : call_peer(p, REPLICATION_TARGET_PREFIX "ApplyChanges", &b.body, &status, &out);
    if (b.n && !rc && records && records_refused(status, &out)) {
        log_info("replication: %s does not take ApplyRecords (%d: %.*s): sending ApplyChanges",
                 p->name, status, (int)(out.len > 200 ? 200 : out.len), out.data);
        records_refused_ms = now_ms();
        buf_free(&out);
        buf_free(&b.body);
        arena_free(a);
        return ship_batch(p, g, full); /* at once, as ApplyChanges */
    }
    now = now_ms();
    bool taken = !rc && status == 200 && b.last > g->from;
    pthread_mutex_lock(&R.lock);
    group_t *live = group_find(g->name);
    member_t *lm = live ? member_find(live, p->name) : NULL;
    if (lm && taken) {
        uint64_t *at = g->legacy ? &lm->acked : &lm->spos;
        if (*at < b.last) *at = b.last;
        if (b.caught) lm->caught_us = read_us;
        lm->shipped += b.n;
        /* Stored now and then: a position stored late only makes a restart
         * send again what the peer already has. */
        if (now - lm->stored_ms >= POSITION_STORE_MS ||
            lm->shipped - lm->stored_shipped >= TRIM_BUDGET) {
            lm->stored_ms = now;
            lm->stored_shipped = lm->shipped;
            store = true;
        }
    }
    if (lm && b.n) {
        lm->lag_s = taken && !b.full ? 0 : (double)(now - (int64_t)oldest_ms) / 1000;
        lm->lag_records = taken && !b.full ? 0 : b.n;
        if (now - lm->lag_logged_ms >= LAG_LOG_EVERY_MS) {
            lm->lag_logged_ms = now;
            log_info("replication: %s to %s: %llu records behind, %.3f s lag%s", g->name, p->name,
                     (unsigned long long)b.n, (double)(now - (int64_t)oldest_ms) / 1000,
                     rc              ? " (unreachable)"
                     : status != 200 ? " (refused)"
                                     : "");
        }
    }
    pthread_mutex_unlock(&R.lock);
    if (taken) {
        if (store) position_store(g->name, p->name, g->legacy, b.last);
        moved = (size_t)(b.last - g->from);
    } else if (b.n && !rc) {
        log_warn("replication: %s to %s refused (%d): %.*s", g->name, p->name, status,
                 (int)(out.len > 300 ? 300 : out.len), out.data);
        sleep(1);
    } else if (b.n) {
        usleep(200000);
    }
    buf_free(&out);
    buf_free(&b.body);
    arena_free(a);
    return moved;
}

/* Whether group i has records p has not acknowledged; fills s (R.lock held). */
static bool ship_due(size_t i, const region_peer_t *p, ship_t *s)
{
    group_t *g = &R.groups[i];
    member_t *m = g->used ? member_find(g, p->name) : NULL;
    if (!m || !m->ready || strcmp(m->status, "DELETING") == 0) return false;
    s->legacy = g->log && m->acked < g->last_seq;
    if (!s->legacy && (!g->stream || m->spos >= g->stream_last)) {
        m->caught_us = now_us();
        return false;
    }
    snprintf(s->name, sizeof s->name, "%s", g->name);
    s->log = s->legacy ? g->log : g->stream;
    s->from = s->legacy ? m->acked : m->spos;
    return true;
}

/* Nothing to send: sleep until a transaction with changes commits (or a
 * while, to retry a peer that could not be reached). */
static void ship_wait(uint64_t *seen)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += WAIT_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&R.wake_lock);
    R.idle++;
    while (R.commits == *seen && !R.stopping &&
           pthread_cond_timedwait(&R.wake, &R.wake_lock, &until) == 0) {
    }
    R.idle--;
    *seen = R.commits;
    pthread_mutex_unlock(&R.wake_lock);
}

/* storage_on_commit: the changes logged in the transaction are readable. */
static void replication_committed(void)
{
    if (R.ver_bound_next) {
        R.ver_bound = R.ver_bound_next;
        R.ver_bound_next = 0;
    }
    if (!R.logged) return;
    pthread_mutex_lock(&R.wake_lock);
    R.commits++;
    R.records += R.logged;
    R.logged = 0;
    if (R.idle || (R.gathering && R.records >= R.wake_records)) pthread_cond_broadcast(&R.wake);
    pthread_mutex_unlock(&R.wake_lock);
}

/* After a round that sent: wait until GATHER_MS after that round began, or
 * until GATHER_RECORDS changes were committed since. */
static void ship_gather(const struct timespec *began, uint64_t records)
{
    struct timespec until = *began;
    until.tv_nsec += GATHER_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&R.wake_lock);
    if (!R.gathering++ || records + GATHER_RECORDS < R.wake_records)
        R.wake_records = records + GATHER_RECORDS;
    while (R.records - records < GATHER_RECORDS && !R.stopping &&
           pthread_cond_timedwait(&R.wake, &R.wake_lock, &until) == 0) {
    }
    R.gathering--;
    pthread_mutex_unlock(&R.wake_lock);
}

/* storage_on_rollback: what the transaction did is undone. */
static void replication_rolled_back(MDB_txn *committed)
{
    R.logged = 0;
    if (version_bound_load(committed)) R.ver_bound = UINT64_MAX, R.ver_max = UINT64_MAX;
}

static void *shipper_main(void *arg)
{
    const region_peer_t *p = arg;
    ship_t s;
    uint64_t seen = 0, records = 0;
    struct timespec began = {0, 0};
    bool sent = false, full = false;
    while (!R.stopping) {
        /* (a full batch: more are waiting already) */
        if (sent && !full) ship_gather(&began, records);
        clock_gettime(CLOCK_REALTIME, &began);
        pthread_mutex_lock(&R.wake_lock);
        records = R.records;
        pthread_mutex_unlock(&R.wake_lock);
        sent = full = false;
        /* one look at the registry finds the next group due */
        for (size_t i = 0; i < GROUPS_MAX && !R.stopping; i++) {
            pthread_mutex_lock(&R.lock);
            while (i < R.groups_top && !ship_due(i, p, &s))
                i++;
            bool due = i < R.groups_top;
            pthread_mutex_unlock(&R.lock);
            if (!due) break;
            bool more;
            sent |= ship_batch(p, &s, &more) > 0;
            full |= more;
        }
        if (!sent) ship_wait(&seen);
    }
    storage_read_slot_free(&ship_txn);
    regions_thread_done();
    return NULL;
}

/* --- the control thread: building and removing replicas ---------------------------- */

typedef struct job {
    bool add;
    bool sync; /* bring the replica in line with the group's settings (replica_sync.h) */
    char table[256];
    char region[65];
    char *group;        /* a body to send region: SetGroup (this region left), or */
    const char *target; /* another call (NULL: SetGroup) */
    struct job *next;
} job_t;

/* A new job for table and region (its other members left zero), queued by
 * job_push once they are set. */
static job_t *job_new(const char *table, const char *region)
{
    job_t *j = calloc(1, sizeof *j);
    if (!j) abort();
    snprintf(j->table, sizeof j->table, "%s", table);
    snprintf(j->region, sizeof j->region, "%s", region);
    return j;
}

static void job_push(job_t *j)
{
    pthread_mutex_lock(&R.jobs_lock);
    job_t **tail = &R.jobs;
    while (*tail)
        tail = &(*tail)->next;
    *tail = j;
    pthread_cond_signal(&R.jobs_cond);
    pthread_mutex_unlock(&R.jobs_lock);
}

static void job_queue_call(bool add, const char *table, const char *region, char *group,
                           const char *target)
{
    job_t *j = job_new(table, region);
    j->add = add;
    j->group = group;
    j->target = target;
    job_push(j);
}

static void job_queue_body(bool add, const char *table, const char *region, char *group)
{
    job_queue_call(add, table, region, group, NULL);
}

static void job_queue(bool add, const char *table, const char *region)
{
    job_queue_body(add, table, region, NULL);
}

static void job_queue_sync(const char *table, const char *region)
{
    job_t *j = job_new(table, region);
    j->sync = true;
    job_push(j);
}

static void group_announce(const char *table, const char *also_region);

/* A replica's settings as the group's with its overrides (control thread). */
static void job_sync(const job_t *j)
{
    const region_peer_t *p = regions_find(j->region, strlen(j->region));
    char overrides[OVERRIDES_MAX] = "";
    bool member = false;
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(j->table);
    member_t *m = g ? member_find(g, j->region) : NULL;
    if (m && strcmp(m->status, "ACTIVE") == 0) {
        member = true;
        memcpy(overrides, m->overrides, sizeof overrides);
    }
    pthread_mutex_unlock(&R.lock);
    if (p && member &&
        !replica_sync_run(j->table, p, overrides[0] ? overrides : NULL, &R.stopping) && !R.stopping)
        log_warn("replication: the settings of %s in %s could not be brought in line", j->table,
                 j->region);
    /* every region shows (and keeps applying) the replica's overrides */
    if (member) group_announce(j->table, NULL);
}

/* The body of a Settings call: op's request, for the peer to apply. */
static char *settings_body(const char *op, const char *request, size_t len)
{
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '{');
    json_write_member(&b, "Operation", op);
    buf_append_str(&b, ",\"Request\":");
    buf_append(&b, request, len);
    buf_putc(&b, '}');
    buf_putc(&b, 0);
    char *s = strdup(b.data);
    buf_free(&b);
    return s;
}

/* A call that is retried while the peer cannot be reached (bounded). */
static int call_retry(const region_peer_t *p, const char *op, const buf_t *body, int *status,
                      buf_t *out)
{
    for (int i = 0; i < 120 && !R.stopping; i++) {
        out->len = 0;
        if (!call_peer(p, op, body, status, out)) return 0;
        usleep(500000);
    }
    return -1;
}

/* The CreateTable request that makes t's replica. */
static void create_request(buf_t *b, const table_t *t)
{
    arena_t *a = arena_new(0);
    buf_t def;
    buf_init(&def);
    tabledef_render(&def, t);
    json_value_t *o;
    if (json_parse(a, def.data, def.len, &o, NULL) == JSON_OK) {
        static const char *const keep[] = {"TableName",
                                           "AttributeDefinitions",
                                           "KeySchema",
                                           "BillingMode",
                                           "ProvisionedThroughput",
                                           "GlobalSecondaryIndexes",
                                           "LocalSecondaryIndexes",
                                           "StreamSpecification",
                                           "SSESpecification",
                                           "TableClass",
                                           NULL};
        buf_putc(b, '{');
        bool first = true;
        for (size_t i = 0; keep[i]; i++) {
            json_value_t *v = json_object_get(o, keep[i]);
            if (!v) continue;
            if (!first) buf_putc(b, ',');
            first = false;
            json_write_key(b, keep[i]);
            if (strcmp(keep[i], "GlobalSecondaryIndexes") != 0 || v->type != JSON_ARRAY) {
                json_write_value(b, v);
                continue;
            }
            buf_putc(b, '[');
            for (size_t k = 0; k < v->u.array.count; k++) {
                const json_value_t *ix = v->u.array.items[k];
                buf_append_str(b, k ? ",{" : "{");
                bool any = false;
                for (size_t m = 0; ix->type == JSON_OBJECT && m < ix->u.object.count; m++) {
                    if (strcmp(ix->u.object.members[m].key, "IndexStatus") == 0) continue;
                    if (any) buf_putc(b, ',');
                    any = true;
                    json_write_key(b, ix->u.object.members[m].key);
                    json_write_value(b, ix->u.object.members[m].value);
                }
                buf_putc(b, '}');
            }
            buf_putc(b, ']');
        }
        if (!json_object_get(o, "StreamSpecification"))
            buf_append_str(b, ",\"StreamSpecification\":{\"StreamEnabled\":true,"
                              "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}");
        buf_putc(b, '}');
    }
    buf_free(&def);
    arena_free(a);
}

/* Tell every region of the group (and, first, `also`) who is in it. */
static void group_announce(const char *table, const char *also_region)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(table);
    if (!g) {
        pthread_mutex_unlock(&R.lock);
        return;
    }
    group_t copy = *g;
    pthread_mutex_unlock(&R.lock);
    buf_t body, out;
    buf_init(&body);
    buf_init(&out);
    buf_putc(&body, '{');
    json_write_member(&body, "TableName", table);
    buf_append_str(&body, ",\"Members\":[{");
    json_write_member(&body, "RegionName", regions_local());
    buf_append_str(&body, ",\"ReplicaStatus\":\"ACTIVE\"");
    if (copy.source[0]) {
        buf_putc(&body, ',');
        json_write_member(&body, "Source", copy.source);
        buf_printf(&body, ",\"SourceAt\":\"%lld\"", (long long)copy.source_ms);
    }
    buf_putc(&body, '}');
    for (size_t i = 0; i < copy.count; i++) {
        buf_append_str(&body, ",{");
        json_write_member(&body, "RegionName", copy.m[i].region);
        buf_putc(&body, ',');
        json_write_member(&body, "ReplicaStatus", copy.m[i].status);
        /* who made it, and when: that region's replica cannot go for a day */
        const char *source = copy.m[i].sourced_ms ? regions_local() : copy.m[i].source;
        if (source[0]) {
            buf_putc(&body, ',');
            json_write_member(&body, "Source", source);
            buf_printf(
                &body, ",\"SourceAt\":\"%lld\"",
                (long long)(copy.m[i].sourced_ms ? copy.m[i].sourced_ms : copy.m[i].source_ms));
        }
        buf_append_str(&body, ",\"Overrides\":");
        buf_append_str(&body, copy.m[i].overrides[0] ? copy.m[i].overrides : "{}");
        buf_putc(&body, '}');
    }
    buf_append_str(&body, "]}");
    for (size_t i = 0; i < copy.count; i++) {
        if (strcmp(copy.m[i].status, "DELETING") == 0) continue;
        if (!copy.m[i].ready && (!also_region || strcmp(copy.m[i].region, also_region) != 0))
            continue;
        const region_peer_t *p = regions_find(copy.m[i].region, strlen(copy.m[i].region));
        int status;
        if (p) call_retry(p, REPLICATION_TARGET_PREFIX "SetGroup", &body, &status, &out);
    }
    buf_free(&body);
    buf_free(&out);
}

/* Copy t's items, with their versions, to p in bounded batches. */
static bool copy_items(table_t *t, const region_peer_t *p)
{
    uint8_t after[KEYCODEC_MAX_KEY];
    size_t after_len = 0;
    bool started = false, ok = true;
    for (;;) {
        MDB_txn *txn = storage_snapshot_begin();
        if (!txn) return false;
        storage_dbi_hold();
        arena_t *a = arena_new(0);
        buf_t body;
        buf_init(&body);
        buf_putc(&body, '{');
        json_write_member(&body, "TableName", t->name);
        buf_append_str(&body, ",\"Changes\":[");
        MDB_cursor *c;
        size_t n = 0;
        bool more = false;
        if (!t->dropped && !mdb_cursor_open(txn, t->dbi, &c)) {
            MDB_val k = {after_len, after}, v;
            int rc = started ? mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)
                             : mdb_cursor_get(c, &k, &v, MDB_FIRST);
            if (!rc && started && k.mv_size == after_len && !memcmp(k.mv_data, after, after_len))
                rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
            for (; !rc; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
                if (n == COPY_BATCH || body.len >= BATCH_BYTES) {
                    more = true;
                    break;
                }
                value_t *item = arena_alloc(a, sizeof *item);
                if (!value_item_decode(a, v.mv_data, v.mv_size, item, NULL)) continue;
                replication_version_t sv;
                replication_version_read(&v, &sv, NULL);
                uint64_t ts = 0;
                char origin[65];
                if (!version_of(txn, t, &k, &sv, 0, &ts, origin))
                    snprintf(origin, sizeof origin, "%s", regions_local());
                if (n++) buf_putc(&body, ',');
                render_change(&body, ts, origin,
                              changelog_keys(a, t->keys.hash, t->keys.range, item), item);
                memcpy(after, k.mv_data, k.mv_size);
                after_len = k.mv_size;
            }
            mdb_cursor_close(c);
        }
        storage_dbi_free();
        storage_snapshot_end(txn);
        buf_append_str(&body, "]}");
        started = true;
        if (n) {
            int status = 0;
            buf_t out;
            buf_init(&out);
            if (call_retry(p, REPLICATION_TARGET_PREFIX "ApplyChanges", &body, &status, &out) ||
                status != 200)
                ok = false;
            buf_free(&out);
        }
        buf_free(&body);
        arena_free(a);
        if (!ok || !more) return ok;
    }
}

static void job_add(const job_t *j)
{
    table_t *t = catalog_acquire(j->table, strlen(j->table));
    const region_peer_t *p = regions_find(j->region, strlen(j->region));
    if (!t || !p) {
        if (t) catalog_release(t);
        return;
    }
    buf_t body, out;
    buf_init(&body);
    buf_init(&out);
    create_request(&body, t);
    int status = 0;
    bool ok = !call_retry(p, "DynamoDB_20120810.CreateTable", &body, &status, &out);
    buf_putc(&out, 0);
    /* A table left by an earlier attempt (a restart) is the replica. */
    ok = ok && (status == 200 || strstr(out.data, "ResourceInUseException"));
    if (!ok)
        log_warn("replication: %s could not be created in %s (%d): %.300s", t->name, j->region,
                 status, out.data);
    /* Wait for the replica's table to be ACTIVE. */
    for (int i = 0; ok && i < 600 && !R.stopping; i++) {
        body.len = 0;
        buf_putc(&body, '{');
        json_write_member(&body, "TableName", t->name);
        buf_putc(&body, '}');
        out.len = 0;
        if (!call_retry(p, "DynamoDB_20120810.DescribeTable", &body, &status, &out) &&
            status == 200) {
            buf_putc(&out, 0);
            if (strstr(out.data, "\"TableStatus\":\"ACTIVE\"")) break;
        }
        usleep(100000);
    }
    if (ok) {
        member_change(t, j->region, "CREATING", 1, false);
        group_announce(t->name, j->region);
        ok = copy_items(t, p);
    }
    member_change(t, j->region, ok ? "ACTIVE" : "CREATION_FAILED", ok, false);
    log_info("replication: replica of %s in %s %s", t->name, j->region,
             ok ? "created" : "could not be created");
    group_announce(t->name, NULL);
    /* What changed while it was made (TTL included, which CreateTable does
     * not carry) and its overrides: settings are not sent to a replica
     * this region is making, and those sent from now on come after. */
    if (ok) job_queue_sync(t->name, j->region);
    buf_free(&body);
    buf_free(&out);
    catalog_release(t);
}

static void job_remove(const job_t *j)
{
    table_t *t = catalog_acquire(j->table, strlen(j->table));
    const region_peer_t *p = regions_find(j->region, strlen(j->region));
    if (!t) return;
    buf_t body, out;
    buf_init(&body);
    buf_init(&out);
    int status;
    if (p) {
        /* The replica leaves the group first, so that its deletion is its own. */
        buf_putc(&body, '{');
        json_write_member(&body, "TableName", t->name);
        buf_append_str(&body, ",\"Members\":[]}");
        call_retry(p, REPLICATION_TARGET_PREFIX "SetGroup", &body, &status, &out);
        body.len = 0;
        buf_putc(&body, '{');
        json_write_member(&body, "TableName", t->name);
        buf_putc(&body, '}');
        call_retry(p, "DynamoDB_20120810.DeleteTable", &body, &status, &out);
    }
    member_change(t, j->region, NULL, -1, false);
    group_announce(t->name, NULL);
    log_info("replication: replica of %s in %s deleted", t->name, j->region);
    buf_free(&body);
    buf_free(&out);
    catalog_release(t);
}

static void job_leave(const job_t *j)
{
    const region_peer_t *p = regions_find(j->region, strlen(j->region));
    buf_t body, out;
    buf_init(&body);
    buf_init(&out);
    buf_append_str(&body, j->group);
    int status = 0;
    const char *target = j->target ? j->target : REPLICATION_TARGET_PREFIX "SetGroup";
    /* A replica still building an index (or changing its TTL) takes the
     * next setting once done: asked again meanwhile (bounded). */
    for (int i = 0; p && i < SETTINGS_BUSY_TRIES && !R.stopping; i++) {
        if (call_retry(p, target, &body, &status, &out) || status != 400) break;
        buf_putc(&out, 0);
        out.len--;
        if (!strstr(out.data, "ResourceInUseException")) break;
        usleep(200000);
    }
    if (p && status != 200)
        log_warn("replication: %s in %s: %s answered %d: %.*s", j->table, j->region, target, status,
                 (int)(out.len > 300 ? 300 : out.len), out.data);
    buf_free(&body);
    buf_free(&out);
}

void replication_settings_forward(const char *table, const char *op, const char *request,
                                  size_t len)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(table);
    for (size_t i = 0; g && i < g->count; i++) {
        const member_t *m = &g->m[i];
        if (strcmp(m->status, "DELETING") == 0) continue;
        /* a replica being made here takes the settings once made */
        if (strcmp(m->status, "CREATING") == 0 && m->sourced_ms) continue;
        job_queue_call(false, g->name, m->region, settings_body(op, request, len),
                       REPLICATION_TARGET_PREFIX "Settings");
        /* its own figures in place of the group's ones just sent */
        if (m->overrides[0]) job_queue_sync(g->name, m->region);
    }
    pthread_mutex_unlock(&R.lock);
}

bool replication_expires_here(const table_t *t)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find_id(t->id);
    bool here = true;
    for (size_t i = 0; g && i < g->count; i++)
        if (strcmp(g->m[i].region, regions_local()) < 0) here = false;
    pthread_mutex_unlock(&R.lock);
    return here;
}

/* --- trimming item versions ------------------------------------------------------ */

double replication_version_keep_s = 86400;

/* A pass over the versions of some tables, in the writer: those older than
 * their table's cutoff go (tombstones, and live items' versions an earlier
 * release kept here; the versions items carry go with them). */
typedef struct {
    storage_write_t w;
    table_t *tables[GROUPS_MAX];
    uint64_t cutoff[GROUPS_MAX]; /* microseconds */
    size_t count;
} trim_write_t;

#define TRIM_SCAN 4096 /* versions looked at per table and pass */

/* Where the last pass over a table stopped (writer thread). */
static struct {
    char id[40];
    uint8_t key[64 + KEYCODEC_MAX_KEY];
    size_t len;
} trim_from[GROUPS_MAX];

static int trim_versions(MDB_txn *txn, const table_t *t, uint64_t cutoff, size_t slot)
{
    size_t idlen = strlen(t->id);
    if (strcmp(trim_from[slot].id, t->id) != 0) {
        snprintf(trim_from[slot].id, sizeof trim_from[slot].id, "%s", t->id);
        trim_from[slot].len = 0;
    }
    uint8_t start[64 + KEYCODEC_MAX_KEY];
    MDB_val k = {idlen, start}, v;
    memcpy(start, t->id, idlen);
    if (trim_from[slot].len) {
        memcpy(start, trim_from[slot].key, trim_from[slot].len);
        k.mv_size = trim_from[slot].len;
    }
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, R.ver_dbi, &c);
    if (rc) return rc;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    size_t scanned = 0;
    for (; !rc && scanned < TRIM_SCAN; scanned++) {
        if (k.mv_size < idlen || memcmp(k.mv_data, t->id, idlen) != 0) {
            rc = MDB_NOTFOUND;
            break;
        }
        const uint8_t *p = v.mv_data;
        uint64_t ts = 0;
        for (int i = 0; i < 8 && v.mv_size >= 8; i++)
            ts = ts << 8 | p[i];
        if (ts < cutoff) {
            if ((rc = mdb_cursor_del(c, 0))) break;
        }
        trim_from[slot].len = k.mv_size < sizeof trim_from[slot].key ? k.mv_size : 0;
        memcpy(trim_from[slot].key, k.mv_data, trim_from[slot].len);
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (rc == MDB_NOTFOUND) {
        trim_from[slot].len = 0; /* the end: from the start next time */
        rc = 0;
    }
    return rc;
}

static int trim_apply(storage_write_t *w, MDB_txn *txn)
{
    trim_write_t *tw = (trim_write_t *)w;
    int rc = 0;
    for (size_t i = 0; !rc && i < tw->count; i++) {
        table_t *t = catalog_latest(tw->tables[i]);
        if (!t->dropped) rc = trim_versions(txn, t, tw->cutoff[i], i);
    }
    return rc;
}

static void trim_done(storage_write_t *w, int status)
{
    (void)status; /* the next pass tries again */
    trim_write_t *tw = (trim_write_t *)w;
    for (size_t i = 0; i < tw->count; i++)
        catalog_release(tw->tables[i]);
    free(tw);
}

/* A version may go once it is older than the keep time and every replica
 * has what this region logged up to it: no change that could lose to it is
 * still expected. */
static void trim_start(void)
{
    char names[GROUPS_MAX][256];
    uint64_t cutoff[GROUPS_MAX];
    size_t n = 0;
    double keep_us = replication_version_keep_s * 1e6, now = (double)now_us();
    uint64_t old = keep_us < now ? (uint64_t)(now - keep_us) : 0;
    pthread_mutex_lock(&R.lock);
    for (size_t i = 0; i < GROUPS_MAX; i++) {
        group_t *g = &R.groups[i];
        if (!g->used || !g->count) continue;
        uint64_t low = UINT64_MAX;
        for (size_t k = 0; k < g->count; k++) {
            const member_t *m = &g->m[k];
            if (m->acked < g->last_seq && m->acked < low) low = m->acked;
            /* a member behind on the stream may yet be sent changes stamped
             * since it last had every record (a transaction's changes are
             * stamped well within CAUGHT_MARGIN_US of its commit) */
            uint64_t since = m->caught_us > CAUGHT_MARGIN_US ? m->caught_us - CAUGHT_MARGIN_US : 0;
            if (g->stream && m->spos < g->stream_last && since < low) low = since;
        }
        memcpy(names[n], g->name, sizeof names[n]);
        cutoff[n++] = low < old ? low : old;
    }
    pthread_mutex_unlock(&R.lock);
    trim_write_t *tw = calloc(1, sizeof *tw);
    for (size_t i = 0; i < n; i++) {
        table_t *t = catalog_acquire(names[i], strlen(names[i]));
        if (!t) continue;
        tw->tables[tw->count] = t;
        tw->cutoff[tw->count++] = cutoff[i];
    }
    if (!tw->count) {
        free(tw);
        return;
    }
    tw->w.apply = trim_apply;
    tw->w.done = trim_done;
    storage_submit(&tw->w);
}

#define TRIM_EVERY_MS 1000

static void *control_main(void *arg)
{
    (void)arg;
    int64_t trimmed_ms = now_ms();
    pthread_mutex_lock(&R.jobs_lock);
    while (!R.stopping) {
        if (now_ms() - trimmed_ms >= TRIM_EVERY_MS) {
            trimmed_ms = now_ms();
            pthread_mutex_unlock(&R.jobs_lock);
            trim_start();
            pthread_mutex_lock(&R.jobs_lock);
            continue;
        }
        job_t *j = R.jobs;
        if (!j) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&R.jobs_cond, &R.jobs_lock, &until);
            continue;
        }
        R.jobs = j->next;
        pthread_mutex_unlock(&R.jobs_lock);
        if (j->sync)
            job_sync(j);
        else if (j->group)
            job_leave(j);
        else if (j->add)
            job_add(j);
        else
            job_remove(j);
        free(j->group);
        free(j);
        pthread_mutex_lock(&R.jobs_lock);
    }
    pthread_mutex_unlock(&R.jobs_lock);
    regions_thread_done();
    return NULL;
}

/* The stream a replica needs (NEW_AND_OLD_IMAGES), enabled as UpdateTable
 * would: a new version of the table, published once committed. */
typedef struct {
    storage_write_t w;
    table_t *table, *changed;
    waiter_t end;
} stream_write_t;

static int stream_apply(storage_write_t *w, MDB_txn *txn)
{
    stream_write_t *sw = (stream_write_t *)w;
    table_t *t = catalog_latest(sw->table);
    sw->changed = NULL;
    if (t->dropped || t->stream_enabled) return 0;
    table_t *changed = catalog_table_clone(t);
    sw->changed = changed;
    changed->stream_enabled = true;
    changed->stream_view_type = "NEW_AND_OLD_IMAGES";
    int rc = streams_create(txn, changed, "NEW_AND_OLD_IMAGES");
    return rc ? rc : catalog_table_store(txn, changed);
}

static void stream_done(storage_write_t *w, int status)
{
    stream_write_t *sw = (stream_write_t *)w;
    if (!status && sw->changed) catalog_replace(catalog_latest(sw->table), sw->changed);
    if (sw->changed) catalog_release(sw->changed);
    waiter_done(&sw->end, status);
}

static int stream_enable(table_t *t)
{
    if (t->stream_enabled) return 0;
    stream_write_t sw = {.w = {.apply = stream_apply, .done = stream_done, .exclusive = true},
                         .table = t,
                         .end = WAITER_INIT};
    return submit_wait(&sw.w, &sw.end);
}

int replication_replica_settings(table_t *t, const char *region, const char *overrides)
{
    pthread_mutex_lock(&R.lock);
    group_t *g = group_find(t->name);
    member_t *m = g ? member_find(g, region) : NULL;
    char status[STATUS_MAX] = "";
    if (m) snprintf(status, sizeof status, "%s", m->status);
    pthread_mutex_unlock(&R.lock);
    if (!status[0]) return MDB_NOTFOUND;
    member_change_t c = {t, region, status, -1, false, overrides};
    int rc = write_sync(member_change_apply, &c);
    /* applied in the replica's region (one being made takes them once made) */
    if (!rc && strcmp(status, "ACTIVE") == 0) job_queue_sync(t->name, region);
    return rc;
}

int replication_replica_add(table_t *t, const char *region, const char *overrides)
{
    int rc = stream_enable(t);
    member_change_t c = {t, region, "CREATING", 0, true, overrides};
    if (!rc) rc = write_sync(member_change_apply, &c);
    if (!rc) job_queue(true, t->name, region);
    return rc;
}

int replication_replica_remove(table_t *t, const char *region)
{
    int rc = member_change(t, region, "DELETING", 0, false);
    if (!rc) job_queue(false, t->name, region);
    return rc;
}

void replication_start(void)
{
    if (!regions_count()) return;
    replication_on = true;
    catalog_description_extra = replication_render_description;
    storage_on_commit(replication_committed);
    storage_on_rollback(replication_rolled_back);
    for (size_t i = 0; i < regions_count(); i++)
        if (!pthread_create(&R.shippers[R.shipper_count], NULL, shipper_main,
                            (void *)regions_get(i)))
            pthread_setname_np(R.shippers[R.shipper_count++], "shipper");
    R.control_started = !pthread_create(&R.control, NULL, control_main, NULL);
    if (R.control_started) pthread_setname_np(R.control, "replicas");
    /* Replicas being built or removed when the server stopped: again. */
    pthread_mutex_lock(&R.lock);
    for (size_t i = 0; i < GROUPS_MAX; i++)
        for (size_t k = 0; R.groups[i].used && k < R.groups[i].count; k++) {
            const member_t *m = &R.groups[i].m[k];
            /* (made here: the copy is resumed too, harmlessly repeated) */
            if (strcmp(m->status, "CREATING") == 0 && (!m->ready || m->sourced_ms))
                job_queue(true, R.groups[i].name, m->region);
            else if (strcmp(m->status, "DELETING") == 0)
                job_queue(false, R.groups[i].name, m->region);
        }
    pthread_mutex_unlock(&R.lock);
}

static int store_all(MDB_txn *txn, void *arg)
{
    (void)arg;
    int rc = 0;
    pthread_mutex_lock(&R.lock);
    for (size_t i = 0; !rc && i < GROUPS_MAX; i++)
        if (R.groups[i].used) rc = group_store(txn, &R.groups[i]);
    pthread_mutex_unlock(&R.lock);
    return rc;
}

void replication_stop(void)
{
    R.stopping = true;
    pthread_mutex_lock(&R.wake_lock);
    pthread_cond_broadcast(&R.wake);
    pthread_mutex_unlock(&R.wake_lock);
    for (size_t i = 0; i < R.shipper_count; i++)
        pthread_join(R.shippers[i], NULL);
    /* the positions acknowledged since they were last stored */
    if (R.shipper_count) write_sync(store_all, NULL);
    R.shipper_count = 0;
    if (R.control_started) {
        pthread_mutex_lock(&R.jobs_lock);
        pthread_cond_broadcast(&R.jobs_cond);
        pthread_mutex_unlock(&R.jobs_lock);
        pthread_join(R.control, NULL);
        R.control_started = false;
    }
    regions_shutdown();
}
