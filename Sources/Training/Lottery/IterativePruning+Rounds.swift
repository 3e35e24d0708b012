import Foundation
import SparseSimCore

// MARK: - Running the rounds

extension IterativePruning {
    /// Every round's record, with the settings and how it was made: `DIR/summary.json`.
    public struct Summary: Codable, Sendable {
        /// The settings.
        public var settings: Settings
        /// The rounds, dense first.
        public var rounds: [Round]
        /// Who made it.
        public var provenance: Provenance?
    }

    /// Trains every round that `directory` does not hold finished, in order, and writes
    /// `summary.json`.
    /// - Parameter shouldStop: asked after every training step (a signal handler's flag): when
    ///   it answers true the round in progress checkpoints and this throws `interrupted`; the
    ///   next call resumes it.
    /// - Throws: `SparseSimError` for a directory made with other settings, a rewind step beyond
    ///   the run, missing data, or files that cannot be read or written.
    @discardableResult
    public func run(provenance: Provenance? = nil, progress: (Event) -> Void = { _ in },
                    shouldStop: () -> Bool = { false }) throws -> Summary {
        try prepareDirectory()
        var rounds: [Round] = []
        for r in 0...settings.rounds {
            let recordPath = path(round: r, ".json")
            if let data = FileManager.default.contents(atPath: recordPath) {
                let record = try JSONCoding.decode(Round.self, from: data, file: recordPath)
                rounds.append(record)
                progress(.reused(record))
                continue
            }
            rounds.append(try train(round: r, progress: progress, shouldStop: shouldStop))
        }
        let summary = Summary(settings: settings, rounds: rounds, provenance: provenance)
        try AtomicFile.write(try JSONCoding.encode(summary, keys: .asDeclared), to: summaryPath)
        return summary
    }

