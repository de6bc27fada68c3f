#include "analysis/attribution.h"

#include "analysis/glob.h"
#include "analysis/source_paths.h"

#include "gosyntax/parse.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <set>

namespace crashctl {

namespace {

namespace path = llvm::sys::path;

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string package_path(const Frame &f) {
  return f.package.empty() && !f.bare_name ? package_of(f.function) : f.package;
}

bool under(llvm::StringRef pkg, llvm::StringRef prefix) {
  return pkg == prefix || (pkg.starts_with(prefix) && pkg.size() > prefix.size() && pkg[prefix.size()] == '/');
}

std::vector<llvm::StringRef> split_path(llvm::StringRef p) {
  llvm::SmallVector<llvm::StringRef, 16> parts;
  p.split(parts, '/', -1, /*KeepEmpty=*/false);
  return std::vector<llvm::StringRef>(parts.begin(), parts.end());
}

// "v2", "v10": a major-version path element.
bool is_major_version(llvm::StringRef e) {
  return e.size() >= 2 && e[0] == 'v' && llvm::all_of(e.drop_front(), llvm::isDigit);
}

// The standard library, including the runtime and "panic".
bool is_std(const Frame &f) {
  if (f.non_go) return false;
  if (InAppRules::is_stdlib(f)) return true;
  std::string pkg = package_path(f);
  return f.function == "panic" || pkg == "runtime" || starts_with(pkg, "runtime/") ||
         starts_with(pkg, "internal/runtime/");
}

// "v0.0.1-go1.22.12.linux-amd64" -> "go1.22.12".
std::string toolchain_go_version(llvm::StringRef v) {
  size_t go = v.find("-go");
  if (go == llvm::StringRef::npos) return "";
  llvm::StringRef rest = v.drop_front(go + 1);
  size_t dot = rest.rfind('.');
  // "go1.22.12.linux-amd64": the GOOS-GOARCH part holds a '-'.
  if (dot != llvm::StringRef::npos && rest.drop_front(dot + 1).contains('-')) rest = rest.take_front(dot);
  return rest.str();
}

// Module@version out of REL = "MODULE@VERSION/rest", escaped or not.
std::optional<ModuleVersion> split_module_version(llvm::StringRef rel, bool escaped) {
  size_t at = rel.find('@');
  if (at == llvm::StringRef::npos || at == 0) return std::nullopt;
  size_t slash = rel.find('/', at);
  if (slash == llvm::StringRef::npos || slash == at + 1) return std::nullopt;
  llvm::StringRef mod = rel.take_front(at), ver = rel.slice(at + 1, slash);
  // The module's first element is a host name: it has a dot.
  if (!mod.split('/').first.contains('.')) return std::nullopt;
  ModuleVersion mv;
  if (escaped) {
    mv.module = unescape_module_path(mod).value_or(mod.str());
    mv.version = unescape_module_path(ver).value_or(ver.str());
  } else {
    mv.module = mod.str();
    mv.version = ver.str();
  }
  if (mv.module == "golang.org/toolchain" && rel.drop_front(slash + 1).starts_with("src/"))
    return ModuleVersion{"std", toolchain_go_version(mv.version)};
  return mv;
}

bool valid_owner(llvm::StringRef o) {
  if (o.starts_with("@")) return o.size() > 1;
  size_t at = o.find('@');
  return at != llvm::StringRef::npos && at > 0 && at + 1 < o.size();
}

// Splits a CODEOWNERS line into whitespace-separated tokens; '\' escapes the
// next character (kept, so that "\ " stays part of the pattern).
std::vector<std::string> tokenize(llvm::StringRef line) {
  std::vector<std::string> tokens;
  std::string cur;
  bool in_token = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size()) {
      cur += c;
      cur += line[++i];
      in_token = true;
    } else if (c == ' ' || c == '\t') {
      if (in_token) tokens.push_back(std::move(cur));
      cur.clear();
      in_token = false;
    } else {
      cur += c;
      in_token = true;
    }
  }
  if (in_token) tokens.push_back(std::move(cur));
  return tokens;
}

