/* Unit tests of regions: peer specifications and files. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "regions.h"
#include "unit.h"

static void test_add(void)
{
    CHECK(regions_add("us-west-2=http://127.0.0.1:8002") == NULL);
    CHECK(regions_add("eu-west-1=https://replica.example") == NULL);
    const region_peer_t *p = regions_find("us-west-2", 9);
    CHECK(p && !p->tls);
    CHECK_STR(p ? p->host : "", "127.0.0.1");
    CHECK_STR(p ? p->port : "", "8002");
    p = regions_find("eu-west-1", 9);
    CHECK(p && p->tls);
    CHECK_STR(p ? p->port : "", "443");
    CHECK(regions_find("us-west", 7) == NULL);
}

static void test_refused(void)
{
    size_t before = regions_count();
    CHECK(regions_add("us-west-2=http://other:1") != NULL); /* named twice */
    CHECK(regions_add("nourl") != NULL);
    CHECK(regions_add("=http://h:1") != NULL);
    CHECK(regions_add("Bad_Name=http://h:1") != NULL);
    CHECK(regions_add("ap-1=ftp://h:1") != NULL);
    CHECK(regions_add("ap-2=http://:1") != NULL);
    CHECK(regions_add("ap-3=http://h:") != NULL);
    CHECK(regions_add("ap-4=http://h:12x") != NULL);
    CHECK(regions_count() == before);
    CHECK(regions_set_key("nosecret") != NULL);
    CHECK(regions_set_key(":s") != NULL);
    CHECK(regions_set_key("id:") != NULL);
    CHECK(regions_set_key("id:secret") == NULL);
}

static void test_file_and_local(void)
{
    char path[] = "/tmp/ddbd-regions-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char text[] = "# peers\n\n  ap-south-1=http://10.0.0.1:9000  \nbad line\n";
    CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
    close(fd);
    const char *why = regions_load_file(path);
    CHECK(why && strstr(why, "line 4"));
    CHECK(regions_find("ap-south-1", 10) != NULL);
    unlink(path);
    CHECK(regions_load_file("/nonexistent/peers") != NULL);
    CHECK(regions_set_local("us-west-2") != NULL); /* a peer's name */
    CHECK(regions_set_local("us-east-1") == NULL);
    buf_t b;
    buf_init(&b);
    regions_render_list(&b);
    buf_putc(&b, 0);
    CHECK_STR(b.data, "[us-east-1, us-west-2, eu-west-1, ap-south-1]");
    buf_free(&b);
}

/* A line is read whole, however long (a part of a long line is no peer),
 * and a NUL byte or a CR in it is not taken for its end. */
static void test_file_long_line_and_nul(void)
{
    regions_clear();
    char path[] = "/tmp/ddbd-regions-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    /* a URL of 2000 bytes of path: read in pieces, it was refused */
    buf_t text;
    buf_init(&text);
    buf_append_str(&text, "sa-east-1=http://10.0.0.2:9000/");
    for (int i = 0; i < 2000; i++) buf_putc(&text, 'p');
    buf_append_str(&text, "\n");
    CHECK(write(fd, text.data, text.len) == (ssize_t)text.len);
    close(fd);
    CHECK(regions_load_file(path) == NULL);
    const region_peer_t *p = regions_find("sa-east-1", 9);
    CHECK(p && strlen(p->url) == 2000 + strlen("http://10.0.0.2:9000/"));
    CHECK(regions_count() == 1);
    regions_clear();
    CHECK(regions_count() == 0 && regions_find("sa-east-1", 9) == NULL);

    static const char nul[] = "ap-east-1=http://h:1\0junk\n";
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && write(fd, nul, sizeof nul - 1) == (ssize_t)(sizeof nul - 1));
    close(fd);
    const char *why = regions_load_file(path);
    CHECK(why && strstr(why, "line 1"));
    CHECK(regions_count() == 0);

    /* a CR inside a line does not end it: this one's URL has a bad port */
    static const char cr[] = "ap-east-1=http://h:1\rjunk=http://x:2\r\n";
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && write(fd, cr, sizeof cr - 1) == (ssize_t)(sizeof cr - 1));
    close(fd);
    why = regions_load_file(path);
    CHECK(why && strstr(why, "line 1: a peer's URL has a bad port"));
    CHECK(regions_count() == 0);
    unlink(path);
    buf_free(&text);
}

int main(void)
{
    RUN(test_add);
    RUN(test_refused);
    RUN(test_file_and_local);
    RUN(test_file_long_line_and_nul);
    return unit_report("regions");
}
