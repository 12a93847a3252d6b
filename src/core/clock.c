/* Clocks, time zones and local-time formatting. The C library converts to local time only
 * through TZ, process-wide state that every thread reads; so a zone is loaded once (the only
 * place TZ is set) into a table of UTC-offset spans, and every later conversion is a binary
 * search in that table plus gmtime_r(), which no thread can disturb. */
#define _GNU_SOURCE
#include "core/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "core/err.h"

/* The table covers 1800-01-01 to 2200-01-01 (UTC). Every zone's first transition away from
 * local mean time is after 1800, and a status page shows no times past 2200. */
#define SCAN_FROM INT64_C(-5364662400)
#define SCAN_UNTIL INT64_C(7258118400)
/* The scan samples every 12 hours and bisects each change to the second. Two changes inside
 * one step that cancel out would be missed: the closest pair in tzdata 2025b is four days
 * apart (Africa/Freetown, 1939), so 12 hours leaves a margin of eight. From 2040 on, past
 * every file's explicit transitions, glibc computes times from the POSIX rule in the file's
 * footer (two changes a year, months apart) at ten times the cost per call; a weekly sample
 * finds those changes and keeps a load near 35 ms instead of 110. */
#define SCAN_STEP INT64_C(43200)
#define SCAN_RULES_FROM INT64_C(2208988800) /* 2040-01-01 */
#define SCAN_RULES_STEP INT64_C(604800)

/* One span of constant offset, from its first second up to the next span's. */
typedef struct span {
    int64_t from;    /* UTC seconds; INT64_MIN for the first span */
    long off;        /* seconds east of UTC (tm_gmtoff) */
    int isdst;       /* tm_isdst */
    char abbr[16];   /* tm_zone, e.g. "PST", "+0530", "LMT" */
} span_t;

struct tc_zone {
    char *name;      /* owned */
    span_t *spans;   /* owned; sorted by from, spans[0].from == INT64_MIN */
    size_t nspans;
};

int64_t tc_clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tc_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tc_clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int tc_clock_zone_exists(const char *name)
{
    /* Reject anything that could walk out of the zoneinfo tree or name a POSIX TZ rule. */
    if (!name[0] || name[0] == '/' || strstr(name, "..") || strchr(name, ',') ||
        strlen(name) > 64)
        return 0;
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

/* ---- loading -------------------------------------------------------------------------- */

static void sample(int64_t secs, span_t *s)
{
    time_t t = (time_t)secs;
    struct tm tm;
    localtime_r(&t, &tm);
    s->off = tm.tm_gmtoff;
    s->isdst = tm.tm_isdst;
    snprintf(s->abbr, sizeof s->abbr, "%s", tm.tm_zone ? tm.tm_zone : "");
}

static int same(const span_t *a, const span_t *b)
{
    return a->off == b->off && a->isdst == b->isdst && strcmp(a->abbr, b->abbr) == 0;
}

static void push(tc_zone_t *z, size_t *cap, const span_t *s)
{
    if (z->nspans == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        z->spans = tc_realloc(z->spans, *cap * sizeof *z->spans);
    }
    z->spans[z->nspans++] = *s;
}

/* Sampling glibc rather than parsing the TZif file (RFC 8536) keeps every conversion exactly
 * as it was when the page formatted through TZ, including times after the file's last
 * explicit transition, which follow the POSIX rule in its footer: a second parser of those
 * rules would be a second source of truth. The cost is the scan, once per generation. */
static void scan(tc_zone_t *z)
{
    size_t cap = 0;
    span_t cur, next;
    sample(SCAN_FROM, &cur);
    cur.from = INT64_MIN;
    push(z, &cap, &cur);
    int64_t step = SCAN_STEP;
    for (int64_t t = SCAN_FROM + step; t < SCAN_UNTIL; t += step) {
        sample(t, &next);
        if (same(&cur, &next)) {
            if (t >= SCAN_RULES_FROM)
                step = SCAN_RULES_STEP;
            continue;
        }
        /* The change lies in (t - step, t]: find its first second. */
        int64_t lo = t - step, hi = t;
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            span_t m;
            sample(mid, &m);
            if (same(&cur, &m))
                lo = mid;
            else
                hi = mid;
        }
        sample(hi, &next);
        next.from = hi;
        push(z, &cap, &next);
        cur = next;
        /* Go on from the change: another one may follow within the same step. */
        t = hi;
    }
}

int tc_zone_load(const char *name, tc_zone_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!name || !tc_clock_zone_exists(name)) {
        snprintf(err, errlen, "unknown time zone \"%s\"", name ? name : "");
        return TC_EINVAL;
    }
    setenv("TZ", name, 1);
    tzset();

    tc_zone_t *z = tc_calloc(1, sizeof *z);
    z->name = tc_strdup(name);
    scan(z);

    /* Leave TZ set to UTC rather than unset: a stray localtime() then shows plainly wrong
     * times instead of the machine's zone, and since TZ stays in the environment, later
     * loads replace its value in place instead of growing environ, which other threads
     * (curl's resolver calling getaddrinfo) may be reading. */
    setenv("TZ", "UTC", 1);
    tzset();
    *out = z;
    return 0;
}

void tc_zone_free(tc_zone_t *z)
{
    if (!z)
        return;
    free(z->spans);
    free(z->name);
    free(z);
}

