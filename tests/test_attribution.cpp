// Attribution of the culprit (formats/attribution.md): module and version
// from paths, CODEOWNERS with GitHub's semantics, --owners files, and the
// owner walk from the culprit down the stack.
#include "analysis/attribution.h"
#include "analysis/glob.h"
#include "gosyntax/parse.h"
#include "pipeline/analyze.h"
#include "render/render.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "cli_runner.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

using namespace crashctl;

namespace {

const std::string kSrc = CRASHCTL_SOURCE_DIR;

Frame frame(const std::string &function, const std::string &file) {
  Frame f;
  f.function = function;
  f.file = file;
  f.line = 10;
  f.package = package_of(function);
  return f;
}

// A panic in goroutine 1 with these frames (function, "file:line"), innermost first.
std::string crash_text(const std::vector<std::pair<std::string, std::string>> &frames) {
  std::string s = "panic: boom\n\ngoroutine 1 [running]:\n";
  for (const auto &[fn, loc] : frames) s += fn + "()\n\t" + loc + " +0x1d\n";
  return s + "exit status 2\n";
}

// A fresh directory, removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    llvm::SmallString<128> p;
    REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("crashctl-attribution", p));
    path = p.str().str();
  }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }
  std::string write(const std::string &rel, const std::string &text) const {
    std::string full = path + "/" + rel;
    llvm::sys::fs::create_directories(llvm::sys::path::parent_path(full));
    std::ofstream(full, std::ios::binary) << text;
    return full;
  }
};

std::shared_ptr<const Attribution> load(const AnalysisOptions &opts) {
  auto attr = Attribution::load(opts);
  if (!attr) FAIL(llvm::toString(attr.takeError()));
  return std::shared_ptr<const Attribution>(std::move(*attr));
}

const Culprit &culprit_of(const Input &in) {
  REQUIRE_FALSE(in.reports.empty());
  REQUIRE(in.reports.front().verdict.culprit);
  return *in.reports.front().verdict.culprit;
}

Input analyze_text(const std::string &text, const AnalysisOptions &opts) {
  return analyze_bytes(text, "crash.txt", opts, *load(opts));
}

Input analyze_fixture(const std::string &name, const AnalysisOptions &opts) {
  return analyze_input(kSrc + "/testdata/fixtures/" + name + ".txt.zst", opts, *load(opts));
}

bool matches(const std::string &pattern, const std::string &path) {
  std::string why;
  auto p = CodeOwnersPattern::compile(pattern, &why);
  INFO("pattern " << pattern << " path " << path << " " << why);
  REQUIRE(p);
  return p->matches(path);
}

std::string unsupported(const std::string &pattern) {
  std::string why;
  auto p = CodeOwnersPattern::compile(pattern, &why);
  return p ? "" : why;
}

}  // namespace

// --- modules -----------------------------------------------------------------------

TEST_CASE("module cache paths give module and version", "[attribution][modules]") {
  auto mv = module_from_cache_path("/root/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go");
  REQUIRE(mv);
  CHECK(mv->module == "github.com/BurntSushi/toml");
  CHECK(mv->version == "v1.3.2");

  mv = module_from_cache_path("/go/pkg/mod/github.com/docker/docker@v20.10.7+incompatible/client/request.go");
  REQUIRE(mv);
  CHECK(mv->module == "github.com/docker/docker");
  CHECK(mv->version == "v20.10.7+incompatible");

  // A pseudo-version, from ../shared/corpus/real-world/046.
  mv = module_from_cache_path(
      "/home/fabel/go/pkg/mod/github.com/rus-alex/lachesis-base@v0.0.0-20201214165924-"
      "72afa56d8136/gossip/dagordering/event_buffer.go");
  REQUIRE(mv);
  CHECK(mv->module == "github.com/rus-alex/lachesis-base");
  CHECK(mv->version == "v0.0.0-20201214165924-72afa56d8136");

  // Versions are case-encoded too.
  mv = module_from_cache_path("/go/pkg/mod/github.com/!azure/go-autorest@v1.0.0-!r!c1/x/y.go");
  REQUIRE(mv);
  CHECK(mv->module == "github.com/Azure/go-autorest");
  CHECK(mv->version == "v1.0.0-RC1");

  // -trimpath: no module cache prefix and no case-encoding.
  mv = module_from_cache_path("github.com/BurntSushi/toml@v1.3.2/internal/tz.go");
  REQUIRE(mv);
  CHECK(mv->module == "github.com/BurntSushi/toml");
  CHECK(mv->version == "v1.3.2");

  mv = module_from_cache_path("C:/Users/drelf/go/pkg/mod/github.com/go-python/cpy3@v0.2.0/unicode.go");
  REQUIRE(mv);
  CHECK(mv->module == "github.com/go-python/cpy3");
  CHECK(mv->version == "v0.2.0");

  // A toolchain downloaded by GOTOOLCHAIN is the standard library.
  mv = module_from_cache_path("/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.22.12.linux-amd64/src/sync/mutex.go");
  REQUIRE(mv);
  CHECK(mv->module == "std");
  CHECK(mv->version == "go1.22.12");

  CHECK_FALSE(module_from_cache_path("/src/app/main.go"));
  CHECK_FALSE(module_from_cache_path("runtime/proc.go"));
  CHECK_FALSE(module_from_cache_path("github.com/acme/app/internal/db/db.go"));
  CHECK_FALSE(module_from_cache_path("/home/me@corp/app/main.go"));
  CHECK_FALSE(module_from_cache_path("<autogenerated>"));

  CHECK(unescape_module_path("github.com/!burnt!sushi/toml") == "github.com/BurntSushi/toml");
  CHECK_FALSE(unescape_module_path("github.com/BurntSushi"));  // not a valid encoding
  CHECK_FALSE(unescape_module_path("github.com/x!"));
  CHECK_FALSE(unescape_module_path("github.com/!1"));
}

