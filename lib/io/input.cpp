// Input sources (files, stdin, memory), compression and kind detection.
#include "io/input.h"

#include "io/decompress.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/LEB128.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace crashctl {
namespace {

// How much decompressed data kind detection looks at.
constexpr size_t kSniffSize = 64 << 10;

class FileSource final : public ByteSource {
public:
  // Reads at most LIMIT bytes: a regular file up to its size at open, so
  // that a log appended to while read ends (the growth is the next run's).
  FileSource(int fd, bool owned, std::string name, uint64_t size, uint64_t limit)
      : fd_(fd), owned_(owned), name_(std::move(name)), size_(size), limit_(limit) {}
  ~FileSource() override {
    if (owned_) ::close(fd_);
  }
  // Files are read, not mapped: a log truncated while it is read (logrotate's
  // copytruncate) would kill the process with SIGBUS on a mapping, and
  // mapping saved only ~10% here. Memory buffers are still read in place.
  llvm::Expected<size_t> read(char *buf, size_t n) override {
    n = size_t(std::min<uint64_t>(n, limit_ - pos_));
    if (n == 0) return 0;
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) {
        pos_ += static_cast<uint64_t>(r);
        return static_cast<size_t>(r);
      }
      if (errno == EINTR) continue;
      int err = errno;
      return llvm::createStringError(std::error_code(err, std::generic_category()), "%s: read error at byte %llu: %s",
                                     name_.c_str(), static_cast<unsigned long long>(pos_),
                                     std::generic_category().message(err).c_str());
    }
  }
  uint64_t raw_position() const override { return pos_; }
  uint64_t raw_size() const override { return size_; }
  // Regular files only (SIZE known), read with pread(2) from START, where
  // this source began.
  std::unique_ptr<ByteSource> range(uint64_t begin, uint64_t end) const override;

private:
  int fd_;
  bool owned_;
  std::string name_;
  uint64_t size_;
  uint64_t limit_;
  uint64_t pos_ = 0;
};

// Bytes [begin, end) of a FileSource's stream, read with pread(2): another
// thread may read another range of the same file at the same time.
class FileRangeSource final : public ByteSource {
public:
  FileRangeSource(int fd, const std::string &name, uint64_t file_begin, uint64_t stream_begin, uint64_t size,
                  uint64_t file_size)
      : fd_(fd),
        name_(name),
        file_begin_(file_begin),
        stream_begin_(stream_begin),
        size_(size),
        file_size_(file_size) {}
  llvm::Expected<size_t> read(char *buf, size_t n) override {
    n = size_t(std::min<uint64_t>(n, size_ - pos_));
    if (n == 0) return 0;
    for (;;) {
      ssize_t r = ::pread(fd_, buf, n, off_t(file_begin_ + pos_));
      if (r >= 0) {
        pos_ += static_cast<uint64_t>(r);
        if (r == 0) size_ = pos_;  // the file shrank
        return static_cast<size_t>(r);
      }
      if (errno == EINTR) continue;
      int err = errno;
      return llvm::createStringError(std::error_code(err, std::generic_category()), "%s: read error at byte %llu: %s",
                                     name_.c_str(), static_cast<unsigned long long>(stream_begin_ + pos_),
                                     std::generic_category().message(err).c_str());
    }
  }
  uint64_t raw_position() const override { return stream_begin_ + pos_; }
  uint64_t raw_size() const override { return file_size_; }

private:
  int fd_;
  std::string name_;
  uint64_t file_begin_, stream_begin_, size_, file_size_;
  uint64_t pos_ = 0;
};

std::unique_ptr<ByteSource> FileSource::range(uint64_t begin, uint64_t end) const {
  if (size_ == 0 || begin > end || end > limit_) return nullptr;
  uint64_t start = size_ - limit_;  // where the stream starts in the file (stdin may start past 0)
  return std::make_unique<FileRangeSource>(fd_, name_, start + begin, begin, end - begin, size_);
}

