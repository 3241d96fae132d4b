/* backup: on-demand backups as directories of files, the copy threads
 * that write them and the restore jobs that read them; see backup.h. */
#include "backup.h"

#include "arn.h"
#include "background.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "changelog.h"
#include "clock.h"
#include "durable_file.h"
#include "index.h"
#include "json.h"
#include "keycodec.h"
#include "log.h"
#include "stats.h"
#include "storage.h"
#include "tabledef.h"
#include "wire.h"

/* Records copied per hold of the DBI lock: short enough that a table
 * change waits little, long enough that the lock costs nothing. */
#define COPY_CHUNK 4096
/* Records a restore step puts: one writer transaction each. */
#define RESTORE_STEP 2048
#define ITEMS_FILE "items"
#define META_FILE "backup.json"

typedef enum { BACKUP_CREATING, BACKUP_AVAILABLE } backup_status_t;

struct backup {
    char id[32]; /* "<13-digit ms>-<8 hex>": the directory's name */
    char *arn, *name, *table_name, *table_id, *table_arn;
    char *definition; /* the source table's definition (catalog JSON) */
    int64_t created_ms;
    backup_status_t status;
    stats_t counts;
    uint64_t file_bytes;
    uint32_t crc;
    int restores; /* restores reading it */
    int refs;     /* the registry's and each user's */
    bool listed;  /* in the registry */
    /* A base snapshot of point-in-time recovery: not a backup of the API.
     * log_seq is the last record of change log `log` in the snapshot (0:
     * none), log_time_ms that record's commit time (0: none). */
    bool internal;
    /* A SYSTEM backup (made when a table with PITR is deleted): it cannot
     * be deleted, and goes by itself at expires_ms. */
    bool system;
    int64_t expires_ms;
    uint64_t log, log_seq;
    int64_t log_time_ms;
    /* restores that wait for this base to be copied (table references) */
    table_t **waiting;
    size_t waiting_count;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t idle;
    backup_t **items; /* by creation time */
    size_t count, cap;
    char *dir; /* <data-dir>/backups; NULL in memory */
    int copies; /* copy threads running */
    bool stopping;
} store = {.lock = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static int read_record(FILE *f, buf_t *rec, MDB_val *k, MDB_val *v);

/* --- the registry ----------------------------------------------------------------- */

static void backup_free(backup_t *b)
{
    free(b->arn);
    free(b->name);
    free(b->table_name);
    free(b->table_id);
    free(b->table_arn);
    free(b->definition);
    for (size_t i = 0; i < b->waiting_count; i++) catalog_release(b->waiting[i]);
    free(b->waiting);
    free(b);
}

void backup_release(backup_t *b)
{
    if (!b) return;
    pthread_mutex_lock(&store.lock);
    bool last = --b->refs == 0;
    pthread_mutex_unlock(&store.lock);
    if (last) backup_free(b);
}

/* Enter b (its creation time is not before any other's, or the array is
 * sorted later); lock held. */
static void registry_add(backup_t *b)
{
    if (store.count == store.cap) {
        store.cap = store.cap ? 2 * store.cap : 64;
        store.items = realloc(store.items, store.cap * sizeof *store.items);
        if (!store.items) abort();
    }
    store.items[store.count++] = b;
    b->refs++;
    b->listed = true;
}

/* Lock held; drops the registry's reference (b must be held by the caller). */
static void registry_remove(backup_t *b)
{
    for (size_t i = 0; i < store.count; i++)
        if (store.items[i] == b) {
            memmove(&store.items[i], &store.items[i + 1], (store.count - i - 1) * sizeof b);
            store.count--;
            b->listed = false;
            b->refs--;
            return;
        }
}

/* A backup by ARN, base snapshots included when `internal`. */
static backup_t *acquire(const char *arn, bool internal)
{
    pthread_mutex_lock(&store.lock);
    backup_t *found = NULL;
    for (size_t i = 0; i < store.count && !found; i++)
        if (strcmp(store.items[i]->arn, arn) == 0 && (internal || !store.items[i]->internal))
            found = store.items[i];
    if (found) found->refs++;
    pthread_mutex_unlock(&store.lock);
    return found;
}

backup_t *backup_acquire(const char *arn) { return acquire(arn, false); }

const char *backup_definition(const backup_t *b) { return b->definition; }
const char *backup_table_arn(const backup_t *b) { return b->table_arn; }
const char *backup_arn(const backup_t *b) { return b->arn; }

bool backup_store_enabled(void) { return store.dir != NULL; }

bool backup_arn_valid(const char *arn)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "arn:aws:dynamodb:%s:%s:table/", arn_region(),
             CATALOG_ACCOUNT);
    size_t n = strlen(prefix);
    if (strncmp(arn, prefix, n) != 0) return false;
    const char *tail = strstr(arn + n, "/backup/");
    if (!tail || tail == arn + n) return false;
    tail += strlen("/backup/");
    /* 13 digits, a dash, 8 hex digits */
    if (strlen(tail) != 22 || tail[13] != '-') return false;
    for (int i = 0; i < 22; i++)
        if (i != 13 && !(i < 13 ? tail[i] >= '0' && tail[i] <= '9'
                                : strchr("0123456789abcdef", tail[i]) && tail[i]))
            return false;
    return true;
}

/* --- files ------------------------------------------------------------------------ */

static char *path_of(const char *id, const char *file)
{
    size_t n = strlen(store.dir) + strlen(id) + (file ? strlen(file) : 0) + 3;
    char *p = malloc(n);
    if (!p) abort();
    if (file) snprintf(p, n, "%s/%s/%s", store.dir, id, file);
    else snprintf(p, n, "%s/%s", store.dir, id);
    return p;
}

