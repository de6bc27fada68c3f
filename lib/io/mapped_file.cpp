// map_file(): file mappings that survive the file shrinking (see mapped_file.h).
#include "io/mapped_file.h"
#include "io/regular_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <system_error>

namespace crashctl {
namespace {

// The mapped ranges, readable from the signal handler without locks.
struct GuardedRange {
  enum State : int { Free, Busy, Active };
  std::atomic<int> state{Free};
  std::atomic<uintptr_t> begin{0}, end{0};
  std::atomic<int> fd{-1};
  std::atomic<bool> shrunk{false};
  std::atomic<uint64_t> first_fault{UINT64_MAX};  // file offset of the first page read as zeros
};
constexpr size_t kMaxRanges = 1024;  // more than open files crashctl ever keeps
GuardedRange g_ranges[kMaxRanges];
uintptr_t g_page_size = 4096;
struct sigaction g_previous;

void on_sigbus(int sig, siginfo_t *info, void *context) {
  int saved_errno = errno;
  if (info && info->si_code == BUS_ADRERR) {  // a page the file no longer has (or an I/O error)
    auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
    for (GuardedRange &r : g_ranges) {
      if (r.state.load(std::memory_order_acquire) != GuardedRange::Active) continue;
      uintptr_t begin = r.begin.load(std::memory_order_relaxed);
      if (addr < begin || addr >= r.end.load(std::memory_order_relaxed)) continue;
      uintptr_t page = addr & ~(g_page_size - 1);
      // mmap is a plain system call on Linux, safe in a signal handler.
      void *zeros = ::mmap(reinterpret_cast<void *>(page), g_page_size, PROT_READ,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      if (zeros == MAP_FAILED) break;
      uint64_t offset = page - begin, first = r.first_fault.load(std::memory_order_relaxed);
      while (offset < first && !r.first_fault.compare_exchange_weak(first, offset, std::memory_order_relaxed)) {}
      r.shrunk.store(true, std::memory_order_release);
      errno = saved_errno;
      return;  // the faulting read runs again and sees zeros
    }
  }
  // Not ours: what SIGBUS did before.
  if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction) {
    g_previous.sa_sigaction(sig, info, context);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
  } else {
    // The default action: die of SIGBUS once this handler returns (the
    // signal stays pending while it runs).
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGBUS, &dfl, nullptr);
    ::raise(SIGBUS);
  }
  errno = saved_errno;
}

void install_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    long ps = ::sysconf(_SC_PAGESIZE);
    if (ps > 0) g_page_size = uintptr_t(ps);
    struct sigaction sa = {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, &g_previous);
  });
}

GuardedRange *register_range(const char *begin, size_t size, int fd) {
  install_handler();
  for (GuardedRange &r : g_ranges) {
    int free = GuardedRange::Free;
    if (!r.state.compare_exchange_strong(free, GuardedRange::Busy, std::memory_order_acquire)) continue;
    r.begin.store(reinterpret_cast<uintptr_t>(begin), std::memory_order_relaxed);
    r.end.store(reinterpret_cast<uintptr_t>(begin) + size, std::memory_order_relaxed);
    r.fd.store(fd, std::memory_order_relaxed);
    r.shrunk.store(false, std::memory_order_relaxed);
    r.first_fault.store(UINT64_MAX, std::memory_order_relaxed);
    r.state.store(GuardedRange::Active, std::memory_order_release);
    return &r;
  }
  return nullptr;
}

class GuardedMapping final : public llvm::MemoryBuffer {
public:
  GuardedMapping(std::string name, const char *data, size_t size, int fd, GuardedRange *range)
      : name_(std::move(name)), size_(size), fd_(fd), range_(range) {
    init(data, data + size, /*RequiresNullTerminator=*/false);
  }
  ~GuardedMapping() override {
    range_->state.store(GuardedRange::Busy, std::memory_order_release);
    ::munmap(const_cast<char *>(getBufferStart()), size_);  // the pages of zeros too
    ::close(fd_);
    range_->state.store(GuardedRange::Free, std::memory_order_release);
  }
  llvm::StringRef getBufferIdentifier() const override { return name_; }
  BufferKind getBufferKind() const override { return MemoryBuffer_MMap; }

private:
  std::string name_;
  size_t size_;
  int fd_;
  GuardedRange *range_;
};

