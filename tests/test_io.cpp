// Tests for lib/io: decompression, kind detection, LineReader.
#include "io/input.h"
#include "pipeline/analyze.h"

#include "test_support.h"

#include <catch2/catch.hpp>

#include <zlib.h>
#include <zstd.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace crashctl;

namespace {

// Text that compresses but not trivially: numbered goroutine-like lines.
std::string sample_text(size_t lines) {
  std::string s;
  uint32_t x = 12345;
  for (size_t i = 0; i < lines; ++i) {
    x = x * 1103515245u + 12345u;
    s += "goroutine " + std::to_string(i) + " [running]:\n\tmain.f" + std::to_string(x % 977) + "(0x" +
         std::to_string(x) + ")\n";
  }
  return s;
}

std::string zstd_frame(const std::string &data, bool content_size = true, bool checksum = false, int level = 3) {
  ZSTD_CCtx *c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, content_size ? 1 : 0);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress2(c, &out[0], out.size(), data.data(), data.size());
  ZSTD_freeCCtx(c);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// The streaming API without a pledged size omits the content size, as
// systemd-coredump's frames do.
std::string zstd_streamed(const std::string &data) {
  ZSTD_CStream *c = ZSTD_createCStream();
  ZSTD_initCStream(c, 3);
  std::string out;
  std::vector<char> chunk(ZSTD_CStreamOutSize());
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    size_t r = ZSTD_compressStream(c, &o, &in);
    REQUIRE_FALSE(ZSTD_isError(r));
    out.append(chunk.data(), o.pos);
  }
  for (;;) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    size_t r = ZSTD_endStream(c, &o);
    REQUIRE_FALSE(ZSTD_isError(r));
    out.append(chunk.data(), o.pos);
    if (r == 0) break;
  }
  ZSTD_freeCStream(c);
  return out;
}

std::string skippable_frame(const std::string &payload, unsigned variant = 0) {
  std::string f;
  uint32_t magic = 0x184D2A50u + variant;
  uint32_t size = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) f += static_cast<char>((magic >> (8 * i)) & 0xff);
  for (int i = 0; i < 4; ++i) f += static_cast<char>((size >> (8 * i)) & 0xff);
  return f + payload;
}

