// Who holds the heap: the dominator tree of a HeapGraph from its roots, each
// root's retained bytes and objects, the path into its biggest subtree, and
// the live bytes by type (formats/memory.md).
#pragma once

#include "memory/heap_graph.h"
#include "model/memory.h"

#include <cstddef>

namespace crashctl::memory {

struct SummarizeOptions {
  size_t max_retainers = 20;
  size_t max_types = 30;
  size_t max_path = 12;
};

MemoryReport summarize(const HeapGraph &g, const SummarizeOptions &opts = {});

// Immediate dominators over nodes 0..n-1 from node 0, given successor lists in
// CSR form (SUCC_START has n+1 entries). idom[0] = 0; unreachable nodes get
// kUnreached. Lengauer-Tarjan with path compression, iterative (no recursion).
inline constexpr uint32_t kUnreached = ~uint32_t(0);
std::vector<uint32_t> dominators(uint32_t n, const std::vector<uint64_t> &succ_start,
                                 const std::vector<uint32_t> &succ);

}  // namespace crashctl::memory
