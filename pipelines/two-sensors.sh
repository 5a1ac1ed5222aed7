#!/bin/sh
# two-sensors.sh: two capture points into one database. Each capture runs
# its own chain with its own --sensor label, at the same time; cascade
# keeps each sensor's windows apart (and merges each one's coarse windows
# from its own rows), alert stores both sensors' alerts in one table. Then
# the stored 30 s windows per sensor (and the packets in them: every IP
# packet of the capture, each counted once, in its originator's view) and
# the alerts per sensor, from SQL.
#
#   detect.sh -r A -s NAME_A &  detect.sh -r B -s NAME_B &  wait
set -eu

usage() { echo "usage: pipelines/two-sensors.sh [-d | --db URI] CAPTURE_A CAPTURE_B" >&2; exit 2; }
db=
if [ "${1:-}" = -d ] || [ "${1:-}" = --db ]; then
	[ $# -ge 2 ] || usage
	db=$2
	shift 2
fi
[ $# -eq 2 ] || usage

here=$(cd "$(dirname "$0")" && pwd)
PATH=$here/../bin:$PATH
export PATH
if [ -z "$db" ] && [ -z "${PGHOST:-}${PGDATABASE:-}${PGPORT:-}" ]; then
	# One private cluster for both chains, started once (sluice-pg prints
	# its PG* variables).
	eval "$(sluice-pg start 2>/dev/null)"
	db="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$PGDATABASE"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/two-sensors.XXXXXX")
trap 'rm -rf "$work"' EXIT

sh "$here/detect.sh" -q -r "$1" -s sensor-a -d "$db" -o "$work/a.alerts" &
first=$!
sh "$here/detect.sh" -q -r "$2" -s sensor-b -d "$db" -o "$work/b.alerts" &
second=$!
status=0
wait "$first" || status=$?
wait "$second" || status=$?

echo "30 s windows stored per sensor:"
psql -X -q -A -t -F ' ' -d "$db" -c "SELECT sensor, count(*), sum(packets_out + packets_in) FROM sluice_windows WHERE level_s = 30 AND key_kind = 'src' GROUP BY sensor ORDER BY sensor" |
	awk '{ printf "  %-10s %6d windows %10d packets\n", $1, $2, $3 }'
echo "alerts stored per sensor:"
psql -X -q -A -t -F ' ' -d "$db" -c "SELECT sensor, kind, count(*) FROM sluice_alerts WHERE event = 'alert' GROUP BY sensor, kind ORDER BY sensor, kind" |
	awk '{ printf "  %-10s %-18s %4d\n", $1, $2, $3 }'
exit "$status"
