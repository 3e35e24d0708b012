import ArgumentParser
import Sim

// MARK: - RankingOptions

/// The baseline every (run, spec) pair is measured against and the accuracy floor of the
/// answer (`compare`, `report`, `study structure`).
struct RankingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The pair every other is measured against (latency and energy ratios): RUN@SPEC, "
                               + "RUN a trace's path or name (without .sstrace) or a study's run, SPEC a spec's name or file. "
                               + "Default: the dense run (all weights kept) on the first --hw.", valueName: "run@spec"))
    var baseline: String?

    @Option(name: .customLong("min-accuracy"),
            help: ArgumentHelp("The accuracy floor of the answer's fastest and least-energy pairs: a percentage (85) "
                               + "or a fraction (0.85).", valueName: "accuracy"))
    var minAccuracy: Double?

    func validate() throws {
        if let a = minAccuracy, !(a > 0 && a <= 100) {
            throw ValidationError("--min-accuracy must be a percentage in (0, 100] or a fraction in (0, 1], got \(a)")
        }
    }

    /// The parsed baseline.
    func parsedBaseline() throws -> Comparison.Baseline? { try baseline.map(Comparison.Baseline.init(parsing:)) }

    /// The floor as a fraction.
    var minAccuracyFraction: Double? { minAccuracy.map { $0 > 1 ? $0 / 100 : $0 } }
}
