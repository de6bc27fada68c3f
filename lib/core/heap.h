// The Go heap of a core as an object graph (formats/memory.md, "Cores"): the
// allocated objects of every in-use span, the pointers inside them from the
// runtime's own pointer metadata, and the roots (data and bss globals,
// goroutine stack frames, finalizers and cleanups) that point into them.
// Layouts and constants come from the executable's DWARF, not from
// per-release tables; amd64, Go 1.22 (allocation headers) and later.
#pragma once

#include "binary/executable.h"
#include "core/memory.h"
#include "core/runtime_layout.h"
#include "core/unwind.h"
#include "memory/heap_graph.h"
#include "model/report.h"

#include <cstdint>
#include <vector>

namespace crashctl::core {

// One goroutine's stack as the decoder unwound it.
struct GoroutineFrames {
  int64_t goid = 0;
  uint64_t stack_lo = 0, stack_hi = 0;  // g.stack
  std::vector<PhysicalFrame> frames;    // innermost first
};

// What the walk found, and the runtime's own figures to check it against.
struct HeapWalkStats {
  uint64_t spans = 0, in_use_spans = 0, skipped_spans = 0;
  uint64_t objects = 0, bytes = 0;  // allocated objects added, at their slot size
  // The same from each in-use span's allocCount (objects) and allocCount ×
  // elemsize (bytes): the allocator's own count, kept apart from allocBits.
  uint64_t alloc_count_objects = 0, alloc_count_bytes = 0;
  uint64_t large_objects = 0, typed_objects = 0, pointers = 0;
  uint64_t global_slots = 0, stack_slots = 0, precise_frames = 0, conservative_frames = 0, dead_frames = 0;
  uint64_t finalizers = 0, cleanups = 0, weak_handles = 0, queued_finalizers = 0;
  bool green_tea = false;  // spans carry inline mark bits (Go 1.26+, or GOEXPERIMENT=greenteagc)
};

// Reads the heap of the process in MEM into BUILDER. STACKS are the
// goroutines the decoder unwound (their frames become stack roots). Problems
// (a truncated core, damaged spans) become notes in BUILDER and, when the
// walk could not start, diagnostics; the walk is bounded by what the core
// can hold and never fails.
HeapWalkStats read_heap_graph(const Memory &mem, const binary::Executable &exe, const RuntimeLayout &layout,
                              const std::vector<GoroutineFrames> &stacks, memory::HeapGraphBuilder &builder,
                              std::vector<Diagnostic> &diags);

// The heap's totals from the in-use spans alone (allocCount and elemsize):
// what a crash core shows without --memory. Zero when the heap is unreadable.
HeapWalkStats read_heap_totals(const Memory &mem, const binary::Executable &exe, const RuntimeLayout &layout,
                               std::vector<Diagnostic> &diags);

}  // namespace crashctl::core
