#include "traceback/recovery.h"

#include "gosyntax/parse.h"
#include "logs/json_scan.h"

#include <cctype>
#include <vector>

namespace crashctl {

namespace {

// "FILE:LINE" at the end of S (nothing after the digits); sets FILE and LINE.
bool split_file_line(std::string_view s, std::string_view &file, int64_t &line) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= s.size()) return false;
  int64_t v = 0;
  for (size_t i = colon + 1; i < s.size(); ++i) {
    if (!is_digit(s[i]) || v > (int64_t(1) << 40)) return false;
    v = v * 10 + (s[i] - '0');
  }
  file = s.substr(0, colon);
  line = v;
  return !file.empty();
}

// Messages the runtime raises: a recovered value that starts with one of
// these is the runtime error itself, wherever the log line puts it.
constexpr std::string_view kRuntimeMessages[] = {
    "runtime error: ",         "assignment to entry in nil map", "interface conversion: ",    "send on closed channel",
    "close of closed channel", "close of nil channel",           "all goroutines are asleep",
};

}  // namespace

bool parse_http_panic_serving(std::string_view line, std::string &value) {
  size_t at = line.find("http: panic serving ");
  if (at == std::string_view::npos) return false;
  std::string_view rest = line.substr(at + 20);
  // The address has no ": " in it (IPv6 is "[::1]:port").
  size_t sep = rest.find(": ");
  if (sep == std::string_view::npos) return false;
  value = std::string(rest.substr(sep + 2));
  return true;
}

bool is_gin_recovery_header(std::string_view line) {
  size_t at = line.find("[Recovery] ");
  if (at == std::string_view::npos) return false;
  std::string_view t = trim(line);
  return ends_with(t, "panic recovered:");
}

bool parse_echo_panic_recover(std::string_view line, std::string &value, size_t &header_at) {
  size_t at = line.find("[PANIC RECOVER] ");
  if (at == std::string_view::npos) return false;
  std::string_view rest = line.substr(at + 16);
  header_at = std::string_view::npos;
  for (size_t g = rest.find("goroutine "); g != std::string_view::npos; g = rest.find("goroutine ", g + 1)) {
    if (g > 0 && rest[g - 1] == ' ' && goroutine_header_at(rest, g)) {
      header_at = at + 16 + g;
      value = std::string(rest.substr(0, g - 1));
      return true;
    }
  }
  value = std::string(trim(rest));
  return true;
}

bool parse_observed_panic(std::string_view line, std::string &value) {
  size_t at = line.find("Observed a panic: ");
  if (at == std::string_view::npos) return false;
  std::string_view rest = trim(line.substr(at + 18));
  // "GOSYNTAX (VALUE)": the %v form is the last parenthesized part.
  if (!rest.empty() && rest.back() == ')') {
    int depth = 0;
    for (size_t i = rest.size(); i-- > 0;) {
      if (rest[i] == ')')
        ++depth;
      else if (rest[i] == '(' && --depth == 0) {
        if (i > 0 && rest[i - 1] == ' ') {
          value = std::string(rest.substr(i + 1, rest.size() - i - 2));
          return true;
        }
        break;
      }
    }
  }
  value = std::string(rest);
  return true;
}

bool parse_zap_console_line(std::string_view line, std::string &message, std::string &value) {
  if (line.find('\t') == std::string_view::npos || line.empty() || line.back() != '}') return false;
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (fields.size() < 8) {
    size_t tab = line.find('\t', pos);
    fields.push_back(line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos));
    if (tab == std::string_view::npos) break;
    pos = tab + 1;
  }
  if (fields.size() < 4 || fields.back().empty() || fields.back()[0] != '{') return false;
  std::string level(fields[1]);
  for (char &c : level) c = char(std::toupper(static_cast<unsigned char>(c)));
  if (level != "ERROR" && level != "DPANIC" && level != "PANIC" && level != "FATAL" && level != "WARN") return false;
  int rank = 99;
  static constexpr std::string_view kKeys[] = {"panic", "recovered", "error", "err"};
  logs::JsonObjectScanner scanner(fields.back());
  bool ok = scanner.scan([&](const logs::JsonMember &m) {
    if (m.kind != logs::JsonKind::String) return true;
    for (int i = 0; i < int(std::size(kKeys)); ++i)
      if (i < rank && logs::json_key_is(m, kKeys[i])) {
        rank = i;
        value.clear();
        logs::decode_json_string(m.raw, m.value_escaped, value);
      }
    return true;
  });
  if (!ok || rank == 99) return false;
  message = std::string(fields[fields.size() - 2]);
  return true;
}

