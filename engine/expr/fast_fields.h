// Direct reads of the fields of the generated refund.v1 messages, for the
// evaluator's field paths: a generated accessor costs a few instructions
// where Reflection::GetBool and friends cost over a hundred in protobuf 3.21.
// Used only when the messages being read are instances of the generated
// classes; fields without an entry (repeated fields, fields added to the
// proto later) are read through reflection, so the table is an optimisation
// that can lag behind the proto without being wrong.
#ifndef ENGINE_EXPR_FAST_FIELDS_H_
#define ENGINE_EXPR_FAST_FIELDS_H_

#include <cstdint>
#include <string_view>

#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace refund::expr {

// How to read one field of a generated message `m` (whose class is the
// field's containing type). Exactly one reader is set, by the field's type.
struct FieldAccessor {
  // Singular message fields (also Money and Timestamp fields, for paths
  // through them): the sub-message.
  const google::protobuf::Message* (*message)(
      const google::protobuf::Message& m) = nullptr;
  // bool (0/1), integer and enum fields; Money fields: minor units.
  int64_t (*integer)(const google::protobuf::Message& m) = nullptr;
  // Timestamp fields.
  absl::Time (*time)(const google::protobuf::Message& m) = nullptr;
  // String fields; the view points into `m`.
  std::string_view (*string)(const google::protobuf::Message& m) = nullptr;
  // Message, Money and Timestamp fields: has_<field>().
  bool (*has)(const google::protobuf::Message& m) = nullptr;
  // Repeated message and enum fields: the size, and element `i`.
  int (*size)(const google::protobuf::Message& m) = nullptr;
  const google::protobuf::Message* (*message_at)(
      const google::protobuf::Message& m, int i) = nullptr;
  int64_t (*integer_at)(const google::protobuf::Message& m, int i) = nullptr;
};

// The accessor of `field`, or nullptr. Thread-safe.
const FieldAccessor* FindFieldAccessor(
    const google::protobuf::FieldDescriptor* field);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_FAST_FIELDS_H_