TEST_CASE("module roots and main-module inference", "[attribution][modules]") {
  CHECK(guess_module_root("github.com/acme/app/internal/db") == "github.com/acme/app");
  CHECK(guess_module_root("github.com/acme/app/v2/api") == "github.com/acme/app/v2");
  CHECK(guess_module_root("golang.org/x/sync/errgroup") == "golang.org/x/sync");
  CHECK(guess_module_root("gopkg.in/yaml.v3") == "gopkg.in/yaml.v3");
  CHECK(guess_module_root("gopkg.in/src-d/go-git.v4/plumbing") == "gopkg.in/src-d/go-git.v4");
  CHECK(guess_module_root("agones.dev/agones/pkg/sdkserver") == "agones.dev/agones");
  CHECK(guess_module_root("go.example.com/svc/cmd/server") == "go.example.com/svc");

  InAppRules rules{AnalysisOptions{}};
  Stack s;
  s.frames = {frame("runtime.panicmem", "/usr/local/go/src/runtime/panic.go"),
              frame("github.com/acme/app/internal/db.(*DB).Query", "/build/app/internal/db/db.go"),
              frame("github.com/lib/pq.(*conn).query", "/go/pkg/mod/github.com/lib/pq@v1.10.9/conn.go"),
              frame("github.com/acme/app/api.(*Server).handle", "/build/app/api/server.go"),
              frame("net/http.HandlerFunc.ServeHTTP", "/usr/local/go/src/net/http/server.go"),
              frame("main.main", "/build/app/main.go")};
  CHECK(infer_main_module(s, rules) == "github.com/acme/app");

  // One package: cut at "internal" and at the host's three elements.
  s.frames = {frame("github.com/acme/app/internal/db.(*DB).Query", "/build/app/internal/db/db.go"),
              frame("main.main", "/build/app/main.go")};
  CHECK(infer_main_module(s, rules) == "github.com/acme/app");

  // Packages of two repositories share only "github.com/acme": no module.
  s.frames = {frame("github.com/acme/app/x.F", "/build/app/x/x.go"),
              frame("github.com/acme/lib/y.G", "/build/lib/y/y.go")};
  CHECK(infer_main_module(s, rules).empty());

  // Only main and the standard library: nothing to infer from.
  s.frames = {frame("main.handle", "/build/app/main.go"),
              frame("net/http.HandlerFunc.ServeHTTP", "/usr/local/go/src/net/http/server.go")};
  CHECK(infer_main_module(s, rules).empty());

  // --not-in-app frames do not count.
  AnalysisOptions opts;
  opts.not_in_app = {"github.com/acme/app/gen"};
  s.frames = {frame("github.com/acme/app/gen.F", "/build/app/gen/x.go"),
              frame("example.com/tool/run.G", "/build/tool/run/y.go")};
  CHECK(infer_main_module(s, InAppRules(opts)) == "example.com/tool/run");
}

TEST_CASE("module and version of frames", "[attribution][modules]") {
  Attribution attr;
  const std::string main = "github.com/acme/app";
  auto mv = attr.module_of(frame("github.com/acme/app/internal/db.(*DB).Query", "/build/app/internal/db/db.go"), main,
                           "go1.22.12", std::nullopt);
  CHECK(mv.module == main);
  CHECK(mv.version.empty());
  // The hook for build info (core and heap dumps).
  mv = attr.module_of(frame("main.main", "/build/app/main.go"), main, "go1.22.12", std::string("v1.4.0"));
  CHECK(mv.module == main);
  CHECK(mv.version == "v1.4.0");
  mv = attr.module_of(frame("encoding/json.(*decodeState).object", "/usr/local/go/src/encoding/json/decode.go"), main,
                      "go1.22.12", std::nullopt);
  CHECK(mv.module == "std");
  CHECK(mv.version == "go1.22.12");
  mv = attr.module_of(frame("runtime.gopark", "runtime/proc.go"), main, "", std::nullopt);  // -trimpath
  CHECK(mv.module == "std");
  CHECK(mv.version.empty());
  mv = attr.module_of(frame("github.com/BurntSushi/toml.(*decoder).unify",
                            "/root/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go"),
                      main, "go1.22.12", std::nullopt);
  CHECK(mv.module == "github.com/BurntSushi/toml");
  CHECK(mv.version == "v1.3.2");
  // Vendored without vendor/modules.txt: a guess, no version.
  mv = attr.module_of(frame("github.com/lib/pq/oid.F", "/build/app/vendor/github.com/lib/pq/oid/types.go"), main,
                      "go1.22.12", std::nullopt);
  CHECK(mv.module == "github.com/lib/pq");
  CHECK(mv.version.empty());
  // Another module's code outside the module cache: unknown.
  mv = attr.module_of(frame("github.com/other/lib.F", "/build/lib/lib.go"), main, "go1.22.12", std::nullopt);
  CHECK(mv.module.empty());
  // main belongs to the main module, when that is known.
  CHECK(attr.module_of(frame("main.main", "/build/app/main.go"), "", "", std::nullopt).module.empty());
}

