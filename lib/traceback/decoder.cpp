#include "traceback/decoder.h"

#include "gosyntax/parse.h"
#include "logs/line_prefix.h"
#include "logs/unwrap.h"
#include "logs/unwrapped_text.h"
#include "profile/goroutine_profile.h"
#include "support/limits.h"
#include "traceback/block_cache.h"
#include "traceback/go_version.h"
#include "traceback/listing_split.h"
#include "traceback/recovery.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/xxhash.h"

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace crashctl {

using logs::LinePrefix;

namespace {

// SignalBracket and RuntimeStack start a report only where the text lost its
// first lines (a paste that starts at "[signal ..." or "runtime stack:").
enum class Anchor {
  None,
  Panic,
  Fatal,
  Goroutine,
  SignalHeader,
  Race,
  FaultAddress,
  Runtime,
  Exception,
  Profile,
  SignalBracket,
  RuntimeStack
};

bool is_goroutine_header_start(std::string_view s) {
  return goroutine_header_at(s, 0);
}

// printpanics' suffixes: " [recovered]", or " [recovered, repanicked]" (Go
// 1.25+). Sets pr's flags; the length of `msg` without the suffix.
size_t strip_recovery_suffix(std::string_view msg, PanicRecord &pr) {
  constexpr std::string_view kRepanicked = " [recovered, repanicked]", kRecovered = " [recovered]";
  if (ends_with(msg, kRepanicked)) {
    pr.recovered = pr.repanicked = true;
    return msg.size() - kRepanicked.size();
  }
  if (ends_with(msg, kRecovered)) {
    pr.recovered = true;
    return msg.size() - kRecovered.size();
  }
  return msg.size();
}

// "SIGQUIT: quit", "SIGSEGV: segmentation violation", "signal 0x23: ..." at s[0].
bool is_signal_header(std::string_view s) {
  if (!starts_with(s, "SIG")) return false;
  size_t i = 3;
  while (i < s.size() && ((s[i] >= 'A' && s[i] <= 'Z') || is_digit(s[i]))) ++i;
  return i > 3 && starts_with(s.substr(i), ": ");
}

// "rax    0x0", "r12     0xc000", "rip    0x4579c1", "pc      0x..." (arm64 "r0      0x...").
bool is_register_line(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]))) ++i;
  if (i == 0 || i > 8 || i >= s.size() || s[i] != ' ') return false;
  while (i < s.size() && s[i] == ' ') ++i;
  return starts_with(s.substr(i), "0x") && parse_hex(s.substr(i)).has_value();
}

Anchor anchor_at_start(std::string_view s) {
  if (s.empty()) return Anchor::None;
  switch (s[0]) {
    case 'p':
      if (starts_with(s, "panic: ")) return Anchor::Panic;
      break;
    case 'f':
      if (starts_with(s, "fatal error: ")) return Anchor::Fatal;
      break;
    case 'g':
      if (is_goroutine_header_start(s)) return Anchor::Goroutine;
      if (starts_with(s, "goroutine profile: total ")) return Anchor::Profile;
      break;
    case 'S':
      if (is_signal_header(s)) return Anchor::SignalHeader;
      break;
    case 'W':
      if (starts_with(s, "WARNING: DATA RACE")) return Anchor::Race;
      break;
    case 'u':
      if (starts_with(s, "unexpected fault address ")) return Anchor::FaultAddress;
      break;
    case 'r':
      if (starts_with(s, "runtime: ")) return Anchor::Runtime;
      if (s == "runtime stack:") return Anchor::RuntimeStack;
      break;
    case '[':
      if (starts_with(s, "[signal ")) return Anchor::SignalBracket;
      break;
    case 'E':
      // Windows: "Exception 0xc0000005 0x0 0x8 0x7ffda9322f15"
      if (starts_with(s, "Exception 0x")) return Anchor::Exception;
      break;
  }
  return Anchor::None;
}

// Finds the earliest anchor anywhere in a line (to learn a log prefix).
Anchor find_anchor(std::string_view s, size_t &pos) {
  static constexpr std::string_view tokens[] = {
      "panic: ",   "fatal error: ", "goroutine ", "SIG",           "WARNING: DATA RACE", "unexpected fault address ",
      "runtime: ", "Exception 0x",  "[signal ",   "runtime stack:"};
  size_t best = std::string_view::npos;
  Anchor bestKind = Anchor::None;
  for (std::string_view tok : tokens) {
    size_t from = 0;
    while (from < s.size()) {
      size_t p = s.find(tok, from);
      if (p == std::string_view::npos || p >= best) break;
      Anchor a = anchor_at_start(s.substr(p));
      if (a != Anchor::None) {
        best = p;
        bestKind = a;
        break;
      }
      from = p + 1;
    }
  }
  pos = best;
  return bestKind;
}

// Goroutine ids seen in the current report: a bitset, since ids are dense.
class IdSet {
public:
  void clear() { bits_.clear(); }
  void insert(int64_t id) {
    if (id < 0 || id > kMaxId) return;
    size_t w = size_t(id) >> 6;
    if (w >= bits_.size()) bits_.resize(std::max(w + 1, bits_.size() * 2));
    bits_[w] |= uint64_t(1) << (id & 63);
  }
  bool count(int64_t id) const {
    if (id < 0 || id > kMaxId) return false;
    size_t w = size_t(id) >> 6;
    return w < bits_.size() && (bits_[w] >> (id & 63) & 1);
  }

private:
  static constexpr int64_t kMaxId = int64_t(1) << 32;  // 512 MiB of bits at most
  std::vector<uint64_t> bits_;
};

// Whether every field of JOINED is kArgsSame: the stack's own values.
bool all_args_same(std::string_view joined) {
  if (joined.size() % 2 == 0) return false;  // "S", "S|S", "S|S|S", ...
  for (size_t i = 0; i < joined.size(); ++i)
    if (joined[i] != (i % 2 ? kArgsSeparator : kArgsSame)) return false;
  return true;
}

// JOINED (a goroutine's arguments, kArgsSeparator-joined) with kArgsSame for
// the fields that are the stack's own.
std::string own_args(std::string_view joined, const Stack &st) {
  std::string out;
  out.reserve(joined.size());
  for (size_t field = 0;; ++field) {
    size_t sep = joined.find(kArgsSeparator);
    std::string_view f = joined.substr(0, sep);
    if (field < st.frames.size() && f == st.frames[field].args)
      out.push_back(kArgsSame);
    else
      out.append(f);
    if (sep == std::string_view::npos) break;
    out.push_back(kArgsSeparator);
    joined.remove_prefix(sep + 1);
  }
  return out;
}

// A goroutine's frame addresses: a base when its frame sizes are its
// stack's (Stack::address_offsets), else its own; from one address per frame
// ({0, 0} where not shown), or from a cached body's fp= and sp= values.
void set_frame_addresses(Goroutine &g, std::vector<FrameAddresses> &&addrs);
void set_frame_addresses(Goroutine &g, const uint64_t *values, size_t n);

// A stack under construction. Lines are kept raw (without per-goroutine
// fp=/sp=) as the interning key, and parsed only for stacks not seen before.
struct StackBuilder {
  // Goroutine stacks keep argument values out of the key, so stacks that
  // differ only in pointers share one Stack; other stacks keep them in.
  explicit StackBuilder(bool split_args = false) : split_args(split_args) {}
  bool split_args;
  std::string args;  // kArgsSeparator-joined, one field per frame
  std::string key;
  std::vector<FrameAddresses> addrs;
  bool any_addr = false;
  bool pending_function = false;  // a function line waits for its file line
  size_t frames = 0;

  void add_args(std::string_view a) {
    if (split_args) {
      if (frames > 0) args.push_back(kArgsSeparator);
      args.append(a);
    }
    ++frames;
  }

  void clear() {
    key.clear();
    args.clear();
    addrs.clear();
    any_addr = false;
    pending_function = false;
    frames = 0;
  }
};

}  // namespace

class TracebackDecoderImpl final : public logs::LineSink {
public:
  explicit TracebackDecoderImpl(Input &out) : out_(out) {}

  // logs::LineSink: the logical lines of the input, unwrapped.
  void line(std::string_view s, uint64_t offset) override;
  void record_begin(const logs::LogRecord &record) override;
  void stack_begin(logs::StackForm dialect, uint64_t offset) override;
  void record_end(uint64_t offset) override;
  void diagnostic(Severity severity, uint64_t offset, std::string message) override {
    diag(severity, offset, std::move(message));
  }
  void missing_line(uint64_t offset, std::string why) override;
  void note_cut_goroutine(uint64_t offset, const std::string &text);
  void finish(uint64_t end_offset);

  // Block fast path, for dumps of many identical goroutines. Right after the
  // header line at `header_offset`, block_ready() says whether the body that
  // follows may be taken whole; block() then gets the body's bytes (through
  // the empty line that ends it) at `offset`. When the same bytes were
  // decoded before from the same state, block() applies what they gave then
  // and returns true: the caller skips them. Otherwise it returns false, the
  // lines go through line() as usual, and the outcome is remembered when
  // every line took a path whose effect depends only on its bytes.
  bool block_ready(uint64_t header_offset) const {
    return blocks_.enabled() && state_ == State::Goroutine && have_g_ && g_.offset == header_offset &&
           prefix_.empty() && !in_ancestor_ && stack_.frames == 0 && stack_.key.empty() && !stack_.pending_function &&
           creator_key_.empty() && !creator_pending_file_ && skipped_.empty() && !g_.stack_unavailable &&
           report_ != nullptr;
  }
  bool block(std::string_view body, uint64_t offset) {
    std::optional<BlockCache::Hit> hit = blocks_.lookup(body, offset);
    if (!hit) {
      if (blocks_.recording()) rec_diags_ = out_.diagnostic_total();
      return false;
    }
    take(*hit, body, offset);
    return true;
  }
  BlockCache &blocks() { return blocks_; }

  // Parallel decoding (decode_parallel()). A part of the input that starts
  // at a goroutine header is read by a decoder of its own in listing mode:
  // as the goroutine blocks of a report's listing, stopping at anything
  // else. The decoder of the text before it then absorbs what the part
  // decoded up to its last clean point: a goroutine boundary with nothing
  // diagnosed and no line but goroutine text before it. The result is what
  // one decoder reading all lines would have made.
  struct ListingPoint {
    uint64_t offset = 0;      // where the text after the point starts
    uint64_t report_end = 0;  // report_end_ there
    size_t goroutines = 0, stacks = 0, creators = 0;
    FormatFeatures features;
  };
  void begin_listing(uint64_t offset);
  // Before the line at OFFSET: whether the listing goes on with it. Marks a
  // clean point between goroutines.
  bool listing_continues(std::string_view line, uint64_t offset);
  void end_listing(uint64_t end_offset);
  bool can_absorb() const;
  // Appends the goroutines PART decoded up to its clean point, as if this
  // decoder had read them; false (nothing taken) when they could not be.
  bool absorb(TracebackDecoderImpl &part);
  const ListingPoint &listing_point() const { return point_; }
  // Applies the cache's prediction when `rest` (at `offset`) starts with it;
  // the bytes it took, 0 otherwise.
  size_t take_predicted(std::string_view rest, uint64_t offset) {
    std::optional<BlockCache::Hit> hit = blocks_.match_predicted(rest);
    if (!hit) return 0;
    take(*hit, rest.substr(0, hit->size), offset);
    return hit->size;
  }

private:
  enum class State {
    Idle,
    Preamble,
    Goroutine,
    AfterGoroutine,
    RuntimeStack,
    Race,
    RunningTests,
    Foreign,
    GinPreamble,
    Profile
  };

  // Report lifecycle.
  void start_report(uint64_t offset, const LinePrefix &prefix, bool tentative);
  void end_report(uint64_t end_offset);
  bool in_report() const { return report_ != nullptr; }

  // Line handlers; each returns false when the line does not belong there.
  void dispatch(std::string_view s, uint64_t offset);
  bool preamble_line(std::string_view s, uint64_t offset);
  bool goroutine_line(std::string_view s, uint64_t offset);
  bool after_goroutine_line(std::string_view s, uint64_t offset);
  bool runtime_stack_line(std::string_view s, uint64_t offset);
  bool race_line(std::string_view s, uint64_t offset);
  bool foreign_line(std::string_view s, uint64_t offset);
  bool gin_preamble_line(std::string_view s, uint64_t offset);
  bool profile_line(std::string_view s, uint64_t offset);
  void finish_profile_record();
  // Recovered panics (traceback/recovery.h).
  bool recovery_header(std::string_view line, uint64_t offset);
  void set_pending_recovery(const char *producer, std::string value, std::string value_source, std::string_view message,
                            uint64_t offset);
  bool headerless_start(std::string_view line, uint64_t offset);
  void start_headerless_goroutine(StackDialect dialect, uint64_t offset);
  void begin_goroutine_body();  // g_ is set: a goroutine's frames follow
  void classify_report(Report &r);
  void idle_line(std::string_view raw, uint64_t offset);

  // PARSED/UNKNOWN: what parse_goroutine_header() gave for s, when called already.
  void start_goroutine(std::string_view s, uint64_t offset, Goroutine *parsed = nullptr,
                       std::string *unknown = nullptr);
  void finish_goroutine(uint64_t offset);
  void finish_ancestor();
  bool stack_frame_line(StackBuilder &b, std::string_view s);
  StackRef intern_stack(StackBuilder &b);
  FrameRef intern_creator(const std::string &key);
  void add_panic(std::string_view message, bool fatal, uint64_t offset);
  void set_fatal(std::string_view message, uint64_t offset);
  void parse_signal_bracket(std::string_view s, uint64_t offset);
  void parse_pc_line(std::string_view s);
  void register_line(std::string_view s, uint64_t offset);
  void finish_race_stack();
  void diag(Severity sev, uint64_t offset, std::string msg) { out_.add_diagnostic({sev, offset, std::move(msg)}); }

  Input &out_;
  std::unique_ptr<Report> report_;
  bool tentative_ = false;         // started mid-line; dropped unless confirmed
  bool in_record_ = false;         // between record_begin and record_end
  std::string_view current_line_;  // the logical line being read, before its prefix is stripped
  std::string pending_gap_;        // a missing line just before the next report
  unsigned pending_gap_lines_ = 0;
  LinePrefix prefix_;
  State state_ = State::Idle;
  uint64_t last_offset_ = 0;
  uint64_t report_end_ = 0;
  size_t foreign_lines_ = 0;
  bool separator_seen_ = false;    // "-----" between per-M sections (GOTRACEBACK=crash)
  bool last_was_message_ = false;  // previous preamble line was panic text

  // Goroutine under construction.
  Goroutine g_;
  bool have_g_ = false;
  StackBuilder stack_{true};
  std::string creator_key_;
  bool creator_pending_file_ = false;
  bool in_ancestor_ = false;
  Ancestor ancestor_;
  StackBuilder ancestor_stack_;
  std::string ancestor_creator_key_;
  IdSet seen_ids_;
  std::string unknown_header_;

  // Race report under construction.
  RaceReport *race_ = nullptr;
  StackBuilder race_stack_;
  enum class RaceTarget { None, Access, Goroutine } race_target_ = RaceTarget::None;