// Lines of a text file, without the line terminator, 1-based.
template <typename Fn>
void for_each_line(llvm::StringRef text, Fn fn) {
  size_t n = 0;
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    fn(line.rtrim('\r'), ++n);
    text = rest;
  }
}

// Files are read, not mapped (IsVolatile): one truncated while read must not raise SIGBUS.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> read_file(const std::string &file, llvm::StringRef what) {
  auto buf = llvm::MemoryBuffer::getFile(file, /*IsText=*/true, /*RequiresNullTerminator=*/true, /*IsVolatile=*/true);
  if (!buf) return error("cannot read " + what + " file '" + file + "': " + buf.getError().message());
  return std::move(*buf);
}

}  // namespace

// --- modules ---------------------------------------------------------------------

std::optional<std::string> unescape_module_path(llvm::StringRef escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    char c = escaped[i];
    if (c == '!') {
      if (i + 1 >= escaped.size() || !llvm::isLower(escaped[i + 1])) return std::nullopt;
      out += llvm::toUpper(escaped[++i]);
    } else if (llvm::isUpper(c)) {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<ModuleVersion> module_from_cache_path(llvm::StringRef file) {
  if (file.empty() || file.starts_with("<")) return std::nullopt;
  if (!is_absolute(file)) return split_module_version(file, /*escaped=*/false);  // -trimpath
  constexpr llvm::StringRef kMarker = "/pkg/mod/";
  for (size_t pos = file.find(kMarker); pos != llvm::StringRef::npos; pos = file.find(kMarker, pos + 1)) {
    llvm::StringRef rel = file.drop_front(pos + kMarker.size());
    if (rel.starts_with("cache/")) continue;
    if (auto mv = split_module_version(rel, /*escaped=*/true)) return mv;
  }
  return std::nullopt;
}

std::optional<std::string> vendored_package_dir(llvm::StringRef file) {
  size_t pos = file.rfind("/vendor/");
  llvm::StringRef rel;
  if (pos != llvm::StringRef::npos)
    rel = file.drop_front(pos + 8);
  else if (file.starts_with("vendor/"))
    rel = file.drop_front(7);
  else
    return std::nullopt;
  size_t slash = rel.rfind('/');
  if (slash == llvm::StringRef::npos || slash == 0) return std::nullopt;
  return rel.take_front(slash).str();
}

namespace {

// How many leading elements of an import path make its module root (a guess;
// formats/attribution.md); 0 when the path is too short to be a module.
size_t module_root_elements(const std::vector<llvm::StringRef> &e) {
  if (e.empty()) return 0;
  llvm::StringRef host = e[0];
  bool three = host == "github.com" || host == "gitlab.com" || host == "bitbucket.org" || host == "codeberg.org" ||
               host == "gitee.com" || (host == "golang.org" && e.size() > 1 && e[1] == "x");
  if (three) {
    if (e.size() < 3) return 0;
    return e.size() > 3 && is_major_version(e[3]) ? 4 : 3;
  }
  if (host == "gopkg.in") {
    for (size_t i = 1; i < e.size(); ++i) {
      size_t dot = e[i].rfind(".v");
      if (dot != llvm::StringRef::npos && is_major_version(e[i].drop_front(dot + 1))) return i + 1;
    }
    return e.size();
  }
  for (size_t i = 1; i < e.size(); ++i)
    if (e[i] == "internal" || e[i] == "cmd" || e[i] == "pkg") return std::max<size_t>(i, 2);
  return e.size();
}

std::string join_elements(const std::vector<llvm::StringRef> &e, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < e.size(); ++i) out += (i ? "/" : "") + e[i].str();
  return out;
}

}  // namespace

std::string guess_module_root(llvm::StringRef import_path) {
  std::vector<llvm::StringRef> e = split_path(import_path);
  size_t n = module_root_elements(e);
  return join_elements(e, n ? n : e.size());
}

std::string infer_main_module(const Stack &stack, const InAppRules &rules) {
  std::vector<llvm::StringRef> common;
  bool any = false;
  std::vector<std::string> pkgs;
  for (const Frame &f : stack.frames) {
    if (!rules.in_app(f) || InAppRules::is_dependency(f) || is_std(f)) continue;
    std::string pkg = package_path(f);
    if (pkg.empty() || pkg == "main" || !llvm::StringRef(pkg).split('/').first.contains('.')) continue;
    pkgs.push_back(std::move(pkg));
  }
  for (const std::string &pkg : pkgs) {
    std::vector<llvm::StringRef> e = split_path(pkg);
    if (!any) {
      common = e;
      any = true;
      continue;
    }
    size_t n = 0;
    while (n < common.size() && n < e.size() && common[n] == e[n]) ++n;
    common.resize(n);
  }
  if (common.empty() || !common[0].contains('.')) return "";
  // A prefix shorter than a module can be (github.com/acme) is no module.
  size_t n = module_root_elements(common);
  return n ? join_elements(common, n) : "";
}

VendorModules VendorModules::parse(llvm::StringRef text) {
  VendorModules vm;
  std::optional<size_t> current;
  for_each_line(text, [&](llvm::StringRef line, size_t) {
    line = line.trim();
    if (line.empty() || line.starts_with("##")) return;
    if (line.consume_front("# ")) {
      llvm::SmallVector<llvm::StringRef, 6> tok;
      line.split(tok, ' ', -1, /*KeepEmpty=*/false);
      if (tok.empty()) return;
      ModuleVersion mv{tok[0].str(), ""};
      if (tok.size() > 1 && tok[1] != "=>") mv.version = tok[1].str();
      auto arrow = std::find(tok.begin(), tok.end(), llvm::StringRef("=>"));
      if (arrow != tok.end()) {
        size_t after = tok.end() - arrow - 1;
        // "=> other/module v1.2.3" replaces the version; "=> ../dir" has none.
        mv.version = after >= 2 ? arrow[2].str() : "";
      }
      vm.modules_.push_back(std::move(mv));
      current = vm.modules_.size() - 1;
      return;
    }
    if (current && !line.starts_with("#")) vm.packages_[line.str()] = *current;
  });
  return vm;
}

std::optional<ModuleVersion> VendorModules::lookup(llvm::StringRef package) const {
  auto it = packages_.find(package.str());
  if (it != packages_.end()) return modules_[it->second];
  const ModuleVersion *best = nullptr;
  for (const ModuleVersion &mv : modules_)
    if (under(package, mv.module) && (!best || mv.module.size() > best->module.size())) best = &mv;
  if (best) return *best;
  return std::nullopt;
}

// --- CODEOWNERS ------------------------------------------------------------------

std::optional<CodeOwnersPattern> CodeOwnersPattern::compile(llvm::StringRef pattern, std::string *why) {
  auto fail = [&](const char *reason) -> std::optional<CodeOwnersPattern> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (pattern.empty()) return fail("empty pattern");
  if (pattern.starts_with("!")) return fail("'!' negation is not supported in CODEOWNERS");
  if (pattern.starts_with("\\#")) return fail("escaping '#' is not supported in CODEOWNERS");
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
      continue;
    }
    if (pattern[i] == '[' || pattern[i] == ']') return fail("'[ ]' character ranges are not supported in CODEOWNERS");
  }
  if (pattern.contains("***")) return fail("'***' is not a valid pattern");

  llvm::SmallVector<llvm::StringRef, 8> raw;
  pattern.split(raw, '/');
  std::vector<std::string> segs(raw.begin(), raw.end());
  if (segs.front().empty()) {
    segs.erase(segs.begin());  // leading '/': anchored at the root
  } else if (segs.size() == 1 || (segs.size() == 2 && segs[1].empty())) {
    // No slash but a trailing one: matches at any depth.
    if (segs[0] != "**") segs.insert(segs.begin(), "**");
  }
  if (segs.size() > 1 && segs.back().empty()) segs.back() = "**";  // "dir/" is "dir/**"
  // Empty elements in the middle ("a//b") mean nothing.
  segs.erase(std::remove_if(segs.begin(), segs.end(), [](const std::string &s) { return s.empty(); }), segs.end());
  if (segs.empty()) return fail("'/' matches no file");

  CodeOwnersPattern p;
  for (std::string &s : segs) {
    Kind kind = s == "**" ? Kind::DoubleStar : s == "*" ? Kind::Star : Kind::Glob;
    p.segments_.push_back({kind, kind == Kind::Glob ? std::move(s) : std::string()});
  }
  return p;
}

