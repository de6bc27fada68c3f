#include "traceback/listing_split.h"

#include "gosyntax/parse.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace crashctl {

size_t next_listing_cut(std::string_view text, size_t from) {
  constexpr std::string_view kHeader = "\ngoroutine ";
  for (size_t pos = from == 0 ? 0 : from - 1;;) {
    size_t nl = text.find(kHeader, pos);
    if (nl == std::string_view::npos) return std::string_view::npos;
    bool after_empty = (nl >= 1 && text[nl - 1] == '\n') || (nl >= 2 && text[nl - 1] == '\r' && text[nl - 2] == '\n');
    if (after_empty && goroutine_header_at(text, nl + 1)) return nl + 1;
    pos = nl + 1;
  }
}

uint64_t find_listing_cut(const ByteSource &src, uint64_t at, uint64_t limit) {
  constexpr size_t kWindow = 256 << 10;  // read per look
  std::string window;
  while (at < limit) {
    // Two bytes before AT, for the empty line a header at AT follows.
    uint64_t begin = at >= 2 ? at - 2 : 0, end = std::min<uint64_t>(limit, at + kWindow);
    std::unique_ptr<ByteSource> r = src.range(begin, end);
    if (!r) return 0;
    window.clear();
    bool eof = false;
    if (llvm::Error e = read_upto(*r, window, size_t(end - begin), eof)) {
      llvm::consumeError(std::move(e));
      return 0;
    }
    if (size_t cut = next_listing_cut(window, size_t(at - begin)); cut != std::string_view::npos)
      return begin + cut < limit ? begin + cut : 0;
    if (end >= limit || eof) return 0;
    at = end - 64;  // a header cut at the window's end is found in the next
  }
  return 0;
}

std::vector<uint64_t> listing_cuts(const ByteSource &src, uint64_t size, unsigned parts, uint64_t min_part) {
  std::vector<uint64_t> cuts{0};
  min_part = std::max<uint64_t>(min_part, 1);
  parts = unsigned(std::min<uint64_t>(parts, size / min_part));
  constexpr uint64_t kSearch = uint64_t(16) << 20;  // how far past a share a cut is looked for
  if (parts > 1 && !src.range(0, size)) return {0, size};
  for (unsigned k = 1; k < parts; ++k) {
    uint64_t share = size / parts * k;
    if (share <= cuts.back() + min_part / 2) continue;
    uint64_t found = find_listing_cut(src, share, std::min(size, share + kSearch));
    if (found && found > cuts.back()) cuts.push_back(found);
  }
  cuts.push_back(size);
  return cuts;
}

}  // namespace crashctl
