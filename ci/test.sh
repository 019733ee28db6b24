#!/usr/bin/env bash
# The test command: make sure MariaDB and a Docker engine (with the local MariaDB image)
# are up, then run every test. Idempotent; safe on a developer's machine and in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/start-mariadb.sh
bash ci/mariadb-tls.sh
bash ci/setup-docker.sh

export DATABASE_URL="${DATABASE_URL:-mysql://root@127.0.0.1:3306}"
# The container tests and the containerized e2e run for real here: a missing engine or
# image is a failure, not a skip.
export LMH_MYSQL_IMAGE="${LMH_MYSQL_IMAGE:-lmh-mariadb:10.11}"
export LMH_REQUIRE_DOCKER=1
# ci/mariadb-tls.sh configured TLS and ::1: those tests run for real too.
export LMH_REQUIRE_TLS=1

cargo test --locked
