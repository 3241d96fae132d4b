/* throttle: partitions and token buckets; see throttle.h.
 *
 * A bucket is kept as the time it is empty until (the "theoretical arrival
 * time" of the generic cell rate algorithm): its tokens at time now are
 * (now - tat) * rate, at most keep seconds' worth.  So admission only
 * loads it (empty while tat >= now), and a charge moves it forward with
 * one compare-and-swap: the request path takes no lock.  The table's
 * mutex serialises the rare changes: a new definition (rates), a
 * partition split (a new partition map is published; the old one is kept
 * until the state is freed, as a request may still read it), the heat of
 * a throttled partition, the on-demand peak. */
#include "throttle.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"

bool throttle_on;
static double burst_seconds = THROTTLE_BURST_SECONDS;
static uint64_t partition_bytes = THROTTLE_PARTITION_BYTES;

/* On-demand tables start able to serve this much (the service's figures
 * for a new on-demand table). */
#define ON_DEMAND_INITIAL_READ 12000.0
#define ON_DEMAND_INITIAL_WRITE 4000.0
#define ON_DEMAND_INITIAL_PARTITIONS 4

#define NS 1000000000LL

typedef struct {
    _Atomic int64_t tat;     /* ns (monotonic): empty until then */
    _Atomic double rate;     /* units per second; 0: no limit */
    _Atomic int64_t keep_ns; /* unused capacity kept, as time */
} bucket_t;

typedef struct {
    uint64_t lo, hi; /* hash range, both inclusive */
    bucket_t b[2];   /* [0] read, [1] write */
    /* heat (table mutex): since when it has been throttled without pause
     * and the majority candidate of its throttled keys */
    int64_t heat_since_ns, heat_last_ns;
    uint64_t hot_hash;
    int64_t hot_votes;
    _Atomic uint64_t consumed_halves[2]; /* units consumed, in halves (metrics) */
} partition_t;

typedef struct partition_map {
    struct partition_map *retired; /* older maps, freed with the state */
    size_t count;
    partition_t parts[];
} partition_map_t;

typedef struct {
    char *name;
    bool global;
    _Atomic int64_t rcu, wcu;
    bucket_t b[2];
    partition_map_t *_Atomic map; /* a GSI's partitions (ranges of its key's hash) */
} index_state_t;

typedef struct table_state {
    struct table_state *_Atomic next; /* in its registry slot */
    struct table_state *dead_next;    /* once forgotten */
    _Atomic bool forgotten;
    char *name;
    pthread_mutex_t mu;
    /* the definition the buckets follow, and its throughput */
    const table_t *_Atomic synced;
    _Atomic bool on_demand;
    _Atomic int64_t rcu, wcu, max[2]; /* max: OnDemandThroughput (0: none) */
    bucket_t b[2];
    bucket_t cap[2]; /* the on-demand maximums */
    /* on-demand: milli-units consumed since window_start, and the peak */
    _Atomic int64_t window_start_ns;
    _Atomic int64_t window_milli[2];
    double peak[2];
    index_state_t indexes[CATALOG_GSI_MAX + 5];
    _Atomic size_t index_count;
    partition_map_t *_Atomic map;
} table_state_t;

#define REGISTRY_SLOTS 256
/* The registry is read on every request and written when a table is
 * first seen or forgotten: readers follow atomic pointers without a lock;
 * writers hold `lock`.  A forgotten state leaves its slot but is freed
 * only at exit (throttle_shutdown), since a request may still hold it. */
static struct {
    pthread_mutex_t lock;
    table_state_t *_Atomic slots[REGISTRY_SLOTS];
    table_state_t *dead;
} reg = {.lock = PTHREAD_MUTEX_INITIALIZER};

void throttle_configure(bool on, double seconds, uint64_t bytes)
{
    throttle_on = on;
    if (seconds > 0) burst_seconds = seconds;
    if (bytes > 0) partition_bytes = bytes;
}

static double max_of(double a, double b) { return a > b ? a : b; }

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

#define RELAXED memory_order_relaxed

/* --- buckets ---------------------------------------------------------------------------- */

