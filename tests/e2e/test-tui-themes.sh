#!/bin/bash
# test-tui-themes: the real vmdeck TUI in tmux on test:///default, read back with
# `tmux capture-pane -e` (the SGR colours tmux received). Each shipped theme draws the
# colours its file gives (256-colour numbers on xterm-256color, the nearest of the 8 on
# xterm); mono, NO_COLOR=1 and a terminal without colours draw no colour at all but keep
# selection and header readable (reverse); T switches themes at run time; a broken theme
# file falls back to default with a one-line status message naming file, line and field;
# the config file sets the theme and key bindings (help and the F-key bar follow) and warns about an unknown setting with
# its line number; --theme overrides the config; a C locale gets ASCII state symbols;
# resizing to 40x12 and back keeps the screen whole.
set -u
. "$(dirname "$0")/lib-e2e.sh"

SRC=${VMDECK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=$VMDECK_BIN
ESC=$'\e'
mkdir -p "$XDG_CONFIG_HOME/vmdeck"

# start_vm VAR=VALUE... -- ARGS...: vmdeck ARGS with extra environment (TERM, NO_COLOR).
start_vm() {
    local envs=()
    while [ "$1" != "--" ]; do
        envs+=("$1")
        shift
    done
    shift
    VMDECK_BIN=env e2e_start "${envs[@]}" "$BIN" -c test:///default "$@"
    e2e_wait '^ +test2 +- '
}

# screen_e: the screen with its escape sequences.
screen_e() {
    e2e_tmux capture-pane -e -p -t e2e
}

# line_e N: line N (1-based) of the screen with escapes.
line_e() {
    screen_e | sed -n "${1}p"
}

# has_sgr N CODE WHAT: line N carries the SGR parameter CODE (e.g. 44 or 38;5;24).
has_sgr() {
    line_e "$1" | grep -qE -- "${ESC}\\[([0-9;]*;)?$2(;[0-9;]*)?m" ||
        e2e_fail "$3: line $1 lacks SGR $2: $(line_e "$1" | cat -v)"
}

# no_colour WHAT: no SGR on screen sets a colour (30-37, 40-47, 90-97, 100-107, 38;/48;).
no_colour() {
    if screen_e | grep -qE -- "${ESC}\\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;[0-9;]+|48;[0-9;]+)(;[0-9;]*)?m"; then
        e2e_fail "$1: colours on screen: $(screen_e | grep -E "${ESC}\\[[0-9;]*[34][0-7]" | head -3 | cat -v)"
    fi
}

# no_256 WHAT: no 256-colour SGR on screen (an 8-colour terminal got only the 8).
no_256() {
    if screen_e | grep -qE -- "(38|48);5;"; then
        e2e_fail "$1: 256-colour codes on an 8-colour terminal"
    fi
}

# ---- default on xterm-256color: white on blue header, black on cyan hint keys ----
start_vm TERM=xterm-256color -- --theme default
has_sgr 1 37 "default header fg"
has_sgr 1 44 "default header bg"
has_sgr 1 1 "default header bold"
has_sgr 30 46 "default hint key bg"
has_sgr 4 7 "default selection (reverse)"

# ---- dark on xterm-256color: the numbers of themes/dark.theme ----
grep -qE '^header +231 +24 +bold' "$SRC/themes/dark.theme" || e2e_fail "dark.theme header line changed"
start_vm TERM=xterm-256color -- --theme dark
has_sgr 1 '38;5;231' "dark header fg"
has_sgr 1 '48;5;24' "dark header bg"
has_sgr 2 '48;5;24' "dark active tab"
has_sgr 2 '48;5;236' "dark other tab"
has_sgr 3 '48;5;237' "dark column header bg"
has_sgr 4 '48;5;31' "dark selected row bg"
has_sgr 5 '48;5;234' "dark normal bg"
has_sgr 5 '38;5;244' "dark shut off state"
has_sgr 30 '48;5;110' "dark hint key bg"

# ---- dark on xterm (8 colours): each number drawn as the nearest of the 8 ----
# 231 (255,255,255) -> white; 24 (0,95,135) -> cyan (0,205,205) beats blue (0,0,238);
# 234 (28,28,28) -> black; 252 (208,208,208) -> white.
start_vm TERM=xterm -- --theme dark
no_256 "dark on xterm"
has_sgr 1 37 "dark header fg on 8 colours"
has_sgr 1 46 "dark header bg on 8 colours"
has_sgr 5 40 "dark normal bg on 8 colours"
has_sgr 5 37 "dark normal fg on 8 colours"

# ---- light on xterm-256color ----
start_vm TERM=xterm-256color -- --theme light
has_sgr 1 '48;5;25' "light header bg"
has_sgr 5 '48;5;255' "light normal bg"
has_sgr 5 '38;5;235' "light normal fg"

# ---- mono, NO_COLOR and a terminal without colours: attributes only ----
start_vm TERM=xterm-256color -- --theme mono
no_colour "mono theme"
has_sgr 1 7 "mono header reverse"
has_sgr 4 7 "mono selection reverse"
start_vm TERM=xterm-256color NO_COLOR=1 -- --theme dark
e2e_wait 'vmdeck +test:///default'
no_colour "NO_COLOR=1"
has_sgr 1 7 "NO_COLOR header reverse"
has_sgr 4 7 "NO_COLOR selection reverse"
has_sgr 30 7 "NO_COLOR hint keys reverse"
start_vm TERM=vt100 -- --theme default
no_colour "vt100 (no colours)"
has_sgr 4 7 "vt100 selection reverse"

# ---- T switches at run time: default -> light -> mono -> dark -> default ----
start_vm TERM=xterm-256color -- --theme default
has_sgr 1 44 "before T"
e2e_keys T
e2e_wait 'theme light'
has_sgr 1 '48;5;25' "T to light: header"
has_sgr 5 '48;5;255' "T to light: normal rows"
e2e_keys T
e2e_wait 'theme mono'
no_colour "T to mono"
e2e_keys T
e2e_wait 'theme dark'
has_sgr 1 '48;5;24' "T to dark"
e2e_keys T
e2e_wait 'theme default'
has_sgr 1 44 "T back to default"
e2e_keys j Enter
e2e_wait 'details: test2'
e2e_keys T
e2e_wait 'theme light'
has_sgr 1 '48;5;25' "T in the details view"
e2e_keys q
e2e_wait 'Name +Id +State'
# :theme NAME on the command line does the same; an unknown name keeps the current theme
e2e_keys :
e2e_type 'theme dark'
e2e_keys Enter
e2e_wait 'theme dark'
has_sgr 1 '48;5;24' ":theme dark"
e2e_keys :
e2e_type 'theme nosuch'
e2e_keys Enter
e2e_wait "theme 'nosuch' not found"
has_sgr 1 '48;5;24' ":theme nosuch keeps dark"

# ---- a broken theme: one line naming file, line and field; default colours ----
cat >"$E2E_TMP/broken.theme" <<'EOF'
# a typo on line 3
normal default default
header purpel blue bold
EOF
start_vm TERM=xterm-256color -- --theme "$E2E_TMP/broken.theme"
e2e_wait "theme not loaded, default used: .*broken\\.theme:3: header: foreground 'purpel'"
has_sgr 1 44 "fallback to default"
e2e_has '^ +test +1 +▶ running' "list after a bad theme"
start_vm TERM=xterm-256color -- --theme nosuch
e2e_wait "theme not loaded, default used: theme 'nosuch' not found"
has_sgr 1 44 "unknown theme falls back to default"

# ---- the config file: theme, a binding, an unknown setting; --theme overrides ----
cat >"$XDG_CONFIG_HOME/vmdeck/config" <<'EOF'
# vmdeck config
theme = dark
fancy = yes
bind start = x
bind refresh = F7
EOF
start_vm TERM=xterm-256color --
e2e_wait "config .*/vmdeck/config:3: unknown setting 'fancy'"
has_sgr 1 '48;5;24' "theme from the config file"
e2e_has 'F7Refresh' "the F-key bar shows the bound key"
e2e_screen | grep -q 'F5Refresh' && e2e_fail "F5 still shown for refresh after bind refresh = F7"
e2e_keys j x   # (j, not End: tmux sends End as tmux-256color spells it)
e2e_wait "Domain 'test2' started"
e2e_keys '?'
e2e_wait '^ Domain and network lists'
e2e_has '^   x +start the domain' "help shows the bound key"
e2e_keys Escape
start_vm TERM=xterm-256color -- --theme light
has_sgr 1 '48;5;25' "--theme over the config file"
mkdir -p "$XDG_CONFIG_HOME/vmdeck/themes"
printf 'header black green\n' >"$XDG_CONFIG_HOME/vmdeck/themes/mine.theme"
start_vm TERM=xterm-256color -- --theme mine
has_sgr 1 30 "user theme fg"
has_sgr 1 42 "user theme bg"
# T skips a broken user theme (mine -> mono -> zz, broken -> dark), saying why
printf 'header nocolour blue\n' >"$XDG_CONFIG_HOME/vmdeck/themes/zz.theme"
e2e_keys T
e2e_wait 'theme mono'
e2e_keys T
e2e_wait "theme dark \(skipped: .*zz\.theme:1: header: fore"
has_sgr 1 '48;5;24' "T past a broken theme"
rm -f "$XDG_CONFIG_HOME/vmdeck/config"

# ---- ASCII state symbols without a UTF-8 locale ----
VMDECK_BIN=env e2e_start LANG=C LC_ALL=C "$BIN" -c test:///default
e2e_wait '^ +test +1 +> running'
e2e_has '^ +test2 +- +# shut off' "ASCII shut off symbol"

# ---- 80x24, 40x12 and back, colours kept ----
start_vm TERM=xterm-256color -- --theme dark
e2e_resize 80 24
e2e_wait '^ +test2 +- +■ shut off'
has_sgr 1 '48;5;24' "header at 80x24"
e2e_resize 40 12
e2e_wait '^ vmdeck'
[ "$(e2e_size)" = "40x12" ] || e2e_fail "pane is $(e2e_size), not 40x12"
has_sgr 1 '48;5;24' "header at 40x12"
e2e_has '^ +test ' "list at 40x12"
e2e_resize 100 30
e2e_wait '^ +test2 +- +■ shut off'
has_sgr 1 '48;5;24' "header back at 100x30"
e2e_running || e2e_fail "vmdeck exited during the resize"
e2e_keys q
[ "$(e2e_wait_exit)" = 0 ] || e2e_fail "vmdeck did not exit 0"
echo "PASS: themes"
