// The bucket table: building from analyzed files, merging, baselines.
// Every derived figure (count, first/last seen, Go versions, examples, the
// number of files) is a function of the recorded paths and a bucket's
// sorted occurrences, and the representative is the minimum of
// (occurrence, representative) pairs. Merging is a set union of per-path
// records that must agree where tables overlap, followed by a min:
// associative, commutative and idempotent by construction.
#include "triage/triage.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/SHA256.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <tuple>

namespace crashctl::triage {

namespace {

std::string utf8(std::string s) {
  if (llvm::json::isUTF8(s)) return s;
  return llvm::json::fixUTF8(s);
}

auto key(const CulpritInfo &c) {
  static const BlameInfo kNone;
  const BlameInfo &b = c.blame ? *c.blame : kNone;
  return std::tie(c.function, c.file, c.line, c.module, c.version, c.owner, b.commit, b.author, b.email, b.date,
                  b.summary);
}

}  // namespace

bool operator<(const Occurrence &a, const Occurrence &b) {
  return std::tie(a.path, a.offset, a.mtime, a.go_version, a.kind, a.low_confidence) <
         std::tie(b.path, b.offset, b.mtime, b.go_version, b.kind, b.low_confidence);
}
bool operator==(const Occurrence &a, const Occurrence &b) {
  return std::tie(a.path, a.offset, a.mtime, a.go_version, a.kind, a.low_confidence) ==
         std::tie(b.path, b.offset, b.mtime, b.go_version, b.kind, b.low_confidence);
}

bool operator<(const Representative &a, const Representative &b) {
  if (auto x = std::tie(a.cls, a.signature_text, a.summary), y = std::tie(b.cls, b.signature_text, b.summary); x != y)
    return x < y;
  if (a.culprit.has_value() != b.culprit.has_value()) return !a.culprit.has_value();
  return a.culprit && key(*a.culprit) < key(*b.culprit);
}

bool operator<(const Unreadable &a, const Unreadable &b) {
  return std::tie(a.path, a.error) < std::tie(b.path, b.error);
}
bool operator==(const Unreadable &a, const Unreadable &b) {
  return std::tie(a.path, a.error) == std::tie(b.path, b.error);
}
bool operator<(const Skipped &a, const Skipped &b) {
  return std::tie(a.path, a.reason) < std::tie(b.path, b.reason);
}
bool operator==(const Skipped &a, const Skipped &b) {
  return std::tie(a.path, a.reason) == std::tie(b.path, b.reason);
}

// --- Bucket ---------------------------------------------------------------------

int64_t Bucket::first_seen() const {
  int64_t t = files.empty() ? 0 : files.front().mtime;
  for (const Occurrence &o : files) t = std::min(t, o.mtime);
  return t;
}

int64_t Bucket::last_seen() const {
  int64_t t = files.empty() ? 0 : files.front().mtime;
  for (const Occurrence &o : files) t = std::max(t, o.mtime);
  return t;
}

std::vector<std::string> Bucket::go_versions() const {
  std::vector<std::string> v;
  for (const Occurrence &o : files)
    if (!o.go_version.empty()) v.push_back(o.go_version);
  std::sort(v.begin(), v.end(), version_less);
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::vector<std::string> Bucket::examples(size_t n) const {
  std::vector<std::string> v;
  for (const Occurrence &o : files) {
    if (v.size() == n) break;
    if (v.empty() || v.back() != o.path) v.push_back(o.path);  // files are sorted by path
  }
  return v;
}

std::vector<std::pair<std::string, size_t>> Bucket::kinds() const {
  std::map<std::string, size_t> counts;
  for (const Occurrence &o : files) ++counts[o.kind];
  return {counts.begin(), counts.end()};
}

bool Bucket::low_confidence() const {
  for (const Occurrence &o : files)
    if (!o.low_confidence) return false;
  return !files.empty();
}

const std::string &Bucket::owner() const {
  static const std::string none;
  return rep.culprit ? rep.culprit->owner : none;
}

size_t Table::reports() const {
  size_t n = 0;
  for (const Bucket &b : buckets) n += b.count();
  return n;
}

size_t Table::new_buckets() const {
  return static_cast<size_t>(std::count_if(buckets.begin(), buckets.end(), [](const Bucket &b) { return b.is_new; }));
}

// --- building -------------------------------------------------------------------

FileSummarizer::FileSummarizer(std::string path, int64_t mtime) : mtime_(mtime) {
  summary_.path = utf8(std::move(path));
}

void FileSummarizer::report(const Input &, Report &&r, size_t, bool) {
  add(r);
}

void FileSummarizer::add(const Report &r) {
  FileSummary::Found f;
  const Verdict &v = r.verdict;
  f.signature = utf8(v.signature);
  f.occ.path = summary_.path;
  f.occ.offset = r.offset;
  f.occ.mtime = mtime_;
  f.occ.go_version = utf8(r.process.go_version.version);
  f.occ.kind = to_string(r.kind);
  f.occ.low_confidence = v.low_confidence;
  // Only the earliest occurrence of a signature in a file can represent it
  // (occurrences order by path, then offset): later ones carry no strings.
  auto [first, added] = first_offset_.try_emplace(f.signature, r.offset);
  if (added || r.offset < first->second) {
    first->second = r.offset;
    auto rep = std::make_shared<Representative>();
    rep->cls = v.cls.value_or(VerdictClass::Unknown);
    rep->signature_text = utf8(v.signature_text);
    rep->summary = utf8(v.summary);
    if (v.culprit) {
      const Culprit &c = *v.culprit;
      rep->culprit = CulpritInfo{utf8(c.frame.function), utf8(c.frame.file), c.frame.line, utf8(c.module),
                                 utf8(c.version),        utf8(c.owner),      std::nullopt};
      if (c.blame)
        rep->culprit->blame = BlameInfo{utf8(c.blame->commit), utf8(c.blame->author), utf8(c.blame->email),
                                        utf8(c.blame->date), utf8(c.blame->summary)};
    }
    f.rep = std::move(rep);
  }
  summary_.reports.push_back(std::move(f));
}

void FileSummarizer::end_input(const Input &input) {
  summary_.unreadable = input.failed;
  if (!input.failed) return;
  for (const Diagnostic &d : input.diagnostics)
    if (d.severity == Severity::Error) {
      // The entry names the file; messages that start with it need not.
      std::string_view m = d.message;
      if (!input.path.empty() && m.size() > input.path.size() + 2 && m.substr(0, input.path.size()) == input.path &&
          m.substr(input.path.size(), 2) == ": ")
        m.remove_prefix(input.path.size() + 2);
      summary_.error = utf8(std::string(m));
      break;
    }
  if (summary_.error.empty()) summary_.error = "could not be read";
}

FileSummary summarize(const Input &input, const std::string &path, int64_t mtime) {
  FileSummarizer s(path, mtime);
  for (const Report &r : input.reports) s.add(r);
  s.end_input(input);
  return s.take();
}

void TableBuilder::add_occurrence(const std::string &signature, const Occurrence &occ, const Representative &rep) {
  auto [it, inserted] = acc_.try_emplace(signature);
  Acc &a = it->second;
  if (inserted || occ < a.rep_occ || (occ == a.rep_occ && rep < a.rep)) {
    a.rep_occ = occ;
    a.rep = rep;
  }
}

void TableBuilder::add(FileSummary file) {
  if (file.unreadable)
    table_.unreadable.push_back({file.path, std::move(file.error)});
  else if (file.reports.empty())
    table_.unrecognized.push_back(file.path);
  for (FileSummary::Found &f : file.reports) {
    if (f.rep) add_occurrence(f.signature, f.occ, *f.rep);
    acc_[f.signature].files.push_back(std::move(f.occ));
  }
}

void TableBuilder::add_unreadable(std::string path, std::string error) {
  table_.unreadable.push_back({utf8(std::move(path)), utf8(std::move(error))});
}

void TableBuilder::add_skipped(std::string path, std::string reason) {
  table_.skipped.push_back({utf8(std::move(path)), utf8(std::move(reason))});
}

namespace {

// Everything table T records about each of its paths, as a digest: two
// tables agree about a path when the digests are equal.
std::map<std::string, std::array<uint8_t, 32>> path_digests(const Table &t) {
  std::map<std::string, std::vector<std::string>> records;
  auto field = [](std::string &out, std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
  };
  for (const Bucket &b : t.buckets)
    for (const Occurrence &o : b.files) {
      std::string r = "occurrence ";
      field(r, b.signature);
      field(r, std::to_string(o.offset));
      field(r, std::to_string(o.mtime));
      field(r, o.go_version);
      field(r, o.kind);
      field(r, o.low_confidence ? "low" : "");
      records[o.path].push_back(std::move(r));
    }
  for (const Unreadable &u : t.unreadable) field(records[u.path].emplace_back("unreadable "), u.error);
  for (const std::string &p : t.unrecognized) records[p].emplace_back("unrecognized");
  for (const Skipped &k : t.skipped) field(records[k.path].emplace_back("skipped "), k.reason);
  std::map<std::string, std::array<uint8_t, 32>> digests;
  for (auto &[path, rs] : records) {
    std::sort(rs.begin(), rs.end());
    rs.erase(std::unique(rs.begin(), rs.end()), rs.end());
    llvm::SHA256 h;
    for (const std::string &r : rs) {
      std::string framed;
      field(framed, r);
      h.update(framed);
    }
    digests.emplace(path, h.final());
  }
  return digests;
}

}  // namespace

llvm::Error TableBuilder::add(const Table &t) {
  auto digests = path_digests(t);
  for (const auto &[path, digest] : digests) {
    auto it = table_paths_.find(path);
    if (it != table_paths_.end() && it->second != digest)
      return llvm::createStringError(
          std::errc::invalid_argument,
          "%s: recorded differently by another table (the file changed between the runs, or was analyzed with "
          "other options); tables that overlap must agree about each file they share (formats/triage.md, "
          "\"Merging\")",
          path.c_str());
  }
  table_paths_.insert(digests.begin(), digests.end());
  table_.unreadable.insert(table_.unreadable.end(), t.unreadable.begin(), t.unreadable.end());
  table_.unrecognized.insert(table_.unrecognized.end(), t.unrecognized.begin(), t.unrecognized.end());
  table_.skipped.insert(table_.skipped.end(), t.skipped.begin(), t.skipped.end());
  for (const Bucket &b : t.buckets) {
    if (b.files.empty()) continue;
    const Occurrence &first = *std::min_element(b.files.begin(), b.files.end());
    add_occurrence(b.signature, first, b.rep);
    std::vector<Occurrence> &files = acc_[b.signature].files;
    files.insert(files.end(), b.files.begin(), b.files.end());
  }
  return llvm::Error::success();
}

Table TableBuilder::finish() {
  Table t = std::move(table_);
  table_ = Table{};
  t.baseline.reset();
  t.buckets.clear();
  t.buckets.reserve(acc_.size());
  for (auto &[signature, a] : acc_) {
    Bucket b;
    b.signature = signature;
    b.rep = std::move(a.rep);
    b.files = std::move(a.files);
    std::sort(b.files.begin(), b.files.end());
    b.files.erase(std::unique(b.files.begin(), b.files.end()), b.files.end());  // a file added twice
    t.buckets.push_back(std::move(b));
  }
  acc_.clear();
  table_paths_.clear();
  std::sort(t.buckets.begin(), t.buckets.end(), [](const Bucket &a, const Bucket &b) {
    if (a.count() != b.count()) return a.count() > b.count();
    return a.signature < b.signature;
  });
  auto sort_unique = [](auto &v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  sort_unique(t.unreadable);
  sort_unique(t.unrecognized);
  sort_unique(t.skipped);
  std::set<std::string_view> paths;
  for (const Bucket &b : t.buckets)
    for (const Occurrence &o : b.files) paths.insert(o.path);
  for (const Unreadable &u : t.unreadable) paths.insert(u.path);
  for (const std::string &p : t.unrecognized) paths.insert(p);
  t.files = paths.size();
  return t;
}

llvm::Expected<Table> merge(const std::vector<Table> &tables) {
  TableBuilder b;
  for (const Table &t : tables)
    if (llvm::Error e = b.add(t)) return e;
  return b.finish();
}

void mark_new(Table &table, const Table &baseline, std::string baseline_path) {
  std::set<std::string> known;
  for (const Bucket &b : baseline.buckets) known.insert(b.signature);
  for (Bucket &b : table.buckets) b.is_new = known.count(b.signature) == 0;
  table.baseline = BaselineInfo{utf8(std::move(baseline_path)), baseline.buckets.size()};
}

int exit_status(const Table &table) {
  if (table.baseline && table.new_buckets() > 0) return kExitNewBuckets;
  if (table.buckets.empty()) return kExitNothing;
  return kExitOk;
}

// --- helpers --------------------------------------------------------------------

std::string iso8601_utc(int64_t t) {
  std::time_t clamped = std::clamp<int64_t>(t, -62167219200, 253402300799);  // years 0000 to 9999
  std::tm tm{};
  gmtime_r(&clamped, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> parse_iso8601_utc(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SSZ
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
    return std::nullopt;
  auto num = [&](size_t at, size_t n, int64_t &out) {
    out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int64_t y, mo, d, h, mi, se;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return std::nullopt;
  std::tm tm{};
  tm.tm_year = int(y - 1900);
  tm.tm_mon = int(mo - 1);
  tm.tm_mday = int(d);
  tm.tm_hour = int(h);
  tm.tm_min = int(mi);
  tm.tm_sec = int(se);
  int64_t t = timegm(&tm);
  if (iso8601_utc(t) != s) return std::nullopt;  // 2026-02-31 and the like
  return t;
}

bool version_less(const std::string &a, const std::string &b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t i0 = i, j0 = j;
      while (i0 < a.size() && a[i0] == '0') ++i0;
      while (j0 < b.size() && b[j0] == '0') ++j0;
      size_t ie = i0, je = j0;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      if (ie - i0 != je - j0) return ie - i0 < je - j0;
      int c = a.compare(i0, ie - i0, b, j0, je - j0);
      if (c != 0) return c < 0;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if ((i < a.size()) != (j < b.size())) return i >= a.size();
  return a < b;  // equal as versions ("1.02" vs "1.2"): bytes decide
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace crashctl::triage
