#include "binary/go_names.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/Endian.h"

#include <cstring>

namespace crashctl::binary {

std::string print_name(std::string_view name) {
  if (name == "runtime.gopanic") return "panic";
  if (name.find('[') == std::string_view::npos) return std::string(name);
  std::string out;
  int depth = 0;
  for (char c : name) {
    if (c == '[') {
      if (depth++ == 0) out += "[...]";
    } else if (c == ']') {
      if (depth > 0) --depth;
    } else if (depth == 0) {
      out += c;
    }
  }
  return out;
}

std::vector<uint64_t> direct_calls(const Executable &exe, const Func &f) {
  std::vector<uint64_t> out;
  for (const Executable::CallSite &c : exe.direct_call_sites(f).value_or(std::vector<Executable::CallSite>{})) {
    const Func *t = exe.func_at(c.target);
    if (!t || t->entry != c.target || t->name.rfind("runtime.", 0) == 0) continue;
    out.push_back(c.target);
  }
  return out;
}

DeferredCall deferred_call(const Executable &exe, const Func &closure) {
  DeferredCall d;
  d.fn = &closure;
  d.closure = print_name(closure.name);
  // User closures have FuncIDNormal (0); compiler wrappers FuncIDWrapper.
  if (closure.name.find(".deferwrap") != std::string::npos ||
      (closure.func_id != 0 && closure.name.find(".func") != std::string::npos)) {
    auto calls = direct_calls(exe, closure);
    if (!calls.empty()) {
      if (const Func *inner = exe.func_at(calls.front())) d.fn = inner;
    } else {
      // The deferred function was inlined into the wrapper: the first pc
      // whose logical frames go one level deeper names it. A function that
      // calls recover is never inlined, so it does not call recover.
      for (uint64_t pc = closure.entry; pc < closure.end && pc < closure.entry + 4096; ++pc) {
        auto frames = exe.symbolize(pc);
        if (frames.size() < 2) continue;
        const SymbolizedFrame &callee = frames[frames.size() - 2];
        d.name = print_name(callee.function);
        d.file = callee.file;
        d.line = callee.line;
        d.calls_recover = false;
        return d;
      }
    }
  }
  d.name = print_name(d.fn->name);
  auto sym = exe.symbolize(d.fn->entry);
  if (!sym.empty()) {
    d.file = sym.back().file;
    d.line = d.fn->start_line > 0 ? d.fn->start_line : sym.back().line;
  }
  d.calls_recover = exe.calls(*d.fn, "runtime.gorecover");
  if (d.calls_recover && !*d.calls_recover)
    for (uint64_t target : direct_calls(exe, *d.fn))
      if (const Func *callee = exe.func_at(target); callee && exe.calls(*callee, "runtime.gorecover").value_or(false)) {
        d.indirect_recover = print_name(callee->name);
        break;
      }
  return d;
}

void describe_defer(const Executable &exe, const Func &closure, Defer &d) {
  DeferredCall call = deferred_call(exe, closure);
  d.function = call.name;
  d.file = call.file;
  d.line = call.line;
  d.calls_recover = call.calls_recover;
  d.indirect_recover = call.indirect_recover;
}

}  // namespace crashctl::binary
