// Source context, suspect commits and links (lib/source,
// formats/attribution.md): the culprit's lines, libgit2's blame at the
// build's revision, forge URLs and --source-url templates.
#include "json_schema_check.h"

#include "pipeline/analyze.h"
#include "render/render.h"
#include "source/annotate.h"
#include "source/git.h"
#include "source/links.h"
#include "triage/triage.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "cli_runner.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

using namespace crashctl;
namespace json = llvm::json;

namespace {

const std::string kSrc = CRASHCTL_SOURCE_DIR;

struct TempDir {
  std::string path;
  TempDir() {
    llvm::SmallString<128> p;
    REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("crashctl-source", p));
    llvm::SmallString<128> real;
    REQUIRE_FALSE(llvm::sys::fs::real_path(p, real));
    path = real.str().str();
  }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }
  std::string write(const std::string &rel, const std::string &text) const {
    std::string full = path + "/" + rel;
    llvm::sys::fs::create_directories(llvm::sys::path::parent_path(full));
    std::ofstream(full, std::ios::binary) << text;
    return full;
  }
};

std::string slurp(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  return buf ? (*buf)->getBuffer().str() : std::string();
}

// Runs a shell command; true when it exits 0.
bool sh(const std::string &command) {
  return std::system(command.c_str()) == 0;
}

bool have_git() {
  return sh("git --version >/dev/null 2>&1");
}

// A commit of everything in DIR by AUTHOR at DATE (ISO 8601); its hash.
std::string commit_all(const std::string &dir, const std::string &author, const std::string &date,
                       const std::string &message) {
  std::string email = llvm::StringRef(author).lower() + "@example.com";
  std::string env = "GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_DATE='" + date + "' GIT_COMMITTER_DATE='" + date + "' ";
  std::string git =
      env + "git -C '" + dir + "' -c user.name=" + author + " -c user.email=" + email + " -c commit.gpgsign=false ";
  REQUIRE(sh(git + "add -A"));
  REQUIRE(sh(git + "commit -q -m '" + message + "'"));
  REQUIRE(sh("git -C '" + dir + "' rev-parse HEAD > '" + dir + "/.git/crashctl-head'"));
  return llvm::StringRef(slurp(dir + "/.git/crashctl-head")).trim().str();
}

std::string cache_go(const std::string &line7) {
  return "package cache\n"
         "\n"
         "type Cache struct{ m map[string]*Entry }\n"
         "\n"
         "func (c *Cache) Get(key string) string {\n"
         "\te := c.m[key]\n" +
         line7 +
         "\n"
         "}\n"
         "\n"
         "type Entry struct{ Value string }\n";
}

// A repository whose internal/cache/cache.go line 7 changed in its second commit.
struct Repo {
  TempDir dir;
  std::string first, second;  // commit hashes
  Repo() {
    REQUIRE(sh("git init -q '" + dir.path + "'"));
    dir.write("go.mod", "module github.com/acme/app\n\ngo 1.21\n");
    dir.write("internal/cache/cache.go", cache_go("\treturn e.Value // one"));
    dir.write("main.go", "package main\n");
    first = commit_all(dir.path, "Ann", "2024-03-05T14:02:11+01:00", "Add the cache\n\nWith a body.");
    dir.write("internal/cache/cache.go", cache_go("\treturn e.Value // two"));
    second = commit_all(dir.path, "Bob", "2024-04-01T09:00:00+00:00", "Change the cache");
  }
};

// A nil dereference in cache.(*Cache).Get at LINE, built in /build/app.
std::string cache_crash(int line = 7) {
  return "panic: runtime error: invalid memory address or nil pointer dereference\n"
         "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]\n\n"
         "goroutine 1 [running]:\n"
         "github.com/acme/app/internal/cache.(*Cache).Get(0x0, {0x4b2c3d, 0x3})\n"
         "\t/build/app/internal/cache/cache.go:" +
         std::to_string(line) +
         " +0x1d\n"
         "main.main()\n"
         "\t/build/app/main.go:9 +0x25\n"
         "exit status 2\n";
}

Input analyze_text(const std::string &text, const AnalysisOptions &opts) {
  Input in = analyze_bytes(text, "crash.txt", opts);
  REQUIRE(in.reports.size() == 1);
  REQUIRE(in.reports[0].verdict.culprit);
  return in;
}

