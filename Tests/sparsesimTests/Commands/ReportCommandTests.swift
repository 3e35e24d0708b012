import Foundation
import TestSupport
import Testing

/// `sparsesim report` end to end, and the page in a real browser: headless Chromium renders it
/// without console errors and its screenshot is not blank.
@Suite struct ReportCommandTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static func temporary(_ name: String) -> String {
        NSTemporaryDirectory() + "sparsesim-report-\(UUID().uuidString)-\(name)"
    }

    static func writeReport() throws -> String {
        let out = temporary("r.html")
        let r = try CLITests.run(["report", "--trace", CLITests.fixture, "--hw", CLITests.repositoryRoot + "/HardwareSpecs/scnn.xml",
                                  "--hw", CLITests.repositoryRoot + "/HardwareSpecs/systolic-ws.xml", "--out", out])
        #expect(r.status == 0 && r.stdout == "wrote \(out)\n", "\(r.stderr)")
        return out
    }

    @Test func writesAndRefuses() throws {
        let out = try Self.writeReport()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("SparseSim report: tiny-cnn, magnitude") && html.contains("Weight masks"))
        let bad = Self.temporary("bad.html")
        let missing = try CLITests.run(["report", "--trace", "/no/such.sstrace", "--out", bad])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("sparsesim: error: /no/such.sstrace"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bad))
        let spec = try CLITests.run(["report", "--trace", CLITests.fixture, "--hw", "/no/such.xml", "--out", bad])
        #expect(spec.status == 1 && !FileManager.default.fileExists(atPath: bad), "\(spec.stderr)")
        let usage = try CLITests.run(["report", "--trace", CLITests.fixture])
        #expect(usage.status == 64 && usage.stderr.contains("--out"), "\(usage.stderr)")
    }

    /// `--svcca`: a section with SVCCA's mean correlation per layer of each trace against the
    /// first — 1 for a trace against itself, and `analyze svcca`'s values for two seeds of a
    /// network — and one line (exit 64) with a single trace.
    @Test func svccaSection() throws {
        let same = Self.temporary("same.html")
        defer { try? FileManager.default.removeItem(atPath: same) }
        let r = try CLITests.run(["report", "--trace", CLITests.fixture, "--trace", CLITests.fixture, "--svcca", "inputs", "--out", same])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: same, encoding: .utf8)
        #expect(html.contains("<h2>Representation similarity (SVCCA)</h2>"))
        #expect(html.contains("<th>conv1</th><th>conv2</th><th>fc</th></tr>"))
        #expect(html.contains("<td>1.000</td><td>1.000</td><td>1.000</td></tr>"), "a trace against itself")

        var traces: [String] = []
        for seed in ["1", "2"] {
            let t = Self.temporary("seed\(seed).sstrace")
            let train = try CLITests.run(["train", "--model", "mlp", "--train-samples", "256", "--test-samples", "64", "--max-steps", "4",
                                          "--seed", seed, "--trace", t, "--trace-samples", "64", "--trace-activations", "outputs"])
            #expect(train.status == 0, "\(train.stderr)")
            traces.append(t)
        }
        defer { for t in traces { try? FileManager.default.removeItem(atPath: t) } }
        let out = Self.temporary("seeds.html")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let report = try CLITests.run(["report", "--trace", traces[0], "--trace", traces[1], "--svcca", "outputs", "--out", out])
        #expect(report.status == 0, "\(report.stderr)")
        let analyze = try CLITests.run(["analyze", "svcca", "--trace", traces[0], "--trace", traces[1], "--activations", "outputs", "--format", "csv"])
        #expect(analyze.status == 0, "\(analyze.stderr)")
        let means = analyze.stdout.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",").last!)! }
        #expect(means.count == 3 && means.contains { $0 < 0.999 }, "two seeds differ somewhere: \(means)")
        let row = means.map { "<td>\(String(format: "%.3f", $0))</td>" }.joined() + "</tr>"
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains(row), "the report's row is analyze's: \(row)")

        let one = try CLITests.run(["report", "--trace", CLITests.fixture, "--svcca", "inputs", "--out", Self.temporary("one.html")])
        #expect(one.status == 64 && one.stderr.contains("--svcca compares traces"), "\(one.stderr)")
    }

    /// Skipped, visibly, where Chromium is not installed (scripts/bootstrap installs it).
    @Test(.enabled(if: chromium != nil, "chromium is not installed (apt-get install chromium)"))
    func rendersInHeadlessChromium() throws {
        let out = try Self.writeReport()
        let png = Self.temporary("shot.png")
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: png)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.chromium!)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                       "--window-size=1200,1600", "--screenshot=\(png)", "file://\(out)"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(log)")
        // Page errors reach the log as CONSOLE lines (dbus noise from a container is not the page's).
        let consoleErrors = log.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
        #expect(consoleErrors.isEmpty, "\(consoleErrors)")
        // Decode the PNG (zlib + row filters) and count pixels that are not white.
        let text = try Python.run(["-c", Self.pngInk, png]).text
        let parts = text.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(parts.count == 3, "\(text)")
        if parts.count == 3 {
            #expect(parts[0] == 1200 && parts[1] == 1600, "\(text)")
            #expect(parts[2] > 0.02, "only \(parts[2]) of the pixels are not white")
        }
    }

    /// Python: width, height and the share of non-white pixels of an 8-bit RGB(A) PNG.
    static let pngInk = """
        import struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
        pos, idat = 8, b''
        while pos < len(data):
            n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
            if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            if kind == b'IDAT': idat += body
        assert depth == 8 and ctype in (2, 6)
        bpp = 3 if ctype == 2 else 4
        raw, stride, prev, ink, i = zlib.decompress(idat), w * bpp, bytearray(w * bpp), 0, 0
        for y in range(h):
            f = raw[i]; row = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
            for x in range(stride):
                a = row[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
                if f == 1: row[x] = (row[x] + a) & 255
                elif f == 2: row[x] = (row[x] + b) & 255
                elif f == 3: row[x] = (row[x] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            ink += sum(1 for x in range(0, stride, bpp) if row[x] < 250 or row[x + 1] < 250 or row[x + 2] < 250)
            prev = row
        print(w, h, ink / (w * h))
        """
}
