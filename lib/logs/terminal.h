// Terminal control sequences in logs: CI logs and coloured loggers put ANSI
// escapes (SGR colours, OSC 8 hyperlinks, cursor moves) inside crash text.
// They are removed before any parsing; whatever control characters remain
// are escaped before anything from the input reaches a terminal.
#pragma once

#include <string>
#include <string_view>

namespace crashctl::logs {

// Whether S holds an ESC byte or a C1 CSI/OSC (U+009B, U+009D in UTF-8).
bool has_terminal_escape(std::string_view s);
// Both questions the unwrapper asks of every line, in one pass: bits of
// kLineEscape (as has_terminal_escape) and kLineQuote (a '"').
enum : unsigned { kLineEscape = 1, kLineQuote = 2 };
unsigned scan_line(std::string_view s);

// Appends S to OUT without its escape sequences: CSI (ESC [ ... final byte),
// OSC (ESC ] ... BEL or ESC \), DCS/SOS/PM/APC strings, two- and
// three-byte ESC sequences, and the UTF-8 encoded C1 forms of CSI and OSC.
// A sequence cut off by the end of S is dropped.
void strip_terminal_escapes(std::string_view s, std::string &out);

}  // namespace crashctl::logs
