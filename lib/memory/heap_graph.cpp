#include "memory/heap_graph.h"

#include <algorithm>
#include <numeric>

namespace crashctl::memory {

constexpr char root_key_sep[] = "\x1f";

ObjectId HeapGraph::find(uint64_t addr) const {
  auto it = std::upper_bound(addr_.begin(), addr_.end(), addr);
  if (it == addr_.begin()) return kNoObject;
  size_t i = size_t(it - addr_.begin()) - 1;
  return addr - addr_[i] < size_[i] ? ObjectId(i) : kNoObject;
}

TypeId HeapGraph::intern_type(std::string_view name) {
  if (name.empty() || name == "unknown") return 0;
  auto [it, added] = type_ids_.emplace(std::string(name), TypeId(type_names_.size()));
  if (added) type_names_.push_back(it->first);
  return it->second;
}

HeapGraphBuilder::HeapGraphBuilder() = default;

ObjectId HeapGraphBuilder::add_object(uint64_t addr, uint64_t size, std::string_view type) {
  objs_.push_back({addr, size, g_.intern_type(type)});
  return ObjectId(objs_.size() - 1);
}

void HeapGraphBuilder::add_pointer(ObjectId from, uint64_t offset, uint64_t to) {
  if (to) edges_.push_back({to, from, uint32_t(std::min<uint64_t>(offset, UINT32_MAX))});
}

uint32_t HeapGraphBuilder::add_root(const Root &root) {
  const MemoryRoot &i = root.info;
  std::string key = std::to_string(int(i.kind)) + root_key_sep + i.name + root_key_sep + std::to_string(i.goroutine) +
                    root_key_sep + i.function + root_key_sep + i.variable;
  auto [it, added] = root_index_.emplace(std::move(key), uint32_t(g_.roots_.size()));
  if (added) g_.roots_.push_back(root);
  return it->second;
}

void HeapGraphBuilder::add_root_pointer(uint32_t r, uint64_t slot_addr, uint64_t to) {
  if (!to || r >= g_.roots_.size()) return;
  uint64_t off = slot_addr >= g_.roots_[r].base ? slot_addr - g_.roots_[r].base : 0;
  root_edges_.push_back({to, r, uint32_t(std::min<uint64_t>(off, UINT32_MAX))});
}

HeapGraph HeapGraphBuilder::finish() {
  HeapGraph g = std::move(g_);
  g_ = HeapGraph();
  // Sort objects by address; old id -> new id.
  std::vector<uint32_t> order(objs_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return objs_[a].addr < objs_[b].addr; });
  std::vector<ObjectId> new_id(objs_.size(), kNoObject);
  uint64_t overlaps = 0;
  for (uint32_t old : order) {
    const PendingObject &o = objs_[old];
    if (!g.addr_.empty() && o.addr < g.addr_.back() + g.size_.back()) {
      ++overlaps;  // a corrupt dump: keep the first
      continue;
    }
    new_id[old] = ObjectId(g.addr_.size());
    g.addr_.push_back(o.addr);
    g.size_.push_back(o.size);
    g.type_.push_back(o.type);
  }
  if (overlaps) g.notes.push_back(std::to_string(overlaps) + " objects overlapping others were ignored");
  std::vector<PendingObject>().swap(objs_);

  auto resolve = [&](std::vector<PendingEdge> &pending, size_t sources, bool from_objects, std::vector<uint64_t> &start,
                     std::vector<Edge> &out) {
    // Counting sort by source keeps memory at one Edge per pointer.
    start.assign(sources + 1, 0);
    size_t kept = 0;
    for (PendingEdge &e : pending) {
      uint32_t src = from_objects ? (e.from < new_id.size() ? new_id[e.from] : kNoObject) : e.from;
      ObjectId t = g.find(e.to);
      if (src == kNoObject || src >= sources || t == kNoObject) {
        if (t == kNoObject && !g.addr_.empty() && e.to >= g.addr_.front() && e.to < g.addr_.back() + g.size_.back())
          ++g.dangling_pointers;
        e.from = kNoObject;
        continue;
      }
      e.from = src;
      ++start[src + 1];
      ++kept;
    }
    for (size_t i = 1; i <= sources; ++i) start[i] += start[i - 1];
    out.resize(kept);
    std::vector<uint64_t> fill(start.begin(), start.end() - 1);
    for (const PendingEdge &e : pending) {
      if (e.from == kNoObject) continue;
      ObjectId t = g.find(e.to);
      out[fill[e.from]++] = {t, e.offset, uint32_t(std::min<uint64_t>(e.to - g.addr_[t], UINT32_MAX))};
    }
    std::vector<PendingEdge>().swap(pending);
  };
  resolve(edges_, g.addr_.size(), true, g.edge_start_, g.edges_);
  resolve(root_edges_, g.roots_.size(), false, g.root_edge_start_, g.root_edges_);
  for (std::string &n : notes_) g.notes.push_back(std::move(n));
  notes_.clear();
  root_index_.clear();
  return g;
}

}  // namespace crashctl::memory
