// Code outside Go functions in a core: the executable's own C code (cgo) and
// the shared libraries the core maps (NT_FILE), opened from this machine or
// under --sysroot, each checked against the build id the core keeps of it.
#pragma once

#include "binary/executable.h"
#include "binary/locate.h"
#include "binary/symbolizer.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace crashctl::core {

class NativeCode {
public:
  NativeCode(const binary::ProcessImage &core, const binary::Executable &exe, uint64_t exe_bias, std::string sysroot);

  // The file holding PC: the executable when PC is in its mappings, else the
  // library mapped there; file null when it is not available.
  binary::NativeModule module_at(uint64_t pc) const;
  binary::NativeLookup lookup() const {
    return [this](uint64_t pc) { return module_at(pc); };
  }
  // Why libraries that held pcs asked about could not be used, once each
  // ("/lib/x86_64-linux-gnu/libc.so.6: not found under --sysroot /srv/root").
  std::vector<std::string> problems() const;
  // Libraries used whose build id the core does not keep (unverified).
  std::vector<std::string> unverified() const;

private:
  struct Library {
    std::unique_ptr<binary::Executable> file;
    uint64_t bias = 0;
    std::string problem;
    std::string local;  // the path read
    bool verified = false;
  };
  const Library &library(const std::string &path) const;

  const binary::ProcessImage &core_;
  const binary::Executable &exe_;
  uint64_t exe_bias_;
  std::string sysroot_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Library> libraries_;
};

}  // namespace crashctl::core
