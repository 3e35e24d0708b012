import Foundation
import Testing

/// The module graph Docs/architecture.md draws, read from `swift package dump-package`:
/// Training and Sim never see each other, the simulator links no BLAS, and Study is the one
/// module that sees both halves.
@Suite struct ModuleGraphTests {
    /// Each target's direct dependencies (targets and products by name).
    static func dependencies() throws -> [String: [String]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let scratch = NSTemporaryDirectory() + "sparsesim-dump-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        p.arguments = ["swift", "package", "--package-path", CLITests.repositoryRoot, "--scratch-path", scratch, "dump-package"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "swift package dump-package failed")
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var graph: [String: [String]] = [:]
        for target in root["targets"] as? [[String: Any]] ?? [] {
            let name = target["name"] as? String ?? ""
            graph[name] = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency in
                for key in ["byName", "target", "product"] {
                    if let value = dependency[key] as? [Any], let first = value.first as? String { return first }
                }
                return nil
            }
        }
        return graph
    }

    /// Everything `target` depends on, directly or through other targets.
    static func closure(_ target: String, in graph: [String: [String]]) -> Set<String> {
        var seen: Set<String> = [], stack = [target]
        while let next = stack.popLast() {
            for d in graph[next] ?? [] where seen.insert(d).inserted { stack.append(d) }
        }
        return seen
    }

    @Test func halvesMeetOnlyInStudy() throws {
        let graph = try Self.dependencies()
        let sim = Self.closure("Sim", in: graph), training = Self.closure("Training", in: graph)
        #expect(!sim.isEmpty && !training.isEmpty)
        #expect(!sim.contains("CBLAS"), "the simulator links no BLAS: \(sim.sorted())")
        #expect(!sim.contains("Training") && !sim.contains("Decomposition"), "\(sim.sorted())")
        #expect(!training.contains("Sim") && !training.contains("Dataflow") && !training.contains("CLibXML2"), "\(training.sorted())")
        let both = graph.keys.filter { t in
            let c = Self.closure(t, in: graph)
            return c.contains("Sim") && c.contains("Training") && !(graph[t] ?? []).isEmpty && t != "sparsesim" && !t.hasSuffix("Tests")
        }
        #expect(both == ["Study"], "\(both)")
        #expect(Self.closure("SparseSimCore", in: graph).isEmpty, "the vocabulary depends on nothing of SparseSim")
        #expect(Self.closure("Trace", in: graph) == ["SparseSimCore"])
    }
}
