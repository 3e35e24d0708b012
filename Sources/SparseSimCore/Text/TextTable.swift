// MARK: - TextTable

/// A plain-text table for people: a header row and aligned columns.
package struct TextTable: Sendable {
    /// Column alignment.
    package enum Alignment: Sendable { case left, right }

    var headers: [String]
    package var alignments: [Alignment]
    package var rows: [[String]] = []

    /// A table with `headers`; text columns align left, the rest right unless given.
    package init(_ headers: [String], alignments: [Alignment]? = nil) {
        self.headers = headers
        self.alignments = alignments ?? headers.indices.map { $0 == 0 ? .left : .right }
    }

    /// Appends a row; missing cells are empty.
    package mutating func add(_ cells: [String]) {
        rows.append(cells + Array(repeating: "", count: max(0, headers.count - cells.count)))
    }

    /// The table with columns padded to their widest cell, a dashed rule under the header.
    package func render() -> String {
        let widths = headers.indices.map { c in ([headers[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            headers.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - cells[c].count)
                return alignments[c] == .left ? cells[c] + pad : pad + cells[c]
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = [line(headers), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// Formats a number with `digits` decimals (no locale, no exponent for ordinary magnitudes).
package func formatted(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return String(value) }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded() / scale
    let sign = value < 0 && rounded != 0 ? "-" : ""
    let whole = rounded.rounded(.down)
    var text = sign + String(Int(whole))
    if digits > 0 {
        let frac = Int(((rounded - whole) * scale).rounded())
        let fracText = String(frac)
        text += "." + String(repeating: "0", count: digits - fracText.count) + fracText
    }
    return text
}
