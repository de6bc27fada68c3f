#include "traceback/block_cache.h"

#include "gosyntax/parse.h"

#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace crashctl {

// The length of a goroutine body that starts at b[0] (just after its header
// line): through the '\n' of the first empty line, 0 when there is none in
// the first `limit` bytes.
size_t block_length(std::string_view b, size_t limit) {
  const char *p = b.data();
  size_t n = std::min(b.size(), limit);
  if (n && p[0] == '\n') return 1;
  size_t i = 0;
#ifdef __SSE2__
  const __m128i nl = _mm_set1_epi8('\n');
  while (i + 17 <= n) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i + 1));
    unsigned m = unsigned(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, nl), _mm_cmpeq_epi8(c, nl))));
    if (m) return i + size_t(__builtin_ctz(m)) + 2;
    i += 16;
  }
#endif
  for (; i + 1 < n; ++i)
    if (p[i] == '\n' && p[i + 1] == '\n') return i + 2;
  return 0;
}

ParentHole parent_hole(std::string_view body) {
  // body = ...\ncreated by F in goroutine N\n\tfile:line +0x..\n\n
  if (body.size() < 3) return {};
  size_t file_nl = body.size() - 2;
  size_t creator_nl = body.rfind('\n', file_nl - 1);
  if (creator_nl == std::string_view::npos || creator_nl == 0) return {};
  size_t before = body.rfind('\n', creator_nl - 1);
  size_t start = before == std::string_view::npos ? 0 : before + 1;
  std::string_view line = body.substr(start, creator_nl - start);
  if (!starts_with(line, "created by ")) return {};
  size_t in = line.rfind(" in goroutine ");
  if (in == std::string_view::npos) return {};
  size_t at = in + 14, len = 0;
  while (at + len < line.size() && line[at + len] >= '0' && line[at + len] <= '9') ++len;
  if (len == 0 || len > 18 || at + len != line.size()) return {};
  return {start + at, len};
}

namespace {

// Argument text that parses the same wherever it stands: hex and decimal
// values, "?", "...", "{", "}", ", ".
struct PlainArgChars {
  bool ok[256] = {};
  PlainArgChars() {
    for (const char *c = "0123456789abcdefx, {}.?"; *c; ++c) ok[static_cast<unsigned char>(*c)] = true;
  }
};
const PlainArgChars kPlainArgChars;
}  // namespace

bool plain_args(std::string_view args) {
  for (char c : args)
    if (!kPlainArgChars.ok[static_cast<unsigned char>(c)]) return false;
  return true;
}
namespace {

// Hex digit values; 0xff for other bytes.
struct HexDigits {
  uint8_t v[256];
  HexDigits() {
    std::memset(v, 0xff, sizeof v);
    for (int i = 0; i < 10; ++i) v['0' + i] = uint8_t(i);
    for (int i = 0; i < 6; ++i) v['a' + i] = uint8_t(10 + i);
  }
};
const HexDigits kHexDigits;

#ifdef __SSE2__
// Bit i set when byte i of v is in [lo, lo + n).
inline unsigned in_range(__m128i v, char lo, char n) {
  __m128i d = _mm_sub_epi8(v, _mm_set1_epi8(lo));
  return unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(char(n - 1))), d)));
}
inline unsigned eq(__m128i v, char c) {
  return unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c))));
}
#endif

// The length of "0x" and 1 to 16 lower-case hex digits at p (value to v), or 0.
size_t hex_value(const char *p, const char *end, uint64_t &v) {
  if (end - p < 3 || p[0] != '0' || p[1] != 'x') return 0;
  const char *q = p + 2;
  v = 0;
#ifdef __SSE2__
  if (end - q >= 16) {
    // Digits as nibbles, one per byte, the first at the lowest address.
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i *>(q));
    unsigned dec = in_range(c, '0', 10), hex = in_range(c, 'a', 6);
    unsigned n = unsigned(__builtin_ctz(~(dec | hex) | 0x10000));
    if (n == 0) return 0;
    __m128i nib = _mm_sub_epi8(c, _mm_set1_epi8('0'));
    nib = _mm_sub_epi8(nib, _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('9')), _mm_set1_epi8('a' - '0' - 10)));
    // Digits past the value become 0; pairs of nibbles become bytes, the
    // most significant first, so the 8 bytes are the value big-endian.
    nib = _mm_and_si128(nib, _mm_cmplt_epi8(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm_set1_epi8(char(n))));
    __m128i pairs = _mm_and_si128(_mm_or_si128(_mm_slli_epi16(nib, 4), _mm_srli_epi16(nib, 8)), _mm_set1_epi16(0xff));
    uint64_t be = uint64_t(_mm_cvtsi128_si64(_mm_packus_epi16(pairs, pairs)));
    v = __builtin_bswap64(be) >> (4 * (16 - n));
    return n + 2;
  }
