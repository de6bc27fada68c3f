// The heap's object graph as a core or heap-dump decoder reads it, in compact
// arrays (a few words per object and 12 bytes per pointer), and the
// roots that point into it. Decoders fill a HeapGraphBuilder; lib/memory
// analyzes the finished HeapGraph (retainers.h).
#pragma once

#include "model/memory.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crashctl::memory {

using ObjectId = uint32_t;
using TypeId = uint32_t;  // 0: unknown
inline constexpr ObjectId kNoObject = ~ObjectId(0);

// A root: a global variable, a goroutine's stack slot or frame, a finalizer.
// Slots of the same variable (same kind, name, goroutine, function, variable)
// are one root.
struct Root {
  MemoryRoot info;
  uint64_t base = 0;  // the variable's address (globals) or the frame's sp; slot offsets are from it
};

struct Edge {
  ObjectId target;
  uint32_t from_offset;  // where the pointer sits in its object (or root variable)
  uint32_t to_offset;    // where it points inside the target
};

// CRASHCTL_MEMORY_TIMING set: each phase of the heap analysis prints to
// stderr its wall time, the process's peak RSS so far and the CPU time of
// the thread that timed it (not of the threads it started: run with
// CRASHCTL_MEMORY_THREADS=1 for every phase's CPU) (bench/memory.sh's
// profile). Otherwise it does nothing.
class PhaseTimer {
public:
  explicit PhaseTimer(const char *scope);
  void lap(const char *phase);  // the time since the previous lap (or the start)

private:
  const char *scope_;
  bool on_;
  uint64_t last_ns_ = 0, last_cpu_ns_ = 0;
};

// Threads the heap analysis may use, the caller's among them:
// CRASHCTL_MEMORY_THREADS when set (1: the caller's alone), else the CPUs
// this process may use, at most 8. The results are the same for any number.
unsigned analysis_threads();

// Runs F(i) once for each i in [0, N) on up to THREADS threads, the caller's
// among them, and returns when all are done; an exception from F is thrown
// here, after the others have finished.
void parallel_for(size_t n, unsigned threads, const std::function<void(size_t)> &f);

class HeapGraph {
public:
  size_t object_count() const { return ext_.size(); }
  uint64_t address(ObjectId o) const { return ext_[o].addr; }
  uint64_t size(ObjectId o) const { return ext_[o].size; }
  TypeId type(ObjectId o) const { return type_[o]; }
  // Starts loading object O's size and type (walks that visit objects in
  // pointer order hide the memory latency of the next few).
  void prefetch(ObjectId o) const {
    __builtin_prefetch(&ext_[o]);
    __builtin_prefetch(&type_[o]);
  }
  void set_type(ObjectId o, TypeId t) { type_[o] = t; }
  // The object holding ADDR (its start or inside it), else kNoObject.
  ObjectId find(uint64_t addr) const;

  const Edge *edges_begin(ObjectId o) const { return edges_.data() + edge_start_[o]; }
  const Edge *edges_end(ObjectId o) const { return edges_.data() + edge_start_[o + 1]; }

  size_t root_count() const { return roots_.size(); }
  const Root &root(size_t r) const { return roots_[r]; }
  const Edge *root_edges_begin(size_t r) const { return root_edges_.data() + root_edge_start_[r]; }
  const Edge *root_edges_end(size_t r) const { return root_edges_.data() + root_edge_start_[r + 1]; }

  const std::string &type_name(TypeId t) const { return type_names_[t]; }
  TypeId intern_type(std::string_view name);

  uint64_t dangling_pointers = 0;  // pointers into the heap's range that hit no allocated object
  std::vector<std::string> notes;  // what the decoder could not read

private:
  friend class HeapGraphBuilder;
  struct Extent {
    uint64_t addr, size;
  };
  std::vector<Extent> ext_;  // sorted by address; together, for find's one cache line
  std::vector<TypeId> type_;
  std::vector<uint64_t> edge_start_;  // CSR: object o's edges are [edge_start_[o], edge_start_[o+1])
  std::vector<Edge> edges_;
  std::vector<Root> roots_;
  std::vector<uint64_t> root_edge_start_;
  std::vector<Edge> root_edges_;
  std::vector<std::string> type_names_{"unknown"};
  std::unordered_map<std::string, TypeId> type_ids_;
  // find's index: pages_[p].first is the first object ending after the
  // start of page p (pages of 1 << page_shift_ bytes from the first object),
  // so a lookup searches the objects of one page, not all of them; with
  // that object's address and size, the slot holding an address is guessed
  // without loading the object (the page index is small enough to stay in
  // the cache, the objects are not).
  struct Page {
    uint64_t first_addr = 0;
    ObjectId first = 0;
    uint32_t first_size = 0;  // 0: too large, no guess
  };
  std::vector<Page> pages_;
  uint32_t page_shift_ = 0;
  void index_pages();
  // Starts loading the object find(ADDR) will most likely look at.
  void prefetch_find(uint64_t addr) const;
};

// Objects added in address order, and pointers in the order of their
// objects (a core's walk adds both so), go straight into the graph's arrays:
// a few words per object and 12 bytes per pointer. Anything else is kept
// pending and sorted by finish(), with the same result.
class HeapGraphBuilder {
public:
  HeapGraphBuilder();
  // Room for N objects (a hint).
  void reserve(size_t objects);
  // Every allocated object, in any order: its start and slot size; TYPE ""
  // when unknown. Returns its id for add_pointer.
  ObjectId add_object(uint64_t addr, uint64_t size, std::string_view type = {});
  ObjectId add_object(uint64_t addr, uint64_t size, TypeId type);
  TypeId intern_type(std::string_view name) { return g_.intern_type(name); }
  // Object FROM holds pointer value TO at byte OFFSET. Values that point into
  // no object are dropped (counted when they fall inside an object's span).
  void add_pointer(ObjectId from, uint64_t offset, uint64_t to);
  // A root, merged with an earlier one of the same identity; its index.
  uint32_t add_root(const Root &root);
  // Root R holds pointer value TO in its slot at SLOT_ADDR.
  void add_root_pointer(uint32_t r, uint64_t slot_addr, uint64_t to);
  void note(std::string n) { notes_.push_back(std::move(n)); }
  size_t object_count() const { return direct_objects_ ? g_.ext_.size() : objs_.size(); }

  // Sorts and indexes. Overlapping objects (a corrupt dump) keep the first.
  // THREADS resolve the pointers of a core's walk: 0, analysis_threads()
  // for a graph big enough to gain from them; else exactly that many.
  HeapGraph finish(unsigned threads = 0);

private:
  struct PendingObject {
    uint64_t addr, size;
    TypeId type;
  };
  struct PendingEdge {
    uint64_t to;
    uint32_t from;  // object id, or root index
    uint32_t offset;
  };
  void pend_objects();  // leave the direct path for objects
  void pend_edges();    // and for pointers
  HeapGraph g_;
  // Direct: objects in g_.ext_ and g_.type_; pointers in g_.edges_ with
  // g_.edge_start_ up to the last source, the value TO kept in the Edge's
  // target (low half) and to_offset (high half) until finish().
  bool direct_objects_ = true, direct_edges_ = true;
  std::vector<PendingObject> objs_;
  std::vector<PendingEdge> edges_, root_edges_;
  std::unordered_map<std::string, uint32_t> root_index_;
  std::vector<std::string> notes_;
};

}  // namespace crashctl::memory
