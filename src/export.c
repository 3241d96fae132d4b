/* export: exports of tables as files in the service's S3 layout; see
 * export.h. */
#include "export.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "background.h"
#include "backup.h"
#include "changelog.h"
#include "clock.h"
#include "index.h"
#include "ion.h"
#include "jobstore.h"
#include "json.h"
#include "log.h"
#include "storage.h"
#include "wire.h"

typedef enum { EXPORT_IN_PROGRESS, EXPORT_COMPLETED, EXPORT_FAILED } export_status_t;
static const char *const status_names[] = {"IN_PROGRESS", "COMPLETED", "FAILED"};

typedef struct {
    jobstore_job_t job; /* first: the registry holds it */
    char *table_id, *bucket, *prefix, *owner, *sse, *kms_key, *token;
    char *manifest, *failure_code, *failure_message;
    int64_t export_ms, end_ms;
    uint64_t items, bytes;
    export_status_t status;
    /* INCREMENTAL_EXPORT: the changes in [from_ms, to_ms) */
    bool incremental, new_image_only;
    int64_t from_ms, to_ms;
    bool ion; /* ExportFormat ION (else DYNAMODB_JSON) */
} export_t;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t idle;
    jobstore_registry_t reg;
    char *dir, *root;
    int running;
} store = {.lock = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void export_free(export_t *x)
{
    char *fields[] = {x->job.arn,    x->job.table_arn, x->table_id,     x->bucket,
                      x->prefix, x->owner,     x->sse,          x->kms_key,
                      x->token,  x->manifest,  x->failure_code, x->failure_message};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        free(fields[i]);
    free(x);
}

static void record_free(jobstore_job_t *job) { export_free((export_t *)job); }

static export_t *item(size_t i) { return (export_t *)store.reg.items[i]; }

bool export_arn_valid(const char *arn) { return jobstore_arn_valid(arn, "export"); }

/* --- descriptions ------------------------------------------------------------------ */

/* ExportDescription's members; lock held. */
static void render_description(buf_t *b, const export_t *x)
{
    buf_append_str(b, "{\"ExportArn\":");
    json_write_string(b, x->job.arn, strlen(x->job.arn));
    buf_printf(b, ",\"ExportStatus\":\"%s\",\"StartTime\":%.3f", status_names[x->status],
               (double)x->job.start_ms / 1000.0);
    if (x->status != EXPORT_IN_PROGRESS)
        buf_printf(b, ",\"EndTime\":%.3f", (double)x->end_ms / 1000.0);
    json_write_member_optional(b, "ExportManifest", x->manifest);
    json_write_member_optional(b, "TableArn", x->job.table_arn);
    json_write_member_optional(b, "TableId", x->table_id);
    if (!x->incremental) buf_printf(b, ",\"ExportTime\":%.3f", (double)x->export_ms / 1000.0);
    json_write_member_optional(b, "ClientToken", x->token);
    json_write_member_optional(b, "S3Bucket", x->bucket);
    json_write_member_optional(b, "S3BucketOwner", x->owner);
    json_write_member_optional(b, "S3Prefix", x->prefix);
    json_write_member_optional(b, "S3SseAlgorithm", x->sse ? x->sse : "AES256");
    json_write_member_optional(b, "S3SseKmsKeyId", x->kms_key);
    json_write_member_optional(b, "FailureCode", x->failure_code);
    json_write_member_optional(b, "FailureMessage", x->failure_message);
    buf_printf(b, ",\"ExportFormat\":\"%s\"", x->ion ? "ION" : "DYNAMODB_JSON");
    if (x->status == EXPORT_COMPLETED)
        buf_printf(b, ",\"BilledSizeBytes\":%llu,\"ItemCount\":%llu", (unsigned long long)x->bytes,
                   (unsigned long long)x->items);
    if (x->incremental)
        buf_printf(b,
                   ",\"ExportType\":\"INCREMENTAL_EXPORT\",\"IncrementalExportSpecification\":{"
                   "\"ExportFromTime\":%.3f,\"ExportToTime\":%.3f,\"ExportViewType\":\"%s\"}}",
                   (double)x->from_ms / 1000.0, (double)x->to_ms / 1000.0,
                   x->new_image_only ? "NEW_IMAGE" : "NEW_AND_OLD_IMAGES");
    else
        buf_append_str(b, ",\"ExportType\":\"FULL_EXPORT\"}");
}

/* The record of x, durably (written to a temporary name, then renamed). */
static void persist(const export_t *x)
{
    buf_t b;
    buf_init(&b);
    pthread_mutex_lock(&store.lock);
    render_description(&b, x);
    pthread_mutex_unlock(&store.lock);
    if (!jobstore_record_write(store.dir, x->job.id, b.data, b.len))
        log_error("export %s: cannot record it in %s: %s", x->job.arn, store.dir, strerror(errno));
    buf_free(&b);
}

/* An export recorded by persist(); NULL when unreadable. */
static export_t *load(const char *file)
{
    arena_t *a = arena_new(0);
    const json_value_t *j = jobstore_record_read(a, store.dir, file);
    export_t *x = NULL;
    if (j) {
        x = calloc(1, sizeof *x);
        if (!x) abort();
        jobstore_record_id(file, x->job.id, sizeof x->job.id);
        x->job.arn = jobstore_member_string(a, j, "ExportArn");
        x->job.table_arn = jobstore_member_string(a, j, "TableArn");
        x->table_id = jobstore_member_string(a, j, "TableId");
        x->bucket = jobstore_member_string(a, j, "S3Bucket");
        x->prefix = jobstore_member_string(a, j, "S3Prefix");
        x->owner = jobstore_member_string(a, j, "S3BucketOwner");
        x->sse = jobstore_member_string(a, j, "S3SseAlgorithm");
        x->kms_key = jobstore_member_string(a, j, "S3SseKmsKeyId");
        x->token = jobstore_member_string(a, j, "ClientToken");
        x->manifest = jobstore_member_string(a, j, "ExportManifest");
        x->failure_code = jobstore_member_string(a, j, "FailureCode");
        x->failure_message = jobstore_member_string(a, j, "FailureMessage");
        x->job.start_ms = jobstore_member_time_ms(j, "StartTime");
        x->end_ms = jobstore_member_time_ms(j, "EndTime");
        x->export_ms = jobstore_member_time_ms(j, "ExportTime");
        char *format = jobstore_member_string(a, j, "ExportFormat");
        x->ion = format && strcmp(format, "ION") == 0;
        free(format);
        const json_value_t *inc = wire_member(j, "IncrementalExportSpecification");
        if ((x->incremental = inc && inc->type == JSON_OBJECT)) {
            x->from_ms = jobstore_member_time_ms(inc, "ExportFromTime");
            x->to_ms = jobstore_member_time_ms(inc, "ExportToTime");
            char *view = jobstore_member_string(a, inc, "ExportViewType");
            x->new_image_only = view && strcmp(view, "NEW_IMAGE") == 0;
            free(view);
        }
        x->items = jobstore_member_count(a, j, "ItemCount");
        x->bytes = jobstore_member_count(a, j, "BilledSizeBytes");
        char *status = jobstore_member_string(a, j, "ExportStatus");
        x->status = status && strcmp(status, "COMPLETED") == 0 ? EXPORT_COMPLETED : EXPORT_FAILED;
        if (status && strcmp(status, "IN_PROGRESS") == 0) {
            /* cut short by a stop */
            x->end_ms = clock_now_ms();
            x->failure_code = strdup("UNKNOWN");
            x->failure_message = strdup("The server stopped during the export");
        }
        free(status);
        if (!x->job.arn || !x->job.table_arn || !x->bucket) {
            export_free(x);
            x = NULL;
        }
    }
    arena_free(a);
    return x;
}

/* Register the export recorded in file; one cut short is recorded FAILED. */
static void recover(const char *file, void *ctx)
{
    (void)ctx;
    export_t *x = load(file);
    if (!x) return;
    if (x->failure_code && strcmp(x->failure_message, "The server stopped during the export") == 0)
        persist(x);
    jobstore_registry_add(&store.reg, &x->job);
}

int export_store_open(const char *data_dir, const char *root)
{
    if (!data_dir) return 0;
    store.root = strdup(root);
    if (jobstore_dir_open(data_dir, "exports", &store.dir) != 0 ||
        jobstore_dir_each(store.dir, recover, NULL) != 0)
        return -1;
    jobstore_registry_sort(&store.reg);
    log_info("exports: %zu recorded; files under %s", store.reg.count, store.root);
    return 0;
}

void export_store_close(void)
{
    pthread_mutex_lock(&store.lock);
    while (store.running)
        pthread_cond_wait(&store.idle, &store.lock);
    jobstore_registry_clear(&store.reg, record_free);
    pthread_mutex_unlock(&store.lock);
    free(store.dir);
    free(store.root);
    store.dir = store.root = NULL;
}

/* --- the files --------------------------------------------------------------------- */

/* mkdir -p; false when a component cannot be made. */
static bool make_dirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        bool ok = mkdir(path, 0755) == 0 || errno == EEXIST;
        *p = '/';
        if (!ok) return false;
    }
    return mkdir(path, 0755) == 0 || errno == EEXIST;
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

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    return (fclose(f) == 0) && ok;
}