    /// Creates the directory and records the settings, or checks them against the recorded ones.
    func prepareDirectory() throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SparseSimError(.run, file: directory, message: "cannot create the directory: \(error.localizedDescription)")
        }
        if let data = fm.contents(atPath: settingsPath) {
            let saved = try JSONCoding.decode(Settings.self, from: data, file: settingsPath)
            guard saved == settings else {
                throw SparseSimError(file: settingsPath, message: "this directory holds rounds pruned with other settings; give another directory")
            }
        } else {
            try AtomicFile.write(try JSONCoding.encode(settings, keys: .asDeclared), to: settingsPath)
        }
    }

    /// Trains (or resumes) round `r` and writes its record.
    func train(round r: Int, progress: (Event) -> Void, shouldStop: () -> Bool) throws -> Round {
        let config = roundConfiguration, fm = FileManager.default
        let outputs = TrainingRun.Outputs(checkpointDirectory: path(round: r), metricsPath: path(round: r, ".jsonl"),
                                          tracePath: path(round: r, ".sstrace"), traceSamples: settings.traceSamples)
        if r > 0 && !fm.fileExists(atPath: path(round: r) + "/" + Trainer.checkpointName) { try prepareStart(round: r) }
        var training = try TrainingRun(configuration: config, outputs: outputs, resume: true)
        let k = settings.rewindStep
        guard k < training.trainer.totalSteps else {
            throw SparseSimError.setting("rewindStep", "\(k) is not below the run's \(training.trainer.totalSteps) steps")
        }
        var needsRewind = r == 0 && k > 0 && !fm.fileExists(atPath: rewindDirectory + "/" + Trainer.checkpointName)
        if needsRewind && training.trainer.step >= k {
            // Stopped right at the rewind step before its state was copied: copy it now.
            guard training.trainer.step == k else {
                throw SparseSimError(file: rewindDirectory, message: "round 0 is past the rewind step \(k) but its state was not saved; remove \(path(round: 0)) to train round 0 again")
            }
            try saveRewind(progress: progress)
            needsRewind = false
        }
        progress(.started(round: r, step: training.trainer.step, density: Self.density(of: training.trainer)))
        while true {
            var rewindStop = false
            let trainer = training.trainer
            do {
                let summary = try training.run(progress: { event in
                    if case let .epoch(m) = event { progress(.epoch(round: r, m)) }
                }, shouldStop: {
                    if shouldStop() { return true }
                    if needsRewind && trainer.step == k { rewindStop = true }
                    return rewindStop
                })
                let record = Round(round: r, density: Self.density(of: trainer), expectedDensity: Foundation.pow(1 - settings.rate, Double(r)),
                                   keptPerLayer: trainer.sparse?.maskCounts ?? [], summary: summary, trace: path(round: r, ".sstrace"))
                try AtomicFile.write(try JSONCoding.encode(record, keys: .asDeclared), to: path(round: r, ".json"))
                progress(.finished(record))
                return record
            } catch let error as SparseSimError where error.kind == .interrupted && rewindStop {
                // Round 0 at the rewind step: keep its state, then go on from the same checkpoint.
                try saveRewind(progress: progress)
                needsRewind = false
                training = try TrainingRun(configuration: config, outputs: outputs, resume: true)
            }
        }
    }

    /// Copies round 0's checkpoint (at the rewind step) to the rewind directory.
    func saveRewind(progress: (Event) -> Void) throws {
        let source = path(round: 0) + "/" + Trainer.checkpointName
        guard let data = FileManager.default.contents(atPath: source) else {
            throw SparseSimError(.run, file: source, message: "round 0's checkpoint at the rewind step is missing")
        }
        try Trainer.makeCheckpointDirectory(rewindDirectory)
        try AtomicFile.write([UInt8](data), to: rewindDirectory + "/" + Trainer.checkpointName)
        progress(.savedRewind(step: settings.rewindStep))
    }

    /// Round `r`'s starting checkpoint: round `r − 1`'s final weights ranked by magnitude, the
    /// fraction `rate` of its kept ones removed, and the rewind state (or the fresh model) with
    /// those masks.
    func prepareStart(round r: Int) throws {
        let config = roundConfiguration
        let previous = try Trainer(config)
        try previous.resume(from: path(round: r - 1))
        guard previous.finished, let sparse = previous.sparse else {
            throw SparseSimError(file: path(round: r - 1) + "/" + Trainer.checkpointName,
                                 message: "round \(r - 1) has not finished; run again to finish it first")
        }
        let keep = Self.pruned(masks: sparse.layers.map { $0.weightMask!.array.map { $0 != 0 } },
                               weights: sparse.layers.map { $0.weight.value.array }, rate: settings.rate, scope: settings.scope)
        let start = try Trainer(config)
        if settings.rewindStep > 0 { try start.resume(from: rewindDirectory) }
        start.sparse!.fixMasks(keep)
        try start.saveCheckpoint(in: path(round: r))
    }

    /// Kept ÷ all weights of the masked layers.
    static func density(of trainer: Trainer) -> Double {
        let total = trainer.model.weightLayers.reduce(0) { $0 + $1.weightCount }
        let kept = trainer.sparse?.maskCounts.reduce(0, +) ?? total
        return total == 0 ? 1 : Double(kept) / Double(total)
    }

    /// The masks after removing `round(rate · kept)` of the kept weights with the smallest
    /// `|w|`, over all layers (`global`) or in each layer; ties go to the earlier layer and index.
    /// - Complexity: O(n log n) in the kept weights.
    static func pruned(masks: [[Bool]], weights: [[Float]], rate: Double, scope: Scope) -> [[Bool]] {
        var out = masks
        func remove(_ candidates: [(layer: Int, index: Int)]) {
            let count = Int((rate * Double(candidates.count)).rounded())
            let order = candidates.sorted { a, b in
                let x = abs(weights[a.layer][a.index]), y = abs(weights[b.layer][b.index])
                return x != y ? x < y : (a.layer, a.index) < (b.layer, b.index)
            }
            for c in order.prefix(count) { out[c.layer][c.index] = false }
        }
        func kept(_ layer: Int) -> [(layer: Int, index: Int)] {
            masks[layer].indices.filter { masks[layer][$0] }.map { (layer, $0) }
        }
        switch scope {
        case .global: remove(masks.indices.flatMap(kept))
        case .layer: for l in masks.indices { remove(kept(l)) }
        }
        return out
    }
}
