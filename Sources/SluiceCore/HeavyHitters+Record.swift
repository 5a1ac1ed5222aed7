/// A heavy-hitter summary in a record: a JSON array of `[text, weight]`
/// pairs, heaviest first (sluice-records(7)):
/// `"top_peers":[["192.168.1.25",1981],["10.0.0.7",3]]`,
/// `"top_dports":[["22/tcp",60]]`.
extension NDJSONWriter {
    public func field(_ key: StaticString, topAddresses summary: HeavyHitters<IPAddress>) {
        beginField(key, room: 2)
        appendList(topAddresses: summary)
    }

    public func field(_ key: StaticString, topPorts summary: HeavyHitters<ProtocolPort>) {
        beginField(key, room: 2)
        appendList(topPorts: summary)
    }

    public func appendList(topAddresses summary: HeavyHitters<IPAddress>) {
        reserve(2)
        appendByte(UInt8(ascii: "["))
        for (index, entry) in summary.ranked.enumerated() {
            reserve(72)
            if index > 0 { appendByte(UInt8(ascii: ",")) }
            appendByte(UInt8(ascii: "["))
            appendByte(UInt8(ascii: "\""))
            appendAddress(entry.value)
            appendByte(UInt8(ascii: "\""))
            appendByte(UInt8(ascii: ","))
            appendInteger(Int(clamping: entry.weight))
            appendByte(UInt8(ascii: "]"))
        }
        appendByte(UInt8(ascii: "]"))
    }

    public func appendList(topPorts summary: HeavyHitters<ProtocolPort>) {
        reserve(2)
        appendByte(UInt8(ascii: "["))
        for (index, entry) in summary.ranked.enumerated() {
            reserve(48)
            if index > 0 { appendByte(UInt8(ascii: ",")) }
            appendByte(UInt8(ascii: "["))
            appendByte(UInt8(ascii: "\""))
            appendInteger(Int(entry.value.port))
            appendByte(UInt8(ascii: "/"))
            switch entry.value.protocolNumber {
            case 6: append("tcp")
            case 17: append("udp")
            case 132: append("sctp")
            default: appendInteger(Int(entry.value.protocolNumber))
            }
            appendByte(UInt8(ascii: "\""))
            appendByte(UInt8(ascii: ","))
            appendInteger(Int(clamping: entry.weight))
            appendByte(UInt8(ascii: "]"))
        }
        appendByte(UInt8(ascii: "]"))
    }
}

extension HeavyHitters where Value == IPAddress {
    /// The list's JSON text, as a record has it.
    public var listText: String {
        let writer = NDJSONWriter(fileDescriptor: -1, bufferSize: 256)
        writer.appendList(topAddresses: self)
        return String(decoding: UnsafeBufferPointer(start: writer.buffer, count: writer.count), as: UTF8.self)
    }
}

extension HeavyHitters where Value == ProtocolPort {
    public var listText: String {
        let writer = NDJSONWriter(fileDescriptor: -1, bufferSize: 256)
        writer.appendList(topPorts: self)
        return String(decoding: UnsafeBufferPointer(start: writer.buffer, count: writer.count), as: UTF8.self)
    }
}

extension HeavyHitters {
    /// Reads the JSON text of a record's list (`[["10.0.0.7",3],...]`),
    /// each value's text read by `value`; nil when the text is not such a
    /// list, a value does not read, a weight is not a whole number above 0,
    /// or a value repeats. Inlinable, like the summary's operations, so
    /// that the tools get it specialised for their value types.
    @inlinable public init?(listText text: UnsafeBufferPointer<UInt8>, capacity: Int = HeavyHittersDefaults.capacity,
                 value: (UnsafeBufferPointer<UInt8>) -> Value?) {
        var scanner = ListScanner(text: text)
        guard scanner.take(UInt8(ascii: "[")) else { return nil }
        var entries: [Entry] = []
        if !scanner.take(UInt8(ascii: "]")) {
            repeat {
                guard scanner.take(UInt8(ascii: "[")), let valueText = scanner.string(), let parsed = value(valueText),
                      scanner.take(UInt8(ascii: ",")), let weight = scanner.integer(), weight > 0,
                      scanner.take(UInt8(ascii: "]")) else { return nil }
                guard !entries.contains(where: { $0.value == parsed }) else { return nil }
                entries.append(Entry(value: parsed, weight: weight))
            } while scanner.take(UInt8(ascii: ","))
            guard scanner.take(UInt8(ascii: "]")) else { return nil }
        }
        guard scanner.atEnd else { return nil }
        self.init(capacity: capacity, entries: entries)
    }
}

/// The few JSON tokens a heavy-hitter list is made of; whitespace between
/// them is skipped.
@usableFromInline struct ListScanner {
    @usableFromInline let text: UnsafeBufferPointer<UInt8>
    @usableFromInline var index: Int

    @inlinable init(text: UnsafeBufferPointer<UInt8>) {
        self.text = text
        index = text.startIndex
    }

    @inlinable mutating func skipSpace() {
        while index < text.endIndex, text[index] == 0x20 || text[index] == 0x09 || text[index] == 0x0A || text[index] == 0x0D {
            index += 1
        }
    }

    @inlinable mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < text.endIndex, text[index] == byte else { return false }
        index += 1
        return true
    }

    /// A string without escapes (addresses and ports have none).
    @inlinable mutating func string() -> UnsafeBufferPointer<UInt8>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < text.endIndex, text[index] != UInt8(ascii: "\"") {
            guard text[index] != UInt8(ascii: "\\"), text[index] >= 0x20 else { return nil }
            index += 1
        }
        guard index < text.endIndex else { return nil }
        defer { index += 1 }
        return UnsafeBufferPointer(rebasing: text[start..<index])
    }

    @inlinable mutating func integer() -> UInt64? {
        skipSpace()
        var value: UInt64 = 0
        let start = index
        while index < text.endIndex, text[index] &- 48 < 10 {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(text[index] &- 48))
            guard !overflow, !carry else { return nil }
            value = sum
            index += 1
        }
        guard index > start, index - start == 1 || text[start] != UInt8(ascii: "0") else { return nil }
        return value
    }

    @inlinable var atEnd: Bool {
        mutating get {
            skipSpace()
            return index == text.endIndex
        }
    }
}
