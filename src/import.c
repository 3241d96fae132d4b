/* import: ImportTable's jobs, from files in the service's S3 layout; see
 * import.h. */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "arn.h"
#include "background.h"
#include "clock.h"
#include "index.h"
#include "ion.h"
#include "jobstore.h"
#include "keycodec.h"
#include "log.h"
#include "stats.h"
#include "storage.h"
#include "value.h"
#include "wire.h"

typedef enum { IMPORT_IN_PROGRESS, IMPORT_COMPLETED, IMPORT_FAILED } import_status_t;
static const char *const status_names[] = {"IN_PROGRESS", "COMPLETED", "FAILED"};

typedef struct {
    jobstore_job_t job; /* first: the registry holds it */
    char *table_id, *table_name, *token, *bucket, *prefix, *owner;
    char *format, *compression, *options, *params; /* options, params: JSON text or NULL */
    char *failure_code, *failure_message;
    int64_t end_ms;
    uint64_t processed, imported, errors, bytes;
    import_status_t status;
} import_t;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t idle;
    jobstore_registry_t reg;
    char *dir, *root;
    int running;
    bool stopping;
} store = {.lock = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void import_free(import_t *x)
{
    char *fields[] = {x->job.arn,    x->job.table_arn,   x->table_id, x->table_name,   x->token,
                      x->bucket, x->prefix,      x->owner,    x->format,       x->compression,
                      x->options, x->params,     x->failure_code, x->failure_message};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        free(fields[i]);
    free(x);
}

static void record_free(jobstore_job_t *job) { import_free((import_t *)job); }

static import_t *item(size_t i) { return (import_t *)store.reg.items[i]; }

bool import_arn_valid(const char *arn) { return jobstore_arn_valid(arn, "import"); }

/* --- descriptions ------------------------------------------------------------------ */

static void render_bucket(buf_t *b, const import_t *x)
{
    buf_append_str(b, ",\"S3BucketSource\":{\"S3Bucket\":");
    json_write_string(b, x->bucket, strlen(x->bucket));
    json_write_member_optional(b, "S3BucketOwner", x->owner);
    json_write_member_optional(b, "S3KeyPrefix", x->prefix);
    buf_putc(b, '}');
}

/* ImportTableDescription's members; lock held. */
static void render_description(buf_t *b, const import_t *x)
{
    buf_append_str(b, "{\"ImportArn\":");
    json_write_string(b, x->job.arn, strlen(x->job.arn));
    buf_printf(b, ",\"ImportStatus\":\"%s\"", status_names[x->status]);
    json_write_member_optional(b, "TableArn", x->job.table_arn);
    json_write_member_optional(b, "TableId", x->table_id);
    json_write_member_optional(b, "ClientToken", x->token);
    render_bucket(b, x);
    buf_printf(b, ",\"ErrorCount\":%llu", (unsigned long long)x->errors);
    buf_append_str(b, ",\"CloudWatchLogGroupArn\":\"arn:aws:logs:");
    buf_printf(b, "%s:%s:log-group:/aws-dynamodb/imports:*\"", arn_region(), CATALOG_ACCOUNT);
    json_write_member_optional(b, "InputFormat", x->format);
    if (x->options) buf_printf(b, ",\"InputFormatOptions\":%s", x->options);
    json_write_member_optional(b, "InputCompressionType", x->compression ? x->compression : "NONE");
    if (x->params) buf_printf(b, ",\"TableCreationParameters\":%s", x->params);
    buf_printf(b, ",\"StartTime\":%.3f", (double)x->job.start_ms / 1000.0);
    if (x->status != IMPORT_IN_PROGRESS)
        buf_printf(b, ",\"EndTime\":%.3f", (double)x->end_ms / 1000.0);
    buf_printf(b, ",\"ProcessedSizeBytes\":%llu,\"ProcessedItemCount\":%llu,\"ImportedItemCount\":%llu",
               (unsigned long long)x->bytes, (unsigned long long)x->processed,
               (unsigned long long)x->imported);
    json_write_member_optional(b, "FailureCode", x->failure_code);
    json_write_member_optional(b, "FailureMessage", x->failure_message);
    buf_putc(b, '}');
}

static void persist(const import_t *x)
{
    if (!store.dir) return;
    buf_t b;
    buf_init(&b);
    pthread_mutex_lock(&store.lock);
    render_description(&b, x);
    pthread_mutex_unlock(&store.lock);
    if (!jobstore_record_write(store.dir, x->job.id, b.data, b.len))
        log_error("import %s: cannot record it in %s: %s", x->job.arn, store.dir, strerror(errno));
    buf_free(&b);
}

static char *member_json(const json_value_t *j, const char *name)
{
    const json_value_t *v = wire_member(j, name);
    if (!v) return NULL;
    buf_t b;
    buf_init(&b);
    json_write_value(&b, v);
    char *s = strndup(b.data, b.len);
    buf_free(&b);
    return s;
}

static void fail(import_t *x, const char *code, const char *message)
{
    free(x->failure_code);
    free(x->failure_message);
    x->failure_code = strdup(code);
    x->failure_message = strdup(message);
    x->status = IMPORT_FAILED;
    x->end_ms = clock_now_ms();
}

/* An import recorded by persist(); NULL when unreadable. */
static import_t *load(const char *file)
{
    arena_t *a = arena_new(0);
    const json_value_t *j = jobstore_record_read(a, store.dir, file);
    import_t *x = NULL;
    if (j) {
        x = calloc(1, sizeof *x);
        if (!x) abort();
        jobstore_record_id(file, x->job.id, sizeof x->job.id);
        x->job.arn = jobstore_member_string(a, j, "ImportArn");
        x->job.table_arn = jobstore_member_string(a, j, "TableArn");
        x->table_id = jobstore_member_string(a, j, "TableId");
        x->token = jobstore_member_string(a, j, "ClientToken");
        const json_value_t *src = wire_member(j, "S3BucketSource");
        if (src) {
            x->bucket = jobstore_member_string(a, src, "S3Bucket");
            x->owner = jobstore_member_string(a, src, "S3BucketOwner");
            x->prefix = jobstore_member_string(a, src, "S3KeyPrefix");
        }
        x->format = jobstore_member_string(a, j, "InputFormat");
        x->compression = jobstore_member_string(a, j, "InputCompressionType");
        x->options = member_json(j, "InputFormatOptions");
        x->params = member_json(j, "TableCreationParameters");
        const json_value_t *p = wire_member(j, "TableCreationParameters");
        if (p) x->table_name = jobstore_member_string(a, p, "TableName");
        x->failure_code = jobstore_member_string(a, j, "FailureCode");
        x->failure_message = jobstore_member_string(a, j, "FailureMessage");
        x->job.start_ms = jobstore_member_time_ms(j, "StartTime");
        x->end_ms = jobstore_member_time_ms(j, "EndTime");
        x->errors = jobstore_member_count(a, j, "ErrorCount");
        x->processed = jobstore_member_count(a, j, "ProcessedItemCount");
        x->imported = jobstore_member_count(a, j, "ImportedItemCount");
        x->bytes = jobstore_member_count(a, j, "ProcessedSizeBytes");
        char *status = jobstore_member_string(a, j, "ImportStatus");
        x->status = status && strcmp(status, "COMPLETED") == 0 ? IMPORT_COMPLETED : IMPORT_FAILED;
        if (status && strcmp(status, "IN_PROGRESS") == 0)
            fail(x, IMPORT_FAILURE_STOPPED_CODE, IMPORT_FAILURE_STOPPED_MESSAGE);
        free(status);
        if (!x->job.arn || !x->job.table_arn || !x->bucket || !x->table_name) {
            import_free(x);
            x = NULL;
        }
    }
    arena_free(a);
    return x;
}

/* Register the import recorded in file; one cut short is recorded FAILED. */
static void recover(const char *file, void *ctx)
{
    (void)ctx;
    import_t *x = load(file);
    if (!x) return;
    if (x->failure_message && strcmp(x->failure_message, IMPORT_FAILURE_STOPPED_MESSAGE) == 0)
        persist(x);
    jobstore_registry_add(&store.reg, &x->job);
}

int import_store_open(const char *data_dir, const char *root)
{
    store.root = root ? strdup(root) : NULL; /* none: every bucket is missing */
    store.stopping = false;
    if (!data_dir) return 0;
    if (jobstore_dir_open(data_dir, "imports", &store.dir) != 0 ||
        jobstore_dir_each(store.dir, recover, NULL) != 0)
        return -1;
    jobstore_registry_sort(&store.reg);
    log_info("imports: %zu recorded", store.reg.count);
    return 0;
}

void import_store_close(void)
{
    pthread_mutex_lock(&store.lock);
    store.stopping = true;
    while (store.running)
        pthread_cond_wait(&store.idle, &store.lock);
    jobstore_registry_clear(&store.reg, record_free);
    pthread_mutex_unlock(&store.lock);
    free(store.dir);
    free(store.root);
    store.dir = store.root = NULL;
}

/* --- the writer's part ------------------------------------------------------------- */

typedef enum { STEP_CREATE, STEP_PUT, STEP_ACTIVATE } step_kind_t;

typedef struct {
    storage_write_t write; /* STEP_CREATE */
    storage_job_t job;     /* STEP_PUT, STEP_ACTIVATE */
    import_t *x;           /* the registry's */
    table_t *table;        /* a reference */
    step_kind_t kind;
    buf_t batch; /* records: u32 key length | u32 value length | key | value */
    size_t batch_items;
    arena_t *step_arena;
    table_t *activated;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool step_done;
    int status;
    bool exists;
} job_t;

static void step_signal(job_t *j, int status)
{
    pthread_mutex_lock(&j->lock);
    j->status = status;
    j->step_done = true;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
}

static int step_wait(job_t *j)
{
    pthread_mutex_lock(&j->lock);
    while (!j->step_done)
        pthread_cond_wait(&j->cond, &j->lock);
    j->step_done = false;
    int status = j->status;
    pthread_mutex_unlock(&j->lock);
    return status;
}

static int create_apply(storage_write_t *w, MDB_txn *txn)
{
    job_t *j = (job_t *)((char *)w - offsetof(job_t, write));
    table_t *t = j->table;
    MDB_val key = {strlen(t->name), (void *)t->name}, val;
    int rc = mdb_get(txn, storage_catalog_dbi(), &key, &val);
    j->exists = rc == 0;
    if (rc != MDB_NOTFOUND) return rc;
    if ((rc = catalog_table_open_dbis(txn, t))) return rc;
    return catalog_table_store(txn, t);
}

static void create_done(storage_write_t *w, int status)
{
    job_t *j = (job_t *)((char *)w - offsetof(job_t, write));
    if (!status && !j->exists) catalog_publish(j->table);
    step_signal(j, status ? status : j->exists ? EEXIST : 0);
}

/* One item in: the last one of a key wins, so an item already there is
 * replaced with its index entries and counts. */
static int put_record(job_t *j, MDB_txn *txn, const table_t *t, MDB_val *k, MDB_val *v,
                      int64_t *items, int64_t *bytes)
{
    arena_t *a = j->step_arena;
    arena_reset(a);
    value_t item, *old_item = NULL;
    size_t size, old_size = 0;
    if (!value_item_decode(a, v->mv_data, v->mv_size, &item, &size)) return MDB_CORRUPTED;
    MDB_val old;
    int rc = mdb_get(txn, t->dbi, k, &old);
    if (rc && rc != MDB_NOTFOUND) return rc;
    if (!rc) {
        uint8_t *copy = arena_alloc(a, old.mv_size);
        memcpy(copy, old.mv_data, old.mv_size);
        old_item = arena_alloc(a, sizeof *old_item);
        if (!value_item_decode(a, copy, old.mv_size, old_item, &old_size)) return MDB_CORRUPTED;
    }
    if ((rc = mdb_put(txn, t->dbi, k, v, 0))) return rc;
    if (t->index_count && (rc = index_update(txn, a, t, old_item, &item))) return rc;
    if (t->has_collections) {
        const value_t *pk = value_map_get(&item, t->keys.hash, strlen(t->keys.hash));
        uint64_t collection;
        if (pk &&
            (rc = index_collection_add(txn, t, pk, (int64_t)size - (int64_t)old_size, false,
                                       &collection)))
            return rc;
    }
    *items += old_item == NULL;
    *bytes += (int64_t)size - (int64_t)old_size;
    return 0;
}

static int put_step(job_t *j, MDB_txn *txn, table_t *t)
{
    const uint8_t *p = (const uint8_t *)j->batch.data, *end = p + j->batch.len;
    int64_t items = 0, bytes = 0;
    int rc = 0;
    while (!rc && p + 8 <= end) {
        uint32_t kl = 0, vl = 0;
        for (int i = 0; i < 4; i++) {
            kl = kl << 8 | p[i];
            vl = vl << 8 | p[4 + i];
        }
        MDB_val k = {kl, (void *)(p + 8)}, v = {vl, (void *)(p + 8 + kl)};
        rc = put_record(j, txn, t, &k, &v, &items, &bytes);
        p += 8 + kl + vl;
    }
    return rc ? rc : stats_add(txn, t->dbi_name, items, bytes);
}

static int job_step(storage_job_t *job, MDB_txn *txn, bool *finished)
{
    job_t *j = (job_t *)((char *)job - offsetof(job_t, job));
    table_t *t = catalog_latest(j->table);
    *finished = true;
    if (t->dropped) return 0;
    if (j->kind == STEP_PUT) return put_step(j, txn, t);
    table_t *next = catalog_table_clone(t);
    next->restoring = false;
    int rc = catalog_table_store(txn, next);
    if (rc) {
        catalog_release(next);
        return rc;
    }
    j->activated = next;
    return 0;
}

static void job_settle(storage_job_t *job, bool committed)
{
    job_t *j = (job_t *)((char *)job - offsetof(job_t, job));
    if (committed && j->activated) catalog_replace(catalog_latest(j->table), j->activated);
    if (j->activated) catalog_release(j->activated);
    j->activated = NULL;
}

static void job_done(storage_job_t *job, bool aborted)
{
    job_t *j = (job_t *)((char *)job - offsetof(job_t, job));
    step_signal(j, aborted ? ECANCELED : 0);
}

static int run_step(job_t *j, step_kind_t kind)
{
    j->kind = kind;
    memset(&j->job, 0, sizeof j->job);
    j->job.step = job_step;
    j->job.settle = job_settle;
    j->job.done = job_done;
    storage_submit_job(&j->job);
    return step_wait(j);
}

/* --- reading the source ------------------------------------------------------------ */

typedef struct {
    char **paths;
    size_t count, cap;
} file_list_t;

/* The files under dir whose path relative to the bucket (rel) starts with
 * prefix, or could lead to one that does. */
static void list_files(const char *dir, const char *rel, const char *prefix, file_list_t *out)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2, m = strlen(rel) + strlen(e->d_name) + 2;
        char *path = malloc(n), *key = malloc(m);
        if (!path || !key) abort();
        snprintf(path, n, "%s/%s", dir, e->d_name);
        snprintf(key, m, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        struct stat st;
        size_t kl = strlen(key), pl = strlen(prefix);
        bool matches = strncmp(key, prefix, kl < pl ? kl : pl) == 0;
        if (matches && stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                list_files(path, key, prefix, out);
            } else if (S_ISREG(st.st_mode) && kl >= pl) {
                if (out->count == out->cap) {
                    out->cap = out->cap ? 2 * out->cap : 16;
                    out->paths = realloc(out->paths, out->cap * sizeof *out->paths);
                    if (!out->paths) abort();
                }
                out->paths[out->count++] = path;
                path = NULL;
            }
        }
        free(path);
        free(key);
    }
    closedir(d);
}

