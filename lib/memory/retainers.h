// Who holds the heap: the dominator tree of a HeapGraph from its roots, each
// root's retained bytes and objects, the path into its biggest subtree, and
// the live bytes by type (formats/memory.md).
#pragma once

#include "memory/heap_graph.h"
#include "model/memory.h"

#include <cstddef>
#include <functional>

namespace crashctl::memory {

struct SummarizeOptions {
  size_t max_retainers = 20;
  size_t max_types = 30;
  size_t max_path = 12;
  // With ALONGSIDE: 1 runs it first, on the caller's thread; otherwise on a
  // thread of its own (0: when analysis_threads() > 1).
  unsigned threads = 0;
};

MemoryReport summarize(const HeapGraph &g, const SummarizeOptions &opts = {});
// The same, with ALONGSIDE (type propagation) run while the dominator tree is
// built: it may change the objects' types, the type names and the graph's
// notes, which the dominator tree does not read; the retainers' paths and
// the types' totals are read after it returns. The report is the same as
// ALONGSIDE's before summarize(G).
MemoryReport summarize(HeapGraph &g, const std::function<void()> &alongside, const SummarizeOptions &opts = {});

// Immediate dominators over nodes 0..n-1 from node 0, given successor lists in
// CSR form (SUCC_START has n+1 entries). idom[0] = 0; unreachable nodes get
// kUnreached. Lengauer-Tarjan with path compression, iterative (no recursion).
inline constexpr uint32_t kUnreached = ~uint32_t(0);
std::vector<uint32_t> dominators(uint32_t n, const std::vector<uint64_t> &succ_start,
                                 const std::vector<uint32_t> &succ);

}  // namespace crashctl::memory