static bool bucket_empty(const bucket_t *b, int64_t now)
{
    return atomic_load_explicit(&b->tat, RELAXED) >= now;
}

/* Take units: the bucket may go into debt (tat past now). */
static void bucket_debit(bucket_t *b, double units, int64_t now)
{
    double rate = atomic_load_explicit(&b->rate, RELAXED);
    if (rate <= 0 || units <= 0) return;
    int64_t cost = (int64_t)(units / rate * (double)NS);
    int64_t floor = now - atomic_load_explicit(&b->keep_ns, RELAXED);
    int64_t old = atomic_load_explicit(&b->tat, RELAXED), next;
    do next = (old > floor ? old : floor) + cost;
    while (!atomic_compare_exchange_weak_explicit(&b->tat, &old, next, RELAXED, RELAXED));
}

/* A new rate keeps the tokens (capped by the new maximum); a fresh bucket
 * starts full.  Table mutex held. */
static void bucket_set(bucket_t *b, double rate, double keep_seconds, int64_t now, bool fresh)
{
    int64_t keep = (int64_t)(keep_seconds * (double)NS);
    double tokens = rate * keep_seconds;
    if (!fresh) {
        double old_rate = atomic_load(&b->rate);
        int64_t old_keep = atomic_load(&b->keep_ns);
        int64_t since = now - atomic_load(&b->tat);
        if (since > old_keep) since = old_keep;
        double had = old_rate * (double)since / (double)NS;
        if (had < tokens) tokens = had;
    }
    int64_t tat = rate > 0 ? now - (int64_t)(tokens / rate * (double)NS) : now - keep;
    atomic_store(&b->rate, rate);
    atomic_store(&b->keep_ns, keep);
    atomic_store(&b->tat, tat);
}

/* --- partitions ------------------------------------------------------------------------- */

static void partition_init(partition_t *p, uint64_t lo, uint64_t hi, int64_t now)
{
    memset(p, 0, sizeof *p);
    p->lo = lo;
    p->hi = hi;
    bucket_set(&p->b[0], THROTTLE_PARTITION_READ_MAX, 1.0, now, true);
    bucket_set(&p->b[1], THROTTLE_PARTITION_WRITE_MAX, 1.0, now, true);
}

static void partition_debit(partition_t *p, bool write, double units, int64_t now)
{
    bucket_debit(&p->b[write], units, now);
    atomic_fetch_add_explicit(&p->consumed_halves[write], (uint64_t)(units * 2 + 0.5),
                              memory_order_relaxed);
}

static partition_t *partition_find(partition_map_t *m, uint64_t hash)
{
    size_t lo = 0, hi = m->count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->parts[mid].lo <= hash) lo = mid;
        else hi = mid;
    }
    return &m->parts[lo];
}

static partition_t *map_partition(partition_map_t *_Atomic *mp, uint64_t hash)
{
    partition_map_t *m = atomic_load_explicit(mp, memory_order_acquire);
    return m ? partition_find(m, hash) : NULL;
}

/* Publish a copy of the map with partition i replaced by the pieces of
 * ranges (n of them, in order, fresh buckets): no data moves.  Table
 * mutex held. */
static void partition_replace(partition_map_t *_Atomic *mp, size_t i,
                              const uint64_t (*ranges)[2], size_t n, int64_t now)
{
    partition_map_t *old = atomic_load(mp);
    size_t count = old->count + n - 1;
    if (count > THROTTLE_PARTITIONS_MAX) return;
    partition_map_t *m = malloc(sizeof *m + count * sizeof m->parts[0]);
    if (!m) return;
    m->retired = old;
    m->count = count;
    memcpy(m->parts, old->parts, i * sizeof m->parts[0]);
    for (size_t k = 0; k < n; k++) partition_init(&m->parts[i + k], ranges[k][0], ranges[k][1], now);
    memcpy(&m->parts[i + n], &old->parts[i + 1], (old->count - i - 1) * sizeof m->parts[0]);
    atomic_store_explicit(mp, m, memory_order_release);
}