static int path_order(const void *p, const void *q)
{
    return strcmp(*(char *const *)p, *(char *const *)q);
}

/* Whether a bucket or prefix stays inside the root (no "." or ".." part). */
static bool path_safe(const char *s)
{
    if (!s) return true;
    for (const char *p = s; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return false;
        p += n + (end != NULL);
    }
    return true;
}

/* The lines of a file: through zlib (GZIP, and NONE: zlib reads a plain
 * file as it is) or a zstd stream (ZSTD). */
typedef struct {
    gzFile gz;
    FILE *f;
    ZSTD_DStream *zs;
    uint8_t in[1 << 16];
    ZSTD_inBuffer zin;
    buf_t out;      /* decompressed, from out_pos on not yet a line's */
    size_t out_pos;
    size_t pending; /* ZSTD_decompressStream's last answer: 0 at a frame's end */
    bool damaged;   /* not zstd, or cut short */
} line_source_t;

static bool source_open(line_source_t *s, const char *path, bool zstd)
{
    memset(s, 0, sizeof *s);
    buf_init(&s->out);
    if (!zstd) {
        if (!(s->gz = gzopen(path, "rb"))) return false;
        gzbuffer(s->gz, 1 << 17);
        return true;
    }
    if (!(s->f = fopen(path, "rb"))) return false;
    s->zs = ZSTD_createDStream();
    if (!s->zs) abort();
    ZSTD_initDStream(s->zs);
    s->zin = (ZSTD_inBuffer){s->in, 0, 0};
    return true;
}

