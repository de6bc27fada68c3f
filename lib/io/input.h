// Reading inputs: files or stdin, decompressed as a stream (zstd, gzip, none,
// detected by magic), classified by kind, and split into lines.
#pragma once

#include "io/progress.h"
#include "model/report.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace crashctl {

// A forward-only stream of bytes.
class ByteSource {
public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes; 0 means end of stream. Errors name the file and the
  // byte offset (compressed offset for compressed streams).
  virtual llvm::Expected<size_t> read(char *buf, size_t n) = 0;
  // Bytes consumed from the underlying file so far (for progress).
  virtual uint64_t raw_position() const = 0;
  // Total size of the underlying file, 0 when unknown (pipes).
  virtual uint64_t raw_size() const = 0;
  // Bytes of the stream given out so far, where counted (open_source()'s
  // sources); 0 elsewhere.
  virtual uint64_t delivered() const { return 0; }
  // The whole stream, from offset 0, when it is already in memory or can be
  // memory-mapped (uncompressed regular files, memory buffers); empty
  // otherwise. Call it before any read(); then read nothing. The view stays
  // valid as long as the source. LineReader uses it to avoid read() copies.
  virtual std::string_view mapped() { return {}; }
  // Tells a mapped source that bytes before `upto` will not be read again,
  // so that their pages can leave the resident set.
  virtual void release_mapped(uint64_t upto) { (void)upto; }
  // With a mapping in use, the reader reports its position here (progress).
  virtual void set_mapped_position(uint64_t pos) { (void)pos; }

  // Zero-copy reading for sources that decode into buffers of their own
  // (io/read_ahead.cpp). lend_chunk() lends the next bytes of the stream,
  // with `headroom` writable bytes before `data` that the caller may use to
  // put the end of the previous chunk in front; a lent chunk stays valid
  // until the second lend_chunk() call after it. Size 0 at the end. Call it
  // only while can_lend() says so; read() and lend_chunk() may alternate.
  struct LentChunk {
    char *data = nullptr;
    size_t size = 0, headroom = 0;
  };
  virtual bool can_lend() const { return false; }
  virtual llvm::Expected<LentChunk> lend_chunk() { return LentChunk{}; }
  // A source of its own for the stream's bytes [begin, end), read without
  // moving this one: parts of an uncompressed regular file or memory buffer,
  // for decoding them on several threads. Null where the stream cannot be
  // read at an offset (compressed streams, pipes).
  virtual std::unique_ptr<ByteSource> range(uint64_t begin, uint64_t end) const {
    (void)begin, (void)end;
    return nullptr;
  }
};

// An opened input: decompression applied, kind detected from the first bytes.
struct OpenedInput {
  std::unique_ptr<ByteSource> source;  // yields decompressed bytes from offset 0
  Compression compression = Compression::None;
  InputFormat format = InputFormat::Unknown;
};

// Opens PATH ("-" for stdin), detects compression by magic and the input kind
// by the decompressed content. Fails with a message naming the file for
// unreadable files and unsupported content (e.g. an ELF executable, not a core).
// With DETECT_KIND false, any content is accepted (format stays Unknown):
// for executables, which may be compressed too.
llvm::Expected<OpenedInput> open_input(const std::string &path, bool detect_kind = true);

// Reads INNER on a second thread once more than a few MiB have been read, so
// that producing the bytes (decompressing, unwrapping a log) and consuming
// them overlap. INNER's read() then runs on that thread only.
// SYNC_BYTES are read on the caller's thread first (small inputs need no thread).
std::unique_ptr<ByteSource> make_read_ahead_source(std::unique_ptr<ByteSource> inner, uint64_t sync_bytes = uint64_t(4)
                                                                                                            << 20);

// Appends bytes of SRC to OUT until it holds WANT, the stream ends (EOF
// set) or reading fails (the error).
llvm::Error read_upto(ByteSource &src, std::string &out, size_t want, bool &eof);

// Wraps an in-memory buffer (tests, fuzzing). The buffer must outlive it.
std::unique_ptr<ByteSource> memory_source(std::string_view bytes, std::string name);
// Adds decompression to any source. Exposed for tests and fuzzing.
llvm::Expected<OpenedInput> open_source(std::unique_ptr<ByteSource> raw, const std::string &name,
                                        bool detect_kind = true);

