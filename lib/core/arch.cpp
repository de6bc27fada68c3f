#include "core/arch.h"

#include "llvm/BinaryFormat/ELF.h"

#include <iterator>

namespace crashctl::core {

namespace {
// amd64: rt_sigframe {char *pretcode; struct ucontext uc; struct siginfo info}
// (arch/x86/include/asm/sigframe.h). sigtramp's fp is past pretcode, at uc;
// uc_mcontext.gregs starts 40 bytes in (flags, link, stack_t): r8..r15,
// rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip (REG_R8 = 0 ... REG_RIP = 16);
// sizeof(struct ucontext) is 304.
Arch make_amd64() {
  constexpr uint64_t gregs = 40;
  Arch a;
  a.machine = llvm::ELF::EM_X86_64;
  a.goarch = "amd64";
  a.sig_siginfo = 304;
  a.sig_pc = gregs + 16 * 8;
  a.sig_sp = gregs + 15 * 8;
  a.dwarf_sp = 7;
  a.dwarf_fp = 6;
  // DWARF 0..16: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip, and their gregs index.
  static constexpr std::string_view names[] = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
                                               "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip"};
  static constexpr int greg[] = {13, 12, 14, 11, 9, 8, 10, 15, 0, 1, 2, 3, 4, 5, 6, 7, 16};
  for (size_t i = 0; i < std::size(names); ++i) {
    a.dwarf_names[i] = names[i];
    a.sig_regs[i] = gregs + uint64_t(greg[i]) * 8;
  }
  return a;
}

// arm64: rt_sigframe {struct siginfo info; struct ucontext uc}
// (arch/arm64/kernel/signal.c), at the sp the handler starts with, which is
// sigtramp's fp. siginfo is 128 bytes; in ucontext, uc_mcontext (struct
// sigcontext, 16-byte aligned) follows flags, link, stack_t (24) and the
// 1024-bit sigset, at 176; in sigcontext, regs[31] follow fault_address at
// 8, then sp at 256 and pc at 264. x30 is the link register.
Arch make_arm64() {
  constexpr uint64_t mcontext = 128 + 176;
  Arch a;
  a.machine = llvm::ELF::EM_AARCH64;
  a.goarch = "arm64";
  a.uses_lr = true;
  a.min_frame_size = 8;
  a.stack_align = 16;
  a.sig_siginfo = 0;
  a.sig_pc = mcontext + 264;
  a.sig_sp = mcontext + 256;
  a.sig_lr = mcontext + 8 + 30 * 8;
  a.dwarf_sp = 31;
  a.dwarf_fp = 29;
  static constexpr std::string_view names[] = {
      "x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",  "x8",  "x9",  "x10", "x11", "x12", "x13", "x14", "x15",
      "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp"};
  for (size_t i = 0; i < std::size(names); ++i) {
    a.dwarf_names[i] = names[i];
    a.sig_regs[i] = i < 31 ? mcontext + 8 + 8 * i : a.sig_sp;
  }
  return a;
}

const Arch kAmd64 = make_amd64();
const Arch kArm64 = make_arm64();
}  // namespace

const Arch *arch_of(uint16_t machine) {
  switch (machine) {
    case llvm::ELF::EM_X86_64: return &kAmd64;
    case llvm::ELF::EM_AARCH64: return &kArm64;
    default: return nullptr;
  }
}

}  // namespace crashctl::core
