/* log: one line per event on stderr, with a UTC timestamp and a level. */
#ifndef DDBD_LOG_H
#define DDBD_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
