// Decoding Go values in a core: panic values (interfaces) through the
// runtime's type descriptors and the executable's DWARF, and the small
// helpers around them (signal names, compiler wrappers).
#pragma once

#include "binary/executable.h"
#include "core/memory.h"
#include "core/runtime_layout.h"

#include <optional>
#include <string>
#include <vector>

namespace crashctl::core {

struct PanicValue {
  std::string type;     // dynamic type as Go spells it: "*errors.errorString", "string"
  std::string value;    // the value: a string's text, an error's message, fields of a struct
  std::string printed;  // what the runtime prints after "panic: " for it
  std::string note;     // why the value is not (fully) shown
};

class ValueReader {
public:
  ValueReader(const Memory &mem, const binary::GoProgram &exe, const RuntimeLayout &l) : mem_(mem), exe_(exe), l_(l) {}
  // An interface value {_type, data}.
  PanicValue eface(uint64_t type, uint64_t data) const;
  // The name of the runtime type descriptor at TYPE ("" when unreadable).
  std::string type_name(uint64_t type) const;
  // firstmoduledata.types: type descriptors' DW_AT_go_runtime_type is their offset from it.
  std::optional<uint64_t> types_base() const;

private:
  std::string format(const binary::TypeInfo &t, uint64_t addr, int depth) const;
  const Memory &mem_;
  const binary::GoProgram &exe_;
  const RuntimeLayout &l_;
};

const char *signal_name(int signo);
const char *signal_description(int signo);

}  // namespace crashctl::core