bool CodeOwnersPattern::match_from(size_t si, const std::vector<llvm::StringRef> &parts, size_t pi) const {
  if (si == segments_.size()) return pi == parts.size();
  const Segment &seg = segments_[si];
  bool last = si + 1 == segments_.size();
  switch (seg.kind) {
    case Kind::DoubleStar:
      // Alone or at the end: one or more elements; elsewhere zero or more.
      if (last) return parts.size() > pi;
      for (size_t k = pi; k <= parts.size(); ++k)
        if (match_from(si + 1, parts, k)) return true;
      return false;
    case Kind::Star:
      // Exactly one element; at the end it does not reach into subdirectories.
      return pi < parts.size() && match_from(si + 1, parts, pi + 1);
    case Kind::Glob:
      if (pi >= parts.size() || !glob_match(seg.text, parts[pi])) return false;
      // The last element names a file or a directory and everything under it.
      return last || match_from(si + 1, parts, pi + 1);
  }
  return false;
}

bool CodeOwnersPattern::matches(llvm::StringRef p) const {
  while (p.consume_front("./")) {}
  return match_from(0, split_path(p), 0);
}

CodeOwners CodeOwners::parse(llvm::StringRef text, llvm::StringRef name, std::vector<std::string> *warnings) {
  CodeOwners co;
  auto warn = [&](size_t line, const std::string &msg) {
    if (warnings) warnings->push_back((name + ":" + llvm::Twine(line) + ": " + msg).str());
  };
  for_each_line(text, [&](llvm::StringRef line, size_t n) {
    line = line.trim();
    if (line.empty() || line.starts_with("#")) return;
    std::vector<std::string> tok = tokenize(line);
    if (tok.empty()) return;
    std::string why;
    auto compiled = CodeOwnersPattern::compile(tok[0], &why);
    if (!compiled) {
      warn(n, why + "; the line '" + line.str() + "' never matches");
      return;
    }
    Rule rule{tok[0], {}, n, std::move(*compiled)};
    for (size_t i = 1; i < tok.size(); ++i) {
      if (tok[i][0] == '#') break;  // a comment to the end of the line
      if (!valid_owner(tok[i])) {
        warn(n, "'" + tok[i] + "' is not an owner (@user, @org/team or an email address); line skipped");
        return;
      }
      rule.owners.push_back(tok[i]);
    }
    co.rules_.push_back(std::move(rule));
  });
  return co;
}

