#include "logs/unwrapped_text.h"

#include "logs/json_scan.h"
#include "logs/terminal.h"

#include "llvm/Support/LEB128.h"

#include <algorithm>
#include <cstring>

namespace crashctl::logs {

namespace {

void put_varint(std::string &out, uint64_t v) {
  uint8_t buf[10];
  out.append(reinterpret_cast<const char *>(buf), llvm::encodeULEB128(v, buf));
}

uint64_t get_varint(const std::string &in, size_t &pos) {
  auto *bytes = reinterpret_cast<const uint8_t *>(in.data());
  unsigned n = 0;
  uint64_t v = llvm::decodeULEB128(bytes + pos, &n, bytes + in.size());
  pos += n;
  return v;
}

}  // namespace

// --- OffsetMap ---------------------------------------------------------------

void OffsetMap::add_line(uint64_t length, uint64_t physical, bool verbatim) {
  if (chunks_.empty() || chunks_.back().lines == kLinesPerChunk) {
    chunks_.emplace_back();
    chunks_.back().logical = next_logical_;
    chunks_.back().physical = physical;
    chunks_.back().bytes.reserve(kLinesPerChunk * 3);
    last_physical_ = physical;
  }
  Chunk &c = chunks_.back();
  uint64_t first = length * 2 + (verbatim ? 1 : 0);
  int64_t signed_delta = int64_t(physical - last_physical_);
  uint64_t delta = (uint64_t(signed_delta) << 1) ^ uint64_t(signed_delta >> 63);
  if (first < 0x80 && delta < 0x80) {  // most lines: two bytes
    char two[2] = {char(first), char(delta)};
    c.bytes.append(two, 2);
  } else {
    put_varint(c.bytes, first);
    put_varint(c.bytes, delta);
  }
  last_physical_ = physical;
  ++c.lines;
  ++lines_;
  next_logical_ += length;
}

void OffsetMap::Cursor::seek_chunk(size_t chunk) {
  chunk_ = chunk;
  pos_ = 0;
  line_in_chunk_ = 0;
  valid_ = false;
  const Chunk &c = map_.chunks_[chunk];
  start_ = c.logical;
  physical_ = c.physical;
  length_ = 0;
}

bool OffsetMap::Cursor::next_line() {
  const Chunk &c = map_.chunks_[chunk_];
  if (line_in_chunk_ >= c.lines) {
    if (chunk_ + 1 >= map_.chunks_.size()) return false;
    seek_chunk(chunk_ + 1);
    return next_line();
  }
  if (valid_) start_ += length_;
  uint64_t lv = get_varint(c.bytes, pos_);
  uint64_t dp = get_varint(c.bytes, pos_);
  length_ = lv >> 1;
  verbatim_ = lv & 1;
  uint64_t delta = (dp >> 1) ^ (~(dp & 1) + 1);  // zigzag back to signed, as two's complement
  physical_ = valid_ || line_in_chunk_ > 0 ? physical_ + delta : c.physical;
  ++line_in_chunk_;
  valid_ = true;
  return true;
}

uint64_t OffsetMap::Cursor::to_input(uint64_t text_offset) {
  if (map_.chunks_.empty()) return text_offset;
  // Backwards, or far ahead: find the chunk by binary search.
  bool behind = valid_ && text_offset < start_;
  if (chunk_ == SIZE_MAX || behind ||
      (chunk_ + 1 < map_.chunks_.size() && text_offset >= map_.chunks_[chunk_ + 1].logical)) {
    size_t lo = 0, hi = map_.chunks_.size();
    while (hi - lo > 1) {
      size_t mid = (lo + hi) / 2;
      if (map_.chunks_[mid].logical <= text_offset)
        lo = mid;
      else
        hi = mid;
    }
    seek_chunk(lo);
  }
  if (!valid_ && !next_line()) return text_offset;
  while (text_offset >= start_ + length_) {
    if (!next_line()) break;
  }
  uint64_t within = text_offset >= start_ ? text_offset - start_ : 0;
  return physical_ + (verbatim_ ? std::min(within, length_ ? length_ - 1 : 0) : 0);
}

uint64_t OffsetMap::Cursor::end_to_input(uint64_t text_end) {
  if (map_.chunks_.empty() || text_end == 0) return to_input(text_end);
  uint64_t last = to_input(text_end - 1);
  if (verbatim_) return last + 1;
  // The input line goes on to where a later one starts.
  Cursor ahead = *this;
  while (ahead.next_line())
    if (ahead.physical_ > physical_) return ahead.physical_;
  return std::max(map_.input_end_, last + 1);
}

// --- UnwrappedText -----------------------------------------------------------

UnwrappedText::UnwrappedText(LineReader &raw, ByteSource &raw_source) : raw_(raw), raw_source_(raw_source) {
  raw_.on_diagnostic = [this](Diagnostic d) { diagnostics_.push_back(std::move(d)); };
}

bool UnwrappedText::pop_event(uint64_t upto, TextEvent &e) {
  if (events_pushed_.load(std::memory_order_acquire) == events_popped_) return false;
  std::lock_guard<std::mutex> lock(events_mu_);
  if (events_.empty() || events_.front().text_offset > upto) return false;
  e = std::move(events_.front());
  events_.pop_front();
  ++events_popped_;
  return true;
}

uint64_t UnwrappedText::next_event_offset() {
  // Most of a log has no events: one atomic load says so without the lock.
  if (events_pushed_.load(std::memory_order_acquire) == events_popped_) return UINT64_MAX;
  std::lock_guard<std::mutex> lock(events_mu_);
  return events_.empty() ? UINT64_MAX : events_.front().text_offset;
}

namespace {

// The text of a whole CRI line of plain text ("...Z stderr F TEXT"), checked
// only as far as telling it from anything else needs; false sends the line
// to the unwrapper.
bool plain_cri_text(std::string_view s, std::string_view &text, size_t &stamp) {
  if (s.size() < 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  // The timestamp's length rarely changes from one line to the next.
  if (stamp >= s.size() || s[stamp] != ' ' || s[stamp - 1] == ' ') {
    const char *sp = static_cast<const char *>(std::memchr(s.data() + 19, ' ', std::min<size_t>(s.size() - 19, 24)));
    if (!sp) return false;
    stamp = size_t(sp - s.data());
  }
  size_t at = stamp + 1;
  if (s.size() < at + 8) return false;
  if (std::memcmp(s.data() + at, "stderr F", 8) != 0 && std::memcmp(s.data() + at, "stdout F", 8) != 0) return false;
  if (s.size() == at + 8) {
    text = std::string_view(s.data() + at + 8, 0);
    return true;
  }
  if (s[at + 8] != ' ') return false;
  text = s.substr(at + 9);
  return text.empty() || (text[0] != '{' && text[0] != ' ' && scan_line(text) == 0);
}

}  // namespace

bool UnwrappedText::produce() {
  std::string_view line;
  uint64_t offset;
  if (!raw_.next(line, offset)) {
    if (!done_) {
      unwrap_.finish(raw_.bytes_read());
      map_.set_input_end(raw_.bytes_read());
    }
    done_ = true;
    return false;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view text;
  if (unwrap_.idle() && plain_cri_text(line, text, cri_stamp_)) {
    unwrap_.took_cri_line();
    emit(text);
    map_.add_line(text.size() + 1, offset + uint64_t(text.data() - line.data()), true);
    return true;
  }
  current_raw_ = line;
  current_physical_ = offset;
  unwrap_.line(line, offset);
  return true;
}

void UnwrappedText::emit(std::string_view text) {
  // Into the caller's buffer while it has room, the rest kept for the next read.
  text_pos_ += text.size() + 1;
  if (out_pos_ == out_.size() && text.size() < dest_room_) {
    std::memcpy(dest_, text.data(), text.size());
    dest_[text.size()] = '\n';
    dest_ += text.size() + 1;
    dest_room_ -= text.size() + 1;
    return;
  }
  out_.append(text.data(), text.size());
  out_.push_back('\n');
}

llvm::Expected<size_t> UnwrappedText::read(char *buf, size_t n) {
  std::lock_guard<std::mutex> lock(map_mu_);  // lines go into map_
  size_t k = 0;
  if (out_pos_ < out_.size()) {  // what did not fit last time
    k = std::min(n, out_.size() - out_pos_);
    std::memcpy(buf, out_.data() + out_pos_, k);
    out_pos_ += k;
    if (out_pos_ < out_.size()) return k;
    out_.clear();
    out_pos_ = 0;
  }
  // Unwrap lines straight into BUF until it is full or the input ends.
  dest_ = buf + k;
  dest_room_ = n - k;
  while (dest_room_ > 0 && out_.empty() && produce()) {}
  k = n - dest_room_;
  dest_room_ = 0;
  if (k < n && !out_.empty()) {  // a line that did not fit: its start fills the buffer
    size_t m = std::min(n - k, out_.size());
    std::memcpy(buf + k, out_.data(), m);
    out_pos_ = m;
    k += m;
    if (out_pos_ == out_.size()) {
      out_.clear();
      out_pos_ = 0;
    }
  }
  if (k == 0 && !raw_.error().empty()) return llvm::createStringError(std::errc::io_error, "%s", raw_.error().c_str());
  return k;
}

void UnwrappedText::line(std::string_view text, uint64_t offset) {
  bool verbatim = text.data() >= current_raw_.data() &&
                  text.data() + text.size() <= current_raw_.data() + current_raw_.size() &&
                  offset == current_physical_ + uint64_t(text.data() - current_raw_.data());
  emit(text);
  map_.add_line(text.size() + 1, offset, verbatim);
}

void UnwrappedText::push_event(TextEvent e) {
  e.text_offset = text_pos_;
  std::lock_guard<std::mutex> lock(events_mu_);
  events_.push_back(std::move(e));
  events_pushed_.fetch_add(1, std::memory_order_release);
}

void UnwrappedText::record_begin(const LogRecord &record) {
  TextEvent e;
  e.kind = TextEvent::RecordBegin;
  e.record = record;
  push_event(std::move(e));
}

void UnwrappedText::stack_begin(StackForm form, uint64_t) {
  TextEvent e;
  e.kind = TextEvent::StackBegin;
  e.form = form;
  push_event(std::move(e));
}

void UnwrappedText::record_end(uint64_t) {
  TextEvent e;
  e.kind = TextEvent::RecordEnd;
  push_event(std::move(e));
}

void UnwrappedText::missing_line(uint64_t, std::string why) {
  TextEvent e;
  e.kind = TextEvent::MissingLine;
  e.why = std::move(why);
  push_event(std::move(e));
}

void UnwrappedText::diagnostic(Severity severity, uint64_t offset, std::string message) {
  diagnostics_.push_back({severity, offset, std::move(message)});
}

bool mostly_wrapped(std::string_view sample) {
  // Whole lines of the sample that are container, journald or test2json
  // records, or structured JSON records.
  size_t lines = 0, wrapped = 0, pos = 0;
  while (pos < sample.size() && lines < 200) {
    size_t nl = sample.find('\n', pos);
    if (nl == std::string_view::npos) break;  // a cut last line says nothing
    std::string_view l = sample.substr(pos, nl - pos);
    pos = nl + 1;
    if (l.empty()) continue;
    ++lines;
    if (l[0] == '{') {
      JsonObjectScanner scanner(l);
      wrapped += scanner.scan([](const JsonMember &) { return true; });
    } else if (l.size() > 31 && l[4] == '-' && l[10] == 'T' &&
               (l.find(" stdout ") != std::string_view::npos || l.find(" stderr ") != std::string_view::npos)) {
      wrapped += 1;  // CRI: "2026-12-06T09:53:23.486381481Z stderr F ..."
    } else if (l.compare(0, 9, "__CURSOR=") == 0) {
      return true;  // journalctl -o export
    }
  }
  return lines >= 4 && wrapped * 2 >= lines;
}

}  // namespace crashctl::logs
