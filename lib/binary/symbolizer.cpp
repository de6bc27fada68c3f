#include "binary/symbolizer.h"

#include "binary/go_names.h"
#include "gosyntax/parse.h"

#include "llvm/DebugInfo/Symbolize/Symbolize.h"

namespace crashctl::binary {

namespace {
// A return address is reported at its call instruction's line (pc - 1),
// unless it is a function's entry (a frame that has not run yet) or a fault.
uint64_t lookup_pc(const Func *fn, uint64_t link, bool is_trap) {
  return (is_trap || !fn || link == fn->entry) ? link : link - 1;
}
}  // namespace

GoSymbolizer::GoSymbolizer(const Executable &exe, uint64_t bias) : exe_(exe), bias_(bias) {}
GoSymbolizer::~GoSymbolizer() = default;

// A shared library's code by LLVM's symbolizer, which also finds its
// separate debug file (build id or .gnu_debuglink, as libc6-dbg installs).
std::vector<SymbolizedFrame> GoSymbolizer::library_frames(const NativeModule &m, uint64_t at) const {
  std::vector<SymbolizedFrame> out;
  if (m.local.empty()) return out;
  if (!library_symbolizer_) {
    llvm::symbolize::LLVMSymbolizer::Options opts;
    opts.Demangle = false;
    opts.DebugFileDirectory = library_debug_dirs_;
    library_symbolizer_ = std::make_unique<llvm::symbolize::LLVMSymbolizer>(opts);
  }
  auto info = library_symbolizer_->symbolizeInlinedCode(m.local, {at, llvm::object::SectionedAddress::UndefSection});
  if (!info) {
    llvm::consumeError(info.takeError());
    return out;
  }
  for (uint32_t i = 0; i < info->getNumberOfFrames(); ++i) {
    const llvm::DILineInfo &li = info->getFrame(i);
    if (li.FunctionName == llvm::DILineInfo::BadString) continue;
    SymbolizedFrame f;
    f.function = li.FunctionName;
    if (li.FileName != llvm::DILineInfo::BadString) f.file = li.FileName;
    f.line = int(li.Line);
    out.push_back(std::move(f));
  }
  return out;
}

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
    NativeModule m = native_ ? native_(pc) : NativeModule{&exe_, bias_, "", ""};
    uint64_t at = pc - m.bias;
    auto sym = m.file ? m.file->symbol_at(at) : std::nullopt;
    std::vector<SymbolizedFrame> c;
    uint64_t lookup = (is_trap || (sym && at == sym->second)) ? at : at - 1;
    if (m.file && !m.path.empty()) c = library_frames(m, lookup);
    if (m.file && c.empty()) c = m.file->symbolize(lookup);
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
