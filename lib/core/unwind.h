// Walks Go stacks in a core the way the runtime's own unwinder does
// (src/runtime/traceback.go): frame sizes from the pclntab's pcsp table,
// return addresses above the frame (amd64) or in the link register and then
// at the frame's sp (arm64), stack switches at systemstack and morestack,
// and signal frames through the context the kernel left for sigtramp. C
// frames (cgo) are walked with the executable's DWARF call frame
// information from the registers of a thread or a signal context, back into
// Go code.
#pragma once

#include "binary/executable.h"
#include "binary/symbolizer.h"
#include "core/arch.h"
#include "core/memory.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace crashctl::core {

struct PhysicalFrame {
  uint64_t pc = 0;  // runtime address
  uint64_t sp = 0, fp = 0;
  const binary::Func *fn = nullptr;  // nullptr: not Go code
  bool trap = false;                 // pc is where a fault or signal hit, not a return address
};

// Where a goroutine's saved context is, for the switch from g0 back to it.
struct SavedContext {
  uint64_t pc = 0, sp = 0, lr = 0;
};

struct UnwindStart {
  uint64_t pc = 0, sp = 0;
  uint64_t lr = 0;    // the link register (arm64), 0 when unknown
  bool trap = false;  // the first pc is a fault pc (thread registers)
  // The M's current goroutine's g.sched, for jumps out of systemstack/morestack
  // on g0; unset when none.
  const SavedContext *curg_sched = nullptr;
  // All of the thread's registers, for C frames (call frame information
  // may name any of them); pc and sp above are used when these are unset.
  DwarfRegisters regs{};
};

struct UnwindResult {
  std::vector<PhysicalFrame> frames;
  std::string stopped;  // why unwinding ended early ("" at a top frame such as goexit)
};

// What unwinding needs of a pc: its function, its frame size and which of
// the runtime's special functions it is. Goroutines parked at the same pcs
// look each up once. One per thread; valid for one executable.
struct UnwindCache {
  struct Entry {
    const binary::Func *fn = nullptr;
    std::optional<int32_t> sp_delta;
    uint8_t kind = 0;  // unwind.cpp's Special bits
  };
  std::unordered_map<uint64_t, Entry> by_pc;  // link-time pc
};

// NATIVE says which file holds C code (core/native_code.h); unset, the
// executable's own call frame information is used. CACHE, when given, keeps
// the lookups of pcs for later walks.
UnwindResult unwind(const Memory &mem, const binary::GoProgram &exe, const Arch &arch, const UnwindStart &start,
                    size_t max_frames = 4096, const binary::NativeLookup *native = nullptr,
                    UnwindCache *cache = nullptr);

}  // namespace crashctl::core
