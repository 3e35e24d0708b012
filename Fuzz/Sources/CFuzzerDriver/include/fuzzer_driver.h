// libFuzzer's driver, which -sanitize=fuzzer links in. SwiftPM gives every executable a Swift
// `main`, so libFuzzer's own `main` is never used: each target's main.swift calls this instead.
#ifndef SPARSESIM_FUZZER_DRIVER_H
#define SPARSESIM_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Parses libFuzzer's flags from argv and fuzzes `callback` (LLVM >= 11).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
