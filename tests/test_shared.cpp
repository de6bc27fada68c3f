// The model's compact building blocks (model/shared.h) and the number parsers.
#include "gosyntax/parse.h"
#include "model/process.h"
#include "model/shared.h"

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using namespace crashctl;

TEST_CASE("SharedText: one allocation shared by its copies", "[model]") {
  SharedText none;
  CHECK_FALSE(none);
  CHECK((*none).empty());
  SharedText a(std::string_view("0xc000010000\x1f\x1e"));
  REQUIRE(a);
  CHECK(*a == std::string_view("0xc000010000\x1f\x1e"));
  SharedText b = a;
  CHECK(b.get() == a.get());
  SharedText c(std::move(b));
  CHECK_FALSE(b);
  CHECK(c.get() == a.get());
  a = SharedText("other");
  CHECK(*a == "other");
  CHECK(*c == std::string_view("0xc000010000\x1f\x1e"));  // still held by c
  a = nullptr;
  CHECK_FALSE(a);
  CHECK(*SharedText(std::string_view()) == "");
}

TEST_CASE("RefPtr: moves without throwing, so vectors of the model move it", "[model]") {
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<Ref<Stack>>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<Goroutine>);
  Ref<std::string> r = make_ref<std::string>("x");
  Ref<std::string> s = std::move(r);
  CHECK_FALSE(r);
  CHECK(*s == "x");
  CHECK(s->RefCountedBase<Shared<std::string>>::UseCount() == 1);
}

TEST_CASE("GoroutineExtras: gp, mp and the frame address base, each shown or not", "[model]") {
  Goroutine g;
  CHECK_FALSE(g.extras().gp());
  GoroutineExtras &x = g.mutable_extras();
  x.set_gp(0);  // a value of 0 is shown, not absent
  x.set_frame_address_base(0xc000071f20);
  CHECK(x.gp() == std::optional<uint64_t>(0));
  CHECK_FALSE(x.mp());
  CHECK(x.frame_address_base() == std::optional<uint64_t>(0xc000071f20));
  x.set_gp(std::nullopt);
  CHECK_FALSE(x.gp());
  CHECK(x.frame_address_base() == std::optional<uint64_t>(0xc000071f20));
}

TEST_CASE("StableVector::release_front frees whole chunks from the front", "[model]") {
  constexpr size_t chunk = StableVector<std::string>::chunk_size();
  StableVector<std::string> v;
  for (size_t i = 0; i < 2 * chunk + 10; ++i) v.push_back("value " + std::to_string(i) + std::string(20, 'x'));
  v.release_front(chunk - 1);  // less than a chunk: nothing goes
  CHECK(v[0].rfind("value 0", 0) == 0);
  v.release_front(chunk + 5);  // one chunk goes
  CHECK(v.size() == 2 * chunk + 10);
  CHECK(v[chunk].rfind("value " + std::to_string(chunk), 0) == 0);
  CHECK(v[2 * chunk + 9].rfind("value " + std::to_string(2 * chunk + 9), 0) == 0);
  v.release_front(v.size());  // the second chunk; the partial third stays
  CHECK(v[2 * chunk].rfind("value " + std::to_string(2 * chunk), 0) == 0);
  StableVector<std::string> moved(std::move(v));
  CHECK(moved.size() == 2 * chunk + 10);
  moved.clear();
  CHECK(moved.empty());
  moved.push_back("again");
  CHECK(moved[0] == "again");
}

TEST_CASE("parse_hex and parse_decimal read what tracebacks print", "[model][gosyntax]") {
  CHECK(parse_hex("0x0") == std::optional<uint64_t>(0));
  CHECK(parse_hex("0xc000010000") == std::optional<uint64_t>(0xc000010000));
  CHECK(parse_hex("0XDEADbeef") == std::optional<uint64_t>(0xdeadbeef));
  CHECK(parse_hex("ffffffffffffffff") == std::optional<uint64_t>(~uint64_t(0)));
  CHECK_FALSE(parse_hex("0x"));
  CHECK_FALSE(parse_hex("0x1ffffffffffffffff"));  // 17 digits
  CHECK_FALSE(parse_hex("0xc00g"));
  CHECK_FALSE(parse_hex("0x12 "));
  CHECK_FALSE(parse_hex(std::string_view("0x1\0", 4)));
  CHECK(parse_decimal("-12") == std::optional<int64_t>(-12));
  CHECK_FALSE(parse_decimal("12a"));
}
