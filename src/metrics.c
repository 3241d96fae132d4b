/* metrics: per-thread counters, summed and rendered on a scrape; see
 * metrics.h. */
#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"

/* Upper bounds of the latency buckets, in seconds (fixed, so that series
 * of different servers add up). */
static const double latency_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                        0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
#define LATENCY_BUCKETS (sizeof latency_bounds / sizeof latency_bounds[0])
/* Writes per group commit: powers of two. */
#define BATCH_BUCKETS 12 /* 1, 2, 4 ... 2048 */

typedef struct {
    uint64_t count[LATENCY_BUCKETS + 1]; /* the last: above every bound */
    uint64_t sum_ns;
} histogram_t;

/* Errors of one (operation, kind) on a table: a few slots, the rest in
 * `other_errors` (a table rarely sees many kinds). */
#define TABLE_ERROR_SLOTS 8
typedef struct {
    uint8_t operation, kind; /* operation 0: free */
    uint64_t count;
} table_error_t;

typedef struct {
    char *key; /* "table\0index\0" (index empty for the table); NULL: free slot */
    size_t key_len;
    uint64_t hash;
    uint64_t half_units[2]; /* read, write */
    uint64_t throttled;
    uint64_t *requests; /* [METRICS_OPERATIONS_MAX] by operation; NULL: none yet */
    table_error_t errors[TABLE_ERROR_SLOTS];
    uint64_t other_errors;
} table_counters_t;

typedef struct metrics_thread {
    struct metrics_thread *next;
    pthread_mutex_t lock; /* the owner growing `tables`, or a scrape reading them */
    uint64_t requests[METRICS_OPERATIONS_MAX];
    uint64_t errors[METRICS_OPERATIONS_MAX][ERR_KIND_COUNT];
    histogram_t latency[METRICS_OPERATIONS_MAX];
    uint64_t batches[BATCH_BUCKETS + 1];
    uint64_t batch_writes;
    histogram_t commit;
    table_counters_t *tables;
    size_t table_cap, table_count;
    table_counters_t *last; /* the last table's own entry looked up (most requests name one) */
} metrics_thread_t;

static struct {
    bool enabled;
    const char *const *operations;
    size_t operation_count;
    pthread_mutex_t lock; /* the list of blocks */
    metrics_thread_t *threads;
} m = {.enabled = true, .lock = PTHREAD_MUTEX_INITIALIZER};

static __thread metrics_thread_t *mine;

void metrics_enable(bool on) { m.enabled = on; }
bool metrics_enabled(void) { return m.enabled; }

void metrics_operations_set(const char *const *names, size_t count)
{
    m.operations = names;
    m.operation_count = count < METRICS_OPERATIONS_MAX ? count : METRICS_OPERATIONS_MAX;
}

int64_t metrics_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Only the owner writes a counter: a load and a store, never torn. */
static inline void bump(uint64_t *c, uint64_t by)
{
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + by, __ATOMIC_RELAXED);
}

static inline uint64_t peek(const uint64_t *c) { return __atomic_load_n(c, __ATOMIC_RELAXED); }

static metrics_thread_t *thread_block(void)
{
    if (mine) return mine;
    metrics_thread_t *t = calloc(1, sizeof *t);
    if (!t) abort();
    pthread_mutex_init(&t->lock, NULL);
    pthread_mutex_lock(&m.lock);
    t->next = m.threads;
    m.threads = t;
    pthread_mutex_unlock(&m.lock);
    return mine = t;
}

/* The bounds in nanoseconds, so that counting compares integers. */
static const int64_t latency_bounds_ns[LATENCY_BUCKETS] = {
    100000,   250000,   500000,    1000000,   2500000,   5000000,    10000000,
    25000000, 50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000};

static void histogram_add(histogram_t *h, int64_t ns)
{
    size_t i = 0;
    while (i < LATENCY_BUCKETS && ns > latency_bounds_ns[i])
        i++;
    bump(&h->count[i], 1);
    bump(&h->sum_ns, (uint64_t)(ns > 0 ? ns : 0));
}