/* The MD5 of a file as hex and base64. */
static bool file_md5(const char *path, char hex[33], char b64[32])
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        EVP_DigestUpdate(ctx, chunk, n);
    fclose(f);
    unsigned char md[16];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    EVP_EncodeBlock((unsigned char *)b64, md, 16);
    return true;
}

static void md5_hex(const void *data, size_t len, char hex[33])
{
    unsigned char md[16];
    unsigned n = 0;
    EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* One change of the log, for the merge. */
typedef struct {
    size_t key_off, key_len, val_off, val_len; /* val_len 0: the item is gone */
    size_t order;
    int64_t time_ms;
} change_t;

/* The last change of each key in a span of the log, in key order. */
typedef struct {
    buf_t data; /* change keys and values */
    change_t *changes;
    size_t count, cap;
} change_set_t;

typedef struct {
    export_t *x;    /* the registry's */
    table_t *table; /* a reference */
    backup_t *base; /* a reference, and a restore count */
    uint64_t log, log_seq;
    char *dir;        /* <root>/<bucket>/<prefix>/AWSDynamoDB/<id> */
    char *key_prefix; /* "<prefix>/AWSDynamoDB/<id>" as manifests name it */
    change_set_t before; /* after the base, before the instant (incremental: the start) */
    change_set_t window; /* incremental: in [from, to) */
} job_t;

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : al < bl ? -1 : al > bl;
}

