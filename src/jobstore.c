/* jobstore: durable JSON records of background jobs; see jobstore.h. */
#include "jobstore.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arn.h"
#include "buf.h"
#include "catalog.h"
#include "durable_file.h"
#include "log.h"
#include "wire.h"

int jobstore_dir_open(const char *data_dir, const char *kind, char **dir)
{
    size_t n = strlen(data_dir) + 1 + strlen(kind) + 1;
    *dir = malloc(n);
    if (!*dir) abort();
    snprintf(*dir, n, "%s/%s", data_dir, kind);
    if (mkdir(*dir, 0755) != 0 && errno != EEXIST) {
        log_error("cannot create the directory %s: %s", *dir, strerror(errno));
        return -1;
    }
    return 0;
}

int jobstore_dir_each(const char *dir, void (*visit)(const char *file, void *ctx), void *ctx)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        visit(e->d_name, ctx);
    }
    closedir(d);
    return 0;
}

void jobstore_id_new(int64_t start_ms, char id[JOBSTORE_ID_SIZE])
{
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = (uint32_t)rand();
    snprintf(id, JOBSTORE_ID_SIZE, "%014lld-%08x", (long long)start_ms, rnd);
}

bool jobstore_arn_valid(const char *arn, const char *kind)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "arn:aws:dynamodb:%s:%s:table/", arn_region(),
             CATALOG_ACCOUNT);
    size_t n = strlen(prefix), k = strlen(kind);
    if (strncmp(arn, prefix, n) != 0) return false;
    /* a table name holds no '/': the first one ends it */
    const char *slash = strchr(arn + n, '/');
    if (!slash || slash == arn + n || strncmp(slash + 1, kind, k) != 0 || slash[1 + k] != '/')
        return false;
    const char *tail = slash + 2 + k;
    if (strlen(tail) != JOBSTORE_ID_SIZE - 1 || tail[14] != '-') return false;
    for (int i = 0; i < JOBSTORE_ID_SIZE - 1; i++)
        if (i != 14 && !(i < 14 ? tail[i] >= '0' && tail[i] <= '9'
                                : tail[i] && strchr("0123456789abcdef", tail[i])))
            return false;
    return true;
}

bool jobstore_record_write(const char *dir, const char *id, const char *text, size_t len)
{
    char final[4096];
    snprintf(final, sizeof final, "%s/%s.json", dir, id);
    return durable_file_replace(final, text, len) == 0;
}

json_value_t *jobstore_record_read(arena_t *a, const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    buf_t text;
    buf_init(&text);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&text, chunk, n);
    fclose(f);
    json_value_t *j = NULL;
    if (json_parse(a, text.data, text.len, &j, NULL) != JSON_OK || j->type != JSON_OBJECT) j = NULL;
    buf_free(&text);
    return j;
}

void jobstore_record_id(const char *file, char *id, size_t cap)
{
    snprintf(id, cap, "%.*s", (int)(strlen(file) - strlen(".json")), file);
}

char *jobstore_member_string(arena_t *a, const json_value_t *j, const char *name)
{
    const char *s = NULL;
    ddb_error_t *e = NULL;
    return wire_string(a, j, name, &s, NULL, &e) && s ? strdup(s) : NULL;
}

int64_t jobstore_member_time_ms(const json_value_t *j, const char *name)
{
    const json_value_t *v = wire_member(j, name);
    return v && v->type == JSON_NUMBER ? (int64_t)(strtod(v->u.str.ptr, NULL) * 1000.0 + 0.5) : 0;
}

uint64_t jobstore_member_count(arena_t *a, const json_value_t *j, const char *name)
{
    int64_t v = 0;
    ddb_error_t *e = NULL;
    return wire_long(a, j, name, &v, &e) ? (uint64_t)v : 0;
}

/* --- the registry ----------------------------------------------------------------- */

void jobstore_registry_add(jobstore_registry_t *r, jobstore_job_t *job)
{
    if (r->count == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 32;
        r->items = realloc(r->items, r->cap * sizeof *r->items);
        if (!r->items) abort();
    }
    r->items[r->count++] = job;
}

static int by_start(const void *p, const void *q)
{
    const jobstore_job_t *a = *(jobstore_job_t *const *)p, *b = *(jobstore_job_t *const *)q;
    if (a->start_ms != b->start_ms) return a->start_ms < b->start_ms ? -1 : 1;
    return strcmp(a->id, b->id);
}

void jobstore_registry_sort(jobstore_registry_t *r)
{
    if (r->count) qsort(r->items, r->count, sizeof *r->items, by_start);
}

jobstore_job_t *jobstore_registry_find(const jobstore_registry_t *r, const char *arn)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->items[i]->arn, arn) == 0) return r->items[i];
    return NULL;
}

void jobstore_registry_clear(jobstore_registry_t *r, void (*free_job)(jobstore_job_t *))
{
    for (size_t i = 0; i < r->count; i++)
        free_job(r->items[i]);
    free(r->items);
    r->items = NULL;
    r->count = r->cap = 0;
}

static void token_for(const jobstore_job_t *job,
                      void (*token_of)(const char *id, char token[JOBSTORE_TOKEN_SIZE]),
                      char token[JOBSTORE_TOKEN_SIZE])
{
    if (token_of) token_of(job->id, token);
    else snprintf(token, JOBSTORE_TOKEN_SIZE, "%s", job->id);
}

void jobstore_registry_page(const jobstore_registry_t *r, buf_t *out, const char *member,
                            const char *table_arn, size_t max, const char *next_token,
                            void (*token_of)(const char *id, char token[JOBSTORE_TOKEN_SIZE]),
                            void (*render)(buf_t *out, const jobstore_job_t *job))
{
    char token[JOBSTORE_TOKEN_SIZE];
    size_t from = 0;
    for (size_t i = 0; next_token && i < r->count; i++) {
        token_for(r->items[i], token_of, token);
        if (strcmp(token, next_token) == 0) from = i + 1;
    }
    buf_printf(out, "{\"%s\":[", member);
    size_t n = 0;
    const jobstore_job_t *last = NULL;
    bool more = false;
    for (size_t i = from; i < r->count; i++) {
        const jobstore_job_t *job = r->items[i];
        if (table_arn && strcmp(job->table_arn, table_arn) != 0) continue;
        if (n == max) {
            more = true;
            break;
        }
        if (n++) buf_putc(out, ',');
        render(out, job);
        last = job;
    }
    buf_putc(out, ']');
    if (more && last) {
        token_for(last, token_of, token);
        buf_printf(out, ",\"NextToken\":\"%s\"", token);
    }
    buf_putc(out, '}');
}