std::string gzip_member(const std::string &data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef *>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct Drained {
  std::string bytes;
  std::string error;
};

// Reads a source to its end or first error, with a given read size.
Drained drain(ByteSource &src, size_t chunk = 4096) {
  Drained d;
  std::vector<char> buf(chunk);
  for (;;) {
    auto r = src.read(buf.data(), buf.size());
    if (!r) {
      d.error = llvm::toString(r.takeError());
      break;
    }
    if (*r == 0) break;
    d.bytes.append(buf.data(), *r);
  }
  return d;
}

OpenedInput open_ok(const std::string &bytes, const std::string &name = "in") {
  auto o = open_source(memory_source(bytes, name), name);
  if (!o) FAIL(llvm::toString(o.takeError()));
  return std::move(*o);
}

std::string open_err(const std::string &bytes, const std::string &name = "in") {
  auto o = open_source(memory_source(bytes, name), name);
  if (o) return "";
  return llvm::toString(o.takeError());
}

using crashctl::test::Lines;
using crashctl::test::read_lines;

// Yields its data, then fails.
class FailingSource : public ByteSource {
public:
  explicit FailingSource(std::string data) : data_(std::move(data)) {}
  llvm::Expected<size_t> read(char *buf, size_t n) override {
    if (pos_ == data_.size())
      return llvm::createStringError(std::errc::io_error, "disk.txt: read error at byte %zu: EIO", pos_);
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t raw_position() const override { return pos_; }
  uint64_t raw_size() const override { return 0; }

private:
  std::string data_;
  size_t pos_ = 0;
};

std::string elf_header(unsigned type, bool big_endian) {
  std::string h(64, '\0');
  h[0] = 0x7f, h[1] = 'E', h[2] = 'L', h[3] = 'F';
  h[4] = 2;                   // ELFCLASS64
  h[5] = big_endian ? 2 : 1;  // EI_DATA
  h[6] = 1;                   // EV_CURRENT
  h[big_endian ? 17 : 16] = static_cast<char>(type);
  h[big_endian ? 19 : 18] = 62;  // e_machine (EM_X86_64), low byte
  return h + std::string(4096, '\x01');
}

}  // namespace

TEST_CASE("io: plain text passes through unchanged", "[io]") {
  std::string text = sample_text(5000);
  auto in = open_ok(text);
  CHECK(in.compression == Compression::None);
  CHECK(in.format == InputFormat::Traceback);
  auto d = drain(*in.source, 333);
  CHECK(d.error.empty());
  CHECK(d.bytes == text);
}

TEST_CASE("io: zstd single frame", "[io][zstd]") {
  std::string text = sample_text(20000);
  auto in = open_ok(zstd_frame(text));
  CHECK(in.compression == Compression::Zstd);
  CHECK(in.format == InputFormat::Traceback);
  auto d = drain(*in.source);
  CHECK(d.error.empty());
  CHECK(d.bytes == text);
}

TEST_CASE("io: zstd frame without content size", "[io][zstd]") {
  std::string text = sample_text(20000);
  std::string z = zstd_streamed(text);
  // The frame header must really omit the content size.
  CHECK(ZSTD_getFrameContentSize(z.data(), z.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  auto in = open_ok(z);
  CHECK(in.compression == Compression::Zstd);
  auto d = drain(*in.source, 100000);
  CHECK(d.error.empty());
  CHECK(d.bytes == text);

  std::string z2 = zstd_frame(text, /*content_size=*/false);
  CHECK(ZSTD_getFrameContentSize(z2.data(), z2.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  auto in2 = open_ok(z2);
  CHECK(drain(*in2.source).bytes == text);
}

TEST_CASE("io: zstd concatenated frames and skippable frames", "[io][zstd]") {
  std::string a = sample_text(3000), b = "second frame\n", c = sample_text(7000);
  SECTION("concatenated") {
    auto in = open_ok(zstd_frame(a) + zstd_streamed(b) + zstd_frame(c, false));
    auto d = drain(*in.source);
    CHECK(d.error.empty());
    CHECK(d.bytes == a + b + c);
  }
  SECTION("skippable frames first, between, and last") {
    std::string z = skippable_frame("meta") + zstd_frame(a) + skippable_frame(std::string(70000, 'x'), 15) +
                    skippable_frame("") + zstd_frame(b) + zstd_frame(c) + skippable_frame("end", 3);
    auto in = open_ok(z);
    CHECK(in.compression == Compression::Zstd);
    auto d = drain(*in.source, 777);
    CHECK(d.error.empty());
    CHECK(d.bytes == a + b + c);
  }
  SECTION("trailing garbage after the last frame is an error after the data") {
    std::string z = zstd_frame(a);
    auto in = open_ok(z + "garbage!");
    auto d = drain(*in.source);
    CHECK(d.bytes == a);
    CHECK(d.error.find("in: at compressed byte " + std::to_string(z.size())) != std::string::npos);
    CHECK(d.error.find("trailing data") != std::string::npos);
  }
}

TEST_CASE("io: truncated zstd delivers decoded bytes, then an error with the offset", "[io][zstd]") {
  std::string text = sample_text(60000);  // several zstd blocks
  std::string z = zstd_frame(text);
  std::string cut = z.substr(0, z.size() / 2);
  auto in = open_ok(cut, "crash.txt.zst");
  auto d = drain(*in.source);
  CHECK(d.bytes.size() > text.size() / 4);
  CHECK(d.bytes.size() < text.size());
  CHECK(text.compare(0, d.bytes.size(), d.bytes) == 0);
  CHECK(d.error == "crash.txt.zst: at compressed byte " + std::to_string(cut.size()) +
                       ": truncated zstd frame (expected more compressed data)");

  // The same through LineReader: lines before the cut, then error().
  auto in2 = open_ok(cut, "crash.txt.zst");
  auto l = read_lines(*in2.source);
  CHECK(l.lines.size() > 1000);
  CHECK(l.lines[0] == "goroutine 0 [running]:");
  CHECK(l.error.find("truncated zstd frame") != std::string::npos);
  REQUIRE_FALSE(l.diags.empty());
  CHECK(l.diags.back().severity == Severity::Error);

  // Truncated within the first bytes: no data, still an error, no crash.
  auto o = open_source(memory_source(z.substr(0, 6), "t.zst"), "t.zst");
  if (o) {
    auto d2 = drain(*o->source);
    CHECK(d2.bytes.empty());
    CHECK(d2.error.find("t.zst: at compressed byte") != std::string::npos);
  } else {
    CHECK(llvm::toString(o.takeError()).find("t.zst: at compressed byte") != std::string::npos);
  }
}

TEST_CASE("io: corrupt zstd reports the offset and the zstd error", "[io][zstd]") {
  std::string text = sample_text(60000);
  std::string z = zstd_frame(text, true, /*checksum=*/true);
  for (size_t i = z.size() / 2; i < z.size() / 2 + 64; ++i) z[i] = static_cast<char>(z[i] ^ 0x5a);
  auto in = open_ok(z, "crash.txt.zst");
  auto d = drain(*in.source);
  CHECK(d.bytes.size() < text.size());
  CHECK(text.compare(0, d.bytes.size(), d.bytes) == 0);
  CHECK(d.error.rfind("crash.txt.zst: at compressed byte ", 0) == 0);
  CHECK(d.error.find(": zstd: ") != std::string::npos);
}

TEST_CASE("io: a zstd checksum error keeps every decoded byte, then reports it", "[io][zstd]") {
  std::string text = sample_text(60000);  // 2.6 MB: many blocks
  std::string z = zstd_frame(text, true, /*checksum=*/true);
  z.back() = static_cast<char>(z.back() ^ 0xff);  // the frame's checksum field
  for (size_t chunk : {size_t(4096), size_t(1) << 20}) {
    auto in = open_ok(z, "crash.txt.zst");
    auto d = drain(*in.source, chunk);
    INFO("read size " << chunk);
    CHECK(d.bytes.size() == text.size());
    CHECK((d.bytes == text));
    CHECK(d.error == "crash.txt.zst: at compressed byte " + std::to_string(z.size()) +
                         ": zstd: checksum mismatch: the frame's content does not match its checksum "
                         "(every decoded byte was read)");
  }
  // Through LineReader: every line, then the error.
  std::string two = z + zstd_frame("after\n");  // not read: the input failed
  auto in = open_ok(two, "crash.txt.zst");
  auto l = read_lines(*in.source);
  CHECK(l.lines.size() == 120000);
  CHECK(l.error.find("checksum mismatch") != std::string::npos);
  // Analyzed: the crash at the end is reported, and the input failed (exit 2).
  std::string log = sample_text(20000) + "panic: x\n\ngoroutine 1 [running]:\nmain.f()\n\t/a.go:1 +0x1\n";
  std::string zl = zstd_frame(log, true, /*checksum=*/true);
  zl.back() = static_cast<char>(zl.back() ^ 0xff);
  Input a = analyze_bytes(zl, "crash.txt.zst", AnalysisOptions{});
  CHECK(a.failed);
  CHECK(a.size == log.size());
  REQUIRE_FALSE(a.reports.empty());
  CHECK(a.reports.back().verdict.cls == VerdictClass::ExplicitPanic);
}

TEST_CASE("io: zstd frames with checksums of every length up to a few blocks decode cleanly", "[io][zstd]") {
  std::string text = sample_text(4000);
  for (size_t n : {0, 1, 3, 4, 7, 8, 15, 31, 32, 33, 63, 64, 65, 100, 1000, 4096, 131071, 131072, 131073}) {
    std::string part = text.substr(0, n);
    auto in = open_ok(zstd_frame(part, n % 2 == 0, /*checksum=*/true) + zstd_frame(part, true, true));
    auto d = drain(*in.source, 333);
    INFO("length " << n);
    CHECK(d.error.empty());
    CHECK((d.bytes == part + part));
  }
}

TEST_CASE("io: gzip single and multi-member", "[io][gzip]") {
  std::string a = sample_text(4000), b = "middle\n", c = sample_text(9000);
  SECTION("single") {
    auto in = open_ok(gzip_member(a));
    CHECK(in.compression == Compression::Gzip);
    CHECK(in.format == InputFormat::Traceback);
    auto d = drain(*in.source);
    CHECK(d.error.empty());
    CHECK(d.bytes == a);
  }
  SECTION("multi-member") {
    auto in = open_ok(gzip_member(a) + gzip_member(b) + gzip_member("") + gzip_member(c));
    auto d = drain(*in.source, 1000);
    CHECK(d.error.empty());
    CHECK(d.bytes == a + b + c);
  }
  SECTION("trailing garbage is an error after the data") {
    std::string g = gzip_member(a) + gzip_member(b);
    auto in = open_ok(g + "JUNK");
    auto d = drain(*in.source);
    CHECK(d.bytes == a + b);
    CHECK(d.error == "in: at compressed byte " + std::to_string(g.size()) +
                         ": trailing garbage after a gzip member (expected gzip magic 1f 8b or "
                         "the end of the file)");
  }
}

TEST_CASE("io: truncated and corrupt gzip", "[io][gzip]") {
  std::string text = sample_text(60000);
  std::string g = gzip_member(text);
  SECTION("truncated in the middle") {
    std::string cut = g.substr(0, g.size() / 2);
    auto in = open_ok(cut, "crash.txt.gz");
    auto d = drain(*in.source);
    CHECK(d.bytes.size() > text.size() / 4);
    CHECK(d.bytes.size() < text.size());
    CHECK(text.compare(0, d.bytes.size(), d.bytes) == 0);
    CHECK(d.error == "crash.txt.gz: at compressed byte " + std::to_string(cut.size()) +
                         ": truncated gzip member (expected more compressed data)");
  }
  SECTION("trailer missing") {
    std::string cut = g.substr(0, g.size() - 4);
    auto in = open_ok(cut, "crash.txt.gz");
    auto d = drain(*in.source);
    CHECK(d.bytes == text);
    CHECK(d.error.find("truncated gzip member") != std::string::npos);
  }
  SECTION("truncated second member") {
    std::string two = gzip_member("first\n") + g.substr(0, 100);
    auto in = open_ok(two, "x.gz");
    auto d = drain(*in.source);
    CHECK(d.bytes.rfind("first\ngoroutine 0", 0) == 0);
    CHECK(d.error.find("x.gz: at compressed byte " + std::to_string(two.size())) == 0);
  }
  SECTION("corrupt") {
    std::string bad = g;
    for (size_t i = 100; i < 140; ++i) bad[i] = static_cast<char>(bad[i] ^ 0xff);
    auto in = open_ok(bad, "crash.txt.gz");
    auto d = drain(*in.source);
    CHECK(d.bytes.size() < text.size());
    CHECK(d.error.rfind("crash.txt.gz: at compressed byte ", 0) == 0);
    CHECK(d.error.find("gzip: ") != std::string::npos);
  }
  SECTION("CRC mismatch") {
    std::string bad = g;
    bad[bad.size() - 6] = static_cast<char>(bad[bad.size() - 6] ^ 1);
    auto in = open_ok(bad, "crash.txt.gz");
    auto d = drain(*in.source);
    CHECK(d.error.find("incorrect data check") != std::string::npos);
  }
}

TEST_CASE("io: kind detection", "[io][kind]") {
  SECTION("ELF core, both byte orders, also compressed") {
    for (bool be : {false, true}) {
      std::string core = elf_header(4, be);
      auto in = open_ok(core);
      CHECK(in.format == InputFormat::Core);
      CHECK(in.compression == Compression::None);
      CHECK(drain(*in.source, 7).bytes == core);  // nothing consumed by detection
      auto z = open_ok(zstd_streamed(core));
      CHECK(z.format == InputFormat::Core);
      CHECK(z.compression == Compression::Zstd);
      CHECK(drain(*z.source).bytes == core);
    }
    auto g = open_ok(gzip_member(elf_header(4, false)));
    CHECK(g.format == InputFormat::Core);
    CHECK(g.compression == Compression::Gzip);
  }
  SECTION("ELF executable and shared object are rejected") {
    for (unsigned type : {2u, 3u})
      for (bool be : {false, true})
        CHECK(open_err(elf_header(type, be), "prog") ==
              "prog: is an ELF executable, not a core dump; pass it with --exe next to a core");
    CHECK(open_err(zstd_frame(elf_header(2, false)), "prog.zst") ==
          "prog.zst: is an ELF executable, not a core dump; pass it with --exe next to a core");
    // A big-endian ET_CORE is not mistaken for a little-endian one.
    std::string odd = elf_header(4, false);
    odd[5] = 2;  // claims big endian: e_type reads 0x0400
    CHECK_FALSE(open_err(odd).empty());
  }
  SECTION("heap dump") {
    std::string dump = std::string("go1.7 heap dump\n") + std::string("\x01\x02\x00\x11", 4);
    auto in = open_ok(dump);
    CHECK(in.format == InputFormat::HeapDump);
    CHECK(drain(*in.source).bytes == dump);
    CHECK(open_ok(gzip_member(dump)).format == InputFormat::HeapDump);
  }
  SECTION("binary junk is rejected with the first bytes in hex") {
    std::string junk;
    uint32_t x = 1;
    for (int i = 0; i < 5000; ++i) {
      x = x * 1664525u + 1013904223u;
      junk += static_cast<char>(x >> 24);
    }
    junk[0] = '\x12', junk[1] = '\x34', junk[2] = '\x56', junk[3] = '\x78';
    junk[4] = '\x9a', junk[5] = '\xbc', junk[6] = '\xde', junk[7] = '\xf0';
    CHECK(open_err(junk, "junk.bin") ==
          "junk.bin: unsupported input: not Go crash text, an ELF core or a Go heap dump "
          "(first bytes: 12 34 56 78 9a bc de f0)");
    // Text with NULs all over (UTF-16) is binary; NUL padding is not
    // (tests/test_nul_padding.cpp).
    std::string nul = sample_text(100);
    for (size_t i = 1; i < nul.size(); i += 2) nul[i] = '\0';
    CHECK(open_err(nul).find("unsupported input") != std::string::npos);
    // Compressed junk also.
    CHECK(open_err(zstd_frame(junk), "j.zst").find("j.zst: unsupported input") == 0);
    // Other compressions are named.
    CHECK(open_err(std::string("\xfd"
                               "7zXZ\0\0\x04\xe6",
                               9))
              .find("xz") != std::string::npos);
  }
  SECTION("text with UTF-8 and a few control bytes is text; empty input is text") {
    std::string t = "panic: ошибка — déjà vu \x1b[31mred\x1b[0m\n" + sample_text(10);
    CHECK(open_ok(t).format == InputFormat::Traceback);
    auto e = open_ok("");
    CHECK(e.format == InputFormat::Traceback);
    CHECK(e.compression == Compression::None);
    CHECK(drain(*e.source).bytes.empty());
    CHECK(open_ok(zstd_frame("")).format == InputFormat::Traceback);
    CHECK(open_ok("p").format == InputFormat::Traceback);  // shorter than any magic
  }
}

TEST_CASE("io: open_input on files", "[io][file]") {
  char tmpl[] = "/tmp/crashctl_test_io_XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  std::string path = tmpl;
  std::string text = sample_text(30000);
  std::string z = zstd_frame(text);
  REQUIRE(::write(fd, z.data(), z.size()) == static_cast<ssize_t>(z.size()));
  ::close(fd);
  {
    auto in = open_input(path);
    REQUIRE(static_cast<bool>(in));
    CHECK(in->compression == Compression::Zstd);
    CHECK(in->source->raw_size() == z.size());
    auto d = drain(*in->source, 1 << 20);
    CHECK(d.bytes == text);
    CHECK(in->source->raw_position() == z.size());
  }
  std::remove(path.c_str());
  auto missing = open_input(path);
  REQUIRE_FALSE(static_cast<bool>(missing));
  CHECK(llvm::toString(missing.takeError()) == path + ": cannot open: No such file or directory");
  auto dir = open_input("/tmp");
  REQUIRE_FALSE(static_cast<bool>(dir));
  CHECK(llvm::toString(dir.takeError()) == "/tmp: is a directory");
}

TEST_CASE("io: LineReader splitting", "[io][lines]") {
  SECTION("CRLF, LF, empty lines, no final newline") {
    auto src = memory_source("a\r\nbb\n\n\r\nlast", "m");
    auto l = read_lines(*src);
    CHECK(l.lines == std::vector<std::string>{"a", "bb", "", "", "last"});
    CHECK(l.offsets == std::vector<uint64_t>{0, 3, 6, 7, 9});
    CHECK(l.error.empty());
    CHECK(l.diags.empty());
  }
  SECTION("final newline gives no extra empty line; lone CR inside is kept") {
    auto src = memory_source("x\ry\nz\n", "m");
    auto l = read_lines(*src);
    CHECK(l.lines == std::vector<std::string>{"x\ry", "z"});
  }
  SECTION("empty input") {
    auto src = memory_source("", "m");
    CHECK(read_lines(*src).lines.empty());
  }
  SECTION("byte-at-a-time source: same lines, CRLF split across reads") {
    std::string text = "one\r\ntwo\nthree\r\n\r\nfour";
    for (size_t step : {1, 2, 3, 5}) {
      test::TrickleSource src(text, step);
      auto l = read_lines(src);
      CHECK(l.lines == std::vector<std::string>{"one", "two", "three", "", "four"});
      CHECK(l.offsets == std::vector<uint64_t>{0, 5, 9, 16, 18});
    }
  }
  SECTION("lines across the 1 MiB buffer boundary") {
    std::string text;
    std::vector<std::string> want;
    for (int i = 0; text.size() < (3 << 20); ++i) {
      std::string line(static_cast<size_t>(i * 7919 % 5000), static_cast<char>('a' + i % 26));
      want.push_back(line);
      text += line + (i % 3 ? "\n" : "\r\n");
    }
    test::TrickleSource src(text, 65536 + 17);
    auto l = read_lines(src);
    CHECK(l.lines == want);
  }
}

TEST_CASE("io: LineReader cuts overlong lines with a diagnostic", "[io][lines]") {
  std::string longline(5000, 'L');
  std::string text = "short\n" + longline + "\nafter\n" + std::string(300, 'M') + "\r\n" + std::string(100, 'e') +
                     "\r\n" + std::string(101, 'f') + "\r\n" + std::string(250, 'T');
  for (size_t step : {size_t(7), size_t(1) << 20}) {
    test::TrickleSource src(text, step);
    auto l = read_lines(src, 100);
    REQUIRE(l.lines.size() == 7);
    CHECK(l.lines[0] == "short");
    CHECK(l.lines[1] == std::string(100, 'L'));
    CHECK(l.lines[2] == "after");
    CHECK(l.lines[3] == std::string(100, 'M'));
    CHECK(l.lines[4] == std::string(100, 'e'));  // exactly max_line + "\r\n": not cut
    CHECK(l.lines[5] == std::string(100, 'f'));
    CHECK(l.lines[6] == std::string(100, 'T'));  // final line without newline
    CHECK(l.offsets[2] == 6 + 5001);
    REQUIRE(l.diags.size() == 4);
    CHECK(l.diags[0].severity == Severity::Warning);
    CHECK(l.diags[0].offset == 6);
    CHECK(l.diags[0].message.find("line at byte 6 is longer than 100 bytes") != std::string::npos);
    CHECK(l.error.empty());
  }
}

TEST_CASE("io: LineReader read error delivers earlier lines, then error()", "[io][lines]") {
  FailingSource src("l1\nl2\npartial");
  auto l = read_lines(src);
  CHECK(l.lines == std::vector<std::string>{"l1", "l2", "partial"});
  CHECK(l.error == "disk.txt: read error at byte 13: EIO");
  REQUIRE(l.diags.size() == 1);
  CHECK(l.diags[0].severity == Severity::Error);
  CHECK(l.diags[0].offset == 13);
}

TEST_CASE("io: LineReader handles 50 MB and a 20 MB line without quadratic work", "[io][lines]") {
  std::string unit = "goroutine 1 [running]:\n\tmain.main()\r\n\t\t/src/main.go:12 +0x1d\n";
  std::string text;
  text.reserve(50 << 20);
  size_t reps = 0;
  while (text.size() + unit.size() <= (50u << 20)) text += unit, ++reps;
  {
    auto src = memory_source(text, "big");
    LineReader r(*src, "big");
    std::string_view line;
    uint64_t off, n = 0, bytes = 0;
    while (r.next(line, off)) ++n, bytes += line.size();
    CHECK(n == reps * 3);
    CHECK(r.bytes_read() == text.size());
    CHECK(r.error().empty());
  }
  {
    // A 20 MB line delivered in 64 KiB reads (pipe-like) is cut at 16 MiB.
    std::string huge = "head\n" + std::string(20 << 20, 'x') + "\ntail\n";
    test::TrickleSource src(huge, 65536);
    auto l = read_lines(src);
    REQUIRE(l.lines.size() == 3);
    CHECK(l.lines[1].size() == (16u << 20));
    CHECK(l.lines[2] == "tail");
    CHECK(l.diags.size() == 1);
  }
}

TEST_CASE("io: to_string of model enums", "[io][model]") {
  CHECK(std::string(to_string(InputFormat::Traceback)) == "traceback");
  CHECK(std::string(to_string(InputFormat::Core)) == "core");
  CHECK(std::string(to_string(InputFormat::HeapDump)) == "heapdump");
  CHECK(std::string(to_string(InputFormat::Unknown)) == "unknown");
  CHECK(std::string(to_string(Compression::None)) == "none");
  CHECK(std::string(to_string(Compression::Gzip)) == "gzip");
  CHECK(std::string(to_string(Compression::Zstd)) == "zstd");
  CHECK(std::string(to_string(Severity::Note)) == "note");
  CHECK(std::string(to_string(Severity::Warning)) == "warning");
  CHECK(std::string(to_string(Severity::Error)) == "error");
  CHECK(std::string(to_string(ReportKind::Crash)) == "crash");
  CHECK(std::string(to_string(ReportKind::Snapshot)) == "snapshot");
  CHECK(std::string(to_string(ReportKind::Race)) == "race");
}

TEST_CASE("io: Progress is silent when stderr is not a TTY", "[io][progress]") {
  auto src = memory_source(std::string(1000, 'a'), "p");
  Progress p("p", src.get());
  for (int i = 0; i < 100000; ++i) p.tick();  // must not crash nor block
  SUCCEED();
}

TEST_CASE("io: large compressed streams decompress on a second thread, in order, errors last",
          "[io][zstd][gzip][readahead]") {
  std::string text = sample_text(400000);  // ~18 MB: past the 4 MiB read on the caller's thread
  REQUIRE(text.size() > (12u << 20));
  for (const std::string &z :
       {zstd_frame(text), zstd_frame(text.substr(0, 7 << 20)) + zstd_frame(text.substr(7 << 20)), gzip_member(text)}) {
    for (size_t chunk : {size_t(1000), size_t(4096), size_t(3 << 20)}) {
      auto in = open_ok(z, "big.zst");
      auto d = drain(*in.source, chunk);
      CHECK(d.error.empty());
      CHECK(d.bytes.size() == text.size());
      CHECK(d.bytes == text);
      CHECK(in.source->raw_position() == z.size());
    }
  }
  // Cut: every decoded byte first, then the error naming the compressed offset.
  std::string z = zstd_frame(text);
  std::string cut = z.substr(0, z.size() * 3 / 4);
  auto in = open_ok(cut, "cut.zst");
  auto d = drain(*in.source, 65536);
  CHECK(d.bytes.size() > (8u << 20));
  CHECK(text.compare(0, d.bytes.size(), d.bytes) == 0);
  CHECK(d.error == "cut.zst: at compressed byte " + std::to_string(cut.size()) +
                       ": truncated zstd frame (expected more compressed data)");
  std::vector<char> buf(100);
  auto again = in.source->read(buf.data(), buf.size());
  CHECK_FALSE(bool(again));  // the error stays
  if (!again) llvm::consumeError(again.takeError());
  // Dropped half-way: the worker stops, nothing hangs.
  auto early = open_ok(z, "early.zst");
  std::vector<char> big(6 << 20);
  auto r = early.source->read(big.data(), big.size());
  REQUIRE(bool(r));
  r = early.source->read(big.data(), big.size());
  REQUIRE(bool(r));
  CHECK(*r > 0);
  early.source.reset();
}

TEST_CASE("io: LineReader on a large compressed stream reads the decoder's buffers in place",
          "[io][zstd][readahead][lines]") {
  // Lines across every buffer boundary, one longer than the room kept in
  // front of a buffer (256 KiB), one longer than a buffer (1 MiB), CRLF.
  std::string text = sample_text(150000);
  text += std::string(600 << 10, 'a') + "\n" + sample_text(90000) + std::string(3 << 20, 'b') + "\r\n" +
          sample_text(150000) + "last line without newline";
  REQUIRE(text.size() > (16u << 20));
  Lines want = read_lines(*memory_source(text, "in"));
  Lines want_cut = read_lines(*memory_source(text, "in"), 1 << 20);
  for (const std::string &z : {zstd_frame(text), gzip_member(text)}) {
    auto in = open_ok(z, "in");
    Lines got = read_lines(*in.source);
    CHECK(got.error.empty());
    CHECK(got.lines.size() == want.lines.size());
    CHECK(got.lines == want.lines);
    CHECK(got.offsets == want.offsets);
    auto in2 = open_ok(z, "in");
    Lines cut = read_lines(*in2.source, 1 << 20);  // the 3 MiB line is cut, with a diagnostic
    CHECK(cut.lines == want_cut.lines);
    REQUIRE(cut.diags.size() == want_cut.diags.size());
    for (size_t i = 0; i < cut.diags.size(); ++i) {
      CHECK(cut.diags[i].offset == want_cut.diags[i].offset);
      CHECK(cut.diags[i].message == want_cut.diags[i].message);
    }
  }
  // Cut short: the lines before the cut, then the error.
  std::string z = zstd_frame(text);
  std::string cut = z.substr(0, z.size() * 2 / 3);  // outlives the source reading it
  auto in = open_ok(cut, "cut.zst");
  Lines got = read_lines(*in.source);
  CHECK(got.lines.size() > 400000);  // 17 MB: well past the 4 MiB read before the worker starts
  for (size_t i = 0; i + 1 < got.lines.size(); ++i) {
    if (got.lines[i] != want.lines[i]) {
      FAIL("line " << i << " differs");
      break;
    }
  }
  CHECK(got.error.find("cut.zst: at compressed byte") != std::string::npos);
  REQUIRE_FALSE(got.diags.empty());
  CHECK(got.diags.back().severity == Severity::Error);
}