TEST_CASE("build info gives the culprit's module and version (cores)", "[attribution][modules]") {
  Report r;
  BuildInfo bi;
  bi.path = "github.com/acme/app/cmd/app";
  bi.main = {"github.com/acme/app", "v1.4.0", "", ""};
  bi.deps = {{"github.com/lib/pq", "v1.10.9", "h1:x", ""},
             {"github.com/acme/app/tools", "v0.2.0", "", ""},
             {"github.com/old/log", "v1.0.0", "", "github.com/new/log v1.1.0"},
             {"github.com/local/util", "v0.0.0", "", "../util"}};
  r.process.build_info = bi;
  auto attributed = [&](const Frame &f) {
    Culprit c;
    c.frame = f;
    r.verdict.culprit = c;
    Attribution().attribute(r);
    return std::make_pair(r.verdict.culprit->module, r.verdict.culprit->version);
  };
  using MV = std::pair<std::string, std::string>;
  // Package main and the main module: the build's main module and version.
  CHECK(attributed(frame("main.main", "/build/app/main.go")) == MV{"github.com/acme/app", "v1.4.0"});
  CHECK(attributed(frame("github.com/acme/app/internal/db.Query", "/build/app/internal/db/db.go")) ==
        MV{"github.com/acme/app", "v1.4.0"});
  // Dependencies whose files name no version (-trimpath with vendoring): the build's.
  CHECK(attributed(frame("github.com/lib/pq.(*conn).recv", "github.com/lib/pq/conn.go")) ==
        MV{"github.com/lib/pq", "v1.10.9"});
  CHECK(attributed(frame("github.com/acme/app/tools.Run", "github.com/acme/app/tools/run.go")) ==
        MV{"github.com/acme/app/tools", "v0.2.0"});
  CHECK(attributed(frame("github.com/old/log.Print", "github.com/new/log/log.go")) ==
        MV{"github.com/old/log", "v1.1.0"});
  CHECK(attributed(frame("github.com/local/util.F", "/build/util/f.go")) == MV{"github.com/local/util", ""});
  // A main module built from a checkout without a version.
  r.process.build_info->main.version = "(devel)";
  CHECK(attributed(frame("main.main", "/build/app/main.go")) == MV{"github.com/acme/app", ""});
  // --module names another main module: the build's version is not its.
  AnalysisOptions opts;
  opts.module = "github.com/acme/app/internal";
  r.process.build_info->main.version = "v1.4.0";
  Culprit c;
  c.frame = frame("github.com/acme/app/internal/db.Query", "/build/app/internal/db/db.go");
  r.verdict.culprit = c;
  Attribution(opts, std::nullopt, std::nullopt, [](llvm::StringRef) { return false; }).attribute(r);
  CHECK(r.verdict.culprit->module == "github.com/acme/app/internal");
  CHECK(r.verdict.culprit->version.empty());
}

TEST_CASE("vendor/modules.txt gives vendored modules and versions", "[attribution][modules]") {
  VendorModules vm = VendorModules::parse(
      "# github.com/lib/pq v1.10.9\n"
      "## explicit; go 1.13\n"
      "github.com/lib/pq\n"
      "github.com/lib/pq/oid\n"
      "# go.uber.org/zap v1.27.0\n"
      "## explicit\n"
      "go.uber.org/zap/zapcore\n"
      "# example.com/old v1.0.0 => example.com/fork v1.0.1-fix\n"
      "example.com/old/x\n"
      "# example.com/local => ../local\n"
      "example.com/local\n");
  auto mv = vm.lookup("github.com/lib/pq/oid");
  REQUIRE(mv);
  CHECK(mv->module == "github.com/lib/pq");
  CHECK(mv->version == "v1.10.9");
  mv = vm.lookup("go.uber.org/zap/zapcore");
  REQUIRE(mv);
  CHECK(mv->module == "go.uber.org/zap");
  mv = vm.lookup("go.uber.org/zap/buffer");  // not listed: the module by prefix
  REQUIRE(mv);
  CHECK(mv->module == "go.uber.org/zap");
  CHECK(vm.lookup("example.com/old/x")->version == "v1.0.1-fix");
  CHECK(vm.lookup("example.com/local")->version.empty());
  CHECK_FALSE(vm.lookup("go.uber.org/zapx"));

  TempDir root;
  root.write("vendor/modules.txt", "# github.com/lib/pq v1.10.9\ngithub.com/lib/pq\n");
  AnalysisOptions opts;
  opts.source_root = root.path;
  Input in =
      analyze_text(crash_text({{"github.com/lib/pq.(*conn).recv", "/build/app/vendor/github.com/lib/pq/conn.go:12"},
                               {"runtime.main", "/usr/local/go/src/runtime/proc.go:271"}}),
                   opts);
  const Culprit &c = culprit_of(in);
  CHECK(c.frame.function == "github.com/lib/pq.(*conn).recv");
  CHECK(c.module == "github.com/lib/pq");
  CHECK(c.version == "v1.10.9");
}