static void source_close(line_source_t *s)
{
    if (s->gz) gzclose(s->gz);
    if (s->f) fclose(s->f);
    if (s->zs) ZSTD_freeDStream(s->zs);
    buf_free(&s->out);
}

/* More decompressed bytes into s->out: false at the end (or damage). */
static bool zstd_more(line_source_t *s)
{
    if (s->out_pos == s->out.len) s->out.len = s->out_pos = 0;
    uint8_t chunk[1 << 16];
    while (!s->damaged) {
        if (s->zin.pos == s->zin.size) {
            s->zin.size = fread(s->in, 1, sizeof s->in, s->f);
            s->zin.pos = 0;
            if (!s->zin.size) {
                s->damaged = s->pending != 0; /* a frame cut short */
                return false;
            }
        }
        ZSTD_outBuffer zout = {chunk, sizeof chunk, 0};
        size_t rc = ZSTD_decompressStream(s->zs, &zout, &s->zin);
        if (ZSTD_isError(rc)) {
            s->damaged = true;
            return false;
        }
        s->pending = rc;
        if (zout.pos) {
            buf_append(&s->out, (const char *)chunk, zout.pos);
            return true;
        }
    }
    return false;
}

/* A line longer than this cannot hold an item (400 KB, even spelled with
 * escapes): the rest of it is skipped unread, so that a file of one endless
 * line (a decompression bomb) holds no more than this in memory. */