const char *tc_zone_name(const tc_zone_t *z)
{
    return z ? z->name : "UTC";
}

/* ---- lookups (pure) --------------------------------------------------------------------- */

static const span_t utc_span = {INT64_MIN, 0, 0, "UTC"};

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The index of the span holding UTC second @p secs. */
static size_t find(const tc_zone_t *z, int64_t secs)
{
    size_t lo = 0, hi = z->nspans; /* spans[lo].from <= secs < spans[hi].from */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->spans[mid].from <= secs)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static const span_t *span_at(const tc_zone_t *z, int64_t secs)
{
    return z ? &z->spans[find(z, secs)] : &utc_span;
}

long tc_zone_offset(const tc_zone_t *z, int64_t ms)
{
    return span_at(z, floor_div(ms, 1000))->off;
}

/* Broken-down local time of @p secs in the span @p s, as localtime_r() would give it. */
static void to_tm(int64_t secs, const span_t *s, struct tm *tm)
{
    time_t local = (time_t)(secs + s->off);
    gmtime_r(&local, tm);
    tm->tm_isdst = s->isdst;
    tm->tm_gmtoff = s->off;
    tm->tm_zone = s->abbr; /* strftime's %Z reads it; it outlives the call */
}

void tc_clock_format_iso(const tc_zone_t *z, int64_t ms, char *out, size_t outlen)
{
    int64_t secs = floor_div(ms, 1000);
    const span_t *s = span_at(z, secs);
    int millis = (int)(ms - secs * 1000);
    /* RFC 3339 offsets have no seconds, but local mean time before a zone's first standard
     * offset does (Europe/Amsterdam was +00:19:32 until 1937). Dropping the seconds moved the
     * instant on every save and load; such times are written in UTC instead, which names the
     * same instant exactly. */
    if (s->off % 60 != 0)
        s = &utc_span;
    struct tm tm;
    to_tm(secs, s, &tm);
    long off = s->off;
    char zone[24];
    if (off == 0) {
        snprintf(zone, sizeof zone, "Z");
    } else {
        char sign = off < 0 ? '-' : '+';
        long a = off < 0 ? -off : off;
        snprintf(zone, sizeof zone, "%c%02ld:%02ld", sign, a / 3600, (a % 3600) / 60);
    }
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis, zone);
}

void tc_clock_format_local(const tc_zone_t *z, int64_t ms, const char *fmt, char *out,
                           size_t outlen)
{
    int64_t secs = floor_div(ms, 1000);
    struct tm tm;
    to_tm(secs, span_at(z, secs), &tm);
    if (strftime(out, outlen, fmt, &tm) == 0 && outlen)
        out[0] = '\0';
}

/* The first instant (UTC seconds) whose local time in @p z is @p local (local seconds counted
 * like UTC seconds); for a local time that a change of offset skips, the change itself. */
static int64_t local_to_secs(const tc_zone_t *z, int64_t local)
{
    if (!z)
        return local;
    /* The instants whose local time is `local`: one per span that holds local - off. Offsets
     * change by hours at most, so the spans to try are next to the one holding `local`. */
    size_t k = find(z, local);
    size_t first = k >= 2 ? k - 2 : 0, last = k + 2 < z->nspans ? k + 2 : z->nspans - 1;
    for (size_t i = first; i <= last; i++) {
        int64_t t = local - z->spans[i].off;
        int64_t end = i + 1 < z->nspans ? z->spans[i + 1].from : INT64_MAX;
        if (t >= z->spans[i].from && t < end)
            return t; /* the earliest, when the time happens twice */
    }
    /* Skipped: the first instant after the gap. */
    for (size_t i = first + 1; i <= last; i++) {
        int64_t tr = z->spans[i].from;
        if (tr + z->spans[i - 1].off <= local && local < tr + z->spans[i].off)
            return tr;
    }
    return local - span_at(z, local)->off; /* not reached for a consistent table */
}

int64_t tc_clock_local_midnight(const tc_zone_t *z, int64_t ms, int days_back)
{
    int64_t secs = floor_div(ms, 1000);
    const span_t *s = span_at(z, secs);
    /* Local seconds of the wanted midnight, counted like UTC seconds. */
    int64_t local = (floor_div(secs + s->off, 86400) - days_back) * 86400;
    return local_to_secs(z, local) * 1000;
}

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int tc_clock_date_exists(int year, int month, int day)
{
    static const int days_in[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1)
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days_in[month - 1] + (month == 2 && leap);
}

int64_t tc_clock_from_local(const tc_zone_t *z, int year, int month, int day, int hour,
                            int minute)
{
    int64_t local = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60;
    return local_to_secs(z, local) * 1000;
}

int tc_clock_local_weekday(const tc_zone_t *z, int64_t ms)
{
    int64_t secs = floor_div(ms, 1000);
    int64_t days = floor_div(secs + span_at(z, secs)->off, 86400);
    return (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
}

int64_t tc_clock_local_month_start(const tc_zone_t *z, int64_t ms, int months_back)
{
    int64_t secs = floor_div(ms, 1000);
    struct tm tm;
    to_tm(secs, span_at(z, secs), &tm);
    int64_t months = (int64_t)(tm.tm_year + 1900) * 12 + tm.tm_mon - months_back;
    int64_t year = floor_div(months, 12);
    return tc_clock_from_local(z, (int)year, (int)(months - year * 12) + 1, 1, 0, 0);
}