static bool table_name_ok(const char *name, size_t len)
{
    if (len < 3 || len > 255) return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static table_counters_t *table_counters_n(metrics_thread_t *t, const char *table, size_t tl,
                                          const char *index);

/* A table's request (and error) by operation. */
static void table_request_count(metrics_thread_t *t, table_counters_t *c, int operation,
                                int error_kind)
{
    if (!c->requests) {
        /* allocated once, under the lock: a scrape may be reading */
        uint64_t *requests = calloc(METRICS_OPERATIONS_MAX, sizeof *requests);
        if (!requests) abort();
        pthread_mutex_lock(&t->lock);
        c->requests = requests;
        pthread_mutex_unlock(&t->lock);
    }
    bump(&c->requests[operation], 1);
    if (error_kind < 0) return;
    for (size_t i = 0; i < TABLE_ERROR_SLOTS; i++) {
        table_error_t *e = &c->errors[i];
        if (e->operation == operation && e->kind == error_kind) {
            bump(&e->count, 1);
            return;
        }
        if (!e->operation) {
            pthread_mutex_lock(&t->lock);
            e->operation = (uint8_t)operation, e->kind = (uint8_t)error_kind;
            e->count = 1;
            pthread_mutex_unlock(&t->lock);
            return;
        }
    }
    bump(&c->other_errors, 1);
}

void metrics_request_count(int operation, int error_kind, int64_t elapsed_ns, const char *table,
                           size_t table_len)
{
    if (!m.enabled) return;
    metrics_thread_t *t = thread_block();
    if (operation < 0 || operation >= METRICS_OPERATIONS_MAX) operation = 0;
    bump(&t->requests[operation], 1);
    if (error_kind >= ERR_KIND_COUNT) error_kind = -1;
    if (error_kind >= 0) bump(&t->errors[operation][error_kind], 1);
    histogram_add(&t->latency[operation], elapsed_ns);
    if (!table || !operation || error_kind == ERR_RESOURCE_NOT_FOUND) return;
    /* the name is checked only when it is not the last table counted */
    table_counters_t *last = t->last;
    bool again = last && last->key_len == table_len + 2 && memcmp(last->key, table, table_len) == 0;
    if (again)
        table_request_count(t, last, operation, error_kind);
    else if (table_name_ok(table, table_len))
        table_request_count(t, table_counters_n(t, table, table_len, NULL), operation, error_kind);
}

/* --- per-table counters ---------------------------------------------------------------- */

static uint64_t key_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 1099511628211ULL;
    return h;
}

/* The slot of key in a table of cap (a power of two) slots: its entry, or
 * the free slot where it belongs. */