static void partition_split_middle(partition_map_t *_Atomic *mp, size_t i, int64_t now)
{
    const partition_t *p = &atomic_load(mp)->parts[i];
    if (p->lo == p->hi) return;
    uint64_t mid = p->lo + (p->hi - p->lo) / 2;
    const uint64_t ranges[2][2] = {{p->lo, mid}, {mid + 1, p->hi}};
    partition_replace(mp, i, ranges, 2, now);
}

/* Put the item key hash h on a partition of its own. */
static void partition_isolate(partition_map_t *_Atomic *mp, size_t i, uint64_t h, int64_t now)
{
    const partition_t *p = &atomic_load(mp)->parts[i];
    uint64_t ranges[3][2];
    size_t n = 0;
    if (h > p->lo) ranges[n][0] = p->lo, ranges[n][1] = h - 1, n++;
    ranges[n][0] = ranges[n][1] = h, n++;
    if (h < p->hi) ranges[n][0] = h + 1, ranges[n][1] = p->hi, n++;
    if (n > 1) partition_replace(mp, i, (const uint64_t(*)[2])ranges, n, now);
}

/* A throttled request on the partition of hash (table mutex held): the
 * heat goes on, and a partition hot for long enough splits (around its hot
 * key when one key holds the heat).  A second without throttling ends
 * the heat. */
static void partition_heat(partition_map_t *_Atomic *mp, uint64_t hash, int64_t now)
{
    partition_map_t *m = atomic_load(mp);
    partition_t *p = partition_find(m, hash);
    size_t i = (size_t)(p - m->parts);
    if (!p->heat_since_ns || now - p->heat_last_ns > NS) {
        p->heat_since_ns = now;
        p->hot_votes = 0;
    }
    p->heat_last_ns = now;
    if (p->hot_votes == 0) p->hot_hash = hash;
    p->hot_votes += p->hot_hash == hash ? 1 : -1;
    if ((double)(now - p->heat_since_ns) / NS < burst_seconds / 30) return;
    if (p->hot_votes > 0) partition_isolate(mp, i, p->hot_hash, now);
    else partition_split_middle(mp, i, now);
}

/* Split the widest partitions until there are n (table mutex held). */
static void partitions_grow(partition_map_t *_Atomic *mp, size_t n, int64_t now)
{
    if (n > THROTTLE_PARTITIONS_MAX) n = THROTTLE_PARTITIONS_MAX;
    if (!atomic_load(mp)) {
        partition_map_t *m = malloc(sizeof *m + sizeof m->parts[0]);
        if (!m) return;
        m->retired = NULL;
        m->count = 1;
        partition_init(&m->parts[0], 0, UINT64_MAX, now);
        atomic_store_explicit(mp, m, memory_order_release);
    }
    for (;;) {
        partition_map_t *m = atomic_load(mp);
        if (m->count >= n) break;
        size_t widest = 0;
        for (size_t i = 1; i < m->count; i++)
            if (m->parts[i].hi - m->parts[i].lo > m->parts[widest].hi - m->parts[widest].lo)
                widest = i;
        partition_split_middle(mp, widest, now);
        if (atomic_load(mp) == m) break;
    }
}

/* --- table state ------------------------------------------------------------------------ */

static size_t slot_of(const char *name)
{
    size_t h = 5381;
    for (const char *p = name; *p; p++) h = h * 33 + (unsigned char)*p;
    return h % REGISTRY_SLOTS;
}

static table_state_t *state_find(const char *name)
{
    table_state_t *s = atomic_load_explicit(&reg.slots[slot_of(name)], memory_order_acquire);
    while (s && strcmp(s->name, name) != 0) s = atomic_load_explicit(&s->next, memory_order_acquire);
    return s;
}

/* A new state for table name, entered in the registry (lock held). */
static table_state_t *state_new(const char *name)
{
    table_state_t *s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(name))) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    table_state_t *_Atomic *slot = &reg.slots[slot_of(name)];
    atomic_store_explicit(&s->next, atomic_load(slot), RELAXED);
    atomic_store_explicit(slot, s, memory_order_release);
    return s;
}

