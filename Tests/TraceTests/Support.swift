import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace

/// The repository root, from this file's path (Tests/TraceTests/Support.swift).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The committed example trace written by numpy (`tools/sstrace.py --example`).
let fixtureTrace = repositoryRoot + "/Tests/TraceTests/Fixtures/tiny-cnn.sstrace"
