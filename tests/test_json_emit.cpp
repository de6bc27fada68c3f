// render/json_emit.h writes the bytes json::OStream(os, 2) writes: the same
// nested objects and arrays, written both ways, must compare equal, for
// strings of every kind (plain, escapes, control bytes, UTF-8, invalid
// UTF-8, lengths around the 16-byte SIMD step) and at the buffer's edge.
#include "render/json_emit.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace crashctl::render_detail;
namespace json = llvm::json;

namespace {

std::vector<std::string> tricky_strings() {
  std::vector<std::string> out = {
      "",
      "main.main",
      "/usr/local/go/src/runtime/proc.go",
      "quote \" inside",
      "back\\slash",
      "tab\there",
      "new\nline",
      std::string("nul\0byte", 8),
      "\x7f delete",
      "\x01\x1f controls",
      "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80",  // valid UTF-8
      "bad \xff\xfe utf-8",
      "cut \xe4\xb8",
      "0123456789abcdef",                  // exactly 16
      "0123456789abcdef\"",                // escape right after a 16-byte block
      "0123456789abcde\x80",               // non-ASCII at the end of a block
      "0123456789abcdef0123456789abcdef",  // two blocks
  };
  std::mt19937 rng(17);
  for (int i = 0; i < 500; ++i) {
    std::string s(rng() % 70, '\0');
    for (char &c : s) {
      unsigned r = rng() % 10;
      c = r < 7 ? char(0x20 + rng() % 0x5f) : char(rng() % 256);
    }
    out.push_back(s);
  }
  return out;
}

// The same document through OStream.
std::string with_ostream(const std::vector<std::string> &strings) {
  std::string out;
  llvm::raw_string_ostream os(out);
  json::OStream j(os, 2);
  j.objectBegin();
  j.attributeArray("items", [&] {
    for (size_t i = 0; i < strings.size(); ++i)
      j.object([&] {
        const std::string &s = strings[i];
        j.attribute("s", json::isUTF8(s) ? json::Value(s) : json::Value(json::fixUTF8(s)));
        j.attribute("null", s.empty() ? json::Value(nullptr) : json::Value(json::fixUTF8(s)));
        j.attribute("i", int64_t(i) * (i % 2 ? -7919 : 104729));
        j.attribute("u", uint64_t(-1) - i);
        j.attribute("b", i % 3 == 0);
        j.attribute("hex", "0x" + llvm::utohexstr(i * 0x1234567, /*LowerCase=*/true));
        j.attributeArray("empty", [] {});
        j.attributeObject("empty_object", [] {});
        j.attributeArray("nums", [&] {
          for (size_t k = 0; k < i % 4; ++k) j.value(int64_t(k));
        });
      });
  });
  j.objectEnd();
  return out;
}

std::string with_emitter(const std::vector<std::string> &strings) {
  std::string out;
  llvm::raw_string_ostream os(out);
  {
    JsonEmitter e(os);
    JsonScope doc(e, 0, '{');
    JsonScope items(doc.key("items"), doc.inner(), '[');
    for (size_t i = 0; i < strings.size(); ++i) {
      JsonScope o(items.item(), items.inner(), '{');
      const std::string &s = strings[i];
      o.key("s").string(s);
      o.key("null").string_or_null(s);
      o.key("i").integer(int64_t(i) * (i % 2 ? -7919 : 104729));
      o.key("u").unsigned_integer(uint64_t(-1) - i);
      o.key("b").boolean(i % 3 == 0);
      o.key("hex").hex(i * 0x1234567);
      JsonScope(o.key("empty"), o.inner(), '[').end();
      JsonScope(o.key("empty_object"), o.inner(), '{').end();
      JsonScope nums(o.key("nums"), o.inner(), '[');
      for (size_t k = 0; k < i % 4; ++k) nums.item().integer(int64_t(k));
      nums.end();
      o.end();
    }
    items.end();
    doc.end();
  }
  return out;
}

}  // namespace

TEST_CASE("JsonEmitter writes json::OStream's bytes", "[render][json]") {
  auto strings = tricky_strings();
  std::string want = with_ostream(strings), got = with_emitter(strings);
  REQUIRE(got.size() > 64 << 10);  // past the emitter's buffer: it flushed on the way
  CHECK(got == want);
  for (const std::string &s : {std::string("plain"), std::string("a\"b"), std::string("\xff")})
    CHECK(JsonEmitter::plain(s) == (s == "plain"));
}

TEST_CASE("JsonEmitter keys at deep indents and long strings", "[render][json]") {
  std::string want, got;
  std::string long_string(200000, 'x');
  {
    llvm::raw_string_ostream os(want);
    json::OStream j(os, 2);
    std::function<void(int)> nest = [&](int depth) {
      j.object([&] {
        j.attribute("long", long_string);
        if (depth) j.attributeBegin("inner"), nest(depth - 1), j.attributeEnd();
      });
    };
    nest(40);  // indents past the emitter's fixed-size copies
  }
  {
    llvm::raw_string_ostream os(got);
    JsonEmitter e(os);
    std::function<void(unsigned, int)> nest = [&](unsigned indent, int depth) {
      JsonScope o(e, indent, '{');
      o.key("long").string(long_string);
      if (depth) {
        o.key("inner");
        nest(o.inner(), depth - 1);
      }
      o.end();
    };
    nest(0, 40);
  }
  CHECK(got == want);
}
