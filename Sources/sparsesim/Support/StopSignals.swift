import Dispatch
import Foundation
import Synchronization

// MARK: - StopSignals

/// SIGTERM and SIGINT as a request to stop at the next step boundary (what a cluster sends
/// before it kills and requeues a job: Slurm's `--signal`). The first signal sets a flag the
/// training loop reads after each step; a second one exits at once with status 128 + signal.
enum StopSignals {
    /// Signals received so far.
    private static let received = Atomic<Int>(0)
    /// The sources must outlive `install()`.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// The exit status of a run that stopped at a signal and wrote its checkpoint: EX_TEMPFAIL,
    /// "try again" — a requeued job resumes.
    static let interruptedStatus: Int32 = 75

    /// Starts listening (idempotent).
    static func install() {
        guard sources.isEmpty else { return }
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if received.add(1, ordering: .sequentiallyConsistent).newValue >= 2 { _exit(128 + sig) }
                FileHandle.standardError.write(Data("\nsparsesim: signal \(sig): stopping after this step and writing a checkpoint (again: exit at once)\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Whether a stop was asked for.
    static var requested: Bool { received.load(ordering: .sequentiallyConsistent) > 0 }
}
