// Goroutine profiles (runtime/pprof "goroutine"): the debug=1 text form
// (traceback/decoder.cpp reads its lines) and the debug=0 profile.proto form,
// gzip-compressed as go tool pprof and continuous profilers store it. Both
// give counts per distinct stack, not goroutines: each becomes COUNT
// goroutines without ids that share one stack, so groups, leak suspects,
// diff and triage read them like any dump. formats/profile.md.
#pragma once

#include "io/decode.h"
#include "io/input.h"
#include "model/report.h"

#include <string>
#include <string_view>
#include <vector>

namespace crashctl::profile {

// The wait reason that a stack's frames show, for profiles, which do not
// print one: "chan receive" from runtime.chanrecv, "sync.Mutex.Lock" from
// sync.(*Mutex).Lock, "IO wait" from internal/poll.runtime_pollWait, ...;
// "" when the frames do not tell (debug=1 hides the runtime's own frames,
// so a channel wait there shows only the caller).
std::string infer_wait_reason(const std::vector<Frame> &frames);

// How many goroutines of profiles' counts one input expands into its reports:
// a count is a few bytes of input, a goroutine about a hundred of memory.
uint64_t goroutine_budget();

// Appends COUNT goroutines of STACK (ids -1) to P, no more than BUDGET (but
// at least one), which it lowers; returns how many it appended. PARKED: the goroutine stopped
// inside the runtime (frames were hidden above the first shown one, or the
// first frame is runtime.gopark), so it was waiting.
uint64_t add_goroutines(Process &p, uint64_t count, const StackRef &stack, std::string_view labels, bool parked,
                        uint64_t offset, uint64_t &budget);

// The warning for a profile whose counts went past the budget.
std::string unexpanded_warning(uint64_t counted, uint64_t expanded);

// Decodes a profile.proto goroutine profile into one snapshot report; other
// profile types (heap, cpu) are an input error naming the sample type.
void decode_profile_proto(ByteSource &src, Input &out);
// The same with the shared decoder signature (io/decode.h).
void decode_profile(OpenedInput &in, Input &out, const DecodeOptions &opts);

}  // namespace crashctl::profile