  // Runtime stack ("runtime stack:").
  StackBuilder runtime_stack_;

  // Recovered panics: what a log line or a structured record said before the
  // stack it introduces; it lapses after a few lines.
  struct PendingRecovery {
    RecoveryLog log;
    std::string value;
    std::string line;  // the announcing line as read, for a pipeline's prefix
    unsigned lines = 0;
    bool value_follows = false;   // the value is on the next non-empty line
    bool needs_evidence = false;  // a record with a stack: recovered only if its stack shows a panic
    std::string tool_failure;     // a Go tool died reporting it (internal compiler error)
  };
  std::optional<PendingRecovery> pending_recovery_;
  // P was recovered, as R's log line says; its value, if any, is a recovered panic.
  static void adopt_recovery(Process &p, PendingRecovery &&r) {
    p.recovery = std::move(r.log);
    if (r.value.empty()) return;
    PanicRecord pr;
    pr.message = std::move(r.value);
    pr.recovered = true;
    pr.offset = p.recovery->offset;
    p.panics.push_back(std::move(pr));
  }
  std::optional<PendingRecovery> report_record_;
  std::string gin_header_line_;  // a record's stack that may be a recovered panic's
  bool record_message_ = false;  // between record_begin and stack_begin: the record's message
  std::string context_line_;     // the last idle line that was not traceback text
  uint64_t context_offset_ = 0;
  bool context_fresh_ = false;  // no other line came after it
  std::string report_context_;  // context_line_ when it came right before this report
  uint64_t report_context_offset_ = 0;
  // A function line that may begin a stack printed without a goroutine header.
  std::string headerless_fn_;
  uint64_t headerless_fn_offset_ = 0;
  // Set by stack_begin: the record's stack follows, with or without a header.
  std::optional<logs::StackForm> record_stack_;
  // A stack in a library's own format (StackDialect other than Goroutine).
  StackDialect dialect_ = StackDialect::Goroutine;
  std::vector<Frame> foreign_frames_;
  Frame foreign_creator_;
  bool foreign_creator_open_ = false, foreign_frame_open_ = false;
  enum class GinPhase { Start, RequestDump, Value } gin_phase_ = GinPhase::Start;
  // goroutine?debug=1: the record being read ("N @ 0x..." and its "#" lines).
  struct ProfileRecord {
    uint64_t count = 0, offset = 0;
    size_t pcs = 0;  // addresses on the "@" line
    std::string labels;
    std::vector<Frame> frames;
    bool open = false;
  } profile_record_;
  uint64_t profile_budget_ = profile::goroutine_budget();  // for the whole input
  uint64_t profile_counted_ = 0, profile_listed_ = 0;      // this report's
  std::string gin_value_;

  // "runtime: ..." lines seen just before a crash anchor.
  std::vector<std::string> pending_runtime_;
  uint64_t pending_runtime_offset_ = 0;
  LinePrefix pending_runtime_prefix_;

  // Interned stacks and creators, shared by all reports of this input.
  std::unordered_map<std::string, StackRef> stacks_;
  std::unordered_map<std::string, FrameRef> creators_;
  // The last entries found or added: runs of goroutines share them, and one
  // compare is cheaper than hashing the key. Map nodes never move.
  const std::pair<const std::string, StackRef> *last_stack_ = nullptr;
  const std::pair<const std::string, FrameRef> *last_creator_ = nullptr;

  static constexpr size_t kMaxSkippedLines = 8;
  std::vector<std::pair<uint64_t, std::string>> skipped_;

  FormatFeatures features_;

  // Listing mode (a part of parallel decoding).
  bool listing_ = false;
  bool violated_ = false;  // a line that is not goroutine text: the listing ends before it
  ListingPoint point_;
  // The stacks and creators this listing interned, in order.
  std::vector<const std::pair<const std::string, StackRef> *> stack_order_;
  std::vector<const std::pair<const std::string, FrameRef> *> creator_order_;
  bool listing_clean() const { return !violated_ && out_.diagnostic_total() == 0 && report_; }
  void mark_listing_point(uint64_t offset);
  struct Rebase;
  // ARGS_DONE: G's own arguments were rebased already.
  void rebase(Goroutine &g, const Rebase &r, bool args_done = false);

  // Block fast path: bodies seen before and what they gave.
  BlockCache blocks_;
  // Applies a cached body's outcome, as goroutine_line() would have, ending with finish_goroutine().
  void take(const BlockCache::Hit &hit, std::string_view body, uint64_t offset);
  uint64_t line_offset_ = 0;  // offset of the line goroutine_line() is looking at
  size_t rec_diags_ = 0;      // diagnostics count when the recorded body began
};

void TracebackDecoderImpl::take(const BlockCache::Hit &hit, std::string_view body, uint64_t offset) {
  const BlockOutcome &e = blocks_.outcome(hit);
  if (e.note_121) features_.note("1.21");
  g_.stack = e.stack;
  if (!hit.own_args)
    g_.frame_args = e.frame_args;
  else if (!all_args_same(blocks_.args()))
    g_.frame_args = SharedText(blocks_.args());
  g_.created_by = e.created_by;
  g_.parent_goid = hit.parent;
  if (size_t n = blocks_.addr_count()) set_frame_addresses(g_, blocks_.addrs(), n);
  report_->process.goroutines.push_back(std::move(g_));
  g_ = Goroutine();
  have_g_ = false;
  state_ = State::AfterGoroutine;
  foreign_lines_ = 0;
  report_end_ = last_offset_ = offset + body.size() - 1;
  blocks_.taken(hit, body, report_->process.goroutines.back().frame_args);
}

void TracebackDecoderImpl::line(std::string_view line, uint64_t offset) {
  last_offset_ = offset + line.size();
  current_line_ = line;
  if (record_message_) {
    // A record's message is not crash text; "panic: VALUE" there names the value.
    std::string_view t = trim(line);
    if (pending_recovery_ && starts_with(t, "panic: ")) {
      if (pending_recovery_->value.empty()) {
        pending_recovery_->value = std::string(trim(t.substr(7)));
        pending_recovery_->log.value_source = "message";
      }
      pending_recovery_->needs_evidence = false;
    }
    return;
  }
  if (!in_report()) {
    idle_line(line, offset);
    return;
  }
  if (state_ == State::GinPreamble && gin_phase_ == GinPhase::Start && prefix_.empty()) {
    // gin's header has its logger's timestamp; a pipeline's prefix is on every line.
    if (size_t n = logs::shared_line_prefix(gin_header_line_, line); n > 0)
      prefix_ = LinePrefix(std::string_view(gin_header_line_).substr(0, n));
  }
  std::string_view payload;
  if (prefix_.empty()) {
    payload = line;
  } else if (!prefix_.strip(line, payload)) {
    // Interleaved output of something else (another unit in journald, say).
    // A crash anchor with another prefix starts a new report.
    size_t pos;
    Anchor a = find_anchor(line, pos);
    if (a == Anchor::Panic || a == Anchor::Fatal || a == Anchor::Race || a == Anchor::SignalHeader) {
      end_report(offset);
      idle_line(line, offset);
      return;
    }
    if (++foreign_lines_ > 1000) end_report(offset);
    return;
  }
  foreign_lines_ = 0;
  dispatch(payload, offset);
}

void TracebackDecoderImpl::note_cut_goroutine(uint64_t offset, const std::string &text) {
  // A goroutine's frames end at its blank line or "created by"; goroutine 1's
  // at main.main. Anything else means the text after it may have held more.
  if (!have_g_ || state_ != State::Goroutine || !creator_key_.empty() || stack_.frames == 0) return;
  if (starts_with(text, "exit status ") || stack_.key.find("main.main()") != std::string::npos) return;
  diag(Severity::Note, offset,
       "goroutine " + std::to_string(g_.id) + ": its frames stop at a line that is not traceback text (\"" + text +
           "\"); frames after it, if any, are not in this report");
}

void TracebackDecoderImpl::missing_line(uint64_t offset, std::string why) {
  diag(Severity::Warning, offset, "a line of the log is missing: " + why);
  if (report_)
    report_->evidence_gaps.push_back("a line of the log is missing: " + why);
  else {
    pending_gap_ = "a line of the log is missing: " + why;
    pending_gap_lines_ = 0;
  }
}

namespace {

bool contains_word_ci(std::string_view s, std::string_view word) {
  for (size_t i = 0; i + word.size() <= s.size(); ++i) {
    size_t k = 0;
    while (k < word.size() && std::tolower(static_cast<unsigned char>(s[i + k])) == word[k]) ++k;
    if (k == word.size()) return true;
  }
  return false;
}

// A record that says it is about a panic: its value or stack field is named
// for one, or its message mentions one.
bool record_names_panic(const logs::LogRecord &r) {
  std::string_view v = r.value_field, st = r.stack_field;
  if (v == "panic" || v == "recovered" || v == "recover" || st == "panic_stack") return true;
  return contains_word_ci(r.message, "panic") || contains_word_ci(r.message, "recover");
}

}  // namespace

void TracebackDecoderImpl::record_begin(const logs::LogRecord &record) {
  // A structured log record is a unit of its own: whatever was being read ends.
  if (report_) end_report(record.offset);
  in_record_ = true;
  record_stack_.reset();
  const char *producer = *record.logger                              ? record.logger
                         : std::string_view(record.format) == "klog" ? "klog"
                         : std::string_view(record.format) == "json" ? "json log"
                                                                     : "logfmt log";
  std::string message = record.message.substr(0, record.message.find('\n'));
  // The record's line never reaches line(): no announcing line to learn a
  // prefix from. current_line_ is the line before, whose bytes (the
  // unwrapper's scratch) may be gone by now.
  current_line_ = std::string_view();
  set_pending_recovery(producer, record.value, "field " + record.value_field, message, record.offset);
  pending_recovery_->log.stack_format = "";
  // zap adds a stack to every error, and errors libraries carry their own:
  // only a panic named by the record, or a panic in its stack, is recovered.
  pending_recovery_->needs_evidence = !record_names_panic(record);
  record_message_ = true;
}

void TracebackDecoderImpl::stack_begin(logs::StackForm form, uint64_t) {
  record_stack_ = form;
  record_message_ = false;
}

void TracebackDecoderImpl::record_end(uint64_t offset) {
  if (report_) {
    report_end_ = std::max(report_end_, offset);  // the record's whole line
    end_report(offset);
  }
  in_record_ = false;
  record_message_ = false;
  record_stack_.reset();
  pending_recovery_.reset();
}

