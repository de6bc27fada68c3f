// Streaming decompression: zstd (concatenated and skippable frames, frames
// without a content size) and gzip (multi-member). Used by open_source().
#include "io/decompress.h"
#include "support/limits.h"

#include "llvm/Support/Endian.h"

#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_d_forceIgnoreChecksum, ZSTD_getFrameHeader
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <system_error>

namespace crashctl {
namespace {

constexpr size_t kInputBuffer = 256 << 10;

// Buffered compressed input with the compressed offset of the next byte.
class RawInput {
public:
  explicit RawInput(std::unique_ptr<ByteSource> raw) : raw_(std::move(raw)), buf_(new char[kInputBuffer]) {}

  const char *data() const { return buf_.get() + pos_; }
  size_t avail() const { return end_ - pos_; }
  void consume(size_t k) {
    const char *p = data();
    if (k >= 4) {
      std::memcpy(last4_, p + k - 4, 4);
    } else {
      std::memmove(last4_, last4_ + k, 4 - k);
      std::memcpy(last4_ + 4 - k, p, k);
    }
    pos_ += k;
  }
  // The last four bytes consumed, little-endian (a zstd frame's checksum).
  uint32_t last4() const { return llvm::support::endian::read32le(last4_); }
  bool eof() const { return eof_; }
  // Compressed offset of data()[0].
  uint64_t offset() const { return total_ - avail(); }
  const ByteSource &raw() const { return *raw_; }

  // Reads more when the buffer is empty.
  llvm::Error refill() {
    if (avail() == 0 && !eof_) return ensure(1);
    return llvm::Error::success();
  }

  // Reads until at least k bytes are buffered or the input ends.
  llvm::Error ensure(size_t k) {
    while (avail() < k && !eof_) {
      if (pos_ > 0) {
        std::memmove(buf_.get(), buf_.get() + pos_, avail());
        end_ -= pos_;
        pos_ = 0;
      }
      auto r = raw_->read(buf_.get() + end_, kInputBuffer - end_);
      if (!r) return r.takeError();
      if (*r == 0) eof_ = true;
      end_ += *r;
      total_ += *r;
    }
    return llvm::Error::success();
  }

private:
  std::unique_ptr<ByteSource> raw_;
  std::unique_ptr<char[]> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t total_ = 0;
  bool eof_ = false;
  unsigned char last4_[4] = {};
};

// XXH64 (seed 0), streaming: zstd's frame checksum is its low 32 bits.
class Xxh64 {
public:
  void reset() { *this = Xxh64(); }
  void update(const char *p, size_t n) {
    total_ += n;
    if (held_ + n < 32) {
      std::memcpy(mem_ + held_, p, n);
      held_ += n;
      return;
    }
    if (held_) {
      size_t fill = 32 - held_;
      std::memcpy(mem_ + held_, p, fill);
      stripes(mem_, 32);
      p += fill, n -= fill, held_ = 0;
    }
    size_t whole = n & ~size_t(31);
    stripes(p, whole);
    std::memcpy(mem_, p + whole, n - whole);
    held_ = n - whole;
  }
  uint64_t digest() const {
    uint64_t h =
        total_ >= 32
            ? merge(
                  merge(merge(merge(rotl(v_[0], 1) + rotl(v_[1], 7) + rotl(v_[2], 12) + rotl(v_[3], 18), v_[0]), v_[1]),
                        v_[2]),
                  v_[3])
            : kP5;
    h += total_;
    const char *p = mem_;
    size_t n = held_;
    for (; n >= 8; p += 8, n -= 8) h = rotl(h ^ round(0, load64(p)), 27) * kP1 + kP4;
    if (n >= 4) {
      uint32_t w = llvm::support::endian::read32le(p);
      h = rotl(h ^ (uint64_t(w) * kP1), 23) * kP2 + kP3;
      p += 4, n -= 4;
    }
    for (; n; ++p, --n) h = rotl(h ^ (uint64_t(static_cast<unsigned char>(*p)) * kP5), 11) * kP1;
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    return h ^ (h >> 32);
  }

private:
  static constexpr uint64_t kP1 = 0x9E3779B185EBCA87ull, kP2 = 0xC2B2AE3D27D4EB4Full, kP3 = 0x165667B19E3779F9ull,
                            kP4 = 0x85EBCA77C2B2AE63ull, kP5 = 0x27D4EB2F165667C5ull;
  static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static uint64_t load64(const char *p) { return llvm::support::endian::read64le(p); }
  static uint64_t round(uint64_t acc, uint64_t input) { return rotl(acc + input * kP2, 31) * kP1; }
  static uint64_t merge(uint64_t acc, uint64_t v) { return (acc ^ round(0, v)) * kP1 + kP4; }
  void stripes(const char *p, size_t n) {                 // n a multiple of 32
    uint64_t a = v_[0], b = v_[1], c = v_[2], d = v_[3];  // in registers: P may alias v_
    for (const char *end = p + n; p < end; p += 32) {
      a = round(a, load64(p));
      b = round(b, load64(p + 8));
      c = round(c, load64(p + 16));
      d = round(d, load64(p + 24));
    }
    v_[0] = a, v_[1] = b, v_[2] = c, v_[3] = d;
  }
  uint64_t v_[4] = {kP1 + kP2, kP2, 0, uint64_t(0) - kP1};
  char mem_[32];
  size_t held_ = 0;
  uint64_t total_ = 0;
};

// Common part of the decompressing sources: sticky errors, and bytes decoded
// before an error are delivered before the error is reported.
class Decoder : public ByteSource {
public:
  Decoder(std::unique_ptr<ByteSource> raw, std::string name) : in_(std::move(raw)), name_(std::move(name)) {}

