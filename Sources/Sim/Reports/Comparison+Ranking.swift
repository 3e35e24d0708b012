import SparseSimCore

// MARK: - Ranking across hardware

/// One (run, spec) pair of a comparison, by name.
public struct PairReference: Codable, Equatable, Sendable {
    /// The run's label (the trace's path, or the study's run name).
    public var run: String
    /// The spec's name.
    public var spec: String
}

extension Comparison {
    /// The pair every other is measured against: `RUN@SPEC`.
    public struct Baseline: Equatable, Sendable {
        /// A run's label, or its trace's name without `.sstrace`.
        public var run: String
        /// A spec's name, its file, or the file's name with or without `.xml`.
        public var spec: String

        /// Parses `RUN@SPEC`; the last `@` splits, so a run label may hold one.
        /// - Throws: `SparseSimError` (the setting `baseline`) when either side is empty.
        public init(parsing text: String) throws {
            guard let at = text.lastIndex(of: "@"), at != text.startIndex, text.index(after: at) != text.endIndex else {
                throw SparseSimError.setting("baseline", "'\(text)' is not RUN@SPEC (e.g. dense@systolic-ws)")
            }
            run = String(text[..<at])
            spec = String(text[text.index(after: at)...])
        }
    }

    /// What the comparison answers across all specs: the fastest pair and the one with the least
    /// energy (at the accuracy floor, when given), and the Pareto fronts of accuracy against
    /// latency and against energy.
    public struct Answer: Codable, Equatable, Sendable {
        /// The pair with the lowest latency among those at or above the floor.
        public var fastest: PairReference?
        /// The pair with the least energy among those at or above the floor.
        public var leastEnergy: PairReference?
        /// Pairs no other beats on both accuracy and latency, fastest first.
        public var paretoLatency: [PairReference]
        /// Pairs no other beats on both accuracy and energy, least energy first.
        public var paretoEnergy: [PairReference]

        // Declared, so the study's summary (written as declared) has the same keys as `compare`.
        enum CodingKeys: String, CodingKey {
            case fastest
            case leastEnergy = "least_energy"
            case paretoLatency = "pareto_latency"
            case paretoEnergy = "pareto_energy"
        }
    }

    /// Measures every entry against the baseline (latency and energy ratios) and answers.
    ///
    /// - Parameters:
    ///   - baseline: the pair to measure against; nil: the first run whose weights are all kept
    ///     (the dense run) on the first spec, or the first entry when no run is dense.
    ///   - minAccuracy: the accuracy floor (a fraction) of `fastest` and `leastEnergy`.
    /// - Throws: `SparseSimError` (the setting `baseline`) when no entry matches it.
    /// - Complexity: O(n²) in the entries (the fronts).
    public mutating func rank(baseline choice: Baseline? = nil, minAccuracy: Double? = nil) throws {
        guard !entries.isEmpty else { return }
        let b = try baselineIndex(choice)
        let base = entries[b]
        for i in entries.indices {
            entries[i].speedupVsBaseline = base.latencyUS / entries[i].latencyUS
            entries[i].energyVsBaseline = entries[i].energyPJ / base.energyPJ
        }
        baseline = reference(b)
        self.minAccuracy = minAccuracy
        let eligible = entries.indices.filter { i in minAccuracy.map { floor in (entries[i].rankedAccuracy ?? -1) >= floor } ?? true }
        func lowest(_ cost: (Entry) -> Double) -> Int? {
            eligible.min { cost(entries[$0]) < cost(entries[$1]) || (cost(entries[$0]) == cost(entries[$1]) && $0 < $1) }
        }
        answer = Answer(fastest: lowest(\.latencyUS).map(reference), leastEnergy: lowest(\.energyPJ).map(reference),
                        paretoLatency: front(\.latencyUS).map(reference), paretoEnergy: front(\.energyPJ).map(reference))
    }

    func reference(_ i: Int) -> PairReference { PairReference(run: entries[i].workload, spec: entries[i].spec) }

    func index(of r: PairReference) -> Int? { entries.firstIndex { $0.workload == r.run && $0.spec == r.spec } }

    /// The entry `choice` names, or the default baseline.
    func baselineIndex(_ choice: Baseline?) throws -> Int {
        let firstSpec = entries[0].specFile
        guard let choice else {
            return entries.firstIndex { $0.specFile == firstSpec && $0.weightDensity == 1 } ?? 0
        }
        func runMatches(_ e: Entry) -> Bool {
            e.workload == choice.run || Self.shortName(e.workload) == choice.run
        }
        func specMatches(_ e: Entry) -> Bool {
            let file = e.specFile.split(separator: "/").last.map(String.init) ?? e.specFile
            return e.spec == choice.spec || e.specFile == choice.spec || file == choice.spec || file == choice.spec + ".xml"
        }
        guard entries.contains(where: runMatches) else {
            let runs = Array(Set(entries.map { Self.shortName($0.workload) })).sorted()
            throw SparseSimError.setting("baseline", "no run '\(choice.run)' (runs: \(runs.joined(separator: ", ")))")
        }
        guard let i = entries.firstIndex(where: { runMatches($0) && specMatches($0) }) else {
            let specs = Array(Set(entries.map(\.spec))).sorted()
            throw SparseSimError.setting("baseline", "no spec '\(choice.spec)' (specs: \(specs.joined(separator: ", ")))")
        }
        return i
    }

    /// A run label as people call it: a trace's file name without `.sstrace`.
    static func shortName(_ label: String) -> String {
        let last = label.split(separator: "/").last.map(String.init) ?? label
        return last.hasSuffix(".sstrace") ? String(last.dropLast(8)) : last
    }

