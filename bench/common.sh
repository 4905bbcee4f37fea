# Shared helpers for the side-by-side benchmarks (sourced, not run).
# Servers are pinned to core 0, load generators to core 1, as the project's benchmarks require.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FERRODIS="${FERRODIS:-$ROOT/target/release/ferrodis}"
REDIS="${REDIS:-redis-server}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
WORK="$(mktemp -d /tmp/ferrodis-bench.XXXXXX)"
PIDS=()

cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

build_ferrodis() {
    if [ -z "${FERRODIS_PREBUILT:-}" ]; then
        (cd "$ROOT" && cargo build --release -p ferrodis >/dev/null 2>&1)
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server NAME BINARY PORT → starts pinned to SERVER_CPU, waits until it answers PING.
start_server() {
    local name=$1 bin=$2 port=$3
    mkdir -p "$WORK/$name"
    taskset -c "$SERVER_CPU" "$bin" --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$WORK/$name" --enable-debug-command yes --logfile "$WORK/$name/log" &
    PIDS+=("$!")
    for _ in $(seq 1 200); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "server $name did not start" >&2
    return 1
}

stop_server() {
    local port=$1
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    sleep 0.2
}

info_field() {
    redis-cli -p "$1" info "$2" | tr -d '\r' | awk -F: -v f="$3" '$1==f {print $2}'
}
