import Foundation
import SparseSimCore
import Trace

// MARK: - Checkpoints

extension Trainer {
    /// The checkpoint file name inside a checkpoint directory.
    public static let checkpointName = "checkpoint.safetensors"

    /// The checkpoint of the current state: parameters and BatchNorm statistics under their
    /// layer names (`conv1.weight`, `bn1.running_mean`), momenta as `optimizer.<name>.momentum`,
    /// and in `__metadata__` the step, epoch, generator state, configuration and tool version.
    /// No timestamps: the same run gives the same bytes.
    public func checkpoint() -> Safetensors {
        var file = Safetensors()
        for p in model.parameters { file.add(p.name, shape: p.value.shape, values: p.value.array) }
        for b in model.buffers { file.add(b.name, shape: b.tensor.shape, values: b.tensor.array) }
        for (p, m) in zip(optimizer.parameters, optimizer.momenta) {
            file.add("optimizer.\(p.name).momentum", shape: m.shape, values: m.array)
        }
        if let sparse {
            for m in sparse.checkpointMasks { file.add(m.name, shape: m.tensor.shape, values: m.tensor.array) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        file.metadata = [
            "format": "sparsesim-checkpoint-1",
            "tool": "sparsesim \(SparseSimVersion.string)",
            "step": String(step),
            "epoch": String(epoch),
            "train_loss": String(lastTrainLoss),
            "rng": rng.stateWords.map(String.init).joined(separator: ","),
            "configuration": String(decoding: (try? encoder.encode(configuration)) ?? Data(), as: UTF8.self),
        ]
        if let sparse { file.metadata["sparse_state"] = sparse.stateJSON() }
        if stepInEpoch > 0, let position = epochPosition {
            // Inside an epoch: where in its data order, and its running sums (the loss sum as
            // its bit pattern, so the epoch's mean comes out identical).
            file.metadata["step_in_epoch"] = String(stepInEpoch)
            file.metadata["epoch_shuffle_rng"] = position.shuffleState.map(String.init).joined(separator: ",")
            file.metadata["epoch_sums"] = "\(position.lossSum.bitPattern),\(position.correct),\(position.seen)"
        }
        return file
    }

    /// Writes the checkpoint atomically to `directory/checkpoint.safetensors`.
    /// - Throws: `SparseSimError` when the directory cannot be created or written.
    public func saveCheckpoint(in directory: String) throws {
        try Self.makeCheckpointDirectory(directory)
        try AtomicFile.write(checkpoint().encoded(), to: "\(directory)/\(Self.checkpointName)")
    }

    static func makeCheckpointDirectory(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SparseSimError(.run, file: directory, message: "cannot create the checkpoint directory")
        }
    }

    /// Whether `directory` holds a checkpoint (complete or not: checkpoints are written atomically,
    /// so one that exists is whole unless something else damaged it).
    public func hasCheckpoint(in directory: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(directory)/\(Self.checkpointName)")
    }

    /// Restores the state saved in `directory/checkpoint.safetensors`.
    /// - Throws: `SparseSimError` naming the file when it is missing or corrupt, was written
    ///   for a different configuration (epochs and max steps may differ), or lacks a tensor.
    public func resume(from directory: String) throws {
        let path = "\(directory)/\(Self.checkpointName)"
        AtomicFile.removeStaleTemporaries(in: directory)
        let file = try Safetensors.read(path)
        func fail(_ location: String, _ message: String) -> SparseSimError {
            SparseSimError(file: path, location: location, message: message)
        }
        guard file.metadata["format"] == "sparsesim-checkpoint-1" else {
            throw fail("__metadata__.format", "not a sparsesim checkpoint")
        }
        guard let configText = file.metadata["configuration"],
              var saved = try? JSONDecoder().decode(TrainingConfiguration.self, from: Data(configText.utf8)) else {
            throw fail("__metadata__.configuration", "missing or unreadable configuration")
        }
        saved.epochs = configuration.epochs
        saved.maxSteps = configuration.maxSteps
        guard saved == configuration else {
            throw fail("__metadata__.configuration",
                       "the checkpoint was written by a different run configuration (only `epochs` and `maxSteps` may change on `resume`)")
        }
        guard let s = file.metadata["step"].flatMap(Int.init), s >= 0, let e = file.metadata["epoch"].flatMap(Int.init), e >= 0 else {
            throw fail("__metadata__.step", "missing or invalid step/epoch")
        }
        let words = (file.metadata["rng"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { throw fail("__metadata__.rng", "invalid generator state") }
        func restore(_ name: String, into tensor: Tensor) throws {
            guard let entry = file.tensors[name] else { throw fail(name, "missing tensor") }
            guard entry.shape == tensor.shape else { throw fail(name, "shape \(entry.shape), the model has \(tensor.shape)") }
            entry.values.withUnsafeBufferPointer { src in
                let dst = tensor.buffer
                for i in 0..<dst.count { dst[i] = src[i] }
            }
        }
        for p in model.parameters { try restore(p.name, into: p.value) }
        for b in model.buffers { try restore(b.name, into: b.tensor) }
        for (p, m) in zip(optimizer.parameters, optimizer.momenta) { try restore("optimizer.\(p.name).momentum", into: m) }
        if let sparse {
            for m in sparse.checkpointMasks { try restore(m.name, into: m.tensor) }
            guard let text = file.metadata["sparse_state"], sparse.restoreState(text) else {
                throw fail("__metadata__.sparse_state", "missing or unreadable sparse-training state")
            }
        }
        var position: EpochPosition?
        var inside = 0
        if let text = file.metadata["step_in_epoch"] {
            guard let n = Int(text), n > 0, n < stepsPerEpoch else {
                throw fail("__metadata__.step_in_epoch", "'\(text)' is not a step inside an epoch of \(stepsPerEpoch)")
            }
            let shuffle = (file.metadata["epoch_shuffle_rng"] ?? "").split(separator: ",").compactMap { UInt64($0) }
            let sums = (file.metadata["epoch_sums"] ?? "").split(separator: ",")
            guard shuffle.count == 4, shuffle.contains(where: { $0 != 0 }), sums.count == 3,
                  let bits = UInt64(sums[0]), let correct = Int(sums[1]), let seen = Int(sums[2]) else {
                throw fail("__metadata__.epoch_sums", "missing or invalid position inside the epoch")
            }
            position = EpochPosition(shuffleState: shuffle, lossSum: Double(bitPattern: bits), correct: correct, seen: seen)
            inside = n
        }
        step = s
        epoch = e
        stepInEpoch = inside
        epochPosition = position
        lastTrainLoss = file.metadata["train_loss"].flatMap(Double.init) ?? .nan
        rng = RandomGenerator(state: words)
    }
}
