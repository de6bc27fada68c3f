// logs::OffsetMap: text offsets of unwrapped logs back to input offsets.
#include "logs/unwrapped_text.h"

#include <catch2/catch.hpp>

using namespace crashctl::logs;

TEST_CASE("offset map: verbatim and rewritten lines, lines from earlier input lines, ends", "[logs][offsets]") {
  OffsetMap map;
  // text lines (length with '\n'): a verbatim CRI line's text at input 40,
  // a JSON line's decoded text from input 100, two text lines of one record
  // at input 300, then a line joined from a partial chunk at input 200
  // (interleaved streams: it comes out after the record).
  map.add_line(10, 40, true);                                                     // text [0,10)
  map.add_line(20, 100, false);                                                   // text [10,30)
  map.add_line(5, 300, false);                                                    // text [30,35)
  map.add_line(5, 300, false);                                                    // text [35,40)
  map.add_line(8, 200, false);                                                    // text [40,48)
  for (int i = 0; i < 5000; ++i) map.add_line(3, 1000 + 10 * uint64_t(i), true);  // a second chunk
  map.set_input_end(1000 + 10 * 5000);

  OffsetMap::Cursor c(map);
  CHECK(c.to_input(0) == 40);
  CHECK(c.to_input(4) == 44);    // inside a verbatim line
  CHECK(c.to_input(15) == 100);  // rewritten: the input line's start
  CHECK(c.to_input(36) == 300);
  CHECK(c.to_input(40) == 200);  // from an earlier input line
  CHECK(c.to_input(48) == 1000);
  CHECK(c.to_input(48 + 3 * 4999 + 1) == 1000 + 10 * 4999 + 1);
  CHECK(c.to_input(0) == 40);  // backwards
  // Ends: inside a verbatim line, or where the input line ends.
  CHECK(c.end_to_input(10) == 50);
  CHECK(c.end_to_input(30) == 300);   // the next input line starts there
  CHECK(c.end_to_input(40) == 1000);  // the record's line ends where a later line starts
  CHECK(c.end_to_input(48 + 3 * 5000) == 1000 + 10 * 4999 + 3);
}

TEST_CASE("offset map: the last line ends at the input's end", "[logs][offsets]") {
  OffsetMap map;
  map.add_line(6, 0, false);
  map.add_line(6, 50, false);
  map.set_input_end(120);
  OffsetMap::Cursor c(map);
  CHECK(c.end_to_input(6) == 50);
  CHECK(c.end_to_input(12) == 120);
  CHECK(c.to_input(12) == 50);
}
