# Starts a lesson with --serve and stops it again, for the scripts that load one
# (scripts/load, scripts/bench-coalesce). Sourced, not run.
#
#   serve_lesson BINARY ARGS...   starts it; sets lesson_pid, addr and routes (one per
#                                 line), once its stats route is listed
#   stop_lesson                   Ctrl-C, then SIGKILL after 5 s; safe to call twice
#   running PID                   whether a child process is still running
#   read_stats                    the served lesson's live tasks, heap and resident
#                                 memory, into stats_tasks, stats_heap, stats_rss
#   ensure_wrk                    installs wrk from Debian if it is missing
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

# Reads the served lesson's figures into stats_tasks, stats_heap and stats_rss (KiB).
read_stats() {
    local line
    line=$(curl --silent --show-error --noproxy '*' --max-time 2 "$addr/debug/stats") || return 1
    [[ $line =~ alive_tasks=([0-9]+)\ heap_bytes=([0-9]+) ]] || return 1
    stats_tasks=${BASH_REMATCH[1]}
    stats_heap=${BASH_REMATCH[2]}
    if [[ -r /proc/$lesson_pid/status ]]; then
        stats_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$lesson_pid/status")
    else
        stats_rss=$(ps -o rss= -p "$lesson_pid" | tr -d ' ')
    fi
    [[ $stats_rss =~ ^[0-9]+$ ]]
}

# wrk, from Debian when it is missing (as root); elsewhere, says how to install it.
ensure_wrk() {
    command -v wrk >/dev/null && return 0
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "installing wrk from Debian" >&2
        (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
    else
        echo "wrk is needed (Debian: apt-get install wrk; Homebrew: brew install wrk)" >&2
        return 1
    fi
}
