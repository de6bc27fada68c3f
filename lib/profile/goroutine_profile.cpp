#include "profile/goroutine_profile.h"

#include "support/limits.h"

#include "gosyntax/parse.h"

#include "profile.pb.h"  // generated from profile/profile.proto

#include <google/protobuf/io/coded_stream.h>

#include <unordered_map>

namespace crashctl::profile {

namespace {

// Code that a waiting goroutine's stack passes through before the program's
// own frames: the runtime, sync, time and the poller.
bool is_wait_machinery(const std::string &fn) {
  return starts_with(fn, "runtime.") || starts_with(fn, "sync.") || starts_with(fn, "internal/sync.") ||
         starts_with(fn, "time.") || starts_with(fn, "internal/poll.") || starts_with(fn, "internal/runtime/");
}

uint64_t max_goroutines() {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  // Inside libFuzzer's RSS and time limits.
  return std::min<uint64_t>(resource_limits().profile_goroutines, uint64_t(1) << 16);
#else
  return resource_limits().profile_goroutines;
#endif
}

// The goroutine that writes the profile: runtime/pprof is its first frame
// below the runtime's own (which the proto keeps and debug=1 hides).
bool writes_profile(const std::vector<Frame> &frames) {
  for (const Frame &f : frames) {
    if (starts_with(f.function, "runtime.") || starts_with(f.function, "internal/runtime/")) continue;
    return starts_with(f.function, "runtime/pprof.");
  }
  return false;
}

}  // namespace

std::string infer_wait_reason(const std::vector<Frame> &frames) {
  struct Rule {
    const char *prefix;
    const char *reason;
  };
  static constexpr Rule kRules[] = {
      {"runtime.chanrecv", "chan receive"},
      {"runtime.chansend", "chan send"},
      {"runtime.selectgo", "select"},
      {"runtime.block", "select (no cases)"},
      {"sync.(*RWMutex).RLock", "sync.RWMutex.RLock"},
      {"sync.(*RWMutex).Lock", "sync.RWMutex.Lock"},
      {"sync.(*Mutex).Lock", "sync.Mutex.Lock"},
      {"sync.(*WaitGroup).Wait", "sync.WaitGroup.Wait"},
      {"sync.(*Cond).Wait", "sync.Cond.Wait"},
      {"time.Sleep", "sleep"},
      {"internal/poll.runtime_pollWait", "IO wait"},
      {"runtime.netpollblock", "IO wait"},
  };
  for (const Frame &f : frames) {
    for (const Rule &r : kRules)
      if (starts_with(f.function, r.prefix)) return r.reason;
    if (!is_wait_machinery(f.function)) break;
  }
  return "";
}

uint64_t goroutine_budget() {
  return max_goroutines();
}

std::string unexpanded_warning(uint64_t counted, uint64_t expanded) {
  return "the goroutine profile counts " + std::to_string(counted) + " goroutines; " +
         std::to_string(counted - expanded) + " of them are not listed (an input expands at most " +
         std::to_string(max_goroutines()) + "), so groups and states undercount them";
}

uint64_t add_goroutines(Process &p, uint64_t count, const StackRef &stack, std::string_view labels, bool parked,
                        uint64_t offset, uint64_t &budget) {
  Goroutine g;
  g.id = -1;
  g.offset = offset;
  g.stack = stack;
  std::string reason = stack ? infer_wait_reason(stack->frames) : std::string();
  if (!reason.empty()) {
    g.status = GoroutineStatus::Waiting;
    g.wait_reason = InternedString(reason);
  } else if (stack && writes_profile(stack->frames)) {
    g.status = GoroutineStatus::Running;  // the goroutine writing the profile
  } else if (parked) {
    g.status = GoroutineStatus::Waiting;
  }
  if (!labels.empty()) g.mutable_details().labels = std::string(labels);
  // Every stack is listed once, past the budget too: only copies are left out.
  uint64_t n = count == 0 ? 0 : std::max<uint64_t>(1, std::min(count, budget));
  budget -= std::min(n, budget);
  for (uint64_t i = 0; i < n; ++i) p.goroutines.push_back(g);
  return n;
}

// --- profile.proto -------------------------------------------------------------

void decode_profile_proto(ByteSource &src, Input &out) {
  // Profiles are read whole (protobuf messages are at most 2 GiB).
  constexpr size_t kMax = size_t(1) << 31;
  std::string data;
  char buf[1 << 16];
  for (;;) {
    auto n = src.read(buf, sizeof buf);
    if (!n) {
      out.failed = true;
      out.add_diagnostic({Severity::Error, data.size(), llvm::toString(n.takeError())});
      break;
    }
    if (*n == 0) break;
    if (data.size() + *n > kMax) {
      out.failed = true;
      out.add_diagnostic({Severity::Error, data.size(), "profile larger than 2 GiB; read no further"});
      break;
    }
    data.append(buf, *n);
  }
  out.size = data.size();

  // Top-level fields one by one, so that a damaged profile keeps what came
  // before the damage and the error names its offset.
  pprof::Profile prof;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t *>(data.data()), int(data.size()));
  in.SetTotalBytesLimit(int(std::min<size_t>(data.size() + 1, size_t(INT32_MAX))));
  for (;;) {
    uint64_t at = uint64_t(in.CurrentPosition());
    uint32_t tag = in.ReadTag();
    if (tag == 0) {
      if (!in.ConsumedEntireMessage() && uint64_t(in.CurrentPosition()) < data.size()) {
        out.add_diagnostic({Severity::Error, at, "profile.proto: malformed field tag; read no further"});
        out.failed = true;
      }
      break;
    }
    uint32_t field = tag >> 3, wire = tag & 7;
    auto fail = [&](const char *what) {
      out.add_diagnostic(
          {Severity::Error, at,
           std::string("profile.proto: ") + what + " in field " + std::to_string(field) + "; read no further"});
      out.failed = true;
    };
    if (wire == 2) {
      uint32_t len;
      std::string bytes;
      if (!in.ReadVarint32(&len) || !in.ReadString(&bytes, int(len))) {
        fail("a length-delimited value runs past the end");
        break;
      }
      bool ok = true;
      switch (field) {
        case 1: ok = prof.add_sample_type()->ParseFromString(bytes); break;
        case 2: ok = prof.add_sample()->ParseFromString(bytes); break;
        case 3: ok = prof.add_mapping()->ParseFromString(bytes); break;
        case 4: ok = prof.add_location()->ParseFromString(bytes); break;
        case 5: ok = prof.add_function()->ParseFromString(bytes); break;
        case 6: prof.add_string_table(std::move(bytes)); break;
        case 11: ok = prof.mutable_period_type()->ParseFromString(bytes); break;
        default: break;  // comments (packed), unknown fields
      }
      if (!ok) {
        fail("a malformed message");
        break;
      }
    } else if (wire == 0) {
      uint64_t v;
      if (!in.ReadVarint64(&v)) {
        fail("a truncated varint");
        break;
      }
      if (field == 9) prof.set_time_nanos(int64_t(v));
    } else if (wire == 1) {
      uint64_t v;
      if (!in.ReadLittleEndian64(&v)) {
        fail("a truncated fixed64");
        break;
      }
    } else if (wire == 5) {
      uint32_t v;
      if (!in.ReadLittleEndian32(&v)) {
        fail("a truncated fixed32");
        break;
      }
    } else {
      fail("an unknown wire type");
      break;
    }
  }

