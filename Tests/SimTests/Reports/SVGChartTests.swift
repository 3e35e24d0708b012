import Testing

@testable import Sim

/// The report's charts: round ticks, labels, escaping, and well-formed SVG with axes and legends.
@Suite struct SVGChartTests {
    static func wellFormed(_ svg: String) -> Bool {
        (try? XMLDocument.parse(Array(svg.utf8), file: "chart.svg")) != nil
    }

    @Test func ticksAreRoundAndCoverTheRange() {
        #expect(SVGChart.ticks(0, 10.5) == [0, 2, 4, 6, 8, 10])
        #expect(SVGChart.ticks(0, 1) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        #expect(SVGChart.ticks(85, 91) == [85, 86, 87, 88, 89, 90, 91])
        #expect(SVGChart.ticks(0, 2_000_000) == [0, 500_000, 1_000_000, 1_500_000, 2_000_000])
        #expect(SVGChart.label(0.5) == "0.5" && SVGChart.label(12) == "12" && SVGChart.label(2.25) == "2.25")
        #expect(htmlEscape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
    }

    @Test func chartsAreWellFormedWithAxesAndLegends() {
        let bars = SVGChart.bars(title: "Energy <by> component", categories: ["scnn", "systolic"],
                                 series: [.init(name: "dram", values: [1, 2]), .init(name: "mac", values: [0.5, 0])],
                                 yLabel: "energy (µJ)", xLabel: "spec", stacked: true)
        #expect(Self.wellFormed(bars))
        #expect(bars.contains("Energy &lt;by&gt; component") && bars.contains("energy (µJ)") && bars.contains(">dram<"))
        // Three non-zero values: three bars (the zero draws nothing), plus the legend's two swatches.
        #expect(bars.components(separatedBy: "<rect x=").count - 1 == 3 + 2)
        let log = SVGChart.bars(title: "t", categories: ["a"], series: [.init(name: "s", values: [1000])], yLabel: "y", xLabel: "x", log: true)
        #expect(Self.wellFormed(log) && log.contains(">1000<"))
        let lines = SVGChart.points(title: "density", series: [.init(name: "conv1", values: [1, 0.5, 0.1], xs: [0, 100, 200])],
                                    xLabel: "training step", yLabel: "weight density", connect: true)
        #expect(Self.wellFormed(lines) && lines.contains("<polyline") && lines.contains(">training step<"))
        let scatter = SVGChart.points(title: "acc", series: [.init(name: "scnn", values: [90, 91], xs: [2, 3], labels: ["a", "b"])],
                                      xLabel: "speedup", yLabel: "accuracy", connect: false)
        #expect(Self.wellFormed(scatter) && !scatter.contains("<polyline") && scatter.contains(">b<"))
        let heat = SVGChart.heatmap(title: "conv1", rows: 2, cols: 3, values: [0, 1, 0.5, 0.25, 0, 1], xLabel: "inputs", yLabel: "filters")
        #expect(Self.wellFormed(heat))
        // Four non-zero cells, the frame, the background and five legend swatches.
        #expect(heat.components(separatedBy: "<rect").count - 1 == 4 + 1 + 1 + 5)
    }
}
