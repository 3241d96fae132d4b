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

#include "buf.h"
#include "catalog.h"
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
    snprintf(prefix, sizeof prefix, "arn:aws:dynamodb:%s:%s:table/", catalog_region(),
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
    char tmp[4096], final[4096];
    snprintf(tmp, sizeof tmp, "%s/%s.json.tmp", dir, id);
    snprintf(final, sizeof final, "%s/%s.json", dir, id);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(text, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f) ok &= fclose(f) == 0;
    return ok && rename(tmp, final) == 0;
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