  const auto &strings = prof.string_table();
  auto str = [&](int64_t i) -> std::string { return i >= 0 && i < strings.size() ? strings[int(i)] : std::string(); };
  if (prof.sample_type_size() == 0 || str(prof.sample_type(0).type()) != "goroutine") {
    std::string type = prof.sample_type_size() ? str(prof.sample_type(0).type()) : std::string("no sample type");
    out.failed = true;
    out.add_diagnostic({Severity::Error, 0,
                        "a pprof profile of " + (type.empty() ? std::string("unknown type") : type) +
                            ", not a goroutine profile: crashctl reads goroutine profiles only"});
    return;
  }

  std::unordered_map<uint64_t, const pprof::Function *> functions;
  for (const auto &f : prof.function()) functions[f.id()] = &f;
  std::unordered_map<uint64_t, const pprof::Location *> locations;
  for (const auto &l : prof.location()) locations[l.id()] = &l;

  Report r;
  r.kind = ReportKind::Snapshot;
  r.format = InputFormat::Profile;
  Process &p = r.process;
  p.profile = "proto";
  p.goroutine_profile = true;
  size_t missing = 0;
  uint64_t total = 0, budget = max_goroutines();
  for (const auto &s : prof.sample()) {
    auto st = make_ref<Stack>();
    for (uint64_t id : s.location_id()) {
      auto it = locations.find(id);
      if (it == locations.end()) {
        ++missing;
        continue;
      }
      const pprof::Location &loc = *it->second;
      for (int i = 0; i < loc.line_size(); ++i) {
        const pprof::Line &ln = loc.line(i);
        Frame f;
        auto fn = functions.find(ln.function_id());
        if (fn != functions.end()) {
          f.function = str(fn->second->name());
          f.file = str(fn->second->filename());
        }
        f.package = package_of(f.function);
        f.no_args = true;
        f.line = int(ln.line());
        // Inlined calls come first; the last line is the function the pc is in.
        f.inlined = i + 1 < loc.line_size();
        if (i + 1 == loc.line_size()) f.pc = loc.address();
        if (f.function == "runtime.goexit") continue;
        st->frames.push_back(std::move(f));
      }
    }
    std::string labels;
    for (const auto &l : s.label()) {
      if (!labels.empty()) labels += ", ";
      labels += '"' + str(l.key()) + "\":";
      labels += l.str() ? '"' + str(l.str()) + '"' : std::to_string(l.num());
    }
    int64_t count = s.value_size() ? s.value(0) : 0;
    if (count <= 0) continue;
    total = uint64_t(count) > UINT64_MAX - total ? UINT64_MAX : total + uint64_t(count);
    bool parked = !st->frames.empty() && starts_with(st->frames.front().function, "runtime.gopark");
    // The runtime's frames above the first telling one say how it waits; they
    // stay in the stack as the proto has them.
    add_goroutines(p, uint64_t(count), StackRef(st), labels, parked, 0, budget);
  }
  if (missing)
    out.add_diagnostic({Severity::Warning, 0,
                        std::to_string(missing) + " sample location ids name no location; those frames are missing"});
  if (total > p.goroutines.size())
    out.add_diagnostic({Severity::Warning, 0, unexpanded_warning(total, p.goroutines.size())});
  p.go_version.source = "";
  r.offset = 0;
  r.end_offset = data.size();
  out.add_report(std::move(r));
}

void decode_profile(OpenedInput &in, Input &out, const DecodeOptions &) {
  decode_profile_proto(*in.source, out);
}

}  // namespace crashctl::profile
