/* Unit tests for src/core/clock.c's time zones: a tc_zone_t must convert exactly as glibc's
 * localtime_r() does under TZ (the way the page formatted times before zones were objects),
 * across DST changes, half-hour zones, Lord Howe's 30-minute DST and Amsterdam's local mean
 * time; and two zones must work side by side, which setenv("TZ") never allowed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"

static const char *const zones[] = {"America/Los_Angeles", "Europe/Amsterdam", "Asia/Kolkata",
                                    "Australia/Lord_Howe", "UTC"};
#define NZONES (sizeof zones / sizeof zones[0])

static tc_zone_t *load(const char *name)
{
    tc_zone_t *z = NULL;
    char err[128] = "";
    if (tc_zone_load(name, &z, err, sizeof err) != 0) {
        print_message("%s: %s\n", name, err);
        fail();
    }
    return z;
}

static void use_tz(const char *name)
{
    setenv("TZ", name, 1);
    tzset();
}

/* What glibc says for @p ms under TZ (set by the caller): the reference. */
static void glibc_local(int64_t ms, const char *fmt, char *out, size_t outlen)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, outlen, fmt, &tm);
}

static int64_t glibc_midnight(int64_t ms, int days_back)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_mday -= days_back;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

#define FMT "%Y-%m-%d %H:%M:%S %Z %z %a %b %e %I%p"

/* Compare one instant; the zone object and glibc must agree on every field shown. */
static int agrees(const tc_zone_t *z, int64_t ms)
{
    char ours[96], theirs[96];
    tc_clock_format_local(z, ms, FMT, ours, sizeof ours);
    glibc_local(ms, FMT, theirs, sizeof theirs);
    if (strcmp(ours, theirs) != 0) {
        print_message("%s at %lld: zone says \"%s\", glibc \"%s\"\n", tc_zone_name(z),
                      (long long)ms, ours, theirs);
        return 0;
    }
    return 1;
}

/* The table: instants next to changes of offset, with what a reader sees. */
static const struct {
    const char *zone;
    int64_t ms;
    const char *local; /* "%Y-%m-%d %H:%M:%S %Z" */
    const char *iso;   /* tc_clock_format_iso() */
} cases[] = {
    /* Los Angeles, 2024: spring forward at 02:00 PST, fall back at 02:00 PDT. */
    {"America/Los_Angeles", INT64_C(1710064799000), "2024-03-10 01:59:59 PST",
     "2024-03-10T01:59:59.000-08:00"},
    {"America/Los_Angeles", INT64_C(1710064800000), "2024-03-10 03:00:00 PDT",
     "2024-03-10T03:00:00.000-07:00"},
    {"America/Los_Angeles", INT64_C(1730624399999), "2024-11-03 01:59:59 PDT",
     "2024-11-03T01:59:59.999-07:00"},
    {"America/Los_Angeles", INT64_C(1730624400000), "2024-11-03 01:00:00 PST",
     "2024-11-03T01:00:00.000-08:00"},
    {"America/Los_Angeles", INT64_C(1731618480000), "2024-11-14 13:08:00 PST",
     "2024-11-14T13:08:00.000-08:00"},
    /* After the file's last explicit transition (2037): the footer's rule. */
    {"America/Los_Angeles", INT64_C(4102444800000), "2099-12-31 16:00:00 PST",
     "2099-12-31T16:00:00.000-08:00"},
    {"America/Los_Angeles", INT64_C(4118083200000), "2100-06-30 17:00:00 PDT",
     "2100-06-30T17:00:00.000-07:00"},
    /* Before the first transition: local mean time, with seconds. ISO falls back to UTC. */
    {"America/Los_Angeles", INT64_C(-5000000000000), "1811-07-23 07:13:42 LMT",
     "1811-07-23T15:06:40.000Z"},
    /* Amsterdam: LMT +00:19:32 (UTC in ISO), +00:20 from 1937, CET/CEST today. */
    {"Europe/Amsterdam", INT64_C(-5000000000000), "1811-07-23 15:26:12 LMT",
     "1811-07-23T15:06:40.000Z"},
    {"Europe/Amsterdam", INT64_C(-2450000000000), "1892-05-12 12:46:12 AMT",
     "1892-05-12T12:26:40.000Z"},
    {"Europe/Amsterdam", INT64_C(-946771200000), "1940-01-01 00:20:00 +0020",
     "1940-01-01T00:20:00.000+00:20"},
    {"Europe/Amsterdam", INT64_C(1711846799000), "2024-03-31 01:59:59 CET",
     "2024-03-31T01:59:59.000+01:00"},
    {"Europe/Amsterdam", INT64_C(1711846800000), "2024-03-31 03:00:00 CEST",
     "2024-03-31T03:00:00.000+02:00"},
    {"Europe/Amsterdam", INT64_C(1729990800000), "2024-10-27 02:00:00 CET",
     "2024-10-27T02:00:00.000+01:00"},
    /* Kolkata: +05:30 all year. */
    {"Asia/Kolkata", INT64_C(1731618480000), "2024-11-15 02:38:00 IST",
     "2024-11-15T02:38:00.000+05:30"},
    {"Asia/Kolkata", INT64_C(0), "1970-01-01 05:30:00 IST", "1970-01-01T05:30:00.000+05:30"},
    /* Lord Howe: +10:30, and +11 in summer (DST of 30 minutes), changing at 02:00 local. */
    {"Australia/Lord_Howe", INT64_C(1712415599000), "2024-04-07 01:59:59 +11",
     "2024-04-07T01:59:59.000+11:00"},
    {"Australia/Lord_Howe", INT64_C(1712415600000), "2024-04-07 01:30:00 +1030",
     "2024-04-07T01:30:00.000+10:30"},
    {"Australia/Lord_Howe", INT64_C(1728142199000), "2024-10-06 01:59:59 +1030",
     "2024-10-06T01:59:59.000+10:30"},
    {"Australia/Lord_Howe", INT64_C(1728142200000), "2024-10-06 02:30:00 +11",
     "2024-10-06T02:30:00.000+11:00"},
    {"UTC", INT64_C(1731618480000), "2024-11-14 21:08:00 UTC", "2024-11-14T21:08:00.000Z"},
    {"UTC", INT64_C(-1), "1969-12-31 23:59:59 UTC", "1969-12-31T23:59:59.999Z"},
};

