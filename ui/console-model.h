/* console-model: the guest console's terminal state without any terminal of our own. Guest
 * bytes flow into libvterm's STATE layer (parser + cursor + modes); its callbacks write
 * cells into vmdeck's grid (a ring of line pointers, so scrolling moves pointers, never
 * cells), push lines that leave the top of the primary screen into a scrollback ring, and
 * mark damaged rows. Replies to the guest's queries leave through the output callback. The
 * view reads rows and damage from here; nothing in this module draws or needs ncurses. */
#ifndef VMDECK_UI_CONSOLE_MODEL_H
#define VMDECK_UI_CONSOLE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct console_model;

/* Characters kept per cell: a base character and up to three combining ones. */
#define CONSOLE_MODEL_MAX_CHARS 4
/* Scrollback lines kept when the caller passes 0. */
#define CONSOLE_MODEL_SCROLLBACK_DEFAULT 10000

/* Cell attributes (bits of console_cell.attrs). */
enum console_attr {
    CONSOLE_ATTR_BOLD = 1 << 0,
    CONSOLE_ATTR_UNDERLINE = 1 << 1,
    CONSOLE_ATTR_ITALIC = 1 << 2,
    CONSOLE_ATTR_BLINK = 1 << 3,
    CONSOLE_ATTR_REVERSE = 1 << 4,
    CONSOLE_ATTR_STRIKE = 1 << 5,
};

/* A colour: CONSOLE_COLOUR_DEFAULT, CONSOLE_COLOUR_INDEXED | 0-255, or
 * CONSOLE_COLOUR_RGB | 0xRRGGBB. */
#define CONSOLE_COLOUR_DEFAULT 0u
#define CONSOLE_COLOUR_INDEXED 0x01000000u
#define CONSOLE_COLOUR_RGB 0x02000000u
#define CONSOLE_COLOUR_KIND(c) ((c)&0xff000000u)
#define CONSOLE_COLOUR_VALUE(c) ((c)&0x00ffffffu)

/* One cell. chars[0] == 0: blank; width 0: the right half of the wide character to its
 * left. */
struct console_cell {
    uint32_t chars[CONSOLE_MODEL_MAX_CHARS];
    uint32_t fg, bg;
    uint8_t width;
    uint8_t attrs;
};

/* Where replies to the guest's queries (and keystrokes) go: the bytes for the PTY. */
typedef void (*console_model_output_fn)(const char *bytes, size_t len, void *user);

/* A model of rows x cols keeping scrollback lines of history (0 = the default); NULL when
 * memory or libvterm fail. */
struct console_model *console_model_new(int rows, int cols, size_t scrollback);
/* Free the model (NULL is fine). */
void console_model_free(struct console_model *m);
/* Send the model's output (query replies, keystrokes) to fn. */
void console_model_set_output(struct console_model *m, console_model_output_fn fn, void *user);
/* Feed guest bytes; every byte is parsed now, drawing is the view's business. */
void console_model_write(struct console_model *m, const char *bytes, size_t len);
/* Resize the screen, keeping the content at the top; lines that no longer fit above the
 * cursor go to scrollback. */
void console_model_resize(struct console_model *m, int rows, int cols);
/* libvterm behind the model, for the keyboard (vterm_keyboard_*) only. */
struct VTerm *console_model_vterm(struct console_model *m);

/* Screen size. */
void console_model_size(const struct console_model *m, int *rows, int *cols);
/* Cells of screen row (0 = top) of the screen shown (primary or alternate); cols of them. */
const struct console_cell *console_model_row(const struct console_model *m, int row);
/* Cursor position and whether the guest wants it shown. */
void console_model_cursor(const struct console_model *m, int *row, int *col, bool *visible);
/* Whether the alternate screen is shown. */
bool console_model_altscreen(const struct console_model *m);
/* Bells rung so far. */
unsigned long console_model_bells(const struct console_model *m);

/* Damage: whether row changed since the last console_model_clear_damage. */
bool console_model_row_dirty(const struct console_model *m, int row);
/* Whether everything must be redrawn (resize, screen switch, reset). */
bool console_model_full_damage(const struct console_model *m);
/* Whether the cursor moved or changed visibility since the last clear. */
bool console_model_cursor_dirty(const struct console_model *m);
/* Whether anything (rows or cursor) changed since the last clear. */
bool console_model_damaged(const struct console_model *m);
/* Forget all damage (the view drew it). */
void console_model_clear_damage(struct console_model *m);

/* Lines of scrollback held (oldest first is index 0). */
size_t console_model_scrollback_lines(const struct console_model *m);
/* Scrollback line i (0 = oldest): its cells (trailing blanks trimmed) and their count. */
const struct console_cell *console_model_scrollback_line(const struct console_model *m, size_t i,
                                                         int *len);

/* Dump flags. */
enum console_dump_flags {
    CONSOLE_DUMP_ATTRS = 1 << 0,      /* {bold,fg=...} markup where attributes change */
    CONSOLE_DUMP_SCROLLBACK = 1 << 1, /* scrollback lines before the screen */
};
/* The screen (and scrollback) as UTF-8 text, one line per row, trailing blanks trimmed;
 * malloc'd, the caller frees it. */
char *console_model_dump(const struct console_model *m, unsigned flags);

/* Search for needle (UTF-8) over scrollback + screen, lines numbered 0 = oldest scrollback
 * line up to scrollback + rows - 1 = the bottom screen row. Forward: the first match at or
 * after (*line, *col); backward: the last match strictly before it. True with *line, *col
 * (a cell column) set when found. */
bool console_model_search(const struct console_model *m, const char *needle, bool backward,
                          size_t *line, int *col);

#endif