llvm::Expected<CodeOwners> CodeOwners::load(const std::string &file, std::vector<std::string> *warnings) {
  auto buf = read_file(file, "CODEOWNERS");
  if (!buf) return buf.takeError();
  return parse((*buf)->getBuffer(), file, warnings);
}

const CodeOwners::Rule *CodeOwners::match(llvm::StringRef repo_path) const {
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it)
    if (it->compiled.matches(repo_path)) return &*it;
  return nullptr;
}

// --- --owners FILE ---------------------------------------------------------------

llvm::Expected<OwnersFile> OwnersFile::parse(llvm::StringRef text, llvm::StringRef name) {
  OwnersFile of;
  std::optional<llvm::Error> err;
  for_each_line(text, [&](llvm::StringRef raw, size_t n) {
    if (err) return;
    llvm::StringRef line = raw.trim();
    if (line.empty() || line.starts_with("#") || line.starts_with(";")) return;
    auto bad = [&](const llvm::Twine &msg) { err = error(name + ":" + llvm::Twine(n) + ": " + msg); };
    size_t eq = line.find('=');
    if (eq == llvm::StringRef::npos) return bad("expected PATTERN=OWNER, got '" + line + "'");
    Rule r{line.take_front(eq).trim().str(), line.drop_front(eq + 1).trim().str(), n, false};
    if (r.pattern.empty()) return bad("no pattern before '='");
    if (r.owner.empty()) return bad("no owner after '" + r.pattern + "=' (use '=ignore' to skip such frames)");
    r.ignore = r.owner == "ignore";
    if (r.pattern == "default") {
      if (r.ignore) return bad("'default=ignore' means nothing; leave 'default' out");
      of.default_ = std::move(r);
      return;
    }
    of.rules_.push_back(std::move(r));
  });
  if (err) return std::move(*err);
  return of;
}

