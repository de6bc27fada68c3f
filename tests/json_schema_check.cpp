#include "json_schema_check.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Regex.h"

#include <cmath>

namespace crashctl::schema_check {

namespace {

namespace json = llvm::json;

const char *kind_name(const json::Value &v) {
  switch (v.kind()) {
    case json::Value::Null: return "null";
    case json::Value::Boolean: return "boolean";
    case json::Value::Number: return v.getAsInteger() || v.getAsUINT64() ? "integer" : "number";
    case json::Value::String: return "string";
    case json::Value::Array: return "array";
    case json::Value::Object: return "object";
  }
  return "?";
}

bool has_type(const json::Value &v, llvm::StringRef type) {
  if (type == "number") return v.kind() == json::Value::Number;
  if (type == "integer") {
    if (v.kind() != json::Value::Number) return false;
    if (v.getAsInteger() || v.getAsUINT64()) return true;
    double d = *v.getAsNumber();
    return std::isfinite(d) && d == std::floor(d);
  }
  return type == kind_name(v);
}

std::string escape_pointer_token(llvm::StringRef token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

class Validator {
public:
  Validator(const json::Value &root, std::vector<std::string> &errors) : root_(root), errors_(errors) {}

  void check(const json::Value &schema, const json::Value &v, const std::string &ptr, unsigned depth) {
    if (depth > 64) return error(ptr, "schema recursion too deep");
    if (auto b = schema.getAsBoolean()) {
      if (!*b) error(ptr, "schema 'false' allows nothing");
      return;
    }
    const json::Object *s = schema.getAsObject();
    if (!s) return error(ptr, "schema is neither an object nor a boolean");

    static const llvm::StringSet<> kAnnotations = {"$schema", "$id",     "$defs",       "$comment",
                                                   "title",   "default", "description", "examples"};
    for (const auto &kv : *s) {
      llvm::StringRef key = kv.first;
      const json::Value &arg = kv.second;
      if (kAnnotations.contains(key)) continue;
      if (key == "$ref")
        check_ref(arg, v, ptr, depth);
      else if (key == "type")
        check_type(arg, v, ptr);
      else if (key == "enum")
        check_enum(arg, v, ptr);
      else if (key == "const") {
        if (!(arg == v)) error(ptr, "value differs from the schema's const");
      } else if (key == "properties")
        check_properties(arg, v, ptr, depth);
      else if (key == "required")
        check_required(arg, v, ptr);
      else if (key == "additionalProperties")
        check_additional(*s, arg, v, ptr, depth);
      else if (key == "items")
        check_items(arg, v, ptr, depth);
      else if (key == "minItems") {
        if (auto *a = v.getAsArray(); a && arg.getAsInteger() && int64_t(a->size()) < *arg.getAsInteger())
          error(ptr, llvm::formatv("fewer than {0} items", *arg.getAsInteger()).str());
      } else if (key == "minimum" || key == "maximum")
        check_bound(key, arg, v, ptr);
      else if (key == "pattern")
        check_pattern(arg, v, ptr);
      else if (key == "anyOf" || key == "oneOf" || key == "allOf")
        check_combination(key, arg, v, ptr, depth);
      else
        error(ptr, "unsupported schema keyword '" + key.str() + "'");
    }
  }

private:
  void error(const std::string &ptr, std::string message) {
    errors_.push_back((ptr.empty() ? std::string("(root)") : ptr) + ": " + message);
  }

  void check_ref(const json::Value &arg, const json::Value &v, const std::string &ptr, unsigned depth) {
    auto ref = arg.getAsString();
    if (!ref || !ref->starts_with("#")) return error(ptr, "unsupported $ref (only \"#/...\" is supported)");
    const json::Value *target = &root_;
    llvm::SmallVector<llvm::StringRef, 4> tokens;
    ref->drop_front(1).split(tokens, '/', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef raw : tokens) {
      std::string token;
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '~' && i + 1 < raw.size()) {
          token += raw[i + 1] == '1' ? '/' : '~';
          ++i;
        } else {
          token += raw[i];
        }
      }
      const json::Object *o = target->getAsObject();
      target = o ? o->get(token) : nullptr;
      if (!target) return error(ptr, "unresolvable $ref " + ref->str());
    }
    check(*target, v, ptr, depth + 1);
  }

  void check_type(const json::Value &arg, const json::Value &v, const std::string &ptr) {
    std::vector<llvm::StringRef> types;
    if (auto t = arg.getAsString())
      types.push_back(*t);
    else if (auto *a = arg.getAsArray())
      for (const json::Value &t : *a)
        if (auto name = t.getAsString()) types.push_back(*name);
    for (llvm::StringRef t : types)
      if (has_type(v, t)) return;
    std::string expected;
    for (llvm::StringRef t : types) expected += (expected.empty() ? "" : " or ") + t.str();
    error(ptr, "expected " + expected + ", got " + kind_name(v));
  }

