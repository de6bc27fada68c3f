#include "binary/symbolizer.h"

#include "binary/go_names.h"
#include "gosyntax/parse.h"

namespace crashctl::binary {

namespace {
// A return address is reported at its call instruction's line (pc - 1),
// unless it is a function's entry (a frame that has not run yet) or a fault.
uint64_t lookup_pc(const Func *fn, uint64_t link, bool is_trap) {
  return (is_trap || !fn || link == fn->entry) ? link : link - 1;
}
}  // namespace

const std::vector<Frame> &GoSymbolizer::frames(uint64_t pc, bool is_trap) {
  uint64_t key = (pc - bias_) << 1 | (is_trap ? 1 : 0);
  auto it = frames_.find(key);
  if (it == frames_.end()) it = frames_.emplace(key, logical_frames(pc, is_trap)).first;
  return it->second;
}

std::vector<Frame> GoSymbolizer::logical_frames(uint64_t pc, bool is_trap) const {
  uint64_t link = pc - bias_;
  const Func *fn = exe_.func_at(link);
  std::vector<Frame> fs;
  if (!fn) {
    // C code: the executable's (linked in by cgo) or a shared library's,
    // named and placed by its DWARF, else by its symbol table; a library
    // without either is named by its path.
    NativeModule m = native_ ? native_(pc) : NativeModule{&exe_, bias_, ""};
    uint64_t at = pc - m.bias;
    auto sym = m.file ? m.file->symbol_at(at) : std::nullopt;
    std::vector<SymbolizedFrame> c;
    if (m.file) c = m.file->symbolize((is_trap || (sym && at == sym->second)) ? at : at - 1);
    if (!sym && (c.empty() || c.back().function.empty())) c.clear();
    if (c.empty()) c.push_back({});
    for (size_t i = 0; i < c.size(); ++i) {
      Frame f;
      f.non_go = true;
      f.function = c[i].function;
      f.file = c[i].file;
      f.line = c[i].line;
      f.inlined = i + 1 < c.size();
      if (!f.inlined) {
        f.pc = pc;
        if (sym) {
          if (f.function.empty()) f.function = sym->first;
          f.pc_offset = at - sym->second;
        }
        if (f.file.empty()) f.file = m.path;  // the library, when its code has no line
      }
      fs.push_back(std::move(f));
    }
    return fs;
  }
  auto sym = exe_.symbolize(lookup_pc(fn, link, is_trap));
  if (sym.empty()) sym.push_back({fn->name, "", 0, false});
  for (size_t i = 0; i < sym.size(); ++i) {
    Frame f;
    f.file = sym[i].file;
    f.line = sym[i].line;
    f.inlined = i + 1 < sym.size();
    if (f.inlined) {
      f.function = print_name(sym[i].function);
      f.args = "...";  // the runtime prints inlined calls as f(...)
    } else {
      f.function = print_name(fn->name);
      f.pc_offset = link - fn->entry;
      f.pc = pc;
    }
    f.package = package_of(f.function);
    fs.push_back(std::move(f));
  }
  return fs;
}

FrameRef GoSymbolizer::creator(uint64_t gopc) {
  if (!gopc) return nullptr;
  auto it = creators_.find(gopc);
  if (it != creators_.end()) return it->second;
  FrameRef ref;
  if (const Func *fn = func_at(gopc)) {
    auto f = make_ref<Frame>();
    f->function = print_name(fn->name);
    f->package = package_of(f->function);
    // gopc is the return address of the go statement's newproc call.
    auto sym = exe_.symbolize(gopc - bias_ - 1);
    if (!sym.empty()) {
      f->file = sym.front().file;
      f->line = sym.front().line;
    }
    f->pc_offset = gopc - bias_ - fn->entry;
    f->pc = gopc;
    ref = f;
  }
  creators_.emplace(gopc, ref);
  return ref;
}

void GoSymbolizer::append(Stack &stack, uint64_t pc, bool is_trap) {
  const std::vector<Frame> &fs = frames(pc, is_trap);
  stack.frames.insert(stack.frames.end(), fs.begin(), fs.end());
}

void GoSymbolizer::join_args(Stack &stack) {
  stack.joined_args.clear();
  for (size_t i = 0; i < stack.frames.size(); ++i) {
    if (i) stack.joined_args += kArgsSeparator;
    stack.joined_args += stack.frames[i].args;
  }
}

}  // namespace crashctl::binary
