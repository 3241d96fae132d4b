/* janitor: the housekeeping thread; see janitor.h. */
#include "janitor.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "cluster.h"
#include "log.h"

#define JANITOR_MAX_TASKS 8

static struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool running, stopping;
    double interval_s;
    janitor_task_t tasks[JANITOR_MAX_TASKS];
    size_t count;
} janitor = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *janitor_main(void *arg)
{
    pthread_mutex_lock(&janitor.lock);
    while (!janitor.stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long long ns = (long long)(janitor.interval_s * 1e9);
        until.tv_sec += ns / 1000000000;
        until.tv_nsec += ns % 1000000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        int rc = 0;
        while (!janitor.stopping && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&janitor.cond, &janitor.lock, &until);
        if (janitor.stopping) break;
        pthread_mutex_unlock(&janitor.lock);
        /* In cluster mode only the leader's housekeeping writes: what it
         * changes reaches the followers through the log. */
        if (!cluster_on || cluster_leads())
            for (size_t i = 0; i < janitor.count; i++) janitor.tasks[i]();
        pthread_mutex_lock(&janitor.lock);
    }
    pthread_mutex_unlock(&janitor.lock);
    return NULL;
}

int janitor_start(double interval_s, const janitor_task_t *tasks, size_t count)
{
    janitor.interval_s = interval_s > 0.01 ? interval_s : 0.01;
    janitor.count = count < JANITOR_MAX_TASKS ? count : JANITOR_MAX_TASKS;
    for (size_t i = 0; i < janitor.count; i++) janitor.tasks[i] = tasks[i];
    janitor.stopping = false;
    if (pthread_create(&janitor.thread, NULL, janitor_main, NULL) != 0) {
        log_error("cannot start the housekeeping thread");
        return -1;
    }
    pthread_setname_np(janitor.thread, "janitor");
    janitor.running = true;
    return 0;
}

void janitor_stop(void)
{
    if (!janitor.running) return;
    pthread_mutex_lock(&janitor.lock);
    janitor.stopping = true;
    pthread_cond_signal(&janitor.cond);
    pthread_mutex_unlock(&janitor.lock);
    pthread_join(janitor.thread, NULL);
    janitor.running = false;
}
