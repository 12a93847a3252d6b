/* libFuzzer driver for `tocsin import statuspage FILE`: the input is the file. It goes through
 * the import's own steps (json_loadb, incident_list() from cli_import.c, included for it,
 * then tc_incident_from_json() and tc_incident_to_json() per entry, as stored), without the
 * store: a store write per input would cap the fuzzer at a few hundred inputs a second, and
 * the store takes the JSON text as an opaque document.
 *
 * It also checks the storage round trip: an imported incident, written and read back, must
 * write the same document again (what the daemon loads is what the import stored).
 *
 * Run: build-fuzz/fuzz_import tests/fuzz/corpus/import */
#include "cli/cli_import.c"

#include "core/clock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *stored_text(tc_incident_t *inc)
{
    json_t *doc = tc_incident_to_json(inc, "fz", "", NULL, true);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text) {
        fprintf(stderr, "fuzz_import: incident %s cannot be written as JSON\n", inc->id);
        abort();
    }
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int zone_set;
    if (!zone_set) {
        tc_clock_use_zone("Etc/UTC");
        zone_set = 1;
    }
    json_t *root = json_loadb((const char *)data, size, 0, NULL);
    json_t *list = root ? incident_list(root) : NULL;
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        tc_incident_t *inc = tc_incident_from_json(item);
        if (!inc || !inc->nupdates) {
            tc_incident_free(inc);
            continue;
        }
        inc->impact_override = (int)inc->impact;
        inc->seq = i + 1;
        char *text = stored_text(inc);
        json_t *doc = json_loads(text, 0, NULL);
        tc_incident_t *back = doc ? tc_incident_from_json(doc) : NULL;
        if (!back) {
            fprintf(stderr, "fuzz_import: stored document does not load back: %s\n", text);
            abort();
        }
        char *again = stored_text(back);
        if (strcmp(text, again) != 0) {
            fprintf(stderr, "fuzz_import: round trip changed the document\n%s\n%s\n", text,
                    again);
            abort();
        }
        free(again);
        tc_incident_free(back);
        json_decref(doc);
        free(text);
        tc_incident_free(inc);
    }
    json_decref(root);
    return 0;
}
