#include "gosyntax/parse.h"

#include <cstring>

namespace crashctl {

namespace {
// Hex digit values, either case; 0xff for other bytes.
struct HexDigitTable {
  uint8_t v[256];
  HexDigitTable() {
    for (uint8_t &d : v) d = 0xff;
    for (int i = 0; i < 10; ++i) v['0' + i] = uint8_t(i);
    for (int i = 0; i < 6; ++i) v['a' + i] = v['A' + i] = uint8_t(10 + i);
  }
};
const HexDigitTable kHexDigitTable;
}  // namespace

std::optional<uint64_t> parse_hex(std::string_view s) {
  if (starts_with(s, "0x") || starts_with(s, "0X")) s.remove_prefix(2);
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    uint8_t d = kHexDigitTable.v[static_cast<unsigned char>(c)];
    if (d > 15) return std::nullopt;
    v = v << 4 | d;
  }
  return v;
}

std::optional<int64_t> parse_decimal(std::string_view s) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return neg ? -v : v;
}

GoroutineStatus status_from_text(std::string_view s) {
  return status_from_name(s).value_or(GoroutineStatus::Waiting);  // else a wait reason
}

// Removes a trailing " (word)" marker from s; true when it was there.
static bool strip_marker(std::string_view &s, std::string_view marker) {
  if (!ends_with(s, marker)) return false;
  s.remove_suffix(marker.size());
  return true;
}

bool parse_goroutine_header(std::string_view s, Goroutine &g, std::string *unknown_suffix) {
  if (!starts_with(s, "goroutine ")) return false;
  s = trim(s);
  if (s.empty() || s.back() != ':') return false;
  s.remove_suffix(1);
  size_t p = 10;
  size_t idEnd = p;
  while (idEnd < s.size() && s[idEnd] >= '0' && s[idEnd] <= '9') ++idEnd;
  if (idEnd == p || idEnd >= s.size() || s[idEnd] != ' ') return false;
  auto id = parse_decimal(s.substr(p, idEnd - p));
  if (!id) return false;
  g.id = *id;
  p = idEnd + 1;
  // Optional " gp=0x.. m=N|nil mp=0x.." (Go 1.22+).
  while (p < s.size() && s[p] != '[') {
    size_t sp = s.find(' ', p);
    if (sp == std::string_view::npos) return false;
    std::string_view tok = s.substr(p, sp - p);
    if (starts_with(tok, "gp="))
      g.mutable_extras().set_gp(parse_hex(tok.substr(3)));
    else if (starts_with(tok, "mp="))
      g.mutable_extras().set_mp(parse_hex(tok.substr(3)));
    else if (tok == "m=nil")
      g.mutable_extras().m = -1;
    else if (starts_with(tok, "m=")) {
      auto m = parse_decimal(tok.substr(2));
      if (!m) return false;
      g.mutable_extras().m = *m;
    } else
      return false;
    p = sp + 1;
  }
  if (p >= s.size()) return false;
  // Bracketed part, then Go 1.27 labels " {k: v}" after it.
  std::string_view rest = s.substr(p + 1);
  std::string_view inside;
  if (!rest.empty() && rest.back() == '}') {
    size_t lb = rest.find("] {");
    if (lb == std::string_view::npos) return false;
    inside = rest.substr(0, lb);
    std::string_view labels = rest.substr(lb + 3);
    labels.remove_suffix(1);
    g.mutable_details().labels = std::string(labels);
  } else if (!rest.empty() && rest.back() == ']') {
    inside = rest.substr(0, rest.size() - 1);
    // Go 1.26 GODEBUG=tracebacklabels=1: " labels:{...}" inside the brackets.
    size_t lp = inside.empty() || inside.back() != '}' ? std::string_view::npos : inside.find(" labels:{");
    if (lp != std::string_view::npos) {
      std::string_view labels = inside.substr(lp + 9);
      labels.remove_suffix(1);
      g.mutable_details().labels = std::string(labels);
      inside = inside.substr(0, lp);
    }
  } else {
    return false;
  }
  // Items separated by ", ": status-or-reason first, then suffixes.
  size_t comma = inside.find(", ");
  std::string_view head = inside.substr(0, comma);
  g.scan = strip_marker(head, " (scan)");
  if (strip_marker(head, " (durable)")) g.durable = true;
  bool leaked = strip_marker(head, " (leaked)");
  if (!g.scan) g.scan = strip_marker(head, " (scan)");
  if (ends_with(head, "(durable)")) g.durable = true;
  GoroutineStatus st = status_from_text(head);
  if (leaked) {
    g.status = GoroutineStatus::Leaked;
    if (st == GoroutineStatus::Waiting) g.wait_reason = head;
  } else {
    g.status = st;
    if (st == GoroutineStatus::Waiting) g.wait_reason = head;
  }
  while (comma != std::string_view::npos) {
    size_t start = comma + 2;
    comma = inside.find(", ", start);
    std::string_view item =
        inside.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (ends_with(item, " minutes")) {
      auto m = parse_decimal(item.substr(0, item.size() - 8));
      if (m) {
        g.wait_minutes = *m;
        continue;
      }
    }
    if (item == "locked to thread") {
      g.locked_to_thread = true;
      continue;
    }
    if (starts_with(item, "synctest group ") || starts_with(item, "synctest bubble ")) {
      auto n = parse_decimal(item.substr(item.rfind(' ') + 1));
      if (n) {
        g.mutable_details().synctest_bubble = *n;
        continue;
      }
    }
    if (unknown_suffix) {
      if (!unknown_suffix->empty()) unknown_suffix->append(", ");
      unknown_suffix->append(item);
    }
  }
  return true;
}