TEST_CASE("culprit module end to end", "[attribution][modules]") {
  SECTION("a dependency in the module cache") {
    Input in = analyze_text(
        crash_text({{"github.com/BurntSushi/toml.(*decoder).unify",
                     "/root/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go:420"},
                    {"runtime.main",
                     "/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.22.12.linux-amd64/src/runtime/proc.go:271"}}),
        AnalysisOptions{});
    const Culprit &c = culprit_of(in);
    CHECK(c.module == "github.com/BurntSushi/toml");
    CHECK(c.version == "v1.3.2");
  }
  SECTION("the main module, inferred") {
    Input in =
        analyze_text(crash_text({{"github.com/acme/app/internal/db.(*DB).Query", "/build/app/internal/db/db.go:42"},
                                 {"github.com/acme/app/api.(*Server).handle", "/build/app/api/server.go:17"},
                                 {"main.main", "/build/app/main.go:9"}}),
                     AnalysisOptions{});
    const Culprit &c = culprit_of(in);
    CHECK(c.module == "github.com/acme/app");
    CHECK(c.version.empty());
  }
  SECTION("main belongs to the inferred main module") {
    Input in = analyze_text(crash_text({{"main.(*Cache).lookup", "/build/app/main.go:42"},
                                        {"github.com/acme/app/api.(*Server).handle", "/build/app/api/server.go:17"},
                                        {"main.main", "/build/app/main.go:9"}}),
                            AnalysisOptions{});
    const Culprit &c = culprit_of(in);
    CHECK(c.frame.function == "main.(*Cache).lookup");
    CHECK(c.module == "github.com/acme/app");
  }
  SECTION("--module wins over inference") {
    AnalysisOptions opts;
    opts.module = "github.com/acme/app/v2";
    Input in =
        analyze_text(crash_text({{"main.run", "/build/app/main.go:42"}, {"main.main", "/build/app/main.go:9"}}), opts);
    CHECK(culprit_of(in).module == "github.com/acme/app/v2");
  }
  SECTION("go.mod at the source root names the main module") {
    // The scenarios' own go.mod: "module crashctl.test/scenarios".
    AnalysisOptions opts;
    opts.source_root = kSrc + "/testdata/scenarios";
    Input in = analyze_fixture("go1.23.12/race", opts);
    const Culprit &c = culprit_of(in);
    CHECK(c.frame.function == "main.(*Counter).inc");
    CHECK(c.module == "crashctl.test/scenarios");
    CHECK(c.version.empty());
    CHECK(c.owner.empty());
  }
  SECTION("a real fixture without any hint: main's module is unknown") {
    Input in = analyze_fixture("go1.26.8/generics-closures", AnalysisOptions{});
    const Culprit &c = culprit_of(in);
    CHECK(c.frame.function == "main.(*Store2[...]).Get");
    CHECK(c.module.empty());
  }
}

// --- CODEOWNERS ----------------------------------------------------------------------

TEST_CASE("CODEOWNERS patterns follow GitHub", "[attribution][codeowners]") {
  // '*' alone: every file.
  CHECK(matches("*", "main.go"));
  CHECK(matches("*", "internal/db/db.go"));
  // No slash: any depth.
  CHECK(matches("*.go", "internal/db/db.go"));
  CHECK_FALSE(matches("*.js", "internal/db/db.go"));
  CHECK(matches("db.go", "internal/db/db.go"));
  CHECK(matches("db", "internal/db/db.go"));  // a directory name at any depth
  // Leading '/': anchored to the root.
  CHECK(matches("/docs/", "docs/a.md"));
  CHECK(matches("/docs/", "docs/build/b.md"));
  CHECK_FALSE(matches("/docs/", "src/docs/a.md"));
  CHECK(matches("/main.go", "main.go"));
  CHECK_FALSE(matches("/main.go", "cmd/main.go"));
  // Trailing '/' only: a directory at any depth, everything under it.
  CHECK(matches("apps/", "apps/a.go"));
  CHECK(matches("apps/", "src/apps/deep/a.go"));
  CHECK_FALSE(matches("apps/", "apps"));  // a file named apps is no directory
  // A slash in the middle anchors too.
  CHECK(matches("internal/db", "internal/db/db.go"));
  CHECK_FALSE(matches("internal/db", "x/internal/db/db.go"));
  // A directory pattern without the trailing slash matches everything under it.
  CHECK(matches("/apps/github", "apps/github"));
  CHECK(matches("/apps/github", "apps/github/deep/x.go"));
  CHECK_FALSE(matches("/apps/github", "apps/githubx/x.go"));
  // '*' does not cross '/', '**' does.
  CHECK(matches("docs/*", "docs/getting-started.md"));
  CHECK_FALSE(matches("docs/*", "docs/build-app/troubleshooting.md"));
  CHECK(matches("docs/**", "docs/build-app/troubleshooting.md"));
  CHECK(matches("/internal/*/db.go", "internal/store/db.go"));
  CHECK_FALSE(matches("/internal/*/db.go", "internal/a/b/db.go"));
  CHECK(matches("/internal/**/db.go", "internal/a/b/db.go"));
  CHECK(matches("/internal/**/db.go", "internal/db.go"));
  CHECK(matches("**/logs", "logs/a.txt"));
  CHECK(matches("**/logs", "deeply/nested/logs/x.go"));
  CHECK_FALSE(matches("**/logs", "deeply/nested/logsx/x.go"));
  CHECK(matches("/a/**", "a/b/c"));
  CHECK_FALSE(matches("/a/**", "b/a/c"));
  // '?' is one character other than '/'; '\' escapes.
  CHECK(matches("file?.go", "x/file1.go"));
  CHECK_FALSE(matches("file?.go", "x/file10.go"));
  CHECK(matches("my\\ file.go", "docs/my file.go"));
  CHECK(matches("*_test.go", "internal/db/db_test.go"));
  CHECK_FALSE(matches("*_test.go", "internal/db/db.go"));
  CHECK(matches("/x.go", "./x.go"));  // paths may start with "./"

  // What GitHub does not support never matches.
  CHECK_THAT(unsupported("!internal/"), Catch::Contains("negation"));
  CHECK_THAT(unsupported("*.[ch]"), Catch::Contains("character ranges"));
  CHECK_THAT(unsupported("/a/***/b"), Catch::Contains("***"));
  CHECK_THAT(unsupported("\\#notes"), Catch::Contains("'#'"));
  CHECK(unsupported("*.\\[ch\\]").empty());  // escaped brackets are literal
  CHECK(matches("*.\\[ch\\]", "x.[ch]"));
}

