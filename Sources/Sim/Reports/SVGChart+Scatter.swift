import Foundation
import SparseSimCore

// MARK: - Scatter with a log x axis and labels that do not overlap

extension SVGChart {
    /// A rectangle in SVG pixels.
    struct Box: Equatable {
        var x: Double, y: Double, width: Double, height: Double

        func overlaps(_ o: Box) -> Bool {
            x < o.x + o.width && o.x < x + width && y < o.y + o.height && o.y < y + height
        }
    }

    /// The width of `text` at `size` px, estimated (0.6 em a character: sans-serif digits and
    /// lower case are narrower, so the estimate errs on the side of room).
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }

    /// Places one label per point so that no two labels overlap each other, any point's marker
    /// or the plot's edge: each label tries positions around its point, nearest first, then
    /// farther out (drawn with a leader line), and takes the first free one.
    /// - Returns: one box per label (its text's baseline is `y + height - 2`).
    /// - Complexity: O(n² · k) for n labels and k candidate positions.
    static func placeLabels(points: [(Double, Double)], labels: [String], size: Double, within frame: Box, radius: Double) -> [Box] {
        let height = size + 2
        let markers = points.map { Box(x: $0.0 - radius, y: $0.1 - radius, width: 2 * radius, height: 2 * radius) }
        // Left to right: a point's preferred place (to its right) is then still free when its
        // turn comes, and the labels of later points take what is left.
        var boxes = [Box?](repeating: nil, count: points.count)
        var placed: [Box] = []
        for i in points.indices.sorted(by: { points[$0].0 < points[$1].0 || (points[$0].0 == points[$1].0 && $0 < $1) }) {
            let p = points[i]
            let width = textWidth(labels[i], size: size)
            var chosen: Box?
            search: for ring in 0..<12 {
                let d = radius + 2 + Double(ring) * height
                // Right above, right below, left above, left below, above, below, right, left.
                let candidates = [(d, -height), (d, 0.0), (-d - width, -height), (-d - width, 0.0),
                                  (-width / 2, -d - height), (-width / 2, d), (d, -height / 2), (-d - width, -height / 2)]
                for (dx, dy) in candidates {
                    let box = Box(x: p.0 + dx, y: p.1 + dy, width: width, height: height)
                    guard box.x >= frame.x, box.y >= frame.y, box.x + box.width <= frame.x + frame.width,
                          box.y + box.height <= frame.y + frame.height else { continue }
                    if placed.contains(where: box.overlaps) || markers.contains(where: box.overlaps) { continue }
                    chosen = box
                    break search
                }
            }
            // Nowhere free within reach: stack below the others at the plot's right edge.
            let box = chosen ?? Box(x: frame.x + frame.width - width, y: (placed.map { $0.y + $0.height }.max() ?? frame.y),
                                    width: width, height: height)
            placed.append(box)
            boxes[i] = box
        }
        return boxes.map { $0! }
    }

    /// Points of every series with x on a log scale, each labelled (`Series.labels`) where no
    /// label overlaps another or a marker, and `front` drawn as a step line through its points.
    /// - Precondition: every x is positive.
    static func scatter(title: String, series: [Series], front: Series, xLabel: String, yLabel: String) -> String {
        var f = Frame()
        f.height = 420
        let xs = series.flatMap { $0.xs ?? [] }, ys = series.flatMap(\.values)
        precondition(xs.allSatisfy { $0 > 0 }, "positive x on a log scale")
        var (lo, hi) = (log10(xs.min() ?? 1), log10(xs.max() ?? 10))
        if hi - lo < 0.2 { lo -= 0.1; hi += 0.1 }
        let pad = (hi - lo) * 0.08
        lo -= pad
        hi += pad
        // Room above the highest and below the lowest point for their labels.
        var (ylo, yhi) = (ys.min() ?? 0, ys.max() ?? 1)
        if yhi - ylo < 1e-9 { ylo -= 0.5; yhi += 0.5 }
        let ypad = (yhi - ylo) * 0.12
        ylo -= ypad
        yhi += ypad
        var out = header(f, title: title)
        let (axis, y) = yAxis(f, lo: ylo, hi: yhi, label: yLabel)
        out += axis
        let x: (Double) -> Double = { f.left + f.plotWidth * (log10($0) - lo) / (hi - lo) }
        // Decades, and 2 and 5 within them when the span is under two decades.
        var ticks: [Double] = []
        for e in Int(lo.rounded(.down))...Int(hi.rounded(.up)) {
            for m in (hi - lo < 2 ? [1.0, 2, 5] : [1.0]) {
                let t = m * pow10(e)
                if log10(t) >= lo && log10(t) <= hi { ticks.append(t) }
            }
        }
        for t in ticks {
            out += "<line x1=\"\(fmt(x(t)))\" y1=\"\(fmt(f.top))\" x2=\"\(fmt(x(t)))\" y2=\"\(fmt(f.top + f.plotHeight))\" stroke=\"#eeeeee\"/>"
            out += "<line x1=\"\(fmt(x(t)))\" y1=\"\(fmt(f.top + f.plotHeight))\" x2=\"\(fmt(x(t)))\" y2=\"\(fmt(f.top + f.plotHeight + 5))\" stroke=\"#333\"/>"
            out += text(x(t), f.top + f.plotHeight + 18, label(t), anchor: "middle", size: 11)
        }
        out += "<line x1=\"\(fmt(f.left))\" y1=\"\(fmt(f.top + f.plotHeight))\" x2=\"\(fmt(f.left + f.plotWidth))\" "
            + "y2=\"\(fmt(f.top + f.plotHeight))\" stroke=\"#333\"/>"
        out += text(f.left + f.plotWidth / 2, f.height - 40, xLabel, anchor: "middle")
        // The front: a step line (accuracy holds until the next faster-and-less-accurate point).
        if let fx = front.xs, fx.count > 1 {
            var path: [String] = []
            for (i, (px, py)) in zip(fx, front.values).enumerated() {
                if i > 0 { path.append("\(fmt(x(px))),\(fmt(y(front.values[i - 1])))") }
                path.append("\(fmt(x(px))),\(fmt(y(py)))")
            }
            out += "<polyline fill=\"none\" stroke=\"#888\" stroke-dasharray=\"4 3\" stroke-width=\"1.5\" points=\""
                + path.joined(separator: " ") + "\"/>"
        }
        var points: [(Double, Double)] = [], labels: [String] = [], owners: [Int] = []
        for (s, serie) in series.enumerated() {
            for (i, v) in serie.values.enumerated() {
                let px = x(serie.xs![i]), py = y(v)
                points.append((px, py))
                labels.append(serie.labels?[i] ?? serie.name)
                owners.append(s)
                out += "<circle cx=\"\(fmt(px))\" cy=\"\(fmt(py))\" r=\"5\" fill=\"\(color(s))\">"
                    + "<title>\(htmlEscape("\(labels.last!) on \(serie.name): \(label(serie.xs![i])) µs, \(label(v)) %"))</title></circle>"
            }
        }
        let frame = Box(x: f.left + 2, y: f.top, width: f.plotWidth - 2, height: f.plotHeight)
        let boxes = placeLabels(points: points, labels: labels, size: 10, within: frame, radius: 5)
        for (i, box) in boxes.enumerated() {
            let (px, py) = points[i]
            let cx = min(max(px, box.x), box.x + box.width), cy = min(max(py, box.y), box.y + box.height)
            if hypot(cx - px, cy - py) > 12 {
                out += "<line x1=\"\(fmt(px))\" y1=\"\(fmt(py))\" x2=\"\(fmt(cx))\" y2=\"\(fmt(cy))\" stroke=\"\(color(owners[i]))\" stroke-width=\"0.8\"/>"
            }
            out += text(box.x, box.y + box.height - 2, labels[i], size: 10)
        }
        out += legend(f, series.map(\.name), marker: "circle")
        return out + "</svg>"
    }
}
