// Parallel decoding of crash text (decode_traceback with threads > 1): the
// input is cut between goroutines, the parts are decoded at once, and the
// result must be exactly what one thread gives, for every fixture and for
// text whose parts end in the middle of anything the decoder knows.
#include "io/input.h"
#include "model/describe.h"
#include "traceback/decoder.h"
#include "traceback/listing_split.h"

#include "test_support.h"

#include <catch2/catch.hpp>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <fstream>
#include <random>

using namespace crashctl;

namespace {

Input decode_with(ByteSource &src, unsigned threads, uint64_t min_part, ListingStats *stats = nullptr) {
  Input in;
  in.path = "t.txt";
  decode_traceback(src, in, false, threads, min_part, stats);
  return in;
}

std::string one_thread(const std::string &text) {
  auto src = memory_source(text, "t.txt");
  return describe_decoded(decode_with(*src, 1, 0));
}

// A GOTRACEBACK=system dump: every goroutine's fp=, sp= and argument values
// differ, and its stacks come from a few shapes.
std::string system_dump(size_t goroutines, uint32_t seed) {
  std::mt19937 rng(seed);
  auto hex = [&](uint64_t base, uint64_t spread) {
    char b[32];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(base + rng() % spread * 8));
    return std::string(b);
  };
  const char *waits[] = {"chan receive", "select", "IO wait", "sync.Mutex.Lock", "sleep"};
  std::string t =
      "panic: boom\n\ngoroutine 1 gp=0xc000002380 m=0 mp=0x5f3e60 [running]:\n"
      "main.main()\n\t/src/app/main.go:20 +0x25 fp=0xc000071f50 sp=0xc000071f20 pc=0x4a1b25\n"
      "runtime.main()\n\t/go/src/runtime/proc.go:283 +0x28b fp=0xc000071fe0 sp=0xc000071f50 pc=0x43a8cb\n";
  for (size_t i = 0; i < goroutines; ++i) {
    unsigned shape = rng() % 7;
    uint64_t sp = 0xc000100000 + i * 0x1000;
    t += "\ngoroutine " + std::to_string(10 + i) + " gp=" + hex(0xc000200000, 1 << 20) + " m=nil [" + waits[shape % 5] +
         (shape == 3 ? ", 3 minutes" : "") + "]:\n";
    t += "runtime.gopark(" + hex(0x5a0000, 64) + ", " + hex(0xc000300000, 4096) + ", 0x0?, 0x0?, 0x0?)\n";
    t += "\t/go/src/runtime/proc.go:435 +0xce fp=" + hex(sp + 0x40, 1) + " sp=" + hex(sp, 1) + " pc=0x43ab0e\n";
    for (unsigned d = 0; d <= shape % 4; ++d) {
      uint64_t frame = sp + 0x40 + d * 0x60;
      t += "main.handler" + std::to_string(shape) + "_" + std::to_string(d) + "(" + hex(0xc000400000, 1 << 16) + ", {" +
           hex(0x1000, 16) + ", 0x" + std::to_string(d + 1) + "})\n";
      t += "\t/src/app/h" + std::to_string(shape) + ".go:" + std::to_string(10 + d) +
           " +0x4f fp=" + hex(frame + 0x60 + (shape == 5 && rng() % 3 == 0 ? 0x20 : 0), 1) + " sp=" + hex(frame, 1) +
           " pc=" + hex(0x4a0000, 1) + "\n";
    }
    t += "created by main.start in goroutine " + std::to_string(1 + rng() % 3) +
         "\n\t/src/app/main.go:" + std::to_string(30 + shape) + " +0x66\n";
  }
  return t;
}

// Checks every way of cutting TEXT against one thread.
void check_parallel_same(const std::string &text, const std::string &what) {
  std::string want = one_thread(text);
  for (unsigned threads : {2u, 3u, 4u, 8u}) {
    for (uint64_t min_part : {uint64_t(1), uint64_t(text.size() / 5 + 1), uint64_t(4096)}) {
      auto mem = memory_source(text, "t.txt");
      INFO(what << ": threads " << threads << ", parts of at least " << min_part << " bytes");
      CHECK(describe_decoded(decode_with(*mem, threads, min_part)) == want);
    }
  }
  test::TrickleSource trickle(text, 1000);
  INFO(what << ": 1000-byte reads");
  CHECK(describe_decoded(decode_with(trickle, 3, 1)) == want);
}

