// The triage table as JSON (formats/triage.md, formats/triage.schema.json):
// written with json::OStream in a fixed key order, read back for --merge and
// --baseline.
#include "triage/triage.h"

#include "render/render_util.h"
#include "support/limits.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cstdint>

namespace crashctl::triage {

namespace json = llvm::json;
namespace fs = llvm::sys::fs;

using render_detail::blame_attribute;
using render_detail::str;
using render_detail::str_or_null;

void render_json(llvm::raw_ostream &os, const Table &t, const RenderOptions &opts) {
  json::OStream j(os, 2);
  j.object([&] {
    j.attribute("schema_version", kSchemaVersion);
    j.attributeObject("tool", [&] {
      j.attribute("name", "crashctl");
      j.attribute("version", opts.tool_version);
    });
    j.attribute("signature_version", kSignatureVersion);
    if (t.baseline) {
      j.attributeObject("baseline", [&] {
        j.attribute("path", t.baseline->path);
        j.attribute("buckets", static_cast<uint64_t>(t.baseline->buckets));
      });
    } else {
      j.attribute("baseline", nullptr);
    }
    j.attributeObject("totals", [&] {
      j.attribute("files", t.files);
      j.attribute("reports", static_cast<uint64_t>(t.reports()));
      j.attribute("buckets", static_cast<uint64_t>(t.buckets.size()));
      j.attribute("new_buckets", static_cast<uint64_t>(t.new_buckets()));
      j.attribute("unreadable", static_cast<uint64_t>(t.unreadable.size()));
      j.attribute("unrecognized", static_cast<uint64_t>(t.unrecognized.size()));
      j.attribute("skipped", static_cast<uint64_t>(t.skipped.size()));
    });
    j.attributeArray("buckets", [&] {
      for (const Bucket &b : t.buckets) {
        j.object([&] {
          j.attribute("signature", b.signature);
          j.attribute("signature_text", str(b.rep.signature_text));
          j.attribute("class", to_string(b.rep.cls));
          j.attribute("new", b.is_new);
          j.attribute("count", static_cast<uint64_t>(b.count()));
          j.attributeObject("kinds", [&] {
            for (const auto &[kind, n] : b.kinds()) j.attribute(kind, static_cast<uint64_t>(n));
          });
          j.attribute("low_confidence", b.low_confidence());
          j.attribute("summary", str(b.rep.summary));
          if (b.rep.culprit) {
            const CulpritInfo &c = *b.rep.culprit;
            j.attributeObject("culprit", [&] {
              j.attribute("function", str(c.function));
              j.attribute("file", str(c.file));
              j.attribute("line", c.line);
              j.attribute("module", str_or_null(c.module));
              j.attribute("version", str_or_null(c.version));
              j.attribute("owner", str_or_null(c.owner));
              blame_attribute(j, c.blame);
            });
          } else {
            j.attribute("culprit", nullptr);
          }
          j.attribute("owner", str_or_null(b.owner()));
          j.attribute("first_seen", iso8601_utc(b.first_seen()));
          j.attribute("last_seen", iso8601_utc(b.last_seen()));
          j.attributeArray("go_versions", [&] {
            for (const std::string &v : b.go_versions()) j.value(v);
          });
          j.attributeArray("examples", [&] {
            for (const std::string &p : b.examples()) j.value(str(p));
          });
          j.attributeArray("files", [&] {
            for (const Occurrence &o : b.files) {
              j.object([&] {
                j.attribute("path", str(o.path));
                j.attribute("offset", o.offset);
                j.attribute("seen", iso8601_utc(o.mtime));
                j.attribute("go_version", str_or_null(o.go_version));
                j.attribute("kind", o.kind);
                j.attribute("low_confidence", o.low_confidence);
              });
            }
          });
        });
      }
    });
    j.attributeArray("unreadable", [&] {
      for (const Unreadable &u : t.unreadable) {
        j.object([&] {
          j.attribute("path", str(u.path));
          j.attribute("error", str(u.error));
        });
      }
    });
    j.attributeArray("unrecognized", [&] {
      for (const std::string &p : t.unrecognized) j.object([&] { j.attribute("path", str(p)); });
    });
    j.attributeArray("skipped", [&] {
      for (const Skipped &k : t.skipped) {
        j.object([&] {
          j.attribute("path", str(k.path));
          j.attribute("reason", str(k.reason));
        });
      }
    });
  });
  os << "\n";
}

// --- reading --------------------------------------------------------------------

namespace {

class Reader {
public:
  llvm::Error error(const std::string &where, const std::string &what) {
    return llvm::createStringError(std::errc::invalid_argument, "%s: %s", where.c_str(), what.c_str());
  }

