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

UnwindResult unwind(const Memory &mem, const binary::GoProgram &exe, const Arch &arch, const UnwindStart &start,
                    size_t max_frames) {
  UnwindResult r;
  const uint64_t bias = mem.bias();
  uint64_t pc = start.pc, sp = start.sp, lr = start.lr;
  bool trap = start.trap;
  bool innermost = true;  // the first frame, or the first past a signal
  bool jumped = false;    // left g0 for the goroutine's own stack
  while (r.frames.size() < max_frames) {
    const binary::Func *f = exe.func_at(pc - bias);
    if (!f) {
      r.frames.push_back({pc, sp, 0, nullptr, trap});
      r.stopped = llvm::formatv("pc {0:x} is not in Go code (C code, or a damaged stack)", pc).str();
      return r;
    }
    // The runtime's jump from g0 to the goroutine that called systemstack or
    // overflowed its stack (unwinder.resolveInternal, unwindJumpStack).
    auto delta = exe.sp_delta(*f, pc - bias);
    if (start.curg_sched && !jumped && !r.frames.empty()) {
      if (f->name == "runtime.morestack") {
        jumped = true;
        pc = start.curg_sched->pc;
        sp = start.curg_sched->sp;
        lr = start.curg_sched->lr;
        trap = false;
        continue;
      }
      // On LR machines a systemstack frame with no sp delta is in its
      // prologue or epilogue, before or after the switch.
      if (f->name == "runtime.systemstack" && !(arch.uses_lr && delta == 0)) {
        jumped = true;
        sp = start.curg_sched->sp;
      }
    }
    if (!delta) {
      r.frames.push_back({pc, sp, 0, f, trap});
      r.stopped = "no frame size (pcsp) for " + f->name;
      return r;
    }
    uint64_t fp = arch.frame_top(sp, *delta);
    r.frames.push_back({pc, sp, fp, f, trap});

    // A signal frame: the kernel's rt_sigframe holds the interrupted context
    // (core/arch.h).
    if (f->name == "runtime.sigtramp" || f->name == "runtime.cgoSigtramp") {
      auto sig_pc = mem.u64(fp + arch.sig_pc), sig_sp = mem.u64(fp + arch.sig_sp);
      auto sig_lr = arch.sig_lr ? mem.u64(fp + arch.sig_lr) : std::optional<uint64_t>(0);
      if (!sig_pc || !sig_sp || !sig_lr) {
        r.stopped = "signal context unreadable";
        return r;
      }
      pc = *sig_pc;
      sp = *sig_sp;
      lr = *sig_lr;
      trap = true;
      innermost = true;
      continue;
    }
    if ((f->flag & kFuncFlagTopFrame) || f->name == "runtime.goexit") return r;
    if ((f->flag & kFuncFlagSPWrite) && r.frames.size() > 1 && !is(f, "runtime.systemstack")) {
      r.stopped = "stack switch at " + f->name;
      return r;
    }
    // The return address: a known link register holds it until the frame
    // is set up and saves it (resolveInternal, "Derive link register").
    uint64_t next = lr;
    if (arch.uses_lr ? (innermost && sp < fp) || !lr : !lr) {
      uint64_t slot = arch.return_slot(sp, fp);
      auto ret = mem.u64(slot);
      if (!ret) {
        r.stopped = llvm::formatv("return address at {0:x} is unreadable", slot).str();
        return r;
      }
      next = *ret;
    }
    lr = 0;
    if (next == 0) return r;
    if ((arch.uses_lr ? fp < sp : fp <= sp) && !jumped) {
      r.stopped = llvm::formatv("frame pointer {0:x} below stack pointer {1:x}", fp, sp).str();
      return r;
    }
    if (next == pc && fp == sp) {
      r.stopped = llvm::formatv("unwinding is stuck at pc {0:x} sp {1:x}", pc, sp).str();
      return r;
    }
    trap = injected(f);
    pc = next;
    sp = fp;
    innermost = false;
    // On LR machines the signal handler saved the faulting frame's LR below
    // the fake call it made (sigctxt.preparePanic, unwinder.next).
    if (arch.uses_lr && trap) {
      auto saved = mem.u64(sp);
      if (!saved) {
        r.stopped = llvm::formatv("link register saved at {0:x} is unreadable", sp).str();
        return r;
      }
      sp += (arch.min_frame_size + arch.stack_align - 1) / arch.stack_align * arch.stack_align;
      const binary::Func *faulting = exe.func_at(pc - bias);
      if (!faulting)
        pc = *saved;
      else if (exe.sp_delta(*faulting, pc - bias).value_or(-1) == 0)
        lr = *saved;
    }
  }
  r.stopped = llvm::formatv("more than {0} frames", max_frames).str();
  return r;
}

}  // namespace crashctl::core