/* Remove a backup's directory and what it holds. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void render_meta(buf_t *b, const backup_t *bk)
{
    buf_append_str(b, "{\"BackupArn\":");
    json_write_string(b, bk->arn, strlen(bk->arn));
    buf_append_str(b, ",\"BackupName\":");
    json_write_string(b, bk->name, strlen(bk->name));
    buf_append_str(b, ",\"TableName\":");
    json_write_string(b, bk->table_name, strlen(bk->table_name));
    buf_append_str(b, ",\"TableId\":");
    json_write_string(b, bk->table_id, strlen(bk->table_id));
    buf_append_str(b, ",\"TableArn\":");
    json_write_string(b, bk->table_arn, strlen(bk->table_arn));
    buf_printf(b, ",\"Created\":%lld,\"Items\":%llu,\"Bytes\":%llu,\"FileBytes\":%llu,\"Crc\":%u",
               (long long)bk->created_ms, (unsigned long long)bk->counts.items,
               (unsigned long long)bk->counts.bytes, (unsigned long long)bk->file_bytes,
               (unsigned)bk->crc);
    if (bk->system) buf_printf(b, ",\"System\":true,\"Expires\":%lld", (long long)bk->expires_ms);
    if (bk->internal)
        buf_printf(b, ",\"Internal\":true,\"Log\":%llu,\"LogSeq\":%llu,\"LogTime\":%lld",
                   (unsigned long long)bk->log, (unsigned long long)bk->log_seq,
                   (long long)bk->log_time_ms);
    buf_append_str(b, ",\"Definition\":");
    buf_append_str(b, bk->definition);
    buf_putc(b, '}');
}

/* Write backup.json beside the items, durably: the backup exists from the
 * rename on. */
static int write_meta(const backup_t *bk)
{
    buf_t text;
    buf_init(&text);
    render_meta(&text, bk);
    char *final = path_of(bk->id, META_FILE);
    int rc = durable_file_replace(final, text.data, text.len);
    buf_free(&text);
    free(final);
    return rc;
}

/* A finished backup's metadata, or NULL when it cannot be read. */
static backup_t *read_meta(const char *id)
{
    char *path = path_of(id, META_FILE);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f) return NULL;
    buf_t text;
    buf_init(&text);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&text, chunk, n);
    fclose(f);
    arena_t *a = arena_new(0);
    json_value_t *j;
    backup_t *b = NULL;
    ddb_error_t *e = NULL;
    if (json_parse(a, text.data, text.len, &j, NULL) == JSON_OK && j->type == JSON_OBJECT) {
        const char *arn = NULL, *name = NULL, *table = NULL, *tid = NULL, *tarn = NULL;
        int64_t created = 0, items = 0, bytes = 0, file_bytes = 0, crc = 0;
        wire_string(a, j, "BackupArn", &arn, NULL, &e);
        wire_string(a, j, "BackupName", &name, NULL, &e);
        wire_string(a, j, "TableName", &table, NULL, &e);
        wire_string(a, j, "TableId", &tid, NULL, &e);
        wire_string(a, j, "TableArn", &tarn, NULL, &e);
        wire_long(a, j, "Created", &created, &e);
        wire_long(a, j, "Items", &items, &e);
        wire_long(a, j, "Bytes", &bytes, &e);
        wire_long(a, j, "FileBytes", &file_bytes, &e);
        wire_long(a, j, "Crc", &crc, &e);
        int64_t log = 0, log_seq = 0, log_time = 0, expires = 0;
        bool internal = false, system = false;
        wire_bool(a, j, "Internal", &internal, &e);
        wire_bool(a, j, "System", &system, &e);
        wire_long(a, j, "Expires", &expires, &e);
        const json_value_t *num;
        if ((num = wire_member(j, "Log")) && num->type == JSON_NUMBER)
            log = (int64_t)strtoull(num->u.str.ptr, NULL, 10);
        if ((num = wire_member(j, "LogSeq")) && num->type == JSON_NUMBER)
            log_seq = (int64_t)strtoull(num->u.str.ptr, NULL, 10);
        wire_long(a, j, "LogTime", &log_time, &e);
        const json_value_t *def = wire_member(j, "Definition");
        if (arn && name && table && tid && tarn && def && def->type == JSON_OBJECT) {
            b = calloc(1, sizeof *b);
            if (!b) abort();
            snprintf(b->id, sizeof b->id, "%s", id);
            b->arn = strdup(arn);
            b->name = strdup(name);
            b->table_name = strdup(table);
            b->table_id = strdup(tid);
            b->table_arn = strdup(tarn);
            buf_t d;
            buf_init(&d);
            json_write_value(&d, def);
            b->definition = strndup(d.data, d.len);
            buf_free(&d);
            b->created_ms = created;
            b->counts.items = (uint64_t)items;
            b->counts.bytes = (uint64_t)bytes;
            b->file_bytes = (uint64_t)file_bytes;
            b->crc = (uint32_t)crc;
            b->status = BACKUP_AVAILABLE;
            b->internal = internal;
            b->system = system;
            b->expires_ms = expires;
            b->log = (uint64_t)log;
            b->log_seq = (uint64_t)log_seq;
            b->log_time_ms = log_time;
        }
    }
    arena_free(a);
    buf_free(&text);
    return b;
}

static int by_creation(const void *x, const void *y)
{
    const backup_t *a = *(backup_t *const *)x, *b = *(backup_t *const *)y;
    if (a->created_ms != b->created_ms) return a->created_ms < b->created_ms ? -1 : 1;
    return strcmp(a->id, b->id);
}

