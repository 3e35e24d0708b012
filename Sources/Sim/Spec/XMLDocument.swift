import CLibXML2

// MARK: - XMLDocument

/// A parsed XML document, owned: the libxml2 tree is freed with this value.
///
/// Parsing never touches the network (`XML_PARSE_NONET`), never substitutes entities or loads
/// DTDs, and refuses any document that declares a DTD at all. Errors carry their line.
final class XMLDocument {
    let pointer: xmlDocPtr
    let file: String

    private init(pointer: xmlDocPtr, file: String) {
        self.pointer = pointer
        self.file = file
    }

    deinit { xmlFreeDoc(pointer) }

    /// Parses `bytes`; every error libxml2 reports is returned, each with its line.
    static func parse(_ bytes: [UInt8], file: String) throws(SpecErrors) -> XMLDocument {
        guard bytes.count <= maxBytes else {
            throw SpecErrors([SpecError(file: file, line: 0, message: "\(bytes.count) bytes is over the \(maxBytes >> 20) MiB limit for a hardware spec")])
        }
        if let line = doctypeLine(bytes) {
            // Refused before libxml2 reads the DTD: no entity is ever declared, let alone expanded.
            throw SpecErrors([SpecError(file: file, line: line,
                                        message: "DOCTYPE declarations are not allowed in hardware specs (no DTDs, no entities)")])
        }
        let collector = XMLErrorCollector(file: file)
        let doc: xmlDocPtr? = collector.collecting {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    xmlReadMemory(chars.baseAddress, Int32(chars.count), file, nil, sparsesim_xml_safe_parse_options())
                }
            }
        }
        guard let doc, collector.errors.isEmpty else {
            if let doc { xmlFreeDoc(doc) }
            throw SpecErrors(collector.errors.isEmpty ? [SpecError(file: file, line: 1, message: "not an XML document (empty or unreadable)")] : collector.errors)
        }
        let document = XMLDocument(pointer: doc, file: file)
        if doc.pointee.intSubset != nil || doc.pointee.extSubset != nil {
            let node = xmlDocGetRootElement(doc)
            let line = node.map { Int(xmlGetLineNo($0)) } ?? 1
            throw SpecErrors([SpecError(
                file: file, line: max(1, line - 1),
                message: "DOCTYPE declarations are not allowed in hardware specs (no DTDs, no entities)")])
        }
        return document
    }

    /// The largest spec read (1 MiB; the presets are 1 to 3 KiB).
    static let maxBytes = 1 << 20

    /// The line of a `<!DOCTYPE` in the prolog (after the XML declaration, comments, processing
    /// instructions and white space), or nil. Linear in the prolog's length.
    static func doctypeLine(_ bytes: [UInt8]) -> Int? {
        var i = 0, line = 1
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        func starts(_ text: String) -> Bool {
            let t = Array(text.utf8)
            return bytes.count - i >= t.count && bytes[i..<i + t.count].elementsEqual(t)
        }
        /// Moves past the next `terminator`; false when there is none.
        func skip(past terminator: String) -> Bool {
            let t = Array(terminator.utf8)
            while i < bytes.count {
                if starts(terminator) { i += t.count; return true }
                if bytes[i] == 0x0A { line += 1 }
                i += 1
            }
            return false
        }
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0D: i += 1
            case 0x0A: line += 1; i += 1
            default:
                if starts("<?") { guard skip(past: "?>") else { return nil } }
                else if starts("<!--") { guard skip(past: "-->") else { return nil } }
                else { return starts("<!DOCTYPE") ? line : nil }
            }
        }
        return nil
    }

    /// Validates against an XML Schema given as text; returns every violation.
    func validate(schema: String) throws(SpecErrors) {
        let collector = XMLErrorCollector(file: file)
        let bytes = Array(schema.utf8)
        let ok: Bool = collector.collecting {
            bytes.withUnsafeBufferPointer { buffer -> Bool in
                buffer.withMemoryRebound(to: CChar.self) { chars -> Bool in
                    guard let parserContext = xmlSchemaNewMemParserCtxt(chars.baseAddress, Int32(chars.count)) else { return false }
                    defer { xmlSchemaFreeParserCtxt(parserContext) }
                    guard let schema = xmlSchemaParse(parserContext) else { return false }
                    defer { xmlSchemaFree(schema) }
                    guard let context = xmlSchemaNewValidCtxt(schema) else { return false }
                    defer { xmlSchemaFreeValidCtxt(context) }
                    xmlSchemaSetValidStructuredErrors(context, xmlErrorCollectorCallback, Unmanaged.passUnretained(collector).toOpaque())
                    return xmlSchemaValidateDoc(context, pointer) == 0
                }
            }
        }
        if !ok || !collector.errors.isEmpty {
            throw SpecErrors(collector.errors.isEmpty ? [SpecError(file: file, line: 0, message: "schema validation failed")] : collector.errors)
        }
    }

    var root: XMLElement? { xmlDocGetRootElement(pointer).map { XMLElement(node: $0) } }
}

// MARK: - XMLElement

/// A borrowed element of an `XMLDocument` (valid while the document lives).
struct XMLElement {
    let node: xmlNodePtr

    var name: String { String(cString: node.pointee.name) }
    var line: Int { Int(xmlGetLineNo(node)) }

    var children: [XMLElement] {
        var out: [XMLElement] = []
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE { out.append(XMLElement(node: c)) }
            child = c.pointee.next
        }
        return out
    }

    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    func attribute(_ name: String) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { sparsesim_xml_free(value) }
        return String(cString: value)
    }

    func setAttribute(_ name: String, _ value: String) {
        xmlSetProp(node, name, value)
    }
}

// MARK: - Error collection

/// Gathers libxml2's structured errors (parser and validator) for one file.
final class XMLErrorCollector {
    let file: String
    var errors: [SpecError] = []

    init(file: String) { self.file = file }

    /// Runs `body` with this thread's libxml2 parser errors routed here.
    func collecting<T>(_ body: () -> T) -> T {
        sparsesim_xml_set_error_handler(Unmanaged.passUnretained(self).toOpaque(), xmlErrorCollectorCallback)
        defer { sparsesim_xml_set_error_handler(nil, nil) }
        return withExtendedLifetime(self) { body() }
    }

    func add(_ error: xmlErrorPtr) {
        let e = error.pointee
        guard e.level != XML_ERR_WARNING else { return }
        var message = e.message.map { String(cString: $0) } ?? "XML error"
        while message.last == "\n" || message.last == " " { message.removeLast() }
        // Schema messages start "Element 'x', attribute 'y': ..."; keep them whole, one line.
        message = Self.shortened(message.replacingOccurrences(of: "\n", with: " "))
        errors.append(SpecError(file: file, line: Int(e.line), message: message))
    }

    /// `message` with every quoted value longer than 64 characters cut to its first 32 and a
    /// count, so that a hostile attribute cannot make an error line megabytes long.
    static func shortened(_ message: String) -> String {
        let parts = message.split(separator: "'", omittingEmptySubsequences: false)
        guard parts.count > 2, parts.contains(where: { $0.count > 64 }) else { return message }
        return parts.enumerated().map { i, part in
            i % 2 == 1 && part.count > 64 ? "\(part.prefix(32))... (\(part.count) characters)" : String(part)
        }.joined(separator: "'")
    }
}

/// The C callback libxml2 calls with each error.
let xmlErrorCollectorCallback: xmlStructuredErrorFunc = { context, error in
    guard let context, let error else { return }
    Unmanaged<XMLErrorCollector>.fromOpaque(context).takeUnretainedValue().add(error)
}