    /// The entries with an accuracy that no other entry beats on both accuracy (higher) and
    /// `cost` (lower), by rising cost; of equal pairs the first stays.
    func front(_ cost: (Entry) -> Double) -> [Int] {
        let rated = entries.indices.filter { entries[$0].rankedAccuracy != nil }
        let vectors = rated.map { [-entries[$0].rankedAccuracy!, cost(entries[$0])] }
        var seen = Set<[Double]>()
        let kept = ParetoFront.indices(vectors).filter { seen.insert(vectors[$0]).inserted }.map { rated[$0] }
        return kept.sorted { cost(entries[$0]) < cost(entries[$1]) || (cost(entries[$0]) == cost(entries[$1]) && $0 < $1) }
    }

    // MARK: The answer in words

    /// The baseline and the answer as sentences (empty before `rank`).
    public func answerLines() -> [String] {
        guard let answer, let baseline, let b = index(of: baseline) else { return [] }
        func accuracy(_ e: Entry) -> String { e.accuracyText }
        func pair(_ e: Entry) -> String { "\(Self.shortName(e.workload)) on \(e.spec)" }
        func figures(_ e: Entry) -> String {
            "\(accuracy(e)), \(formatted(e.latencyUS, digits: 2)) µs, \(formatted(e.energyPJ / 1e6, digits: 2)) µJ"
        }
        let base = entries[b]
        var lines = ["Baseline: \(pair(base)): \(figures(base)) (\(base.cycles) cycles at \(formatted(base.clockMHz, digits: 0)) MHz)."]
        let floor = minAccuracy.map { " at ≥ \(formatted($0 * 100, digits: 2)) % accuracy" } ?? ""
        if let f = answer.fastest.flatMap(index(of:)), let l = answer.leastEnergy.flatMap(index(of:)) {
            let fe = entries[f], le = entries[l]
            lines.append("Fastest\(floor): \(pair(fe)): \(figures(fe)); \(formatted(fe.speedupVsBaseline ?? 1, digits: 2))× the baseline's speed, "
                         + "\(formatted(fe.energyVsBaseline ?? 1, digits: 2))× its energy.")
            lines.append("Least energy\(floor): \(pair(le)): \(figures(le)); \(formatted(le.energyVsBaseline ?? 1, digits: 2))× the baseline's energy, "
                         + "\(formatted(le.speedupVsBaseline ?? 1, digits: 2))× its speed.")
        } else if let floor = minAccuracy {
            let best = entries.compactMap(\.rankedAccuracy).max()
            lines.append("No run reaches \(formatted(floor * 100, digits: 2)) % accuracy"
                         + (best.map { " (the best: \(formatted($0 * 100, digits: 2)) %)." } ?? " (none recorded one)."))
        }
        func frontLine(_ what: String, _ refs: [PairReference], _ value: (Entry) -> String) -> String? {
            let items = refs.compactMap(index(of:)).map { "\(pair(entries[$0])) (\(accuracy(entries[$0])), \(value(entries[$0])))" }
            return items.isEmpty ? nil : "Pareto front, accuracy against \(what): " + items.joined(separator: "; ") + "."
        }
        if let l = frontLine("latency", answer.paretoLatency, { formatted($0.latencyUS, digits: 2) + " µs" }) { lines.append(l) }
        if let l = frontLine("energy", answer.paretoEnergy, { formatted($0.energyPJ / 1e6, digits: 2) + " µJ" }) { lines.append(l) }
        if let l = spreadLine() { lines.append(l) }
        return lines
    }

    /// Which runs' accuracies are within each other's seed spread (nil when no run has one).
    func spreadLine() -> String? {
        var runs: [(name: String, spread: SeedSpread)] = []
        for e in entries where !runs.contains(where: { $0.name == Self.shortName(e.workload) }) {
            guard let s = e.accuracySpread, s.values.count > 1, e.quantizedAccuracy == nil else { continue }
            runs.append((Self.shortName(e.workload), s))
        }
        guard runs.count > 1 else { return nil }
        var pairs: [String] = []
        for i in runs.indices {
            for j in runs.indices where j > i && runs[i].spread.overlaps(runs[j].spread) {
                let gap = abs(runs[i].spread.mean - runs[j].spread.mean) * 100
                pairs.append("\(runs[i].name) and \(runs[j].name) (\(formatted(gap, digits: 2)) pt apart, "
                             + "spread \(formatted(runs[i].spread.combinedDeviation(runs[j].spread) * 100, digits: 2)) pt)")
            }
        }
        let rule = "means apart by at most √(σ₁² + σ₂²)"
        return pairs.isEmpty
            ? "Seed spread: no two runs are within each other's (\(rule))."
            : "Within the seed spread (\(rule)), so not ranked by these seeds: " + pairs.joined(separator: "; ") + "."
    }
}

extension Comparison.Entry {
    /// The accuracy the answer ranks by: the quantized one when the run quantized its weights,
    /// else the mean over seeds when the run was trained with several.
    var rankedAccuracy: Double? { quantizedAccuracy ?? accuracySpread?.mean ?? accuracy }

    /// The ranked accuracy in words: `87.95 %`, or `87.95 ± 0.41 % (3 seeds)`.
    var accuracyText: String {
        if quantizedAccuracy == nil, let spread = accuracySpread, spread.values.count > 1 {
            return spread.text(scale: 100) + " % (\(spread.values.count) seeds)"
        }
        return rankedAccuracy.map { formatted($0 * 100, digits: 2) + " %" } ?? "accuracy not recorded"
    }
}