static table_counters_t *slot_find(table_counters_t *slots, size_t cap, const char *key, size_t len,
                                   uint64_t hash)
{
    for (size_t i = hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
        table_counters_t *s = &slots[i];
        if (!s->key || (s->hash == hash && s->key_len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
}

static table_counters_t *table_counters_n(metrics_thread_t *t, const char *table, size_t tl,
                                          const char *index)
{
    if (!index && t->last && t->last->key_len == tl + 2 && memcmp(t->last->key, table, tl) == 0)
        return t->last;
    char key[512 + 2];
    size_t il = index ? strnlen(index, 256) : 0;
    if (tl > 255) tl = 255;
    memcpy(key, table, tl);
    key[tl] = 0;
    memcpy(key + tl + 1, index ? index : "", il);
    key[tl + 1 + il] = 0;
    size_t len = tl + il + 2;
    uint64_t hash = key_hash(key, len);
    if (t->table_cap) {
        table_counters_t *s = slot_find(t->tables, t->table_cap, key, len, hash);
        if (s->key) {
            if (!index) t->last = s;
            return s;
        }
    }
    /* A new entry (rare): under the lock, since a scrape may be reading. */
    if (t->table_count >= METRICS_TABLES_MAX && !(tl == 7 && memcmp(table, "(other)", 7) == 0))
        return table_counters_n(t, "(other)", 7, NULL);
    pthread_mutex_lock(&t->lock);
    if (2 * (t->table_count + 1) > t->table_cap) {
        size_t cap = t->table_cap ? 2 * t->table_cap : 16;
        table_counters_t *slots = calloc(cap, sizeof *slots);
        if (!slots) abort();
        for (size_t i = 0; i < t->table_cap; i++)
            if (t->tables[i].key)
                *slot_find(slots, cap, t->tables[i].key, t->tables[i].key_len, t->tables[i].hash) =
                    t->tables[i];
        free(t->tables);
        t->tables = slots;
        t->table_cap = cap;
    }
    table_counters_t *s = slot_find(t->tables, t->table_cap, key, len, hash);
    s->key = malloc(len);
    if (!s->key) abort();
    memcpy(s->key, key, len);
    s->key_len = len;
    s->hash = hash;
    t->table_count++;
    t->last = NULL; /* the slots may have moved */
    pthread_mutex_unlock(&t->lock);
    return s;
}

static table_counters_t *table_counters(metrics_thread_t *t, const char *table, const char *index)
{
    return table_counters_n(t, table, strnlen(table, 256), index);
}

void metrics_units_add(const char *table, const char *index, bool write, double units)
{
    if (!m.enabled || units <= 0) return;
    table_counters_t *s = table_counters(thread_block(), table, index);
    bump(&s->half_units[write], (uint64_t)(units * 2 + 0.5));
}

void metrics_throttled_count(const char *table, const char *index)
{
    if (!m.enabled) return;
    bump(&table_counters(thread_block(), table, index)->throttled, 1);
}

void metrics_batch_count(size_t writes)
{
    if (!m.enabled || !writes) return;
    metrics_thread_t *t = thread_block();
    size_t i = 0;
    while (i < BATCH_BUCKETS && writes > ((size_t)1 << i))
        i++;
    bump(&t->batches[i], 1);
    bump(&t->batch_writes, writes);
}

void metrics_commit_count(int64_t elapsed_ns)
{
    if (!m.enabled) return;
    histogram_add(&thread_block()->commit, elapsed_ns);
}

/* --- the exposition ---------------------------------------------------------------------- */

/* A label value: \, " and newlines escaped. */
static void label_value(buf_t *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"') buf_putc(out, '\\');
        if (*v == '\n') {
            buf_append_str(out, "\\n");
            continue;
        }
        buf_putc(out, *v);
    }
}

static void family(buf_t *out, const char *name, const char *type, const char *help)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void histogram_render(buf_t *out, const char *name, const char *labels, const histogram_t *h)
{
    uint64_t cumulative = 0;
    const char *sep = *labels ? "," : "";
    for (size_t i = 0; i <= LATENCY_BUCKETS; i++) {
        cumulative += h->count[i];
        if (i < LATENCY_BUCKETS)
            buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, latency_bounds[i],
                       (unsigned long long)cumulative);
        else
            buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                       (unsigned long long)cumulative);
    }
    const char *open = *labels ? "{" : "", *close = *labels ? "}" : "";
    buf_printf(out, "%s_sum%s%s%s %.9f\n%s_count%s%s%s %llu\n", name, open, labels, close,
               (double)h->sum_ns / 1e9, name, open, labels, close, (unsigned long long)cumulative);
}

static void histogram_sum(histogram_t *into, const histogram_t *h)
{
    for (size_t i = 0; i <= LATENCY_BUCKETS; i++)
        into->count[i] += peek(&h->count[i]);
    into->sum_ns += peek(&h->sum_ns);
}

static const char *operation_name(size_t i)
{
    return i < m.operation_count && m.operations[i] ? m.operations[i] : "unknown";
}

/* Request counters of every thread, summed. */
typedef struct {
    uint64_t requests[METRICS_OPERATIONS_MAX];
    uint64_t errors[METRICS_OPERATIONS_MAX][ERR_KIND_COUNT];
    histogram_t latency[METRICS_OPERATIONS_MAX];
    uint64_t batches[BATCH_BUCKETS + 1];
    uint64_t batch_writes;
    histogram_t commit;
} totals_t;

