/* insights: per-thread heavy-hitter sketches of the keys of tables and
 * indexes with Contributor Insights enabled; see insights.h. */
#include "insights.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "metrics.h"
#include "number.h"

/* The four rules of the service, in its order (PKC, PKT, SKC, SKT): most
 * accessed partition keys, most throttled ones, and the same for items
 * (partition + sort key). */
enum { RULE_ACCESSED_PK, RULE_THROTTLED_PK, RULE_ACCESSED_ITEM, RULE_THROTTLED_ITEM, RULE_COUNT };

typedef struct {
    uint64_t hash; /* of the whole key: what tells keys apart */
    uint64_t count, error;
    char pk[INSIGHTS_KEY_TEXT_MAX + 1], sk[INSIGHTS_KEY_TEXT_MAX + 1]; /* shown texts */
} counter_t;

/* A key is found through `slots`, an open-addressing table of counter
 * numbers + 1 keyed by hash (0 free, SLOT_GONE a removed one), so that a
 * hit costs a probe or two; only a new key scans the counts for the
 * smallest.  Hashes and counts sit apart from the texts. */
#define SLOTS (2 * INSIGHTS_SKETCH_SIZE) /* a power of two */
#define SLOT_GONE 0xFF
typedef struct {
    size_t used, gone;
    uint8_t slots[SLOTS];
    uint64_t hash[INSIGHTS_SKETCH_SIZE], count[INSIGHTS_SKETCH_SIZE];
    counter_t c[INSIGHTS_SKETCH_SIZE]; /* error and texts (hash and count: at a scrape) */
} sketch_t;

/* The sketches of one enabling of one table or index. */
typedef struct {
    char id[40];                 /* the table's id; "" for a free set */
    char index[256];             /* "" for the table */
    int64_t epoch;               /* the setting's changed_ms */
    sketch_t *rules[RULE_COUNT]; /* allocated at their first count */
} sketch_set_t;

typedef struct insights_thread {
    struct insights_thread *next;
    pthread_mutex_t lock; /* the owner counting, or a scrape reading and pruning */
    sketch_set_t sets[INSIGHTS_SETS_MAX];
    size_t set_count; /* sets[0..set_count) may be in use */
    /* the set last counted in, for the table definition and setting it was
     * found for; valid while `pruned` (a scrape freeing sets) has not moved */
    struct {
        const table_t *table;
        const insights_setting_t *setting;
        uint64_t pruned;
        sketch_set_t *set;
    } last;
    uint64_t pruned;
} insights_thread_t;

static struct {
    pthread_mutex_t lock; /* the list of threads */
    insights_thread_t *threads;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static __thread insights_thread_t *mine;

static insights_thread_t *thread_block(void)
{
    if (mine) return mine;
    insights_thread_t *t = calloc(1, sizeof *t);
    if (!t) abort();
    pthread_mutex_init(&t->lock, NULL);
    pthread_mutex_lock(&g.lock);
    t->next = g.threads;
    g.threads = t;
    pthread_mutex_unlock(&g.lock);
    return mine = t;
}

const insights_setting_t *insights_setting_find(const table_t *t, const char *index)
{
    for (size_t i = 0; i < t->insights_count; i++) {
        const insights_setting_t *s = &t->insights[i];
        if (!s->index == !index && (!index || strcmp(s->index, index) == 0)) return s;
    }
    return NULL;
}

/* --- key texts and hashes ----------------------------------------------------------------- */

static uint64_t hash_bytes(uint64_t h, const void *p, size_t len)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * 1099511628211ULL; /* FNV-1a */
    return h;
}

/* The bytes a key value is hashed by: S and B their bytes, N its text. */
static const char *key_bytes(const value_t *v, char number[NUMBER_MAX_TEXT], size_t *len)
{
    if (v->type == VALUE_N) {
        *len = number_format(&v->u.n, number);
        return number;
    }
    *len = v->u.bytes.len;
    return v->u.bytes.ptr;
}

/* Copy at most INSIGHTS_KEY_TEXT_MAX bytes of s, cut before a partial
 * UTF-8 character, without NULs (a label value is a C string here). */
static void text_copy(char *out, const char *s, size_t len)
{
    if (len > INSIGHTS_KEY_TEXT_MAX) {
        len = INSIGHTS_KEY_TEXT_MAX;
        while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    if (!memchr(s, 0, len)) {
        memcpy(out, s, len);
        out[len] = 0;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i]) out[n++] = s[i];
    out[n] = 0;
}

