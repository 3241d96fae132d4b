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
/* ms as ISO-8601 UTC with milliseconds: "2026-01-02T03:04:05.678Z". */
void clock_format_iso(char out[32], int64_t ms);

#endif
