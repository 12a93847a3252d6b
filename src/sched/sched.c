/* Min-heap scheduler; see sched.h. */
#include "sched/sched.h"

#include <stdlib.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/clock.h"

typedef struct entry {
    int64_t due;      /* monotonic ms */
    int64_t interval; /* ms */
    uint64_t seq;     /* tiebreak: equal due times fire in insertion order */
    size_t slot;
} entry_t;

struct tc_sched {
    uv_timer_t timer;
    entry_t *heap;    /* owned */
    size_t n, cap;
    uint64_t seq;
    tc_sched_due_fn due;
    void *arg;
};

static int less(const entry_t *a, const entry_t *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void swap(entry_t *a, entry_t *b)
{
    entry_t t = *a;
    *a = *b;
    *b = t;
}

static void sift_up(tc_sched_t *s, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!less(&s->heap[i], &s->heap[parent]))
            break;
        swap(&s->heap[i], &s->heap[parent]);
        i = parent;
    }
}

static void sift_down(tc_sched_t *s, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->n && less(&s->heap[l], &s->heap[m]))
            m = l;
        if (r < s->n && less(&s->heap[r], &s->heap[m]))
            m = r;
        if (m == i)
            break;
        swap(&s->heap[i], &s->heap[m]);
        i = m;
    }
}

static void on_timer(uv_timer_t *t);

static void arm(tc_sched_t *s)
{
    if (!s->n) {
        uv_timer_stop(&s->timer);
        return;
    }
    int64_t wait = s->heap[0].due - tc_clock_mono_ms();
    uv_timer_start(&s->timer, on_timer, wait > 0 ? (uint64_t)wait : 0, 0);
}

static void on_timer(uv_timer_t *t)
{
    tc_sched_t *s = t->data;
    int64_t now = tc_clock_mono_ms();
    /* Fire at most one pass of due entries, so a callback that adds work cannot starve
     * the loop. */
    size_t budget = s->n;
    while (s->n && budget-- && s->heap[0].due <= now) {
        entry_t e = s->heap[0];
        int64_t lag = now - e.due;
        e.due += e.interval;
        if (e.due <= now) /* fell behind by more than an interval: skip to the next slot */
            e.due += ((now - e.due) / e.interval + 1) * e.interval;
        e.seq = s->seq++;
        s->heap[0] = e;
        sift_down(s, 0);
        s->due(e.slot, lag, s->arg);
    }
    arm(s);
}

tc_sched_t *tc_sched_new(uv_loop_t *loop, tc_sched_due_fn due, void *arg)
{
    tc_sched_t *s = tc_calloc(1, sizeof *s);
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    s->due = due;
    s->arg = arg;
    return s;
}

void tc_sched_add(tc_sched_t *s, size_t slot, int64_t interval_ms, int64_t first_due_ms)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->heap = tc_realloc(s->heap, s->cap * sizeof *s->heap);
    }
    entry_t e = {first_due_ms, interval_ms > 0 ? interval_ms : 1, s->seq++, slot};
    s->heap[s->n] = e;
    sift_up(s, s->n++);
    arm(s);
}

void tc_sched_remove(tc_sched_t *s, size_t slot)
{
    /* A linear search: pausing is a person's click, not a hot path. */
    for (size_t i = 0; i < s->n; i++) {
        if (s->heap[i].slot != slot)
            continue;
        s->heap[i] = s->heap[--s->n];
        if (i < s->n) {
            sift_up(s, i);
            sift_down(s, i);
        }
        arm(s);
        return;
    }
}

void tc_sched_clear(tc_sched_t *s)
{
    s->n = 0;
    uv_timer_stop(&s->timer);
}

static void free_sched(uv_handle_t *h)
{
    tc_sched_t *s = h->data;
    free(s->heap);
    free(s);
}

void tc_sched_free(tc_sched_t *s)
{
    if (!s)
        return;
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, free_sched);
}

int64_t tc_sched_spread(const char *id, int64_t interval_ms)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = id; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    return interval_ms > 0 ? (int64_t)(h % (uint64_t)interval_ms) : 0;
}