static void table(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tc_zone_t *z = load(cases[c].zone);
        use_tz(cases[c].zone);
        char local[64], iso[40];
        tc_clock_format_local(z, cases[c].ms, "%Y-%m-%d %H:%M:%S %Z", local, sizeof local);
        tc_clock_format_iso(z, cases[c].ms, iso, sizeof iso);
        if (strcmp(local, cases[c].local) != 0 || strcmp(iso, cases[c].iso) != 0) {
            print_message("%s %lld: \"%s\" \"%s\", want \"%s\" \"%s\"\n", cases[c].zone,
                          (long long)cases[c].ms, local, iso, cases[c].local, cases[c].iso);
            fail();
        }
        assert_true(agrees(z, cases[c].ms));
        assert_true(agrees(z, cases[c].ms - 1000));
        assert_true(agrees(z, cases[c].ms + 1000));
        tc_zone_free(z);
    }
}

/* Every zone against glibc over 1850-2150, every 7h13m (so samples fall at every hour and
 * minute of the day over time), and each day's midnight against mktime(). */
static void sweep(void **state)
{
    (void)state;
    for (size_t i = 0; i < NZONES; i++) {
        tc_zone_t *z = load(zones[i]);
        use_tz(zones[i]);
        int bad = 0;
        for (int64_t s = INT64_C(-3786825600); s < INT64_C(5680281600) && bad < 5;
             s += 7 * 3600 + 13 * 60) {
            int64_t ms = s * 1000 + 123;
            if (!agrees(z, ms))
                bad++;
            time_t t = (time_t)s;
            struct tm tm;
            localtime_r(&t, &tm);
            if (tc_zone_offset(z, ms) != tm.tm_gmtoff)
                bad++;
        }
        for (int64_t s = INT64_C(-2208988800); s < INT64_C(4102444800) && bad < 5;
             s += 86400 + 3600) {
            int back = (int)((s / 86400) % 3);
            int64_t want = glibc_midnight(s * 1000, back);
            int64_t got = tc_clock_local_midnight(z, s * 1000, back);
            if (got != want) {
                print_message("%s: midnight %d days before %lld: %lld, mktime %lld\n",
                              zones[i], back, (long long)s, (long long)got, (long long)want);
                bad++;
            }
        }
        tc_zone_free(z);
        assert_int_equal(bad, 0);
    }
}

/* Zones whose clocks jump over midnight or show it twice (DST changes at 00:00): the day
 * starts at its first instant. */
