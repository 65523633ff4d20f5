#include "engine/expr/environment.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/absl_compat.h"
#include "engine/expr/functions.h"

namespace refund::expr {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FileDescriptor;

ConstantValue ConstantValue::Bool(bool v) {
  ConstantValue c;
  c.kind = ValueKind::kBool;
  c.bool_value = v;
  return c;
}

ConstantValue ConstantValue::Int(int64_t v) {
  ConstantValue c;
  c.kind = ValueKind::kInt;
  c.int_value = v;
  return c;
}

ConstantValue ConstantValue::String(std::string v) {
  ConstantValue c;
  c.kind = ValueKind::kString;
  c.string_value = std::move(v);
  return c;
}

ConstantValue ConstantValue::Money(int64_t minor_units) {
  ConstantValue c;
  c.kind = ValueKind::kMoney;
  c.int_value = minor_units;
  return c;
}

ConstantValue ConstantValue::Enum(const EnumValueDescriptor* v) {
  ConstantValue c;
  c.kind = ValueKind::kEnum;
  c.int_value = v->number();
  c.enum_type = v->type();
  return c;
}

ConstantValue ConstantValue::Timestamp(absl::Time v) {
  ConstantValue c;
  c.kind = ValueKind::kTimestamp;
  c.time_value = v;
  return c;
}

ConstantValue ConstantValue::Duration(absl::Duration v) {
  ConstantValue c;
  c.kind = ValueKind::kDuration;
  c.duration_value = v;
  return c;
}

bool ConstantValue::operator==(const ConstantValue& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case ValueKind::kBool:
      return bool_value == other.bool_value;
    case ValueKind::kInt:
    case ValueKind::kMoney:
      return int_value == other.int_value;
    case ValueKind::kEnum:
      return enum_type == other.enum_type && int_value == other.int_value;
    case ValueKind::kString:
      return string_value == other.string_value;
    case ValueKind::kTimestamp:
      return time_value == other.time_value;
    case ValueKind::kDuration:
      return duration_value == other.duration_value;
    case ValueKind::kList:
      return element_kind == other.element_kind &&
             enum_type == other.enum_type && elements == other.elements;
    case ValueKind::kMessage:
      return false;
  }
  return false;
}

namespace {

Type ScalarType(ValueKind kind, const EnumDescriptor* enum_type) {
  switch (kind) {
    case ValueKind::kBool:
      return Type::Bool();
    case ValueKind::kInt:
      return Type::Int();
    case ValueKind::kString:
      return Type::String();
    case ValueKind::kEnum:
      return Type::Enum(enum_type);
    case ValueKind::kMoney:
      return Type::Money();
    case ValueKind::kTimestamp:
      return Type::Timestamp();
    case ValueKind::kDuration:
      return Type::Duration();
    default:
      return Type::Error();
  }
}

bool IsIdentifier(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

void CollectFiles(const FileDescriptor* file,
                  std::set<const FileDescriptor*>* seen) {
  if (!seen->insert(file).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) {
    CollectFiles(file->dependency(i), seen);
  }
}

}  // namespace

Type TypeOfConstant(const ConstantValue& value) {
  if (value.kind == ValueKind::kList) {
    return Type::List(ScalarType(value.element_kind, value.enum_type));
  }
  return ScalarType(value.kind, value.enum_type);
}

Environment::Environment(const Descriptor* root_type, std::string root_name,
                         std::shared_ptr<const CalendarConfig> calendar)
    : root_type_(root_type),
      root_name_(std::move(root_name)),
      calendar_(calendar != nullptr ? std::move(calendar) : DefaultCalendar()),
      compiled_calendar_(std::make_shared<const CompiledCalendar>(*calendar_)) {
  // std::set for a deterministic walk; only the package's top-level enums
  // (whose value names are unique in the package scope).
  std::set<const FileDescriptor*> files;
  CollectFiles(root_type_->file(), &files);
  const std::string& package = root_type_->file()->package();
  for (const FileDescriptor* file : files) {
    if (file->package() != package) continue;
    for (int i = 0; i < file->enum_type_count(); ++i) {
      const EnumDescriptor* e = file->enum_type(i);
      for (int j = 0; j < e->value_count(); ++j) {
        enum_values_.emplace(e->value(j)->name(), e->value(j));
      }
    }
  }
}

absl::Status Environment::AddConstant(const std::string& name,
                                      ConstantValue value) {
  auto reserved = [&](const char* why) {
    return absl::InvalidArgumentError(
        absl::StrCat("constant name '", name, "' is reserved: ", why));
  };
  if (!IsIdentifier(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("constant name '", name, "' is not an identifier"));
  }
  if (name == root_name_) return reserved("it is the root variable");
  if (name == "true" || name == "false" || name == "null" || name == "in") {
    return reserved("it is a keyword");
  }
  if (IsMacroName(name) || FindHelper(name) != nullptr) {
    return reserved("it is a function");
  }
  if (FindEnumValue(name) != nullptr) return reserved("it is an enum value");
  if (constants_.contains(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("constant '", name, "' is defined twice"));
  }
  if (value.kind == ValueKind::kMessage) {
    return absl::InvalidArgumentError(
        absl::StrCat("constant '", name, "' cannot be a message"));
  }
  if (value.kind == ValueKind::kList) {
    if (value.element_kind == ValueKind::kList ||
        value.element_kind == ValueKind::kMessage) {
      return absl::InvalidArgumentError(absl::StrCat(
          "constant '", name, "' must be a list of scalar values"));
    }
    for (const ConstantValue& element : value.elements) {
      if (element.kind != value.element_kind ||
          (element.kind == ValueKind::kEnum &&
           element.enum_type != value.enum_type)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "constant '", name, "' has elements of different types"));
      }
    }
  }
  if ((value.kind == ValueKind::kEnum ||
       (value.kind == ValueKind::kList &&
        value.element_kind == ValueKind::kEnum)) &&
      value.enum_type == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("enum constant '", name, "' without its enum type"));
  }
  constants_.emplace(name, std::move(value));
  return absl::OkStatus();
}

const ConstantValue* Environment::FindConstant(std::string_view name) const {
  auto it = constants_.find(ToAbsl(name));
  return it == constants_.end() ? nullptr : &it->second;
}

const EnumValueDescriptor* Environment::FindEnumValue(
    std::string_view name) const {
  auto it = enum_values_.find(ToAbsl(name));
  return it == enum_values_.end() ? nullptr : it->second;
}

std::vector<std::string_view> Environment::EnumValueNames() const {
  std::vector<std::string_view> names;
  for (const auto& [name, value] : enum_values_) names.push_back(name);
  return names;
}

std::vector<std::string_view> Environment::ConstantNames() const {
  std::vector<std::string_view> names;
  for (const auto& [name, value] : constants_) names.push_back(name);
  return names;
}

}  // namespace refund::expr
