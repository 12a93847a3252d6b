/* bench/store_calls: what one store call costs the engine's loop, per backend (issue 14).
 *
 * The engine calls the store synchronously on its own thread, so a call's wall time is time
 * the loop does nothing else. This times the calls the engine makes while it runs, each N
 * times on a store filled as a running node's would be: a batch of results (1, 10 and 100,
 * as the engine batches them), a component's status change, an incident written with its
 * outbox messages in one transaction, the delivery worker's poll of the outbox (nothing due)
 * and its mark of one message, an API key check, a console session check, and one rollup
 * slice. Prints p50, p99 and mean in microseconds per call.
 *
 * usage: store_calls [-n N] [-m MONITORS] (DIR | --postgres DSN)
 *   DIR: a SQLite store in that folder (created; use an empty one).
 *   --postgres DSN: a PostgreSQL store in that (empty) database. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "store/store.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += t[i];
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("  %-42s p50 %8.1f  p99 %8.1f  mean %8.1f us\n", what, t[n / 2],
           t[(int)(n * 0.99)], sum / n);
}

static void die(const char *what, const char *err)
{
    fprintf(stderr, "store_calls: %s: %s\n", what, err);
    exit(1);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"postgres", required_argument, NULL, 'p'},
                                             {NULL, 0, NULL, 0}};
    int n = 2000, monitors = 1000, ch;
    const char *dsn = NULL;
    while ((ch = getopt_long(argc, argv, "n:m:", longopts, NULL)) != -1) {
        if (ch == 'n')
            n = atoi(optarg) > 0 ? atoi(optarg) : n;
        else if (ch == 'm')
            monitors = atoi(optarg) > 0 ? atoi(optarg) : monitors;
        else if (ch == 'p')
            dsn = optarg;
        else
            return 2;
    }
    const char *dir = optind < argc ? argv[optind] : NULL;
    if (!dir == !dsn) {
        fprintf(stderr, "usage: store_calls [-n N] [-m MONITORS] (DIR | --postgres DSN)\n");
        return 2;
    }
    char err[512];
    tc_store_t *s = NULL;
    if (tc_store_open(dir, dsn, &s, err, sizeof err) != 0)
        die("open", err);
    printf("== store calls on %s, %d monitors, %d calls each ==\n", tc_store_kind(s),
           monitors, n);

    /* A running node's store: the page's rows, every monitor with some results, a key. */
    tc_store_row_t rows[8];
    char ids[8][16];
    for (int i = 0; i < 8; i++) {
        snprintf(ids[i], sizeof ids[i], "comp-%d", i);
        rows[i] = (tc_store_row_t){.id = ids[i], .name = ids[i], .position = i, .showcase = 1};
    }
    if (tc_store_sync_rows(s, rows, 8, 1000, err, sizeof err) != 0)
        die("sync", err);
    char (*names)[24] = calloc((size_t)monitors, sizeof *names);
    tc_store_result_t *batch = calloc((size_t)monitors, sizeof *batch);
    int64_t t = 1700000000000LL;
    for (int round = 0; round < 10; round++) {
        for (int m = 0; m < monitors; m++) {
            snprintf(names[m], sizeof names[m], "monitor-%05d", m);
            batch[m] = (tc_store_result_t){names[m], t, 0, 20.0 + m % 50, "", ""};
        }
        if (tc_store_add_results(s, batch, (size_t)monitors, err, sizeof err) != 0)
            die("results", err);
        t += 60000;
    }
    unsigned char hash[32] = {1, 2, 3};
    tc_store_add_key(s, "k1", "bench", hash, sizeof hash, 1, err, sizeof err);
    unsigned char token[32] = {4, 5, 6};
    tc_user_t u = {(char *)"u1", (char *)"bench", (char *)"admin", (char *)"$argon2id$x", 1, 1};
    tc_store_user_add(s, &u, err, sizeof err);
    tc_store_session_add(s, token, sizeof token, "u1", "csrf", 1, err, sizeof err);

    double *times = calloc((size_t)n, sizeof *times);
    static const int sizes[] = {1, 10, 100};
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < sizes[k]; j++)
                batch[j] = (tc_store_result_t){names[(i * sizes[k] + j) % monitors], t++, i % 3,
                                               12.5, i % 3 ? "timeout" : "", ""};
            double t0 = now_us();
            if (tc_store_add_results(s, batch, (size_t)sizes[k], err, sizeof err) != 0)
                die("results", err);
            times[i] = now_us() - t0;
        }
        char what[64];
        snprintf(what, sizeof what, "add_results, batch of %d", sizes[k]);
        report(what, times, n);
    }
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        if (tc_store_set_status(s, ids[i % 8], (tc_status_t)(i % 5), t++, err, sizeof err) != 0)
            die("status", err);
        times[i] = now_us() - t0;
    }
    report("set_status (status and its log line)", times, n);
    for (int i = 0; i < n; i++) {
        char id[32], ev[2][40];
        snprintf(id, sizeof id, "inc-%d", i % 50);
        snprintf(ev[0], sizeof ev[0], "ev-%d-a", i);
        snprintf(ev[1], sizeof ev[1], "ev-%d-b", i);
        tc_outbox_t msgs[2] = {
            {ev[0], (char *)"hook", (char *)"webhook", NULL, (char *)"{\"x\":1}", t, t, t + 1, 0,
             NULL},
            {ev[1], (char *)"chat", (char *)"slack", NULL, (char *)"{\"x\":2}", t, t, t + 1, 0,
             NULL}};
        double t0 = now_us();
        int rc = tc_store_begin(s, err, sizeof err);
        if (!rc)
            rc = tc_store_put_incident(s, id, (uint64_t)(i % 50) + 1,
                                       "{\"name\":\"a bench incident\",\"updates\":[]}", t, err,
                                       sizeof err);
        if (!rc)
            rc = tc_store_outbox_add(s, msgs, 2, err, sizeof err);
        if (!rc)
            rc = tc_store_commit(s, err, sizeof err);
        else
            tc_store_rollback(s);
        if (rc)
            die("incident", err);
        times[i] = now_us() - t0;
        /* Delivered, so the poll below finds nothing due, as on a quiet node. */
        tc_store_outbox_mark(s, ev[0], "delivered", 1, t, NULL, err, sizeof err);
        tc_store_outbox_mark(s, ev[1], "delivered", 1, t, NULL, err, sizeof err);
        t++;
    }
    report("incident + 2 outbox messages, one transaction", times, n);
    for (int i = 0; i < n; i++) {
        tc_outbox_t *due = NULL;
        size_t ndue = 0;
        double t0 = now_us();
        if (tc_store_outbox_due(s, t, "bench", NULL, 0, 16, &due, &ndue, err, sizeof err) != 0)
            die("due", err);
        times[i] = now_us() - t0;
        tc_store_outbox_free(due, ndue);
    }
    report("outbox_due (nothing due)", times, n);
    for (int i = 0; i < n; i++) {
        char ev[40];
        snprintf(ev, sizeof ev, "ev-%d-a", i);
        double t0 = now_us();
        if (tc_store_outbox_mark(s, ev, "delivered", 1, t, NULL, err, sizeof err) != 0)
            die("mark", err);
        times[i] = now_us() - t0;
    }
    report("outbox_mark", times, n);
    for (int i = 0; i < n; i++) {
        char name[64];
        double t0 = now_us();
        tc_store_key_name(s, hash, sizeof hash, name, sizeof name);
        times[i] = now_us() - t0;
    }
    report("key_name (a write-API request)", times, n);
    for (int i = 0; i < n; i++) {
        tc_session_t sess;
        double t0 = now_us();
        tc_store_session_get(s, token, sizeof token, &sess);
        times[i] = now_us() - t0;
        tc_store_session_clear(&sess);
    }
    report("session_get (a console request)", times, n);
    int slices = n < 200 ? n : 200;
    int64_t cursor = 0;
    for (int i = 0; i < slices; i++) {
        double t0 = now_us();
        int rc = tc_store_rollup(s, t + 7200000, 7 * 86400000LL, 400 * 86400000LL, &cursor, err,
                                 sizeof err);
        if (rc && rc != TC_EAGAIN)
            die("rollup", err);
        times[i] = now_us() - t0;
    }
    report("rollup, one slice (25 monitors)", times, slices);
    free(times);
    free(batch);
    free(names);
    tc_store_close(s);
    return 0;
}
