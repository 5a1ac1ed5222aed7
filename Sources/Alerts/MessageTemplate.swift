/// A rule's message: text with `{name}` placeholders for the parties
/// (`attacker`, `victim`, `dest_port`, `host`) and for feature values.
enum MessageTemplate {
    static let parties: Set<String> = ["attacker", "victim", "dest_port", "host"]

    /// The placeholders in order; nil for a '{' that is never closed.
    static func placeholders(_ template: String) -> [String?] {
        var names: [String?] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                names.append(nil)
                break
            }
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// The template with each placeholder replaced by `value(name)`.
    static func render(_ template: String, value: (String) -> String) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            output += rest[..<open]
            output += value(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }
}