TEST_CASE("one glob dialect: CODEOWNERS segments, owners files, in-app patterns", "[attribution][codeowners]") {
  // Within a CODEOWNERS segment '*' stays inside it; braces are literal.
  CHECK(matches("/cmd/a*b/", "cmd/axxb/main.go"));
  CHECK_FALSE(matches("/cmd/a*b/", "cmd/a/b/main.go"));
  CHECK(matches("{a,b}.go", "x/{a,b}.go"));
  CHECK_FALSE(matches("{a,b}.go", "x/a.go"));
  CHECK(matches("\\*.go", "x/*.go"));
  CHECK_FALSE(matches("\\*.go", "x/a.go"));
  CHECK(matches("?", "x/a"));
  CHECK_FALSE(matches("?", "ab"));
  // Function-name patterns: '*' crosses '/', classes work, '\' escapes.
  CHECK(glob_match("github.com/acme/*", "github.com/acme/app/internal.F"));
  CHECK(glob_match("main.[!x]*", "main.f"));
  CHECK_FALSE(glob_match("main.[!f]*", "main.f"));
  CHECK(glob_match("main.\\*", "main.*"));
  CHECK_FALSE(glob_match("main.\\*", "main.f"));
  CHECK(glob_match("main.[", "main.["));  // no valid glob: only itself
  CHECK_FALSE(glob_match("main.[", "main.f"));
}

TEST_CASE("CODEOWNERS files: last match wins, no-owner lines, comments, warnings", "[attribution][codeowners]") {
  std::vector<std::string> warnings;
  CodeOwners co = CodeOwners::parse(
      "# Owners of the acme app\n"             // 1
      "\n"                                     // 2
      "*            @acme/everyone\n"          // 3
      "/internal/   @acme/core  # comment\n"   // 4
      "/internal/db/ @acme/db dba@acme.com\n"  // 5
      "/internal/db/generated/\n"              // 6: un-assigns
      "!/internal/db/x.go @nobody\n"           // 7: unsupported
      "*.[ch]       @acme/c\n"                 // 8: unsupported
      "/api/        acme-team\n"               // 9: not an owner
      "*.md\t@acme/docs\r\n",                  // 10: CRLF, tab
      "CODEOWNERS", &warnings);
  CHECK(co.size() == 5);
  auto owners_of = [&](const std::string &path) -> std::string {
    const CodeOwners::Rule *r = co.match(path);
    if (!r) return "<none>";
    std::string s = std::to_string(r->line) + ":";
    for (const auto &o : r->owners) s += " " + o;
    return s;
  };
  CHECK(owners_of("main.go") == "3: @acme/everyone");
  CHECK(owners_of("internal/cache/cache.go") == "4: @acme/core");
  CHECK(owners_of("internal/db/db.go") == "5: @acme/db dba@acme.com");  // the last matching line
  CHECK(owners_of("internal/db/x.go") == "5: @acme/db dba@acme.com");   // '!' did not apply
  CHECK(owners_of("internal/db/generated/models.go") == "6:");          // matched, no owners
  CHECK(owners_of("api/server.go") == "3: @acme/everyone");             // line 9 skipped
  CHECK(owners_of("internal/README.md") == "10: @acme/docs");
  CHECK(owners_of("x.c") == "3: @acme/everyone");

  REQUIRE(warnings.size() == 3);
  CHECK_THAT(warnings[0], Catch::StartsWith("CODEOWNERS:7: ") && Catch::Contains("negation"));
  CHECK_THAT(warnings[1], Catch::StartsWith("CODEOWNERS:8: ") && Catch::Contains("character ranges"));
  CHECK_THAT(warnings[2], Catch::StartsWith("CODEOWNERS:9: ") && Catch::Contains("'acme-team'"));

  CodeOwners empty = CodeOwners::parse("", "CODEOWNERS");
  CHECK(empty.match("main.go") == nullptr);

  auto missing = CodeOwners::load("/nonexistent/CODEOWNERS");
  REQUIRE_FALSE(bool(missing));
  CHECK_THAT(llvm::toString(missing.takeError()), Catch::Contains("/nonexistent/CODEOWNERS"));
}

