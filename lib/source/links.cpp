#include "source/links.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

namespace crashctl {

namespace {

std::vector<llvm::StringRef> elements(llvm::StringRef path) {
  llvm::SmallVector<llvm::StringRef, 8> parts;
  path.split(parts, '/', -1, /*KeepEmpty=*/false);
  return {parts.begin(), parts.end()};
}

std::string join(llvm::ArrayRef<llvm::StringRef> parts) {
  std::string out;
  for (llvm::StringRef p : parts) out += (out.empty() ? "" : "/") + p.str();
  return out;
}

bool all_digits(llvm::StringRef s) {
  return !s.empty() && llvm::all_of(s, llvm::isDigit);
}

// "v2", "v10": the major-version suffix of a module path (v0 and v1 have none).
bool is_major_suffix(llvm::StringRef e) {
  return e.size() >= 2 && e[0] == 'v' && all_digits(e.drop_front()) && e != "v0" && e != "v1";
}

}  // namespace

std::optional<ForgeRepo> forge_repo(llvm::StringRef module) {
  std::vector<llvm::StringRef> e = elements(module);
  if (e.empty()) return std::nullopt;
  ForgeRepo repo;
  size_t repo_elements = 0;
  if (e[0] == "github.com" || e[0] == "gitlab.com" || e[0] == "bitbucket.org") {
    if (e.size() < 3) return std::nullopt;
    repo.kind = e[0] == "github.com"   ? ForgeRepo::Kind::GitHub
                : e[0] == "gitlab.com" ? ForgeRepo::Kind::GitLab
                                       : ForgeRepo::Kind::Bitbucket;
    repo.url = "https://" + join({e[0], e[1], e[2]});
    repo_elements = 3;
  } else if (e[0] == "golang.org" && e.size() >= 3 && e[1] == "x") {
    repo.kind = ForgeRepo::Kind::Gitiles;
    repo.url = "https://go.googlesource.com/" + e[2].str();
    repo_elements = 3;
  } else if (e[0] == "go.googlesource.com" && e.size() >= 2) {
    repo.kind = ForgeRepo::Kind::Gitiles;
    repo.url = "https://go.googlesource.com/" + e[1].str();
    repo_elements = 2;
  } else {
    return std::nullopt;
  }
  llvm::ArrayRef<llvm::StringRef> rest = llvm::ArrayRef(e).drop_front(repo_elements);
  if (!rest.empty() && is_major_suffix(rest.back())) rest = rest.drop_back();
  repo.subdir = join(rest);
  return repo;
}

bool is_pseudo_version(llvm::StringRef v) {
  v = v.split('+').first;
  if (!v.starts_with("v")) return false;
  size_t dash = v.rfind('-');
  if (dash == llvm::StringRef::npos) return false;
  llvm::StringRef rev = v.drop_front(dash + 1), head = v.take_front(dash);
  if (rev.size() < 12 || !llvm::all_of(rev, llvm::isAlnum) || head.size() < 15) return false;
  llvm::StringRef stamp = head.take_back(14);
  if (!all_digits(stamp)) return false;
  head = head.drop_back(14);
  // vX.0.0-TIMESTAMP-REV, vX.Y.Z-0.TIMESTAMP-REV, vX.Y.Z-pre.0.TIMESTAMP-REV.
  if (head.consume_back(".0.0-")) return all_digits(head.drop_front());
  return head.ends_with("-0.") || (head.ends_with(".0.") && head.contains('-'));
}

std::string version_ref(llvm::StringRef version, llvm::StringRef subdir) {
  if (version.empty() || version == "(devel)") return "";
  llvm::StringRef v = version.split('+').first;  // "+incompatible"
  if (is_pseudo_version(version)) return v.drop_front(v.rfind('-') + 1).str();
  return subdir.empty() ? v.str() : (subdir + "/" + v).str();
}

bool is_go_release(llvm::StringRef v) {
  if (!v.consume_front("go")) return false;
  std::vector<unsigned> numbers;
  while (numbers.size() < 3) {
    llvm::StringRef n = v.take_while(llvm::isDigit);
    unsigned value = 0;
    if (n.empty() || n.getAsInteger(10, value)) return false;
    numbers.push_back(value);
    v = v.drop_front(n.size());
    if (numbers.size() == 3 || !v.consume_front(".")) break;
  }
  if (numbers.size() < 2 || numbers[0] != 1) return false;
  if (v.consume_front("rc") || v.consume_front("beta")) return numbers.size() == 2 && all_digits(v);
  // Since Go 1.21 the first release of 1.N is "go1.N.0"; "go1.21" is a language version.
  return v.empty() && (numbers.size() == 3 || numbers[1] < 21);
}

std::string escape_url_path(llvm::StringRef path) {
  std::string out;
  for (unsigned char c : path) {
    if (llvm::isAlnum(c) || llvm::StringRef("-._~!$&'()*+,;=:@/").contains(c)) {
      out += char(c);
    } else {
      out += '%';
      out += llvm::hexdigit(c >> 4);
      out += llvm::hexdigit(c & 15);
    }
  }
  return out;
}

SourceLinks::Pieces forge_line_url(const ForgeRepo &repo, llvm::StringRef ref, llvm::StringRef path_in_repo) {
  std::string r = escape_url_path(ref), p = escape_url_path(path_in_repo);
  switch (repo.kind) {
    case ForgeRepo::Kind::GitHub: return {repo.url + "/blob/" + r + "/" + p + "#L", ""};
    case ForgeRepo::Kind::GitLab: return {repo.url + "/-/blob/" + r + "/" + p + "#L", ""};
    case ForgeRepo::Kind::Bitbucket: return {repo.url + "/src/" + r + "/" + p + "#lines-", ""};
    case ForgeRepo::Kind::Gitiles: return {repo.url + "/+/" + r + "/" + p + "#", ""};
  }
  return {};
}

SourceLinks::Pieces std_line_url(llvm::StringRef go_release, llvm::StringRef path_under_src) {
  return {"https://github.com/golang/go/blob/" + escape_url_path(go_release) + "/src/" +
              escape_url_path(path_under_src) + "#L",
          ""};
}

llvm::Expected<SourceUrlTemplate> SourceUrlTemplate::parse(llvm::StringRef text) {
  auto fail = [&](const llvm::Twine &why) {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--source-url '" + text + "': " + why + " (placeholders: {module}, {ref}, {path}, {line})");
  };
  SourceUrlTemplate t;
  bool has_path = false;
  llvm::StringRef rest = text;
  while (!rest.empty()) {
    size_t open = rest.find('{');
    if (open != 0) {
      t.parts_.emplace_back(Part::Text, rest.take_front(open).str());
      rest = rest.drop_front(std::min(open, rest.size()));
      continue;
    }
    size_t close = rest.find('}');
    if (close == llvm::StringRef::npos) return fail("'{' without '}'");
    llvm::StringRef name = rest.slice(1, close);
    Part part = name == "module" ? Part::Module
                : name == "ref"  ? Part::Ref
                : name == "path" ? Part::Path
                : name == "line" ? Part::Line
                                 : Part::Text;
    if (part == Part::Text) return fail("unknown placeholder {" + name + "}");
    has_path |= part == Part::Path;
    t.parts_.emplace_back(part, "");
    rest = rest.drop_front(close + 1);
  }
  if (!has_path) return fail("no {path}");
  return t;
}

SourceLinks::Pieces SourceUrlTemplate::expand(llvm::StringRef module, llvm::StringRef ref,
                                              llvm::StringRef path_in_repo) const {
  SourceLinks::Pieces pieces{""};
  for (const auto &[part, text] : parts_) {
    switch (part) {
      case Part::Text: pieces.back() += text; break;
      case Part::Module: pieces.back() += module.str(); break;
      case Part::Ref: pieces.back() += escape_url_path(ref); break;
      case Part::Path: pieces.back() += escape_url_path(path_in_repo); break;
      case Part::Line: pieces.emplace_back(); break;
    }
  }
  return pieces;
}

}  // namespace crashctl
