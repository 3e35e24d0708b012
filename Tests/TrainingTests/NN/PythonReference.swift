import Foundation
import Testing
import TestSupport

/// Layer outputs against references computed in Python (numpy, and PyTorch where it imports).
enum PythonReference {
    /// Runs `script` with `input` (JSON) on its standard input; the script prints a JSON object
    /// of named references (`{"numpy": [...], "torch": [...]}`), each compared with `output`
    /// element by element to `tolerance`. numpy's is required, torch's where torch imports.
    static func expectMatches(_ output: [Float], script: String, input: Data, tolerance: Double,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let stdin = try makeTemporaryDirectory() + "/input.json"
        try input.write(to: URL(fileURLWithPath: stdin))
        let r = try Python.run(["-c", "import sys; sys.stdin = open(sys.argv[1]); exec(sys.argv[2])", stdin, script])
        try #require(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
        let references = try JSONDecoder().decode([String: [Double]].self, from: r.stdout)
        for (name, reference) in references {
            #expect(reference.count == output.count, "\(name)", sourceLocation: sourceLocation)
            let worst = zip(reference, output).map { abs($0 - Double($1)) }.max() ?? .infinity
            #expect(worst < tolerance, "\(name): largest difference \(worst)", sourceLocation: sourceLocation)
        }
        #expect(references["numpy"] != nil, sourceLocation: sourceLocation)
        if Python.hasTorch { #expect(references["torch"] != nil, sourceLocation: sourceLocation) }
    }
}