std::vector<std::string> fixture_files() {
  std::vector<std::string> files;
  for (const char *dir : {"fixtures", "fixtures-odd", "fixtures-old", "logs", "logwrappers"}) {
    std::error_code ec;
    std::string root = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/" + dir;
    for (llvm::sys::fs::recursive_directory_iterator it(root, ec), end; it != end && !ec; it.increment(ec)) {
      llvm::StringRef p = it->path();
      if (p.ends_with(".zst") || p.ends_with(".gz")) files.push_back(p.str());
    }
  }
  std::string corpus = std::string(CRASHCTL_SOURCE_DIR) + "/../shared/corpus";
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(corpus, ec), end; it != end && !ec; it.increment(ec))
    if (llvm::StringRef(it->path()).ends_with(".txt")) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("listing cuts: goroutine headers after an empty line", "[traceback][parallel]") {
  std::string t =
      "panic: x\n\ngoroutine 1 [running]:\nmain.main()\n\n  goroutine 2 [x]:\n\ngoroutine 7 gp=0x1 m=nil [select]:\n";
  CHECK(next_listing_cut(t) == t.find("goroutine 1"));
  CHECK(next_listing_cut(t, t.find("goroutine 1") + 1) == t.find("goroutine 7"));
  CHECK(next_listing_cut("goroutine 1 [running]:\n") == std::string_view::npos);  // no empty line before
  CHECK(next_listing_cut("x\n\ngoroutine profile: total 3\n") == std::string_view::npos);
  CHECK(next_listing_cut("x\r\n\r\ngoroutine 3 [select]:\r\n") == 5);

  std::string d = system_dump(400, 1);
  auto mem = memory_source(d, "t.txt");
  std::vector<uint64_t> cuts = listing_cuts(*mem, d.size(), 4, 1);
  REQUIRE(cuts.size() == 5);
  CHECK(cuts.front() == 0);
  CHECK(cuts.back() == d.size());
  for (size_t k = 1; k + 1 < cuts.size(); ++k) {
    CHECK(cuts[k] > cuts[k - 1]);
    CHECK(d.compare(cuts[k] - 2, 12, "\n\ngoroutine ") == 0);
  }
  CHECK(listing_cuts(*mem, d.size(), 4, d.size()) == std::vector<uint64_t>{0, d.size()});  // parts too small
  test::TrickleSource trickle(d, 7);
  CHECK(listing_cuts(trickle, d.size(), 4, 1) == cuts);
  // A stream that cannot be read at an offset (a pipe, compressed) is not cut.
  struct Pipe final : ByteSource {
    llvm::Expected<size_t> read(char *, size_t) override { return 0; }
    uint64_t raw_position() const override { return 0; }
    uint64_t raw_size() const override { return 1 << 20; }
  } pipe;
  CHECK(listing_cuts(pipe, 1 << 20, 4, 1) == std::vector<uint64_t>{0, 1 << 20});
}

TEST_CASE("parallel decoding: a system dump is cut, absorbed and the same", "[traceback][parallel]") {
  std::string d = system_dump(3000, 2);
  std::string want = one_thread(d);
  ListingStats stats;
  auto mem = memory_source(d, "t.txt");
  CHECK(describe_decoded(decode_with(*mem, 4, 1, &stats)) == want);
  CHECK(stats.parts == 4);
  // At least one part was taken whole; how many more depends on the threads'
  // timing (a thread that splits a slow worker's part may leave it empty).
  CHECK(stats.absorbed >= 1);
  check_parallel_same(d, "system dump");

  // A real file, read in parts with pread.
  std::string path = test::scratch_dir() + "/parallel-system.txt";
  std::ofstream(path, std::ios::binary) << d;
  auto opened = open_input(path);
  REQUIRE(bool(opened));
  ListingStats file_stats;
  CHECK(describe_decoded(decode_with(*opened->source, 3, 1, &file_stats)) == want);
  CHECK(file_stats.parts == 3);
  CHECK(file_stats.absorbed >= 1);
}

TEST_CASE("parallel decoding: parts of more goroutines than a chunk of the model's vector", "[traceback][parallel]") {
  // A part's goroutines are freed chunk by chunk (StableVector::release_front)
  // as they are absorbed; whole chunks go only when a part holds more than one.
  std::string d = system_dump(3 * StableVector<Goroutine>::chunk_size() + 100, 5);
  std::string want = one_thread(d);
  for (unsigned threads : {2u, 3u}) {
    ListingStats stats;
    auto mem = memory_source(d, "t.txt");
    CHECK(describe_decoded(decode_with(*mem, threads, 1, &stats)) == want);
    CHECK(stats.parts == threads);
    CHECK(stats.absorbed >= 1);
  }
}

