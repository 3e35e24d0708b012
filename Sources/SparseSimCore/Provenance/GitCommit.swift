import Foundation

// MARK: - GitCommit

/// Finds the commit a checkout is at by reading `.git` directly (no `git` process).
package enum GitCommit {
    /// The commit of the checkout that contains the running executable, if any
    /// (a SparseSim built in its own clone: `.build/release/sparsesim`).
    package static func ofRunningExecutable() -> String? {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return find(startingAt: AtomicFile.directory(of: exe))
    }

    /// The commit of the first `.git` found in `directory` or a parent of it.
    package static func find(startingAt directory: String) -> String? {
        var dir = directory
        for _ in 0..<64 {
            let gitDir = dir + "/.git"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: gitDir, isDirectory: &isDirectory) {
                if isDirectory.boolValue { return head(gitDir: gitDir) }
                // A worktree or submodule: `.git` is a file saying `gitdir: PATH`.
                guard let link = read(gitDir), link.hasPrefix("gitdir: ") else { return nil }
                let target = String(link.dropFirst(8))
                return head(gitDir: target.hasPrefix("/") ? target : dir + "/" + target)
            }
            if dir == "/" || dir.isEmpty { return nil }
            dir = AtomicFile.directory(of: dir)
        }
        return nil
    }

    /// Resolves `HEAD` in `gitDir`: a detached hash, a loose ref, or a packed ref.
    package static func head(gitDir: String) -> String? {
        guard let head = read(gitDir + "/HEAD") else { return nil }
        guard head.hasPrefix("ref: ") else { return isHash(head) ? head : nil }
        let ref = String(head.dropFirst(5))
        guard !ref.contains(".."), !ref.hasPrefix("/") else { return nil }
        var common = gitDir
        if let c = read(gitDir + "/commondir") { common = c.hasPrefix("/") ? c : gitDir + "/" + c }
        for dir in [gitDir, common] {
            if let loose = read(dir + "/" + ref), isHash(loose) { return loose }
        }
        guard let packed = read(common + "/packed-refs") else { return nil }
        for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
            let hash = String(line.prefix { $0 != " " })
            if isHash(hash) { return hash }
        }
        return nil
    }

    private static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func isHash(_ s: String) -> Bool {
        (s.count == 40 || s.count == 64) && s.allSatisfy { $0.isHexDigit }
    }
}
