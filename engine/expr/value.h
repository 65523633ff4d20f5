// The runtime value of the evaluator: a small tagged struct, trivially
// copyable, that never owns memory. Strings, messages and repeated fields are
// borrowed from the message being evaluated or from the compiled program.
#ifndef ENGINE_EXPR_VALUE_H_
#define ENGINE_EXPR_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "engine/expr/types.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace refund::expr {

struct Node;
struct FieldAccessor;

// A list: a repeated field of a message, or a list literal of the program
// (whose elements are evaluated on demand).
struct ListRef {
  static ListRef Field(const google::protobuf::Message* message,
                       const google::protobuf::FieldDescriptor* field,
                       const google::protobuf::Reflection* reflection) {
    ListRef list;
    list.message = message;
    list.field = field;
    list.reflection = reflection;
    return list;
  }
  static ListRef Accessor(const google::protobuf::Message* message,
                          const FieldAccessor* accessor) {
    ListRef list;
    list.message = message;
    list.accessor = accessor;
    return list;
  }
  static ListRef Literal(const Node* node) {
    ListRef list;
    list.literal = node;
    return list;
  }

  // A repeated field: its owner (null for a literal), and either the field
  // and the owner's reflection or (field null) a generated accessor.
  const google::protobuf::Message* message = nullptr;
  const google::protobuf::FieldDescriptor* field = nullptr;
  union {
    const google::protobuf::Reflection* reflection;
    const FieldAccessor* accessor;
    const Node* literal;  // list literal node (when `message` is null)
  };
};

// Which union member of Value is active. Int carries int, money (minor
// units) and enum (number) values; the static type says which.
enum class Rep : uint8_t {
  kNone,
  kBool,
  kInt,
  kString,
  kTime,
  kDuration,
  kMessage,
  kList
};

// The representation of values of a kind.
Rep RepOf(ValueKind kind);

struct Value {
  Value() : i(0) {}
  static Value Bool(bool v) {
    Value x;
    x.rep = Rep::kBool;
    x.b = v;
    return x;
  }
  static Value Int(int64_t v) {
    Value x;
    x.rep = Rep::kInt;
    x.i = v;
    return x;
  }
  static Value String(std::string_view v) {
    Value x;
    x.rep = Rep::kString;
    x.s = v;
    return x;
  }
  static Value Time(absl::Time v) {
    Value x;
    x.rep = Rep::kTime;
    x.t = v;
    return x;
  }
  static Value Duration(absl::Duration v) {
    Value x;
    x.rep = Rep::kDuration;
    x.d = v;
    return x;
  }
  static Value Message(const google::protobuf::Message* v) {
    Value x;
    x.rep = Rep::kMessage;
    x.m = v;
    return x;
  }
  static Value List(ListRef v) {
    Value x;
    x.rep = Rep::kList;
    x.list = v;
    return x;
  }

  Rep rep = Rep::kNone;
  union {
    bool b;
    int64_t i;
    std::string_view s;
    absl::Time t;
    absl::Duration d;
    const google::protobuf::Message* m;
    ListRef list;
  };
};

static_assert(sizeof(Value) <= 32, "Value must stay small: it is copied a lot");

// Equality of two values of the same representation (not lists or messages,
// which the checker does not let through).
bool ValuesEqual(const Value& a, const Value& b);
// -1, 0, 1 for ordered representations (int, string, time, duration).
int CompareValues(const Value& a, const Value& b);

// "¥12.50", "-¥0.05".
std::string FormatMoney(int64_t minor_units);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_VALUE_H_
