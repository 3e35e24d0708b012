import Foundation
import Testing
import TestSupport

@testable import SparseSimCore

@Suite struct GitCommitTests {
    func makeRepo() throws -> String {
        let root = try makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/.git/refs/heads", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        return root
    }

    @Test func looseRefPackedRefAndDetachedHead() throws {
        let root = try makeRepo()
        let hash = String(repeating: "ab", count: 20)
        try "ref: refs/heads/main\n".write(toFile: root + "/.git/HEAD", atomically: true, encoding: .utf8)
        try (hash + "\n").write(toFile: root + "/.git/refs/heads/main", atomically: true, encoding: .utf8)
        #expect(GitCommit.find(startingAt: root + "/a/b") == hash)

        try FileManager.default.removeItem(atPath: root + "/.git/refs/heads/main")
        let packed = String(repeating: "cd", count: 20)
        try "# pack-refs with: peeled\n\(packed) refs/heads/main\n".write(toFile: root + "/.git/packed-refs", atomically: true, encoding: .utf8)
        #expect(GitCommit.find(startingAt: root + "/a") == packed)

        let detached = String(repeating: "0f", count: 20)
        try (detached + "\n").write(toFile: root + "/.git/HEAD", atomically: true, encoding: .utf8)
        #expect(GitCommit.find(startingAt: root) == detached)
    }

    @Test func noRepositoryGivesNil() throws {
        let root = try makeRepo()
        try "ref: refs/heads/none\n".write(toFile: root + "/.git/HEAD", atomically: true, encoding: .utf8)
        #expect(GitCommit.find(startingAt: root) == nil)
    }
}
