// Where a large crash text may be cut for parallel decoding: at goroutine
// headers that follow an empty line, the places where the runtime's listing
// goes from one goroutine to the next.
#pragma once

#include "io/input.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace crashctl {

// The offset in TEXT of the first line that starts "goroutine N [" or
// "goroutine N gp=" right after an empty line ("\n\n" or "\n\r\n"), from
// FROM on; npos when TEXT has none.
size_t next_listing_cut(std::string_view text, size_t from = 0);

// The first such cut in SRC's bytes [AT, LIMIT), read through
// ByteSource::range(); 0 when there is none or SRC cannot be read there.
uint64_t find_listing_cut(const ByteSource &src, uint64_t at, uint64_t limit);

// Offsets that cut SRC's first SIZE bytes into at most PARTS parts of at
// least MIN_PART bytes, each cut at next_listing_cut() after an equal share;
// begins with 0 and ends with SIZE. Just {0, SIZE} when SRC cannot be read
// at an offset (ByteSource::range()) or no cut is found near a share.
std::vector<uint64_t> listing_cuts(const ByteSource &src, uint64_t size, unsigned parts, uint64_t min_part);

}  // namespace crashctl
