/* fuzz_check: the one assertion of the fuzz targets, kept in release-style
 * builds too (assert may be compiled out): a failed check names itself and
 * aborts, which libFuzzer reports as a crash with the input that caused it. */
#ifndef DDBD_FUZZ_CHECK_H
#define DDBD_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #cond);                      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
