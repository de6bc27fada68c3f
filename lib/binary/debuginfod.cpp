#include "binary/debuginfod.h"

#include "binary/libcurl.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Debuginfod/Debuginfod.h"
#include "llvm/Debuginfod/HTTPClient.h"
#include "llvm/Object/BuildID.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdlib>
#include <map>
#include <mutex>

namespace crashctl::binary {

namespace {

std::mutex lookup_mutex;                            // one lookup at a time, in every thread
std::map<std::string, std::string> failed_servers;  // URL -> why it did not answer

llvm::Error failure(const std::string &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

// LLVM's client error on one line, without the curl function's name; and
// whether it means that the server answered without the artifact.
struct ClientError {
  std::string message;
  bool not_found = false;
};
ClientError client_error(llvm::Error err) {
  ClientError out;
  llvm::handleAllErrors(std::move(err), [&](const llvm::ErrorInfoBase &e) {
    // getCachedOrDownloadArtifact: argument_out_of_domain when every server
    // answered with a status other than 200.
    out.not_found |= e.convertToErrorCode() == std::errc::argument_out_of_domain;
    std::string message = e.message();
    llvm::StringRef m = llvm::StringRef(message).trim();
    m.consume_front("curl_easy_perform() failed: ");
    if (!out.message.empty()) out.message += "; ";
    out.message += m.str();
  });
  for (char &c : out.message)
    if (c == '\n') c = ' ';
  return out;
}

}  // namespace

DebuginfodConfig DebuginfodConfig::from_environment() {
  DebuginfodConfig config;
  if (const char *urls = std::getenv("DEBUGINFOD_URLS")) {
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::SplitString(urls, parts);
    for (llvm::StringRef url : parts) config.urls.push_back(url.str());
  }
  if (const char *timeout = std::getenv("DEBUGINFOD_TIMEOUT")) {
    unsigned seconds = 0;
    if (!llvm::StringRef(timeout).trim().getAsInteger(10, seconds) && seconds > 0)
      config.timeout = std::chrono::seconds(seconds);
  }
  return config;
}

llvm::Expected<std::string> debuginfod_executable(const DebuginfodConfig &config, const std::string &build_id,
                                                  bool offline) {
  std::string id_bytes;
  if (build_id.empty() || !llvm::tryGetFromHex(build_id, id_bytes))
    return failure("debuginfod: not a build id: " + build_id);
  llvm::object::BuildIDRef id = llvm::arrayRefFromStringRef(id_bytes);

  std::lock_guard<std::mutex> lock(lookup_mutex);
  auto cache_dir = llvm::getDefaultDebuginfodCacheDirectory();
  if (!cache_dir) return failure("debuginfod cache: " + client_error(cache_dir.takeError()).message);
  if (std::error_code ec = llvm::sys::fs::create_directories(*cache_dir))
    return failure("debuginfod cache " + *cache_dir + ": " + ec.message());
  std::string url_path = llvm::getDebuginfodExecutableUrlPath(id);
  std::string key = llvm::getDebuginfodCacheKey(url_path);
  auto fetch = [&](llvm::ArrayRef<llvm::StringRef> servers) {
    return llvm::getCachedOrDownloadArtifact(key, url_path, *cache_dir, servers, config.timeout);
  };
  // The cache first, then each server in turn: a server that does not answer
  // names itself in the error, and the next one is still asked.
  auto in_cache = fetch({});
  if (in_cache) return *in_cache;
  llvm::consumeError(in_cache.takeError());
  if (offline)
    return failure("debuginfod: build id " + build_id + " is not in the cache " + *cache_dir +
                   ", and --offline: " + llvm::join(config.urls, " ") + " not asked");
  // libcurl (and its TLS library) is loaded and initialized on the first
  // request only.
  if (std::string error; !load_libcurl(error))
    return failure("debuginfod: " + error + ": " + llvm::join(config.urls, " ") + " not asked for build id " +
                   build_id);
  llvm::HTTPClient::initialize();
  std::vector<std::string> why;
  for (const std::string &url : config.urls) {
    if (auto it = failed_servers.find(url); it != failed_servers.end()) {
      why.push_back(url + " not asked again (" + it->second + " earlier in this run)");
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    llvm::StringRef server = url;
    auto got = fetch(server);
    if (got) return *got;
    ClientError err = client_error(got.takeError());
    if (err.not_found) {
      why.push_back(url + " does not have it");
      continue;
    }
    // curl's own clock may end the request a little before ours says.
    if (std::chrono::steady_clock::now() - start >= config.timeout * 9 / 10)
      err.message += llvm::formatv(" after {0} s (DEBUGINFOD_TIMEOUT)",
                                   std::chrono::duration_cast<std::chrono::seconds>(config.timeout).count())
                         .str();
    failed_servers[url] = err.message;
    why.push_back(url + ": " + err.message);
  }
  return failure("debuginfod: no executable with build id " + build_id + ": " + llvm::join(why, "; "));
}

}  // namespace crashctl::binary
