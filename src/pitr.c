/* pitr: the change log of point-in-time recovery, its bases and its
 * housekeeping; see pitr.h. */
#include "pitr.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "backup.h"
#include "changelog.h"
#include "clock.h"
#include "log.h"
#include "storage.h"

#define LOG_ID_BASE ((uint64_t)1 << 62) /* stream ids count up from 1 */
#define SEQ_TIME_SHIFT 20               /* sequence numbers: commit ms << 20, then up by one */
#define TRIM_BUDGET 10000               /* records trimmed per writer transaction */

static struct {
    double interval_s, day_s, lag_s;
    /* Per log: the next sequence number (writer) and the last one given,
     * which the housekeeping compares with the newest base's. */
    pthread_mutex_t lock;
    struct seq_state {
        uint64_t log, next, last;
    } * logs;
    size_t count, cap;
    buf_t scratch;          /* writer thread */
    arena_t *scratch_arena; /* writer thread */
    MDB_txn *read_slot;     /* the housekeeping thread's */
} pitr = {.interval_s = 3600, .day_s = 86400, .lag_s = 300, .lock = PTHREAD_MUTEX_INITIALIZER};

int64_t pitr_day_ms(void) { return (int64_t)(pitr.day_s * 1000.0); }

void pitr_configure(double snapshot_interval_s, double day_s, double lag_s)
{
    pitr.interval_s = snapshot_interval_s;
    pitr.day_s = day_s;
    pitr.lag_s = lag_s;
}

uint64_t pitr_log_new(int64_t now_ms)
{
    uint16_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = (uint16_t)rand();
    return LOG_ID_BASE | (uint64_t)now_ms << 10 | (rnd & 0x3ff);
}

/* --- recording -------------------------------------------------------------------- */

/* The state of log, created (from what the log holds) at its first use. */
static struct seq_state *seq_state(MDB_txn *txn, uint64_t log, int *rc)
{
    for (size_t i = 0; i < pitr.count; i++)
        if (pitr.logs[i].log == log) return &pitr.logs[i];
    uint64_t first, last;
    bool empty;
    if ((*rc = changelog_bounds(txn, log, 0, &first, &last, &empty))) return NULL;
    pthread_mutex_lock(&pitr.lock);
    if (pitr.count == pitr.cap) {
        pitr.cap = pitr.cap ? 2 * pitr.cap : 16;
        pitr.logs = realloc(pitr.logs, pitr.cap * sizeof *pitr.logs);
        if (!pitr.logs) abort();
    }
    struct seq_state *s = &pitr.logs[pitr.count++];
    *s = (struct seq_state){log, empty ? 1 : last + 1, 0};
    pthread_mutex_unlock(&pitr.lock);
    return s;
}

/* log will not be written again (its table is being deleted): its state
 * goes.  Writer thread, as seq_state, whose pointers it may move; a state
 * forgotten too early is only read again from the log. */
static void seq_state_forget(uint64_t log)
{
    pthread_mutex_lock(&pitr.lock);
    for (size_t i = 0; i < pitr.count; i++)
        if (pitr.logs[i].log == log) {
            pitr.logs[i] = pitr.logs[--pitr.count];
            break;
        }
    pthread_mutex_unlock(&pitr.lock);
}

size_t pitr_logs_tracked(void)
{
    pthread_mutex_lock(&pitr.lock);
    size_t n = pitr.count;
    pthread_mutex_unlock(&pitr.lock);
    return n;
}