std::error_code last_error() {
  return std::error_code(errno, std::generic_category());
}

}  // namespace

llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> map_open_file(int fd, const std::string &name, uint64_t size) {
  if (size == 0) return llvm::MemoryBuffer::getMemBuffer("", name, /*RequiresNullTerminator=*/false);
  if (size > SIZE_MAX) return std::make_error_code(std::errc::file_too_large);
  int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);  // kept to tell how far the file shrank
  if (own < 0) return last_error();
  void *p = ::mmap(nullptr, size_t(size), PROT_READ, MAP_PRIVATE, own, 0);
  if (p == MAP_FAILED) {
    std::error_code ec = last_error();
    ::close(own);
    return ec;
  }
  const char *data = static_cast<const char *>(p);
  GuardedRange *range = register_range(data, size_t(size), own);
  if (!range) {
    ::munmap(p, size_t(size));
    ::close(own);
    return std::make_error_code(std::errc::too_many_files_open);
  }
  return std::unique_ptr<llvm::MemoryBuffer>(new GuardedMapping(name, data, size_t(size), own, range));
}

llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> map_file(const std::string &path) {
  int fd;
  do fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // a FIFO swapped in must not block
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return last_error();
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    std::error_code ec = last_error();
    ::close(fd);
    return ec;
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return std::make_error_code(std::errc::is_a_directory);
  }
  if (!S_ISREG(st.st_mode)) {  // a pipe or device cannot be mapped
    ::close(fd);
    return std::make_error_code(std::errc::invalid_argument);
  }
  auto mapped = map_open_file(fd, path, uint64_t(st.st_size));
  ::close(fd);
  return mapped;
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> load_open_file(int fd, const std::string &name, uint64_t size) {
  auto fail = [&](std::error_code ec) {
    return llvm::createStringError(ec, "%s: cannot read: %s", name.c_str(), ec.message().c_str());
  };
  if (size > SIZE_MAX) return fail(std::make_error_code(std::errc::file_too_large));
  auto buf = llvm::WritableMemoryBuffer::getNewUninitMemBuffer(size_t(size), name);
  if (!buf) return fail(std::make_error_code(std::errc::not_enough_memory));
  char *data = buf->getBufferStart();
  for (size_t got = 0; got < size;) {
    ssize_t n = ::pread(fd, data + got, size_t(size) - got, off_t(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(last_error());
    if (n == 0) {
      struct stat st;
      uint64_t now = ::fstat(fd, &st) == 0 ? uint64_t(st.st_size) : got;
      return llvm::createStringError(std::errc::io_error,
                                     "%s: changed while being read (truncated to %llu bytes of %llu)", name.c_str(),
                                     static_cast<unsigned long long>(now), static_cast<unsigned long long>(size));
    }
    got += size_t(n);
  }
  return std::unique_ptr<llvm::MemoryBuffer>(std::move(buf));
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> load_file(const std::string &path) {
  auto file = open_regular_file(path);
  if (!file) return file.takeError();
  return load_open_file(file->fd(), path, file->size());
}

llvm::Error mapped_file_changed(const llvm::MemoryBuffer &buffer) {
  auto begin = reinterpret_cast<uintptr_t>(buffer.getBufferStart());
  for (GuardedRange &r : g_ranges) {
    if (r.state.load(std::memory_order_acquire) != GuardedRange::Active ||
        r.begin.load(std::memory_order_relaxed) != begin || !r.shrunk.load(std::memory_order_acquire))
      continue;
    std::string name = buffer.getBufferIdentifier().str();
    uint64_t at = r.first_fault.load(std::memory_order_relaxed);
    struct stat st;
    if (::fstat(r.fd.load(std::memory_order_relaxed), &st) == 0 && uint64_t(st.st_size) < buffer.getBufferSize())
      return llvm::createStringError(std::errc::io_error,
                                     "%s: changed while being read (truncated to %llu bytes of %zu)", name.c_str(),
                                     static_cast<unsigned long long>(st.st_size), buffer.getBufferSize());
    return llvm::createStringError(std::errc::io_error,
                                   "%s: could not be read at byte %llu (changed while being read, or an I/O error)",
                                   name.c_str(), static_cast<unsigned long long>(at));
  }
  return llvm::Error::success();
}

}  // namespace crashctl
