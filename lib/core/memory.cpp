#include "core/memory.h"

#include "llvm/Support/Endian.h"

#include <algorithm>

namespace crashctl::core {

bool Memory::read_slow(uint64_t addr, void *out, size_t n) const {
  if (binary::ProcessImage::Span span = core_.span_at(addr); !span.bytes.empty()) {
    window_start_ = span.start;
    window_ = span.bytes;
    uint64_t off = addr - span.start;
    if (n <= window_.size() - off) {
      std::memcpy(out, window_.data() + off, n);
      return true;
    }
  }
  auto *dst = static_cast<char *>(out);
  size_t done = 0;
  while (done < n) {
    size_t got = core_.read(addr + done, dst + done, n - done);
    if (got) {
      done += got;
      continue;
    }
    // Not in the core's file contents: the executable's bytes, a page at most,
    // so that the core takes over again where it has data.
    if (!exe_) return false;
    uint64_t at = addr + done;
    size_t take = std::min<size_t>(n - done, 4096 - (at & 4095));
    if (!exe_->read(at - bias_, dst + done, take)) return false;
    done += take;
  }
  return true;
}

std::optional<uint64_t> Memory::u64(uint64_t addr) const {
  char b[8];
  if (!read(addr, b, 8)) return std::nullopt;
  return llvm::support::endian::read64le(b);
}
std::optional<uint32_t> Memory::u32(uint64_t addr) const {
  char b[4];
  if (!read(addr, b, 4)) return std::nullopt;
  return llvm::support::endian::read32le(b);
}
std::optional<uint8_t> Memory::u8(uint64_t addr) const {
  uint8_t v;
  if (!read(addr, &v, 1)) return std::nullopt;
  return v;
}

std::optional<std::string> Memory::bytes(uint64_t ptr, uint64_t len, size_t max) const {
  std::string s(size_t(std::min<uint64_t>(len, max)), '\0');
  if (!s.empty() && !read(ptr, s.data(), s.size())) return std::nullopt;
  return s;
}

std::optional<std::string> Memory::go_string(uint64_t addr, size_t max) const {
  auto ptr = u64(addr), len = u64(addr + 8);
  if (!ptr || !len) return std::nullopt;
  if (*len == 0) return std::string();
  return bytes(*ptr, *len, max);
}

}  // namespace crashctl::core
