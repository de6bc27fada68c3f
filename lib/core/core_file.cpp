#include "core/core_file.h"

#include "io/mapped_file.h"
#include "support/limits.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELF.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <iterator>

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
static llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> decompress_to_temp(const std::string &name, ByteSource &src,
                                                                              std::string &stream_error) {
  const char *tmpdir = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/crashctl-core-XXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        name + ": cannot create a temporary file for the decompressed core: " + std::strerror(errno));
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
      return llvm::createStringError(mb.getError(),
                                     name + ": cannot map the decompressed core: " + mb.getError().message());
    return std::move(*mb);
  }
io_error:
  int e = errno;
  close(fd);
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 name + ": cannot write the decompressed core to " + tmpl + ": " + std::strerror(e));
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

// A field of a note descriptor (the core is little-endian); 0 past its end.
template <typename T>
static T load(llvm::ArrayRef<uint8_t> d, size_t off) {
  return off + sizeof(T) <= d.size() ? llvm::support::endian::read<T, llvm::endianness::little>(d.data() + off) : T{};
}

// Linux core notes (the descriptors' layouts on amd64 and arm64).
namespace prstatus {            // struct elf_prstatus
constexpr size_t kCursig = 12;  // pr_cursig, after pr_info
constexpr size_t kPid = 32;     // pr_pid
constexpr size_t kRegs = 112;   // pr_reg
}  // namespace prstatus
namespace amd64_reg {  // pr_reg: struct user_regs_struct, by index
constexpr size_t kRbp = 4, kRip = 16, kRsp = 19, kFsBase = 21, kCount = 27;
}  // namespace amd64_reg
namespace arm64_reg {            // pr_reg: struct user_pt_regs, by index
constexpr size_t kGeneral = 31;  // x0..x30
constexpr size_t kFp = 29, kLr = 30, kSp = 31, kPc = 32, kPstate = 33, kCount = 34;
}  // namespace arm64_reg
namespace prpsinfo {  // struct elf_prpsinfo
constexpr size_t kSize = 136;
constexpr size_t kPid = 24;                       // pr_pid
constexpr size_t kFname = 40, kFnameSize = 16;    // pr_fname
constexpr size_t kPsargs = 56, kPsargsSize = 80;  // pr_psargs
}  // namespace prpsinfo
namespace siginfo {  // siginfo_t
constexpr size_t kSigno = 0, kErrno = 4, kCode = 8;
constexpr size_t kAddr = 16;            // si_addr (faults, si_code > 0)
constexpr size_t kPid = 16, kUid = 20;  // si_pid, si_uid (sent signals)
constexpr size_t kMinSize = 24;
}  // namespace siginfo
namespace nt_file {  // count, page size, then entries, then names
constexpr size_t kHeader = 16;
constexpr size_t kEntry = 24;  // start, end, file offset in pages
}  // namespace nt_file
constexpr size_t kAuxvEntry = 16;  // key, value

static const char *const kAmd64Regs[] = {"r15",    "r14", "r13", "r12",     "rbp",     "rbx", "r11",      "r10", "r9",
                                         "r8",     "rax", "rcx", "rdx",     "rsi",     "rdi", "orig_rax", "rip", "cs",
                                         "eflags", "rsp", "ss",  "fs_base", "gs_base", "ds",  "es",       "fs",  "gs"};

