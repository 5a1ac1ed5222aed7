import SluiceCore

/// Writes `flow` records (sluice-records(7)): an interim report at a report
/// boundary, a final report when the flow ends.
final class FlowReportWriter {
    enum Kind {
        case interim
        case final(EndReason)
    }

    let writer: NDJSONWriter
    let communityIDSeed: UInt16
    /// Decimals of the times written: the most the input's `ts` had.
    @exclusivity(unchecked) var fractionDigits = 0

    init(writer: NDJSONWriter, communityIDSeed: UInt16) {
        self.writer = writer
        self.communityIDSeed = communityIDSeed
    }

    /// One report of `flow` for the interval `[intervalStart, intervalEnd)`:
    /// its identity, the counters since its last report and the totals, and
    /// for a final report all statistics. Clears the flow's delta counters.
    func report(_ flow: inout Flow, kind: Kind, time: Int64, intervalStart: Int64, intervalEnd: Int64) throws(OutputError) {
        let key = flow.key
        let originator = flow.originatorIsA ? key.addressA : key.addressB
        let responder = flow.originatorIsA ? key.addressB : key.addressA
        let isTCP = key.protocolNumber == CommunityID.tcpProtocolNumber
        let isICMP = ICMPKind.isICMP(key.protocolNumber)
        let digits = fractionDigits

        writer.withCursor(reserving: 400) { out in
            out.text("{\"type\":\"flow\"")
            out.key("ts"); out.timestamp(Timestamp(nanoseconds: time), fractionDigits: digits)
            if case .interim = kind { out.text(",\"report\":\"interim\"") } else { out.text(",\"report\":\"final\"") }
            out.key("flow_id"); out.unsigned(flow.id)
        }
        writeCommunityID(flow, originator: originator, responder: responder)
        writer.withCursor(reserving: 1200) { out in
            out.key("proto"); out.unsigned(UInt64(key.protocolNumber))
            out.key("src"); out.quotedAddress(originator)
            out.key("dst"); out.quotedAddress(responder)
            if isICMP && key.hasPorts {
                out.key("icmp_type"); out.unsigned(UInt64(flow.icmpType))
                out.key("icmp_code"); out.unsigned(UInt64(key.portA & 0xFF))
                if ICMPKind.hasIdentifier(flow.icmpType, protocolNumber: key.protocolNumber) {
                    out.key("icmp_id"); out.unsigned(UInt64(key.portB))
                }
            } else if key.hasPorts {
                out.key("sport"); out.unsigned(UInt64(flow.originatorIsA ? key.portA : key.portB))
                out.key("dport"); out.unsigned(UInt64(flow.originatorIsA ? key.portB : key.portA))
            }
            if let vlan = key.outerVLAN { out.key("vlan"); out.unsigned(UInt64(vlan)) }
            if let vlan = key.innerVLAN { out.key("vlan_inner"); out.unsigned(UInt64(vlan)) }
            out.key("first_ts"); out.timestamp(Timestamp(nanoseconds: flow.first), fractionDigits: digits)
            out.key("last_ts"); out.timestamp(Timestamp(nanoseconds: flow.last), fractionDigits: digits)
            out.key("duration_us"); out.scaledDecimal(flow.last - flow.first, scale: 3)
            out.key("interval_start"); out.timestamp(Timestamp(nanoseconds: intervalStart), fractionDigits: digits)
            out.key("interval_end"); out.timestamp(Timestamp(nanoseconds: intervalEnd), fractionDigits: digits)

            let o = flow.originator
            let r = flow.responder
            out.key("orig_packets_delta"); out.unsigned(o.deltaPackets)
            out.key("orig_bytes_delta"); out.unsigned(o.deltaBytes)
            out.key("orig_payload_bytes_delta"); out.unsigned(o.deltaPayloadBytes)
            out.key("resp_packets_delta"); out.unsigned(r.deltaPackets)
            out.key("resp_bytes_delta"); out.unsigned(r.deltaBytes)
            out.key("resp_payload_bytes_delta"); out.unsigned(r.deltaPayloadBytes)
            out.key("orig_packets"); out.unsigned(o.packets)
            out.key("orig_bytes"); out.unsigned(o.bytes)
            out.key("orig_payload_bytes"); out.unsigned(o.payloadBytes)
            out.key("resp_packets"); out.unsigned(r.packets)
            out.key("resp_bytes"); out.unsigned(r.bytes)
            out.key("resp_payload_bytes"); out.unsigned(r.payloadBytes)
        }
        if isTCP {
            writer.field("conn_state", string: flow.tcp.connState.rawValue)
            writer.field("history", string: flow.tcp.history)
        } else if isICMP || key.protocolNumber == CommunityID.udpProtocolNumber {
            writer.field("conn_state", string: Self.datagramConnState(flow).rawValue)
        }
        flow.originator.clearDeltas()
        flow.responder.clearDeltas()

        if case .final(let reason) = kind {
            writer.field("end_reason", string: reason.rawValue)
            writeDirectionStatistics(flow.originator, prefix: "orig")
            writeDirectionStatistics(flow.responder, prefix: "resp")
            if isTCP { writeTCPStatistics(flow) }
            writeFirstPackets(flow.firstPackets)
        }
        try writer.endRecord()
    }

    private func writeCommunityID(_ flow: Flow, originator: IPAddress, responder: IPAddress) {
        let key = flow.key
        let ports: (UInt16, UInt16)
        if ICMPKind.isICMP(key.protocolNumber) {
            ports = (UInt16(flow.icmpType), key.portA & 0xFF)
        } else {
            ports = flow.originatorIsA ? (key.portA, key.portB) : (key.portB, key.portA)
        }
        // A port-less fragment flow of a port protocol hashes as though its
        // ports were 0: Community ID has no form without them.
        let id = CommunityID.v1(
            source: originator, destination: responder, protocolNumber: key.protocolNumber,
            sourcePort: ports.0, destinationPort: ports.1, seed: communityIDSeed)
        writer.field("community_id", string: id)
    }

