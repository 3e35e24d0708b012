import Foundation
import SparseSimCore
import Trace
import Training

// MARK: - Training the runs

extension StructureStudy {
    /// What happened during training.
    public enum Event: Sendable {
        /// A finished run with the same configuration was found and reused.
        case reused(Run, Record)
        /// A run starts (`resumedAtEpoch` > 0: from its checkpoint).
        case started(Run, resumedAtEpoch: Int)
        /// A run finished an epoch.
        case epoch(Run, Trainer.EpochMetrics)
        /// A run finished.
        case finished(Run, Record)
    }

    /// Trains every run that `directory` does not hold finished, in order; returns every run's record.
    /// - Throws: `SparseSimError` when the directory holds a run trained otherwise, a dataset is
    ///   missing, or training fails (the run's checkpoint is kept for the next attempt).
    /// - Parameter shouldStop: asked after every training step (a signal handler's flag): when
    ///   it answers true the run in progress checkpoints and `train` throws `interrupted`; the
    ///   next call resumes it.
    @discardableResult
    public func train(progress: (Event) -> Void = { _ in }, shouldStop: () -> Bool = { false }) throws -> [Record] {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory + "/runs", withIntermediateDirectories: true)
        } catch {
            throw SparseSimError(.run, file: directory, message: "cannot create the study directory: \(error.localizedDescription)")
        }
        var records: [Record] = []
        for run in runs {
            let recordPath = path(run, ".json")
            if let data = fm.contents(atPath: recordPath) {
                let record = try JSONCoding.decode(Record.self, from: data, file: recordPath)
                guard record.configuration == run.configuration else {
                    throw SparseSimError(file: recordPath, location: "configuration",
                                         message: "this run was trained with other settings; give another `directory`, or remove \(recordPath) and its files to retrain it")
                }
                guard Self.traceIsReadable(tracePath(run)) else {
                    throw SparseSimError(file: tracePath(run), message: "the finished run's trace is missing or unreadable; remove \(recordPath) to retrain the run")
                }
                records.append(record)
                progress(.reused(run, record))
                continue
            }
            records.append(try train(run, shouldStop: shouldStop, progress: progress))
        }
        return records
    }

    /// Trains (or resumes) one run and writes its record.
    func train(_ run: Run, shouldStop: () -> Bool, progress: (Event) -> Void) throws -> Record {
        let outputs = TrainingRun.Outputs(checkpointDirectory: path(run), metricsPath: path(run, ".jsonl"), tracePath: tracePath(run),
                                          traceSamples: settings.traceSamples)
        let training: TrainingRun
        do {
            // A run with a checkpoint continues from it; one without starts over (as `train --resume`).
            training = try TrainingRun(configuration: run.configuration, outputs: outputs, resume: true)
        } catch let error as SparseSimError where error.file.hasSuffix(Trainer.checkpointName) {
            throw error.with(message: error.message + " (the study directory holds a run trained otherwise: give another `directory`)")
        }
        progress(.started(run, resumedAtEpoch: training.trainer.epoch))
        let summary = try training.run(progress: { event in
            if case let .epoch(m) = event { progress(.epoch(run, m)) }
        }, shouldStop: shouldStop)
        let record = Record(name: run.name, configuration: run.configuration, summary: summary)
        try AtomicFile.write(try JSONCoding.encode(record, keys: .asDeclared), to: path(run, ".json"))
        progress(.finished(run, record))
        return record
    }

    /// Whether a finished run's trace is there, readable, and has a snapshot.
    static func traceIsReadable(_ path: String) -> Bool {
        guard let reader = try? TraceReader(path: path, verifyTensors: false) else { return false }
        return !reader.manifest.snapshots.isEmpty
    }
}
