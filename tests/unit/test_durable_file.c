/* durable_file: a replace leaves exactly the new contents and no temporary;
 * a replace that cannot finish leaves the old file and no temporary, and
 * says why in errno. */
#include "durable_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

static char dir[] = "/tmp/ddbd-unit-durable.XXXXXX";

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* The whole file as a NUL-terminated string ("" when missing). */
static const char *contents(const char *path)
{
    static char text[256];
    text[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return text;
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_replace_creates_then_replaces(void)
{
    char p[PATH_MAX], tmp[PATH_MAX];
    path_in(p, sizeof p, "record.json");
    path_in(tmp, sizeof tmp, "record.json.tmp");
    CHECK(durable_file_replace(p, "{\"a\":1234567}", 13) == 0);
    CHECK_STR(contents(p), "{\"a\":1234567}");
    /* shorter contents leave no tail of the longer ones */
    CHECK(durable_file_replace(p, "{}", 2) == 0);
    CHECK_STR(contents(p), "{}");
    CHECK(!exists(tmp));
    CHECK(durable_file_replace(p, "", 0) == 0);
    CHECK(exists(p) && contents(p)[0] == 0);
}

static void test_missing_directory_fails(void)
{
    char p[PATH_MAX];
    path_in(p, sizeof p, "no-such-dir/record.json");
    errno = 0;
    CHECK(durable_file_replace(p, "x", 1) == -1);
    CHECK(errno == ENOENT);
    CHECK(!exists(p));
}

static void test_rename_over_a_directory_keeps_it(void)
{
    char p[PATH_MAX], tmp[PATH_MAX];
    path_in(p, sizeof p, "a-directory");
    path_in(tmp, sizeof tmp, "a-directory.tmp");
    CHECK(mkdir(p, 0755) == 0);
    errno = 0;
    CHECK(durable_file_replace(p, "x", 1) == -1);
    CHECK(errno == EISDIR);
    struct stat st;
    CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(!exists(tmp));
    rmdir(p);
}

static void test_relative_path_in_the_working_directory(void)
{
    char was[PATH_MAX], p[PATH_MAX];
    CHECK(getcwd(was, sizeof was) != NULL);
    CHECK(chdir(dir) == 0);
    CHECK(durable_file_replace("plain", "abc", 3) == 0);
    CHECK(chdir(was) == 0);
    path_in(p, sizeof p, "plain");
    CHECK_STR(contents(p), "abc");
}

static void test_path_too_long(void)
{
    static char p[PATH_MAX + 16];
    memset(p, 'a', sizeof p - 1);
    p[0] = '/';
    p[sizeof p - 1] = 0;
    errno = 0;
    CHECK(durable_file_replace(p, "x", 1) == -1);
    CHECK(errno == ENAMETOOLONG);
}

static void test_dir_sync(void)
{
    char p[PATH_MAX];
    CHECK(durable_dir_sync(dir) == 0);
    path_in(p, sizeof p, "record.json");
    errno = 0;
    CHECK(durable_dir_sync(p) == -1 && errno == ENOTDIR);
    path_in(p, sizeof p, "gone");
    errno = 0;
    CHECK(durable_dir_sync(p) == -1 && errno == ENOENT);
}

int main(void)
{
    if (!mkdtemp(dir)) return 2;
    RUN(test_replace_creates_then_replaces);
    RUN(test_missing_directory_fails);
    RUN(test_rename_over_a_directory_keeps_it);
    RUN(test_relative_path_in_the_working_directory);
    RUN(test_path_too_long);
    RUN(test_dir_sync);
    char p[PATH_MAX];
    path_in(p, sizeof p, "record.json");
    unlink(p);
    path_in(p, sizeof p, "plain");
    unlink(p);
    rmdir(dir);
    return unit_report("durable_file");
}
