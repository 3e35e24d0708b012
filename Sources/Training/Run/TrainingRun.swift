import Foundation
import SparseSimCore
import Trace

// MARK: - TrainingRun

/// One training run as a job with files: it starts, or resumes from the checkpoint in its
/// checkpoint directory, trims the metrics file to that checkpoint, records the trace, and
/// trains to the end. What `sparsesim train` and the structure study both run, so a run killed
/// at any moment and started again with `resume` ends with the bytes of an uninterrupted one.
public final class TrainingRun {
    /// Where the run writes.
    public struct Outputs: Sendable {
        /// The checkpoint directory (nil: no checkpoints; the run cannot resume).
        public var checkpointDirectory: String?
        /// The metrics file, one JSON line per epoch.
        public var metricsPath: String?
        /// The trace directory.
        public var tracePath: String?
        /// Steps between trace snapshots (nil or 0: the start and the end only).
        public var traceEvery: Int?
        /// Test samples whose activations each snapshot records.
        public var traceSamples: Int
        /// Steps between checkpoints inside an epoch (nil or 0: at epoch ends only).
        public var checkpointEverySteps: Int?
        /// Which activations the trace records.
        public var traceActivations: TraceActivations
        /// Attention probabilities below this are recorded as effectively zero (0: exact zeros only).
        public var attentionThreshold: Double

        /// Outputs; every one optional.
        public init(checkpointDirectory: String? = nil, metricsPath: String? = nil, tracePath: String? = nil,
                    traceEvery: Int? = nil, traceSamples: Int = 16, checkpointEverySteps: Int? = nil,
                    traceActivations: TraceActivations = .inputs, attentionThreshold: Double = 0) {
            self.traceActivations = traceActivations
            self.attentionThreshold = attentionThreshold
            self.checkpointEverySteps = checkpointEverySteps
            self.checkpointDirectory = checkpointDirectory
            self.metricsPath = metricsPath
            self.tracePath = tracePath
            self.traceEvery = traceEvery
            self.traceSamples = traceSamples
        }
    }

    /// How the run began.
    public enum Start: Equatable, Sendable {
        /// From step 0, resuming not asked for.
        case fresh
        /// From the checkpoint, at this epoch and step.
        case resumed(epoch: Int, step: Int)
        /// Resuming was asked for, but the checkpoint directory holds no checkpoint yet (the run
        /// stopped in its first epoch): from step 0.
        case noCheckpointYet
    }

    /// The trainer (its model, data, configuration and position).
    public let trainer: Trainer
    /// Where the run writes.
    public let outputs: Outputs
    /// How the run began.
    public let start: Start
    /// The trace recorder, when the run records one.
    public let recorder: TraceRecorder?

    /// Builds the trainer for `configuration` and, with `resume`, restores the checkpoint in
    /// `outputs.checkpointDirectory` when there is one; trims the metrics file to the epochs
    /// the run now starts after; opens the trace (reopened when resuming).
    /// - Precondition: `resume` only with a checkpoint directory.
    /// - Throws: `SparseSimError` for a bad configuration, missing data, a checkpoint or trace
    ///   of another run, or files that cannot be read or written.
    public init(configuration: TrainingConfiguration, outputs: Outputs, resume: Bool,
                commandLine: [String] = CommandLine.arguments) throws {
        precondition(!resume || outputs.checkpointDirectory != nil, "resuming needs a checkpoint directory")
        let trainer = try Trainer(configuration)
        var start = Start.fresh
        if resume, let directory = outputs.checkpointDirectory {
            if trainer.hasCheckpoint(in: directory) {
                try trainer.resume(from: directory)
                start = .resumed(epoch: trainer.epoch, step: trainer.step)
            } else {
                start = .noCheckpointYet
            }
            // Lines of epochs after the checkpoint (or every line, without one) are written again.
            if let metrics = outputs.metricsPath { try Trainer.trimMetrics(at: metrics, throughEpoch: trainer.epoch) }
        }
        self.trainer = trainer
        self.outputs = outputs
        self.start = start
        recorder = try outputs.tracePath.map {
            try TraceRecorder(path: $0, trainer: trainer, every: outputs.traceEvery, sampleCount: outputs.traceSamples,
                              resuming: resume, activations: outputs.traceActivations,
                              attentionThreshold: outputs.attentionThreshold, commandLine: commandLine)
        }
    }

    /// Trains to the end of the configured epochs (or `maxSteps`), checkpointing after every
    /// epoch, every `checkpointEverySteps` steps and at the end; when `shouldStop` answers true
    /// after a step, checkpoints there and stops.
    /// - Throws: `SparseSimError` when the loss diverges (the last checkpoint is kept) or a file
    ///   cannot be written.
    /// - Throws: `SparseSimError` of kind `interrupted` when `shouldStop` stopped the run (its
    ///   checkpoint is written: the run resumes from it).
    @discardableResult
    public func run(progress: (Trainer.Event) -> Void = { _ in }, shouldStop: () -> Bool = { false }) throws -> Trainer.Summary {
        let summary = try trainer.run(checkpointDirectory: outputs.checkpointDirectory, metricsPath: outputs.metricsPath,
                                      checkpointEverySteps: outputs.checkpointEverySteps, trace: recorder, shouldStop: shouldStop,
                                      progress: progress)
        if summary.interrupted == true {
            let t = trainer
            let place = "epoch \(t.epoch + 1), step \(t.stepInEpoch) of \(t.stepsPerEpoch)"
            throw SparseSimError(
                .interrupted, file: outputs.checkpointDirectory.map { "\($0)/\(Trainer.checkpointName)" } ?? "<training>",
                location: "step \(t.step)",
                message: outputs.checkpointDirectory == nil
                    ? "stopped by a signal at \(place); no checkpoint directory, nothing saved"
                    : "stopped by a signal at \(place); the checkpoint is written: resume to continue")
        }
        return summary
    }
}
