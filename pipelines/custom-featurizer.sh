#!/bin/sh
# custom-featurizer.sh: featurize swapped for a few lines of jq, and alert
# given rules over the features the script makes. Any stage can be replaced
# this way: the records between stages are plain NDJSON (sluice-records(7)).
#
#   sniff -r FILE | flowify | window5s | jq (features) | alert --rules RULES
#
# The script's features record has the fields alert needs (type, key,
# host, window_start, window_end) and two features per 5 s window: the
# distinct destination ports and the share of flows that were rejected or
# unanswered. The rule: a host that reaches 50 ports in 5 s with most
# attempts failing is scanning.
set -eu

usage() { echo "usage: pipelines/custom-featurizer.sh CAPTURE" >&2; exit 2; }
[ $# -eq 1 ] || usage
capture=$1

here=$(cd "$(dirname "$0")" && pwd)
bin=${SLUICE_BIN:-$here/../.build/release}
PATH=$bin:$PATH
export PATH

rules=$(mktemp "${TMPDIR:-/tmp}/rules.XXXXXX")
trap 'rm -f "$rules"' EXIT
cat >"$rules" <<'RULES'
version: 1
rules:
  - name: fast_port_scan
    kind: port_scan
    signature_id: 9900001
    signature: "CUSTOM SCAN 50 ports in 5 s"
    category: Attempted Information Leak
    severity: 2
    view: src
    when: dports_5s >= 50 and s0_ratio_5s >= 0.5
    victim: top_peer_5s
    message: "{attacker} tried {dports_5s} ports in 5 s"
RULES

sniff -q -r "$capture" | flowify -q | window5s -q --views src |
	jq -c 'select(.type == "window") | {
		type: "features", ts: .window_start, window_start, window_end, key, host,
		dports_5s: .dports,
		s0_ratio_5s: (((.s0_flows + .rej_flows) / ([.flows_started, 1] | max)) | if . > 1 then 1 else . end),
		top_peer_share_5s: ((.top_peers[0][1] // 0) / ([.packets_out + .packets_in, 1] | max)),
		top_peer_5s: (.top_peers[0][0] // empty)
	}' |
	alert -q --rules "$rules"
