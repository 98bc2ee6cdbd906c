#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 before the tests; start the local cluster if not.
set -euo pipefail
host=127.0.0.1 port=5432
if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then exit 0; fi
echo "PostgreSQL is not answering on $host:$port; starting the local cluster"
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  pg_isready -q -h "$host" -p "$port" 2>/dev/null && exit 0
  sleep 1
done
echo "PostgreSQL did not start on $host:$port" >&2
exit 1
