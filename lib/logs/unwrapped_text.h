// A log whose every line is wrapped (a container's CRI or json-file log,
// journalctl's JSON or export output, go test -json) read as the plain text
// it carries, so that the crash-text decoder's fast paths see the text
// itself rather than one wrapper per line. The offsets the decoder reports
// in that text are mapped back to the input's own offsets.
#pragma once

#include "io/input.h"
#include "logs/unwrap.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace crashctl::logs {

// Where each line of the unwrapped text came from in the input. Compact:
// a few bytes a line, so a 10-million-line log costs tens of megabytes.
class OffsetMap {
public:
  // The next line of the text: LENGTH bytes with its '\n', from input offset
  // PHYSICAL; VERBATIM when its bytes are the input's bytes (CRI), so that
  // an offset inside the line maps inside the input line too.
  void add_line(uint64_t length, uint64_t physical, bool verbatim);
  // Where the input ends: the end of its last line.
  void set_input_end(uint64_t end) { input_end_ = end; }
  uint64_t lines() const { return lines_; }

  // Maps text offsets to input offsets; fastest for ascending queries.
  class Cursor {
  public:
    explicit Cursor(const OffsetMap &map) : map_(map) {}
    uint64_t to_input(uint64_t text_offset);
    // The end of a range of text that ends at TEXT_END: inside the input line
    // of its last byte when that line is verbatim, else at that line's end
    // (where the next input line begins).
    uint64_t end_to_input(uint64_t text_end);

  private:
    void seek_chunk(size_t chunk);
    bool next_line();
    const OffsetMap &map_;
    size_t chunk_ = SIZE_MAX, pos_ = 0, line_in_chunk_ = 0;
    uint64_t start_ = 0, length_ = 0, physical_ = 0;  // the current line
    bool verbatim_ = false, valid_ = false;
  };

private:
  static constexpr size_t kLinesPerChunk = 4096;
  struct Chunk {
    uint64_t logical = 0, physical = 0;  // of its first line
    size_t lines = 0;
    // per line: varint(length * 2 + verbatim), varint(zigzag(physical - previous physical));
    // joined chunks of interleaved streams can come from an earlier input line
    std::string bytes;
  };
  std::vector<Chunk> chunks_;
  uint64_t lines_ = 0, next_logical_ = 0, last_physical_ = 0, input_end_ = 0;
};

// What the unwrapper said besides text, placed at a text offset.
struct TextEvent {
  enum Kind { RecordBegin, StackBegin, RecordEnd, MissingLine } kind = RecordBegin;
  uint64_t text_offset = 0;               // before the text line that starts here
  LogRecord record;                       // RecordBegin
  StackForm form = StackForm::Goroutine;  // StackBegin
  std::string why;                        // MissingLine
};

// The text of a wrapped log, as a ByteSource over physical lines of RAW.
class UnwrappedText final : public ByteSource, private LineSink {
public:
  explicit UnwrappedText(LineReader &raw, ByteSource &raw_source);
  llvm::Expected<size_t> read(char *buf, size_t n) override;
  uint64_t raw_position() const override { return raw_source_.raw_position(); }
  uint64_t raw_size() const override { return raw_source_.raw_size(); }

  // Read only after the text has been read to its end, or while holding
  // lock_map() (read() holds it while it adds lines).
  const OffsetMap &map() const { return map_; }
  std::unique_lock<std::mutex> lock_map() { return std::unique_lock<std::mutex>(map_mu_); }
  // The unwrapper's own diagnostics and the raw reader's, at input offsets.
  std::vector<Diagnostic> &diagnostics() { return diagnostics_; }

  // Events in text order. read() may run on another thread (a read-ahead
  // source): the events of bytes it returned are there before the bytes.
  bool pop_event(uint64_t upto, TextEvent &e);  // the next one at or before UPTO
  uint64_t next_event_offset();                 // UINT64_MAX when none is queued

private:
  void line(std::string_view text, uint64_t offset) override;
  void record_begin(const LogRecord &record) override;
  void stack_begin(StackForm form, uint64_t offset) override;
  void record_end(uint64_t offset) override;
  void diagnostic(Severity severity, uint64_t offset, std::string message) override;
  void missing_line(uint64_t offset, std::string why) override;
  void push_event(TextEvent e);      // at the current text offset
  bool produce();                    // unwraps the next physical line; false at the end
  void emit(std::string_view text);  // a line of text, '\n' added

  LineReader &raw_;
  ByteSource &raw_source_;
  LogUnwrapper unwrap_{*this};
  std::string out_;  // text that did not fit in the last read's buffer
  size_t out_pos_ = 0;
  size_t cri_stamp_ = 30;  // where the last CRI line's timestamp ended
  char *dest_ = nullptr;   // where read() wants the next bytes
  size_t dest_room_ = 0;
  uint64_t text_pos_ = 0;  // text offset of the end of out_
  uint64_t current_physical_ = 0;
  std::string_view current_raw_;
  bool done_ = false;
  std::mutex map_mu_;
  OffsetMap map_;
  std::mutex events_mu_;
  std::deque<TextEvent> events_;
  std::atomic<uint64_t> events_pushed_{0};  // by read()'s thread
  uint64_t events_popped_ = 0;              // by the reader's
  std::vector<Diagnostic> diagnostics_;
};

// Whether SAMPLE (the first bytes of an input) is a log whose lines are
// mostly wrapped: then it is read as UnwrappedText.
bool mostly_wrapped(std::string_view sample);

}  // namespace crashctl::logs
