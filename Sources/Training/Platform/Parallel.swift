import Dispatch

// MARK: - Parallel

/// Runs independent pieces of a layer's work on several threads.
///
/// The pieces must write disjoint memory (each thread its own samples and scratch buffers);
/// results never depend on scheduling, so the same thread count gives the same bits. While
/// pieces run, OpenBLAS is single-threaded (each piece calls sgemm on its own thread);
/// `threads` is restored afterwards.
enum Parallel {
    /// Calls `body(piece)` for `piece` in `0..<pieces`, concurrently when `pieces > 1`.
    static func run(_ pieces: Int, blasThreads: Int, _ body: (Int) -> Void) {
        if pieces <= 1 {
            for i in 0..<max(pieces, 0) { body(i) }
            return
        }
        // OpenBLAS's thread count is process-global: set it to 1 only when it is not already,
        // and put back what was there (not `blasThreads`), so that concurrent users of the
        // library (tests run in parallel) see no change from an unrelated layer.
        let saved = blasThreads != 1 ? BLAS.threads : 1
        if saved != 1 { BLAS.setThreads(1) }
        withoutActuallyEscaping(body) { escaping in
            let box = UncheckedSendable(escaping)
            DispatchQueue.concurrentPerform(iterations: pieces) { box.value($0) }
        }
        if saved != 1 { BLAS.setThreads(saved) }
    }

    /// `0..<count` cut into `pieces` contiguous ranges of near-equal size (the first ones longer).
    /// Runs `body` over `0..<count` in up to `threads` contiguous chunks; counts below
    /// `minimum` run on the calling thread, so small tensors pay no dispatch cost.
    static func chunks(_ count: Int, threads: Int, minimum: Int = 32_768, _ body: (Range<Int>) -> Void) {
        if threads <= 1 || count < minimum {
            body(0..<count)
            return
        }
        let ranges = split(count, into: threads)
        run(ranges.count, blasThreads: 1) { body(ranges[$0]) }
    }

    static func split(_ count: Int, into pieces: Int) -> [Range<Int>] {
        let p = max(1, min(pieces, count))
        return (0..<p).map { i in (count * i / p)..<(count * (i + 1) / p) }
    }
}

/// A value handed to other threads by a caller that guarantees they touch disjoint memory.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
