// A small JSON Schema (draft 2020-12) validator for tests, covering the
// keywords formats/output.schema.json uses: type (name or list), properties,
// required, additionalProperties, items, enum, const, $ref "#/...", anyOf,
// oneOf, allOf, minimum, maximum, minItems, pattern. Annotations ($schema,
// $id, $defs, title, description, $comment, examples) are ignored; any other
// keyword is reported as an error, so the schema cannot silently outgrow it.
#pragma once

#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace crashctl::schema_check {

// Errors as "<JSON pointer>: <message>" ("(root)" for the document itself);
// empty when DOC is valid.
std::vector<std::string> validate(const llvm::json::Value &schema, const llvm::json::Value &doc);

}  // namespace crashctl::schema_check
