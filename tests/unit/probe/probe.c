/* Unit tests for src/probe/probe.c's run lifecycle, with a fake kind on a real libuv loop:
 * the run finishes once, from the loop, only after the outcome is decided and everything it
 * held is released; cancel works at any point; a failed start frees the state and never
 * calls back. Each case runs its own loop and checks that it closes clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/err.h"
#include "probe/probe_int.h"

typedef enum {
    FAKE_TIMER,     /* one timer; when it fires the kind concludes with fake_error */
    FAKE_REQUEST,   /* plus a held request released by a second, later timer */
    FAKE_TRANSFER,  /* no handle: a hold that stop releases at once, as a curl transfer */
    FAKE_FAIL,      /* start fails after setting its state */
} fake_mode_t;

typedef struct fake_run {
    uv_timer_t timer;
    uv_timer_t later;   /* FAKE_REQUEST: releases the held request */
    bool request_held;
    bool transfer_held;
} fake_run_t;

static fake_mode_t mode;
static const char *fake_error; /* what the kind concludes with */
static int stops, frees, dones;
static bool last_canceled;
static tc_verdict_t last_verdict;
static char last_error[256];
static char last_reason[512];

static void on_timer(uv_timer_t *t)
{
    tc_probe_run_t *run = t->data;
    tc_probe__conclude(run, fake_error);
    tc_probe__conclude(run, "a second decision is ignored");
}

static void on_later(uv_timer_t *t)
{
    tc_probe_run_t *run = t->data;
    fake_run_t *f = run->state;
    assert_int_equal(dones, 0); /* the request is still held */
    f->request_held = false;
    tc_probe__close((uv_handle_t *)&f->later, false);
    tc_probe__release(run);
}

static int fake_start(tc_probe_run_t *run)
{
    fake_run_t *f = calloc(1, sizeof *f);
    run->state = f;
    switch (mode) {
    case FAKE_FAIL:
        return TC_EIO;
    case FAKE_TRANSFER:
        f->transfer_held = true;
        tc_probe__hold(run);
        return 0;
    case FAKE_REQUEST:
        uv_timer_init(run->env->loop, &f->later);
        tc_probe__own(run, (uv_handle_t *)&f->later);
        uv_timer_start(&f->later, on_later, 20, 0);
        f->request_held = true;
        tc_probe__hold(run);
        /* fall through */
    case FAKE_TIMER:
        uv_timer_init(run->env->loop, &f->timer);
        tc_probe__own(run, (uv_handle_t *)&f->timer);
        uv_timer_start(&f->timer, on_timer, 1, 0);
        return 0;
    }
    return TC_EINVAL;
}

static void fake_stop(tc_probe_run_t *run)
{
    fake_run_t *f = run->state;
    stops++;
    if (mode == FAKE_TRANSFER) {
        if (f->transfer_held) {
            f->transfer_held = false;
            tc_probe__release(run);
        }
        return;
    }
    uv_timer_stop(&f->timer);
    tc_probe__close((uv_handle_t *)&f->timer, false);
    /* A held request is not stopped: it ends in its own time, as a uv_getaddrinfo does. */
}

static void fake_free(void *state)
{
    frees++;
    free(state);
}

static const char *const no_keys[] = {NULL};

static const tc_probe_type_t fake_type = {
    .name = "fake",
    .keys = no_keys,
    .placeholders = no_keys,
    .start = fake_start,
    .stop = fake_stop,
    .free_state = fake_free,
};

static void on_done(const tc_monitor_cfg_t *m, tc_result_t *r, void *arg)
{
    (void)m;
    (void)arg;
    dones++;
    last_canceled = r->canceled;
    last_verdict = r->verdict;
    snprintf(last_error, sizeof last_error, "%s", r->error);
    snprintf(last_reason, sizeof last_reason, "%s", r->reason);
}

static uv_loop_t loop;
static tc_probe_env_t env;
static tc_monitor_cfg_t monitor;