// --- --owners ----------------------------------------------------------------------

TEST_CASE("owners files: patterns, longest match, ignore, default, errors", "[attribution][owners]") {
  auto of = OwnersFile::parse(
      "# triage owners\n"                                           // 1
      "; ini-style comment\n"                                       // 2
      "github.com/acme/app/internal/db = @acme/db\n"                // 3
      "github.com/acme/app/internal/db/migrate=@acme/migrations\n"  // 4
      "main.(*Cache).*=@acme/cache\n"                               // 5
      "github.com/acme/app/internal/log*=ignore\n"                  // 6
      "main.main=@acme/entry\n"                                     // 7
      "default=@acme/triage\n",                                     // 8
      "owners.ini");
  REQUIRE(bool(of));
  auto owner_of = [&](const Frame &f) -> std::string {
    const OwnersFile::Rule *r = of->match(f);
    return r ? std::to_string(r->line) + ":" + r->owner : "<none>";
  };
  CHECK(owner_of(frame("github.com/acme/app/internal/db.(*DB).Query", "")) == "3:@acme/db");
  CHECK(owner_of(frame("github.com/acme/app/internal/db/pg.Open", "")) == "3:@acme/db");             // subpackage
  CHECK(owner_of(frame("github.com/acme/app/internal/db/migrate.Up", "")) == "4:@acme/migrations");  // longest
  CHECK(owner_of(frame("github.com/acme/app/internal/dbx.F", "")) == "<none>");                      // not a subpackage
  CHECK(owner_of(frame("main.(*Cache).lookup", "")) == "5:@acme/cache");
  CHECK(owner_of(frame("main.(*Cache2).lookup", "")) == "<none>");
  CHECK(owner_of(frame("github.com/acme/app/internal/logging.Fatal", "")) == "6:ignore");
  CHECK(of->match(frame("github.com/acme/app/internal/logging.Fatal", ""))->ignore);
  CHECK(owner_of(frame("main.main", "")) == "7:@acme/entry");
  CHECK(owner_of(frame("main.main.func1", "")) == "<none>");
  REQUIRE(of->default_rule());
  CHECK(of->default_rule()->owner == "@acme/triage");
  CHECK(of->default_rule()->line == 8);

  // A tie in length: the later line wins.
  auto tie = OwnersFile::parse("main=@a\nmain=@b\n", "o");
  REQUIRE(bool(tie));
  CHECK(tie->match(frame("main.main", ""))->owner == "@b");

  auto error_of = [](const std::string &text) {
    auto r = OwnersFile::parse(text, "owners.ini");
    return r ? std::string("<ok>") : llvm::toString(r.takeError());
  };
  CHECK_THAT(error_of("main=@a\njust words\n"),
             Catch::StartsWith("owners.ini:2: ") && Catch::Contains("PATTERN=OWNER"));
  CHECK_THAT(error_of("=@a\n"), Catch::StartsWith("owners.ini:1: "));
  CHECK_THAT(error_of("# c\nmain=\n"), Catch::StartsWith("owners.ini:2: ") && Catch::Contains("ignore"));
  CHECK_THAT(error_of("default=ignore\n"), Catch::StartsWith("owners.ini:1: "));
  CHECK(error_of("\n  # only comments\n\n") == "<ok>");

  auto missing = OwnersFile::load("/nonexistent/owners.ini");
  REQUIRE_FALSE(bool(missing));
  CHECK_THAT(llvm::toString(missing.takeError()), Catch::Contains("/nonexistent/owners.ini"));
}

// --- the owner walk ------------------------------------------------------------------