int backup_store_open(const char *data_dir, bool in_memory)
{
    store.stopping = false;
    if (in_memory) return 0;
    size_t n = strlen(data_dir) + sizeof "/backups";
    store.dir = malloc(n);
    if (!store.dir) abort();
    snprintf(store.dir, n, "%s/backups", data_dir);
    if (mkdir(store.dir, 0755) != 0 && errno != EEXIST) {
        log_error("cannot create the backup directory %s: %s", store.dir, strerror(errno));
        return -1;
    }
    DIR *d = opendir(store.dir);
    if (!d) {
        log_error("cannot read the backup directory %s: %s", store.dir, strerror(errno));
        return -1;
    }
    size_t dropped = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        backup_t *b = strlen(e->d_name) < sizeof b->id ? read_meta(e->d_name) : NULL;
        if (b) {
            pthread_mutex_lock(&store.lock);
            registry_add(b);
            pthread_mutex_unlock(&store.lock);
            continue;
        }
        /* never finished (or deleted while being removed) */
        char *dir = path_of(e->d_name, NULL);
        remove_dir(dir);
        free(dir);
        dropped++;
    }
    closedir(d);
    if (store.count) qsort(store.items, store.count, sizeof *store.items, by_creation);
    log_info("backups: %zu in %s%s", store.count, store.dir,
             dropped ? "; unfinished ones dropped" : "");
    return 0;
}

void backup_store_close(void)
{
    pthread_mutex_lock(&store.lock);
    store.stopping = true;
    while (store.copies) pthread_cond_wait(&store.idle, &store.lock);
    for (size_t i = 0; i < store.count; i++) {
        store.items[i]->listed = false;
        if (--store.items[i]->refs == 0) backup_free(store.items[i]);
    }
    free(store.items);
    store.items = NULL;
    store.count = store.cap = 0;
    pthread_mutex_unlock(&store.lock);
    free(store.dir);
    store.dir = NULL;
}

/* --- rendering -------------------------------------------------------------------- */

static const char *status_name(const backup_t *b)
{
    return b->status == BACKUP_AVAILABLE ? "AVAILABLE" : "CREATING";
}

static const char *type_name(const backup_t *b) { return b->system ? "SYSTEM" : "USER"; }

/* BackupDetails' members; lock held (the status changes). */
static void render_details(buf_t *out, const backup_t *b, const char *status)
{
    buf_append_str(out, "{\"BackupArn\":");
    json_write_string(out, b->arn, strlen(b->arn));
    buf_append_str(out, ",\"BackupName\":");
    json_write_string(out, b->name, strlen(b->name));
    buf_printf(out, ",\"BackupSizeBytes\":%llu,\"BackupStatus\":\"%s\",\"BackupType\":\"%s\","
                    "\"BackupCreationDateTime\":%.3f",
               (unsigned long long)b->counts.bytes, status, type_name(b),
               (double)b->created_ms / 1000.0);
    if (b->system) buf_printf(out, ",\"BackupExpiryDateTime\":%.3f", (double)b->expires_ms / 1000.0);
    buf_putc(out, '}');
}

/* {"BackupDescription":{...}} with the given status; lock held. */
static void render_description(buf_t *out, const backup_t *b, const char *status)
{
    buf_append_str(out, "{\"BackupDescription\":{\"BackupDetails\":");
    render_details(out, b, status);
    arena_t *a = arena_new(0);
    json_value_t *j;
    table_t *t = NULL;
    if (json_parse(a, b->definition, strlen(b->definition), &j, NULL) == JSON_OK &&
        tabledef_parse(a, j, true, &t) == NULL) {
        buf_putc(out, ',');
        catalog_table_render_backup_source(out, t, &b->counts);
        tabledef_free(t);
    }
    arena_free(a);
    buf_append_str(out, "}}");
}

void backup_render_description(buf_t *out, backup_t *b)
{
    pthread_mutex_lock(&store.lock);
    render_description(out, b, status_name(b));
    pthread_mutex_unlock(&store.lock);
}

void backup_list_render(buf_t *out, backup_list_type_t type, const char *table, int64_t lower_ms,
                        int64_t upper_ms, const char *start_arn, size_t limit)
{
    pthread_mutex_lock(&store.lock);
    size_t from = 0;
    for (size_t i = 0; start_arn && i < store.count; i++)
        if (strcmp(store.items[i]->arn, start_arn) == 0) from = i + 1;
    buf_append_str(out, "{\"BackupSummaries\":[");
    size_t n = 0;
    const backup_t *last = NULL;
    bool more = false;
    for (size_t i = from; i < store.count; i++) {
        const backup_t *b = store.items[i];
        if (b->internal || (table && strcmp(b->table_name, table) != 0) || b->created_ms < lower_ms ||
            b->created_ms >= upper_ms || type == BACKUP_LIST_NONE ||
            (type == BACKUP_LIST_USER && b->system) || (type == BACKUP_LIST_SYSTEM && !b->system))
            continue;
        if (n == limit) {
            more = true;
            break;
        }
        buf_append_str(out, n++ ? ",{" : "{");
        buf_append_str(out, "\"TableName\":");
        json_write_string(out, b->table_name, strlen(b->table_name));
        buf_append_str(out, ",\"TableId\":");
        json_write_string(out, b->table_id, strlen(b->table_id));
        buf_append_str(out, ",\"TableArn\":");
        json_write_string(out, b->table_arn, strlen(b->table_arn));
        buf_append_str(out, ",\"BackupArn\":");
        json_write_string(out, b->arn, strlen(b->arn));
        buf_append_str(out, ",\"BackupName\":");
        json_write_string(out, b->name, strlen(b->name));
        buf_printf(out, ",\"BackupCreationDateTime\":%.3f", (double)b->created_ms / 1000.0);
        if (b->system)
            buf_printf(out, ",\"BackupExpiryDateTime\":%.3f", (double)b->expires_ms / 1000.0);
        buf_printf(out, ",\"BackupStatus\":\"%s\",\"BackupType\":\"%s\",\"BackupSizeBytes\":%llu}",
                   status_name(b), type_name(b), (unsigned long long)b->counts.bytes);
        last = b;
    }
    buf_putc(out, ']');
    if (more && last) {
        buf_append_str(out, ",\"LastEvaluatedBackupArn\":");
        json_write_string(out, last->arn, strlen(last->arn));
    }
    buf_putc(out, '}');
    pthread_mutex_unlock(&store.lock);
}