/* Each thread's last lookup: a request admits and then charges the same
 * table, by the same name string, so the second lookup (and the next
 * request's, on a busy table) skips hashing the name.  A state, once
 * forgotten, is never found again this way; none is freed before exit. */
static __thread struct {
    const char *name;
    table_state_t *state;
} last_lookup;

static table_state_t *state_get(const char *name, bool create)
{
    table_state_t *s = last_lookup.state;
    if (s && last_lookup.name == name && !atomic_load_explicit(&s->forgotten, RELAXED) &&
        strcmp(s->name, name) == 0)
        return s;
    s = state_find(name);
    if (!s && create) {
        pthread_mutex_lock(&reg.lock);
        if (!(s = state_find(name))) s = state_new(name);
        pthread_mutex_unlock(&reg.lock);
    }
    if (s) last_lookup.name = name, last_lookup.state = s;
    return s;
}

static void map_free(partition_map_t *m)
{
    while (m) {
        partition_map_t *older = m->retired;
        free(m);
        m = older;
    }
}

static void state_free(table_state_t *s)
{
    for (size_t i = 0; i < atomic_load(&s->index_count); i++) {
        free(s->indexes[i].name);
        map_free(atomic_load(&s->indexes[i].map));
    }
    map_free(atomic_load(&s->map));
    free(s->name);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static size_t provisioned_partitions(int64_t rcu, int64_t wcu)
{
    /* ceil(rcu / 3000 + wcu / 1000), in thousandths of a partition */
    int64_t thousandths = rcu / 3 + (rcu % 3 != 0) + wcu;
    int64_t n = (thousandths + 999) / 1000;
    return n < 1 ? 1 : (size_t)n;
}

static index_state_t *index_state(table_state_t *s, const char *name)
{
    size_t n = atomic_load_explicit(&s->index_count, memory_order_acquire);
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->indexes[i].name, name) == 0) return &s->indexes[i];
    return NULL;
}

/* Whether s follows t's current throughput (read without the lock). */
static bool state_current(table_state_t *s, const table_t *t)
{
    int64_t rcu = t->pay_per_request ? 0 : t->rcu, wcu = t->pay_per_request ? 0 : t->wcu;
    return atomic_load_explicit(&s->synced, RELAXED) == t &&
           atomic_load_explicit(&s->on_demand, RELAXED) == t->pay_per_request &&
           atomic_load_explicit(&s->rcu, RELAXED) == rcu &&
           atomic_load_explicit(&s->wcu, RELAXED) == wcu;
}

/* Bring s in line with t's definition (billing, throughput, maximums,
 * GSIs); buckets keep their tokens across changes.  Table mutex held. */
