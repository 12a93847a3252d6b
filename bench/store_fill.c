/* bench/store_fill: how big does the database get? (issue 7 part 4)
 *
 * Writes D simulated days of results for M monitors at one run a minute straight through the
 * store API (tc_store_add_results in batches, as the engine does, but as fast as SQLite goes),
 * with tc_store_rollup(now = simulated time, raw 7 days, aggregates 400 days) after every
 * simulated hour, then prints the database size, the rows per table and the write rate.
 *
 * usage: store_fill [-d DAYS] [-m MONITORS] [-r RUNS_PER_DAY] [-b BATCH_MINUTES] [-s SEED]
 *                   [-V] [-k] [DIR]
 *   defaults: 90 days, 1000 monitors, 1440 runs a day, batches of 10 simulated minutes;
 *   DIR defaults to a new /tmp/tocsin-store.XXXXXX, removed at the end unless -k.
 *   -V also VACUUMs a copy at the end and prints its size (what the file would be without
 *   the free pages left by pruning).
 *
 * Data: each monitor has a base latency (5-250 ms, log-uniform); each run is the base times
 * log-normal noise (sigma 0.25) with a 2% chance of a 3-8x spike; 1% of runs fail (verdict
 * down) with one of a few realistic reasons, 0.5% are degraded. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "store/store.h"

#define MINUTE 60000LL
#define HOUR 3600000LL
#define DAY 86400000LL

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static double uniform(void)
{
    return (double)(rng() >> 11) / 9007199254740992.0;
}

static double gaussian(void)
{
    double u = uniform(), v = uniform();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long file_size(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4400];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *const reasons[] = {
    "[STATUS] (503) == 200",
    "[STATUS] (502) == 200",
    "Timeout was reached",
    "Couldn't connect to server",
    "[STATUS] (500) == 200",
};
#define NREASONS (sizeof reasons / sizeof reasons[0])

int main(int argc, char **argv)
{
    int days = 90, monitors = 1000, per_day = 1440, batch_min = 10, keep = 0, vacuum = 0;
    int opt;
    while ((opt = getopt(argc, argv, "d:m:r:b:s:kVh")) != -1) {
        switch (opt) {
        case 'd': days = atoi(optarg); break;
        case 'm': monitors = atoi(optarg); break;
        case 'r': per_day = atoi(optarg); break;
        case 'b': batch_min = atoi(optarg); break;
        case 's': rng_state = strtoull(optarg, NULL, 0) | 1; break;
        case 'k': keep = 1; break;
        case 'V': vacuum = 1; break;
        default:
            fprintf(stderr, "usage: %s [-d DAYS] [-m MONITORS] [-r RUNS_PER_DAY] "
                            "[-b BATCH_MINUTES] [-s SEED] [-V] [-k] [DIR]\n", argv[0]);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (days < 1 || monitors < 1 || per_day < 1 || per_day > 86400 || batch_min < 1) {
        fprintf(stderr, "store_fill: bad arguments\n");
        return 2;
    }
    char dir[4096];
    if (optind < argc) {
        snprintf(dir, sizeof dir, "%s", argv[optind]);
    } else {
        snprintf(dir, sizeof dir, "/tmp/tocsin-store.XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
    }

    tc_store_t *s = NULL;
    char err[512];
    if (tc_store_open(dir, NULL, &s, err, sizeof err) != 0) {
        fprintf(stderr, "store_fill: %s\n", err);
        return 1;
    }

    /* Monitors: ids, base latency, phase within the run period. */
    int64_t period = DAY / per_day;
    char (*ids)[32] = calloc((size_t)monitors, sizeof *ids);
    double *base = calloc((size_t)monitors, sizeof *base);
    int64_t *phase = calloc((size_t)monitors, sizeof *phase);
    for (int i = 0; i < monitors; i++) {
        snprintf(ids[i], sizeof ids[i], "check-%05d", i + 1);
        base[i] = exp(log(5.0) + uniform() * (log(250.0) - log(5.0)));
        phase[i] = (int64_t)(uniform() * (double)period);
    }
    size_t runs_per_batch = (size_t)((batch_min * MINUTE + period - 1) / period);
    size_t cap = runs_per_batch * (size_t)monitors;
    tc_store_result_t *batch = calloc(cap, sizeof *batch);

    int64_t wall = (int64_t)time(NULL) * 1000;
    int64_t start = wall / DAY * DAY - (int64_t)days * DAY;
    int64_t end = start + (int64_t)days * DAY;
    int64_t batch_ms = batch_min * MINUTE;
    int64_t next_hour = start + HOUR;
    long long results = 0, failures = 0, batches = 0, rollups = 0;
    double t_add = 0, t_rollup = 0, t0 = now_s();
    double day_rollup = 0, day_rollup_max = 0; /* rollup time within the current sim day */
    long long day_rollups = 0;
    printf("store_fill: %d days x %d monitors x %d runs/day = %lld results into %s\n", days,
           monitors, per_day, (long long)days * monitors * per_day, dir);
    printf("store_fill: batches of %d simulated minutes (%zu results), rollup every simulated "
           "hour (raw 7 days, aggregates 400 days)\n", batch_min, cap);
    fflush(stdout);

    int64_t run_at = start; /* start of the current run period */
    for (int64_t b0 = start; b0 < end; b0 += batch_ms) {
        int64_t b1 = b0 + batch_ms < end ? b0 + batch_ms : end;
        size_t n = 0;
        for (; run_at < b1; run_at += period) {
            for (int i = 0; i < monitors; i++) {
                tc_store_result_t *r = &batch[n++];
                r->monitor_id = ids[i];
                r->at = run_at + phase[i] + (int64_t)(uniform() * 5);
                double u = uniform();
                double lat = base[i] * exp(0.25 * gaussian());
                if (uniform() < 0.02)
                    lat *= 3.0 + 5.0 * uniform();
                if (u < 0.01) {
                    r->verdict = 2;
                    const char *why = reasons[rng() % NREASONS];
                    r->reason = why;
                    if (why[0] == 'T')
                        lat = 10000.0 + uniform() * 3;
                    else if (why[0] == 'C')
                        lat = 0.1 + uniform() * 0.5;
                    failures++;
                } else if (u < 0.015) {
                    r->verdict = 1;
                    r->reason = "[RESPONSE_TIME] (912) < 800";
                    lat = 800 + uniform() * 400;
                } else {
                    r->verdict = 0;
                    r->reason = "";
                }
                r->latency_ms = floor(lat * 1000.0) / 1000.0;
            }
        }
        double a = now_s();
        if (tc_store_add_results(s, batch, n, err, sizeof err) != 0) {
            fprintf(stderr, "store_fill: add_results: %s\n", err);
            return 1;
        }
        t_add += now_s() - a;
        results += (long long)n;
        batches++;
        while (next_hour <= b1) {
            a = now_s();
            /* A whole pass, slice after slice, as the engine runs it across loop turns. */
            int64_t cursor = 0;
            int rc;
            while ((rc = tc_store_rollup(s, next_hour, 7 * DAY, 400 * DAY, &cursor, err,
                                         sizeof err)) == TC_EAGAIN)
                ;
            if (rc != 0) {
                fprintf(stderr, "store_fill: rollup: %s\n", err);
                return 1;
            }
            double took = now_s() - a;
            t_rollup += took;
            day_rollup += took;
            if (took > day_rollup_max)
                day_rollup_max = took;
            day_rollups++;
            rollups++;
            next_hour += HOUR;
        }
        double t = now_s();
        if ((b1 - start) % DAY == 0) {
            printf("  day %3lld: %11lld results, %7.1f s, %7.0f results/s overall, db %6.1f MB "
                   "+ wal %4.1f MB; rollups this day avg %.0f ms, max %.0f ms\n",
                   (long long)((b1 - start) / DAY), results, t - t0, results / (t - t0),
                   file_size(dir, "tocsin.db") / 1048576.0,
                   file_size(dir, "tocsin.db-wal") / 1048576.0,
                   day_rollups ? day_rollup * 1000 / day_rollups : 0, day_rollup_max * 1000);
            fflush(stdout);
            day_rollup = day_rollup_max = 0;
            day_rollups = 0;
        }
    }
    double total = now_s() - t0;
    tc_store_close(s);

    long long db = file_size(dir, "tocsin.db"), wal = file_size(dir, "tocsin.db-wal"),
              shm = file_size(dir, "tocsin.db-shm");
    printf("\nstore_fill: done in %.1f s\n", total);
    printf("write rate: %.0f results/s in tc_store_add_results (%lld batches, %.1f s), "
           "%.0f results/s overall including %lld rollups (%.1f s, %.1f ms each)\n",
           results / t_add, batches, t_add, results / total, rollups, t_rollup,
           rollups ? t_rollup * 1000 / rollups : 0);
    printf("results written: %lld (%lld failures, %.2f%%)\n", results, failures,
           results ? 100.0 * failures / results : 0);
    printf("database after %d days x %d monitors: tocsin.db %lld B (%.1f MB) + wal %lld B + shm "
           "%lld B = %.1f MB\n", days, monitors, db, db / 1048576.0, wal, shm,
           (db + wal + shm) / 1048576.0);

    char path[4200];
    snprintf(path, sizeof path, "%s/tocsin.db", dir);
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        long long psz = query_int(h, "PRAGMA page_size");
        long long pages = query_int(h, "PRAGMA page_count");
        long long freel = query_int(h, "PRAGMA freelist_count");
        printf("pages: %lld x %lld B, %lld free (%.1f MB reusable, left by pruning)\n", pages,
               psz, freel, freel * psz / 1048576.0);
        static const char *const tables[] = {"result", "result_hourly", "result_daily",
                                             "monitor", "component_status_log", "meta"};
        printf("%-22s %12s %12s %10s\n", "table", "rows", "bytes", "B/row");
        for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
            char sql[256];
            snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", tables[i]);
            long long rows = query_int(h, sql);
            snprintf(sql, sizeof sql,
                     "SELECT SUM(pgsize) FROM dbstat WHERE name = '%s' OR name LIKE "
                     "'sqlite_autoindex_%s_%%'", tables[i], tables[i]);
            long long bytes = query_int(h, sql);
            printf("%-22s %12lld %12lld %10.1f\n", tables[i], rows, bytes,
                   rows > 0 && bytes > 0 ? (double)bytes / rows : 0);
        }
        if (vacuum) {
            char copy[4300];
            snprintf(copy, sizeof copy, "%s/vacuumed.db", dir);
            char sql[4400];
            snprintf(sql, sizeof sql, "VACUUM INTO '%s'", copy);
            double a = now_s();
            if (sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK)
                printf("VACUUM INTO a copy: %.1f MB (%.1f s)\n",
                       file_size(dir, "vacuumed.db") / 1048576.0, now_s() - a);
            unlink(copy);
        }
        sqlite3_close(h);
    }
    if (keep)
        printf("kept %s\n", dir);
    else
        rm_rf(dir);
    free(batch);
    free(phase);
    free(base);
    free(ids);
    return 0;
}
