#include "analysis/source_paths.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <algorithm>

namespace crashctl {

bool is_absolute(llvm::StringRef p) {
  return p.starts_with("/") || (p.size() > 2 && llvm::isAlpha(p[0]) && p[1] == ':');
}

namespace {

namespace path = llvm::sys::path;
constexpr path::Style kGoStyle = path::Style::posix;  // Go prints '/' everywhere

std::string join_path(llvm::StringRef dir, llvm::StringRef rel) {
  llvm::SmallString<256> out(dir);
  path::append(out, kGoStyle, rel);
  return std::string(out.str());
}

llvm::StringRef trim_trailing_slashes(llvm::StringRef p) {
  while (p.size() > 1 && p.ends_with("/")) p = p.drop_back();
  return p;
}

llvm::StringRef first_component(llvm::StringRef p) {
  return p.split('/').first;
}

// Standard-library import paths have no dot in their first element.
bool looks_like_std_path(llvm::StringRef rel) {
  llvm::StringRef first = first_component(rel);
  return !first.empty() && !first.contains('.') && !rel.contains('@') && rel.contains('/');
}

// The directory a Go distribution lives in: "go", "go1.21.13", "go-1.19",
// "golang", "go_sdk" (Bazel), "libexec" (Homebrew), "toolchain@v0.0.1-go1.22.12...".
bool looks_like_goroot_dir(llvm::StringRef name) {
  std::string lower = name.lower();
  llvm::StringRef n(lower);
  if (n == "go" || n == "goroot" || n == "golang" || n == "go_sdk" || n == "libexec") return true;
  if (n.starts_with("toolchain@")) return true;
  if (!n.consume_front("go")) return false;
  if (!n.consume_front("-") && !n.consume_front("_")) n.consume_front("@");
  n.consume_front("v");
  return !n.empty() && llvm::isDigit(n.front());
}

// The module cache stores "github.com/BurntSushi" as "github.com/!burnt!sushi".
std::string escape_module_path(llvm::StringRef module_at_version) {
  std::string out;
  for (char c : module_at_version) {
    if (llvm::isUpper(c)) {
      out += '!';
      out += llvm::toLower(c);
    } else {
      out += c;
    }
  }
  return out;
}

// Splits "a/b@v1/c/d.go" into "a/b@v1" and "c/d.go"; nothing when no '@'.
std::optional<std::pair<llvm::StringRef, llvm::StringRef>> split_at_version(llvm::StringRef rel) {
  size_t at = rel.find('@');
  if (at == llvm::StringRef::npos) return std::nullopt;
  size_t slash = rel.find('/', at);
  if (slash == llvm::StringRef::npos) return std::nullopt;
  return std::make_pair(rel.take_front(slash), rel.drop_front(slash + 1));
}

}  // namespace

LocalGoEnvironment LocalGoEnvironment::detect(const GetEnvFn &getenv, const ExistsFn &exists) {
  LocalGoEnvironment env;
  auto nonempty = [&](llvm::StringRef name) -> std::optional<std::string> {
    auto v = getenv(name);
    if (v && !v->empty()) return v;
    return std::nullopt;
  };

  if (auto goroot = nonempty("GOROOT")) {
    env.goroot = *goroot;
  } else {
    for (const char *dir : {"/usr/local/go", "/usr/lib/go"})
      if (exists(join_path(dir, "src/runtime"))) {
        env.goroot = dir;
        break;
      }
  }

  if (auto cache = nonempty("GOMODCACHE")) {
    env.module_cache = *cache;
  } else if (auto gopath = nonempty("GOPATH")) {
    // GOPATH is a list; the module cache lives under its first entry.
    env.module_cache = join_path(llvm::StringRef(*gopath).split(':').first, "pkg/mod");
  } else if (auto home = nonempty("HOME")) {
    env.module_cache = join_path(join_path(*home, "go"), "pkg/mod");
  }
  return env;
}

LocalGoEnvironment LocalGoEnvironment::detect() {
  return detect([](llvm::StringRef name) { return llvm::sys::Process::GetEnv(name); },
                SourcePathMapper::filesystem_exists());
}

SourcePathMapper::ExistsFn SourcePathMapper::filesystem_exists() {
  return [](llvm::StringRef p) { return llvm::sys::fs::exists(p); };
}

SourcePathMapper::SourcePathMapper(ExistsFn exists) : exists_(std::move(exists)) {}

llvm::Error SourcePathMapper::add_path_map(llvm::StringRef old_equals_new) {
  auto [old_prefix, new_prefix] = old_equals_new.split('=');
  if (!old_equals_new.contains('=') || old_prefix.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "invalid --path-map '%s': expected OLD=NEW",
                                   old_equals_new.str().c_str());
  add_path_map(old_prefix.str(), new_prefix.str());
  return llvm::Error::success();
}

void SourcePathMapper::add_path_map(std::string old_prefix, std::string new_prefix) {
  path_maps_.emplace_back(trim_trailing_slashes(old_prefix).str(), trim_trailing_slashes(new_prefix).str());
  // Longest OLD first; stable so that equal lengths keep command-line order.
  std::stable_sort(path_maps_.begin(), path_maps_.end(),
                   [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
}

std::optional<std::string> SourcePathMapper::map_explicit(llvm::StringRef p) const {
  for (const auto &[old_prefix, new_prefix] : path_maps_) {
    if (!p.starts_with(old_prefix)) continue;
    llvm::StringRef rest = p.drop_front(old_prefix.size());
    bool at_boundary = old_prefix == "/" || rest.empty() || rest.starts_with("/");
    if (!at_boundary) continue;
    if (old_prefix == "/") rest = p;  // keep the leading '/'
    if (new_prefix.empty()) return rest.ltrim('/').str();
    if (new_prefix == "/") return ("/" + rest.ltrim('/')).str();
    return new_prefix + rest.str();
  }
  return std::nullopt;
}

std::optional<std::string> SourcePathMapper::map_goroot(llvm::StringRef p) const {
  if (go_env_.goroot.empty()) return std::nullopt;
  std::string src = join_path(go_env_.goroot, "src");
  auto try_rel = [&](llvm::StringRef rel) -> std::optional<std::string> {
    if (!looks_like_std_path(rel)) return std::nullopt;
    std::string candidate = join_path(src, rel);
    if (exists_(candidate)) return candidate;
    return std::nullopt;
  };

  if (!is_absolute(p))  // -trimpath: "runtime/panic.go"
    return try_rel(p);

  for (size_t pos = p.find("/src/"); pos != llvm::StringRef::npos; pos = p.find("/src/", pos + 1)) {
    llvm::StringRef dir = path::filename(p.take_front(pos), kGoStyle);
    if (!looks_like_goroot_dir(dir)) continue;
    if (auto mapped = try_rel(p.drop_front(pos + 5))) return mapped;
  }
  return std::nullopt;
}

std::optional<std::string> SourcePathMapper::map_module_cache(llvm::StringRef p) const {
  if (go_env_.module_cache.empty()) return std::nullopt;
  auto try_candidate = [&](std::string candidate) -> std::optional<std::string> {
    if (exists_(candidate)) return candidate;
    return std::nullopt;
  };

  if (!is_absolute(p)) {  // -trimpath: "github.com/BurntSushi/toml@v1.2.0/decode.go"
    auto parts = split_at_version(p);
    if (!parts) return std::nullopt;
    return try_candidate(join_path(join_path(go_env_.module_cache, escape_module_path(parts->first)), parts->second));
  }

  constexpr llvm::StringRef kMarker = "/pkg/mod/";
  for (size_t pos = p.find(kMarker); pos != llvm::StringRef::npos; pos = p.find(kMarker, pos + 1)) {
    llvm::StringRef rel = p.drop_front(pos + kMarker.size());
    if (!split_at_version(rel)) continue;
    if (auto mapped = try_candidate(join_path(go_env_.module_cache, rel))) return mapped;
  }
  return std::nullopt;
}

std::optional<std::string> SourcePathMapper::map_source_root(llvm::StringRef p) const {
  if (source_root_.empty()) return std::nullopt;
  llvm::SmallVector<llvm::StringRef, 16> parts;
  p.split(parts, '/', -1, /*KeepEmpty=*/false);
  // A Windows drive ("C:") is not a directory to look under.
  if (!parts.empty() && parts.front().size() == 2 && parts.front()[1] == ':') parts.erase(parts.begin());
  for (size_t first = 0; first < parts.size(); ++first) {
    llvm::SmallString<256> candidate(source_root_);
    for (size_t i = first; i < parts.size(); ++i) path::append(candidate, kGoStyle, parts[i]);
    if (exists_(candidate)) return std::string(candidate.str());
  }
  return std::nullopt;
}

namespace {

// "a/../b" is "b": no mapping may lead out of the directory it maps to.
std::string clean_build_path(llvm::StringRef raw) {
  llvm::SmallString<256> clean(raw);
  path::remove_dots(clean, /*remove_dot_dot=*/true, kGoStyle);
  return std::string(clean.str());
}

// A relative path above wherever it was built ("../x.go"): nothing to map it under.
bool above_build_dir(llvm::StringRef p) {
  return !is_absolute(p) && (p == ".." || p.starts_with("../"));
}

}  // namespace

std::optional<SourcePathMapper::Found> SourcePathMapper::find(llvm::StringRef raw, bool under_source_root) const {
  if (raw.empty() || raw.starts_with("<") || raw == "?") return std::nullopt;
  std::string p = clean_build_path(raw);
  if (above_build_dir(p)) return std::nullopt;
  if (auto mapped = map_explicit(p))
    return exists_(*mapped) ? std::optional<Found>(Found{*mapped, Rule::PathMap}) : std::nullopt;
  if (auto mapped = map_goroot(p)) return Found{*mapped, Rule::GoRoot};
  if (auto mapped = map_module_cache(p)) return Found{*mapped, Rule::ModuleCache};
  if (under_source_root)
    if (auto mapped = map_source_root(p)) return Found{*mapped, Rule::SourceRoot};
  return std::nullopt;
}

std::optional<std::string> SourcePathMapper::local_file(llvm::StringRef path) const {
  if (path.empty() || path.starts_with("<") || path == "?") return std::nullopt;
  std::string mapped = map(path);
  if (!exists_(mapped)) return std::nullopt;
  return mapped;
}

std::string SourcePathMapper::map(llvm::StringRef raw) const {
  if (raw.empty() || raw.starts_with("<") || raw == "?") return raw.str();
  std::string cleaned = clean_build_path(raw);
  llvm::StringRef p = cleaned;
  if (above_build_dir(p)) return p.str();
  if (auto mapped = map_explicit(p)) return *mapped;
  if (exists_(p)) return p.str();
  if (auto mapped = map_goroot(p)) return *mapped;
  if (auto mapped = map_module_cache(p)) return *mapped;
  if (auto mapped = map_source_root(p)) return *mapped;
  return p.str();
}

}  // namespace crashctl
