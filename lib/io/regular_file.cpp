#include "io/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace crashctl {

namespace {

llvm::Error file_error(const std::string &path, const std::string &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + what);
}

// Why a file of mode MODE is not read, "" for a regular file.
const char *not_regular(mode_t mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
  if (S_ISCHR(mode)) return "is a character device, not a regular file";
  if (S_ISBLK(mode)) return "is a block device, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  if (S_ISDIR(mode)) return "is a directory, not a regular file";
  return "is not a regular file";
}

}  // namespace

RegularFile &RegularFile::operator=(RegularFile &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    size_ = other.size_;
    other.fd_ = -1;
  }
  return *this;
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

llvm::Error check_regular_file(const std::string &path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return file_error(path, std::string("cannot open: ") + std::strerror(errno));
  if (*not_regular(st.st_mode)) return file_error(path, not_regular(st.st_mode));
  return llvm::Error::success();
}

llvm::Expected<RegularFile> open_regular_file(const std::string &path) {
  if (llvm::Error err = check_regular_file(path)) return err;
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return file_error(path, std::string("cannot open: ") + std::strerror(errno));
  RegularFile file(fd, 0);  // closes FD on the error paths
  struct stat st{};
  if (::fstat(fd, &st) != 0) return file_error(path, std::string("cannot stat: ") + std::strerror(errno));
  if (*not_regular(st.st_mode)) return file_error(path, not_regular(st.st_mode));
  // Back to blocking reads: O_NONBLOCK only guarded the open.
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return RegularFile(file.release(), uint64_t(st.st_size));
}

}  // namespace crashctl
