#include "heapdump/exe.h"

#include "binary/executable.h"
#include "binary/go_names.h"
#include "traceback/parse.h"

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

using binary::print_name;

// Logical frames for a physical frame at PC (entry ENTRY); `after_sigpanic`
// means the callee was a fault, so PC is the faulting instruction itself.
std::vector<binary::SymbolizedFrame> logical(const State &st, uint64_t pc, uint64_t entry, bool after_sigpanic) {
  uint64_t link = pc - uint64_t(st.bias);
  uint64_t trace = link;
  if (pc > entry && !after_sigpanic) trace = link - 1;  // a return address: the call's line
  return st.exe->symbolize(trace);
}

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

  std::map<const Stack *, StackRef> done;
  std::map<uint64_t, FrameRef> creators;  // shared: groups compare creators by identity
  for (Goroutine &g : p.goroutines) {
    if (g.stack) {
      auto it = done.find(g.stack.get());
      if (it == done.end()) {
        auto st2 = make_ref<Stack>(*g.stack);
        st2->frames.clear();
        bool after_sigpanic = false;
        for (const Frame &f : g.stack->frames) {
          std::vector<binary::SymbolizedFrame> lf;
          if (f.pc && f.pc_offset) lf = logical(st, *f.pc, *f.pc - *f.pc_offset, after_sigpanic);
          after_sigpanic = f.function == "runtime.sigpanic";
          if (lf.empty()) {
            st2->frames.push_back(f);
            continue;
          }
          for (size_t i = 0; i < lf.size(); ++i) {
            Frame nf;
            bool physical = i + 1 == lf.size();
            nf.function = physical ? f.function : print_name(lf[i].function);
            nf.package = package_of(nf.function);
            nf.file = lf[i].file;
            nf.line = lf[i].line;
            nf.inlined = !physical;
            if (physical) {
              nf.pc = f.pc;
              nf.pc_offset = f.pc_offset;
            }
            st2->frames.push_back(std::move(nf));
          }
        }
        it = done.emplace(g.stack.get(), std::move(st2)).first;
      }
      g.stack = it->second;
    }
    uint64_t gopc = g.extras().creator_pc;
    if (auto c = creators.find(gopc); gopc && g.id != 1 && c != creators.end()) {
      g.created_by = c->second;
    } else if (gopc && g.id != 1) {
      const binary::Func *fn = exe.func_at(gopc - uint64_t(st.bias));
      if (fn) {
        auto lf = logical(st, gopc, fn->entry + uint64_t(st.bias), false);
        auto cf = make_ref<Frame>();
        cf->function = print_name(fn->name);
        cf->package = package_of(cf->function);
        if (!lf.empty()) {
          cf->file = lf.front().file;
          cf->line = lf.front().line;
        }
        cf->pc = gopc;
        cf->pc_offset = gopc - (fn->entry + uint64_t(st.bias));
        g.created_by = cf;
        creators.emplace(gopc, std::move(cf));
      }
    }
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

}  // namespace crashctl
