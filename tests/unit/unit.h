/* unit: the tiny test harness of tests/unit.  One file per module; each
 * file's main() RUNs its tests and returns unit_report(name), which prints
 * "name: N passed, N failed". */
#ifndef DDBD_UNIT_H
#define DDBD_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_current_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            unit_current_failed = 1;                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (strcmp(g_, w_) != 0) {                                                                 \
            fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, g_, w_);       \
            unit_current_failed = 1;                                                               \
        }                                                                                          \
    } while (0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        unit_current_failed = 0;                                                                   \
        fn();                                                                                      \
        if (unit_current_failed) {                                                                 \
            fprintf(stderr, "FAIL %s\n", #fn);                                                     \
            unit_failed++;                                                                         \
        } else {                                                                                   \
            unit_passed++;                                                                         \
        }                                                                                          \
    } while (0)

static inline int unit_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}

#endif
