#include "model/shared.h"

#include <mutex>
#include <unordered_set>

namespace crashctl {

const std::string &InternedString::empty_string() {
  static const std::string empty;
  return empty;
}

const std::string *InternedString::intern(std::string_view s) {
  if (s.empty()) return nullptr;
  // Dumps repeat the same few values: most lookups end here, without the lock.
  thread_local const std::string *last = nullptr;
  if (last && *last == s) return last;
  static std::mutex mu;
  static std::unordered_set<std::string> *pool = new std::unordered_set<std::string>;  // outlives every user
  std::lock_guard<std::mutex> lock(mu);
  last = &*pool->emplace(s).first;
  return last;
}

}  // namespace crashctl
