/* Uptime per day from a status log; see uptime.h. */
#include "status/uptime.h"

#include <string.h>

static double down(const double *seconds)
{
    return seconds[TC_STATUS_MAJOR_OUTAGE] +
           TC_UPTIME_PARTIAL_WEIGHT * seconds[TC_STATUS_PARTIAL_OUTAGE];
}

static double percent(const double *seconds, double observed)
{
    if (observed <= 0)
        return -1;
    return (observed - down(seconds)) / observed * 100.0;
}

double tc_uptime_downtime(const tc_uptime_day_t *d)
{
    return down(d->seconds);
}

void tc_uptime_days(const tc_status_change_t *log, size_t nlog, int64_t now,
                    tc_uptime_day_t *days, size_t ndays)
{
    /* Both are oldest first: each day starts from the entry in force at its start, and stops
     * at the first entry after it (a year of log is not gone through for each of 90 days). */
    size_t first = 0;
    for (size_t d = 0; d < ndays; d++) {
        tc_uptime_day_t *day = &days[d];
        memset(day->seconds, 0, sizeof day->seconds);
        day->observed = 0;
        day->worst = TC_STATUS_OPERATIONAL;
        /* The entries before it ended by the day's start: they add nothing. */
        while (first + 1 < nlog && log[first + 1].at <= day->start)
            first++;
        /* Each log entry holds from its time to the next entry (or now). */
        for (size_t i = first; i < nlog && log[i].at < day->end; i++) {
            int64_t from = log[i].at;
            int64_t to = i + 1 < nlog ? log[i + 1].at : now;
            if (from < day->start)
                from = day->start;
            if (to > day->end)
                to = day->end;
            if (to > now)
                to = now;
            if (to <= from)
                continue;
            double secs = (double)(to - from) / 1000.0;
            day->seconds[log[i].status] += secs;
            day->observed += secs;
            day->worst = tc_status_worst(day->worst, log[i].status);
        }
        day->uptime = percent(day->seconds, day->observed);
    }
}

double tc_uptime_total(const tc_uptime_day_t *days, size_t ndays)
{
    double seconds[5] = {0};
    double observed = 0;
    for (size_t d = 0; d < ndays; d++) {
        for (int s = 0; s < 5; s++)
            seconds[s] += days[d].seconds[s];
        observed += days[d].observed;
    }
    return percent(seconds, observed);
}
