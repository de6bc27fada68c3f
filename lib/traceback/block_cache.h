// The block cache of the crash-text decoder: goroutine bodies (the lines
// after a header, through the empty line that ends them) seen before, and
// what decoding them gave, so that the next copy is taken whole. Bodies may
// differ from a cached one in their "created by ... in goroutine N" parent id
// (a hole) and in plain argument values (argument holes); a body that matched
// only through argument holes is cached as a variant of its own.
#pragma once

#include "model/process.h"

#include "llvm/ADT/DenseMap.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crashctl {

// The length of a goroutine body that starts at b[0] (just after its header
// line): through the '\n' of the first empty line, 0 when there is none in
// the first `limit` bytes.
size_t block_length(std::string_view b, size_t limit);

// Where the parent id of a body's "created by F in goroutine N" line sits:
// bodies that differ only there give the same goroutine but for its parent.
// len 0: no such line.
struct ParentHole {
  size_t at = 0, len = 0;
};
ParentHole parent_hole(std::string_view body);

// Where the argument values of one frame sit in a cached body: bodies that
// differ only there (pointers, as in most real dumps) share the stack; the
// values become the goroutine's own frame_args.
struct ArgHole {
  size_t at = 0, len = 0;
  size_t frame = 0;  // its field in the kArgsSeparator-joined arguments
};

// Where a frame line's fp= or sp= value ("0x...") sits in a cached body
// (GOTRACEBACK=system and above): it differs per goroutine, so any hex value
// matches there; the values give the goroutine's frame addresses.
struct AddrHole {
  size_t at = 0, len = 0;
};

// Argument text that parses the same wherever it stands: hex and decimal
// values, "?", "...", "{", "}", ", ".
bool plain_args(std::string_view args);

// What decoding a body line by line gave, applied again to its copies.
struct BlockOutcome {
  StackRef stack;
  SharedText frame_args;  // null: the stack's joined_args
  FrameRef created_by;
  int64_t parent_goid = -1;  // when the body has no parent hole
  bool note_121 = false;     // the body noted a Go 1.21 feature
};

class BlockCache {
public:
  static constexpr size_t kMaxBlock = 64 << 10;  // longest body looked at
  static constexpr size_t kMaxBlocks = 1 << 14, kMaxBlockBytes = 4 << 20;
  static constexpr size_t kMaxAddrHoles = 256;  // fp and sp of 128 frames
  static constexpr size_t kMaxArgHoles = 64;    // argument holes of a body that may differ; later ones may not

  // A cached body found at the start of the text given.
  struct Hit {
    uint32_t index = 0;
    size_t size = 0;        // bytes of the body
    int64_t parent = -1;    // its parent goroutine id
    bool own_args = false;  // its argument values differ: see args()
  };

  // False once bodies turned out mostly distinct, or not separated by empty
  // lines: then the caller stops looking.
  bool enabled() const { return enabled_; }
  // Text whose goroutines are not separated by blank lines (journald drops
  // them) has no body to take: after many tries, stop looking.
  void end_found(bool found) {
    if (found)
      bodies_without_end_ = 0;
    else if (++bodies_without_end_ >= 32)
      enabled_ = false;
  }

  // The body that followed the last taken or remembered one the last time
  // it was seen: dumps list runs and cycles of the same stacks, so checking
  // it first avoids the scan and hash. 0 when there is none.
  size_t predicted_size() const {
    return last_ < blocks_.size() && blocks_[last_].next < blocks_.size() ? blocks_[blocks_[last_].next].bytes.size()
                                                                          : 0;
  }
  // The predicted body when `rest` starts with it.
  std::optional<Hit> match_predicted(std::string_view rest);
  // `body` (through its empty line, at `offset`) when it was cached. On a
  // miss the cache starts recording it when there is room: the caller
  // decodes it line by line and calls remember() if that went as planned.
  std::optional<Hit> lookup(std::string_view body, uint64_t offset);

  const BlockOutcome &outcome(const Hit &hit) const { return blocks_[hit.index].outcome; }
  // A hit's argument fields when own_args, valid until the next call.
  const std::string &args() const { return args_; }
  // A hit's fp= and sp= values in body order (fp, sp of each frame that
  // shows them), valid until the next call; none when the body has none.
  const uint64_t *addrs() const { return layout_.addrs; }
  size_t addr_count() const { return layout_.addr_count; }
  // The caller applied `hit` to `body`; `frame_args` is what it gave the
  // goroutine. Links the prediction chain; a body with its own argument
  // values is cached as a variant.
  void taken(const Hit &hit, std::string_view body, const SharedText &frame_args);

