#!/usr/bin/env bash
# Build the local image lmh's container tests start (default tag lmh-mariadb:10.11) from this
# machine's own MariaDB 10.11 files, because no image registry is reachable here.
#
# The image is `docker import` of a minimal root filesystem: mariadbd, the shared libraries
# ldd lists for it, error messages and charsets, a minimal passwd/group, and a datadir that
# mariadb-install-db initialised with root@localhost / root@127.0.0.1 and an empty password.
# Its entrypoint is mariadbd itself, so extra arguments such as
# `--port=N --bind-address=127.0.0.1` go straight to the server, as with the official
# mysql/mariadb images. It runs as root inside (`--user=root`) and logs to stderr.
#
# Usage: ci/build-mariadb-image.sh [--force] [--tag NAME:TAG]
#   skips the build when the tag already exists, unless --force.
set -euo pipefail

tag="${LMH_MARIADB_IMAGE_TAG:-lmh-mariadb:10.11}"
force=0
while (($#)); do
    case "$1" in
        --force) force=1 ;;
        --tag) tag="${2:?--tag needs NAME:TAG}"; shift ;;
        --tag=*) tag="${1#--tag=}" ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "build-mariadb-image: unknown argument '$1' (use --force or --tag NAME:TAG)" >&2; exit 2 ;;
    esac
    shift
done

say() { printf 'build-mariadb-image: %s\n' "$*" >&2; }

if ! docker info >/dev/null 2>&1; then
    say "no Docker engine answers (run ci/setup-docker.sh first)"
    exit 1
fi

if ((force == 0)) && docker image inspect "$tag" >/dev/null 2>&1; then
    say "$tag already exists ($(docker image inspect -f '{{.Size}}' "$tag") bytes); use --force to rebuild"
    exit 0
fi

mariadbd=/usr/sbin/mariadbd
share=/usr/share/mysql
for need in "$mariadbd" /usr/bin/mariadb-install-db "$share/charsets" "$share/english/errmsg.sys"; do
    if [[ ! -e "$need" ]]; then
        say "missing $need: install MariaDB 10.11 from Debian (apt-get install mariadb-server)"
        exit 1
    fi
done
version="$("$mariadbd" --version)"
if [[ "$version" != *" 10.11."* ]]; then
    say "expected MariaDB 10.11, found: $version"
    exit 1
fi

start=$SECONDS
old_id="$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)"
work="$(mktemp -d /tmp/lmh-mariadb-image.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,usr/lib/mysql/plugin,etc,tmp,run/mysqld,var/lib/mysql}
chmod 1777 "$root/tmp"
# Debian 12 is merged-/usr: keep the same layout so the paths ldd prints resolve inside.
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"

cp "$mariadbd" "$root/usr/sbin/mariadbd"
# Every library ldd resolves, plus the dynamic loader (ldd shows it without "=>").
ldd "$mariadbd" | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' | sort -u | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
if ldd "$mariadbd" | grep -q 'not found'; then
    say "ldd cannot resolve every library of $mariadbd:"
    ldd "$mariadbd" | grep 'not found' >&2
    exit 1
fi

mkdir -p "$root$share"
cp -r "$share/charsets" "$share/english" "$root$share/"

cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
mysql:x:101:101:MariaDB Server:/nonexistent:/usr/sbin/nologin
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
mysql:x:101:
GROUP
echo 'hosts: files' >"$root/etc/nsswitch.conf"

# Initialise the datadir with the host's mariadbd, written straight into the rootfs.
# --no-defaults keeps the host's my.cnf (user=mysql, its datadir) out of it; a small redo log
# keeps the image small.
server_opts=(--innodb-log-file-size=8M --innodb-buffer-pool-size=64M --skip-name-resolve)
if ! mariadb-install-db --no-defaults --user=root --basedir=/usr \
    --datadir="$root/var/lib/mysql" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
    "${server_opts[@]}" >"$work/install-db.log" 2>&1; then
    say "mariadb-install-db failed:"
    tail -n 40 "$work/install-db.log" >&2
    exit 1
fi
# install-db also grants root@<build host name>; that name means nothing inside the image and
# makes the server warn at every start, so keep only the loopback accounts.
cleanup_sql="DELETE FROM mysql.global_priv WHERE Host NOT IN ('localhost','127.0.0.1','::1');
DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost','127.0.0.1','::1');"
if ! printf '%s\n' "$cleanup_sql" | "$mariadbd" --no-defaults --bootstrap --user=root --basedir=/usr \
    --datadir="$root/var/lib/mysql" "${server_opts[@]}" >>"$work/install-db.log" 2>&1; then
    say "removing the build host's accounts failed:"
    tail -n 40 "$work/install-db.log" >&2
    exit 1
fi

# mariadbd as PID 1 in the container: no shell needed. Arguments given to `docker run` (or as
# the container command) are appended, so a later --port / --bind-address wins.
entrypoint='["/usr/sbin/mariadbd","--no-defaults","--user=root","--basedir=/usr","--datadir=/var/lib/mysql","--socket=/run/mysqld/mysqld.sock","--pid-file=/run/mysqld/mysqld.pid","--innodb-log-file-size=8M","--innodb-buffer-pool-size=64M","--skip-name-resolve","--character-set-server=utf8mb4","--collation-server=utf8mb4_general_ci"]'
tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$work/rootfs.tar" .
docker import \
    --change "ENTRYPOINT $entrypoint" \
    --change 'CMD ["--port=3306","--bind-address=127.0.0.1"]' \
    --change 'EXPOSE 3306' \
    --change "LABEL org.opencontainers.image.description=\"lmh: $version, built from the host's files\"" \
    --message "lmh build-mariadb-image.sh from $version" \
    "$work/rootfs.tar" "$tag" >/dev/null

# A rebuild leaves the previous image untagged; drop it unless a container still uses it.
if [[ -n "$old_id" && "$old_id" != "$(docker image inspect -f '{{.Id}}' "$tag")" ]]; then
    docker image rm "$old_id" >/dev/null 2>&1 || say "kept the previous image $old_id (still in use)"
fi
size="$(docker image inspect -f '{{.Size}}' "$tag")"
say "built $tag: $((size / 1024 / 1024)) MiB ($size bytes) in $((SECONDS - start))s from $version"