std::string value_from_log_line(std::string_view line) {
  line = trim(line);
  for (std::string_view m : kRuntimeMessages) {
    size_t at = line.find(m);
    if (at != std::string_view::npos) return std::string(line.substr(at));
  }
  // "recovered: VALUE", "panic recovered: VALUE", "panic: VALUE", "Recovered from panic: VALUE".
  static constexpr std::string_view kIntroducers[] = {
      "recovered from panic: ", "panic recovered: ", "recovered panic: ", "recovered: ", "panic: "};
  std::string lower(line);
  for (char &c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view intro : kIntroducers) {
    size_t at = lower.find(intro);
    if (at == std::string::npos) continue;
    // A word boundary before it ("unrecovered: " is not "recovered: ").
    if (at > 0 && std::isalnum(static_cast<unsigned char>(lower[at - 1]))) continue;
    std::string_view v = trim(line.substr(at + intro.size()));
    if (!v.empty()) return std::string(v);
  }
  return "";
}

bool is_panic_call(const Frame &f) {
  if (f.function == "panic" || f.function == "runtime.gopanic" || f.function == "runtime.panic") return true;
  return f.package == "runtime" && (f.function == "gopanic" || f.function == "panic");
}

const char *to_string(StackDialect d) {
  switch (d) {
    case StackDialect::Goroutine: return "goroutine";
    case StackDialect::FrameLines: return "frame lines";
    case StackDialect::Gin: return "gin";
    case StackDialect::Chi: return "chi";
    case StackDialect::FileList: return "file list";
  }
  return "goroutine";
}

bool looks_like_bare_function(std::string_view s) {
  if (s.empty() || s.size() > 1024 || s[0] == ' ' || s[0] == '\t') return false;
  bool dot = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == ':' || c == '"') return false;
    dot |= c == '.';
  }
  return dot && s.back() != ')' && s.back() != '.';
}

bool looks_like_bare_file_line(std::string_view s) {
  if (s.size() < 6 || s[0] != '\t' || s[1] == '\t' || s[1] == ' ') return false;
  std::string_view file;
  int64_t line;
  if (!split_file_line(s.substr(1), file, line)) return false;
  return ends_with(file, ".go") || ends_with(file, ".s") || file == "<autogenerated>";
}

