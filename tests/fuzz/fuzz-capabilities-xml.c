/* fuzz-capabilities-xml: libFuzzer target for the capabilities XML model. Arbitrary bytes
 * flow into capabilities_parse_string; an input that parses is formatted, parsed again from
 * its own output and formatted again, and both texts must be equal. A crash, a leak (ASan),
 * undefined behaviour (UBSan), an error that is not one line, or a round trip that changes
 * the text all abort. Built only with -DVMDECK_FUZZ=ON (clang). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/capabilities.h"

/* Stop the run with a message and the texts that disagree. */
static void fuzz_capabilities_die(const char *what, const char *a, const char *b)
{
    fprintf(stderr, "fuzz-capabilities-xml: %s\n--- first\n%s\n--- second\n%s\n", what, a ? a : "",
            b ? b : "");
    abort();
}

/* One input: parse, and for what parses, format + re-parse + compare. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = malloc(size + 1);
    if (!xml)
        return 0;
    memcpy(xml, data, size);
    xml[size] = '\0';
    struct vmerr err = {0};
    struct capabilities *def = capabilities_parse_string(xml, "fuzz.xml", &err);
    free(xml);
    if (!def) {
        char line[2048];
        vmerr_line(&err, line, sizeof(line));
        if (err.code == VMERR_OK || !err.message[0] || strchr(line, '\n'))
            fuzz_capabilities_die("a failed parse must leave one error line", line, NULL);
        return 0;
    }
    char *out = capabilities_format(def);
    if (!out)
        abort();
    struct vmerr err2 = {0};
    struct capabilities *again = capabilities_parse_string(out, "fuzz.out", &err2);
    if (!again) {
        char line[2048];
        fuzz_capabilities_die("our own output does not parse", out,
                              vmerr_line(&err2, line, sizeof(line)));
    }
    char *out2 = capabilities_format(again);
    if (strcmp(out, out2))
        fuzz_capabilities_die("parse+format of our output changes it", out, out2);
    free(out2);
    capabilities_free(again);
    free(out);
    capabilities_free(def);
    return 0;
}
