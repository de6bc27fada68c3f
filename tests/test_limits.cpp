// The resource policy (support/limits.h, formats/resources.md): names, values,
// and the limits that no other test reaches.
#include "pipeline/analyze.h"
#include "support/limits.h"

#include <zstd.h>
#include <catch2/catch.hpp>

#include <string>

using namespace crashctl;

TEST_CASE("limits are set by name, with size suffixes, and refuse nonsense", "[limits]") {
  ResourceLimits l;
  CHECK_FALSE(llvm::errorToBool(apply_resource_limit(l, "line-bytes=64M")));
  CHECK(l.line_bytes == (uint64_t(64) << 20));
  CHECK_FALSE(llvm::errorToBool(apply_resource_limit(l, "executable-bytes=8g")));
  CHECK(l.executable_bytes == (uint64_t(8) << 30));
  CHECK_FALSE(llvm::errorToBool(apply_resource_limit(l, "json-depth=10")));
  CHECK(l.json_depth == 10);
  CHECK_FALSE(llvm::errorToBool(apply_resource_limit(l, "memory-bytes=0")));  // no limit
  auto error = [&](const char *a) { return llvm::toString(apply_resource_limit(l, a)); };
  CHECK_THAT(error("no-such=1"), Catch::Contains("unknown limit 'no-such'"));
  CHECK_THAT(error("line-bytes"), Catch::Contains("expected line-bytes=VALUE"));
  CHECK_THAT(error("line-bytes=1Q"), Catch::Contains("not a number"));
  CHECK_THAT(error("json-depth=2K"), Catch::Contains("not a number"));  // counts take no suffix
  CHECK_THAT(error("line-bytes=0"), Catch::Contains("at least 1"));
  CHECK_THAT(error("line-bytes=99999999999999999999"), Catch::Contains("not a number"));
  CHECK_THAT(error("executable-bytes=17179869184T"), Catch::Contains("not a number"));  // overflows
  for (const ResourceLimitInfo &i : resource_limit_table())
    CHECK(ResourceLimits{}.*(i.field) == resource_limits().*(i.field));
}

TEST_CASE("a zstd frame whose window exceeds zstd-window-bytes is refused at its header", "[limits][zstd]") {
  // A streamed frame (no content size) with a 128 MiB window, as zstd --long=27 writes.
  std::string text = "panic: x\n\ngoroutine 1 [running]:\nmain.f()\n\t/a.go:1 +0x1\n";
  ZSTD_CCtx *cctx = ZSTD_createCCtx();
  REQUIRE(cctx);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 27);
  std::string z(ZSTD_compressBound(text.size()) + 64, '\0');
  ZSTD_inBuffer in{text.data(), text.size(), 0};
  ZSTD_outBuffer out{z.data(), z.size(), 0};
  // Flushed before the end: the header cannot state the content size.
  REQUIRE(ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_flush) == 0);
  size_t left = ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_end);
  ZSTD_freeCCtx(cctx);
  REQUIRE(left == 0);
  z.resize(out.pos);

  Input ok = analyze_bytes(z, "long.zst", AnalysisOptions{});
  CHECK_FALSE(ok.failed);
  CHECK(ok.reports.size() == 1);

  ResourceLimits saved = resource_limits(), small = saved;
  small.zstd_window_bytes = uint64_t(1) << 20;
  set_resource_limits(small);
  Input refused = analyze_bytes(z, "long.zst", AnalysisOptions{});
  set_resource_limits(saved);
  CHECK(refused.failed);
  bool named = false;
  for (const Diagnostic &d : refused.diagnostics)
    named |= d.message.find("--limit zstd-window-bytes") != std::string::npos;
  CHECK(named);
}

TEST_CASE("a compressed core writes at most temp-file-bytes of temporary disk", "[limits][cores]") {
  const std::string dir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/cores/go1.26.8/";
  AnalysisOptions opts;
  opts.exe = dir + "scenarios.exe.zst";
  Input whole = analyze_input(dir + "nil-deref.core.zst", opts);
  REQUIRE_FALSE(whole.failed);
  REQUIRE(whole.reports.size() == 1);

  ResourceLimits saved = resource_limits(), small = saved;
  small.temp_file_bytes = uint64_t(64) << 10;  // most of the 44 MB core is zero pages
  set_resource_limits(small);
  Input cut = analyze_input(dir + "nil-deref.core.zst", opts);
  set_resource_limits(saved);
  CHECK(cut.failed);
  CHECK(cut.size < whole.size);
  bool named = false;
  for (const Diagnostic &d : cut.diagnostics) named |= d.message.find("--limit temp-file-bytes") != std::string::npos;
  CHECK(named);
}