std::vector<std::string> notes_of(const Input &in) {
  std::vector<std::string> notes;
  for (const Diagnostic &d : in.diagnostics)
    if (d.severity == Severity::Note) notes.push_back(d.message);
  return notes;
}

std::string render(void (*fn)(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &),
                   const Input &in) {
  std::string out;
  llvm::raw_string_ostream os(out);
  RenderOptions opts;
  opts.tool_version = "test";
  fn(os, {in}, opts);
  os.flush();
  return out;
}

// The first report's JSON, checked against the schema.
json::Value report_json(const Input &in) {
  std::string text = render(render_json, in);
  auto doc = json::parse(text);
  REQUIRE(bool(doc));
  auto schema = json::parse(slurp(kSrc + "/formats/output.schema.json"));
  REQUIRE(bool(schema));
  for (const std::string &e : schema_check::validate(*schema, *doc)) FAIL_CHECK(e);
  json::Value copy = (*doc->getAsObject()->getArray("inputs"))[0].getAsObject()->getArray("reports")->front();
  return copy;
}

std::vector<std::string> frame_urls(const json::Value &report) {
  std::vector<std::string> urls;
  const json::Object &g = *report.getAsObject()->getArray("goroutines")->front().getAsObject();
  for (const json::Value &f : *g.getArray("frames")) {
    auto url = f.getAsObject()->getString("url");
    urls.push_back(url ? url->str() : "null");
  }
  return urls;
}

}  // namespace

// --- links -----------------------------------------------------------------------

TEST_CASE("forges: a module's repository and its line URLs", "[source][links]") {
  auto repo = forge_repo("github.com/acme/app");
  REQUIRE(repo);
  CHECK(repo->url == "https://github.com/acme/app");
  CHECK(repo->subdir.empty());
  CHECK(forge_repo("github.com/acme/app/tools")->subdir == "tools");
  CHECK(forge_repo("github.com/acme/app/v2")->subdir.empty());
  CHECK(forge_repo("github.com/acme/app/tools/v3")->subdir == "tools");
  CHECK(forge_repo("github.com/acme/app/v1")->subdir == "v1");  // v1 is no major-version suffix
  CHECK(forge_repo("golang.org/x/net")->url == "https://go.googlesource.com/net");
  CHECK(forge_repo("go.googlesource.com/tools")->url == "https://go.googlesource.com/tools");
  CHECK_FALSE(forge_repo("github.com/acme"));
  CHECK_FALSE(forge_repo("example.com/acme/app"));
  CHECK_FALSE(forge_repo("golang.org/y/net"));

  auto url = [](llvm::StringRef module, llvm::StringRef ref, llvm::StringRef path, int line) {
    SourceLinks links;
    links.set("f.go", forge_line_url(*forge_repo(module), ref, path));
    return links.url("f.go", line);
  };
  CHECK(url("github.com/acme/app", "v1.2.3", "internal/x.go", 12) ==
        "https://github.com/acme/app/blob/v1.2.3/internal/x.go#L12");
  CHECK(url("gitlab.com/grp/proj", "72afa56d8136", "x.go", 3) ==
        "https://gitlab.com/grp/proj/-/blob/72afa56d8136/x.go#L3");
  CHECK(url("bitbucket.org/ws/repo", "v2.1.0", "z.go", 4) == "https://bitbucket.org/ws/repo/src/v2.1.0/z.go#lines-4");
  CHECK(url("golang.org/x/net", "v0.17.0", "http2/server.go", 1234) ==
        "https://go.googlesource.com/net/+/v0.17.0/http2/server.go#1234");
  CHECK(url("github.com/acme/app", "v1.0.0", "dir/a b#c.go", 1) ==
        "https://github.com/acme/app/blob/v1.0.0/dir/a%20b%23c.go#L1");

  SourceLinks std_links;
  std_links.set("/usr/local/go/src/runtime/panic.go", std_line_url("go1.21.13", "runtime/panic.go"));
  CHECK(std_links.url("/usr/local/go/src/runtime/panic.go", 770) ==
        "https://github.com/golang/go/blob/go1.21.13/src/runtime/panic.go#L770");
  CHECK(std_links.url("/usr/local/go/src/runtime/panic.go", 0).empty());  // no line, no link
  CHECK(std_links.url("/other.go", 5).empty());
}