  llvm::Expected<size_t> read(char *buf, size_t n) override {
    if (!err_.empty()) return error();
    if (done_ || n == 0) return 0;
    size_t got = decode(buf, n);
    if (got == 0 && !err_.empty()) return error();
    return got;
  }
  uint64_t raw_position() const override { return in_.raw().raw_position(); }
  uint64_t raw_size() const override { return in_.raw().raw_size(); }

protected:
  // Decodes into buf; returns the bytes produced. Sets done_ at a clean end
  // and err_ on failure (possibly after producing bytes).
  virtual size_t decode(char *buf, size_t n) = 0;

  void fail_at(uint64_t off, const std::string &what) {
    err_ = name_ + ": at compressed byte " + std::to_string(off) + ": " + what;
    ec_ = std::make_error_code(std::errc::illegal_byte_sequence);
  }
  void fail(llvm::Error e) {
    ec_ = std::make_error_code(std::errc::io_error);
    err_ = llvm::toString(std::move(e));
    if (err_.empty()) err_ = name_ + ": read error";
  }
  llvm::Error error() const { return llvm::createStringError(ec_, "%s", err_.c_str()); }

  RawInput in_;
  std::string name_;
  std::string err_;
  std::error_code ec_;
  bool done_ = false;
};

// The largest zstd window (a power of two) within the zstd-window-bytes limit.
int window_log_max() {
  uint64_t limit = resource_limits().zstd_window_bytes;
  int log = ZSTD_WINDOWLOG_MIN;
  while (log < 31 && (uint64_t(1) << (log + 1)) <= limit) ++log;
  return log;
}

class ZstdSource final : public Decoder {
public:
  ZstdSource(std::unique_ptr<ByteSource> raw, std::string name)
      : Decoder(std::move(raw), std::move(name)), dctx_(ZSTD_createDCtx()) {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    // Keep fuzzing inside the default RSS limit.
    ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, 24);
#else
    // By default frames made with --long=31 (large cores) are accepted: their
    // window of up to 2 GiB is the memory they cost, whatever their size.
    ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, window_log_max());
#endif
    // zstd checks a frame's checksum itself, but reports a mismatch without
    // the bytes it decoded in that call (up to a whole read): the checksum
    // is checked here instead, after every byte was delivered.
    own_checksum_ = !ZSTD_isError(ZSTD_DCtx_setParameter(dctx_, ZSTD_d_forceIgnoreChecksum, ZSTD_d_ignoreChecksum));
  }
  ~ZstdSource() override { ZSTD_freeDCtx(dctx_); }

private:
  size_t decode(char *buf, size_t n) override {
    if (!dctx_) {
      fail_at(in_.offset(), "zstd: cannot allocate a decompression context");
      return 0;
    }
    size_t produced = 0;
    while (produced < n) {
      if (auto e = in_.refill()) {
        fail(std::move(e));
        return produced;
      }
      if (at_boundary_) {
        if (in_.avail() == 0 && in_.eof()) {
          done_ = true;
          return produced;
        }
        if (auto e = in_.ensure(4)) {
          fail(std::move(e));
          return produced;
        }
        if (in_.avail() < 4 || !detail::is_zstd_magic(reinterpret_cast<const unsigned char *>(in_.data()))) {
          fail_at(in_.offset(), first_frame_ ? "not a zstd frame (expected magic 28 b5 2f fd)"
                                             : "trailing data after the last zstd frame (expected a "
                                               "zstd frame magic 28 b5 2f fd or the end of the file)");
          return produced;
        }
        at_boundary_ = false;
        first_frame_ = false;
        checksummed_ = false;
        if (own_checksum_) {
          if (auto e = in_.ensure(ZSTD_FRAMEHEADERSIZE_MAX)) {
            fail(std::move(e));
            return produced;
          }
          ZSTD_frameHeader header;
          // An incomplete or bad header: ZSTD_decompressStream says why.
          checksummed_ = ZSTD_getFrameHeader(&header, in_.data(), in_.avail()) == 0 && header.checksumFlag;
          hash_.reset();
        }
      }
      ZSTD_inBuffer zin{in_.data(), in_.avail(), 0};
      ZSTD_outBuffer zout{buf + produced, n - produced, 0};
      size_t ret = ZSTD_decompressStream(dctx_, &zout, &zin);
      in_.consume(zin.pos);
      if (checksummed_) hash_.update(buf + produced, zout.pos);
      produced += zout.pos;
      if (ZSTD_isError(ret)) {
        std::string why = std::string("zstd: ") + ZSTD_getErrorName(ret);
        if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge)
          why += " (its window is larger than " + std::to_string(uint64_t(1) << window_log_max()) +
                 " bytes: --limit zstd-window-bytes)";
        fail_at(in_.offset(), why);
        return produced;
      }
      if (ret == 0) {  // frame complete and flushed; its checksum was the last 4 bytes read
        if (checksummed_ && uint32_t(hash_.digest()) != in_.last4()) {
          fail_at(in_.offset(),
                  "zstd: checksum mismatch: the frame's content does not match its checksum "
                  "(every decoded byte was read)");
          return produced;
        }
        at_boundary_ = true;
        continue;
      }
      if (zout.pos == 0 && zin.pos == 0 && in_.avail() == 0 && in_.eof()) {
        fail_at(in_.offset(), "truncated zstd frame (expected more compressed data)");
        return produced;
      }
    }
    return produced;
  }

  ZSTD_DCtx *dctx_;
  bool at_boundary_ = true;
  bool first_frame_ = true;
  bool own_checksum_ = false;  // zstd's own check is off: frames' checksums are checked here
  bool checksummed_ = false;   // the current frame has a checksum
  Xxh64 hash_;                 // of the current frame's content
};