int pitr_record(MDB_txn *txn, const table_t *t, const value_t *old_item, const value_t *new_item,
                const MDB_val *old_encoded, const MDB_val *new_encoded)
{
    if (!t->pitr_enabled || (!old_item && !new_item)) return 0;
    if (old_item && new_item && old_encoded && new_encoded &&
        old_encoded->mv_size == new_encoded->mv_size &&
        memcmp(old_encoded->mv_data, new_encoded->mv_data, old_encoded->mv_size) == 0)
        return 0; /* nothing changed */
    int rc = 0;
    struct seq_state *s = seq_state(txn, t->pitr_log, &rc);
    if (!s) return rc;
    if (!pitr.scratch_arena) pitr.scratch_arena = arena_new(0);
    arena_reset(pitr.scratch_arena);
    int64_t now = storage_write_time_ms();
    /* Time-based numbers stay above those of a log emptied by trimming. */
    uint64_t seq = (uint64_t)now << SEQ_TIME_SHIFT;
    if (seq < s->next) seq = s->next;
    change_record_t r = {
        .event = !new_item  ? CHANGE_REMOVE
                 : old_item ? CHANGE_MODIFY
                            : CHANGE_INSERT,
        .time_ms = now,
        .sequence = seq,
        .keys = changelog_keys(pitr.scratch_arena, t->keys.hash, t->keys.range,
                               new_item ? new_item : old_item),
        .new_image = new_item,
        .new_encoded = new_encoded,
    };
    if ((rc = changelog_append(txn, t->pitr_log, 0, &r, &pitr.scratch))) return rc;
    pthread_mutex_lock(&pitr.lock);
    s->next = seq + 1;
    s->last = seq;
    pthread_mutex_unlock(&pitr.lock);
    return 0;
}

/* The last sequence number given in log since the start (0: none). */
static uint64_t last_recorded(uint64_t log)
{
    pthread_mutex_lock(&pitr.lock);
    uint64_t last = 0;
    for (size_t i = 0; i < pitr.count; i++)
        if (pitr.logs[i].log == log) last = pitr.logs[i].last;
    pthread_mutex_unlock(&pitr.lock);
    return last;
}

/* --- the window -------------------------------------------------------------------- */

static int64_t period_ms(const table_t *t)
{
    return (int64_t)((double)t->pitr_days * pitr.day_s * 1000.0);
}

/* The bases of t's current enabling (those of an earlier one, not yet
 * dropped, hold nothing of this window), oldest first. */
static size_t table_bases(arena_t *a, const table_t *t, backup_base_t **out)
{
    size_t n = backup_bases(a, t->id, t->pitr_log, out), skip = 0;
    while (skip < n && (*out)[skip].created_ms < t->pitr_since_ms)
        skip++;
    *out += skip;
    return n - skip;
}

void pitr_begin(table_t *t)
{
    if (backup_base_create(t, t->pitr_log))
        log_error("pitr: the first base of %s could not be started; the next tick retries",
                  t->name);
}

pitr_bounds_t pitr_window_of(int64_t now_ms, int64_t since_ms, int64_t oldest_base_ms,
                             int64_t period_ms, int64_t lag_ms)
{
    int64_t oldest = oldest_base_ms ? oldest_base_ms : since_ms, start = now_ms - period_ms;
    pitr_bounds_t w = {oldest > start ? oldest : start, now_ms};
    /* the oldest base rather than the enabling: a restore needs a base at
     * or before its instant, and the first one is taken just after */
    if (lag_ms > 0) w.latest = now_ms - lag_ms > oldest ? now_ms - lag_ms : oldest;
    if (w.latest > now_ms) w.latest = now_ms; /* enabled "later" than now: a clock step */
    if (w.earliest > w.latest) w.earliest = w.latest;
    return w;
}

bool pitr_instant_of(pitr_bounds_t w, bool has_time, int64_t time_ms, int64_t *until_ms)
{
    int64_t second = time_ms >= 0 ? time_ms / 1000 * 1000 : -1;
    /* the last second 64 bits of milliseconds hold ends before its 999th */
    int64_t end = second <= INT64_MAX - 999 ? second + 999 : INT64_MAX;
    *until_ms = !has_time ? w.latest : end < w.latest ? end : w.latest;
    return !has_time || (second >= 0 && end >= w.earliest && second <= w.latest);
}

void pitr_window(const table_t *t, int64_t now_ms, bool lagged, int64_t *earliest_ms,
                 int64_t *latest_ms)
{
    arena_t *a = arena_new(0);
    backup_base_t *bases;
    size_t n = table_bases(a, t, &bases);
    int64_t oldest = n ? bases[0].created_ms : 0;
    arena_free(a);
    pitr_bounds_t w = pitr_window_of(now_ms, t->pitr_since_ms, oldest, period_ms(t),
                                     lagged ? (int64_t)(pitr.lag_s * 1000.0) : 0);
    *earliest_ms = w.earliest;
    *latest_ms = w.latest;
}