static int change_order(const void *p, const void *q, void *data)
{
    const change_t *a = p, *b = q;
    const uint8_t *d = data;
    int c = key_cmp(d + a->key_off, a->key_len, d + b->key_off, b->key_len);
    return c ? c : a->order < b->order ? -1 : 1;
}

/* The log's changes after the base committed in [min_ms, max_ms], the
 * last per key, in key order, into set. */
static int collect_changes(job_t *j, int64_t min_ms, int64_t max_ms, change_set_t *set)
{
    MDB_txn *snap = storage_snapshot_begin();
    if (!snap) return -1;
    changelog_reader_t r;
    int rc = changelog_reader_open(snap, j->log, 0, j->log_seq + 1, &r);
    arena_t *a = arena_new(0);
    while (!rc) {
        arena_reset(a);
        change_record_t c;
        if ((rc = changelog_reader_next(&r, a, &c))) break;
        if (c.time_ms > max_ms) break;
        if (c.time_ms < min_ms) continue;
        uint8_t key[KEYCODEC_MAX_KEY];
        size_t key_len = index_table_key(j->table, c.keys, key);
        if (!key_len) continue;
        if (set->count == set->cap) {
            set->cap = set->cap ? 2 * set->cap : 1024;
            set->changes = realloc(set->changes, set->cap * sizeof *set->changes);
            if (!set->changes) abort();
        }
        change_t *ch = &set->changes[set->count];
        *ch = (change_t){set->data.len, key_len, 0, 0, set->count, c.time_ms};
        buf_append(&set->data, key, key_len);
        ch->val_off = set->data.len;
        if (c.new_image) value_item_encode(&set->data, c.new_image, value_item_size(c.new_image));
        ch->val_len = set->data.len - ch->val_off;
        set->count++;
    }
    if (r.cursor) changelog_reader_close(&r);
    arena_free(a);
    storage_snapshot_end(snap);
    if (rc != MDB_NOTFOUND && rc != 0) return -1;
    if (set->count)
        qsort_r(set->changes, set->count, sizeof *set->changes, change_order, set->data.data);
    /* the last change of each key */
    size_t out = 0;
    const uint8_t *d = (const uint8_t *)set->data.data;
    for (size_t i = 0; i < set->count; i++) {
        const change_t *c = set->changes;
        bool last = i + 1 == set->count || key_cmp(d + c[i].key_off, c[i].key_len,
                                                   d + c[i + 1].key_off, c[i + 1].key_len) != 0;
        if (last) set->changes[out++] = set->changes[i];
    }
    set->count = out;
    return 0;
}

