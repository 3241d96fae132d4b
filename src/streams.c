/* streams: stream metadata, recording changes, and the Streams operations;
 * see streams.h. */
#include "streams.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "arn.h"
#include "byteorder.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "storage.h"

#define SEQUENCE_BASE "1"      /* the first digit of every sequence number */
#define ITERATOR_MAC_LEN 16
#define RECORDS_MAX_BYTES (1024 * 1024)
#define SECRET_LEN 32
/* GetRecords passes over at most this many hidden records (streams.h) per
 * call: a call's work stays bounded however many there are. */
#define HIDDEN_SKIP_MAX 10000

typedef struct {
    uint32_t ordinal;
    char id[40];
    char parent_id[40];  /* "" for the first shard; kept after the parent is trimmed */
    uint64_t start, end; /* end 0: open */
    int64_t created_ms, closed_ms;
} shard_t;

typedef enum { STATUS_ENABLED, STATUS_DISABLED } stream_status_t;

typedef struct {
    uint64_t id;
    char *table, *table_id, *hash, *range; /* range NULL: none */
    char label[32];
    stream_view_t view;
    stream_status_t status;
    int64_t created_ms, disabled_ms;
    shard_t *shards;
    size_t nshards, cap;
    /* writer thread only */
    uint64_t next_seq;
    uint64_t trimmed_to; /* highest sequence trimmed (0: none) */
} stream_t;

static struct {
    pthread_mutex_t lock; /* readers; the writer holds it while changing */
    stream_t **streams;   /* ascending id */
    size_t count, cap;
    uint64_t next_id;
    MDB_dbi dbi;
    uint8_t secret[SECRET_LEN];
    streams_config_t cfg;
    buf_t scratch;          /* writer thread */
    arena_t *scratch_arena; /* writer thread */
    uint64_t (*hold)(uint64_t stream); /* streams_set_hold; NULL: nothing held */
} reg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static const char *const view_names[] = {"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES",
                                         "KEYS_ONLY"};

/* --- identifiers ------------------------------------------------------------------- */

static void format_label(char out[32], int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char text[64];
    snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    snprintf(out, 32, "%.31s", text);
}

static char *stream_arn(arena_t *a, const stream_t *s)
{
    buf_t b;
    buf_init(&b);
    catalog_stream_arn(&b, s->table, s->label);
    char *arn = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return arn;
}

static void write_sequence(buf_t *b, uint64_t seq)
{
    buf_printf(b, "\"" SEQUENCE_BASE "%020" PRIu64 "\"", seq);
}

