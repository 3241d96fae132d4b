/* cluster_segments: a file allocated under the Raft directory gets its
 * blocks written (zeros, no unwritten extent where the file system tells),
 * one elsewhere is allocated by the C library; both get the asked size. */
#include "cluster_segments.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

static char dir[] = "/tmp/ddbd-unit-segments.XXXXXX";

/* 1 when some extent of fd is unwritten, 0 when none is, -1 when the file
 * system does not say. */
static int has_unwritten(int fd)
{
    struct {
        struct fiemap map;
        struct fiemap_extent extents[64];
    } f;
    memset(&f, 0, sizeof f);
    f.map.fm_length = FIEMAP_MAX_OFFSET;
    f.map.fm_flags = FIEMAP_FLAG_SYNC;
    f.map.fm_extent_count = 64;
    if (ioctl(fd, FS_IOC_FIEMAP, &f.map) != 0) return -1;
    for (unsigned i = 0; i < f.map.fm_mapped_extents; i++)
        if (f.extents[i].fe_flags & FIEMAP_EXTENT_UNWRITTEN) return 1;
    return 0;
}

static int all_zero(int fd, off_t size)
{
    static char b[65536];
    for (off_t at = 0; at < size;) {
        ssize_t n = pread(fd, b, sizeof b, at);
        if (n <= 0) return 0;
        for (ssize_t i = 0; i < n; i++)
            if (b[i]) return 0;
        at += n;
    }
    return 1;
}

/* A new file `name` under the test's directory (its path in path). */
static int create(const char *name, char path[PATH_MAX])
{
    snprintf(path, PATH_MAX, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    return fd;
}

static void test_segment_blocks_written(void)
{
    char path[PATH_MAX];
    int fd = create("raft/open-1", path);
    off_t size = (3 << 20) + 4096 + 5; /* more than one chunk of zeros, and a tail */
    CHECK(posix_fallocate(fd, 0, size) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == size);
    CHECK(all_zero(fd, size));
    CHECK(has_unwritten(fd) != 1);
    close(fd);
    unlink(path);
}

static void test_other_files_to_the_c_library(void)
{
    char path[PATH_MAX];
    int fd = create("other", path);
    CHECK(posix_fallocate(fd, 0, 1 << 20) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 1 << 20);
    close(fd);
    unlink(path);
    /* a sibling whose name starts like the directory is not in it */
    fd = create("raft-not", path);
    CHECK(posix_fallocate(fd, 0, 8192) == 0);
    close(fd);
    unlink(path);
}

static void test_bad_arguments(void)
{
    char path[PATH_MAX];
    int fd = create("raft/open-2", path);
    CHECK(posix_fallocate(fd, 0, 0) == EINVAL);
    CHECK(posix_fallocate(fd, -1, 10) == EINVAL);
    close(fd);
    unlink(path);
    CHECK(posix_fallocate(-1, 0, 10) == EBADF);
}

/* posix_fallocate never changes data: over a file that has some, only
 * what lies past its end is written (zeros). */
static void test_data_kept(void)
{
    char path[PATH_MAX];
    int fd = create("raft/open-3", path);
    CHECK(pwrite(fd, "entries", 7, 4096) == 7);
    CHECK(posix_fallocate(fd, 0, 1 << 16) == 0);
    char b[8] = {0};
    CHECK(pread(fd, b, 7, 4096) == 7 && memcmp(b, "entries", 7) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 1 << 16);
    CHECK(posix_fallocate(fd, 100, 7000) == 0); /* wholly inside: nothing written */
    CHECK(pread(fd, b, 7, 4096) == 7 && memcmp(b, "entries", 7) == 0);
    CHECK(posix_fallocate(fd, INT64_MAX - 10, 100) == EFBIG);
    close(fd);
    unlink(path);
}

int main(void)
{
    char sub[PATH_MAX];
    if (!mkdtemp(dir)) return 1;
    snprintf(sub, sizeof sub, "%s/raft", dir);
    if (mkdir(sub, 0700) != 0 || cluster_segments_dir(sub) != 0) return 1;
    RUN(test_segment_blocks_written);
    RUN(test_other_files_to_the_c_library);
    RUN(test_bad_arguments);
    RUN(test_data_kept);
    rmdir(sub);
    rmdir(dir);
    return unit_report("cluster_segments");
}