static void change_set_free(change_set_t *set)
{
    buf_free(&set->data);
    free(set->changes);
}

/* One item as a line of the data file, in DynamoDB JSON or Ion (ion.h). */
static bool write_item(gzFile gz, bool ion, arena_t *a, buf_t *line, const void *val, size_t len,
                       uint64_t *items, uint64_t *bytes)
{
    value_t item;
    size_t size;
    arena_reset(a);
    if (!value_item_decode(a, val, len, &item, &size)) return false;
    line->len = 0;
    if (ion) {
        ion_write_item_line(line, &item);
    } else {
        buf_append_str(line, "{\"Item\":");
        value_map_write_json(line, &item);
        buf_append_str(line, "}\n");
    }
    ++*items;
    *bytes += size;
    return gzwrite(gz, line->data, (unsigned)line->len) == (int)line->len;
}

/* The data file: the base's items merged with the changes. */
static bool write_data(job_t *j, const char *path, uint64_t *items, uint64_t *bytes)
{
    FILE *f = backup_items_open(j->base);
    gzFile gz = f ? gzopen(path, "wb") : NULL;
    if (!gz) {
        if (f) fclose(f);
        return false;
    }
    buf_t rec, line;
    buf_init(&rec);
    buf_init(&line);
    arena_t *a = arena_new(0);
    MDB_val k, v;
    int got = backup_items_next(f, &rec, &k, &v);
    size_t c = 0;
    bool ok = got >= 0;
    const uint8_t *data = (const uint8_t *)j->before.data.data;
    while (ok && (got == 1 || c < j->before.count)) {
        const change_t *ch = c < j->before.count ? &j->before.changes[c] : NULL;
        int cmp = !ch        ? -1
                  : got != 1 ? 1
                             : key_cmp(k.mv_data, k.mv_size, data + ch->key_off, ch->key_len);
        if (cmp < 0) { /* a base item no change touched */
            ok = write_item(gz, j->x->ion, a, &line, v.mv_data, v.mv_size, items, bytes);
        } else if (ch->val_len) { /* changed or new */
            ok = write_item(gz, j->x->ion, a, &line, data + ch->val_off, ch->val_len, items,
                            bytes);
        }
        if (cmp <= 0 && ok) ok = (got = backup_items_next(f, &rec, &k, &v)) >= 0;
        if (cmp >= 0) c++;
    }
    ok &= gzclose(gz) == Z_OK;
    fclose(f);
    arena_free(a);
    buf_free(&rec);
    buf_free(&line);
    return ok;
}

