/* probe: wait until a server on 127.0.0.1:PORT answers the health check (GET / with status 200)
 * and print the wall-clock time of that answer in microseconds since the epoch, so that
 * scripts/bench.sh can measure start-up time from the moment it spawned the server.  Given
 * the server's PID, the same line goes on with what the server had cost at that moment, read
 * from /proc at once (counts that a loaded machine does not change, unlike the time):
 * "TIME_US MAJFLT MINFLT READ_BYTES RSS_KIB CPU_US WAIT_US", READ_BYTES being what it had
 * the disk read (-1 where /proc/PID/io cannot be read), CPU_US the time its threads ran and
 * WAIT_US the time they were runnable but waited for a core (/proc/PID/task/N/schedstat;
 * threads that already ended are not counted): on a loaded machine the time to the answer is
 * mostly the latter.
 *
 * usage: probe PORT [TIMEOUT_MS [PID]]
 * exit 0 on an answer, 1 on timeout or when process PID (the server) has exited.
 *
 * It retries every 200 µs: a connection refused only means the server is not listening yet. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long probe_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Whether process pid has exited; it stays a zombie until its parent waits for it. */
static int probe_process_gone(int pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *state = strrchr(buf, ')'); /* the command name in parentheses may hold spaces */
    return !state || state[1] == 0 || state[2] == 'Z' || state[2] == 'X';
}

/* Page faults and resident memory (/proc/PID/stat) and bytes read from storage
 * (/proc/PID/io) of process pid, after the time already printed. */
static void probe_print_counts(int pid)
{
    char path[64], buf[1024];
    unsigned long long minflt = 0, majflt = 0, rss_pages = 0;
    long long read_bytes = -1;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        const char *p = strrchr(buf, ')');
        /* after the name: state (3) ... minflt (10), majflt (12), rss (24) */
        if (p)
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu %*u %*u %*u %*d %*d %*d %*d "
                          "%*d %*d %*u %*u %llu",
                   &minflt, &majflt, &rss_pages);
    }
    snprintf(path, sizeof path, "/proc/%d/io", pid);
    if ((f = fopen(path, "r"))) {
        char line[128];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "read_bytes: %lld", &read_bytes) == 1) break;
        fclose(f);
    }
    unsigned long long run_ns = 0, wait_ns = 0;
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char task[300];
        unsigned long long run, wait;
        snprintf(task, sizeof task, "/proc/%d/task/%s/schedstat", pid, e->d_name);
        if (!(f = fopen(task, "r"))) continue;
        if (fscanf(f, "%llu %llu", &run, &wait) == 2) run_ns += run, wait_ns += wait;
        fclose(f);
    }
    if (d) closedir(d);
    printf(" %llu %llu %lld %llu %llu %llu", majflt, minflt, read_bytes,
           rss_pages * (unsigned long long)sysconf(_SC_PAGESIZE) / 1024, run_ns / 1000,
           wait_ns / 1000);
}

/* One attempt: 1 if the server answered 200, 0 otherwise. */
static int probe_try(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        static const char req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        char buf[64];
        size_t got = 0;
        if (write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1)) {
            /* The status line is all that matters: "HTTP/1.1 200". */
            while (got < 12) {
                ssize_t n = read(fd, buf + got, sizeof buf - got);
                if (n <= 0) break;
                got += (size_t)n;
            }
        }
        ok = got >= 12 && memcmp(buf, "HTTP/1.", 7) == 0 && memcmp(buf + 9, "200", 3) == 0;
    }
    close(fd);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: probe PORT [TIMEOUT_MS [PID]]\n");
        return 2;
    }
    int port = atoi(argv[1]);
    long long timeout_us = (argc > 2 ? atoll(argv[2]) : 10000) * 1000;
    int pid = argc > 3 ? atoi(argv[3]) : 0;
    long long start = probe_now_us();
    for (;;) {
        if (probe_try(port)) {
            printf("%lld", probe_now_us());
            if (pid > 0) probe_print_counts(pid);
            printf("\n");
            return 0;
        }
        if (probe_now_us() - start > timeout_us || (pid > 0 && probe_process_gone(pid))) return 1;
        usleep(200);
    }
}