llvm::Expected<OwnersFile> OwnersFile::load(const std::string &file) {
  auto buf = read_file(file, "owners");
  if (!buf) return buf.takeError();
  return parse((*buf)->getBuffer(), file);
}

const OwnersFile::Rule *OwnersFile::match(const Frame &f) const {
  if (f.non_go || f.function.empty()) return nullptr;
  std::string pkg = package_path(f);
  const Rule *best = nullptr;
  for (const Rule &r : rules_) {
    bool glob = r.pattern.find_first_of("*?[") != std::string::npos;
    bool hit =
        glob ? glob_match(r.pattern, f.function) : f.function == r.pattern || (!pkg.empty() && under(pkg, r.pattern));
    if (hit && (!best || r.pattern.size() >= best->pattern.size())) best = &r;
  }
  return best;
}

// --- attribution -----------------------------------------------------------------

namespace {

// The stack the culprit was picked from: the crashing goroutine's, the first
// race access's, the runtime stack, or (a hung test) any goroutine's whose
// frame at the culprit's index is the culprit.
const Stack *culprit_stack(const Report &r) {
  const Culprit &c = *r.verdict.culprit;
  const Process &p = r.process;
  auto holds = [&](const Stack *s) {
    return s && c.frame_index < s->frames.size() && s->frames[c.frame_index] == c.frame;
  };
  if (r.kind == ReportKind::Race && !p.races.empty() && !p.races.front().accesses.empty() &&
      holds(p.races.front().accesses.front().stack.get()))
    return p.races.front().accesses.front().stack.get();
  if (const Goroutine *g = r.verdict.goroutine >= 0 ? p.goroutine(r.verdict.goroutine) : nullptr;
      g && holds(g->stack.get()))
    return g->stack.get();
  if (holds(p.runtime_stack_frames.get())) return p.runtime_stack_frames.get();
  const Stack *prev = nullptr;
  for (const Goroutine &g : p.goroutines) {
    if (g.stack.get() == prev) continue;  // consecutive goroutines often share a stack
    prev = g.stack.get();
    if (holds(prev)) return prev;
  }
  return nullptr;
}

std::string read_gomod_module(const std::string &file) {
  auto buf = llvm::MemoryBuffer::getFile(file, /*IsText=*/true, /*RequiresNullTerminator=*/true, /*IsVolatile=*/true);
  if (!buf) return "";
  std::string module;
  for_each_line((*buf)->getBuffer(), [&](llvm::StringRef line, size_t) {
    line = line.split("//").first.trim();
    if (!module.empty() || !line.consume_front("module")) return;
    if (line.empty() || (line[0] != ' ' && line[0] != '\t' && line[0] != '"')) return;
    module = line.trim().trim('"').str();
  });
  return module;
}

}  // namespace

Attribution::Attribution() : Attribution(AnalysisOptions{}, std::nullopt, std::nullopt, nullptr) {}

Attribution::Attribution(const AnalysisOptions &opts, std::optional<CodeOwners> codeowners,
                         std::optional<OwnersFile> owners, ExistsFn exists)
    : opts_(opts),
      rules_(opts),
      codeowners_(std::move(codeowners)),
      owners_(std::move(owners)),
      exists_(exists ? std::move(exists) : [](llvm::StringRef p) { return llvm::sys::fs::exists(p); }) {
  if (!opts.source_root.empty()) {
    llvm::SmallString<256> root(opts.source_root);
    llvm::sys::fs::make_absolute(root);
    path::remove_dots(root, /*remove_dot_dot=*/true, path::Style::posix);
    llvm::StringRef r = root.str();
    while (r.size() > 1 && r.ends_with("/")) r = r.drop_back();
    source_root_ = r.str();
  }
}