TEST_CASE("owner of a real fixture from a CODEOWNERS under --source-root", "[attribution][owner]") {
  // The fixtures were built in /work/main/testdata/scenarios; the temporary
  // checkout mirrors their repo-relative paths.
  TempDir root;
  root.write("testdata/scenarios/race/main.go", "package main\n");
  root.write("testdata/scenarios/runtime_errors.go", "package main\n");
  root.write("testdata/scenarios/main.go", "package main\n");
  root.write(".github/CODEOWNERS",
             "*                          @acme/everyone\n"      // 1
             "/testdata/scenarios/        @acme/scenarios\n"    // 2
             "/testdata/scenarios/race/   @acme/race @alice\n"  // 3
             "runtime_errors.go\n"                              // 4: un-assigned
             "/testdata/scenarios/main.go @acme/entry\n");      // 5
  AnalysisOptions opts;
  opts.source_root = root.path;

  SECTION("the culprit's own file") {
    Input in = analyze_fixture("go1.23.12/race", opts);
    const Culprit &c = culprit_of(in);
    CHECK(c.frame.file == "/work/main/testdata/scenarios/race/main.go");
    CHECK(c.owner == "@acme/race @alice");
    CHECK(c.owner_source == "CODEOWNERS:3");
  }
  SECTION("walking past unowned frames") {
    // main.(*Cache).lookup and main.handleRequest are in runtime_errors.go
    // (un-assigned); main.main in main.go is the first owned frame.
    Input in = analyze_fixture("go1.22.12/nil-deref", opts);
    const Culprit &c = culprit_of(in);
    CHECK(c.frame.function == "main.(*Cache).lookup");
    CHECK(c.owner == "@acme/entry");
    CHECK(c.owner_source == "CODEOWNERS:5");
  }
  SECTION("--owners overrides CODEOWNERS; =ignore walks on") {
    std::string owners = root.write("owners.ini",
                                    "main.(*Counter).*=ignore\n"
                                    "main.countRequests=@acme/counting\n");
    opts.owners = owners;
    Input in = analyze_fixture("go1.23.12/race", opts);
    const Culprit &c = culprit_of(in);
    CHECK(c.frame.function == "main.(*Counter).inc");
    CHECK(c.owner == "@acme/counting");
    CHECK(c.owner_source == "owners:2");
  }
  SECTION("an explicit --codeowners replaces the one found") {
    opts.codeowners = root.write("other/CODEOWNERS", "# x\n*.go @acme/go\n");
    Input in = analyze_fixture("go1.23.12/race", opts);
    CHECK(culprit_of(in).owner == "@acme/go");
    CHECK(culprit_of(in).owner_source == "CODEOWNERS:2");
  }
  SECTION("text and JSON show it") {
    Input in = analyze_fixture("go1.23.12/race", opts);
    std::string text, json;
    llvm::raw_string_ostream t(text), j(json);
    render_text(t, {in}, RenderOptions{});
    render_json(j, {in}, RenderOptions{});
    t.flush();
    j.flush();
    CHECK_THAT(text, Catch::Contains("culprit: main.(*Counter).inc  /work/main/testdata/scenarios/race/main.go:12"
                                     "  owner @acme/race @alice (CODEOWNERS:3)\n"));
    auto doc = llvm::json::parse(json);
    REQUIRE(bool(doc));
    const llvm::json::Object *c = doc->getAsObject()
                                      ->getArray("inputs")
                                      ->front()
                                      .getAsObject()
                                      ->getArray("reports")
                                      ->front()
                                      .getAsObject()
                                      ->getObject("verdict")
                                      ->getObject("culprit");
    REQUIRE(c);
    CHECK(c->getString("owner") == llvm::StringRef("@acme/race @alice"));
    CHECK(c->getString("owner_source") == llvm::StringRef("CODEOWNERS:3"));
    CHECK(c->get("module")->kind() == llvm::json::Value::Null);  // main, no module known
    CHECK(c->get("version")->kind() == llvm::json::Value::Null);
  }
}

TEST_CASE("the owner walk on synthetic stacks", "[attribution][owner]") {
  const std::string text =
      crash_text({{"github.com/acme/app/internal/db.(*DB).Query", "/go/src/github.com/acme/app/internal/db/db.go:42"},
                  {"github.com/acme/app/internal/log.Wrap", "/go/src/github.com/acme/app/internal/log/log.go:7"},
                  {"github.com/acme/app/api.(*Server).handle", "/go/src/github.com/acme/app/api/server.go:17"},
                  {"net/http.HandlerFunc.ServeHTTP", "/usr/local/go/src/net/http/server.go:2166"},
                  {"main.main", "/go/src/github.com/acme/app/main.go:9"}});
  TempDir dir;
  AnalysisOptions opts;
  opts.codeowners = dir.write("CODEOWNERS",
                              "/internal/db/ \n"          // 1: un-assigned
                              "/api/ @acme/api\n"         // 2
                              "/main.go @acme/entry\n");  // 3

  SECTION("without a source root, paths are made relative at the main module") {
    Input in = analyze_text(text, opts);
    const Culprit &c = culprit_of(in);
    CHECK(c.frame.function == "github.com/acme/app/internal/db.(*DB).Query");
    CHECK(c.module == "github.com/acme/app");
    CHECK(c.owner == "@acme/api");  // db.go and log.go are unowned
    CHECK(c.owner_source == "CODEOWNERS:2");
  }
  SECTION("ignore and default") {
    opts.owners = dir.write("owners",
                            "github.com/acme/app/api=ignore\n"
                            "net/http=ignore\n"
                            "default=@acme/oncall\n");
    Input in = analyze_text(text, opts);
    CHECK(culprit_of(in).owner == "@acme/entry");  // api and net/http skipped
    CHECK(culprit_of(in).owner_source == "CODEOWNERS:3");

    opts.codeowners = dir.write("CODEOWNERS2", "/internal/db/\n");
    Input none = analyze_text(text, opts);
    CHECK(culprit_of(none).owner == "@acme/oncall");
    CHECK(culprit_of(none).owner_source == "owners:3");
  }
  SECTION("nothing owned, no default: no owner") {
    opts.codeowners = dir.write("CODEOWNERS3", "/elsewhere/ @acme/x\n");
    Input in = analyze_text(text, opts);
    CHECK(culprit_of(in).owner.empty());
    CHECK(culprit_of(in).owner_source.empty());
  }
  SECTION("a build path that differs from the checkout: the longest existing suffix") {
    TempDir root;
    root.write("internal/db/db.go", "package db\n");
    root.write("api/server.go", "package api\n");
    root.write("CODEOWNERS", "/internal/db/ @acme/db\n");
    AnalysisOptions o;
    o.source_root = root.path;
    Input in =
        analyze_text(crash_text({{"github.com/acme/app/internal/db.(*DB).Query", "/home/ci/build/internal/db/db.go:42"},
                                 {"main.main", "/home/ci/build/main.go:9"}}),
                     o);
    CHECK(culprit_of(in).owner == "@acme/db");
    CHECK(culprit_of(in).owner_source == "CODEOWNERS:1");
  }
  SECTION("module cache and standard library files are never in the repository") {
    TempDir root;
    root.write("decode.go", "package x\n");  // a tempting suffix
    root.write("CODEOWNERS", "* @acme/all\n");
    AnalysisOptions o;
    o.source_root = root.path;
    Attribution::ExistsFn exists = [](llvm::StringRef) { return true; };
    Attribution attr(o, CodeOwners::parse("* @acme/all\n", "CODEOWNERS"), std::nullopt, exists);
    CHECK_FALSE(attr.repo_path(
        frame("github.com/BurntSushi/toml.F", "/root/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go"), ""));
    CHECK_FALSE(attr.repo_path(frame("net/http.F", "/usr/local/go/src/net/http/server.go"), ""));
    CHECK(attr.repo_path(frame("main.main", root.path + "/cmd/main.go"), "") == std::string("cmd/main.go"));
  }
}

