# shellcheck shell=bash
# What the local stack's scripts share to start, find and stop their servers.
# A server belongs to this checkout when its working directory is the
# checkout's root (the scripts start everything from there) and its command
# line matches the server's pattern; other checkouts' servers are left alone.
# Source it from a script that has cd'ed to the root.

# Exit 0 when anything answers HTTP at the URL (any status will do).
answers() {
    curl -s -o /dev/null --max-time 2 "$1/"
}

# The port of an http://127.0.0.1:PORT (or localhost) URL; fails otherwise.
loopback_port() {
    [[ $1 =~ ^http://(127\.0\.0\.1|localhost):([0-9]+)/?$ ]] || return 1
    echo "${BASH_REMATCH[2]}"
}

# The pids of this checkout's processes whose command line matches $1.
checkout_pids() {
    local pid
    for pid in $(pgrep -f -- "$1" || true); do
        [[ $pid == "$$" ]] && continue
        [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$PWD" ]] && echo "$pid"
    done
    return 0
}

# The pid in the pid file $1, when that process is alive, ours and still
# matches $2 (not a process that has since reused the pid).
pid_from() {
    [[ -f $1 ]] || return 1
    local pid
    pid="$(<"$1")"
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    checkout_pids "$2" | grep -qx "$pid" || return 1
    echo "$pid"
}

# Reuses a server this checkout started earlier when it has the settings
# wanted now: exit 0 to reuse, 1 when none runs. A server with other
# settings is reported and the script stops: silently serving the wrong
# endpoint would mislead every client.
#   reuse_ours NAME PID_FILE SETTINGS_FILE PATTERN SETTINGS
reuse_ours() {
    local name=$1 pid_file=$2 settings_file=$3 pattern=$4 wanted=$5 pid had
    if ! pid="$(pid_from "$pid_file" "$pattern")"; then
        rm -f "$pid_file" "$settings_file"
        return 1
    fi
    had="$(cat "$settings_file" 2>/dev/null || echo unknown)"
    if [[ $had != "$wanted" ]]; then
        echo "$name: an earlier run's server is still running (pid $pid) with other settings:" >&2
        echo "  running: $had" >&2
        echo "  wanted:  $wanted" >&2
        echo "  'make down' stops it (or kill $pid)" >&2
        exit 1
    fi
    echo "$name: already running (pid $pid): $had"
    return 0
}

# Stops the script when this checkout has a server matching the pattern
# that no pid file knows of (left by an earlier run whose state was lost).
#   refuse_strays NAME PATTERN PID_FILE
refuse_strays() {
    local name=$1 pattern=$2 pid_file=$3 known="" strays=() pid
    [[ -f $pid_file ]] && known="$(<"$pid_file")"
    for pid in $(checkout_pids "$pattern"); do
        [[ $pid == "$known" ]] || strays+=("$pid")
    done
    ((${#strays[@]} == 0)) && return 0
    echo "$name: found a server from an earlier run that this script does not track:" >&2
    for pid in "${strays[@]}"; do
        echo "  pid $pid: $(ps -o args= -p "$pid" 2>/dev/null)" >&2
    done
    echo "  'make down' stops it (or kill ${strays[*]})" >&2
    exit 1
}

# Waits until the URL answers: exit 1 when the process exits first or the
# timeout (seconds) passes.
#   wait_until_answers NAME URL PID LOG TIMEOUT
wait_until_answers() {
    local name=$1 url=$2 pid=$3 log=$4 timeout=$5 waited=0
    until answers "$url"; do
        if ! kill -0 "$pid" 2>/dev/null || ((waited >= timeout * 2)); then
            echo "$name: did not start on $url; last lines of $log:" >&2
            tail -n 20 "$log" >&2 || true
            return 1
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
}

# Stops a process (and its process group when it leads one): TERM, then
# KILL after 10 s.
stop_pid() {
    local pid=$1
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

# Stops the server in the pid file and any other of this checkout's
# processes matching the pattern, saying which.
#   stop_ours NAME PID_FILE SETTINGS_FILE PATTERN
stop_ours() {
    local name=$1 pid_file=$2 settings_file=$3 pattern=$4 stopped=0 pid known=""
    if known="$(pid_from "$pid_file" "$pattern")"; then
        stop_pid "$known"
        echo "$name: stopped (pid $known)"
        stopped=1
    fi
    for pid in $(checkout_pids "$pattern"); do
        [[ $pid == "$known" ]] && continue
        stop_pid "$pid"
        echo "$name: stopped pid $pid, left from an earlier run"
        stopped=1
    done
    rm -f "$pid_file" "$settings_file"
    ((stopped)) || echo "$name: not running"
}
