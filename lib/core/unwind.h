// Walks Go stacks in a core the way the runtime's own unwinder does
// (src/runtime/traceback.go): frame sizes from the pclntab's pcsp table,
// return addresses at fp-8 (amd64), stack switches at systemstack and
// morestack, and signal frames through the sigtramp ucontext.
#pragma once

#include "binary/executable.h"
#include "core/memory.h"

#include <cstdint>
#include <string>
#include <vector>

namespace crashctl::core {

// The kernel's rt_sigframe on amd64 Linux as runtime.sigtramp's frame sees
// it: the ucontext at the frame's fp (past the return address), the siginfo
// after it. Offsets from that fp.
namespace amd64_sigframe {
constexpr uint64_t kGregs = 40;             // uc_mcontext.gregs
constexpr uint64_t kRsp = kGregs + 15 * 8;  // gregs[REG_RSP]
constexpr uint64_t kRip = kGregs + 16 * 8;  // gregs[REG_RIP]
constexpr uint64_t kSiginfo = 304;          // sizeof(struct ucontext)
constexpr uint64_t kSigno = kSiginfo;       // si_signo
constexpr uint64_t kCode = kSiginfo + 8;    // si_code
constexpr uint64_t kAddr = kSiginfo + 16;   // si_addr
}  // namespace amd64_sigframe

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
  uint64_t pc = 0, sp = 0, lr = 0;
  bool trap = false;  // the first pc is a fault pc (thread registers)
  // The M's current goroutine's g.sched, for jumps out of systemstack/morestack
  // on g0; unset when none.
  const SavedContext *curg_sched = nullptr;
};

struct UnwindResult {
  std::vector<PhysicalFrame> frames;
  std::string stopped;  // why unwinding ended early ("" at a top frame such as goexit)
};

UnwindResult unwind(const Memory &mem, const binary::GoProgram &exe, const UnwindStart &start,
                    size_t max_frames = 4096);

}  // namespace crashctl::core