TEST_CASE("module versions name git refs; Go versions name release tags", "[source][links]") {
  CHECK(version_ref("v1.2.3", "") == "v1.2.3");
  CHECK(version_ref("v1.2.3", "tools") == "tools/v1.2.3");
  CHECK(version_ref("v2.0.0+incompatible", "") == "v2.0.0");
  CHECK(version_ref("v1.0.0-rc.1", "") == "v1.0.0-rc.1");
  CHECK(version_ref("v0.0.0-20201214165924-72afa56d8136", "tools") == "72afa56d8136");
  CHECK(version_ref("v1.2.4-0.20201214165924-72afa56d8136", "") == "72afa56d8136");
  CHECK(version_ref("v1.2.3-pre.0.20201214165924-72afa56d8136", "") == "72afa56d8136");
  CHECK(version_ref("(devel)", "") == "");
  CHECK(version_ref("", "") == "");
  CHECK_FALSE(is_pseudo_version("v1.2.3-20201214165924-72afa56d8136"));  // not one of the three forms
  CHECK_FALSE(is_pseudo_version("v1.2.3"));

  for (const char *v : {"go1.21.13", "go1.20", "go1.9", "go1.22rc1", "go1.21.0", "go1.9beta2"}) {
    INFO(v);
    CHECK(is_go_release(v));
  }
  for (const char *v :
       {"go1.21", "go1.26", "go1", "go1.21.13.", "devel go1.23-abc", "go2.0.0", "1.21.13", "go1.21rc"}) {
    INFO(v);
    CHECK_FALSE(is_go_release(v));
  }
}

TEST_CASE("source URL templates (--source-url)", "[source][links]") {
  auto t = SourceUrlTemplate::parse("https://git.example.com/{module}/src/{ref}/{path}#L{line}");
  REQUIRE(bool(t));
  SourceLinks links;
  links.set("f.go", t->expand("git.example.com/team/app", "deadbeef", "svc/a b.go"));
  CHECK(links.url("f.go", 42) == "https://git.example.com/git.example.com/team/app/src/deadbeef/svc/a%20b.go#L42");

  auto no_line = SourceUrlTemplate::parse("https://x/{path}?at={ref}");
  REQUIRE(bool(no_line));
  links.set("g.go", no_line->expand("m", "r", "p.go"));
  CHECK(links.url("g.go", 3) == "https://x/p.go?at=r");

  auto twice = SourceUrlTemplate::parse("https://x/{path}?l={line}#L{line}");
  REQUIRE(bool(twice));
  links.set("h.go", twice->expand("m", "r", "p.go"));
  CHECK(links.url("h.go", 8) == "https://x/p.go?l=8#L8");

  for (const char *bad : {"https://x/{commit}/{path}", "https://x/{path", "https://x/{ref}#L{line}"}) {
    auto e = SourceUrlTemplate::parse(bad);
    REQUIRE_FALSE(bool(e));
    std::string msg = llvm::toString(e.takeError());
    INFO(msg);
    CHECK_THAT(msg, Catch::Contains("--source-url") && Catch::Contains("{module}, {ref}, {path}, {line}"));
  }
}

