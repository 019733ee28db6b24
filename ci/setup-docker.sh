#!/usr/bin/env bash
# Make a Docker engine answer on this machine and build the local MariaDB image lmh's
# container tests use. Idempotent: every step checks before it acts, so CI can call it on
# every run. Runs as root on Debian 12.
#
# No image registry is reachable here and nothing may use private-range addresses, so the
# engine runs with no bridge, no iptables and no masquerading: every container uses host
# networking (lmh's MysqlContainer asks for `--network host`).
#
# Usage: ci/setup-docker.sh [--force]   (--force is passed on to build-mariadb-image.sh)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log_file="${LMH_DOCKERD_LOG:-/var/log/lmh-dockerd.log}"
wait_secs="${LMH_DOCKERD_WAIT_SECS:-60}"
sock=/var/run/docker.sock

say() { printf 'setup-docker: %s\n' "$*" >&2; }

# running_as NAME PID: PID is a live (not zombie) process called NAME. Killed engines can
# linger as zombies here, since nothing may reap them.
running_as() {
    local stat
    stat="$(cat "/proc/$2/stat" 2>/dev/null)" || return 1
    [[ "$stat" == "$2 ($1) "* && "$stat" != "$2 ($1) Z"* ]]
}

if [[ "$(id -u)" != 0 ]]; then
    say "must run as root (it installs packages and starts dockerd)"
    exit 1
fi
if [[ -n "${DOCKER_HOST:-}" && "$DOCKER_HOST" != "unix://$sock" ]]; then
    say "DOCKER_HOST=$DOCKER_HOST points elsewhere; this script manages the engine on $sock"
    exit 1
fi

# /usr/local/bin/docker may be a bare client with no engine beside it; only dockerd tells
# whether the engine is installed.
if ! command -v dockerd >/dev/null 2>&1; then
    say "dockerd not found: installing docker.io from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends docker.io
fi
if ! command -v dockerd >/dev/null 2>&1; then
    say "docker.io is installed but dockerd is still not on PATH ($PATH)"
    exit 1
fi
say "engine: $(command -v dockerd) ($(dockerd --version))"
say "client: $(command -v docker) ($(docker --version))"

if docker info >/dev/null 2>&1; then
    say "engine already answers on $sock"
else
    pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
    if [[ -n "$pid" ]] && running_as dockerd "$pid"; then
        say "a dockerd (pid $pid) runs but does not answer yet; waiting for it"
    else
        # A pid file left by a killed engine (maybe naming a reused pid) blocks a new one.
        rm -f /var/run/docker.pid
        # So does the containerd such an engine started: dockerd reuses whatever process its
        # pid file names, even a zombie or an orphan whose socket is gone, and then times out.
        ctr_pidfile=/var/run/docker/containerd/containerd.pid
        ctr_pid="$(cat "$ctr_pidfile" 2>/dev/null || true)"
        if [[ -n "$ctr_pid" ]]; then
            if running_as containerd "$ctr_pid" && tr '\0' ' ' 2>/dev/null <"/proc/$ctr_pid/cmdline" \
                | grep -q -- '--config /var/run/docker/containerd/containerd.toml'; then
                say "stopping containerd $ctr_pid left by an earlier dockerd"
                kill "$ctr_pid" 2>/dev/null || true
                for _ in $(seq 20); do running_as containerd "$ctr_pid" || break; sleep 0.25; done
                kill -9 "$ctr_pid" 2>/dev/null || true
            fi
            rm -f "$ctr_pidfile"
        fi
        say "starting dockerd (log: $log_file)"
        mkdir -p "$(dirname "$log_file")"
        # setsid + nohup: the engine outlives this script and the shell that ran it, and
        # holds none of its output pipes open.
        setsid nohup dockerd \
            --host="unix://$sock" \
            --bridge=none \
            --iptables=false \
            --ip-masq=false \
            --userland-proxy=false \
            >>"$log_file" 2>&1 </dev/null &
    fi
    started=$SECONDS
    until docker info >/dev/null 2>&1; do
        if ((SECONDS - started >= wait_secs)); then
            say "dockerd did not answer within ${wait_secs}s; last lines of $log_file:"
            tail -n 30 "$log_file" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
    say "engine answers after $((SECONDS - started))s"
fi
docker info --format 'setup-docker: engine {{.ServerVersion}}, storage {{.Driver}}, {{.Containers}} containers' >&2

"$here/build-mariadb-image.sh" "$@"
