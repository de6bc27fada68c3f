// libFuzzer target for triage tables, what --merge and --baseline read
// (formats/triage.md): any bytes are parsed or refused with an error, never
// a crash; a table that parses writes JSON that parses back to the same
// bytes, merges with itself into itself, marks nothing new against itself,
// and renders as text and CSV.
//   ninja -C build-fuzz fuzz_triage_table
//   build-fuzz/fuzz/fuzz_triage_table -max_total_time=600 corpus/ fuzz/corpus/triage_table
#include "triage/triage.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

using namespace crashctl::triage;

namespace {

std::string to_json(const Table &t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  render_json(os, t, RenderOptions{});
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<Table> table = parse_table(text);
  if (!table) {
    llvm::consumeError(table.takeError());
    return 0;
  }
  const std::string json = to_json(*table);
  llvm::Expected<Table> again = parse_table(json);
  if (!again) __builtin_trap();  // what we write, we read
  if (to_json(*again) != json) __builtin_trap();
  llvm::Expected<Table> self = merge({*table, *again});
  if (!self || to_json(*self) != json) __builtin_trap();  // idempotent
  mark_new(*again, *table, "self.json");
  if (again->new_buckets() != 0 || exit_status(*again) == kExitNewBuckets) __builtin_trap();

  std::string out;
  llvm::raw_string_ostream os(out);
  render_text(os, *again, RenderOptions{});
  render_csv(os, *again);
  return 0;
}
