#include "core/exe_match.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELF.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstring>

namespace crashctl::core {

namespace {

constexpr uint64_t kAtPhdr = 3, kAtEntry = 9;
constexpr uint64_t kPage = 4096;

std::string hex_bytes(llvm::ArrayRef<uint8_t> bytes) {
  std::string out;
  for (uint8_t b : bytes) out += llvm::formatv("{0:x-2}", b).str();
  return out;
}

std::string shorten(const std::string &id) { return id.size() > 24 ? id.substr(0, 24) + "..." : id; }

}  // namespace

std::optional<CoreProgramHeader> core_program_header(const CoreFile &core) {
  std::optional<uint64_t> at;
  if (!core.files().empty()) {
    const std::string &main = core.files().front().path;
    for (const MappedFile &f : core.files())
      if (f.path == main && f.file_offset == 0) {
        at = f.start;
        break;
      }
  }
  if (!at)
    if (auto it = core.auxv().find(kAtPhdr); it != core.auxv().end()) at = it->second & ~(kPage - 1);
  if (!at) return std::nullopt;
  char page[kPage];
  size_t got = core.read(*at, page, sizeof page);
  auto elf = llvm::object::ELFFile<llvm::object::ELF64LE>::create(llvm::StringRef(page, got));
  if (!elf) {
    llvm::consumeError(elf.takeError());
    return std::nullopt;
  }
  const auto &hdr = elf->getHeader();
  if (hdr.e_type != llvm::ELF::ET_EXEC && hdr.e_type != llvm::ELF::ET_DYN) return std::nullopt;
  CoreProgramHeader out;
  out.address = *at;
  out.type = hdr.e_type;
  out.entry = hdr.e_entry;
  auto read_notes = [&](auto notes, llvm::Error &err) {
    for (const auto &note : notes) {
      llvm::StringRef name = note.getName().rtrim('\0');
      if (name == "GNU" && note.getType() == llvm::ELF::NT_GNU_BUILD_ID && out.gnu_build_id.empty())
        out.gnu_build_id = hex_bytes(note.getDesc(4));
      else if (name == "Go" && note.getType() == 4 && out.go_build_id.empty()) {
        llvm::ArrayRef<uint8_t> d = note.getDesc(4);
        out.go_build_id.assign(d.begin(), d.end());
        while (!out.go_build_id.empty() && out.go_build_id.back() == '\0') out.go_build_id.pop_back();
      }
    }
    llvm::consumeError(std::move(err));  // notes past the page: not kept
  };
  if (auto phdrs = elf->program_headers()) {
    for (const auto &ph : *phdrs) {
      if (ph.p_type != llvm::ELF::PT_NOTE) continue;
      llvm::Error err = llvm::Error::success();
      read_notes(elf->notes(ph, err), err);
    }
  } else {
    llvm::consumeError(phdrs.takeError());
  }
  // Go's linker puts the GNU build id in a note section that no PT_NOTE
  // covers, with the section headers in this same page.
  if (out.gnu_build_id.empty() || out.go_build_id.empty()) {
    if (auto sections = elf->sections()) {
      for (const auto &sec : *sections) {
        if (sec.sh_type != llvm::ELF::SHT_NOTE) continue;
        llvm::Error err = llvm::Error::success();
        read_notes(elf->notes(sec, err), err);
      }
    } else {
      llvm::consumeError(sections.takeError());
    }
  }
  return out;
}

std::optional<uint64_t> load_bias(const CoreFile &core, const binary::Executable &exe) {
  if (!exe.is_pie()) return 0;
  auto it = core.auxv().find(kAtEntry);
  if (it == core.auxv().end()) return std::nullopt;
  return it->second - exe.entry();
}

llvm::Expected<std::string> check_executable(const CoreFile &core, const binary::Executable &exe, uint64_t bias,
                                             const std::string &core_name, const std::string &exe_name) {
  auto mismatch = [&](const std::string &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   exe_name + " is not the executable that produced " + core_name + ": " + why +
                                       " (pass the executable that ran with --exe)");
  };
  std::vector<std::string> agreed;

  // The entry point the kernel recorded.
  if (auto it = core.auxv().find(kAtEntry); it != core.auxv().end()) {
    if (!exe.is_pie() && it->second != exe.entry())
      return mismatch(llvm::formatv("the core's entry point (AT_ENTRY) is {0:x}, the executable's {1:x}", it->second,
                                    exe.entry()));
    if (exe.is_pie() && bias % kPage != 0)
      return mismatch(llvm::formatv("the core's entry point (AT_ENTRY) {0:x} is not the executable's entry {1:x} "
                                    "at any page-aligned load address",
                                    it->second, exe.entry()));
  }

