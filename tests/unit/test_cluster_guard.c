/* Unit tests of cluster_guard: which message headers pass on to libraft. */
#include "cluster_guard.h"

#include <string.h>

#include "unit.h"

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* An AppendEntries header of n entries of the given type and length, with
 * `room` entry slots. */
static size_t append_entries(uint8_t *h, uint64_t n, size_t room, uint8_t type, uint32_t len)
{
    memset(h, 0, 48 + 16 * room);
    put64(h, 7);
    put64(h + 32, n);
    for (size_t i = 0; i < room; i++) {
        h[40 + 16 * i + 8] = type;
        put32(h + 40 + 16 * i + 12, len);
    }
    return 48 + 16 * room; /* as libraft sizes it: 8 spare bytes */
}

static void test_fixed_sizes(void)
{
    uint8_t h[64] = {0};
    uint64_t payload = 99;
    CHECK(cluster_guard_check_header(3, h, 40, &payload) == 0 && payload == 0); /* RequestVote */
    CHECK(cluster_guard_check_header(3, h, 32, &payload) == 0);                 /* its first form */
    CHECK(cluster_guard_check_header(3, h, 1, &payload) == -1);
    CHECK(cluster_guard_check_header(3, h, 39, &payload) == -1);
    CHECK(cluster_guard_check_header(4, h, 24, &payload) == 0);
    CHECK(cluster_guard_check_header(4, h, 8, &payload) == -1);
    CHECK(cluster_guard_check_header(2, h, 24, &payload) == 0);
    CHECK(cluster_guard_check_header(2, h, 16, &payload) == -1);
    CHECK(cluster_guard_check_header(6, h, 24, &payload) == 0);
    CHECK(cluster_guard_check_header(6, h, 8, &payload) == -1);
    CHECK(cluster_guard_check_header(0, h, 24, &payload) == -1);
    CHECK(cluster_guard_check_header(7, h, 24, &payload) == -1);
}

static void test_append_entries(void)
{
    uint8_t h[48 + 16 * 4];
    uint64_t payload;
    size_t len = append_entries(h, 3, 3, RAFT_COMMAND, 64);
    CHECK(cluster_guard_check_header(1, h, len, &payload) == 0 && payload == 192);
    len = append_entries(h, 0, 0, RAFT_COMMAND, 0); /* a heartbeat */
    CHECK(cluster_guard_check_header(1, h, len, &payload) == 0 && payload == 0);
    /* more entries announced than the header holds: libraft read past it */
    len = append_entries(h, 0xffffffffu, 1, RAFT_COMMAND, 8);
    CHECK(cluster_guard_check_header(1, h, len, &payload) == -1);
    len = append_entries(h, 4, 3, RAFT_COMMAND, 8);
    CHECK(cluster_guard_check_header(1, h, len, &payload) == -1);
    len = append_entries(h, 2, 2, 9, 8); /* no such entry type */
    CHECK(cluster_guard_check_header(1, h, len, &payload) == -1);
    len = append_entries(h, 1, 1, RAFT_CHANGE, 12); /* not a multiple of 8 */
    CHECK(cluster_guard_check_header(1, h, len, &payload) == -1);
    CHECK(cluster_guard_check_header(1, h, 39, &payload) == -1);
}

static void test_install_snapshot(void)
{
    uint8_t h[48 + 32] = {0};
    uint64_t payload;
    put64(h + 32, 24);      /* configuration length */
    put64(h + 40 + 24, 1000); /* data length */
    CHECK(cluster_guard_check_header(5, h, sizeof h - 8, &payload) == 0 && payload == 1000);
    put64(h + 32, 1ull << 40); /* a configuration longer than the header */
    CHECK(cluster_guard_check_header(5, h, sizeof h, &payload) == -1);
    put64(h + 32, 33);
    CHECK(cluster_guard_check_header(5, h, sizeof h, &payload) == -1);
    CHECK(cluster_guard_check_header(5, h, 47, &payload) == -1);
}

int main(void)
{
    RUN(test_fixed_sizes);
    RUN(test_append_entries);
    RUN(test_install_snapshot);
    return unit_report("cluster_guard");
}