class MemorySource final : public ByteSource {
public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  llvm::Expected<size_t> read(char *buf, size_t n) override {
    size_t k = std::min(n, bytes_.size() - pos_);
    if (k) std::memcpy(buf, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t raw_position() const override { return pos_; }
  uint64_t raw_size() const override { return bytes_.size(); }
  std::string_view mapped() override { return bytes_; }
  void set_mapped_position(uint64_t pos) override { pos_ = static_cast<size_t>(pos); }
  std::unique_ptr<ByteSource> range(uint64_t begin, uint64_t end) const override {
    if (begin > end || end > bytes_.size()) return nullptr;
    return std::make_unique<MemorySource>(bytes_.substr(begin, end - begin));
  }

private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

// Replays bytes already read from INNER (for detection), then continues with
// INNER. A read error met while peeking is reported after the replay.
class PrefixSource final : public ByteSource {
public:
  PrefixSource(std::string prefix, std::unique_ptr<ByteSource> inner, std::string deferred = {},
               std::error_code ec = {})
      : prefix_(std::move(prefix)), inner_(std::move(inner)), deferred_(std::move(deferred)), ec_(ec) {}
  llvm::Expected<size_t> read(char *buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      delivered_ += k;
      if (pos_ == prefix_.size()) std::string().swap(prefix_), pos_ = SIZE_MAX;
      return k;
    }
    if (!deferred_.empty()) return llvm::createStringError(ec_, "%s", deferred_.c_str());
    if (inner_eof_) return 0;
    auto r = inner_->read(buf, n);
    if (r) delivered_ += *r;
    return r;
  }
  uint64_t delivered() const override { return delivered_; }
  uint64_t raw_position() const override { return inner_->raw_position(); }
  uint64_t raw_size() const override { return inner_->raw_size(); }
  // The prefix holds the first bytes of the inner stream, so the inner
  // mapping is this stream too; not after a read error while peeking.
  std::string_view mapped() override {
    if (!deferred_.empty()) return {};
    std::string_view m = inner_->mapped();
    if (m.size() < prefix_.size() || m.substr(0, prefix_.size()) != prefix_) return {};
    return m;
  }
  void release_mapped(uint64_t upto) override { inner_->release_mapped(upto); }
  // The inner stream's own ranges: the prefix is its first bytes.
  std::unique_ptr<ByteSource> range(uint64_t begin, uint64_t end) const override {
    return deferred_.empty() ? inner_->range(begin, end) : nullptr;
  }
  void set_mapped_position(uint64_t pos) override {
    delivered_ = pos;
    inner_->set_mapped_position(pos);
  }
  void set_inner_eof() { inner_eof_ = true; }
  bool can_lend() const override {
    return pos_ >= prefix_.size() && deferred_.empty() && !inner_eof_ && inner_->can_lend();
  }
  llvm::Expected<LentChunk> lend_chunk() override {
    auto c = inner_->lend_chunk();
    if (c) delivered_ += c->size;
    return c;
  }

private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> inner_;
  std::string deferred_;
  std::error_code ec_;
  bool inner_eof_ = false;
  uint64_t delivered_ = 0;
};

std::string hex_prefix(std::string_view s, size_t n = 8) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < std::min(n, s.size()); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (i) out += ' ';
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// Whether the sample looks like text (logs, terminal captures): few control
// bytes or invalid UTF-8 sequences (Latin-1 is tolerated). Runs of NUL bytes
// are zero padding (logrotate's copytruncate leaves a hole of them before
// the new text, a power loss after the last write), read as line breaks;
// a sample of NULs only is such a hole. UTF-16 and binary formats have NULs
// all over: more than a few runs, one per 256 other bytes, are not text.
bool looks_like_text(std::string_view s) {
  if (s.empty()) return true;
  size_t bad = 0, nul_runs = 0, nul_bytes = 0;
  const auto *p = reinterpret_cast<const unsigned char *>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c == 0) {
      ++nul_runs;
      for (; i < n && p[i] == 0; ++i) ++nul_bytes;
      continue;
    }
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != '\b' && c != 0x1b) ||
          c == 0x7f)
        ++bad;
      ++i;
      continue;
    }
    size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (c > 0xf4) len = 0;
    if (len == 0) {
      ++bad;
      ++i;
      continue;
    }
    if (i + len > n) break;  // cut by the sample's end
    bool ok = true;
    for (size_t k = 1; k < len; ++k) ok &= (p[i + k] & 0xc0) == 0x80;
    if (!ok) {
      ++bad;
      ++i;
      continue;
    }
    i += len;
  }
  size_t text = n - nul_bytes;
  if (nul_runs > 4 && nul_runs * 256 > text) return false;
  return bad * 10 <= text * 3;
}

