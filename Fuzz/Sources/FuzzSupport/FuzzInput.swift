import CFuzzerDriver
import Glibc
import SparseSimCore

// MARK: - FuzzInput

/// What every fuzz target does with libFuzzer's bytes: run libFuzzer's driver, copy each input,
/// hand it to one reader.
///
/// A reader passes when it returns or throws `SparseSimError` (or the reader's own documented
/// error type); any other error is a finding too, reported by trapping so libFuzzer saves the
/// input.
public enum FuzzInput {
    /// A target: called once per input with libFuzzer's bytes; returns 0.
    public typealias Target = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs libFuzzer on `target` with this process's command-line flags, then exits with
    /// libFuzzer's status.
    public static func main(_ target: Target) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, target))
    }

    /// The input as a byte array.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let data, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// Runs `body`; an error other than `SparseSimError` traps (a finding).
    public static func expectingSparseSimErrors(_ body: () throws -> Void) {
        do {
            try body()
        } catch is SparseSimError {
        } catch {
            fatalError("reader threw \(type(of: error)), not SparseSimError: \(error)")
        }
    }
}
