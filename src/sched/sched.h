/* The scheduler: runs each monitor at its interval on the engine's loop. A min-heap on the
 * monotonic clock (ties broken by insertion order) and one libuv timer for the earliest entry.
 * Runs are planned at first_due + k * interval, so they never drift; an entry that fell more
 * than an interval behind skips the missed slots instead of firing a burst. */
#ifndef TC_SCHED_H
#define TC_SCHED_H

#include <stddef.h>
#include <stdint.h>

typedef struct tc_sched tc_sched_t;
typedef struct uv_loop_s uv_loop_t;

/** Called for every due entry. @p lag_ms is how late the call is against the plan. */
typedef void (*tc_sched_due_fn)(size_t slot, int64_t lag_ms, void *arg);

tc_sched_t *tc_sched_new(uv_loop_t *loop, tc_sched_due_fn due, void *arg);
/** Plan @p slot every @p interval_ms, first at monotonic time @p first_due_ms. */
void tc_sched_add(tc_sched_t *s, size_t slot, int64_t interval_ms, int64_t first_due_ms);
/** Forget @p slot's entry (a paused monitor); nothing happens when it has none. */
void tc_sched_remove(tc_sched_t *s, size_t slot);
/** Forget every entry (used when the config is reloaded). */
void tc_sched_clear(tc_sched_t *s);
/** Stop and free; the loop must run once more so the timer is released. */
void tc_sched_free(tc_sched_t *s);

/** A stable offset in [0, interval) derived from @p id, to spread first runs. */
int64_t tc_sched_spread(const char *id, int64_t interval_ms);

#endif