// journalctl's stand-in for a line it will not print: "[67B blob data]".
bool is_blob_placeholder(std::string_view s) {
  s = trim(s);
  if (!starts_with(s, "[") || !ends_with(s, "B blob data]")) return false;
  for (size_t i = 1; i + 12 < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.' && s[i] != 'K' && s[i] != 'M') return false;
  return true;
}

void TracebackDecoderImpl::dispatch(std::string_view s, uint64_t offset) {
  if (is_blob_placeholder(s)) {
    missing_line(offset, "journalctl printed " + std::string(trim(s)) +
                             " instead of it (it holds control characters or is long; journalctl -a shows it)");
    return;
  }
  bool handled = false;
  switch (state_) {
    case State::Idle: break;
    case State::Preamble: handled = preamble_line(s, offset); break;
    case State::RunningTests: handled = preamble_line(s, offset); break;
    case State::Goroutine: handled = goroutine_line(s, offset); break;
    case State::AfterGoroutine: handled = after_goroutine_line(s, offset); break;
    case State::RuntimeStack: handled = runtime_stack_line(s, offset); break;
    case State::Race: handled = race_line(s, offset); break;
    case State::Foreign: handled = foreign_line(s, offset); break;
    case State::GinPreamble: handled = gin_preamble_line(s, offset); break;
    case State::Profile: handled = profile_line(s, offset); break;
  }
  if (handled) {
    // Unrelated lines amid a dump (interleaved logs, annotations) are reported
    // once the dump goes on; if it does not, they simply followed it.
    for (const auto &[off, text] : skipped_)
      diag(Severity::Note, off, "skipped a line that is not traceback text: " + text);
    skipped_.clear();
    report_end_ = offset + s.size();
    return;
  }
  if (listing_) {
    violated_ = true;
    return;
  }
  bool inDump = state_ == State::Goroutine || state_ == State::AfterGoroutine;
  if (inDump && anchor_at_start(s) == Anchor::None && skipped_.size() < kMaxSkippedLines) {
    skipped_.emplace_back(offset, std::string(s.substr(0, 120)));
    return;
  }
  // The line ends the report; it may start the next one, with its own prefix.
  uint64_t end = skipped_.empty() ? offset : skipped_.front().first;
  if (!skipped_.empty())
    note_cut_goroutine(skipped_.front().first, skipped_.front().second);
  else if (anchor_at_start(s) == Anchor::None)
    note_cut_goroutine(offset, std::string(s.substr(0, 120)));
  skipped_.clear();
  end_report(end);
  bool suffix = s.data() >= current_line_.data() && s.data() + s.size() == current_line_.data() + current_line_.size();
  idle_line(suffix ? current_line_ : s, offset);
}

void TracebackDecoderImpl::idle_line(std::string_view line, uint64_t offset) {
  if (size_t colon = line.find(": ["); colon != std::string_view::npos && is_blob_placeholder(line.substr(colon + 2))) {
    missing_line(offset, "journalctl printed " + std::string(trim(line.substr(colon + 2))) +
                             " instead of it (it holds control characters or is long; journalctl -a shows it)");
    return;
  }
  if (is_blob_placeholder(line)) {
    missing_line(offset, "journalctl printed " + std::string(trim(line)) + " instead of it");
    return;
  }
  if (recovery_header(line, offset)) return;
  if (headerless_start(line, offset)) return;
  // A log line about a recovered panic introduces the stack right after it.
  auto lapse_pending_recovery = [&] {
    if (pending_recovery_ && !in_record_ && ++pending_recovery_->lines > 3) pending_recovery_.reset();
  };
  // A possible first line of a headerless stack is not the log line before it.
  if (!headerless_fn_.empty() && headerless_fn_offset_ == offset) {
    lapse_pending_recovery();
    return;
  }
  size_t pos = 0;
  Anchor a = anchor_at_start(line);
  if (a == Anchor::None) a = find_anchor(line, pos);
  if (a == Anchor::None) {
    pending_runtime_.clear();
    if (pending_recovery_ && pending_recovery_->value_follows && !trim(line).empty()) {
      pending_recovery_->value = std::string(trim(line));
      pending_recovery_->log.value_source = "the line after the internal compiler error";
      pending_recovery_->value_follows = false;
      return;
    }
    lapse_pending_recovery();
    if (!pending_gap_.empty() && ++pending_gap_lines_ > 2) pending_gap_.clear();
    if (!trim(line).empty()) {
      context_line_.assign(line.substr(0, 4096));
      context_offset_ = offset;
      context_fresh_ = true;
    }
    return;
  }
  LinePrefix prefix(line.substr(0, pos));
  std::string_view payload = line.substr(pos);
  // The runtime's own panic or fatal error is a crash, whatever a log line
  // before it said about another panic.
  if ((a == Anchor::Panic || a == Anchor::Fatal || a == Anchor::Runtime) && pending_recovery_ && !in_record_ &&
      pending_recovery_->tool_failure.empty())
    pending_recovery_.reset();
  if (a == Anchor::Runtime) {
    // "runtime: out of memory: ...": keep until the fatal error that follows.
    if (pending_runtime_.empty() || pending_runtime_prefix_.text() != prefix.text()) {
      pending_runtime_.clear();
      pending_runtime_offset_ = offset;
      pending_runtime_prefix_ = prefix;
    }
    if (pending_runtime_.size() < 64) pending_runtime_.emplace_back(payload);
    return;
  }
  // "... Observed a panic: x" is a log message about a panic; "[pod] panic: x"
  // is a prefixed crash line. Prefixes end in punctuation, prose in a word.
  bool tentative = false;
  if (pos > 0 && a != Anchor::Goroutine && a != Anchor::Race) {
    size_t e = pos;
    while (e > 0 && (line[e - 1] == ' ' || line[e - 1] == '\t')) --e;
    tentative = e == 0 || std::isalnum(static_cast<unsigned char>(line[e - 1]));
  }
  uint64_t start = offset;
  if (!pending_runtime_.empty() && pending_runtime_prefix_.text() == prefix.text()) start = pending_runtime_offset_;
  start_report(start, prefix, tentative);
  report_end_ = offset + line.size();
  if (a == Anchor::Profile) {
    report_->kind = ReportKind::Snapshot;
    report_->process.profile = "debug=1";
    report_->process.goroutine_profile = true;
    profile_record_ = ProfileRecord();
    profile_counted_ = profile_listed_ = 0;
    state_ = State::Profile;
    return;
  }
  if (a == Anchor::Race) {
    report_->kind = ReportKind::Race;
    report_->process.races.emplace_back();
    race_ = &report_->process.races.back();
    race_->offset = offset;
    race_target_ = RaceTarget::None;
    state_ = State::Race;
    return;
  }
  state_ = State::Preamble;
  dispatch(payload, offset);
}

void TracebackDecoderImpl::set_pending_recovery(const char *producer, std::string value, std::string value_source,
                                                std::string_view message, uint64_t offset) {
  PendingRecovery pr;
  pr.log.producer = producer;
  pr.log.message = std::string(trim(message).substr(0, 512));
  pr.log.value_source = value.empty() ? std::string() : std::move(value_source);
  pr.log.offset = offset;
  pr.value = std::move(value);
  pr.line = std::string(current_line_.substr(0, 1024));
  pending_recovery_ = std::move(pr);
}

bool TracebackDecoderImpl::recovery_header(std::string_view line, uint64_t offset) {
  // Every form below names a panic or gin's Recovery: one search rules most lines out.
  if (line.find("anic") == std::string_view::npos && line.find("ANIC") == std::string_view::npos &&
      line.find("[Recovery]") == std::string_view::npos)
    return false;
  std::string value, message;
  size_t header_at = std::string_view::npos;
  if (parse_http_panic_serving(line, value)) {
    set_pending_recovery("net/http", std::move(value), "http: panic serving", line, offset);
    return true;
  }
  if (is_gin_recovery_header(line)) {
    set_pending_recovery("gin", "", "", line, offset);
    gin_header_line_.assign(line.substr(0, 1024));
    start_report(offset, LinePrefix(), false);
    report_end_ = offset + line.size();
    state_ = State::GinPreamble;
    gin_phase_ = GinPhase::Start;
    gin_value_.clear();
    return true;
  }
  if (parse_echo_panic_recover(line, value, header_at)) {
    set_pending_recovery("echo", std::move(value), "[PANIC RECOVER]", line, offset);
    // The goroutine header shares the line; the stack's lines have no prefix.
    if (header_at != std::string_view::npos) idle_line(line.substr(header_at), offset + header_at);
    return true;
  }
  if (parse_observed_panic(line, value)) {
    set_pending_recovery("k8s.io/apimachinery HandleCrash", std::move(value), "Observed a panic", line, offset);
    return true;
  }
  // The compiler's own panics: "x.go:11:8: internal compiler error: 'f': panic
  // during lower while compiling f:", a blank line, the value, a blank line,
  // the stack (devel builds); or "...: internal compiler error: panic: VALUE".
  if (size_t ice = line.find("internal compiler error: "); ice != std::string_view::npos) {
    std::string_view rest = line.substr(ice + 25);
    size_t during = rest.find("panic during ");
    size_t inline_panic = rest.find("panic: ");
    if (during != std::string_view::npos || inline_panic != std::string_view::npos) {
      std::string v = during == std::string_view::npos ? std::string(trim(rest.substr(inline_panic + 7))) : "";
      set_pending_recovery("go compiler", v, "internal compiler error", line, offset);
      pending_recovery_->value_follows = v.empty();
      pending_recovery_->tool_failure = std::string(trim(line));
      return true;
    }
  }
  if (parse_zap_console_line(line, message, value)) {
    set_pending_recovery("zap", std::move(value), "zap field", message, offset);
    return true;
  }
  return false;
}

void TracebackDecoderImpl::begin_goroutine_body() {
  have_g_ = true;
  stack_.clear();
  creator_key_.clear();
  creator_pending_file_ = false;
  in_ancestor_ = false;
  last_was_message_ = false;
}

void TracebackDecoderImpl::start_headerless_goroutine(StackDialect dialect, uint64_t offset) {
  blocks_.stop_recording();
  g_ = Goroutine();
  g_.id = -1;
  g_.offset = offset;
  begin_goroutine_body();
  dialect_ = dialect;
  foreign_frames_.clear();
  foreign_creator_ = Frame();
  foreign_frame_open_ = foreign_creator_open_ = false;
  state_ = dialect == StackDialect::Goroutine ? State::Goroutine : State::Foreign;
}

bool TracebackDecoderImpl::headerless_start(std::string_view line, uint64_t offset) {
  // A structured record's stack: decided on its first line.
  if (record_stack_) {
    logs::StackForm form = *record_stack_;
    record_stack_.reset();
    if (is_goroutine_header_start(line)) return false;
    Frame probe;
    std::string_view t = trim(line);
    if (form == logs::StackForm::FrameLines && looks_like_bare_function(line)) {
      start_report(offset, LinePrefix(), false);
      start_headerless_goroutine(StackDialect::FrameLines, offset);
      foreign_line(line, offset);
      report_end_ = offset + line.size();
      return true;
    }
    if (form == logs::StackForm::Goroutine && !t.empty() && t.back() == ')' && parse_function_line(t, probe)) {
      start_report(offset, LinePrefix(), false);
      start_headerless_goroutine(StackDialect::Goroutine, offset);
      goroutine_line(line, offset);
      report_end_ = offset + line.size();
      return true;
    }
    return false;
  }
  // A pipeline's prefix on every line (kubectl logs --prefix, docker compose)
  // was also on the log line that announced the stack.
  LinePrefix prefix;
  std::string_view body = line;
  if (pending_recovery_ && !pending_recovery_->line.empty()) {
    size_t n = logs::shared_line_prefix(pending_recovery_->line, line);
    if (n > 0) {
      prefix = LinePrefix(std::string_view(pending_recovery_->line).substr(0, n));
      if (!prefix.strip(line, body)) prefix = LinePrefix(), body = line;
    }
  }
  // Old apimachinery logPanic: "Observed a panic: ..." then FILE:LINE lines.
  if (pending_recovery_ && pending_recovery_->log.producer == "k8s.io/apimachinery HandleCrash") {
    ForeignStackLine fl;
    if (parse_foreign_stack_line(StackDialect::FileList, body, fl)) {
      start_report(offset, prefix, false);
      report_->process.recovery->stack_format = to_string(StackDialect::FileList);
      start_headerless_goroutine(StackDialect::FileList, offset);
      foreign_line(body, offset);
      report_end_ = offset + line.size();
      return true;
    }
  }
  // A function line, then its file line, with no goroutine header: zap's
  // stacktrace printed by its console encoder, or a paste cut at the top.
  if (!headerless_fn_.empty()) {
    std::string fn = std::move(headerless_fn_);
    headerless_fn_.clear();
    uint64_t fn_offset = headerless_fn_offset_;
    // debug.Stack before Go 1.6 (and gin today): "FILE:LINE (0xPC)" then "\tFUNC: SOURCE".
    ForeignStackLine gin_file, gin_fn;
    if (parse_foreign_stack_line(StackDialect::Gin, fn, gin_file) && gin_file.kind == ForeignStackLine::File &&
        parse_foreign_stack_line(StackDialect::Gin, body, gin_fn) && gin_fn.kind == ForeignStackLine::Function) {
      start_report(fn_offset, prefix, false);
      start_headerless_goroutine(StackDialect::Gin, fn_offset);
      foreign_line(fn, fn_offset);
      foreign_line(body, offset);
      report_end_ = offset + line.size();
      return true;
    }
    if (looks_like_bare_file_line(body) && looks_like_bare_function(fn)) {
      start_report(fn_offset, prefix, false);
      start_headerless_goroutine(StackDialect::FrameLines, fn_offset);
      foreign_line(fn, fn_offset);
      foreign_line(body, offset);
      report_end_ = offset + line.size();
      return true;
    }
    if (!body.empty() && body[0] == '\t' && fn.back() == ')') {
      std::string_view t = trim(body);
      FileLineView v;
      if (parse_file_line_view(t, v) && v.pc_offset) {
        start_report(fn_offset, prefix, false);
        start_headerless_goroutine(StackDialect::Goroutine, fn_offset);
        diag(Severity::Note, fn_offset,
             "a stack without its goroutine header (the text starts inside it); read as one goroutine");
        goroutine_line(fn, fn_offset);
        goroutine_line(body, offset);
        report_end_ = offset + line.size();
        return true;
      }
    }
  }
  if (!body.empty() && body[0] != '\t' && body[0] != ' ' && body.size() < 2048) {
    Frame probe;
    ForeignStackLine gin_file;
    if (looks_like_bare_function(body) ||
        (body.back() == ')' && body.find(' ') > body.find('(') && parse_function_line(body, probe)) ||
        (parse_foreign_stack_line(StackDialect::Gin, body, gin_file) && gin_file.kind == ForeignStackLine::File)) {
      headerless_fn_.assign(body);
      headerless_fn_offset_ = offset;
    }
  }
  return false;
}

bool TracebackDecoderImpl::foreign_line(std::string_view s, uint64_t offset) {
  ForeignStackLine fl;
  auto new_frame = [&](std::string_view function) -> Frame & {
    foreign_frames_.emplace_back();
    Frame &f = foreign_frames_.back();
    f.function = std::string(function);
    f.package = package_of(function);
    f.no_args = true;
    return f;
  };
  // gin leaves out the package: read it from GOROOT or the module cache, else leave it unknown.
  auto fill_package = [](Frame &f) {
    f.bare_name = true;
    f.package = package_from_path(f.file);
  };
  if (parse_foreign_stack_line(dialect_, s, fl)) {
    report_end_ = offset + s.size();
    switch (fl.kind) {
      case ForeignStackLine::Function:
        if (dialect_ == StackDialect::Gin && foreign_frame_open_) {
          Frame &f = foreign_frames_.back();
          f.function = std::string(fl.function);
          f.package.clear();
          fill_package(f);
          foreign_frame_open_ = false;
          return true;
        }
        new_frame(fl.function);
        foreign_frame_open_ = dialect_ != StackDialect::Gin;
        return true;
      case ForeignStackLine::File:
        if (foreign_creator_open_) {
          foreign_creator_.file = std::string(fl.file);
          foreign_creator_.line = int(fl.line);
          foreign_creator_open_ = false;
          return true;
        }
        if (foreign_frame_open_ && dialect_ != StackDialect::Gin) {
          Frame &f = foreign_frames_.back();
          f.file = std::string(fl.file);
          f.line = int(fl.line);
          foreign_frame_open_ = false;
          return true;
        }
        {
          Frame &f = new_frame("");
          f.package.clear();
          f.file = std::string(fl.file);
          f.line = int(fl.line);
          f.pc = fl.pc;
          if (dialect_ != StackDialect::Gin) fill_package(f);
          foreign_frame_open_ = dialect_ == StackDialect::Gin;
        }
        return true;
      case ForeignStackLine::CreatedBy:
        foreign_creator_ = Frame();
        foreign_creator_.function = std::string(fl.function);
        foreign_creator_.package = package_of(fl.function);
        g_.parent_goid = fl.parent;
        foreign_creator_open_ = true;
        return true;
    }
  }
  // chi's layout has blank lines after its top frame and at its end.
  if (dialect_ == StackDialect::Chi && trim(s).empty()) return true;
  return false;
}

bool TracebackDecoderImpl::gin_preamble_line(std::string_view s, uint64_t offset) {
  // After "[Recovery] ... panic recovered:": the request (debug mode: request
  // line, headers, a blank line), the value, then gin's stack.
  switch (gin_phase_) {
    case GinPhase::Start: {
      if (trim(s).empty()) return true;
      size_t sp = s.find(' ');
      if (sp != std::string_view::npos && sp > 0 && sp < 10 && s.find(" HTTP/") != std::string_view::npos &&
          std::all_of(s.begin(), s.begin() + sp, [](char c) { return c >= 'A' && c <= 'Z'; })) {
        gin_phase_ = GinPhase::RequestDump;
        return true;
      }
      gin_phase_ = GinPhase::Value;
      return gin_preamble_line(s, offset);
    }
    case GinPhase::RequestDump:
      if (trim(s).empty()) gin_phase_ = GinPhase::Value;
      return true;
    case GinPhase::Value: {
      ForeignStackLine fl;
      if (parse_foreign_stack_line(StackDialect::Gin, s, fl) && fl.kind == ForeignStackLine::File) {
        while (!gin_value_.empty() && gin_value_.back() == '\n') gin_value_.pop_back();
        Process &p = report_->process;
        if (!gin_value_.empty()) {
          PanicRecord pr;
          pr.message = std::move(gin_value_);
          pr.recovered = true;
          pr.offset = offset;
          p.panics.push_back(std::move(pr));
          if (p.recovery) p.recovery->value_source = "gin value line";
        }
        gin_value_.clear();
        if (p.recovery) p.recovery->stack_format = to_string(StackDialect::Gin);
        start_headerless_goroutine(StackDialect::Gin, offset);
        return foreign_line(s, offset);
      }
      if (gin_value_.empty() && trim(s).empty()) return true;
      if (gin_value_.size() > (64u << 10)) return false;
      if (!gin_value_.empty()) gin_value_.push_back('\n');
      gin_value_.append(s);
      return true;
    }
  }
  return false;
}

namespace {

bool is_runtime_function(const Frame &f) {
  return f.package == "runtime" || starts_with(f.package, "runtime/internal") ||
         starts_with(f.package, "internal/runtime") || f.function == "panic";
}

}  // namespace

void TracebackDecoderImpl::classify_report(Report &r) {
  Process &p = r.process;
  if (!p.races.empty()) {
    r.kind = ReportKind::Race;
    return;
  }
  const Goroutine *first = nullptr;
  for (const Goroutine &g : p.goroutines)
    if (g.id != 0) {
      first = &g;
      break;
    }
  bool printer_top = false, above_panic = false, panic_frame = false, testing_repanic = false;
  bool unannounced = false;
  if (first && first->stack && !first->stack->frames.empty()) {
    const auto &fr = first->stack->frames;
    printer_top = fr[0].function == "runtime/debug.Stack" || fr[0].function == "runtime.Stack";
    for (size_t i = 0; i < fr.size(); ++i) {
      if (!is_panic_call(fr[i])) continue;
      panic_frame = true;
      for (size_t k = 0; k < i; ++k) {
        above_panic |= !is_runtime_function(fr[k]);
        // tRunner's deferred call panics again with a test's panic value.
        testing_repanic |= fr[k].package == "testing";
      }
      break;
    }
  }
  // A record's stack taken while a deferred call recovered shows the panic.
  if (report_record_ && panic_frame && (above_panic || printer_top) && !p.recovery) {
    adopt_recovery(p, std::move(*report_record_));
    report_record_.reset();
  }
  // Only a dying runtime prints a signal line or its system stack.
  bool fatal = p.fatal || p.signal || p.runtime_stack || !p.tool_failure.empty();
  bool panic_lines = false;
  for (const PanicRecord &pr : p.panics) panic_lines |= !pr.recovered || pr.repanicked;
  // A goroutine stopped at its panic call, with nothing above it, is how the
  // runtime prints a fatal panic: its message line was lost (cut from a
  // paste, or dropped by a log pipeline).
  bool dying_panic = !above_panic && panic_frame && first && first->stack && is_panic_call(first->stack->frames[0]) &&
                     (first->status == GoroutineStatus::Running || first->status == GoroutineStatus::Unknown);
  ReportKind kind;
  if (fatal)
    kind = ReportKind::Crash;
  else if (dying_panic && p.panics.empty() && !p.recovery && !printer_top) {
    r.kind = ReportKind::Crash;
    r.evidence_gaps.push_back("the panic message is missing: goroutine " + std::to_string(first->id) +
                              " stopped at its panic call, as a fatal panic prints it");
    return;
  } else if (p.recovery)
    kind = ReportKind::Recovered;
  else if (printer_top && (panic_frame || !p.panics.empty()))
    kind = ReportKind::Recovered;
  else if (!panic_lines && above_panic && testing_repanic) {
    r.kind = ReportKind::Crash;
    r.evidence_gaps.push_back(
        std::string(p.panics.empty() ? "the panic message is missing" : "a panic line is missing") + ": goroutine " +
        std::to_string(first->id) +
        " is in the testing package's deferred call, which panics again with a test's panic");
    return;
  } else if (!panic_lines && above_panic) {
    // A stack printed by a deferred call that recovered, or a deferred call's
    // fatal panic whose message lines were lost: the same frames.
    kind = ReportKind::Recovered;
    unannounced = p.panics.empty();
  } else if (printer_top || p.panics.empty())
    kind = ReportKind::Snapshot;
  else
    kind = ReportKind::Crash;
  r.kind = kind;
  if (kind == ReportKind::Snapshot && report_record_) {
    const RecoveryLog &log = report_record_->log;
    diag(Severity::Note, r.offset,
         "a stack logged with a " + log.producer + " record (\"" + log.message.substr(0, 120) +
             "\"); nothing in it names a panic, and no panic is in its stack (a logged stack, not a crash)");
    return;
  }
  if (kind == ReportKind::Snapshot) {
    p.goroutine_profile = !printer_top;
    if (printer_top)
      diag(Severity::Note, r.offset,
           "a stack printed by " + first->stack->frames[0].function +
               " in a running program (a logged stack, not a crash)");
    return;
  }
  if (kind != ReportKind::Recovered) return;
  if (!p.recovery) {
    p.recovery.emplace();
    p.recovery->producer = printer_top ? first->stack->frames[0].function : "runtime.Stack";
    p.recovery->offset = r.offset;
  }
  if (p.recovery->stack_format.empty()) p.recovery->stack_format = to_string(dialect_);
  // A stack logged without its header was printed by the goroutine itself,
  // while it ran the deferred call that recovered.
  for (Goroutine &g : p.goroutines)
    if (g.id < 0 && g.status == GoroutineStatus::Unknown) {
      g.status = GoroutineStatus::Running;
      break;
    }
  if (p.panics.empty() && !report_context_.empty()) {
    std::string v = value_from_log_line(report_context_);
    if (!v.empty()) {
      PanicRecord pr;
      pr.message = std::move(v);
      pr.offset = report_context_offset_;
      p.panics.push_back(std::move(pr));
      p.recovery->value_source = "log line";
      if (p.recovery->message.empty()) p.recovery->message = std::string(trim(report_context_).substr(0, 512));
      unannounced = false;
    }
  }
  if (unannounced)
    r.evidence_gaps.push_back(
        "no log line or panic line comes with this stack: it was printed inside a deferred "
        "call after a panic, which recovered it or panicked again");
  for (PanicRecord &pr : p.panics) pr.recovered = true;
}

void TracebackDecoderImpl::finish_profile_record() {
  ProfileRecord &rec = profile_record_;
  if (!rec.open) return;
  rec.open = false;
  auto st = make_ref<Stack>();
  st->frames = std::move(rec.frames);
  // debug=1 hides the runtime's frames at the top: more addresses than frames
  // means the goroutine stopped inside the runtime, parked.
  bool parked = rec.pcs > st->frames.size() + 1;
  profile_counted_ = rec.count > UINT64_MAX - profile_counted_ ? UINT64_MAX : profile_counted_ + rec.count;
  profile_listed_ += profile::add_goroutines(report_->process, rec.count, StackRef(st), rec.labels, parked, rec.offset,
                                             profile_budget_);
  rec = ProfileRecord();
}

bool TracebackDecoderImpl::profile_line(std::string_view s, uint64_t offset) {
  // runtime/pprof printCountProfile: "N @ 0x.. 0x..", "# labels: {...}",
  // "#\t0xPC\tFUNC+0xOFF\tFILE:LINE" (tab runs from a tabwriter), a blank line.
  ProfileRecord &rec = profile_record_;
  if (s.empty()) {
    finish_profile_record();
    return true;
  }
  if (s[0] == '#') {
    if (!rec.open) return false;
    if (starts_with(s, "# labels: {") && s.back() == '}') {
      rec.labels = std::string(s.substr(11, s.size() - 12));
      return true;
    }
    std::vector<std::string_view> parts;
    size_t pos = 1;
    while (pos < s.size()) {
      while (pos < s.size() && s[pos] == '\t') ++pos;
      size_t end = s.find('\t', pos);
      if (end == std::string_view::npos) end = s.size();
      if (end > pos) parts.push_back(s.substr(pos, end - pos));
      pos = end;
    }
    Frame f;
    if (parts.empty() || !parse_hex(parts[0])) return false;
    f.pc = parse_hex(parts[0]);
    f.no_args = true;
    if (parts.size() >= 2) {
      std::string_view fn = parts[1];
      size_t plus = fn.rfind("+0x");
      if (plus != std::string_view::npos) {
        f.pc_offset = parse_hex(fn.substr(plus + 1));
        fn = fn.substr(0, plus);
      }
      f.function = std::string(fn);
      f.package = package_of(fn);
    }
    if (parts.size() >= 3) {
      std::string_view fl = parts[2];
      size_t colon = fl.rfind(':');
      if (colon != std::string_view::npos) {
        f.file = std::string(fl.substr(0, colon));
        f.line = int(parse_decimal(fl.substr(colon + 1)).value_or(0));
      }
    }
    rec.frames.push_back(std::move(f));
    return true;
  }
  size_t at = s.find(" @");
  auto count = parse_decimal(s.substr(0, at));
  if (at == std::string_view::npos || !count || *count < 0) return false;
  finish_profile_record();
  rec.open = true;
  rec.count = uint64_t(*count);
  rec.offset = offset;
  rec.pcs = 0;
  for (size_t i = at + 2; i < s.size();) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    ++rec.pcs;
    while (i < s.size() && s[i] != ' ') ++i;
  }
  return true;
}