llvm::Error CoreFile::parse() {
  auto elf = ELFFile64::create(bytes_);
  if (!elf) {
    llvm::consumeError(elf.takeError());
    return core_error(name_, 0, "expected a 64-bit little-endian ELF core file");
  }
  const auto &hdr = elf->getHeader();
  if (hdr.e_type != llvm::ELF::ET_CORE)
    return core_error(name_, offsetof(llvm::ELF::Elf64_Ehdr, e_type),
                      "expected an ELF core (e_type 4), found e_type " + llvm::Twine(hdr.e_type));
  machine_ = hdr.e_machine;
  if (machine_ != llvm::ELF::EM_X86_64 && machine_ != llvm::ELF::EM_AARCH64)
    return core_error(name_, offsetof(llvm::ELF::Elf64_Ehdr, e_machine),
                      "unsupported machine " + llvm::Twine(machine_) + " (amd64 and arm64 are read)");
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
          t.cursig = load<int16_t>(desc, prstatus::kCursig);
          t.tid = load<int32_t>(desc, prstatus::kPid);
          auto reg = [&](size_t i) { return load<uint64_t>(desc, prstatus::kRegs + 8 * i); };
          if (machine_ == llvm::ELF::EM_X86_64) {
            static_assert(std::size(kAmd64Regs) == amd64_reg::kCount);
            if (desc.size() < prstatus::kRegs + amd64_reg::kCount * 8) {
              problems_.emplace_back(at, "NT_PRSTATUS note too short for amd64 registers");
              break;
            }
            for (size_t i = 0; i < amd64_reg::kCount; ++i) t.registers.emplace_back(kAmd64Regs[i], reg(i));
            t.fp = reg(amd64_reg::kRbp);
            t.pc = reg(amd64_reg::kRip);
            t.sp = reg(amd64_reg::kRsp);
            t.fs_base = reg(amd64_reg::kFsBase);
          } else {
            if (desc.size() < prstatus::kRegs + arm64_reg::kCount * 8) {
              problems_.emplace_back(at, "NT_PRSTATUS note too short for arm64 registers");
              break;
            }
            for (size_t i = 0; i < arm64_reg::kGeneral; ++i) t.registers.emplace_back("x" + std::to_string(i), reg(i));
            t.registers.emplace_back("sp", reg(arm64_reg::kSp));
            t.registers.emplace_back("pc", reg(arm64_reg::kPc));
            t.registers.emplace_back("pstate", reg(arm64_reg::kPstate));
            t.fp = reg(arm64_reg::kFp);
            t.lr = reg(arm64_reg::kLr);
            t.sp = reg(arm64_reg::kSp);
            t.pc = reg(arm64_reg::kPc);
          }
          threads_.push_back(std::move(t));
          break;
        }
        case llvm::ELF::NT_PRPSINFO: {
          if (note.getName() != "CORE" || desc.size() < prpsinfo::kSize) break;
          auto cstr = [&](size_t off, size_t n) {
            std::string s(reinterpret_cast<const char *>(desc.data() + off), n);
            return s.substr(0, s.find('\0'));
          };
          pid_ = load<int32_t>(desc, prpsinfo::kPid);
          command_ = cstr(prpsinfo::kFname, prpsinfo::kFnameSize);
          args_ = cstr(prpsinfo::kPsargs, prpsinfo::kPsargsSize);
          while (!args_.empty() && args_.back() == ' ') args_.pop_back();
          break;
        }
        case llvm::ELF::NT_SIGINFO: {
          if (desc.size() < siginfo::kMinSize) break;
          SigInfo si;
          si.signo = load<int32_t>(desc, siginfo::kSigno);
          si.errno_ = load<int32_t>(desc, siginfo::kErrno);
          si.code = load<int32_t>(desc, siginfo::kCode);
          if (si.code > 0) {
            si.addr = load<uint64_t>(desc, siginfo::kAddr);
          } else {
            si.pid = load<int32_t>(desc, siginfo::kPid);
            si.uid = load<uint32_t>(desc, siginfo::kUid);
          }
          if (!siginfo_) siginfo_ = si;
          break;
        }
        case llvm::ELF::NT_AUXV:
          for (size_t off = 0; off + kAuxvEntry <= desc.size(); off += kAuxvEntry) {
            uint64_t key = load<uint64_t>(desc, off), val = load<uint64_t>(desc, off + 8);
            if (key == 0) break;
            auxv_[key] = val;
          }
          break;
        case llvm::ELF::NT_FILE: {
          uint64_t count = load<uint64_t>(desc, 0), page = load<uint64_t>(desc, 8);
          if (count > desc.size() / nt_file::kEntry) {
            problems_.emplace_back(at, "NT_FILE note claims more entries than it holds");
            break;
          }
          size_t names = nt_file::kHeader + count * nt_file::kEntry;
          for (uint64_t i = 0; i < count; ++i) {
            MappedFile f;
            size_t entry = nt_file::kHeader + i * nt_file::kEntry;
            f.start = load<uint64_t>(desc, entry);
            f.end = load<uint64_t>(desc, entry + 8);
            f.file_offset = load<uint64_t>(desc, entry + 16) * page;
            size_t e = names;
            while (e < desc.size() && desc[e] != 0) ++e;
            if (names < desc.size()) f.path.assign(reinterpret_cast<const char *>(desc.data() + names), e - names);
            names = e + 1;
            files_.push_back(std::move(f));
          }
          break;
        }
        default: break;
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

binary::ProcessImage::Span CoreFile::span_at(uint64_t vaddr) const {
  const CoreSegment *s = segment_at(vaddr);
  if (!s || vaddr - s->vaddr >= s->filesz) return {};
  llvm::StringRef seg = bytes_.substr(s->offset, s->filesz);
  if (seg.size() != s->filesz) return {};
  return {s->vaddr, seg};
}

}  // namespace crashctl::core