#define LINE_MAX_BYTES (8u << 20)

/* Append up to the line's bound; *cut when some of it did not fit. */
static void line_append(buf_t *line, const char *from, size_t n, bool *cut)
{
    size_t room = line->len < LINE_MAX_BYTES ? LINE_MAX_BYTES - line->len : 0;
    if (n > room) *cut = true;
    buf_append(line, from, n < room ? n : room);
}

/* The next line of s without its end (false at the end of the file); *cut
 * when it was longer than LINE_MAX_BYTES (line holds its start). */
static bool read_line(line_source_t *s, buf_t *line, bool *cut)
{
    line->len = 0;
    *cut = false;
    if (s->zs) {
        for (;;) {
            if (s->out_pos < s->out.len) {
                const char *from = s->out.data + s->out_pos;
                const char *nl = memchr(from, '\n', s->out.len - s->out_pos);
                size_t n = nl ? (size_t)(nl - from) + 1 : s->out.len - s->out_pos;
                line_append(line, from, n, cut);
                s->out_pos += n;
                if (nl) break;
            }
            if (!zstd_more(s)) break;
        }
    } else {
        char chunk[65536];
        while (gzgets(s->gz, chunk, sizeof chunk)) {
            size_t n = strlen(chunk);
            line_append(line, chunk, n, cut);
            if (n && chunk[n - 1] == '\n') break;
        }
    }
    if (!line->len) return false;
    while (line->len && (line->data[line->len - 1] == '\n' || line->data[line->len - 1] == '\r'))
        line->len--;
    return true;
}

/* CSV fields of a line: quoted fields may hold the delimiter and "". */
static size_t csv_split(arena_t *a, const char *s, size_t len, char delim, char ***out)
{
    size_t cap = 16, n = 0;
    char **fields = arena_alloc(a, cap * sizeof *fields);
    size_t i = 0;
    for (;;) {
        buf_t f;
        buf_init(&f);
        if (i < len && s[i] == '"') {
            for (i++; i < len; i++) {
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        buf_putc(&f, '"');
                        i++;
                    } else {
                        i++;
                        break;
                    }
                } else {
                    buf_putc(&f, s[i]);
                }
            }
            while (i < len && s[i] != delim)
                buf_putc(&f, s[i++]);
        } else {
            while (i < len && s[i] != delim)
                buf_putc(&f, s[i++]);
        }
        if (n == cap) {
            char **more = arena_alloc(a, 2 * cap * sizeof *more);
            memcpy(more, fields, cap * sizeof *more);
            fields = more, cap *= 2;
        }
        fields[n++] = arena_strndup(a, f.data ? f.data : "", f.len);
        buf_free(&f);
        if (i >= len) break;
        i++; /* the delimiter */
    }
    *out = fields;
    return n;
}

