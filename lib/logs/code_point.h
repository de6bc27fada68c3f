// Code points of the escapes in JSON (\uXXXX) and Go-quoted logfmt values
// (\uXXXX, \UXXXXXXXX) as UTF-8.
#pragma once

#include "llvm/Support/ConvertUTF.h"

#include <cstdint>
#include <string>

namespace crashctl::logs {

// Appends CP as UTF-8; a surrogate or a value past U+10FFFF as U+FFFD, as Go
// and JSON decoders replace them.
inline void append_code_point(std::string &out, uint32_t cp) {
  char buf[UNI_MAX_UTF8_BYTES_PER_CODE_POINT];
  char *end = buf;
  if (!llvm::ConvertCodePointToUTF8(cp, end)) {
    end = buf;
    llvm::ConvertCodePointToUTF8(0xFFFD, end);
  }
  out.append(buf, size_t(end - buf));
}

}  // namespace crashctl::logs
