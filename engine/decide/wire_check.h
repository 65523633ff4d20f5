// Reads the bytes of a serialized message against its schema, for what
// protobuf's parser does not say or does not see:
// - why bytes do not parse (the parser only says that they do not): the
//   first string field that is not valid UTF-8, named by its path
//   ("request.order.items[3].title: not valid UTF-8"), or the first place
//   where the bytes stop being protobuf wire format;
// - an enum field sent as a varint that does not fit in 32 bits (2^40): the
//   parser keeps its low 32 bits (2^40 reads as 0, 2^32 + 1 as 1), so the
//   message no longer says what was sent.
//
// Paths start at the root type's fields: for a refund.v1.DecideRequest,
// "request.platform", "request.evidence[2]". A wire-format error is named at
// the message whose bytes are malformed: "request.order: not a
// refund.v1.Order (field 2 (items): length 127 runs past the end)"; at the
// top level, "not a refund.v1.DecideRequest (...)". Indexes count the
// elements of one occurrence of the enclosing message: a message sent in
// several pieces (which the parser merges) is counted per piece.
#ifndef ENGINE_DECIDE_WIRE_CHECK_H_
#define ENGINE_DECIDE_WIRE_CHECK_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace refund {

// Immutable once built; safe to use from any number of threads.
class WireCheck {
 public:
  // Reads the schema of `root` and of every message type under it once.
  // `root` must outlive the WireCheck (generated descriptors live forever).
  explicit WireCheck(const google::protobuf::Descriptor& root);

  // For bytes protobuf's parser refused as a root message: INVALID_ARGUMENT
  // naming the first problem in the order of the bytes (a string field that
  // is not valid UTF-8, an enum varint beyond 32 bits, or malformed wire
  // format); OK when the walk finds none (the parser refused the bytes for a
  // reason this does not look for, such as a tag longer than five bytes).
  // `size` is the number of bytes `input` holds; reads them up to the
  // problem or to their end.
  absl::Status ExplainParseFailure(
      google::protobuf::io::ZeroCopyInputStream& input, int size) const;

  // For bytes the parser accepted: INVALID_ARGUMENT naming the first enum
  // field (singular, repeated or packed) whose varint, read as the int64 it
  // encodes, is outside int32 ("request.platform: unknown enum value
  // 1099511627776"), else OK. Enters only the sub-messages whose type holds
  // an enum field somewhere below and skips every other field by its length,
  // so it costs a few tags per sub-message, not a second parse; reads no
  // string and allocates nothing for a schema nested at most 8 deep. Bytes it
  // cannot follow are left to the parser's judgement (OK). `size` as above.
  absl::Status FindOutOfRangeEnum(
      google::protobuf::io::ZeroCopyInputStream& input, int size) const;

 private:
  // What the walk needs of a field, read from its descriptor once (the
  // descriptor's own accessors take a lock-free but not free call_once).
  struct FieldPlan {
    const google::protobuf::FieldDescriptor* field = nullptr;
    int message = -1;         // the plan of a message field's type
    int slot = -1;            // a repeated field's counter in its message
    uint8_t wire_type = 0;    // as declared (unpacked)
    bool utf8 = false;        // a string field the parser checks for UTF-8
    bool is_enum = false;     // an enum field (singular or repeated)
    bool packable = false;    // repeated scalar: packed or not on the wire
    bool enum_below = false;  // an enum, or a message holding one below
  };
  struct MessagePlan {
    const google::protobuf::Descriptor* type = nullptr;
    std::vector<FieldPlan> by_number;  // index = field number, dense
    int repeated_fields = 0;
    bool holds_enum = false;  // here or in a message field below
    const FieldPlan* Find(int number) const;
  };
  class Walk;

  std::vector<MessagePlan> messages_;  // [0] is the root
};

}  // namespace refund

#endif  // ENGINE_DECIDE_WIRE_CHECK_H_
