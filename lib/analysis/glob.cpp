#include "analysis/glob.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/GlobPattern.h"

#include <optional>

namespace crashctl {

bool glob_match(llvm::StringRef pattern, llvm::StringRef s) {
  // Compiled once per thread; the patterns are the user's, few.
  // GlobPattern refers to its pattern's bytes: the map's key keeps them.
  thread_local llvm::StringMap<std::optional<llvm::GlobPattern>> compiled;
  auto [it, inserted] = compiled.try_emplace(pattern);
  if (inserted) {
    auto glob = llvm::GlobPattern::create(it->first());
    if (glob)
      it->second = std::move(*glob);
    else
      llvm::consumeError(glob.takeError());
  }
  return it->second ? it->second->match(s) : pattern == s;
}

}  // namespace crashctl
