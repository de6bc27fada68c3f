#include "binary/libcurl.h"

// The prototypes are curl's own; its GCC type-checking macros would rename
// curl_easy_setopt and curl_easy_getinfo.
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include <dlfcn.h>
#include <cstdarg>
#include <mutex>
#include <type_traits>

namespace crashctl::binary {

namespace {

struct Libcurl {
  std::string error;  // why it could not be loaded
  CURLcode (*global_init)(long) = nullptr;
  void (*global_cleanup)() = nullptr;
  CURL *(*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL *) = nullptr;
  CURLcode (*easy_perform)(CURL *) = nullptr;
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...) = nullptr;
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...) = nullptr;
  const char *(*easy_strerror)(CURLcode) = nullptr;
  curl_slist *(*slist_append)(curl_slist *, const char *) = nullptr;
  void (*slist_free_all)(curl_slist *) = nullptr;
};

const Libcurl &libcurl() {
  static Libcurl lib;
  static std::once_flag once;
  std::call_once(once, [] {
    void *handle = nullptr;
    // Debian's libcurl4 (OpenSSL), else libcurl3-gnutls.
    for (const char *name : {"libcurl.so.4", "libcurl-gnutls.so.4"})
      if ((handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
    if (!handle) {
      const char *why = ::dlerror();
      lib.error = std::string("libcurl.so.4 cannot be loaded: ") + (why ? why : "not found");
      return;
    }
    bool complete = true;
    auto bind = [&](auto &fn, const char *symbol) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(handle, symbol));
      complete &= fn != nullptr;
    };
    bind(lib.global_init, "curl_global_init");
    bind(lib.global_cleanup, "curl_global_cleanup");
    bind(lib.easy_init, "curl_easy_init");
    bind(lib.easy_cleanup, "curl_easy_cleanup");
    bind(lib.easy_perform, "curl_easy_perform");
    bind(lib.easy_setopt, "curl_easy_setopt");
    bind(lib.easy_getinfo, "curl_easy_getinfo");
    bind(lib.easy_strerror, "curl_easy_strerror");
    bind(lib.slist_append, "curl_slist_append");
    bind(lib.slist_free_all, "curl_slist_free_all");
    if (!complete) {
      lib = Libcurl{};
      lib.error = "libcurl.so.4 lacks a function LLVM's debuginfod client calls";
    }
  });
  return lib;
}

bool loaded() {
  return libcurl().error.empty();
}

}  // namespace

bool load_libcurl(std::string &error) {
  error = libcurl().error;
  return error.empty();
}

}  // namespace crashctl::binary

// What LLVM's HTTPClient calls (llvm/lib/Debuginfod/HTTPClient.cpp), each
// forwarded to libcurl; without it, each fails the way curl reports errors.
using crashctl::binary::libcurl;
using crashctl::binary::loaded;

extern "C" {

CURLcode curl_global_init(long flags) {
  return loaded() ? libcurl().global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void) {
  if (loaded()) libcurl().global_cleanup();
}

CURL *curl_easy_init(void) {
  return loaded() ? libcurl().easy_init() : nullptr;
}

void curl_easy_cleanup(CURL *curl) {
  if (curl && loaded()) libcurl().easy_cleanup(curl);
}

CURLcode curl_easy_perform(CURL *curl) {
  return curl && loaded() ? libcurl().easy_perform(curl) : CURLE_FAILED_INIT;
}

// The one argument's type follows from the option's number, as in curl.
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...) {
  if (!curl || !loaded()) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, option);
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    long v = va_arg(ap, long);
    rc = libcurl().easy_setopt(curl, option, v);
  } else if (option < CURLOPTTYPE_OFF_T) {  // data and function pointers
    void *v = va_arg(ap, void *);
    rc = libcurl().easy_setopt(curl, option, v);
  } else if (option < CURLOPTTYPE_BLOB) {
    curl_off_t v = va_arg(ap, curl_off_t);
    rc = libcurl().easy_setopt(curl, option, v);
  } else {
    void *v = va_arg(ap, void *);
    rc = libcurl().easy_setopt(curl, option, v);
  }
  va_end(ap);
  return rc;
}

// Every CURLINFO takes a pointer to the result.
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...) {
  if (!curl || !loaded()) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, info);
  void *out = va_arg(ap, void *);
  va_end(ap);
  return libcurl().easy_getinfo(curl, info, out);
}

const char *curl_easy_strerror(CURLcode code) {
  return loaded() ? libcurl().easy_strerror(code) : libcurl().error.c_str();
}

curl_slist *curl_slist_append(curl_slist *list, const char *s) {
  return loaded() ? libcurl().slist_append(list, s) : nullptr;
}

void curl_slist_free_all(curl_slist *list) {
  if (list && loaded()) libcurl().slist_free_all(list);
}

}  // extern "C"