static const char *attr_type_code(const table_t *t, const char *name)
{
    for (size_t i = 0; i < t->attr_count; i++)
        if (strcmp(t->attrs[i].name, name) == 0)
            return t->attrs[i].type == VALUE_N ? "N" : t->attrs[i].type == VALUE_B ? "B" : "S";
    return "S";
}

typedef struct {
    job_t *j;
    import_t *x;
    const table_t *t;
    const import_request_t *r;
    arena_t *a;
    char **headers;
    size_t header_count;
    buf_t text; /* a CSV line rewritten as DynamoDB JSON */
} reader_t;

/* The item of a CSV line, as DynamoDB JSON text, or a problem. */
static const char *csv_item(reader_t *rd, const char *line, size_t len, json_value_t **item)
{
    char **fields;
    size_t n = csv_split(rd->a, line, len, rd->r->delimiter ? rd->r->delimiter : ',', &fields);
    if (n > rd->header_count) return "more fields than the header names";
    buf_t *b = &rd->text;
    b->len = 0;
    buf_putc(b, '{');
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (!*fields[i]) continue; /* an empty column: no attribute */
        if (!first) buf_putc(b, ',');
        first = false;
        json_write_string(b, rd->headers[i], strlen(rd->headers[i]));
        buf_printf(b, ":{\"%s\":", attr_type_code(rd->t, rd->headers[i]));
        json_write_string(b, fields[i], strlen(fields[i]));
        buf_putc(b, '}');
    }
    buf_putc(b, '}');
    char *copy = arena_strndup(rd->a, b->data, b->len);
    if (json_parse(rd->a, copy, b->len, item, NULL) != JSON_OK) return "not valid CSV";
    return NULL;
}

/* A key attribute of item as the table declares it, or a problem. */
static const char *key_problem(const value_t *item, const char *name, value_type_t type)
{
    if (!name) return NULL;
    const value_t *v = value_map_get(item, name, strlen(name));
    if (!v) return "a key attribute is missing";
    if (v->type != type) return "a key attribute has the wrong type";
    if ((type == VALUE_S || type == VALUE_B) && v->u.bytes.len == 0)
        return "a key attribute is empty";
    return NULL;
}

/* One data line: its item, encoded into the batch, or a problem. */
static const char *take_line(reader_t *rd, const char *line, size_t len)
{
    arena_reset(rd->a);
    json_value_t *j = NULL;
    const json_value_t *obj;
    const char *problem = NULL;
    if (strcmp(rd->r->format, "CSV") == 0) {
        if ((problem = csv_item(rd, line, len, &j))) return problem;
        obj = j;
    } else {
        if (strcmp(rd->r->format, "ION") == 0) { /* as DynamoDB JSON, then alike */
            rd->text.len = 0;
            if ((problem = ion_line_to_json(line, len, &rd->text))) return problem;
            line = rd->text.data, len = rd->text.len;
        }
        char *copy = arena_strndup(rd->a, line, len);
        if (json_parse(rd->a, copy, len, &j, NULL) != JSON_OK || j->type != JSON_OBJECT)
            return "not a JSON object";
        obj = wire_member(j, "Item");
        if (!obj || obj->type != JSON_OBJECT || j->u.object.count != 1)
            return "not an object with one member Item";
    }
    value_t item;
    ddb_error_t *e = value_map_from_json(rd->a, obj, &item);
    if (e) return e->message ? arena_strdup(rd->a, e->message) : "not a valid item";
    const table_t *t = rd->t;
    if ((problem = key_problem(&item, t->keys.hash, t->hash_type))) return problem;
    if ((problem = key_problem(&item, t->keys.range, t->range_type))) return problem;
    if ((e = index_check_item(rd->a, t, &item)))
        return e->message ? arena_strdup(rd->a, e->message) : "an index key is not valid";
    size_t size = value_item_size(&item);
    if (size > ITEM_MAX_SIZE) return "the item is larger than 400 KB";
    uint8_t key[KEYCODEC_MAX_KEY];
    size_t key_len = index_table_key(t, &item, key);
    if (!key_len) return "the key is too large";
    buf_t *b = &rd->j->batch;
    size_t head = b->len;
    uint8_t lens[8] = {0};
    buf_append(b, lens, 8);
    buf_append(b, key, key_len);
    size_t val_at = b->len;
    value_item_encode(b, &item, size);
    uint32_t kl = (uint32_t)key_len, vl = (uint32_t)(b->len - val_at);
    uint8_t *h = (uint8_t *)b->data + head;
    for (int i = 0; i < 4; i++) {
        h[i] = (uint8_t)(kl >> (24 - 8 * i));
        h[4 + i] = (uint8_t)(vl >> (24 - 8 * i));
    }
    rd->j->batch_items++;
    return NULL;
}

static bool stopping(void)
{
    pthread_mutex_lock(&store.lock);
    bool s = store.stopping;
    pthread_mutex_unlock(&store.lock);
    return s;
}

/* Put the batch in; false when the writer could not. */
static bool flush(reader_t *rd)
{
    job_t *j = rd->j;
    if (!j->batch_items) return true;
    int rc = run_step(j, STEP_PUT);
    if (rc) return false;
    pthread_mutex_lock(&store.lock);
    rd->x->imported += j->batch_items;
    pthread_mutex_unlock(&store.lock);
    j->batch.len = 0;
    j->batch_items = 0;
    return true;
}

