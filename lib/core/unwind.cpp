#include "core/unwind.h"

#include "llvm/Support/FormatVariadic.h"

namespace crashctl::core {

namespace {
constexpr uint8_t kFuncFlagTopFrame = 1, kFuncFlagSPWrite = 2;

bool is(const binary::Func *f, std::string_view name) {
  return f && f->name == name;
}
bool injected(const binary::Func *f) {
  return is(f, "runtime.sigpanic") || is(f, "runtime.asyncPreempt") || is(f, "runtime.debugCallV2");
}
}  // namespace

UnwindResult unwind(const Memory &mem, const binary::GoProgram &exe, const UnwindStart &start, size_t max_frames) {
  UnwindResult r;
  const uint64_t bias = mem.bias();
  uint64_t pc = start.pc, sp = start.sp, lr = start.lr;
  bool trap = start.trap;
  bool jumped = false;  // left g0 for the goroutine's own stack
  while (r.frames.size() < max_frames) {
    const binary::Func *f = exe.func_at(pc - bias);
    if (!f) {
      r.frames.push_back({pc, sp, 0, nullptr, trap});
      r.stopped = llvm::formatv("pc {0:x} is not in Go code (C code, or a damaged stack)", pc).str();
      return r;
    }
    // The runtime's jump from g0 to the goroutine that called systemstack or
    // overflowed its stack (unwinder.resolveInternal, unwindJumpStack).
    if (start.curg_sched && !jumped && !r.frames.empty()) {
      if (f->name == "runtime.morestack") {
        jumped = true;
        pc = start.curg_sched->pc;
        sp = start.curg_sched->sp;
        lr = start.curg_sched->lr;
        trap = false;
        continue;
      }
      if (f->name == "runtime.systemstack") {
        jumped = true;
        sp = start.curg_sched->sp;
      }
    }
    auto delta = exe.sp_delta(*f, pc - bias);
    if (!delta) {
      r.frames.push_back({pc, sp, 0, f, trap});
      r.stopped = "no frame size (pcsp) for " + f->name;
      return r;
    }
    uint64_t fp = sp + uint64_t(int64_t(*delta)) + 8;  // + the return address (amd64)
    r.frames.push_back({pc, sp, fp, f, trap});

    // A signal frame: the kernel's rt_sigframe starts at sigtramp's entry sp
    // with the return address, then the ucontext (core/unwind.h).
    if (f->name == "runtime.sigtramp" || f->name == "runtime.cgoSigtramp") {
      auto rip = mem.u64(fp + amd64_sigframe::kRip), rsp = mem.u64(fp + amd64_sigframe::kRsp);
      if (!rip || !rsp) {
        r.stopped = "signal context unreadable";
        return r;
      }
      pc = *rip;
      sp = *rsp;
      lr = 0;
      trap = true;
      continue;
    }
    if ((f->flag & kFuncFlagTopFrame) || f->name == "runtime.goexit") return r;
    if ((f->flag & kFuncFlagSPWrite) && r.frames.size() > 1 && !is(f, "runtime.systemstack")) {
      r.stopped = "stack switch at " + f->name;
      return r;
    }
    uint64_t next = lr;
    if (!next) {
      auto ret = mem.u64(fp - 8);
      if (!ret) {
        r.stopped = llvm::formatv("return address at {0:x} is unreadable", fp - 8).str();
        return r;
      }
      next = *ret;
    }
    lr = 0;
    if (next == 0) return r;
    if (fp <= sp && !jumped) {
      r.stopped = llvm::formatv("frame pointer {0:x} below stack pointer {1:x}", fp, sp).str();
      return r;
    }
    trap = injected(f);
    pc = next;
    sp = fp;
  }
  r.stopped = llvm::formatv("more than {0} frames", max_frames).str();
  return r;
}

}  // namespace crashctl::core
