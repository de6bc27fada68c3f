// The triage table as text (a compact table for people) and CSV (RFC 4180,
// one row per bucket; columns in formats/triage.md).
#include "triage/triage.h"

#include "render/escaping_stream.h"
#include "render/render_util.h"

#include <algorithm>

namespace crashctl::triage {

namespace {

using render_detail::display_width;

// One line, at most `max` columns; "..." marks a cut.
std::string cell(std::string_view s, size_t max) {
  std::string out;
  for (char c : s) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return render_detail::fit_width(out, max);
}

void pad(llvm::raw_ostream &os, const std::string &s, size_t w, bool right = false) {
  size_t n = display_width(s);
  if (right)
    os.indent(w > n ? w - n : 0) << s;
  else
    os << s, os.indent(w > n ? w - n : 0);
}

constexpr size_t kCulpritWidth = 44;
constexpr size_t kListed = 20;  // unreadable / unrecognized files listed in text

}  // namespace

static void text_table(llvm::raw_ostream &os, const Table &t, const RenderOptions &opts) {
  os << t.files << (t.files == 1 ? " file: " : " files: ") << t.reports() << (t.reports() == 1 ? " report" : " reports")
     << " in " << t.buckets.size() << (t.buckets.size() == 1 ? " bucket" : " buckets");
  if (t.baseline) os << " (" << t.new_buckets() << " new)";
  os << ", " << t.unreadable.size() << " unreadable, " << t.unrecognized.size() << " unrecognized";
  if (!t.skipped.empty()) os << ", " << t.skipped.size() << " skipped";
  os << "\n";

  if (!t.buckets.empty()) {
    struct Row {
      std::string count, kinds, cls, signature, culprit, owner, summary;
      bool is_new;
    };
    // Buckets whose every verdict rests on partial evidence come last, apart.
    std::vector<Row> rows, low_rows;
    Row head{"COUNT", "KINDS", "CLASS", "SIGNATURE", "CULPRIT", "OWNER", "SUMMARY", false};
    for (const Bucket &b : t.buckets) {
      std::string culprit = b.rep.culprit ? cell(b.rep.culprit->function, kCulpritWidth) : "-";
      std::string owner = b.owner().empty() ? "-" : cell(b.owner(), 24);
      std::string kinds;
      for (const auto &[kind, n] : b.kinds()) kinds += (kinds.empty() ? "" : " ") + kind + ":" + std::to_string(n);
      (b.low_confidence() ? low_rows : rows)
          .push_back({std::to_string(b.count()), kinds, to_string(b.rep.cls), b.signature, culprit, owner,
                      cell(b.rep.summary, opts.summary_width), b.is_new});
    }
    size_t wc = display_width(head.count), wn = display_width(head.kinds), wk = display_width(head.cls),
           ws = display_width(head.signature), wu = display_width(head.culprit), wo = display_width(head.owner);
    for (const std::vector<Row> *list : {&rows, &low_rows})
      for (const Row &r : *list) {
        wc = std::max(wc, display_width(r.count));
        wn = std::max(wn, display_width(r.kinds));
        wk = std::max(wk, display_width(r.cls));
        ws = std::max(ws, display_width(r.signature));
        wu = std::max(wu, display_width(r.culprit));
        wo = std::max(wo, display_width(r.owner));
      }
    auto line = [&](const Row &r, bool header) {
      if (t.baseline) {
        if (r.is_new) {
          os.changeColor(llvm::raw_ostream::RED, /*Bold=*/true);
          os << "NEW";
          os.resetColor();
          os << " ";
        } else {
          os << "    ";
        }
      }
      pad(os, r.count, wc, /*right=*/true);
      os << "  ";
      pad(os, r.kinds, wn);
      os << "  ";
      if (!header) os.changeColor(llvm::raw_ostream::RED, /*Bold=*/true);  // as analyze shows a class
      pad(os, r.cls, wk);
      if (!header) os.resetColor();
      os << "  ";
      pad(os, r.signature, ws);
      os << "  ";
      pad(os, r.culprit, wu);
      os << "  ";
      pad(os, r.owner, wo);
      os << "  " << r.summary;
      os << "\n";
    };
    line(head, true);
    for (const Row &r : rows) line(r, false);
    if (!low_rows.empty()) {
      os << "low confidence (partial evidence: a missing message, stack or log line; see each file's diagnostics):\n";
      for (const Row &r : low_rows) line(r, false);
    }
  }

  if (!t.unreadable.empty()) {
    os << "unreadable:\n";
    for (size_t i = 0; i < t.unreadable.size() && i < kListed; ++i)
      os << "  " << cell(t.unreadable[i].path, 200) << ": " << cell(t.unreadable[i].error, 200) << "\n";
    if (t.unreadable.size() > kListed)
      os << "  ... and " << t.unreadable.size() - kListed << " more (--format json lists them all)\n";
  }
  if (!t.unrecognized.empty()) {
    os << "unrecognized (no Go crash text):\n";
    for (size_t i = 0; i < t.unrecognized.size() && i < kListed; ++i)
      os << "  " << cell(t.unrecognized[i], 200) << "\n";
    if (t.unrecognized.size() > kListed)
      os << "  ... and " << t.unrecognized.size() - kListed << " more (--format json lists them all)\n";
  }
  if (!t.skipped.empty()) {
    os << "skipped (not read):\n";
    for (size_t i = 0; i < t.skipped.size() && i < kListed; ++i)
      os << "  " << cell(t.skipped[i].path, 200) << ": " << cell(t.skipped[i].reason, 200) << "\n";
    if (t.skipped.size() > kListed)
      os << "  ... and " << t.skipped.size() - kListed << " more (--format json lists them all)\n";
  }
}

static void csv_table(llvm::raw_ostream &os, const Table &t) {
  static const char *const kColumns[] = {
      "signature",    "new",          "count",          "class",           "summary",   "culprit_function",
      "culprit_file", "culprit_line", "culprit_module", "culprit_version", "owner",     "first_seen",
      "last_seen",    "go_versions",  "example_1",      "example_2",       "example_3", "signature_text"};
  bool first = true;
  for (const char *c : kColumns) {
    os << (first ? "" : ",") << c;
    first = false;
  }
  os << "\r\n";
  for (const Bucket &b : t.buckets) {
    std::vector<std::string> f;
    f.push_back(b.signature);
    f.push_back(b.is_new ? "true" : "false");
    f.push_back(std::to_string(b.count()));
    f.push_back(to_string(b.rep.cls));
    f.push_back(b.rep.summary);
    const CulpritInfo none;
    const CulpritInfo &c = b.rep.culprit ? *b.rep.culprit : none;
    f.push_back(c.function);
    f.push_back(c.file);
    f.push_back(c.line > 0 ? std::to_string(c.line) : "");
    f.push_back(c.module);
    f.push_back(c.version);
    f.push_back(b.owner());
    f.push_back(iso8601_utc(b.first_seen()));
    f.push_back(iso8601_utc(b.last_seen()));
    std::string versions;
    for (const std::string &v : b.go_versions()) versions += (versions.empty() ? "" : " ") + v;
    f.push_back(versions);
    std::vector<std::string> ex = b.examples(3);
    ex.resize(3);
    for (std::string &e : ex) f.push_back(std::move(e));
    f.push_back(b.rep.signature_text);
    for (size_t i = 0; i < f.size(); ++i) os << (i ? "," : "") << csv_field(f[i]);
    os << "\r\n";
  }
}

// What a crash or log holds reaches terminals and spreadsheets escaped.
void render_text(llvm::raw_ostream &os, const Table &t, const RenderOptions &opts) {
  write_escaped(os, opts.color, false, [&](llvm::raw_ostream &esc) { text_table(esc, t, opts); });
}

void render_csv(llvm::raw_ostream &os, const Table &t) {
  write_escaped(os, false, /*crlf_line_ends=*/true, [&](llvm::raw_ostream &esc) { csv_table(esc, t); });
}

}  // namespace crashctl::triage
