import Foundation
import SparseSimCore
import Training

// MARK: - prune --method imp

extension PruneCommand {
    /// Runs (or continues) the lottery-ticket rounds and prints one row per round.
    func runIterativePruning() throws {
        let search = try imp.search(model: model, dataset: dataset, dataDirectory: dataDir, batchSize: batchSize, seed: seed,
                                    threads: threads)
        StopSignals.install()
        let summary = try search.run(provenance: .current(seed: seed, threads: threads), progress: { event in
            switch event {
            case let .reused(r):
                Console.error("imp: round \(r.round): reused (density \(formatted(r.density * 100, digits: 2)) %, test acc \(formatted(r.summary.testAccuracy * 100, digits: 2)) %)")
            case let .started(round, step, density):
                Console.error("imp: round \(round): training at density \(formatted(density * 100, digits: 2)) %" + (step > 0 ? " from step \(step)" : ""))
            case let .savedRewind(step):
                Console.error("imp: round 0: state at step \(step) saved for rewinding")
            case let .epoch(round, m):
                Console.error(String(format: "imp: round %d: epoch %d  train loss %.4f  test acc %.2f%%  %.0f samples/s  %.1fs",
                                     round, m.epoch, m.trainLoss, m.testAccuracy * 100, m.samplesPerSecond, m.seconds))
            case let .finished(r):
                Console.error("imp: round \(r.round): done, test acc \(formatted(r.summary.testAccuracy * 100, digits: 2)) %")
            }
        }, shouldStop: { StopSignals.requested })
        switch format {
        case .json: try Console.emit(try Console.json(summary), to: nil)
        case .table:
            var table = TextTable(["round", "density %", "(1 - rate)^round %", "test acc %", "steps", "trace"])
            for r in summary.rounds {
                table.add(["\(r.round)", formatted(r.density * 100, digits: 3), formatted(r.expectedDensity * 100, digits: 3),
                           formatted(r.summary.testAccuracy * 100, digits: 2), "\(r.summary.steps)", r.trace])
            }
            try Console.emit("\(model): iterative magnitude pruning, \(search.settings.rounds) rounds of \(formatted(search.settings.rate * 100, digits: 1)) % (\(search.settings.scope.rawValue)), rewinding to step \(search.settings.rewindStep)\n"
                             + table.render() + "wrote \(search.summaryPath)\n", to: nil)
        }
    }
}
