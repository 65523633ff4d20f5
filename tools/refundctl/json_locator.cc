#include "tools/refundctl/json_locator.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace refund {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

constexpr int kMaxDepth = 100;

class Scanner {
 public:
  explicit Scanner(absl::string_view text) : text_(text) {}

  absl::StatusOr<JsonNode> Document() {
    JsonNode root;
    if (!Value(&root, 0)) return error_;
    SkipSpace();
    if (at_ < text_.size()) {
      Fail("more after the JSON value");
      return error_;
    }
    return root;
  }

 private:
  bool Fail(absl::string_view what) {
    error_ = absl::InvalidArgumentError(
        absl::StrCat(line_, ":", column_, ": ", what));
    return false;
  }

  bool AtEnd() const { return at_ >= text_.size(); }
  char Peek() const { return text_[at_]; }

  // Moves past one byte; a new character starts at every byte that is not
  // a UTF-8 continuation byte.
  void Step() {
    const char c = text_[at_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if (AtEnd() ||
               (static_cast<unsigned char>(text_[at_]) & 0xC0) != 0x80) {
      ++column_;
    }
  }

  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' ||
                        Peek() == '\r')) {
      Step();
    }
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(at_, word.size()) != word) {
      return Fail("not a JSON value (a string needs quotes)");
    }
    for (size_t i = 0; i < word.size(); ++i) Step();
    return true;
  }

  bool Value(JsonNode* node, int depth) {
    SkipSpace();
    if (AtEnd()) return Fail("the input ends where a value should be");
    if (depth > kMaxDepth) return Fail("nested too deep");
    node->line = line_;
    node->column = column_;
    const char c = Peek();
    if (c == '{') return Object(node, depth);
    if (c == '[') return Array(node, depth);
    if (c == '"') {
      node->kind = JsonNode::Kind::kString;
      return String(&node->text);
    }
    if (c == 't' || c == 'f') {
      node->kind = JsonNode::Kind::kBool;
      node->text = c == 't' ? "true" : "false";
      return Literal(node->text);
    }
    if (c == 'n') {
      node->kind = JsonNode::Kind::kNull;
      return Literal("null");
    }
    if (c == '-' || absl::ascii_isdigit(c)) {
      node->kind = JsonNode::Kind::kNumber;
      return Number(&node->text);
    }
    if (c == '\'') return Fail("a string is in double quotes, not single");
    return Fail(
        absl::StrCat("unexpected '", std::string(1, c), "': not a JSON value"));
  }

  bool Number(std::string* out) {
    const size_t start = at_;
    if (Peek() == '-') Step();
    if (AtEnd() || !absl::ascii_isdigit(Peek())) return Fail("a bad number");
    if (Peek() == '0') {
      Step();
    } else {
      while (!AtEnd() && absl::ascii_isdigit(Peek())) Step();
    }
    if (!AtEnd() && Peek() == '.') {
      Step();
      if (AtEnd() || !absl::ascii_isdigit(Peek())) {
        return Fail("a bad number: a digit must follow '.'");
      }
      while (!AtEnd() && absl::ascii_isdigit(Peek())) Step();
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      Step();
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) Step();
      if (AtEnd() || !absl::ascii_isdigit(Peek())) {
        return Fail("a bad number: a digit must follow the exponent");
      }
      while (!AtEnd() && absl::ascii_isdigit(Peek())) Step();
    }
    *out = std::string(text_.substr(start, at_ - start));
    return true;
  }

  bool String(std::string* out) {
    Step();  // the opening quote
    for (;;) {
      if (AtEnd()) return Fail("the input ends inside a string");
      const char c = Peek();
      if (c == '"') {
        Step();
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Fail(c == '\n' ? "a line break inside a string (write \\n)"
                              : "a control character inside a string");
      }
      if (c != '\\') {
        out->push_back(c);
        Step();
        continue;
      }
      Step();
      if (AtEnd()) return Fail("the input ends inside a string");
      const char escaped = Peek();
      switch (escaped) {
        case '"':
        case '\\':
        case '/':
          out->push_back(escaped);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t code = 0;
          for (int i = 0; i < 4; ++i) {
            Step();
            if (AtEnd() || !absl::ascii_isxdigit(Peek())) {
              return Fail("\\u takes four hex digits");
            }
            const char h = absl::ascii_tolower(Peek());
            code =
                code * 16 + (absl::ascii_isdigit(h) ? h - '0' : h - 'a' + 10);
          }
          // Enough for naming values in messages: one code unit as UTF-8.
          if (code < 0x80) {
            out->push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out->push_back(static_cast<char>(0xC0 | (code >> 6)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            out->push_back(static_cast<char>(0xE0 | (code >> 12)));
            out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default:
          return Fail(absl::StrCat("\\", std::string(1, escaped),
                                   " is not a JSON escape"));
      }
      Step();
    }
  }

  bool Object(JsonNode* node, int depth) {
    node->kind = JsonNode::Kind::kObject;
    Step();  // {
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      Step();
      return true;
    }
    for (;;) {
      SkipSpace();
      if (AtEnd()) return Fail("the input ends inside an object");
      if (Peek() != '"') {
        return Fail(Peek() == '}' ? "a comma before '}'"
                                  : "expected a member name in double quotes");
      }
      std::pair<std::string, JsonNode> member;
      if (!String(&member.first)) return false;
      SkipSpace();
      if (AtEnd() || Peek() != ':') {
        return Fail(absl::StrCat("expected ':' after \"", member.first, "\""));
      }
      Step();
      if (!Value(&member.second, depth + 1)) return false;
      node->members.push_back(std::move(member));
      SkipSpace();
      if (AtEnd()) return Fail("the input ends inside an object");
      if (Peek() == ',') {
        Step();
        continue;
      }
      if (Peek() == '}') {
        Step();
        return true;
      }
      return Fail("expected ',' or '}' after a member");
    }
  }

  bool Array(JsonNode* node, int depth) {
    node->kind = JsonNode::Kind::kArray;
    Step();  // [
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      Step();
      return true;
    }
    for (;;) {
      JsonNode item;
      SkipSpace();
      if (!AtEnd() && Peek() == ']') return Fail("a comma before ']'");
      if (!Value(&item, depth + 1)) return false;
      node->items.push_back(std::move(item));
      SkipSpace();
      if (AtEnd()) return Fail("the input ends inside an array");
      if (Peek() == ',') {
        Step();
        continue;
      }
      if (Peek() == ']') {
        Step();
        return true;
      }
      return Fail("expected ',' or ']' after an array item");
    }
  }

  absl::string_view text_;
  size_t at_ = 0;
  int line_ = 1;
  int column_ = 1;
  absl::Status error_;
};

