#include "memory/heap_graph.h"

#include "llvm/Support/Threading.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>

namespace crashctl::memory {

namespace {
uint64_t now_ns() {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

uint64_t thread_cpu_ns() {
  struct timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return uint64_t(ts.tv_sec) * 1000000000 + uint64_t(ts.tv_nsec);
}

}  // namespace

PhaseTimer::PhaseTimer(const char *scope) : scope_(scope), on_(std::getenv("CRASHCTL_MEMORY_TIMING") != nullptr) {
  if (on_) {
    last_ns_ = now_ns();
    last_cpu_ns_ = thread_cpu_ns();
  }
}

void PhaseTimer::lap(const char *phase) {
  if (!on_) return;
  uint64_t t = now_ns(), cpu = thread_cpu_ns();
  struct rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::fprintf(stderr, "crashctl-memory-timing: %-10s %-24s %8.3f s  peak RSS %6ld MiB  thread CPU %7.3f s\n", scope_,
               phase, double(t - last_ns_) / 1e9, long(ru.ru_maxrss / 1024), double(cpu - last_cpu_ns_) / 1e9);
  last_ns_ = t;
  last_cpu_ns_ = cpu;
}

unsigned analysis_threads() {
  if (const char *e = std::getenv("CRASHCTL_MEMORY_THREADS"); e && *e) {
    char *end = nullptr;
    unsigned long v = std::strtoul(e, &end, 10);
    if (*end == 0 && v >= 1) return unsigned(std::min<unsigned long>(v, 64));
  }
  // The CPUs this process may use (taskset, cgroup cpusets), as crash text counts them.
  return std::clamp(unsigned(llvm::hardware_concurrency().compute_thread_count()), 1u, 8u);
}

void parallel_for(size_t n, unsigned threads, const std::function<void(size_t)> &f) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::exception_ptr error;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        f(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        next = n;  // the others stop at their next item
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < std::min<size_t>(threads, n); ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error &) {
      break;  // no more threads: fewer do the work
    }
  }
  work();
  for (std::thread &t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

constexpr char root_key_sep[] = "\x1f";

ObjectId HeapGraph::find(uint64_t addr) const {
  if (ext_.empty() || addr < ext_.front().addr) return kNoObject;
  size_t lo = 0, hi = ext_.size();
  if (!pages_.empty()) {
    uint64_t p = (addr - ext_.front().addr) >> page_shift_;
    if (p + 1 >= pages_.size()) return kNoObject;  // past the last object's end
    // The object holding ADDR ends after page p's start and starts at most at
    // ADDR, so it is one of pages_[p].first .. pages_[p + 1].first.
    const Page &pg = pages_[p];
    lo = pg.first;
    hi = std::min<size_t>(size_t(pages_[p + 1].first) + 1, ext_.size());
    // A page's objects are mostly one span's equal slots, all allocated:
    // ADDR's slot counted from the page's first object is the first guess.
    if (lo < hi && addr >= pg.first_addr && pg.first_size) {
      uint64_t g = lo + (addr - pg.first_addr) / pg.first_size;
      if (g < hi) {
        const Extent &x = ext_[g];
        if (x.addr <= addr) {
          if (addr - x.addr < x.size) return ObjectId(g);
          lo = size_t(g);  // at or before ADDR: the holder is here or after
        } else {
          hi = size_t(g);
        }
      }
    }
  }
  auto it = std::upper_bound(ext_.begin() + lo, ext_.begin() + hi, addr,
                             [](uint64_t a, const Extent &x) { return a < x.addr; });
  if (it == ext_.begin()) return kNoObject;
  size_t i = size_t(it - ext_.begin()) - 1;
  return addr - ext_[i].addr < ext_[i].size ? ObjectId(i) : kNoObject;
}

void HeapGraph::prefetch_find(uint64_t addr) const {
  if (pages_.empty() || addr < ext_.front().addr) return;
  uint64_t p = (addr - ext_.front().addr) >> page_shift_;
  if (p + 1 >= pages_.size()) return;
  const Page &pg = pages_[p];
  uint64_t g = pg.first;
  if (addr >= pg.first_addr && pg.first_size) g += (addr - pg.first_addr) / pg.first_size;
  if (g < ext_.size()) __builtin_prefetch(&ext_[g]);
}

// Pages of at least 8 KiB, and no more of them than objects (plus a few):
// a sparse heap (a damaged dump's stray address) gets larger pages, not a
// larger index.
void HeapGraph::index_pages() {
  pages_.clear();
  if (ext_.empty()) return;
  uint64_t lo = ext_.front().addr, hi = ext_.back().addr + ext_.back().size;
  if (hi <= lo) return;
  uint32_t shift = 13;
  while (shift < 63 && ((hi - lo - 1) >> shift) + 2 > ext_.size() + 1024) ++shift;
  uint64_t pages = ((hi - lo - 1) >> shift) + 1;
  page_shift_ = shift;
  pages_.resize(pages + 1);
  // pages_[p].first: the first object whose end is after lo + (p << shift).
  size_t o = 0;
  for (uint64_t p = 0; p < pages; ++p) {
    uint64_t at = lo + (p << shift);
    while (o < ext_.size() && ext_[o].addr + ext_[o].size <= at) ++o;
    pages_[p].first = ObjectId(o);
    if (o < ext_.size()) {
      pages_[p].first_addr = ext_[o].addr;
      pages_[p].first_size = ext_[o].size <= UINT32_MAX ? uint32_t(ext_[o].size) : 0;  // 0: no guess
    }
  }
  pages_[pages].first = ObjectId(ext_.size() - 1);  // past the end: the last object bounds the last page
}

TypeId HeapGraph::intern_type(std::string_view name) {
  if (name.empty() || name == "unknown") return 0;
  auto [it, added] = type_ids_.emplace(std::string(name), TypeId(type_names_.size()));
  if (added) type_names_.push_back(it->first);
  return it->second;
}

HeapGraphBuilder::HeapGraphBuilder() = default;

void HeapGraphBuilder::reserve(size_t objects) {
  if (direct_objects_) {
    g_.ext_.reserve(objects);
    g_.type_.reserve(objects);
    // Pointers: about one per object in a big heap; room that stays
    // untouched costs address space, not memory.
    g_.edge_start_.reserve(objects + 1);
    g_.edges_.reserve(objects + objects / 2);
  } else {
    objs_.reserve(objects);
  }
}

ObjectId HeapGraphBuilder::add_object(uint64_t addr, uint64_t size, std::string_view type) {
  return add_object(addr, size, g_.intern_type(type));
}

ObjectId HeapGraphBuilder::add_object(uint64_t addr, uint64_t size, TypeId type) {
  if (direct_objects_) {
    std::vector<HeapGraph::Extent> &x = g_.ext_;
    // In address order, not overlapping the previous one, and with room for
    // the end: taken as it is.
    if ((x.empty() || (addr > x.back().addr && addr >= x.back().addr + x.back().size)) && addr + size >= addr) {
      x.push_back({addr, size});
      g_.type_.push_back(type);
      return ObjectId(x.size() - 1);
    }
    pend_objects();
  }
  objs_.push_back({addr, size, type});
  return ObjectId(objs_.size() - 1);
}

void HeapGraphBuilder::pend_objects() {
  direct_objects_ = false;
  objs_.reserve(std::max(g_.ext_.capacity(), g_.ext_.size() + 1));
  for (size_t i = 0; i < g_.ext_.size(); ++i) objs_.push_back({g_.ext_[i].addr, g_.ext_[i].size, g_.type_[i]});
  std::vector<HeapGraph::Extent>().swap(g_.ext_);
  std::vector<TypeId>().swap(g_.type_);
}

void HeapGraphBuilder::add_pointer(ObjectId from, uint64_t offset, uint64_t to) {
  if (!to) return;
  uint32_t off = uint32_t(std::min<uint64_t>(offset, UINT32_MAX));
  if (direct_edges_) {
    std::vector<uint64_t> &start = g_.edge_start_;
    if (from + uint64_t(1) >= start.size()) {
      // Sources in order: the edges so far end every earlier source's list.
      while (start.size() <= from) start.push_back(g_.edges_.size());
      g_.edges_.push_back({uint32_t(to), off, uint32_t(to >> 32)});
      return;
    }
    pend_edges();
  }
  edges_.push_back({to, from, off});
}

void HeapGraphBuilder::pend_edges() {
  direct_edges_ = false;
  std::vector<uint64_t> &start = g_.edge_start_;
  const std::vector<Edge> &ed = g_.edges_;
  edges_.reserve(ed.size() + 1);
  for (size_t src = 0; src < start.size(); ++src) {
    uint64_t end = src + 1 < start.size() ? start[src + 1] : ed.size();
    for (uint64_t e = start[src]; e < end; ++e)
      edges_.push_back({uint64_t(ed[e].target) | uint64_t(ed[e].to_offset) << 32, uint32_t(src), ed[e].from_offset});
  }
  std::vector<uint64_t>().swap(start);
  std::vector<Edge>().swap(g_.edges_);
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

HeapGraph HeapGraphBuilder::finish(unsigned threads) {
  PhaseTimer timer("finish");
  if (!direct_objects_ && direct_edges_) pend_edges();  // their sources are ids before sorting
  HeapGraph g = std::move(g_);
  g_ = HeapGraph();
  std::vector<ObjectId> new_id;  // old id -> new id; empty: the same
  if (!direct_objects_) {
    // Sort objects by address; old id -> new id.
    std::vector<uint32_t> order(objs_.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return objs_[a].addr < objs_[b].addr; });
    new_id.assign(objs_.size(), kNoObject);
    uint64_t overlaps = 0;
    g.ext_.reserve(objs_.size());
    g.type_.reserve(objs_.size());
    for (uint32_t old : order) {
      const PendingObject &o = objs_[old];
      if (!g.ext_.empty() && o.addr < g.ext_.back().addr + g.ext_.back().size) {
        ++overlaps;  // a corrupt dump: keep the first
        continue;
      }
      new_id[old] = ObjectId(g.ext_.size());
      g.ext_.push_back({o.addr, o.size});
      g.type_.push_back(o.type);
    }
    if (overlaps) g.notes.push_back(std::to_string(overlaps) + " objects overlapping others were ignored");
    std::vector<PendingObject>().swap(objs_);
  }
  g.index_pages();
  timer.lap("sort objects");
  const uint64_t heap_lo = g.ext_.empty() ? 0 : g.ext_.front().addr;
  const uint64_t heap_hi = g.ext_.empty() ? 0 : g.ext_.back().addr + g.ext_.back().size;
  auto dangling = [&](uint64_t to) {
    if (!g.ext_.empty() && to >= heap_lo && to < heap_hi) ++g.dangling_pointers;
  };

  auto resolve = [&](std::vector<PendingEdge> &pending, size_t sources, bool from_objects, std::vector<uint64_t> &start,
                     std::vector<Edge> &out) {
    // Counting sort by source keeps memory at one Edge per pointer. The
    // target is found once: the pending value becomes (target, offset in it).
    start.assign(sources + 1, 0);
    size_t kept = 0;
    for (PendingEdge &e : pending) {
      uint32_t src = e.from;
      if (from_objects && !new_id.empty()) src = e.from < new_id.size() ? new_id[e.from] : kNoObject;
      ObjectId t = g.find(e.to);
      if (src == kNoObject || src >= sources || t == kNoObject) {
        if (t == kNoObject) dangling(e.to);
        e.from = kNoObject;
        continue;
      }
      e.from = src;
      e.to = uint64_t(t) << 32 | std::min<uint64_t>(e.to - g.ext_[t].addr, UINT32_MAX);
      ++start[src + 1];
      ++kept;
    }
    for (size_t i = 1; i <= sources; ++i) start[i] += start[i - 1];
    out.resize(kept);
    std::vector<uint64_t> fill(start.begin(), start.end() - 1);
    for (const PendingEdge &e : pending) {
      if (e.from == kNoObject) continue;
      out[fill[e.from]++] = {ObjectId(e.to >> 32), e.offset, uint32_t(e.to)};
    }
    std::vector<PendingEdge>().swap(pending);
  };
  if (direct_edges_) {
    // In place: each edge's value becomes its target, edges into no object
    // are dropped, and the source lists close up.
    std::vector<uint64_t> &start = g.edge_start_;
    std::vector<Edge> &ed = g.edges_;
    const size_t objects = g.ext_.size();
    while (start.size() <= objects) start.push_back(ed.size());
    // Sources that are no object's id: dropped (counted as dangling when
    // they point at nothing, as finish()'s sort does).
    for (uint64_t e = start[objects]; e < ed.size(); ++e) {
      uint64_t to = uint64_t(ed[e].target) | uint64_t(ed[e].to_offset) << 32;
      if (g.find(to) == kNoObject) dangling(to);
    }
    start.resize(objects + 1);
    start[objects] = std::min<uint64_t>(start[objects], ed.size());
    // The targets, found in parts of the edges on several threads (an edge's
    // target depends on nothing else); an edge into no object is marked
    // kNoObject. The targets are scattered (a map's values in hash order):
    // find's loads start a few edges ahead.
    const uint64_t total = start[objects];
    constexpr uint64_t kMinParallelEdges = uint64_t(1) << 18;
    unsigned nthreads = threads ? threads : total >= kMinParallelEdges ? analysis_threads() : 1;
    const size_t parts = nthreads > 1 ? size_t(nthreads) * 4 : 1;
    std::vector<uint64_t> part_dangling(parts, 0), part_dropped(parts, 0);
    const HeapGraph &cg = g;
    parallel_for(parts, nthreads, [&](size_t part) {
      const uint64_t b = total * part / parts, end = total * (part + 1) / parts;
      auto value = [&](uint64_t e) { return uint64_t(ed[e].target) | uint64_t(ed[e].to_offset) << 32; };
      constexpr uint64_t kAhead = 8;
      uint64_t dang = 0, dropped = 0;
      for (uint64_t e = b; e < end; ++e) {
        if (e + kAhead < end) cg.prefetch_find(value(e + kAhead));
        uint64_t to = value(e);
        ObjectId t = cg.find(to);
        if (t == kNoObject) {
          if (to >= heap_lo && to < heap_hi) ++dang;
          ++dropped;
          ed[e].target = kNoObject;
          continue;
        }
        ed[e] = {t, ed[e].from_offset, uint32_t(std::min<uint64_t>(to - cg.ext_[t].addr, UINT32_MAX))};
      }
      part_dangling[part] = dang;
      part_dropped[part] = dropped;
    });
    uint64_t dropped = 0;
    for (size_t i = 0; i < parts; ++i) {
      if (!g.ext_.empty()) g.dangling_pointers += part_dangling[i];
      dropped += part_dropped[i];
    }
    size_t w = total;
    if (dropped) {
      w = 0;
      for (size_t o = 0; o < objects; ++o) {
        uint64_t begin = start[o], end = start[o + 1];
        start[o] = w;
        for (uint64_t e = begin; e < end; ++e)
          if (ed[e].target != kNoObject) ed[w++] = ed[e];
      }
      start[objects] = w;
    }
    ed.resize(w);
  } else {
    resolve(edges_, g.ext_.size(), true, g.edge_start_, g.edges_);
  }
  resolve(root_edges_, g.roots_.size(), false, g.root_edge_start_, g.root_edges_);
  timer.lap("resolve edges");
  for (std::string &n : notes_) g.notes.push_back(std::move(n));
  notes_.clear();
  root_index_.clear();
  direct_objects_ = direct_edges_ = true;
  return g;
}

}  // namespace crashctl::memory