void TracebackDecoderImpl::start_report(uint64_t offset, const LinePrefix &prefix, bool tentative) {
  report_ = std::make_unique<Report>();
  report_->offset = offset;
  prefix_ = prefix;
  tentative_ = tentative;
  foreign_lines_ = 0;
  separator_seen_ = false;
  last_was_message_ = false;
  seen_ids_.clear();
  features_ = FormatFeatures();
  race_ = nullptr;
  if (!pending_runtime_.empty() && pending_runtime_prefix_.text() == prefix.text()) {
    report_->process.notes = pending_runtime_;
  }
  pending_runtime_.clear();
  dialect_ = StackDialect::Goroutine;
  if (pending_recovery_ && !pending_recovery_->tool_failure.empty()) {
    Process &p = report_->process;
    p.tool_failure = std::move(pending_recovery_->tool_failure);
    p.notes.push_back(p.tool_failure);
    if (!pending_recovery_->value.empty()) {
      PanicRecord pr;
      pr.message = std::move(pending_recovery_->value);
      pr.recovered = true;  // recovered by the tool, which then reported it and died
      pr.offset = offset;
      p.panics.push_back(std::move(pr));
    }
    pending_recovery_.reset();
  }
  report_record_.reset();
  if (pending_recovery_ && pending_recovery_->needs_evidence) {
    report_->offset = std::min(report_->offset, pending_recovery_->log.offset);
    report_record_ = std::move(pending_recovery_);
    pending_recovery_.reset();
  }
  if (pending_recovery_) {
    Process &p = report_->process;
    // The report starts at the log line that announced it.
    report_->offset = std::min(report_->offset, pending_recovery_->log.offset);
    adopt_recovery(p, std::move(*pending_recovery_));
    pending_recovery_.reset();
  }
  if (!pending_gap_.empty()) {
    report_->evidence_gaps.push_back(std::move(pending_gap_));
    pending_gap_.clear();
  }
  report_context_.clear();
  if (context_fresh_ && !report_->process.recovery) {
    report_context_ = context_line_;
    report_context_offset_ = context_offset_;
  }
  context_fresh_ = false;
  headerless_fn_.clear();
}

void TracebackDecoderImpl::end_report(uint64_t end_offset) {
  if (!report_) return;
  if (have_g_) finish_goroutine(end_offset);
  if (state_ == State::Profile) {
    finish_profile_record();
    if (profile_counted_ > profile_listed_)
      diag(Severity::Warning, report_->offset, profile::unexpanded_warning(profile_counted_, profile_listed_));
  }
  if (state_ == State::RuntimeStack) {
    report_->process.runtime_stack_frames = intern_stack(runtime_stack_);
    runtime_stack_.clear();
  }
  if (state_ == State::Race) finish_race_stack();
  Process &p = report_->process;
  bool confirmed = !p.goroutines.empty() || !p.races.empty() || p.signal || p.runtime_stack;
  if (tentative_ && !confirmed) {
    diag(Severity::Note, report_->offset,
         "ignored a crash-like line with a log prefix: no goroutine traceback followed it");
    report_.reset();
    state_ = State::Idle;
    return;
  }
  if (p.panics.empty() && !p.fatal && !p.signal && p.goroutines.empty() && p.races.empty()) {
    report_.reset();
    state_ = State::Idle;
    return;
  }
  // Runtime lines seen before "fatal error:" belong to it.
  if (p.fatal && p.fatal->runtime_lines.empty() && !p.notes.empty()) {
    std::vector<std::string> keep;
    for (auto &n : p.notes) {
      if (starts_with(n, "runtime: "))
        p.fatal->runtime_lines.push_back(n);
      else
        keep.push_back(n);
    }
    p.notes = std::move(keep);
  }
  classify_report(*report_);
  if (report_->kind == ReportKind::Crash && p.goroutines.empty() && !p.runtime_stack) {
    diag(Severity::Warning, report_end_,
         "the crash message is not followed by a goroutine traceback (GOTRACEBACK=none, or the text is truncated)");
  }
  infer_go_version(p, features_);
  report_->end_offset = std::max(report_end_, report_->offset);
  out_.add_report(std::move(*report_));
  report_.reset();
  state_ = State::Idle;
}

void TracebackDecoderImpl::add_panic(std::string_view msg, bool fatal, uint64_t offset) {
  PanicRecord pr;
  pr.offset = offset;
  pr.fatal = fatal;
  // Suffixes printed by printpanics.
  msg = msg.substr(0, strip_recovery_suffix(msg, pr));
  if (pr.repanicked) features_.note("1.25");
  pr.message = std::string(msg);
  if (starts_with(msg, "panic called with nil argument")) features_.note("1.21");
  report_->process.panics.push_back(std::move(pr));
  last_was_message_ = true;
}

void TracebackDecoderImpl::set_fatal(std::string_view msg, uint64_t offset) {
  Process &p = report_->process;
  if (!p.fatal) {
    p.fatal.emplace();
    p.fatal->message = std::string(msg);
    p.fatal->offset = offset;
  }
}

void TracebackDecoderImpl::parse_signal_bracket(std::string_view s, uint64_t offset) {
  // "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f3d6]"
  // "[signal 0xb code=0x1 addr=0x0 pc=0x0]"
  Process &p = report_->process;
  if (!p.signal) p.signal.emplace();
  SignalInfo &sig = *p.signal;
  sig.offset = offset;
  std::string_view body = s.substr(8);
  if (!body.empty() && body.back() == ']') body.remove_suffix(1);
  size_t codePos = body.find(" code=");
  std::string_view head = body.substr(0, codePos);
  size_t colon = head.find(": ");
  if (colon != std::string_view::npos) {
    sig.name = std::string(head.substr(0, colon));
    sig.description = std::string(head.substr(colon + 2));
  } else if (auto n = parse_hex(head)) {
    sig.number = int64_t(*n);
  } else {
    sig.name = std::string(head);
  }
  if (codePos == std::string_view::npos) return;
  std::string_view rest = body.substr(codePos + 1);
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    std::string_view tok = rest.substr(0, sp);
    if (starts_with(tok, "code="))
      sig.code = parse_hex(tok.substr(5));
    else if (starts_with(tok, "addr="))
      sig.addr = parse_hex(tok.substr(5));
    else if (starts_with(tok, "pc="))
      sig.pc = parse_hex(tok.substr(3));
    if (sp == std::string_view::npos) break;
    rest = rest.substr(sp + 1);
  }
}

void TracebackDecoderImpl::parse_pc_line(std::string_view s) {
  // "PC=0x4579c1 m=0 sigcode=0 addr=0x0" (fatal signal handler, SIGQUIT)
  Process &p = report_->process;
  if (!p.signal) p.signal.emplace();
  SignalInfo &sig = *p.signal;
  std::string_view rest = s;
  Thread t;
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    std::string_view tok = rest.substr(0, sp);
    if (starts_with(tok, "PC=")) {
      if (!sig.pc) sig.pc = parse_hex(tok.substr(3));
    } else if (starts_with(tok, "m=")) {
      auto m = parse_decimal(tok.substr(2));
      if (m) {
        if (sig.m < 0) sig.m = *m;
        t.m = *m;
      }
    } else if (starts_with(tok, "sigcode=")) {
      if (!sig.code) {
        auto c = parse_decimal(tok.substr(8));
        if (c) sig.code = uint64_t(*c);
      }
    } else if (starts_with(tok, "addr=")) {
      if (!sig.addr) sig.addr = parse_hex(tok.substr(5));
    } else if (starts_with(tok, "goid=")) {
      auto gid = parse_decimal(tok.substr(5));
      if (gid && !sig.goid) sig.goid = uint64_t(*gid);
    }
    if (sp == std::string_view::npos) break;
    rest = rest.substr(sp + 1);
  }
  // Each M's section opens a thread record for the register dump that follows.
  t.offset = 0;
  p.threads.push_back(std::move(t));
}

