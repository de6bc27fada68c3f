// libFuzzer target for log unwrapping (logs::LogUnwrapper and the wrapped-log
// path of the pipeline). The input goes through analyze_bytes, and line by
// line through a LogUnwrapper whose sink checks the LineSink contract:
// lines hold no '\n', trailing '\r' or ESC; record_begin, stack_begin and
// record_end come in that order without nesting; no offset lies past the
// input; after finish() nothing is held (idle()).
// The same input read as logs::UnwrappedText (read in odd-sized pieces) must
// give events in text order with the same nesting, one map line per text
// line, and map every text offset inside the input.
// A first byte of 1..9 makes the rest of the input (after a parameter byte)
// the text inside a wrapper, synthesized here, so that the fuzzer reaches
// deep paths without learning the formats: 1 CRI lines (P/F chunks),
// 2 docker json-file, 3 journalctl -o export (binary MESSAGE fields),
// 4 journalctl -o json, 5 go test -json, 6 a zap record's stacktrace,
// 7 a logrus logfmt record's stack, 8 a klog stacktrace=< block,
// 9 journalctl -o verbose.
//   ninja -C build-fuzz fuzz_unwrap
//   build-fuzz/fuzz/fuzz_unwrap -max_total_time=600 corpus/ fuzz/corpus/unwrap
#include "io/input.h"
#include "logs/unwrap.h"
#include "logs/unwrapped_text.h"
#include "pipeline/analyze.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace crashctl;

class CheckingSink final : public logs::LineSink {
public:
  explicit CheckingSink(uint64_t size) : size_(size) {}
  void line(std::string_view text, uint64_t offset) override {
    at(offset);
    if (text.find('\n') != std::string_view::npos) __builtin_trap();
    if (!text.empty() && text.back() == '\r') __builtin_trap();
    if (text.find('\x1b') != std::string_view::npos) __builtin_trap();
  }
  void record_begin(const logs::LogRecord &record) override {
    at(record.offset);
    if (in_record_) __builtin_trap();
    if (std::strlen(record.format) == 0 || record.stack_field.empty()) __builtin_trap();
    in_record_ = true;
    in_stack_ = false;
  }
  void stack_begin(logs::StackForm, uint64_t offset) override {
    at(offset);
    if (!in_record_ || in_stack_) __builtin_trap();
    in_stack_ = true;
  }
  void record_end(uint64_t offset) override {
    at(offset);
    if (!in_record_ || !in_stack_) __builtin_trap();
    in_record_ = in_stack_ = false;
  }
  void diagnostic(Severity, uint64_t offset, std::string message) override {
    at(offset);
    if (message.empty()) __builtin_trap();
  }
  void missing_line(uint64_t offset, std::string why) override {
    at(offset);
    if (why.empty()) __builtin_trap();
  }
  bool in_record() const { return in_record_; }

private:
  void at(uint64_t offset) const {
    if (offset > size_) __builtin_trap();
  }
  uint64_t size_;
  bool in_record_ = false, in_stack_ = false;
};

// --- wrappers ------------------------------------------------------------------

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

// Pieces of LINE at most CHUNK bytes long (0: whole); at least one.
std::vector<std::string_view> chunks(std::string_view line, size_t chunk) {
  std::vector<std::string_view> out;
  if (chunk == 0 || line.size() <= chunk) return {line};
  for (size_t i = 0; i < line.size(); i += chunk) out.push_back(line.substr(i, chunk));
  return out;
}

// S as a double-quoted string: JSON escapes control bytes as \u00XX, Go's
// strconv.Quote (logfmt values) as \xXX and DEL too.
void quote(std::string &out, std::string_view s, bool go) {
  static const char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(char(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || (go && c == 0x7f)) {
      out += go ? "\\x" : "\\u00";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.push_back(char(c));
    }
  }
  out.push_back('"');
}
void json_quote(std::string &out, std::string_view s) {
  quote(out, s, false);
}
void go_quote(std::string &out, std::string_view s) {
  quote(out, s, true);
}

bool plain_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}