static void odd_midnights(void **state)
{
    (void)state;
    static const struct {
        const char *zone;
        int64_t at;   /* some instant of the day */
        const char *start; /* the day's first instant, local */
    } odd[] = {
        /* Havana, 2024-03-10: 00:00 CST became 01:00 CDT. */
        {"America/Havana", INT64_C(1710097200000), "2024-03-10 01:00:00 CDT"},
        /* Havana, 2024-11-03: 01:00 CDT became 00:00 CST: midnight twice, the first counts. */
        {"America/Havana", INT64_C(1730660400000), "2024-11-03 00:00:00 CDT"},
        /* Beirut, 2024-10-27: 00:00 EEST became 23:00 EET on the 26th, a 25-hour day. */
        {"Asia/Beirut", INT64_C(1730030400000), "2024-10-27 00:00:00 EET"},
        /* Beirut, 2024-03-31: 00:00 EET became 01:00 EEST. */
        {"Asia/Beirut", INT64_C(1711886400000), "2024-03-31 01:00:00 EEST"},
    };
    for (size_t c = 0; c < sizeof odd / sizeof odd[0]; c++) {
        tc_zone_t *z = load(odd[c].zone);
        int64_t t = tc_clock_local_midnight(z, odd[c].at, 0);
        char got[64];
        tc_clock_format_local(z, t, "%Y-%m-%d %H:%M:%S %Z", got, sizeof got);
        if (strcmp(got, odd[c].start) != 0) {
            print_message("%s: day starts %s, want %s\n", odd[c].zone, got, odd[c].start);
            fail();
        }
        /* One second earlier is the day before. */
        char prev[16], day[16];
        tc_clock_format_local(z, t - 1000, "%Y-%m-%d", prev, sizeof prev);
        tc_clock_format_local(z, t, "%Y-%m-%d", day, sizeof day);
        assert_string_not_equal(prev, day);
        tc_zone_free(z);
    }
}

/* Two zones used alternately each give their own answers: with setenv("TZ") the second
 * tc_clock_use_zone() changed the first zone's results too. */
static void two_zones_at_once(void **state)
{
    (void)state;
    unsetenv("TZ");
    tzset();
    tc_zone_t *la = load("America/Los_Angeles");
    tc_zone_t *in = load("Asia/Kolkata");
    const int64_t ms = INT64_C(1731618480000);
    for (int round = 0; round < 3; round++) {
        char a[64], b[64], ia[40], ib[40];
        tc_clock_format_local(la, ms, "%b %d, %Y %H:%M %Z", a, sizeof a);
        tc_clock_format_local(in, ms, "%b %d, %Y %H:%M %Z", b, sizeof b);
        tc_clock_format_iso(la, ms, ia, sizeof ia);
        tc_clock_format_iso(in, ms, ib, sizeof ib);
        assert_string_equal(a, "Nov 14, 2024 13:08 PST");
        assert_string_equal(b, "Nov 15, 2024 02:38 IST");
        assert_string_equal(ia, "2024-11-14T13:08:00.000-08:00");
        assert_string_equal(ib, "2024-11-15T02:38:00.000+05:30");
        assert_int_equal(tc_clock_local_midnight(la, ms, 0), INT64_C(1731571200000));
        assert_int_equal(tc_clock_local_midnight(in, ms, 0), INT64_C(1731609000000));
    }
    assert_string_equal(tc_zone_name(la), "America/Los_Angeles");
    assert_string_equal(tc_zone_name(in), "Asia/Kolkata");
    tc_zone_free(la);
    tc_zone_free(in);
}

/* Month starts: the first local midnight of the month k months back, across year ends and
 * DST changes, in zones east and west of UTC; one second earlier is the month before. */
static void month_starts(void **state)
{
    (void)state;
    static const char *const names[] = {"America/Los_Angeles", "Asia/Kolkata", "Europe/Berlin",
                                        "Pacific/Auckland"};
    /* 2024-11-16T18:00:00Z, 2025-01-01T00:30:00Z, 2024-03-31T23:59:59Z */
    static const int64_t instants[] = {INT64_C(1731780000000), INT64_C(1735691400000),
                                       INT64_C(1711929599000)};
    for (size_t zi = 0; zi <= sizeof names / sizeof names[0]; zi++) {
        tc_zone_t *z = zi < sizeof names / sizeof names[0] ? load(names[zi]) : NULL;
        for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
            char now[16];
            tc_clock_format_local(z, instants[i], "%Y %m", now, sizeof now);
            int y = 0, m = 0;
            assert_int_equal(sscanf(now, "%d %d", &y, &m), 2);
            for (int back = -1; back <= 13; back++) {
                int64_t t = tc_clock_local_month_start(z, instants[i], back);
                int months = y * 12 + (m - 1) - back;
                char want[32], got[32], prev[16];
                snprintf(want, sizeof want, "%04d-%02d-01 00:00:00", months / 12,
                         months % 12 + 1);
                tc_clock_format_local(z, t, "%Y-%m-%d %H:%M:%S", got, sizeof got);
                if (strcmp(got, want) != 0) {
                    print_message("%s: %d months back from %lld: %s, want %s\n",
                                  tc_zone_name(z), back, (long long)instants[i], got, want);
                    fail();
                }
                tc_clock_format_local(z, t - 1000, "%Y-%m-%d", prev, sizeof prev);
                assert_memory_not_equal(prev, got, 7);
            }
        }
        tc_zone_free(z);
    }
}

