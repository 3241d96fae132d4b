/* fuzz_import: ImportTable's reading of a file under libFuzzer.
 *
 * Input: one byte of settings, then the file.  The settings pick the
 * compression the import is asked for (bits 0-1: ZSTD, GZIP, NONE, ZSTD),
 * whether the harness compresses the rest itself (bit 2: so that the line
 * parsing behind a valid frame is reached; otherwise the rest is the file
 * as it is: damaged frames, bombs, anything) and the format (bits 3-4:
 * DYNAMODB_JSON, CSV, ION, CSV with a header list).  The file is written as
 * the only object under a bucket of an export root, an import of it into a
 * new table is started through the api as the server would, and waited
 * for.
 *
 * Whatever the file, the import must end (COMPLETED or FAILED) within
 * FUZZ_IMPORT_WAIT_S seconds, with counts that add up (no more imported
 * than processed), and its table must then be deletable; libFuzzer's
 * -rss_limit_mb catches a decompression that grows memory with its output.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "api.h"
#include "json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_IMPORT_WAIT_S 20
#define TARGET "DynamoDB_20120810."

static api_thread_t *thread;
static arena_t *arena;
static buf_t response;
static char root[64];
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
} completion = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};

static void call_done(api_call_t *c)
{
    (void)c;
    pthread_mutex_lock(&completion.lock);
    completion.done = true;
    pthread_cond_signal(&completion.cond);
    pthread_mutex_unlock(&completion.lock);
}

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_import: %s\nresponse: %.*s\n", what,
            (int)(response.len > 2000 ? 2000 : response.len), response.data ? response.data : "");
    abort();
}

/* One call of op with body; the answer is a JSON tree (NULL unless 200). */
static json_value_t *call(const char *op, const char *body)
{
    char target[64];
    snprintf(target, sizeof target, TARGET "%s", op);
    static const char content_type[] = "application/x-amz-json-1.0";
    response.len = 0;
    api_call_t c = {.arena = arena,
                    .thread = thread,
                    .target = target,
                    .target_len = strlen(target),
                    .content_type = content_type,
                    .content_type_len = sizeof content_type - 1,
                    .has_authorization = true,
                    .body = body,
                    .body_len = strlen(body),
                    .http_status = 200,
                    .out = &response,
                    .on_complete = call_done};
    completion.done = false;
    if (api_dispatch(&c) == API_PENDING) {
        pthread_mutex_lock(&completion.lock);
        while (!completion.done)
            pthread_cond_wait(&completion.cond, &completion.lock);
        pthread_mutex_unlock(&completion.lock);
    }
    json_value_t *doc;
    if (c.http_status != 200) return NULL;
    if (json_parse(arena, response.data, response.len, &doc, NULL) != JSON_OK)
        fail("a 200 answer that is not JSON");
    return doc;
}