/* --- delete ----------------------------------------------------------------------- */

static void remove_locked(backup_t *b);

ddb_error_t *backup_delete(arena_t *a, backup_t *b, buf_t *out)
{
    pthread_mutex_lock(&store.lock);
    if (!b->listed) {
        pthread_mutex_unlock(&store.lock);
        return err_backup_not_found(a, b->arn);
    }
    if (b->system) {
        pthread_mutex_unlock(&store.lock);
        return err_backup_system(a, b->arn, b->expires_ms);
    }
    if (b->restores || b->status != BACKUP_AVAILABLE) {
        pthread_mutex_unlock(&store.lock);
        return err_backup_in_use(a, b->arn);
    }
    render_description(out, b, "DELETED");
    remove_locked(b);
    return NULL;
}

/* Remove b from the registry and its files from the disk; lock held on
 * entry, released on return. */
static void remove_locked(backup_t *b)
{
    registry_remove(b);
    /* Unlinking the metadata first makes the backup gone for good, even if
     * the rest is cut short: a start drops a directory without it. */
    char *meta = path_of(b->id, META_FILE), *dir = path_of(b->id, NULL);
    unlink(meta);
    durable_dir_sync(dir);
    pthread_mutex_unlock(&store.lock);
    remove_dir(dir);
    durable_dir_sync(store.dir);
    free(meta);
    free(dir);
}

/* --- create: the copy ------------------------------------------------------------- */

typedef struct {
    backup_t *backup; /* a reference */
    table_t *table;   /* a reference */
    MDB_txn *snapshot;
    FILE *file;
    uLong crc;
    uint64_t file_bytes, records;
    uint8_t resume[KEYCODEC_MAX_KEY];
    size_t resume_len;
    background_pace_t pace;
} copy_t;

static bool write_record(copy_t *c, const MDB_val *k, const MDB_val *stored)
{
    /* the item as a table without replicas keeps it: the version a
     * replicated table's item carries (value.h) stays behind */
    size_t skip = value_item_version(stored->mv_data, stored->mv_size, NULL, NULL);
    const MDB_val item = {stored->mv_size - skip, (uint8_t *)stored->mv_data + skip}, *v = &item;
    uint8_t head[8];
    uint32_t kl = (uint32_t)k->mv_size, vl = (uint32_t)v->mv_size;
    for (int i = 0; i < 4; i++) {
        head[i] = (uint8_t)(kl >> (24 - 8 * i));
        head[4 + i] = (uint8_t)(vl >> (24 - 8 * i));
    }
    c->crc = crc32(c->crc, head, sizeof head);
    c->crc = crc32(c->crc, k->mv_data, (uInt)k->mv_size);
    c->crc = crc32(c->crc, v->mv_data, (uInt)v->mv_size);
    c->file_bytes += sizeof head + k->mv_size + v->mv_size;
    c->records++;
    return fwrite(head, 1, sizeof head, c->file) == sizeof head &&
           fwrite(k->mv_data, 1, k->mv_size, c->file) == k->mv_size &&
           fwrite(v->mv_data, 1, v->mv_size, c->file) == v->mv_size;
}

/* Whether the table the copy reads is still there (its DBI handle valid);
 * DBI lock held. */
static bool copy_table_alive(const copy_t *c)
{
    table_t *now = catalog_acquire_any(c->table->name, strlen(c->table->name));
    bool alive = now && strcmp(now->id, c->table->id) == 0;
    catalog_release(now);
    return alive;
}

/* One chunk of records: 0 (more), 1 (done), -1 (failed). */
static int copy_chunk(copy_t *c)
{
    storage_dbi_hold();
    if (!copy_table_alive(c)) {
        storage_dbi_free();
        log_warn("backup %s: table %s was deleted during the copy; the backup is dropped",
                 c->backup->arn, c->table->name);
        return -1;
    }
    MDB_cursor *cur;
    int rc = mdb_cursor_open(c->snapshot, c->table->dbi, &cur);
    MDB_val k = {c->resume_len, c->resume}, v;
    if (!rc) rc = mdb_cursor_get(cur, &k, &v, c->resume_len ? MDB_SET_RANGE : MDB_FIRST);
    bool io_ok = true;
    for (size_t n = 0; rc == 0 && n < COPY_CHUNK && io_ok; n++) {
        io_ok = write_record(c, &k, &v);
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rc == 0) {
        memcpy(c->resume, k.mv_data, k.mv_size);
        c->resume_len = k.mv_size;
    }
    if (!rc || rc == MDB_NOTFOUND) mdb_cursor_close(cur);
    storage_dbi_free();
    if (!io_ok) log_error("backup %s: writing its items failed: %s", c->backup->arn,
                          strerror(errno));
    else if (rc && rc != MDB_NOTFOUND)
        log_error("backup %s: reading the table failed: %s", c->backup->arn, mdb_strerror(rc));
    if (!io_ok || (rc && rc != MDB_NOTFOUND)) return -1;
    return rc == MDB_NOTFOUND;
}

static bool copy_stopping(void)
{
    pthread_mutex_lock(&store.lock);
    bool stop = store.stopping;
    pthread_mutex_unlock(&store.lock);
    return stop;
}

