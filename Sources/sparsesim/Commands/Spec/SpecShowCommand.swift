import ArgumentParser
import Sim
import SparseSimCore
import Trace

/// `sparsesim spec show FILE`.
struct SpecShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the effective spec (defaults filled in, overrides applied) as XML or JSON.",
        discussion: """
            Examples:
              sparsesim spec show HardwareSpecs/eyeriss-v1.xml
              sparsesim spec show HardwareSpecs/systolic-ws.xml --set pe-array.rows=128 --set pe-array.cols=128 --set dataflow=os --format json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case xml, json }

    @Argument(help: "The spec file.")
    var file: String

    @Option(name: .customLong("set"), help: "Override an attribute: path=value.")
    var overrides: [String] = []

    @Option(help: "Output format: xml or json.")
    var format: Format = .xml

    func run() throws {
        let spec = try SpecLoader.load(path: file, overrides: overrides)
        switch format {
        case .xml: try Console.emit(spec.xmlText(), to: nil)
        case .json: try Console.emit(String(decoding: try JSONCoding.encode(spec), as: UTF8.self), to: nil)
        }
    }
}
