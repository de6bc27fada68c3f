// What holds a process's heap (formats/memory.md): live objects by type, and
// the roots that retain them, with retained sizes from the dominator tree.
// Filled by lib/memory from a core or heap dump.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace crashctl {

enum class MemoryRootKind : uint8_t { Global, Stack, Finalizer, Other };
const char *to_string(MemoryRootKind);

// "512 B", "1.5 KiB", "71.2 MiB", "2.0 GiB".
std::string byte_size(uint64_t bytes);

struct MemoryRoot {
  MemoryRootKind kind = MemoryRootKind::Other;
  // Global: its symbol ("main.cache"). Stack: "goroutine 7: main.worker: buf"
  // or, without a DWARF name, "goroutine 7: main.worker: sp+0x18". Other: what
  // the runtime calls it ("finalizer queue").
  std::string name;
  int64_t goroutine = 0;  // stack roots
  std::string function;   // stack roots
  std::string variable;   // the local's (or global's) DWARF name, "" unknown
  std::string type;       // the variable's Go type, "" unknown
};

// One object on the path from a root down its dominator tree.
struct MemoryPathStep {
  uint64_t address = 0;
  std::string type;  // "unknown" when not known
  uint64_t size = 0;
  uint64_t retained_bytes = 0;
};

struct MemoryRetainer {
  MemoryRoot root;
  uint64_t retained_bytes = 0, retained_objects = 0;
  std::vector<MemoryPathStep> path;  // to its biggest dominated subtree
};

struct MemoryTypeStat {
  std::string type;         // Go syntax, or "unknown"
  uint64_t size_class = 0;  // unknown types: the slot size they were counted by
  uint64_t objects = 0, bytes = 0;
};

struct MemoryReport {
  std::string source;                                   // "core" or "heap dump"
  uint64_t live_bytes = 0, live_objects = 0;            // every allocated object
  uint64_t reachable_bytes = 0, reachable_objects = 0;  // from the roots read
  uint64_t unreachable_bytes = 0, unreachable_objects = 0;
  uint64_t shared_bytes = 0, shared_objects = 0;  // reachable from more than one root
  uint64_t typed_bytes = 0;                       // objects whose type is known
  std::vector<MemoryTypeStat> types;              // by bytes, largest first
  std::vector<MemoryRetainer> retainers;          // by retained bytes, largest first
  std::vector<std::string> notes;                 // what was not read, and why
};

}  // namespace crashctl