void TracebackDecoderImpl::register_line(std::string_view s, uint64_t offset) {
  Process &p = report_->process;
  if (p.threads.empty()) {
    p.threads.emplace_back();
    p.threads.back().offset = offset;
  }
  Thread &t = p.threads.back();
  if (t.registers.empty()) t.offset = offset;
  size_t sp = s.find(' ');
  std::string_view name = s.substr(0, sp);
  auto v = parse_hex(trim(s.substr(sp)));
  t.registers.emplace_back(std::string(name), v.value_or(0));
}

bool TracebackDecoderImpl::preamble_line(std::string_view s, uint64_t offset) {
  Process &p = report_->process;
  if (s.empty()) {
    last_was_message_ = false;
    if (state_ == State::RunningTests) state_ = State::Preamble;
    return true;
  }
  if (state_ == State::RunningTests) {
    // "\t\tTestHang (2s)" (Go 1.23+), "\tTestHang (2s)" before.
    if (s[0] == '\t') {
      std::string_view t = trim(s);
      size_t sp = t.rfind(" (");
      if (sp != std::string_view::npos && t.back() == ')')
        p.test_timeout->running.emplace_back(std::string(t.substr(0, sp)),
                                             std::string(t.substr(sp + 2, t.size() - sp - 3)));
      else
        p.test_timeout->running.emplace_back(std::string(t), "");
      return true;
    }
    state_ = State::Preamble;
  }
  switch (anchor_at_start(s)) {
    case Anchor::Panic:
      if (!p.goroutines.empty()) return false;  // a new crash
      add_panic(s.substr(7), false, offset);
      if (starts_with(s, "panic: test timed out after ")) {
        p.test_timeout.emplace();
        p.test_timeout->after = std::string(trim(s.substr(28)));
      }
      return true;
    case Anchor::Fatal:
      if (!p.goroutines.empty()) return false;
      set_fatal(s.substr(13), offset);
      last_was_message_ = true;
      return true;
    case Anchor::Goroutine: start_goroutine(s, offset); return true;
    case Anchor::SignalHeader: {
      // GOTRACEBACK=crash repeats "SIGQUIT: quit" for every other M; the first
      // header names the signal that killed the process.
      if (p.signal && p.signal->from_header) return true;
      if (!p.signal) p.signal.emplace();
      size_t colon = s.find(": ");
      p.signal->name = std::string(s.substr(0, colon));
      p.signal->description = std::string(s.substr(colon + 2));
      p.signal->from_header = true;
      p.signal->offset = offset;
      last_was_message_ = false;
      return true;
    }
    case Anchor::FaultAddress:
      p.notes.emplace_back(s);
      if (!p.signal) p.signal.emplace();
      p.signal->addr = parse_hex(trim(s.substr(25)));
      return true;
    case Anchor::Runtime:
      p.notes.emplace_back(s);
      if (p.fatal) p.fatal->runtime_lines.emplace_back(s);
      last_was_message_ = false;
      return true;
    case Anchor::Exception: {
      if (!p.signal) p.signal.emplace();
      std::string_view code = s.substr(10, s.find(' ', 10) - 10);
      p.signal->name = "Exception " + std::string(code);
      p.signal->description = code == "0xc0000005" ? "access violation" : "Windows exception";
      p.signal->from_header = true;
      p.signal->offset = offset;
      return true;
    }
    case Anchor::Race:
    case Anchor::Profile: return false;
    case Anchor::SignalBracket:
    case Anchor::RuntimeStack:
    case Anchor::None: break;
  }
  // Chained panics are tab-indented; some log pipelines turn the tab into spaces.
  if (s[0] == '\t' || s[0] == ' ') {
    std::string_view t = trim_left(s);
    if (starts_with(t, "panic: ")) {
      add_panic(t.substr(7), false, offset);
      return true;
    }
    if (starts_with(t, "fatal error: ")) {
      add_panic(t.substr(13), true, offset);
      set_fatal(t.substr(13), offset);
      return true;
    }
  }
  if (starts_with(s, "[signal ")) {
    parse_signal_bracket(s, offset);
    last_was_message_ = false;
    return true;
  }
  if (starts_with(s, "-> ") && ends_with(prefix_.text(), " ") && p.goroutines.empty() && p.panics.size() == 1 &&
      !p.fatal && !p.signal) {
    // chi's Recoverer (middleware.PrintPrettyStack): " panic: VALUE", then the
    // panicking frame as " -> FUNC" / " ->   FILE:LINE", then its callers. Its
    // leading space was taken for part of a prefix: give it back.
    prefix_ = LinePrefix(std::string_view(prefix_.text()).substr(0, prefix_.text().size() - 1));
    tentative_ = false;
    p.recovery.emplace();
    p.recovery->producer = "chi";
    p.recovery->value_source = "chi panic line";
    p.recovery->stack_format = to_string(StackDialect::Chi);
    p.recovery->offset = report_->offset;
    start_headerless_goroutine(StackDialect::Chi, offset);
    return foreign_line(std::string(" ") + std::string(s), offset);
  }
  if (starts_with(s, "PC=")) {
    parse_pc_line(s);
    return true;
  }
  if (s == "signal arrived during cgo execution" || s == "signal arrived during external code execution") {
    if (!p.signal) p.signal.emplace();
    p.signal->during_cgo = true;
    return true;
  }
  if (starts_with(s, "[instruction bytes:") || starts_with(s, "preempt off reason:")) {
    p.notes.emplace_back(s);
    return true;
  }
  if (s == "runtime stack:") {
    p.runtime_stack = true;
    runtime_stack_.clear();
    state_ = State::RuntimeStack;
    return true;
  }
  if (p.test_timeout && trim(s) == "running tests:") {
    state_ = State::RunningTests;
    return true;
  }
  if (is_register_line(s)) {
    register_line(s, offset);
    return true;
  }
  // Frames with no goroutine header (Windows exceptions): an unnamed goroutine.
  if (!last_was_message_ && p.signal && p.signal->from_header && !p.panics.size() && s.back() == ')' &&
      s.find('(') != std::string_view::npos && s[0] != ' ' && s[0] != '\t') {
    start_goroutine("goroutine 0 [unknown]:", offset);
    g_.id = -1;
    g_.status = GoroutineStatus::Unknown;
    g_.wait_reason = InternedString();
    seen_ids_.insert(-1);
    return goroutine_line(s, offset);
  }
  // Continuation of a multi-line panic value: "\t"-indented since Go 1.23,
  // raw before.
  if (!p.panics.empty() && (last_was_message_ || s[0] == '\t')) {
    std::string_view cont = s[0] == '\t' ? s.substr(1) : s;
    PanicRecord &last = p.panics.back();
    if (last.message.size() + cont.size() >= resource_limits().panic_message_bytes) {
      // Longer than any value a program means to print: the text after the
      // panic line is something else (a log's later records).
      diag(Severity::Warning, offset,
           "the panic value goes on for more than " + std::to_string(resource_limits().panic_message_bytes / 1024) +
               " KiB; read up to here, and the rest as other text");
      return false;
    }
    last.message += '\n';
    last.message += cont;
    last.message.resize(strip_recovery_suffix(last.message, last));
    return true;
  }
  if (p.fatal && last_was_message_ && p.fatal->message.size() + s.size() < resource_limits().panic_message_bytes) {
    p.fatal->message += '\n';
    p.fatal->message += s;
    return true;
  }
  return false;
}

void TracebackDecoderImpl::start_goroutine(std::string_view s, uint64_t offset, Goroutine *parsed,
                                           std::string *unknown) {
  blocks_.stop_recording();
  if (parsed) {
    g_ = std::move(*parsed);
    unknown_header_ = std::move(*unknown);
  } else {
    g_ = Goroutine();
    unknown_header_.clear();
  }
  if (!parsed && !parse_goroutine_header(s, g_, &unknown_header_)) {
    diag(Severity::Warning, offset, "malformed goroutine header: " + std::string(s.substr(0, 120)));
    g_ = Goroutine();
    g_.id = parse_decimal(s.substr(10, s.find(' ', 10) - 10)).value_or(-1);
  }
  if (!unknown_header_.empty())
    diag(Severity::Note, offset,
         "goroutine " + std::to_string(g_.id) + ": unrecognized header item: " + unknown_header_);
  g_.offset = offset;
  features_.header(g_);
  if (!g_.details().labels.empty() && s.find("] {") != std::string_view::npos) features_.note("1.27");
  begin_goroutine_body();
  state_ = State::Goroutine;
  seen_ids_.insert(g_.id);
}

bool TracebackDecoderImpl::stack_frame_line(StackBuilder &b, std::string_view s) {
  if (b.pending_function) {
    std::string_view t = trim(s);
    // fp= and sp= differ per goroutine; keep them out of the shared stack key.
    bool has_equals = std::memchr(t.data(), '=', t.size()) != nullptr;
    size_t fp = has_equals ? t.find(" fp=0x") : std::string_view::npos;
    if (fp != std::string_view::npos) {
      FileLineView v;
      if (!parse_file_line_view(t, v)) return false;
      b.key.append(t.substr(0, fp));
      size_t pc = t.find(" pc=0x", fp);
      if (pc != std::string_view::npos) b.key.append(t.substr(pc));
      b.any_addr = true;
      b.addrs.push_back(v.addr);
      if (blocks_.recording() && &b == &stack_ && line_offset_ >= blocks_.recording_start()) {
        // The values of " fp=0x.. sp=0x..", in body offsets.
        size_t at = size_t(line_offset_ - blocks_.recording_start()) + size_t(t.data() - s.data());
        size_t sp = t.find(" sp=0x", fp);
        if (sp == std::string_view::npos || pc == std::string_view::npos || sp > pc || v.addr == FrameAddresses()) {
          blocks_.spoil();
        } else {
          blocks_.addr_hole(at + fp + 4, sp - fp - 4);
          blocks_.addr_hole(at + sp + 4, pc - sp - 4);
        }
      }
    } else {
      if (!looks_like_file_line(t)) return false;
      b.key.append(t);
      b.addrs.emplace_back();
    }
    b.key.push_back('\n');
    b.pending_function = false;
    return true;
  }
  std::string_view t = trim(s);
  if (t.empty()) return false;
  if (t[0] == 'n' && starts_with(t, "non-Go function at pc=")) {
    b.key.append(t);
    b.key.push_back('\n');
    b.addrs.emplace_back();
    b.add_args({});
    return true;
  }
  if (t[0] == '.' && starts_with(t, "...") && ends_with(t, "elided...")) {
    b.key.append(t);
    b.key.push_back('\n');
    if (t != "...additional frames elided...") {
      features_.note("1.21");
      blocks_.note_121();
    }
    return true;
  }
  if (t.size() >= 3 && t.back() == ')' && t.find('(') != std::string_view::npos) {
    if (b.split_args) {
      size_t open = t.rfind('(');
      b.key.append(t.data(), open + 1);
      b.key.append(std::string_view(")\n"));
      std::string_view a = t.substr(open + 1, t.size() - open - 2);
      if (blocks_.recording() && &b == &stack_ && line_offset_ >= blocks_.recording_start())
        blocks_.arg_hole(size_t(line_offset_ - blocks_.recording_start()) + size_t(a.data() - s.data()), a, b.frames);
      b.add_args(a);
    } else {
      b.key.append(t);
      b.key.push_back('\n');
      ++b.frames;
    }
    b.pending_function = true;
    return true;
  }
  return false;
}

StackRef TracebackDecoderImpl::intern_stack(StackBuilder &b) {
  if (last_stack_ && last_stack_->first == b.key) return last_stack_->second;
  auto it = stacks_.find(b.key);
  if (it != stacks_.end()) {
    last_stack_ = &*it;
    return it->second;
  }
  auto st = make_ref<Stack>();
  std::string_view k = b.key;
  Frame *pendingFrame = nullptr;
  while (!k.empty()) {
    size_t nl = k.find('\n');
    std::string_view l = k.substr(0, nl);
    k = nl == std::string_view::npos ? std::string_view() : k.substr(nl + 1);
    if (pendingFrame) {
      parse_file_line(l, *pendingFrame);
      // Inlined frames print "(...)" and no "+0x" offset.
      pendingFrame->inlined = pendingFrame->args == "..." && !pendingFrame->pc_offset;
      if (!listing_) features_.args(pendingFrame->args);
      pendingFrame = nullptr;
      continue;
    }
    if (starts_with(l, "non-Go function at pc=")) {
      Frame f;
      f.non_go = true;
      f.function = "non-Go function";
      f.pc = parse_hex(trim(l.substr(22)));
      st->frames.push_back(std::move(f));
      continue;
    }
    if (starts_with(l, "...")) {
      st->elided_at = st->frames.size();
      if (l == "...additional frames elided...")
        st->elided_count = -1;
      else
        st->elided_count = parse_decimal(l.substr(3, l.find(' ') - 3)).value_or(-1);
      continue;
    }
    Frame f;
    if (l[0] == '?' || !parse_function_line(l, f)) {
      f.function = std::string(l[0] == '?' ? l.substr(1) : l);
      f.package.clear();
    }
    st->frames.push_back(std::move(f));
    pendingFrame = &st->frames.back();
  }
  if (b.split_args) {
    st->joined_args = b.args;
    std::string_view all = b.args;
    for (Frame &f : st->frames) {
      size_t sep = all.find(kArgsSeparator);
      f.args = std::string(all.substr(0, sep));
      f.inlined = f.args == "..." && !f.pc_offset;
      if (!listing_) features_.args(f.args);
      all = sep == std::string_view::npos ? std::string_view() : all.substr(sep + 1);
    }
  }
  if (b.any_addr) {
    uint64_t base = 0;
    for (const FrameAddresses &a : b.addrs)
      if (!(a == FrameAddresses())) {
        base = a.sp;
        break;
      }
    for (const FrameAddresses &a : b.addrs) {
      bool shown = !(a == FrameAddresses());
      st->address_offsets.push_back({shown ? a.fp - base : 0, shown ? a.sp - base : 0, shown});
    }
  }
  StackRef ref = st;
  last_stack_ = &*stacks_.emplace(b.key, ref).first;
  if (listing_) stack_order_.push_back(last_stack_);
  return ref;
}

