import Foundation
import Testing
import TestSupport

@testable import SparseSimCore

@Suite struct AtomicFileTests {
    @Test func replacesWholeFileAndLeavesNoTemporary() throws {
        let dir = try makeTemporaryDirectory()
        let path = dir + "/out.json"
        try AtomicFile.write("first", to: path)
        try AtomicFile.write("second", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.json"])
    }

    @Test func failureLeavesTheOldFileAndNoTemporary() throws {
        let dir = try makeTemporaryDirectory()
        let path = dir + "/target"
        // A directory in the way: rename(2) of a file over a non-empty directory fails.
        try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        let error = expectSparseSimError { try AtomicFile.write("x", to: path) }
        #expect(error?.file == path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["target"])
        let missing = expectSparseSimError { try AtomicFile.write("x", to: dir + "/no/such/dir/file") }
        #expect(missing?.message.contains("cannot create temporary file") == true)
        #expect(throws: SparseSimError.self) { try AtomicFile.checkWritable(dir + "/no/such/dir/file") }
        #expect(throws: SparseSimError.self) { try AtomicFile.checkWritable(dir) }
        try AtomicFile.checkWritable(dir + "/new-file")
    }
}
