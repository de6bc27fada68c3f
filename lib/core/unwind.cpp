#include "core/unwind.h"

#include "llvm/Support/FormatVariadic.h"

namespace crashctl::core {

namespace {
constexpr uint8_t kFuncFlagTopFrame = 1, kFuncFlagSPWrite = 2;

bool is(const binary::Func *f, std::string_view name) {
  return f && f->name == name;
}

// The runtime functions the walk treats specially, found once per pc.
enum Special : uint8_t {
  kMorestack = 1,
  kSystemstack = 2,
  kSigtramp = 4,  // runtime.sigtramp or runtime.cgoSigtramp
  kGoexit = 8,
  kInjected = 16,  // a call the signal handler or debugger injected: sigpanic, asyncPreempt, debugCallV2
  kCgocallback = 32,
};
uint8_t special(const binary::Func *f) {
  if (!f) return 0;
  uint8_t k = 0;
  if (is(f, "runtime.morestack")) k |= kMorestack;
  if (is(f, "runtime.systemstack")) k |= kSystemstack;
  if (is(f, "runtime.sigtramp") || is(f, "runtime.cgoSigtramp")) k |= kSigtramp;
  if (is(f, "runtime.goexit")) k |= kGoexit;
  if (is(f, "runtime.sigpanic") || is(f, "runtime.asyncPreempt") || is(f, "runtime.debugCallV2")) k |= kInjected;
  if (is(f, "runtime.cgocallback")) k |= kCgocallback;
  return k;
}

// Steps from the C frame at PC to its caller by the call frame information
// of the file holding it (the executable, or a shared library): REGS (sp included) become the caller's, PC its return
// address (0 at the outermost frame), SP its CFA, which is also the frame's
// FP. False, with WHY, when the frame cannot be unwound.
constexpr const char *kNoCallFrameInfo =
    "no call frame information covers it (C code without .eh_frame, or a damaged stack)";

bool c_frame(const Memory &mem, const binary::GoProgram &exe, const Arch &arch, const binary::NativeLookup *native,
             bool trap, uint64_t &pc, uint64_t &sp, DwarfRegisters &regs, uint64_t &fp, std::string &why) {
  binary::NativeModule m =
      native ? (*native)(pc) : binary::NativeModule{dynamic_cast<const binary::Executable *>(&exe), mem.bias(), "", ""};
  if (!m.file) {
    why = m.path.empty() ? kNoCallFrameInfo : "is in " + m.path + ", which is not available (see the diagnostics)";
    return false;
  }
  // A return address is looked up at its call (pc-1), a fault pc as is.
  uint64_t link = pc - m.bias - (trap ? 0 : 1);
  auto row = m.file->call_frame_row(link);
  if (!row) {
    why = kNoCallFrameInfo;
    return false;
  }
  if (row->cfa_reg >= regs.size() || !regs[row->cfa_reg]) {
    why = llvm::formatv("its frame address needs DWARF register {0}, which is not known here", row->cfa_reg).str();
    return false;
  }
  uint64_t cfa = *regs[row->cfa_reg] + uint64_t(row->cfa_offset);
  DwarfRegisters caller = regs;  // registers without a rule keep their value
  for (const auto &[reg, rule] : row->regs) {
    if (reg >= caller.size()) continue;
    switch (rule.kind) {
      case binary::Executable::RegisterRule::AtCfa: caller[reg] = mem.u64(cfa + uint64_t(rule.offset)); break;
      case binary::Executable::RegisterRule::IsCfa: caller[reg] = cfa + uint64_t(rule.offset); break;
      case binary::Executable::RegisterRule::IsRegister:
        caller[reg] = rule.reg < regs.size() && regs[rule.reg] ? std::optional(*regs[rule.reg] + uint64_t(rule.offset))
                                                               : std::nullopt;
        break;
      case binary::Executable::RegisterRule::Same: break;
      default: caller[reg] = std::nullopt;
    }
  }
  // The return address: its column's rule (amd64: at CFA-8), or the link
  // register itself in a leaf that never saved it (arm64).
  std::optional<uint64_t> ret =
      row->return_address_reg < caller.size() ? caller[row->return_address_reg] : std::nullopt;
  if (!ret) {
    why = llvm::formatv("its return address (DWARF register {0}) is unreadable", row->return_address_reg).str();
    return false;
  }
  // A leaf's frame address may be its sp (arm64); a frame returning to
  // itself there is stuck.
  if ((cfa < sp || (cfa == sp && *ret == pc)) && *ret != 0) {
    why = llvm::formatv("its frame address {0:x} does not move past its sp {1:x}", cfa, sp).str();
    return false;
  }
  fp = cfa;
  caller[arch.dwarf_sp] = cfa;
  regs = caller;
  pc = *ret;
  sp = cfa;
  return true;
}

}  // namespace

UnwindResult unwind(const Memory &mem, const binary::GoProgram &exe, const Arch &arch, const UnwindStart &start,
                    size_t max_frames, const binary::NativeLookup *native, UnwindCache *cache) {
  UnwindResult r;
  r.frames.reserve(16);
  auto lookup = [&](uint64_t link) -> UnwindCache::Entry {
    if (cache) {
      auto it = cache->by_pc.find(link);
      if (it != cache->by_pc.end()) return it->second;
    }
    UnwindCache::Entry e;
    e.fn = exe.func_at(link);
    if (e.fn) e.sp_delta = exe.sp_delta(*e.fn, link);
    e.kind = special(e.fn);
    if (cache) cache->by_pc.emplace(link, e);
    return e;
  };
  const uint64_t bias = mem.bias();
  uint64_t pc = start.pc, sp = start.sp, lr = start.lr;
  bool trap = start.trap;
  bool innermost = true;  // the first frame, or the first past a signal
  bool jumped = false;    // left g0 for the goroutine's own stack
  // Registers for C frames: a thread's or a signal context's; past a Go
  // frame only sp is known.
  DwarfRegisters regs = start.regs;
  auto reset_regs = [&] {
    regs = {};
    regs[arch.dwarf_sp] = sp;
  };
  if (!regs[arch.dwarf_sp]) reset_regs();
  while (r.frames.size() < max_frames) {
    const UnwindCache::Entry at = lookup(pc - bias);
    const binary::Func *f = at.fn;
    if (!f) {
      r.frames.push_back({pc, sp, 0, nullptr, trap});
      regs[arch.dwarf_sp] = sp;
      std::string why;
      if (!c_frame(mem, exe, arch, native, trap, pc, sp, regs, r.frames.back().fp, why)) {
        r.stopped = llvm::formatv("pc {0:x} is not in Go code and {1}", pc, why).str();
        return r;
      }
      if (pc == 0) return r;  // the outermost C frame (a thread's start)
      trap = false;
      innermost = false;
      lr = 0;
      continue;
    }
    // The runtime's jump from g0 to the goroutine that called systemstack or
    // overflowed its stack (unwinder.resolveInternal, unwindJumpStack).
    const std::optional<int32_t> delta = at.sp_delta;
    if (start.curg_sched && !jumped && !r.frames.empty()) {
      if (at.kind & kMorestack) {
        jumped = true;
        pc = start.curg_sched->pc;
        sp = start.curg_sched->sp;
        lr = start.curg_sched->lr;
        trap = false;
        continue;
      }
      // On LR machines a systemstack frame with no sp delta is in its
      // prologue or epilogue, before or after the switch.
      if ((at.kind & kSystemstack) && !(arch.uses_lr && delta == 0)) {
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
    if (at.kind & kSigtramp) {
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
      for (size_t reg = 0; reg < regs.size(); ++reg)
        regs[reg] = arch.dwarf_names[reg].empty() ? std::nullopt : mem.u64(fp + arch.sig_regs[reg]);
      regs[arch.dwarf_sp] = sp;
      continue;
    }
    if ((f->flag & kFuncFlagTopFrame) || (at.kind & kGoexit)) return r;
    // cgocallback writes SP to switch from g0 to the goroutine, yet leaves a
    // frame whose return address is the goroutine's saved pc: the runtime
    // unwinds through it (resolveInternal) into the cgo call below.
    if ((f->flag & kFuncFlagSPWrite) && r.frames.size() > 1 && !(at.kind & (kSystemstack | kCgocallback))) {
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
    trap = at.kind & kInjected;
    pc = next;
    sp = fp;
    innermost = false;
    reset_regs();
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