static void *copy_main(void *arg)
{
    copy_t *c = arg;
    backup_t *b = c->backup;
    int state = 0;
    while (state == 0) {
        state = copy_stopping() ? -1 : copy_chunk(c);
        if (state == 0) background_pace(&c->pace, c->file);
    }
    storage_snapshot_end(c->snapshot);
    bool ok = state == 1 && fflush(c->file) == 0 && fsync(fileno(c->file)) == 0;
    ok &= fclose(c->file) == 0;
    if (ok) {
        b->file_bytes = c->file_bytes;
        b->crc = (uint32_t)c->crc;
        ok = write_meta(b) == 0;
    }
    pthread_mutex_lock(&store.lock);
    if (ok) b->status = BACKUP_AVAILABLE;
    else registry_remove(b);
    table_t **waiting = b->waiting;
    size_t waiting_count = b->waiting_count;
    b->waiting = NULL;
    b->waiting_count = 0;
    pthread_mutex_unlock(&store.lock);
    /* the point-in-time restores that waited for this base */
    for (size_t i = 0; i < waiting_count; i++) {
        if (ok) backup_restore_start(waiting[i], true);
        else log_error("restore of %s: its base snapshot could not be taken; the table stays "
                       "CREATING", waiting[i]->name);
        catalog_release(waiting[i]);
    }
    free(waiting);
    if (!ok) {
        char *dir = path_of(b->id, NULL);
        remove_dir(dir);
        free(dir);
    } else if (b->internal) {
        log_info("point-in-time base of %s: %llu items (%llu bytes), after change %llu",
                 b->table_name, (unsigned long long)c->records,
                 (unsigned long long)c->file_bytes, (unsigned long long)b->log_seq);
    } else {
        log_info("backup %s: %llu items", b->arn, (unsigned long long)c->records);
    }
    catalog_release(c->table);
    backup_release(b);
    free(c);
    pthread_mutex_lock(&store.lock);
    if (--store.copies == 0) pthread_cond_broadcast(&store.idle);
    pthread_mutex_unlock(&store.lock);
    return NULL;
}

static backup_t *backup_new(table_t *t, const char *name, int64_t now_ms)
{
    backup_t *b = calloc(1, sizeof *b);
    if (!b) abort();
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = (uint32_t)rand();
    snprintf(b->id, sizeof b->id, "%013lld-%08x", (long long)now_ms, rnd);
    buf_t s;
    buf_init(&s);
    catalog_table_arn(t, &s);
    b->table_arn = strndup(s.data, s.len);
    buf_printf(&s, "/backup/%s", b->id);
    b->arn = strndup(s.data, s.len);
    buf_free(&s);
    b->name = strdup(name);
    b->table_name = strdup(t->name);
    b->table_id = strdup(t->id);
    buf_t def;
    buf_init(&def);
    tabledef_render(&def, t);
    b->definition = strndup(def.data, def.len);
    buf_free(&def);
    b->created_ms = now_ms;
    b->status = BACKUP_CREATING;
    b->refs = 1;
    return b;
}

/* Where change log `log` stood in snapshot snap: its last record's sequence
 * number and commit time (0, 0: empty). */
static int log_position(MDB_txn *snap, uint64_t log, uint64_t *seq, int64_t *time_ms)
{
    uint64_t first, last;
    bool empty;
    *seq = 0;
    *time_ms = 0;
    int rc = changelog_bounds(snap, log, 0, &first, &last, &empty);
    if (rc || empty) return rc;
    changelog_reader_t r;
    if ((rc = changelog_reader_open(snap, log, 0, last, &r))) return rc;
    arena_t *a = arena_new(0);
    change_record_t rec;
    if (!(rc = changelog_reader_next(&r, a, &rec))) {
        *seq = rec.sequence;
        *time_ms = rec.time_ms;
    }
    changelog_reader_close(&r);
    arena_free(a);
    return rc;
}

/* Open the snapshot and start the copy of t into a new backup (a base
 * snapshot of change log `log` when internal); renders the details into
 * out when given. */
static ddb_error_t *create(arena_t *a, table_t *t, const char *name, bool internal, uint64_t log,
                           buf_t *out)
{
    /* The snapshot first: the backup's instant is inside the request. */
    MDB_txn *snap = storage_snapshot_begin();
    if (!snap) return err_internal(a);
    int64_t now_ms = clock_now_ms();
    backup_t *b = backup_new(t, name, now_ms);
    b->internal = internal;
    b->log = log;
    storage_dbi_hold();
    int rc = stats_get(snap, t->dbi_name, &b->counts);
    storage_dbi_free();
    if (!rc && internal) rc = log_position(snap, log, &b->log_seq, &b->log_time_ms);
    char *dir = path_of(b->id, NULL), *items = path_of(b->id, ITEMS_FILE);
    FILE *f = NULL;
    if (!rc && mkdir(dir, 0755) == 0) f = fopen(items, "wb");
    free(items);
    if (rc || !f) {
        log_error("backup of %s: cannot start: %s", t->name, rc ? mdb_strerror(rc) : strerror(errno));
        remove_dir(dir);
        free(dir);
        storage_snapshot_end(snap);
        backup_free(b);
        return err_internal(a);
    }
    free(dir);
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    copy_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->backup = b; /* the thread's reference */
    catalog_retain(t);
    c->table = t;
    c->snapshot = snap;
    c->file = f;
    c->crc = crc32(0, NULL, 0);
    pthread_mutex_lock(&store.lock);
    registry_add(b);
    if (out) {
        buf_append_str(out, "{\"BackupDetails\":");
        render_details(out, b, "CREATING");
        buf_putc(out, '}');
    }
    store.copies++;
    pthread_mutex_unlock(&store.lock);
    background_run(copy_main, c);
    return NULL;
}

ddb_error_t *backup_create(arena_t *a, table_t *t, const char *name, buf_t *out)
{
    return create(a, t, name, false, 0, out);
}

/* --- SYSTEM backups ---------------------------------------------------------------- */

