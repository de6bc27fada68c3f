// The crashed process's address space: the core's segments over the
// executable's file-backed segments (kernel cores leave out code and
// read-only data), shifted by the PIE load bias. The image is a CoreFile, or
// in unit tests segments built in memory.
#pragma once

#include "binary/executable.h"
#include "binary/locate.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

namespace crashctl::core {

class Memory {
public:
  Memory(const binary::ProcessImage &core, const binary::Executable *exe, uint64_t load_bias)
      : core_(core), exe_(exe), bias_(load_bias) {}

  // Copies N bytes at ADDR; false unless all of them are readable.
  bool read(uint64_t addr, void *out, size_t n) const {
    // Most reads fall in the stretch of the core the previous one used.
    uint64_t off = addr - window_start_;
    if (off < window_.size() && n <= window_.size() - off) {
      std::memcpy(out, window_.data() + off, n);
      return true;
    }
    return read_slow(addr, out, n);
  }
  // Words in the core's byte order (little-endian: amd64, arm64).
  std::optional<uint64_t> u64(uint64_t addr) const;
  std::optional<uint32_t> u32(uint64_t addr) const;
  std::optional<uint8_t> u8(uint64_t addr) const;
  // A Go string header {ptr, len} at ADDR, its bytes capped at MAX.
  std::optional<std::string> go_string(uint64_t addr, size_t max = 4096) const;
  // The bytes of a string whose data pointer and length are known.
  std::optional<std::string> bytes(uint64_t ptr, uint64_t len, size_t max = 4096) const;
  uint64_t bias() const { return bias_; }

private:
  bool read_slow(uint64_t addr, void *out, size_t n) const;
  const binary::ProcessImage &core_;
  const binary::Executable *exe_;
  uint64_t bias_;
  // The image's span of the last read outside the previous one (ProcessImage::span_at).
  // A Memory is used by one thread at a time: copy it for another.
  mutable uint64_t window_start_ = 0;
  mutable llvm::StringRef window_;
};

}  // namespace crashctl::core