std::string synthesize(unsigned mode, uint8_t param, std::string_view text) {
  static const char kStamp[] = "2026-12-06T10:11:12.123456789Z";
  size_t chunk = param & 0x80 ? 1 + (param & 0x3f) : 0;
  std::vector<std::string_view> lines = split_lines(text);
  std::string out;
  switch (mode) {
    case 1:  // CRI
      for (size_t n = 0; n < lines.size(); ++n) {
        std::vector<std::string_view> cs = chunks(lines[n], chunk);
        const char *stream = (param & 0x40) && n % 2 ? "stdout" : "stderr";
        for (size_t i = 0; i < cs.size(); ++i) {
          out += kStamp;
          out += ' ';
          out += stream;
          out += i + 1 == cs.size() ? " F " : " P ";
          out += cs[i];
          out += '\n';
        }
      }
      break;
    case 2:  // docker json-file
    case 5:  // go test -json
      for (std::string_view l : lines) {
        std::vector<std::string_view> cs = chunks(l, chunk);
        for (size_t i = 0; i < cs.size(); ++i) {
          std::string piece(cs[i]);
          if (i + 1 == cs.size()) piece.push_back('\n');
          if (mode == 2) {
            out += "{\"log\":";
            json_quote(out, piece);
            out += ",\"stream\":\"stderr\",\"time\":\"";
            out += kStamp;
            out += "\"}\n";
          } else {
            out += "{\"Time\":\"";
            out += kStamp;
            out += "\",\"Action\":\"output\",\"Package\":\"example.com/p\",\"Test\":\"TestX\",\"Output\":";
            json_quote(out, piece);
            out += "}\n";
          }
        }
      }
      break;
    case 3: {  // journalctl -o export; param & 2: the whole text is one message
      if (param & 2) lines = {text};
      unsigned i = 0;
      for (std::string_view l : lines) {
        out += "__CURSOR=s=0;i=" + std::to_string(++i) + "\n__REALTIME_TIMESTAMP=1765015872000000\nPRIORITY=3\n";
        if ((param & 1) || !plain_ascii(l)) {
          out += "MESSAGE\n";
          uint64_t n = l.size();
          for (int b = 0; b < 8; ++b) out.push_back(char(n >> (8 * b)));
          out += l;
          out += '\n';
        } else {
          out += "MESSAGE=";
          out += l;
          out += '\n';
        }
        out += "_PID=42\n\n";
      }
      break;
    }
    case 4:  // journalctl -o json
      for (std::string_view l : lines) {
        out += "{\"__CURSOR\":\"s=0\",\"PRIORITY\":\"3\",\"MESSAGE\":";
        if ((param & 1) || !plain_ascii(l)) {
          out += '[';
          for (size_t i = 0; i < l.size(); ++i) {
            if (i) out += ',';
            out += std::to_string(static_cast<unsigned char>(l[i]));
          }
          out += ']';
        } else {
          json_quote(out, l);
        }
        out += ",\"_PID\":\"42\"}\n";
      }
      break;
    case 6: {  // zap: the first line is the message, the rest the stacktrace
      std::string_view msg = lines.empty() ? std::string_view() : lines[0];
      std::string_view rest = text.substr(std::min(text.size(), msg.size() + 1));
      out += "{\"level\":\"error\",\"ts\":1765015872.5,\"msg\":";
      json_quote(out, msg);
      out += ",\"error\":\"boom\",\"stacktrace\":";
      json_quote(out, rest);
      out += "}\n";
      break;
    }
    case 7: {  // logrus text formatter
      std::string_view msg = lines.empty() ? std::string_view() : lines[0];
      std::string_view rest = text.substr(std::min(text.size(), msg.size() + 1));
      out += "time=\"2026-12-06T10:11:12Z\" level=error msg=";
      go_quote(out, msg);
      out += " panic=boom stack=";
      go_quote(out, rest);
      out += '\n';
      break;
    }
    case 8:  // klog: the first line is the panic value, the rest the block
      out += "E1206 10:11:12.123456   12345 runtime.go:79] \"Observed a panic\" panic=";
      go_quote(out, lines.empty() ? std::string_view() : lines[0]);
      out += " stacktrace=<\n";
      for (size_t i = 1; i < lines.size(); ++i) {
        out += '\t';
        out += lines[i];
        out += '\n';
      }
      if (!(param & 1)) out += " >\n";
      break;
    case 9: {  // journalctl -o verbose
      unsigned i = 0;
      for (std::string_view l : lines) {
        out += "Sun 2026-12-06 10:11:12.123456 UTC [s=0;i=" + std::to_string(++i) + ";b=1;m=2;t=3;x=4]\n";
        out += "    PRIORITY=3\n    MESSAGE=";
        out += l;
        out += "\n    _PID=42\n";
      }
      break;
    }
  }
  return out;
}

