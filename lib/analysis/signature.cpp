#include "analysis/signature.h"

#include "traceback/parse.h"

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

bool is_hex_digit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

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

std::string frame_key(const Frame &f, const SignatureOptions &opts) {
  std::string k = normalize_function(f.function);
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

const Goroutine *goroutine_by_id(const Process &p, int64_t id) {
  for (const Goroutine &g : p.goroutines)
    if (g.id == id) return &g;
  return nullptr;
}

std::string crash_message(const Process &p) {
  if (p.fatal) return p.fatal->message;
  for (auto it = p.panics.rbegin(); it != p.panics.rend(); ++it)
    if (!it->fatal) return it->message;
  if (p.signal) return p.signal->name;
  return "";
}

}  // namespace

void compute_signature(Report &report, const InAppRules &rules, const SignatureOptions &opts) {
  Verdict &v = report.verdict;
  const Process &p = report.process;
  std::vector<std::string> parts{v.cls};
  std::vector<std::string> frames;
  if (v.cls == "data-race") {
    // Both sides of the race, in a fixed order.
    if (!p.races.empty())
      for (const RaceAccess &a : p.races.front().accesses) {
        if (!a.stack) continue;
        auto top = app_frames(*a.stack, 0, rules, SignatureOptions{1, opts.with_lines});
        if (!top.empty()) frames.push_back(top.front());
      }
    std::sort(frames.begin(), frames.end());
    frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
  } else if (v.cls == "stack-overflow" && v.culprit && !v.culprit->cycle.empty()) {
    frames = canonical_cycle(v.culprit->cycle);
  } else if (v.cls == "test-timeout" || v.cls == "external-signal" || v.cls == "snapshot") {
    // No crash site: the message says little (a duration, a signal); what the
    // program was doing does. The test's frames, else main's.
    if (v.culprit) frames.push_back(frame_key(v.culprit->frame, opts));
    else if (const Goroutine *main = goroutine_by_id(p, 1); main && main->stack)
      frames = app_frames(*main->stack, 0, rules, opts);
  } else {
    const Goroutine *g = goroutine_by_id(p, v.goroutine);
    if (g && g->stack && v.culprit) frames = app_frames(*g->stack, v.culprit->frame_index, rules, opts);
    else if (v.culprit) frames.push_back(frame_key(v.culprit->frame, opts));
  }
  // A fault in C code: go1.19 says "unexpected signal during runtime
  // execution", later releases print the signal header; the signal is the bug.
  std::string crash = v.cls == "cgo-signal" && p.signal && !p.signal->name.empty() ? p.signal->name
                                                                                     : crash_message(p);
  std::string message = v.cls == "test-timeout" || v.cls == "external-signal" || v.cls == "snapshot" ||
                                v.cls == "data-race"
                            ? std::string()
                            : normalize_message(crash.substr(0, crash.find('\n')));
  parts.push_back(message);
  for (auto &f : frames) parts.push_back(f);
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) text += (i ? " | " : "") + parts[i];
  v.signature_text = text;
  v.signature = short_sha1(text);
}

}  // namespace crashctl
