/* throttle: partitions and token buckets; see throttle.h. */
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

/* On-demand tables start able to serve this much (the service's figures
 * for a new on-demand table). */
#define ON_DEMAND_INITIAL_READ 12000.0
#define ON_DEMAND_INITIAL_WRITE 4000.0
#define ON_DEMAND_INITIAL_PARTITIONS 4

typedef struct {
    double tokens, rate, max;
    int64_t at_ns;
} bucket_t;

typedef struct {
    uint64_t lo, hi; /* hash range, both inclusive */
    bucket_t b[2];   /* [0] read, [1] write */
    /* heat: since when it has been throttled without pause (0: not
     * throttled) and the majority candidate of its throttled keys */
    int64_t heat_since_ns, heat_last_ns;
    uint64_t hot_hash;
    int64_t hot_votes;
} partition_t;

typedef struct {
    char *name;
    bool global;
    int64_t rcu, wcu;
    bucket_t b[2];
} index_state_t;

typedef struct table_state {
    struct table_state *_Atomic next; /* in its registry slot */
    struct table_state *dead_next;    /* once forgotten */
    char *name;
    pthread_mutex_t mu;
    bool configured, on_demand;
    int64_t rcu, wcu;
    bucket_t b[2];
    /* on-demand maximums (OnDemandThroughput; 0: none) and their buckets */
    int64_t max[2];
    bucket_t cap[2];
    /* on-demand: units consumed in the current second and the peak */
    int64_t window_start_ns;
    double window_units[2], peak[2];
    index_state_t indexes[CATALOG_GSI_MAX + 5];
    size_t index_count;
    partition_t *parts;
    size_t part_count;
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

void throttle_configure(bool on, double seconds)
{
    throttle_on = on;
    if (seconds > 0) burst_seconds = seconds;
}

static double max_of(double a, double b) { return a > b ? a : b; }

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- buckets ---------------------------------------------------------------------------- */

static void bucket_refill(bucket_t *b, int64_t now)
{
    double dt = (double)(now - b->at_ns) / 1e9;
    b->at_ns = now;
    if (dt <= 0) return;
    b->tokens += dt * b->rate;
    if (b->tokens > b->max) b->tokens = b->max;
}

/* A new rate keeps the tokens (capped by the new maximum); a new bucket
 * starts full. */
static void bucket_set(bucket_t *b, double rate, double keep_seconds, int64_t now, bool fresh)
{
    if (!fresh) bucket_refill(b, now);
    b->rate = rate;
    b->max = rate * keep_seconds;
    if (fresh) b->tokens = b->max;
    if (b->tokens > b->max) b->tokens = b->max;
    b->at_ns = now;
}

static bool bucket_empty(bucket_t *b, int64_t now)
{
    bucket_refill(b, now);
    return b->tokens <= 0;
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

static size_t partition_find(const table_state_t *s, uint64_t hash)
{
    size_t lo = 0, hi = s->part_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->parts[mid].lo <= hash) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Replace partition i by the pieces [lo, hi] of ranges (n of them, in
 * order): fresh buckets, no data moved. */
static void partition_replace(table_state_t *s, size_t i, const uint64_t (*ranges)[2], size_t n,
                              int64_t now)
{
    if (s->part_count + n - 1 > THROTTLE_PARTITIONS_MAX) return;
    partition_t *parts = realloc(s->parts, (s->part_count + n - 1) * sizeof *parts);
    if (!parts) return;
    s->parts = parts;
    memmove(&parts[i + n], &parts[i + 1], (s->part_count - i - 1) * sizeof *parts);
    for (size_t k = 0; k < n; k++) partition_init(&parts[i + k], ranges[k][0], ranges[k][1], now);
    s->part_count += n - 1;
}

static void partition_split_middle(table_state_t *s, size_t i, int64_t now)
{
    partition_t *p = &s->parts[i];
    if (p->lo == p->hi) return;
    uint64_t mid = p->lo + (p->hi - p->lo) / 2;
    const uint64_t ranges[2][2] = {{p->lo, mid}, {mid + 1, p->hi}};
    partition_replace(s, i, ranges, 2, now);
}

/* Put the item key hash h on a partition of its own. */
static void partition_isolate(table_state_t *s, size_t i, uint64_t h, int64_t now)
{
    partition_t *p = &s->parts[i];
    uint64_t ranges[3][2];
    size_t n = 0;
    if (h > p->lo) ranges[n][0] = p->lo, ranges[n][1] = h - 1, n++;
    ranges[n][0] = ranges[n][1] = h, n++;
    if (h < p->hi) ranges[n][0] = h + 1, ranges[n][1] = p->hi, n++;
    if (n > 1) partition_replace(s, i, (const uint64_t(*)[2])ranges, n, now);
}

/* A throttled request on partition i: the heat goes on, and a partition
 * hot for long enough splits (around its hot key when one key holds the
 * heat).  Throttling stops counting as heat after a second's pause. */
static void partition_heat(table_state_t *s, size_t i, uint64_t hash, int64_t now)
{
    partition_t *p = &s->parts[i];
    if (!p->heat_since_ns || now - p->heat_last_ns > 1000000000) {
        p->heat_since_ns = now;
        p->hot_votes = 0;
    }
    p->heat_last_ns = now;
    if (p->hot_votes == 0) p->hot_hash = hash;
    p->hot_votes += p->hot_hash == hash ? 1 : -1;
    if ((double)(now - p->heat_since_ns) / 1e9 < burst_seconds / 30) return;
    if (p->hot_votes > 0) partition_isolate(s, i, p->hot_hash, now);
    else partition_split_middle(s, i, now);
}

/* Split the widest partitions until there are n. */
static void partitions_grow(table_state_t *s, size_t n, int64_t now)
{
    if (n > THROTTLE_PARTITIONS_MAX) n = THROTTLE_PARTITIONS_MAX;
    if (!s->part_count) {
        s->parts = calloc(1, sizeof *s->parts);
        if (!s->parts) return;
        partition_init(&s->parts[0], 0, UINT64_MAX, now);
        s->part_count = 1;
    }
    while (s->part_count < n) {
        size_t widest = 0;
        for (size_t i = 1; i < s->part_count; i++)
            if (s->parts[i].hi - s->parts[i].lo > s->parts[widest].hi - s->parts[widest].lo)
                widest = i;
        size_t before = s->part_count;
        partition_split_middle(s, widest, now);
        if (s->part_count == before) break;
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
    /* held for a few arithmetic steps: spin a little before sleeping */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&s->mu, &attr);
    pthread_mutexattr_destroy(&attr);
    table_state_t *_Atomic *slot = &reg.slots[slot_of(name)];
    atomic_store_explicit(&s->next, atomic_load(slot), memory_order_relaxed);
    atomic_store_explicit(slot, s, memory_order_release);
    return s;
}

/* The state of table name, locked (created when create); NULL: none. */
static table_state_t *state_lock(const char *name, bool create)
{
    table_state_t *s = state_find(name);
    if (!s && create) {
        pthread_mutex_lock(&reg.lock);
        if (!(s = state_find(name))) s = state_new(name);
        pthread_mutex_unlock(&reg.lock);
    }
    if (s) pthread_mutex_lock(&s->mu);
    return s;
}

static void state_free(table_state_t *s)
{
    for (size_t i = 0; i < s->index_count; i++) free(s->indexes[i].name);
    free(s->parts);
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
    for (size_t i = 0; i < s->index_count; i++)
        if (strcmp(s->indexes[i].name, name) == 0) return &s->indexes[i];
    return NULL;
}

/* Bring s in line with t's current definition (billing, throughput,
 * GSIs); buckets keep their tokens across changes. */
static void state_sync(table_state_t *s, const table_t *t, int64_t now)
{
    bool fresh = !s->configured;
    int64_t rcu = t->pay_per_request ? 0 : t->rcu, wcu = t->pay_per_request ? 0 : t->wcu;
    if (fresh || s->on_demand != t->pay_per_request || s->rcu != rcu || s->wcu != wcu) {
        s->on_demand = t->pay_per_request;
        s->rcu = rcu;
        s->wcu = wcu;
        if (s->on_demand) {
            double r = max_of(ON_DEMAND_INITIAL_READ, 2 * s->peak[0]);
            double w = max_of(ON_DEMAND_INITIAL_WRITE, 2 * s->peak[1]);
            bucket_set(&s->b[0], r, 1.0, now, fresh);
            bucket_set(&s->b[1], w, 1.0, now, fresh);
            partitions_grow(s, ON_DEMAND_INITIAL_PARTITIONS, now);
        } else {
            bucket_set(&s->b[0], (double)rcu, burst_seconds, now, fresh);
            bucket_set(&s->b[1], (double)wcu, burst_seconds, now, fresh);
            partitions_grow(s, provisioned_partitions(rcu, wcu), now);
        }
        s->configured = true;
    }
    int64_t max[2] = {t->pay_per_request ? t->max_read : 0, t->pay_per_request ? t->max_write : 0};
    for (int k = 0; k < 2; k++)
        if (max[k] != s->max[k]) {
            bucket_set(&s->cap[k], (double)max[k], 1.0, now, !s->max[k]);
            s->max[k] = max[k];
        }
    for (size_t i = 0; i < t->index_count; i++) {
        const index_def_t *ix = &t->indexes[i];
        index_state_t *is = index_state(s, ix->name);
        bool new_index = !is;
        if (new_index) {
            if (s->index_count == CATALOG_GSI_MAX + 5) continue;
            is = &s->indexes[s->index_count];
            is->name = strdup(ix->name);
            if (!is->name) continue;
            s->index_count++;
            is->global = ix->global;
        }
        int64_t ircu = s->on_demand || !ix->global ? 0 : ix->rcu;
        int64_t iwcu = s->on_demand || !ix->global ? 0 : ix->wcu;
        if (new_index || is->rcu != ircu || is->wcu != iwcu) {
            bucket_set(&is->b[0], (double)ircu, burst_seconds, now, new_index);
            bucket_set(&is->b[1], (double)iwcu, burst_seconds, now, new_index);
            is->rcu = ircu;
            is->wcu = iwcu;
        }
    }
}

/* On-demand: a second's consumption sets the peak, and capacity follows
 * it to double. */
static void on_demand_window(table_state_t *s, int64_t now)
{
    if (now - s->window_start_ns < 1000000000) return;
    for (int k = 0; k < 2; k++) {
        if (s->window_units[k] > s->peak[k]) {
            s->peak[k] = s->window_units[k];
            double floor = k ? ON_DEMAND_INITIAL_WRITE : ON_DEMAND_INITIAL_READ;
            bucket_set(&s->b[k], max_of(floor, 2 * s->peak[k]), 1.0, now, false);
        }
        s->window_units[k] = 0;
    }
    s->window_start_ns = now;
}

/* --- entry points ----------------------------------------------------------------------- */

ddb_error_t *throttle_admit(arena_t *a, const table_t *t, bool write, bool keyed, uint64_t hash)
{
    if (!throttle_on) return NULL;
    table_state_t *s = state_lock(t->name, true);
    if (!s) return NULL;
    int64_t now = now_ns();
    state_sync(s, t, now);
    ddb_error_t *e = NULL;
    const char *index = NULL;
    if (s->on_demand) on_demand_window(s, now);
    if (bucket_empty(&s->b[write], now) || (s->max[write] && bucket_empty(&s->cap[write], now)))
        e = s->on_demand ? err_throttling(a) : err_throughput_exceeded_table(a);
    for (size_t i = 0; !e && write && !s->on_demand && i < s->index_count; i++) {
        index_state_t *is = &s->indexes[i];
        if (is->global && bucket_empty(&is->b[1], now)) {
            e = err_throughput_exceeded_index(a);
            index = is->name;
        }
    }
    if (!e && keyed) {
        size_t i = partition_find(s, hash);
        if (bucket_empty(&s->parts[i].b[write], now)) {
            e = s->on_demand ? err_throttling(a) : err_throughput_exceeded_table(a);
            partition_heat(s, i, hash, now);
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (e) metrics_throttled_count(t->name, index);
    return e;
}

static void debit(bucket_t *b, double units, int64_t now)
{
    bucket_refill(b, now);
    b->tokens -= units;
}

void throttle_charge(const capacity_t *c)
{
    if (!throttle_on) return;
    table_state_t *s = state_lock(c->table, false);
    if (!s) return;
    int64_t now = now_ns();
    bool w = c->write;
    if (c->units > 0) {
        debit(&s->b[w], c->units, now);
        if (s->on_demand) {
            on_demand_window(s, now);
            s->window_units[w] += c->units;
            if (s->max[w]) debit(&s->cap[w], c->units, now);
        }
        if (c->keyed && s->part_count) debit(&s->parts[partition_find(s, c->hash)].b[w], c->units, now);
    }
    for (size_t i = 0; i < c->index_count && !s->on_demand; i++) {
        index_state_t *is = index_state(s, c->indexes[i].name);
        if (is && is->global && c->indexes[i].units > 0) debit(&is->b[w], c->indexes[i].units, now);
    }
    pthread_mutex_unlock(&s->mu);
}

void throttle_charge_partition(const char *table, uint64_t hash, bool write, double units)
{
    if (!throttle_on || units <= 0) return;
    table_state_t *s = state_lock(table, false);
    if (!s) return;
    if (s->part_count) {
        debit(&s->parts[partition_find(s, hash)].b[write], units, now_ns());
    }
    pthread_mutex_unlock(&s->mu);
}

size_t throttle_partition_count(const char *table)
{
    if (!throttle_on) return 0;
    table_state_t *s = state_lock(table, false);
    if (!s) return 0;
    size_t n = s->part_count;
    pthread_mutex_unlock(&s->mu);
    return n;
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