#endif
  const char *stop = end - q > 16 ? q + 16 : end;
  for (uint8_t d; q < stop && (d = kHexDigits.v[static_cast<unsigned char>(*q)]) != 0xff; ++q) v = v << 4 | d;
  return q == p + 2 ? 0 : size_t(q - p);
}

// The length of the plain argument text at p, which must end at a ')'
// before `end`; npos otherwise.
size_t plain_args_to_paren(const char *p, const char *end) {
  const char *q = p;
#ifdef __SSE2__
  while (end - q >= 16) {
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i *>(q));
    unsigned ok = in_range(c, '0', 10) | in_range(c, 'a', 6) | eq(c, 'x') | eq(c, ',') | eq(c, ' ') | eq(c, '{') |
                  eq(c, '}') | eq(c, '.') | eq(c, '?');
    if (ok != 0xffff) {
      q += __builtin_ctz(~ok);
      return *q == ')' ? size_t(q - p) : std::string_view::npos;
    }
    q += 16;
  }
#endif
  while (q < end && kPlainArgChars.ok[static_cast<unsigned char>(*q)]) ++q;
  return q < end && *q == ')' ? size_t(q - p) : std::string_view::npos;
}

// a[0, n) == b[0, n), inline for the short runs between holes.
inline bool same_bytes(const char *a, const char *b, size_t n) {
#ifdef __SSE2__
  if (n >= 16) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i *>(a + i));
      __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i *>(b + i));
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) != 0xffff) return false;
    }
    if (i == n) return true;
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i *>(a + n - 16));
    __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i *>(b + n - 16));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) == 0xffff;
  }
#endif
  if (n >= 8) {
    uint64_t x, y, x2, y2;
    std::memcpy(&x, a, 8), std::memcpy(&y, b, 8), std::memcpy(&x2, a + n - 8, 8), std::memcpy(&y2, b + n - 8, 8);
    return x == y && x2 == y2;
  }
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// The hash of a body without its parent id. Never ~0 or ~0-1 (DenseMap's).
uint64_t body_hash(std::string_view body, ParentHole h) {
  constexpr uint64_t kMask = ~uint64_t(0) >> 1;
  if (h.len == 0) return llvm::xxh3_64bits(llvm::StringRef(body.data(), body.size())) & kMask;
  uint64_t a = llvm::xxh3_64bits(llvm::StringRef(body.data(), h.at));
  uint64_t b = llvm::xxh3_64bits(llvm::StringRef(body.data() + h.at + h.len, body.size() - h.at - h.len));
  return (a * 0x9E3779B97F4A7C15ull ^ b) & kMask;
}

// The hash of a body without what block matching lets differ: the values
// between a frame line's last '(' and its final ')', the fp= and sp= values
// of file lines, and the parent id. Never ~0 or ~0-1, which DenseMap
// reserves.
uint64_t skeleton_hash(std::string_view body, ParentHole parent, std::string &scratch) {
  scratch.clear();
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size() - 1;
    std::string_view line = body.substr(pos, nl - pos);
    size_t open, fp;
    if (parent.len && parent.at >= pos && parent.at < nl) {
      scratch.append(body.substr(pos, parent.at - pos));
      scratch.append(body.substr(parent.at + parent.len, nl + 1 - parent.at - parent.len));
    } else if (!line.empty() && line[0] != '\t' && line.back() == ')' &&
               (open = line.rfind('(')) != std::string_view::npos) {
      scratch.append(line.substr(0, open + 1));
      scratch.append(")\n");
    } else if (!line.empty() && line[0] == '\t' && (fp = line.find(" fp=0x")) != std::string_view::npos) {
      scratch.append(line.substr(0, fp + 4));
      size_t pc = line.find(" pc=", fp);
      if (pc != std::string_view::npos) scratch.append(line.substr(pc));
      scratch.push_back('\n');
    } else {
      scratch.append(body.substr(pos, nl + 1 - pos));
    }
    pos = nl + 1;
  }
  return llvm::xxh3_64bits(llvm::StringRef(scratch)) & (~uint64_t(0) >> 1);
}

}  // namespace

