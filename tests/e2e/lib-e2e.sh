# lib-e2e: helpers the e2e scripts source. Each script gets a private tmux server
# (tmux -L vmdeck-e2e-PID, no user config), a fixed 100x30 window, an isolated vmdeck state
# dir under a mktemp dir, bounded polling of the screen (capture-pane), and a cleanup trap
# that runs the script's own cleanup hook, kills the tmux server and removes the dir.
# shellcheck shell=bash

VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
E2E_SOCK=vmdeck-e2e-$$
E2E_TMP=$(mktemp -d /tmp/vmdeck-e2e.XXXXXX)
export VMDECK_CONFIG_DIR=$E2E_TMP/config VMDECK_RUNTIME_DIR=$E2E_TMP/run
export LANG=C.UTF-8
# the user's ~/.config/vmdeck (config file, themes) and NO_COLOR never reach a test
export XDG_CONFIG_HOME=$E2E_TMP/xdg
unset LC_ALL VMDECK_DEFAULT_URI TMUX NO_COLOR
E2E_HOOK=${E2E_HOOK:-}
E2E_RUNS=0

# tmux on the private server with the test's config.
e2e_tmux() {
    tmux -L "$E2E_SOCK" -f "$E2E_TMP/tmux.conf" "$@"
}

# Cleanup on every exit: the script's hook (e.g. destroy a guest), the tmux server, the dir.
e2e_cleanup() {
    local rc=$?
    if [ -n "$E2E_HOOK" ]; then
        "$E2E_HOOK" || true
    fi
    tmux -L "$E2E_SOCK" kill-server 2>/dev/null || true
    # a TUI still alive after a failure may write one more file while rm runs: try again
    local _
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        rm -rf "$E2E_TMP" 2>/dev/null && break
        sleep 0.2
    done
    exit $rc
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM HUP

cat >"$E2E_TMP/tmux.conf" <<'EOF'
set -g default-terminal tmux-256color
set -g remain-on-exit on
set -g history-limit 0
set -g status off
set -s exit-empty off
EOF

# The visible screen of the vmdeck pane.
e2e_screen() {
    e2e_tmux capture-pane -p -t e2e 2>/dev/null
}

# Fail with a message and a capture of the screen.
e2e_fail() {
    echo "FAIL: $*"
    echo "---- screen ----"
    e2e_screen
    echo "----------------"
    exit 1
}

# e2e_start ARGS...: run "vmdeck ARGS" in a fresh 100x30 tmux window; its exit status lands
# in $E2E_TMP/exit.N (N counts runs).
e2e_start() {
    E2E_RUNS=$((E2E_RUNS + 1))
    E2E_EXIT=$E2E_TMP/exit.$E2E_RUNS
    local cmd
    cmd=$(printf '%q ' "$VMDECK_BIN" "$@")
    cmd="$cmd; echo \$? >$(printf '%q' "$E2E_EXIT")"
    if e2e_tmux has-session -t e2e 2>/dev/null; then
        e2e_tmux kill-session -t e2e
    fi
    e2e_tmux new-session -d -s e2e -x 100 -y 30 "$cmd" || e2e_fail "tmux new-session"
}

# e2e_wait REGEX [SECONDS]: poll the screen (0.2 s steps) until a line matches REGEX.
e2e_wait() {
    local re=$1 limit=${2:-20} i
    for ((i = 0; i < limit * 5; i++)); do
        if e2e_screen | grep -Eq -- "$re"; then
            return 0
        fi
        sleep 0.2
    done
    e2e_fail "timed out after ${limit}s waiting for /$re/"
}

# e2e_wait_gone REGEX [SECONDS]: poll until no line matches REGEX.
e2e_wait_gone() {
    local re=$1 limit=${2:-20} i
    for ((i = 0; i < limit * 5; i++)); do
        if ! e2e_screen | grep -Eq -- "$re"; then
            return 0
        fi
        sleep 0.2
    done
    e2e_fail "timed out after ${limit}s waiting for /$re/ to go away"
}

# e2e_has REGEX WHAT: the screen shows REGEX now.
e2e_has() {
    e2e_screen | grep -Eq -- "$1" || e2e_fail "$2: screen lacks /$1/"
}

# e2e_keys KEY...: send tmux key names (Enter, Escape, C-], ...) or literal strings.
e2e_keys() {
    e2e_tmux send-keys -t e2e "$@"
}

# e2e_type TEXT: type text literally.
e2e_type() {
    e2e_tmux send-keys -t e2e -l "$1"
}

# e2e_running: vmdeck has not exited yet.
e2e_running() {
    [ ! -e "$E2E_EXIT" ]
}

# e2e_wait_exit [SECONDS]: wait for vmdeck to exit; prints its exit status.
e2e_wait_exit() {
    local limit=${1:-20} i
    for ((i = 0; i < limit * 5; i++)); do
        if [ -s "$E2E_EXIT" ]; then
            cat "$E2E_EXIT"
            return 0
        fi
        sleep 0.2
    done
    e2e_fail "vmdeck did not exit within ${limit}s"
}

# e2e_resize COLS ROWS: resize the window (vmdeck gets SIGWINCH).
e2e_resize() {
    e2e_tmux resize-window -t e2e -x "$1" -y "$2" || e2e_fail "tmux resize-window"
}

# e2e_size: "COLSxROWS" of the pane as tmux sees it.
e2e_size() {
    e2e_tmux display-message -p -t e2e '#{pane_width}x#{pane_height}'
}
