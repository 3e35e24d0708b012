import Foundation
import SparseSimCore
import Trace

// MARK: - SweepResults

/// A finished sweep, merged from its point files (`sparsesim sweep merge DIR`): every point in
/// grid order, and the Pareto-optimal ones — no other point has fewer or equal cycles, energy
/// and area proxy with at least one strictly fewer. Shards merged in any order give the same
/// result as one unsharded run.
public struct SweepResults: Codable, Equatable, Sendable {
    /// The sweep's plan.
    public var plan: SweepPlan
    /// Every point, in grid order, without per-point provenance.
    public var points: [SweepPoint]
    /// The numbers of the Pareto-optimal points, ascending.
    public var pareto: [Int]
    /// How the merge was made.
    public var provenance: Provenance?

    /// Results from their parts (the Pareto front is computed).
    public init(plan: SweepPlan, points: [SweepPoint], provenance: Provenance? = nil) {
        self.plan = plan
        self.points = points.map { var p = $0; p.provenance = nil; return p }
        pareto = Self.paretoFront(self.points)
        self.provenance = provenance
    }

    /// Reads `directory/sweep.json` and every point file.
    /// - Throws: `SparseSimError` naming the directory when the plan is missing or unreadable,
    ///   a point file is invalid, or points are missing (with how many, the first few numbers
    ///   and the shards that own them when `shards` is given).
    public init(directory: String, shards: Int? = nil, provenance: Provenance? = nil) throws {
        let planPath = directory + "/" + Sweep.planFile
        guard let data = FileManager.default.contents(atPath: planPath) else {
            throw SparseSimError(file: planPath, message: FileManager.default.fileExists(atPath: directory)
                                 ? "no sweep plan here: is this the output directory of a sweep?"
                                 : "no such directory")
        }
        let plan = try JSONCoding.decode(SweepPlan.self, from: data, file: planPath)
        var points: [SweepPoint] = []
        var missing: [Int] = []
        for i in 0..<plan.pointCount {
            let path = directory + "/" + plan.pointFile(i)
            guard FileManager.default.fileExists(atPath: path) else { missing.append(i); continue }
            points.append(try Sweep.readPoint(path, plan: plan, index: i))
        }
        guard missing.isEmpty else {
            let first = missing.prefix(5).map(String.init).joined(separator: ", ") + (missing.count > 5 ? ", ..." : "")
            var owners = ""
            if let shards, shards > 1 {
                owners = "; shards " + Set(missing.map { $0 % shards }).sorted().map { "\($0)/\(shards)" }.joined(separator: ", ")
                    + " have not finished"
            }
            throw SparseSimError(file: directory, location: "points",
                                 message: "\(missing.count) of \(plan.pointCount) points are missing (\(first))\(owners); run the sweep (or its shards) again to finish them")
        }
        self.init(plan: plan, points: points, provenance: provenance)
    }

    // MARK: Pareto front

    /// The numbers of the points no other point dominates in (cycles, energy, area proxy);
    /// failed points take no part.
    /// - Complexity: O(n²) in the point count.
    static func paretoFront(_ points: [SweepPoint]) -> [Int] {
        let scored = points.compactMap { p in p.metrics.map { (p.index, [Double($0.cycles), $0.energyPJ, $0.areaProxy]) } }
        return ParetoFront.indices(scored.map(\.1)).map { scored[$0].0 }
    }

    // MARK: Rendering

    /// CSV: one row per point — its number, one column per axis, the spec's name, the totals,
    /// whether it is Pareto-optimal and the error of a failed point. Full precision.
    public func renderCSV() -> String {
        let onFront = Set(pareto)
        var rows = [(["point"] + plan.axes.map { csvField($0.path) }
                     + ["spec", "cycles", "dense_cycles", "speedup", "energy_pj", "dram_bytes", "required_bandwidth_gbps",
                        "pe_count", "on_chip_bytes", "area_proxy", "pareto", "error"]).joined(separator: ",")]
        for p in points {
            var row = ["\(p.index)"] + plan.coordinates(of: p.index).enumerated().map { csvField(plan.axes[$0.offset].values[$0.element]) }
            row.append(csvField(p.spec))
            if let m = p.metrics {
                row += ["\(m.cycles)", "\(m.denseCycles)", "\(m.speedup)", "\(m.energyPJ)", "\(m.dramBytes)",
                        "\(m.requiredBandwidthGBps)", "\(m.peCount)", "\(m.onChipBytes)", "\(m.areaProxy)"]
            } else {
                row += Array(repeating: "", count: 9)
            }
            row += [onFront.contains(p.index) ? "1" : "0", csvField(p.error ?? "")]
            rows.append(row.joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }

    /// A table of the Pareto-optimal points, fewest cycles first, for people.
    public func renderParetoTable() -> String {
        var table = TextTable(["point"] + plan.axes.map(\.path) + ["cycles", "speedup", "energy uJ", "DRAM MB", "PEs", "on-chip KiB", "area proxy"],
                              alignments: [.right] + plan.axes.map { _ in .left } + Array(repeating: .right, count: 7))
        let front = pareto.compactMap { i in points[i].metrics.map { (i, $0) } }.sorted { ($0.1.cycles, $0.0) < ($1.1.cycles, $1.0) }
        for (i, m) in front {
            let values = plan.coordinates(of: i).enumerated().map { plan.axes[$0.offset].values[$0.element] }
            table.add(["\(i)"] + values + ["\(m.cycles)", formatted(m.speedup, digits: 2), formatted(m.energyPJ / 1e6, digits: 2),
                                            formatted(m.dramBytes / 1e6, digits: 3), "\(m.peCount)",
                                            formatted(Double(m.onChipBytes) / 1024, digits: 1), formatted(m.areaProxy, digits: 0)])
        }
        let failed = points.filter { $0.error != nil }.count
        return "\(points.count) points, \(pareto.count) Pareto-optimal (cycles, energy, area proxy = PEs x on-chip bytes)"
            + (failed > 0 ? ", \(failed) failed (see the error column of the CSV)" : "") + "\n" + table.render()
    }

    /// Energy against cycles, the Pareto-optimal points in colour (labelled with their numbers
    /// when there are at most 20), the dominated ones in a second colour.
    public func paretoSVG() -> String {
        let onFront = Set(pareto)
        let done = points.filter { $0.metrics != nil }
        let front = done.filter { onFront.contains($0.index) }, rest = done.filter { !onFront.contains($0.index) }
        func series(_ name: String, _ ps: [SweepPoint], labelled: Bool) -> SVGChart.Series {
            SVGChart.Series(name: name, values: ps.map { $0.metrics!.energyPJ / 1e6 }, xs: ps.map { Double($0.metrics!.cycles) },
                            labels: labelled ? ps.map { "#\($0.index)" } : nil)
        }
        let axes = plan.axes.map(\.path).joined(separator: ", ")
        return SVGChart.points(
            title: "Sweep of \(plan.axes.isEmpty ? "the base spec" : axes) on \(plan.workload.name): energy vs cycles",
            series: [series("Pareto-optimal (\(front.count))", front, labelled: front.count <= 20),
                     series("dominated (\(rest.count))", rest, labelled: false)],
            xLabel: "cycles", yLabel: "energy (µJ)", connect: false)
    }
}