// Splits a ByteSource into lines with bounded memory. Lines exclude the
// trailing "\n" and a "\r" before it. Lines longer than max_line are cut and
// the rest skipped, with a diagnostic. A run of NUL bytes (zero padding:
// logrotate's copytruncate, a power loss) is read as that many line breaks,
// with one warning giving its offset and length; not in `journalctl -o
// export` streams, whose binary fields hold NULs.
class LineReader {
public:
  // MAX_LINE 0: resource_limits().line_bytes. FIRST_OFFSET: the offset of
  // SRC's first byte in the input (a ByteSource::range()'s begin).
  explicit LineReader(ByteSource &src, std::string name, size_t max_line = 0, uint64_t first_offset = 0);
  ~LineReader();
  // Returns false at end of input or on error (then error() is set).
  bool next(std::string_view &line, uint64_t &offset);
  // Set when reading failed; the lines before it were delivered.
  const std::string &error() const {
    static const std::string none;
    return deferred_error_ ? none : error_;
  }
  uint64_t bytes_read() const { return consumed_; }
  // Bytes buffered after the last line delivered (valid until the next call
  // to next(), more() or skip()). In mapped mode, the rest of the input.
  std::string_view buffered() const {
    return skipping_ ? std::string_view() : std::string_view(data_ + begin_, end_ - begin_);
  }
  // Tries to buffer at least `want` bytes after the last line (one read at
  // most); false at end of input, on error or when already buffered.
  bool more(size_t want);
  // Consumes n bytes of buffered() as if delivered as lines (n <= size, and
  // ending just after a '\n'); returns the offset of the first.
  uint64_t position() const { return base_ + begin_; }
  uint64_t skip(size_t n) {
    size_t start = begin_;
    begin_ += n;
    return base_ + start;
  }
  // Called with long-line or read-error diagnostics.
  std::function<void(Diagnostic)> on_diagnostic;

private:
  bool fill(bool defer = false);   // defer: keep a read error for next() to report
  bool fill_lent(bool defer);      // fill() from ByteSource::lend_chunk()
  void keep_unread(size_t extra);  // moves the unread bytes to the start of buf_, with room for `extra` more
  bool read_failed(llvm::Error e, bool defer);
  ByteSource &src_;
  std::string name_;
  size_t max_line_;
  void release();  // mapped mode: drop pages behind begin_
  std::unique_ptr<char[]> buf_;
  char *data_ = nullptr;  // buf_, or the mapping in mapped mode
  bool mapped_ = false;
  size_t released_ = 0;                   // mapped mode: bytes before this were released
  size_t cap_ = 0, begin_ = 0, end_ = 0;  // data_[0, cap_) is usable
  size_t buf_cap_ = 0;                    // size of buf_
  uint64_t base_ = 0;                     // decompressed offset of buf_[0]
  uint64_t consumed_ = 0;
  bool eof_ = false;
  std::string error_;
  bool deferred_error_ = false;  // error_ met by more(), not reported yet
  bool skipping_ = false;        // skipping the rest of a cut line
  void cut(size_t start);        // reports a line cut at max_line
  // NUL runs: replaced by '\n' in the buffer as bytes arrive.
  enum class Nuls : uint8_t { Undecided, Replace, Keep };
  Nuls nuls_ = Nuls::Undecided;                      // decided by the first bytes (journal export keeps them)
  uint64_t nul_scanned_ = 0;                         // offset up to which NULs were replaced
  uint64_t nul_run_start_ = 0, nul_run_length_ = 0;  // the run not reported yet
  void replace_nuls();                               // over the bytes that arrived, up to end_
  void report_nul_run();
  std::vector<Diagnostic> nul_runs_;     // reported runs not given out yet
  uint64_t nul_runs_from_ = UINT64_MAX;  // the least offset among them
  void flush_nul_runs(uint64_t upto);    // gives out those at or before UPTO
};

// Shows "path: 123 MiB / 400 MiB" on stderr when it is a TTY; silent otherwise.
class Progress {
public:
  Progress(std::string label, const ByteSource *src);
  ~Progress();
  void tick();  // cheap; redraws at most a few times a second
private:
  std::string label_;
  const ByteSource *src_;
  ProgressLine line_;
  uint32_t ticks_ = 0;  // tick() reads the clock only every few calls
};

}  // namespace crashctl
