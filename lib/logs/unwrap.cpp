#include "logs/unwrap.h"

#include "gosyntax/parse.h"
#include "logs/json_scan.h"
#include "logs/line_prefix.h"
#include "logs/logfmt.h"
#include "logs/terminal.h"

#include "llvm/Support/Endian.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace crashctl::logs {

namespace {

// "2026-12-06T10:11:12.123456789Z" or "...+01:00"; returns its length, 0 if not one.
size_t rfc3339_length(std::string_view s) {
  auto digits = [&](size_t at, size_t n) {
    if (at + n > s.size()) return false;
    for (size_t i = 0; i < n; ++i)
      if (!is_digit(s[at + i])) return false;
    return true;
  };
  if (!digits(0, 4) || s.size() < 20 || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2) || s[10] != 'T' ||
      !digits(11, 2) || s[13] != ':' || !digits(14, 2) || s[16] != ':' || !digits(17, 2))
    return 0;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == start) return 0;
  }
  if (i < s.size() && s[i] == 'Z') return i + 1;
  if (i < s.size() && (s[i] == '+' || s[i] == '-') && digits(i + 1, 2) && i + 3 < s.size() && s[i + 3] == ':' &&
      digits(i + 4, 2))
    return i + 6;
  return 0;
}

// A journald field name: upper-case letters, digits and '_', not starting with a digit.
bool is_journal_field_name(std::string_view k) {
  if (k.empty() || is_digit(k[0])) return false;
  for (char c : k)
    if (!((c >= 'A' && c <= 'Z') || is_digit(c) || c == '_')) return false;
  return true;
}

template <class F>
void for_each_line(std::string_view text, F &&f) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (pos < text.size()) f(text.substr(pos));
      break;
    }
    std::string_view l = text.substr(pos, nl - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    f(l);
    pos = nl + 1;
  }
}

const char *const kMessageKeys[] = {"msg", "message", "Message", "M"};
const char *const kValueKeys[] = {"panic", "recovered", "recover", "error", "err", "reason", "exception", "value"};
const char *const kLevelKeys[] = {"level", "severity", "lvl", "L"};
const char *const kStackKeys[] = {"stacktrace", "stack", "stack_trace", "stackTrace", "trace", "panic_stack"};

template <size_t N>
int key_rank(const char *const (&keys)[N], std::string_view k) {
  for (size_t i = 0; i < N; ++i)
    if (k == keys[i]) return int(i);
  return -1;
}

}  // namespace

bool looks_like_stack(std::string_view s, StackForm &dialect) {
  if (s.find('\n') == std::string_view::npos) return false;
  for (size_t at = s.find("goroutine "); at != std::string_view::npos; at = s.find("goroutine ", at + 1)) {
    if (goroutine_header_at(s, at)) {
      dialect = StackForm::Goroutine;
      return true;
    }
  }
  // Frame pairs: a function line, then "\tFILE:LINE" (with or without +0x).
  size_t pairs = 0, with_args = 0;
  std::string_view prev;
  bool done = false;
  for_each_line(s, [&](std::string_view l) {
    if (done) return;
    if (!l.empty() && l[0] == '\t' && !prev.empty() && prev[0] != '\t' && prev[0] != ' ') {
      size_t colon = l.rfind(':');
      size_t go = l.find(".go:");
      if (colon != std::string_view::npos && go != std::string_view::npos && colon + 1 < l.size() &&
          is_digit(l[colon + 1])) {
        ++pairs;
        if (prev.back() == ')') ++with_args;
      }
    }
    prev = l;
    if (pairs >= 2) done = true;
  });
  if (pairs == 0) return false;
  dialect = with_args == pairs ? StackForm::Goroutine : StackForm::FrameLines;
  return true;
}

void LogUnwrapper::line(std::string_view raw, uint64_t offset) {
  line_end_ = offset + raw.size();
  while (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);  // "\r\r\n": CRLF text through a tty
  // The hot path: a line of crash text itself (frames, file lines, headers).
  if (!raw.empty() && (raw[0] == '\t' || (raw[0] >= 'a' && raw[0] <= 'z')) && idle() && !last_was_envelope_ &&
      scan_line(raw) == 0) {
    passed_through_ = true;
    sink_.line(raw, offset);
    return;
  }
  passed_through_ = false;
  // An empty line between the records of a container or journald stream is
  // not a line of the text they carry: it must not end a goroutine.
  bool after_envelope = last_was_envelope_;
  last_was_envelope_ = false;
  if (raw.empty() && after_envelope) {
    sink_.diagnostic(Severity::Note, offset, "skipped an empty line between log records");
    last_was_envelope_ = true;
    return;
  }
  line_inner(raw, offset);
  last_was_envelope_ = envelope_line_;
  envelope_line_ = false;
}

