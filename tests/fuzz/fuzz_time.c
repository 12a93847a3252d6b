/* libFuzzer driver for incident times (ISO-8601 in API bodies, imported histories and the
 * store): tc_incident_parse_time() on the input as a NUL-terminated string of exactly its
 * length, so a read past the end shows. A time that parses must survive the round trip
 * through the text the JSON forms write (tc_incident_to_json() of an incident holding it)
 * and come back as the same instant. Times are written in America/Los_Angeles, so the
 * offsets the parser reads back are real ones; before 1900 the zone's LMT offset has seconds,
 * which ISO-8601 offsets cannot carry (issue 12 item 10), so those times are left out.
 *
 * Run: build-fuzz/fuzz_time tests/fuzz/corpus/time */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "incident/incident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tc_zone_t *zone;
    if (!zone) {
        char err[256];
        if (tc_zone_load("America/Los_Angeles", &zone, err, sizeof err) != 0) {
            fprintf(stderr, "fuzz_time: %s\n", err);
            abort();
        }
    }
    char *s = tc_strndup((const char *)data, size);
    int64_t ms = 0;
    if (tc_incident_parse_time(s, &ms) == 0) {
        /* Round trip through the JSON form, as a stored incident does (0 is written as null).
         * Years after 9999 cannot be written as ISO-8601 and are left out. */
        if (ms != 0 && ms >= -2208988800000LL && ms < 253402214400000LL) {
            tc_incident_t inc = {0};
            inc.id = "fuzz";
            inc.name = "fuzz";
            inc.impact_override = -1;
            inc.created_at = ms;
            json_t *doc = tc_incident_to_json(&inc, zone, "fz", "", NULL, true);
            const char *text = json_string_value(json_object_get(doc, "created_at"));
            int64_t back = 0;
            if (!text || tc_incident_parse_time(text, &back) != 0 || back != ms) {
                fprintf(stderr, "fuzz_time: \"%s\" -> %lld -> \"%s\" -> %lld\n", s,
                        (long long)ms, text ? text : "(null)", (long long)back);
                abort();
            }
            json_decref(doc);
        }
    }
    free(s);
    return 0;
}