static void totals_sum(totals_t *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_lock(&m.lock);
    for (metrics_thread_t *t = m.threads; t; t = t->next) {
        for (size_t o = 0; o < METRICS_OPERATIONS_MAX; o++) {
            s->requests[o] += peek(&t->requests[o]);
            for (size_t k = 0; k < ERR_KIND_COUNT; k++)
                s->errors[o][k] += peek(&t->errors[o][k]);
            histogram_sum(&s->latency[o], &t->latency[o]);
        }
        for (size_t i = 0; i <= BATCH_BUCKETS; i++)
            s->batches[i] += peek(&t->batches[i]);
        s->batch_writes += peek(&t->batch_writes);
        histogram_sum(&s->commit, &t->commit);
    }
    pthread_mutex_unlock(&m.lock);
}

static void render_requests(buf_t *out, const totals_t *s)
{
    family(out, "ddbd_requests_total", "counter", "Requests answered, by operation.");
    for (size_t o = 0; o < METRICS_OPERATIONS_MAX; o++)
        if (s->requests[o] || (o && o < m.operation_count))
            buf_printf(out, "ddbd_requests_total{operation=\"%s\"} %llu\n", operation_name(o),
                       (unsigned long long)s->requests[o]);
    family(out, "ddbd_errors_total", "counter",
           "Requests answered with an error, by operation and error type.");
    for (size_t o = 0; o < METRICS_OPERATIONS_MAX; o++)
        for (size_t k = 0; k < ERR_KIND_COUNT; k++)
            if (s->errors[o][k])
                buf_printf(out, "ddbd_errors_total{operation=\"%s\",error=\"%s\"} %llu\n",
                           operation_name(o), ddb_error_kind_name((ddb_error_kind_t)k),
                           (unsigned long long)s->errors[o][k]);
    family(out, "ddbd_request_duration_seconds", "histogram",
           "Time from a request's arrival to its answer, by operation.");
    for (size_t o = 0; o < METRICS_OPERATIONS_MAX; o++) {
        if (!s->requests[o]) continue;
        char labels[96];
        snprintf(labels, sizeof labels, "operation=\"%s\"", operation_name(o));
        histogram_render(out, "ddbd_request_duration_seconds", labels, &s->latency[o]);
    }
}

static void render_writer(buf_t *out, const totals_t *s, const metrics_gauges_t *g)
{
    family(out, "ddbd_writer_queue_depth", "gauge", "Writes waiting for the writer.");
    buf_printf(out, "ddbd_writer_queue_depth %zu\n", g->writer_queue);
    family(out, "ddbd_group_commit_writes", "histogram", "Writes per group commit.");
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= BATCH_BUCKETS; i++) {
        cumulative += s->batches[i];
        if (i < BATCH_BUCKETS)
            buf_printf(out, "ddbd_group_commit_writes_bucket{le=\"%zu\"} %llu\n", (size_t)1 << i,
                       (unsigned long long)cumulative);
        else
            buf_printf(out, "ddbd_group_commit_writes_bucket{le=\"+Inf\"} %llu\n",
                       (unsigned long long)cumulative);
    }
    buf_printf(out, "ddbd_group_commit_writes_sum %llu\nddbd_group_commit_writes_count %llu\n",
               (unsigned long long)s->batch_writes, (unsigned long long)cumulative);
    family(out, "ddbd_commit_duration_seconds", "histogram",
           "Time of each write transaction's commit (with its fsync).");
    histogram_render(out, "ddbd_commit_duration_seconds", "", &s->commit);
}

/* Per-table counters of every thread, summed into one list. */
#define TOTAL_ERROR_SLOTS 32
typedef struct {
    const char *key; /* a thread's copy; valid while m.lock is held */
    size_t key_len;
    uint64_t half_units[2], throttled;
    uint64_t requests[METRICS_OPERATIONS_MAX];
    table_error_t errors[TOTAL_ERROR_SLOTS];
    uint64_t other_errors;
} table_total_t;