TEST_CASE("parallel decoding: shared and own argument values of many goroutines, rebased on two threads",
          "[traceback][parallel]") {
  // One stack, whose goroutines cycle through a few argument values: copies
  // of a cached variant share one text, the others own theirs. The part's
  // first goroutine has other values than the file's first, so absorbing it
  // rebases every goroutine's values against the file's.
  std::string d = "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:20 +0x25\n";
  const char *values[] = {"0xc000010000, 0x1", "0xc000020000, 0x2", "0xc000030000, 0x1"};
  size_t n = 3 * StableVector<Goroutine>::chunk_size();
  for (size_t i = 0; i < n; ++i) {
    // The file's first goroutine has values no other has; every seventh
    // has a run value of its own (a text it owns), the others share theirs.
    std::string worker = i == 0 ? "0xc0000f0000, 0x9" : values[(i * i / 3) % 3];
    std::string run = i == 0       ? "0x9, 0x9"
                      : i % 7 == 5 ? "0xc0000" + std::to_string(40000 + i) + ", 0x3"
                                   : values[i % 3];
    d += "\ngoroutine " + std::to_string(10 + i) + " [chan receive]:\nmain.worker(" + worker +
         ")\n\t/src/app/w.go:10 +0x1d\nmain.run(0x7, " + run + ")\n\t/src/app/w.go:20 +0x2\n" +
         "created by main.start in goroutine 1\n\t/src/app/w.go:30 +0x4f\n";
  }
  std::string want = one_thread(d);
  for (unsigned threads : {2u, 3u}) {
    ListingStats stats;
    auto mem = memory_source(d, "t.txt");
    CHECK(describe_decoded(decode_with(*mem, threads, 1, &stats)) == want);
    CHECK(stats.absorbed >= 1);
  }
}

TEST_CASE("parallel decoding: parts that end in anything else are read again", "[traceback][parallel]") {
  std::string d = system_dump(1200, 3);
  auto at_goroutine = [&](size_t n) { return d.find("\ngoroutine " + std::to_string(10 + n) + " ") + 1; };
  // Insert, from the end so that earlier positions hold: things a part may
  // not take as goroutine text, each where some cut will fall near it.
  struct Insert {
    size_t goroutine;
    std::string text;
  };
  const Insert inserts[] = {
      {1100, "panic: second crash\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:9 +0x1\n\n"},
      {1000, "goroutine 10 [select]:\nmain.dup()\n\t/src/app/d.go:1 +0x1\n\n"},  // an id seen before
      {900,
       "goroutine 5000 [chan receive]:\nmain.f()\n\t/src/app/f.go:1 +0x1\n[originating from goroutine 7]:\n"
       "main.g()\n\t/src/app/g.go:2 +0x2\n\n"},
      {800, "goroutine 5001 [select]:\nmain.f(\n\t/src/app/f.go:1 +0x1\n\n"},  // garbled
      {700, "-----\n\nSIGQUIT: quit\nPC=0x4657a1 m=2 sigcode=0\n\nrax    0x0\nrbx    0x1\n\n"},
      {600, "goroutine 5002 [select]:\nmain.f()\n\t/src/app/f.go:1 +0x1\nruntime: unexpected return pc\n\n"},
      {500, "2026/12/07 10:00:00 a log line amid the dump\n"},
      {400, "goroutine 5003 [select]:\r\nmain.f()\r\n\t/src/app/f.go:1 +0x1\r\n\r\n"},
      {300, std::string("\0\0\0\0\n", 5)},  // zero padding
      {200, "goroutine 5004 [running]:\n\tgoroutine running on other thread; stack unavailable\n\n"},
      {100, "exit status 2\n"},
  };
  for (const Insert &in : inserts) {
    d.insert(at_goroutine(in.goroutine), in.text);
  }
  check_parallel_same(d, "dump with interruptions");
  // Cut everywhere: every goroutine boundary is a cut.
  std::string want = one_thread(d);
  for (unsigned threads : {16u, 64u}) {
    auto mem = memory_source(d, "t.txt");
    ListingStats stats;
    CHECK(describe_decoded(decode_with(*mem, threads, 1, &stats)) == want);
    CHECK(stats.parts == threads);
    CHECK(stats.absorbed > 0);
    CHECK(stats.absorbed < stats.parts - 1 + stats.stolen);  // some parts were read again
  }
}

TEST_CASE("parallel decoding: every text fixture and corpus file", "[traceback][parallel][fixtures]") {
  std::vector<std::string> files = fixture_files();
  REQUIRE(files.size() > 500);
  size_t text_files = 0, cut = 0;
  for (const std::string &path : files) {
    std::string bytes = test::decompressed_bytes(path);
    auto probe = open_source(memory_source(bytes, path), path);
    if (!probe || probe->format != InputFormat::Traceback) {
      if (!probe) llvm::consumeError(probe.takeError());
      continue;
    }
    ++text_files;
    std::string want = one_thread(bytes);
    for (unsigned threads : {2u, 5u}) {
      auto mem = memory_source(bytes, path);
      ListingStats stats;
      INFO(path << " with " << threads << " threads");
      CHECK(describe_decoded(decode_with(*mem, threads, 1, &stats)) == want);
      cut += stats.parts > 1;
    }
  }
  CHECK(text_files > 500);
  CHECK(cut > 500);
}