static int setup(void **state)
{
    (void)state;
    stops = frees = dones = 0;
    last_canceled = false;
    last_error[0] = last_reason[0] = '\0';
    fake_error = NULL;
    assert_int_equal(uv_loop_init(&loop), 0);
    env = (tc_probe_env_t){.loop = &loop};
    monitor = (tc_monitor_cfg_t){.id = "m", .name = "m", .type = &fake_type,
                                 .timeout_ms = 1000};
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(uv_loop_close(&loop), 0); /* every handle of the run was closed */
    return 0;
}

static tc_probe_run_t *start(void)
{
    tc_probe_run_t *run = NULL;
    assert_int_equal(tc_probe_start(&monitor, &env, on_done, NULL, &run), 0);
    assert_non_null(run);
    assert_int_equal(dones, 0); /* never from inside start */
    return run;
}

static void finishes_once(void **state)
{
    (void)state;
    mode = FAKE_TIMER;
    start();
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(dones, 1);
    assert_int_equal(stops, 1);
    assert_int_equal(frees, 1);
    assert_false(last_canceled);
    assert_int_equal(last_verdict, TC_VERDICT_UP);
    assert_string_equal(last_error, "");
}

static void first_error_wins(void **state)
{
    (void)state;
    mode = FAKE_TIMER;
    fake_error = "connection refused";
    start();
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(dones, 1);
    assert_int_equal(last_verdict, TC_VERDICT_DOWN);
    assert_string_equal(last_error, "connection refused");
    assert_string_equal(last_reason, "connection refused");
}

static void held_request_delays_finish(void **state)
{
    (void)state;
    mode = FAKE_REQUEST;
    fake_error = "timed out";
    start();
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(dones, 1);
    assert_int_equal(stops, 1);
    assert_int_equal(frees, 1);
    assert_string_equal(last_error, "timed out");
}

static void cancel_before_anything(void **state)
{
    (void)state;
    mode = FAKE_REQUEST;
    tc_probe_run_t *run = start();
    tc_probe_cancel(run);
    assert_int_equal(stops, 1);
    assert_int_equal(dones, 0); /* handles are still closing */
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(dones, 1);
    assert_int_equal(frees, 1);
    assert_true(last_canceled);
    assert_string_equal(last_error, "canceled");
}

static void cancel_releasing_at_once(void **state)
{
    (void)state;
    mode = FAKE_TRANSFER;
    tc_probe_run_t *run = start();
    tc_probe_cancel(run); /* stop releases the only hold: the run ends inside the cancel */
    assert_int_equal(dones, 1);
    assert_int_equal(stops, 1);
    assert_int_equal(frees, 1);
    assert_true(last_canceled);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(dones, 1);
}

/* A transfer that ends by itself: its callback gives the hold back, then decides. Nothing is
 * held in between, and the run must still wait for the decision. */
static void released_before_concluding(void **state)
{
    (void)state;
    mode = FAKE_TRANSFER;
    tc_probe_run_t *run = start();
    fake_run_t *f = run->state;
    f->transfer_held = false;
    tc_probe__release(run);
    assert_int_equal(dones, 0);
    tc_probe__conclude(run, "HTTP 503");
    assert_int_equal(dones, 1);
    assert_int_equal(frees, 1);
    assert_string_equal(last_error, "HTTP 503");
}

static void failed_start(void **state)
{
    (void)state;
    mode = FAKE_FAIL;
    tc_probe_run_t *run = (tc_probe_run_t *)&loop; /* must stay untouched */
    assert_int_equal(tc_probe_start(&monitor, &env, on_done, NULL, &run), TC_EIO);
    assert_ptr_equal(run, (tc_probe_run_t *)&loop);
    assert_int_equal(frees, 1);
    assert_int_equal(stops, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(dones, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(finishes_once, setup, teardown),
        cmocka_unit_test_setup_teardown(first_error_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(held_request_delays_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_before_anything, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_releasing_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(released_before_concluding, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_start, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