/* Loading leaves TZ at UTC; unknown names are refused; NULL is UTC. */
static void loading(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Paris", 1);
    tc_zone_t *z = load("Asia/Kolkata");
    assert_string_equal(getenv("TZ"), "UTC");
    tc_zone_free(z);
    unsetenv("TZ");
    z = load("Asia/Kolkata");
    assert_string_equal(getenv("TZ"), "UTC");
    tc_zone_free(z);

    static const char *const bad[] = {"", "Mars/Olympus", "../etc/passwd", "/etc/localtime",
                                      "EST5EDT,M3.2.0,M11.1.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[128] = "";
        z = (tc_zone_t *)1;
        assert_int_equal(tc_zone_load(bad[i], &z, err, sizeof err), TC_EINVAL);
        assert_null(z);
        assert_non_null(strstr(err, "unknown time zone"));
    }

    char out[64];
    tc_clock_format_local(NULL, INT64_C(1731618480000), "%H:%M %Z %z", out, sizeof out);
    assert_string_equal(out, "21:08 UTC +0000");
    tc_clock_format_iso(NULL, INT64_C(1731618480000), out, sizeof out);
    assert_string_equal(out, "2024-11-14T21:08:00.000Z");
    assert_int_equal(tc_clock_local_midnight(NULL, INT64_C(1731618480000), 1),
                     INT64_C(1731456000000));
    assert_string_equal(tc_zone_name(NULL), "UTC");
    tc_zone_free(NULL);
}

/* Local times people type (maintenance windows) to instants, across DST changes. */
static void from_local(void **state)
{
    (void)state;
    tc_zone_t *la = load("America/Los_Angeles");
    /* An ordinary afternoon: 05:08 PST is 13:08 UTC. */
    assert_int_equal(tc_clock_from_local(la, 2024, 11, 14, 5, 8), INT64_C(1731589680000));
    /* 02:30 on the spring-forward day does not exist: the end of the gap (10:00 UTC). */
    assert_int_equal(tc_clock_from_local(la, 2024, 3, 10, 2, 30), INT64_C(1710064800000));
    /* 01:30 on the fall-back day happens twice: the first (PDT, 08:30 UTC). */
    assert_int_equal(tc_clock_from_local(la, 2024, 11, 3, 1, 30), INT64_C(1730622600000));
    /* Leap day in UTC, and its weekday (a Thursday). */
    int64_t leap = tc_clock_from_local(NULL, 2024, 2, 29, 18, 30);
    assert_int_equal(leap, INT64_C(1709231400000));
    assert_int_equal(tc_clock_local_weekday(NULL, leap), 4);
    /* The weekday is the local one: Thursday 21:08 in LA is already Friday in Kolkata. */
    tc_zone_t *in = load("Asia/Kolkata");
    assert_int_equal(tc_clock_local_weekday(la, INT64_C(1731643680000)), 4);
    assert_int_equal(tc_clock_local_weekday(in, INT64_C(1731643680000)), 5);
    /* Before 1970 too. */
    assert_int_equal(tc_clock_local_weekday(NULL, tc_clock_from_local(NULL, 1969, 7, 20, 20, 17)),
                     0);
    tc_zone_free(la);
    tc_zone_free(in);
}

/* The calendar check both date parsers use (RFC 3339 in the API, the console's fields). */
static void dates_that_exist(void **state)
{
    (void)state;
    static const struct {
        int y, mo, d, exists;
    } dates[] = {
        {2024, 1, 31, 1}, {2024, 1, 32, 0}, {2024, 4, 30, 1}, {2024, 4, 31, 0},
        {2024, 2, 29, 1}, {2023, 2, 29, 0}, {2023, 2, 28, 1}, {1900, 2, 29, 0},
        {2000, 2, 29, 1}, {2100, 2, 29, 0}, {2024, 12, 31, 1}, {2024, 0, 1, 0},
        {2024, 13, 1, 0}, {2024, 6, 0, 0}, {2024, -1, 5, 0}, {2024, 6, -3, 0},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        if (!tc_clock_date_exists(dates[i].y, dates[i].mo, dates[i].d) != !dates[i].exists) {
            print_message("%04d-%02d-%02d\n", dates[i].y, dates[i].mo, dates[i].d);
            fail();
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(sweep),
        cmocka_unit_test(odd_midnights),
        cmocka_unit_test(two_zones_at_once),
        cmocka_unit_test(month_starts),
        cmocka_unit_test(loading),
        cmocka_unit_test(from_local),
        cmocka_unit_test(dates_that_exist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