/* Copy t's items as txn sees them into the open items file of c. */
static int copy_from_txn(copy_t *c, MDB_txn *txn, const table_t *t)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, t->dbi, &cur);
    if (rc) return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (!write_record(c, &k, &v)) {
            rc = EIO;
            break;
        }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

backup_t *backup_system_create(MDB_txn *txn, table_t *t, int64_t now_ms, int64_t expires_ms)
{
    if (!store.dir) return NULL;
    char name[320]; /* a table name has at most 255 bytes */
    snprintf(name, sizeof name, "%s$DeletedTableBackup", t->name);
    backup_t *b = backup_new(t, name, now_ms);
    b->system = true;
    b->expires_ms = expires_ms;
    /* "<ms>-00000000": a later millisecond when two tables go in one */
    char *dir = NULL;
    for (int i = 0; i < 1000; i++) {
        snprintf(b->id, sizeof b->id, "%013lld-00000000", (long long)(now_ms + i));
        free(dir);
        dir = path_of(b->id, NULL);
        if (mkdir(dir, 0755) == 0) break;
        if (errno != EEXIST) break;
    }
    free(b->arn);
    size_t n = strlen(b->table_arn) + strlen("/backup/") + strlen(b->id) + 1;
    b->arn = malloc(n);
    if (!b->arn) abort();
    snprintf(b->arn, n, "%s/backup/%s", b->table_arn, b->id);
    char *items = path_of(b->id, ITEMS_FILE);
    copy_t c = {.backup = b, .crc = crc32(0, NULL, 0)};
    c.file = fopen(items, "wb");
    free(items);
    int rc = c.file ? stats_get(txn, t->dbi_name, &b->counts) : errno;
    if (!rc) rc = copy_from_txn(&c, txn, t);
    bool ok = c.file && !rc && fflush(c.file) == 0 && fsync(fileno(c.file)) == 0;
    if (c.file) ok &= fclose(c.file) == 0;
    if (ok) {
        b->file_bytes = c.file_bytes;
        b->crc = (uint32_t)c.crc;
        b->status = BACKUP_AVAILABLE;
        ok = write_meta(b) == 0;
    }
    if (!ok) {
        log_error("the system backup of %s could not be written: %s", t->name,
                  rc > 0 ? mdb_strerror(rc) : strerror(errno));
        remove_dir(dir);
        backup_free(b);
        b = NULL;
    }
    free(dir);
    return b;
}

void backup_system_settle(backup_t *b, bool committed)
{
    if (!b) return;
    if (committed) {
        pthread_mutex_lock(&store.lock);
        registry_add(b);
        pthread_mutex_unlock(&store.lock);
        log_info("backup %s: system backup of the deleted table %s, %llu items", b->arn,
                 b->table_name, (unsigned long long)b->counts.items);
    } else {
        char *dir = path_of(b->id, NULL);
        remove_dir(dir);
        free(dir);
    }
    backup_release(b);
}

void backup_system_expire(int64_t now_ms)
{
    for (bool again = true; again;) {
        again = false;
        pthread_mutex_lock(&store.lock);
        for (size_t i = 0; i < store.count && !again; i++) {
            backup_t *b = store.items[i];
            if (!b->system || b->expires_ms > now_ms || b->restores) continue;
            log_info("backup %s: expired", b->arn);
            b->refs++;
            remove_locked(b); /* unlocks */
            backup_release(b);
            again = true;
        }
        if (!again) pthread_mutex_unlock(&store.lock);
    }
}

/* --- point-in-time bases ---------------------------------------------------------- */

int backup_base_create(table_t *t, uint64_t log)
{
    arena_t *a = arena_new(0);
    ddb_error_t *e = create(a, t, "PointInTimeBase", true, log, NULL);
    arena_free(a);
    return e ? -1 : 0;
}

size_t backup_bases(arena_t *a, const char *table_id, uint64_t log, backup_base_t **out)
{
    pthread_mutex_lock(&store.lock);
    size_t n = 0;
    *out = arena_alloc(a, (store.count + 1) * sizeof **out);
    for (size_t i = 0; i < store.count; i++) {
        const backup_t *b = store.items[i];
        if (!b->internal || (table_id && (b->log != log || strcmp(b->table_id, table_id) != 0)))
            continue;
        (*out)[n++] = (backup_base_t){arena_strndup(a, b->arn, strlen(b->arn)),
                                      arena_strndup(a, b->table_name, strlen(b->table_name)),
                                      arena_strndup(a, b->table_id, strlen(b->table_id)),
                                      b->log, b->created_ms,
                                      b->log_seq, b->log_time_ms,
                                      b->status == BACKUP_AVAILABLE, b->restores > 0,
                                      b->file_bytes};
    }
    pthread_mutex_unlock(&store.lock);
    return n;
}

bool backup_base_drop(const char *arn)
{
    backup_t *b = acquire(arn, true);
    if (!b) return false;
    pthread_mutex_lock(&store.lock);
    bool busy = !b->listed || b->restores || b->status != BACKUP_AVAILABLE || !b->internal;
    if (!busy) registry_remove(b);
    char *meta = path_of(b->id, META_FILE), *dir = path_of(b->id, NULL);
    if (!busy) {
        unlink(meta);
        durable_dir_sync(dir);
    }
    pthread_mutex_unlock(&store.lock);
    if (!busy) {
        remove_dir(dir);
        durable_dir_sync(store.dir);
    }
    free(meta);
    free(dir);
    backup_release(b);
    return !busy;
}

bool backup_base_restore_begin(backup_t *b)
{
    pthread_mutex_lock(&store.lock);
    bool ok = b->listed;
    if (ok) b->restores++;
    pthread_mutex_unlock(&store.lock);
    return ok;
}

backup_t *backup_base_acquire(const char *arn) { return acquire(arn, true); }

