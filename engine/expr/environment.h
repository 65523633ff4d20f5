// What expressions may refer to: the root message and its name, the enum
// values of its package, the bundle's named constants, the calendar.
#ifndef ENGINE_EXPR_ENVIRONMENT_H_
#define ENGINE_EXPR_ENVIRONMENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/expr/calendar.h"
#include "engine/expr/types.h"
#include "google/protobuf/descriptor.h"

namespace refund::expr {

// A value known at load time (a named constant, or the result of evaluating
// a constant expression).
struct ConstantValue {
  ValueKind kind = ValueKind::kInt;
  int64_t int_value = 0;  // kInt, kMoney (minor units), kEnum (number)
  bool bool_value = false;
  std::string string_value;
  // kEnum: the enum; kList of enums: the element enum.
  const google::protobuf::EnumDescriptor* enum_type = nullptr;
  absl::Time time_value;          // kTimestamp
  absl::Duration duration_value;  // kDuration
  // kList: the elements (scalars of `element_kind`, not lists or messages).
  std::vector<ConstantValue> elements;
  ValueKind element_kind = ValueKind::kInt;

  static ConstantValue Bool(bool v);
  static ConstantValue Int(int64_t v);
  static ConstantValue String(std::string v);
  static ConstantValue Money(int64_t minor_units);
  static ConstantValue Enum(const google::protobuf::EnumValueDescriptor* v);
  static ConstantValue Timestamp(absl::Time v);
  static ConstantValue Duration(absl::Duration v);

  // Same kind and value (enums: same type and number).
  bool operator==(const ConstantValue& other) const;
  bool operator!=(const ConstantValue& other) const {
    return !(*this == other);
  }
};

// The static type of a constant.
Type TypeOfConstant(const ConstantValue& value);

// Not thread-safe while constants are being added; afterwards, any number of
// threads may compile against it. Copyable.
class Environment {
 public:
  // `root_type` must outlive every Expression compiled against this
  // environment (descriptors of generated messages live forever). A null
  // `calendar` means DefaultCalendar(). The enum values that expressions can
  // name are those of `root_type`'s package declared in its file and the
  // files it imports (transitively).
  Environment(const google::protobuf::Descriptor* root_type,
              std::string root_name,
              std::shared_ptr<const CalendarConfig> calendar);

  // INVALID_ARGUMENT for a reserved or duplicate name: the root name,
  // a keyword (true, false, null, in), a function or macro name (has, size,
  // exists, all, yuan, ...), an enum value name, or a name that is not an
  // identifier; also for a value of kind kMessage, an enum without its
  // type, or a list of lists.
  absl::Status AddConstant(const std::string& name, ConstantValue value);

  const google::protobuf::Descriptor* root_type() const { return root_type_; }
  const std::string& root_name() const { return root_name_; }
  // Never null.
  const std::shared_ptr<const CalendarConfig>& calendar() const {
    return calendar_;
  }
  // calendar() prepared for evaluation, shared by every expression compiled
  // here. Never null.
  const std::shared_ptr<const CompiledCalendar>& compiled_calendar() const {
    return compiled_calendar_;
  }
  // nullptr when there is no such constant. The pointer is valid until the
  // next AddConstant.
  const ConstantValue* FindConstant(std::string_view name) const;
  // nullptr when no enum of the package has a value of that name.
  const google::protobuf::EnumValueDescriptor* FindEnumValue(
      std::string_view name) const;
  // For "did you mean" hints.
  std::vector<std::string_view> EnumValueNames() const;
  std::vector<std::string_view> ConstantNames() const;

 private:
  const google::protobuf::Descriptor* root_type_;
  std::string root_name_;
  std::shared_ptr<const CalendarConfig> calendar_;
  std::shared_ptr<const CompiledCalendar> compiled_calendar_;
  absl::flat_hash_map<std::string, ConstantValue> constants_;
  absl::flat_hash_map<std::string, const google::protobuf::EnumValueDescriptor*>
      enum_values_;
};

}  // namespace refund::expr

#endif  // ENGINE_EXPR_ENVIRONMENT_H_
