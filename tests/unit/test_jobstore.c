/* Unit tests of jobstore: a record written reads back as written and
 * replaces the one before whole; what is not a record (a temporary left by
 * a crash, a name without ".json", text that is not a JSON object, a
 * missing file) is passed over or reads as none; the members' readers give
 * times in milliseconds, counts, and owned strings, absent as NULL or 0;
 * ids start with their time, and a job's ARN is told apart by kind, region,
 * account and the shape of its id; the registry sorts by start time (ids
 * break ties), finds by ARN, and pages a listing by table with tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobstore.h"
#include "wire.h"
#include "unit.h"

static char data_dir[] = "/tmp/ddbd-jobstore-XXXXXX";

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
}

static void count_file(const char *file, void *ctx)
{
    char *seen = ctx;
    strcat(seen, file);
    strcat(seen, ";");
}

static void test_write_read_replace(void)
{
    char *dir = NULL;
    CHECK(jobstore_dir_open(data_dir, "jobs", &dir) == 0);
    free(dir); /* a second open finds the directory made */
    CHECK(jobstore_dir_open(data_dir, "jobs", &dir) == 0);
    const char *one = "{\"Arn\":\"a\",\"StartTime\":1700000000.123,\"Count\":7}";
    CHECK(jobstore_record_write(dir, "00000000000001-0000abcd", one, strlen(one)));
    const char *two = "{\"Arn\":\"b\"}";
    CHECK(jobstore_record_write(dir, "00000000000001-0000abcd", two, strlen(two)));
    arena_t *a = arena_new(0);
    const json_value_t *j = jobstore_record_read(a, dir, "00000000000001-0000abcd.json");
    CHECK(j != NULL);
    if (j) {
        char *arn = jobstore_member_string(a, j, "Arn");
        CHECK(arn && strcmp(arn, "b") == 0); /* the second record, whole */
        free(arn);
        CHECK(jobstore_member_string(a, j, "Missing") == NULL);
        CHECK(jobstore_member_time_ms(j, "StartTime") == 0);
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/00000000000001-0000abcd.json.tmp", dir);
    CHECK(access(tmp, F_OK) != 0); /* renamed away */
    arena_free(a);
    free(dir);
}

static void test_members(void)
{
    char *dir = NULL;
    CHECK(jobstore_dir_open(data_dir, "members", &dir) == 0);
    put_file(dir, "x.json",
             "{\"S\":\"text\",\"T\":1700000000.123,\"N\":42,\"Bad\":\"12\",\"O\":{\"T\":0.0005}}");
    arena_t *a = arena_new(0);
    const json_value_t *j = jobstore_record_read(a, dir, "x.json");
    CHECK(j != NULL);
    if (j) {
        char *s = jobstore_member_string(a, j, "S");
        CHECK(s && strcmp(s, "text") == 0);
        free(s);
        CHECK(jobstore_member_string(a, j, "N") == NULL); /* not a string */
        CHECK(jobstore_member_time_ms(j, "T") == 1700000000123LL);
        CHECK(jobstore_member_time_ms(j, "S") == 0);
        CHECK(jobstore_member_time_ms(j, "Missing") == 0);
        CHECK(jobstore_member_count(a, j, "N") == 42);
        CHECK(jobstore_member_count(a, j, "Bad") == 0);
        CHECK(jobstore_member_count(a, j, "Missing") == 0);
        const json_value_t *o = wire_member(j, "O");
        CHECK(o && jobstore_member_time_ms(o, "T") == 1); /* rounded */
    }
    arena_free(a);
    free(dir);
}

static void test_not_records(void)
{
    char *dir = NULL;
    CHECK(jobstore_dir_open(data_dir, "list", &dir) == 0);
    put_file(dir, "good.json", "{}");
    put_file(dir, "torn.json.tmp", "{\"half");
    put_file(dir, "other.txt", "{}");
    put_file(dir, ".json", "{}");
    put_file(dir, "array.json", "[1]");
    put_file(dir, "broken.json", "{\"a\":");
    char seen[256] = "";
    CHECK(jobstore_dir_each(dir, count_file, seen) == 0);
    CHECK(strstr(seen, "good.json;") && strstr(seen, "array.json;") &&
          strstr(seen, "broken.json;"));
    CHECK(!strstr(seen, "tmp") && !strstr(seen, "other") && !strstr(seen, ";.json;") &&
          strncmp(seen, ".json;", 6) != 0);
    arena_t *a = arena_new(0);
    CHECK(jobstore_record_read(a, dir, "good.json") != NULL);
    CHECK(jobstore_record_read(a, dir, "array.json") == NULL);
    CHECK(jobstore_record_read(a, dir, "broken.json") == NULL);
    CHECK(jobstore_record_read(a, dir, "absent.json") == NULL);
    arena_free(a);
    char id[8];
    jobstore_record_id("00000000000001-0000abcd.json", id, sizeof id);
    CHECK_STR(id, "0000000");
    char full[32];
    jobstore_record_id("00000000000001-0000abcd.json", full, sizeof full);
    CHECK_STR(full, "00000000000001-0000abcd");
    CHECK(jobstore_dir_each("/nonexistent/ddbd-jobstore", count_file, seen) == -1);
    free(dir);
}

