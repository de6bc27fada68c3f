#include "source/annotate.h"

#include "source/git.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <unordered_set>

namespace crashctl {

namespace {

namespace path = llvm::sys::path;

// Larger files are not read for context: no Go source file is this large.
constexpr uint64_t kMaxSourceBytes = 64 << 20;

std::string join_path(llvm::StringRef dir, llvm::StringRef rel) {
  if (dir.empty()) return rel.str();
  if (rel.empty()) return dir.str();
  return (dir + "/" + rel).str();
}

std::string real_path(const std::string &p) {
  llvm::SmallString<256> real;
  if (llvm::sys::fs::real_path(p, real)) return p;
  return std::string(real.str());
}

// REL when PATH lies under DIR ("a/b.go"); nothing otherwise.
std::optional<std::string> relative_to(llvm::StringRef path, llvm::StringRef dir) {
  if (path == dir) return std::string();
  if (!path.starts_with(dir) || dir.empty()) return std::nullopt;
  if (dir == "/") return path.drop_front(1).str();
  if (path.size() <= dir.size() || path[dir.size()] != '/') return std::nullopt;
  return path.drop_front(dir.size() + 1).str();
}

// "go1.21.13 X:loopvar" -> "go1.21.13"; "" when not a tagged release.
std::string go_release(llvm::StringRef version) {
  llvm::StringRef v = version.split(' ').first;
  return is_go_release(v) ? v.str() : "";
}

// A standard-library file's path under GOROOT/src: after the last "/src/"
// ("/usr/local/go/src/runtime/panic.go"), or as recorded by -trimpath
// ("runtime/panic.go").
std::string std_path_under_src(llvm::StringRef file) {
  size_t src = file.rfind("/src/");
  if (src != llvm::StringRef::npos) return file.drop_front(src + 5).str();
  return is_absolute(file) ? "" : file.str();
}

// The module cache's case-encoding of a version: "!" before each upper-case letter, lowered.
std::string case_encode(llvm::StringRef s) {
  std::string out;
  for (char c : s) {
    if (llvm::isUpper(c))
      out += '!', out += llvm::toLower(c);
    else
      out += c;
  }
  return out;
}

// FILE's path relative to the root of MODULE at VERSION: after
// "@VERSION/" (module cache, -trimpath), "vendor/MODULE/", or "MODULE/" at
// a path-element boundary.
std::optional<std::string> path_in_module(llvm::StringRef file, llvm::StringRef module, llvm::StringRef version) {
  if (!version.empty())
    for (const std::string &needle : {"@" + version.str() + "/", "@" + case_encode(version) + "/"}) {
      size_t pos = file.find(needle);
      if (pos != llvm::StringRef::npos) return file.drop_front(pos + needle.size()).str();
    }
  std::string needle = module.str() + "/";
  for (size_t pos = file.find(needle); pos != llvm::StringRef::npos; pos = file.find(needle, pos + 1))
    if (pos == 0 || file[pos - 1] == '/') {
      llvm::StringRef rest = file.drop_front(pos + needle.size());
      if (!rest.empty()) return rest.str();
    }
  return std::nullopt;
}

// Whether two module paths are on one host (their first elements are equal
// and look like a host name).
bool same_host(llvm::StringRef a, llvm::StringRef b) {
  llvm::StringRef host = a.split('/').first;
  return host.contains('.') && host == b.split('/').first;
}

std::string build_setting(const Report &r, llvm::StringRef key) {
  if (!r.process.build_info) return "";
  for (const auto &[k, v] : r.process.build_info->settings)
    if (k == key) return v;
  return "";
}

// LINE cut to at most kContextLineBytes bytes, at a UTF-8 boundary.
std::string cut_line(llvm::StringRef line) {
  if (line.size() <= kContextLineBytes) return line.str();
  size_t n = kContextLineBytes;
  while (n > 0 && (static_cast<unsigned char>(line[n]) & 0xC0) == 0x80) --n;
  return line.take_front(n).str() + "...";
}

}  // namespace

std::optional<SourceContext> context_lines(llvm::StringRef text, int line, std::string *why) {
  if (line <= 0) {
    if (why) *why = "the line is unknown";
    return std::nullopt;
  }
  if (text.contains('\0')) {
    if (why) *why = "is not text (it holds a NUL byte)";
    return std::nullopt;
  }
  SourceContext ctx;
  ctx.first_line = std::max(1, line - kContextRadius);
  int n = 0;
  while (!text.empty() && n < line + kContextRadius) {
    auto [l, rest] = text.split('\n');
    ++n;
    if (n >= ctx.first_line) ctx.lines.push_back(cut_line(l.rtrim('\r')));
    text = rest;
  }
  if (n < line) {
    if (why)
      *why = "has " + std::to_string(n) + (n == 1 ? " line" : " lines") + ", fewer than the culprit's line " +
             std::to_string(line) + ", so it is not the file that was built";
    return std::nullopt;
  }
  return ctx;
}

SourceAnnotator::~SourceAnnotator() = default;

llvm::Expected<std::unique_ptr<SourceAnnotator>> SourceAnnotator::load(const AnalysisOptions &opts) {
  std::unique_ptr<SourceAnnotator> a(new SourceAnnotator());
  a->opts_ = opts;
  for (const std::string &m : opts.path_maps)
    if (llvm::Error err = a->paths_.add_path_map(m)) return err;
  if (!opts.source_root.empty()) a->paths_.set_source_root(opts.source_root);
  a->paths_.set_go_environment(opts.go_env);
  if (!opts.source_url.empty()) {
    auto t = SourceUrlTemplate::parse(opts.source_url);
    if (!t) return t.takeError();
    a->url_template_ = std::move(*t);
  }
  if (!opts.go_env.goroot.empty()) {
    auto buf = llvm::MemoryBuffer::getFile(opts.go_env.goroot + "/VERSION", /*IsText=*/true,
                                           /*RequiresNullTerminator=*/false, /*IsVolatile=*/true);
    if (buf) a->local_go_version_ = (*buf)->getBuffer().split('\n').first.trim().str();
  }
  if (!opts.source_root.empty()) {
    auto repo = GitRepository::open(opts.source_root);
    if (repo) {
      a->repo_ = std::move(*repo);
      a->root_in_repo_ = relative_to(real_path(opts.source_root), a->repo_->workdir()).value_or("");
    } else {
      llvm::consumeError(repo.takeError());  // not a git work tree: no blame
    }
  }
  return a;
}

void SourceAnnotator::annotate(Report &r, const Attribution &attr, std::vector<std::string> &notes) const {
  std::string mm = attr.main_module(r);
  set_links(r, attr, mm);
  if (!r.verdict.culprit) return;
  r.verdict.culprit->url = r.links.url(r.verdict.culprit->frame);
  add_source(r, notes);
}

void SourceAnnotator::set_links(Report &r, const Attribution &attr, const std::string &mm) const {
  SourceLinks links;
  std::unordered_set<std::string> files;
  auto visit = [&](const Frame &f) {
    if (f.file.empty() || !files.insert(f.file).second) return;
    SourceLinks::Pieces pieces = link_of(f, r, attr, mm);
    if (!pieces.empty()) links.set(f.file, std::move(pieces));
  };
  std::unordered_set<const Stack *> stacks;
  const Stack *previous = nullptr;  // consecutive goroutines often share a stack
  auto visit_stack = [&](const Stack *s) {
    if (!s || s == previous) return;
    previous = s;
    if (!stacks.insert(s).second) return;
    for (const Frame &f : s->frames) visit(f);
  };
  const Process &p = r.process;
  // Every goroutine's stack is some group's (group_goroutines ran): a
  // million goroutines are not walked again unless some have ancestors.
  for (const GoroutineGroup &grp : r.groups) visit_stack(grp.stack.get());
  if (r.groups.empty() || p.ancestors)
    for (const Goroutine &g : p.goroutines) {
      visit_stack(g.stack.get());
      for (const Ancestor &a : g.details().ancestors) visit_stack(a.stack.get());
    }
  visit_stack(p.runtime_stack_frames.get());
  for (const RaceReport &race : p.races) {
    for (const RaceAccess &a : race.accesses) visit_stack(a.stack.get());
    for (const RaceGoroutine &g : race.goroutines) visit_stack(g.created_at.get());
  }
  if (r.verdict.culprit) visit(r.verdict.culprit->frame);
  r.links = std::move(links);
}

SourceLinks::Pieces SourceAnnotator::link_of(const Frame &f, const Report &r, const Attribution &attr,
                                             const std::string &mm) const {
  if (f.non_go || f.file.empty() || f.file[0] == '<') return {};
  ModuleVersion mv = attr.module_in_report(f, r, mm);
  if (mv.module == "std") {
    std::string release = go_release(r.process.go_version.version);
    if (release.empty()) release = go_release(mv.version);
    std::string rel = std_path_under_src(f.file);
    if (release.empty() || rel.empty()) return {};
    return std_line_url(release, rel);
  }
  if (mv.module.empty()) return {};
  bool main = mv.module == mm;
  std::optional<ForgeRepo> forge = forge_repo(mv.module);
  bool templated = url_template_ && (main || same_host(mv.module, mm));
  if (!forge && !templated) return {};
  std::string subdir = forge ? forge->subdir : "";
  std::string ref = main ? (!opts_.revision.empty() ? opts_.revision : build_setting(r, "vcs.revision")) : "";
  if (ref.empty()) ref = version_ref(mv.version, subdir);
  if (ref.empty()) return {};
  std::optional<std::string> in_repo;
  if (main) {
    in_repo = main_path_in_repo(f, attr, mm, subdir);
  } else if (auto rel = path_in_module(f.file, mv.module, mv.version)) {
    in_repo = join_path(subdir, *rel);
  }
  if (!in_repo || in_repo->empty()) return {};
  if (templated) return url_template_->expand(mv.module, ref, *in_repo);
  return forge_line_url(*forge, ref, *in_repo);
}

std::optional<std::string> SourceAnnotator::main_path_in_repo(const Frame &f, const Attribution &attr,
                                                              const std::string &mm, llvm::StringRef subdir) const {
  std::optional<std::string> rel = attr.repo_path(f, mm);
  if (!rel) return std::nullopt;
  // Under --source-root the path is the checkout's; the checkout may be a
  // directory of the repository.
  return join_path(attr.source_root().empty() ? subdir : llvm::StringRef(root_in_repo_), *rel);
}

void SourceAnnotator::add_source(Report &r, std::vector<std::string> &notes) const {
  Culprit &c = *r.verdict.culprit;
  const Frame &f = c.frame;
  if (f.non_go || f.file.empty() || f.file[0] == '<' || f.line <= 0) return;
  bool std_file = c.module == "std";
  bool cached = !std_file && module_from_cache_path(f.file).has_value();
  // The source root holds the program's own code: a standard-library or
  // module-cache file found there by its name alone would be another file.
  auto found = paths_.find(f.file, /*under_source_root=*/!std_file && !cached);
  if (!found) {
    if (!opts_.source_root.empty() && !std_file && !cached)
      notes.push_back("source context: no copy of " + f.file + " under --source-root " + opts_.source_root);
    return;
  }
  if (found->rule == SourcePathMapper::Rule::GoRoot) {
    std::string built = go_release(r.process.go_version.version);
    if (local_go_version_.empty() || built != local_go_version_) {
      notes.push_back("source context: " + found->path + " is from " +
                      (local_go_version_.empty() ? std::string("a local GOROOT of unknown version")
                                                 : "the local " + local_go_version_) +
                      ", the program was built with " + (built.empty() ? std::string("an unknown Go version") : built) +
                      ": not shown");
      return;
    }
  }

  std::string local = real_path(found->path);
  std::optional<std::string> in_repo = repo_ ? relative_to(local, repo_->workdir()) : std::nullopt;
  std::string text, blame_at;
  bool from_commit = false;
  if (in_repo) {
    std::lock_guard<std::mutex> lock(git_mu_);
    std::string rev = !opts_.revision.empty() ? opts_.revision : build_setting(r, "vcs.revision");
    std::optional<std::string> commit = repo_->resolve_commit(rev);
    if (!rev.empty() && !commit)
      notes.push_back("blame: revision " + rev + " is not in the repository at " + repo_->workdir() +
                      ": blamed at HEAD, lines from the work tree");
    if (commit) {
      std::optional<std::string> content = repo_->file_at(*commit, *in_repo);
      if (!content) {
        notes.push_back("source context: " + *in_repo + " is not in commit " + *commit + ": not shown");
        return;
      }
      text = std::move(*content);
      from_commit = true;
      blame_at = *commit;
      if (build_setting(r, "vcs.modified") == "true")
        notes.push_back("source context: the program was built from a work tree with changes not in " + *commit +
                        " (vcs.modified): its lines may differ");
    } else {
      blame_at = repo_->resolve_commit("HEAD").value_or("");
    }
  }
  if (!from_commit) {
    uint64_t size = 0;
    if (!llvm::sys::fs::file_size(local, size) && size > kMaxSourceBytes) {
      notes.push_back("source context: " + found->path + " is larger than " + std::to_string(kMaxSourceBytes >> 20) +
                      " MiB: not read");
      return;
    }
    auto buf = llvm::MemoryBuffer::getFile(local, /*IsText=*/false, /*RequiresNullTerminator=*/false,
                                           /*IsVolatile=*/true);
    if (!buf) {
      notes.push_back("source context: cannot read " + found->path + ": " + buf.getError().message());
      return;
    }
    text = (*buf)->getBuffer().str();
  }
  std::string why;
  std::optional<SourceContext> ctx = context_lines(text, f.line, &why);
  if (!ctx) {
    notes.push_back("source context: " + found->path + " " + why + ": not shown");
    return;
  }
  ctx->path = found->path;
  c.source_context = std::move(ctx);
  if (!in_repo || blame_at.empty()) return;

  std::lock_guard<std::mutex> lock(git_mu_);
  std::string key = *in_repo + '\n' + std::to_string(f.line) + '\n' + blame_at;
  auto it = blames_.find(key);
  if (it == blames_.end()) {
    BlameResult result;
    auto b = repo_->blame(*in_repo, f.line, blame_at);
    if (b)
      result.blame = std::move(*b);
    else
      result.error = llvm::toString(b.takeError());
    it = blames_.emplace(std::move(key), std::move(result)).first;
  }
  if (it->second.blame)
    c.blame = it->second.blame;
  else
    notes.push_back("blame: " + *in_repo + ":" + std::to_string(f.line) + ": " + it->second.error);
}

}  // namespace crashctl
