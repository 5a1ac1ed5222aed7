#!/bin/sh
# detect.sh: the whole Sluice chain, from a capture file or a live
# interface to alerts:
#
#   sniff | flowify | window5s | cascade | featurize | alert
#
# Alerts (Suricata EVE JSON) go to standard output, or to -o FILE; the
# windows and the alerts are stored in PostgreSQL: a private throwaway
# cluster (bin/sluice-pg) unless -d URI or libpq's PG* variables name a real
# one. Each stage's own options are reachable with --STAGE 'OPTIONS' (split
# into words by the shell; see each tool's man page). With -k DIR the
# records between stages are kept too: DIR/flows.ndjson (flowify's),
# DIR/windows.ndjson (cascade's: the 5 s windows and the coarser ones) and
# DIR/features.ndjson (featurize's). Progress and the stages' summaries go
# to standard error.
#
# ^C (SIGINT), SIGTERM or SIGHUP stop the capture only: every later stage
# then reads to the end of its input and flushes what it holds (open flows,
# windows, steps, alert episodes), so nothing seen is lost. The later stages
# run with SIGINT ignored, which the tools respect.
#
# The tools are found in $SLUICE_BIN, else on PATH, else in this checkout's
# .build/release.
set -eu

usage() {
	cat >&2 <<'EOF'
usage: pipelines/detect.sh (-r FILE | -i IFACE) [-d | --db URI] [-s SENSOR] [-o FILE] [-k DIR] [-q]
                           [--sniff OPTS] [--flowify OPTS] [--window5s OPTS] [--cascade OPTS]
                           [--featurize OPTS] [--alert OPTS] [--no-store] [BPF filter ...]
EOF
	exit 2
}

source_option=
source_value=
db=
sensor=
output=-
keep=
quiet=
store=--store
sniff_opts=''
flowify_opts=''
window5s_opts=''
cascade_opts=''
featurize_opts=''
alert_opts=''
while [ $# -gt 0 ]; do
	case $1 in
	-r | -i)
		[ $# -ge 2 ] || usage
		source_option=$1 source_value=$2
		shift 2
		;;
	-d | --db) [ $# -ge 2 ] || usage; db=$2; shift 2 ;;
	-s) [ $# -ge 2 ] || usage; sensor=$2; shift 2 ;;
	-o) [ $# -ge 2 ] || usage; output=$2; shift 2 ;;
	-k) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
	-q) quiet=-q; shift ;;
	--no-store) store=; shift ;;
	--sniff) [ $# -ge 2 ] || usage; sniff_opts=$2; shift 2 ;;
	--flowify) [ $# -ge 2 ] || usage; flowify_opts=$2; shift 2 ;;
	--window5s) [ $# -ge 2 ] || usage; window5s_opts=$2; shift 2 ;;
	--cascade) [ $# -ge 2 ] || usage; cascade_opts=$2; shift 2 ;;
	--featurize) [ $# -ge 2 ] || usage; featurize_opts=$2; shift 2 ;;
	--alert) [ $# -ge 2 ] || usage; alert_opts=$2; shift 2 ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "detect.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ -n "$source_option" ] || usage
if [ -n "$keep" ]; then
	mkdir -p "$keep" || exit 1
fi

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${SLUICE_BIN:-}" ]; then
	bin=$SLUICE_BIN
elif command -v alert >/dev/null 2>&1 && command -v sniff >/dev/null 2>&1; then
	bin=$(dirname "$(command -v alert)")
else
	bin=$here/../.build/release
fi
for tool in sniff flowify window5s cascade featurize alert; do
	[ -x "$bin/$tool" ] || { echo "detect.sh: $bin/$tool not found; run make (or set SLUICE_BIN)" >&2; exit 1; }
done
# cascade and alert find bin/sluice-pg on PATH for the private cluster.
PATH=$here/../bin:$PATH
export PATH

live=
[ "$source_option" = -i ] && live=-l

work=$(mktemp -d "${TMPDIR:-/tmp}/detect.XXXXXX")
mkfifo "$work/packets"
sniff_pid=
# shellcheck disable=SC2317 # called by the trap
stop() {
	if [ -n "$sniff_pid" ]; then kill -TERM "$sniff_pid" 2>/dev/null || :; fi
}
trap stop INT TERM HUP
trap 'rm -rf "$work"' EXIT

# shellcheck disable=SC2086 # the OPTS strings are lists of words
"$bin/sniff" $quiet $live $sniff_opts "$source_option" "$source_value" "$@" >"$work/packets" &
sniff_pid=$!

# Runs a stage (its name, then the command), leaving its exit status in a
# file (POSIX sh has no pipefail); with -k, its output also goes to FILE.
stage() {
	name=$1 file=$2
	shift 2
	if [ -n "$keep" ] && [ -n "$file" ]; then
		{ "$@"; echo $? >"$work/$name"; } | tee "$keep/$file"
	else
		"$@"
		echo $? >"$work/$name"
	fi
}

# An asynchronous list: SIGINT is ignored in it, so only the capture stops.
[ "$output" = - ] && output=/dev/stdout
# shellcheck disable=SC2086
{
	stage flowify flows.ndjson "$bin/flowify" $quiet $live $flowify_opts <"$work/packets" |
		stage window5s '' "$bin/window5s" $quiet $live $window5s_opts |
		stage cascade windows.ndjson "$bin/cascade" $quiet $live ${db:+--db "$db"} ${sensor:+--sensor "$sensor"} $cascade_opts |
		stage featurize features.ndjson "$bin/featurize" $quiet $live $featurize_opts |
		stage alert '' "$bin/alert" $quiet $live $store ${db:+--db "$db"} $alert_opts >"$output"
} &
chain_pid=$!

# wait returns early when a trapped signal arrives; wait again until the
# chain has drained.
while kill -0 "$chain_pid" 2>/dev/null; do
	wait "$chain_pid" || :
done
sniff_status=0
wait "$sniff_pid" || sniff_status=$?
# sniff ended by our own SIGTERM (after ^C) is a clean end.
[ "$sniff_status" -eq 143 ] && sniff_status=0
status=$sniff_status
for stage in flowify window5s cascade featurize alert; do
	stage_status=$(cat "$work/$stage" 2>/dev/null || echo 1)
	[ "$stage_status" -gt "$status" ] && status=$stage_status
done
exit "$status"
