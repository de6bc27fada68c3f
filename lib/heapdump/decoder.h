// The heap-dump decoder: reads runtime/debug.WriteHeapDump output ("go1.7
// heap dump", formats/heapdump.md) into one Report. Streams the dump: objects,
// data, bss, frames and finalizers are counted, and with
// HeapDumpOptions::memory kept as the object graph (formats/memory.md).
#pragma once

#include "binary/executable.h"
#include "io/decode.h"
#include "io/input.h"
#include "model/report.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace crashctl {

// Reads bytes at a virtual address from a source other than the dump (the
// executable's read-only data); false when it cannot.
using StaticReader = std::function<bool(uint64_t addr, void *out, size_t n)>;

struct HeapDumpOptions {
  // Opens the same dump again from its start, for the extra passes that read
  // heap objects a panic value points to (objects precede goroutines in the
  // dump). Empty: a single pass, panic values only from `read_static`.
  std::function<std::unique_ptr<ByteSource>()> reopen;
  StaticReader read_static;
  // Names a type by its runtime type-descriptor address when the dump has no
  // type record for it (types are only written for itabs).
  std::function<std::string(uint64_t type_addr)> type_name;
  // Called once the goroutines are read and before panic values are
  // resolved: symbolizes with an executable (lib/heapdump/exe.h).
  std::function<void(Report &, std::vector<Diagnostic> &)> symbolize;
  // What holds the heap (lib/memory): the object graph from the dump's
  // objects, data, bss, stack frames and finalizers, into Report::memory.
  bool memory = false;
  // Names the global variable holding a data/bss address: its symbol and
  // start (called after `symbolize`); unset or false: named by section offset.
  // TYPE: its DWARF type when known ("" else).
  std::function<bool(uint64_t addr, std::string &name, uint64_t &start, std::string &type)> global_at;
  // Types the graph's objects by propagation (lib/memory/types.h): the
  // executable's DWARF (null: no executable matches the dump; called after
  // `symbolize`), and the DWARF type of a runtime type descriptor's address.
  std::function<const binary::GoProgram *()> program;
  std::function<const binary::TypeInfo *(uint64_t type_addr)> runtime_type;
  // The locals and parameters of the frame at runtime PC (the call or the
  // continuation), by their offset from the frame's CFA: stack slots become
  // roots per variable, named and typed.
  std::function<std::vector<binary::FrameVariable>(uint64_t pc)> frame_variables;
  bool show_progress = true;
};

// Raw facts kept for symbolization with an executable (lib/heapdump/exe.cpp).
struct HeapDumpExtras {
  uint64_t arena_start = 0, arena_end = 0;
  unsigned ptr_size = 8;
  bool big_endian = false;
  std::string arch;
};

// Decodes `src` into out.reports (one report) and out.diagnostics. Truncated
// or corrupt input keeps what was read and adds an Error diagnostic naming
// the offset and what was expected there.
void decode_heapdump(ByteSource &src, Input &out, const HeapDumpOptions &opts = {}, HeapDumpExtras *extras = nullptr);

// The shared decoder signature (io/decode.h): symbolizes with opts.exe
// (lib/heapdump/exe.cpp) and reads a file again for panic values.
void decode_heapdump(OpenedInput &in, Input &out, const DecodeOptions &opts);

}  // namespace crashctl
