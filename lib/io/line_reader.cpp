// LineReader: bounded-memory line splitting over a ByteSource.
#include "io/input.h"
#include "support/limits.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace crashctl {

namespace {
// Half the L2 cache of the machines measured: larger buffers read no faster
// (bench/ab.sh: 256 KiB against 1 MiB, 0.99x) and stay resident.
constexpr size_t kInitialBuffer = 256 << 10;
// Mapped mode drops the pages behind the reader in steps of this size, so
// that a mapped file does not stay in the resident set.
constexpr size_t kReleaseStep = 8 << 20;

// Whether HEAD, the first bytes of a stream, starts a `journalctl -o export`
// stream; nullopt while it could still become one.
std::optional<bool> is_journal_export(std::string_view head, bool complete) {
  bool could = false;
  for (std::string_view marker : {std::string_view("__CURSOR="), std::string_view("__REALTIME_TIMESTAMP=")}) {
    if (head.size() >= marker.size()) {
      if (head.substr(0, marker.size()) == marker) return true;
    } else if (marker.substr(0, head.size()) == head) {
      could = true;
    }
  }
  if (could && !complete) return std::nullopt;
  return false;
}

std::string size_text(size_t n) {
  if (n >= (1 << 20) && n % (1 << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= (1 << 10) && n % (1 << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}
}  // namespace

LineReader::LineReader(ByteSource &src, std::string name, size_t max_line, uint64_t first_offset)
    : src_(src),
      name_(std::move(name)),
      max_line_(
          std::max<size_t>(std::min<uint64_t>(max_line ? max_line : resource_limits().line_bytes, SIZE_MAX / 4), 1)),
      base_(first_offset) {
  std::string_view m = src_.mapped();
  if (!m.empty() && std::memchr(m.data(), 0, m.size())) {
    if (*is_journal_export(m, /*complete=*/true))
      nuls_ = Nuls::Keep;
    else
      m = {};  // NULs to replace: read into our buffer, the mapping is read-only
  }
  if (!m.empty()) {
    // The whole input is addressable: lines are views into it, no copies.
    mapped_ = true;
    data_ = const_cast<char *>(m.data());
    cap_ = end_ = m.size();
    consumed_ = m.size();
    eof_ = true;
    return;
  }
  buf_.reset(new char[kInitialBuffer]);
  data_ = buf_.get();
  cap_ = buf_cap_ = kInitialBuffer;
}

LineReader::~LineReader() = default;

void LineReader::release() {
  size_t upto = begin_ & ~size_t(4095);
  if (upto > released_) {
    src_.release_mapped(upto);
    released_ = upto;
  }
  src_.set_mapped_position(begin_);
}

bool LineReader::more(size_t want) {
  if (eof_ || skipping_ || deferred_error_ || end_ - begin_ >= want) return false;
  size_t before = end_ - begin_;
  fill(true);
  return end_ - begin_ > before;
}

bool LineReader::read_failed(llvm::Error e, bool defer) {
  error_ = llvm::toString(std::move(e));
  if (error_.empty()) error_ = name_ + ": read error";
  if (defer) {
    deferred_error_ = true;
    return false;
  }
  eof_ = true;
  if (nul_run_length_) report_nul_run();
  flush_nul_runs(UINT64_MAX);
  if (on_diagnostic) on_diagnostic(Diagnostic{Severity::Error, base_ + end_, error_});
  return false;
}

bool LineReader::fill_lent(bool defer) {
  auto c = src_.lend_chunk();
  if (!c) return read_failed(c.takeError(), defer);
  if (c->size == 0) {
    eof_ = true;
    if (nuls_ != Nuls::Keep) replace_nuls();
    return false;
  }
  // The unread bytes (the start of a line, or a block being looked at) go
  // in front of the new chunk: in its headroom when they fit, else both go
  // to our own buffer. They live in the previous chunk or in buf_, both
  // still valid.
  size_t keep = end_ - begin_;
  if (keep <= c->headroom) {
    char *dst = c->data - keep;
    if (keep) std::memcpy(dst, data_ + begin_, keep);
    base_ += begin_;
    data_ = dst;
    begin_ = 0;
    end_ = cap_ = keep + c->size;
  } else {
    keep_unread(c->size);
    std::memcpy(data_ + end_, c->data, c->size);
    end_ += c->size;
  }
  consumed_ += c->size;
  if (nuls_ != Nuls::Keep) replace_nuls();
  return true;
}

void LineReader::keep_unread(size_t extra) {
  size_t keep = end_ - begin_;
  if (buf_cap_ < keep + extra) {
    size_t want = std::max(kInitialBuffer, keep + extra);
    std::unique_ptr<char[]> nb(new char[want]);
    if (keep) std::memcpy(nb.get(), data_ + begin_, keep);
    buf_ = std::move(nb);
    buf_cap_ = want;
  } else if (keep && data_ + begin_ != buf_.get()) {
    std::memmove(buf_.get(), data_ + begin_, keep);
  }
  base_ += begin_;
  begin_ = 0;
  end_ = keep;
  data_ = buf_.get();
  cap_ = buf_cap_;
}

bool LineReader::fill(bool defer) {
  if (!deferred_error_ && src_.can_lend()) return fill_lent(defer);
  // Keep only the partial line, in our own buffer (after lent chunks too).
  if (!mapped_ && (begin_ > 0 || data_ != buf_.get())) keep_unread(0);
  char *b = data_;
  if (end_ == cap_) {  // a long line: grow, up to max_line + "\r\n"
    size_t want = std::max(std::min(cap_ * 2, max_line_ + 2), end_ + 1);
    std::unique_ptr<char[]> nb(new char[want]);
    std::memcpy(nb.get(), b, end_);
    buf_ = std::move(nb);
    data_ = buf_.get();
    cap_ = buf_cap_ = want;
    b = data_;
  }
  if (deferred_error_) {  // met by more(); reported now, where next() would have met it
    deferred_error_ = false;
    eof_ = true;
    if (nul_run_length_) report_nul_run();
    flush_nul_runs(UINT64_MAX);
    if (on_diagnostic) on_diagnostic(Diagnostic{Severity::Error, base_ + end_, error_});
    return false;
  }
  auto r = src_.read(b + end_, cap_ - end_);
  if (!r) return read_failed(r.takeError(), defer);
  if (*r == 0) eof_ = true;
  end_ += *r;
  consumed_ += *r;
  if (nuls_ != Nuls::Keep) replace_nuls();
  return *r != 0;
}

void LineReader::replace_nuls() {
  if (nuls_ == Nuls::Undecided) {
    if (base_ + begin_ != 0) {
      nuls_ = Nuls::Replace;
    } else {
      std::optional<bool> exported = is_journal_export(std::string_view(data_, end_), eof_);
      if (!exported) return;  // the next bytes decide
      nuls_ = *exported ? Nuls::Keep : Nuls::Replace;
      if (nuls_ == Nuls::Keep) return;
    }
  }
  char *b = data_;
  size_t i = size_t(std::max(nul_scanned_, base_ + begin_) - base_);
  while (i < end_) {
    if (nul_run_length_ == 0) {
      const void *z = std::memchr(b + i, 0, end_ - i);
      if (!z) break;
      i = size_t(static_cast<const char *>(z) - b);
      nul_run_start_ = base_ + i;
    }
    size_t run_end = i;
    while (run_end < end_ && b[run_end] == 0) b[run_end++] = '\n';
    nul_run_length_ += run_end - i;
    i = run_end;
    if (i < end_) report_nul_run();  // ended by another byte
  }
  nul_scanned_ = base_ + end_;
  if (eof_ && nul_run_length_) report_nul_run();
}

// Given out with the line at its offset (flush_nul_runs()), not when read:
// where it falls among the line consumer's own diagnostics does not depend
// on how far ahead the reader read.
void LineReader::report_nul_run() {
  nul_runs_.push_back(Diagnostic{Severity::Warning, nul_run_start_,
                                 std::to_string(nul_run_length_) +
                                     " NUL bytes (zero padding, as logrotate's copytruncate or a power loss leave "
                                     "it): read as line breaks"});
  nul_runs_from_ = std::min(nul_runs_from_, nul_run_start_);
  nul_run_length_ = 0;
}

void LineReader::flush_nul_runs(uint64_t upto) {
  size_t kept = 0;
  nul_runs_from_ = UINT64_MAX;
  for (Diagnostic &d : nul_runs_) {
    if (d.offset <= upto) {
      if (on_diagnostic) on_diagnostic(std::move(d));
    } else {
      nul_runs_from_ = std::min(nul_runs_from_, d.offset);
      nul_runs_[kept++] = std::move(d);
    }
  }
  nul_runs_.resize(kept);
}

bool LineReader::next(std::string_view &line, uint64_t &offset) {
  if (mapped_ && begin_ - released_ >= kReleaseStep) release();
  // Fast path: a whole line of ordinary length is in the buffer.
  if (!skipping_) {
    char *b = data_;
    const char *p = static_cast<const char *>(std::memchr(b + begin_, '\n', end_ - begin_));
    size_t len = p ? static_cast<size_t>(p - (b + begin_)) : 0;
    if (p && len <= max_line_) {
      size_t start = begin_;
      begin_ = start + len + 1;
      if (len && b[start + len - 1] == '\r') --len;
      line = std::string_view(b + start, len);
      offset = base_ + start;
      if (offset >= nul_runs_from_) flush_nul_runs(offset);
      return true;
    }
  }
  // Bytes after begin_ already known to hold no '\n' (survives compaction).
  size_t scanned = 0;
  for (;;) {
    char *b = data_;
    size_t avail = end_ - begin_;
    if (skipping_) {  // the rest of a cut line
      const void *p = std::memchr(b + begin_, '\n', avail);
      if (p) {
        begin_ = static_cast<const char *>(p) - b + 1;
        skipping_ = false;
        continue;
      }
      begin_ = end_;
      if (eof_) {
        skipping_ = false;
        flush_nul_runs(UINT64_MAX);
        return false;
      }
      fill();
      continue;
    }
    const char *p = static_cast<const char *>(std::memchr(b + begin_ + scanned, '\n', avail - scanned));
    size_t start = begin_;
    size_t len;
    if (p) {
      len = static_cast<size_t>(p - (b + start));
      begin_ = start + len + 1;
    } else if (eof_) {
      if (avail == 0) {
        flush_nul_runs(UINT64_MAX);
        return false;
      }
      len = avail;  // final line without a newline
      begin_ = end_;
    } else if (avail >= max_line_ + 2) {
      // Longer than max_line even if "\r\n" comes next: cut, skip the rest.
      begin_ = end_;
      skipping_ = true;
      line = std::string_view(b + start, max_line_);
      offset = base_ + start;
      if (offset >= nul_runs_from_) flush_nul_runs(offset);
      cut(start);
      return true;
    } else {
      scanned = avail;
      fill();
      continue;
    }
    if (len && b[start + len - 1] == '\r') --len;
    offset = base_ + start;
    if (offset >= nul_runs_from_) flush_nul_runs(offset);
    if (len > max_line_) {
      cut(start);
      len = max_line_;
    }
    line = std::string_view(b + start, len);
    return true;
  }
}

void LineReader::cut(size_t start) {
  if (on_diagnostic)
    on_diagnostic(Diagnostic{Severity::Warning, base_ + start,
                             "line at byte " + std::to_string(base_ + start) + " is longer than " +
                                 size_text(max_line_) + ": kept its first " + size_text(max_line_) +
                                 ", skipped the rest of the line"});
}

}  // namespace crashctl
