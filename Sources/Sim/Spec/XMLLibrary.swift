import CLibXML2

// MARK: - XMLLibrary

/// Facts about the libxml2 that parses hardware specs.
package enum XMLLibrary {
    /// libxml2's run-time version, dotted (`2.9.14`), from its `xmlParserVersion` number (`20914`).
    package static var version: String {
        guard let raw = sparsesim_xml_parser_version() else { return "unknown" }
        return dotted(String(cString: raw))
    }

    /// Formats libxml2's `MMmmpp` version number as `M.m.p`; other text is returned unchanged.
    static func dotted(_ number: String) -> String {
        let digits = number.prefix { $0.isNumber }
        guard let value = Int(digits), digits.count >= 5 else { return number }
        return "\(value / 10_000).\(value / 100 % 100).\(value % 100)"
    }
}
