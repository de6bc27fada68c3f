#include "memory/retainers.h"

#include <algorithm>
#include <exception>
#include <map>
#include <numeric>
#include <system_error>
#include <thread>
#include <utility>

namespace crashctl::memory {

namespace {

// The dominator tree in depth-first numbers: VERTEX[i] is the node numbered
// i from node 0 (vertex[0] = 0; only reached nodes are numbered), DOM[i] the
// number of its immediate dominator (dom[0] = 0, else dom[i] < i: a node's
// dominator is its ancestor in the depth-first tree).
struct DomTree {
  std::vector<uint32_t> vertex, dom;
};

// Lengauer-Tarjan (retainers.h) on successor lists in CSR form; SUCC is
// overwritten (each reached node's successors by their depth-first numbers,
// kUnreached for no node). TIMER, when given, laps its steps.
template <class Start>
DomTree lengauer_tarjan(uint32_t n, const Start &succ_start, std::vector<uint32_t> &succ, PhaseTimer *timer = nullptr) {
  constexpr uint32_t kNone = kUnreached;
  DomTree t;
  if (n == 0) return t;
  // Depth-first numbering from node 0, iteratively. Each successor is
  // numbered in place as it is seen: the predecessors below read the
  // numbers sequentially instead of looking each one up again.
  std::vector<uint32_t> &vertex = t.vertex, &parent = t.dom;
  std::vector<uint32_t> dfnum(n, kNone);
  vertex.reserve(n);
  parent.reserve(n);
  {
    std::vector<std::pair<uint32_t, uint64_t>> stack;  // node, next successor
    constexpr uint64_t kAhead = 8;
    dfnum[0] = 0;
    vertex.push_back(0);
    parent.push_back(0);
    stack.push_back({0, succ_start[0]});
    while (!stack.empty()) {
      auto &[v, next] = stack.back();
      if (next == succ_start[v + 1]) {
        stack.pop_back();
        continue;
      }
      if (next + kAhead < succ_start[v + 1]) {  // a long list (an array's elements): load a few ahead
        uint32_t x = succ[next + kAhead];
        if (x < n) {
          __builtin_prefetch(&dfnum[x]);
          __builtin_prefetch(&succ_start[x]);
        }
      }
      uint32_t w = succ[next];
      if (w >= n) {
        succ[next++] = kNone;
        continue;
      }
      if (dfnum[w] != kNone) {
        succ[next++] = dfnum[w];
        continue;
      }
      uint32_t d = uint32_t(vertex.size());
      dfnum[w] = d;
      succ[next++] = d;
      parent.push_back(dfnum[v]);
      vertex.push_back(w);
      stack.push_back({w, succ_start[w]});  // V and NEXT are not used after this
    }
  }
  if (timer) timer->lap("depth-first search");
  const uint32_t count = uint32_t(vertex.size());
  // Predecessors in depth-first numbers, of reached nodes only, read in node
  // order (the lists one after another; the order of a node's predecessors
  // does not change its dominator).
  std::vector<uint32_t> pred_start(count + 1, 0), pred;
  for (uint32_t v = 0; v < n; ++v)
    if (dfnum[v] != kNone)
      for (uint64_t e = succ_start[v]; e < succ_start[v + 1]; ++e)
        if (succ[e] != kNone) ++pred_start[succ[e] + 1];
  for (uint32_t i = 1; i <= count; ++i) pred_start[i] += pred_start[i - 1];
  pred.resize(pred_start[count]);
  {
    std::vector<uint32_t> fill(pred_start.begin(), pred_start.end() - 1);
    for (uint32_t v = 0; v < n; ++v)
      if (uint32_t i = dfnum[v]; i != kNone)
        for (uint64_t e = succ_start[v]; e < succ_start[v + 1]; ++e)
          if (succ[e] != kNone) pred[fill[succ[e]]++] = i;
  }
  std::vector<uint32_t>().swap(dfnum);
  if (timer) timer->lap("predecessors");

  // Lengauer-Tarjan, simple linking with path compression, in dfnum space.
  // dom[v] takes parent[v]'s place: v's parent is read when v is processed,
  // before v's dominator is set.
  std::vector<uint32_t> semi(count), label(count), ancestor(count, kNone), &dom = parent;
  std::vector<uint32_t> bucket_head(count, kNone), bucket_next(count, kNone);
  std::iota(semi.begin(), semi.end(), 0u);
  std::iota(label.begin(), label.end(), 0u);
  std::vector<uint32_t> path;
  auto eval = [&](uint32_t v) {
    if (ancestor[v] == kNone) return v;
    path.clear();
    for (uint32_t x = v; ancestor[ancestor[x]] != kNone; x = ancestor[x]) path.push_back(x);
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      uint32_t x = *it, a = ancestor[x];
      if (semi[label[a]] < semi[label[x]]) label[x] = label[a];
      ancestor[x] = ancestor[a];
    }
    return label[v];
  };
  for (uint32_t w = count - 1; w >= 1; --w) {
    for (uint32_t p = pred_start[w]; p < pred_start[w + 1]; ++p) {
      uint32_t u = eval(pred[p]);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    bucket_next[w] = bucket_head[semi[w]];
    bucket_head[semi[w]] = w;
    uint32_t pw = parent[w];
    ancestor[w] = pw;
    for (uint32_t v = bucket_head[pw]; v != kNone; v = bucket_next[v]) {
      uint32_t u = eval(v);
      dom[v] = semi[u] < semi[v] ? u : pw;
    }
    bucket_head[pw] = kNone;
  }
  for (uint32_t w = 1; w < count; ++w)
    if (dom[w] != semi[w]) dom[w] = dom[dom[w]];
  dom[0] = 0;
  return t;
}

}  // namespace

std::vector<uint32_t> dominators(uint32_t n, const std::vector<uint64_t> &succ_start,
                                 const std::vector<uint32_t> &succ) {
  std::vector<uint32_t> numbered = succ;
  DomTree t = lengauer_tarjan(n, succ_start, numbered);
  std::vector<uint32_t> idom(n, kUnreached);
  for (size_t i = 0; i < t.vertex.size(); ++i) idom[t.vertex[i]] = t.vertex[t.dom[i]];
  return idom;
}

namespace {

// Nodes: 0 the virtual root, 1..R the roots, then the objects.
struct NodeSpace {
  uint32_t roots;
  uint32_t object(ObjectId o) const { return 1 + roots + o; }
  bool is_object(uint32_t node) const { return node > roots; }
  ObjectId object_of(uint32_t node) const { return node - 1 - roots; }
};

std::string type_of(const HeapGraph &g, ObjectId o) {
  return g.type_name(g.type(o));
}

}  // namespace

namespace {

// ALONGSIDE on a thread of its own (none given, or no thread to be had: on
// the caller's, at once); wait() joins it and throws what it threw.
class Alongside {
public:
  Alongside(const std::function<void()> &f, unsigned threads) {
    if (!f) return;
    if (threads == 0) threads = analysis_threads();
    if (threads > 1) {
      try {
        thread_ = std::thread([this, &f] {
          try {
            f();
          } catch (...) {
            error_ = std::current_exception();
          }
        });
        return;
      } catch (const std::system_error &) {}
    }
    f();
  }
  ~Alongside() {
    if (thread_.joinable()) thread_.join();
  }
  void wait() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

private:
  std::thread thread_;
  std::exception_ptr error_;
};

MemoryReport summarize_with(const HeapGraph &g, const SummarizeOptions &opts, const std::function<void()> &alongside) {
  PhaseTimer timer("summarize");
  MemoryReport rep;
  Alongside side(alongside, opts.threads);
  const size_t objects = g.object_count();
  NodeSpace ns{uint32_t(g.root_count())};
  const uint64_t n64 = 1 + uint64_t(ns.roots) + objects;
  if (n64 >= kUnreached) {
    side.wait();
    rep.notes.push_back("too many objects and roots for the dominator tree (" + std::to_string(n64) + ")");
    return rep;
  }
  const uint32_t n = uint32_t(n64);

  // Successor lists of the whole graph; their offsets in 32 bits unless
  // there are 4 billion pointers or more.
  std::vector<uint32_t> succ;
  {
    size_t root_edges = 0;
    for (size_t r = 0; r < g.root_count(); ++r) root_edges += size_t(g.root_edges_end(r) - g.root_edges_begin(r));
    size_t object_edges = objects ? size_t(g.edges_end(ObjectId(objects - 1)) - g.edges_begin(0)) : 0;
    succ.reserve(ns.roots + root_edges + object_edges);
  }
  DomTree tree;
  auto run = [&](auto &succ_start) {
    succ_start.assign(size_t(n) + 1, 0);
    for (uint32_t r = 0; r < ns.roots; ++r) succ.push_back(1 + r);
    succ_start[1] = succ.size();
    for (uint32_t r = 0; r < ns.roots; ++r) {
      for (const Edge *e = g.root_edges_begin(r); e != g.root_edges_end(r); ++e) succ.push_back(ns.object(e->target));
      succ_start[2 + r] = succ.size();
    }
    for (ObjectId o = 0; o < objects; ++o) {
      for (const Edge *e = g.edges_begin(o); e != g.edges_end(o); ++e) succ.push_back(ns.object(e->target));
      succ_start[ns.object(o) + 1] = succ.size();
    }
    timer.lap("successors");
    tree = lengauer_tarjan(n, succ_start, succ, &timer);
  };
  if (succ.capacity() < UINT32_MAX) {
    std::vector<uint32_t> succ_start;
    run(succ_start);
  } else {
    std::vector<uint64_t> succ_start;
    run(succ_start);
  }
  std::vector<uint32_t>().swap(succ);
  timer.lap("dominators");

  // Retained sizes, in depth-first numbers: children before parents, in
  // reverse (a node's dominator has a smaller number).
  const std::vector<uint32_t> &vertex = tree.vertex, &dom = tree.dom;
  const uint32_t count = uint32_t(vertex.size());
  std::vector<uint64_t> retained(count, 0);
  std::vector<uint32_t> retained_count(count, 0);
  for (ObjectId o = 0; o < objects; ++o) {
    rep.live_bytes += g.size(o);
    ++rep.live_objects;
  }
  // In one pass from the last number down: a node's own size joins what its
  // children (larger numbers, done) gave it, it is a candidate for its
  // dominator's biggest child, and it adds to its dominator. The biggest
  // child: the first (lowest node) of the largest retained size. Also the
  // objects only the virtual root dominates (reached from two roots or
  // more) and the roots' numbers.
  std::vector<uint32_t> biggest(count, kUnreached), root_at(ns.roots, kUnreached);
  constexpr uint32_t kAhead = 16;  // the objects are scattered in depth-first order
  for (uint32_t i = count; i-- > 1;) {
    if (i >= kAhead && ns.is_object(vertex[i - kAhead])) g.prefetch(ns.object_of(vertex[i - kAhead]));
    const uint32_t v = vertex[i], d = dom[i];
    if (ns.is_object(v)) {
      uint64_t size = g.size(ns.object_of(v));
      retained[i] += size;
      ++retained_count[i];
      rep.reachable_bytes += size;
      ++rep.reachable_objects;
      if (d == 0) {
        rep.shared_bytes += retained[i];
        rep.shared_objects += retained_count[i];
      }
    } else {
      root_at[v - 1] = i;  // node 0 is numbered 0, every root after it
    }
    uint32_t &b = biggest[d];
    if (b == kUnreached || retained[i] > retained[b] || (retained[i] == retained[b] && v < vertex[b])) b = i;
    retained[d] += retained[i];
    retained_count[d] += retained_count[i];
  }
  rep.unreachable_bytes = rep.live_bytes - rep.reachable_bytes;
  rep.unreachable_objects = rep.live_objects - rep.reachable_objects;

  timer.lap("retained sizes");
  side.wait();  // the types
  if (alongside) timer.lap("(waiting for types)");
  // Retainers: the roots by retained bytes, each with the path into its
  // biggest subtree (down while one child holds at least half).
  auto root_retained = [&](uint32_t r) { return root_at[r] == kUnreached ? 0 : retained[root_at[r]]; };
  std::vector<uint32_t> roots(ns.roots);
  std::iota(roots.begin(), roots.end(), 0u);
  std::stable_sort(roots.begin(), roots.end(),
                   [&](uint32_t a, uint32_t b) { return root_retained(a) > root_retained(b); });
  for (uint32_t r : roots) {
    if (rep.retainers.size() >= opts.max_retainers || root_retained(r) == 0) break;
    MemoryRetainer out;
    out.root = g.root(r).info;
    uint32_t at = root_at[r];
    out.retained_bytes = retained[at];
    out.retained_objects = retained_count[at];
    while (out.path.size() < opts.max_path) {
      uint32_t best = biggest[at];
      if (best == kUnreached || !ns.is_object(vertex[best])) break;
      if (!out.path.empty() && retained[best] * 2 < retained[at]) break;
      ObjectId o = ns.object_of(vertex[best]);
      out.path.push_back({g.address(o), type_of(g, o), g.size(o), retained[best]});
      at = best;
    }
    rep.retainers.push_back(std::move(out));
  }

  // Live bytes by type; unknown objects by their slot size.
  std::map<std::pair<TypeId, uint64_t>, std::pair<uint64_t, uint64_t>> by_type;
  for (ObjectId o = 0; o < objects; ++o) {
    TypeId t = g.type(o);
    auto &s = by_type[{t, t ? 0 : g.size(o)}];
    ++s.first;
    s.second += g.size(o);
    if (t) rep.typed_bytes += g.size(o);
  }
  for (const auto &[key, s] : by_type) rep.types.push_back({g.type_name(key.first), key.second, s.first, s.second});
  std::stable_sort(rep.types.begin(), rep.types.end(),
                   [](const MemoryTypeStat &a, const MemoryTypeStat &b) { return a.bytes > b.bytes; });
  if (rep.types.size() > opts.max_types) rep.types.resize(opts.max_types);

  timer.lap("retainers, types");
  rep.notes = g.notes;
  if (g.dangling_pointers)
    rep.notes.push_back(std::to_string(g.dangling_pointers) +
                        " pointers into the heap's range point at no allocated object");
  return rep;
}

}  // namespace

MemoryReport summarize(const HeapGraph &g, const SummarizeOptions &opts) {
  return summarize_with(g, opts, {});
}

MemoryReport summarize(HeapGraph &g, const std::function<void()> &alongside, const SummarizeOptions &opts) {
  return summarize_with(g, opts, alongside);
}

}  // namespace crashctl::memory
