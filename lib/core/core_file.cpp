#include "core/core_file.h"

#include "io/limits.h"
#include "io/mapped_file.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace crashctl::core {

using llvm::object::ELF64LE;
using ELFFile64 = llvm::object::ELFFile<ELF64LE>;

static llvm::Error core_error(const std::string &name, uint64_t offset, const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 llvm::formatv("{0}: at byte {1}: {2}", name, offset, what.str()).str());
}

// Writes the decompressed stream into an unlinked temporary file, seeking
// over all-zero blocks so that a sparse core stays sparse on disk.
// A stream that fails part-way (a truncated .zst) keeps what came before the
// failure, and the failure goes to STREAM_ERROR: a cut core is still read.
static llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> decompress_to_temp(const std::string &name,
                                                                             ByteSource &src,
                                                                             std::string &stream_error) {
  const char *tmpdir = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/crashctl-core-XXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   name + ": cannot create a temporary file for the decompressed core: " +
                                       std::strerror(errno));
  unlink(tmpl.c_str());
  constexpr size_t kBlock = 1 << 16;
  std::unique_ptr<char[]> buf(new char[kBlock]);
  static const char zeros[4096] = {};
  uint64_t total = 0, written = 0;
  const uint64_t max_written = resource_limits().temp_file_bytes;
  for (;;) {
    size_t have = 0;
    while (have < kBlock) {  // fill whole blocks so that zero runs line up
      auto got = src.read(buf.get() + have, kBlock - have);
      if (!got) {
        stream_error = llvm::toString(got.takeError());
        break;
      }
      if (*got == 0) break;
      have += *got;
    }
    if (have == 0) break;
    for (size_t at = 0; at < have; at += 4096) {
      size_t n = std::min<size_t>(4096, have - at);
      if (n == 4096 && std::memcmp(buf.get() + at, zeros, 4096) == 0) {
        if (lseek(fd, 4096, SEEK_CUR) < 0) goto io_error;
        continue;
      }
      if (written + n > max_written) {  // a bomb must not fill $TMPDIR: read what came before
        stream_error = name + ": at decompressed byte " + std::to_string(total + at) +
                       ": the decompressed core needs more than " + std::to_string(max_written) +
                       " bytes of temporary disk (--limit temp-file-bytes); read up to here";
        have = at;
        break;
      }
      for (size_t done = 0; done < n;) {
        ssize_t w = write(fd, buf.get() + at + done, n - done);
        if (w <= 0) goto io_error;
        done += size_t(w);
      }
      written += n;
    }
    total += have;
    if (have < kBlock || !stream_error.empty()) break;
  }
  if (total == 0 && !stream_error.empty()) {
    close(fd);
    return llvm::createStringError(llvm::inconvertibleErrorCode(), stream_error);
  }
  if (ftruncate(fd, off_t(total)) != 0) goto io_error;
  {
    auto mb = map_open_file(fd, name, total);
    close(fd);
    if (!mb)
      return llvm::createStringError(mb.getError(), name + ": cannot map the decompressed core: " +
                                                        mb.getError().message());
    return std::move(*mb);
  }
io_error:
  int e = errno;
  close(fd);
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 name + ": cannot write the decompressed core to " + tmpl + ": " +
                                     std::strerror(e));
}

llvm::Expected<std::unique_ptr<CoreFile>> CoreFile::open(const std::string &path, OpenedInput &in) {
  auto core = std::unique_ptr<CoreFile>(new CoreFile);
  core->name_ = path;
  struct stat st;
  bool regular = path != "-" && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  if (in.compression == Compression::None && regular) {
    auto mb = map_file(path);
    if (!mb) return llvm::createStringError(mb.getError(), path + ": " + mb.getError().message());
    core->buffer_ = std::move(*mb);
  } else {
    std::string stream_error;
    auto mb = decompress_to_temp(path, *in.source, stream_error);
    if (!mb) return mb.takeError();
    core->buffer_ = std::move(*mb);
    if (!stream_error.empty())
      core->stream_error_ = stream_error + "; the " + std::to_string(core->buffer_->getBufferSize()) +
                            " bytes decompressed before it are read";
  }
  core->bytes_ = core->buffer_->getBuffer();
  if (auto err = core->parse()) return llvm::joinErrors(std::move(err), core->check_unchanged());
  return core;
}

llvm::Error CoreFile::check_unchanged() const {
  return buffer_ ? mapped_file_changed(*buffer_) : llvm::Error::success();
}

