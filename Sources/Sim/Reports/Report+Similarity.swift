import SparseSimCore

// MARK: - Report.Similarity

extension Report {
    /// How alike the runs' representations are, layer by layer: one value in [0, 1] per layer for
    /// each run compared with a reference run (SVCCA's mean canonical correlation between the
    /// activations the traces recorded for the same inputs). The report draws it as bars per
    /// layer, one series per compared run, with a table of the values.
    public struct Similarity: Sendable {
        /// The section's heading and the chart's title.
        public var title: String
        /// What the values are (shown under the chart), e.g. how SVCCA was computed.
        public var note: String
        /// The run every other is compared with.
        public var reference: String
        /// One compared run each.
        public var comparisons: [Run]

        /// One run against the reference: its layers and their values.
        public struct Run: Sendable {
            /// The compared run's label.
            public var run: String
            /// Layer names, in network order.
            public var layers: [String]
            /// One value per layer.
            public var values: [Double]

            /// A comparison.
            /// - Precondition: `values.count == layers.count`.
            public init(run: String, layers: [String], values: [Double]) {
                precondition(values.count == layers.count, "one value per layer")
                self.run = run
                self.layers = layers
                self.values = values
            }
        }

        /// A similarity section.
        public init(title: String, note: String, reference: String, comparisons: [Run]) {
            self.title = title
            self.note = note
            self.reference = reference
            self.comparisons = comparisons
        }
    }

    /// The similarity section: bars per layer (every layer any comparison has, in first-seen
    /// order; a layer a comparison lacks draws no bar there) and the values as a table.
    func similaritySection(_ s: Similarity) -> String {
        var layers: [String] = []
        for c in s.comparisons { for l in c.layers where !layers.contains(l) { layers.append(l) } }
        guard !layers.isEmpty else { return "" }
        func value(_ c: Similarity.Run, _ layer: String) -> Double? { c.layers.firstIndex(of: layer).map { c.values[$0] } }
        let series = s.comparisons.map { c in
            SVGChart.Series(name: Comparison.shortName(c.run), values: layers.map { value(c, $0) ?? 0 })
        }
        var out = "<h2>\(htmlEscape(s.title))</h2>\n<div class=\"figures\">"
            + SVGChart.bars(title: "\(s.title) against \(Comparison.shortName(s.reference))", categories: layers, series: series,
                            yLabel: "mean canonical correlation", xLabel: "layer")
            + "</div>\n<table>\n<tr><th>run</th>" + layers.map { "<th>\(htmlEscape($0))</th>" }.joined() + "</tr>\n"
        for c in s.comparisons {
            out += "<tr><td class=\"text\">\(htmlEscape(Comparison.shortName(c.run)))</td>"
                + layers.map { "<td>\(value(c, $0).map { formatted($0, digits: 3) } ?? "-")</td>" }.joined() + "</tr>\n"
        }
        return out + "</table>\n<p>\(htmlEscape(s.note))</p>\n"
    }
}