namespace {
// The base that gives ADDRS (one per frame, {0, 0} where not shown) from
// the stack's address offsets, when there is one.
std::optional<uint64_t> address_base(const Stack &st, const FrameAddresses *addrs, size_t n) {
  if (n != st.address_offsets.size()) return std::nullopt;
  std::optional<uint64_t> base;
  for (size_t i = 0; i < n; ++i) {
    const Stack::AddressOffsets &o = st.address_offsets[i];
    bool shown = !(addrs[i] == FrameAddresses());
    if (shown != o.shown) return std::nullopt;
    if (!shown) continue;
    if (!base) base = addrs[i].sp - o.sp;
    if (addrs[i].sp - *base != o.sp || addrs[i].fp - *base != o.fp) return std::nullopt;
  }
  return base;
}

void set_frame_addresses(Goroutine &g, std::vector<FrameAddresses> &&addrs) {
  if (std::optional<uint64_t> base = address_base(*g.stack, addrs.data(), addrs.size()))
    g.mutable_extras().set_frame_address_base(base);
  else
    g.mutable_details().frame_addresses = std::move(addrs);
}

// The same from a cached body's fp= and sp= values, in body order: those of
// the frames that show them.
void set_frame_addresses(Goroutine &g, const uint64_t *values, size_t n) {
  const std::vector<Stack::AddressOffsets> &offsets = g.stack->address_offsets;
  std::optional<uint64_t> base;
  size_t k = 0;
  for (const Stack::AddressOffsets &o : offsets) {
    if (!o.shown) continue;
    if (k + 2 > n) break;
    if (!base) base = values[k + 1] - o.sp;
    if (values[k] - *base != o.fp || values[k + 1] - *base != o.sp) break;
    k += 2;
  }
  if (k == n && base) {
    g.mutable_extras().set_frame_address_base(base);
    return;
  }
  std::vector<FrameAddresses> addrs(offsets.size());
  k = 0;
  for (size_t i = 0; i < offsets.size() && k + 2 <= n; ++i)
    if (offsets[i].shown) {
      addrs[i] = {values[k], values[k + 1]};
      k += 2;
    }
  g.mutable_details().frame_addresses = std::move(addrs);
}
}  // namespace

FrameRef TracebackDecoderImpl::intern_creator(const std::string &key) {
  if (last_creator_ && last_creator_->first == key) return last_creator_->second;
  auto it = creators_.find(key);
  if (it != creators_.end()) {
    last_creator_ = &*it;
    return it->second;
  }
  auto f = make_ref<Frame>();
  std::string_view k = key;
  size_t nl = k.find('\n');
  int64_t parent;
  parse_created_by(k.substr(0, nl), *f, parent);
  if (nl != std::string_view::npos) parse_file_line(k.substr(nl + 1), *f);
  FrameRef ref = f;
  last_creator_ = &*creators_.emplace(key, ref).first;
  if (listing_) creator_order_.push_back(last_creator_);
  return ref;
}

void TracebackDecoderImpl::finish_ancestor() {
  if (!in_ancestor_) return;
  ancestor_.stack = intern_stack(ancestor_stack_);
  if (!ancestor_creator_key_.empty()) ancestor_.created_by = intern_creator(ancestor_creator_key_);
  g_.mutable_details().ancestors.push_back(std::move(ancestor_));
  ancestor_ = Ancestor();
  ancestor_stack_.clear();
  ancestor_creator_key_.clear();
  in_ancestor_ = false;
}

void TracebackDecoderImpl::finish_goroutine(uint64_t offset) {
  if (!have_g_) return;
  if (dialect_ != StackDialect::Goroutine) {
    auto st = make_ref<Stack>();
    st->frames = std::move(foreign_frames_);
    foreign_frames_.clear();
    g_.stack = st;
    if (!foreign_creator_.function.empty()) g_.created_by = make_ref<Frame>(std::move(foreign_creator_));
    foreign_creator_ = Frame();
    report_->process.goroutines.push_back(std::move(g_));
    g_ = Goroutine();
    have_g_ = false;
    return;
  }
  finish_ancestor();
  if (stack_.pending_function)
    diag(Severity::Warning, offset,
         "goroutine " + std::to_string(g_.id) + ": the last frame has no file:line (text truncated?)");
  if (creator_pending_file_)
    diag(Severity::Warning, offset,
         "goroutine " + std::to_string(g_.id) + ": 'created by' has no file:line (text truncated?)");
  creator_pending_file_ = false;
  if (stack_.frames == 0 && !g_.stack_unavailable)
    diag(Severity::Note, g_.offset, "goroutine " + std::to_string(g_.id) + ": no frames printed");
  g_.stack = intern_stack(stack_);
  if (stack_.args != g_.stack->joined_args) g_.frame_args = SharedText(own_args(stack_.args, *g_.stack));
  if (stack_.any_addr) set_frame_addresses(g_, std::move(stack_.addrs));
  if (!creator_key_.empty()) g_.created_by = intern_creator(creator_key_);
  report_->process.goroutines.push_back(std::move(g_));
  g_ = Goroutine();
  have_g_ = false;
  blocks_.break_chain();  // the caller may remember this body
  stack_.clear();
  creator_key_.clear();
}

bool TracebackDecoderImpl::goroutine_line(std::string_view s, uint64_t offset) {
  line_offset_ = offset;
  if (s.empty()) {
    // A recorded body ends here: remember it if every line took a path
    // whose effect depends on its bytes only, and nothing was diagnosed.
    bool rec = blocks_.end_recording(offset) && !in_ancestor_ && out_.diagnostic_total() == rec_diags_;
    uint32_t before = blocks_.last();
    finish_goroutine(offset);
    if (rec && out_.diagnostic_total() == rec_diags_) {
      const Goroutine &g = report_->process.goroutines.back();
      blocks_.remember(before, {g.stack, g.frame_args, g.created_by, g.parent_goid});
    }
    state_ = State::AfterGoroutine;
    return true;
  }
  StackBuilder &b = in_ancestor_ ? ancestor_stack_ : stack_;
  std::string &ckey = in_ancestor_ ? ancestor_creator_key_ : creator_key_;
  if (creator_pending_file_) {
    creator_pending_file_ = false;
    if (looks_like_file_line(trim(s))) {
      ckey.push_back('\n');
      ckey.append(trim(s));
      return true;
    }
  }
  if (b.pending_function && stack_frame_line(b, s)) return true;
  if (b.pending_function) {
    // A line that is neither the file line nor traceback text (a comment in
    // a paste, a log line) is skipped; the file line may still follow.
    std::string_view u = trim(s);
    Frame probe;
    bool traceback_text = u.empty() || anchor_at_start(s) != Anchor::None || starts_with(u, "created by ") ||
                          (u.back() == ')' && parse_function_line(u, probe)) || starts_with(u, "...");
    if (!traceback_text && !in_ancestor_ && skipped_.size() < kMaxSkippedLines) {
      blocks_.spoil();
      return false;
    }
    diag(Severity::Warning, offset,
         "goroutine " + std::to_string(g_.id) +
             ": expected the file:line of the frame above, got: " + std::string(trim(s).substr(0, 120)));
    b.key.append("?:0\n");
    b.addrs.emplace_back();
    b.pending_function = false;
  }
  std::string_view t = trim_left(s);
  // Hot path: an ordinary frame line.
  if (!t.empty()) {
    char c0 = t[0];
    bool special = c0 == '[' || c0 == '.' || (c0 == 'c' && starts_with(t, "created by ")) ||
                   (c0 == 'g' && starts_with(t, "goroutine ")) || (c0 == 'r' && starts_with(t, "runtime: ")) ||
                   (c0 == 't' && starts_with(t, "traceback: "));
    if (!special && stack_frame_line(b, s)) return true;
  }
  if (starts_with(t, "created by ")) {
    ckey.assign(trim(t));
    int64_t parent = -1;
    size_t in = ckey.rfind(" in goroutine ");
    if (in != std::string::npos) {
      if (auto n = parse_decimal(std::string_view(ckey).substr(in + 14))) {
        parent = *n;
        ckey.resize(in);  // one creator frame for every parent
      }
    }
    if (!in_ancestor_) {
      g_.parent_goid = parent;
      if (parent >= 0) {
        features_.note("1.21");
        blocks_.note_121();
      }
    }
    creator_pending_file_ = true;
    return true;
  }
  blocks_.spoil();  // the paths below are not replayed by block()
  if (starts_with(t, "runtime: ") || starts_with(t, "traceback: ")) {
    // The runtime's own unwinder warnings, e.g. "traceback: unexpected SPWRITE function".
    report_->process.notes.emplace_back(t);
    diag(Severity::Note, offset, "goroutine " + std::to_string(g_.id) + ": runtime says: " + std::string(t));
    return true;
  }
  if (starts_with(t, "goroutine running on other thread; stack unavailable")) {
    g_.stack_unavailable = true;
    return true;
  }
  if (starts_with(t, "[originating from goroutine ")) {
    if (listing_) {  // ancestors' stacks are not absorbed
      violated_ = true;
      return true;
    }
    finish_ancestor();
    in_ancestor_ = true;
    ancestor_.goid = parse_decimal(t.substr(28, t.find(']') - 28)).value_or(-1);
    return true;
  }
  if (is_goroutine_header_start(t)) {
    // No blank line between goroutines: truncated or reformatted text.
    finish_goroutine(offset);
    state_ = State::AfterGoroutine;
    return after_goroutine_line(t, offset);
  }
  if (stack_frame_line(b, s)) return true;
  if (s.empty() || anchor_at_start(s) != Anchor::None || is_register_line(s) || starts_with(s, "-----") ||
      starts_with(s, "PC=")) {
    if (listing_) {
      violated_ = true;
      return true;
    }
    finish_goroutine(offset);
    state_ = State::AfterGoroutine;
    return after_goroutine_line(s, offset);
  }
  // A garbled frame line: keep it as a frame named by its raw text, so nothing
  // decoded is dropped, and say so.
  size_t paren = t.find('(');
  if (paren != std::string_view::npos && paren > 0 && t[0] != '[' &&
      t.substr(0, paren).find(' ') == std::string_view::npos) {
    diag(Severity::Warning, offset,
         "goroutine " + std::to_string(g_.id) +
             ": unparseable frame line kept as is: " + std::string(trim(t).substr(0, 120)));
    b.key.append("?");
    b.key.append(trim(t));
    b.key.push_back('\n');
    b.pending_function = true;
    b.add_args({});
    return true;
  }
  return false;  // not dump text: dispatch() decides whether the dump goes on
}

bool TracebackDecoderImpl::after_goroutine_line(std::string_view s, uint64_t offset) {
  Process &p = report_->process;
  if (s.empty()) return true;
  if (listing_ && anchor_at_start(s) != Anchor::Goroutine) {
    violated_ = true;
    return true;
  }
  switch (anchor_at_start(s)) {
    case Anchor::Goroutine: {
      bool crash = !p.panics.empty() || p.fatal || p.signal;
      if (!crash) {
        Goroutine probe;
        std::string unknown;
        if (parse_goroutine_header(s, probe, &unknown)) {
          if (seen_ids_.count(probe.id)) return false;  // the same goroutine again: a second dump begins
          start_goroutine(s, offset, &probe, &unknown);
          return true;
        }
      }
      start_goroutine(s, offset);
      return true;
    }
    case Anchor::SignalHeader:
      if (!separator_seen_) return false;
      separator_seen_ = false;
      return preamble_line(s, offset);
    case Anchor::Panic:
    case Anchor::Fatal:
    case Anchor::Race: return false;
    default: break;
  }
  if (starts_with(s, "-----")) {
    separator_seen_ = true;
    return true;
  }
  if (starts_with(s, "PC=")) {
    parse_pc_line(s);
    return true;
  }
  if (s == "runtime stack:") {
    p.runtime_stack = true;
    runtime_stack_.clear();
    state_ = State::RuntimeStack;
    return true;
  }
  if (is_register_line(s)) {
    register_line(s, offset);
    return true;
  }
  if (starts_with(s, "[signal ")) {
    parse_signal_bracket(s, offset);
    return true;
  }
  return false;
}

bool TracebackDecoderImpl::runtime_stack_line(std::string_view s, uint64_t offset) {
  if (s.empty()) {
    if (runtime_stack_.pending_function) runtime_stack_.key.append("?:0\n");
    runtime_stack_.pending_function = false;
    report_->process.runtime_stack_frames = intern_stack(runtime_stack_);
    runtime_stack_.clear();
    state_ = State::AfterGoroutine;
    return true;
  }
  if (stack_frame_line(runtime_stack_, s)) return true;
  report_->process.runtime_stack_frames = intern_stack(runtime_stack_);
  runtime_stack_.clear();
  state_ = State::AfterGoroutine;
  return after_goroutine_line(s, offset);
}

void TracebackDecoderImpl::finish_race_stack() {
  if (!race_) return;
  if (race_target_ == RaceTarget::Access && !race_->accesses.empty())
    race_->accesses.back().stack = intern_stack(race_stack_);
  else if (race_target_ == RaceTarget::Goroutine && !race_->goroutines.empty())
    race_->goroutines.back().created_at = intern_stack(race_stack_);
  race_stack_.clear();
  race_target_ = RaceTarget::None;
}

bool TracebackDecoderImpl::race_line(std::string_view s, uint64_t offset) {
  std::string_view t = trim(s);
  if (t.empty()) {
    finish_race_stack();
    return true;
  }
  if (starts_with(t, "==================")) {
    finish_race_stack();
    end_report(offset + s.size());
    return true;
  }
  // "Write at 0x00c000092008 by goroutine 6:", "Previous read at ... by main goroutine:";
  // before Go 1.7 without the address: "Read by goroutine 13:".
  size_t at = t.find(" at 0x");
  size_t by = t.find(" by ");
  bool no_address =
      at == std::string_view::npos && by != std::string_view::npos &&
      (starts_with(t, "Read by ") || starts_with(t, "Write by ") || starts_with(t, "Previous read by ") ||
       starts_with(t, "Previous write by ") || starts_with(t, "Atomic ") || starts_with(t, "Previous atomic "));
  if (t.back() == ':' && by != std::string_view::npos && s[0] != ' ' &&
      (no_address || (at != std::string_view::npos && by > at))) {
    finish_race_stack();
    RaceAccess acc;
    acc.operation = std::string(t.substr(0, no_address ? by : at));
    acc.address = no_address ? 0 : parse_hex(t.substr(at + 4, by - at - 4)).value_or(0);
    std::string_view who = t.substr(by + 4);
    who.remove_suffix(1);
    if (who == "main goroutine") {
      acc.main_goroutine = true;
      acc.goroutine = 1;
    } else if (starts_with(who, "goroutine ")) {
      acc.goroutine = parse_decimal(who.substr(10)).value_or(-1);
    }
    race_->accesses.push_back(std::move(acc));
    race_target_ = RaceTarget::Access;
    return true;
  }
  // "Goroutine 6 (running) created at:"
  if (starts_with(t, "Goroutine ") && ends_with(t, " created at:")) {
    finish_race_stack();
    RaceGoroutine rg;
    size_t sp = t.find(' ', 10);
    rg.goroutine = parse_decimal(t.substr(10, sp - 10)).value_or(-1);
    size_t lp = t.find('('), rp = t.find(')');
    if (lp != std::string_view::npos && rp != std::string_view::npos && rp > lp)
      rg.state = std::string(t.substr(lp + 1, rp - lp - 1));
    race_->goroutines.push_back(std::move(rg));
    race_target_ = RaceTarget::Goroutine;
    return true;
  }
  if (race_target_ != RaceTarget::None) {
    if (race_stack_.pending_function && stack_frame_line(race_stack_, s)) return true;
    // Race frames have no arguments: "  main.main()" or "  main.f.func1()".
    if (stack_frame_line(race_stack_, s)) return true;
  }
  // "Location is global ...", "[failed to restore the stack]" and other notes.
  report_->process.notes.emplace_back(t);
  return true;
}