llvm::Expected<std::unique_ptr<CoreFile>> CoreFile::from_bytes(llvm::StringRef bytes, const std::string &name) {
  auto core = std::unique_ptr<CoreFile>(new CoreFile);
  core->name_ = name;
  core->bytes_ = bytes;
  if (auto err = core->parse()) return err;
  return core;
}

template <typename T> static T load(llvm::ArrayRef<uint8_t> d, size_t off) {
  T v{};
  if (off + sizeof(T) <= d.size()) std::memcpy(&v, d.data() + off, sizeof(T));
  return v;
}

static const char *const kAmd64Regs[] = {"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
                                         "r8",  "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip",
                                         "cs",  "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es",
                                         "fs",  "gs"};

llvm::Error CoreFile::parse() {
  auto elf = ELFFile64::create(bytes_);
  if (!elf) {
    llvm::consumeError(elf.takeError());
    return core_error(name_, 0, "expected a 64-bit little-endian ELF core file");
  }
  const auto &hdr = elf->getHeader();
  if (hdr.e_type != llvm::ELF::ET_CORE)
    return core_error(name_, 16, "expected an ELF core (e_type 4), found e_type " + llvm::Twine(hdr.e_type));
  machine_ = hdr.e_machine;
  if (machine_ != llvm::ELF::EM_X86_64 && machine_ != llvm::ELF::EM_AARCH64)
    return core_error(name_, 18, "unsupported machine " + llvm::Twine(machine_) + " (amd64 and arm64 are read)");
  auto phdrs = elf->program_headers();
  if (!phdrs) {
    llvm::consumeError(phdrs.takeError());
    return core_error(name_, hdr.e_phoff, "program headers lie outside the file");
  }
  for (const auto &ph : *phdrs) {
    if (ph.p_type == llvm::ELF::PT_LOAD) {
      CoreSegment s{ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.p_flags, 0};
      uint64_t promised = s.filesz;
      if (s.offset > bytes_.size()) {
        problems_.emplace_back(s.offset, llvm::formatv("segment at {0:x} starts past the end of the file "
                                                       "(truncated core): its memory is unreadable",
                                                       s.vaddr));
        s.filesz = 0;
      } else if (s.filesz > bytes_.size() - s.offset) {
        problems_.emplace_back(s.offset + (bytes_.size() - s.offset),
                               llvm::formatv("segment at {0:x} is cut short by the end of the file "
                                             "(truncated core): {1} of {2} bytes present",
                                             s.vaddr, bytes_.size() - s.offset, s.filesz));
        s.filesz = bytes_.size() - s.offset;
      }
      s.cut = promised - s.filesz;
      missing_bytes_ += s.cut;
      segments_.push_back(s);
      continue;
    }
    if (ph.p_type != llvm::ELF::PT_NOTE) continue;
    llvm::Error err = llvm::Error::success();
    for (const auto &note : elf->notes(ph, err)) {
      auto desc = note.getDesc(4);
      uint64_t at = uint64_t(desc.data() - reinterpret_cast<const uint8_t *>(bytes_.data()));
      switch (note.getType()) {
      case llvm::ELF::NT_PRSTATUS: {
        if (note.getName() != "CORE") break;
        CoreThread t;
        t.cursig = load<int16_t>(desc, 12);
        t.tid = load<int32_t>(desc, 32);
        const size_t regs = 112;
        if (machine_ == llvm::ELF::EM_X86_64) {
          if (desc.size() < regs + 27 * 8) {
            problems_.emplace_back(at, "NT_PRSTATUS note too short for amd64 registers");
            break;
          }
          for (size_t i = 0; i < 27; ++i) t.registers.emplace_back(kAmd64Regs[i], load<uint64_t>(desc, regs + 8 * i));
          t.fp = load<uint64_t>(desc, regs + 4 * 8);
          t.pc = load<uint64_t>(desc, regs + 16 * 8);
          t.sp = load<uint64_t>(desc, regs + 19 * 8);
          t.fs_base = load<uint64_t>(desc, regs + 21 * 8);
        } else {
          if (desc.size() < regs + 34 * 8) {
            problems_.emplace_back(at, "NT_PRSTATUS note too short for arm64 registers");
            break;
          }
          for (size_t i = 0; i < 31; ++i) t.registers.emplace_back("x" + std::to_string(i), load<uint64_t>(desc, regs + 8 * i));
          t.registers.emplace_back("sp", load<uint64_t>(desc, regs + 31 * 8));
          t.registers.emplace_back("pc", load<uint64_t>(desc, regs + 32 * 8));
          t.registers.emplace_back("pstate", load<uint64_t>(desc, regs + 33 * 8));
          t.fp = load<uint64_t>(desc, regs + 29 * 8);
          t.lr = load<uint64_t>(desc, regs + 30 * 8);
          t.sp = load<uint64_t>(desc, regs + 31 * 8);
          t.pc = load<uint64_t>(desc, regs + 32 * 8);
        }
        threads_.push_back(std::move(t));
        break;
      }
      case llvm::ELF::NT_PRPSINFO: {
        if (note.getName() != "CORE" || desc.size() < 136) break;
        auto cstr = [&](size_t off, size_t n) {
          std::string s(reinterpret_cast<const char *>(desc.data() + off), n);
          return s.substr(0, s.find('\0'));
        };
        pid_ = load<int32_t>(desc, 24);
        command_ = cstr(40, 16);
        args_ = cstr(56, 80);
        while (!args_.empty() && args_.back() == ' ') args_.pop_back();
        break;
      }
      case llvm::ELF::NT_SIGINFO: {
        if (desc.size() < 24) break;
        SigInfo si;
        si.signo = load<int32_t>(desc, 0);
        si.errno_ = load<int32_t>(desc, 4);
        si.code = load<int32_t>(desc, 8);
        if (si.code > 0) {
          si.addr = load<uint64_t>(desc, 16);
        } else {
          si.pid = load<int32_t>(desc, 16);
          si.uid = load<uint32_t>(desc, 20);
        }
        if (!siginfo_) siginfo_ = si;
        break;
      }
      case llvm::ELF::NT_AUXV:
        for (size_t off = 0; off + 16 <= desc.size(); off += 16) {
          uint64_t key = load<uint64_t>(desc, off), val = load<uint64_t>(desc, off + 8);
          if (key == 0) break;
          auxv_[key] = val;
        }
        break;
      case llvm::ELF::NT_FILE: {
        uint64_t count = load<uint64_t>(desc, 0), page = load<uint64_t>(desc, 8);
        if (count > desc.size() / 24) {
          problems_.emplace_back(at, "NT_FILE note claims more entries than it holds");
          break;
        }
        size_t names = 16 + count * 24;
        for (uint64_t i = 0; i < count; ++i) {
          MappedFile f;
          f.start = load<uint64_t>(desc, 16 + i * 24);
          f.end = load<uint64_t>(desc, 16 + i * 24 + 8);
          f.file_offset = load<uint64_t>(desc, 16 + i * 24 + 16) * page;
          size_t e = names;
          while (e < desc.size() && desc[e] != 0) ++e;
          if (names < desc.size()) f.path.assign(reinterpret_cast<const char *>(desc.data() + names), e - names);
          names = e + 1;
          files_.push_back(std::move(f));
        }
        break;
      }
      default:
        break;
      }
    }
    if (err) {
      problems_.emplace_back(ph.p_offset, "note segment is damaged: " + llvm::toString(std::move(err)));
    }
  }
  std::sort(segments_.begin(), segments_.end(),
            [](const CoreSegment &a, const CoreSegment &b) { return a.vaddr < b.vaddr; });
  return llvm::Error::success();
}

const CoreSegment *CoreFile::segment_at(uint64_t vaddr) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), vaddr,
                             [](uint64_t a, const CoreSegment &s) { return a < s.vaddr; });
  if (it == segments_.begin()) return nullptr;
  --it;
  if (vaddr - it->vaddr >= it->memsz) return nullptr;
  return &*it;
}

size_t CoreFile::read(uint64_t vaddr, void *out, size_t n) const {
  size_t done = 0;
  auto *dst = static_cast<char *>(out);
  while (done < n) {
    const CoreSegment *s = segment_at(vaddr + done);
    if (!s) break;
    uint64_t in_seg = vaddr + done - s->vaddr;
    if (in_seg >= s->filesz) {
      if (in_seg - s->filesz < s->cut) missed_reads_.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    size_t take = size_t(std::min<uint64_t>(n - done, s->filesz - in_seg));
    std::memcpy(dst + done, bytes_.data() + s->offset + in_seg, take);
    done += take;
  }
  return done;
}

}  // namespace crashctl::core