/* A sequence number as clients send it back; false unless it is one of ours. */
static bool parse_sequence(const char *s, uint64_t *seq)
{
    if (strlen(s) != 21 || s[0] != SEQUENCE_BASE[0]) return false;
    uint64_t v = 0;
    for (int i = 1; i < 21; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *seq = v;
    return true;
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void new_shard_id(char out[40], int64_t ms, uint64_t stream, uint32_t ordinal)
{
    uint32_t tag = (uint32_t)mix64(stream * 0x9e3779b97f4a7c15ull + ordinal + (uint64_t)ms);
    snprintf(out, 40, "shardId-%020" PRId64 "-%08" PRIx32, ms, tag);
}

/* --- the registry --------------------------------------------------------------------- */

static stream_t *find_locked(uint64_t id)
{
    size_t lo = 0, hi = reg.count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (reg.streams[mid]->id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < reg.count && reg.streams[lo]->id == id ? reg.streams[lo] : NULL;
}

static void stream_free(stream_t *s)
{
    if (!s) return;
    free(s->table);
    free(s->table_id);
    free(s->hash);
    free(s->range);
    free(s->shards);
    free(s);
}

static void registry_add(stream_t *s)
{
    pthread_mutex_lock(&reg.lock);
    if (reg.count == reg.cap) {
        reg.cap = reg.cap ? reg.cap * 2 : 16;
        reg.streams = realloc(reg.streams, reg.cap * sizeof *reg.streams);
        if (!reg.streams) abort();
    }
    size_t i = reg.count;
    while (i > 0 && reg.streams[i - 1]->id > s->id) i--;
    memmove(&reg.streams[i + 1], &reg.streams[i], (reg.count - i) * sizeof *reg.streams);
    reg.streams[i] = s;
    reg.count++;
    if (s->id >= reg.next_id) reg.next_id = s->id + 1;
    pthread_mutex_unlock(&reg.lock);
}

static void registry_remove(stream_t *s)
{
    pthread_mutex_lock(&reg.lock);
    for (size_t i = 0; i < reg.count; i++)
        if (reg.streams[i] == s) {
            memmove(&reg.streams[i], &reg.streams[i + 1],
                    (reg.count - i - 1) * sizeof *reg.streams);
            reg.count--;
            break;
        }
    pthread_mutex_unlock(&reg.lock);
    stream_free(s);
}

static shard_t *open_shard(stream_t *s)
{
    return s->nshards && s->shards[s->nshards - 1].end == 0 ? &s->shards[s->nshards - 1] : NULL;
}

static void shard_append(stream_t *s, const char *parent_id, int64_t now_ms)
{
    if (s->nshards == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->shards = realloc(s->shards, s->cap * sizeof *s->shards);
        if (!s->shards) abort();
    }
    shard_t *sh = &s->shards[s->nshards];
    memset(sh, 0, sizeof *sh);
    sh->ordinal = s->nshards ? s->shards[s->nshards - 1].ordinal + 1 : 0;
    snprintf(sh->parent_id, sizeof sh->parent_id, "%s", parent_id);
    sh->start = s->next_seq;
    sh->created_ms = now_ms;
    new_shard_id(sh->id, now_ms, s->id, sh->ordinal);
    s->nshards++;
}

/* Close the open shard; an empty one still gets a range of its own. */
static void shard_close(stream_t *s, int64_t now_ms)
{
    shard_t *sh = open_shard(s);
    if (!sh) return;
    if (s->next_seq == sh->start) s->next_seq++;
    sh->end = s->next_seq - 1;
    sh->closed_ms = now_ms;
}

/* --- persistence ------------------------------------------------------------------------ */

static int persist(MDB_txn *txn, const stream_t *s)
{
    buf_t *b = &reg.scratch;
    b->len = 0;
    buf_printf(b, "{\"Id\":%" PRIu64 ",\"Table\":", s->id);
    json_write_string(b, s->table, strlen(s->table));
    buf_append_str(b, ",\"TableId\":");
    json_write_string(b, s->table_id, strlen(s->table_id));
    buf_append_str(b, ",\"Hash\":");
    json_write_string(b, s->hash, strlen(s->hash));
    if (s->range) {
        buf_append_str(b, ",\"Range\":");
        json_write_string(b, s->range, strlen(s->range));
    }
    buf_printf(b,
               ",\"Label\":\"%s\",\"View\":%d,\"Status\":%d,\"Created\":%" PRId64
               ",\"Disabled\":%" PRId64 ",\"NextSeq\":%" PRIu64 ",\"Trimmed\":%" PRIu64
               ",\"Shards\":[",
               s->label, (int)s->view, (int)s->status, s->created_ms, s->disabled_ms, s->next_seq,
               s->trimmed_to);
    for (size_t i = 0; i < s->nshards; i++) {
        const shard_t *sh = &s->shards[i];
        buf_printf(b,
                   "%s{\"Ord\":%" PRIu32 ",\"Id\":\"%s\",\"ParentId\":\"%s\",\"Start\":%" PRIu64
                   ",\"End\":%" PRIu64 ",\"Created\":%" PRId64 ",\"Closed\":%" PRId64 "}",
                   i ? "," : "", sh->ordinal, sh->id, sh->parent_id, sh->start, sh->end,
                   sh->created_ms, sh->closed_ms);
    }
    buf_append_str(b, "]}");
    uint8_t key[8];
    be64_put(key, s->id);
    MDB_val k = {8, key}, v = {b->len, b->data};
    return mdb_put(txn, reg.dbi, &k, &v, 0);
}

static int forget(MDB_txn *txn, const stream_t *s)
{
    uint8_t key[8];
    be64_put(key, s->id);
    MDB_val k = {8, key};
    int rc = mdb_del(txn, reg.dbi, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int64_t num(const json_value_t *obj, const char *name)
{
    const json_value_t *j = json_object_get(obj, name);
    return j && j->type == JSON_NUMBER ? strtoll(j->u.str.ptr, NULL, 10) : 0;
}

static uint64_t unum(const json_value_t *obj, const char *name)
{
    const json_value_t *j = json_object_get(obj, name);
    return j && j->type == JSON_NUMBER ? strtoull(j->u.str.ptr, NULL, 10) : 0;
}

static char *str(const json_value_t *obj, const char *name)
{
    const json_value_t *j = json_object_get(obj, name);
    if (!j || j->type != JSON_STRING) return NULL;
    char *s = strndup(j->u.str.ptr, j->u.str.len);
    if (!s) abort();
    return s;
}

static stream_t *parse_stream(const json_value_t *j)
{
    if (j->type != JSON_OBJECT) return NULL;
    stream_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->id = unum(j, "Id");
    s->table = str(j, "Table");
    s->table_id = str(j, "TableId");
    s->hash = str(j, "Hash");
    s->range = str(j, "Range");
    char *label = str(j, "Label");
    if (label) snprintf(s->label, sizeof s->label, "%s", label);
    free(label);
    s->view = (stream_view_t)(num(j, "View") & 3);
    s->status = num(j, "Status") == STATUS_DISABLED ? STATUS_DISABLED : STATUS_ENABLED;
    s->created_ms = num(j, "Created");
    s->disabled_ms = num(j, "Disabled");
    s->next_seq = unum(j, "NextSeq");
    s->trimmed_to = unum(j, "Trimmed");
    const json_value_t *shards = json_object_get(j, "Shards");
    if (!s->id || !s->table || !s->table_id || !s->hash || !shards ||
        shards->type != JSON_ARRAY) {
        stream_free(s);
        return NULL;
    }
    for (size_t i = 0; i < shards->u.array.count; i++) {
        const json_value_t *o = shards->u.array.items[i];
        if (o->type != JSON_OBJECT) continue;
        char *parent_id = str(o, "ParentId");
        shard_append(s, parent_id ? parent_id : "", num(o, "Created"));
        free(parent_id);
        shard_t *sh = &s->shards[s->nshards - 1];
        sh->ordinal = (uint32_t)unum(o, "Ord");
        /* metadata of the first version named the parent by its ordinal */
        const json_value_t *legacy = json_object_get(o, "Parent");
        for (size_t p = 0; legacy && legacy->type == JSON_NUMBER && p + 1 < s->nshards; p++)
            if ((int64_t)s->shards[p].ordinal == num(o, "Parent"))
                memcpy(sh->parent_id, s->shards[p].id, sizeof sh->parent_id);
        sh->start = unum(o, "Start");
        sh->end = unum(o, "End");
        sh->closed_ms = num(o, "Closed");
        char *id = str(o, "Id");
        if (id) snprintf(sh->id, sizeof sh->id, "%s", id);
        free(id);
    }
    return s;
}

static int load_secret(MDB_txn *txn)
{
    uint8_t key[8];
    be64_put(key, 0); /* stream ids start at 1: id 0 holds the iterator secret */
    MDB_val k = {8, key}, v;
    int rc = mdb_get(txn, reg.dbi, &k, &v);
    if (rc == 0 && v.mv_size == SECRET_LEN) {
        memcpy(reg.secret, v.mv_data, SECRET_LEN);
        return 0;
    }
    if (rc && rc != MDB_NOTFOUND) return rc;
    if (getrandom(reg.secret, SECRET_LEN, 0) != SECRET_LEN) return MDB_PANIC;
    v.mv_size = SECRET_LEN;
    v.mv_data = reg.secret;
    return mdb_put(txn, reg.dbi, &k, &v, 0);
}

/* Every stream stored in txn's snapshot, into a new array (*out, *count),
 * with next_seq above every sequence handed out. */
static int read_streams(MDB_txn *txn, stream_t ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t cap = 0;
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, reg.dbi, &c);
    if (rc) return rc;
    arena_t *a = arena_new(0);
    MDB_val k, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8 || be64_get(k.mv_data) == 0) continue; /* the secret */
        arena_reset(a);
        json_value_t *j;
        stream_t *s = NULL;
        if (json_parse(a, v.mv_data, v.mv_size, &j, NULL) == JSON_OK) s = parse_stream(j);
        if (!s) {
            log_error("streams: cannot read a stream's metadata; skipped");
            continue;
        }
        /* sequence numbers go on above everything ever handed out */
        shard_t *open = open_shard(s);
        if (open) {
            uint64_t first, last;
            bool empty;
            if ((rc = changelog_bounds(txn, s->id, open->ordinal, &first, &last, &empty))) {
                stream_free(s);
                break;
            }
            if (!empty && last + 1 > s->next_seq) s->next_seq = last + 1;
        }
        if (s->trimmed_to + 1 > s->next_seq) s->next_seq = s->trimmed_to + 1;
        if (*count == cap) {
            cap = cap ? 2 * cap : 16;
            *out = realloc(*out, cap * sizeof **out);
            if (!*out) abort();
        }
        (*out)[(*count)++] = s; /* keys ascend: so do ids */
    }
    mdb_cursor_close(c);
    arena_free(a);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static void free_streams(stream_t **streams, size_t count)
{
    for (size_t i = 0; i < count; i++) stream_free(streams[i]);
    free(streams);
}

/* Put streams in place of the registry's (which are freed). */
static void registry_swap(stream_t **streams, size_t count)
{
    pthread_mutex_lock(&reg.lock);
    stream_t **old = reg.streams;
    size_t old_count = reg.count;
    reg.streams = streams;
    reg.count = reg.cap = count;
    /* ids never go back within a run, even past a stream that was rolled back */
    for (size_t i = 0; i < count; i++)
        if (streams[i]->id >= reg.next_id) reg.next_id = streams[i]->id + 1;
    pthread_mutex_unlock(&reg.lock);
    free_streams(old, old_count);
}

int streams_load(MDB_txn *txn, const streams_config_t *cfg)
{
    reg.cfg = *cfg;
    reg.next_id = 1;
    buf_init(&reg.scratch);
    int rc = mdb_dbi_open(txn, "streams", MDB_CREATE, &reg.dbi);
    if (!rc) rc = changelog_open(txn);
    if (!rc) rc = load_secret(txn);
    if (rc) return rc;
    stream_t **streams;
    size_t count;
    if ((rc = read_streams(txn, &streams, &count))) {
        free_streams(streams, count);
        return rc;
    }
    registry_swap(streams, count);
    log_info("streams: %zu streams", reg.count);
    return 0;
}

void streams_resync(MDB_txn *committed)
{
    stream_t **streams;
    size_t count;
    int rc = read_streams(committed, &streams, &count);
    if (rc) {
        free_streams(streams, count);
        log_error("streams: cannot reload the stream metadata: %s", mdb_strerror(rc));
        return;
    }
    registry_swap(streams, count);
}

void streams_shutdown(void)
{
    pthread_mutex_lock(&reg.lock);
    for (size_t i = 0; i < reg.count; i++) stream_free(reg.streams[i]);
    free(reg.streams);
    reg.streams = NULL;
    reg.count = reg.cap = 0;
    pthread_mutex_unlock(&reg.lock);
    buf_free(&reg.scratch);
    if (reg.scratch_arena) arena_free(reg.scratch_arena);
    reg.scratch_arena = NULL;
}

/* --- the writer thread ------------------------------------------------------------------ */

int streams_create(MDB_txn *txn, table_t *t, const char *view)
{
    int64_t now = storage_write_time_ms();
    stream_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->id = reg.next_id;
    s->table = strdup(t->name);
    s->table_id = strdup(t->id);
    s->hash = strdup(t->keys.hash);
    s->range = t->keys.range ? strdup(t->keys.range) : NULL;
    if (!s->table || !s->table_id || !s->hash || (t->keys.range && !s->range)) abort();
    /* labels of one table's streams differ */
    if (t->stream_label && strcmp(t->stream_label, "") != 0) {
        char prev[32];
        for (int64_t ms = now;; ms++) {
            format_label(prev, ms);
            if (strcmp(prev, t->stream_label) > 0) {
                now = ms;
                break;
            }
        }
    }
    format_label(s->label, now);
    for (int v = 0; v < 4; v++)
        if (strcmp(view, view_names[v]) == 0) s->view = (stream_view_t)v;
    s->status = STATUS_ENABLED;
    s->created_ms = now;
    s->next_seq = 1;
    shard_append(s, "", now);
    int rc = persist(txn, s);
    if (rc) {
        stream_free(s);
        return rc;
    }
    registry_add(s);
    t->stream_id = s->id;
    t->stream_label = arena_strndup(t->arena, s->label, strlen(s->label));
    return 0;
}

int streams_disable(MDB_txn *txn, table_t *t)
{
    stream_t *s = t->stream_id ? find_locked(t->stream_id) : NULL;
    t->stream_id = 0;
    if (!s) return 0;
    int64_t now = storage_write_time_ms();
    pthread_mutex_lock(&reg.lock);
    shard_close(s, now);
    s->status = STATUS_DISABLED;
    s->disabled_ms = now;
    pthread_mutex_unlock(&reg.lock);
    return persist(txn, s);
}

int streams_record(MDB_txn *txn, const table_t *t, const value_t *old_item, const value_t *new_item,
                   const MDB_val *old_encoded, const MDB_val *new_encoded, bool by_service,
                   uint64_t version, uint64_t *sequence)
{
    *sequence = 0;
    if (!t->stream_id || (!old_item && !new_item)) return 0;
    bool same = false;
    if (old_item && new_item) {
        bool same_bytes = old_encoded && new_encoded &&
                          old_encoded->mv_size == new_encoded->mv_size &&
                          memcmp(old_encoded->mv_data, new_encoded->mv_data,
                                 old_encoded->mv_size) == 0;
        same = same_bytes || value_equal(old_item, new_item);
        if (same && !version) return 0;
    }
    stream_t *s = find_locked(t->stream_id);
    shard_t *sh = s ? open_shard(s) : NULL;
    if (!sh) return 0;
    if (!reg.scratch_arena) reg.scratch_arena = arena_new(0);
    arena_t *a = reg.scratch_arena;
    arena_reset(a);
    change_record_t r = {
        .event = !old_item   ? CHANGE_INSERT
                 : !new_item ? CHANGE_REMOVE
                             : CHANGE_MODIFY,
        .by_service = by_service,
        .time_ms = storage_write_time_ms(),
        .sequence = s->next_seq,
        .version = version,
        .hidden = same,
        .keys = changelog_keys(a, s->hash, s->range, new_item ? new_item : old_item),
        .old_encoded = old_encoded,
        .new_encoded = new_encoded,
    };
    if (s->view == STREAM_VIEW_OLD_IMAGE || s->view == STREAM_VIEW_NEW_AND_OLD_IMAGES)
        r.old_image = old_item;
    if (s->view == STREAM_VIEW_NEW_IMAGE || s->view == STREAM_VIEW_NEW_AND_OLD_IMAGES)
        r.new_image = new_item;
    int rc = changelog_append(txn, s->id, sh->ordinal, &r, &reg.scratch);
    if (!rc) *sequence = s->next_seq++;
    return rc;
}

uint64_t streams_of_table(const char *table_id, uint64_t *last)
{
    uint64_t id = 0;
    *last = 0;
    pthread_mutex_lock(&reg.lock);
    for (size_t i = 0; i < reg.count && !id; i++) {
        const stream_t *s = reg.streams[i];
        if (s->status == STATUS_ENABLED && strcmp(s->table_id, table_id) == 0) {
            id = s->id;
            *last = s->next_seq - 1;
        }
    }
    pthread_mutex_unlock(&reg.lock);
    return id;
}

void streams_set_hold(uint64_t (*hold)(uint64_t stream)) { reg.hold = hold; }

bool streams_shard_after(uint64_t stream, uint64_t after, uint32_t *ordinal, uint64_t *end)
{
    bool found = false;
    pthread_mutex_lock(&reg.lock);
    const stream_t *s = find_locked(stream);
    for (size_t i = 0; s && i < s->nshards && !found; i++) {
        const shard_t *sh = &s->shards[i];
        if (sh->end == 0 || sh->end > after) {
            found = true;
            *ordinal = sh->ordinal;
            *end = sh->end;
        }
    }
    pthread_mutex_unlock(&reg.lock);
    return found;
}

bool streams_need_maintenance(int64_t now_ms)
{
    int64_t lifetime = (int64_t)(reg.cfg.shard_lifetime_s * 1000);
    int64_t retention = (int64_t)(reg.cfg.retention_s * 1000);
    bool need = false;
    pthread_mutex_lock(&reg.lock);
    for (size_t i = 0; i < reg.count && !need; i++) {
        const stream_t *s = reg.streams[i];
        const shard_t *open = open_shard((stream_t *)s);
        need = (open && now_ms - open->created_ms >= lifetime) ||
               now_ms - s->shards[0].created_ms >= retention ||
               (s->status == STATUS_DISABLED && now_ms - s->disabled_ms >= retention);
    }
    pthread_mutex_unlock(&reg.lock);
    return need;
}

/* Trim one stream; sets *changed when its metadata must be stored again and
 * *gone when nothing is left of a disabled stream. */
static int maintain_stream(MDB_txn *txn, stream_t *s, int64_t now_ms, size_t *budget,
                           bool *changed, bool *gone)
{
    int64_t cutoff = now_ms - (int64_t)(reg.cfg.retention_s * 1000);
    uint64_t held_after = reg.hold ? reg.hold(s->id) : UINT64_MAX;
    shard_t *open = open_shard(s);
    if (open && now_ms - open->created_ms >= (int64_t)(reg.cfg.shard_lifetime_s * 1000)) {
        char parent[sizeof open->id];
        memcpy(parent, open->id, sizeof parent);
        pthread_mutex_lock(&reg.lock);
        shard_close(s, now_ms);
        shard_append(s, parent, now_ms);
        pthread_mutex_unlock(&reg.lock);
        *changed = true;
    }
    for (size_t i = 0; i < s->nshards && *budget; i++) {
        shard_t *sh = &s->shards[i];
        size_t deleted;
        bool done;
        int rc =
            changelog_trim(txn, s->id, sh->ordinal, cutoff, held_after, *budget, &deleted, &done);
        if (rc) return rc;
        *budget -= deleted;
        if (deleted) {
            uint64_t first, last;
            bool empty;
            if ((rc = changelog_bounds(txn, s->id, sh->ordinal, &first, &last, &empty))) return rc;
            uint64_t horizon = empty ? (sh->end ? sh->end : s->next_seq - 1) : first - 1;
            pthread_mutex_lock(&reg.lock);
            if (horizon > s->trimmed_to) s->trimmed_to = horizon;
            pthread_mutex_unlock(&reg.lock);
            *changed = true;
        }
        /* a closed shard whose records are all gone is forgotten */
        if (done && sh->end && sh->closed_ms < cutoff) {
            pthread_mutex_lock(&reg.lock);
            memmove(sh, sh + 1, (s->nshards - i - 1) * sizeof *sh);
            s->nshards--;
            pthread_mutex_unlock(&reg.lock);
            i--;
            *changed = true;
        }
    }
    *gone = s->status == STATUS_DISABLED && s->nshards == 0;
    return 0;
}

int streams_maintain(MDB_txn *txn, int64_t now_ms, size_t budget, bool *more)
{
    *more = false;
    for (size_t i = 0; i < reg.count && budget; i++) {
        stream_t *s = reg.streams[i];
        bool changed = false, gone = false;
        int rc = maintain_stream(txn, s, now_ms, &budget, &changed, &gone);
        if (rc) return rc;
        if (gone) {
            if ((rc = forget(txn, s))) return rc;
            registry_remove(s);
            i--;
        } else if (changed && (rc = persist(txn, s))) {
            return rc;
        }
    }
    *more = budget == 0;
    return 0;
}

/* --- reading: snapshots of the metadata ----------------------------------------------------- */

/* A copy of s in the arena (the caller holds the lock). */
static stream_t *snapshot(arena_t *a, const stream_t *s)
{
    stream_t *c = arena_alloc(a, sizeof *c);
    *c = *s;
    c->table = arena_strndup(a, s->table, strlen(s->table));
    c->hash = arena_strndup(a, s->hash, strlen(s->hash));
    c->range = s->range ? arena_strndup(a, s->range, strlen(s->range)) : NULL;
    c->table_id = NULL;
    c->shards = arena_alloc(a, (s->nshards ? s->nshards : 1) * sizeof *c->shards);
    memcpy(c->shards, s->shards, s->nshards * sizeof *c->shards);
    c->cap = c->nshards;
    return c;
}

/* The "/stream/" in front of an ARN's label: the last one, since a label
 * holds no '/' while a table may be called "stream". */
static const char *label_mark(const char *arn)
{
    const char *mark = NULL;
    for (const char *p = arn; (p = strstr(p, "/stream/")); p++) mark = p;
    return mark;
}

/* The stream an ARN names: *bad when it is not a stream ARN at all. */
static stream_t *snapshot_by_arn(arena_t *a, const char *arn, bool *bad)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "arn:aws:dynamodb:%s:%s:table/", arn_region(),
             CATALOG_ACCOUNT);
    const char *mark = label_mark(arn);
    *bad = strncmp(arn, "arn:aws:dynamodb:", 17) != 0 || !mark;
    if (*bad || strncmp(arn, prefix, strlen(prefix)) != 0) return NULL;
    const char *table = arn + strlen(prefix), *label = mark + 8;
    size_t table_len = (size_t)(mark - table);
    stream_t *found = NULL;
    pthread_mutex_lock(&reg.lock);
    for (size_t i = reg.count; i-- > 0 && !found;) {
        const stream_t *s = reg.streams[i];
        if (strlen(s->table) == table_len && memcmp(s->table, table, table_len) == 0 &&
            strcmp(s->label, label) == 0)
            found = snapshot(a, s);
    }
    pthread_mutex_unlock(&reg.lock);
    return found;
}

static stream_t *snapshot_by_id(arena_t *a, uint64_t id)
{
    pthread_mutex_lock(&reg.lock);
    stream_t *s = find_locked(id);
    stream_t *c = s ? snapshot(a, s) : NULL;
    pthread_mutex_unlock(&reg.lock);
    return c;
}

static const shard_t *shard_by_id(const stream_t *s, const char *id)
{
    for (size_t i = 0; i < s->nshards; i++)
        if (strcmp(s->shards[i].id, id) == 0) return &s->shards[i];
    return NULL;
}

static const shard_t *shard_by_ordinal(const stream_t *s, uint32_t ordinal)
{
    for (size_t i = 0; i < s->nshards; i++)
        if (s->shards[i].ordinal == ordinal) return &s->shards[i];
    return NULL;
}

static ddb_error_t *arn_error(arena_t *a, const char *arn, bool bad)
{
    return bad ? err_stream_arn_invalid(a, arn) : err_stream_not_found(a, arn);
}

/* --- ListStreams ------------------------------------------------------------------------- */

ddb_error_t *streams_list(arena_t *a, const char *table, const char *after_arn, int64_t limit,
                          buf_t *out)
{
    const char *after_label = NULL;
    if (after_arn) {
        const char *mark = label_mark(after_arn);
        if (strncmp(after_arn, "arn:aws:dynamodb:", 17) != 0 || !mark)
            return err_stream_arn_invalid(a, after_arn);
        after_label = mark + 8;
    }
    buf_append_str(out, "{\"Streams\":[");
    size_t n = 0;
    const char *last = NULL;
    bool more = false;
    pthread_mutex_lock(&reg.lock);
    size_t start = 0;
    if (after_arn) {
        /* after the named stream, or after every stream created no later */
        start = reg.count;
        for (size_t i = 0; i < reg.count; i++) {
            const stream_t *s = reg.streams[i];
            char *arn = stream_arn(a, s);
            if (strcmp(arn, after_arn) == 0) {
                start = i + 1;
                break;
            }
            if (strcmp(s->label, after_label) > 0 && start == reg.count) start = i;
        }
    }
    for (size_t i = start; i < reg.count; i++) {
        const stream_t *s = reg.streams[i];
        if (table && strcmp(s->table, table) != 0) continue;
        if ((int64_t)n == limit) {
            more = true;
            break;
        }
        char *arn = stream_arn(a, s);
        buf_append_str(out, n++ ? ",{\"StreamArn\":" : "{\"StreamArn\":");
        json_write_string(out, arn, strlen(arn));
        buf_append_str(out, ",\"TableName\":");
        json_write_string(out, s->table, strlen(s->table));
        buf_printf(out, ",\"StreamLabel\":\"%s\"}", s->label);
        last = arn;
    }
    pthread_mutex_unlock(&reg.lock);
    buf_putc(out, ']');
    if (more && last) {
        buf_append_str(out, ",\"LastEvaluatedStreamArn\":");
        json_write_string(out, last, strlen(last));
    }
    buf_putc(out, '}');
    return NULL;
}

/* --- DescribeStream ------------------------------------------------------------------------ */

static const char *const status_names[] = {"ENABLED", "DISABLED"};

static int shard_id_order(const void *x, const void *y)
{
    return strcmp(((const shard_t *)x)->id, ((const shard_t *)y)->id);
}

ddb_error_t *streams_describe(arena_t *a, const char *arn, const char *after_shard,
                              int64_t limit, const char *child_of, buf_t *out)
{
    bool bad;
    stream_t *s = snapshot_by_arn(a, arn, &bad);
    if (!s) return arn_error(a, arn, bad);
    /* shards in ShardId order, each with its parent's id */
    shard_t *sorted = arena_alloc(a, (s->nshards ? s->nshards : 1) * sizeof *sorted);
    memcpy(sorted, s->shards, s->nshards * sizeof *sorted);
    qsort(sorted, s->nshards, sizeof *sorted, shard_id_order);
    buf_append_str(out, "{\"StreamDescription\":{\"StreamArn\":");
    json_write_string(out, arn, strlen(arn));
    buf_printf(out, ",\"StreamLabel\":\"%s\",\"StreamStatus\":\"%s\",\"StreamViewType\":\"%s\"",
               s->label, status_names[s->status], view_names[s->view]);
    buf_printf(out, ",\"CreationRequestDateTime\":%.3f,\"TableName\":",
               (double)s->created_ms / 1000.0);
    json_write_string(out, s->table, strlen(s->table));
    buf_append_str(out, ",\"KeySchema\":[{\"AttributeName\":");
    json_write_string(out, s->hash, strlen(s->hash));
    buf_append_str(out, ",\"KeyType\":\"HASH\"}");
    if (s->range) {
        buf_append_str(out, ",{\"AttributeName\":");
        json_write_string(out, s->range, strlen(s->range));
        buf_append_str(out, ",\"KeyType\":\"RANGE\"}");
    }
    buf_append_str(out, "],\"Shards\":[");
    int64_t n = 0;
    const char *last = NULL;
    bool more = false;
    for (size_t i = 0; i < s->nshards; i++) {
        const shard_t *sh = &sorted[i];
        if (after_shard && strcmp(sh->id, after_shard) <= 0) continue;
        if (child_of && strcmp(sh->parent_id, child_of) != 0) continue;
        if (n == limit) {
            more = true;
            break;
        }
        buf_printf(out, "%s{\"ShardId\":\"%s\"", n++ ? "," : "", sh->id);
        if (sh->parent_id[0]) buf_printf(out, ",\"ParentShardId\":\"%s\"", sh->parent_id);
        buf_append_str(out, ",\"SequenceNumberRange\":{\"StartingSequenceNumber\":");
        write_sequence(out, sh->start);
        if (sh->end) {
            buf_append_str(out, ",\"EndingSequenceNumber\":");
            write_sequence(out, sh->end);
        }
        buf_append_str(out, "}}");
        last = sh->id;
    }
    buf_putc(out, ']');
    if (more && last) buf_printf(out, ",\"LastEvaluatedShardId\":\"%s\"", last);
    buf_append_str(out, "}}");
    return NULL;
}

/* --- iterators ----------------------------------------------------------------------------------- */

#define ITERATOR_FLAG_HORIZON 1
#define ITERATOR_PAYLOAD 29 /* u64 stream, u32 shard, u64 position, u8 flags, i64 issued */

typedef struct {
    uint64_t stream;
    uint32_t shard;
    uint64_t position; /* the next sequence number to return */
    uint8_t flags;
    int64_t issued_ms;
} iterator_t;

static void iterator_mac(const uint8_t *payload, const char *arn, uint8_t mac[ITERATOR_MAC_LEN])
{
    uint8_t full[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    buf_t msg;
    buf_init(&msg);
    buf_append(&msg, payload, ITERATOR_PAYLOAD);
    buf_append_str(&msg, arn);
    if (!HMAC(EVP_sha256(), reg.secret, SECRET_LEN, (const uint8_t *)msg.data, msg.len, full,
              &len))
        abort();
    buf_free(&msg);
    memcpy(mac, full, ITERATOR_MAC_LEN);
}

static void write_iterator(buf_t *out, const char *arn, const iterator_t *it)
{
    uint8_t blob[ITERATOR_PAYLOAD + ITERATOR_MAC_LEN];
    be64_put(blob, it->stream);
    be32_put(blob + 8, it->shard);
    be64_put(blob + 12, it->position);
    blob[20] = it->flags;
    be64_put(blob + 21, (uint64_t)it->issued_ms);
    iterator_mac(blob, arn, blob + ITERATOR_PAYLOAD);
    buf_t text;
    buf_init(&text);
    buf_append_str(&text, arn);
    buf_append_str(&text, "|1|");
    size_t mark = text.len;
    json_write_base64(&text, blob, sizeof blob); /* a quoted literal: drop the quotes */
    memmove(text.data + mark, text.data + mark + 1, text.len - mark - 2);
    text.len -= 2;
    json_write_string(out, text.data, text.len);
    buf_free(&text);
}

static bool read_iterator(arena_t *a, const char *text, iterator_t *it, char **arn)
{
    const char *bar = strstr(text, "|1|");
    if (!bar) return false;
    *arn = arena_strndup(a, text, (size_t)(bar - text));
    const char *b64 = bar + 3;
    size_t len = strlen(b64);
    uint8_t blob[ITERATOR_PAYLOAD + ITERATOR_MAC_LEN + 3];
    size_t n;
    if (len > 4 * ((sizeof blob + 2) / 3) || !json_base64_decode(b64, len, blob, &n) ||
        n != ITERATOR_PAYLOAD + ITERATOR_MAC_LEN)
        return false;
    uint8_t mac[ITERATOR_MAC_LEN];
    iterator_mac(blob, *arn, mac);
    if (CRYPTO_memcmp(mac, blob + ITERATOR_PAYLOAD, ITERATOR_MAC_LEN) != 0) return false;
    it->stream = be64_get(blob);
    it->shard = (uint32_t)be32_get(blob + 8);
    it->position = be64_get(blob + 12);
    it->flags = blob[20];
    it->issued_ms = (int64_t)be64_get(blob + 21);
    return true;
}

ddb_error_t *streams_iterator(arena_t *a, MDB_txn *txn, const char *arn, const char *shard_id,
                              const char *type, const char *sequence, buf_t *out)
{
    bool bad;
    stream_t *s = snapshot_by_arn(a, arn, &bad);
    if (!s) return arn_error(a, arn, bad);
    const shard_t *sh = shard_by_id(s, shard_id);
    if (!sh) return err_shard_not_found(a);
    bool at = strcmp(type, "AT_SEQUENCE_NUMBER") == 0,
         after = strcmp(type, "AFTER_SEQUENCE_NUMBER") == 0;
    iterator_t it = {s->id, sh->ordinal, sh->start, 0, clock_now_ms()};
    if (at || after) {
        if (!sequence) return err_sequence_required(a);
        uint64_t seq;
        if (!parse_sequence(sequence, &seq) || seq < sh->start || (sh->end && seq > sh->end))
            return err_sequence_invalid(a, sequence, shard_id);
        /* AT the shard's start reads what is left, like TRIM_HORIZON */
        if (seq <= s->trimmed_to && !(at && seq == sh->start)) return err_trimmed_data(a);
        it.position = after ? seq + 1 : seq;
    } else if (sequence) {
        return err_sequence_unexpected(a);
    } else if (strcmp(type, "LATEST") == 0) {
        if (sh->end) {
            it.position = sh->end + 1;
        } else {
            uint64_t first, last;
            bool empty;
            if (changelog_bounds(txn, s->id, sh->ordinal, &first, &last, &empty))
                return err_internal(a);
            it.position = empty ? (s->trimmed_to + 1 > sh->start ? s->trimmed_to + 1 : sh->start)
                                : last + 1;
        }
    } else {
        it.flags = ITERATOR_FLAG_HORIZON;
    }
    buf_append_str(out, "{\"ShardIterator\":");
    write_iterator(out, arn, &it);
    buf_putc(out, '}');
    return NULL;
}

/* --- GetRecords ------------------------------------------------------------------------------------ */

static const char *const event_names[] = {"", "INSERT", "MODIFY", "REMOVE"};

static void render_record(buf_t *out, const stream_t *s, uint32_t shard, const change_record_t *r)
{
    uint64_t h1 = mix64(s->id * 0x9e3779b97f4a7c15ull ^ shard),
             h2 = mix64(r->sequence ^ (h1 << 1) ^ 0x5bd1e995u);
    buf_printf(out, "{\"eventID\":\"%016" PRIx64 "%016" PRIx64 "\",\"eventName\":\"%s\"", h1 ^ h2,
               h2, event_names[r->event]);
    buf_append_str(out, ",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":");
    json_write_string(out, arn_region(), strlen(arn_region()));
    buf_printf(out, ",\"dynamodb\":{\"ApproximateCreationDateTime\":%" PRId64 ",\"Keys\":",
               r->time_ms / 1000);
    value_map_write_json(out, r->keys);
    if (r->new_image) {
        buf_append_str(out, ",\"NewImage\":");
        value_map_write_json(out, r->new_image);
    }
    if (r->old_image) {
        buf_append_str(out, ",\"OldImage\":");
        value_map_write_json(out, r->old_image);
    }
    buf_append_str(out, ",\"SequenceNumber\":");
    write_sequence(out, r->sequence);
    buf_printf(out, ",\"SizeBytes\":%zu,\"StreamViewType\":\"%s\"}", r->size_bytes,
               view_names[s->view]);
    if (r->by_service)
        buf_append_str(out, ",\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\","
                            "\"Type\":\"Service\"}");
    buf_putc(out, '}');
}

/* Whether the shard is closed in the reader's snapshot.  The registry
 * closes a shard when the writer applies the rollover, before its commit:
 * a reader whose snapshot is older would take the shard for read to its end
 * while the last records before the close are not yet visible to it. */
static bool shard_closed_in_snapshot(arena_t *a, MDB_txn *txn, uint64_t stream, uint32_t ordinal)
{
    uint8_t key[8];
    be64_put(key, stream);
    MDB_val k = {8, key}, v;
    json_value_t *j;
    if (mdb_get(txn, reg.dbi, &k, &v) || json_parse(a, v.mv_data, v.mv_size, &j, NULL) != JSON_OK ||
        j->type != JSON_OBJECT)
        return false;
    const json_value_t *shards = json_object_get(j, "Shards");
    for (size_t i = 0; shards && shards->type == JSON_ARRAY && i < shards->u.array.count; i++) {
        const json_value_t *o = shards->u.array.items[i];
        if (o->type == JSON_OBJECT && unum(o, "Ord") == ordinal) return unum(o, "End") != 0;
    }
    return false;
}

ddb_error_t *streams_get_records(arena_t *a, MDB_txn *txn, const char *text, int64_t limit,
                                 buf_t *out)
{
    iterator_t it;
    char *arn;
    if (!read_iterator(a, text, &it, &arn)) return err_iterator_invalid(a);
    int64_t now = clock_now_ms();
    int64_t lifetime = (int64_t)(reg.cfg.iterator_lifetime_s * 1000);
    if (now - it.issued_ms > lifetime) return err_iterator_expired(a, it.issued_ms, now, lifetime);
    stream_t *s = snapshot_by_id(a, it.stream);
    /* ids of forgotten streams may be handed out again after a restart: the
     * iterator's stream is gone unless the id still names the same ARN */
    if (!s || strcmp(stream_arn(a, s), arn) != 0) return err_trimmed_data(a);
    const shard_t *sh = shard_by_ordinal(s, it.shard);
    if (!sh) return err_trimmed_data(a);
    if (!(it.flags & ITERATOR_FLAG_HORIZON) && it.position <= s->trimmed_to &&
        it.position != sh->start)
        return err_trimmed_data(a);
    changelog_reader_t reader;
    if (changelog_reader_open(txn, s->id, sh->ordinal, it.position, &reader))
        return err_internal(a);
    buf_append_str(out, "{\"Records\":[");
    size_t start = out->len;
    int64_t n = 0;
    int rc = 0;
    uint64_t next = it.position;
    size_t skipped = 0;
    while (n < limit && skipped < HIDDEN_SKIP_MAX) {
        change_record_t r;
        if ((rc = changelog_reader_next(&reader, a, &r))) break;
        if (sh->end && r.sequence > sh->end) {
            rc = MDB_NOTFOUND;
            break;
        }
        if (r.hidden) { /* (not counted: a Limit counts records shown) */
            skipped++;
            next = r.sequence + 1;
            continue;
        }
        /* a record that would take the response over 1 MB waits for the
         * next call, unless it is the first (it must get through) */
        size_t mark = out->len;
        if (n) buf_putc(out, ',');
        render_record(out, s, sh->ordinal, &r);
        if (n && out->len - start > RECORDS_MAX_BYTES) {
            out->len = mark;
            break;
        }
        n++;
        next = r.sequence + 1;
    }
    changelog_reader_close(&reader);
    if (rc && rc != MDB_NOTFOUND) return err_internal(a);
    buf_putc(out, ']');
    /* a closed shard read to its end has no next iterator */
    bool finished = sh->end && (rc == MDB_NOTFOUND || next > sh->end) &&
                    shard_closed_in_snapshot(a, txn, s->id, sh->ordinal);
    if (!finished) {
        it.position = next;
        it.flags &= (uint8_t)~ITERATOR_FLAG_HORIZON;
        if (next == sh->start) it.flags |= ITERATOR_FLAG_HORIZON;
        it.issued_ms = now;
        buf_append_str(out, ",\"NextShardIterator\":");
        write_iterator(out, arn, &it);
    }
    buf_putc(out, '}');
    return NULL;
}

/* --- housekeeping ------------------------------------------------------------------------------ */

#define MAINTAIN_BUDGET 10000 /* records trimmed per writer transaction */

typedef struct {
    storage_write_t w;
    bool more;
} maintain_write_t;

static atomic_bool maintain_in_flight;

static int maintain_apply(storage_write_t *w, MDB_txn *txn)
{
    maintain_write_t *m = (maintain_write_t *)w;
    return streams_maintain(txn, storage_write_time_ms(), MAINTAIN_BUDGET, &m->more);
}

static void maintain_done(storage_write_t *w, int status)
{
    maintain_write_t *m = (maintain_write_t *)w;
    bool more = m->more && !status;
    free(m);
    atomic_store(&maintain_in_flight, false);
    if (more) streams_tick();
}

void streams_tick(void)
{
    bool idle = false;
    if (!atomic_compare_exchange_strong(&maintain_in_flight, &idle, true)) return;
    if (!streams_need_maintenance(clock_now_ms())) {
        atomic_store(&maintain_in_flight, false);
        return;
    }
    maintain_write_t *m = calloc(1, sizeof *m);
    if (!m) abort();
    m->w.apply = maintain_apply;
    m->w.done = maintain_done;
    m->w.frees = true; /* trims */
    storage_submit(&m->w);
}
