import ArgumentParser
import Sim
import SparseSimCore
import Trace

/// Loads a spec for a command: every error but the last is printed as
/// `FILE:LINE: error: MESSAGE`, the last is thrown (and printed by the root command).
func loadSpec(_ file: String, overrides: [String] = []) throws -> HardwareSpec {
    do throws(SpecErrors) {
        return try SpecLoader.load(path: file, overrides: overrides)
    } catch {
        for e in error.errors.dropLast() { Console.error(e.description) }
        throw error.errors.last!.sparseSimError
    }
}