void check_analysis(std::string_view bytes) {
  Input in = analyze_bytes(bytes, "fuzz-input", AnalysisOptions{});
  bool text = in.format == InputFormat::Traceback && in.compression == Compression::None;
  for (const Report &r : in.reports) {
    if (r.end_offset < r.offset) __builtin_trap();
    if (text && r.end_offset > bytes.size()) __builtin_trap();
    if (!r.verdict.cls) __builtin_trap();
    for (const Goroutine &g : r.process.goroutines)
      if (!g.stack) __builtin_trap();
  }
  for (const Diagnostic &d : in.diagnostics) {
    if (d.message.empty()) __builtin_trap();
    if (text && d.offset > bytes.size()) __builtin_trap();
  }
}

void check_unwrapper(std::string_view bytes) {
  CheckingSink sink(bytes.size());
  logs::LogUnwrapper unwrap(sink);
  std::unique_ptr<ByteSource> src = memory_source(bytes, "fuzz-input");
  LineReader reader(*src, "fuzz-input");
  std::string_view line;
  uint64_t offset = 0;
  while (reader.next(line, offset)) {
    if (offset + line.size() > bytes.size()) __builtin_trap();
    unwrap.line(line, offset);
  }
  unwrap.finish(reader.bytes_read());
  if (!unwrap.idle() || sink.in_record()) __builtin_trap();
}

void check_unwrapped_text(std::string_view bytes) {
  std::unique_ptr<ByteSource> src = memory_source(bytes, "fuzz-input");
  LineReader raw(*src, "fuzz-input");
  logs::UnwrappedText text(raw, *src);
  std::string out;
  char buf[1021];
  for (;;) {
    llvm::Expected<size_t> n = text.read(buf, sizeof buf);
    if (!n) {
      llvm::consumeError(n.takeError());
      break;
    }
    if (*n == 0) break;
    out.append(buf, *n);
  }
  logs::TextEvent e;
  uint64_t last = 0;
  bool in_record = false, in_stack = false;
  while (text.pop_event(UINT64_MAX, e)) {
    if (e.text_offset < last || e.text_offset > out.size()) __builtin_trap();
    last = e.text_offset;
    switch (e.kind) {
      case logs::TextEvent::RecordBegin:
        if (in_record) __builtin_trap();
        in_record = true;
        break;
      case logs::TextEvent::StackBegin:
        if (!in_record || in_stack) __builtin_trap();
        in_stack = true;
        break;
      case logs::TextEvent::RecordEnd:
        if (!in_record || !in_stack) __builtin_trap();
        in_record = in_stack = false;
        break;
      case logs::TextEvent::MissingLine: break;
    }
  }
  if (in_record) __builtin_trap();
  uint64_t lines = 0;
  for (char c : out) lines += c == '\n';
  if (text.map().lines() != lines) __builtin_trap();
  logs::OffsetMap::Cursor cursor(text.map());
  for (uint64_t t = 0; t < out.size(); ++t)
    if (cursor.to_input(t) > bytes.size()) __builtin_trap();
  for (const Diagnostic &d : text.diagnostics())
    if (d.offset > bytes.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  std::string wrapped;
  if (size >= 2 && data[0] >= 1 && data[0] <= 9) {
    wrapped = synthesize(data[0], data[1], bytes.substr(2));
    bytes = wrapped;
  }
  check_unwrapper(bytes);
  check_unwrapped_text(bytes);
  check_analysis(bytes);
  return 0;
}
