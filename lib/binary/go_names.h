// Go function names and deferred calls as the runtime shows them, shared by
// the core and heap-dump decoders.
#pragma once

#include "binary/executable.h"

#include <optional>
#include <string>
#include <string_view>

namespace crashctl::binary {

// The name a traceback prints: runtime.gopanic is "panic", and the type
// arguments of an instantiated generic function are "[...]".
std::string print_name(std::string_view name);

// Every direct call in F's code to the entry of a Go function outside the
// runtime, in code order (Executable::direct_call_sites; a stray amd64 E8
// byte would have to land exactly on a function entry to count).
std::vector<uint64_t> direct_calls(const Executable &exe, const Func &f);

// What a deferred closure runs: `defer f(x)` and `defer x.M()` compile to a
// wrapper (F.deferwrapN from Go 1.22, F.funcN marked FuncIDWrapper before)
// that calls the deferred function.
struct DeferredCall {
  const Func *fn = nullptr;           // the deferred function, unwrapped; the wrapper when it was inlined into it
  std::string name, file;             // the deferred function (also when inlined into the wrapper)
  int line = 0;                       // where it starts (its first line, or its inlined body's first line)
  std::string closure;                // the closure's own name (the wrapper, if any)
  std::optional<bool> calls_recover;  // fn itself calls runtime.gorecover
  std::string indirect_recover;       // a function fn calls that calls recover
};
DeferredCall deferred_call(const Executable &exe, const Func &closure);
// Fills D's function, file, line and recover facts from the deferred closure.
void describe_defer(const Executable &exe, const Func &closure, Defer &d);

}  // namespace crashctl::binary
