import Foundation
import Glibc
import Synchronization

// MARK: - AtomicFile

/// Whole-file writes that never leave a half-written file under the final name.
///
/// Bytes go to a temporary file in the same directory (`.NAME.tmp-PID-N`), are flushed
/// to disk, and the temporary is renamed over `path`, which POSIX makes atomic. On
/// any failure the temporary is removed and `path` is untouched.
package enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    /// - Parameter sync: flush the file (and its directory) to stable storage before returning.
    /// - Throws: `SparseSimError` naming `path` when any step fails.
    package static func write(_ bytes: [UInt8], to path: String, sync: Bool = true) throws {
        try bytes.withUnsafeBytes { try write(raw: $0, to: path, sync: sync) }
    }

    /// Writes the UTF-8 of `text` to `path` atomically.
    package static func write(_ text: String, to path: String, sync: Bool = true) throws {
        try write(Array(text.utf8), to: path, sync: sync)
    }

    /// Writes raw bytes to `path` atomically.
    package static func write(raw: UnsafeRawBufferPointer, to path: String, sync: Bool = true) throws {
        let directory = Self.directory(of: path)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let temp = (directory == "." && !path.hasPrefix("./") ? "" : directory + "/")
            + ".\(base).tmp-\(getpid())-\(nextSerial())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path, "cannot create temporary file: \(errnoText())") }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let text = errnoText()
                close(fd)
                throw failure(path, "write failed: \(text)")
            }
            offset += n
        }
        if sync && fsync(fd) != 0 {
            let text = errnoText()
            close(fd)
            throw failure(path, "fsync failed: \(text)")
        }
        guard close(fd) == 0 else { throw failure(path, "close failed: \(errnoText())") }
        guard rename(temp, path) == 0 else { throw failure(path, "cannot rename temporary file into place: \(errnoText())") }
        ok = true
        if sync { syncDirectory(directory) }
    }

    /// Checks, before any work is done, that `path` could be written: its directory exists
    /// and is writable, and `path` itself is not a directory.
    /// - Throws: `SparseSimError` naming `path`.
    package static func checkWritable(_ path: String) throws {
        let directory = Self.directory(of: path)
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw SparseSimError(file: path, message: "cannot write here: directory \(directory) does not exist")
        }
        guard access(directory, W_OK) == 0 else {
            throw SparseSimError(file: path, message: "cannot write here: directory \(directory) is not writable")
        }
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw SparseSimError(file: path, message: "is a directory; give a file name")
        }
    }

    /// The directory part of `path` (`.` when there is none).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// Removes the temporaries (`.NAME.tmp-PID-N`) that killed processes left in `directory`:
    /// those of processes that no longer run. Another live writer's temporaries are left alone.
    /// - Returns: the names removed.
    @discardableResult
    package static func removeStaleTemporaries(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp-", options: .backwards) else { continue }
            let fields = name[marker.upperBound...].split(separator: "-")
            guard fields.count == 2, let pid = Int32(fields[0]), Int(fields[1]) != nil, pid > 0 else { continue }
            let running = pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
            if !running && unlink(directory + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }

    /// Flushes a directory's entries (so a rename survives a power loss); errors are ignored.
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    private static func failure(_ path: String, _ message: String) -> SparseSimError {
        SparseSimError(file: path, message: message)
    }

    private static let serial = Atomic<Int>(0)
    private static func nextSerial() -> Int { serial.wrappingAdd(1, ordering: .relaxed).newValue }
}

/// The text of the current `errno`.
func errnoText() -> String {
    String(cString: strerror(errno))
}
