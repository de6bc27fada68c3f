// Files that must be regular files (executables, build-id lookups): a FIFO,
// device, socket or directory is refused before it is opened for reading, so
// that nothing blocks on a FIFO or reads /dev/zero without end.
#pragma once

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace crashctl {

// An open, read-only file descriptor of a regular file, closed on destruction.
class RegularFile {
public:
  RegularFile() = default;
  RegularFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  RegularFile(RegularFile &&other) noexcept : fd_(other.fd_), size_(other.size_) { other.fd_ = -1; }
  RegularFile &operator=(RegularFile &&other) noexcept;
  RegularFile(const RegularFile &) = delete;
  RegularFile &operator=(const RegularFile &) = delete;
  ~RegularFile();

  int fd() const { return fd_; }
  uint64_t size() const { return size_; }  // st_size when opened
  // Gives up ownership of the descriptor.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Success when PATH (after symbolic links) is a regular file; otherwise an
// error "PATH: is a FIFO, not a regular file" or "PATH: cannot open: ...".
// Only stat(2): never opens PATH.
llvm::Error check_regular_file(const std::string &path);

// Opens PATH read-only if it is a regular file: stat(2) first, then open(2)
// with O_NONBLOCK (a FIFO swapped in after the check cannot block), then
// fstat(2) that what was opened is that same regular file.
llvm::Expected<RegularFile> open_regular_file(const std::string &path);

}  // namespace crashctl
