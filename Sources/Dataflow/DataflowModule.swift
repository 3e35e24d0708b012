// MARK: - Dataflow

// Loop nests, tiling and spatial mapping of a layer onto a PE array (DESIGN.md §4) arrive with
// the dense accelerator model. The module exists now so the module graph is in place.
