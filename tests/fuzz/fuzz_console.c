/* libFuzzer driver for the operators' console (/admin/...): each input is one request
 * ("METHOD PATH[ form]" line, then the body; request_line.h), sent logged in as the fixture's
 * admin, with "{c}" in the body standing for the session's CSRF token, and answered by the
 * real console, tc_admin_handle(), on the fixture's engine: the form parser, the route
 * table, the guards, incident forms, preview and the login. The fixture aborts on a request
 * never answered or a reply that is not HTML.
 *
 * Run: build-fuzz/fuzz_console tests/fuzz/corpus/console */
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "daemon_fixture.h"
#include "request_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fx_fuzz_one(data, size, 0);
    return 0;
}
