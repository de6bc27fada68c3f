// Helpers shared by the renderers (internal to lib/render).
#pragma once

#include "model/report.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace crashctl::render_detail {

std::string hex(uint64_t v);  // "0x1d"

// JSON values shared by every JSON writer. Strings from crash text may hold
// any bytes; invalid UTF-8 is repaired so the document stays valid.
llvm::json::Value str(llvm::StringRef s);
llvm::json::Value str_or_null(llvm::StringRef s);  // null for ""
// "blame": the culprit's suspect commit {commit, author, email, date,
// summary}, or null; analyze and triage JSON write it alike.
void blame_attribute(llvm::json::OStream &j, const std::optional<BlameInfo> &blame);
llvm::json::Value int_or_null(int64_t v);  // null for negative (unknown)

// Stable names of the JSON output (formats/output.md); independent of the
// model's to_string so that the output contract cannot drift.
const char *json_name(InputFormat);
const char *json_name(Compression);
const char *json_name(ReportKind);
const char *json_name(Severity);
const char *json_name(GoroutineStatus);

// The bracketed state as the runtime prints it: "chan receive", "running".
std::string runtime_state(const Goroutine &g);

const std::vector<Frame> &frames_of(const StackRef &s);
llvm::StringRef package_of(const Frame &f);

// Whose code a frame is, as panicparse colours it: the program's, a
// dependency's (module cache, vendor), the standard library's, the runtime's
// (formats/taxonomy.md "Culprit"), or C code.
enum class FrameKind { Program, Dependency, Stdlib, Runtime, C };
FrameKind frame_kind(const Frame &f);
const char *to_string(FrameKind);  // "program", "dependency", "stdlib", "runtime", "c"

// A frame's place as text shows it: "file:line +0x1d", "lib.so pc=0x...", "?".
std::string location_text(const Frame &f);
// "?" for goroutines whose id the input does not show (profiles, stacks
// logged without a goroutine header).
std::string goroutine_id(const Goroutine &g);
// The state with scan, wait minutes and a locked thread: "chan receive, 3 minutes".
std::string goroutine_state(const Goroutine &g);
// What happened, for a report's headline: "panic in goroutine 7", "data race".
std::string report_event(const Report &r);

// The goroutine the verdict names, or null.
const Goroutine *crashing_goroutine(const Report &r);
llvm::StringRef verdict_class(const Verdict &v);  // "unknown" when unset
std::string display_path(const Input &in);        // "<stdin>" for "-"

// S with every byte but ASCII letters, digits and those of KEEP as %XX.
std::string percent_encoded(llvm::StringRef s, llvm::StringRef keep);

// Terminal columns S takes as the escaping stream shows it (escaping_stream.h):
// East Asian wide characters take two, combining marks none; a tab or an
// unprintable code point one.
size_t display_width(llvm::StringRef s);
// S cut at a character to at most MAX columns, "..." marking the cut.
std::string fit_width(llvm::StringRef s, size_t max);

}  // namespace crashctl::render_detail