void LogUnwrapper::line_inner(std::string_view raw, uint64_t offset) {
  if (export_state_ != ExportState::Idle && export_line(raw, offset)) return;
  if (verbose_record_ && verbose_line(raw, offset)) return;
  if (!raw.empty()) {
    char c = raw[0];
    if (c == '{' && json_line(raw, offset, 0)) return;
    if (is_digit(c) && cri_line(raw, offset)) return;
    if (c == '_' && raw.size() > 9 && raw.compare(0, 9, "__CURSOR=") == 0) {
      export_state_ = ExportState::Fields;
      export_line(raw, offset);
      return;
    }
    if (verbose_header(raw)) {
      verbose_record_ = true;
      return;
    }
  }
  if (!klog_block_ && scan_line(raw) == 0) {
    passed_through_ = true;
    sink_.line(raw, offset);
    return;
  }
  payload(raw, offset, 0);
}

void LogUnwrapper::payload(std::string_view text, uint64_t offset, unsigned depth) {
  if (has_terminal_escape(text)) {
    std::string stripped;
    strip_terminal_escapes(text, stripped);
    payload_lines(stripped, offset, depth);
    return;
  }
  payload_lines(text, offset, depth);
}

void LogUnwrapper::payload_lines(std::string_view text, uint64_t offset, unsigned depth) {
  if (text.find('\n') == std::string_view::npos) {
    text_line(text, offset, depth);
    return;
  }
  std::string copy(text);  // text_line may reuse our scratch buffers
  for_each_line(copy, [&](std::string_view l) { text_line(l, offset, depth); });
}

