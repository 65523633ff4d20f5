#include "engine/expr/types.h"

#include "absl/strings/str_cat.h"

namespace refund::expr {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

const char* ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kString:
      return "string";
    case ValueKind::kEnum:
      return "enum";
    case ValueKind::kMoney:
      return "money";
    case ValueKind::kTimestamp:
      return "timestamp";
    case ValueKind::kDuration:
      return "duration";
    case ValueKind::kMessage:
      return "message";
    case ValueKind::kList:
      return "list";
  }
  return "?";
}

Type Type::Enum(const EnumDescriptor* type) {
  Type t(ValueKind::kEnum);
  t.enum_type_ = type;
  return t;
}

Type Type::Message(const Descriptor* type) {
  Type t(ValueKind::kMessage);
  t.message_type_ = type;
  return t;
}

Type Type::List(const Type& element) {
  Type t(ValueKind::kList);
  t.element_ = std::make_shared<const Type>(element);
  return t;
}

Type Type::Dyn() {
  Type t(ValueKind::kBool);
  t.special_ = Special::kDyn;
  return t;
}

Type Type::Error() {
  Type t(ValueKind::kBool);
  t.special_ = Special::kError;
  return t;
}

bool Type::SameAs(const Type& other) const {
  if (is_dyn() || other.is_dyn()) return true;
  if (is_error() || other.is_error()) return is_error() == other.is_error();
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case ValueKind::kEnum:
      return enum_type_ == other.enum_type_;
    case ValueKind::kMessage:
      return message_type_ == other.message_type_;
    case ValueKind::kList:
      return element_->SameAs(*other.element_);
    default:
      return true;
  }
}

std::string Type::Name() const {
  if (is_error()) return "<error>";
  if (is_dyn()) return "dyn";
  switch (kind_) {
    case ValueKind::kEnum:
      return enum_type_->full_name();
    case ValueKind::kMessage:
      return message_type_->full_name();
    case ValueKind::kList:
      return absl::StrCat("list(", element_->Name(), ")");
    default:
      return ValueKindName(kind_);
  }
}

namespace {

bool FieldIs(const Descriptor* message, int index, const char* name,
             FieldDescriptor::CppType type) {
  if (message->field_count() <= index) return false;
  const FieldDescriptor* field = message->field(index);
  return field->name() == name && field->cpp_type() == type &&
         !field->is_repeated();
}

}  // namespace

Type TypeOfMessage(const Descriptor* message) {
  // The evaluator reads these two by field index; check the layout it relies
  // on.
  if (message->full_name() == kMoneyTypeName &&
      FieldIs(message, 1, "minor_units", FieldDescriptor::CPPTYPE_INT64)) {
    return Type::Money();
  }
  if (message->full_name() == kTimestampTypeName &&
      FieldIs(message, 0, "seconds", FieldDescriptor::CPPTYPE_INT64) &&
      FieldIs(message, 1, "nanos", FieldDescriptor::CPPTYPE_INT32)) {
    return Type::Timestamp();
  }
  return Type::Message(message);
}

absl::StatusOr<Type> TypeOfField(const FieldDescriptor* field) {
  if (field->is_map()) {
    return absl::InvalidArgumentError(
        absl::StrCat("map field '", field->name(), "' is not supported"));
  }
  Type scalar;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      scalar = Type::Bool();
      break;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      scalar = Type::Int();
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        return absl::InvalidArgumentError(
            absl::StrCat("bytes field '", field->name(), "' is not supported"));
      }
      scalar = Type::String();
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      scalar = Type::Enum(field->enum_type());
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      scalar = TypeOfMessage(field->message_type());
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::InvalidArgumentError(absl::StrCat(
          "floating-point field '", field->name(), "' is not supported"));
  }
  if (field->is_repeated()) return Type::List(scalar);
  return scalar;
}

}  // namespace refund::expr