static void key_text(const value_t *v, char *out)
{
    char number[NUMBER_MAX_TEXT];
    size_t len;
    const char *bytes = key_bytes(v, number, &len);
    if (v->type != VALUE_B) {
        text_copy(out, bytes, len);
        return;
    }
    /* base64, as the value reads in JSON (json_write_base64 quotes it) */
    size_t take = len > INSIGHTS_KEY_TEXT_MAX / 4 * 3 ? INSIGHTS_KEY_TEXT_MAX / 4 * 3 : len;
    buf_t b;
    buf_init(&b);
    json_write_base64(&b, (const uint8_t *)bytes, take);
    text_copy(out, b.data + 1, b.len - 2);
    buf_free(&b);
}

/* --- counting --------------------------------------------------------------------------- */

static sketch_set_t *set_find(insights_thread_t *t, const table_t *table, const char *index,
                              int64_t epoch)
{
    const char *ix = index ? index : "";
    sketch_set_t *free_set = NULL;
    for (size_t i = 0; i < t->set_count; i++) {
        sketch_set_t *s = &t->sets[i];
        if (!s->id[0]) {
            if (!free_set) free_set = s;
            continue;
        }
        if (s->epoch == epoch && strcmp(s->id, table->id) == 0 && strcmp(s->index, ix) == 0)
            return s;
    }
    if (!free_set && t->set_count < INSIGHTS_SETS_MAX) free_set = &t->sets[t->set_count++];
    if (!free_set) return NULL; /* full until the next scrape prunes stale sets */
    snprintf(free_set->id, sizeof free_set->id, "%s", table->id);
    snprintf(free_set->index, sizeof free_set->index, "%s", ix);
    free_set->epoch = epoch;
    return free_set;
}

/* The slot holding hash's counter, or the free one where it would go. */
static size_t slot_find(const sketch_t *k, uint64_t hash)
{
    for (size_t j = hash & (SLOTS - 1);; j = (j + 1) & (SLOTS - 1)) {
        uint8_t v = k->slots[j];
        if (!v || (v != SLOT_GONE && k->hash[v - 1] == hash)) return j;
    }
}

static void slot_put(sketch_t *k, uint64_t hash, size_t i)
{
    size_t j = hash & (SLOTS - 1);
    while (k->slots[j] && k->slots[j] != SLOT_GONE)
        j = (j + 1) & (SLOTS - 1);
    if (k->slots[j] == SLOT_GONE) k->gone--;
    k->slots[j] = (uint8_t)(i + 1);
}

/* Removed slots lengthen probes: past a quarter of the table, rebuild it
 * (live slots + removed ones stay below SLOTS, so a probe always ends). */
static void slot_remove(sketch_t *k, size_t i)
{
    size_t j = slot_find(k, k->hash[i]);
    assert(k->slots[j] == i + 1);
    k->slots[j] = SLOT_GONE;
    if (++k->gone <= SLOTS / 4) return;
    memset(k->slots, 0, sizeof k->slots);
    k->gone = 0;
    for (size_t n = 0; n < k->used; n++)
        if (n != i) slot_put(k, k->hash[n], n);
}

/* Space-saving: a known key adds one; a new one takes a free counter or
 * the smallest, starting from its count. */
static void sketch_count(sketch_t *k, uint64_t hash, const value_t *pk, const value_t *sk)
{
    size_t j = slot_find(k, hash);
    if (k->slots[j]) {
        k->count[k->slots[j] - 1]++;
        return;
    }
    size_t i = k->used;
    uint64_t error = 0;
    if (i < INSIGHTS_SKETCH_SIZE) {
        k->used++;
    } else {
        i = 0;
        for (size_t n = 1; n < INSIGHTS_SKETCH_SIZE; n++)
            if (k->count[n] < k->count[i]) i = n;
        error = k->count[i];
        slot_remove(k, i);
    }
    counter_t *c = &k->c[i];
    c->error = error;
    k->count[i] = error + 1;
    k->hash[i] = hash;
    slot_put(k, hash, i);
    key_text(pk, c->pk);
    if (sk)
        key_text(sk, c->sk);
    else
        c->sk[0] = 0;
}