static void state_sync(table_state_t *s, const table_t *t, int64_t now)
{
    bool fresh = !atomic_load(&s->synced);
    bool on_demand = t->pay_per_request;
    int64_t rcu = on_demand ? 0 : t->rcu, wcu = on_demand ? 0 : t->wcu;
    if (fresh || atomic_load(&s->on_demand) != on_demand || atomic_load(&s->rcu) != rcu ||
        atomic_load(&s->wcu) != wcu) {
        if (on_demand) {
            bucket_set(&s->b[0], max_of(ON_DEMAND_INITIAL_READ, 2 * s->peak[0]), 1.0, now, fresh);
            bucket_set(&s->b[1], max_of(ON_DEMAND_INITIAL_WRITE, 2 * s->peak[1]), 1.0, now, fresh);
            partitions_grow(&s->map, ON_DEMAND_INITIAL_PARTITIONS, now);
        } else {
            bucket_set(&s->b[0], (double)rcu, burst_seconds, now, fresh);
            bucket_set(&s->b[1], (double)wcu, burst_seconds, now, fresh);
            partitions_grow(&s->map, provisioned_partitions(rcu, wcu), now);
        }
        atomic_store(&s->on_demand, on_demand);
        atomic_store(&s->rcu, rcu);
        atomic_store(&s->wcu, wcu);
    }
    int64_t max[2] = {on_demand ? t->max_read : 0, on_demand ? t->max_write : 0};
    for (int k = 0; k < 2; k++)
        if (max[k] != atomic_load(&s->max[k])) {
            bucket_set(&s->cap[k], (double)max[k], 1.0, now, !atomic_load(&s->max[k]));
            atomic_store(&s->max[k], max[k]);
        }
    for (size_t i = 0; i < t->index_count; i++) {
        const index_def_t *ix = &t->indexes[i];
        index_state_t *is = index_state(s, ix->name);
        bool new_index = !is;
        size_t n = atomic_load(&s->index_count);
        if (new_index) {
            if (n == CATALOG_GSI_MAX + 5) continue;
            is = &s->indexes[n];
            if (!(is->name = strdup(ix->name))) continue;
            is->global = ix->global;
        }
        /* a provisioned GSI's throughput with its burst, an on-demand
         * one's maxima (one second's worth) */
        int64_t ircu = !ix->global ? 0 : on_demand ? ix->max_read : ix->rcu;
        int64_t iwcu = !ix->global ? 0 : on_demand ? ix->max_write : ix->wcu;
        double keep = on_demand ? 1.0 : burst_seconds;
        if (new_index || atomic_load(&is->rcu) != ircu || atomic_load(&is->wcu) != iwcu) {
            bucket_set(&is->b[0], (double)ircu, keep, now, new_index);
            bucket_set(&is->b[1], (double)iwcu, keep, now, new_index);
            atomic_store(&is->rcu, ircu);
            atomic_store(&is->wcu, iwcu);
            /* a GSI's partitions are sized as a table's, from its own
             * throughput (an on-demand one's initial size) */
            if (ix->global)
                partitions_grow(&is->map,
                                on_demand ? ON_DEMAND_INITIAL_PARTITIONS
                                          : provisioned_partitions(ircu, iwcu),
                                now);
        }
        if (new_index) atomic_store_explicit(&s->index_count, n + 1, memory_order_release);
    }
    atomic_store(&s->synced, t);
}

/* On-demand: a second's consumption sets the peak, and capacity follows
 * it to double (table mutex held). */
static void on_demand_window(table_state_t *s, int64_t now)
{
    if (now - atomic_load(&s->window_start_ns) < NS) return;
    for (int k = 0; k < 2; k++) {
        double units = (double)atomic_exchange(&s->window_milli[k], 0) / 1000;
        if (units > s->peak[k]) {
            s->peak[k] = units;
            double floor = k ? ON_DEMAND_INITIAL_WRITE : ON_DEMAND_INITIAL_READ;
            bucket_set(&s->b[k], max_of(floor, 2 * units), 1.0, now, false);
        }
    }
    atomic_store(&s->window_start_ns, now);
}

/* --- entry points ----------------------------------------------------------------------- */

/* The state of t, in line with its definition (NULL: no memory). */
static table_state_t *state_of(const table_t *t, int64_t now)
{
    table_state_t *s = state_get(t->name, true);
    if (s && !state_current(s, t)) {
        pthread_mutex_lock(&s->mu);
        state_sync(s, t, now);
        pthread_mutex_unlock(&s->mu);
    }
    return s;
}

/* The error of a throttled request: its reason is the resource ("Table" or
 * "Index"), the operation and the limit, e.g.
 * TableWriteProvisionedThroughputExceeded, naming the table's or index's
 * ARN.  Provisioned tables answer ProvisionedThroughputExceededException
 * (the GSI text when a GSI's throughput throttles a table's write),
 * on-demand ones ThrottlingException. */
static ddb_error_t *throttled(arena_t *a, const table_t *t, const char *index, bool table_write,
                              bool write, bool on_demand, const char *limit)
{
    buf_t b;
    buf_init(&b);
    catalog_table_arn(t, &b);
    if (index) buf_printf(&b, "/index/%s", index);
    const char *resource = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    const char *reason = arena_sprintf(a, "%s%s%s", index ? "Index" : "Table",
                                       write ? "Write" : "Read", limit);
    if (on_demand) return err_throttling(a, reason, resource);
    if (index && table_write) return err_throughput_exceeded_index(a, reason, resource);
    return err_throughput_exceeded_table(a, reason, resource);
}

