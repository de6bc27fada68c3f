#include "binary/locate.h"

#include "binary/debuginfod.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstring>

namespace crashctl::binary {

namespace {

constexpr uint64_t kAtPhdr = 3, kAtEntry = 9, kAtExecfn = 31;
constexpr uint64_t kPage = 4096;

std::string shorten(const std::string &id) {
  return id.size() > 24 ? id.substr(0, 24) + "..." : id;
}

}  // namespace

void BuildIds::read(const llvm::object::ELF64LE::Note &note) {
  llvm::StringRef name = note.getName().rtrim('\0');
  if (name == "GNU" && note.getType() == llvm::ELF::NT_GNU_BUILD_ID && gnu.empty()) {
    gnu = llvm::toHex(note.getDesc(4), /*LowerCase=*/true);
  } else if (name == "Go" && note.getType() == 4 && go.empty()) {
    llvm::ArrayRef<uint8_t> d = note.getDesc(4);
    go.assign(d.begin(), d.end());
    while (!go.empty() && go.back() == '\0') go.pop_back();
  }
}

std::optional<CoreProgramHeader> core_program_header(const ProcessImage &core) {
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
  return core_elf_header(core, *at);
}

std::optional<CoreProgramHeader> core_elf_header(const ProcessImage &core, uint64_t address) {
  std::optional<uint64_t> at = address;
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
  BuildIds ids;
  auto read_notes = [&](auto notes, llvm::Error &err) {
    for (const auto &note : notes) ids.read(note);
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
  if (!ids.complete()) {
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
  out.gnu_build_id = std::move(ids.gnu);
  out.go_build_id = std::move(ids.go);
  return out;
}

std::optional<uint64_t> load_bias(const ProcessImage &core, const Executable &exe) {
  if (!exe.is_pie()) return 0;
  auto it = core.auxv().find(kAtEntry);
  if (it == core.auxv().end()) return std::nullopt;
  return it->second - exe.entry();
}

llvm::Expected<std::string> check_executable(const ProcessImage &core, const Executable &exe, uint64_t bias,
                                             const std::string &core_name, const std::string &exe_name) {
  auto mismatch = [&](const std::string &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   exe_name + " is not the executable that produced " + core_name + ": " + why);
  };
  std::vector<std::string> agreed;
  std::optional<CoreProgramHeader> hdr = core_program_header(core);

  // The build ids first: another build of the program is named by both ids.
  if (hdr && !hdr->gnu_build_id.empty() && !exe.gnu_build_id().empty()) {
    if (hdr->gnu_build_id != exe.gnu_build_id())
      return mismatch("its GNU build id is " + exe.gnu_build_id() + ", the core's program's " + hdr->gnu_build_id);
    agreed.push_back("GNU build id " + hdr->gnu_build_id);
  }
  if (hdr && !hdr->go_build_id.empty() && !exe.go_build_id().empty()) {
    if (hdr->go_build_id != exe.go_build_id())
      return mismatch("its Go build id is " + shorten(exe.go_build_id()) + ", the core's program's " +
                      shorten(hdr->go_build_id));
    agreed.push_back("Go build id " + shorten(hdr->go_build_id));
  }

  // The entry point the kernel recorded.
  if (auto it = core.auxv().find(kAtEntry); it != core.auxv().end()) {
    if (!exe.is_pie() && it->second != exe.entry())
      return mismatch(
          llvm::formatv("the core's entry point (AT_ENTRY) is {0:x}, the executable's {1:x}", it->second, exe.entry()));
    if (exe.is_pie() && bias % kPage != 0)
      return mismatch(
          llvm::formatv("the core's entry point (AT_ENTRY) {0:x} is not the executable's entry {1:x} "
                        "at any page-aligned load address",
                        it->second, exe.entry()));
  }

  // The rest of the program's own ELF header, as the core kept it.
  if (hdr) {
    bool pie = hdr->type == llvm::ELF::ET_DYN;
    if (pie != exe.is_pie())
      return mismatch(pie ? "the core's program is a position-independent executable, this one is not"
                          : "the core's program is not position-independent, this one is");
    if (hdr->entry != exe.entry())
      return mismatch(
          llvm::formatv("the core's program has entry point {0:x}, this one {1:x}", hdr->entry, exe.entry()));
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
        {"pcHeader", "runtime.pcheader"}, {"text", "runtime.text"},
        {"etext", "runtime.etext"},       {"noptrdata", "runtime.noptrdata"},
        {"data", "runtime.data"},         {"bss", "runtime.bss"},
        {"end", "runtime.end"},           {"types", "runtime.types"},
        {"etypes", "runtime.etypes"},
    };
    const TypeInfo *type = exe.type("runtime.moduledata");
    size_t checked = 0;
    for (const Pointer &p : kPointers) {
      auto sym = exe.symbol(p.symbol);
      const TypeField *field = type ? type->field(p.field) : nullptr;
      // Without DWARF only pcHeader's place is known: the first field.
      uint64_t offset = field ? field->offset : 0;
      if (!sym || (!field && std::strcmp(p.field, "pcHeader") != 0)) continue;
      uint64_t in_core = 0;
      if (core.read(*md + bias + offset, &in_core, 8) != 8) continue;
      if (in_core != sym->first + bias)
        return mismatch(
            llvm::formatv("runtime.firstmoduledata.{0} in the core is {1:x}, where this executable "
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

std::optional<std::string> DebugDirFetcher::fetch(llvm::object::BuildIDRef id) const {
  std::string hex = llvm::toHex(id, /*LowerCase=*/true);
  if (hex.size() < 3) return std::nullopt;
  std::string head = hex.substr(0, 2), rest = hex.substr(2);
  for (const std::string &d : dirs_)
    for (std::string cand :
         {d + "/" + hex, d + "/.build-id/" + head + "/" + rest, d + "/.build-id/" + head + "/" + rest + ".debug"})
      if (llvm::sys::fs::is_regular_file(cand)) return cand;  // never a FIFO or device
  return std::nullopt;
}

std::vector<std::string> debug_dir_files(const std::vector<std::string> &dirs, size_t limit) {
  std::vector<std::string> out;
  auto list = [&](const std::string &dir, bool descend) {
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end && out.size() < limit; it.increment(ec)) {
      const std::string &path = it->path();
      if (llvm::sys::fs::is_regular_file(path))
        out.push_back(path);  // never a FIFO or device
      else if (descend && llvm::sys::fs::is_directory(path))
        out.push_back(path + "/");
    }
  };
  for (const std::string &d : dirs) {
    list(d, false);
    std::vector<std::string> subdirs;
    size_t before = out.size();
    list(d + "/.build-id", true);
    for (size_t i = before; i < out.size(); ++i)
      if (out[i].back() == '/') subdirs.push_back(out[i]);
    out.erase(std::remove_if(out.begin() + before, out.end(), [](const std::string &p) { return p.back() == '/'; }),
              out.end());
    for (const std::string &sub : subdirs) list(sub, false);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string recorded_executable(const ProcessImage &image) {
  if (!image.files().empty()) return image.files().front().path;
  std::string recorded;
  if (auto it = image.auxv().find(kAtExecfn); it != image.auxv().end()) {
    // AT_EXECFN points to a string in the process's stack.
    char buf[4096];
    size_t got = image.read(it->second, buf, sizeof buf - 1);
    buf[got] = 0;
    recorded = buf;
  }
  return recorded;
}

llvm::Expected<FoundExecutable> find_executable(const ExecutableQuery &query, const DecodeOptions &opts,
                                                const ExecutableCheck &check) {
  auto try_file = [&](const std::string &path, ExecutableSource source) -> llvm::Expected<FoundExecutable> {
    auto opened = Executable::open_shared(path);
    if (!opened) return opened.takeError();
    if (llvm::Error refused = check(**opened, path)) return refused;
    FoundExecutable found;
    found.exe = std::move(*opened);
    found.origin = {path, found.exe->gnu_build_id(), source};
    return found;
  };
  // 1. The executable named, and no other.
  if (!opts.exe.empty()) return try_file(opts.exe, ExecutableSource::Argument);

  std::vector<std::string> steps;  // what each step found, when it found nothing usable
  auto accept = [&](const std::string &path, ExecutableSource source) -> std::optional<FoundExecutable> {
    auto found = try_file(path, source);
    if (found) return std::move(*found);
    steps.push_back(llvm::toString(found.takeError()));
    return std::nullopt;
  };
  auto dirs = [&] { return llvm::join(opts.debug_dirs, ", "); };

  // 2. The path the input records.
  if (!query.recorded_path.empty()) {
    if (!llvm::sys::fs::exists(query.recorded_path))
      steps.push_back("the core names " + query.recorded_path + ", which does not exist here");
    else if (auto found = accept(query.recorded_path, ExecutableSource::CorePath))
      return std::move(*found);
  }

  // 3. --debug-dir: by build id, else every file there.
  if (!opts.debug_dirs.empty()) {
    if (!query.build_id.empty()) {
      std::optional<std::string> path;
      std::string id;
      if (llvm::tryGetFromHex(query.build_id, id))
        path = DebugDirFetcher(opts.debug_dirs).fetch(llvm::arrayRefFromStringRef(id));
      if (!path)
        steps.push_back("no file is named by build id " + query.build_id + " under --debug-dir " + dirs());
      else if (auto found = accept(*path, ExecutableSource::DebugDir))
        return std::move(*found);
    } else {
      std::vector<std::string> files = debug_dir_files(opts.debug_dirs);
      for (const std::string &path : files) {
        auto found = try_file(path, ExecutableSource::DebugDir);
        if (found) return std::move(*found);
        llvm::consumeError(found.takeError());  // another program, or not one at all
      }
      steps.push_back(llvm::formatv("none of the {0} files under --debug-dir {1} matches", files.size(), dirs()));
    }
  }

  // 4. debuginfod, by build id.
  DebuginfodConfig debuginfod = DebuginfodConfig::from_environment();
  if (!debuginfod.urls.empty()) {
    if (query.build_id.empty()) {
      steps.push_back("debuginfod (DEBUGINFOD_URLS) was not asked: the input records no GNU build id");
    } else {
      auto path = debuginfod_executable(debuginfod, query.build_id, opts.offline);
      if (!path)
        steps.push_back(llvm::toString(path.takeError()));
      else if (auto found = accept(*path, ExecutableSource::Debuginfod))
        return std::move(*found);
    }
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(), llvm::join(steps, "; "));
}

llvm::Expected<LocatedExecutable> locate_executable(const ProcessImage &image, const std::string &image_name,
                                                    const DecodeOptions &opts) {
  auto fail = [](const std::string &msg) { return llvm::createStringError(llvm::inconvertibleErrorCode(), msg); };
  ExecutableQuery query;
  query.recorded_path = recorded_executable(image);
  // The core keeps the first page of the executable, with its build id.
  if (auto header = core_program_header(image)) query.build_id = header->gnu_build_id;

  uint64_t bias = 0;
  auto check = [&](const Executable &exe, const std::string &path) -> llvm::Error {
    if (exe.machine() != image.machine())
      return fail(llvm::formatv("{0} (machine {1}) does not match the core {2} (machine {3})", path, exe.machine(),
                                image_name, image.machine())
                      .str());
    // PIE: the load bias from the entry point the kernel recorded.
    std::optional<uint64_t> found_bias = load_bias(image, exe);
    if (!found_bias)
      return fail(image_name +
                  ": position-independent executable, but the core has no AT_ENTRY to find where "
                  "it was loaded");
    bias = *found_bias;
    // The executable must be the one that ran.
    auto matched = check_executable(image, exe, bias, image_name, path);
    if (!matched && !opts.exe.empty())
      return fail(llvm::toString(matched.takeError()) + " (pass the executable that ran with --exe)");
    return matched ? llvm::Error::success() : matched.takeError();
  };
  auto found = find_executable(query, opts, check);
  if (!found) {
    std::string why = llvm::toString(found.takeError());
    if (!opts.exe.empty()) return fail(why);
    return fail(image_name + ": the executable is needed to read a core: pass --exe PROGRAM" +
                (why.empty() ? std::string() : " (" + why + ")"));
  }
  LocatedExecutable out;
  out.exe = std::move(found->exe);
  out.origin = std::move(found->origin);
  out.bias = bias;
  return out;
}

}  // namespace crashctl::binary
