// Go frames from runtime pcs: one executable at one load bias, shared by the
// core and heap-dump decoders. Frames are the runtime's own traceback frames:
// inlined calls expanded (innermost first) with args "...", names as the
// runtime prints them, return addresses reported at their call's line.
#pragma once

#include "binary/executable.h"
#include "model/process.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace llvm::symbolize {
class LLVMSymbolizer;
}

namespace crashctl::binary {

// The ELF file that holds a pc outside Go functions: the executable itself
// (cgo's C code), or a shared library the core maps; file null when none is
// known or readable.
struct NativeModule {
  const Executable *file = nullptr;
  uint64_t bias = 0;  // runtime address minus the file's link-time address
  std::string path;   // as the core names it ("" for the executable)
  std::string local;  // the file read for it (under --sysroot), for LLVM's symbolizer
};
using NativeLookup = std::function<NativeModule(uint64_t pc)>;

class GoSymbolizer {
public:
  // BIAS: runtime address minus link-time address (0 unless a PIE).
  GoSymbolizer(const Executable &exe, uint64_t bias);
  ~GoSymbolizer();

  const Executable &executable() const { return exe_; }
  uint64_t bias() const { return bias_; }
  // The function containing runtime address PC, or nullptr.
  const Func *func_at(uint64_t pc) const { return exe_.func_at(pc - bias_); }

  // The logical frames of the physical frame at runtime PC, inlined ones
  // first; the last is the physical frame (pc and pc_offset set). IS_TRAP:
  // PC is where a fault hit, not a return address. Outside every Go
  // function: one non-Go frame named by the symbol table. Cached.
  const std::vector<Frame> &frames(uint64_t pc, bool is_trap);

  // The "created by" frame for a goroutine's gopc; null when no function
  // holds it. Cached: goroutines of one creator share the frame.
  FrameRef creator(uint64_t gopc);

  // Where non-Go pcs are looked up (the executable at its bias when unset).
  void set_native(NativeLookup lookup) { native_ = std::move(lookup); }
  // Where shared libraries' separate debug files are searched (build id,
  // .gnu_debuglink), for LLVM's symbolizer; default /usr/lib/debug.
  void set_library_debug_dirs(std::vector<std::string> dirs) { library_debug_dirs_ = std::move(dirs); }

  // Appends the frames of the physical frame at PC to STACK.
  void append(Stack &stack, uint64_t pc, bool is_trap);
  // Joins the frames' args into stack.joined_args, once its frames are complete.
  static void join_args(Stack &stack);

private:
  std::vector<Frame> logical_frames(uint64_t pc, bool is_trap) const;

  const Executable &exe_;
  uint64_t bias_;
  NativeLookup native_;
  std::vector<std::string> library_debug_dirs_;
  mutable std::unique_ptr<llvm::symbolize::LLVMSymbolizer> library_symbolizer_;  // made on first use
  std::vector<SymbolizedFrame> library_frames(const NativeModule &m, uint64_t at) const;
  std::unordered_map<uint64_t, std::vector<Frame>> frames_;  // link-time pc << 1 | trap
  std::unordered_map<uint64_t, FrameRef> creators_;          // runtime gopc
};

}  // namespace crashctl::binary