    /// Zeek's `conn_state` for UDP and ICMP: which sides sent anything.
    private static func datagramConnState(_ flow: Flow) -> ConnState {
        switch (flow.originator.packets > 0, flow.responder.packets > 0) {
        case (true, true): .sf
        case (true, false): .s0
        case (false, true): .shr
        case (false, false): .oth
        }
    }

    private func writeDirectionStatistics(_ side: DirectionStatistics, prefix: StaticString) {
        guard side.packets > 0 else { return }
        let lengths = DirectionStatistics.meanAndDeviation(
            count: side.packets, sum: UInt128(side.bytes), squares: side.lengthSquares)
        writer.withCursor(reserving: 100) { out in
            out.prefixedKey(prefix, "_len_min"); out.unsigned(UInt64(side.lengthMinimum))
            out.prefixedKey(prefix, "_len_max"); out.unsigned(UInt64(side.lengthMaximum))
            out.prefixedKey(prefix, "_len_mean")
        }
        writer.appendDouble(lengths.mean)
        writer.withCursor(reserving: 40) { out in out.prefixedKey(prefix, "_len_stddev") }
        writer.appendDouble(lengths.deviation)
        if side.gapCount > 0 {
            let gaps = DirectionStatistics.meanAndDeviation(
                count: side.gapCount, sum: UInt128(side.gapSum), squares: side.gapSquares)
            writer.withCursor(reserving: 120) { out in
                out.prefixedKey(prefix, "_iat_min_us"); out.scaledDecimal(Int64(side.gapMinimum), scale: 3)
                out.prefixedKey(prefix, "_iat_max_us"); out.scaledDecimal(Int64(side.gapMaximum), scale: 3)
                out.prefixedKey(prefix, "_iat_mean_us")
            }
            writer.appendDouble(gaps.mean / 1000)
            writer.withCursor(reserving: 40) { out in out.prefixedKey(prefix, "_iat_stddev_us") }
            writer.appendDouble(gaps.deviation / 1000)
        }
        if side.sawTTL {
            writer.withCursor(reserving: 60) { out in
                out.prefixedKey(prefix, "_ttl_min"); out.unsigned(UInt64(side.ttlMinimum))
                out.prefixedKey(prefix, "_ttl_max"); out.unsigned(UInt64(side.ttlMaximum))
            }
        }
    }

    private func writeTCPStatistics(_ flow: Flow) {
        let flags = flow.flags
        let o = flow.originator
        let r = flow.responder
        writer.withCursor(reserving: 400) { out in
            out.key("syn_count"); out.unsigned(UInt64(flags.syn))
            out.key("synack_count"); out.unsigned(UInt64(flags.synAck))
            out.key("fin_count"); out.unsigned(UInt64(flags.fin))
            out.key("rst_count"); out.unsigned(UInt64(flags.rst))
            out.key("psh_count"); out.unsigned(UInt64(flags.psh))
            out.key("ack_count"); out.unsigned(UInt64(flags.ack))
            out.key("urg_count"); out.unsigned(UInt64(flags.urg))
            out.key("ece_count"); out.unsigned(UInt64(flags.ece))
            out.key("cwr_count"); out.unsigned(UInt64(flags.cwr))
            if o.initialWindow >= 0 { out.key("orig_init_win"); out.unsigned(UInt64(o.initialWindow)) }
            if r.initialWindow >= 0 { out.key("resp_init_win"); out.unsigned(UInt64(r.initialWindow)) }
            out.key("orig_retransmits"); out.unsigned(UInt64(o.sequence.retransmissions))
            out.key("resp_retransmits"); out.unsigned(UInt64(r.sequence.retransmissions))
            out.key("orig_out_of_order"); out.unsigned(UInt64(o.sequence.outOfOrder))
            out.key("resp_out_of_order"); out.unsigned(UInt64(r.sequence.outOfOrder))
            out.key("orig_seq_bytes"); out.unsigned(flow.tcp.originatorPayloadBytes)
            out.key("resp_seq_bytes"); out.unsigned(flow.tcp.responderPayloadBytes)
        }
    }

    private func writeFirstPackets(_ first: FirstPackets) {
        let count = Int(first.count)
        guard count > 0 else { return }
        writer.withCursor(reserving: 60 + count * 20) { out in
            out.text(",\"splt_len\":[")
            for index in 0..<count {
                if index > 0 { out.byte(UInt8(ascii: ",")) }
                out.unsigned(UInt64(first.length(index)))
            }
            out.text("],\"splt_dir\":[")
            for index in 0..<count {
                if index > 0 { out.byte(UInt8(ascii: ",")) }
                out.unsigned(UInt64(first.direction(index)))
            }
            out.text("],\"splt_iat_us\":[")
            for index in 0..<count {
                if index > 0 { out.byte(UInt8(ascii: ",")) }
                out.unsigned(UInt64(first.gapMicroseconds(index)))
            }
            out.byte(UInt8(ascii: "]"))
        }
    }
}

extension OutputCursor {
    /// `,"<prefix><suffix>":`, for the per-direction names.
    @inline(__always)
    mutating func prefixedKey(_ prefix: StaticString, _ suffix: StaticString) {
        text(",\"")
        text(prefix)
        text(suffix)
        text("\":")
    }
}