std::vector<uint32_t> BlockCache::field_starts(const BlockOutcome &o) {
  std::string_view base = o.frame_args ? std::string_view(*o.frame_args) : std::string_view(o.stack->joined_args);
  std::vector<uint32_t> starts{0};
  for (size_t i = 0; i < base.size(); ++i)
    if (base[i] == kArgsSeparator) starts.push_back(uint32_t(i + 1));
  starts.push_back(uint32_t(base.size() + 1));
  return starts;
}

std::optional<BlockCache::Hit> BlockCache::match_predicted(std::string_view rest) {
  Hit hit;
  hit.index = blocks_[last_].next;
  hit.size = match(blocks_[hit.index], rest, hit.parent, args_, hit.own_args, layout_);
  if (!hit.size) return std::nullopt;
  ++lookups_;  // a miss is counted by lookup()
  return hit;
}

std::optional<BlockCache::Hit> BlockCache::lookup(std::string_view body, uint64_t offset) {
  ParentHole hole = parent_hole(body);
  uint64_t hx = body_hash(body, hole);
  ++lookups_;
  Hit hit;
  hit.size = body.size();
  auto ex = exact_index_.find(hx);
  if (ex != exact_index_.end() &&
      match(blocks_[ex->second], body, hit.parent, args_, hit.own_args, layout_) == body.size() && !hit.own_args) {
    hit.index = ex->second;
    return hit;
  }
  uint64_t h = skeleton_hash(body, hole, hash_scratch_);
  auto it = skeleton_index_.find(h);
  if (it != skeleton_index_.end() &&
      match(blocks_[it->second], body, hit.parent, args_, hit.own_args, layout_) == body.size()) {
    hit.index = it->second;
    return hit;
  }
  // Mostly distinct bodies (arguments differing per goroutine): stop looking.
  if (lookups_ >= 65536 && hits_ * 16 < lookups_) enabled_ = false;
  if (has_room(body.size()) && !skeleton_index_.count(h)) {
    rec_active_ = true;
    rec_ok_ = true;
    rec_note_121_ = false;
    rec_hash_ = h;
    rec_exact_hash_ = hx;
    rec_hole_ = hole;
    rec_end_ = offset + body.size() - 1;
    rec_start_ = offset;
    rec_arg_holes_.clear();
    rec_addr_holes_.clear();
    rec_args_plain_ = true;
    rec_body_.assign(body.data(), body.size());
  }
  return std::nullopt;
}