/* The change of key in set, or NULL. */
static const change_t *change_find(const change_set_t *set, const uint8_t *key, size_t len)
{
    const uint8_t *d = (const uint8_t *)set->data.data;
    size_t lo = 0, hi = set->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const change_t *c = &set->changes[mid];
        int cmp = key_cmp(d + c->key_off, c->key_len, key, len);
        if (!cmp) return c;
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* An incremental export's data file: per key changed in the window, one
 *   {"Metadata":{"WriteTimestampMicros":{"N":"<its last change>"}},
 *    "Keys":{...},"NewImage":{...},"OldImage":{...}}
 * NewImage: the item at the window's end (absent: deleted); OldImage (with
 * NEW_AND_OLD_IMAGES): the item at its start (absent: new), from the
 * changes before the window or else the base.  An item both made and gone
 * inside the window is no line. */
static bool write_changes(job_t *j, const char *path, uint64_t *items, uint64_t *bytes)
{
    FILE *f = backup_items_open(j->base);
    gzFile gz = f ? gzopen(path, "wb") : NULL;
    if (!gz) {
        if (f) fclose(f);
        return false;
    }
    buf_t rec, line;
    buf_init(&rec);
    buf_init(&line);
    arena_t *a = arena_new(0);
    MDB_val k, v;
    int got = backup_items_next(f, &rec, &k, &v);
    bool ok = got >= 0;
    const uint8_t *wd = (const uint8_t *)j->window.data.data;
    const uint8_t *bd = (const uint8_t *)j->before.data.data;
    for (size_t i = 0; ok && i < j->window.count; i++) {
        const change_t *w = &j->window.changes[i];
        const uint8_t *key = wd + w->key_off;
        while (got == 1 && key_cmp(k.mv_data, k.mv_size, key, w->key_len) < 0)
            got = backup_items_next(f, &rec, &k, &v);
        if (got < 0) {
            ok = false;
            break;
        }
        const void *old = NULL;
        size_t old_len = 0;
        const change_t *b = change_find(&j->before, key, w->key_len);
        if (b) {
            old = b->val_len ? bd + b->val_off : NULL, old_len = b->val_len;
        } else if (got == 1 && key_cmp(k.mv_data, k.mv_size, key, w->key_len) == 0) {
            old = v.mv_data, old_len = v.mv_size;
        }
        if (!old && !w->val_len) continue;
        arena_reset(a);
        value_t new_item, old_item;
        size_t new_size = 0, old_size = 0;
        if (w->val_len && !value_item_decode(a, wd + w->val_off, w->val_len, &new_item, &new_size))
            ok = false;
        if (old && !value_item_decode(a, old, old_len, &old_item, &old_size)) ok = false;
        if (!ok) break;
        const value_t *keys = changelog_keys(a, j->table->keys.hash, j->table->keys.range,
                                             w->val_len ? &new_item : &old_item);
        line.len = 0;
        bool ion = j->x->ion;
        void (*write_map)(buf_t *, const value_t *) = ion ? ion_write_map : value_map_write_json;
        if (ion)
            buf_printf(&line, "$ion_1_0 {Metadata:{WriteTimestampMicros:%lld000},Keys:",
                       (long long)w->time_ms);
        else
            buf_printf(&line,
                       "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"%lld000\"}},\"Keys\":",
                       (long long)w->time_ms);
        write_map(&line, keys);
        if (w->val_len) {
            buf_append_str(&line, ion ? ",NewImage:" : ",\"NewImage\":");
            write_map(&line, &new_item);
        }
        if (old && !j->x->new_image_only) {
            buf_append_str(&line, ion ? ",OldImage:" : ",\"OldImage\":");
            write_map(&line, &old_item);
        }
        buf_append_str(&line, "}\n");
        ++*items;
        *bytes += w->val_len ? new_size : old_size;
        ok = gzwrite(gz, line.data, (unsigned)line.len) == (int)line.len;
    }
    ok &= gzclose(gz) == Z_OK;
    fclose(f);
    arena_free(a);
    buf_free(&rec);
    buf_free(&line);
    return ok;
}