  void check_enum(const json::Value &arg, const json::Value &v, const std::string &ptr) {
    if (auto *a = arg.getAsArray())
      for (const json::Value &option : *a)
        if (option == v) return;
    std::string shown;
    llvm::raw_string_ostream os(shown);
    os << v;
    error(ptr, "value " + shown + " is not in the enum");
  }

  void check_properties(const json::Value &arg, const json::Value &v, const std::string &ptr, unsigned depth) {
    const json::Object *props = arg.getAsObject();
    const json::Object *obj = v.getAsObject();
    if (!props || !obj) return;
    for (const auto &kv : *props)
      if (const json::Value *member = obj->get(kv.first))
        check(kv.second, *member, ptr + "/" + escape_pointer_token(kv.first), depth + 1);
  }

  void check_required(const json::Value &arg, const json::Value &v, const std::string &ptr) {
    const json::Object *obj = v.getAsObject();
    const json::Array *names = arg.getAsArray();
    if (!obj || !names) return;
    for (const json::Value &name : *names)
      if (auto n = name.getAsString(); n && !obj->get(*n)) error(ptr, "missing required property '" + n->str() + "'");
  }

  void check_additional(const json::Object &schema, const json::Value &arg, const json::Value &v,
                        const std::string &ptr, unsigned depth) {
    const json::Object *obj = v.getAsObject();
    if (!obj) return;
    const json::Object *props = schema.getObject("properties");
    // Sorted for a deterministic error order.
    std::vector<std::string> keys;
    for (const auto &kv : *obj) keys.push_back(kv.first.str());
    std::sort(keys.begin(), keys.end());
    for (const std::string &key : keys) {
      if (props && props->get(key)) continue;
      if (auto allowed = arg.getAsBoolean()) {
        if (!*allowed) error(ptr, "unknown property '" + key + "'");
      } else {
        check(arg, *obj->get(key), ptr + "/" + escape_pointer_token(key), depth + 1);
      }
    }
  }

  void check_items(const json::Value &arg, const json::Value &v, const std::string &ptr, unsigned depth) {
    if (const json::Array *a = v.getAsArray())
      for (size_t i = 0; i < a->size(); ++i) check(arg, (*a)[i], ptr + "/" + std::to_string(i), depth + 1);
  }

  void check_bound(llvm::StringRef key, const json::Value &arg, const json::Value &v, const std::string &ptr) {
    auto bound = arg.getAsNumber();
    auto value = v.getAsNumber();
    if (!bound || !value) return;
    if (key == "minimum" && *value < *bound)
      error(ptr, llvm::formatv("{0} is less than the minimum {1}", *value, *bound).str());
    if (key == "maximum" && *value > *bound)
      error(ptr, llvm::formatv("{0} is more than the maximum {1}", *value, *bound).str());
  }

  void check_pattern(const json::Value &arg, const json::Value &v, const std::string &ptr) {
    auto pattern = arg.getAsString();
    auto text = v.getAsString();
    if (!pattern || !text) return;
    llvm::Regex re(*pattern);
    std::string why;
    if (!re.isValid(why)) return error(ptr, "invalid pattern " + pattern->str() + ": " + why);
    if (!re.match(*text)) error(ptr, "\"" + text->str() + "\" does not match " + pattern->str());
  }

  void check_combination(llvm::StringRef key, const json::Value &arg, const json::Value &v, const std::string &ptr,
                         unsigned depth) {
    const json::Array *branches = arg.getAsArray();
    if (!branches) return error(ptr, key.str() + " is not an array");
    std::vector<std::vector<std::string>> results;
    size_t passed = 0;
    for (const json::Value &branch : *branches) {
      results.emplace_back();
      Validator(root_, results.back()).check(branch, v, ptr, depth + 1);
      passed += results.back().empty();
    }
    if (key == "allOf") {
      for (auto &errs : results) errors_.insert(errors_.end(), errs.begin(), errs.end());
    } else if (key == "oneOf" && passed > 1) {
      error(ptr, llvm::formatv("matches {0} branches of oneOf, not exactly one", passed).str());
    } else if (passed == 0) {
      error(ptr, "matches no branch of " + key.str());
      // The closest branch explains the mismatch best.
      auto closest = std::min_element(results.begin(), results.end(),
                                      [](const auto &a, const auto &b) { return a.size() < b.size(); });
      if (closest != results.end()) errors_.insert(errors_.end(), closest->begin(), closest->end());
    }
  }

  const json::Value &root_;
  std::vector<std::string> &errors_;
};

}  // namespace

std::vector<std::string> validate(const llvm::json::Value &schema, const llvm::json::Value &doc) {
  std::vector<std::string> errors;
  Validator(schema, errors).check(schema, doc, "", 0);
  return errors;
}

}  // namespace crashctl::schema_check
