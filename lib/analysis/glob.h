// The one glob dialect of user patterns (--in-app/--not-in-app, owners files,
// CODEOWNERS path segments): llvm::GlobPattern without brace expansion.
#pragma once

#include "llvm/ADT/StringRef.h"

namespace crashctl {

// Whether `s` matches `pattern`: '*' any run of characters ('/' included),
// '?' one character, '[...]' one of a class ('[!...]' or '[^...]' none of
// it), '\' escapes the next character. A pattern that is no valid glob (an
// unclosed '[') matches only itself.
bool glob_match(llvm::StringRef pattern, llvm::StringRef s);

}  // namespace crashctl
