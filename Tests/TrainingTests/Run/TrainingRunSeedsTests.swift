import Testing

@testable import Training

@Suite struct TrainingRunSeedsTests {
    /// Each seed's outputs sit beside the given ones, named after the seed.
    @Test func seededOutputPaths() {
        let outputs = TrainingRun.Outputs(checkpointDirectory: "runs/ck/", metricsPath: "runs/m.jsonl", tracePath: "runs/t.sstrace",
                                          traceEvery: 5, traceSamples: 8)
        let s = outputs.seeded(12)
        #expect(s.checkpointDirectory == "runs/ck/seed-12")
        #expect(s.metricsPath == "runs/m-seed12.jsonl" && s.tracePath == "runs/t-seed12.sstrace")
        #expect(s.traceEvery == 5 && s.traceSamples == 8)
        #expect(TrainingRun.Outputs.suffixed("a.b/metrics", "-seed1") == "a.b/metrics-seed1")
        #expect(TrainingRun.Outputs.suffixed(".hidden", "-seed1") == ".hidden-seed1")
        #expect(TrainingRun.Outputs.suffixed("t.sstrace/", "-seed0") == "t-seed0.sstrace")
        #expect(TrainingRun.Outputs().seeded(1).checkpointDirectory == nil)
    }
}
