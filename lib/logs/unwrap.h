// Crash text inside logs. A log line may wrap the text (a container runtime's
// CRI line, docker's json-file object, journald's JSON or export record,
// go test -json) or carry it in a field of a structured record (zap, zerolog,
// slog, logrus, echo, klog). LogUnwrapper turns physical lines into the
// logical lines of text they carry, joining the chunks that runtimes split
// long lines into, and tells its sink where structured records begin and end
// so that a stack logged in a field is read with the record's panic value.
// formats/logs.md describes every form with a real example.
#pragma once

#include "logs/line_prefix.h"
#include "model/report.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crashctl::logs {

// How the lines of a logged stack are laid out.
enum class StackForm : uint8_t {
  Goroutine,   // the runtime's own: "goroutine N [...]:", "FUNC(ARGS)", "\tFILE:LINE +0xOFF"
  FrameLines,  // "FUNC" and "\tFILE:LINE" pairs, no header, no arguments (zap's stacktrace)
};

// A structured record that carried a stack.
struct LogRecord {
  uint64_t offset = 0;      // where the record starts in the input
  const char *format = "";  // "json", "logfmt", "klog"
  const char *logger = "";  // "zap", "zerolog", "slog", "logrus", "echo" when the field names tell
  std::string level;        // "error", "E", ... as written; "" when absent
  std::string message;      // msg / message
  std::string value;        // the panic value: panic / error / err field; "" when absent
  std::string value_field;  // which field held it
  std::string stack_field;  // which field held the stack
};

class LineSink {
public:
  virtual ~LineSink() = default;
  // A logical line: no '\n', no trailing '\r', no terminal escapes.
  virtual void line(std::string_view text, uint64_t offset) = 0;
  // A structured record with a stack: record_begin, its message's lines,
  // stack_begin, the stack's lines, record_end.
  virtual void record_begin(const LogRecord &record) = 0;
  virtual void stack_begin(StackForm dialect, uint64_t offset) = 0;
  virtual void record_end(uint64_t offset) = 0;
  virtual void diagnostic(Severity severity, uint64_t offset, std::string message) = 0;
  // A line the pipeline dropped or replaced (journalctl's null MESSAGE).
  virtual void missing_line(uint64_t offset, std::string why) = 0;
};

// The envelopes whose partial lines are joined (CRI P/F chunks, docker and
// go test -json lines without their '\n'), each with its own partial lines.
enum class Envelope : uint8_t { Cri, Docker, Test2Json };

class LogUnwrapper {
public:
  explicit LogUnwrapper(LineSink &sink) : sink_(sink) {}
  // One physical line, without its '\n', at byte OFFSET of the input.
  void line(std::string_view raw, uint64_t offset);
  // End of input: partial lines still held are given out.
  void finish(uint64_t end_offset);
  // Nothing is held across lines: the next physical line stands alone, so a
  // reader may hand plain text to the sink's block path directly.
  bool idle() const {
    return partials_.empty() && export_state_ == ExportState::Idle && !klog_block_ && !verbose_record_;
  }
  // A caller that unwrapped a plain CRI line itself says so (UnwrappedText).
  void took_cri_line() {
    last_was_envelope_ = true;
    passed_through_ = false;
  }
  // The last physical line went to the sink as it was (no wrapper, escape or
  // record), so the bytes after it in the reader's buffer are plain text too
  // as far as the sink can tell.
  bool passed_through() const { return passed_through_ && idle(); }

  // Limits: a joined line longer than this is given out in pieces.
  static constexpr size_t kMaxJoined = 16u << 20;

private:
  struct Partial {
    Envelope envelope = Envelope::Cri;
    std::string key;  // stream, or test2json package and test
    std::string text;
    uint64_t offset = 0;
  };
  enum class ExportState { Idle, Fields, Binary };

  void line_inner(std::string_view raw, uint64_t offset);
  void payload(std::string_view text, uint64_t offset, unsigned depth);
  void payload_lines(std::string_view text, uint64_t offset, unsigned depth);
  void text_line(std::string_view s, uint64_t offset, unsigned depth);
  bool json_line(std::string_view s, uint64_t offset, unsigned depth);
  bool json_record(std::string_view s, uint64_t offset, unsigned depth, bool only_with_stack = false);
  bool verbose_header(std::string_view s);
  bool verbose_line(std::string_view s, uint64_t offset);
  bool logfmt_record(std::string_view s, uint64_t offset);
  bool cri_line(std::string_view s, uint64_t offset);
  bool export_line(std::string_view s, uint64_t offset);
  // Joins a chunk into the partial line of KEY; a complete line (LAST) goes out.
  void join(Envelope envelope, std::string_view key, std::string_view chunk, bool last, uint64_t offset,
            unsigned depth);

  LineSink &sink_;
  bool passed_through_ = false;
  bool last_was_envelope_ = false;  // the previous physical line was a CRI/docker/journald/test2json record
  bool envelope_line_ = false;      // this one is
  uint64_t line_end_ = 0;           // where the physical line ends in the input
  std::vector<Partial> partials_;
  // journalctl -o export
  ExportState export_state_ = ExportState::Idle;
  std::string export_binary_;  // bytes of a binary field so far (length first)
  bool export_binary_message_ = false;
  uint64_t export_binary_offset_ = 0;
  uint64_t export_skip_ = 0;  // bytes of an over-long binary field still to pass over
  // klog's `key=<` ... ` >` multi-line value
  bool klog_block_ = false;
  LinePrefix klog_block_prefix_;  // a pipeline's prefix before the block's lines
  bool verbose_record_ = false;   // inside journalctl -o verbose records
};

// Whether S looks like a stack in one of the dialects (a multi-line value
// worth reading as one); sets DIALECT.
bool looks_like_stack(std::string_view s, StackForm &dialect);

}  // namespace crashctl::logs
