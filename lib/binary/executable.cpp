// ELF reading: headers, segments, notes, symbols, and the public accessors.
#include "binary/executable_impl.h"
#include "binary/locate.h"
#include "io/input.h"
#include "io/mapped_file.h"
#include "io/regular_file.h"
#include "support/limits.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <sys/stat.h>
#include <algorithm>
#include <cstring>
#include <mutex>

namespace crashctl::binary {

using namespace llvm;

const TypeField *TypeInfo::field(std::string_view n) const {
  for (const TypeField &f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

namespace {

Error fail(const std::string &path, const Twine &what) {
  return createStringError(inconvertibleErrorCode(), path + ": " + what);
}

}  // namespace

const SectionInfo *Executable::Impl::section(std::string_view name) const {
  auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

std::string_view Executable::Impl::section_bytes(std::string_view name) const {
  const SectionInfo *s = section(name);
  if (!s || !s->in_file) return {};
  return file().substr(s->offset, s->size);
}

std::string_view Executable::Impl::bytes_at(uint64_t vaddr, uint64_t n) const {
  for (const Segment &s : segments) {
    if (vaddr < s.vaddr || vaddr - s.vaddr >= s.filesz) continue;
    uint64_t rel = vaddr - s.vaddr;
    if (n > s.filesz - rel) return {};
    return file().substr(s.offset + rel, n);
  }
  return {};
}

bool Executable::Impl::read(uint64_t vaddr, void *out, size_t n) const {
  if (n == 0) return true;
  std::string_view b = bytes_at(vaddr, n);
  if (b.size() != n) return false;
  std::memcpy(out, b.data(), n);
  return true;
}

Executable::Executable() : impl_(std::make_unique<Impl>()) {}
Executable::~Executable() = default;

// A compressed executable, decompressed into memory: at most
// min(executable-bytes, executable-ratio x its compressed size) bytes.
static Expected<std::unique_ptr<MemoryBuffer>> decompressed(const std::string &path, StringRef packed) {
  const ResourceLimits &limits = resource_limits();
  uint64_t by_ratio =
      packed.size() > UINT64_MAX / limits.executable_ratio ? UINT64_MAX : packed.size() * limits.executable_ratio;
  uint64_t cap = std::min(limits.executable_bytes, by_ratio);
  auto in = open_source(memory_source(std::string_view(packed.data(), packed.size()), path), path,
                        /*detect_kind=*/false);
  if (!in) return in.takeError();
  std::string bytes, chunk(1 << 16, '\0');
  for (;;) {
    // One byte past the cap tells a stream at the cap from one beyond it.
    size_t want = size_t(std::min<uint64_t>(chunk.size(), cap - bytes.size() + 1));
    auto n = in->source->read(chunk.data(), want);
    if (!n) return n.takeError();
    if (*n == 0) break;
    if (bytes.size() + *n > cap) {
      bool ratio = by_ratio < limits.executable_bytes;
      return createStringError(
          inconvertibleErrorCode(),
          ratio ? formatv("it decompresses to more than {0} bytes, {1} times its {2} compressed bytes "
                          "(a decompression bomb?); the limit is --limit executable-ratio={1}",
                          cap, limits.executable_ratio, packed.size())
                      .str()
                : formatv("it decompresses to more than {0} bytes; the limit is --limit executable-bytes={0}", cap)
                      .str());
    }
    bytes.append(chunk.data(), *n);
  }
  return MemoryBuffer::getMemBufferCopy(bytes, path);
}

Expected<std::shared_ptr<const Executable>> Executable::open_shared(const std::string &path) {
  struct stat st{};
  std::string key = path;
  if (::stat(path.c_str(), &st) == 0)
    key += "\0" + std::to_string(st.st_size) + "\0" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
  static std::mutex mu;
  static std::vector<std::pair<std::string, std::shared_ptr<const Executable>>> recent;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto &[k, exe] : recent)
      if (k == key) return exe;
  }
  auto opened = open(path);
  if (!opened) return opened.takeError();
  std::shared_ptr<const Executable> exe = std::move(*opened);
  std::lock_guard<std::mutex> lock(mu);
  recent.emplace_back(key, exe);
  if (recent.size() > 4) recent.erase(recent.begin());
  return exe;
}

Expected<std::unique_ptr<Executable>> Executable::open(const std::string &path) {
  // Only a regular file: a FIFO would block, /dev/zero would never end.
  auto file = open_regular_file(path);
  if (!file) return file.takeError();
  // Read, not mapped: LLVM trusts bytes it has checked once, which a file
  // shrinking under a mapping would turn into zeros.
  auto buf = load_open_file(file->fd(), path, file->size());
  if (!buf) return buf.takeError();
  StringRef head = (*buf)->getBuffer();
  bool zstd = head.size() >= 4 && head.starts_with("\x28\xb5\x2f\xfd");
  bool gzip = head.size() >= 2 && head.starts_with("\x1f\x8b");
  if (zstd || gzip) {
    auto plain = decompressed(path, head);
    if (!plain) return fail(path, "cannot decompress: " + toString(plain.takeError()));
    buf = std::move(*plain);
  }
  StringRef bytes = (*buf)->getBuffer();
  if (bytes.size() < 16 || !bytes.starts_with("\x7f"
                                              "ELF"))
    return fail(path, "not an ELF file");
  if (uint8_t(bytes[ELF::EI_CLASS]) != ELF::ELFCLASS64)
    return fail(path, "32-bit ELF is not supported (only 64-bit Go executables are read)");
  if (uint8_t(bytes[ELF::EI_DATA]) != ELF::ELFDATA2LSB) return fail(path, "big-endian ELF is not supported");

  std::unique_ptr<Executable> exe(new Executable());
  Impl &im = *exe->impl_;
  im.path = path;
  im.buffer = std::move(*buf);
  auto obj = object::ELF64LEObjectFile::create(im.buffer->getMemBufferRef());
  if (!obj) return fail(path, "malformed ELF: " + toString(obj.takeError()));
  im.object = std::make_unique<object::ELF64LEObjectFile>(std::move(*obj));
  const auto &elf = im.object->getELFFile();
  const auto &hdr = elf.getHeader();
  if (hdr.e_type == ELF::ET_CORE) return fail(path, "is a core dump, not an executable");
  if (hdr.e_type != ELF::ET_EXEC && hdr.e_type != ELF::ET_DYN)
    return fail(path, "not an executable (ELF type " + Twine(unsigned(hdr.e_type)) + ")");
  if (hdr.e_machine != ELF::EM_X86_64 && hdr.e_machine != ELF::EM_AARCH64)
    return fail(path, "unsupported machine " + Twine(unsigned(hdr.e_machine)) + " (amd64 and arm64 are read)");
  im.machine = hdr.e_machine;
  im.pie = hdr.e_type == ELF::ET_DYN;
  im.entry = hdr.e_entry;
  const uint64_t file_size = bytes.size();

  auto phdrs = elf.program_headers();
  if (!phdrs) return fail(path, "bad program headers: " + toString(phdrs.takeError()));
  for (const auto &ph : *phdrs) {
    if (ph.p_type == ELF::PT_LOAD) {
      Segment s;
      s.vaddr = ph.p_vaddr;
      s.memsz = ph.p_memsz;
      s.offset = ph.p_offset;
      s.flags = ph.p_flags;
      // Only the part present in the file (a truncated file keeps what it has).
      uint64_t filesz = std::min<uint64_t>(ph.p_filesz, ph.p_memsz);
      s.filesz = s.offset >= file_size ? 0 : std::min<uint64_t>(filesz, file_size - s.offset);
      im.segments.push_back(s);
    }
  }

  BuildIds ids;
  auto read_note = [&](const object::ELF64LE::Note &note) { ids.read(note); };

  if (auto secs = elf.sections()) {
    for (const auto &sec : *secs) {
      auto name = elf.getSectionName(sec);
      if (!name) {
        consumeError(name.takeError());
        continue;
      }
      SectionInfo info;
      info.addr = sec.sh_addr;
      info.offset = sec.sh_offset;
      info.size = sec.sh_size;
      info.in_file =
          sec.sh_type != ELF::SHT_NOBITS && sec.sh_offset <= file_size && sec.sh_size <= file_size - sec.sh_offset;
      im.sections.emplace(name->str(), info);
      if (sec.sh_type == ELF::SHT_NOTE && info.in_file) {
        Error err = Error::success();
        for (const auto &note : elf.notes(sec, err)) read_note(note);
        consumeError(std::move(err));
      }
    }
    // Symbols: .symtab first, then .dynsym.
    for (unsigned want : {unsigned(ELF::SHT_SYMTAB), unsigned(ELF::SHT_DYNSYM)}) {
      for (const auto &sec : *secs) {
        if (sec.sh_type != want) continue;
        auto syms = elf.symbols(&sec);
        auto strtab = elf.getStringTableForSymtab(sec);
        if (!syms || !strtab) {
          if (!syms) consumeError(syms.takeError());
          if (!strtab) consumeError(strtab.takeError());
          continue;
        }
        for (const auto &sym : *syms) {
          unsigned type = sym.getType();
          if (type == ELF::STT_SECTION || type == ELF::STT_FILE || sym.st_shndx == ELF::SHN_UNDEF) continue;
          auto name = sym.getName(*strtab);
          if (!name) {
            consumeError(name.takeError());
            continue;
          }
          if (name->empty()) continue;
          std::string_view n(name->data(), name->size());
          im.symbols_by_name.emplace(n, std::make_pair(uint64_t(sym.st_value), uint64_t(sym.st_size)));
          if (sym.st_value != 0) im.symbols_by_addr.push_back({sym.st_value, sym.st_size, n});
        }
      }
    }
  } else {
    consumeError(secs.takeError());
  }
  if (!ids.complete()) {
    for (const auto &ph : *phdrs) {
      if (ph.p_type != ELF::PT_NOTE) continue;
      Error err = Error::success();
      for (const auto &note : elf.notes(ph, err)) read_note(note);
      consumeError(std::move(err));
    }
  }
  im.gnu_build_id = std::move(ids.gnu);
  im.go_build_id = std::move(ids.go);
  std::stable_sort(im.symbols_by_addr.begin(), im.symbols_by_addr.end(),
                   [](const SymbolEntry &a, const SymbolEntry &b) { return a.addr < b.addr; });

  const SectionInfo *info = im.section(".debug_info");
  if (info && info->in_file && info->size > 0) {
    Impl *impl = &im;
    im.dwarf = DWARFContext::create(
        *im.object, DWARFContext::ProcessDebugRelocations::Process, nullptr, "",
        [impl](Error e) { impl->dwarf_problem(std::move(e)); }, [impl](Error e) { impl->dwarf_problem(std::move(e)); },
        /*ThreadSafe=*/true);
    im.dwarf_present = im.dwarf && im.dwarf->getNumCompileUnits() > 0;
  }
  return exe;
}

void Executable::Impl::dwarf_problem(Error e) {
  std::string msg = toString(std::move(e));
  std::lock_guard<std::mutex> lock(dwarf_problems_mutex);
  if (dwarf_problems.size() < 100 &&
      std::find(dwarf_problems.begin(), dwarf_problems.end(), msg) == dwarf_problems.end())
    dwarf_problems.push_back(std::move(msg));
}

std::vector<std::string> Executable::dwarf_problems() const {
  std::lock_guard<std::mutex> lock(impl_->dwarf_problems_mutex);
  return impl_->dwarf_problems;
}

const std::string &Executable::path() const {
  return impl_->path;
}
uint16_t Executable::machine() const {
  return impl_->machine;
}
unsigned Executable::pointer_size() const {
  return 8;
}
bool Executable::is_pie() const {
  return impl_->pie;
}
uint64_t Executable::entry() const {
  return impl_->entry;
}
std::string Executable::gnu_build_id() const {
  return impl_->gnu_build_id;
}
std::string Executable::go_build_id() const {
  return impl_->go_build_id;
}
const std::vector<Executable::Segment> &Executable::load_segments() const {
  return impl_->segments;
}
bool Executable::read(uint64_t vaddr, void *out, size_t n) const {
  return impl_->read(vaddr, out, n);
}
bool Executable::has_dwarf() const {
  return impl_->dwarf_present;
}

std::optional<std::pair<uint64_t, uint64_t>> Executable::symbol(std::string_view name) const {
  auto it = impl_->symbols_by_name.find(name);
  if (it == impl_->symbols_by_name.end()) return std::nullopt;
  return it->second;
}

std::optional<std::pair<std::string, uint64_t>> Executable::symbol_at(uint64_t addr) const {
  const auto &v = impl_->symbols_by_addr;
  auto it = std::upper_bound(v.begin(), v.end(), addr, [](uint64_t a, const SymbolEntry &s) { return a < s.addr; });
  // Walk back over symbols starting at or before ADDR; take the first that covers it.
  for (int steps = 0; it != v.begin() && steps < 8; ++steps) {
    --it;
    if (addr < it->addr + std::max<uint64_t>(it->size, 1)) return std::make_pair(std::string(it->name), it->addr);
  }
  return std::nullopt;
}

}  // namespace crashctl::binary
