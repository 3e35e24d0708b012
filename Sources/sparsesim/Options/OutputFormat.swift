import ArgumentParser
import Foundation
import SparseSimCore
import Trace

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