  // Recording the body being decoded line by line.
  bool recording() const { return rec_active_; }
  uint64_t recording_start() const { return rec_start_; }
  void stop_recording() { rec_active_ = false; }
  void spoil() { rec_ok_ = false; }  // a line took a path that replay cannot repeat
  void note_121() { rec_note_121_ = true; }
  // A frame line's argument values, at `at` bytes into the recorded body.
  void arg_hole(size_t at, std::string_view args, size_t frame) {
    if (!plain_args(args)) rec_args_plain_ = false;  // then only byte-identical bodies match
    rec_arg_holes_.push_back({at, args.size(), frame});
  }
  // A frame line's fp= or sp= value, at `at` bytes into the recorded body.
  void addr_hole(size_t at, size_t len) {
    if (rec_addr_holes_.size() >= kMaxAddrHoles) rec_ok_ = false;
    rec_addr_holes_.push_back({at, len});
  }
  // The empty line at `offset` ends a body: true when it is the recorded one
  // and every line was recordable. Recording stops either way.
  bool end_recording(uint64_t offset) {
    bool ok = rec_active_ && rec_ok_ && offset == rec_end_;
    rec_active_ = false;
    return ok;
  }
  // Caches the recorded body with what it gave; `prev` is the body taken
  // before it (last()).
  void remember(uint32_t prev, BlockOutcome outcome);

  // The body taken or remembered last; break_chain() forgets it, when a
  // goroutine was decoded without the cache.
  static constexpr uint32_t kNone = ~uint32_t(0);
  uint32_t last() const { return last_; }
  void break_chain() { last_ = kNone; }

  size_t size() const { return blocks_.size(); }
  uint64_t lookups() const { return lookups_; }
  uint64_t hits() const { return hits_; }

private:
  // A place in a cached body where copies may differ: argument values of
  // frame `frame`, or (kAddrHole) an fp= or sp= value.
  static constexpr uint32_t kAddrHole = ~uint32_t(0);
  struct Hole {
    uint32_t at = 0, len = 0;
    uint32_t frame = kAddrHole;
    bool stack_same = false;  // argument values that are the stack's own (frames[frame].args)
  };
  struct CachedBlock {
    std::string bytes;        // the body, through its final "\n\n"
    ParentHole hole;          // any parent id matches there
    std::vector<Hole> holes;  // any plain argument or hex address value matches there, in body order
    uint32_t arg_holes = 0, addr_holes = 0;
    std::vector<uint32_t> arg_fields;  // where the outcome's argument fields start, and its size + 1
    BlockOutcome outcome;
    uint32_t next = kNone;  // the body that followed this one last time
  };
  // Where a body matched against a cached one has its holes. At most as many
  // argument holes as match() tracks; a fixed array keeps the per-body match
  // free of vector growth checks.
  struct Layout {
    ArgHole arg_holes[kMaxArgHoles];
    size_t arg_hole_count = 0;
    ParentHole hole;
    uint64_t addrs[kMaxAddrHoles];
    size_t addr_count = 0;
  };
  // The length of e's body at the start of `rest`, or 0. Its parent id goes
  // to `parent`; when its argument values differ from e's, their joined text
  // goes to `args` and `own_args` is set. `layout` gets where this body's
  // holes are.
  static size_t match(const CachedBlock &e, std::string_view rest, int64_t &parent, std::string &args, bool &own_args,
                      Layout &layout);
  static std::vector<uint32_t> field_starts(const BlockOutcome &o);
  // Sets each argument hole's stack_same from e's bytes.
  static void mark_stack_same(CachedBlock &e);
  // Starts loading the predicted body and its holes into the CPU's cache:
  // with many distinct bodies they are rarely there when matching begins.
  void prefetch_predicted() const;
  void remember_variant(uint32_t index, std::string_view body, uint32_t prev, const SharedText &frame_args);
  void follow(uint32_t index) {  // `index` is the body just taken
    if (last_ < blocks_.size()) blocks_[last_].next = index;
    last_ = index;
  }
  bool has_room(size_t bytes) const { return blocks_.size() < kMaxBlocks && bytes_ + bytes <= kMaxBlockBytes; }

  std::vector<CachedBlock> blocks_;
  llvm::DenseMap<uint64_t, uint32_t> skeleton_index_;  // skeleton hash -> blocks_ index; open addressing stays in cache
  llvm::DenseMap<uint64_t, uint32_t> exact_index_;     // body hash -> blocks_ index, variants included
  size_t bytes_ = 0;
  uint32_t last_ = kNone;
  uint64_t lookups_ = 0, hits_ = 0;
  bool enabled_ = true;
  unsigned bodies_without_end_ = 0;
  std::string args_, hash_scratch_;
  Layout layout_;

  bool rec_active_ = false;
  bool rec_ok_ = false;  // every line so far took a recordable path
  bool rec_note_121_ = false;
  uint64_t rec_hash_ = 0, rec_exact_hash_ = 0;
  ParentHole rec_hole_;
  uint64_t rec_start_ = 0;  // offset of the body's first byte
  uint64_t rec_end_ = 0;    // offset of the empty line that ends the body
  std::vector<ArgHole> rec_arg_holes_;
  std::vector<AddrHole> rec_addr_holes_;
  bool rec_args_plain_ = true;
  std::string rec_body_;
};

}  // namespace crashctl