TEST_CASE("links of every frame: forges, the standard library, templates", "[source][links]") {
  std::string text =
      "panic: boom\n\ngoroutine 1 [running]:\n"
      "panic({0x4b2c3d, 0x3})\n\t/root/sdk/go1.21.13/src/runtime/panic.go:770 +0x132\n"
      "github.com/BurntSushi/toml.(*Decoder).Decode(...)\n"
      "\t/home/ci/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go:5 +0x1d\n"
      "gitlab.com/grp/proj/x.F(...)\n"
      "\t/home/ci/go/pkg/mod/gitlab.com/grp/proj@v0.0.0-20201214165924-72afa56d8136/x/y.go:3 +0x1d\n"
      "bitbucket.org/ws/repo/sub.G(...)\n"
      "\t/home/ci/go/pkg/mod/bitbucket.org/ws/repo/sub@v2.1.0+incompatible/z.go:4 +0x1d\n"
      "golang.org/x/net/http2.(*serverConn).serve(...)\n"
      "\t/home/ci/go/pkg/mod/golang.org/x/net@v0.17.0/http2/server.go:1234 +0x1d\n"
      "example.com/other.H(...)\n"
      "\t/home/ci/go/pkg/mod/example.com/other@v1.0.0/a.go:6 +0x1d\n"
      "git.example.com/team/lib.L(...)\n"
      "\t/home/ci/go/pkg/mod/git.example.com/team/lib@v1.4.0/l.go:2 +0x1d\n"
      "github.com/acme/app/internal/cache.(*Cache).Get(...)\n"
      "\tgithub.com/acme/app/internal/cache/cache.go:7 +0x1d\n"
      "main.main()\n\tgithub.com/acme/app/main.go:9 +0x25\n"
      "exit status 2\n";

  SECTION("built-in forms; the main module at --revision") {
    AnalysisOptions opts;
    opts.module = "github.com/acme/app";
    opts.revision = "3f2a9c1d0e4b";
    Input in = analyze_text(text, opts);
    json::Value r = report_json(in);
    std::vector<std::string> want = {
        "https://github.com/golang/go/blob/go1.21.13/src/runtime/panic.go#L770",
        "https://github.com/BurntSushi/toml/blob/v1.3.2/decode.go#L5",
        "https://gitlab.com/grp/proj/-/blob/72afa56d8136/x/y.go#L3",
        "https://bitbucket.org/ws/repo/src/sub/v2.1.0/sub/z.go#lines-4",
        "https://go.googlesource.com/net/+/v0.17.0/http2/server.go#1234",
        "null",  // example.com: no known forge
        "null",  // git.example.com: no known forge, no template
        "https://github.com/acme/app/blob/3f2a9c1d0e4b/internal/cache/cache.go#L7",
        "https://github.com/acme/app/blob/3f2a9c1d0e4b/main.go#L9",
    };
    CHECK(frame_urls(r) == want);
    const json::Object &culprit = *r.getAsObject()->getObject("verdict")->getObject("culprit");
    CHECK(culprit.getString("function") == llvm::StringRef("github.com/acme/app/internal/cache.(*Cache).Get"));
    CHECK(culprit.getString("url") == llvm::StringRef(want[7]));
    CHECK_THAT(render(render_text, in), Catch::Contains("  source: " + want[7] + "\n"));
  }
  SECTION("without a revision the main module has no link") {
    AnalysisOptions opts;
    opts.module = "github.com/acme/app";
    json::Value r = report_json(analyze_text(text, opts));
    std::vector<std::string> urls = frame_urls(r);
    CHECK(urls[7] == "null");
    CHECK(urls[1] == "https://github.com/BurntSushi/toml/blob/v1.3.2/decode.go#L5");
    CHECK(r.getAsObject()->getObject("verdict")->getObject("culprit")->get("url")->kind() == json::Value::Null);
  }
  SECTION("--source-url links the main module and its host's modules") {
    AnalysisOptions opts;
    opts.module = "git.example.com/team/app";
    opts.revision = "deadbeef";
    opts.source_url = "https://git.example.com/{module}/src/{ref}/{path}#L{line}";
    std::string own = text;
    for (size_t at; (at = own.find("github.com/acme/app")) != std::string::npos;)
      own.replace(at, 19, "git.example.com/team/app");
    std::vector<std::string> urls = frame_urls(report_json(analyze_text(own, opts)));
    CHECK(urls[1] == "https://github.com/BurntSushi/toml/blob/v1.3.2/decode.go#L5");  // built-in form kept
    CHECK(urls[5] == "null");
    CHECK(urls[6] == "https://git.example.com/git.example.com/team/lib/src/v1.4.0/l.go#L2");
    CHECK(urls[7] == "https://git.example.com/git.example.com/team/app/src/deadbeef/internal/cache/cache.go#L7");
  }
  SECTION("a Go version that is no release tag gives no standard-library link") {
    std::string devel = text;
    devel.replace(devel.find("go1.21.13"), 9, "go-1.21");  // Debian's /usr/lib/go-1.21: the language version
    std::vector<std::string> urls = frame_urls(report_json(analyze_text(devel, AnalysisOptions{})));
    CHECK(urls[0] == "null");
  }
}

// --- source context --------------------------------------------------------------