const char* KindName(JsonNode::Kind kind) {
  switch (kind) {
    case JsonNode::Kind::kNull:
      return "null";
    case JsonNode::Kind::kBool:
      return "a boolean";
    case JsonNode::Kind::kNumber:
      return "a number";
    case JsonNode::Kind::kString:
      return "a string";
    case JsonNode::Kind::kArray:
      return "an array";
    case JsonNode::Kind::kObject:
      return "an object";
  }
  return "a value";
}

std::string At(const JsonNode& node, const std::string& path,
               const std::string& what) {
  return absl::StrCat(node.line, ":", node.column, ": ", path, ": ", what);
}

std::string EnumValues(const EnumDescriptor& type) {
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i) {
    names.push_back(type.value(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

std::string CheckMessage(const JsonNode& node, const Descriptor& type,
                         const std::string& path);

// One value of `field` (an element, for a repeated field or a map).
std::string CheckValue(const JsonNode& node, const FieldDescriptor& field,
                       const std::string& path) {
  if (node.kind == JsonNode::Kind::kNull) return "";
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return CheckMessage(node, *field.message_type(), path);
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumDescriptor& type = *field.enum_type();
      if (node.kind == JsonNode::Kind::kNumber) return "";
      if (node.kind != JsonNode::Kind::kString) {
        return At(node, path,
                  absl::StrCat(KindName(node.kind), " where a ",
                               type.full_name(), " name goes"));
      }
      if (type.FindValueByName(node.text) != nullptr) return "";
      return At(node, path,
                absl::StrCat("\"", node.text, "\" is not a value of ",
                             type.full_name(), " (", EnumValues(type), ")"));
    }
    case FieldDescriptor::CPPTYPE_STRING:
      if (node.kind == JsonNode::Kind::kString) return "";
      return At(node, path,
                absl::StrCat(KindName(node.kind), " where a string goes"));
    case FieldDescriptor::CPPTYPE_BOOL:
      if (node.kind == JsonNode::Kind::kBool) return "";
      return At(node, path,
                absl::StrCat(KindName(node.kind),
                             " where a boolean (true or false) goes"));
    default:  // the numbers: a JSON number or a string holding one
      if (node.kind == JsonNode::Kind::kNumber ||
          node.kind == JsonNode::Kind::kString) {
        return "";
      }
      return At(node, path,
                absl::StrCat(KindName(node.kind), " where a number goes"));
  }
}

std::string CheckMessage(const JsonNode& node, const Descriptor& type,
                         const std::string& path) {
  // Timestamp, Duration, Struct, wrappers...: their own JSON forms.
  if (type.file()->package() == "google.protobuf") return "";
  if (node.kind != JsonNode::Kind::kObject) {
    return At(node, path.empty() ? type.full_name() : path,
              absl::StrCat(KindName(node.kind), " where an object (",
                           type.full_name(), ") goes"));
  }
  for (const auto& [key, value] : node.members) {
    const FieldDescriptor* field = type.FindFieldByName(key);
    for (int i = 0; field == nullptr && i < type.field_count(); ++i) {
      if (type.field(i)->json_name() == key) field = type.field(i);
    }
    const std::string field_path = path.empty() ? key : path + "." + key;
    if (field == nullptr) {
      return At(value, field_path,
                absl::StrCat("no such field in ", type.full_name()));
    }
    if (value.kind == JsonNode::Kind::kNull) continue;
    if (field->is_map()) {
      if (value.kind != JsonNode::Kind::kObject) {
        return At(value, field_path,
                  absl::StrCat(KindName(value.kind), " where a map goes"));
      }
      const FieldDescriptor& mapped = *field->message_type()->map_value();
      for (const auto& [map_key, map_value] : value.members) {
        std::string found = CheckValue(
            map_value, mapped, absl::StrCat(field_path, "[\"", map_key, "\"]"));
        if (!found.empty()) return found;
      }
      continue;
    }
    if (field->is_repeated()) {
      if (value.kind != JsonNode::Kind::kArray) {
        return At(value, field_path,
                  absl::StrCat(KindName(value.kind), " where an array goes"));
      }
      for (size_t i = 0; i < value.items.size(); ++i) {
        std::string found = CheckValue(value.items[i], *field,
                                       absl::StrCat(field_path, "[", i, "]"));
        if (!found.empty()) return found;
      }
      continue;
    }
    std::string found = CheckValue(value, *field, field_path);
    if (!found.empty()) return found;
  }
  return "";
}

}  // namespace

absl::StatusOr<JsonNode> ParseJsonWithPlaces(absl::string_view json) {
  return Scanner(json).Document();
}

std::string FindJsonMismatch(const JsonNode& root, const Descriptor& type) {
  return CheckMessage(root, type, "");
}

}  // namespace refund
