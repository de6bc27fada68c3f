#include "core/values.h"

#include "llvm/ADT/bit.h"
#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/LEB128.h"

namespace crashctl::core {

namespace {
enum Kind : uint8_t {
  Bool = 1,
  Int,
  Int8,
  Int16,
  Int32,
  Int64,
  Uint,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Uintptr,
  Float32,
  Float64,
  Complex64,
  Complex128,
  Array,
  Chan,
  Func,
  Interface,
  Map,
  Pointer,
  Slice,
  String,
  Struct,
  UnsafePointer
};

std::string quote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// The runtime's boundsError.Error (src/runtime/error.go), by code.
std::string bounds_message(int64_t x, int64_t y, bool is_signed, uint8_t code) {
  static const char *const fmts[] = {"index out of range [%x] with length %y",
                                     "slice bounds out of range [:%x] with length %y",
                                     "slice bounds out of range [:%x] with capacity %y",
                                     "slice bounds out of range [%x:%y]",
                                     "slice bounds out of range [::%x] with length %y",
                                     "slice bounds out of range [::%x] with capacity %y",
                                     "slice bounds out of range [:%x:%y]",
                                     "slice bounds out of range [%x:%y:]",
                                     "cannot convert slice with length %y to array or pointer to array with length %x"};
  static const char *const neg[] = {"index out of range [%x]",          "slice bounds out of range [:%x]",
                                    "slice bounds out of range [:%x]",  "slice bounds out of range [%x:]",
                                    "slice bounds out of range [::%x]", "slice bounds out of range [::%x]",
                                    "slice bounds out of range [:%x:]", "slice bounds out of range [%x::]"};
  if (code >= 9) return "runtime error: bounds error (code " + std::to_string(code) + ")";
  const char *f = is_signed && x < 0 && code < 8 ? neg[code] : fmts[code];
  std::string out = "runtime error: ";
  for (const char *c = f; *c; ++c) {
    if (*c != '%') {
      out += *c;
      continue;
    }
    ++c;
    if (*c == 'x')
      out += is_signed ? std::to_string(x) : std::to_string(uint64_t(x));
    else if (*c == 'y')
      out += std::to_string(y);
  }
  return out;
}
}  // namespace

std::optional<uint64_t> ValueReader::types_base() const {
  auto md = exe_.global_address("runtime.firstmoduledata");
  if (!md || !l_.md_types.ok) return std::nullopt;
  return mem_.u64(*md + mem_.bias() + l_.md_types.at);
}

std::string ValueReader::type_name(uint64_t type) const {
  auto base = types_base();
  if (!base || !l_.t_str.ok) return "";
  auto off = mem_.u32(type + l_.t_str.at);
  auto tflag = l_.t_tflag.ok ? mem_.u8(type + l_.t_tflag.at) : std::optional<uint8_t>(0);
  if (!off || !tflag) return "";
  uint64_t name = *base + int64_t(int32_t(*off));
  // A name: one flags byte, a uvarint length, the bytes.
  uint8_t buf[10];  // the longest uvarint of 64 bits
  size_t got = 0;
  while (got < sizeof buf)
    if (auto b = mem_.u8(name + 1 + got); !b || !((buf[got++] = *b) & 0x80)) break;
  unsigned n = 0;
  const char *error = nullptr;  // unreadable, truncated or past 64 bits
  uint64_t len = llvm::decodeULEB128(buf, &n, buf + got, &error);
  if (error) return "";
  auto s = mem_.bytes(name + 1 + n, len, 512);
  if (!s) return "";
  if ((*tflag & 2) && !s->empty() && (*s)[0] == '*') s->erase(0, 1);  // TFlagExtraStar
  return *s;
}

std::string ValueReader::format(const binary::TypeInfo &t, uint64_t addr, int depth) const {
  using namespace llvm::dwarf;
  // Go's DWARF makes interfaces typedefs of runtime.iface or runtime.eface:
  // those are read as interfaces below, not as the struct.
  if (t.tag == DW_TAG_typedef && !t.elem.empty() && t.go_kind != Interface)
    if (const binary::TypeInfo *u = exe_.type(t.elem)) return format(*u, addr, depth);
  if (t.name == "string" || t.go_kind == String) {
    auto s = mem_.go_string(addr, 1024);
    return s ? quote(*s) : "<unreadable>";
  }
  if (t.tag == DW_TAG_base_type) {
    char b[8] = {};
    if (t.size > 8 || !mem_.read(addr, b, t.size)) return "<unreadable>";
    uint64_t v = llvm::support::endian::read64le(b);  // zero-extended: the bytes past t.size are 0
    if (t.encoding == DW_ATE_boolean) return v ? "true" : "false";
    if (t.encoding == DW_ATE_float) {
      double d = t.size == 8 ? llvm::bit_cast<double>(v) : llvm::bit_cast<float>(uint32_t(v));
      return llvm::formatv("{0}", d).str();
    }
    if (t.encoding == DW_ATE_signed || t.encoding == DW_ATE_signed_char) {
      int64_t sv = int64_t(v << (64 - 8 * t.size)) >> (64 - 8 * t.size);
      return std::to_string(sv);
    }
    return std::to_string(v);
  }
  if (t.tag == DW_TAG_pointer_type || t.go_kind == Pointer) {
    auto p = mem_.u64(addr);
    if (!p) return "<unreadable>";
    return *p ? llvm::formatv("{0:x}", *p).str() : "nil";
  }
  if (t.tag == DW_TAG_structure_type && t.go_kind != Interface && t.go_kind != Slice) {
    if (depth > 2) return "{...}";
    std::string out = "{";
    size_t shown = 0;
    for (const binary::TypeField &f : t.fields) {
      if (shown == 8) {
        out += ", ...";
        break;
      }
      if (shown++) out += ", ";
      out += f.name + ": ";
      const binary::TypeInfo *ft = exe_.type(f.type);
      out += ft ? format(*ft, addr + f.offset, depth + 1) : "?";
    }
    return out + "}";
  }
  if (t.go_kind == Interface || t.name == "error" || t.name.rfind("interface", 0) == 0) {
    auto tab = mem_.u64(addr), data = mem_.u64(addr + 8);
    if (!tab || !data) return "<unreadable>";
    if (!*tab) return "nil";
    // An eface holds the type; an iface an itab whose Type follows the Inter pointer.
    uint64_t type = *tab;
    if (t.name != "interface {}" && t.elem != "runtime.eface") {
      auto ty = mem_.u64(*tab + 8);
      if (!ty) return "<unreadable>";
      type = *ty;
    }
    if (depth > 2) return type_name(type) + "(...)";
    PanicValue inner = eface(type, *data);
    return inner.type + "(" + inner.value + ")";
  }
  return "<" + t.name + ">";
}

PanicValue ValueReader::eface(uint64_t type, uint64_t data) const {
  PanicValue v;
  if (!type) {
    v.type = "nil";
    v.value = v.printed = "nil";
    return v;
  }
  v.type = type_name(type);
  if (v.type.empty()) {
    v.note = llvm::formatv("type descriptor at {0:x} unreadable", type).str();
    v.printed = llvm::formatv("(?) {0:x}", data).str();
    return v;
  }
  uint8_t kind = l_.t_kind.ok ? mem_.u8(type + l_.t_kind.at).value_or(0) & 0x1f : 0;
  // Values the runtime formats itself, and common error types.
  if (v.type == "string" || v.type == "runtime.plainError") {
    auto s = mem_.go_string(data, 1 << 16);
    if (!s) {
      v.note = "string bytes not in the core";
      return v;
    }
    v.value = v.printed = *s;
    return v;
  }
  if (v.type == "runtime.errorString") {
    if (auto s = mem_.go_string(data, 4096))
      v.value = v.printed = "runtime error: " + *s;
    else
      v.note = "the error's message is not in the core";
    return v;
  }
  if (v.type == "runtime.boundsError") {
    auto x = mem_.u64(data), y = mem_.u64(data + 8);
    auto sg = mem_.u8(data + 16), code = mem_.u8(data + 17);
    if (const binary::TypeInfo *bt = exe_.type("runtime.boundsError")) {
      if (auto *f = bt->field("signed")) sg = mem_.u8(data + f->offset);
      if (auto *f = bt->field("code")) code = mem_.u8(data + f->offset);
    }
    if (x && y && sg && code)
      v.value = v.printed = bounds_message(int64_t(*x), int64_t(*y), *sg, *code);
    else
      v.note = "the bounds error is not in the core";
    return v;
  }
  if (v.type == "*errors.errorString" || v.type == "*fmt.wrapError" || v.type == "*fmt.wrapErrors") {
    // {s string} and {msg string; err(s) ...}: the message is the first field.
    if (auto s = mem_.go_string(data, 1 << 16))
      v.value = v.printed = *s;
    else
      v.note = "the error's message is not in the core";
    return v;
  }
  // Everything else: fields through DWARF.
  std::string base = v.type;
  bool ptr = kind == Pointer || (!base.empty() && base[0] == '*');
  const binary::TypeInfo *t = exe_.type(ptr ? base.substr(1) : base);
  if (t) {
    uint64_t addr = data;
    if (ptr) {
      v.value = "&" + v.type.substr(1) + format(*t, addr, 0);
    } else if ((kind >= Bool && kind <= Complex128) || kind == String) {
      v.value = format(*t, addr, 0);
    } else {
      v.value = v.type + format(*t, addr, 0);
    }
  } else {
    v.note = "the executable's DWARF has no type " + (ptr ? base.substr(1) : base);
  }
  // What printpanicval prints. Errors and Stringers are printed by their
  // method, which cannot run on a core: show the fields instead.
  std::string pkg_type = ptr ? base.substr(1) : base;
  size_t dot = pkg_type.rfind('.');
  bool has_method = false;
  if (dot != std::string::npos) {
    std::string pkg = pkg_type.substr(0, dot), name = pkg_type.substr(dot + 1);
    for (const char *m : {".Error", ".String"})
      has_method |= exe_.func_named(pkg + "." + name + m) || exe_.func_named(pkg + ".(*" + name + ")" + m);
  }
  if (has_method) {
    v.printed = v.value.empty() ? v.type : v.value;
    v.note =
        "an error or Stringer: the runtime prints its Error or String method, which cannot run on a "
        "core; its fields are shown";
  } else if (kind >= Bool && kind <= Complex128 && !v.value.empty()) {
    bool named = v.type.find('.') != std::string::npos;
    v.printed = named ? v.type + "(" + v.value + ")" : v.value;
  } else if (kind == String && !v.value.empty()) {
    v.printed = v.type + "(" + v.value + ")";
  } else {
    v.printed = llvm::formatv("({0}) {1:x}", v.type, data).str();
  }
  return v;
}

const char *signal_name(int signo) {
  static const char *const names[] = {"",         "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP",   "SIGABRT",
                                      "SIGBUS",   "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV", "SIGUSR2",   "SIGPIPE",
                                      "SIGALRM",  "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",   "SIGTSTP",
                                      "SIGTTIN",  "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
                                      "SIGWINCH", "SIGIO",   "SIGPWR",    "SIGSYS"};
  return signo > 0 && signo < 32 ? names[signo] : "";
}

const char *signal_description(int signo) {
  switch (signo) {
    case 3: return "quit";
    case 4: return "illegal instruction";
    case 5: return "trace/breakpoint trap";
    case 6: return "abort";
    case 7: return "bus error";
    case 8: return "floating-point exception";
    case 9: return "killed";
    case 11: return "segmentation violation";
    case 15: return "termination";
    default: return "";
  }
}

}  // namespace crashctl::core