static void test_ids_and_arns(void)
{
    char id[JOBSTORE_ID_SIZE];
    jobstore_id_new(1700000000123LL, id);
    CHECK(strlen(id) == JOBSTORE_ID_SIZE - 1);
    CHECK(strncmp(id, "01700000000123-", 15) == 0);
    char arn[256];
    snprintf(arn, sizeof arn, "arn:aws:dynamodb:us-east-1:000000000000:table/t-1/export/%s", id);
    CHECK(jobstore_arn_valid(arn, "export"));
    CHECK(!jobstore_arn_valid(arn, "import"));
    snprintf(arn, sizeof arn, "arn:aws:dynamodb:us-east-1:000000000000:table/t-1/import/%s", id);
    CHECK(jobstore_arn_valid(arn, "import"));
    const char *bad[] = {
        "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/01700000000123-0000abc",
        "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/01700000000123-0000abcde",
        "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/01700000000123-0000ABCD",
        "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/0170000000012x-0000abcd",
        "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/01700000000123_0000abcd",
        "arn:aws:dynamodb:us-east-1:000000000000:table//export/01700000000123-0000abcd",
        "arn:aws:dynamodb:us-east-1:000000000000:table/a/b/export/01700000000123-0000abcd",
        "arn:aws:dynamodb:us-east-1:000000000000:table/t/exports/01700000000123-0000abcd",
        "arn:aws:dynamodb:us-west-2:000000000000:table/t/export/01700000000123-0000abcd",
        "arn:aws:dynamodb:us-east-1:111111111111:table/t/export/01700000000123-0000abcd",
        "arn:aws:dynamodb:us-east-1:000000000000:table/t",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(!jobstore_arn_valid(bad[i], "export"));
    CHECK(jobstore_arn_valid(
        "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/01700000000123-0000abcd",
        "export"));
}

static void render_arn(buf_t *out, const jobstore_job_t *job)
{
    buf_printf(out, "\"%s\"", job->arn);
}

static void token_upper(const char *id, char token[JOBSTORE_TOKEN_SIZE])
{
    snprintf(token, JOBSTORE_TOKEN_SIZE, "T%s", id);
}

static void page_is(const jobstore_registry_t *r, const char *table, size_t max, const char *next,
                    void (*token_of)(const char *, char *), const char *want)
{
    buf_t out;
    buf_init(&out);
    jobstore_registry_page(r, &out, "L", table, max, next, token_of, render_arn);
    buf_putc(&out, '\0');
    CHECK_STR(out.data, want);
    buf_free(&out);
}

static int freed;
static void count_free(jobstore_job_t *job)
{
    (void)job;
    freed++;
}

static void test_registry(void)
{
    /* added out of order; a and b share a start time: ids decide */
    jobstore_job_t jobs[] = {
        {"00000000000030-00000000", "arn:c", "T1", 30},
        {"00000000000010-0000000b", "arn:b", "T2", 10},
        {"00000000000010-0000000a", "arn:a", "T1", 10},
        {"00000000000020-00000000", "arn:d", "T1", 20},
    };
    jobstore_registry_t r = {0};
    for (size_t i = 0; i < 4; i++) jobstore_registry_add(&r, &jobs[i]);
    jobstore_registry_sort(&r);
    CHECK(r.count == 4);
    CHECK_STR(r.items[0]->arn, "arn:a");
    CHECK_STR(r.items[1]->arn, "arn:b");
    CHECK_STR(r.items[2]->arn, "arn:d");
    CHECK_STR(r.items[3]->arn, "arn:c");
    CHECK(jobstore_registry_find(&r, "arn:d") == &jobs[3]);
    CHECK(jobstore_registry_find(&r, "arn:x") == NULL);
    /* every job, a page of 2 and the next one from its token */
    page_is(&r, NULL, 10, NULL, NULL, "{\"L\":[\"arn:a\",\"arn:b\",\"arn:d\",\"arn:c\"]}");
    page_is(&r, NULL, 2, NULL, NULL,
            "{\"L\":[\"arn:a\",\"arn:b\"],\"NextToken\":\"00000000000010-0000000b\"}");
    page_is(&r, NULL, 2, "00000000000010-0000000b", NULL, "{\"L\":[\"arn:d\",\"arn:c\"]}");
    /* by table: T1 skips b; exactly max left gives no token */
    page_is(&r, "T1", 1, NULL, token_upper,
            "{\"L\":[\"arn:a\"],\"NextToken\":\"T00000000000010-0000000a\"}");
    page_is(&r, "T1", 2, "T00000000000010-0000000a", token_upper, "{\"L\":[\"arn:d\",\"arn:c\"]}");
    page_is(&r, "T3", 5, NULL, NULL, "{\"L\":[]}");
    /* an unknown token lists from the first */
    page_is(&r, "T2", 5, "nope", NULL, "{\"L\":[\"arn:b\"]}");
    jobstore_registry_clear(&r, count_free);
    CHECK(freed == 4 && r.count == 0 && r.items == NULL);
}

int main(void)
{
    if (!mkdtemp(data_dir)) return 2;
    RUN(test_write_read_replace);
    RUN(test_members);
    RUN(test_not_records);
    RUN(test_ids_and_arns);
    RUN(test_registry);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", data_dir);
    if (system(cmd) != 0) return 2;
    return unit_report("jobstore");
}
