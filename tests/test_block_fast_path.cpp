// The block fast path of decode_traceback (identical goroutine bodies taken
// whole) must give exactly what decoding line by line gives. The oracle is
// TracebackDecoder fed one line at a time, which never takes the fast path.
#include "analysis/groups.h"
#include "analysis/verdict.h"
#include "io/input.h"
#include "model/describe.h"
#include "traceback/decoder.h"

#include "test_support.h"

#include <zstd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>

using namespace crashctl;

namespace {

Input line_by_line(const std::string &text) {
  Input in;
  in.path = "t.txt";
  TracebackDecoder dec(in);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    std::string_view l(text.data() + pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    dec.line(l, pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  dec.finish(text.size());
  in.size = text.size();
  return in;
}

Input streamed(ByteSource &src) {
  Input in;
  in.path = "t.txt";
  decode_traceback(src, in, false);
  return in;
}

// Checks the fast path (mapped and chunked reads) against the oracle.
void check_same(const std::string &text) {
  std::string want = describe_decoded(line_by_line(text));
  auto mem = memory_source(text, "t.txt");
  CHECK(describe_decoded(streamed(*mem)) == want);
  for (size_t step : {size_t(7), size_t(100), size_t(4096)}) {
    test::TrickleSource src(text, step);
    CHECK(describe_decoded(streamed(src)) == want);
  }
}

const char *kBody =
    "main.worker(0xc000010000, {0x1, 0x2})\n\t/a/w.go:10 +0x1d\n"
    "main.run(...)\n\t/a/w.go:20\n"
    "created by main.start in goroutine 1\n\t/a/w.go:30 +0x4f\n";

std::string goroutine(int id, const std::string &body, const char *state = "chan receive") {
  return "goroutine " + std::to_string(id) + " [" + state + "]:\n" + body + "\n";
}

}  // namespace

TEST_CASE("block fast path: identical bodies share what the first gave", "[traceback][block]") {
  std::string text = "panic: boom\n\n" + goroutine(1, "main.main()\n\t/a/m.go:5 +0x10\n", "running");
  for (int i = 0; i < 50; ++i) text += goroutine(10 + i, kBody, i % 2 ? "chan receive" : "select");
  check_same(text);
  Input in = line_by_line(text);
  REQUIRE(in.reports.size() == 1);
  REQUIRE(in.reports[0].process.goroutines.size() == 51);
  CHECK(in.reports[0].process.goroutines[50].parent_goid == 1);
}

TEST_CASE("block fast path: same frames, different argument values", "[traceback][block]") {
  std::string text = "panic: boom\n\n";
  std::string other = kBody;
  other.replace(other.find("0xc000010000"), 12, "0xc000020000");
  for (int i = 0; i < 40; ++i) text += goroutine(10 + i, i % 3 == 1 ? other : std::string(kBody));
  check_same(text);
  Input in = line_by_line(text);
  const auto &gs = in.reports[0].process.goroutines;
  CHECK(frame_args(gs[1], 0) == "0xc000020000, {0x1, 0x2}");
  CHECK(frame_args(gs[2], 0) == "0xc000010000, {0x1, 0x2}");
  CHECK(frame_args(gs[4], 0) == "0xc000020000, {0x1, 0x2}");
  CHECK(gs[1].stack == gs[2].stack);
}

TEST_CASE("block fast path: bodies that differ by one byte", "[traceback][block]") {
  std::string text = "panic: boom\n\n";
  std::vector<std::string> variants;
  std::string base = kBody;
  // Each variant changes one byte: a line number, the parent id, a file name,
  // an inlined marker, a tab into a space, a CRLF, a garbled line.
  variants.push_back(base);
  for (auto [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"w.go:10", "w.go:11"},
                                                        {"goroutine 1\n", "goroutine 2\n"},
                                                        {"/a/w.go:20", "/b/w.go:20"},
                                                        {"run(...)", "run(..x)"},
                                                        {"\t/a/w.go:30", " /a/w.go:30"},
                                                        {"+0x1d\n", "+0x1d\r\n"},
                                                        {"+0x4f", "+0x4g"},
                                                        {"main.run", "{ain.run"},
                                                        {"created by", "created_by"},
                                                        {"+0x1d", "+0x1d fp=0xc000 sp=0xc008 pc=0x1"},
                                                        {"main.run(...)\n", "...1 frames elided...\n"}}) {
    std::string v = base;
    v.replace(v.find(from), from.size(), to);
    variants.push_back(v);
  }
  int id = 10;
  for (int round = 0; round < 3; ++round)
    for (const std::string &v : variants) text += goroutine(id++, v);
  check_same(text);
}

TEST_CASE("block fast path: bodies cut at the end of input and odd endings", "[traceback][block]") {
  std::string head = "panic: boom\n\n";
  std::string full;
  for (int i = 0; i < 5; ++i) full += goroutine(10 + i, kBody);
  // Cut anywhere in the last copies: no final empty line, a partial line.
  for (size_t cut = full.size() - 2 * std::strlen(kBody); cut <= full.size(); ++cut)
    check_same(head + full.substr(0, cut));
  // A body followed by a line that is not dump text, and one with no frames.
  check_same(head + full + goroutine(20, kBody).substr(0, 40) + "some log line\n\n" + full);
  check_same(head + "goroutine 5 [running]:\n\n" + "goroutine 6 [running]:\n\n" + full);
  // Headers without a blank line before the next header; CRLF everywhere.
  std::string crlf;
  for (char c : head + full + full) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  check_same(crlf);
  std::string noblank = head;
  for (int i = 0; i < 6; ++i) noblank += "goroutine " + std::to_string(30 + i) + " [select]:\n" + kBody;
  check_same(noblank + "\n" + full);
  // A second dump repeating the same goroutine ids starts a new report.
  check_same(head + full + "\n" + "goroutine 10 [chan receive]:\n" + kBody + "\n" + full);
  // Docker JSON lines and a log prefix take the line path.
  check_same(
      "2024-01-01 panic: boom\n2024-01-01 \n2024-01-01 goroutine 1 [running]:\n2024-01-01 main.main()\n"
      "2024-01-01 \t/a/m.go:5 +0x10\n2024-01-01 \n" +
      full);
}

TEST_CASE("block fast path: the predicted next body is often wrong", "[traceback][block]") {
  // Bodies that share all but their last bytes (the parent id), in an order
  // that breaks the "same successor as last time" guess at random.
  std::vector<std::string> variants;
  for (int parent : {1, 2, 3, 12, 123}) {
    std::string v = kBody;
    v.replace(v.find("goroutine 1\n"), 12, "goroutine " + std::to_string(parent) + "\n");
    variants.push_back(v);
  }
  variants.push_back(std::string(kBody).substr(0, std::strlen(kBody) - 10) + "\n");  // a shorter one
  std::string text = "panic: boom\n\n";
  uint32_t rnd = 12345;
  for (int id = 10; id < 400; ++id) {
    rnd = rnd * 1103515245 + 12345;
    text += goroutine(id, variants[(rnd >> 16) % variants.size()]);
  }
  check_same(text);
  // The input ends inside the body the guess expects.
  std::string cyc = "panic: boom\n\n";
  for (int id = 10; id < 20; ++id) cyc += goroutine(id, variants[id % 2]);
  for (size_t cut = 1; cut < 30; ++cut) check_same(cyc.substr(0, cyc.size() - cut));
}

TEST_CASE("goroutines one go statement started from different parents share one creator and one group",
          "[traceback][block]") {
  std::string text = "panic: boom\n\n";
  for (int id = 10; id < 40; ++id) {
    std::string v = kBody;
    v.replace(v.find("goroutine 1\n"), 12, "goroutine " + std::to_string(100 + id % 7) + "\n");
    text += goroutine(id, v);
  }
  check_same(text);
  auto mem = memory_source(text, "t.txt");
  Input in = streamed(*mem);
  REQUIRE(in.reports.size() == 1);
  Report &r = in.reports[0];
  const auto &gs = r.process.goroutines;
  REQUIRE(gs.size() == 30);
  for (size_t i = 0; i < gs.size(); ++i) {
    CHECK(gs[i].parent_goid == 100 + int64_t(gs[i].id % 7));
    CHECK(gs[i].created_by == gs[0].created_by);
  }
  group_goroutines(r, InAppRules{AnalysisOptions{}});
  REQUIRE(r.groups.size() == 1);
  CHECK(r.groups[0].goroutine_ids.size() == 30);
  CHECK(r.groups[0].created_by->function == "main.start");
}

TEST_CASE("block fast path over a large compressed dump read in the decompressor's buffers",
          "[traceback][block][readahead]") {
  // > 4 MiB, so that decompression runs on its own thread and the reader
  // takes its buffers in place; bodies and headers straddle every buffer end.
  std::vector<std::string> variants;
  for (int parent : {1, 7, 4242}) {
    std::string v = kBody;
    v.replace(v.find("goroutine 1\n"), 12, "goroutine " + std::to_string(parent) + "\n");
    variants.push_back(v);
  }
  variants.push_back(std::string(kBody).replace(std::strlen("main.worker(0xc000010000"), 0, std::string(3000, '7')));
  std::string text = "panic: boom\n\n" + goroutine(1, "main.main()\n\t/a/m.go:5 +0x10\n", "running");
  uint32_t rnd = 7;
  for (int id = 10; text.size() < (12u << 20); ++id) {
    rnd = rnd * 1103515245 + 12345;
    text += goroutine(id, variants[(rnd >> 16) % variants.size()], (rnd >> 8) % 3 ? "chan receive" : "select");
  }
  std::string want = describe_decoded(line_by_line(text));
  std::string z(ZSTD_compressBound(text.size()), '\0');
  z.resize(ZSTD_compress(&z[0], z.size(), text.data(), text.size(), 1));
  auto opened = open_source(memory_source(z, "t.txt"), "t.txt");
  REQUIRE(bool(opened));
  Input in = streamed(*opened->source);
  CHECK(describe_decoded(in) == want);
}

TEST_CASE("block fast path: bodies that differ in argument values and parent ids, odd values included",
          "[traceback][block]") {
  // Two frames with values, an inlined one, a parent id: every copy draws
  // new values; some draw text that is not plain values, which must take
  // the line path and still give the same model.
  const char *plain[] = {"0xc000010000", "0xc000ff0010, 0x10", "{0x1, 0x2}", "0x0?, 0xc0?", "...", "", "7, 0x1e"};
  const char *odd[] = {"0x1)(0x2", "\"str\"", "0xZZ", "a(b"};
  uint32_t rnd = 99;
  auto pick = [&](bool allow_odd) -> std::string {
    rnd = rnd * 1103515245 + 12345;
    if (allow_odd && (rnd >> 16) % 13 == 0) return odd[(rnd >> 8) % 4];
    return plain[(rnd >> 8) % 7];
  };
  std::string text = "panic: boom\n\n";
  for (int id = 10; id < 600; ++id) {
    rnd = rnd * 1103515245 + 12345;
    int shape = (rnd >> 16) % 3;
    std::string body = "main.handle(" + pick(true) + ")\n\t/a/h.go:" + std::to_string(10 + shape) + " +0x1d\n" +
                       "main.inl(...)\n\t/a/h.go:20\n" + "main.serve(" + pick(true) + ")\n\t/a/s.go:30 +0x4f\n" +
                       "created by main.listen in goroutine " + std::to_string(1 + (rnd >> 8) % 5) +
                       "\n\t/a/l.go:40 +0x27\n";
    text += goroutine(id, body, shape ? "IO wait" : "select");
  }
  check_same(text);
  Input in = line_by_line(text);
  REQUIRE(in.reports.size() == 1);
  const auto &gs = in.reports[0].process.goroutines;
  REQUIRE(gs.size() == 590);
  // Same shape, different values: one stack, values per goroutine.
  auto mem = memory_source(text, "t.txt");
  Input fast = streamed(*mem);
  const auto &fs = fast.reports[0].process.goroutines;
  size_t shared = 0;
  for (size_t i = 1; i < fs.size(); ++i) {
    // Odd values can move the split between function and arguments: those
    // get stacks of their own, in the oracle too.
    CHECK((fs[i].stack == fs[0].stack) == (gs[i].stack == gs[0].stack));
    shared += fs[i].stack == fs[0].stack;
    CHECK(frame_args(fs[i], 0) == frame_args(gs[i], 0));
    CHECK(frame_args(fs[i], 2) == frame_args(gs[i], 2));
  }
  CHECK(shared > 100);
}

TEST_CASE("block fast path: copies of a body with its own argument values share them", "[traceback][block]") {
  std::string a = kBody, b = kBody;
  a.replace(a.find("0xc000010000"), 12, "0xc000020000");
  b.replace(b.find("0xc000010000"), 12, "0xc000030000");
  std::string text = "panic: boom\n\n";
  for (int i = 0; i < 60; ++i) text += goroutine(10 + i, i % 3 == 0 ? std::string(kBody) : i % 3 == 1 ? a : b);
  check_same(text);
  auto mem = memory_source(text, "t.txt");
  Input in = streamed(*mem);
  const auto &gs = in.reports[0].process.goroutines;
  REQUIRE(gs.size() == 60);
  for (size_t i = 0; i < gs.size(); ++i) {
    CHECK(gs[i].stack == gs[0].stack);
    CHECK(bool(gs[i].frame_args) == (i % 3 != 0));
    // After the first round every copy reuses the cached values: one string each for a and b.
    if (i >= 6 && i % 3 != 0) CHECK(gs[i].frame_args.get() == gs[i - 3].frame_args.get());
  }
  CHECK(frame_args(gs[1], 0) == "0xc000020000, {0x1, 0x2}");
  CHECK(frame_args(gs[2], 0) == "0xc000030000, {0x1, 0x2}");
}

TEST_CASE("block fast path: GOTRACEBACK=system bodies, whose fp= and sp= differ per goroutine", "[traceback][block]") {
  // Frame sizes come from the pc, so copies of a stack differ by one base;
  // some copies break that (a stack switch), some carry values that are not
  // plain hex, and they must give what the line path gives.
  uint32_t rnd = 7;
  auto next = [&] { return rnd = rnd * 1103515245 + 12345; };
  auto hex = [](uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  std::string text = "SIGQUIT: quit\nPC=0x4091ae m=0 sigcode=0\n\n";
  for (int id = 10; id < 700; ++id) {
    next();
    uint64_t base = 0xc000100000ull + uint64_t(id) * 0x2000 + (rnd >> 20) * 8;
    int shape = (rnd >> 8) % 3;
    bool odd_sizes = (rnd >> 12) % 11 == 0, odd_text = (rnd >> 14) % 17 == 0;
    uint64_t inner = odd_sizes ? 0x40 + (rnd >> 24) % 7 * 8 : 0x20;
    auto addrs = [&](uint64_t fp, uint64_t sp, const char *pc) {
      return " fp=" + hex(fp) + " sp=" + (odd_text && sp == base ? std::string("0xZ1") : hex(sp)) + " pc=" + pc;
    };
    std::string body = "runtime.gopark(" + hex(base + 0x30) + "?, 0x2?)\n\t/go/src/runtime/proc.go:462 +0xce" +
                       addrs(base + inner, base, "0x48048e") + "\nmain.inl(...)\n\t/a/h.go:20\n" + "main.handle(" +
                       hex(base + 0x100) + ", 0x" + std::to_string(shape) +
                       ")\n\t/a/h.go:" + std::to_string(10 + shape) + " +0x1d" +
                       addrs(base + inner + 0x90, base + inner, "0x50c4e5") + "\ncreated by main.serve in goroutine " +
                       std::to_string(1 + id % 4) + "\n\t/a/s.go:40 +0xad\n";
    text += "goroutine " + std::to_string(id) + " gp=" + hex(0xc000200000ull + id * 0x1e0) + " m=nil [select" +
            (id % 2 ? ", 1 minutes" : "") + "]:\n" + body + "\n";
  }
  check_same(text);
  auto mem = memory_source(text, "t.txt");
  Input fast = streamed(*mem);
  Input slow = line_by_line(text);
  const auto &fs = fast.reports.at(0).process.goroutines;
  const auto &ss = slow.reports.at(0).process.goroutines;
  REQUIRE(fs.size() == 690);
  REQUIRE(ss.size() == 690);
  size_t based = 0, own = 0;
  for (size_t i = 0; i < fs.size(); ++i) {
    auto a = frame_addresses(fs[i], 0), b = frame_addresses(ss[i], 0);
    REQUIRE(bool(a) == bool(b));
    if (a) CHECK((a->fp == b->fp && a->sp == b->sp));
    CHECK_FALSE(frame_addresses(fs[i], 1));  // the inlined frame shows none
    based += fs[i].extras().frame_address_base().has_value();
    own += !fs[i].details().frame_addresses.empty();
  }
  CHECK(based > 500);  // most copies cost one base
  CHECK(own > 20);     // copies with other frame sizes keep their own
}

TEST_CASE("block fast path: fp= and sp= values of every width from 1 to 16 hex digits", "[traceback][block]") {
  // The matcher reads these values 16 bytes at a time; a body may also end
  // within 16 bytes of the input's end.
  std::string text = "SIGQUIT: quit\nPC=0x4091ae m=0 sigcode=0\n\n";
  auto hex = [](uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  int id = 1;
  for (int fp_digits = 1; fp_digits <= 16; ++fp_digits) {
    for (int sp_digits : {1, 7, 12, 16}) {
      uint64_t fp =
          fp_digits == 16 ? 0xfedcba9876543210ull : (uint64_t(0x9abcdef12345678ull) >> (4 * (15 - fp_digits)));
      uint64_t sp = sp_digits == 16 ? 0x8000000000000001ull : (uint64_t(1) << (4 * sp_digits - 1)) | 0x5;
      text += "goroutine " + std::to_string(++id) + " gp=" + hex(0xc000200000ull + id * 0x1e0) +
              " m=nil [select]:\nruntime.gopark(" + hex(fp) +
              "?, 0x2?)\n\t/go/src/runtime/proc.go:462 +0xce fp=" + hex(fp) + " sp=" + hex(sp) +
              " pc=0x48048e\nmain.handle(0x1)\n\t/a/h.go:10 +0x1d fp=" + hex(fp + 0x90) + " sp=" + hex(fp) +
              " pc=0x50c4e5\ncreated by main.serve in goroutine 1\n\t/a/s.go:40 +0xad\n\n";
    }
  }
  check_same(text);
  // The last body ends the input, so its values are read near the end.
  check_same(text.substr(0, text.size() - 1));
  auto mem = memory_source(text, "t.txt");
  Input streamed_in = streamed(*mem);
  const auto &gs = streamed_in.reports.at(0).process.goroutines;
  REQUIRE(gs.size() == 64);
  auto a = frame_addresses(gs.back(), 0);
  REQUIRE(a);
  CHECK(a->fp == 0xfedcba9876543210ull);
  CHECK(a->sp == 0x8000000000000001ull);
  auto first = frame_addresses(gs.front(), 0);
  REQUIRE(first);
  CHECK(first->fp == 0x9);
  CHECK(first->sp == 0xd);
}

TEST_CASE("block fast path: argument values that match the cached copy's but not the stack's", "[traceback][block]") {
  // The stack keeps the first goroutine's values. A variant cached later
  // carries other values; copies of the variant, and copies with yet other
  // values, must mark only the stack's own values as the stack's.
  std::string text = "goroutine 1 [running]:\nmain.main()\n\t/a/m.go:5 +0x1\n\n";
  const char *values[] = {"0x1, 0x2", "0x3, 0x4", "0x3, 0x4", "0x1, 0x2", "0x5, 0x6", "0x3, 0x4", "0x1, 0x2"};
  int id = 10;
  for (int round = 0; round < 3; ++round)
    for (const char *v : values)
      text += "goroutine " + std::to_string(++id) + " [chan receive]:\nmain.worker(" + std::string(v) +
              ")\n\t/a/w.go:10 +0x1d\nmain.run(0x7)\n\t/a/w.go:20 +0x2\ncreated by main.start in goroutine 1\n"
              "\t/a/w.go:30 +0x4f\n\n";
  check_same(text);
}