/* "<key prefix>/<a><b>": an object key as the manifests name it. */
static char *s3_key(const char *key_prefix, const char *a, const char *b)
{
    size_t n = strlen(key_prefix) + strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (!s) abort();
    snprintf(s, n, "%s/%s%s", key_prefix, a, b);
    return s;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (!s) abort();
    snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* The data file and the manifests; the failure's text or NULL. */
static const char *write_export(job_t *j)
{
    export_t *x = j->x;
    if (!path_safe(x->bucket) || !path_safe(x->prefix)) return "The S3 prefix names no place";
    if (!make_dirs(j->dir)) return "The bucket's directory cannot be written";
    char *started = join(j->dir, "_started"), *data_dir = join(j->dir, "data");
    bool ok = write_file(started, "", 0) && make_dirs(data_dir);
    free(started);
    if (ok) {
        if (x->incremental)
            ok = !collect_changes(j, INT64_MIN, x->from_ms - 1, &j->before) &&
                 !collect_changes(j, x->from_ms, x->to_ms - 1, &j->window);
        else
            ok = !collect_changes(j, INT64_MIN, x->export_ms, &j->before);
    }
    if (!ok) {
        free(data_dir);
        return "The table's data could not be read";
    }
    uint32_t rnd[2];
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) rnd[0] = (uint32_t)rand(), rnd[1] = 0;
    char name[64];
    snprintf(name, sizeof name, "%08x%08x.%s.gz", rnd[0], rnd[1], x->ion ? "ion" : "json");
    char *data_path = join(data_dir, name);
    free(data_dir);
    uint64_t items = 0, bytes = 0;
    char hex[33], b64[32];
    ok = (x->incremental ? write_changes(j, data_path, &items, &bytes)
                         : write_data(j, data_path, &items, &bytes)) &&
         file_md5(data_path, hex, b64);
    free(data_path);
    if (!ok) return "The data file could not be written";
    buf_t files, summary;
    buf_init(&files);
    buf_init(&summary);
    buf_printf(&files,
               "{\"itemCount\":%llu,\"md5Checksum\":\"%s\",\"etag\":\"%s\",\"dataFileS3Key\":",
               (unsigned long long)items, b64, hex);
    char *data_key = s3_key(j->key_prefix, "data/", name);
    json_write_string(&files, data_key, strlen(data_key));
    free(data_key);
    buf_append_str(&files, "}\n");
    int64_t end = clock_now_ms();
    char t_start[32], t_end[32], t_export[32];
    clock_format_iso(t_start, x->job.start_ms);
    clock_format_iso(t_end, end);
    clock_format_iso(t_export, x->export_ms);
    buf_append_str(&summary, "{\"version\":\"2020-06-30\",\"exportArn\":");
    json_write_string(&summary, x->job.arn, strlen(x->job.arn));
    buf_printf(&summary, ",\"startTime\":\"%s\",\"endTime\":\"%s\",\"tableArn\":", t_start, t_end);
    json_write_string(&summary, x->job.table_arn, strlen(x->job.table_arn));
    buf_append_str(&summary, ",\"tableId\":");
    json_write_string(&summary, x->table_id, strlen(x->table_id));
    buf_printf(&summary, ",\"exportTime\":\"%s\",\"s3Bucket\":", t_export);
    json_write_string(&summary, x->bucket, strlen(x->bucket));
    buf_append_str(&summary, ",\"s3Prefix\":");
    if (x->prefix)
        json_write_string(&summary, x->prefix, strlen(x->prefix));
    else
        buf_append_str(&summary, "null");
    buf_printf(&summary,
               ",\"s3SseAlgorithm\":\"%s\",\"s3SseKmsKeyId\":", x->sse ? x->sse : "AES256");
    if (x->kms_key)
        json_write_string(&summary, x->kms_key, strlen(x->kms_key));
    else
        buf_append_str(&summary, "null");
    char *files_key = s3_key(j->key_prefix, "manifest-files.json", "");
    buf_append_str(&summary, ",\"manifestFilesS3Key\":");
    json_write_string(&summary, files_key, strlen(files_key));
    free(files_key);
    buf_printf(&summary,
               ",\"billedSizeBytes\":%llu,\"itemCount\":%llu,"
               "\"outputFormat\":\"%s\"",
               (unsigned long long)bytes, (unsigned long long)items,
               x->ion ? "ION" : "DYNAMODB_JSON");
    if (x->incremental) {
        char t_from[32], t_to[32];
        clock_format_iso(t_from, x->from_ms);
        clock_format_iso(t_to, x->to_ms);
        buf_printf(&summary,
                   ",\"exportType\":\"INCREMENTAL_EXPORT\",\"outputView\":\"%s\","
                   "\"exportFromTime\":\"%s\",\"exportToTime\":\"%s\"",
                   x->new_image_only ? "NEW_IMAGE" : "NEW_AND_OLD_IMAGES", t_from, t_to);
    }
    buf_append_str(&summary, "}\n");
    char *paths[4] = {join(j->dir, "manifest-files.json"), join(j->dir, "manifest-files.checksum"),
                      join(j->dir, "manifest-summary.json"),
                      join(j->dir, "manifest-summary.checksum")};
    char fsum[33], ssum[33];
    md5_hex(files.data, files.len, fsum);
    md5_hex(summary.data, summary.len, ssum);
    ok = write_file(paths[0], files.data, files.len) && write_file(paths[1], fsum, 32) &&
         write_file(paths[2], summary.data, summary.len) && write_file(paths[3], ssum, 32);
    for (int i = 0; i < 4; i++)
        free(paths[i]);
    buf_free(&files);
    buf_free(&summary);
    if (!ok) return "The manifests could not be written";
    pthread_mutex_lock(&store.lock);
    x->items = items;
    x->bytes = bytes;
    x->manifest = s3_key(j->key_prefix, "manifest-summary.json", "");
    x->end_ms = end; /* as the summary says */
    pthread_mutex_unlock(&store.lock);
    return NULL;
}

