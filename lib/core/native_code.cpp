#include "core/native_code.h"

#include <algorithm>

namespace crashctl::core {

NativeCode::NativeCode(const binary::ProcessImage &core, const binary::Executable &exe, uint64_t exe_bias,
                       std::string sysroot)
    : core_(core), exe_(exe), exe_bias_(exe_bias), sysroot_(std::move(sysroot)) {}

binary::NativeModule NativeCode::module_at(uint64_t pc) const {
  const std::vector<binary::MappedFile> &files = core_.files();
  const binary::MappedFile *hit = nullptr;
  for (const binary::MappedFile &f : files)
    if (pc >= f.start && pc < f.end) hit = &f;
  // The executable is the first NT_FILE path; with no NT_FILE, or a pc in it,
  // its own code is meant.
  if (!hit || (!files.empty() && hit->path == files.front().path)) return {&exe_, exe_bias_, "", ""};
  const Library &lib = library(hit->path);
  return {lib.file.get(), lib.bias, hit->path, lib.file ? lib.local : ""};
}

const NativeCode::Library &NativeCode::library(const std::string &path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, fresh] = libraries_.try_emplace(path);
  Library &lib = it->second;
  if (!fresh) return lib;
  std::string local = sysroot_.empty() ? path : sysroot_ + path;
  lib.local = local;
  auto opened = binary::Executable::open(local);
  if (!opened) {
    lib.problem =
        path + ": cannot be read (" + llvm::toString(opened.takeError()) + ")" +
        (sysroot_.empty() ? "; --sysroot DIR reads the libraries from a copy of the crashed machine's root" : "");
    return lib;
  }
  // Where it was loaded: its first mapping (file offset 0) is its link
  // address 0 for a shared library; the header page there has its build id.
  uint64_t start = UINT64_MAX;
  for (const binary::MappedFile &f : core_.files())
    if (f.path == path && f.file_offset == 0) start = std::min(start, f.start);
  if (start == UINT64_MAX) {
    lib.problem = path + ": the core does not map its start, so its load address is unknown";
    return lib;
  }
  auto header = binary::core_elf_header(core_, start);
  std::string id = (*opened)->gnu_build_id();
  if (header && !header->gnu_build_id.empty()) {
    if (header->gnu_build_id != id) {
      lib.problem = path + ": " + local + " has build id " + (id.empty() ? "(none)" : id) + ", the core's has " +
                    header->gnu_build_id + ": not the library that ran";
      return lib;
    }
    lib.verified = true;
  }
  lib.bias = start;  // shared objects link at 0 (ET_DYN)
  lib.file = std::move(*opened);
  return lib;
}

std::vector<std::string> NativeCode::problems() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto &[path, lib] : libraries_)
    if (!lib.problem.empty()) out.push_back(lib.problem);
  return out;
}

std::vector<std::string> NativeCode::unverified() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto &[path, lib] : libraries_)
    if (lib.file && !lib.verified) out.push_back(path);
  return out;
}

}  // namespace crashctl::core
