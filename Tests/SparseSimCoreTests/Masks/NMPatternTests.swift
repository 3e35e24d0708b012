import Foundation
import Testing

@testable import SparseSimCore

/// The one N:M type: parsing, conformance found by brute force, JSON, and the other small
/// vocabulary types (operands, basis sharing).
@Suite struct NMPatternTests {
    @Test func parsing() {
        #expect(NMPattern(parsing: "2:4") == NMPattern(n: 2, m: 4))
        #expect(NMPattern(parsing: "16:32")?.density == 0.5)
        for bad in ["", "2", "2:", ":4", "5:4", "0:4", "2:4:8", "a:b", "-1:4"] { #expect(NMPattern(parsing: bad) == nil, "\(bad)") }
        #expect(NMPattern(n: 2, m: 4).description == "2:4")
    }

    /// Every 2×6 mask: the first violation equals a direct scan of the groups.
    @Test func firstViolationMatchesBruteForce() {
        let pattern = NMPattern(n: 2, m: 4)
        for bits in 0..<(1 << 12) {
            let mask = Bitmask((0..<12).map { bits >> $0 & 1 == 1 })
            var expected: NMPattern.Violation?
            search: for row in 0..<2 {
                for (g, start) in [0, 4].enumerated() {
                    let kept = (start..<min(start + 4, 6)).filter { mask[row * 6 + $0] }.count
                    if kept > 2 { expected = .init(row: row, group: g, kept: kept); break search }
                }
            }
            #expect(pattern.firstViolation(in: mask, rows: 2, columns: 6) == expected)
            #expect(pattern.conforms(mask, rows: 2, columns: 6) == (expected == nil))
        }
    }

    @Test func jsonRefusesInvalidPatterns() throws {
        let data = try JSONEncoder().encode(NMPattern(n: 2, m: 4))
        #expect(try JSONDecoder().decode(NMPattern.self, from: data) == NMPattern(n: 2, m: 4))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(NMPattern.self, from: Data(#"{"n": 5, "m": 4}"#.utf8)) }
    }

    @Test func operandsAndSharing() throws {
        #expect(Operand.allCases == [.weights, .inputs, .outputs])
        #expect(Operand.allCases.sorted(by: >) == [.outputs, .inputs, .weights])
        #expect(Operand.inputs.dimensions == [.e, .t])
        #expect(BasisSharing.layer.groups(channels: 7) == 1 && BasisSharing.channel.groups(channels: 7) == 7)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([BasisSharing].self, from: Data(#"["filter"]"#.utf8)) }
    }
}