llvm::Expected<std::unique_ptr<Attribution>> Attribution::load(const AnalysisOptions &opts) {
  std::vector<std::string> warnings;
  std::optional<CodeOwners> codeowners;
  std::string codeowners_path;
  if (!opts.source_root.empty() && !llvm::sys::fs::is_directory(opts.source_root))
    return error("--source-root '" + opts.source_root + "' is not a directory");
  if (!opts.codeowners.empty()) {
    codeowners_path = opts.codeowners;
  } else if (!opts.source_root.empty()) {
    // GitHub's search order.
    for (const char *rel : {".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}) {
      llvm::SmallString<256> candidate(opts.source_root);
      path::append(candidate, path::Style::posix, rel);
      if (llvm::sys::fs::is_regular_file(candidate)) {
        codeowners_path = candidate.str().str();
        break;
      }
    }
  }
  if (!codeowners_path.empty()) {
    auto co = CodeOwners::load(codeowners_path, &warnings);
    if (!co) return co.takeError();
    codeowners = std::move(*co);
  }
  std::optional<OwnersFile> owners;
  if (!opts.owners.empty()) {
    auto of = OwnersFile::load(opts.owners);
    if (!of) return of.takeError();
    owners = std::move(*of);
  }
  auto attr = std::make_unique<Attribution>(opts, std::move(codeowners), std::move(owners), nullptr);
  attr->warnings_ = std::move(warnings);
  attr->codeowners_path_ = codeowners_path;
  if (!attr->source_root_.empty()) {
    attr->gomod_module_ = read_gomod_module(attr->source_root_ + "/go.mod");
    if (auto buf = llvm::MemoryBuffer::getFile(attr->source_root_ + "/vendor/modules.txt", /*IsText=*/true,
                                               /*RequiresNullTerminator=*/true, /*IsVolatile=*/true))
      attr->vendor_ = VendorModules::parse((*buf)->getBuffer());
  }
  return attr;
}

std::string Attribution::main_module(const Stack *stack, const BuildInfo *build) const {
  if (!opts_.module.empty()) return opts_.module;
  if (!gomod_module_.empty()) return gomod_module_;
  if (build && !build->main.path.empty()) return build->main.path;
  return stack ? infer_main_module(*stack, rules_) : "";
}

// A build-info module's version: the replacement's for "=> path version",
// none for a directory replacement or a main module built as "(devel)".
static std::string build_version(const Module &m) {
  if (!m.replaced_by.empty()) {
    size_t space = m.replaced_by.find(' ');
    return space == std::string::npos ? "" : m.replaced_by.substr(space + 1);
  }
  return m.version == "(devel)" ? "" : m.version;
}

ModuleVersion Attribution::module_of(const Frame &f, const std::string &main_module, const std::string &go_version,
                                     const std::optional<std::string> &main_module_version,
                                     const BuildInfo *build) const {
  if (f.non_go) return {};
  if (auto mv = module_from_cache_path(f.file)) {
    if (mv->module == "std" && !go_version.empty()) mv->version = go_version;
    return *mv;
  }
  if (is_std(f)) return {"std", go_version};
  if (auto dir = vendored_package_dir(f.file)) {
    if (auto mv = vendor_.lookup(*dir)) return *mv;
    return {guess_module_root(*dir), ""};
  }
  std::string pkg = package_path(f);
  // A dependency the build info lists (a -trimpath or vendored build's files
  // name no version), unless a longer main module holds the package.
  const Module *dep = nullptr;
  if (build)
    for (const Module &m : build->deps)
      if (under(pkg, m.path) && (!dep || m.path.size() > dep->path.size())) dep = &m;
  bool in_main = !main_module.empty() && (pkg == "main" || under(pkg, main_module));
  if (dep && (!in_main || dep->path.size() > main_module.size())) return {dep->path, build_version(*dep)};
  if (in_main) return {main_module, main_module_version.value_or("")};
  return {};
}

std::optional<std::string> Attribution::repo_path(const Frame &f, const std::string &main_module) const {
  llvm::StringRef file = f.file;
  if (f.non_go || file.empty() || file.starts_with("<") || is_std(f) || module_from_cache_path(file))
    return std::nullopt;
  if (!source_root_.empty()) {
    if (file.starts_with(source_root_) && file.size() > source_root_.size() + 1 && file[source_root_.size()] == '/')
      return file.drop_front(source_root_.size() + 1).str();
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = suffix_cache_.find(file.str());
      if (it != suffix_cache_.end()) return it->second;
    }
    // The build machine's checkout lived elsewhere: the longest suffix of the
    // path that exists under the source root.
    std::vector<llvm::StringRef> parts = split_path(file);
    if (!parts.empty() && parts.front().size() == 2 && parts.front()[1] == ':') parts.erase(parts.begin());
    std::optional<std::string> found;
    for (size_t first = 0; first < parts.size() && !found; ++first) {
      std::string rel;
      for (size_t i = first; i < parts.size(); ++i) rel += (i > first ? "/" : "") + parts[i].str();
      if (exists_(source_root_ + "/" + rel)) found = rel;
    }
    std::lock_guard<std::mutex> lock(mu_);
    suffix_cache_.emplace(file.str(), found);
    return found;
  }
  if (main_module.empty()) return std::nullopt;
  std::string needle = main_module + "/";
  for (size_t pos = file.find(needle); pos != llvm::StringRef::npos; pos = file.find(needle, pos + 1))
    if (pos == 0 || file[pos - 1] == '/') {
      llvm::StringRef rest = file.drop_front(pos + needle.size());
      if (!rest.empty()) return rest.str();
    }
  return std::nullopt;
}