size_t BlockCache::match(const CachedBlock &e, std::string_view rest, int64_t &parent, std::string &args,
                         bool &own_args, Layout &layout) {
  own_args = false;
  const std::string &b = e.bytes;
  // Most bodies are byte-identical to the cached one: one compare. (Those
  // with frame addresses never are, and their values are wanted.)
  if (e.addr_holes == 0 && rest.size() >= b.size() && std::memcmp(rest.data(), b.data(), b.size()) == 0) {
    layout.addr_count = 0;
    parent = e.outcome.parent_goid;
    if (e.hole.len) parent = parse_decimal(std::string_view(b).substr(e.hole.at, e.hole.len)).value_or(-1);
    return b.size();
  }
  layout.arg_hole_count = 0;
  layout.addr_count = 0;
  layout.hole = {};
  // e.bytes has its only empty line at its end, and holes hold no '\n', so a
  // prefix match is a whole body.
  const char *r = rest.data(), *r_end = rest.data() + rest.size(), *bp = b.data();
  size_t pc = 0, pr = 0;          // positions in b and in rest
  auto same = [&](size_t upto) {  // b[pc, upto) == rest[pr, ...)
    size_t n = upto - pc;
    if (rest.size() - pr < n || !same_bytes(r + pr, bp + pc, n)) return false;
    pc = upto;
    pr += n;
    return true;
  };
  // Per tracked argument hole (where it is: layout.arg_holes), left
  // uninitialized past arg_hole_count.
  struct Value {
    bool cached;      // the cached body's values
    bool stack_same;  // the cached values are the stack's
  };
  Value values[kMaxArgHoles];
  size_t args_seen = 0;
  for (const Hole &h : e.holes) {
    if (!same(h.at)) return 0;
    if (h.frame == kAddrHole) {
      size_t n = hex_value(r + pr, r_end, layout.addrs[layout.addr_count]);
      if (n == 0) return 0;
      ++layout.addr_count;
      pr += n;
      pc = h.at + h.len;
      continue;
    }
    if (++args_seen > kMaxArgHoles) continue;  // past the ones we track: must be byte-identical
    // The values run to the frame line's ')', which b has right after the hole.
    size_t n = plain_args_to_paren(r + pr, r_end);
    if (n == std::string_view::npos) return 0;
    bool cached = n == h.len && same_bytes(r + pr, bp + h.at, n);
    values[layout.arg_hole_count] = {cached, h.stack_same};
    layout.arg_holes[layout.arg_hole_count++] = {pr, n, h.frame};
    own_args |= !cached;
    pr += n;
    pc = h.at + h.len;
  }
  if (e.hole.len == 0) {
    if (!same(b.size())) return 0;
    parent = e.outcome.parent_goid;
  } else {
    if (!same(e.hole.at)) return 0;
    size_t len = 0;
    int64_t v = 0;
    while (pr + len < rest.size() && len <= 18 && rest[pr + len] >= '0' && rest[pr + len] <= '9')
      v = v * 10 + (rest[pr + len++] - '0');
    if (len == 0 || len > 18) return 0;
    layout.hole = {pr, len};
    pr += len;
    pc = e.hole.at + e.hole.len;
    if (!same(b.size())) return 0;
    parent = v;
  }
  if (own_args) {
    // e's argument fields with this body's values in the holes.
    const BlockOutcome &o = e.outcome;
    std::string_view base = o.frame_args ? std::string_view(*o.frame_args) : std::string_view(o.stack->joined_args);
    args.clear();
    const std::vector<Frame> &frames = o.stack->frames;
    size_t next_hole = 0, fields = e.arg_fields.size() - 1;
    for (size_t field = 0; field < fields; ++field) {
      if (field) args.push_back(kArgsSeparator);
      if (next_hole < layout.arg_hole_count && layout.arg_holes[next_hole].frame == field) {
        const ArgHole &where = layout.arg_holes[next_hole];
        const Value &val = values[next_hole++];
        std::string_view v = rest.substr(where.at, where.len);
        // Values that differ from the cached ones differ from the stack's
        // when those are the stack's; only a variant's need the stack read.
        bool stack_same = val.cached       ? val.stack_same
                          : val.stack_same ? false
                                           : field < frames.size() && v == frames[field].args;
        if (stack_same)
          args.push_back(kArgsSame);
        else
          args.append(v);
      } else {
        args.append(base.data() + e.arg_fields[field], e.arg_fields[field + 1] - 1 - e.arg_fields[field]);
      }
    }
  }
  return pr;
}

void BlockCache::mark_stack_same(CachedBlock &e) {
  const std::vector<Frame> &frames = e.outcome.stack->frames;
  for (Hole &h : e.holes)
    h.stack_same = h.frame != kAddrHole && h.frame < frames.size() &&
                   std::string_view(e.bytes).substr(h.at, h.len) == frames[h.frame].args;
}

void BlockCache::prefetch_predicted() const {
  if (last_ >= blocks_.size() || blocks_[last_].next >= blocks_.size()) return;
  const CachedBlock &p = blocks_[blocks_[last_].next];
  const char *bytes = p.bytes.data();
  for (size_t i = 0; i < std::min<size_t>(p.bytes.size(), 512); i += 64) __builtin_prefetch(bytes + i);
  __builtin_prefetch(p.holes.data());
  __builtin_prefetch(reinterpret_cast<const char *>(p.holes.data()) + 64);
}

