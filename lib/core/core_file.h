// An ELF core file: its memory segments and the notes the kernel or gdb wrote
// (threads' registers, the fatal signal, auxv, mapped files). The file is
// mapped, never copied; compressed cores are first decompressed into a sparse
// temporary file, which is then mapped.
#pragma once

#include "binary/locate.h"
#include "io/input.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace crashctl::core {

// One thread from NT_PRSTATUS.
struct CoreThread {
  int64_t tid = 0;
  int cursig = 0;                   // signal pending for it (the fatal one for the crashing thread)
  uint64_t pc = 0, sp = 0, fp = 0;  // rip/rsp/rbp (amd64), pc/sp/x29 (arm64)
  uint64_t lr = 0;                  // x30 (arm64)
  uint64_t fs_base = 0;             // amd64 TLS base
  std::vector<std::pair<std::string, uint64_t>> registers;  // in the kernel's order
};

struct CoreSegment {
  uint64_t vaddr = 0, memsz = 0;
  uint64_t offset = 0, filesz = 0;  // bytes present in the file
  uint32_t flags = 0;
  uint64_t cut = 0;  // p_filesz beyond the end of a truncated file
};

using binary::MappedFile;

struct SigInfo {
  int signo = 0, code = 0, errno_ = 0;
  uint64_t addr = 0;  // si_addr for SIGSEGV/SIGBUS (code > 0, sent by the kernel)
  int32_t pid = 0;    // si_pid, si_uid of the sender (code <= 0: kill, tgkill, sigqueue)
  uint32_t uid = 0;
  // Sent by the process to itself (SI_USER or SI_TKILL from its own pid), as
  // the Go runtime raises SIGABRT after printing a crash (GOTRACEBACK=crash).
  bool sent_by(int32_t process_pid) const { return (code == 0 || code == -6) && pid == process_pid && pid != 0; }
};

class CoreFile final : public binary::ProcessImage {
public:
  // Maps PATH as an uncompressed ELF core, or (when IN is compressed or not a
  // regular file) decompresses IN into an unlinked sparse temporary file and
  // maps that. Errors name the file and the byte offset.
  static llvm::Expected<std::unique_ptr<CoreFile>> open(const std::string &path, OpenedInput &in);
  // For tests and fuzzing: a core already in memory (must outlive the CoreFile).
  static llvm::Expected<std::unique_ptr<CoreFile>> from_bytes(llvm::StringRef bytes, const std::string &name);

  const std::string &name() const { return name_; }
  uint16_t machine() const override { return machine_; }
  const std::vector<CoreSegment> &segments() const { return segments_; }
  const std::vector<CoreThread> &threads() const { return threads_; }
  const std::optional<SigInfo> &siginfo() const { return siginfo_; }
  const std::map<uint64_t, uint64_t> &auxv() const override { return auxv_; }
  const std::vector<MappedFile> &files() const override { return files_; }
  int32_t pid() const { return pid_; }                     // NT_PRPSINFO pr_pid, 0 if absent
  const std::string &command() const { return command_; }  // NT_PRPSINFO pr_fname
  const std::string &args() const { return args_; }        // NT_PRPSINFO pr_psargs
  llvm::StringRef bytes() const { return bytes_; }
  // Problems found while reading headers and notes (offset, message).
  const std::vector<std::pair<uint64_t, std::string>> &problems() const { return problems_; }
  // The compressed stream ended early or failed: what came before it is read.
  const std::string &stream_error() const { return stream_error_; }
  // Memory the program headers promise but the file does not hold (a
  // truncated core): bytes missing, and reads that needed them so far.
  uint64_t missing_bytes() const { return missing_bytes_; }
  uint64_t missed_reads() const { return missed_reads_.load(std::memory_order_relaxed); }
  // Fails once the file shrank while mapped (what was read may be zeros).
  llvm::Error check_unchanged() const;

  // Copies N bytes at VADDR from the segments' file contents. Returns the
  // number of leading bytes available (N when all are).
  size_t read(uint64_t vaddr, void *out, size_t n) const override;
  Span span_at(uint64_t vaddr) const override;
  // Whether VADDR lies in a segment at all (even one the core left out).
  const CoreSegment *segment_at(uint64_t vaddr) const;

private:
  llvm::Error parse();
  std::string name_;
  std::unique_ptr<llvm::MemoryBuffer> buffer_;
  llvm::StringRef bytes_;
  uint16_t machine_ = 0;
  std::vector<CoreSegment> segments_;  // sorted by vaddr
  std::vector<CoreThread> threads_;
  std::optional<SigInfo> siginfo_;
  std::map<uint64_t, uint64_t> auxv_;
  std::vector<MappedFile> files_;
  int32_t pid_ = 0;
  std::string command_, args_;
  uint64_t missing_bytes_ = 0;
  mutable std::atomic<uint64_t> missed_reads_{0};
  std::vector<std::pair<uint64_t, std::string>> problems_;
  std::string stream_error_;
};

}  // namespace crashctl::core