bool pitr_instant(const table_t *t, int64_t now_ms, bool lagged, bool has_time, int64_t time_ms,
                  int64_t *until_ms, int64_t *earliest_ms, int64_t *latest_ms)
{
    pitr_window(t, now_ms, lagged, earliest_ms, latest_ms);
    return pitr_instant_of((pitr_bounds_t){*earliest_ms, *latest_ms}, has_time, time_ms, until_ms);
}

size_t pitr_base_pick(const backup_base_t *bases, size_t n, int64_t until_ms)
{
    for (size_t i = n; i-- > 0;)
        if (bases[i].created_ms <= until_ms) return i;
    return n;
}

size_t pitr_base_oldest_needed(const backup_base_t *bases, size_t n, int64_t start_ms)
{
    size_t keep = 0;
    for (size_t i = 0; i < n; i++)
        if (bases[i].created_ms <= start_ms && bases[i].available) keep = i;
    return keep;
}

bool pitr_base_for(arena_t *a, const table_t *t, int64_t until_ms, const char **arn,
                   uint64_t *log_seq)
{
    backup_base_t *bases;
    size_t n = table_bases(a, t, &bases), i = pitr_base_pick(bases, n, until_ms);
    if (i == n) return false;
    *arn = bases[i].arn;
    *log_seq = bases[i].log_seq;
    return true;
}

/* --- deletion ---------------------------------------------------------------------- */

backup_t *pitr_table_deleting(MDB_txn *txn, table_t *t)
{
    if (t->pitr_log) seq_state_forget(t->pitr_log);
    if (!t->pitr_enabled) return NULL;
    int64_t now = storage_write_time_ms();
    return backup_system_create(txn, t, now, now + PITR_SYSTEM_BACKUP_DAYS * pitr_day_ms());
}

void pitr_table_deleted(backup_t *system, bool committed)
{
    backup_system_settle(system, committed);
}

/* --- housekeeping ------------------------------------------------------------------- */

typedef struct {
    storage_write_t w;
    uint64_t log;
    int64_t cutoff_ms;
} trim_write_t;

static int trim_apply(storage_write_t *w, MDB_txn *txn)
{
    trim_write_t *tw = (trim_write_t *)w;
    size_t deleted;
    bool done;
    return changelog_trim(txn, tw->log, 0, tw->cutoff_ms, UINT64_MAX, TRIM_BUDGET, &deleted, &done);
}

static void trim_done(storage_write_t *w, int status)
{
    if (status) log_warn("pitr: trimming a change log failed: %s", mdb_strerror(status));
    free(w);
}

/* Trim log of the records committed before cutoff_ms when its oldest one
 * is (one bounded writer step per tick). */
static void trim_log(MDB_txn *txn, uint64_t log, int64_t cutoff_ms)
{
    changelog_reader_t r;
    if (changelog_reader_open(txn, log, 0, 0, &r)) return;
    arena_t *a = arena_new(0);
    change_record_t rec;
    bool due = changelog_reader_next(&r, a, &rec) == 0 && rec.time_ms < cutoff_ms;
    changelog_reader_close(&r);
    arena_free(a);
    if (!due) return;
    trim_write_t *tw = calloc(1, sizeof *tw);
    if (!tw) abort();
    tw->w.apply = trim_apply;
    tw->w.done = trim_done;
    tw->w.frees = true;
    tw->log = log;
    tw->cutoff_ms = cutoff_ms;
    storage_submit(&tw->w);
}

static bool log_empty(MDB_txn *txn, uint64_t log)
{
    uint64_t first, last;
    bool empty = true;
    changelog_bounds(txn, log, 0, &first, &last, &empty);
    return empty;
}