std::string Attribution::main_module(const Report &r) const {
  const BuildInfo *build = r.process.build_info ? &*r.process.build_info : nullptr;
  return main_module(r.verdict.culprit ? culprit_stack(r) : nullptr, build);
}

ModuleVersion Attribution::module_in_report(const Frame &f, const Report &r, const std::string &mm) const {
  const BuildInfo *build = r.process.build_info ? &*r.process.build_info : nullptr;
  // The build's version is the main module's only when it is the build's.
  std::optional<std::string> mm_version;
  if (build && !mm.empty() && mm == build->main.path) mm_version = build_version(build->main);
  return module_of(f, mm, r.process.go_version.version, mm_version, build);
}

void Attribution::attribute(Report &report) const {
  if (!report.verdict.culprit) return;
  Culprit &c = *report.verdict.culprit;
  const Stack *stack = culprit_stack(report);
  std::string mm = main_module(report);
  ModuleVersion mv = module_in_report(c.frame, report, mm);
  c.module = std::move(mv.module);
  c.version = std::move(mv.version);
  c.owner.clear();
  c.owner_source.clear();
  if (!codeowners_ && !owners_) return;

  // The first owned frame from the culprit down (WinDbg's "followup").
  std::vector<const Frame *> walk;
  if (stack)
    for (size_t i = c.frame_index; i < stack->frames.size(); ++i) walk.push_back(&stack->frames[i]);
  else
    walk.push_back(&c.frame);
  for (const Frame *f : walk) {
    if (owners_) {
      if (const OwnersFile::Rule *r = owners_->match(*f)) {
        if (r->ignore) continue;
        c.owner = r->owner;
        c.owner_source = "owners:" + std::to_string(r->line);
        return;
      }
    }
    if (codeowners_) {
      if (auto rel = repo_path(*f, mm)) {
        const CodeOwners::Rule *r = codeowners_->match(*rel);
        if (r && !r->owners.empty()) {
          c.owner = llvm::join(r->owners, " ");
          c.owner_source = "CODEOWNERS:" + std::to_string(r->line);
          return;
        }
      }
    }
  }
  if (owners_ && owners_->default_rule()) {
    c.owner = owners_->default_rule()->owner;
    c.owner_source = "owners:" + std::to_string(owners_->default_rule()->line);
  }
}

void attribute_culprit(Report &report, const Attribution &attr) {
  attr.attribute(report);
}

}  // namespace crashctl
