import Foundation
import SparseSimCore
import Synchronization
import Trace

// MARK: - Sweep

/// Evaluates a sweep's grid of specs on one workload (`sparsesim sweep`): each point's spec is
/// the base spec with the plan's overrides and the point's axis values, simulated with the
/// workload's real masks. Points run in parallel; each is a pure function of its spec and the
/// workload, so the results are the same whatever the thread count. Every point is written to
/// `DIR/points/NNNNNN.json` atomically the moment it is done, and a run skips the points whose
/// file is already there and valid — a killed or sharded sweep continues where it stopped.
public enum Sweep {
    /// What a run did.
    public struct Outcome: Equatable, Sendable {
        /// Points in this shard.
        public var points: Int
        /// Points evaluated by this run.
        public var computed: Int
        /// Points whose file was already there and valid.
        public var skipped: Int
        /// Points evaluated by this run whose simulation failed (recorded with their error).
        public var failed: Int
        /// Point files that were there but unreadable or of another grid, and were redone.
        public var redone: Int
    }

    /// The plan file in a sweep directory.
    public static let planFile = "sweep.json"

    /// Runs the points of `shard` that `directory` does not hold yet.
    /// - Parameters:
    ///   - baseSpecBytes: the base spec file's bytes (`plan.baseSpec` names it in errors).
    ///   - threads: points evaluated at once (at least 1).
    ///   - provenance: recorded in every point file.
    ///   - progress: called after each point is written, with the point and the count done so
    ///     far in this run; calls are serialized.
    /// - Throws: `SparseSimError` when the directory holds another sweep's plan or a file cannot
    ///   be written; `SpecErrors` (each message naming the point) when a point's spec is invalid.
    public static func run(plan: SweepPlan, baseSpecBytes: [UInt8], workload: Workload, directory: String,
                           shard: SweepShard = .all, threads: Int, provenance: Provenance,
                           progress: @Sendable (SweepPoint, Int) -> Void = { _, _ in }) throws -> Outcome {
        let fm = FileManager.default
        let pointsDirectory = directory + "/points"
        if fm.fileExists(atPath: directory + "/" + planFile) { try adoptPlan(plan, in: directory) }
        // Which points are done.
        var todo: [Int] = []
        var outcome = Outcome(points: 0, computed: 0, skipped: 0, failed: 0, redone: 0)
        for point in 0..<plan.pointCount where shard.contains(point) {
            outcome.points += 1
            let path = directory + "/" + plan.pointFile(point)
            guard fm.fileExists(atPath: path) else { todo.append(point); continue }
            if (try? readPoint(path, plan: plan, index: point)) != nil {
                outcome.skipped += 1
            } else {
                outcome.redone += 1
                todo.append(point)
            }
        }

        // Specs, serially (libxml2 and the schema), every error before any work.
        var specs: [HardwareSpec] = []
        specs.reserveCapacity(todo.count)
        for point in todo {
            let settings = plan.settings(of: point)
            do {
                specs.append(try SpecLoader.load(bytes: baseSpecBytes, file: plan.baseSpec, overrides: plan.overrides + settings))
            } catch {
                let at = settings.isEmpty ? "" : " (\(settings.joined(separator: " ")))"
                throw SpecErrors(error.errors.map {
                    SpecError(file: $0.file, line: $0.line, message: "sweep point \(point)\(at): \($0.message)")
                })
            }
        }

        // Nothing is written before every spec is known to be valid.
        do {
            try fm.createDirectory(atPath: pointsDirectory, withIntermediateDirectories: true)
        } catch {
            throw SparseSimError(.run, file: directory, message: "cannot create the sweep directory: \(error.localizedDescription)")
        }
        try adoptPlan(plan, in: directory)
        removeStaleTemporaries(in: pointsDirectory, plan: plan, shard: shard)

        // The points, in parallel: each worker takes the next one.
        struct Shared {
            var next = 0
            var done = 0
            var failed = 0
            var firstError: (any Error)?
        }
        let shared = Mutex(Shared())
        let workers = max(1, min(threads, todo.count))
        let jobs = todo, specList = specs
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let j: Int? = shared.withLock { s in
                    guard s.firstError == nil, s.next < jobs.count else { return nil }
                    defer { s.next += 1 }
                    return s.next
                }
                guard let j else { return }
                let point = evaluate(jobs[j], spec: specList[j], plan: plan, workload: workload, provenance: provenance)
                do {
                    try AtomicFile.write(try JSONCoding.encode(point), to: directory + "/" + plan.pointFile(jobs[j]), sync: false)
                    shared.withLock { s in
                        s.done += 1
                        if point.error != nil { s.failed += 1 }
                        progress(point, s.done)
                    }
                } catch {
                    shared.withLock { s in if s.firstError == nil { s.firstError = error } }
                }
            }
        }
        let final = shared.withLock { $0 }
        if let error = final.firstError { throw error }
        outcome.computed = final.done
        outcome.failed = final.failed
        return outcome
    }

    /// Simulates one point.
    static func evaluate(_ point: Int, spec: HardwareSpec, plan: SweepPlan, workload: Workload, provenance: Provenance) -> SweepPoint {
        let settings = plan.settings(of: point)
        do {
            let result = try Simulator(spec: spec, file: plan.baseSpec).run(workload, densityModel: .actual)
            return SweepPoint(index: point, settings: settings, spec: spec.name, metrics: .init(result: result, spec: spec),
                              error: nil, provenance: provenance)
        } catch {
            return SweepPoint(index: point, settings: settings, spec: spec.name, metrics: nil,
                              error: String(describing: error), provenance: provenance)
        }
    }

    // MARK: Files

    /// Writes `plan` to `directory/sweep.json`, or checks that the one there is the same.
    static func adoptPlan(_ plan: SweepPlan, in directory: String) throws {
        let path = directory + "/" + planFile
        if let data = FileManager.default.contents(atPath: path) {
            let existing = try JSONCoding.decode(SweepPlan.self, from: data, file: path)
            guard existing == plan else {
                throw SparseSimError(file: path, location: difference(existing, plan),
                                     message: "this directory holds another sweep; give another `directory`, or remove the directory to start over")
            }
            return
        }
        try AtomicFile.write(try JSONCoding.encode(plan), to: path)
    }

    /// The first field where two plans differ, for the error.
    static func difference(_ a: SweepPlan, _ b: SweepPlan) -> String {
        if a.baseSpec != b.baseSpec { return "base_spec" }
        if a.baseSpecChecksum != b.baseSpecChecksum { return "base_spec_checksum" }
        if a.overrides != b.overrides { return "overrides" }
        if a.axes != b.axes { return "axes" }
        if a.workload != b.workload { return "workload" }
        return "format"
    }

    /// The point at `path`, if it is a valid point `index` of `plan`.
    /// - Throws: `SparseSimError` when it is unreadable or belongs to another point.
    static func readPoint(_ path: String, plan: SweepPlan, index: Int) throws -> SweepPoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SparseSimError(file: path, message: "cannot read the point file")
        }
        let point = try JSONCoding.decode(SweepPoint.self, from: data, file: path)
        guard point.index == index, point.settings == plan.settings(of: index), (point.metrics == nil) != (point.error == nil) else {
            throw SparseSimError(file: path, location: "index", message: "the file is not point \(index) of this sweep")
        }
        return point
    }

    /// Removes temporary files a killed run of this shard left (`.NNNNNN.json.tmp-PID-N`);
    /// other shards' temporaries are theirs to rename.
    static func removeStaleTemporaries(in pointsDirectory: String, plan: SweepPlan, shard: SweepShard) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: pointsDirectory) else { return }
        for name in names where name.hasPrefix(".") && name.contains(".json.tmp-") {
            let digits = name.dropFirst().prefix { $0.isNumber }
            guard let point = Int(digits), point < plan.pointCount, shard.contains(point) else { continue }
            try? FileManager.default.removeItem(atPath: pointsDirectory + "/" + name)
        }
    }
}