TEST_CASE("context lines: the culprit line and three either side", "[source][context]") {
  std::string why;
  auto ctx = context_lines("1\n2\n3\n4\n5\n6\n7\n8\n9\n", 5, &why);
  REQUIRE(ctx);
  CHECK(ctx->first_line == 2);
  CHECK(ctx->lines == std::vector<std::string>{"2", "3", "4", "5", "6", "7", "8"});
  ctx = context_lines("a\r\nb\r\nc", 1, &why);  // the start of the file; CRLF; no final newline
  REQUIRE(ctx);
  CHECK(ctx->first_line == 1);
  CHECK(ctx->lines == std::vector<std::string>{"a", "b", "c"});
  CHECK(context_lines("a\nb\nc", 3, &why));

  CHECK_FALSE(context_lines("a\nb\nc\n", 4, &why));
  CHECK(why == "has 3 lines, fewer than the culprit's line 4, so it is not the file that was built");
  CHECK_FALSE(context_lines(llvm::StringRef("a\n\0b\n", 5), 1, &why));
  CHECK_THAT(why, Catch::Contains("NUL"));

  std::string long_line(1000, 'x');
  long_line.replace(399, 2, "\xc3\xa9");  // a two-byte character across the cut
  ctx = context_lines(long_line + "\n", 1, &why);
  REQUIRE(ctx);
  CHECK(ctx->lines[0] == std::string(399, 'x') + "...");
}

TEST_CASE("source context from --path-map, the module cache and the local GOROOT", "[source][context]") {
  TempDir dir;
  dir.write("app/internal/cache/cache.go", cache_go("\treturn e.Value // here"));

  SECTION("--path-map") {
    AnalysisOptions opts;
    opts.path_maps = {"/build/app=" + dir.path + "/app"};
    Input in = analyze_text(cache_crash(), opts);
    const Culprit &c = *in.reports[0].verdict.culprit;
    REQUIRE(c.source_context);
    CHECK(c.source_context->path == dir.path + "/app/internal/cache/cache.go");
    CHECK(c.source_context->first_line == 4);
    CHECK(c.source_context->lines.size() == 7);
    CHECK(c.source_context->lines[3] == "\treturn e.Value // here");
    CHECK_FALSE(c.blame);  // no --source-root, no repository
    std::string out = render(render_text, in);
    CHECK_THAT(out, Catch::Contains("\n  >  7 |     return e.Value // here\n"));
    CHECK_THAT(out, Catch::Contains("\n     4 | \n     5 | func (c *Cache) Get(key string) string {\n"));
    json::Value r = report_json(in);
    const json::Object &sc = *r.getAsObject()->getObject("verdict")->getObject("culprit")->getObject("source_context");
    CHECK(sc.getInteger("first_line") == 4);
    CHECK(sc.getArray("lines")->size() == 7);
  }
  SECTION("a file shorter than the culprit's line is not the built one") {
    AnalysisOptions opts;
    opts.path_maps = {"/build/app=" + dir.path + "/app"};
    Input in = analyze_text(cache_crash(40), opts);
    CHECK_FALSE(in.reports[0].verdict.culprit->source_context);
    std::vector<std::string> notes = notes_of(in);
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == "source context: " + dir.path +
                          "/app/internal/cache/cache.go has 10 lines, fewer than the culprit's line 40, so it is "
                          "not the file that was built: not shown");
    CHECK_THAT(render(render_text, in), Catch::Contains("crash.txt: note: at byte 0: source context: "));
  }
  SECTION("a path that merely exists here is not read") {
    std::string crash = cache_crash();
    crash.replace(crash.find("/build/app"), 10, dir.path + "/app");
    Input in = analyze_text(crash, AnalysisOptions{});
    CHECK_FALSE(in.reports[0].verdict.culprit->source_context);
    CHECK(notes_of(in).empty());
  }
  SECTION("the module cache") {
    dir.write("mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go",
              "package toml\n\nfunc (d *Decoder) Decode() {\n\tpanic(1)\n}\n");
    AnalysisOptions opts;
    opts.go_env.module_cache = dir.path + "/mod";
    Input in = analyze_text(
        "panic: 1\n\ngoroutine 1 [running]:\n"
        "github.com/BurntSushi/toml.(*Decoder).Decode(...)\n"
        "\t/home/ci/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go:4 +0x1d\n"
        "exit status 2\n",
        opts);
    const Culprit &c = *in.reports[0].verdict.culprit;
    CHECK(c.module == "github.com/BurntSushi/toml");
    REQUIRE(c.source_context);
    CHECK(c.source_context->first_line == 1);
    CHECK(c.source_context->lines[3] == "\tpanic(1)");
    CHECK(c.url == "https://github.com/BurntSushi/toml/blob/v1.3.2/decode.go#L4");
  }
  SECTION("the local GOROOT, only at the program's Go version") {
    dir.write("goroot/VERSION", "go1.21.13\ntime 2024-08-06T17:15:41Z\n");
    dir.write("goroot/src/encoding/json/encode.go", "package json\n\nfunc Marshal() {\n\tpanic(1)\n}\n");
    AnalysisOptions opts;
    opts.go_env.goroot = dir.path + "/goroot";
    auto crash = [](const std::string &release) {
      return "panic: 1\n\ngoroutine 1 [running]:\n"
             "panic({0x4b2c3d, 0x3})\n\t/root/sdk/" +
             release +
             "/src/runtime/panic.go:770 +0x132\n"
             "encoding/json.Marshal(...)\n\t/root/sdk/" +
             release +
             "/src/encoding/json/encode.go:4 +0x1d\n"
             "exit status 2\n";
    };
    Input same = analyze_text(crash("go1.21.13"), opts);
    const Culprit &c = *same.reports[0].verdict.culprit;
    CHECK(c.module == "std");
    REQUIRE(c.source_context);
    CHECK(c.source_context->path == dir.path + "/goroot/src/encoding/json/encode.go");
    CHECK(c.source_context->lines[3] == "\tpanic(1)");
    CHECK(c.url == "https://github.com/golang/go/blob/go1.21.13/src/encoding/json/encode.go#L4");

    Input other = analyze_text(crash("go1.22.0"), opts);
    CHECK_FALSE(other.reports[0].verdict.culprit->source_context);
    REQUIRE(notes_of(other).size() == 1);
    CHECK(notes_of(other)[0] == "source context: " + dir.path +
                                    "/goroot/src/encoding/json/encode.go is from the local go1.21.13, the program "
                                    "was built with go1.22.0: not shown");
  }
}

