/* fuzz-console-model: libFuzzer target for the console model. The first two bytes choose
 * the screen size (1-40 rows, 1-120 columns); the rest are guest bytes fed in chunks whose
 * lengths come from the input too, with a resize wherever a chunk starts with 0xff. Every
 * cell of every row must stay well-formed (a width-2 cell never in the last column and
 * always followed by its right half), the cursor inside the screen, and dump + search must
 * run over the whole history. A crash, a leak (ASan) or undefined behaviour (UBSan) aborts.
 * The bytes are fed from a copy with NUL padding after them, as the view feeds them from
 * its larger read buffer: libvterm 0.1.4 copies string fragments (OSC, DCS) with strncpy,
 * which ASan checks up to the next NUL even past the bytes handed over.
 * Built only with -DVMDECK_FUZZ=ON (clang). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/console-model.h"

/* Stop the run naming what broke. */
static void fuzz_console_die(const char *what, int row, int col)
{
    fprintf(stderr, "fuzz-console-model: %s at row %d col %d\n", what, row, col);
    abort();
}

/* Replies go nowhere; the callback only proves the bytes are readable. */
static void fuzz_console_output(const char *bytes, size_t len, void *user)
{
    size_t *total = user;
    for (size_t i = 0; i < len; i++)
        *total += (unsigned char)bytes[i] != 0;
}

/* Check the invariants of the screen the model shows. */
static void fuzz_console_check(const struct console_model *m)
{
    int rows, cols, crow, ccol;
    bool visible;
    console_model_size(m, &rows, &cols);
    console_model_cursor(m, &crow, &ccol, &visible);
    if (crow < 0 || crow >= rows || ccol < 0 || ccol >= cols)
        fuzz_console_die("cursor outside the screen", crow, ccol);
    for (int r = 0; r < rows; r++) {
        const struct console_cell *line = console_model_row(m, r);
        for (int c = 0; c < cols; c++) {
            if (line[c].width == 2 && (c + 1 >= cols || line[c + 1].width != 0))
                fuzz_console_die("wide cell without its right half", r, c);
            if (line[c].width == 0 && (c == 0 || line[c - 1].width != 2))
                fuzz_console_die("right half without a wide cell", r, c);
        }
    }
}

/* One input: size, chunks with resizes, then checks, dump and search. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct console_model *m = console_model_new(1 + data[0] % 40, 1 + data[1] % 120, 50);
    if (!m)
        return 0;
    uint8_t *copy = calloc(1, size + 16);
    if (!copy) {
        console_model_free(m);
        return 0;
    }
    memcpy(copy, data, size);
    data = copy;
    size_t replies = 0;
    console_model_set_output(m, fuzz_console_output, &replies);
    size_t pos = 2;
    while (pos < size) {
        if (data[pos] == 0xff && pos + 2 < size) {
            console_model_resize(m, 1 + data[pos + 1] % 40, 1 + data[pos + 2] % 120);
            fuzz_console_check(m);
            pos += 3;
            continue;
        }
        size_t chunk = 1 + data[pos] % 64;
        if (chunk > size - pos)
            chunk = size - pos;
        console_model_write(m, (const char *)data + pos, chunk);
        pos += chunk;
    }
    fuzz_console_check(m);
    char *dump = console_model_dump(m, CONSOLE_DUMP_ATTRS | CONSOLE_DUMP_SCROLLBACK);
    free(dump);
    size_t line = 0;
    int col = 0;
    while (console_model_search(m, "a", false, &line, &col))
        col++;
    console_model_clear_damage(m);
    console_model_free(m);
    free(copy);
    return 0;
}
