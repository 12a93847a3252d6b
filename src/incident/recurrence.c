/* Recurring maintenance windows; see recurrence.h. */
#include "incident/recurrence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/err.h"

static const char *const day_names[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};
static const char *const day_short[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

int tc_recurrence_day(const char *name, unsigned *bit)
{
    size_t n = strlen(name);
    for (int i = 0; i < 7; i++) {
        /* The whole name or its first three letters. */
        if ((n == 3 || n == strlen(day_names[i])) && strncasecmp(name, day_names[i], n) == 0) {
            *bit = 1u << i;
            return 0;
        }
    }
    return TC_EINVAL;
}

int tc_recurrence_time(const char *text, int *minute)
{
    int h, m;
    char tail;
    if (strlen(text) != 5 || text[2] != ':' || sscanf(text, "%2d:%2d%c", &h, &m, &tail) != 2 ||
        h < 0 || h > 23 || m < 0 || m > 59 || text[0] < '0' || text[0] > '9' ||
        text[3] < '0' || text[3] > '9')
        return TC_EINVAL;
    *minute = h * 60 + m;
    return 0;
}

void tc_recurrence_describe(const tc_recurrence_t *r, char *out, size_t outlen)
{
    char days[40] = "";
    size_t len = 0;
    for (int i = 1; i <= 7; i++) { /* Monday first, as calendars in most places show it */
        int d = i % 7;
        if (r->days & (1u << d))
            len += (size_t)snprintf(days + len, sizeof days - len, "%s%s", len ? ", " : "",
                                    day_short[d]);
    }
    long minutes = (long)(r->duration_ms / 60000);
    char dur[32];
    if (minutes % 60 == 0)
        snprintf(dur, sizeof dur, "%ld h", minutes / 60);
    else if (minutes > 60)
        snprintf(dur, sizeof dur, "%ld h %ld min", minutes / 60, minutes % 60);
    else
        snprintf(dur, sizeof dur, "%ld min", minutes);
    snprintf(out, outlen, "%s at %02d:%02d for %s", r->days == 0x7f ? "Every day" : days,
             r->minute / 60, r->minute % 60, dur);
}

int64_t tc_recurrence_next(const tc_recurrence_t *r, const tc_zone_t *z, int64_t from)
{
    /* Today and the next seven local days hold the next window of any rule with a day. */
    for (int ahead = 0; ahead <= 7; ahead++) {
        int64_t midnight = tc_clock_local_midnight(z, from, -ahead);
        if (!(r->days & (1u << tc_clock_local_weekday(z, midnight))))
            continue;
        char date[16];
        int y, mo, d;
        tc_clock_format_local(z, midnight, "%Y-%m-%d", date, sizeof date);
        if (sscanf(date, "%d-%d-%d", &y, &mo, &d) != 3)
            continue;
        int64_t start = tc_clock_from_local(z, y, mo, d, r->minute / 60, r->minute % 60);
        if (start >= from)
            return start;
    }
    return INT64_MAX; /* no day in the rule */
}
