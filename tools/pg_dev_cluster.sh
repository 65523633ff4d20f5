#!/usr/bin/env bash
# A local PostgreSQL 15 cluster for development, e.g. for several
# refund-server replicas sharing one decision log.
#
#   tools/pg_dev_cluster.sh start DIR [PORT]
#     creates the cluster in DIR/data if there is none (initdb), starts it
#     listening on 127.0.0.1:PORT (default 5433) and on a Unix socket in DIR,
#     creates the database `refund` if missing, and prints its URI, the only
#     line on stdout: URI=$(tools/pg_dev_cluster.sh start /tmp/pg). A cluster
#     already running is left as it is (its URI is printed).
#   tools/pg_dev_cluster.sh stop DIR
#     fast shutdown; the data stays in DIR for the next start.
#
# For development only: trust authentication, so anyone on this machine may
# connect as the superuser `postgres`. Run as root, the server runs as the
# `postgres` user (PostgreSQL refuses root): DIR is made theirs, so it must be
# new or empty and reachable by them (not under /root). The server's log is
# DIR/postgres.log. The programs come from $REFUND_PG_BINDIR, else
# `pg_config --bindir`, else /usr/lib/postgresql/15/bin; the cluster a Debian
# install may have made (port 5432) is not used.
set -euo pipefail

me=pg_dev_cluster
usage() {
  echo "usage: $0 start DIR [PORT] | stop DIR" >&2
  exit 2
}
fail() {
  echo "$me: $*" >&2
  exit 1
}

(($# >= 2)) || usage
action=$1
dir=$2
port=${3:-5433}
case $action in
  start) (($# <= 3)) || usage ;;
  stop) (($# == 2)) || usage ;;
  *) usage ;;
esac
if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  fail "PORT must be a number from 1 to 65535, not '$port'"
fi

bindir=${REFUND_PG_BINDIR:-}
if [ -z "$bindir" ]; then
  bindir=/usr/lib/postgresql/15/bin
  if command -v pg_config >/dev/null; then bindir=$(pg_config --bindir); fi
fi
for program in initdb pg_ctl psql; do
  [ -x "$bindir/$program" ] ||
    fail "no $bindir/$program: install postgresql-15 (tools/setup.sh does) or set REFUND_PG_BINDIR"
done

# initdb and pg_ctl run as the server's user; psql as whoever runs this.
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 ||
    fail "running as root and there is no user 'postgres' (the postgresql-15 package makes it)"
  as_server=(runuser -u postgres --)
fi
pg_ctl() { "${as_server[@]}" "$bindir/pg_ctl" -D "$dir/data" "$@"; }
running() { pg_ctl status >/dev/null 2>&1; }

if [ "$action" = stop ]; then
  [ -f "$dir/data/PG_VERSION" ] || fail "no cluster in $dir"
  if ! running; then
    echo "$me: not running ($dir)" >&2
    exit 0
  fi
  pg_ctl -m fast -w -t 60 stop >/dev/null
  echo "$me: stopped ($dir)" >&2
  exit 0
fi

dir=$(realpath -m -- "$dir")
# The directory goes into the server's options unquoted by a shell, and into
# a socket path of at most 107 characters.
[[ $dir =~ ^[A-Za-z0-9/._-]+$ ]] ||
  fail "use a directory whose path has only letters, digits and / . _ -: $dir"
((${#dir} + 16 <= 107)) || fail "$dir is too long for a socket path"
reachable=$dir
while [ ! -d "$reachable" ]; do reachable=$(dirname "$reachable"); done
"${as_server[@]}" test -x "$reachable" ||
  fail "the server's user cannot reach $reachable (a private parent directory?)"
mkdir -p "$dir"
if ((${#as_server[@]})) && [ "$(stat -c %U "$dir")" != postgres ]; then
  [ -z "$(ls -A "$dir")" ] ||
    fail "$dir is not empty and not the postgres user's: give a new directory"
  chown postgres: "$dir"
  chmod 700 "$dir"
fi
"${as_server[@]}" test -w "$dir" ||
  fail "the server's user cannot write in $dir"

if [ ! -f "$dir/data/PG_VERSION" ]; then
  echo "$me: initdb $dir/data" >&2
  "${as_server[@]}" "$bindir/initdb" --pgdata="$dir/data" --auth=trust \
    --username=postgres --encoding=UTF8 --locale=C --no-instructions \
    >"$dir/initdb.log" 2>&1 ||
    fail "initdb failed; see $dir/initdb.log"
fi

if running; then
  running_port=$(sed -n 4p "$dir/data/postmaster.pid")
  echo "$me: already running ($dir), port $running_port" >&2
  if (($# == 3)) && ((running_port != port)); then
    echo "$me: not port $port: stop it first to change the port" >&2
  fi
  port=$running_port
else
  if ! pg_ctl -l "$dir/postgres.log" -w -t 60 -o "-p $port \
      -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir" \
      start >/dev/null; then
    tail -n 20 "$dir/postgres.log" >&2 || true
    fail "the server did not start; its log is $dir/postgres.log"
  fi
fi

psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres
  -d postgres)
if [ -z "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'refund'")" ]; then
  "${psql[@]}" -c "CREATE DATABASE refund"
fi
echo "$me: running in $dir, log $dir/postgres.log; over the socket:" \
  "postgresql:///refund?host=$dir&port=$port&user=postgres" >&2
echo "postgresql://postgres@127.0.0.1:$port/refund"