class GzipSource final : public Decoder {
public:
  GzipSource(std::unique_ptr<ByteSource> raw, std::string name) : Decoder(std::move(raw), std::move(name)) {
    std::memset(&z_, 0, sizeof z_);
    ok_ = inflateInit2(&z_, 15 + 16) == Z_OK;
  }
  ~GzipSource() override {
    if (ok_) inflateEnd(&z_);
  }

private:
  size_t decode(char *buf, size_t n) override {
    if (!ok_) {
      fail_at(in_.offset(), "gzip: cannot initialize zlib");
      return 0;
    }
    size_t produced = 0;
    while (produced < n) {
      if (auto e = in_.refill()) {
        fail(std::move(e));
        return produced;
      }
      if (member_done_) {
        if (in_.avail() == 0 && in_.eof()) {
          done_ = true;
          return produced;
        }
        if (auto e = in_.ensure(2)) {
          fail(std::move(e));
          return produced;
        }
        const auto *p = reinterpret_cast<const unsigned char *>(in_.data());
        if (in_.avail() < 2 || p[0] != 0x1f || p[1] != 0x8b) {
          fail_at(in_.offset(),
                  "trailing garbage after a gzip member (expected gzip magic "
                  "1f 8b or the end of the file)");
          return produced;
        }
        inflateReset(&z_);
        member_done_ = false;
      }
      size_t in_avail = std::min<size_t>(in_.avail(), UINT_MAX);
      size_t out_avail = std::min<size_t>(n - produced, UINT_MAX);
      z_.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in_.data()));
      z_.avail_in = static_cast<uInt>(in_avail);
      z_.next_out = reinterpret_cast<Bytef *>(buf + produced);
      z_.avail_out = static_cast<uInt>(out_avail);
      int rc = inflate(&z_, Z_NO_FLUSH);
      in_.consume(in_avail - z_.avail_in);
      produced += out_avail - z_.avail_out;
      switch (rc) {
        case Z_STREAM_END: member_done_ = true; break;
        case Z_OK: break;
        case Z_BUF_ERROR:  // no progress possible
          if (in_.avail() == 0 && in_.eof()) {
            fail_at(in_.offset(), "truncated gzip member (expected more compressed data)");
            return produced;
          }
          break;
        default: {
          std::string msg = z_.msg ? z_.msg : zError(rc);
          if (rc == Z_DATA_ERROR && msg == "incorrect data check")
            msg += " (CRC-32 mismatch)";
          else if (rc == Z_DATA_ERROR && msg == "incorrect length check")
            msg += " (uncompressed size mismatch)";
          fail_at(in_.offset(), "gzip: " + msg);
          return produced;
        }
      }
    }
    return produced;
  }

  z_stream z_;
  bool ok_ = false;
  bool member_done_ = false;
};

}  // namespace

namespace detail {

bool is_zstd_magic(const unsigned char *p) {
  uint32_t m = llvm::support::endian::read32le(p);
  return m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
}

std::unique_ptr<ByteSource> make_zstd_source(std::unique_ptr<ByteSource> raw, std::string name) {
  return std::make_unique<ZstdSource>(std::move(raw), std::move(name));
}

std::unique_ptr<ByteSource> make_gzip_source(std::unique_ptr<ByteSource> raw, std::string name) {
  return std::make_unique<GzipSource>(std::move(raw), std::move(name));
}

}  // namespace detail
}  // namespace crashctl
