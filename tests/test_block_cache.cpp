// The block cache on its own: bodies, holes, variants, the prediction chain
// and its limits. test_block_fast_path checks the decoder that uses it
// against line-by-line decoding.
#include "traceback/block_cache.h"

#include <catch2/catch.hpp>

#include <string>

using namespace crashctl;

namespace {

const std::string kBody =
    "main.work(0xc000012345, 0x2)\n"
    "\t/src/main.go:10 +0x1d\n"
    "created by main.main in goroutine 1\n"
    "\t/src/main.go:5 +0x25\n"
    "\n";

BlockOutcome outcome_of(const std::string &joined_args, int64_t parent) {
  Stack s;
  s.frames.resize(1);
  s.frames[0].function = "main.work";
  s.joined_args = joined_args;
  BlockOutcome o;
  o.stack = make_ref<Stack>(std::move(s));
  o.parent_goid = parent;
  return o;
}

// Records `body` as the decoder does on a miss: its frame line's argument
// values are a hole. Returns the cache's index of it.
void record(BlockCache &cache, const std::string &body, uint64_t offset) {
  REQUIRE_FALSE(cache.lookup(body, offset));
  REQUIRE(cache.recording());
  REQUIRE(cache.recording_start() == offset);
  size_t open = body.find('('), close = body.find(')');
  cache.arg_hole(open + 1, std::string_view(body).substr(open + 1, close - open - 1), 0);
  REQUIRE(cache.end_recording(offset + body.size() - 1));
  cache.remember(cache.last(), outcome_of(body.substr(open + 1, close - open - 1), 1));
}

std::string replaced(std::string s, const std::string &from, const std::string &to) {
  s.replace(s.find(from), from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("block_length ends at the first empty line, within the limit", "[block_cache]") {
  CHECK(block_length("a\nb\n\nc\n\n", 100) == 5);
  CHECK(block_length("\nrest", 100) == 1);
  CHECK(block_length("a\nb\n", 100) == 0);
  std::string long_body(40, 'x');
  long_body += "\n\n";
  CHECK(block_length(long_body, 100) == 42);  // past the 16-byte vector steps
  CHECK(block_length(long_body, 20) == 0);
}

TEST_CASE("parent_hole finds the parent id of the created-by line", "[block_cache]") {
  ParentHole h = parent_hole(kBody);
  REQUIRE(h.len == 1);
  CHECK(kBody.substr(h.at, h.len) == "1");
  CHECK(parent_hole("main.f()\n\t/a.go:1\n\n").len == 0);
  CHECK(parent_hole(replaced(kBody, "goroutine 1", "goroutine x")).len == 0);
}

TEST_CASE("plain_args accepts values only", "[block_cache]") {
  CHECK(plain_args("0xc000012345, 0x2, {0x1, ...}, ?"));
  CHECK_FALSE(plain_args("\"text\""));
  CHECK_FALSE(plain_args("0x1, main.T"));
}

TEST_CASE("a remembered body is found again, through its holes", "[block_cache]") {
  BlockCache cache;
  record(cache, kBody, 100);
  REQUIRE(cache.size() == 1);

  SECTION("byte-identical") {
    auto hit = cache.lookup(kBody, 200);
    REQUIRE(hit);
    CHECK(hit->size == kBody.size());
    CHECK(hit->parent == 1);
    CHECK_FALSE(hit->own_args);
    CHECK(cache.outcome(*hit).stack->frames[0].function == "main.work");
    cache.taken(*hit, kBody, nullptr);
    CHECK(cache.hits() == 1);
    CHECK(cache.size() == 1);
  }
  SECTION("another parent id") {
    std::string other = replaced(kBody, "goroutine 1", "goroutine 4711");
    auto hit = cache.lookup(other, 200);
    REQUIRE(hit);
    CHECK(hit->size == other.size());
    CHECK(hit->parent == 4711);
    CHECK_FALSE(hit->own_args);
  }
  SECTION("other plain argument values, then cached as a variant") {
    std::string other = replaced(kBody, "0xc000012345, 0x2", "0xc0000abcdef0, 0x3");
    auto hit = cache.lookup(other, 200);
    REQUIRE(hit);
    CHECK(hit->size == other.size());
    REQUIRE(hit->own_args);
    CHECK(cache.args() == "0xc0000abcdef0, 0x3");
    cache.taken(*hit, other, SharedText(cache.args()));
    CHECK(cache.size() == 2);
    // Its next copy is an exact match of the variant, with its values.
    auto again = cache.lookup(other, 300);
    REQUIRE(again);
    CHECK_FALSE(again->own_args);
    CHECK(*cache.outcome(*again).frame_args == "0xc0000abcdef0, 0x3");
  }
  SECTION("another function is a miss") {
    CHECK_FALSE(cache.lookup(replaced(kBody, "main.work", "main.rest"), 200));
    CHECK(cache.recording());
  }
  SECTION("a prefix of the text") {
    CHECK_FALSE(cache.lookup(kBody.substr(0, kBody.size() - 1) + "x\n\n", 200));
  }
}

TEST_CASE("arguments that are not plain values must match byte for byte", "[block_cache]") {
  BlockCache cache;
  std::string quoted = replaced(kBody, "0xc000012345, 0x2", "\"a\"");
  record(cache, quoted, 0);
  CHECK(cache.lookup(quoted, 100));
  CHECK_FALSE(cache.lookup(replaced(quoted, "\"a\"", "\"b\""), 200));
}

TEST_CASE("a body spoiled while recording is not remembered", "[block_cache]") {
  BlockCache cache;
  REQUIRE_FALSE(cache.lookup(kBody, 0));
  cache.spoil();
  CHECK_FALSE(cache.end_recording(kBody.size() - 1));
  CHECK_FALSE(cache.recording());

  REQUIRE_FALSE(cache.lookup(kBody, 0));
  CHECK_FALSE(cache.end_recording(kBody.size()));  // not the recorded body's end
}

TEST_CASE("the body that followed last time is predicted", "[block_cache]") {
  BlockCache cache;
  std::string second = replaced(kBody, "main.work", "main.idle");
  record(cache, kBody, 0);
  record(cache, second, kBody.size());
  CHECK(cache.predicted_size() == 0);  // nothing followed `second` yet

  auto first = cache.lookup(kBody, 1000);
  REQUIRE(first);
  cache.taken(*first, kBody, nullptr);
  REQUIRE(cache.predicted_size() == second.size());
  CHECK_FALSE(cache.match_predicted(kBody + second));
  auto next = cache.match_predicted(second + kBody);
  REQUIRE(next);
  CHECK(next->size == second.size());
  CHECK(cache.outcome(*next).stack->frames[0].function == "main.work");  // outcome_of's stack
  cache.taken(*next, second, nullptr);
  CHECK(cache.predicted_size() == kBody.size());  // a cycle: kBody followed `second` above

  cache.break_chain();
  CHECK(cache.last() == BlockCache::kNone);
  CHECK(cache.predicted_size() == 0);
}

TEST_CASE("the cache turns itself off where it cannot help", "[block_cache]") {
  SECTION("bodies without an empty line") {
    BlockCache cache;
    for (int i = 0; i < 31; ++i) cache.end_found(false);
    cache.end_found(true);
    CHECK(cache.enabled());
    for (int i = 0; i < 32; ++i) cache.end_found(false);
    CHECK_FALSE(cache.enabled());
  }
  SECTION("mostly distinct bodies") {
    BlockCache cache;
    for (int i = 0; i < 70000 && cache.enabled(); ++i) {
      std::string body = replaced(kBody, "main.work", "main.f" + std::to_string(i));
      cache.lookup(body, 0);
    }
    CHECK_FALSE(cache.enabled());
    CHECK(cache.size() == 0);  // nothing remembered: recording never ended
  }
}
