// Types of heap objects by propagation (formats/memory.md, "Types"): from
// typed roots (globals and stack variables with a DWARF type) and objects the
// decoder already typed (malloc headers, large spans' types), follow each
// pointer by the DWARF layout of what holds it, and type what it points at:
// pointees, slices' backing arrays, strings' bytes, maps' internals (Swiss
// tables, Go 1.24+, and the older hmap/buckets), channels' buffers and the
// dynamic types of interfaces. Every object is typed at most once.
#pragma once

#include "binary/executable.h"
#include "memory/heap_graph.h"

#include <cstdint>
#include <functional>
#include <optional>

namespace crashctl::memory {

struct TypeSource {
  const binary::GoProgram *program = nullptr;  // DWARF layouts
  // A word of the process's memory at a runtime address: slices' capacities,
  // channels' sizes, maps' directory lengths, interfaces' type words. Cores
  // read the core; heap dumps answer only the type words they kept. Unset or
  // nullopt: counts come from slot sizes.
  std::function<std::optional<uint64_t>(uint64_t addr)> word;
  // The DWARF type of the runtime type descriptor at a runtime address.
  std::function<const binary::TypeInfo *(uint64_t type_addr)> runtime_type;
  // An itab's type descriptor; unset: read with `word` at the itab's Type field.
  std::function<uint64_t(uint64_t itab)> itab_type;
  // Go 1.22+: objects of 513 bytes to 32 KiB with pointers start with an
  // 8-byte malloc header (the data, and pointers to it, start at offset 8).
  bool malloc_headers = true;
};

struct TypeStats {
  uint64_t typed_before = 0;    // objects the decoder typed
  uint64_t typed = 0;           // objects typed by propagation
  uint64_t refined = 0;         // "[N]T" from a slot's size renamed "[cap]T" from a slice's capacity
  uint64_t renamed = 0;         // a decoder's type name with no DWARF layout replaced by a propagated one
  uint64_t conflicts = 0;       // a second, different type for a typed object (the first kept)
  uint64_t interfaces = 0;      // objects typed from an interface's dynamic type
  uint64_t slot_counts = 0;     // array lengths taken from slot sizes where the count was not readable
};

// Types the objects of G in place and adds a note with the figures.
TypeStats propagate_types(HeapGraph &g, const TypeSource &src);

}  // namespace crashctl::memory
