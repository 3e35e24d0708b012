import CLibXML2
import Foundation
import SparseSimCore

// MARK: - SpecLoader

/// Reads hardware specs: parse (libxml2, no network, no DTDs), apply `--set` overrides,
/// validate against `accelerator.xsd`, check what the schema cannot, fill in defaults.
/// Every error found is reported, each as `file:line: error: message`.
public enum SpecLoader {
    /// A spec and the file it was loaded from (as the user named it).
    public struct Loaded: Sendable {
        /// The file.
        public var file: String
        /// The effective spec.
        public var spec: HardwareSpec

        /// A loaded spec.
        public init(file: String, spec: HardwareSpec) {
            self.file = file
            self.spec = spec
        }
    }

    /// Loads every spec at `paths`, each with the same `overrides`, stopping at the first file
    /// with problems.
    /// - Throws: `SpecErrors` with every problem of that file.
    public static func load(paths: [String], overrides: [String] = []) throws(SpecErrors) -> [Loaded] {
        var loaded: [Loaded] = []
        for path in paths { loaded.append(Loaded(file: path, spec: try load(path: path, overrides: overrides))) }
        return loaded
    }

    /// Loads the spec at `path` with `overrides` (`path=value`, e.g. `pe-array.rows=128`).
    /// - Throws: `SpecErrors` with every problem found.
    public static func load(path: String, overrides: [String] = []) throws(SpecErrors) -> HardwareSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw SpecErrors([SpecError(file: path, line: 0, message: exists ? "cannot read file" : "no such file")])
        }
        return try load(bytes: [UInt8](data), file: path, overrides: overrides)
    }

    /// Loads a spec from its bytes; `file` names it in errors.
    public static func load(bytes: [UInt8], file: String, overrides: [String] = []) throws(SpecErrors) -> HardwareSpec {
        let document = try XMLDocument.parse(bytes, file: file)
        guard let root = document.root, root.name == "accelerator" else {
            throw SpecErrors([SpecError(file: file, line: document.root?.line ?? 1, message: "the root element must be <accelerator>")])
        }
        var overrideErrors: [SpecError] = []
        for o in overrides {
            if let message = SpecOverride.apply(o, to: root) {
                overrideErrors.append(SpecError(file: file, line: 0, message: "--set \(o): \(message)"))
            }
        }
        guard overrideErrors.isEmpty else { throw SpecErrors(overrideErrors) }
        do {
            try document.validate(schema: AcceleratorSchema.text)
        } catch {
            throw overrides.isEmpty ? error : SpecErrors(error.errors.map {
                SpecError(file: $0.file, line: $0.line, message: $0.message + " (after --set \(overrides.joined(separator: " ")))")
            })
        }
        var builder = SpecBuilder(file: file)
        let spec = builder.build(root)
        guard builder.errors.isEmpty, let spec else {
            throw SpecErrors(builder.errors.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element))
        }
        return spec
    }
}

// MARK: - SpecOverride

/// `--set path=value` on the XML tree, before validation, so an override is checked exactly
/// like a value in the file.
///
/// Paths: `ELEMENT.ATTRIBUTE` (`pe-array.rows`, `technology.clockMHz`, `energy.macPJ`,
/// `decomposition.bases`, `vector-unit.lanes`); `ELEMENT` alone sets its `type` (`dataflow=os`);
/// `memory.LEVEL.ATTRIBUTE` (`memory.gbuf.sizeKiB`); `sparsity.OPERAND.ATTRIBUTE`
/// (`sparsity.inputs.exploit=gate`, created when absent).
enum SpecOverride {
    /// Applies one override; returns an error message, or nil on success.
    static func apply(_ text: String, to root: XMLElement) -> String? {
        guard let eq = text.firstIndex(of: "=") else { return "expected path=value" }
        let path = text[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let value = String(text[text.index(after: eq)...])
        guard !path.contains(where: \.isEmpty), !value.isEmpty else { return "expected path=value" }
        switch path.count {
        case 1:
            guard let element = root.child(path[0]) else { return "no element <\(path[0])> in the spec" }
            element.setAttribute("type", value)
        case 2:
            if path[0] == "memory" || path[0] == "sparsity" { return "expected \(path[0]).NAME.ATTRIBUTE" }
            guard let element = root.child(path[0]) ?? createOptional(path[0], in: root) else {
                return "no element <\(path[0])> in the spec"
            }
            element.setAttribute(path[1], value)
        case 3 where path[0] == "memory":
            guard let memory = root.child("memory"),
                let level = memory.children.first(where: { $0.name == "level" && $0.attribute("name") == path[1] })
            else {
                let names = root.child("memory")?.children.compactMap { $0.attribute("name") }.joined(separator: ", ") ?? ""
                return "no memory level named '\(path[1])' (levels: \(names))"
            }
            level.setAttribute(path[2], value)
        case 3 where path[0] == "sparsity":
            guard Operand(rawValue: path[1]) != nil else { return "'\(path[1])' is not an operand (weights, inputs, outputs)" }
            guard let sparsity = root.child("sparsity") ?? createOptional("sparsity", in: root) else { return "cannot add <sparsity>" }
            let operand = sparsity.children.first { $0.attribute("name") == path[1] }
                ?? XMLElement(node: xmlNewChild(sparsity.node, nil, "operand", nil))
            operand.setAttribute("name", path[1])
            operand.setAttribute(path[2], value)
        default:
            return "unknown path '\(path.joined(separator: "."))'"
        }
        return nil
    }

    /// Adds an optional element (`energy`, `sparsity`, `decomposition`, `vector-unit`) at its place in the schema's order.
    private static func createOptional(_ name: String, in root: XMLElement) -> XMLElement? {
        let after: String
        switch name {
        case "energy": after = "pe-array"
        case "sparsity": after = "dataflow"
        case "decomposition": after = root.child("sparsity") != nil ? "sparsity" : "dataflow"
        case "vector-unit": after = ["decomposition", "sparsity"].first { root.child($0) != nil } ?? "dataflow"
        default: return nil
        }
        guard let anchor = root.child(after), let node = xmlNewDocNode(root.node.pointee.doc, nil, name, nil) else { return nil }
        xmlAddNextSibling(anchor.node, node)
        return XMLElement(node: node)
    }
}
