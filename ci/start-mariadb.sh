#!/usr/bin/env bash
# Start the machine's MariaDB if it does not answer on 127.0.0.1:3306, and wait (bounded).
set -euo pipefail

ping_db() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }

if ping_db; then
  exit 0
fi
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  echo "MariaDB is not installed: apt-get install -y mariadb-server, or set DATABASE_URL to a server" >&2
  exit 1
fi
echo "starting MariaDB" >&2
start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
for _ in $(seq 1 60); do
  if ping_db; then
    exit 0
  fi
  sleep 1
done
echo "MariaDB did not answer on 127.0.0.1:3306 within 60 s; see /var/log/mysql/error.log" >&2
exit 1