static void total_error_add(table_total_t *t, const table_error_t *e)
{
    for (size_t i = 0; i < TOTAL_ERROR_SLOTS; i++) {
        table_error_t *x = &t->errors[i];
        if (!x->operation) *x = (table_error_t){e->operation, e->kind, 0};
        if (x->operation == e->operation && x->kind == e->kind) {
            x->count += e->count;
            return;
        }
    }
    t->other_errors += e->count;
}

/* Adds b's counts to a (same key). */
static void total_merge(table_total_t *a, const table_total_t *b)
{
    a->half_units[0] += b->half_units[0];
    a->half_units[1] += b->half_units[1];
    a->throttled += b->throttled;
    for (size_t o = 0; o < METRICS_OPERATIONS_MAX; o++)
        a->requests[o] += b->requests[o];
    for (size_t i = 0; i < TOTAL_ERROR_SLOTS && b->errors[i].operation; i++)
        total_error_add(a, &b->errors[i]);
    a->other_errors += b->other_errors;
}

static int table_total_compare(const void *x, const void *y)
{
    const table_total_t *a = x, *b = y;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = memcmp(a->key, b->key, n);
    return c ? c : (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

static void table_labels(buf_t *out, const char *table, const char *index)
{
    buf_append_str(out, "{table=\"");
    label_value(out, table);
    buf_append_str(out, "\",index=\"");
    label_value(out, index ? index : "");
    buf_append_str(out, "\"}");
}

static void render_tables(buf_t *out, const metrics_gauges_t *g)
{
    pthread_mutex_lock(&m.lock);
    size_t n = 0, cap = 0;
    for (metrics_thread_t *t = m.threads; t; t = t->next) {
        pthread_mutex_lock(&t->lock);
        cap += t->table_count;
    }
    table_total_t *all = calloc(cap ? cap : 1, sizeof *all);
    if (!all) abort();
    for (metrics_thread_t *t = m.threads; t; t = t->next)
        for (size_t i = 0; i < t->table_cap; i++) {
            const table_counters_t *c = &t->tables[i];
            if (!c->key) continue;
            table_total_t *x = &all[n++];
            *x = (table_total_t){c->key,
                                 c->key_len,
                                 {peek(&c->half_units[0]), peek(&c->half_units[1])},
                                 peek(&c->throttled),
                                 {0},
                                 {{0, 0, 0}},
                                 peek(&c->other_errors)};
            for (size_t o = 0; c->requests && o < METRICS_OPERATIONS_MAX; o++)
                x->requests[o] = peek(&c->requests[o]);
            for (size_t k = 0; k < TABLE_ERROR_SLOTS && c->errors[k].operation; k++) {
                table_error_t e = {c->errors[k].operation, c->errors[k].kind,
                                   peek(&c->errors[k].count)};
                total_error_add(x, &e);
            }
        }
    qsort(all, n, sizeof *all, table_total_compare);
    size_t kept = 0; /* one entry per key */
    for (size_t i = 0; i < n; i++) {
        if (kept && table_total_compare(&all[kept - 1], &all[i]) == 0)
            total_merge(&all[kept - 1], &all[i]);
        else if (kept++ != i)
            all[kept - 1] = all[i];
    }
    static const char *const names[] = {"ddbd_consumed_read_units_total",
                                        "ddbd_consumed_write_units_total"};
    static const char *const helps[] = {"Read capacity units consumed, by table and index.",
                                        "Write capacity units consumed, by table and index."};
    for (int w = 0; w < 2; w++) {
        family(out, names[w], "counter", helps[w]);
        for (size_t i = 0; i < kept; i++) {
            buf_append_str(out, names[w]);
            table_labels(out, all[i].key, all[i].key + strlen(all[i].key) + 1);
            buf_printf(out, " %.1f\n", (double)all[i].half_units[w] / 2);
        }
    }
    family(out, "ddbd_table_requests_total", "counter",
           "Requests naming one table, by table and operation.");
    for (size_t i = 0; i < kept; i++)
        for (size_t o = 1; o < METRICS_OPERATIONS_MAX; o++) {
            if (!all[i].requests[o]) continue;
            buf_append_str(out, "ddbd_table_requests_total{table=\"");
            label_value(out, all[i].key);
            buf_printf(out, "\",operation=\"%s\"} %llu\n", operation_name(o),
                       (unsigned long long)all[i].requests[o]);
        }
    family(out, "ddbd_table_errors_total", "counter",
           "Errors of requests naming one table, by table, operation and error type.");
    for (size_t i = 0; i < kept; i++) {
        for (size_t k = 0; k < TOTAL_ERROR_SLOTS && all[i].errors[k].operation; k++) {
            const table_error_t *e = &all[i].errors[k];
            buf_append_str(out, "ddbd_table_errors_total{table=\"");
            label_value(out, all[i].key);
            buf_printf(out, "\",operation=\"%s\",error=\"%s\"} %llu\n",
                       operation_name(e->operation), ddb_error_kind_name((ddb_error_kind_t)e->kind),
                       (unsigned long long)e->count);
        }
        if (all[i].other_errors) {
            buf_append_str(out, "ddbd_table_errors_total{table=\"");
            label_value(out, all[i].key);
            buf_printf(out, "\",operation=\"(other)\",error=\"(other)\"} %llu\n",
                       (unsigned long long)all[i].other_errors);
        }
    }
    family(out, "ddbd_throttled_requests_total", "counter",
           "Requests throttled, by table and index.");
    for (size_t i = 0; i < g->size_count; i++) {
        buf_append_str(out, "ddbd_throttled_requests_total");
        table_labels(out, g->sizes[i].table, g->sizes[i].index);
        uint64_t throttled = 0;
        for (size_t k = 0; k < kept; k++) {
            const char *index = all[k].key + strlen(all[k].key) + 1;
            if (strcmp(all[k].key, g->sizes[i].table) == 0 &&
                strcmp(index, g->sizes[i].index ? g->sizes[i].index : "") == 0)
                throttled = all[k].throttled;
        }
        buf_printf(out, " %llu\n", (unsigned long long)throttled);
    }
    for (metrics_thread_t *t = m.threads; t; t = t->next)
        pthread_mutex_unlock(&t->lock);
    pthread_mutex_unlock(&m.lock);
    free(all);
}

static void render_sizes(buf_t *out, const metrics_gauges_t *g)
{
    family(out, "ddbd_table_items", "gauge", "Items of each table and index.");
    for (size_t i = 0; i < g->size_count; i++) {
        buf_append_str(out, "ddbd_table_items");
        table_labels(out, g->sizes[i].table, g->sizes[i].index);
        buf_printf(out, " %llu\n", (unsigned long long)g->sizes[i].items);
    }
    family(out, "ddbd_table_bytes", "gauge",
           "Item bytes (DynamoDB item sizes) of each table and index.");
    for (size_t i = 0; i < g->size_count; i++) {
        buf_append_str(out, "ddbd_table_bytes");
        table_labels(out, g->sizes[i].table, g->sizes[i].index);
        buf_printf(out, " %llu\n", (unsigned long long)g->sizes[i].bytes);
    }
}

void metrics_render(buf_t *out, const metrics_gauges_t *g)
{
    totals_t *s = malloc(sizeof *s);
    if (!s) abort();
    totals_sum(s);
    render_requests(out, s);
    render_tables(out, g);
    render_sizes(out, g);
    family(out, "ddbd_open_connections", "gauge", "Client connections open.");
    buf_printf(out, "ddbd_open_connections %zu\n", g->connections);
    render_writer(out, s, g);
    family(out, "ddbd_storage_map_bytes", "gauge", "Size of the storage map (the data limit).");
    buf_printf(out, "ddbd_storage_map_bytes %llu\n", (unsigned long long)g->map_bytes);
    family(out, "ddbd_storage_used_bytes", "gauge", "Bytes of the storage map in use.");
    buf_printf(out, "ddbd_storage_used_bytes %llu\n", (unsigned long long)g->map_used_bytes);
    free(s);
}

/* For modules that render families of their own (insights.c). */
void metrics_family_write(buf_t *out, const char *name, const char *type, const char *help)
{
    family(out, name, type, help);
}

void metrics_label_write(buf_t *out, const char *value) { label_value(out, value); }
