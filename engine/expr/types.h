// The static types of the expression language and how protobuf fields map
// onto them.
#ifndef ENGINE_EXPR_TYPES_H_
#define ENGINE_EXPR_TYPES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

namespace refund::expr {

// The kind of a value; also the public result kind of an Expression.
enum class ValueKind {
  kBool,
  kInt,
  kString,
  kEnum,
  kMoney,
  kTimestamp,
  kDuration,
  kMessage,
  kList
};

// "bool", "int", ..., "list".
const char* ValueKindName(ValueKind kind);

// A static type. Values are small and cheap to copy.
class Type {
 public:
  static Type Bool() { return Type(ValueKind::kBool); }
  static Type Int() { return Type(ValueKind::kInt); }
  static Type String() { return Type(ValueKind::kString); }
  static Type Money() { return Type(ValueKind::kMoney); }
  static Type Timestamp() { return Type(ValueKind::kTimestamp); }
  static Type Duration() { return Type(ValueKind::kDuration); }
  static Type Enum(const google::protobuf::EnumDescriptor* type);
  static Type Message(const google::protobuf::Descriptor* type);
  static Type List(const Type& element);
  // The element type of an empty list literal: unknown until used.
  static Type Dyn();
  // The type of a sub-expression that already has an issue; checks that see
  // it stay silent, so that one mistake is reported once.
  static Type Error();

  Type() : Type(ValueKind::kBool) {}

  ValueKind kind() const { return kind_; }
  bool is_error() const { return special_ == Special::kError; }
  bool is_dyn() const { return special_ == Special::kDyn; }
  // kEnum only.
  const google::protobuf::EnumDescriptor* enum_type() const {
    return enum_type_;
  }
  // kMessage only.
  const google::protobuf::Descriptor* message_type() const {
    return message_type_;
  }
  // kList only.
  const Type& element() const { return *element_; }

  // Same kind and, for enums, messages and lists, the same type (dyn
  // elements match anything).
  bool SameAs(const Type& other) const;

  // For messages: "int", "money", "refund.v1.Reason", "list(int)",
  // "refund.v1.Order".
  std::string Name() const;

 private:
  enum class Special { kNone, kDyn, kError };
  explicit Type(ValueKind kind) : kind_(kind) {}

  ValueKind kind_;
  Special special_ = Special::kNone;
  const google::protobuf::EnumDescriptor* enum_type_ = nullptr;
  const google::protobuf::Descriptor* message_type_ = nullptr;
  std::shared_ptr<const Type> element_;
};

// Full names of the message types with a value mapping.
inline constexpr char kMoneyTypeName[] = "refund.v1.Money";
inline constexpr char kTimestampTypeName[] = "google.protobuf.Timestamp";

// The type of a message used as a value: money for refund.v1.Money,
// timestamp for google.protobuf.Timestamp, else the message itself.
Type TypeOfMessage(const google::protobuf::Descriptor* message);

// The type a field reads as: bool; int32/int64/uint32/uint64 (and the
// sint/fixed variants) -> int; string -> string; enum -> that enum;
// Money -> money; Timestamp -> timestamp; other messages -> message;
// repeated -> list of those. INVALID_ARGUMENT for fields with no mapping
// (float, double, bytes, maps).
absl::StatusOr<Type> TypeOfField(
    const google::protobuf::FieldDescriptor* field);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_TYPES_H_