/* Every line of one file; false when the import cannot go on. */
static bool read_file(reader_t *rd, const char *path)
{
    line_source_t *src = malloc(sizeof *src);
    if (!src) abort();
    bool zstd = rd->r->compression && strcmp(rd->r->compression, "ZSTD") == 0;
    if (!source_open(src, path, zstd)) {
        log_warn("import %s: cannot open %s: %s", rd->x->job.arn, path, strerror(errno));
        source_close(src);
        free(src);
        return true;
    }
    buf_t line;
    buf_init(&line);
    bool csv = strcmp(rd->r->format, "CSV") == 0, header = csv && !rd->r->headers, ok = true;
    size_t line_no = 0;
    bool cut;
    while (ok && read_line(src, &line, &cut)) {
        line_no++;
        uint64_t bytes = line.len + 1;
        if (header) { /* this file's header */
            header = false;
            arena_reset(rd->a);
            char **fields;
            size_t n = csv_split(rd->a, line.data, line.len, rd->r->delimiter ? rd->r->delimiter : ',',
                                 &fields);
            for (size_t i = 0; i < rd->header_count; i++)
                free(rd->headers[i]);
            free(rd->headers);
            rd->headers = calloc(n, sizeof *rd->headers);
            if (!rd->headers) abort();
            for (size_t i = 0; i < n; i++)
                rd->headers[i] = strdup(fields[i]);
            rd->header_count = n;
            pthread_mutex_lock(&store.lock);
            rd->x->bytes += bytes;
            pthread_mutex_unlock(&store.lock);
            continue;
        }
        bool blank = true;
        for (size_t i = 0; i < line.len && blank; i++)
            blank = line.data[i] == ' ' || line.data[i] == '\t';
        if (blank) continue;
        const char *problem =
            cut ? "the line is longer than 8 MB" : take_line(rd, line.data, line.len);
        if (problem)
            log_warn("import %s: %s line %zu not imported: %s", rd->x->job.arn, path, line_no,
                     problem);
        pthread_mutex_lock(&store.lock);
        rd->x->processed++;
        rd->x->bytes += bytes;
        if (problem) rd->x->errors++;
        pthread_mutex_unlock(&store.lock);
        if (rd->j->batch_items >= IMPORT_STEP || rd->j->batch.len >= (8u << 20))
            ok = !stopping() && flush(rd);
    }
    if (src->damaged) { /* what was read of it stays; the rest is one error */
        log_warn("import %s: %s is not zstd-compressed, or is cut short", rd->x->job.arn, path);
        pthread_mutex_lock(&store.lock);
        rd->x->errors++;
        pthread_mutex_unlock(&store.lock);
    }
    buf_free(&line);
    source_close(src);
    free(src);
    return ok;
}

static void job_free(job_t *j)
{
    catalog_release(j->table);
    buf_free(&j->batch);
    arena_free(j->step_arena);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->cond);
    free(j);
}

typedef struct {
    job_t *j;
    import_request_t r; /* strings owned by the import record or `own` */
    char **own;
    size_t own_count;
} thread_arg_t;

