#include "model/shared.h"

#include "llvm/Support/xxhash.h"

#include <mutex>
#include <unordered_set>

namespace crashctl {

const std::string &InternedString::empty_string() {
  static const std::string empty;
  return empty;
}

const std::string *InternedString::intern(std::string_view s) {
  if (s.empty()) return nullptr;
  // Dumps repeat a few values (wait reasons) in turn: most lookups end in
  // this thread's small cache, without the lock that threads decoding parts
  // of one file would contend for.
  thread_local const std::string *cache[64] = {};
  uint64_t h = llvm::xxh3_64bits(llvm::StringRef(s.data(), s.size()));
  const std::string *&slot = cache[h & 63];
  if (slot && *slot == s) return slot;
  static std::mutex mu;
  static std::unordered_set<std::string> *pool = new std::unordered_set<std::string>;  // outlives every user
  std::lock_guard<std::mutex> lock(mu);
  slot = &*pool->emplace(s).first;
  return slot;
}

}  // namespace crashctl
