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

    /// The study's scatter: sixteen points in two tight clusters (four runs on four specs, the
    /// specs' latencies close together) get labels that overlap neither each other nor any
    /// marker, inside the plot.
    @Test func scatterLabelsDoNotOverlap() {
        var points: [(Double, Double)] = [], labels: [String] = []
        for spec in 0..<4 {
            for run in 0..<4 {
                points.append((300 + Double(spec) * 6 + Double(run % 2) * 3, 150 + Double(run) * 4))
                labels.append(["dense", "rigl unstructured", "rigl nm:2:4", "swat"][run])
            }
        }
        let frame = SVGChart.Box(x: 80, y: 40, width: 470, height: 290)
        let boxes = SVGChart.placeLabels(points: points, labels: labels, size: 10, within: frame, radius: 5)
        #expect(boxes.count == 16)
        for (i, a) in boxes.enumerated() {
            #expect(a.x >= frame.x && a.y >= frame.y && a.x + a.width <= frame.x + frame.width && a.y + a.height <= frame.y + frame.height)
            for b in boxes[(i + 1)...] where a.overlaps(b) { Issue.record("labels \(i) overlap: \(a) \(b)") }
            for p in points where a.overlaps(SVGChart.Box(x: p.0 - 5, y: p.1 - 5, width: 10, height: 10)) {
                Issue.record("label \(i) covers the marker at \(p)")
            }
        }
        let svg = SVGChart.scatter(title: "acc vs latency", series: [.init(name: "scnn", values: [90, 91, 85], xs: [2, 30, 1.5], labels: ["a", "b", "c"])],
                                   front: .init(name: "front", values: [85, 90, 91], xs: [1.5, 2, 30]), xLabel: "latency (µs, log)", yLabel: "accuracy")
        #expect(Self.wellFormed(svg) && svg.contains("stroke-dasharray") && svg.contains(">10<") && svg.contains(">c<"))
    }
}