void BlockCache::taken(const Hit &hit, std::string_view body, const SharedText &frame_args) {
  ++hits_;
  uint32_t prev = last_;
  follow(hit.index);
  // Bodies with frame addresses never repeat: no variants of them.
  if (hit.own_args && blocks_[hit.index].addr_holes == 0) remember_variant(hit.index, body, prev, frame_args);
  prefetch_predicted();
}

void BlockCache::remember_variant(uint32_t index, std::string_view body, uint32_t prev, const SharedText &frame_args) {
  // Full: nothing new is cached (then per-goroutine values, as in most real dumps, cost nothing more).
  if (!has_room(body.size())) return;
  uint64_t hx = body_hash(body, layout_.hole);
  auto ex = exact_index_.find(hx);
  if (ex != exact_index_.end() && blocks_[ex->second].outcome.stack == blocks_[index].outcome.stack) {
    int64_t parent;
    bool own;
    Layout unused;
    // args_ is free again: the caller has made its string.
    if (match(blocks_[ex->second], body, parent, args_, own, unused) == body.size() && !own) {
      last_ = prev;  // seen before: link to that copy
      follow(ex->second);
      return;
    }
  }
  if (layout_.arg_hole_count != blocks_[index].arg_holes) return;  // holes past the tracked ones
  CachedBlock v;
  v.bytes.assign(body.data(), body.size());
  v.hole = layout_.hole;
  for (size_t i = 0; i < layout_.arg_hole_count; ++i) {
    const ArgHole &h = layout_.arg_holes[i];
    v.holes.push_back({uint32_t(h.at), uint32_t(h.len), uint32_t(h.frame)});
  }
  v.arg_holes = uint32_t(layout_.arg_hole_count);
  v.outcome = blocks_[index].outcome;
  v.outcome.frame_args = frame_args;
  v.arg_fields = field_starts(v.outcome);
  mark_stack_same(v);
  bytes_ += v.bytes.size();
  exact_index_.try_emplace(hx, uint32_t(blocks_.size()));
  blocks_.push_back(std::move(v));
  last_ = prev;  // taken() linked prev to `index`: link it to the variant instead
  follow(uint32_t(blocks_.size() - 1));
}

void BlockCache::remember(uint32_t prev, BlockOutcome outcome) {
  last_ = prev;
  CachedBlock e;
  e.bytes = std::move(rec_body_);
  rec_body_ = std::string();
  e.hole = rec_hole_;
  // Both kinds were recorded in body order: merge them.
  if (!rec_args_plain_) rec_arg_holes_.clear();
  e.holes.reserve(rec_arg_holes_.size() + rec_addr_holes_.size());
  for (const ArgHole &h : rec_arg_holes_) e.holes.push_back({uint32_t(h.at), uint32_t(h.len), uint32_t(h.frame)});
  for (const AddrHole &h : rec_addr_holes_) e.holes.push_back({uint32_t(h.at), uint32_t(h.len), kAddrHole});
  std::inplace_merge(e.holes.begin(), e.holes.begin() + ptrdiff_t(rec_arg_holes_.size()), e.holes.end(),
                     [](const Hole &a, const Hole &b) { return a.at < b.at; });
  e.arg_holes = uint32_t(rec_arg_holes_.size());
  e.addr_holes = uint32_t(rec_addr_holes_.size());
  rec_arg_holes_.clear();
  rec_addr_holes_.clear();
  e.outcome = std::move(outcome);
  e.outcome.note_121 = rec_note_121_;
  e.arg_fields = field_starts(e.outcome);
  mark_stack_same(e);
  bytes_ += e.bytes.size();
  skeleton_index_.try_emplace(rec_hash_, uint32_t(blocks_.size()));
  exact_index_.try_emplace(rec_exact_hash_, uint32_t(blocks_.size()));
  blocks_.push_back(std::move(e));
  follow(uint32_t(blocks_.size() - 1));
}

}  // namespace crashctl
