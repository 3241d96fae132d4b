/* Unit tests of pitr's pure rules: the restorable window (earliest from
 * the oldest base or the enabling, later now - period; latest now, or
 * now - lag but never before the oldest base; earliest never after
 * latest), the instant of a restore or export (a time names its second,
 * cut at latest; outside the window refused), and which base a restore
 * starts from and which is the oldest one housekeeping keeps. */
#include <stdint.h>

#include "pitr.h"
#include "unit.h"

#define S 1000LL           /* a second, in ms */
#define DAY (86400LL * S)
#define T0 1700000000000LL /* an enabling */

static void test_window_without_lag(void)
{
    /* just enabled, no base yet: [since, now] */
    pitr_bounds_t w = pitr_window_of(T0 + 5, T0, 0, 35 * DAY, 0);
    CHECK(w.earliest == T0 && w.latest == T0 + 5);
    /* the first base is its start */
    w = pitr_window_of(T0 + 60 * S, T0, T0 + 3, 35 * DAY, 0);
    CHECK(w.earliest == T0 + 3 && w.latest == T0 + 60 * S);
    /* later, now - period */
    w = pitr_window_of(T0 + 40 * DAY, T0, T0 + 3, 35 * DAY, 0);
    CHECK(w.earliest == T0 + 5 * DAY && w.latest == T0 + 40 * DAY);
    /* a period of one day: exactly one day back */
    w = pitr_window_of(T0 + 3 * DAY + 7, T0, T0, DAY, 0);
    CHECK(w.earliest == T0 + 2 * DAY + 7);
}

static void test_window_with_lag(void)
{
    int64_t lag = 300 * S;
    /* right after enabling: earliest = latest = the first base */
    pitr_bounds_t w = pitr_window_of(T0 + 2 * S, T0, T0 + 4, 35 * DAY, lag);
    CHECK(w.earliest == T0 + 4 && w.latest == T0 + 4);
    /* before the first base is registered: the enabling */
    w = pitr_window_of(T0 + 1, T0, 0, 35 * DAY, lag);
    CHECK(w.earliest == T0 && w.latest == T0);
    /* exactly lag after the base: still the base; a ms later, now - lag */
    w = pitr_window_of(T0 + 4 + lag, T0, T0 + 4, 35 * DAY, lag);
    CHECK(w.latest == T0 + 4 && w.earliest == T0 + 4);
    w = pitr_window_of(T0 + 5 + lag, T0, T0 + 4, 35 * DAY, lag);
    CHECK(w.latest == T0 + 5 && w.earliest == T0 + 4);
    /* long after: [now - period, now - lag] */
    w = pitr_window_of(T0 + 40 * DAY, T0, T0 + 4, 35 * DAY, lag);
    CHECK(w.earliest == T0 + 5 * DAY && w.latest == T0 + 40 * DAY - lag);
    /* a period shorter than the lag: earliest clamped to latest */
    w = pitr_window_of(T0 + 10 * DAY, T0, T0, 100 * S, lag);
    CHECK(w.latest == T0 + 10 * DAY - lag && w.earliest == w.latest);
    /* the clock stepped back before the enabling: never after now */
    w = pitr_window_of(T0 - 10 * S, T0, T0 + 4, 35 * DAY, lag);
    CHECK(w.latest == T0 - 10 * S && w.earliest == w.latest);
}

static void test_instant(void)
{
    pitr_bounds_t w = {T0 + 500, T0 + 10 * S + 250}; /* [.500 of T0's second, 10.250 s] */
    int64_t until = 0;
    /* no time: latest */
    CHECK(pitr_instant_of(w, false, 0, &until) && until == w.latest);
    /* a time names its whole second */
    CHECK(pitr_instant_of(w, true, T0 + 3 * S + 123, &until) && until == T0 + 3 * S + 999);
    /* the second of earliest counts (its end is inside), the one before not */
    CHECK(pitr_instant_of(w, true, T0, &until) && until == T0 + 999);
    CHECK(!pitr_instant_of(w, true, T0 - 1, &until));
    /* the second of latest is cut at latest; the next one is refused */
    CHECK(pitr_instant_of(w, true, T0 + 10 * S, &until) && until == w.latest);
    CHECK(!pitr_instant_of(w, true, T0 + 11 * S, &until));
    /* a negative time is outside */
    CHECK(!pitr_instant_of(w, true, -5, &until));
    /* so is the last second 64 bits of milliseconds hold (a time of 1e400 s) */
    CHECK(!pitr_instant_of(w, true, INT64_MAX, &until));
}

static backup_base_t base(int64_t created, bool available)
{
    return (backup_base_t){.created_ms = created, .available = available};
}

static void test_base_choice(void)
{
    backup_base_t b[] = {base(T0, true), base(T0 + 10 * S, true), base(T0 + 20 * S, false)};
    /* a restore starts from the newest base at or before its instant */
    CHECK(pitr_base_pick(b, 3, T0 - 1) == 3);
    CHECK(pitr_base_pick(b, 3, T0) == 0);
    CHECK(pitr_base_pick(b, 3, T0 + 10 * S - 1) == 0);
    CHECK(pitr_base_pick(b, 3, T0 + 10 * S) == 1);
    CHECK(pitr_base_pick(b, 3, T0 + 25 * S) == 2); /* still copying: the restore waits */
    CHECK(pitr_base_pick(b, 0, T0) == 0);
    /* housekeeping keeps the newest available base at or before the start */
    CHECK(pitr_base_oldest_needed(b, 3, T0 - 1) == 0);
    CHECK(pitr_base_oldest_needed(b, 3, T0 + 5 * S) == 0);
    CHECK(pitr_base_oldest_needed(b, 3, T0 + 10 * S) == 1);
    CHECK(pitr_base_oldest_needed(b, 3, T0 + 30 * S) == 1); /* the third is not copied yet */
    b[2].available = true;
    CHECK(pitr_base_oldest_needed(b, 3, T0 + 30 * S) == 2);
    /* what a restore anywhere in the window needs is never dropped */
    for (int64_t start = T0; start < T0 + 40 * S; start += 700)
        for (int64_t until = start; until < T0 + 40 * S; until += 900) {
            size_t keep = pitr_base_oldest_needed(b, 3, start), pick = pitr_base_pick(b, 3, until);
            CHECK(pick == 3 || pick >= keep);
        }
}

int main(void)
{
    RUN(test_window_without_lag);
    RUN(test_window_with_lag);
    RUN(test_instant);
    RUN(test_base_choice);
    return unit_report("pitr");
}