#define PROVISIONED_LIMIT "ProvisionedThroughputExceeded"
#define KEY_RANGE_LIMIT "KeyRangeThroughputExceeded"
#define MAX_ON_DEMAND_LIMIT "MaxOnDemandThroughputExceeded"

ddb_error_t *throttle_admit(arena_t *a, const table_t *t, bool write, bool keyed, uint64_t hash)
{
    if (!throttle_on) return NULL;
    int64_t now = now_ns();
    table_state_t *s = state_of(t, now);
    if (!s) return NULL;
    bool on_demand = atomic_load_explicit(&s->on_demand, RELAXED);
    ddb_error_t *e = NULL;
    const char *index = NULL;
    if (atomic_load_explicit(&s->max[write], RELAXED) && bucket_empty(&s->cap[write], now))
        e = throttled(a, t, NULL, write, write, true, MAX_ON_DEMAND_LIMIT);
    else if (bucket_empty(&s->b[write], now))
        /* an on-demand table past its current capacity: reason inferred */
        e = throttled(a, t, NULL, write, write, on_demand,
                      on_demand ? KEY_RANGE_LIMIT : PROVISIONED_LIMIT);
    /* a GSI's write capacity (or on-demand maximum) throttles the table's
     * writes */
    size_t n = write ? atomic_load_explicit(&s->index_count, memory_order_acquire) : 0;
    for (size_t i = 0; !e && i < n; i++) {
        index_state_t *is = &s->indexes[i];
        if (is->global && bucket_empty(&is->b[1], now)) {
            index = is->name;
            e = throttled(a, t, index, true, true, on_demand,
                          on_demand ? MAX_ON_DEMAND_LIMIT : PROVISIONED_LIMIT);
        }
    }
    partition_t *p = !e && keyed ? map_partition(&s->map, hash) : NULL;
    if (p && bucket_empty(&p->b[write], now)) {
        e = throttled(a, t, NULL, write, write, on_demand, KEY_RANGE_LIMIT);
        pthread_mutex_lock(&s->mu);
        partition_heat(&s->map, hash, now);
        pthread_mutex_unlock(&s->mu);
    }
    if (e) metrics_throttled_count(t->name, index);
    return e;
}

ddb_error_t *throttle_admit_index_read(arena_t *a, const table_t *t, const char *index, bool keyed,
                                       uint64_t hash)
{
    if (!throttle_on) return NULL;
    int64_t now = now_ns();
    table_state_t *s = state_of(t, now);
    index_state_t *is = s ? index_state(s, index) : NULL;
    if (!is || !is->global) return NULL;
    bool on_demand = atomic_load_explicit(&s->on_demand, RELAXED);
    ddb_error_t *e = NULL;
    if (bucket_empty(&is->b[0], now)) {
        e = throttled(a, t, index, false, false, on_demand,
                      on_demand ? MAX_ON_DEMAND_LIMIT : PROVISIONED_LIMIT);
    } else if (keyed) {
        partition_t *p = map_partition(&is->map, hash);
        if (p && bucket_empty(&p->b[0], now)) {
            e = throttled(a, t, index, false, false, on_demand, KEY_RANGE_LIMIT);
            pthread_mutex_lock(&s->mu);
            partition_heat(&is->map, hash, now);
            pthread_mutex_unlock(&s->mu);
        }
    }
    if (e) metrics_throttled_count(t->name, index);
    return e;
}

ddb_error_t *throttle_admit_index_write(arena_t *a, const table_t *t, const char *index,
                                        uint64_t hash)
{
    if (!throttle_on) return NULL;
    int64_t now = now_ns();
    table_state_t *s = state_of(t, now);
    index_state_t *is = s ? index_state(s, index) : NULL;
    partition_t *p = is && is->global ? map_partition(&is->map, hash) : NULL;
    if (!p || !bucket_empty(&p->b[1], now)) return NULL;
    pthread_mutex_lock(&s->mu);
    partition_heat(&is->map, hash, now);
    pthread_mutex_unlock(&s->mu);
    metrics_throttled_count(t->name, index);
    return throttled(a, t, index, true, true, atomic_load_explicit(&s->on_demand, RELAXED),
                     KEY_RANGE_LIMIT);
}

