// The crash-text decoder: turns Go traceback text (stderr, logs, SIGQUIT
// dumps, debug=2 goroutine profiles, race reports) into Reports.
#pragma once

#include "io/decode.h"
#include "io/input.h"
#include "model/report.h"

#include <memory>
#include <string_view>

namespace crashctl {

// Streaming decoder. Feed it every line of the input in order; each crash
// found becomes one Report in `out.reports` (Process filled, verdict empty),
// problems become `out.diagnostics`. Memory stays bounded by the number of
// distinct stacks, not by the input size.
class TracebackDecoder {
public:
  explicit TracebackDecoder(Input &out);
  ~TracebackDecoder();
  void line(std::string_view raw, uint64_t offset);
  void finish(uint64_t end_offset);

private:
  struct State;
  std::unique_ptr<State> impl_;
};

// Reads all of `src` as crash text into `out`; with show_progress, long reads
// draw progress on stderr when it is a TTY (off when many inputs run at once).
// A file of at least two MIN_PART-byte parts (0: kMinListingPart) that can
// be read at offsets (ByteSource::range()) is decoded in up to THREADS parts
// (0: one per CPU this process may use), cut between goroutines; the
// result is the same as with one thread.
// STATS, when given, says how it went.
constexpr uint64_t kMinListingPart = uint64_t(8) << 20;
struct ListingStats {
  size_t parts = 1;     // parts decoded at once
  size_t absorbed = 0;  // parts whose goroutines (some or all) the part before took whole
  size_t stolen = 0;    // parts split off a worker's by a thread done with its own
};
void decode_traceback(ByteSource &src, Input &out, bool show_progress = true, unsigned threads = 1,
                      uint64_t min_part = 0, ListingStats *stats = nullptr);
// The same with the shared decoder signature (io/decode.h).
void decode_traceback(OpenedInput &in, Input &out, const DecodeOptions &opts);

}  // namespace crashctl
