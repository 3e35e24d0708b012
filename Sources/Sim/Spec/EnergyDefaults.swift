import Foundation

// MARK: - EnergyDefaults

/// Per-access and per-MAC energies used when a spec gives none: Horowitz, "Computing's Energy
/// Problem", ISSCC 2014, 45 nm. Docs/hardware-specs.md lists each figure and how it is scaled.
enum EnergyDefaults {
    /// An integer MAC with `operandBits` operands and an `accumulatorBits` adder, pJ:
    /// multiply `0.2·(b/8)²` (8-bit multiply 0.2 pJ, area and energy quadratic in width) plus
    /// add `0.03·(a/8)` (8-bit add 0.03 pJ, linear in width).
    static func macPJ(operandBits b: Int, accumulatorBits a: Int) -> Double {
        0.2 * pow(Double(b) / 8, 2) + 0.03 * Double(a) / 8
    }

    /// A gated MAC (zero operand detected, datapath not toggled): 5% of a MAC, for the
    /// zero-detect logic and clocking that still run.
    static func gatedMacPJ(macPJ: Double) -> Double { 0.05 * macPJ }

    /// One 64-bit SRAM read of a buffer of `bytes`, pJ: Horowitz gives 10 pJ (8 KiB),
    /// 20 pJ (32 KiB) and 100 pJ (1 MiB); between and beyond these points, a power law
    /// through the nearest two (log-log interpolation).
    static func sram64BitPJ(bytes: Int) -> Double {
        let points: [(Double, Double)] = [(8 * 1024, 10), (32 * 1024, 20), (1024 * 1024, 100)]
        let s = Double(max(bytes, 1))
        let (lo, hi) = s <= points[1].0 ? (points[0], points[1]) : (points[1], points[2])
        let slope = log(hi.1 / lo.1) / log(hi.0 / lo.0)
        return lo.1 * pow(s / lo.0, slope)
    }

    /// One 64-bit DRAM access, pJ: the low end of Horowitz's 1.3–2.6 nJ per 64 bits.
    static let dram64BitPJ = 1300.0

    /// Default read (and write) energy of one `widthBits` access to a level, pJ.
    /// - `dram`: `dram64BitPJ` scaled by width;
    /// - `sram`: `sram64BitPJ(size)` scaled by width;
    /// - `regfile`: one MAC per operand-width word (Eyeriss's normalized RF cost of 1× MAC);
    /// - `noc`: two MACs per operand-width word (Eyeriss's inter-PE cost of 2× MAC).
    static func accessPJ(
        type: HardwareSpec.LevelType, sizeBytes: Int?, widthBits: Int, operandBits: Int, macPJ: Double
    ) -> Double {
        let width = Double(widthBits)
        switch type {
        case .dram: return dram64BitPJ * width / 64
        case .sram: return sram64BitPJ(bytes: sizeBytes ?? 1) * width / 64
        case .regfile: return macPJ * width / Double(operandBits)
        case .noc: return 2 * macPJ * width / Double(operandBits)
        }
    }
}