TEST_CASE("attribution files are loaded once and errors are clear", "[attribution]") {
  TempDir dir;
  AnalysisOptions opts;
  opts.owners = dir.write("owners.ini", "main=@a\nbroken line\n");
  auto bad = load_attribution(opts);
  REQUIRE_FALSE(bool(bad));
  CHECK_THAT(llvm::toString(bad.takeError()), Catch::Contains("owners.ini:2: "));
  // An input analyzed with those options fails with the same message.
  Input in = analyze_input(kSrc + "/testdata/fixtures/go1.23.12/race.txt.zst", opts);
  CHECK(in.failed);
  REQUIRE_FALSE(in.diagnostics.empty());
  CHECK_THAT(in.diagnostics.front().message, Catch::Contains("owners.ini:2: "));

  AnalysisOptions good;
  good.codeowners = dir.write("CODEOWNERS", "* @acme/all\n!x @y\n");
  auto a = load_attribution(good);
  auto b = load_attribution(good);
  REQUIRE(bool(a));
  REQUIRE(bool(b));
  CHECK(a->get() == b->get());  // cached: read once per run
  REQUIRE((*a)->warnings().size() == 1);
  CHECK_THAT((*a)->warnings()[0], Catch::Contains("CODEOWNERS:2: "));

  AnalysisOptions no_root;
  no_root.source_root = dir.path + "/missing";
  auto missing = load_attribution(no_root);
  REQUIRE_FALSE(bool(missing));
  CHECK_THAT(llvm::toString(missing.takeError()), Catch::Contains("missing"));
}

TEST_CASE("crashctl analyze: attribution options and exit status", "[attribution][cli]") {
  TempDir dir;
  std::string fixture = kSrc + "/testdata/fixtures/go1.23.12/race.txt.zst";
  auto run = [&](const std::string &args, std::string &out) {
    return crashctl::testing::run_crashctl("analyze " + args, out, /*merge_stderr=*/true);
  };
  std::string out;
  std::string owners = dir.write("owners.ini", "main.countRequests\n");
  CHECK(run("--owners " + owners + " " + fixture, out) == 3);
  CHECK_THAT(out, Catch::Contains("owners.ini:1: expected PATTERN=OWNER"));

  CHECK(run("--codeowners " + dir.path + "/nope " + fixture, out) == 3);
  CHECK_THAT(out, Catch::Contains("cannot read CODEOWNERS file"));

  std::string co = dir.write("CODEOWNERS", "[x] @a\n/testdata/scenarios/race/ @acme/race\n");
  CHECK(run("--codeowners " + co + " --source-root " + kSrc + " -f json " + fixture, out) == 0);
  CHECK_THAT(out, Catch::Contains("CODEOWNERS:1: '[ ]' character ranges are not supported"));
  // The recorded path is /work/main/...: the checkout at kSrc holds the file.
  CHECK_THAT(out, Catch::Contains("\"owner\": \"@acme/race\""));
  CHECK_THAT(out, Catch::Contains("\"owner_source\": \"CODEOWNERS:2\""));
}

TEST_CASE("real-world crashes: culprit modules", "[attribution][corpus]") {
  const std::string dir = kSrc + "/../shared/corpus/real-world/";
  if (!llvm::sys::fs::is_directory(dir)) {
    WARN("skipped: " << dir << " is absent");
    return;
  }
  struct Case {
    const char *prefix, *module;
  };
  const Case cases[] = {
      {"046", "github.com/Fantom-foundation/go-opera"},  // in-app below module-cache frames
      {"063", "github.com/juanfont/headscale"},
      {"018", "github.com/google/gonids"},  // -trimpath
      {"079", "agones.dev/agones"},
      {"014", "std"},
  };
  std::error_code ec;
  for (const Case &c : cases) {
    std::string file;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
      if (llvm::sys::path::filename(it->path()).starts_with(c.prefix)) file = it->path();
    INFO(c.prefix << " " << file);
    REQUIRE_FALSE(file.empty());
    Input in = analyze_input(file, AnalysisOptions{});
    CHECK(culprit_of(in).module == c.module);
  }
}
