#include "background.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/* Nice 19 (or even 10) starves a backup under a saturating request load on
 * two cores (one backup of 5*10^5 items in more than 6 s instead of one a
 * second); at 5 the copy still progresses and the requests keep most of the
 * CPU.  Most of the latency comes from the I/O, which the pacing removes. */
#define BACKGROUND_NICE 5

typedef struct {
    void *(*fn)(void *);
    void *arg;
} start_t;

/* The threads running (for background_wait_idle). */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t idle;
    int running;
} threads = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void running_add(int n)
{
    pthread_mutex_lock(&threads.lock);
    threads.running += n;
    if (threads.running == 0) pthread_cond_broadcast(&threads.idle);
    pthread_mutex_unlock(&threads.lock);
}

static void *background_main(void *arg)
{
    start_t s = *(start_t *)arg;
    free(arg);
    pthread_setname_np(pthread_self(), "background"); /* (detached: named by itself) */
    /* Linux gives each thread its own nice value: this lowers only this one. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), BACKGROUND_NICE) != 0)
        log_warn("a background thread keeps the normal priority");
    void *r = s.fn(s.arg);
    running_add(-1);
    return r;
}

void background_run(void *(*fn)(void *), void *arg)
{
    start_t *s = malloc(sizeof *s);
    if (!s) abort();
    s->fn = fn;
    s->arg = arg;
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    running_add(1);
    int e = pthread_create(&th, &attr, background_main, s);
    pthread_attr_destroy(&attr);
    if (e != 0) {
        free(s);
        running_add(-1);
        log_error("cannot start a background thread; the work runs in the caller");
        fn(arg);
    }
}

bool background_wait_idle(void)
{
    bool waited = false;
    pthread_mutex_lock(&threads.lock);
    while (threads.running) {
        waited = true;
        pthread_cond_wait(&threads.idle, &threads.lock);
    }
    pthread_mutex_unlock(&threads.lock);
    return waited;
}

void background_pace(background_pace_t *p, FILE *f)
{
    if (fflush(f) == 0) {
        int fd = fileno(f);
        off_t end = lseek(fd, 0, SEEK_CUR);
        if (end > p->started) {
            /* the previous stretch: wait for its write-back, then drop it */
            if (p->started > p->dropped) {
                off_t len = p->started - p->dropped;
                sync_file_range(fd, p->dropped, len,
                                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                    SYNC_FILE_RANGE_WAIT_AFTER);
                posix_fadvise(fd, p->dropped, len, POSIX_FADV_DONTNEED);
                p->dropped = p->started;
            }
            sync_file_range(fd, p->started, end - p->started, SYNC_FILE_RANGE_WRITE);
            p->started = end;
        }
    }
    sched_yield();
}
