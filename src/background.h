/* background: the threads that copy whole tables beside the requests
 * (backups, point-in-time bases, exports, imports).  They run at a
 * lower CPU priority so that on a machine with few cores the request
 * threads come first, and they pace what they write: each stretch of the
 * output file is handed to the disk and dropped from the page cache as it
 * is written, so that neither a large fsync at the end nor the evicted
 * pages of the data file stall the requests. */
#ifndef DDBD_BACKGROUND_H
#define DDBD_BACKGROUND_H

#include <stdbool.h>
#include <stdio.h>

/* Run fn(arg) on a detached low-priority thread; when no thread can be
 * made, fn runs here instead. */
void background_run(void *(*fn)(void *), void *arg);

/* Wait until no thread background_run started is running (the work each
 * was given has returned); true when there was one to wait for.  For a
 * caller that needs the effects of every copy it started before it goes
 * on, as the request fuzzer between two inputs. */
bool background_wait_idle(void);

/* Pacing of one output file: call background_pace after each chunk of
 * work.  Flushes f, starts the write-back of what was written since the
 * last call, drops the part written before that (its write-back done)
 * from the page cache, and yields the CPU. */
typedef struct {
    long long started; /* bytes whose write-back was started */
    long long dropped; /* bytes written back and dropped from the cache */
} background_pace_t;

void background_pace(background_pace_t *p, FILE *f);

#endif
