#!/usr/bin/env bash
# Configure the machine's MariaDB as users run theirs, for the TLS and IPv6 tests:
# - a test CA and a server certificate (localhost, 127.0.0.1, ::1) generated here, TLS on;
# - listening on 127.0.0.1 and ::1, with root@::1 allowed as root@127.0.0.1 already is;
# - a second, unrelated CA (other-ca.pem) that must NOT verify the server.
# Idempotent: certificates are made once, and the server restarts only when what it runs with
# differs from what is wanted. Needs root and openssl; run after ci/start-mariadb.sh.
set -euo pipefail

TLS_DIR=/etc/mysql/lmh-tls
CONF_DIR=/etc/mysql/lmh.conf.d
MY_CNF=/etc/mysql/my.cnf
BIND='127.0.0.1,::1'

sql() { mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u root -N -B -e "$1"; }

make_certs() {
  [ -s "$TLS_DIR/server-cert.pem" ] && [ -s "$TLS_DIR/other-ca.pem" ] && return 0
  echo "generating the test CA and server certificate in $TLS_DIR" >&2
  mkdir -p "$TLS_DIR"
  local tmp
  tmp=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=lmh test CA" \
    -keyout "$tmp/ca-key.pem" -out "$tmp/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$tmp/server-key.pem" -out "$tmp/server.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" > "$tmp/ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" \
    -CAcreateserial -days 3650 -extfile "$tmp/ext" -out "$tmp/server-cert.pem" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=lmh unrelated CA" \
    -keyout "$tmp/other-ca-key.pem" -out "$tmp/other-ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
  install -m 0644 "$tmp/ca.pem" "$tmp/server-cert.pem" "$tmp/other-ca.pem" "$TLS_DIR/"
  install -m 0640 -g mysql "$tmp/server-key.pem" "$TLS_DIR/"
  rm -rf "$tmp"
}

write_config() {
  mkdir -p "$CONF_DIR"
  # A later value wins: the include goes at the end of my.cnf, after its bind-address.
  if ! grep -qxF "!includedir $CONF_DIR/" "$MY_CNF"; then
    printf '\n!includedir %s/\n' "$CONF_DIR" >> "$MY_CNF"
  fi
  cat > "$CONF_DIR/lmh-tls.cnf" <<EOF
# Written by lmh's ci/mariadb-tls.sh: TLS with a test certificate, IPv4 and IPv6 loopback.
[mysqld]
bind-address = $BIND
ssl-ca = $TLS_DIR/ca.pem
ssl-cert = $TLS_DIR/server-cert.pem
ssl-key = $TLS_DIR/server-key.pem
EOF
}

restart() {
  echo "restarting MariaDB to apply TLS and bind-address $BIND" >&2
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mariadb 2>/dev/null; then
    systemctl restart mariadb
  else
    mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root shutdown
    # The shutdown returns before the process is gone; starting earlier finds it "running".
    for _ in $(seq 1 60); do
      pgrep -x mariadbd >/dev/null || break
      sleep 1
    done
    bash "$(dirname "$0")/start-mariadb.sh"
  fi
}

make_certs
write_config
running=$(sql "SELECT CONCAT(@@have_ssl, ' ', @@bind_address, ' ', @@ssl_ca)")
if [ "$running" != "YES $BIND $TLS_DIR/ca.pem" ]; then
  restart
fi
running=$(sql "SELECT CONCAT(@@have_ssl, ' ', @@bind_address)")
if [ "$running" != "YES $BIND" ]; then
  echo "MariaDB runs with '$running', not 'YES $BIND'; see /var/log/mysql/error.log" >&2
  exit 1
fi
# root over ::1 as over 127.0.0.1 (same authentication), only where root@127.0.0.1 exists.
if [ "$(sql "SELECT COUNT(*) FROM mysql.user WHERE user='root' AND host='127.0.0.1'")" = 1 ] &&
  [ "$(sql "SELECT COUNT(*) FROM mysql.user WHERE user='root' AND host='::1'")" = 0 ]; then
  # The same credentials: SHOW CREATE USER carries the password hash, if any.
  create=$(sql "SHOW CREATE USER 'root'@'127.0.0.1'")
  sql "${create/\`127.0.0.1\`/\`::1\`}; GRANT ALL PRIVILEGES ON *.* TO 'root'@'::1' WITH GRANT OPTION"
fi
echo "MariaDB: TLS on (CA $TLS_DIR/ca.pem), listening on $BIND" >&2
