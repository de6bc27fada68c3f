#include "core/arch.h"

#include "llvm/BinaryFormat/ELF.h"

namespace crashctl::core {

namespace {
// amd64: rt_sigframe {char *pretcode; struct ucontext uc; struct siginfo info}
// (arch/x86/include/asm/sigframe.h). sigtramp's fp is past pretcode, at uc;
// uc_mcontext.gregs starts 40 bytes in (flags, link, stack_t), REG_RSP is
// gregs[15], REG_RIP gregs[16]; sizeof(struct ucontext) is 304.
constexpr uint64_t kAmd64Gregs = 40;
constexpr Arch kAmd64{llvm::ELF::EM_X86_64, "amd64", false, 0, 8, 304, kAmd64Gregs + 16 * 8, kAmd64Gregs + 15 * 8, 0};

// arm64: rt_sigframe {struct siginfo info; struct ucontext uc}
// (arch/arm64/kernel/signal.c), at the sp the handler starts with, which is
// sigtramp's fp. siginfo is 128 bytes; in ucontext, uc_mcontext (struct
// sigcontext, 16-byte aligned) follows flags, link, stack_t (24) and the
// 1024-bit sigset, at 176; in sigcontext, regs[31] follow fault_address at
// 8, then sp at 256 and pc at 264. x30 is the link register.
constexpr uint64_t kArm64Mcontext = 128 + 176;
constexpr Arch kArm64{llvm::ELF::EM_AARCH64,      "arm64", true, 8, 16, 0, kArm64Mcontext + 264, kArm64Mcontext + 256,
                      kArm64Mcontext + 8 + 30 * 8};
}  // namespace

const Arch *arch_of(uint16_t machine) {
  switch (machine) {
    case llvm::ELF::EM_X86_64: return &kAmd64;
    case llvm::ELF::EM_AARCH64: return &kArm64;
    default: return nullptr;
  }
}

}  // namespace crashctl::core
