/* libFuzzer driver for the public subscribe surface: POST /api/v2/subscribers with a JSON
 * body or the page's form (application/x-www-form-urlencoded, so url_decode() and
 * form_to_json() see the bytes), and the /subscribers/confirm|unsubscribe/<token> pages, all
 * answered by the real route table, tc_api_handle(), on the fixture's engine.
 * Input: "METHOD PATH[ form]" line, then the body (request_line.h).
 *
 * Run: build-fuzz/fuzz_subscribe tests/fuzz/corpus/subscribe */
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "daemon_fixture.h"
#include "request_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fx_fuzz_one(data, size, 1);
    return 0;
}
