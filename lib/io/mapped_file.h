// Memory-mapping files that other processes may shrink while they are read
// (a core overwritten by the next crash, an executable being rebuilt).
//
// Every file mapping in crashctl goes through map_file(). Reading a page
// that a shrunk file no longer has raises SIGBUS; a process-wide handler
// then maps a page of zeros there, so that reading goes on, and marks the
// mapping as changed. Whoever read the mapping asks mapped_file_changed()
// once done and fails that input instead of trusting what it read. A SIGBUS
// outside these mappings keeps its previous meaning (the default: the
// process dies).
#pragma once

#include "llvm/Support/Error.h"
#include "llvm/Support/ErrorOr.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>

namespace crashctl {

// Maps the regular file PATH read-only, up to its size at open (growth
// after that is not seen). Errors are those of open(2)/mmap(2).
llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> map_file(const std::string &path);
// Same for an open file descriptor (not taken over; it may be closed after)
// of SIZE bytes; NAME names it in messages.
llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> map_open_file(int fd, const std::string &name, uint64_t size);

// Reads the regular file PATH into memory, up to its size at open: for files
// whose bytes are trusted once checked (executables parsed by LLVM), which a
// mapping of a changing file cannot guarantee. Fails naming the file, also
// with "changed while being read (truncated to N bytes)" when it shrinks
// while read.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> load_file(const std::string &path);
// Same for an open regular file of SIZE bytes (open_regular_file()).
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> load_open_file(int fd, const std::string &name, uint64_t size);

// For a buffer from map_file(): once a read met a page the file no longer
// had, "NAME: changed while being read (truncated to N bytes)"; success
// before that, and for any other buffer.
llvm::Error mapped_file_changed(const llvm::MemoryBuffer &buffer);

}  // namespace crashctl
