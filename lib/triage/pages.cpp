// The triage table as an HTML page and as SARIF (formats/html.md,
// formats/sarif.md): a row or a result per bucket.
#include "triage/triage.h"

#include "render/html_util.h"
#include "render/render_util.h"
#include "render/sarif.h"

#include "analysis/taxonomy.h"

namespace crashctl::triage {

namespace {

using html::escape;

constexpr size_t kFilesListed = 1000;  // per bucket in HTML

std::string kinds_text(const Bucket &b) {
  std::string kinds;
  for (const auto &[kind, n] : b.kinds()) kinds += (kinds.empty() ? "" : " ") + kind + ":" + std::to_string(n);
  return kinds;
}

// "2026-12-07<wbr>T00:19:24Z": a narrow column breaks it at the time.
std::string seen(int64_t t) {
  std::string s = iso8601_utc(t);
  size_t at = s.find('T');
  return at == std::string::npos ? s : s.substr(0, at) + "<wbr>" + s.substr(at);
}

}  // namespace

void render_html(llvm::raw_ostream &os, const Table &t, const RenderOptions &opts) {
  html::page_begin(os, "crashctl triage", opts.tool_version);
  os << "<section class=\"triage\">\n<h1>" << t.files << (t.files == 1 ? " file: " : " files: ") << t.reports()
     << " reports in " << t.buckets.size() << " buckets";
  if (t.baseline) os << " (" << t.new_buckets() << " new against " << escape(t.baseline->path) << ")";
  os << ", " << t.unreadable.size() << " unreadable, " << t.unrecognized.size() << " unrecognized";
  if (!t.skipped.empty()) os << ", " << t.skipped.size() << " skipped";
  os << "</h1>\n</section>\n";

  os << "<section class=\"buckets\" data-buckets=\"" << t.buckets.size() << "\">\n"
     << "<div class=\"group-ui\" hidden><input class=\"search\" type=\"search\" placeholder=\"filter buckets: class, "
        "culprit, owner, file\" aria-label=\"filter buckets\"><span class=\"shown dim\"></span></div>\n"
     << "<table class=\"buckets\">\n<thead><tr><th class=\"num\">count</th><th>class</th><th>culprit</th>"
     << "<th>owner</th><th>kinds</th><th>first seen</th><th>last seen</th></tr></thead>\n<tbody>\n";
  for (const Bucket &b : t.buckets) {
    os << "<tr class=\"bucket" << (b.is_new ? " new" : "") << (b.low_confidence() ? " low" : "")
       << "\" data-signature=\"" << escape(b.signature) << "\"><td class=\"num count\">" << b.count() << "</td>"
       << "<td><span class=\"cls\">" << escape(to_string(b.rep.cls)) << "</span>"
       << (b.is_new ? "<span class=\"badge warn\">new</span>" : "")
       << (b.low_confidence() ? "<span class=\"badge\">low confidence</span>" : "") << "<br><span class=\"dim\">"
       << escape(b.rep.summary) << "</span></td><td class=\"mono culprit\">";
    if (b.rep.culprit) {
      const CulpritInfo &c = *b.rep.culprit;
      os << "<span class=\"fn\">" << escape(c.function) << "</span><br><span class=\"dim\">" << escape(c.file);
      if (c.line > 0) os << ":" << c.line;
      if (!c.module.empty()) os << " " << escape(c.module) << (c.version.empty() ? "" : "@") << escape(c.version);
      os << "</span>";
    } else {
      os << "-";
    }
    os << "</td><td class=\"owner\">" << escape(b.owner().empty() ? "-" : b.owner()) << "</td><td class=\"kinds\">"
       << escape(kinds_text(b)) << "</td><td class=\"seen\">" << seen(b.first_seen()) << "</td><td class=\"seen\">"
       << seen(b.last_seen()) << "</td></tr>\n"
       << "<tr class=\"files\"><td></td><td colspan=\"6\"><details class=\"files\"><summary>" << b.count()
       << (b.count() == 1 ? " file" : " files") << "</summary><ul class=\"plain mono\">\n";
    for (size_t i = 0; i < b.files.size() && i < kFilesListed; ++i) {
      const Occurrence &o = b.files[i];
      os << "<li>" << escape(o.path) << " <span class=\"dim\">@" << o.offset << " " << iso8601_utc(o.mtime) << " "
         << escape(o.go_version) << " " << escape(o.kind) << "</span></li>\n";
    }
    if (b.files.size() > kFilesListed)
      os << "<li>... " << b.files.size() - kFilesListed << " more (-f json lists them all)</li>\n";
    os << "</ul></details></td></tr>\n";
  }
  os << "</tbody>\n</table>\n</section>\n";

  auto listing = [&](const char *title, size_t n, auto &&item) {
    if (n == 0) return;
    os << "<details class=\"listing\"><summary>" << title << " (" << n << ")</summary><ul class=\"plain mono\">\n";
    for (size_t i = 0; i < n; ++i) os << "<li>" << item(i) << "</li>\n";
    os << "</ul></details>\n";
  };
  listing("unreadable", t.unreadable.size(),
          [&](size_t i) { return escape(t.unreadable[i].path) + ": " + escape(t.unreadable[i].error); });
  listing("unrecognized (no Go crash text)", t.unrecognized.size(),
          [&](size_t i) { return escape(t.unrecognized[i]); });
  listing("skipped (not read)", t.skipped.size(),
          [&](size_t i) { return escape(t.skipped[i].path) + ": " + escape(t.skipped[i].reason); });
  html::page_end(os);
}

void render_sarif(llvm::raw_ostream &os, const Table &t, const RenderOptions &opts) {
  namespace json = llvm::json;
  using sarif::text;
  std::vector<json::Value> results;
  for (const Bucket &b : t.buckets) {
    json::Object result;
    sarif::rule_reference(result, b.rep.cls);
    // A bucket of recovered panics only is a warning, as one report is.
    bool all_recovered = true;
    for (const auto &[kind, n] : b.kinds()) all_recovered &= kind == "recovered";
    result["level"] = all_recovered ? "warning" : b.rep.cls == VerdictClass::Snapshot ? "note" : "error";
    result["message"] = json::Object{{"text", text(b.rep.summary.empty() ? to_string(b.rep.cls) : b.rep.summary)}};
    json::Array locations;
    if (b.rep.culprit) {
      const CulpritInfo &c = *b.rep.culprit;
      Frame f;
      f.function = c.function;
      f.file = c.file;
      f.line = int(c.line);
      sarif::Paths paths{c.module == "std" ? std::string() : c.module, nullptr};
      locations.push_back(sarif::location(f, paths));
    }
    result["locations"] = std::move(locations);
    result["partialFingerprints"] = json::Object{{sarif::kFingerprintKey, b.signature}};
    json::Array versions, examples;
    for (const std::string &v : b.go_versions()) versions.push_back(v);
    for (const std::string &e : b.examples()) examples.push_back(text(e));
    json::Object kinds;
    for (const auto &[kind, n] : b.kinds()) kinds[kind] = int64_t(n);
    json::Object props{{"count", int64_t(b.count())},
                       {"kinds", std::move(kinds)},
                       {"firstSeen", iso8601_utc(b.first_seen())},
                       {"lastSeen", iso8601_utc(b.last_seen())},
                       {"goVersions", std::move(versions)},
                       {"examples", std::move(examples)},
                       {"new", b.is_new},
                       {"lowConfidence", b.low_confidence()},
                       {"signatureText", text(b.rep.signature_text)}};
    if (!b.owner().empty()) props["owner"] = text(b.owner());
    result["properties"] = std::move(props);
    results.push_back(std::move(result));
  }
  sarif::write_log(os, {opts.tool_version, opts.information_uri, opts.source_root}, std::move(results));
}

}  // namespace crashctl::triage