static bool is_hex_token(std::string_view t, std::string_view prefix, uint64_t &out) {
  if (!starts_with(t, prefix)) return false;
  auto v = parse_hex(t.substr(prefix.size()));
  if (!v) return false;
  out = *v;
  return true;
}

bool parse_file_line_view(std::string_view s, FileLineView &out) {
  s = trim(s);
  if (s.empty()) return false;
  out = FileLineView();
  // Consume suffix tokens from the right: pc=, sp=, fp=, +0x...
  for (;;) {
    size_t sp = s.rfind(' ');
    if (sp == std::string_view::npos) break;
    std::string_view tok = s.substr(sp + 1);
    uint64_t v;
    if (is_hex_token(tok, "pc=", v))
      out.pc = v;
    else if (is_hex_token(tok, "sp=", v)) {
      out.addr.sp = v;
      out.has_addr = true;
    } else if (is_hex_token(tok, "fp=", v)) {
      out.addr.fp = v;
      out.has_addr = true;
    } else if (is_hex_token(tok, "+0x", v))
      out.pc_offset = v;
    else
      break;
    s = s.substr(0, sp);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  }
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= s.size()) return false;
  auto line = parse_decimal(s.substr(colon + 1));
  if (!line || *line < 0) return false;
  out.file = s.substr(0, colon);
  out.line = *line;
  return true;
}

bool looks_like_file_line(std::string_view t) {
  // Cut optional " +0x..." and " pc=0x..." suffixes (fp=/sp= lines take the slow path).
  size_t sp = t.find(" +0x");
  if (sp == std::string_view::npos && std::memchr(t.data(), '=', t.size())) sp = t.find(" pc=0x");
  if (sp != std::string_view::npos) t = t.substr(0, sp);
  // ":LINE" at the end, LINE 1 to 18 digits, something before the colon.
  size_t digits = t.size();
  while (digits > 0 && t[digits - 1] >= '0' && t[digits - 1] <= '9') --digits;
  size_t colon = digits - 1;
  if (digits < 2 || t[colon] != ':' || digits == t.size()) return false;
  return t.size() - digits <= 18;
}

bool parse_file_line(std::string_view s, Frame &f, FrameAddresses *addr, bool *has_addr) {
  FileLineView v;
  if (!parse_file_line_view(s, v)) return false;
  f.file = std::string(v.file);
  f.line = int(v.line);
  f.pc_offset = v.pc_offset;
  f.pc = v.pc;
  if (addr) *addr = v.addr;
  if (has_addr) *has_addr = v.has_addr;
  return true;
}

std::string package_of(std::string_view fn) {
  if (fn == "panic") return "runtime";
  size_t slash = fn.rfind('/');
  // A '/' inside brackets or parentheses belongs to type arguments, not the path.
  size_t bracket = fn.find_first_of("[(");
  if (slash != std::string_view::npos && bracket != std::string_view::npos && slash > bracket) {
    slash = fn.substr(0, bracket).rfind('/');
  }
  size_t start = slash == std::string_view::npos ? 0 : slash + 1;
  size_t dot = fn.find('.', start);
  std::string_view pkg = dot == std::string_view::npos ? fn : fn.substr(0, dot);
  std::string out;
  out.reserve(pkg.size());
  for (size_t i = 0; i < pkg.size(); ++i) {
    if (pkg[i] == '%' && i + 2 < pkg.size() && pkg[i + 1] == '2' && (pkg[i + 2] == 'e' || pkg[i + 2] == 'E')) {
      out.push_back('.');
      i += 2;
    } else {
      out.push_back(pkg[i]);
    }
  }
  return out;
}

bool parse_function_line(std::string_view s, Frame &f) {
  s = trim(s);
  if (s.size() < 3 || s.back() != ')') return false;
  size_t open = s.rfind('(');
  if (open == std::string_view::npos || open == 0) return false;
  // "(*T).m(...)": the last '(' opens the arguments unless it is a receiver
  // group immediately followed by ")." -- arguments never end that way.
  std::string_view fn = s.substr(0, open);
  if (fn.find('\t') != std::string_view::npos) return false;
  f.function = std::string(fn);
  f.args = std::string(s.substr(open + 1, s.size() - open - 2));
  f.package = package_of(fn);
  return true;
}

bool parse_created_by(std::string_view s, Frame &f, int64_t &parent_goid) {
  s = trim(s);
  if (!starts_with(s, "created by ")) return false;
  s.remove_prefix(11);
  parent_goid = -1;
  size_t in = s.rfind(" in goroutine ");
  if (in != std::string_view::npos) {
    auto n = parse_decimal(s.substr(in + 14));
    if (n) {
      parent_goid = *n;
      s = s.substr(0, in);
    }
  }
  if (s.empty()) return false;
  f.function = std::string(s);
  f.package = package_of(s);
  return true;
}

}  // namespace crashctl