static void note(const table_t *t, const char *index, const value_t *pk, const value_t *sk,
                 bool throttled)
{
    if (!t->insights_count || !pk) return;
    const insights_setting_t *s = insights_setting_find(t, index);
    if (!s || !s->enabled) return;
    if (!throttled && s->mode == INSIGHTS_THROTTLED_KEYS) return;
    char number[NUMBER_MAX_TEXT];
    size_t len;
    const char *bytes = key_bytes(pk, number, &len);
    uint64_t h = hash_bytes(1469598103934665603ULL ^ pk->type, bytes, len);
    uint64_t item_hash = 0;
    if (sk) {
        bytes = key_bytes(sk, number, &len);
        item_hash = hash_bytes(hash_bytes(h, "\0", 1) ^ sk->type, bytes, len);
    }
    insights_thread_t *th = thread_block();
    pthread_mutex_lock(&th->lock);
    sketch_set_t *set = th->last.set;
    /* (a definition freed and another allocated in its place must not pass:
     * the set's enabling time and table id are checked too) */
    if (th->last.table != t || th->last.setting != s || th->last.pruned != th->pruned || !set ||
        set->epoch != s->changed_ms || strcmp(set->id, t->id) != 0) {
        set = set_find(th, t, index, s->changed_ms);
        th->last.table = t, th->last.setting = s, th->last.pruned = th->pruned, th->last.set = set;
    }
    for (int item = 0; set && item <= (sk != NULL); item++) {
        int rule = item ? (throttled ? RULE_THROTTLED_ITEM : RULE_ACCESSED_ITEM)
                        : (throttled ? RULE_THROTTLED_PK : RULE_ACCESSED_PK);
        if (!set->rules[rule] && !(set->rules[rule] = calloc(1, sizeof(sketch_t)))) abort();
        sketch_count(set->rules[rule], item ? item_hash : h, pk, item ? sk : NULL);
    }
    pthread_mutex_unlock(&th->lock);
}

void insights_note_access(const table_t *t, const char *index, const value_t *pk, const value_t *sk)
{
    note(t, index, pk, sk, false);
}

void insights_note_throttled(const table_t *t, const char *index, const value_t *pk,
                             const value_t *sk)
{
    note(t, index, pk, sk, true);
}

/* --- the scrape ---------------------------------------------------------------------------- */

/* One enabled setting, with the counters of its rules from every thread. */
typedef struct {
    const char *table, *id, *index; /* index "" for the table */
    int64_t epoch;
    counter_t *merged[RULE_COUNT];
    size_t count[RULE_COUNT], cap[RULE_COUNT];
} target_t;

static void target_add(target_t *x, int rule, const sketch_t *k)
{
    for (size_t i = 0; i < k->used; i++) {
        if (x->count[rule] == x->cap[rule]) {
            x->cap[rule] = x->cap[rule] ? 2 * x->cap[rule] : INSIGHTS_SKETCH_SIZE;
            x->merged[rule] = realloc(x->merged[rule], x->cap[rule] * sizeof(counter_t));
            if (!x->merged[rule]) abort();
        }
        counter_t *c = &x->merged[rule][x->count[rule]++];
        *c = k->c[i];
        c->hash = k->hash[i];
        c->count = k->count[i];
    }
}

static int by_hash(const void *a, const void *b)
{
    const counter_t *x = a, *y = b;
    return (x->hash > y->hash) - (x->hash < y->hash);
}

/* Most counted first; equal counts by key text, so the order is stable. */
static int by_count(const void *a, const void *b)
{
    const counter_t *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    int c = strcmp(x->pk, y->pk);
    return c ? c : strcmp(x->sk, y->sk);
}

/* The threads' counters of one key summed; then the top first. */
static void target_rank(target_t *x, int rule)
{
    counter_t *c = x->merged[rule];
    size_t n = x->count[rule], kept = 0;
    if (!n) return;
    qsort(c, n, sizeof *c, by_hash);
    for (size_t i = 0; i < n; i++) {
        if (kept && c[kept - 1].hash == c[i].hash)
            c[kept - 1].count += c[i].count;
        else
            c[kept++] = c[i];
    }
    qsort(c, kept, sizeof *c, by_count);
    x->count[rule] = kept < INSIGHTS_TOP_N ? kept : INSIGHTS_TOP_N;
}

