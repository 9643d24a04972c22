# Starts a lesson with --serve and stops it again, for the scripts that load one
# (scripts/load, scripts/bench-coalesce). Sourced, not run.
#
#   serve_lesson BINARY ARGS...   starts it; sets lesson_pid, addr and routes (one per
#                                 line), once its stats route is listed
#   stop_lesson                   Ctrl-C, then SIGKILL after 5 s; safe to call twice
#   running PID                   whether a child process is still running
#
# Everything stays on 127.0.0.1.

# How long the lesson's demo may run before it must be serving: 10 s, in tenths.
readonly SERVE_WAIT_TENTHS=100
# How long the lesson gets to stop on SIGINT before SIGKILL: 5 s, in tenths.
readonly STOP_WAIT_TENTHS=50

lesson_pid=
lesson_out=
addr=
routes=

# Whether a child process is still running (an exited one stays a zombie until waited
# for, and `kill -0` cannot tell the two apart).
running() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $state != Z* ]]
}

serve_lesson() {
    local binary=$1
    shift
    lesson_out=$(mktemp "${TMPDIR:-/tmp}/serve-$(basename "$binary").XXXXXX")
    "$binary" --serve "$@" >"$lesson_out" &
    lesson_pid=$!
    # The demo prints other 127.0.0.1 addresses first (its own test servers): the one
    # to load is on the `serving on` line, and its routes are the curl lines under it.
    # The stats route is always listed last, so once it is there, all of them are.
    local tenth
    for ((tenth = 0; tenth < SERVE_WAIT_TENTHS; tenth++)); do
        addr=$(sed -n 's|.*serving on \(http://127\.0\.0\.1:[0-9][0-9]*\).*|\1|p' "$lesson_out" | head -n 1)
        if [[ -n $addr ]]; then
            routes=$(awk -v addr="$addr" '
                index($0, "serving on " addr) { serving = 1; next }
                serving && $1 == "curl" && index($NF, addr "/") == 1 { print substr($NF, length(addr) + 1) }
            ' "$lesson_out")
            grep -qx '/debug/stats' <<<"$routes" && return 0
        fi
        if ! running "$lesson_pid"; then
            tail -n 20 "$lesson_out" >&2
            echo "$(basename "$binary") stopped before serving" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "$(basename "$binary") was not serving after 10 s" >&2
    return 1
}

stop_lesson() {
    if [[ -n $lesson_pid ]] && running "$lesson_pid"; then
        kill -INT "$lesson_pid" 2>/dev/null || true
        local tenth
        for ((tenth = 0; tenth < STOP_WAIT_TENTHS; tenth++)); do
            running "$lesson_pid" || break
            sleep 0.1
        done
        if running "$lesson_pid"; then
            echo "the lesson ignored Ctrl-C for 5 s: killing it" >&2
            kill -KILL "$lesson_pid" 2>/dev/null || true
        fi
        wait "$lesson_pid" 2>/dev/null || true
    fi
    lesson_pid=
    if [[ -n $lesson_out ]]; then
        rm -f "$lesson_out"
    fi
    lesson_out=
}