// A serialized profile.proto (pprof): a run of top-level fields with the
// numbers and wire types of the Profile message. Strict enough that text,
// which this is checked before, does not pass.
bool looks_like_profile_proto(std::string_view head) {
  size_t i = 0;
  auto *bytes = reinterpret_cast<const uint8_t *>(head.data());
  auto varint = [&](uint64_t &v) {
    unsigned n = 0;
    const char *error = nullptr;
    v = llvm::decodeULEB128(bytes + i, &n, bytes + head.size(), &error);
    i += n;
    return error == nullptr;
  };
  int fields = 0;
  bool sample_type = false;
  while (fields < 6 && i < head.size()) {
    uint64_t tag;
    if (!varint(tag)) return false;
    uint64_t field = tag >> 3, wire = tag & 7;
    bool len_field = field <= 6 || field == 11 || field == 13;
    bool varint_field = (field >= 7 && field <= 10) || field == 12 || field == 13 || field == 14;
    if (wire == 2 && len_field) {
      uint64_t len;
      if (!varint(len) || len > (uint64_t(1) << 30)) return false;
      // ValueType (sample_type, period_type): small varint fields 1 and 2.
      if ((field == 1 || field == 11) && (len < 2 || len > 22 || i >= head.size() || head[i] != 0x08)) return false;
      sample_type |= field == 1 || field == 11;
      i += len;
    } else if (wire == 0 && varint_field) {
      uint64_t v;
      if (!varint(v)) return false;
    } else {
      return false;
    }
    ++fields;
  }
  return sample_type && (fields >= 4 || i >= head.size());
}

llvm::Error unsupported(const std::string &name, std::string_view head, const char *hint = "") {
  return llvm::createStringError(
      std::errc::invalid_argument,
      "%s: unsupported input: not Go crash text, an ELF core or a Go heap dump (first bytes: %s)%s", name.c_str(),
      hex_prefix(head).c_str(), hint);
}

llvm::Expected<InputFormat> classify(std::string_view head, const std::string &name) {
  if (head.empty()) return InputFormat::Traceback;  // the decoder reports "no Go crash text"
  if (starts_with(head,
                  "\x7f"
                  "ELF")) {
    if (head.size() < 18)
      return llvm::createStringError(std::errc::invalid_argument, "%s: truncated ELF header (%zu bytes)", name.c_str(),
                                     head.size());
    unsigned ei_data = static_cast<unsigned char>(head[5]);
    if (ei_data != 1 && ei_data != 2)
      return llvm::createStringError(std::errc::invalid_argument, "%s: invalid ELF header (EI_DATA %u)", name.c_str(),
                                     ei_data);
    // e_type, in the byte order EI_DATA names (1: ELFDATA2LSB).
    unsigned type = llvm::support::endian::read16(head.data() + 16,
                                                  ei_data == 1 ? llvm::endianness::little : llvm::endianness::big);
    switch (type) {
      case 4: return InputFormat::Core;
      case 2:
      case 3:
        return llvm::createStringError(std::errc::invalid_argument,
                                       "%s: is an ELF executable, not a core dump; pass it with --exe next to a core",
                                       name.c_str());
      case 1:
        return llvm::createStringError(std::errc::invalid_argument, "%s: is an ELF relocatable object, not a core dump",
                                       name.c_str());
      default:
        return llvm::createStringError(std::errc::invalid_argument, "%s: is an ELF file of type %u, not a core dump",
                                       name.c_str(), type);
    }
  }
  if (starts_with(head, "go1.7 heap dump\n")) return InputFormat::HeapDump;
  // Compressions we do not decode: say so rather than "not text".
  if (starts_with(head, std::string_view("\xfd"
                                         "7zXZ\0",
                                         6)))
    return unsupported(name, head, "; it is xz-compressed: decompress it with xz -d first");
  if (starts_with(head, std::string_view("\x04\x22\x4d\x18", 4)))
    return unsupported(name, head, "; it is lz4-compressed: decompress it with lz4 -d first");
  if (head.size() >= 10 && starts_with(head, "BZh") && head[3] >= '1' && head[3] <= '9' &&
      head.substr(4, 6) == "\x31\x41\x59\x26\x53\x59")
    return unsupported(name, head, "; it is bzip2-compressed: decompress it with bunzip2 first");
  if (looks_like_profile_proto(head)) return InputFormat::Profile;
  if (looks_like_text(head.substr(0, kSniffSize))) return InputFormat::Traceback;
  // journalctl -o export: text fields, with binary-safe ones (little-endian lengths) among them.
  if (starts_with(head, "__CURSOR=") || starts_with(head, "__REALTIME_TIMESTAMP=")) return InputFormat::Traceback;
  if (starts_with(head, "\xff\xfe") || starts_with(head, "\xfe\xff"))
    return unsupported(name, head, "; it looks like UTF-16 text: convert it with iconv -f UTF-16 -t UTF-8");
  return unsupported(name, head);
}

}  // namespace

