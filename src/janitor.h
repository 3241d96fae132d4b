/* janitor: one background thread for periodic housekeeping (stream shard
 * rollover and trimming, TTL deletions).  Each tick calls every task; a
 * task only hands work to the storage writer, so a slow task never holds
 * back the others or any request. */
#ifndef DDBD_JANITOR_H
#define DDBD_JANITOR_H

#include <stddef.h>

typedef void (*janitor_task_t)(void);

/* Start ticking every interval_s seconds.  0, or -1 (logged). */
int janitor_start(double interval_s, const janitor_task_t *tasks, size_t count);
/* Stop and join the thread (before the storage writer stops). */
void janitor_stop(void);

#endif
