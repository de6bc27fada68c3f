#include "heapdump/exe.h"

#include "binary/executable.h"
#include "binary/go_names.h"
#include "binary/symbolizer.h"

#include "llvm/Support/FormatVariadic.h"

#include <map>
#include <memory>

namespace crashctl {
namespace {

struct State {
  const binary::Executable *exe = nullptr;
  int64_t bias = 0;    // runtime address - link-time address
  bool usable = false;  // the executable matches the dump
};

void symbolize_report(State &st, Report &rep, std::vector<Diagnostic> &diags) {
  const binary::Executable &exe = *st.exe;
  Process &p = rep.process;
  // Load bias (PIE) and a sanity check: frame entries must be function entries.
  size_t match = 0, miss = 0;
  bool have_bias = false;
  for (const Goroutine &g : p.goroutines) {
    if (!g.stack) continue;
    for (const Frame &f : g.stack->frames) {
      if (!f.pc || !f.pc_offset || f.function.empty()) continue;
      uint64_t entry = *f.pc - *f.pc_offset;
      const binary::Func *fn = exe.func_named(f.function == "panic" ? "runtime.gopanic" : f.function);
      if (!fn) {
        ++miss;
        continue;
      }
      if (!have_bias) {
        st.bias = int64_t(entry - fn->entry);
        have_bias = true;
      }
      (entry - uint64_t(st.bias) == fn->entry ? match : miss)++;
    }
    if (match + miss > 64) break;
  }
  if (!match || miss > match) {
    diags.push_back({Severity::Warning, 0,
                     llvm::formatv("--exe {0} does not match the dump ({1} of {2} frame entries agree); "
                                   "frames are not symbolized", exe.path(), match, match + miss).str()});
    return;
  }
  st.usable = true;
  p.executable = exe.path();

  binary::GoSymbolizer sym(exe, uint64_t(st.bias));
  std::map<const Stack *, StackRef> done;
  for (Goroutine &g : p.goroutines) {
    if (g.stack) {
      auto it = done.find(g.stack.get());
      if (it == done.end()) {
        auto st2 = make_ref<Stack>(*g.stack);
        st2->frames.clear();
        bool after_sigpanic = false;  // the callee was a fault: pc is the faulting instruction
        for (const Frame &f : g.stack->frames) {
          bool trap = after_sigpanic;
          after_sigpanic = f.function == "runtime.sigpanic";
          if (f.pc && sym.func_at(*f.pc)) sym.append(*st2, *f.pc, trap);
          else st2->frames.push_back(f);
        }
        binary::GoSymbolizer::join_args(*st2);
        it = done.emplace(g.stack.get(), std::move(st2)).first;
      }
      g.stack = it->second;
    }
    // The runtime prints no creator for goroutine 1 (started by rt0_go).
    if (g.id != 1)
      if (FrameRef c = sym.creator(g.extras().creator_pc)) g.created_by = std::move(c);
    if (!g.extras().defers.empty()) {
      auto &x = g.mutable_extras();
      for (Defer &d : x.defers) {
        // Go <= 1.21 adds a _defer for a frame's open-coded defers during a
        // panic; its pc is that function's deferreturn point.
        if (const binary::Func *at = d.pc ? exe.func_at(d.pc - uint64_t(st.bias)) : nullptr;
            at && at->deferreturn && d.pc - uint64_t(st.bias) == at->entry + at->deferreturn)
          d.kind = DeferKind::OpenCoded;
        if (!d.fn_pc) continue;
        const binary::Func *closure = exe.func_at(d.fn_pc - uint64_t(st.bias));
        if (!closure) continue;
        binary::describe_defer(exe, *closure, d);
      }
    }
  }
}

}  // namespace

void use_executable(HeapDumpOptions &opts, const binary::Executable &exe) {
  auto st = std::make_shared<State>();
  st->exe = &exe;
  opts.symbolize = [st](Report &r, std::vector<Diagnostic> &d) { symbolize_report(*st, r, d); };
  opts.read_static = [st](uint64_t addr, void *out, size_t n) {
    return st->usable && st->exe->read(addr - uint64_t(st->bias), out, n);
  };
  opts.type_name = [st](uint64_t addr) -> std::string {
    if (!st->usable) return "";
    auto types = st->exe->symbol("runtime.types");
    if (!types) return "";
    uint64_t link = addr - uint64_t(st->bias);
    if (link < types->first) return "";
    const binary::TypeInfo *t = st->exe->type_by_runtime_offset(link - types->first);
    return t ? t->name : "";
  };
}

void decode_heapdump(OpenedInput &in, Input &out, const DecodeOptions &opts) {
  HeapDumpOptions hd;
  hd.show_progress = opts.progress;
  // Panic values point into heap objects written before the goroutines:
  // a file can be read again to fetch them; stdin cannot.
  if (out.path != "-")
    hd.reopen = [path = out.path]() -> std::unique_ptr<ByteSource> {
      auto again = open_input(path);
      if (!again) {
        llvm::consumeError(again.takeError());
        return nullptr;
      }
      return std::move(again->source);
    };
  // --exe: file:line, inlined frames, creators, defers, type names.
  std::shared_ptr<const binary::Executable> exe;
  if (!opts.exe.empty()) {
    auto opened = binary::Executable::open_shared(opts.exe);
    if (opened) {
      exe = std::move(*opened);
      use_executable(hd, *exe);
    } else {  // an error (exit 2), yet the dump is read without it
      out.failed = true;
      out.add_diagnostic({Severity::Error, 0,
                          "--exe: " + llvm::toString(opened.takeError()) + "; frames are not symbolized"});
    }
  } else {
    out.add_diagnostic({Severity::Note, 0,
                        "heap-dump frames carry function names only: pass --exe for "
                        "file:line, inlined frames and goroutine creators"});
  }
  decode_heapdump(*in.source, out, hd);
  if (exe)
    for (const std::string &problem : exe->dwarf_problems())
      out.add_diagnostic({Severity::Warning, 0, exe->path() + ": DWARF: " + problem});
}

}  // namespace crashctl