  llvm::Expected<const json::Object *> object(const json::Value *v, const std::string &where) {
    if (!v) return error(where, "missing");
    if (const json::Object *o = v->getAsObject()) return o;
    return error(where, "expected an object");
  }
  llvm::Expected<const json::Array *> array(const json::Object &o, llvm::StringRef key, const std::string &where) {
    const json::Value *v = o.get(key);
    if (!v) return error(where + "." + key.str(), "missing");
    if (const json::Array *a = v->getAsArray()) return a;
    return error(where + "." + key.str(), "expected an array");
  }
  llvm::Expected<std::string> string(const json::Object &o, llvm::StringRef key, const std::string &where,
                                     bool nullable = false) {
    const json::Value *v = o.get(key);
    if (!v) return error(where + "." + key.str(), "missing");
    if (nullable && v->kind() == json::Value::Null) return std::string();
    if (auto s = v->getAsString()) return s->str();
    return error(where + "." + key.str(), nullable ? "expected a string or null" : "expected a string");
  }
  llvm::Expected<uint64_t> uint(const json::Object &o, llvm::StringRef key, const std::string &where) {
    const json::Value *v = o.get(key);
    if (!v) return error(where + "." + key.str(), "missing");
    if (auto n = v->getAsUINT64()) return *n;
    return error(where + "." + key.str(), "expected a non-negative integer");
  }
  llvm::Expected<int64_t> time(const json::Object &o, llvm::StringRef key, const std::string &where) {
    auto s = string(o, key, where);
    if (!s) return s.takeError();
    if (auto t = parse_iso8601_utc(*s)) return *t;
    return error(where + "." + key.str(), "expected YYYY-MM-DDTHH:MM:SSZ, got \"" + *s + "\"");
  }
};

#define TRY(var, expr)                        \
  auto var##_or = (expr);                     \
  if (!var##_or) return var##_or.takeError(); \
  auto var = std::move(*var##_or)

llvm::Expected<Table> read_table(const json::Value &doc) {
  Reader r;
  Table t;
  TRY(root, r.object(&doc, "(root)"));
  TRY(version, r.string(*root, "schema_version", "(root)"));
  if (version.rfind("1.", 0) != 0)
    return r.error("schema_version", "\"" + version + "\" is not a version 1 triage table (this crashctl reads 1.x)");
  const json::Value *sigv = root->get("signature_version");
  if (!sigv || !sigv->getAsInteger() || *sigv->getAsInteger() != kSignatureVersion) {
    std::string found = sigv && sigv->getAsInteger() ? std::to_string(*sigv->getAsInteger()) : "missing";
    return r.error("signature_version",
                   "is " + found + ", this crashctl makes version " + std::to_string(kSignatureVersion) +
                       " (formats/signature.md): buckets of other versions do not compare; triage the files "
                       "again to make a new table");
  }
  TRY(totals, r.object(root->get("totals"), "totals"));
  TRY(files, r.uint(*totals, "files", "totals"));
  t.files = files;

  TRY(buckets, r.array(*root, "buckets", "(root)"));
  std::set<std::string> seen;
  std::set<std::pair<std::string, uint64_t>> reports_seen;  // (path, offset): one report each
  for (size_t i = 0; i < buckets->size(); ++i) {
    const std::string where = "buckets[" + std::to_string(i) + "]";
    TRY(bo, r.object(&(*buckets)[i], where));
    Bucket b;
    TRY(signature, r.string(*bo, "signature", where));
    if (!seen.insert(signature).second) return r.error(where, "signature " + signature + " appears twice");
    b.signature = signature;
    TRY(text, r.string(*bo, "signature_text", where));
    b.rep.signature_text = text;
    TRY(cls, r.string(*bo, "class", where));
    // formats/triage.md: a class this version does not know counts as unknown.
    b.rep.cls = parse_verdict_class(cls).value_or(VerdictClass::Unknown);
    TRY(summary, r.string(*bo, "summary", where));
    b.rep.summary = summary;
    const json::Value *cv = bo->get("culprit");
    if (!cv) return r.error(where + ".culprit", "missing");
    if (cv->kind() != json::Value::Null) {
      TRY(co, r.object(cv, where + ".culprit"));
      CulpritInfo c;
      const std::string cw = where + ".culprit";
      TRY(function, r.string(*co, "function", cw));
      TRY(file, r.string(*co, "file", cw));
      TRY(line, r.uint(*co, "line", cw));
      if (line > static_cast<uint64_t>(INT64_MAX)) return r.error(cw + ".line", "out of range");
      TRY(module, r.string(*co, "module", cw, true));
      TRY(cversion, r.string(*co, "version", cw, true));
      TRY(owner, r.string(*co, "owner", cw, true));
      c.function = function;
      c.file = file;
      c.line = static_cast<int64_t>(line);
      c.module = module;
      c.version = cversion;
      c.owner = owner;
      // 1.3.0; absent from older tables.
      if (const json::Value *bv = co->get("blame"); bv && bv->kind() != json::Value::Null) {
        const std::string bw = cw + ".blame";
        TRY(blame_object, r.object(bv, bw));
        TRY(commit, r.string(*blame_object, "commit", bw));
        TRY(author, r.string(*blame_object, "author", bw));
        TRY(email, r.string(*blame_object, "email", bw));
        TRY(date, r.string(*blame_object, "date", bw));
        TRY(bsummary, r.string(*blame_object, "summary", bw));
        c.blame = BlameInfo{commit, author, email, date, bsummary};
      }
      b.rep.culprit = std::move(c);
    }
    TRY(occs, r.array(*bo, "files", where));
    if (occs->empty()) return r.error(where + ".files", "a bucket has at least one file");
    for (size_t k = 0; k < occs->size(); ++k) {
      const std::string ow = where + ".files[" + std::to_string(k) + "]";
      TRY(oo, r.object(&(*occs)[k], ow));
      Occurrence o;
      TRY(path, r.string(*oo, "path", ow));
      TRY(offset, r.uint(*oo, "offset", ow));
      TRY(seen_at, r.time(*oo, "seen", ow));
      TRY(go, r.string(*oo, "go_version", ow, true));
      // 1.0.0 tables name no kind: before recovered panics, the class tells.
      o.kind = b.rep.cls == VerdictClass::Snapshot   ? "snapshot"
               : b.rep.cls == VerdictClass::DataRace ? "race"
                                                     : "crash";
      if (oo->get("kind")) {
        TRY(kind, r.string(*oo, "kind", ow));
        o.kind = kind;
      }
      if (const json::Value *lc = oo->get("low_confidence")) {
        if (!lc->getAsBoolean()) return r.error(ow + ".low_confidence", "expected a boolean");
        o.low_confidence = *lc->getAsBoolean();
      }
      if (!reports_seen.emplace(path, offset).second)
        return r.error(ow, "a second report at offset " + std::to_string(offset) + " of \"" + path + "\"");
      o.path = path;
      o.offset = offset;
      o.mtime = seen_at;
      o.go_version = go;
      b.files.push_back(std::move(o));
    }
    TRY(count, r.uint(*bo, "count", where));
    if (count != b.files.size())
      return r.error(where + ".count", std::to_string(count) + " but files lists " + std::to_string(b.files.size()));
    std::sort(b.files.begin(), b.files.end());
    t.buckets.push_back(std::move(b));
  }

  TRY(unreadable, r.array(*root, "unreadable", "(root)"));
  for (size_t i = 0; i < unreadable->size(); ++i) {
    const std::string where = "unreadable[" + std::to_string(i) + "]";
    TRY(uo, r.object(&(*unreadable)[i], where));
    TRY(path, r.string(*uo, "path", where));
    TRY(err, r.string(*uo, "error", where));
    t.unreadable.push_back({path, err});
  }
  TRY(unrecognized, r.array(*root, "unrecognized", "(root)"));
  for (size_t i = 0; i < unrecognized->size(); ++i) {
    const std::string where = "unrecognized[" + std::to_string(i) + "]";
    TRY(uo, r.object(&(*unrecognized)[i], where));
    TRY(path, r.string(*uo, "path", where));
    t.unrecognized.push_back(path);
  }
  // (1.2.0) Absent from older tables: they skipped in silence.
  if (root->get("skipped")) {
    TRY(skipped, r.array(*root, "skipped", "(root)"));
    for (size_t i = 0; i < skipped->size(); ++i) {
      const std::string where = "skipped[" + std::to_string(i) + "]";
      TRY(so, r.object(&(*skipped)[i], where));
      TRY(path, r.string(*so, "path", where));
      TRY(reason, r.string(*so, "reason", where));
      t.skipped.push_back({path, reason});
    }
  }
  // Canonical order, whatever the document's; files counted from the paths.
  TRY(canonical, merge({t}));
  if (files != canonical.files)
    return r.error("totals.files", std::to_string(files) + " but the table lists " + std::to_string(canonical.files) +
                                       " distinct paths (each file is listed once, by one path)");
  return canonical;
}

#undef TRY

}  // namespace

namespace {

// The byte offset where TEXT first nests more than MAX_DEPTH arrays and
// objects, or npos. Lexes strings as JSON does, so for any prefix a parser
// accepts, its depth is the parser's: checked first, llvm::json's recursion
// stays bounded.
size_t nesting_exceeded_at(std::string_view text, uint64_t max_depth) {
  uint64_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

// PATH ("-": stdin) whole, refused past LIMIT bytes before reading when its
// size is known, else as soon as the bytes read pass it.
llvm::Expected<std::string> read_capped(const std::string &path, uint64_t limit) {
  auto fail = [&](std::error_code ec, const std::string &what) {
    return llvm::createStringError(ec, "%s: %s", path.c_str(), what.c_str());
  };
  auto too_big = [&](const std::string &size) {
    return fail(std::make_error_code(std::errc::file_too_large), size + "more than the table-bytes limit of " +
                                                                     std::to_string(limit) +
                                                                     " bytes (--limit table-bytes=N raises it)");
  };
  fs::file_t fd = fs::getStdinHandle();
  if (path != "-") {
    auto opened = fs::openNativeFileForRead(path);
    if (!opened) {
      std::error_code ec = llvm::errorToErrorCode(opened.takeError());
      return fail(ec, "cannot read: " + ec.message());
    }
    fd = *opened;
  }
  auto close = llvm::make_scope_exit([&] {
    if (path != "-") fs::closeFile(fd);
  });
  fs::file_status st;
  if (!fs::status(fd, st) && fs::is_regular_file(st) && st.getSize() > limit)
    return too_big(std::to_string(st.getSize()) + " bytes, ");
  std::string text;
  for (;;) {
    size_t old = text.size();
    size_t chunk = std::min<uint64_t>(uint64_t(1) << 20, limit + 1 - old);
    text.resize(old + chunk);
    auto n = fs::readNativeFile(fd, llvm::MutableArrayRef<char>(text.data() + old, chunk));
    if (!n) {
      std::error_code ec = llvm::errorToErrorCode(n.takeError());
      return fail(ec, "cannot read: " + ec.message());
    }
    text.resize(old + *n);
    if (*n == 0) return text;
    if (text.size() > limit) return too_big("");
  }
}

}  // namespace

llvm::Expected<Table> parse_table(std::string_view text) {
  const uint64_t max_depth = resource_limits().json_depth;
  if (size_t at = nesting_exceeded_at(text, max_depth); at != std::string_view::npos)
    return llvm::createStringError(std::errc::invalid_argument,
                                   "byte %zu: nested deeper than %llu arrays and objects (the json-depth limit)", at,
                                   static_cast<unsigned long long>(max_depth));
  auto doc = json::parse(llvm::StringRef(text.data(), text.size()));
  if (!doc)
    return llvm::createStringError(std::errc::invalid_argument, "not JSON: %s",
                                   llvm::toString(doc.takeError()).c_str());
  return read_table(*doc);
}

llvm::Expected<Table> load_table(const std::string &path) {
  auto text = read_capped(path, resource_limits().table_bytes);
  if (!text) return text.takeError();
  auto table = parse_table(*text);
  if (!table)
    return llvm::createStringError(std::errc::invalid_argument, "%s: not a crashctl triage table: %s", path.c_str(),
                                   llvm::toString(table.takeError()).c_str());
  return table;
}

}  // namespace crashctl::triage