static double number(const json_value_t *obj, const char *name)
{
    const json_value_t *v = obj ? json_object_get(obj, name) : NULL;
    char text[64] = "0";
    if (v && v->type == JSON_NUMBER && v->u.str.len < sizeof text)
        memcpy(text, v->u.str.ptr, v->u.str.len), text[v->u.str.len] = 0;
    return strtod(text, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(root, sizeof root, "/tmp/fuzz_import.%d", (int)getpid());
    mkdir(root, 0700);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/fz", root);
    mkdir(dir, 0700);
    api_config_t cfg = {.in_memory = true, .region = "us-east-1", .export_root = root};
    if (api_open(&cfg) != 0) abort();
    thread = api_thread_new();
    arena = arena_new(0);
    buf_init(&response);
    return 0;
}

/* The file: the input as it is, or compressed here. */
static void write_file(const char *path, const uint8_t *data, size_t size, const char *compression,
                       bool compress)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (compress && strcmp(compression, "ZSTD") == 0) {
        size_t cap = ZSTD_compressBound(size);
        void *out = malloc(cap ? cap : 1);
        size_t n = ZSTD_compress(out, cap, data, size, 1);
        if (ZSTD_isError(n)) abort();
        fwrite(out, 1, n, f);
        free(out);
    } else if (compress && strcmp(compression, "GZIP") == 0) {
        fclose(f);
        gzFile gz = gzopen(path, "wb1");
        if (!gz) abort();
        if (size) gzwrite(gz, data, (unsigned)size);
        gzclose(gz);
        return;
    } else {
        fwrite(data, 1, size, f);
    }
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const compressions[] = {"ZSTD", "GZIP", "NONE", "ZSTD"};
    static const char *const formats[] = {"DYNAMODB_JSON", "CSV", "ION", "CSV"};
    static unsigned long runs;
    if (!size) return 0;
    uint8_t settings = data[0];
    const char *compression = compressions[settings & 3];
    const char *format = formats[(settings >> 3) & 3];
    bool headers = ((settings >> 3) & 3) == 3;
    char path[160];
    snprintf(path, sizeof path, "%s/fz/in", root);
    write_file(path, data + 1, size - 1, compression, settings & 4);

    arena_reset(arena);
    char table[32], body[1024];
    snprintf(table, sizeof table, "fz_imp%lu", runs++);
    snprintf(body, sizeof body,
             "{\"S3BucketSource\":{\"S3Bucket\":\"fz\",\"S3KeyPrefix\":\"in\"},"
             "\"InputFormat\":\"%s\",\"InputCompressionType\":\"%s\"%s,"
             "\"TableCreationParameters\":{\"TableName\":\"%s\",\"BillingMode\":"
             "\"PAY_PER_REQUEST\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
             "\"AttributeType\":\"S\"},{\"AttributeName\":\"g\",\"AttributeType\":\"N\"}],"
             "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
             "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"gix\",\"KeySchema\":[{\"AttributeName\":"
             "\"g\",\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}]}}",
             format, compression,
             headers ? ",\"InputFormatOptions\":{\"Csv\":{\"HeaderList\":[\"pk\",\"g\",\"v\"]}}"
                     : "",
             table);
    json_value_t *doc = call("ImportTable", body);
    if (!doc) fail("ImportTable refused");
    const json_value_t *d = json_object_get(doc, "ImportTableDescription");
    const json_value_t *arn = d ? json_object_get(d, "ImportArn") : NULL;
    if (!arn || arn->type != JSON_STRING) fail("no ImportArn");
    buf_t describe;
    buf_init(&describe);
    buf_append_str(&describe, "{\"ImportArn\":");
    json_write_string(&describe, arn->u.str.ptr, arn->u.str.len);
    buf_append_str(&describe, "}");
    buf_putc(&describe, 0);

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        arena_reset(arena);
        doc = call("DescribeImport", describe.data);
        if (!doc) fail("DescribeImport refused");
        d = json_object_get(doc, "ImportTableDescription");
        const json_value_t *st = d ? json_object_get(d, "ImportStatus") : NULL;
        if (!st || st->type != JSON_STRING) fail("no ImportStatus");
        if (strcmp(st->u.str.ptr, "IN_PROGRESS") != 0) {
            if (strcmp(st->u.str.ptr, "COMPLETED") && strcmp(st->u.str.ptr, "FAILED"))
                fail("an import ended neither COMPLETED nor FAILED");
            if (number(d, "ImportedItemCount") > number(d, "ProcessedItemCount"))
                fail("more items imported than processed");
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > FUZZ_IMPORT_WAIT_S) fail("the import did not end");
        usleep(200);
    }
    buf_free(&describe);
    arena_reset(arena);
    char del[64];
    snprintf(del, sizeof del, "{\"TableName\":\"%s\"}", table);
    /* a failed import leaves no table behind */
    if (!call("DeleteTable", del) &&
        !strstr(response.data ? response.data : "", "ResourceNotFoundException"))
        fail("the imported table cannot be deleted");
    return 0;
}