/* Report what the log of t keeps; *due says a new base is wanted. */
static void report_log(MDB_txn *txn, const table_t *t, size_t bases)
{
    uint64_t records = 0, bytes = 0;
    changelog_size(txn, t->pitr_log, 0, &records, &bytes);
    log_info("pitr: %s: change log %llu records, %llu bytes; %zu base(s); taking a new base",
             t->name, (unsigned long long)records, (unsigned long long)bytes, bases);
}

/* Housekeeping of one table; *due when a new base is to be taken (after
 * the read transaction: a thread has one at a time). */
static void maintain_table(arena_t *a, MDB_txn *txn, table_t *t, int64_t now_ms, bool *due)
{
    backup_base_t *b;
    size_t n = backup_bases(a, t->id, t->pitr_log, &b);
    if (!t->pitr_enabled) { /* disabled: nothing is kept */
        bool busy = false;  /* a restore still reads a base and the log */
        for (size_t i = 0; i < n; i++)
            busy |= !backup_base_drop(b[i].arn);
        /* up to now only: a new enabling may follow before the trim runs */
        if (!busy && !log_empty(txn, t->pitr_log)) trim_log(txn, t->pitr_log, now_ms);
        return;
    }
    /* bases of an earlier enabling */
    while (n && b[0].created_ms < t->pitr_since_ms) {
        backup_base_drop(b[0].arn);
        b++, n--;
    }
    if (!n ||
        (b[n - 1].available && (double)(now_ms - b[n - 1].created_ms) >= pitr.interval_s * 1000.0 &&
         last_recorded(t->pitr_log) > b[n - 1].log_seq)) {
        report_log(txn, t, n);
        *due = true;
        return;
    }
    /* the newest base at or before the window's start is the oldest needed */
    size_t keep = pitr_base_oldest_needed(b, n, now_ms - period_ms(t));
    size_t oldest = keep; /* the oldest base kept, and the log after it */
    for (size_t i = 0; i < keep && oldest == keep; i++)
        if (!backup_base_drop(b[i].arn)) oldest = i; /* a restore reads it: later */
    if (b[oldest].available && b[oldest].log_time_ms > 0)
        trim_log(txn, t->pitr_log, b[oldest].log_time_ms);
}

/* Bases (and the log) of tables deleted, or re-created under their name. */
static void drop_orphans(arena_t *a, MDB_txn *txn)
{
    backup_base_t *b;
    size_t n = backup_bases(a, NULL, 0, &b);
    for (size_t i = 0; i < n; i++) {
        table_t *t = catalog_acquire_any(b[i].table_name, strlen(b[i].table_name));
        bool orphan = !t || strcmp(t->id, b[i].table_id) != 0 || t->pitr_log != b[i].log;
        catalog_release(t);
        /* while a restore reads a base of that log, the log stays */
        for (size_t k = 0; orphan && k < n; k++)
            orphan = !(b[k].in_use && b[k].log == b[i].log);
        if (!orphan) continue;
        if (!log_empty(txn, b[i].log))
            trim_log(txn, b[i].log, INT64_MAX);
        else
            backup_base_drop(b[i].arn);
    }
}

void pitr_tick(void)
{
    if (!backup_store_enabled()) return;
    MDB_txn *txn = storage_read_begin(&pitr.read_slot);
    if (!txn) return;
    int64_t now = clock_now_ms();
    arena_t *a = arena_new(0);
    const char **names;
    bool more;
    size_t n = catalog_list(a, NULL, SIZE_MAX, &names, &more);
    table_t **due = arena_alloc(a, (n + 1) * sizeof *due);
    size_t ndue = 0;
    for (size_t i = 0; i < n; i++) {
        table_t *t = catalog_acquire(names[i], strlen(names[i]));
        bool base = false;
        if (t && t->pitr_log) maintain_table(a, txn, t, now, &base);
        if (base)
            due[ndue++] = t;
        else
            catalog_release(t);
    }
    drop_orphans(a, txn);
    storage_read_end(txn);
    backup_system_expire(now);
    for (size_t i = 0; i < ndue; i++) {
        if (backup_base_create(due[i], due[i]->pitr_log))
            log_warn("pitr: a base of %s failed", due[i]->name);
        catalog_release(due[i]);
    }
    arena_free(a);
}
