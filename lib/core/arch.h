// What reading a core needs to know about its machine: how Go lays out a
// frame there (src/runtime/traceback.go: usesLR, sys.MinFrameSize,
// sys.StackAlign) and where the Linux kernel puts a signal's context on the
// handler's stack (its rt_sigframe, a kernel ABI the runtime's DWARF does not
// describe: runtime.ucontext and runtime.sigcontext are never emitted).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace crashctl::core {

struct Arch {
  uint16_t machine = 0;         // ELF e_machine
  std::string_view goarch;      // "amd64", "arm64"
  bool uses_lr = false;         // calls leave the return address in a link register
  uint64_t min_frame_size = 0;  // sys.MinFrameSize: the saved LR below a frame's args
  uint64_t stack_align = 8;     // sys.StackAlign
  // The kernel's rt_sigframe, as offsets from runtime.sigtramp's fp (the sp
  // the kernel left for the handler, past the return address on amd64).
  uint64_t sig_siginfo = 0;  // struct siginfo
  uint64_t sig_pc = 0, sig_sp = 0;
  uint64_t sig_lr = 0;  // the link register; 0: none
  // DWARF register numbers (call frame information).
  uint32_t dwarf_sp = 0, dwarf_fp = 0;
  // For each DWARF register (by number), its name in the core's
  // NT_PRSTATUS and its offset from sigtramp's fp in the rt_sigframe; ""
  // and 0 past the registers call frame information may use.
  std::array<std::string_view, 33> dwarf_names{};
  std::array<uint64_t, 33> sig_regs{};

  // A frame's top (its caller's sp) from its sp and the pcsp delta.
  uint64_t frame_top(uint64_t sp, int64_t sp_delta) const { return sp + uint64_t(sp_delta) + (uses_lr ? 0 : 8); }
  // Where a frame that made calls keeps its return address: at its sp
  // (arm64, saved from the LR in the prologue) or above its frame (amd64,
  // pushed by CALL).
  uint64_t return_slot(uint64_t sp, uint64_t fp) const { return uses_lr ? sp : fp - 8; }
  // The top of the locals (traceback.go resolveInternal: frame.varp), below
  // the return address on amd64 and below the saved frame pointer.
  uint64_t varp(uint64_t sp, uint64_t fp) const {
    uint64_t v = uses_lr ? fp : fp - 8;
    return v > sp ? v - 8 : v;
  }
  // The first argument's slot (frame.argp).
  uint64_t argp(uint64_t fp) const { return fp + min_frame_size; }
};

// A thread's registers by DWARF number (unset: unknown), as C frames are
// unwound with them.
using DwarfRegisters = std::array<std::optional<uint64_t>, 33>;

// Field offsets inside struct siginfo (the same on amd64 and arm64 Linux).
namespace siginfo {
constexpr uint64_t kSigno = 0, kCode = 8, kAddr = 16;
}

// The machine's description, or nullptr when cores of it are not read.
const Arch *arch_of(uint16_t machine);

}  // namespace crashctl::core
