// Stable bucket signatures (formats/signature.md): the same bug gives the
// same signature across Go releases and input kinds; different bugs differ.
#pragma once

#include "analysis/verdict.h"
#include "model/report.h"

#include <string>

namespace crashctl {

struct SignatureOptions {
  size_t frames = 3;        // in-app frames taken from the crash site down
  bool with_lines = false;  // --signature-lines: frames compare by function and line
};

// "main.main.func1.2", "main.main.gowrap1", "main.(*T).m.deferwrap2" -> "main.main.func", ...
std::string normalize_function(const std::string &function);
// Addresses, numbers, quoted values and goroutine ids replaced by placeholders.
std::string normalize_message(const std::string &message);

// The first 8 bytes of SHA-1(text) as 16 lowercase hex digits.
std::string short_sha1(const std::string &text);

// Sets report.verdict.signature and signature_text.
void compute_signature(Report &report, const InAppRules &rules, const SignatureOptions &opts);

}  // namespace crashctl
