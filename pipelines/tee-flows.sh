#!/bin/sh
# tee-flows.sh: the detection chain over a capture file, keeping flowify's
# flow records in a file on the way (for Zeek-style flow logs, a notebook,
# or a second look with jq), and the alerts in another.
#
#   sniff -r FILE | flowify | tee FLOWS | window5s | cascade | featurize | alert > ALERTS
#
# The windows go into PostgreSQL as detect.sh stores them: a private
# cluster unless -d URI or PG* variables name one.
set -eu

usage() { echo "usage: pipelines/tee-flows.sh [-d | --db URI] CAPTURE FLOWS ALERTS" >&2; exit 2; }
db=
if [ "${1:-}" = -d ] || [ "${1:-}" = --db ]; then
	[ $# -ge 2 ] || usage
	db=$2
	shift 2
fi
[ $# -eq 3 ] || usage
capture=$1 flows=$2 alerts=$3

here=$(cd "$(dirname "$0")" && pwd)
bin=${SLUICE_BIN:-$here/../.build/release}
PATH=$bin:$here/../bin:$PATH
export PATH

# ${db:+...} gives --db and the conninfo as one word (it may hold spaces), or nothing.
sniff -q -r "$capture" | flowify -q | tee "$flows" | window5s -q | cascade -q ${db:+--db "$db"} | featurize -q |
	alert -q >"$alerts"
echo "tee-flows.sh: $(grep -c '"report":"final"' "$flows") flows in $flows, $(grep -c '"type":"alert"' "$alerts") alerts in $alerts" >&2
