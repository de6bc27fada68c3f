// .go.buildinfo: the Go version and module information the go command embeds
// (debug/buildinfo and runtime/debug.ParseBuildInfo in the Go sources).
#include "binary/executable_impl.h"

#include "llvm/Support/DataExtractor.h"

namespace crashctl::binary {

namespace {

constexpr std::string_view kMagic = "\xff Go buildinf:";
constexpr size_t kHeaderSize = 32;
constexpr size_t kMaxString = 16 << 20;

// A uvarint-prefixed string at the start of `s`, which loses it.
bool read_varint_string(std::string_view &s, std::string &out) {
  llvm::DataExtractor data(llvm::StringRef(s.data(), s.size()), /*IsLittleEndian=*/true, 8);
  llvm::DataExtractor::Cursor c(0);
  uint64_t n = data.getULEB128(c);
  llvm::StringRef bytes = data.getBytes(c, n);
  if (!c) {
    llvm::consumeError(c.takeError());
    return false;
  }
  out.assign(bytes.data(), bytes.size());
  s.remove_prefix(c.tell());
  return true;
}

// strconv.Unquote for the quoted keys and values of "build" lines.
std::optional<std::string> unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != s.back()) return std::nullopt;
  if (s.front() == '`') return std::string(s.substr(1, s.size() - 2));
  if (s.front() != '"') return std::nullopt;
  std::string out;
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto put_utf8 = [&](uint32_t cp) {
    if (cp < 0x80)
      out += char(cp);
    else if (cp < 0x800) {
      out += char(0xc0 | cp >> 6);
      out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += char(0xe0 | cp >> 12);
      out += char(0x80 | (cp >> 6 & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    } else {
      out += char(0xf0 | cp >> 18);
      out += char(0x80 | (cp >> 12 & 0x3f));
      out += char(0x80 | (cp >> 6 & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    }
  };
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '"') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i + 1 >= s.size()) return std::nullopt;
    char e = s[i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\':
      case '"':
      case '\'': out += e; break;
      case 'x':
      case 'u':
      case 'U': {
        size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + digits >= s.size() - 1) return std::nullopt;
        uint32_t v = 0;
        for (size_t k = 1; k <= digits; ++k) {
          int h = hexval(s[i + k]);
          if (h < 0) return std::nullopt;
          v = v << 4 | uint32_t(h);
        }
        i += digits;
        if (e == 'x')
          out += char(v);
        else
          put_utf8(v);
        break;
      }
      default:
        if (e >= '0' && e <= '7' && i + 2 < s.size() - 1) {
          uint32_t v = 0;
          for (size_t k = 0; k < 3; ++k) {
            char d = s[i + k];
            if (d < '0' || d > '7') return std::nullopt;
            v = v * 8 + uint32_t(d - '0');
          }
          i += 2;
          out += char(v);
          break;
        }
        return std::nullopt;
    }
  }
  return out;
}

std::vector<std::string_view> split_tabs(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t t = s.find('\t');
    out.push_back(s.substr(0, t));
    if (t == std::string_view::npos) break;
    s.remove_prefix(t + 1);
  }
  return out;
}

bool module_from(const std::vector<std::string_view> &cols, Module &m) {
  if (cols.size() != 2 && cols.size() != 3) return false;
  m.path = cols[0];
  m.version = cols[1];
  m.sum = cols.size() == 3 ? std::string(cols[2]) : "";
  return true;
}

}  // namespace

// Malformed lines are skipped (ParseBuildInfo would reject the whole text;
// for a crash report partial information is more useful).
void parse_modinfo(std::string_view text, BuildInfo &out) {
  Module *last = nullptr;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) break;  // as ParseBuildInfo: an unterminated last line is ignored
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    auto starts = [&](std::string_view p) { return line.substr(0, p.size()) == p; };
    if (starts("path\t")) {
      out.path = line.substr(5);
    } else if (starts("mod\t")) {
      last = module_from(split_tabs(line.substr(4)), out.main) ? &out.main : nullptr;
    } else if (starts("dep\t")) {
      Module m;
      if (module_from(split_tabs(line.substr(4)), m)) {
        out.deps.push_back(std::move(m));
        last = &out.deps.back();
      } else {
        last = nullptr;
      }
    } else if (starts("=>\t")) {
      auto cols = split_tabs(line.substr(3));
      if (cols.size() == 3 && last) {
        last->replaced_by = std::string(cols[0]);
        if (!cols[1].empty()) last->replaced_by += " " + std::string(cols[1]);
      }
      last = nullptr;
    } else if (starts("build\t")) {
      std::string_view kv = line.substr(6);
      if (kv.empty() || kv[0] == '=') continue;
      std::string key;
      std::string_view raw;
      if (kv[0] == '"' || kv[0] == '`') {
        // The quoted key ends at the first unescaped closing quote.
        size_t end = 1;
        while (end < kv.size() && kv[end] != kv[0]) end += (kv[0] == '"' && kv[end] == '\\') ? 2 : 1;
        if (end >= kv.size() || end + 1 >= kv.size() || kv[end + 1] != '=') continue;
        auto k = unquote(kv.substr(0, end + 1));
        if (!k) continue;
        key = *k;
        raw = kv.substr(end + 2);
      } else {
        size_t eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        key = kv.substr(0, eq);
        raw = kv.substr(eq + 1);
      }
      std::string value;
      if (!raw.empty() && (raw[0] == '"' || raw[0] == '`')) {
        auto v = unquote(raw);
        if (!v) continue;
        value = *v;
      } else {
        value = raw;
      }
      out.settings.emplace_back(std::move(key), std::move(value));
    }
  }
}

std::optional<BuildInfo> Executable::build_info() const {
  const Impl &im = *impl_;
  const SectionInfo *sec = im.section(".go.buildinfo");
  if (!sec || !sec->in_file || sec->size < kHeaderSize) return std::nullopt;
  std::string_view data = im.file().substr(sec->offset, sec->size);
  if (data.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  const uint8_t ptr_size = uint8_t(data[14]), flags = uint8_t(data[15]);
  std::string version, modinfo;
  if (flags & 2) {  // Go 1.18+: two varint-prefixed strings after the header
    std::string_view rest = data.substr(kHeaderSize);
    if (!read_varint_string(rest, version)) return std::nullopt;
    if (!read_varint_string(rest, modinfo)) modinfo.clear();
  } else {                                                  // before 1.18: pointers to Go string headers
    if (ptr_size != 8 || (flags & 1)) return std::nullopt;  // 64-bit little-endian only
    auto read_string = [&](uint64_t header_addr, std::string &out) {
      char hdr[16];
      if (!im.read(header_addr, hdr, 16)) return false;
      uint64_t ptr = load_u64(hdr), len = load_u64(hdr + 8);
      if (len > kMaxString) return false;
      out.resize(len);
      return im.read(ptr, out.data(), len);
    };
    if (!read_string(load_u64(data.data() + 16), version)) return std::nullopt;
    if (!read_string(load_u64(data.data() + 24), modinfo)) modinfo.clear();
  }
  if (version.empty()) return std::nullopt;
  BuildInfo bi;
  bi.go_version = version;
  // modinfo is framed by 16-byte sentinels; the last sentinel follows a newline.
  if (modinfo.size() >= 33 && modinfo[modinfo.size() - 17] == '\n')
    parse_modinfo(std::string_view(modinfo).substr(16, modinfo.size() - 32), bi);
  return bi;
}

}  // namespace crashctl::binary
