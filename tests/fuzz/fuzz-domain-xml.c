/* fuzz-domain-xml: libFuzzer target for the domain XML model. Arbitrary bytes flow into
 * domain_def_parse_string; an input that parses is formatted (persistent and live), copied,
 * parsed again from its own output and formatted again, and both texts must be equal. A
 * crash, a leak (ASan), undefined behaviour (UBSan), an error that is not one line, or a
 * round trip that changes the text all abort. Built only with -DVMDECK_FUZZ=ON (clang). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/domain-def.h"

/* Stop the run with a message and the texts that disagree. */
static void fuzz_domain_die(const char *what, const char *a, const char *b)
{
    fprintf(stderr, "fuzz-domain-xml: %s\n--- first\n%s\n--- second\n%s\n", what, a ? a : "",
            b ? b : "");
    abort();
}

/* One input: parse, and for what parses, format + copy + re-parse + compare. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = malloc(size + 1);
    if (!xml)
        return 0;
    memcpy(xml, data, size);
    xml[size] = '\0';
    struct vmerr err = {0};
    struct domain_def *def = domain_def_parse_string(xml, "fuzz.xml", &err);
    free(xml);
    if (!def) {
        char line[2048];
        vmerr_line(&err, line, sizeof(line));
        if (err.code == VMERR_OK || !err.message[0] || strchr(line, '\n'))
            fuzz_domain_die("a failed parse must leave one error line", line, NULL);
        return 0;
    }
    char *out = domain_def_format(def, DOMAIN_DEF_FORMAT_INACTIVE);
    char *live = domain_def_format(def, 0);
    struct domain_def *copy = domain_def_copy(def);
    if (!out || !live || !copy)
        abort();
    char *copy_out = domain_def_format(copy, DOMAIN_DEF_FORMAT_INACTIVE);
    if (strcmp(out, copy_out))
        fuzz_domain_die("a copy formats differently", out, copy_out);
    struct vmerr err2 = {0};
    struct domain_def *again = domain_def_parse_string(out, "fuzz.out", &err2);
    if (!again) {
        char line[2048];
        fuzz_domain_die("our own output does not parse", out,
                        vmerr_line(&err2, line, sizeof(line)));
    }
    char *out2 = domain_def_format(again, DOMAIN_DEF_FORMAT_INACTIVE);
    if (strcmp(out, out2))
        fuzz_domain_die("parse+format of our output changes it", out, out2);
    struct domain_def *live_again = domain_def_parse_string(live, "fuzz-live.out", &err2);
    if (!live_again) {
        char line[2048];
        fuzz_domain_die("our live output does not parse", live,
                        vmerr_line(&err2, line, sizeof(line)));
    }
    domain_def_free(live_again);
    free(out2);
    domain_def_free(again);
    free(copy_out);
    domain_def_free(copy);
    free(live);
    free(out);
    domain_def_free(def);
    return 0;
}
