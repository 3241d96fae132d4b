/* clock: the wall-clock time the service reports (creation dates, billing
 * and throughput changes, stream and TTL times). */
#ifndef DDBD_CLOCK_H
#define DDBD_CLOCK_H

#include <stdint.h>

/* Seconds since the epoch, to the millisecond (the service's timestamps
 * carry three decimals). */
double clock_now_seconds(void);
/* Milliseconds since the epoch. */
int64_t clock_now_ms(void);

#endif