void throttle_charge_index_partition(const char *table, const char *index, uint64_t hash,
                                     bool write, double units)
{
    if (!throttle_on || units <= 0) return;
    table_state_t *s = state_get(table, false);
    index_state_t *is = s ? index_state(s, index) : NULL;
    partition_t *p = is && is->global ? map_partition(&is->map, hash) : NULL;
    if (p) partition_debit(p, write, units, now_ns());
}

void throttle_charge(const capacity_t *c)
{
    if (!throttle_on) return;
    table_state_t *s = state_get(c->table, false);
    if (!s) return;
    int64_t now = now_ns();
    bool w = c->write;
    if (c->units > 0) {
        bucket_debit(&s->b[w], c->units, now);
        if (atomic_load_explicit(&s->on_demand, RELAXED)) {
            atomic_fetch_add_explicit(&s->window_milli[w], (int64_t)(c->units * 1000), RELAXED);
            if (atomic_load_explicit(&s->max[w], RELAXED)) bucket_debit(&s->cap[w], c->units, now);
            if (now - atomic_load_explicit(&s->window_start_ns, RELAXED) >= NS) {
                pthread_mutex_lock(&s->mu);
                on_demand_window(s, now);
                pthread_mutex_unlock(&s->mu);
            }
        }
        partition_t *p = c->keyed ? map_partition(&s->map, c->hash) : NULL;
        if (p) partition_debit(p, w, c->units, now);
    }
    for (size_t i = 0; i < c->index_count; i++) {
        index_state_t *is = index_state(s, c->indexes[i].name);
        if (is && is->global) bucket_debit(&is->b[w], c->indexes[i].units, now);
    }
}

void throttle_charge_partition(const char *table, uint64_t hash, bool write, double units)
{
    if (!throttle_on || units <= 0) return;
    table_state_t *s = state_get(table, false);
    partition_t *p = s ? map_partition(&s->map, hash) : NULL;
    if (p) partition_debit(p, write, units, now_ns());
}

void throttle_note_bytes(const char *table, const char *index, uint64_t bytes)
{
    if (!throttle_on) return;
    table_state_t *s = state_get(table, false);
    index_state_t *is = s && index ? index_state(s, index) : NULL;
    if (index && (!is || !is->global)) return;
    partition_map_t *_Atomic *mp = is ? &is->map : s ? &s->map : NULL;
    partition_map_t *m = mp ? atomic_load_explicit(mp, memory_order_acquire) : NULL;
    uint64_t needed = bytes / partition_bytes + (bytes % partition_bytes != 0);
    if (!m || needed <= m->count) return;
    pthread_mutex_lock(&s->mu);
    partitions_grow(mp, needed < THROTTLE_PARTITIONS_MAX ? (size_t)needed : THROTTLE_PARTITIONS_MAX,
                    now_ns());
    pthread_mutex_unlock(&s->mu);
}

/* The consumption of partition p (read and write), to rank them. */
static uint64_t partition_consumed(const partition_t *p)
{
    return atomic_load_explicit(&p->consumed_halves[0], RELAXED) +
           atomic_load_explicit(&p->consumed_halves[1], RELAXED);
}

