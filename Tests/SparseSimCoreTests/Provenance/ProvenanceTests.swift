import Foundation
import Testing
import TestSupport

@testable import SparseSimCore

@Suite struct ProvenanceTests {
    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),  // leap day
        (1_790_000_000, "2026-09-21T14:13:20Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (4_107_542_399, "2100-02-28T23:59:59Z"),  // 2100 is not a leap year
    ])
    func iso8601MatchesKnownDates(seconds: Int, text: String) {
        #expect(Provenance.iso8601(secondsSinceEpoch: seconds) == text)
    }

    @Test func iso8601AgreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var rng = SplitMix64(seed: 3)
        for _ in 0..<1000 {
            let t = Int(rng.next() % 8_000_000_000)
            #expect(Provenance.iso8601(secondsSinceEpoch: t) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(t))))
        }
    }

    @Test func sourceDateEpochPinsTheTimestamp() {
        #expect(Provenance.timestamp(environment: ["SOURCE_DATE_EPOCH": "1790000000"]) == "2026-09-21T14:13:20Z")
        let now = Provenance.timestamp(environment: [:])
        #expect(now.count == 20 && now.hasSuffix("Z"))
    }

    @Test func currentRecordsToolAndCommandLine() {
        let p = Provenance.current(seed: 9, threads: 2, blasCore: "SkylakeX", commandLine: ["sparsesim", "train"])
        #expect(p.tool == "sparsesim" && p.toolVersion == SparseSimVersion.string)
        #expect(p.commandLine == ["sparsesim", "train"] && p.seed == 9 && p.threads == 2 && p.blasCore == "SkylakeX")
    }
}