// --- blame -----------------------------------------------------------------------

TEST_CASE("suspect commit: libgit2's blame at the build's revision", "[source][blame]") {
  if (!have_git()) {
    WARN("skipped: git is not installed (the test builds its repository with it)");
    return;
  }
  Repo repo;
  AnalysisOptions opts;
  opts.source_root = repo.dir.path;

  SECTION("no revision: HEAD, lines from the work tree") {
    Input in = analyze_text(cache_crash(), opts);
    const Culprit &c = *in.reports[0].verdict.culprit;
    CHECK(c.module == "github.com/acme/app");
    REQUIRE(c.blame);
    CHECK(c.blame->commit == repo.second);
    CHECK(c.blame->author == "Bob");
    CHECK(c.blame->email == "bob@example.com");
    CHECK(c.blame->date == "2024-04-01T09:00:00+00:00");
    CHECK(c.blame->summary == "Change the cache");
    REQUIRE(c.source_context);
    CHECK(c.source_context->lines[3] == "\treturn e.Value // two");
    CHECK(c.url.empty());  // a link needs the revision
    CHECK(notes_of(in).empty());
    std::string out = render(render_text, in);
    CHECK_THAT(out, Catch::Contains("\n  suspect commit: " + repo.second.substr(0, 12) +
                                    " 2024-04-01T09:00:00+00:00 Bob <bob@example.com>: Change the cache\n"));
    json::Value r = report_json(in);
    const json::Object &b = *r.getAsObject()->getObject("verdict")->getObject("culprit")->getObject("blame");
    CHECK(b.getString("commit") == llvm::StringRef(repo.second));
    CHECK(b.getString("date") == llvm::StringRef("2024-04-01T09:00:00+00:00"));
  }
  SECTION("--revision: the line as built, not as it is now") {
    opts.revision = repo.first;
    Input in = analyze_text(cache_crash(), opts);
    const Culprit &c = *in.reports[0].verdict.culprit;
    REQUIRE(c.blame);
    CHECK(c.blame->commit == repo.first);
    CHECK(c.blame->author == "Ann");
    CHECK(c.blame->date == "2024-03-05T14:02:11+01:00");
    CHECK(c.blame->summary == "Add the cache");
    REQUIRE(c.source_context);
    CHECK(c.source_context->path == repo.dir.path + "/internal/cache/cache.go");
    CHECK(c.source_context->lines[3] == "\treturn e.Value // one");  // the work tree says "two"
    CHECK(c.url == "https://github.com/acme/app/blob/" + repo.first + "/internal/cache/cache.go#L7");
  }
  SECTION("an abbreviated --revision") {
    opts.revision = repo.first.substr(0, 10);
    Input in = analyze_text(cache_crash(), opts);
    REQUIRE(in.reports[0].verdict.culprit->blame);
    CHECK(in.reports[0].verdict.culprit->blame->commit == repo.first);
  }
  SECTION("the build info's vcs.revision") {
    Input in = analyze_text(cache_crash(), opts);
    Report r = std::move(in.reports[0]);
    r.verdict.culprit->blame.reset();
    r.verdict.culprit->source_context.reset();
    BuildInfo bi;
    bi.main.path = "github.com/acme/app";
    bi.settings = {{"vcs", "git"}, {"vcs.revision", repo.first}, {"vcs.modified", "false"}};
    r.process.build_info = bi;
    auto sources = load_source_annotator(opts);
    REQUIRE(bool(sources));
    auto attr = load_attribution(opts);
    REQUIRE(bool(attr));
    std::vector<std::string> notes;
    (*sources)->annotate(r, **attr, notes);
    REQUIRE(r.verdict.culprit->blame);
    CHECK(r.verdict.culprit->blame->commit == repo.first);
    CHECK(r.verdict.culprit->source_context->lines[3] == "\treturn e.Value // one");
    CHECK(r.verdict.culprit->url == "https://github.com/acme/app/blob/" + repo.first + "/internal/cache/cache.go#L7");
    CHECK(notes.empty());

    r.process.build_info->settings[2].second = "true";
    (*sources)->annotate(r, **attr, notes);
    REQUIRE(notes.size() == 1);
    CHECK_THAT(notes[0], Catch::Contains("vcs.modified"));
  }
  SECTION("a revision the repository lacks: HEAD, with a note") {
    opts.revision = "0123456789abcdef0123456789abcdef01234567";
    Input in = analyze_text(cache_crash(), opts);
    const Culprit &c = *in.reports[0].verdict.culprit;
    REQUIRE(c.blame);
    CHECK(c.blame->commit == repo.second);
    std::vector<std::string> notes = notes_of(in);
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == "blame: revision 0123456789abcdef0123456789abcdef01234567 is not in the repository at " +
                          repo.dir.path + ": blamed at HEAD, lines from the work tree");
    // The link does not need the repository.
    CHECK(c.url ==
          "https://github.com/acme/app/blob/0123456789abcdef0123456789abcdef01234567/internal/cache/cache.go#L7");
  }
  SECTION("a line past the end: no context, no blame") {
    Input in = analyze_text(cache_crash(40), opts);
    CHECK_FALSE(in.reports[0].verdict.culprit->source_context);
    CHECK_FALSE(in.reports[0].verdict.culprit->blame);
    REQUIRE(notes_of(in).size() == 1);
    CHECK_THAT(notes_of(in)[0], Catch::Contains("has 10 lines, fewer than the culprit's line 40"));
  }
  SECTION("a file that is not committed: context, and why there is no blame") {
    repo.dir.write("internal/cache/extra.go", cache_go("\treturn e.Value // new"));
    std::string crash = cache_crash();
    crash.replace(crash.find("cache.go:7"), 8, "extra.go");
    Input in = analyze_text(crash, opts);
    const Culprit &c = *in.reports[0].verdict.culprit;
    REQUIRE(c.source_context);
    CHECK_FALSE(c.blame);
    REQUIRE(notes_of(in).size() == 1);
    CHECK_THAT(notes_of(in)[0], Catch::StartsWith("blame: internal/cache/extra.go:7: git blame"));
  }
  SECTION("triage buckets carry the blame, and a table read back keeps it") {
    std::string file = repo.dir.write("dumps/crash.txt", cache_crash());
    triage::CollectOptions co;
    co.analysis = opts;
    co.jobs = 1;
    triage::Table t = triage::triage_paths({file}, co);
    REQUIRE(t.buckets.size() == 1);
    REQUIRE(t.buckets[0].rep.culprit);
    REQUIRE(t.buckets[0].rep.culprit->blame);
    CHECK(t.buckets[0].rep.culprit->blame->commit == repo.second);
    std::string out;
    llvm::raw_string_ostream os(out);
    triage::render_json(os, t, triage::RenderOptions{});
    os.flush();
    CHECK_THAT(out, Catch::Contains("\"commit\": \"" + repo.second + "\""));
    auto doc = json::parse(out);
    REQUIRE(bool(doc));
    auto schema = json::parse(slurp(kSrc + "/formats/triage.schema.json"));
    REQUIRE(bool(schema));
    for (const std::string &e : schema_check::validate(*schema, *doc)) FAIL_CHECK(e);
    auto back = triage::parse_table(out);
    REQUIRE(bool(back));
    REQUIRE(back->buckets[0].rep.culprit->blame);
    CHECK(back->buckets[0].rep.culprit->blame->author == "Bob");
    CHECK(back->buckets[0].rep.culprit->blame->summary == "Change the cache");
  }
}

