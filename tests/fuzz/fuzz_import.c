/* libFuzzer driver for `tocsin import statuspage FILE`: the input is the file. It goes through
 * the import's own steps (json_loadb, incident_list() from cli_import.c, included for it,
 * then tc_incident_from_json() and tc_incident_encode() per entry, as stored), without the
 * store: a store write per input would cap the fuzzer at a few hundred inputs a second, and
 * the store takes the encoded text as an opaque document.
 *
 * It also checks the storage round trip: an imported incident, encoded and decoded
 * (incident_codec.c), must encode to the same document again (what the daemon loads is what
 * the import stored).
 *
 * Run: build-fuzz/fuzz_import tests/fuzz/corpus/import */
#include "cli/cli_import.c"

#include "incident/incident_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
        char *text = tc_incident_encode(inc);
        tc_incident_t *back = NULL;
        char err[256];
        if (tc_incident_decode(text, strlen(text), &back, NULL, err, sizeof err) != 0) {
            fprintf(stderr, "fuzz_import: stored document does not load back (%s): %s\n", err,
                    text);
            abort();
        }
        char *again = tc_incident_encode(back);
        if (strcmp(text, again) != 0) {
            fprintf(stderr, "fuzz_import: round trip changed the document\n%s\n%s\n", text,
                    again);
            abort();
        }
        free(again);
        tc_incident_free(back);
        free(text);
        tc_incident_free(inc);
    }
    json_decref(root);
    return 0;
}