static void *export_main(void *arg)
{
    job_t *j = arg;
    const char *failure = write_export(j);
    export_t *x = j->x;
    pthread_mutex_lock(&store.lock);
    x->status = failure ? EXPORT_FAILED : EXPORT_COMPLETED;
    if (failure) {
        x->end_ms = clock_now_ms();
        x->failure_code = strdup("UNKNOWN");
        x->failure_message = strdup(failure);
    }
    pthread_mutex_unlock(&store.lock);
    persist(x);
    if (failure)
        log_warn("export %s: %s", x->job.arn, failure);
    else
        log_info("export %s: %llu items", x->job.arn, (unsigned long long)x->items);
    backup_restore_end(j->base);
    backup_release(j->base);
    catalog_release(j->table);
    change_set_free(&j->before);
    change_set_free(&j->window);
    free(j->dir);
    free(j->key_prefix);
    free(j);
    pthread_mutex_lock(&store.lock);
    if (--store.running == 0) pthread_cond_broadcast(&store.idle);
    pthread_mutex_unlock(&store.lock);
    return NULL;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A reused ClientToken: the same export, or a conflict; lock held. */
static export_t *by_token(const char *token)
{
    for (size_t i = 0; token && i < store.reg.count; i++)
        if (item(i)->token && strcmp(item(i)->token, token) == 0)
            return item(i);
    return NULL;
}

ddb_error_t *export_start(arena_t *a, table_t *t, const export_request_t *r, buf_t *out)
{
    buf_t arn;
    buf_init(&arn);
    catalog_table_arn(t, &arn);
    char *table_arn = strndup(arn.data, arn.len);
    pthread_mutex_lock(&store.lock);
    export_t *seen = by_token(r->token);
    if (seen) {
        bool same = strcmp(seen->job.table_arn, table_arn) == 0 && same_text(seen->bucket, r->bucket) &&
                    same_text(seen->prefix, r->prefix) && same_text(seen->owner, r->owner) &&
                    same_text(seen->sse, r->sse) && same_text(seen->kms_key, r->kms_key);
        if (same) {
            buf_append_str(out, "{\"ExportDescription\":");
            render_description(out, seen);
            buf_putc(out, '}');
        }
        pthread_mutex_unlock(&store.lock);
        free(table_arn);
        buf_free(&arn);
        return same ? NULL : err_export_conflict(a);
    }
    pthread_mutex_unlock(&store.lock);
    backup_t *base = backup_base_acquire(r->base);
    if (!base || !backup_base_restore_begin(base)) {
        backup_release(base);
        free(table_arn);
        buf_free(&arn);
        return err_internal(a);
    }
    export_t *x = calloc(1, sizeof *x);
    if (!x) abort();
    x->job.start_ms = clock_now_ms();
    jobstore_id_new(x->job.start_ms, x->job.id);
    buf_printf(&arn, "/export/%s", x->job.id);
    x->job.arn = strndup(arn.data, arn.len);
    buf_free(&arn);
    x->job.table_arn = table_arn;
    x->table_id = strdup(t->id);
    x->bucket = dup_or_null(r->bucket);
    x->prefix = dup_or_null(r->prefix);
    x->owner = dup_or_null(r->owner);
    x->sse = dup_or_null(r->sse);
    x->kms_key = dup_or_null(r->kms_key);
    x->token = dup_or_null(r->token);
    x->export_ms = r->time_ms;
    x->incremental = r->incremental;
    x->ion = r->ion;
    x->new_image_only = r->new_image_only;
    x->from_ms = r->from_ms;
    x->to_ms = r->to_ms;
    x->status = EXPORT_IN_PROGRESS;
    job_t *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->x = x;
    catalog_retain(t);
    j->table = t;
    j->base = base;
    j->log = t->pitr_log;
    j->log_seq = r->log_seq;
    buf_init(&j->before.data);
    buf_init(&j->window.data);
    buf_t path;
    buf_init(&path);
    buf_printf(&path, "%s/%s", store.root, x->bucket);
    if (x->prefix && *x->prefix) buf_printf(&path, "/%s", x->prefix);
    buf_printf(&path, "/AWSDynamoDB/%s", x->job.id);
    j->dir = strndup(path.data, path.len);
    path.len = 0;
    if (x->prefix && *x->prefix) buf_printf(&path, "%s/", x->prefix);
    buf_printf(&path, "AWSDynamoDB/%s", x->job.id);
    j->key_prefix = strndup(path.data, path.len);
    buf_free(&path);
    pthread_mutex_lock(&store.lock);
    jobstore_registry_add(&store.reg, &x->job);
    store.running++;
    buf_append_str(out, "{\"ExportDescription\":");
    render_description(out, x);
    buf_putc(out, '}');
    pthread_mutex_unlock(&store.lock);
    persist(x);
    background_run(export_main, j);
    return NULL;
}

ddb_error_t *export_describe(arena_t *a, const char *arn, buf_t *out)
{
    pthread_mutex_lock(&store.lock);
    export_t *x = (export_t *)jobstore_registry_find(&store.reg, arn);
    if (x) {
        buf_append_str(out, "{\"ExportDescription\":");
        render_description(out, x);
        buf_putc(out, '}');
    }
    pthread_mutex_unlock(&store.lock);
    return x ? NULL : err_export_not_found(a, arn);
}

static void render_summary(buf_t *out, const jobstore_job_t *job)
{
    const export_t *x = (const export_t *)job;
    buf_append_str(out, "{\"ExportArn\":");
    json_write_string(out, x->job.arn, strlen(x->job.arn));
    buf_printf(out, ",\"ExportStatus\":\"%s\",\"ExportType\":\"%s\"}",
               status_names[x->status], x->incremental ? "INCREMENTAL_EXPORT" : "FULL_EXPORT");
}

void export_list(buf_t *out, const char *table_arn, size_t max, const char *next_token)
{
    pthread_mutex_lock(&store.lock);
    jobstore_registry_page(&store.reg, out, "ExportSummaries", table_arn, max, next_token, NULL,
                           render_summary);
    pthread_mutex_unlock(&store.lock);
}
