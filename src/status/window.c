/* The run window's arithmetic; see window.h for the rules. Everything here is a function of
 * its arguments and the ring it is given. */
#include "status/window.h"

#include <stdlib.h>

/* Nagios's curve: a change between the two oldest runs weighs 0.75, between the two newest
 * 1.25, so a monitor that has just started flapping is seen sooner than one that has just
 * stopped is forgotten. */
#define FLAP_LOW_WEIGHT 0.75
#define FLAP_HIGH_WEIGHT 1.25

/* Shares are compared with a ratio times a window; 0.2 * 20 is not exactly 4 in binary, so a
 * share within this of a ratio counts as reaching it. */
#define RATIO_EPSILON 1e-9

void tc_window_init(tc_window_t *w, tc_run_sample_t *storage, size_t cap)
{
    w->ring = storage;
    w->cap = cap;
    w->count = 0;
}

void tc_window_add(tc_window_t *w, int verdict, double ms)
{
    tc_run_sample_t *s = &w->ring[w->count % w->cap];
    s->verdict = (unsigned char)verdict;
    s->ms = ms >= 0 ? (float)ms : -1.0f;
    w->count++;
}

size_t tc_window_len(const tc_window_t *w)
{
    return w->count < w->cap ? w->count : w->cap;
}

const tc_run_sample_t *tc_window_recent(const tc_window_t *w, size_t k)
{
    return &w->ring[(w->count - 1 - k) % w->cap];
}

void tc_window_copy(tc_window_t *to, const tc_window_t *from)
{
    to->count = 0;
    size_t n = tc_window_len(from);
    if (n > to->cap)
        n = to->cap;
    for (size_t k = n; k-- > 0;) {
        const tc_run_sample_t *s = tc_window_recent(from, k);
        tc_window_add(to, s->verdict, s->ms);
    }
}

size_t tc_window_failures(const tc_window_t *w, size_t runs)
{
    size_t n = tc_window_len(w);
    if (runs < n)
        n = runs;
    size_t failed = 0;
    for (size_t k = 0; k < n; k++)
        failed += tc_window_recent(w, k)->verdict == TC_RUN_DOWN;
    return failed;
}

double tc_window_share(const tc_window_t *w, size_t runs)
{
    return runs ? (double)tc_window_failures(w, runs) / (double)runs : 0.0;
}

static bool reaches(double share, double ratio)
{
    return ratio > 0 && share + RATIO_EPSILON >= ratio;
}

tc_monitor_state_t tc_window_level(tc_monitor_state_t level, double share,
                                   double degraded_ratio, double down_ratio)
{
    if (reaches(share, down_ratio))
        return TC_MONITOR_DOWN;
    /* Hysteresis: a level holds until the share is below half the ratio that set it. */
    if (level == TC_MONITOR_DOWN && reaches(share, down_ratio / 2))
        return TC_MONITOR_DOWN;
    if (reaches(share, degraded_ratio))
        return TC_MONITOR_DEGRADED;
    if ((level == TC_MONITOR_DOWN || level == TC_MONITOR_DEGRADED) &&
        reaches(share, degraded_ratio / 2))
        return TC_MONITOR_DEGRADED;
    return TC_MONITOR_UP;
}

static int by_time(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

size_t tc_window_percentiles(const tc_window_t *w, size_t runs, double extra_ms,
                             double out[3])
{
    static const size_t percents[3] = {50, 95, 99};
    float sorted[TC_WINDOW_MAX + 1];
    size_t n = 0;
    size_t held = tc_window_len(w);
    if (runs > held)
        runs = held;
    if (runs > TC_WINDOW_MAX)
        runs = TC_WINDOW_MAX;
    for (size_t k = 0; k < runs; k++) {
        float ms = tc_window_recent(w, k)->ms;
        if (ms >= 0)
            sorted[n++] = ms;
    }
    if (extra_ms >= 0)
        sorted[n++] = (float)extra_ms;
    if (!n)
        return 0;
    qsort(sorted, n, sizeof sorted[0], by_time);
    for (int i = 0; i < 3; i++) {
        /* Nearest rank: the smallest sample whose rank reaches the share, as the store's
         * hourly p95 does, so the two agree on the same runs. */
        size_t rank = (percents[i] * n + 99) / 100;
        out[i] = sorted[rank - 1];
    }
    return n;
}

size_t tc_window_changes(const tc_window_t *w, size_t runs)
{
    size_t n = tc_window_len(w);
    if (runs < n)
        n = runs;
    size_t changes = 0;
    for (size_t k = 0; k + 1 < n; k++)
        changes += tc_window_recent(w, k)->verdict != tc_window_recent(w, k + 1)->verdict;
    return changes;
}

double tc_window_flap_percent(const tc_window_t *w)
{
    size_t n = tc_window_len(w);
    if (n > TC_FLAP_RUNS)
        n = TC_FLAP_RUNS;
    /* Transition x (1 = between the two oldest of the 21 runs, 20 = the two newest) weighs
     * 0.75 + (x - 1) * 0.5 / 19. The k-th most recent run and the one before it form
     * transition 21 - k - 1 = 20 - k. */
    double changes = 0;
    for (size_t k = 0; k + 1 < n; k++) {
        if (tc_window_recent(w, k)->verdict == tc_window_recent(w, k + 1)->verdict)
            continue;
        double x = (double)(TC_FLAP_RUNS - 1 - k);
        changes += FLAP_LOW_WEIGHT +
                   (x - 1) * (FLAP_HIGH_WEIGHT - FLAP_LOW_WEIGHT) / (double)(TC_FLAP_RUNS - 2);
    }
    return changes * 100.0 / (double)(TC_FLAP_RUNS - 1);
}

bool tc_window_flapping(bool was, double percent, double start, double stop)
{
    if (percent + RATIO_EPSILON >= start)
        return true;
    if (percent <= stop + RATIO_EPSILON)
        return false;
    return was;
}