bool parse_foreign_stack_line(StackDialect dialect, std::string_view s, ForeignStackLine &out) {
  out = ForeignStackLine();
  switch (dialect) {
    case StackDialect::Goroutine: return false;
    case StackDialect::FrameLines:
      if (looks_like_bare_file_line(s)) {
        out.kind = ForeignStackLine::File;
        return split_file_line(s.substr(1), out.file, out.line);
      }
      if (looks_like_bare_function(s)) {
        out.kind = ForeignStackLine::Function;
        out.function = s;
        return true;
      }
      return false;
    case StackDialect::Gin: {
      // "/path/file.go:34 (0x106cc52)" then "\t(*Cart).itemAt: return c.prices[i]".
      if (!s.empty() && s[0] == '\t') {
        std::string_view t = s.substr(1);
        size_t sep = t.find(": ");
        std::string_view fn = sep == std::string_view::npos ? trim(t) : t.substr(0, sep);
        if (fn.empty() || fn.find(' ') != std::string_view::npos) return false;
        out.kind = ForeignStackLine::Function;
        out.function = fn;
        return true;
      }
      size_t open = s.rfind(" (0x");
      if (open == std::string_view::npos || s.back() != ')') return false;
      auto pc = parse_hex(s.substr(open + 2, s.size() - open - 3));
      if (!pc) return false;
      out.kind = ForeignStackLine::File;
      out.pc = pc;
      return split_file_line(s.substr(0, open), out.file, out.line);
    }
    case StackDialect::Chi: {
      // Top frame: " -> FUNC", " ->   FILE:LINE"; then "    FUNC", "      FILE:LINE".
      std::string_view t = s;
      bool arrow = starts_with(t, " -> ");
      if (arrow) t = t.substr(4);
      size_t indent = 0;
      while (indent < t.size() && t[indent] == ' ') ++indent;
      std::string_view body = t.substr(indent);
      if (body.empty()) return false;
      if ((arrow && indent >= 2) || (!arrow && indent >= 6)) {
        out.kind = ForeignStackLine::File;
        return split_file_line(trim(body), out.file, out.line);
      }
      if (!arrow && indent != 4) return false;
      if (starts_with(body, "created by ")) {
        out.kind = ForeignStackLine::CreatedBy;
        std::string_view fn = body.substr(11);
        size_t in = fn.find(" in goroutine ");
        if (in != std::string_view::npos) {
          out.parent = parse_decimal(fn.substr(in + 14)).value_or(-1);
          fn = fn.substr(0, in);
        }
        out.function = fn;
        return true;
      }
      if (body.find(' ') != std::string_view::npos) return false;
      out.kind = ForeignStackLine::Function;
      out.function = body;
      return true;
    }
    case StackDialect::FileList: {
      std::string_view t = trim(s);
      if (t.empty() || (t[0] != '/' && !(t.size() > 2 && t[1] == ':'))) return false;
      out.kind = ForeignStackLine::File;
      if (!split_file_line(t, out.file, out.line)) return false;
      return ends_with(out.file, ".go") || ends_with(out.file, ".s");
    }
  }
  return false;
}

std::string package_from_path(std::string_view file) {
  std::string_view dir = file.substr(0, file.rfind('/') == std::string_view::npos ? 0 : file.rfind('/'));
  // Module cache: ".../pkg/mod/MODULE@VERSION/sub/dir".
  size_t mod = dir.find("/pkg/mod/");
  if (mod != std::string_view::npos) {
    std::string_view rest = dir.substr(mod + 9);
    size_t at = rest.find('@');
    if (at == std::string_view::npos) return "";
    std::string module(rest.substr(0, at));
    std::string_view after = rest.substr(at);
    size_t slash = after.find('/');
    std::string sub = slash == std::string_view::npos ? "" : std::string(after.substr(slash));
    // Module paths escape upper case as "!x".
    std::string out;
    for (size_t i = 0; i < module.size(); ++i) {
      if (module[i] == '!' && i + 1 < module.size())
        out.push_back(char(std::toupper(static_cast<unsigned char>(module[++i]))));
      else
        out.push_back(module[i]);
    }
    return out + sub;
  }
  // GOROOT: ".../go/src/net/http", "/root/sdk/go1.21.13/src/runtime",
  // ".../golang.org/toolchain@v0.0.1-go1.22.12.linux-amd64/src/runtime".
  size_t src = dir.rfind("/src/");
  if (src == std::string_view::npos) return "";
  std::string_view root = dir.substr(0, src);
  std::string_view last = root.substr(root.rfind('/') == std::string_view::npos ? 0 : root.rfind('/') + 1);
  bool goroot = last == "go" || starts_with(last, "go1.") || starts_with(last, "go-") ||
                root.find("golang.org/toolchain@") != std::string_view::npos;
  if (!goroot) return "";
  std::string_view pkg = dir.substr(src + 5);
  if (starts_with(pkg, "pkg/")) pkg = pkg.substr(4);  // GOROOT/src/pkg/ before Go 1.4
  std::string_view first = pkg.substr(0, pkg.find('/'));
  if (!pkg.empty() && first.find('.') == std::string_view::npos) return std::string(pkg);
  return "";
}

}  // namespace crashctl
