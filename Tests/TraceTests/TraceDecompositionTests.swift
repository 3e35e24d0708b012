import Foundation
import Testing
import TestSupport

@testable import SparseSimCore
@testable import Trace

/// Decomposed layers round-trip through a trace; records that do not fit their layer, and
/// files that disagree with the manifest, are refused with the field named.
@Suite struct TraceDecompositionTests {
    /// conv2 (K 6, C 4, 3×3) decomposed with M = 3 bases per channel, half the coefficients kept.
    static func decomposed(sharing: BasisSharing = .channel, bases m: Int = 3) -> DecomposedTensors {
        let groups = sharing.groups(channels: 4)
        let basisValues = (0..<(groups * m * 9)).map { Float($0 % 7) - 3 }
        let mask = Bitmask((0..<(6 * 4 * m)).map { $0 % 2 == 0 })
        let coefficients = (0..<(6 * 4 * m)).map { mask[$0] ? Float($0) / 10 + 0.1 : 0 }
        return DecomposedTensors(bases: m, sharing: sharing, basisValues: basisValues, coefficients: coefficients,
                                 coefficientMask: mask, quantization: "bases=8,coef=4", reconstructionError: 0.125)
    }

    static func write(_ d: DecomposedTensors, layer: String = "conv2") throws -> (String, Result<TraceWriter, Error>) {
        let path = try makeTemporaryDirectory() + "/d.sstrace"
        do {
            var writer = try TraceWriter(path: path, model: SampleTrace.model, method: SampleTrace.method, provenance: SampleTrace.provenance)
            var layers = SampleTrace.tensors(step: 0, density: 1)
            let i = layers.firstIndex { $0.name == layer }!
            layers[i].decomposition = d
            try writer.append(step: 0, epoch: 0, layers: layers)
            return (path, .success(writer))
        } catch {
            return (path, .failure(error))
        }
    }

    @Test(arguments: BasisSharing.allCases)
    func roundTrip(sharing: BasisSharing) throws {
        let d = Self.decomposed(sharing: sharing)
        let (path, result) = try Self.write(d)
        _ = try result.get()
        let reader = try TraceReader(path: path, verifyTensors: true)
        let loaded = try reader.load(layer: "conv2", snapshot: 0)
        #expect(loaded.decomposition == d)
        #expect(try reader.load(layer: "conv1", snapshot: 0).decomposition == nil)
        let record = reader.manifest.snapshots[0].layers[1].decomposition!
        #expect(record.coefficientDensity == 0.5)
        #expect(record.basisShape(SampleTrace.layers[1]) == [sharing == .layer ? 1 : 4, 3, 3, 3])
        // The manifest's JSON keys are snake_case.
        let json = String(decoding: FileManager.default.contents(atPath: path + "/manifest.json")!, as: UTF8.self)
        for key in ["\"basis_kernels\"", "\"coefficient_mask\"", "\"coefficient_density\"", "\"reconstruction_error\""] {
            #expect(json.contains(key))
        }
    }

    /// A sharing other than layer or channel in a manifest is refused with its JSON path.
    @Test func readerRefusesAnUnknownSharing() throws {
        let (path, result) = try Self.write(Self.decomposed())
        _ = try result.get()
        let manifest = path + "/manifest.json"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        #expect(text.contains("\"sharing\" : \"channel\""))
        try text.replacingOccurrences(of: "\"sharing\" : \"channel\"", with: "\"sharing\" : \"filter\"")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect {
            _ = try TraceReader(path: path, verifyTensors: false)
        } throws: { error in
            guard let e = error as? SparseSimError else { return false }
            return e.location == "snapshots[0].layers[1].decomposition.sharing" && e.message == "must be layer or channel, got 'filter'"
        }
    }

    @Test func writerRefusesRecordsThatDoNotFit() throws {
        var tooMany = Self.decomposed()
        tooMany.basisValues.removeLast()
        var shortMask = Self.decomposed()
        shortMask.coefficientMask = Bitmask(repeating: true, count: 5)
        let cases: [(DecomposedTensors, String, String)] = [
            (tooMany, "conv2", "basis_kernels"), (shortMask, "conv2", "coefficients"),
            (Self.decomposed(bases: 10), "conv2", "bases"), (Self.decomposed(), "fc", "bases"),
        ]
        for (d, layer, field) in cases {
            let (_, result) = try Self.write(d, layer: layer)
            guard case .failure(let error as SparseSimError) = result else {
                Issue.record("\(field) on \(layer) was accepted")
                continue
            }
            #expect(error.location.contains("decomposition.\(field)") == true, "\(error)")
        }
    }

    @Test func readerRefusesInconsistentFiles() throws {
        let (path, result) = try Self.write(Self.decomposed())
        _ = try result.get()
        let manifestPath = path + "/manifest.json"
        let original = String(decoding: FileManager.default.contents(atPath: manifestPath)!, as: UTF8.self)
        // A density that does not match the mask.
        try original.replacingOccurrences(of: "\"coefficient_density\" : 0.5", with: "\"coefficient_density\" : 0.25")
            .write(toFile: manifestPath, atomically: true, encoding: .utf8)
        let error = expectSparseSimError { _ = try TraceReader(path: path, verifyTensors: true) }
        #expect(error?.location.contains("coefficient_density") == true, "\(String(describing: error))")
        // A coefficient where the mask prunes.
        try original.write(toFile: manifestPath, atomically: true, encoding: .utf8)
        let record = try TraceReader(path: path).manifest.snapshots[0].layers[1].decomposition!
        var d = Self.decomposed()
        d.coefficients[1] = 2
        try NPY.write(NPYArray(d.coefficients, shape: [6, 4, 3]), to: path + "/" + record.coefficients)
        let pruned = expectSparseSimError { _ = try TraceReader(path: path, verifyTensors: true) }
        #expect(pruned?.message.contains("where the coefficient mask prunes") == true, "\(String(describing: pruned))")
    }
}