FILE *backup_items_open(const backup_t *b)
{
    char *path = path_of(b->id, ITEMS_FILE);
    FILE *f = fopen(path, "rb");
    free(path);
    return f;
}

int backup_items_next(FILE *f, buf_t *rec, MDB_val *k, MDB_val *v)
{
    return read_record(f, rec, k, v);
}

/* --- restore ---------------------------------------------------------------------- */

ddb_error_t *backup_restore_begin(arena_t *a, backup_t *b)
{
    pthread_mutex_lock(&store.lock);
    ddb_error_t *e = NULL;
    if (!b->listed) e = err_backup_not_found(a, b->arn);
    else if (b->status != BACKUP_AVAILABLE) e = err_backup_in_use(a, b->arn);
    else b->restores++;
    pthread_mutex_unlock(&store.lock);
    return e;
}

void backup_restore_end(backup_t *b)
{
    pthread_mutex_lock(&store.lock);
    b->restores--;
    pthread_mutex_unlock(&store.lock);
}

typedef struct {
    storage_job_t job;
    table_t *table;   /* a version of the table; steps follow catalog_latest() */
    backup_t *backup; /* a reference, and one of its restores */
    FILE *file;
    uint64_t offset;      /* committed progress in the items file */
    uint64_t next_offset; /* the progress of the step in flight */
    bool items_done;      /* the items file is read: change-log records follow */
    bool next_items_done; /* the same after the step in flight */
    uint64_t log_next, next_log_next; /* the same for the records replayed */
    arena_t *arena;
    buf_t record;
    table_t *activated; /* the last step: the table with its items in */
} restore_t;

/* The next record of the items file: 1, 0 at its end, -1 when damaged. */
static int read_record(FILE *f, buf_t *rec, MDB_val *k, MDB_val *v)
{
    uint8_t head[8];
    size_t got = fread(head, 1, sizeof head, f);
    if (got == 0 && feof(f)) return 0;
    if (got != sizeof head) return -1;
    uint32_t kl = 0, vl = 0;
    for (int i = 0; i < 4; i++) {
        kl = kl << 8 | head[i];
        vl = vl << 8 | head[4 + i];
    }
    if (kl == 0 || kl > KEYCODEC_MAX_KEY) return -1;
    rec->len = 0;
    buf_reserve(rec, (size_t)kl + vl);
    if (fread(rec->data, 1, (size_t)kl + vl, f) != (size_t)kl + vl) return -1;
    k->mv_size = kl;
    k->mv_data = rec->data;
    v->mv_size = vl;
    v->mv_data = rec->data + kl;
    return 1;
}

/* One record into t: the item, its counts, index entries and collection. */
static int restore_put(restore_t *r, MDB_txn *txn, const table_t *t, MDB_val *k, MDB_val *v,
                       int64_t *bytes)
{
    value_t item;
    size_t size;
    arena_reset(r->arena);
    if (!value_item_decode(r->arena, v->mv_data, v->mv_size, &item, &size)) return MDB_CORRUPTED;
    int rc = mdb_put(txn, t->dbi, k, v, 0);
    if (!rc && t->index_count) rc = index_update(txn, r->arena, t, NULL, &item);
    if (!rc && t->has_collections) {
        const value_t *pk = value_map_get(&item, t->keys.hash, strlen(t->keys.hash));
        uint64_t collection;
        if (pk) rc = index_collection_add(txn, t, pk, (int64_t)size, false, &collection);
    }
    *bytes += (int64_t)size;
    return rc;
}

/* One change-log record replayed onto t: the item it names takes the
 * record's new image, or goes. */
static int replay_change(restore_t *r, MDB_txn *txn, const table_t *t, const change_record_t *c,
                         int64_t *items, int64_t *bytes)
{
    uint8_t key[KEYCODEC_MAX_KEY];
    size_t key_len = index_table_key(t, c->keys, key);
    if (!key_len) return MDB_CORRUPTED;
    MDB_val k = {key_len, key}, old;
    value_t *old_item = NULL;
    size_t old_size = 0, new_size = c->new_image ? value_item_size(c->new_image) : 0;
    int rc = mdb_get(txn, t->dbi, &k, &old);
    if (rc && rc != MDB_NOTFOUND) return rc;
    if (!rc) {
        /* copied: the page it is on changes with the put or delete below */
        uint8_t *copy = arena_alloc(r->arena, old.mv_size);
        memcpy(copy, old.mv_data, old.mv_size);
        old_item = arena_alloc(r->arena, sizeof *old_item);
        if (!value_item_decode(r->arena, copy, old.mv_size, old_item, &old_size))
            return MDB_CORRUPTED;
    }
    if (!old_item && !c->new_image) return 0;
    if (c->new_image) {
        r->record.len = 0;
        value_item_encode(&r->record, c->new_image, new_size);
        MDB_val v = {r->record.len, r->record.data};
        rc = mdb_put(txn, t->dbi, &k, &v, 0);
    } else {
        rc = mdb_del(txn, t->dbi, &k, NULL);
    }
    if (!rc && t->index_count) rc = index_update(txn, r->arena, t, old_item, c->new_image);
    if (!rc && t->has_collections) {
        const value_t *pk = value_map_get(c->keys, t->keys.hash, strlen(t->keys.hash));
        uint64_t collection;
        if (pk)
            rc = index_collection_add(txn, t, pk, (int64_t)new_size - (int64_t)old_size, false,
                                      &collection);
    }
    *items += (c->new_image != NULL) - (old_item != NULL);
    *bytes += (int64_t)new_size - (int64_t)old_size;
    return rc;
}

/* A step of the replay: the records after the base, up to the restore's
 * instant, in order.  *more when records remain. */