/* The import: what failed (code, message), or NULLs. */
static void run_import(thread_arg_t *ta, const char **code, const char **message)
{
    job_t *j = ta->j;
    import_t *x = j->x;
    *code = *message = NULL;
    const char *root = store.root ? store.root : "";
    char *bucket_dir = malloc(strlen(root) + strlen(x->bucket) + 2);
    if (!bucket_dir) abort();
    sprintf(bucket_dir, "%s/%s", root, x->bucket);
    struct stat st;
    if (!store.root || !path_safe(x->bucket) || !path_safe(x->prefix) || stat(bucket_dir, &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
        free(bucket_dir);
        *code = IMPORT_FAILURE_BUCKET_CODE, *message = IMPORT_FAILURE_BUCKET_MESSAGE;
        return;
    }
    storage_write_t *w = &j->write;
    memset(w, 0, sizeof *w);
    w->apply = create_apply;
    w->done = create_done;
    w->exclusive = true;
    storage_submit(w);
    if (step_wait(j)) {
        free(bucket_dir);
        *code = IMPORT_FAILURE_TABLE_CODE, *message = IMPORT_FAILURE_TABLE_MESSAGE;
        return;
    }
    file_list_t files = {0};
    list_files(bucket_dir, "", x->prefix ? x->prefix : "", &files);
    free(bucket_dir);
    if (files.count) qsort(files.paths, files.count, sizeof *files.paths, path_order);
    reader_t rd = {.j = j, .x = x, .t = j->table, .r = &ta->r, .a = arena_new(0)};
    buf_init(&rd.text);
    if (ta->r.headers) {
        rd.header_count = ta->r.header_count;
        rd.headers = calloc(rd.header_count, sizeof *rd.headers);
        if (!rd.headers) abort();
        for (size_t i = 0; i < rd.header_count; i++)
            rd.headers[i] = strdup(ta->r.headers[i]);
    }
    bool ok = true;
    for (size_t i = 0; i < files.count; i++) {
        if (ok) ok = !stopping() && read_file(&rd, files.paths[i]);
        free(files.paths[i]);
    }
    free(files.paths);
    if (ok) ok = !stopping() && flush(&rd);
    for (size_t i = 0; i < rd.header_count; i++)
        free(rd.headers[i]);
    free(rd.headers);
    buf_free(&rd.text);
    arena_free(rd.a);
    if (!ok) { /* a stop: the record stays IN_PROGRESS, the next start fails it */
        *code = "";
        return;
    }
    if (run_step(j, STEP_ACTIVATE)) {
        *code = "";
        return;
    }
    if (x->errors) *code = IMPORT_FAILURE_ITEMS_CODE, *message = IMPORT_FAILURE_ITEMS_MESSAGE;
}

static void *import_main(void *arg)
{
    thread_arg_t *ta = arg;
    job_t *j = ta->j;
    import_t *x = j->x;
    const char *code, *message;
    run_import(ta, &code, &message);
    bool stopped = code && !*code;
    if (!stopped) {
        pthread_mutex_lock(&store.lock);
        if (code) fail(x, code, message);
        else x->status = IMPORT_COMPLETED, x->end_ms = clock_now_ms();
        pthread_mutex_unlock(&store.lock);
        persist(x);
        log_info("import %s: %s, %llu items imported, %llu errors", x->job.arn,
                 status_names[x->status], (unsigned long long)x->imported,
                 (unsigned long long)x->errors);
    } else {
        log_warn("import %s: cut short by a stop; it fails at the next start", x->job.arn);
    }
    job_free(j);
    for (size_t i = 0; i < ta->own_count; i++)
        free(ta->own[i]);
    free(ta->own);
    free(ta);
    pthread_mutex_lock(&store.lock);
    if (--store.running == 0) pthread_cond_broadcast(&store.idle);
    pthread_mutex_unlock(&store.lock);
    return NULL;
}

/* --- the API's part ---------------------------------------------------------------- */

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* v as JSON text without the members whose value is null: a member sent
 * as null is one not sent, for the record and for a ClientToken replay. */
static void write_without_nulls(buf_t *b, const json_value_t *v)
{
    if (v->type == JSON_OBJECT) {
        buf_putc(b, '{');
        bool first = true;
        for (size_t i = 0; i < v->u.object.count; i++) {
            const json_member_t *m = &v->u.object.members[i];
            if (m->value->type == JSON_NULL) continue;
            if (!first) buf_putc(b, ',');
            first = false;
            json_write_string(b, m->key, m->key_len);
            buf_putc(b, ':');
            write_without_nulls(b, m->value);
        }
        buf_putc(b, '}');
    } else if (v->type == JSON_ARRAY) {
        buf_putc(b, '[');
        for (size_t i = 0; i < v->u.array.count; i++) {
            if (i) buf_putc(b, ',');
            write_without_nulls(b, v->u.array.items[i]);
        }
        buf_putc(b, ']');
    } else {
        json_write_value(b, v);
    }
}

static char *json_text_of(const json_value_t *v)
{
    if (!v || v->type == JSON_NULL) return NULL;
    buf_t b;
    buf_init(&b);
    write_without_nulls(&b, v);
    char *s = strndup(b.data, b.len);
    buf_free(&b);
    return s;
}

bool import_table_pending(const char *name)
{
    pthread_mutex_lock(&store.lock);
    bool found = false;
    for (size_t i = 0; i < store.reg.count && !found; i++)
        found = item(i)->status == IMPORT_IN_PROGRESS &&
                strcmp(item(i)->table_name, name) == 0;
    pthread_mutex_unlock(&store.lock);
    return found;
}

ddb_error_t *import_start(arena_t *a, table_t *t, const import_request_t *r, buf_t *out)
{
    char *params = json_text_of(r->params), *options = json_text_of(r->options);
    int64_t now = clock_now_ms();
    pthread_mutex_lock(&store.lock);
    /* a token names its import for 8 hours from its start, finished or not
     * (a finished one whose table is there was refused before: in use) */
    for (size_t i = 0; r->token && i < store.reg.count; i++) {
        import_t *seen = item(i);
        if (!seen->token || strcmp(seen->token, r->token) != 0 ||
            now - seen->job.start_ms >= IMPORT_TOKEN_LIFE_MS)
            continue;
        bool same = same_text(seen->params, params) && same_text(seen->options, options) &&
                    same_text(seen->bucket, r->bucket) && same_text(seen->prefix, r->prefix) &&
                    same_text(seen->owner, r->owner) && same_text(seen->format, r->format) &&
                    same_text(seen->compression, r->compression);
        if (same) {
            buf_append_str(out, "{\"ImportTableDescription\":");
            render_description(out, seen);
            buf_putc(out, '}');
        }
        pthread_mutex_unlock(&store.lock);
        free(params);
        free(options);
        catalog_release(t);
        return same ? NULL : err_import_conflict(a);
    }
    for (size_t i = 0; i < store.reg.count; i++)
        if (item(i)->status == IMPORT_IN_PROGRESS &&
            strcmp(item(i)->table_name, t->name) == 0) {
            pthread_mutex_unlock(&store.lock);
            free(params);
            free(options);
            ddb_error_t *e = err_table_exists(a, t->name);
            catalog_release(t);
            return e;
        }
    import_t *x = calloc(1, sizeof *x);
    if (!x) abort();
    x->job.start_ms = now;
    jobstore_id_new(x->job.start_ms, x->job.id);
    buf_t arn;
    buf_init(&arn);
    catalog_table_arn(t, &arn);
    x->job.table_arn = strndup(arn.data, arn.len);
    buf_printf(&arn, "/import/%s", x->job.id);
    x->job.arn = strndup(arn.data, arn.len);
    buf_free(&arn);
    x->table_id = strdup(t->id);
    x->table_name = strdup(t->name);
    x->token = dup_or_null(r->token);
    x->bucket = strdup(r->bucket);
    x->prefix = dup_or_null(r->prefix);
    x->owner = dup_or_null(r->owner);
    x->format = strdup(r->format);
    x->compression = dup_or_null(r->compression);
    x->options = options;
    x->params = params;
    x->status = IMPORT_IN_PROGRESS;
    /* the table is the import's until it is filled */
    t->restoring = true;
    t->restore_backup_arn = arena_strdup(t->arena, x->job.arn);
    t->restore_source_arn = t->restore_backup_arn;
    t->restore_time = (double)x->job.start_ms / 1000.0;
    jobstore_registry_add(&store.reg, &x->job);
    store.running++;
    buf_append_str(out, "{\"ImportTableDescription\":");
    render_description(out, x);
    buf_putc(out, '}');
    pthread_mutex_unlock(&store.lock);
    persist(x);

    job_t *j = calloc(1, sizeof *j);
    thread_arg_t *ta = calloc(1, sizeof *ta);
    if (!j || !ta) abort();
    j->x = x;
    j->table = t;
    buf_init(&j->batch);
    j->step_arena = arena_new(0);
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->cond, NULL);
    ta->j = j;
    ta->r = *r;
    ta->r.token = x->token, ta->r.bucket = x->bucket, ta->r.prefix = x->prefix;
    ta->r.owner = x->owner, ta->r.format = x->format, ta->r.compression = x->compression;
    ta->r.options = ta->r.params = NULL;
    if (r->headers) {
        ta->own = calloc(r->header_count, sizeof *ta->own);
        if (!ta->own) abort();
        for (size_t i = 0; i < r->header_count; i++)
            ta->own[i] = strdup(r->headers[i]);
        ta->own_count = r->header_count;
        ta->r.headers = (const char *const *)ta->own;
    }
    background_run(import_main, ta);
    return NULL;
}