void TracebackDecoderImpl::finish(uint64_t end_offset) {
  if (!skipped_.empty()) note_cut_goroutine(skipped_.front().first, skipped_.front().second);
  skipped_.clear();
  if (report_) {
    if (state_ == State::Race) diag(Severity::Warning, end_offset, "input ends inside a race report (truncated?)");
    end_report(end_offset);
  }
  if (out_.report_count == 0) {
    bool hasError = false;
    for (auto &d : out_.diagnostics) hasError |= d.severity == Severity::Error;
    if (!hasError)
      diag(Severity::Warning, 0,
           "no Go crash text found: expected a 'panic:', 'fatal error:', 'goroutine N [...]:', "
           "SIGQUIT dump or 'WARNING: DATA RACE' line");
  }
}

void TracebackDecoderImpl::begin_listing(uint64_t offset) {
  listing_ = true;
  report_ = std::make_unique<Report>();
  report_->offset = offset;
  report_end_ = offset;
  state_ = State::AfterGoroutine;
  mark_listing_point(offset);
}

void TracebackDecoderImpl::mark_listing_point(uint64_t offset) {
  point_.offset = offset;
  point_.report_end = report_end_;
  point_.goroutines = report_->process.goroutines.size();
  point_.stacks = stack_order_.size();
  point_.creators = creator_order_.size();
  point_.features = features_;
}

bool TracebackDecoderImpl::listing_continues(std::string_view line, uint64_t offset) {
  if (!listing_clean()) return false;
  if (state_ != State::AfterGoroutine) return true;
  if (!have_g_) mark_listing_point(offset);
  return line.empty() || anchor_at_start(line) == Anchor::Goroutine;
}

void TracebackDecoderImpl::end_listing(uint64_t end_offset) {
  if (listing_clean() && state_ == State::AfterGoroutine && !have_g_) mark_listing_point(end_offset);
}

bool TracebackDecoderImpl::can_absorb() const {
  return !listing_ && report_ && state_ == State::AfterGoroutine && !have_g_ && prefix_.empty() && skipped_.empty() &&
         !in_record_ && !record_message_ && !record_stack_ && dialect_ == StackDialect::Goroutine;
}

// How goroutines of a part's stack FROM move to our stack TO, which has the
// same frames but the first goroutine's arguments and frame sizes of ours.
struct TracebackDecoderImpl::Rebase {
  Rebase(const StackRef &from, const StackRef &to) : to(to), from_fields(fields(*from)), to_fields(fields(*to)) {
    const Stack &f = *from, &t = *to;
    same_args.resize(f.frames.size());
    bool all_same = true;
    for (size_t i = 0; i < f.frames.size() && i < t.frames.size(); ++i)
      all_same &= same_args[i] = f.frames[i].args == t.frames[i].args;
    same_offsets = f.address_offsets.size() == t.address_offsets.size();
    for (size_t i = 0; same_offsets && i < f.address_offsets.size(); ++i) {
      const Stack::AddressOffsets &a = f.address_offsets[i], &b = t.address_offsets[i];
      same_offsets = a.shown == b.shown && (!a.shown || (a.fp == b.fp && a.sp == b.sp));  // frames not shown have none
    }
    // Goroutines whose arguments were FROM's own.
    if (!all_same || f.joined_args != t.joined_args) from_args = rebase_args(f, nullptr);
  }
  // A goroutine's own arguments OWN as they are against TO: false when no
  // field changes (the common case), else true with the new text in OUT.
  // It only reads OWN, FROM and the tables: threads may call it at once.
  bool rebased_own(const Stack &from, const SharedText &own, SharedText &out) const {
    std::string_view all = *own;
    for (size_t field = 0;; ++field) {
      size_t sep = all.find(kArgsSeparator);
      std::string_view v = all.substr(0, sep);
      bool same = field < same_args.size() && same_args[field];
      if (v.size() == 1 && v[0] == kArgsSame) {
        if (!same) break;
      } else if (field < to_fields.size() && v == to_fields[field]) {
        break;
      }
      if (sep == std::string_view::npos) return false;
      all.remove_prefix(sep + 1);
    }
    out = rebase_args(from, &own);
    return true;
  }
  // A goroutine's own arguments (null: FROM's) as they are against TO.
  SharedText rebase_args(const Stack &from, const SharedText *own) const {
    std::string out;
    std::string_view all = own ? **own : std::string_view(from.joined_args);
    bool all_same = true;
    for (size_t field = 0;; ++field) {
      size_t sep = all.find(kArgsSeparator);
      std::string_view v = all.substr(0, sep);
      bool theirs = own && v.size() == 1 && v[0] == kArgsSame && field < from_fields.size();
      if (theirs) v = from_fields[field];
      // The same value as TO's own: kArgsSame.
      if (field < to_fields.size() &&
          ((theirs || !own) && field < same_args.size() ? same_args[field] : v == to_fields[field])) {
        out.push_back(kArgsSame);
      } else {
        out.append(v);
        all_same = false;
      }
      if (sep == std::string_view::npos) break;
      out.push_back(kArgsSeparator);
      all.remove_prefix(sep + 1);
    }
    if (all_same) return nullptr;
    return SharedText(out);
  }
  // A stack's frame arguments, as views into its joined_args: one string
  // read per goroutine, where the frames would be a dozen cache misses.
  static std::vector<std::string_view> fields(const Stack &s) {
    std::vector<std::string_view> out;
    std::string_view all = s.joined_args;
    for (size_t i = 0; i < s.frames.size(); ++i) {
      size_t sep = all.find(kArgsSeparator);
      if (all.substr(0, sep) != s.frames[i].args) break;
      out.push_back(all.substr(0, sep));
      all.remove_prefix(sep == std::string_view::npos ? all.size() : sep + 1);
    }
    if (out.size() != s.frames.size()) {  // joined otherwise: the frames themselves
      out.clear();
      for (const Frame &f : s.frames) out.push_back(f.args);
    }
    return out;
  }
  StackRef to;
  std::vector<std::string_view> from_fields, to_fields;  // fields(FROM), fields(TO)
  std::vector<bool> same_args;                           // FROM's and TO's values of frame i are the same
  bool same_offsets = false;                             // frame sizes too: addresses stay as they are
  SharedText from_args;                                  // rebase_args(FROM's own)
};

// G's stack becomes R.to; its arguments and frame addresses are kept
// against it as finish_goroutine() would have kept them.
void TracebackDecoderImpl::rebase(Goroutine &g, const Rebase &r, bool args_done) {
  const Stack &from = *g.stack;
  if (!args_done) {
    if (!g.frame_args)
      g.frame_args = r.from_args;
    else if (SharedText out; r.rebased_own(from, g.frame_args, out))
      g.frame_args = std::move(out);
  }
  if (r.same_offsets) {
    g.stack = r.to;
    return;
  }
  // One address per frame, {0, 0} where not shown, as finish_goroutine() had them.
  std::vector<FrameAddresses> addrs;
  if (!g.details().frame_addresses.empty()) {
    addrs = std::move(g.mutable_details().frame_addresses);
    g.mutable_details().frame_addresses.clear();
  } else if (g.extras().frame_address_base()) {
    for (size_t i = 0; i < from.address_offsets.size(); ++i)
      addrs.push_back(frame_addresses(g, i).value_or(FrameAddresses()));
    g.mutable_extras().set_frame_address_base(std::nullopt);
  }
  g.stack = r.to;
  if (!addrs.empty()) set_frame_addresses(g, std::move(addrs));
}

// From this many goroutines on, absorb() rebases their arguments on two threads.
constexpr size_t kTwoThreadRebase = 4096;

bool TracebackDecoderImpl::absorb(TracebackDecoderImpl &part) {
  const ListingPoint &pt = part.point_;
  if (!can_absorb() || pt.goroutines == 0) return false;
  StableVector<Goroutine> &theirs = part.report_->process.goroutines;
  for (size_t i = 0; i < pt.goroutines; ++i)
    if (seen_ids_.count(theirs[i].id)) return false;  // decided by the goroutines before: read them here
  // Their stacks and creators: ours where we have them (with the first
  // goroutine's arguments and frame sizes), else theirs, now ours.
  std::vector<Rebase> rebases;
  llvm::DenseMap<const void *, size_t> stack_to;  // into rebases
  for (size_t i = 0; i < pt.stacks; ++i) {
    const auto &[key, ref] = *part.stack_order_[i];
    auto it = stacks_.find(key);
    if (it == stacks_.end()) {
      stacks_.emplace(key, ref);
      for (const Frame &f : ref->frames) features_.args(f.args);
    } else {
      stack_to[ref.get()] = rebases.size();
      rebases.emplace_back(ref, it->second);
    }
  }
  llvm::DenseMap<const void *, FrameRef> creator_to;
  for (size_t i = 0; i < pt.creators; ++i) {
    const auto &[key, ref] = *part.creator_order_[i];
    auto it = creators_.find(key);
    if (it == creators_.end())
      creators_.emplace(key, ref);
    else
      creator_to[ref.get()] = it->second;
  }
  features_.merge(pt.features);
  // Goroutines moved to our stacks keep their argument values against
  // them: with many goroutines, the new texts are made first on two threads
  // (reading each goroutine's values is most of the work), then applied here.
  // Each thread replaces only texts that one goroutine owns: the counts of
  // shared ones do not change until both are done, and those are left for
  // the loop after.
  std::vector<uint8_t> args_done;
  if (!stack_to.empty() && pt.goroutines >= kTwoThreadRebase) {
    args_done.assign(pt.goroutines, 0);
    auto make = [&](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) {
        Goroutine &g = theirs[i];
        if (!g.frame_args || !g.frame_args.unique()) continue;
        auto it = stack_to.find(g.stack.get());
        if (it == stack_to.end()) continue;
        if (SharedText out; rebases[it->second].rebased_own(*g.stack, g.frame_args, out)) g.frame_args = std::move(out);
        args_done[i] = 1;
      }
    };
    // What a thread leaves undone (no thread to be had, no memory) the loop
    // below does.
    size_t half = pt.goroutines / 2;
    std::thread helper;
    try {
      helper = std::thread([&, half] {
        try {
          make(half, pt.goroutines);
        } catch (...) {}
      });
    } catch (const std::system_error &) {}
    struct JoinHelper {
      std::thread &t;
      ~JoinHelper() {
        if (t.joinable()) t.join();
      }
    } join_helper{helper};
    make(0, half);
  }
  StableVector<Goroutine> &ours = report_->process.goroutines;
  for (size_t i = 0; i < pt.goroutines; ++i) {
    Goroutine &g = theirs[i];
    seen_ids_.insert(g.id);
    if (!stack_to.empty())
      if (auto it = stack_to.find(g.stack.get()); it != stack_to.end())
        rebase(g, rebases[it->second], !args_done.empty() && args_done[i]);
    if (g.created_by && !creator_to.empty())
      if (auto it = creator_to.find(g.created_by.get()); it != creator_to.end()) g.created_by = it->second;
    ours.push_back(std::move(g));
    // Theirs go as ours grow: the two never hold all of them at once.
    if ((i + 1) % StableVector<Goroutine>::chunk_size() == 0) theirs.release_front(i + 1);
  }
  report_end_ = pt.report_end;
  last_offset_ = pt.offset;
  last_stack_ = nullptr;
  last_creator_ = nullptr;
  blocks_.break_chain();
  return true;
}

struct TracebackDecoder::State {
  explicit State(Input &out) : dec(out), unwrap(dec) {}
  TracebackDecoderImpl dec;
  logs::LogUnwrapper unwrap;
};
TracebackDecoder::TracebackDecoder(Input &out) : impl_(std::make_unique<State>(out)) {}
TracebackDecoder::~TracebackDecoder() = default;
void TracebackDecoder::line(std::string_view raw, uint64_t offset) {
  impl_->unwrap.line(raw, offset);
}
void TracebackDecoder::finish(uint64_t end_offset) {
  impl_->unwrap.finish(end_offset);
  impl_->dec.finish(end_offset);
}