static int replay_step(restore_t *r, MDB_txn *txn, table_t *t, bool *more)
{
    changelog_reader_t rd;
    int rc = changelog_reader_open(txn, t->restore_log, 0, r->log_next, &rd);
    if (rc) return rc;
    int64_t items = 0, bytes = 0;
    uint64_t next = r->log_next;
    *more = false;
    for (size_t n = 0; !rc; n++) {
        arena_reset(r->arena);
        change_record_t c;
        if ((rc = changelog_reader_next(&rd, r->arena, &c))) break;
        if (c.time_ms > t->restore_until_ms) break;
        if (n == RESTORE_STEP) {
            *more = true;
            break;
        }
        if (!c.new_image && c.event != CHANGE_REMOVE) {
            rc = MDB_CORRUPTED; /* a record without what replay needs */
            break;
        }
        rc = replay_change(r, txn, t, &c, &items, &bytes);
        next = c.sequence + 1;
    }
    changelog_reader_close(&rd);
    if (rc == MDB_NOTFOUND) rc = 0;
    if (!rc) rc = stats_add(txn, t->dbi_name, items, bytes);
    r->next_log_next = next;
    return rc;
}

/* A step through the base's items file; *more when records remain. */
static int items_step(restore_t *r, MDB_txn *txn, table_t *t, bool *more)
{
    if (fseeko(r->file, (off_t)r->offset, SEEK_SET) != 0) return EIO;
    int64_t items = 0, bytes = 0;
    int got = 1, rc = 0;
    MDB_val k, v;
    for (size_t n = 0; n < RESTORE_STEP && !rc && (got = read_record(r->file, &r->record, &k, &v)) == 1;
         n++) {
        rc = restore_put(r, txn, t, &k, &v, &bytes);
        items++;
    }
    if (!rc && got < 0) {
        log_error("restore of %s: the backup's items are damaged at byte %llu; the table keeps "
                  "what was read",
                  t->name, (unsigned long long)ftello(r->file));
        got = 0;
    }
    if (!rc) rc = stats_add(txn, t->dbi_name, items, bytes);
    if (rc) return rc;
    r->next_offset = (uint64_t)ftello(r->file);
    *more = got == 1;
    r->next_items_done = !*more;
    return 0;
}

static int restore_step(storage_job_t *job, MDB_txn *txn, bool *finished)
{
    restore_t *r = (restore_t *)job;
    table_t *t = catalog_latest(r->table);
    if (t->dropped || !r->file) {
        *finished = true;
        return 0;
    }
    bool more = false, replaying = r->items_done;
    int rc = replaying ? replay_step(r, txn, t, &more) : items_step(r, txn, t, &more);
    if (rc) return rc;
    if (!replaying && !more && t->restore_log) more = true; /* the replay follows */
    if (more) { /* the resume point goes with this step */
        t->restore_offset = r->next_offset;
        if (replaying) t->restore_log_next = r->next_log_next;
        return catalog_table_store(txn, t);
    }
    table_t *next = catalog_table_clone(t);
    next->restoring = false;
    if ((rc = catalog_table_store(txn, next))) {
        catalog_release(next);
        return rc;
    }
    r->activated = next;
    *finished = true;
    return 0;
}

static void restore_settle(storage_job_t *job, bool committed)
{
    restore_t *r = (restore_t *)job;
    table_t *t = catalog_latest(r->table);
    if (committed) {
        /* the items file ends once a step reads nothing more of it */
        if (r->next_items_done) r->items_done = true;
        r->offset = r->next_offset;
        if (r->items_done) r->log_next = r->next_log_next;
    } else {
        t->restore_offset = r->offset;
        t->restore_log_next = r->log_next;
    }
    if (committed && r->activated) {
        catalog_replace(t, r->activated);
        log_info("restore of %s from %s: done", t->name, r->backup->arn);
    }
    if (r->activated) catalog_release(r->activated);
    r->activated = NULL;
}

static void restore_done(storage_job_t *job, bool aborted)
{
    restore_t *r = (restore_t *)job;
    if (r->file) fclose(r->file);
    backup_restore_end(r->backup);
    backup_release(r->backup);
    catalog_release(r->table);
    arena_free(r->arena);
    buf_free(&r->record);
    free(r);
}

void backup_restore_start(table_t *t, bool begun)
{
    backup_t *b = t->restore_backup_arn ? acquire(t->restore_backup_arn, true) : NULL;
    if (b && b->internal) {
        /* a point-in-time base still being copied: the copy starts this
         * restore when it is done */
        pthread_mutex_lock(&store.lock);
        bool wait = b->status != BACKUP_AVAILABLE;
        if (wait) {
            table_t **w = realloc(b->waiting, (b->waiting_count + 1) * sizeof *w);
            if (!w) abort();
            catalog_retain(t);
            w[b->waiting_count++] = t;
            b->waiting = w;
            if (!begun) b->restores++;
        }
        pthread_mutex_unlock(&store.lock);
        if (wait) {
            backup_release(b);
            return;
        }
    }
    if (!b) {
        log_error("restore of %s: its backup %s is gone; the table stays CREATING", t->name,
                  t->restore_backup_arn ? t->restore_backup_arn : "(none)");
        return;
    }
    if (!begun) {
        pthread_mutex_lock(&store.lock);
        b->restores++;
        pthread_mutex_unlock(&store.lock);
    }
    restore_t *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->job.step = restore_step;
    r->job.settle = restore_settle;
    r->job.done = restore_done;
    catalog_retain(t);
    r->table = t;
    r->backup = b;
    r->offset = r->next_offset = t->restore_offset;
    r->log_next = r->next_log_next = t->restore_log_next;
    r->arena = arena_new(0);
    buf_init(&r->record);
    char *path = path_of(b->id, ITEMS_FILE);
    r->file = fopen(path, "rb");
    if (!r->file) log_error("restore of %s: cannot open %s: %s", t->name, path, strerror(errno));
    free(path);
    storage_submit_job(&r->job);
}
