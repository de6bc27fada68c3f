// Pieces of crashctl's HTML pages (formats/html.md) shared by analyze's and
// triage's: escaping, the page's head with its inline CSS and its tail with
// the inline script. Nothing is fetched: the page works from file://.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace crashctl::html {

// formats/html.md "Versioning": the page's data attributes, classes and
// embedded JSON, as scripts and tests read them.
inline constexpr const char *kHtmlVersion = "1";

// Text for an element or a quoted attribute: & < > " ' as entities, control
// characters and invalid UTF-8 shown escaped as the terminal shows them.
std::string escape(llvm::StringRef s);
// JSON text made safe inside <script type="application/json">: '<', '>',
// '&', U+2028 and U+2029 as \u escapes, so it can never close the element.
std::string script_json(llvm::StringRef json);
// A URL for href: only http(s), vscode-like editor schemes and file; else "".
std::string safe_url(llvm::StringRef url);

void page_begin(llvm::raw_ostream &os, llvm::StringRef title, llvm::StringRef tool_version);
void page_end(llvm::raw_ostream &os);

}  // namespace crashctl::html
