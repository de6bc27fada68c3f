#include "analysis/signature.h"

#include "gosyntax/parse.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SHA1.h"

#include <algorithm>
#include <cctype>

namespace crashctl {

namespace {

bool is_closure_segment(std::string_view seg) {
  // "func·001": Go 1.4 and older named closures so (U+00B7 between).
  for (std::string_view prefix : {"func", "gowrap", "deferwrap", "", "func\xc2\xb7"}) {
    if (!starts_with(seg, prefix)) continue;
    std::string_view digits = seg.substr(prefix.size());
    if (digits.empty()) continue;
    if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return true;
  }
  return false;
}

bool is_hex_digit(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

}  // namespace

std::string short_sha1(const std::string &text) {
  llvm::SHA1 sha;
  sha.update(llvm::StringRef(text));
  auto digest = sha.final();
  static const char *hexdigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 8; ++i) {
    out.push_back(hexdigits[digest[i] >> 4]);
    out.push_back(hexdigits[digest[i] & 15]);
  }
  return out;
}

std::string normalize_function(const std::string &function) {
  // Split off trailing ".seg" parts that name closures and go/defer wrappers;
  // releases number and nest them differently (func1 vs func1.1, gowrap1).
  std::string_view f = function;
  bool closure = false;
  for (;;) {
    size_t dot = f.rfind('.');
    if (dot == std::string_view::npos || dot == 0) break;
    std::string_view seg = f.substr(dot + 1);
    if (!is_closure_segment(seg)) break;
    closure = true;
    f = f.substr(0, dot);
  }
  std::string out(f);
  if (closure) out += ".func";
  return out;
}

std::string normalize_message(const std::string &m) {
  std::string out;
  out.reserve(m.size());
  for (size_t i = 0; i < m.size();) {
    char c = m[i];
    bool wordStart = i == 0 || !is_word(m[i - 1]);
    if (c == '0' && i + 1 < m.size() && (m[i + 1] == 'x' || m[i + 1] == 'X') && wordStart) {
      size_t j = i + 2;
      while (j < m.size() && is_hex_digit(m[j])) ++j;
      out += "0x?";
      i = j;
      continue;
    }
    if (is_digit(c) && wordStart) {
      size_t j = i;
      while (j < m.size() && is_digit(m[j])) ++j;
      if (j == m.size() || !is_word(m[j])) {
        out += "N";
        i = j;
        continue;
      }
    }
    if (c == '"') {
      size_t j = m.find('"', i + 1);
      if (j != std::string::npos) {
        out += "\"?\"";
        i = j + 1;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

namespace {

// The last two elements of a path, "controller/manager.go": what no
// machine's GOPATH, module cache or checkout prefix changes.
std::string file_tail(const std::string &file) {
  size_t name = file.find_last_of("/\\");
  if (name == std::string::npos || name == 0) return file;
  size_t dir = file.find_last_of("/\\", name - 1);
  return dir == std::string::npos ? file : file.substr(dir + 1);
}

std::string frame_key(const Frame &f, const SignatureOptions &opts) {
  // A frame printed without its function (the FILE:LINE lists of old
  // apimachinery's HandleCrash) is known by its file.
  std::string k = f.function.empty() && !f.file.empty() ? "file " + file_tail(f.file) : normalize_function(f.function);
  if (opts.with_lines && f.line > 0) k += ":" + std::to_string(f.line);
  return k;
}

// Up to N in-app frames from index `from` down.
std::vector<std::string> app_frames(const Stack &stack, size_t from, const InAppRules &rules,
                                    const SignatureOptions &opts) {
  std::vector<std::string> out;
  for (size_t i = from; i < stack.frames.size() && out.size() < opts.frames; ++i) {
    const Frame &f = stack.frames[i];
    if (!rules.in_app(f)) continue;
    std::string k = frame_key(f, opts);
    // Recursion: what lies below may be cut by the runtime's frame limit
    // (100 frames before Go 1.21), so the recursing function ends the list.
    if (!out.empty() && out.back() == k) break;
    out.push_back(k);
  }
  return out;
}

// A recursion cycle read from any point: rotate to start at the smallest name.
std::vector<std::string> canonical_cycle(std::vector<std::string> cycle) {
  for (auto &f : cycle) f = normalize_function(f);
  if (!cycle.empty()) std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  return cycle;
}

std::string crash_message(const Process &p) {
  if (p.fatal) return p.fatal->message;
  for (auto it = p.panics.rbegin(); it != p.panics.rend(); ++it)
    if (!it->fatal) return it->message;
  if (p.signal) return p.signal->name;
  return "";
}

constexpr size_t kMaxEvidence = 4;  // waits, tests, groups in one signature

// Up to N top-level test names, sorted: the "running tests:" list (Go 1.20+),
// else the Test/Benchmark/Fuzz functions run by testing.tRunner goroutines.
// Subtests ("TestA/case_1") and closures ("pkg.TestA.func1") count as their
// top-level test, so releases with and without the list agree.
std::vector<std::string> running_tests(const Process &p, size_t n) {
  std::vector<std::string> names;
  if (p.test_timeout)
    for (const auto &[name, duration] : p.test_timeout->running) names.push_back(name.substr(0, name.find('/')));
  if (names.empty())
    for (const Goroutine &g : p.goroutines) {
      if (!g.stack) continue;
      const auto &frames = g.stack->frames;
      for (size_t i = 1; i < frames.size(); ++i) {
        if (frames[i].function != "testing.tRunner") continue;
        std::string fn = normalize_function(frames[i - 1].function);
        if (ends_with(fn, ".func")) fn.resize(fn.size() - 5);
        std::string_view name = std::string_view(fn).substr(fn.rfind('.') + 1);
        if (starts_with(name, "Test") || starts_with(name, "Benchmark") || starts_with(name, "Fuzz"))
          names.emplace_back(name);
        break;
      }
    }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names.size() > n) names.resize(n);
  for (std::string &name : names) name = "test " + name;
  return names;
}

// "sync.Mutex.Lock", "sync.WaitGroup.Wait" (Go 1.20+) were "semacquire" before.
std::string stable_wait_reason(const std::string &reason) {
  if (starts_with(reason, "sync.") || starts_with(reason, "semacquire")) return "sync";
  return reason;
}

// Where a goroutine is in the program: its first in-app frame, else its
// first frame outside the runtime and the standard library (code that is not
// in-app: --not-in-app, relative or generated file paths), else its first
// frame outside the runtime. The standard library comes last because its
// frames move between releases (sync.runtime_SemacquireMutex became
// internal/sync's in Go 1.24). Null for runtime frames only: system
// goroutines, which crash text hides and cores show, tell nothing about the
// program.
const Frame *program_frame(const Stack &stack, const InAppRules &rules) {
  for (const Frame &f : stack.frames)
    if (rules.in_app(f)) return &f;
  for (const Frame &f : stack.frames)
    if (!InAppRules::is_runtime(f) && !InAppRules::is_stdlib(f) && !f.non_go) return &f;
  for (const Frame &f : stack.frames)
    if (!InAppRules::is_runtime(f)) return &f;
  return nullptr;
}

// Deadlocks: what the blocked goroutines wait on, and where, sorted and
// de-duplicated, at most N.
std::vector<std::string> wait_set(const Process &p, const InAppRules &rules, const SignatureOptions &opts, size_t n) {
  std::vector<std::string> waits;
  for (const Goroutine &g : p.goroutines) {
    if (g.status != GoroutineStatus::Waiting || !g.stack) continue;
    const Frame *f = program_frame(*g.stack, rules);
    if (!f) continue;
    waits.push_back("wait " + stable_wait_reason(g.wait_reason) + " @ " + frame_key(*f, opts));
  }
  std::sort(waits.begin(), waits.end());
  waits.erase(std::unique(waits.begin(), waits.end()), waits.end());
  if (waits.size() > n) waits.resize(n);
  return waits;
}

// Snapshots: the sites of the N largest groups of goroutines, sorted.
std::vector<std::string> largest_groups(const Report &r, const InAppRules &rules, const SignatureOptions &opts,
                                        size_t n) {
  std::vector<std::pair<size_t, std::string>> sites;
  for (const GoroutineGroup &g : r.groups) {
    if (!g.stack) continue;
    const Frame *f = program_frame(*g.stack, rules);
    if (!f) continue;
    // The site alone: a profile (debug=1, proto) shows no states, and a
    // snapshot of one program must bucket alike in every form.
    sites.emplace_back(g.goroutine_ids.size(), "site " + frame_key(*f, opts));
  }
  // Largest first; equal sizes by text, so the choice does not depend on dump order.
  std::sort(sites.begin(), sites.end(),
            [](const auto &a, const auto &b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<std::string> out;
  for (const auto &[count, text] : sites) {
    if (std::find(out.begin(), out.end(), text) != out.end()) continue;
    out.push_back(text);
    if (out.size() == n) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Up to N frames that are not the runtime's, from the top of STACK.
std::vector<std::string> top_program_frames(const Stack &stack, const SignatureOptions &opts, size_t n) {
  std::vector<std::string> out;
  for (const Frame &f : stack.frames) {
    if (InAppRules::is_runtime(f)) continue;
    std::string k = frame_key(f, opts);
    if (!out.empty() && out.back() == k) break;  // recursion, as in app_frames
    out.push_back(k);
    if (out.size() == n) break;
  }
  return out;
}

bool is_throw(const std::string &fn) {
  return fn == "runtime.throw" || fn == "runtime.fatalthrow" || fn == "runtime.fatal" || fn == "runtime.fatalpanic" ||
         fn == "runtime.throw.func1" || fn == "runtime.fatalthrow.func1";
}

// A stack of runtime frames only: the N frames below the throw, which tell
// one runtime failure from another.
std::vector<std::string> runtime_frames_after_throw(const Stack &stack, size_t n) {
  const auto &frames = stack.frames;
  size_t from = 0;
  for (size_t i = 0; i < frames.size(); ++i)
    if (is_throw(frames[i].function) || frames[i].function == "runtime.systemstack") from = i + 1;
  std::vector<std::string> out;
  for (size_t i = from; i < frames.size() && out.size() < n; ++i) {
    if (is_throw(frames[i].function) || frames[i].function == "runtime.systemstack" ||
        frames[i].function == "runtime.goexit" || frames[i].function == "runtime.mstart")
      continue;
    out.push_back(normalize_function(frames[i].function));
  }
  return out;
}

}  // namespace

void compute_signature(Report &report, const InAppRules &rules, const SignatureOptions &opts) {
  Verdict &v = report.verdict;
  const Process &p = report.process;
  std::vector<std::string> parts{v.cls ? to_string(*v.cls) : ""};
  std::vector<std::string> frames;
  const Goroutine *crashing = p.goroutine(v.goroutine);
  if (v.cls == VerdictClass::DataRace) {
    // Both sides of the race, in a fixed order: where each access is in the
    // program, in-app or not (a race has no message to tell it apart).
    if (!p.races.empty())
      for (const RaceAccess &a : p.races.front().accesses)
        if (const Frame *f = a.stack ? program_frame(*a.stack, rules) : nullptr) frames.push_back(frame_key(*f, opts));
    std::sort(frames.begin(), frames.end());
    frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
  } else if (v.cls == VerdictClass::StackOverflow && v.culprit && !v.culprit->cycle.empty()) {
    frames = canonical_cycle(v.culprit->cycle);
  } else if (v.cls == VerdictClass::TestTimeout) {
    // The hung test's frame when it is the program's, else which tests were
    // running. A culprit outside the app is weak, and only releases that list
    // the running tests (1.20+) find one: go1.19 would bucket apart.
    if (v.culprit && rules.in_app(v.culprit->frame))
      frames.push_back(frame_key(v.culprit->frame, opts));
    else
      frames = running_tests(p, kMaxEvidence);
    if (frames.empty() && v.culprit) frames.push_back(frame_key(v.culprit->frame, opts));
  } else if (v.cls == VerdictClass::Deadlock) {
    // Where goroutine 1 stopped says little: main.main waits on a channel,
    // a send or a mutex alike. What every blocked goroutine waits on does.
    frames = wait_set(p, rules, opts, kMaxEvidence);
    if (frames.empty() && v.culprit) frames.push_back(frame_key(v.culprit->frame, opts));
  } else if (v.cls == VerdictClass::ExternalSignal || v.cls == VerdictClass::Snapshot) {
    // No crash site: the message says little (a signal); what the program
    // was doing does. The culprit; else for a signal main's frames, for a
    // snapshot the sites of its largest groups; else the other of the two.
    auto main_frames = [&] {
      const Goroutine *main = p.goroutine(1);
      return main && main->stack ? app_frames(*main->stack, 0, rules, opts) : std::vector<std::string>{};
    };
    auto groups = [&] { return largest_groups(report, rules, opts, kMaxEvidence - 1); };
    if (v.culprit)
      frames.push_back(frame_key(v.culprit->frame, opts));
    else
      frames = v.cls == VerdictClass::Snapshot ? groups() : main_frames();
    if (frames.empty()) frames = v.cls == VerdictClass::Snapshot ? main_frames() : groups();
  } else {
    if (crashing && crashing->stack && v.culprit)
      frames = app_frames(*crashing->stack, v.culprit->frame_index, rules, opts);
    else if (v.culprit)
      frames.push_back(frame_key(v.culprit->frame, opts));
  }
  // No culprit: the crashing goroutine's own frames, else (a throw inside the
  // runtime) the runtime's frames below the throw, which rest on little.
  if (frames.empty() && v.cls != VerdictClass::DataRace && v.cls != VerdictClass::Snapshot &&
      v.cls != VerdictClass::ExternalSignal) {
    const Stack *stack = crashing && crashing->stack && !crashing->stack->frames.empty() ? crashing->stack.get()
                         : p.runtime_stack_frames                                        ? p.runtime_stack_frames.get()
                                                                                         : nullptr;
    if (stack) {
      frames = top_program_frames(*stack, opts, opts.frames);
      if (frames.empty()) {
        frames = runtime_frames_after_throw(*stack, opts.frames);
        if (!frames.empty()) {
          for (std::string &f : frames) f = "runtime " + f;
          static const char *kWhy = "the bucket rests on runtime frames only: no frame of the program was on the stack";
          v.low_confidence = true;
          if (std::find(v.confidence_reasons.begin(), v.confidence_reasons.end(), kWhy) == v.confidence_reasons.end())
            v.confidence_reasons.push_back(kWhy);
        }
      }
    }
  }
  // A fault in C code: go1.19 says "unexpected signal during runtime
  // execution", later releases print the signal header; the signal is the bug.
  std::string crash =
      v.cls == VerdictClass::CgoSignal && p.signal && !p.signal->name.empty() ? p.signal->name : crash_message(p);
  bool no_message = v.cls == VerdictClass::TestTimeout || v.cls == VerdictClass::ExternalSignal ||
                    v.cls == VerdictClass::Snapshot || v.cls == VerdictClass::DataRace;
  std::string message = no_message ? std::string() : normalize_message(crash.substr(0, crash.find('\n')));
  parts.push_back(message);
  for (auto &f : frames) parts.push_back(f);
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) text += (i ? " | " : "") + parts[i];
  v.signature_text = text;
  v.signature = short_sha1(text);
}

}  // namespace crashctl
