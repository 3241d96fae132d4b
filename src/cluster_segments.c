/* cluster_segments: posix_fallocate writing zeros for the Raft log's
 * files; see cluster_segments.h. */
#include "cluster_segments.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char segments_dir[PATH_MAX]; /* resolved, "" when unset */

int cluster_segments_dir(const char *dir)
{
    char *real = realpath(dir, NULL);
    if (!real) return -1;
    snprintf(segments_dir, sizeof segments_dir, "%s", real);
    free(real);
    return 0;
}

/* The file behind fd lies in segments_dir. */
static int in_segments_dir(int fd)
{
    char link[64], path[PATH_MAX];
    size_t n = strlen(segments_dir);
    if (!n) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, path, sizeof path - 1);
    if (len < 0 || (size_t)len <= n + 1) return 0;
    return memcmp(path, segments_dir, n) == 0 && path[n] == '/';
}

/* Zeros over [offset, offset + len): an error number, or 0. */
static int zeros_write(int fd, off_t offset, off_t len)
{
    /* not const: in .bss, not 1 MB of the program's file; never written */
    static char zeros[1 << 20];
    while (len > 0) {
        size_t n = len < (off_t)sizeof zeros ? (size_t)len : sizeof zeros;
        ssize_t w = pwrite(fd, zeros, n, offset);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return errno;
        if (w == 0) return EIO;
        offset += w;
        len -= w;
    }
    return 0;
}

static int libc_fallocate(int fd, off_t offset, off_t len)
{
    static int (*fn)(int, off_t, off_t);
    if (!fn) {
        fn = (int (*)(int, off_t, off_t))dlsym(RTLD_NEXT, "posix_fallocate");
        if (!fn) return ENOSYS;
    }
    return fn(fd, offset, len);
}

int posix_fallocate(int fd, off_t offset, off_t len)
{
    if (offset < 0 || len <= 0) return EINVAL;
    if (!in_segments_dir(fd)) return libc_fallocate(fd, offset, len);
    /* Zeros only past the end of the file: what lies before it is data
     * (posix_fallocate never changes data), allocated by the C library. */
    struct stat st;
    if (fstat(fd, &st) != 0) return errno;
    if (len > INT64_MAX - offset) return EFBIG;
    off_t end = offset + len, from = offset > st.st_size ? offset : st.st_size;
    if (from > offset) {
        int rc = libc_fallocate(fd, offset, (end < from ? end : from) - offset);
        if (rc) return rc;
    }
    return end > from ? zeros_write(fd, from, end - from) : 0;
}
