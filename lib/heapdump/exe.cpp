// Symbolizing a heap dump with its executable (binary::find_executable):
// file:line and inlined frames, goroutine creators, deferred functions, type
// names and read-only data for panic values.
#include "heapdump/decoder.h"

#include "binary/executable.h"
#include "binary/go_names.h"
#include "binary/locate.h"
#include "binary/symbolizer.h"

#include "llvm/Support/FormatVariadic.h"

#include <map>
#include <memory>

namespace crashctl {
namespace {

// The executable found for the dump, once its goroutines are read.
struct State {
  std::shared_ptr<const binary::Executable> exe;
  int64_t bias = 0;     // runtime address - link-time address
  bool usable = false;  // the executable matches the dump
};

// How many of the dump's frame entries are function entries of EXE, at the
// load bias (PIE) the first of them gives.
struct EntryMatch {
  size_t match = 0, miss = 0;
  int64_t bias = 0;
  bool usable() const { return match && miss <= match; }
};
EntryMatch match_entries(const binary::Executable &exe, const Process &p) {
  EntryMatch m;
  bool have_bias = false;
  for (const Goroutine &g : p.goroutines) {
    if (!g.stack) continue;
    for (const Frame &f : g.stack->frames) {
      if (!f.pc || !f.pc_offset || f.function.empty()) continue;
      uint64_t entry = *f.pc - *f.pc_offset;
      const binary::Func *fn = exe.func_named(f.function == "panic" ? "runtime.gopanic" : f.function);
      if (!fn) {
        ++m.miss;
        continue;
      }
      if (!have_bias) {
        m.bias = int64_t(entry - fn->entry);
        have_bias = true;
      }
      (entry - uint64_t(m.bias) == fn->entry ? m.match : m.miss)++;
    }
    if (m.match + m.miss > 64) break;
  }
  return m;
}

// The executable for the dump (binary::find_executable: --exe, else a file
// under --debug-dir; a dump records neither a path nor a build id), accepted
// when the dump's frame entries are its function entries.
void symbolize_report(State &st, const DecodeOptions &opts, Input &in, Report &rep, std::vector<Diagnostic> &diags) {
  Process &p = rep.process;
  EntryMatch m;
  auto matches = [&](const binary::Executable &candidate, const std::string &path) -> llvm::Error {
    m = match_entries(candidate, p);
    if (m.usable()) return llvm::Error::success();
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("{0} does not match the dump ({1} of {2} frame entries agree)", path, m.match, m.match + m.miss)
            .str());
  };
  auto found = binary::find_executable(binary::ExecutableQuery{}, opts, matches);
  if (!found) {
    std::string why = llvm::toString(found.takeError());
    if (!opts.exe.empty())
      diags.push_back({Severity::Warning, 0, "--exe " + why + "; frames are not symbolized"});
    else
      diags.push_back({Severity::Note, 0,
                       "no executable under --debug-dir matches the dump: frames carry function names only; "
                       "pass --exe for file:line, inlined frames and goroutine creators"});
    return;
  }
  st.exe = found->exe;
  in.executable = found->origin;
  const binary::Executable &exe = *st.exe;
  st.bias = m.bias;
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
          if (f.pc && sym.func_at(*f.pc))
            sym.append(*st2, *f.pc, trap);
          else
            st2->frames.push_back(f);
        }
        binary::GoSymbolizer::join_args(*st2);
        it = done.emplace(g.stack.get(), std::move(st2)).first;
      }
      g.stack = it->second;
    }
    // The runtime prints no creator for goroutine 1 (started by rt0_go).
    if (g.id != 1)
      if (FrameRef c = sym.creator(g.details().creator_pc)) g.created_by = std::move(c);
    if (!g.details().defers.empty()) {
      auto &x = g.mutable_details();
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

// The DWARF type of the runtime type descriptor at ADDR (a runtime address).
const binary::TypeInfo *runtime_type_at(const State &st, uint64_t addr) {
  if (!st.usable) return nullptr;
  auto types = st.exe->symbol("runtime.types");
  uint64_t link = addr - uint64_t(st.bias);
  if (!types || link < types->first) return nullptr;
  return st.exe->type_by_runtime_offset(link - types->first);
}

// Symbolizes with the executable symbolize_report finds, kept in ST.
void use_executable_search(HeapDumpOptions &hd, const std::shared_ptr<State> &st, Input &out,
                           const DecodeOptions &opts) {
  hd.symbolize = [st, &out, opts](Report &r, std::vector<Diagnostic> &d) { symbolize_report(*st, opts, out, r, d); };
  hd.read_static = [st](uint64_t addr, void *dst, size_t n) {
    return st->usable && st->exe->read(addr - uint64_t(st->bias), dst, n);
  };
  hd.program = [st]() -> const binary::GoProgram * { return st->usable ? st->exe.get() : nullptr; };
  hd.runtime_type = [st](uint64_t addr) { return runtime_type_at(*st, addr); };
  hd.frame_variables = [st](uint64_t pc) -> std::vector<binary::FrameVariable> {
    if (!st->usable) return {};
    return st->exe->frame_variables(pc - uint64_t(st->bias));
  };
  hd.type_name = [st](uint64_t addr) -> std::string {
    const binary::TypeInfo *t = runtime_type_at(*st, addr);
    return t ? t->name : "";
  };
  hd.global_at = [st](uint64_t addr, std::string &name, uint64_t &start, std::string &type) {
    if (!st->usable) return false;
    uint64_t link = addr - uint64_t(st->bias);
    if (const binary::GlobalVariable *g = st->exe->global_at(link)) {
      name = g->name;
      start = g->addr + uint64_t(st->bias);
      type = g->type;
      return true;
    }
    auto sym = st->exe->symbol_at(link);
    if (!sym) return false;
    name = sym->first;
    start = sym->second + uint64_t(st->bias);
    type.clear();
    return true;
  };
}

}  // namespace

void decode_heapdump(OpenedInput &in, Input &out, const DecodeOptions &opts) {
  HeapDumpOptions hd;
  hd.show_progress = opts.progress;
  hd.memory = opts.memory != DecodeOptions::Memory::Off;
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
  // --exe, else a matching executable under --debug-dir: file:line, inlined
  // frames, creators, defers, type names. A dump records no build id.
  bool exe_unreadable = false;
  if (!opts.exe.empty()) {
    auto opened = binary::Executable::open_shared(opts.exe);
    if (!opened) {  // an error (exit 2), yet the dump is read without it
      exe_unreadable = out.failed = true;
      out.add_diagnostic(
          {Severity::Error, 0, "--exe: " + llvm::toString(opened.takeError()) + "; frames are not symbolized"});
    }
  }
  auto st = std::make_shared<State>();
  if (exe_unreadable) {
  } else if (!opts.exe.empty() || !opts.debug_dirs.empty()) {
    use_executable_search(hd, st, out, opts);
  } else {
    out.add_diagnostic({Severity::Note, 0,
                        "heap-dump frames carry function names only: pass --exe for "
                        "file:line, inlined frames and goroutine creators"});
  }
  decode_heapdump(*in.source, out, hd);
  if (st->usable)
    for (const std::string &problem : st->exe->dwarf_problems())
      out.add_diagnostic({Severity::Warning, 0, st->exe->path() + ": DWARF: " + problem});
}

}  // namespace crashctl
