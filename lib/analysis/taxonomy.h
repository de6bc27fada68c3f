// The verdict classes of formats/taxonomy.md with what each one means: the
// general explanation that `crashctl explain CLASS`, `--verbose` and SARIF
// rules show, apart from what a report says about its own crash.
#pragma once

#include "model/report.h"

#include "llvm/ADT/ArrayRef.h"

namespace crashctl {

struct ClassInfo {
  VerdictClass cls;
  const char *title;        // "nil pointer dereference"
  bool recoverable;         // formats/taxonomy.md's column (unknown: yes)
  const char *shows;        // how crash text shows it
  const char *explanation;  // what happened, whether recover helps, what to look for
};

// Every class, in formats/taxonomy.md's order.
llvm::ArrayRef<ClassInfo> verdict_classes();
const ClassInfo &class_info(VerdictClass cls);

}  // namespace crashctl
