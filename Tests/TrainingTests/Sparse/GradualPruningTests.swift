import Foundation
import Testing

@testable import SparseSimCore
@testable import Training

@Suite struct GradualPruningTests {
    /// The defaults are the RigL paper's CIFAR-10 steps: on its 97,656-step run they give back
    /// 20,000, 75,000 and 1,000 exactly.
    @Test func defaultsAreTheRigLPapersSteps() {
        let s = GradualPruning().steps(totalSteps: 97_656)
        #expect(s.first == 20_000 && s.last == 75_000 && s.every == 1_000)
        // Scaled to a 1,000-step run: 205, 768, every 10.
        let short = GradualPruning().steps(totalSteps: 1_000)
        #expect(short.first == 205 && short.last == 768 && short.every == 10)
    }

    /// s_t = s_f · (1 − (1 − p)³), computed by hand at a few points.
    @Test func cubicScheduleByHand() {
        let g = GradualPruning(start: 0.1, end: 0.5, frequency: 7)  // steps 100 ... 500 of 1,000
        #expect(g.sparsity(final: 0.9, at: 0, totalSteps: 1000) == 0)
        #expect(g.sparsity(final: 0.9, at: 100, totalSteps: 1000) == 0)
        #expect(abs(g.sparsity(final: 0.9, at: 300, totalSteps: 1000) - 0.9 * (1 - 0.125)) < 1e-12)
        #expect(abs(g.sparsity(final: 0.8, at: 200, totalSteps: 1000) - 0.8 * (1 - 0.421875)) < 1e-12)
        #expect(g.sparsity(final: 0.9, at: 500, totalSteps: 1000) == 0.9)
        #expect(g.sparsity(final: 0.9, at: 999, totalSteps: 1000) == 0.9)
        // Pruning steps: 100, 107, ..., 499 and 500 itself; none outside.
        let steps = (0..<1000).filter { g.prunes(at: $0, totalSteps: 1000) }
        #expect(steps == Array(stride(from: 100, through: 499, by: 7)) + [500])
    }

    /// Bad schedules name their setting.
    @Test func badSchedulesNameTheSetting() {
        for (g, field) in [(GradualPruning(start: -0.1), "pruneStart"), (GradualPruning(start: 1), "pruneStart"),
                           (GradualPruning(start: 0.5, end: 0.5), "pruneEnd"), (GradualPruning(end: 1.2), "pruneEnd"),
                           (GradualPruning(frequency: 0), "pruneFrequency")] {
            #expect(throws: SparseSimError.self) { try g.validate() }
            do { try g.validate() } catch let e as SparseSimError { #expect(e.field == field) } catch {}
        }
    }
}