TEST_CASE("git: blame of one line at a commit, files at a commit", "[source][blame]") {
  if (!have_git()) {
    WARN("skipped: git is not installed (the test builds its repository with it)");
    return;
  }
  Repo repo;
  auto git = GitRepository::open(repo.dir.path + "/internal");  // found from a directory inside it
  REQUIRE(bool(git));
  CHECK((*git)->workdir() == repo.dir.path);
  CHECK((*git)->resolve_commit("HEAD") == repo.second);
  CHECK((*git)->resolve_commit("HEAD~1") == repo.first);
  CHECK_FALSE((*git)->resolve_commit("no-such-ref"));
  CHECK((*git)->file_at(repo.first, "internal/cache/cache.go") == cache_go("\treturn e.Value // one"));
  CHECK_FALSE((*git)->file_at(repo.first, "internal/cache/none.go"));
  auto line6 = (*git)->blame("internal/cache/cache.go", 6, repo.second);  // unchanged since the first commit
  REQUIRE(bool(line6));
  CHECK(line6->commit == repo.first);
  auto past = (*git)->blame("internal/cache/cache.go", 11, repo.second);  // libgit2 alone would answer
  REQUIRE_FALSE(bool(past));
  CHECK_THAT(llvm::toString(past.takeError()), Catch::Contains("has 10 lines in " + repo.second + ", no line 11"));
  auto last = (*git)->blame("internal/cache/cache.go", 10, repo.second);
  REQUIRE(bool(last));
  CHECK(last->commit == repo.first);

  TempDir plain;
  auto none = GitRepository::open(plain.path);
  CHECK_FALSE(bool(none));
  llvm::consumeError(none.takeError());

  CHECK(iso8601_with_offset(0, -330) == "1969-12-31T18:30:00-05:30");
}