ddb_error_t *import_describe(arena_t *a, const char *arn, buf_t *out)
{
    pthread_mutex_lock(&store.lock);
    import_t *x = (import_t *)jobstore_registry_find(&store.reg, arn);
    if (x) {
        buf_append_str(out, "{\"ImportTableDescription\":");
        render_description(out, x);
        buf_putc(out, '}');
    }
    pthread_mutex_unlock(&store.lock);
    return x ? NULL : err_import_not_found(a, arn);
}

/* A NextToken (the model wants ([0-9a-f]{16})+, 112 characters at least):
 * the hex of the last import's id, padded with zeros. */
#define TOKEN_LEN 112
static void token_of(const char *id, char out[JOBSTORE_TOKEN_SIZE])
{
    _Static_assert(TOKEN_LEN < JOBSTORE_TOKEN_SIZE, "a token fits");
    size_t n = strlen(id), i = 0;
    for (; i < n && 2 * i + 1 < TOKEN_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", (unsigned char)id[i]);
    memset(out + 2 * i, '0', TOKEN_LEN - 2 * i);
    out[TOKEN_LEN] = '\0';
}

static void render_summary(buf_t *out, const jobstore_job_t *job)
{
    const import_t *x = (const import_t *)job;
    buf_append_str(out, "{\"ImportArn\":");
    json_write_string(out, x->job.arn, strlen(x->job.arn));
    buf_printf(out, ",\"ImportStatus\":\"%s\",\"TableArn\":", status_names[x->status]);
    json_write_string(out, x->job.table_arn, strlen(x->job.table_arn));
    render_bucket(out, x);
    buf_append_str(out, ",\"CloudWatchLogGroupArn\":\"arn:aws:logs:");
    buf_printf(out, "%s:%s:log-group:/aws-dynamodb/imports:*\"", arn_region(),
               CATALOG_ACCOUNT);
    json_write_member_optional(out, "InputFormat", x->format);
    buf_printf(out, ",\"StartTime\":%.3f", (double)x->job.start_ms / 1000.0);
    if (x->status != IMPORT_IN_PROGRESS)
        buf_printf(out, ",\"EndTime\":%.3f", (double)x->end_ms / 1000.0);
    buf_putc(out, '}');
}

void import_list(buf_t *out, const char *table_arn, size_t max, const char *next_token)
{
    pthread_mutex_lock(&store.lock);
    jobstore_registry_page(&store.reg, out, "ImportSummaryList", table_arn, max, next_token,
                           token_of, render_summary);
    pthread_mutex_unlock(&store.lock);
}

/* --- a table whose import was cut short -------------------------------------------- */

static int drop_table(MDB_txn *txn, void *arg)
{
    table_t *t = arg;
    MDB_val key = {strlen(t->name), (void *)t->name};
    int rc = catalog_table_forget_stats(txn, t);
    if (!rc) rc = catalog_table_drop_dbis(txn, t);
    if (rc) return rc;
    rc = mdb_del(txn, storage_catalog_dbi(), &key, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

void import_table_abandon(table_t *t)
{
    int rc = storage_run_sync(drop_table, t);
    if (rc) {
        log_error("import %s: cannot drop the table %s: %s", t->restore_backup_arn, t->name,
                  mdb_strerror(rc));
        return;
    }
    t->dropped = true;
    catalog_unpublish(t);
    log_warn("import %s: cut short by a stop; its table %s is dropped", t->restore_backup_arn,
             t->name);
}