  // The program's own ELF header, as the core kept it.
  if (auto hdr = core_program_header(core)) {
    bool pie = hdr->type == llvm::ELF::ET_DYN;
    if (pie != exe.is_pie())
      return mismatch(pie ? "the core's program is a position-independent executable, this one is not"
                          : "the core's program is not position-independent, this one is");
    if (hdr->entry != exe.entry())
      return mismatch(
          llvm::formatv("the core's program has entry point {0:x}, this one {1:x}", hdr->entry, exe.entry()));
    if (!hdr->gnu_build_id.empty() && !exe.gnu_build_id().empty()) {
      if (hdr->gnu_build_id != exe.gnu_build_id())
        return mismatch("its GNU build id is " + exe.gnu_build_id() + ", the core's program's " + hdr->gnu_build_id);
      agreed.push_back("GNU build id " + hdr->gnu_build_id);
    }
    if (!hdr->go_build_id.empty() && !exe.go_build_id().empty()) {
      if (hdr->go_build_id != exe.go_build_id())
        return mismatch("its Go build id is " + shorten(exe.go_build_id()) + ", the core's program's " +
                        shorten(hdr->go_build_id));
      agreed.push_back("Go build id " + shorten(hdr->go_build_id));
    }
  }

  // The read-only bytes the core holds (kernel cores: the first page of each
  // mapping; gcore: all of them). Not the ELF and program headers: strip
  // and objcopy rewrite them, not the program (their type, entry and build
  // ids are compared above).
  uint64_t compared = 0;
  for (const auto &seg : exe.load_segments()) {
    if (seg.flags & llvm::ELF::PF_W) continue;
    uint64_t start = seg.vaddr;
    if (seg.offset == 0) {
      // Go's linker puts the section headers in the first page too.
      auto headers_end = [](const llvm::ELF::Elf64_Ehdr &eh) {
        uint64_t end = std::max<uint64_t>(sizeof eh, eh.e_phoff + uint64_t(eh.e_phnum) * eh.e_phentsize);
        if (eh.e_shoff < kPage) end = std::max<uint64_t>(end, eh.e_shoff + uint64_t(eh.e_shnum) * eh.e_shentsize);
        return std::min<uint64_t>(end, kPage);
      };
      llvm::ELF::Elf64_Ehdr mine, theirs;
      if (!exe.read(seg.vaddr, &mine, sizeof mine)) continue;
      uint64_t skip = headers_end(mine);
      if (core.read(seg.vaddr + bias, &theirs, sizeof theirs) == sizeof theirs)
        skip = std::max(skip, headers_end(theirs));
      start += skip;
    }
    for (uint64_t at = start; at < seg.vaddr + seg.filesz && compared < (1 << 20);) {
      char a[kPage], b[kPage];
      size_t n = size_t(std::min<uint64_t>(kPage - at % kPage, seg.vaddr + seg.filesz - at));
      size_t got = core.read(at + bias, a, n);
      if (got == n && exe.read(at, b, n)) {
        if (std::memcmp(a, b, n) != 0) {
          size_t i = 0;
          while (a[i] == b[i]) ++i;
          return mismatch(llvm::formatv("its bytes at {0:x} differ from the core's", at + bias + i));
        }
        compared += n;
      }
      at += n;
    }
  }
  if (compared) agreed.push_back(std::to_string(compared) + " bytes of read-only memory");

  // runtime.firstmoduledata: the runtime's table of this module, written at
  // link time with the addresses of the executable's sections.
  if (auto md = exe.global_address("runtime.firstmoduledata")) {
    struct Pointer {
      const char *field, *symbol;
    };
    static const Pointer kPointers[] = {
        {"pcHeader", "runtime.pcheader"}, {"text", "runtime.text"},     {"etext", "runtime.etext"},
        {"noptrdata", "runtime.noptrdata"}, {"data", "runtime.data"}, {"bss", "runtime.bss"},
        {"end", "runtime.end"},           {"types", "runtime.types"}, {"etypes", "runtime.etypes"},
    };
    const binary::TypeInfo *type = exe.type("runtime.moduledata");
    size_t checked = 0;
    for (const Pointer &p : kPointers) {
      auto sym = exe.symbol(p.symbol);
      const binary::TypeField *field = type ? type->field(p.field) : nullptr;
      // Without DWARF only pcHeader's place is known: the first field.
      uint64_t offset = field ? field->offset : 0;
      if (!sym || (!field && std::strcmp(p.field, "pcHeader") != 0)) continue;
      uint64_t in_core = 0;
      if (core.read(*md + bias + offset, &in_core, 8) != 8) continue;
      if (in_core != sym->first + bias)
        return mismatch(llvm::formatv("runtime.firstmoduledata.{0} in the core is {1:x}, where this executable "
                                      "has {2} at {3:x}",
                                      p.field, in_core, p.symbol, sym->first + bias));
      ++checked;
    }
    if (checked) agreed.push_back("runtime.firstmoduledata");
  }

  if (agreed.empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        exe_name + " cannot be checked against " + core_name +
            ": the core holds neither the program's ELF header (build id) nor its read-only bytes nor "
            "runtime.firstmoduledata (a truncated core?), so nothing read from it could be trusted");
  std::string out;
  for (const std::string &a : agreed) out += (out.empty() ? "" : ", ") + a;
  return out;
}

}  // namespace crashctl::core
