import Foundation
import SparseSimCore
import Trace

// MARK: - SVGChart

/// Self-contained SVG charts for reports: bars (grouped or stacked), lines, scatter and
/// heatmaps, each with a title, labelled axes with units, ticks and a legend. No scripts, no
/// external resources; the output is well-formed XML.
enum SVGChart {
    /// One named series of values.
    struct Series: Sendable {
        /// The legend's label.
        package var name: String
        /// One value per category (bars) or one point per entry (lines, scatter).
        package var values: [Double]
        /// x positions for lines and scatter (nil: 0, 1, 2, …).
        package var xs: [Double]?
        /// Point labels (scatter), shown next to the points.
        package var labels: [String]?

        /// A series.
        package init(name: String, values: [Double], xs: [Double]? = nil, labels: [String]? = nil) {
            self.name = name
            self.values = values
            self.xs = xs
            self.labels = labels
        }
    }

    /// The palette (Okabe–Ito's eight colour-blind-safe colours, then four more), cycled.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
                          "#7F3C8D", "#A5AA99", "#8C564B", "#17BECF"]

    static func color(_ i: Int) -> String { palette[i % palette.count] }

    // MARK: Layout

    /// The plotting frame of a chart.
    struct Frame {
        var width = 720.0, height = 360.0
        let left = 80.0, right = 170.0, top = 40.0, bottom = 90.0
        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
    }

    /// Round tick values (steps of 1, 2 or 5 × 10ⁿ, about six of them) covering `lo…hi`.
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / 6
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? magnitude * 10
        var t = (lo / step).rounded(.down) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 {
            if t >= lo - step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t) }
            t += step
        }
        return out
    }

    /// A tick label: integers plainly, others with up to three significant decimals.
    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        let digits = abs(v) >= 10 ? 1 : abs(v) >= 1 ? 2 : 3
        var text = formatted(v, digits: digits)
        while text.hasSuffix("0") { text.removeLast() }
        return text.hasSuffix(".") ? String(text.dropLast()) : text
    }

    static func header(_ f: Frame, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(f.width))\" height=\"\(Int(f.height))\" "
            + "viewBox=\"0 0 \(Int(f.width)) \(Int(f.height))\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">"
            + "<title>\(htmlEscape(title))</title>"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
            + text(f.width / 2, 22, title, anchor: "middle", size: 15, weight: "bold")
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", size: Int = 12, weight: String = "normal",
                     rotate: Double? = nil) -> String {
        let transform = rotate.map { " transform=\"rotate(\(fmt($0)) \(fmt(x)) \(fmt(y)))\"" } ?? ""
        return "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\" font-weight=\"\(weight)\"\(transform)>"
            + htmlEscape(s) + "</text>"
    }

    static func fmt(_ v: Double) -> String { formatted(v, digits: 1) }

    /// The y axis (ticks, grid lines, label) for values `lo…hi`; returns the SVG and the map to pixels.
    static func yAxis(_ f: Frame, lo: Double, hi: Double, label yLabel: String, log: Bool = false) -> (String, (Double) -> Double) {
        let (a, b) = log ? (log10(max(lo, 1e-300)), log10(max(hi, 1e-300))) : (lo, hi)
        let span = b - a > 0 ? b - a : 1
        let y: (Double) -> Double = { v in
            let t = ((log ? log10(max(v, 1e-300)) : v) - a) / span
            return f.top + f.plotHeight * (1 - t)
        }
        var out = ""
        let values = log ? (Int(a.rounded(.down))...Int(b.rounded(.up))).map { pow10($0) } : ticks(lo, hi)
        for t in values {
            let py = y(t)
            out += "<line x1=\"\(fmt(f.left))\" y1=\"\(fmt(py))\" x2=\"\(fmt(f.left + f.plotWidth))\" y2=\"\(fmt(py))\" stroke=\"#e0e0e0\"/>"
            out += text(f.left - 6, py + 4, label(t), anchor: "end", size: 11)
        }
        out += "<line x1=\"\(fmt(f.left))\" y1=\"\(fmt(f.top))\" x2=\"\(fmt(f.left))\" y2=\"\(fmt(f.top + f.plotHeight))\" stroke=\"#333\"/>"
        out += text(18, f.top + f.plotHeight / 2, yLabel, anchor: "middle", rotate: -90)
        return (out, y)
    }

    static func pow10(_ e: Int) -> Double { pow(10, Double(e)) }

    static func legend(_ f: Frame, _ names: [String], marker: String = "rect") -> String {
        var out = ""
        for (i, name) in names.enumerated() {
            let y = f.top + 8 + Double(i) * 18
            let x = f.left + f.plotWidth + 16
            out += marker == "rect"
                ? "<rect x=\"\(fmt(x))\" y=\"\(fmt(y - 9))\" width=\"12\" height=\"12\" fill=\"\(color(i))\"/>"
                : "<circle cx=\"\(fmt(x + 6))\" cy=\"\(fmt(y - 3))\" r=\"5\" fill=\"\(color(i))\"/>"
            out += text(x + 18, y + 1, name, size: 11)
        }
        return out
    }

    // MARK: Bars

    /// Bars per category, one per series side by side, or stacked (`stacked`: each category's
    /// bar is the sum of its series). `log` draws the value axis logarithmically (positive values).
    /// - Precondition: every series has one value per category.
    static func bars(title: String, categories: [String], series: [Series], yLabel: String, xLabel: String,
                            stacked: Bool = false, log: Bool = false) -> String {
        precondition(series.allSatisfy { $0.values.count == categories.count }, "one value per category")
        let f = Frame()
        let totals = categories.indices.map { c in series.reduce(0) { $0 + max(0, $1.values[c]) } }
        let peak = stacked ? (totals.max() ?? 1) : (series.flatMap(\.values).max() ?? 1)
        let positive = series.flatMap(\.values).filter { $0 > 0 }
        let lo = log ? (positive.min() ?? 1) / 2 : 0
        var out = header(f, title: title)
        let (axis, y) = yAxis(f, lo: lo, hi: max(peak, lo * 4, log ? 0 : 1e-12) * (log ? 1.5 : 1.05), label: yLabel, log: log)
        out += axis
        let slot = f.plotWidth / Double(max(categories.count, 1))
        let barWidth = stacked ? slot * 0.7 : slot * 0.8 / Double(max(series.count, 1))
        for (c, category) in categories.enumerated() {
            let x0 = f.left + slot * Double(c) + slot * (stacked ? 0.15 : 0.1)
            var base = lo
            for (s, serie) in series.enumerated() {
                let v = max(serie.values[c], 0)
                guard v > 0 else { continue }
                let top = stacked ? base + v : v
                let x = stacked ? x0 : x0 + barWidth * Double(s)
                let yTop = y(top), yBottom = y(stacked ? max(base, lo) : lo)
                out += "<rect x=\"\(fmt(x))\" y=\"\(fmt(yTop))\" width=\"\(fmt(max(barWidth - 1, 0.5)))\" "
                    + "height=\"\(fmt(max(yBottom - yTop, 0)))\" fill=\"\(color(s))\"><title>\(htmlEscape("\(category) \(serie.name): \(label(serie.values[c]))"))</title></rect>"
                if stacked { base += v }
            }
            let lx = f.left + slot * (Double(c) + 0.5), ly = f.top + f.plotHeight + 14
            out += categories.count > 12
                ? text(lx, ly, category, anchor: "end", size: 10, rotate: -45)
                : text(lx, ly, category, anchor: "middle", size: 11)
        }
        out += "<line x1=\"\(fmt(f.left))\" y1=\"\(fmt(f.top + f.plotHeight))\" x2=\"\(fmt(f.left + f.plotWidth))\" "
            + "y2=\"\(fmt(f.top + f.plotHeight))\" stroke=\"#333\"/>"
        out += text(f.left + f.plotWidth / 2, f.height - 8, xLabel, anchor: "middle")
        out += legend(f, series.map(\.name))
        return out + "</svg>"
    }

    // MARK: Lines and scatter

    /// Line (`connect`) or scatter plot of the series' points against `xs`; scatter points carry
    /// their labels.
    package static func points(title: String, series: [Series], xLabel: String, yLabel: String, connect: Bool) -> String {
        let f = Frame()
        let xs = series.flatMap { s in s.xs ?? s.values.indices.map(Double.init) }
        let ys = series.flatMap(\.values)
        let (xlo, xhi) = paddedRange(xs, includeZero: false), (ylo, yhi) = paddedRange(ys, includeZero: connect)
        var out = header(f, title: title)
        let (axis, y) = yAxis(f, lo: ylo, hi: yhi, label: yLabel)
        out += axis
        let x: (Double) -> Double = { f.left + f.plotWidth * ($0 - xlo) / (xhi - xlo) }
        for t in ticks(xlo, xhi) {
            out += "<line x1=\"\(fmt(x(t)))\" y1=\"\(fmt(f.top + f.plotHeight))\" x2=\"\(fmt(x(t)))\" y2=\"\(fmt(f.top + f.plotHeight + 5))\" stroke=\"#333\"/>"
            out += text(x(t), f.top + f.plotHeight + 18, label(t), anchor: "middle", size: 11)
        }
        out += "<line x1=\"\(fmt(f.left))\" y1=\"\(fmt(f.top + f.plotHeight))\" x2=\"\(fmt(f.left + f.plotWidth))\" "
            + "y2=\"\(fmt(f.top + f.plotHeight))\" stroke=\"#333\"/>"
        out += text(f.left + f.plotWidth / 2, f.height - 40, xLabel, anchor: "middle")
        for (s, serie) in series.enumerated() {
            let sx = serie.xs ?? serie.values.indices.map(Double.init)
            let pts = zip(sx, serie.values).map { (x($0), y($1)) }
            if connect, pts.count > 1 {
                out += "<polyline fill=\"none\" stroke=\"\(color(s))\" stroke-width=\"2\" points=\""
                    + pts.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " ") + "\"/>"
            }
            for (i, p) in pts.enumerated() {
                let name = serie.labels?[i] ?? serie.name
                out += "<circle cx=\"\(fmt(p.0))\" cy=\"\(fmt(p.1))\" r=\"\(connect ? 3 : 5)\" fill=\"\(color(s))\">"
                    + "<title>\(htmlEscape("\(name): (\(label(sx[i])), \(label(serie.values[i])))"))</title></circle>"
                if !connect, let l = serie.labels?[i] { out += text(p.0 + 7, p.1 - 6, l, size: 10) }
            }
        }
        out += legend(f, series.map(\.name), marker: "circle")
        return out + "</svg>"
    }

    static func paddedRange(_ values: [Double], includeZero: Bool) -> (Double, Double) {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if includeZero { lo = min(lo, 0) }
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.05
        return (includeZero && lo == 0 ? 0 : lo - pad, hi + pad)
    }

    // MARK: Heatmap

    /// A `rows × cols` grid of values in 0…1 as shades (0 white, 1 dark), e.g. the share of
    /// kept weights in each cell of a weight matrix; `caption` says what rows and columns are.
    /// - Precondition: `values.count == rows · cols`.
    static func heatmap(title: String, rows: Int, cols: Int, values: [Double], xLabel: String, yLabel: String,
                               size: Double = 300) -> String {
        precondition(values.count == rows * cols, "one value per cell")
        let cell = size / Double(max(rows, cols))
        let width = cell * Double(cols) + 120, height = cell * Double(rows) + 90
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">"
            + "<title>\(htmlEscape(title))</title><rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
            + text(width / 2, 18, title, anchor: "middle", size: 13, weight: "bold")
        let x0 = 40.0, y0 = 30.0
        out += "<g shape-rendering=\"crispEdges\">"
        for r in 0..<rows {
            for c in 0..<cols {
                let v = min(max(values[r * cols + c], 0), 1)
                guard v > 0 else { continue }
                out += "<rect x=\"\(fmt(x0 + cell * Double(c)))\" y=\"\(fmt(y0 + cell * Double(r)))\" width=\"\(fmt(cell + 0.05))\" "
                    + "height=\"\(fmt(cell + 0.05))\" fill=\"#08306b\" fill-opacity=\"\(formatted(v, digits: 2))\"/>"
            }
        }
        out += "</g><rect x=\"\(fmt(x0))\" y=\"\(fmt(y0))\" width=\"\(fmt(cell * Double(cols)))\" height=\"\(fmt(cell * Double(rows)))\" "
            + "fill=\"none\" stroke=\"#333\"/>"
        out += text(x0 + cell * Double(cols) / 2, y0 + cell * Double(rows) + 20, xLabel, anchor: "middle", size: 11)
        out += text(x0 - 10, y0 + cell * Double(rows) / 2, yLabel, anchor: "middle", size: 11, rotate: -90)
        // Legend: the shade scale.
        let lx = x0 + cell * Double(cols) + 20
        for i in 0...4 {
            let v = Double(i) / 4
            out += "<rect x=\"\(fmt(lx))\" y=\"\(fmt(y0 + Double(4 - i) * 16))\" width=\"14\" height=\"14\" fill=\"#08306b\" "
                + "fill-opacity=\"\(formatted(v, digits: 2))\" stroke=\"#999\"/>"
            out += text(lx + 20, y0 + Double(4 - i) * 16 + 11, formatted(v, digits: 2), size: 10)
        }
        out += text(lx, y0 + 96, "kept share", size: 10)
        return out + "</svg>"
    }
}

// MARK: - Escaping

/// `text` with `&`, `<`, `>`, `"` and `'` escaped for XML and HTML.
func htmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}