llvm::Error read_upto(ByteSource &src, std::string &out, size_t want, bool &eof) {
  eof = false;
  while (out.size() < want) {
    size_t old = out.size();
    out.resize(want);
    auto r = src.read(&out[old], want - old);
    if (!r) {
      out.resize(old);
      return r.takeError();
    }
    out.resize(old + *r);
    if (*r == 0) {
      eof = true;
      break;
    }
  }
  return llvm::Error::success();
}

std::unique_ptr<ByteSource> memory_source(std::string_view bytes, std::string name) {
  (void)name;
  return std::make_unique<MemorySource>(bytes);
}

llvm::Expected<OpenedInput> open_source(std::unique_ptr<ByteSource> raw, const std::string &name, bool detect_kind) {
  OpenedInput out;
  // 1. Compression, from the first raw bytes.
  std::string magic;
  bool eof = false;
  if (auto e = read_upto(*raw, magic, 4, eof)) return e;
  const auto *m = reinterpret_cast<const unsigned char *>(magic.data());
  if (magic.size() >= 4 && detail::is_zstd_magic(m))
    out.compression = Compression::Zstd;
  else if (magic.size() >= 2 && m[0] == 0x1f && m[1] == 0x8b)
    out.compression = Compression::Gzip;
  auto replay = std::make_unique<PrefixSource>(std::move(magic), std::move(raw));
  if (eof) replay->set_inner_eof();
  std::unique_ptr<ByteSource> stream = std::move(replay);
  if (out.compression == Compression::Zstd)
    stream = detail::make_zstd_source(std::move(stream), name);
  else if (out.compression == Compression::Gzip)
    stream = detail::make_gzip_source(std::move(stream), name);

  // 2. Kind, from the first decompressed bytes. An error after some bytes
  // (a truncated stream) is kept and reported after those bytes.
  std::string head;
  std::string deferred;
  std::error_code deferred_ec;
  if (auto e = read_upto(*stream, head, kSniffSize, eof)) {
    if (head.empty()) return e;
    llvm::handleAllErrors(std::move(e), [&](const llvm::ErrorInfoBase &info) {
      deferred = info.message();
      deferred_ec = info.convertToErrorCode();
    });
    if (deferred.empty()) deferred = name + ": read error";
  }
  if (detect_kind) {
    auto kind = classify(head, name);
    if (!kind) return kind.takeError();
    out.format = *kind;
  }
  // Large compressed streams decompress on a second thread (io/read_ahead.cpp).
  if (out.compression != Compression::None && deferred.empty() && !eof)
    stream = make_read_ahead_source(std::move(stream));
  auto src = std::make_unique<PrefixSource>(std::move(head), std::move(stream), std::move(deferred), deferred_ec);
  if (eof) src->set_inner_eof();
  out.source = std::move(src);
  return out;
}

llvm::Expected<OpenedInput> open_input(const std::string &path, bool detect_kind) {
  int fd;
  bool owned;
  std::string name = path;
  if (path == "-") {
    fd = 0;
    owned = false;
    name = "<stdin>";
  } else {
    do fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      int err = errno;
      return llvm::createStringError(std::error_code(err, std::generic_category()), "%s: cannot open: %s", path.c_str(),
                                     std::generic_category().message(err).c_str());
    }
    owned = true;
  }
  struct stat st;
  uint64_t size = 0, limit = UINT64_MAX;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      if (owned) ::close(fd);
      return llvm::createStringError(std::errc::is_a_directory, "%s: is a directory", name.c_str());
    }
    if (S_ISREG(st.st_mode)) {
      size = static_cast<uint64_t>(st.st_size);
      off_t at = ::lseek(fd, 0, SEEK_CUR);  // stdin may start past 0
      limit = at > 0 && uint64_t(at) < size ? size - uint64_t(at) : at > 0 ? 0 : size;
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
  }
  return open_source(std::make_unique<FileSource>(fd, owned, name, size, limit), name, detect_kind);
}

}  // namespace crashctl