static void render_partitions(buf_t *out, const table_state_t *s)
{
    partition_map_t *m = atomic_load_explicit(&((table_state_t *)s)->map, memory_order_acquire);
    if (!m) return;
    /* the most consuming partitions, by selection (at most a few) */
    size_t top[THROTTLE_RENDER_PARTITIONS], n = 0;
    for (size_t i = 0; i < m->count; i++) {
        size_t at = n < THROTTLE_RENDER_PARTITIONS ? n++ : THROTTLE_RENDER_PARTITIONS;
        while (at > 0 && partition_consumed(&m->parts[i]) > partition_consumed(&m->parts[top[at - 1]])) {
            if (at < THROTTLE_RENDER_PARTITIONS) top[at] = top[at - 1];
            at--;
        }
        if (at < THROTTLE_RENDER_PARTITIONS) top[at] = i;
    }
    static const char *const kinds[2] = {"read", "write"};
    for (size_t k = 0; k < n; k++)
        for (int w = 0; w < 2; w++) {
            const partition_t *p = &m->parts[top[k]];
            uint64_t halves = atomic_load_explicit(&p->consumed_halves[w], RELAXED);
            buf_append_str(out, "ddbd_partition_consumed_units_total{table=\"");
            metrics_label_write(out, s->name);
            buf_printf(out, "\",partition=\"%016llx\",kind=\"%s\"} %llu%s\n",
                       (unsigned long long)p->lo, kinds[w], (unsigned long long)(halves / 2),
                       halves % 2 ? ".5" : "");
        }
}

void throttle_render(buf_t *out)
{
    if (!throttle_on) return;
    pthread_mutex_lock(&reg.lock);
    metrics_family_write(out, "ddbd_partitions", "gauge",
                         "Partitions of a table (ranges of the partition-key hash)");
    for (size_t i = 0; i < REGISTRY_SLOTS; i++)
        for (table_state_t *s = atomic_load(&reg.slots[i]); s; s = atomic_load(&s->next)) {
            partition_map_t *m = atomic_load_explicit(&s->map, memory_order_acquire);
            buf_append_str(out, "ddbd_partitions{table=\"");
            metrics_label_write(out, s->name);
            buf_printf(out, "\"} %zu\n", m ? m->count : 0);
            /* a GSI's: one series per index (at most CATALOG_GSI_MAX) */
            size_t n = atomic_load_explicit(&s->index_count, memory_order_acquire);
            for (size_t k = 0; k < n; k++) {
                partition_map_t *im =
                    atomic_load_explicit(&s->indexes[k].map, memory_order_acquire);
                if (!s->indexes[k].global || !im) continue;
                buf_append_str(out, "ddbd_partitions{table=\"");
                metrics_label_write(out, s->name);
                buf_append_str(out, "\",index=\"");
                metrics_label_write(out, s->indexes[k].name);
                buf_printf(out, "\"} %zu\n", im->count);
            }
        }
    metrics_family_write(out, "ddbd_partition_consumed_units_total", "counter",
                         "Capacity units consumed on a partition (the most consuming ones)");
    for (size_t i = 0; i < REGISTRY_SLOTS; i++)
        for (table_state_t *s = atomic_load(&reg.slots[i]); s; s = atomic_load(&s->next))
            render_partitions(out, s);
    pthread_mutex_unlock(&reg.lock);
}

size_t throttle_partition_count(const char *table)
{
    if (!throttle_on) return 0;
    table_state_t *s = state_get(table, false);
    partition_map_t *m = s ? atomic_load(&s->map) : NULL;
    return m ? m->count : 0;
}

void throttle_forget(const char *table)
{
    if (!throttle_on) return;
    pthread_mutex_lock(&reg.lock);
    table_state_t *_Atomic *p = &reg.slots[slot_of(table)];
    table_state_t *s;
    while ((s = atomic_load(p)) && strcmp(s->name, table) != 0) p = &s->next;
    if (s) {
        atomic_store_explicit(p, atomic_load(&s->next), memory_order_release);
        atomic_store(&s->forgotten, true);
        s->dead_next = reg.dead;
        reg.dead = s;
    }
    pthread_mutex_unlock(&reg.lock);
}

void throttle_shutdown(void)
{
    pthread_mutex_lock(&reg.lock);
    for (size_t i = 0; i < REGISTRY_SLOTS; i++) {
        table_state_t *s = atomic_load(&reg.slots[i]);
        atomic_store(&reg.slots[i], NULL);
        while (s) {
            table_state_t *next = atomic_load(&s->next);
            state_free(s);
            s = next;
        }
    }
    while (reg.dead) {
        table_state_t *next = reg.dead->dead_next;
        state_free(reg.dead);
        reg.dead = next;
    }
    pthread_mutex_unlock(&reg.lock);
}
