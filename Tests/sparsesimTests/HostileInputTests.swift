import Foundation
import Testing

/// Hostile input, end to end: each case builds a broken or malicious file (or command line),
/// runs the real `sparsesim`, and requires the exact error class — exit status 1 (bad input) or
/// 64 (bad usage), the file and place the error line names, and what it says — never a signal,
/// a crash report or a hang.
@Suite struct HostileInputTests {
    // MARK: - The test

    @Test(arguments: all)
    func refusedCleanly(_ c: HostileCase) throws {
        let dir = NSTemporaryDirectory() + "sparsesim-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let arguments = try c.arguments(dir)
        let r = try Self.run(arguments, timeout: 60)
        #expect(!r.timedOut, "hung: killed after 60 s")
        #expect(r.reason == .exit, "terminated by signal \(r.status)")
        #expect(r.status == c.status, "exit status \(r.status), expected \(c.status); stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"), "\(r.stderr)")
        let says = c.says.replacingOccurrences(of: "$D", with: dir)
        if let place = c.place?.replacingOccurrences(of: "$D", with: dir) {
            // The error line: `sparsesim: error: FILE:WHERE: MESSAGE`, or a spec problem's
            // `FILE:LINE: error: MESSAGE` (a spec's problems are all listed); the one saying `says`.
            let lines = r.stderr.split(separator: "\n").map { line in
                line.hasPrefix("sparsesim: error: ") ? String(line.dropFirst("sparsesim: error: ".count)) : String(line)
            }
            let line = says.isEmpty ? lines.last : lines.first { $0.contains(says) }
            #expect(line != nil, "no error line says '\(says)': \(r.stderr)")
            if let line {
                #expect(line.hasPrefix(place) && !line.dropFirst(place.count).hasPrefix("/"), "error line \(line) is not about \(place)")
            }
        } else {
            #expect(r.stderr.hasPrefix("Error: ") && (says.isEmpty || r.stderr.contains(says)), "\(r.stderr)")
        }
    }

    @Test func thereAreAtLeastFortyCasesAcrossEveryReader() {
        #expect(Self.all.count >= 40)
        for prefix in ["spec", "trace", "npy", "safetensors", "topology", "idx", "flags"] {
            #expect(Self.all.filter { $0.name.hasPrefix(prefix + ":") }.count >= 5, "\(prefix)")
        }
        #expect(Set(Self.all.map(\.name)).count == Self.all.count)
    }

    // MARK: - Running

    struct Outcome {
        var status: Int32
        var reason: Process.TerminationReason
        var stderr: String
        var timedOut: Bool
    }

    /// Runs sparsesim, killing it after `timeout` seconds; standard error goes through a file
    /// (no pipe to drain while waiting).
    static func run(_ arguments: [String], timeout: Double) throws -> Outcome {
        let errPath = NSTemporaryDirectory() + "sparsesim-hostile-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let err = try #require(FileHandle(forWritingAtPath: errPath))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLITests.executable)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline { timedOut = true; kill(p.processIdentifier, SIGKILL); break }
            usleep(2_000)
        }
        p.waitUntilExit()
        try err.close()
        let text = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        return Outcome(status: p.terminationStatus, reason: p.terminationReason, stderr: text, timedOut: timedOut)
    }

}
