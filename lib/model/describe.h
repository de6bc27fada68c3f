// Everything a decoder filled in an Input, as text: reports, goroutines
// with their frames, arguments and addresses, stacks by content and by
// identity (the order each first appears), and diagnostics. Tests and fuzz
// targets compare two ways of decoding the same bytes with it.
#pragma once

#include "model/report.h"

#include <string>

namespace crashctl {

std::string describe_decoded(const Input &in);

}  // namespace crashctl
