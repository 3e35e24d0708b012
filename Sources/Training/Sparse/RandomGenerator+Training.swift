import Trace

// MARK: - RandomGenerator

/// The project's one seeded generator (xoshiro256**, defined in Trace so the simulator's
/// statistical masks draw from the same stream type as training).
public typealias RandomGenerator = Trace.RandomGenerator