TEST_CASE("crashctl analyze: --source-root, --revision, --source-url", "[source][cli]") {
  TempDir dir;
  std::string crash = dir.write("crash.txt", cache_crash());
  std::string out;
  auto run = [&](const std::string &args) {
    return crashctl::testing::run_crashctl("analyze " + args, out, /*merge_stderr=*/true);
  };
  CHECK(run("--source-url 'https://x/{commit}/{path}' " + crash) == 3);
  CHECK_THAT(out, Catch::Contains("unknown placeholder {commit}"));
  CHECK(run("--path-map nonsense " + crash) == 3);

  CHECK(run("--module github.com/acme/app --revision abc123 -f json " + crash) == 0);
  // /build/app/... names no path in the module's repository without --source-root: no link.
  CHECK(out.find("https://github.com/acme/app") == std::string::npos);
  if (!have_git()) {
    WARN("skipped the git part: git is not installed");
    return;
  }
  Repo repo;
  CHECK(run("--source-root " + repo.dir.path + " --revision " + repo.first + " " + crash) == 0);
  CHECK_THAT(out, Catch::Contains("  suspect commit: " + repo.first.substr(0, 12) +
                                  " 2024-03-05T14:02:11+01:00 Ann <ann@example.com>: Add the cache\n"));
  CHECK_THAT(out, Catch::Contains("  source: https://github.com/acme/app/blob/" + repo.first +
                                  "/internal/cache/cache.go#L7\n"));
  CHECK_THAT(out, Catch::Contains("  >  7 |     return e.Value // one\n"));
  CHECK(run("--source-root " + repo.dir.path + " -f json " + crash) == 0);
  CHECK_THAT(out, Catch::Contains("\"summary\": \"Change the cache\""));
}