/* The enabled settings of every live table (names from the arena). */
static size_t targets_collect(arena_t *a, target_t **out)
{
    const char **names;
    bool more;
    size_t n = catalog_list(a, NULL, SIZE_MAX, &names, &more), count = 0, cap = 0;
    target_t *all = NULL;
    for (size_t i = 0; i < n; i++) {
        table_t *t = catalog_acquire(names[i], strlen(names[i]));
        for (size_t k = 0; t && k < t->insights_count; k++) {
            const insights_setting_t *s = &t->insights[k];
            if (!s->enabled) continue;
            if (count == cap) {
                cap = cap ? 2 * cap : 8;
                target_t *grown = arena_alloc(a, cap * sizeof *grown);
                if (count) memcpy(grown, all, count * sizeof *grown);
                all = grown;
            }
            all[count++] = (target_t){.table = names[i],
                                      .id = arena_strdup(a, t->id),
                                      .index = arena_strdup(a, s->index ? s->index : ""),
                                      .epoch = s->changed_ms};
        }
        catalog_release(t);
    }
    *out = all;
    return count;
}

/* Merge every thread's sets into their targets; free the sets no target
 * wants (disabled, re-enabled, deleted tables). */
static void targets_gather(target_t *targets, size_t n)
{
    pthread_mutex_lock(&g.lock);
    for (insights_thread_t *t = g.threads; t; t = t->next) {
        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < t->set_count; i++) {
            sketch_set_t *s = &t->sets[i];
            if (!s->id[0]) continue;
            target_t *x = NULL;
            for (size_t k = 0; k < n && !x; k++)
                if (targets[k].epoch == s->epoch && strcmp(targets[k].id, s->id) == 0 &&
                    strcmp(targets[k].index, s->index) == 0)
                    x = &targets[k];
            for (int r = 0; r < RULE_COUNT; r++) {
                if (x && s->rules[r]) target_add(x, r, s->rules[r]);
                if (!x) {
                    free(s->rules[r]);
                    s->rules[r] = NULL;
                }
            }
            if (!x) {
                s->id[0] = 0;
                t->pruned++;
            }
        }
        while (t->set_count && !t->sets[t->set_count - 1].id[0])
            t->set_count--;
        pthread_mutex_unlock(&t->lock);
    }
    pthread_mutex_unlock(&g.lock);
}

static void render_rule(buf_t *out, const target_t *targets, size_t n, int rule)
{
    static const char *const names[RULE_COUNT] = {
        "ddbd_insights_accessed_partition_keys", "ddbd_insights_throttled_partition_keys",
        "ddbd_insights_accessed_items", "ddbd_insights_throttled_items"};
    static const char *const helps[RULE_COUNT] = {
        "Most accessed partition keys of each table and index with Contributor Insights.",
        "Most throttled partition keys of each table and index with Contributor Insights.",
        "Most accessed items (partition and sort key) of each table and index with "
        "Contributor Insights.",
        "Most throttled items (partition and sort key) of each table and index with "
        "Contributor Insights."};
    bool item = rule == RULE_ACCESSED_ITEM || rule == RULE_THROTTLED_ITEM;
    metrics_family_write(out, names[rule], "gauge", helps[rule]);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < targets[i].count[rule]; k++) {
            const counter_t *c = &targets[i].merged[rule][k];
            buf_append_str(out, names[rule]);
            buf_append_str(out, "{table=\"");
            metrics_label_write(out, targets[i].table);
            buf_append_str(out, "\",index=\"");
            metrics_label_write(out, targets[i].index);
            buf_append_str(out, "\",partition_key=\"");
            metrics_label_write(out, c->pk);
            if (item) {
                buf_append_str(out, "\",sort_key=\"");
                metrics_label_write(out, c->sk);
            }
            buf_printf(out, "\"} %llu\n", (unsigned long long)c->count);
        }
}

void insights_render(buf_t *out)
{
    arena_t *a = arena_new(0);
    target_t *targets;
    size_t n = targets_collect(a, &targets);
    targets_gather(targets, n);
    for (size_t i = 0; i < n; i++)
        for (int r = 0; r < RULE_COUNT; r++)
            target_rank(&targets[i], r);
    for (int r = 0; r < RULE_COUNT; r++)
        render_rule(out, targets, n, r);
    for (size_t i = 0; i < n; i++)
        for (int r = 0; r < RULE_COUNT; r++)
            free(targets[i].merged[r]);
    arena_free(a);
}
