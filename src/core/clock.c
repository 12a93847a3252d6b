/* Clocks and local-time formatting. Local time goes through the C library's TZ handling,
 * which is process-wide state; DESIGN.md makes the engine thread the only renderer, so only
 * it calls tc_clock_use_zone() and the local formatters. */
#define _GNU_SOURCE
#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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

void tc_clock_use_zone(const char *name)
{
    setenv("TZ", name, 1);
    tzset();
}

static void to_local(int64_t ms, struct tm *tm)
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    localtime_r(&secs, tm);
}

void tc_clock_format_iso(int64_t ms, char *out, size_t outlen)
{
    struct tm tm;
    to_local(ms, &tm);
    int millis = (int)(((ms % 1000) + 1000) % 1000);
    long off = tm.tm_gmtoff;
    char zone[24];
    /* RFC 3339 offsets have no seconds, but local mean time before a zone's first standard
     * offset does (Europe/Amsterdam was +00:19:32 until 1937). Dropping the seconds moved the
     * instant on every save and load; such times are written in UTC instead, which names the
     * same instant exactly. */
    if (off % 60 != 0) {
        time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
        gmtime_r(&secs, &tm);
        off = 0;
    }
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

void tc_clock_format_local(int64_t ms, const char *fmt, char *out, size_t outlen)
{
    struct tm tm;
    to_local(ms, &tm);
    if (strftime(out, outlen, fmt, &tm) == 0 && outlen)
        out[0] = '\0';
}

int64_t tc_clock_local_midnight(int64_t ms, int days_back)
{
    struct tm tm;
    to_local(ms, &tm);
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    tm.tm_mday -= days_back;
    tm.tm_isdst = -1; /* let mktime find whether that day's midnight is in DST */
    return (int64_t)mktime(&tm) * 1000;
}
