/* config: the user's settings file, $XDG_CONFIG_HOME/vmdeck/config (~/.config/vmdeck/config
 * when XDG_CONFIG_HOME is unset). `key = value` lines flow in; each key is looked up in the
 * settings table (adding a setting is one table line and one handler): `theme = NAME` lands
 * in struct config, `bind ACTION = KEYS` goes straight to the key table (keys.c). A line that
 * cannot be used becomes one warning naming the file and line; the rest still applies. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ui.h"

enum {
    CONFIG_FILE_MAX = 256 * 1024,
};

/* Record a warning (the first CONFIG_WARNINGS_MAX are kept, all are counted). */
static void config_warn(struct config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void config_warn(struct config *cfg, const char *fmt, ...)
{
    if (cfg->nwarnings < CONFIG_WARNINGS_MAX) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cfg->warnings[cfg->nwarnings], sizeof(cfg->warnings[0]), fmt, ap);
        va_end(ap);
    }
    cfg->nwarnings++;
}

/* `theme = NAME`: the theme to start with (--theme overrides it). */
static int config_set_theme(struct config *cfg, const char *arg, const char *value,
                            struct vmerr *err)
{
    if (!value[0] || strlen(value) >= sizeof(cfg->theme))
        return vmerr_set(err, VMERR_INVALID_ARG, "theme: '%s' is not a theme name", value);
    snprintf(cfg->theme, sizeof(cfg->theme), "%s", value);
    return 0;
}

/* `bind ACTION = KEY...`: rebind an action of the key table. */
static int config_set_bind(struct config *cfg, const char *arg, const char *value,
                           struct vmerr *err)
{
    if (!arg[0])
        return vmerr_set(err, VMERR_INVALID_ARG,
                         "bind: which action? (bind ACTION = KEY, e.g. bind start = s)");
    return keys_bind(arg, value, err);
}

/* The settings: key, whether it takes a word before '=' (bind ACTION), handler. */
static const struct {
    const char *key;
    bool has_arg;
    int (*set)(struct config *cfg, const char *arg, const char *value, struct vmerr *err);
} config_settings[] = {
    {"theme", false, config_set_theme},
    {"bind", true, config_set_bind},
};

/* vmdeck's config directory into buf ("" when neither XDG_CONFIG_HOME nor HOME is set). */
const char *config_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/') /* the XDG spec ignores relative paths */
        snprintf(buf, len, "%s/vmdeck", xdg);
    else if (home && home[0])
        snprintf(buf, len, "%s/.config/vmdeck", home);
    else if (len)
        buf[0] = '\0';
    return buf;
}

/* Path of the config file into buf. */
const char *config_path(char *buf, size_t len)
{
    char dir[512];
    if (!config_dir(dir, sizeof(dir))[0]) {
        if (len)
            buf[0] = '\0';
        return buf;
    }
    snprintf(buf, len, "%s/config", dir);
    return buf;
}

/* Trim blanks at both ends of s in place. */
static char *config_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Parse one line ("" and comments are no-ops); a problem becomes a warning. */
static void config_parse_line(struct config *cfg, char *line, const char *source, int lineno)
{
    char *hash = strchr(line, '#');
    if (hash && (hash == line || isspace((unsigned char)hash[-1])))
        *hash = '\0'; /* "# comment", "x = y  # comment"; a '#' key needs no blank before */
    char *s = config_trim(line);
    if (!s[0])
        return;
    char *eq = strchr(s, '=');
    if (!eq) {
        config_warn(cfg, "%s:%d: '%s' is not a setting (KEY = VALUE)", source, lineno, s);
        return;
    }
    *eq = '\0';
    char *key = config_trim(s), *value = config_trim(eq + 1);
    char *arg = key + strcspn(key, " \t");
    if (*arg) {
        *arg++ = '\0';
        arg = config_trim(arg);
    }
    for (size_t i = 0; i < sizeof(config_settings) / sizeof(config_settings[0]); i++) {
        if (strcmp(config_settings[i].key, key))
            continue;
        if (arg[0] && !config_settings[i].has_arg) {
            config_warn(cfg, "%s:%d: '%s %s': %s takes no word before '='", source, lineno, key,
                        arg, key);
            return;
        }
        struct vmerr err = {0};
        if (config_settings[i].set(cfg, arg, value, &err) < 0) {
            char msg[1400];
            config_warn(cfg, "%s:%d: %s", source, lineno, vmerr_line(&err, msg, sizeof(msg)));
        }
        return;
    }
    config_warn(cfg, "%s:%d: unknown setting '%s' (known: theme, bind)", source, lineno, key);
}

/* Parse config text (see ui.h). */
void config_parse(struct config *cfg, const char *text, const char *source)
{
    int lineno = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char line[1024];
        lineno++;
        if (n >= sizeof(line))
            config_warn(cfg, "%s:%d: line longer than %zu characters, ignored", source, lineno,
                        sizeof(line) - 1);
        else {
            memcpy(line, p, n);
            line[n] = '\0';
            config_parse_line(cfg, line, source, lineno);
        }
        p += n + (nl ? 1 : 0);
    }
}

/* Read and parse the config file if there is one. */
void config_load(struct config *cfg)
{
    char path[600];
    if (!config_path(path, sizeof(path))[0])
        return;
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno != ENOENT)
            config_warn(cfg, "cannot read %s: %s", path, strerror(errno));
        return;
    }
    char *text = malloc(CONFIG_FILE_MAX + 1);
    if (!text)
        abort(); /* memory exhaustion is not recoverable */
    size_t n = fread(text, 1, CONFIG_FILE_MAX + 1, f);
    bool failed = ferror(f);
    fclose(f);
    if (failed)
        config_warn(cfg, "cannot read %s: %s", path, strerror(EIO));
    else if (n > CONFIG_FILE_MAX)
        config_warn(cfg, "%s: larger than %d KiB, ignored", path, CONFIG_FILE_MAX / 1024);
    else {
        text[n] = '\0';
        config_parse(cfg, text, path);
    }
    free(text);
}

/* At TUI start: load the config, pick the theme, show warnings in the status line (a theme
 * error, shown by theme_start, wins over them). */
void config_start(struct tui *tui)
{
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    config_load(&cfg);
    if (cfg.nwarnings == 1)
        status_set(tui, true, "config %s", cfg.warnings[0]);
    else if (cfg.nwarnings > 1)
        status_set(tui, true, "config %s (and %zu more warnings)", cfg.warnings[0],
                   cfg.nwarnings - 1);
    theme_start(tui, cfg.theme);
}