namespace {

// After a goroutine header: takes the body that follows whole when it was
// seen before (the block cache). REST_LIMIT: bytes of the reader's buffer it
// may look at (an event of a structured record lies beyond). True when the
// body was taken and skipped.
template <class Limit>
bool take_block(TracebackDecoderImpl &dec, LineReader &reader, Limit rest_limit) {
  auto bounded = [&] {
    std::string_view rest = reader.buffered();
    uint64_t limit = rest_limit();
    return rest.size() > limit ? rest.substr(0, limit) : rest;
  };
  std::string_view rest = bounded();
  if (size_t want = dec.blocks().predicted_size()) {
    want += 256;  // longer argument values or parent id
    if (rest.size() < want && reader.more(want)) rest = bounded();
    if (size_t n = dec.take_predicted(rest, reader.position())) {
      reader.skip(n);
      return true;
    }
  }
  size_t n = block_length(rest, BlockCache::kMaxBlock);
  if (n == 0 && rest.size() < BlockCache::kMaxBlock && reader.more(BlockCache::kMaxBlock)) {
    rest = bounded();
    n = block_length(rest, BlockCache::kMaxBlock);
  }
  dec.blocks().end_found(n != 0);
  if (n != 0 && dec.block(rest.substr(0, n), reader.position())) {
    reader.skip(n);
    return true;
  }
  return false;
}

// A ByteSource that reads another one it does not own.
class BorrowedSource final : public ByteSource {
public:
  explicit BorrowedSource(ByteSource &src) : src_(src) {}
  llvm::Expected<size_t> read(char *buf, size_t n) override { return src_.read(buf, n); }
  uint64_t raw_position() const override { return src_.raw_position(); }
  uint64_t raw_size() const override { return src_.raw_size(); }

private:
  ByteSource &src_;
};

// Offsets the decoder recorded in unwrapped text, moved to the input's.
void map_report_offsets(std::vector<Report> &reports, const logs::OffsetMap &map) {
  logs::OffsetMap::Cursor cursor(map);
  auto fix = [&](uint64_t &o) { o = cursor.to_input(o); };
  for (Report &r : reports) {
    Process &p = r.process;
    fix(r.offset);
    for (PanicRecord &pr : p.panics) fix(pr.offset);
    if (p.fatal) fix(p.fatal->offset);
    if (p.signal) fix(p.signal->offset);
    if (p.recovery) fix(p.recovery->offset);
    for (Thread &t : p.threads) fix(t.offset);
    for (RaceReport &race : p.races) fix(race.offset);
    for (Goroutine &g : p.goroutines) fix(g.offset);
    // Its last line may have come from an earlier input line (a partial line
    // given out at the end): the end never comes before the start.
    r.end_offset = std::max(cursor.end_to_input(r.end_offset), r.offset);
  }
}

void map_diagnostic_offsets(Input &out, size_t first_diagnostic, const logs::OffsetMap &map) {
  logs::OffsetMap::Cursor cursor(map);
  for (size_t i = first_diagnostic; i < out.diagnostics.size(); ++i)
    out.diagnostics[i].offset = cursor.to_input(out.diagnostics[i].offset);
}

// Reports of a wrapped log wait here until their text offsets can be mapped:
// the map is written by the unwrapping thread, so it is read in batches
// under its lock, and memory stays bounded by the batch.
class WrappedReportBatch {
public:
  WrappedReportBatch(Input &out, logs::UnwrappedText &text) : out_(out), text_(text) {
    downstream_ = std::move(out.on_report);
    out.on_report = [this](Report &&r) {
      if (pending_.empty()) first_text_offset_ = r.offset;
      pending_.push_back(std::move(r));
    };
  }
  ~WrappedReportBatch() { out_.on_report = std::move(downstream_); }
  // Maps and hands on the pending reports when enough have gathered, or
  // the oldest is far behind the reader (at AT in the text).
  void maybe_flush(uint64_t at) {
    if (pending_.size() >= kBatchReports ||
        (!pending_.empty() && at > first_text_offset_ && at - first_text_offset_ >= kBatchText))
      flush(text_.lock_map());
  }
  void flush(std::unique_lock<std::mutex> lock) {
    if (pending_.empty()) return;
    map_report_offsets(pending_, text_.map());
    lock.unlock();
    std::vector<Report> batch = std::move(pending_);
    pending_.clear();
    for (Report &r : batch) {
      if (downstream_)
        downstream_(std::move(r));
      else
        out_.reports.push_back(std::move(r));
    }
  }

private:
  static constexpr size_t kBatchReports = 256;
  static constexpr uint64_t kBatchText = uint64_t(16) << 20;
  Input &out_;
  logs::UnwrappedText &text_;
  std::function<void(Report &&)> downstream_;
  std::vector<Report> pending_;
  uint64_t first_text_offset_ = 0;
};

// A log whose lines are wrapped (CRI, docker, journald, go test -json):
// the decoder reads the text they carry, fast paths included.
void decode_wrapped(LineReader &raw, ByteSource &src, Input &out, bool show_progress) {
  // Unwrapping runs on a second thread once the log is large (io/read_ahead.cpp).
  logs::UnwrappedText text(raw, src);
  // One line of text can cost a kilobyte of input (journald's JSON): the
  // second thread starts early.
  std::unique_ptr<ByteSource> ahead = make_read_ahead_source(std::make_unique<BorrowedSource>(text), 256 << 10);
  LineReader reader(*ahead, out.path);
  size_t first_diagnostic = out.diagnostics.size();
  reader.on_diagnostic = [&](Diagnostic d) { out.add_diagnostic(std::move(d)); };
  Progress progress(out.path, show_progress ? ahead.get() : nullptr);
  WrappedReportBatch batch(out, text);
  TracebackDecoderImpl dec(out);
  auto deliver = [&](uint64_t upto) {
    logs::TextEvent e;
    while (text.pop_event(upto, e)) {
      switch (e.kind) {
        case logs::TextEvent::RecordBegin:
          e.record.offset = e.text_offset;  // the decoder works in text offsets
          dec.record_begin(e.record);
          break;
        case logs::TextEvent::StackBegin: dec.stack_begin(e.form, e.text_offset); break;
        case logs::TextEvent::RecordEnd: dec.record_end(e.text_offset); break;
        case logs::TextEvent::MissingLine: dec.missing_line(e.text_offset, std::move(e.why)); break;
      }
    }
  };
  // The events of bytes the reader holds are queued before the bytes come:
  // with none queued, none can come before the end of the reader's buffer.
  uint64_t recheck_at = 0;
  auto refresh = [&] {
    uint64_t next = text.next_event_offset();
    recheck_at = next != UINT64_MAX ? next : reader.position() + reader.buffered().size();
  };
  auto block_limit = [&]() -> uint64_t {
    uint64_t next = text.next_event_offset();
    if (next == UINT64_MAX) return UINT64_MAX;
    return next > reader.position() ? next - reader.position() : 0;
  };
  std::string_view line;
  uint64_t offset = 0;
  while (reader.next(line, offset)) {
    if (offset >= recheck_at) {
      deliver(offset);
      refresh();
    }
    dec.line(line, offset);
    progress.tick();
    if (dec.block_ready(offset) && take_block(dec, reader, block_limit)) refresh();
    batch.maybe_flush(offset);
  }
  uint64_t text_size = reader.bytes_read();
  bool reader_failed = !reader.error().empty();
  ahead.reset();  // joins the unwrapping thread: the map, the events and raw are ours again
  deliver(UINT64_MAX);
  if (reader_failed || !raw.error().empty()) out.failed = true;
  dec.finish(text_size);
  batch.flush(text.lock_map());
  map_diagnostic_offsets(out, first_diagnostic, text.map());
  for (Diagnostic &d : text.diagnostics()) out.add_diagnostic(std::move(d));
  std::stable_sort(out.diagnostics.begin() + long(first_diagnostic), out.diagnostics.end(),
                   [](const Diagnostic &a, const Diagnostic &b) { return a.offset < b.offset; });
  out.size = raw.bytes_read();
}

}  // namespace

namespace {

// Parts per thread. More parts balance the threads' work, but each part
// starts with an empty block cache: on bench/busy (320 handlers) two parts
// per thread were 20-50% slower than one on 2 CPUs.
constexpr unsigned kPartsPerThread = 1;

// A part of the input decoded by a worker thread in listing mode.
struct ListingPart {
  Input scratch;  // its diagnostics: any one ends the part's clean run
  std::unique_ptr<TracebackDecoderImpl> dec;
  uint64_t begin = 0, end = 0;
  bool failed = false;
  bool done = false;  // under PartQueue::mu
  // The reader stops at the first line at or past LIMIT (end, or where
  // another thread took the rest); POSITION is its line's offset.
  std::atomic<uint64_t> limit{UINT64_MAX}, position{0};
};

void read_listing(ByteSource &src, ListingPart &part) {
  try {
    std::unique_ptr<ByteSource> range = src.range(part.begin, part.end);
    if (!range) {
      part.failed = true;
      return;
    }
    part.dec = std::make_unique<TracebackDecoderImpl>(part.scratch);
    TracebackDecoderImpl &dec = *part.dec;
    dec.begin_listing(part.begin);
    LineReader reader(*range, part.scratch.path, 0, part.begin);
    reader.on_diagnostic = [&](Diagnostic d) { part.scratch.add_diagnostic(std::move(d)); };
    logs::LogUnwrapper unwrap(dec);
    std::string_view line;
    uint64_t offset = 0;
    while (reader.next(line, offset)) {
      part.position.store(offset, std::memory_order_relaxed);
      if (offset >= part.limit.load(std::memory_order_relaxed)) {
        dec.end_listing(offset);
        return;
      }
      if (!dec.listing_continues(line, offset)) return;
      unwrap.line(line, offset);
      if (!unwrap.passed_through()) return;  // the unwrapper's: not read as goroutine text alone
      if (dec.block_ready(offset)) take_block(dec, reader, [] { return UINT64_MAX; });
    }
    if (reader.error().empty()) dec.end_listing(part.end);
  } catch (...) {
    part.failed = true;
  }
}

// The parts after the first: the caller takes them from the front, in
// order, and reads them itself; workers take them from the back and read
// them in listing mode, until the two meet.
class PartQueue {
public:
  explicit PartQueue(size_t parts) : back_(parts) {}
  // The caller: part K is its own to read (true), or a worker's.
  bool take_front(size_t k) {
    std::lock_guard<std::mutex> lock(mu);
    if (k >= back_) return false;
    front_ = k + 1;
    return true;
  }
  // A worker: the last part nobody took, or nullopt.
  std::optional<size_t> take_back() {
    std::lock_guard<std::mutex> lock(mu);
    if (back_ <= front_) return std::nullopt;
    return --back_;
  }
  void finished(ListingPart &part) {
    {
      std::lock_guard<std::mutex> lock(mu);
      part.done = true;
    }
    cv_.notify_all();
  }
  bool is_done(ListingPart &part) {
    std::lock_guard<std::mutex> lock(mu);
    return part.done;
  }
  void wait(ListingPart &part) {
    std::unique_lock<std::mutex> lock(mu);
    cv_.wait(lock, [&] { return part.done; });
  }
  std::mutex mu;

private:
  size_t front_ = 1, back_;
  std::condition_variable cv_;
};

// Where decode_parallel() reads: its progress.
class PositionProbe final : public ByteSource {
public:
  explicit PositionProbe(uint64_t size) : size_(size) {}
  llvm::Expected<size_t> read(char *, size_t) override { return 0; }
  uint64_t raw_position() const override { return pos_; }
  uint64_t raw_size() const override { return size_; }
  uint64_t pos_ = 0;

private:
  uint64_t size_;
};

// Decodes SRC's bytes cut at CUTS with THREADS threads: this one reads the
// parts in order from the front, workers read parts from the back in
// listing mode; a worker's part is absorbed where the text before it ends
// between goroutines, and the rest of it is read here.
void decode_parallel(ByteSource &src, Input &out, bool show_progress, const std::vector<uint64_t> &cuts,
                     unsigned threads, uint64_t min_part, ListingStats &stats) {
  const size_t n = cuts.size() - 1;
  stats.parts = n;
  std::vector<ListingPart> parts(n);
  for (size_t k = 0; k < n; ++k) {
    parts[k].scratch.path = out.path;
    parts[k].begin = cuts[k];
    parts[k].end = cuts[k + 1];
    parts[k].limit = cuts[k + 1];
  }
  PartQueue queue(n);
  std::vector<std::thread> workers;
  // Each worker's first part is given before it starts: those are read in
  // listing mode however the threads are scheduled.
  for (unsigned t = 1; t < threads && t < n; ++t)
    workers.emplace_back([&, first = queue.take_back()] {
      for (std::optional<size_t> k = first; k; k = queue.take_back()) {
        read_listing(src, parts[*k]);
        queue.finished(parts[*k]);
      }
    });
  struct Join {
    std::vector<std::thread> &threads;
    ~Join() {
      for (std::thread &t : threads) t.join();
    }
  } join{workers};

  PositionProbe probe(src.raw_size());
  Progress progress(out.path, show_progress ? &probe : nullptr);
  TracebackDecoderImpl dec(out);
  logs::LogUnwrapper unwrap(dec);
  uint64_t read_to = 0;
  bool ok = true;
  auto decode_range = [&](uint64_t begin, uint64_t end) {
    if (begin >= end) {  // taken whole from the parts before
      read_to = begin;
      return true;
    }
    std::unique_ptr<ByteSource> r = src.range(begin, end);
    if (!r) {
      out.add_diagnostic({Severity::Error, begin, out.path + ": cannot read at byte " + std::to_string(begin)});
      out.failed = true;
      return false;
    }
    LineReader reader(*r, out.path, 0, begin);
    reader.on_diagnostic = [&](Diagnostic d) { out.add_diagnostic(std::move(d)); };
    std::string_view line;
    uint64_t offset = 0;
    while (reader.next(line, offset)) {
      unwrap.line(line, offset);
      probe.pos_ = offset;
      progress.tick();
      if (unwrap.passed_through() && dec.block_ready(offset)) take_block(dec, reader, [] { return UINT64_MAX; });
    }
    read_to = begin + reader.bytes_read();
    if (!reader.error().empty()) out.failed = true;
    return reader.error().empty();
  };
  // Part k - 1, or what its worker left of it; then part k is ours unless
  // a worker took it.
  uint64_t from = 0;
  for (size_t k = 1;; ++k) {
    if (ok) ok = decode_range(from, cuts[k]);
    if (k == n) break;
    from = cuts[k];
    if (queue.take_front(k)) continue;
    ListingPart &part = parts[k];
    // While its worker reads it, this thread takes the second half of what
    // is left of it, as a part of its own, while what is left is at least
    // half a part of the smallest size.
    std::vector<std::unique_ptr<ListingPart>> tails;  // in input order
    while (ok && !queue.is_done(part)) {
      uint64_t pos = part.position.load(std::memory_order_relaxed), lim = part.limit.load();
      if (lim <= pos || lim - pos < min_part / 2) break;
      uint64_t cut = find_listing_cut(src, pos + (lim - pos) / 2, lim);
      if (!cut) break;
      part.limit = cut;  // the worker stops there, unless it is past it already: then the tail is read again
      auto tail = std::make_unique<ListingPart>();
      tail->scratch.path = out.path;
      tail->begin = cut;
      tail->end = lim;
      read_listing(src, *tail);
      tails.insert(tails.begin(), std::move(tail));
      ++stats.stolen;
    }
    queue.wait(part);
    auto take = [&](ListingPart &p) {
      if (ok && from == p.begin && !p.failed && p.dec && unwrap.passed_through() && dec.absorb(*p.dec)) {
        from = p.dec->listing_point().offset;
        ++stats.absorbed;
      }
      p.dec.reset();
    };
    take(part);
    for (std::unique_ptr<ListingPart> &tail : tails) {
      if (tail->begin < from) continue;  // the worker went past the cut
      if (ok && from < tail->begin) ok = decode_range(from, tail->begin);
      from = tail->begin;
      take(*tail);
    }
  }
  unwrap.finish(read_to);
  dec.finish(read_to);
  out.size = read_to;
}

}  // namespace

void decode_traceback(ByteSource &src, Input &out, bool show_progress, unsigned threads, uint64_t min_part,
                      ListingStats *stats) {
  ListingStats ignored;
  if (!stats) stats = &ignored;
  LineReader reader(src, out.path);
  size_t diagnostics = out.diagnostics.size();
  reader.on_diagnostic = [&](Diagnostic d) { out.add_diagnostic(std::move(d)); };
  // A log whose every line is a wrapper is read through its text.
  reader.more(64 << 10);
  if (logs::mostly_wrapped(reader.buffered())) {
    decode_wrapped(reader, src, out, show_progress);
    return;
  }
  // A large uncompressed file: in parts, on every core.
  if (threads == 0) threads = llvm::hardware_concurrency().compute_thread_count();
  threads = std::min(threads, 64u);
  if (min_part == 0) min_part = kMinListingPart;
  uint64_t size = src.raw_size();
  if (threads > 1 && size >= 2 * min_part && out.diagnostics.size() == diagnostics && src.range(0, size)) {
    std::vector<uint64_t> cuts = listing_cuts(src, size, threads * kPartsPerThread, min_part);
    if (cuts.size() > 2) {
      decode_parallel(src, out, show_progress, cuts, threads, min_part, *stats);
      return;
    }
  }
  Progress progress(out.path, show_progress ? &src : nullptr);
  TracebackDecoderImpl dec(out);
  logs::LogUnwrapper unwrap(dec);
  std::string_view line;
  uint64_t offset = 0;
  while (reader.next(line, offset)) {
    unwrap.line(line, offset);
    progress.tick();
    if (unwrap.passed_through() && dec.block_ready(offset)) take_block(dec, reader, [] { return UINT64_MAX; });
  }
  // The reader already reported the error through on_diagnostic.
  if (!reader.error().empty()) out.failed = true;
  unwrap.finish(reader.bytes_read());
  dec.finish(reader.bytes_read());
  out.size = reader.bytes_read();
}

void decode_traceback(OpenedInput &in, Input &out, const DecodeOptions &opts) {
  decode_traceback(*in.source, out, opts.progress, opts.threads);
}

}  // namespace crashctl
