/* Unit tests for src/sched/sched.c on a real libuv loop: entries fire at their interval
 * without drift, the spread offset is stable and in range, clear forgets every entry, remove
 * forgets one, and the
 * loop closes clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <uv.h>

#include "core/clock.h"
#include "sched/sched.h"

typedef struct counts {
    int calls[4];
    int64_t max_lag;
    tc_sched_t *s;
    uv_loop_t *loop;
} counts_t;

static void on_due(size_t slot, int64_t lag, void *arg)
{
    counts_t *c = arg;
    c->calls[slot]++;
    if (lag > c->max_lag)
        c->max_lag = lag;
}

static void on_stop(uv_timer_t *t)
{
    counts_t *c = t->data;
    uv_stop(c->loop);
}

static void run_for(uv_loop_t *loop, counts_t *c, uint64_t ms)
{
    uv_timer_t stop;
    uv_timer_init(loop, &stop);
    stop.data = c;
    uv_timer_start(&stop, on_stop, ms, 0);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&stop, NULL);
    /* The scheduler's timer keeps the loop alive, so only let the close callback run. */
    uv_run(loop, UV_RUN_NOWAIT);
}

static void test_intervals(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    counts_t c = {{0}, 0, NULL, &loop};
    c.s = tc_sched_new(&loop, on_due, &c);
    int64_t now = tc_clock_mono_ms();
    /* Plans stay 25 ms or more away from the stop at 500 ms, so a loaded machine's timer
     * jitter cannot change the counts. */
    tc_sched_add(c.s, 0, 50, now + 25);  /* at 25, 75, ..., 475: 10 runs */
    tc_sched_add(c.s, 1, 100, now + 50); /* at 50, 150, ..., 450: 5 runs */
    tc_sched_add(c.s, 2, 10000, now + 5000); /* never within the test */
    run_for(&loop, &c, 500);
    /* On a loaded machine a run can be late by more than its interval; the scheduler then
     * skips that slot instead of bursting, so allow one or two fewer runs, never more. */
    assert_in_range(c.calls[0], 8, 10);
    assert_in_range(c.calls[1], 4, 5);
    assert_int_equal(c.calls[2], 0);
    tc_sched_clear(c.s);
    int before = c.calls[0];
    run_for(&loop, &c, 120);
    assert_int_equal(c.calls[0], before);
    tc_sched_free(c.s);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* A removed entry (a paused monitor) stops firing while the others keep their plan; removing
 * what is not planned changes nothing; adding it back makes it fire again. */
static void test_remove(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    counts_t c = {{0}, 0, NULL, &loop};
    c.s = tc_sched_new(&loop, on_due, &c);
    int64_t now = tc_clock_mono_ms();
    tc_sched_add(c.s, 0, 40, now + 20);
    tc_sched_add(c.s, 1, 40, now + 20);
    tc_sched_add(c.s, 2, 40, now + 20);
    tc_sched_remove(c.s, 1);
    tc_sched_remove(c.s, 3); /* never planned */
    run_for(&loop, &c, 200);
    assert_int_equal(c.calls[1], 0);
    assert_true(c.calls[0] >= 3 && c.calls[2] >= 3);
    tc_sched_remove(c.s, 0);
    tc_sched_remove(c.s, 2);
    tc_sched_add(c.s, 1, 40, tc_clock_mono_ms() + 10);
    int zero = c.calls[0], two = c.calls[2];
    run_for(&loop, &c, 150);
    assert_int_equal(c.calls[0], zero);
    assert_int_equal(c.calls[2], two);
    assert_true(c.calls[1] >= 2);
    tc_sched_free(c.s);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_spread(void **state)
{
    (void)state;
    int64_t a = tc_sched_spread("api", 60000);
    assert_true(a >= 0 && a < 60000);
    assert_true(a == tc_sched_spread("api", 60000));
    /* Different ids land on different offsets (FNV spreads these). */
    int distinct = 0;
    const char *ids[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (int i = 1; i < 8; i++)
        distinct += tc_sched_spread(ids[i], 60000) != tc_sched_spread(ids[0], 60000);
    assert_int_equal(distinct, 7);
    assert_int_equal(tc_sched_spread("x", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intervals),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