void LogUnwrapper::text_line(std::string_view s, uint64_t offset, unsigned depth) {
  // A wrapper's text ends "\r\n" when the program wrote to a tty (docker run -t).
  while (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  // klog's multi-line value: its lines, one tab in, up to " >".
  if (klog_block_) {
    std::string_view body = s;
    if (klog_block_prefix_.empty() || klog_block_prefix_.strip(s, body)) {
      if (!body.empty() && body[0] == '\t') {
        sink_.line(body.substr(1), offset);
        return;
      }
      // journalctl's short formats expand the tab to 8 spaces (an empty
      // value line is just those).
      if (body.size() >= 8 && body.compare(0, 8, "        ") == 0) {
        sink_.line(body.substr(8), offset);
        return;
      }
    }
    klog_block_ = false;
    sink_.record_end(offset);
    if (body == " >") return;
  }
  if (depth < 3 && !s.empty()) {
    size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    if (i < s.size() && s[i] == '{' && json_line(s.substr(i), offset, depth + 1)) return;
    // A structured record after a prefix the pipeline added (a timestamp, a
    // journald or CI prefix): only one that carries a stack is taken.
    size_t open;
    if (s.back() == '}' && i < s.size() && s[i] != '{' && (open = s.find("{\"")) != std::string_view::npos &&
        open < 512 && json_record(s.substr(open), offset, depth + 1, /*only_with_stack=*/true))
      return;
    if (std::memchr(s.data(), '"', s.size()) && logfmt_record(s, offset)) return;
  }
  sink_.line(s, offset);
}

bool LogUnwrapper::verbose_header(std::string_view s) {
  // journalctl -o verbose: "Sun 2026-12-06 09:55:16.419890 UTC [s=...;i=3;...]"
  if (s.size() < 30 || s[3] != ' ' || s.back() != ']') return false;
  size_t open = s.find(" [s=");
  return open != std::string_view::npos && open > 20 && is_digit(s[4]) && s[8] == '-' && s[11] == '-';
}

bool LogUnwrapper::verbose_line(std::string_view s, uint64_t offset) {
  // "    FIELD=value" lines under each record header; only MESSAGE matters.
  if (verbose_header(s)) return true;
  if (s.size() > 4 && s.compare(0, 4, "    ") == 0) {
    std::string_view f = s.substr(4);
    size_t eq = f.find('=');
    if (eq != std::string_view::npos && is_journal_field_name(f.substr(0, eq))) {
      if (f.compare(0, 8, "MESSAGE=") == 0) payload(f.substr(8), offset + 12, 1);
      return true;
    }
  }
  verbose_record_ = false;
  return false;
}

bool LogUnwrapper::cri_line(std::string_view s, uint64_t offset) {
  // TIMESTAMP SP STREAM SP TAG SP TEXT  (kubelet's CRI log format)
  size_t ts = rfc3339_length(s);
  if (ts == 0 || ts >= s.size() || s[ts] != ' ') return false;
  std::string_view rest = s.substr(ts + 1);
  std::string_view stream;
  if (rest.compare(0, 7, "stdout ") == 0 || rest.compare(0, 7, "stderr ") == 0)
    stream = rest.substr(0, 6);
  else
    return false;
  rest.remove_prefix(7);
  size_t sp = rest.find(' ');
  std::string_view tags = rest.substr(0, sp);
  if (tags.empty() || (tags[0] != 'P' && tags[0] != 'F') || (tags.size() > 1 && tags[1] != ':')) return false;
  // No text ("...Z stderr F"): an empty view at the line's end, not a null one
  // (sinks copy it; its offset is computed from it below).
  std::string_view text = rest.substr(sp == std::string_view::npos ? rest.size() : sp + 1);
  envelope_line_ = true;
  uint64_t text_offset = offset + uint64_t(text.data() - s.data());
  // A whole line of plain text (most of a crash): straight to the sink.
  if (tags[0] == 'F' && partials_.empty() && !klog_block_ && (text.empty() || (text[0] != '{' && text[0] != ' ')) &&
      scan_line(text) == 0) {
    sink_.line(text, text_offset);
    return true;
  }
  join(Envelope::Cri, stream, text, tags[0] == 'F', text_offset, 1);
  return true;
}

void LogUnwrapper::join(Envelope envelope, std::string_view key, std::string_view chunk, bool last, uint64_t offset,
                        unsigned depth) {
  auto it = std::find_if(partials_.begin(), partials_.end(),
                         [&](const Partial &p) { return p.envelope == envelope && p.key == key; });
  if (it == partials_.end()) {
    if (last) {
      payload(chunk, offset, depth);
      return;
    }
    if (partials_.size() >= 64) {
      // Too many streams at once: give the oldest out as it is.
      Partial old = std::move(partials_.front());
      partials_.erase(partials_.begin());
      sink_.diagnostic(Severity::Warning, old.offset, "a partial log line was never completed; read as it was");
      payload(old.text, old.offset, depth);
    }
    partials_.push_back({envelope, std::string(key), std::string(chunk), offset});
    return;
  }
  if (it->text.size() + chunk.size() > kMaxJoined) {
    sink_.diagnostic(Severity::Warning, it->offset,
                     "a log line joined from partial chunks is longer than 16 MiB; read in pieces");
    Partial p = std::move(*it);
    partials_.erase(it);
    payload(p.text, p.offset, depth);
    join(envelope, key, chunk, last, offset, depth);
    return;
  }
  it->text.append(chunk);
  if (!last) return;
  Partial p = std::move(*it);
  partials_.erase(it);
  payload(p.text, p.offset, depth);
}

bool LogUnwrapper::json_line(std::string_view s, uint64_t offset, unsigned depth) {
  // Envelopes first: their payload is text (or another record) to unwrap.
  const JsonMember *log = nullptr, *output = nullptr, *message = nullptr;
  JsonMember log_m, output_m, message_m, stream_m, package_m, test_m;
  bool has_stream = false, has_time = false, has_action = false, journal_keys = false, has_package = false,
       has_test = false;
  JsonObjectScanner scanner(s);
  bool ok = scanner.scan([&](const JsonMember &m) {
    std::string_view k = m.key;
    if (m.key_escaped) return true;  // envelope keys are plain ASCII
    if (k == "log" && m.kind == JsonKind::String)
      log_m = m, log = &log_m;
    else if (k == "stream")
      stream_m = m, has_stream = true;
    else if (k == "time" || k == "Time")
      has_time = true;
    else if (k == "Action")
      has_action = true;
    else if (k == "Output" && m.kind == JsonKind::String)
      output_m = m, output = &output_m;
    else if (k == "Package")
      package_m = m, has_package = true;
    else if (k == "Test")
      test_m = m, has_test = true;
    else if (k == "MESSAGE")
      message_m = m, message = &message_m;
    else if (!k.empty() && (k[0] == '_' || k == "PRIORITY" || k.compare(0, 7, "SYSLOG_") == 0))
      journal_keys = true;
    return true;
  });
  if (!ok) return false;  // not JSON: plain text that starts with '{'
  if (log && (has_stream || has_time)) {
    // docker json-file: {"log":"TEXT\n","stream":"stderr","time":"..."}; no "\n" at the end: a partial line.
    envelope_line_ = true;
    std::string text;
    decode_json_string(log->raw, log->value_escaped, text);
    bool last = !text.empty() && text.back() == '\n';
    if (last) text.pop_back();
    join(Envelope::Docker, has_stream ? stream_m.raw : std::string_view("log"), text, last, offset, depth + 1);
    return true;
  }
  if (output && has_action) {
    // go test -json: {"Action":"output","Package":"p","Test":"TestX","Output":"TEXT\n"}
    envelope_line_ = true;
    std::string text;
    decode_json_string(output->raw, output->value_escaped, text);
    bool last = !text.empty() && text.back() == '\n';
    if (last) text.pop_back();
    std::string key = std::string(has_package ? package_m.raw : std::string_view()) + '\0' +
                      std::string(has_test ? test_m.raw : std::string_view());
    join(Envelope::Test2Json, key, text, last, offset, depth + 1);
    return true;
  }
  if (message && journal_keys) {
    // journalctl -o json: MESSAGE is a string, or an array of bytes when it
    // holds control characters or invalid UTF-8, or null.
    envelope_line_ = true;
    std::string text;
    if (message->kind == JsonKind::String) {
      decode_json_string(message->raw, message->value_escaped, text);
    } else if (message->kind == JsonKind::Array) {
      if (!decode_json_byte_array(message->raw, text)) {
        sink_.diagnostic(Severity::Warning, offset, "journald MESSAGE is an array but not of byte values; skipped");
        return true;
      }
    } else {
      sink_.missing_line(offset,
                         "journalctl wrote a MESSAGE as null (a message over 4096 bytes; "
                         "journalctl -a shows it)");
      return true;
    }
    payload(text, offset, depth + 1);
    return true;
  }
  if (klog_block_) {  // a record is not a line of an open klog block: it ends the block
    klog_block_ = false;
    sink_.record_end(offset);
  }
  return json_record(s, offset, depth);
}

bool LogUnwrapper::json_record(std::string_view s, uint64_t offset, unsigned depth, bool only_with_stack) {
  // A structured logger's record. Only records carrying a multi-line value
  // matter here; others become their message line.
  LogRecord r;
  r.offset = offset;
  r.format = "json";
  bool has_ts = false, has_caller = false, has_msg = false, has_message = false, echo = false;
  int msg_rank = 99, value_rank = 99, level_rank = 99, stack_rank = 99;
  std::string stack_text, stack_key;
  StackForm dialect = StackForm::Goroutine;
  std::string msg_text;
  JsonObjectScanner scanner(s);
  bool ok = scanner.scan([&](const JsonMember &m) {
    std::string key;
    decode_json_string(m.key, m.key_escaped, key);
    has_ts |= key == "ts";
    has_caller |= key == "caller";
    has_msg |= key == "msg";
    has_message |= key == "message";
    echo |= key == "prefix" && m.raw == "echo";
    if (m.kind != JsonKind::String) return true;
    int rank;
    if ((rank = key_rank(kMessageKeys, key)) >= 0 && rank < msg_rank) {
      msg_rank = rank;
      msg_text.clear();
      decode_json_string(m.raw, m.value_escaped, msg_text);
    }
    if ((rank = key_rank(kValueKeys, key)) >= 0 && rank < value_rank) {
      value_rank = rank;
      r.value.clear();
      decode_json_string(m.raw, m.value_escaped, r.value);
      r.value_field = key;
    }
    if ((rank = key_rank(kLevelKeys, key)) >= 0 && rank < level_rank) {
      level_rank = rank;
      r.level.clear();
      decode_json_string(m.raw, m.value_escaped, r.level);
    }
    // A stack: a multi-line value in the form of one (named keys first).
    if (m.value_escaped && m.raw.find("\\n") != std::string_view::npos) {
      int srank = key_rank(kStackKeys, key);
      if (srank < 0) srank = 50;
      if (srank < stack_rank) {
        std::string text;
        decode_json_string(m.raw, true, text);
        StackForm d;
        if (looks_like_stack(text, d)) {
          stack_rank = srank;
          stack_text = std::move(text);
          stack_key = key;
          dialect = d;
        }
      }
    }
    return true;
  });
  if (!ok) return false;
  if (stack_key.empty()) {
    if (only_with_stack) return false;
    if (msg_rank != 99)
      payload(msg_text, offset, depth);
    else
      sink_.line(s, offset);
    return true;
  }
  r.message = msg_text;
  // Which logger wrote it, where its field names tell (formats/logs.md).
  bool upper = !r.level.empty() && std::isupper(static_cast<unsigned char>(r.level[0]));
  if (echo)
    r.logger = "echo";
  else if (has_ts && has_caller)
    r.logger = "zap";
  else if (has_message && !has_msg)
    r.logger = "zerolog";
  else if (has_msg && upper)
    r.logger = "slog";
  else if (has_msg && !r.level.empty())
    r.logger = "logrus";
  r.stack_field = stack_key;
  // The value field may be the stack itself (a logged debug.Stack() in "error").
  if (r.value_field == stack_key) r.value.clear(), r.value_field.clear();
  sink_.record_begin(r);
  if (msg_rank != 99 && stack_key != kMessageKeys[msg_rank]) payload(msg_text, offset, 3);
  sink_.stack_begin(dialect, offset);
  payload(stack_text, offset, 3);
  sink_.record_end(std::max(line_end_, offset + s.size()));  // the end of the physical line
  return true;
}

bool LogUnwrapper::logfmt_record(std::string_view s, uint64_t offset) {
  // klog's multi-line value opener ends the line: `... stacktrace=<`.
  bool klog_block = s.size() >= 2 && s.compare(s.size() - 2, 2, "=<") == 0;
  if (!klog_block && s.find("\\n") == std::string_view::npos) return false;
  // Skip a klog/glog header ("E1206 10:11:12.123456   12345 file.go:12] "),
  // and whatever a pipeline put before it (a journald or CI prefix).
  size_t start = 0, header_at = 0;
  for (size_t i = 0; i < std::min<size_t>(s.size(), 256); ++i) {
    if (size_t n = klog_header_length(s.substr(i))) {
      header_at = i;
      start = i + n;
      break;
    }
  }
  std::vector<LogfmtField> fields;
  if (!parse_logfmt(s.substr(start), fields)) return false;
  LogRecord r;
  r.offset = offset;
  r.format = klog_block ? "klog" : "logfmt";
  int msg_rank = 99, value_rank = 99, level_rank = 99, stack_rank = 99;
  std::string stack_text;
  StackForm dialect = StackForm::Goroutine;
  for (const LogfmtField &f : fields) {
    int rank;
    if (f.key.empty() && f.quoted && msg_rank == 99) {
      msg_rank = 0;
      r.message = f.value;
      continue;
    }
    if ((rank = key_rank(kMessageKeys, f.key)) >= 0 && rank < msg_rank) msg_rank = rank, r.message = f.value;
    if ((rank = key_rank(kValueKeys, f.key)) >= 0 && rank < value_rank)
      value_rank = rank, r.value = f.value, r.value_field = f.key;
    if ((rank = key_rank(kLevelKeys, f.key)) >= 0 && rank < level_rank) level_rank = rank, r.level = f.value;
    if (klog_block && &f == &fields.back() && f.value == "<") {
      r.stack_field = f.key;
      continue;
    }
    if (f.quoted && f.value.find('\n') != std::string::npos) {
      int srank = key_rank(kStackKeys, f.key);
      if (srank < 0) srank = 50;
      StackForm d;
      if (srank < stack_rank && looks_like_stack(f.value, d)) {
        stack_rank = srank;
        stack_text = f.value;
        r.stack_field = f.key;
        dialect = d;
      }
    }
  }
  if (r.stack_field.empty()) return false;
  if (r.value_field == r.stack_field) r.value.clear(), r.value_field.clear();
  if (klog_block) {
    if (start == 0 || r.level.empty()) r.level = std::string(1, s[0]);
    sink_.record_begin(r);
    if (!r.message.empty()) payload(r.message, offset, 3);
    sink_.stack_begin(StackForm::Goroutine, offset);
    klog_block_ = true;  // the lines that follow, tab-indented, up to " >"
    klog_block_prefix_ = LinePrefix(s.substr(0, header_at));
    return true;
  }
  // logrus quotes its time and writes levels in lower case; slog does neither.
  bool quoted_time = !fields.empty() && fields.front().key == "time" && fields.front().quoted;
  if (!r.level.empty() && std::isupper(static_cast<unsigned char>(r.level[0])))
    r.logger = "slog";
  else if (quoted_time)
    r.logger = "logrus";
  sink_.record_begin(r);
  if (!r.message.empty() && r.message.find('\n') == std::string::npos) payload(r.message, offset, 3);
  sink_.stack_begin(dialect, offset);
  payload(stack_text, offset, 3);
  sink_.record_end(std::max(line_end_, offset + s.size()));  // the end of the physical line
  return true;
}

bool LogUnwrapper::export_line(std::string_view s, uint64_t offset) {
  // journalctl -o export: KEY=VALUE lines, an empty line between records;
  // a binary-safe field is "KEY\n", a little-endian 64-bit length, the bytes, "\n".
  if (export_state_ == ExportState::Binary && export_skip_ > 0) {
    // The rest of a field longer than we read, and the "\n" that ends it.
    uint64_t n = s.size() + 1;
    if (n < export_skip_) {
      export_skip_ -= n;
      return true;
    }
    if (n > export_skip_)
      sink_.diagnostic(Severity::Warning, offset, "journal export: a binary field's length does not match its bytes");
    export_skip_ = 0;
    export_state_ = ExportState::Fields;
    return true;
  }
  if (export_state_ == ExportState::Binary) {
    bool had_length = export_binary_.size() >= 8;
    export_binary_.append(s);
    export_binary_.push_back('\n');  // the reader took it as a line end
    if (export_binary_.size() < 8) return true;
    uint64_t real = llvm::support::endian::read64le(export_binary_.data());
    uint64_t len = std::min<uint64_t>(real, kMaxJoined);
    // Once, not on every line of the field; at its length, which lies in
    // the input (its bytes may start past a cut input's end).
    if (real > kMaxJoined && !had_length)
      sink_.diagnostic(
          Severity::Warning, export_binary_offset_ - 8,
          "journal export: a binary field of " + std::to_string(real) + " bytes; only its first 16 MiB are read");
    if (export_binary_.size() < 8 + len + (real > kMaxJoined ? 0 : 1)) return true;
    // The field's bytes, then the "\n" that ends it.
    if (export_binary_message_) payload(std::string_view(export_binary_).substr(8, len), export_binary_offset_, 1);
    uint64_t taken = export_binary_.size() - 8;  // of the field and its "\n"
    export_binary_.clear();
    if (taken < real + 1) {
      export_skip_ = real + 1 - taken;
      return true;
    }
    export_state_ = ExportState::Fields;
    if (taken != real + 1)
      sink_.diagnostic(Severity::Warning, offset, "journal export: a binary field's length does not match its bytes");
    return true;
  }
  if (s.empty()) return true;  // between records
  size_t eq = s.find('=');
  std::string_view key = s.substr(0, eq);
  if (!is_journal_field_name(key)) {
    export_state_ = ExportState::Idle;  // not export format any more
    return false;
  }
  if (eq == std::string_view::npos) {
    export_state_ = ExportState::Binary;
    export_binary_.clear();
    export_binary_message_ = key == "MESSAGE";
    export_binary_offset_ = offset + s.size() + 1 + 8;
    return true;
  }
  if (key == "MESSAGE") payload(s.substr(eq + 1), offset + eq + 1, 1);
  return true;
}

void LogUnwrapper::finish(uint64_t end_offset) {
  if (export_state_ == ExportState::Binary && (!export_binary_.empty() || export_skip_ > 0))  // at the field's length
    sink_.diagnostic(Severity::Warning, export_binary_offset_ - 8, "journal export: input ends inside a binary field");
  export_state_ = ExportState::Idle;
  export_skip_ = 0;
  verbose_record_ = false;
  std::vector<Partial> left = std::move(partials_);
  partials_.clear();
  for (Partial &p : left) {
    sink_.diagnostic(Severity::Note, p.offset, "input ends inside a partial log line; read as it was");
    payload(p.text, p.offset, 1);
  }
  // Last: a partial line may continue a klog block, or open one.
  if (klog_block_) {
    klog_block_ = false;
    sink_.record_end(end_offset);
  }
}

}  // namespace crashctl::logs
