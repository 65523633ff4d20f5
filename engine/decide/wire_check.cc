#include "engine/decide/wire_check.h"

#include <climits>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "engine/decide/text_rules.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace refund {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::internal::WireFormatLite;

// Field numbers above this are looked up in the descriptor instead of a
// dense table (protobuf allows numbers up to 2^29 - 1).
constexpr int kMaxDenseNumber = 4096;

bool FitsInt32(uint64_t varint) {
  const auto value = static_cast<int64_t>(varint);
  return value >= INT32_MIN && value <= INT32_MAX;
}

}  // namespace

const WireCheck::FieldPlan* WireCheck::MessagePlan::Find(int number) const {
  if (number < static_cast<int>(by_number.size())) {
    const FieldPlan& plan = by_number[number];
    return plan.field == nullptr ? nullptr : &plan;
  }
  return nullptr;
}

WireCheck::WireCheck(const Descriptor& root) {
  // Every message type reachable from the root, each once.
  absl::flat_hash_map<const Descriptor*, int> index;
  std::vector<const Descriptor*> types = {&root};
  index[&root] = 0;
  for (size_t i = 0; i < types.size(); ++i) {
    for (int f = 0; f < types[i]->field_count(); ++f) {
      const Descriptor* child = types[i]->field(f)->message_type();
      if (child != nullptr &&
          types[i]->field(f)->type() == FieldDescriptor::TYPE_MESSAGE &&
          index.emplace(child, static_cast<int>(types.size())).second) {
        types.push_back(child);
      }
    }
  }
  messages_.resize(types.size());
  for (size_t i = 0; i < types.size(); ++i) {
    MessagePlan& plan = messages_[i];
    plan.type = types[i];
    int max_number = 0;
    for (int f = 0; f < plan.type->field_count(); ++f) {
      max_number = std::max(max_number, plan.type->field(f)->number());
    }
    plan.by_number.resize(std::min(max_number, kMaxDenseNumber) + 1);
    for (int f = 0; f < plan.type->field_count(); ++f) {
      const FieldDescriptor* field = plan.type->field(f);
      if (field->number() > kMaxDenseNumber) continue;  // read as unknown
      FieldPlan& field_plan = plan.by_number[field->number()];
      field_plan.field = field;
      if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
        field_plan.message = index.at(field->message_type());
      }
      if (field->is_repeated()) field_plan.slot = plan.repeated_fields++;
      field_plan.wire_type = WireFormatLite::WireTypeForFieldType(
          static_cast<WireFormatLite::FieldType>(field->type()));
      field_plan.utf8 =
          field->type() == FieldDescriptor::TYPE_STRING &&
          field->file()->syntax() == FileDescriptor::SYNTAX_PROTO3;
      field_plan.is_enum = field->type() == FieldDescriptor::TYPE_ENUM;
      field_plan.packable = field->is_packable();
      plan.holds_enum = plan.holds_enum || field_plan.is_enum;
    }
  }
  // An enum anywhere below makes a message worth entering; repeat until
  // nothing changes (schemas may be recursive).
  for (bool changed = true; changed;) {
    changed = false;
    for (MessagePlan& plan : messages_) {
      if (plan.holds_enum) continue;
      for (const FieldPlan& field : plan.by_number) {
        if (field.message >= 0 && messages_[field.message].holds_enum) {
          plan.holds_enum = true;
          changed = true;
          break;
        }
      }
    }
  }
  for (MessagePlan& plan : messages_) {
    for (FieldPlan& field : plan.by_number) {
      field.enum_below = field.is_enum || (field.message >= 0 &&
                                           messages_[field.message].holds_enum);
    }
  }
}

// One pass over the bytes. The path of the field being read is a stack of
// (field, index) kept without strings; it is formatted only for an error.
class WireCheck::Walk {
 public:
  enum class Mode {
    kExplain,  // every field, every string's UTF-8, every enum
    kEnums,    // only enums, entering only messages that hold some
  };

  Walk(const WireCheck& check, google::protobuf::io::ZeroCopyInputStream& input,
       Mode mode)
      : check_(check), input_(&input), mode_(mode) {}

  absl::Status Run(int size) {
    // A limit at the end of the input lets a length that runs past it be
    // seen before the walk enters the message it announces.
    input_.PushLimit(size);
    WalkMessage(0);
    return std::move(status_);
  }

 private:
  struct Frame {
    const FieldDescriptor* field;
    int index;  // in a repeated field; -1 for a singular one
  };

  std::string Path() const {
    std::string path;
    for (const Frame& frame : path_) {
      if (!path.empty()) path += '.';
      path += frame.field->name();
      if (frame.index >= 0) absl::StrAppend(&path, "[", frame.index, "]");
    }
    return path;
  }

  // A problem with the field on top of the path (pushed by the caller).
  bool FieldProblem(absl::string_view problem) {
    status_ = absl::InvalidArgumentError(absl::StrCat(Path(), ": ", problem));
    return false;
  }

  // The bytes of the message at the current path are not wire format. In
  // kEnums mode the parser accepted them: its reading stands.
  bool Malformed(const Descriptor& type, absl::string_view detail) {
    if (mode_ == Mode::kEnums) return false;
    const std::string path = Path();
    status_ = absl::InvalidArgumentError(
        absl::StrCat(path, path.empty() ? "" : ": ", "not a ", type.full_name(),
                     " (", detail, ")"));
    return false;
  }

  static std::string Named(const FieldDescriptor& field) {
    return absl::StrCat("field ", field.number(), " (", field.name(), ")");
  }

  bool CheckEnum(uint64_t varint) {
    if (FitsInt32(varint)) return true;
    return FieldProblem(absl::StrCat("unknown enum value ",
                                     static_cast<int64_t>(varint),
                                     " (does not fit in 32 bits)"));
  }

  // Whether the parser reads a field arriving with `wire_type` as `field`
  // (else it keeps it as an unknown field).
  static bool Accepts(const FieldPlan& plan, int wire_type) {
    return wire_type == plan.wire_type ||
           (plan.packable &&
            wire_type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  }

  // Skips a field the walk does not look into. The common wire types here,
  // groups by protobuf's own code.
  bool Skip(uint32_t tag) {
    switch (WireFormatLite::GetTagWireType(tag)) {
      case WireFormatLite::WIRETYPE_VARINT: {
        uint64_t ignored;
        return input_.ReadVarint64(&ignored);
      }
      case WireFormatLite::WIRETYPE_FIXED64:
        return input_.Skip(8);
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
        uint32_t length;
        return input_.ReadVarint32(&length) && length <= INT_MAX &&
               input_.Skip(static_cast<int>(length));
      }
      case WireFormatLite::WIRETYPE_FIXED32:
        return input_.Skip(4);
      default:
        return WireFormatLite::SkipField(&input_, tag);
    }
  }

  // Reads one message up to its end (the stream's current limit). Returns
  // false to stop the walk: a problem was found, or the bytes cannot be
  // followed.
  bool WalkMessage(int plan_index) {
    const MessagePlan& plan = check_.messages_[plan_index];
    // Elements seen so far of each repeated field: the next one's index.
    absl::InlinedVector<int, 8> counts(plan.repeated_fields, 0);
    for (;;) {
      const uint32_t tag = input_.ReadTag();
      if (tag == 0) {
        if (input_.ConsumedEntireMessage()) return true;
        return Malformed(*plan.type, "a tag that is zero or truncated");
      }
      const int number = WireFormatLite::GetTagFieldNumber(tag);
      const int wire_type = WireFormatLite::GetTagWireType(tag);
      if (wire_type == WireFormatLite::WIRETYPE_END_GROUP) {
        return Malformed(*plan.type, absl::StrCat("an end-group tag of field ",
                                                  number, " outside a group"));
      }
      if (wire_type > WireFormatLite::WIRETYPE_FIXED32) {
        return Malformed(*plan.type, absl::StrCat("wire type ", wire_type,
                                                  " of field ", number));
      }
      if (number == 0) return Malformed(*plan.type, "field number 0");
      const FieldPlan* field = plan.Find(number);
      if (field == nullptr || !Accepts(*field, wire_type) ||
          (mode_ == Mode::kEnums && !field->enum_below)) {
        if (!Skip(tag)) {
          return Malformed(
              *plan.type, absl::StrCat("field ", number, " runs past the end"));
        }
        continue;
      }
      int unused = 0;
      int& count = field->slot >= 0 ? counts[field->slot] : unused;
      if (field->is_enum &&
          wire_type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        if (!WalkPackedEnum(plan, *field, &count)) return false;
        continue;
      }
      path_.push_back({field->field, field->slot >= 0 ? count++ : -1});
      const bool go_on = WalkField(plan, *field, tag);
      path_.pop_back();
      if (!go_on) return false;
    }
  }

  // A field whose wire type matches its declaration; its frame is pushed.
  bool WalkField(const MessagePlan& plan, const FieldPlan& field,
                 uint32_t tag) {
    if (field.is_enum) {
      uint64_t varint = 0;
      if (!input_.ReadVarint64(&varint)) {
        return MalformedAbove(plan,
                              absl::StrCat(Named(*field.field), ": truncated"));
      }
      return CheckEnum(varint);
    }
    if (WireFormatLite::GetTagWireType(tag) !=
        WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (Skip(tag)) return true;
      return MalformedAbove(plan,
                            absl::StrCat(Named(*field.field), ": truncated"));
    }
    uint32_t length = 0;
    if (!input_.ReadVarint32(&length) || length > INT_MAX) {
      return MalformedAbove(
          plan, absl::StrCat(Named(*field.field), ": truncated length"));
    }
    const std::string past_the_end =
        mode_ == Mode::kEnums ? std::string()
                              : absl::StrCat(Named(*field.field), ": length ",
                                             length, " runs past the end");
    if (static_cast<int>(length) > input_.BytesUntilLimit()) {
      return MalformedAbove(plan, past_the_end);
    }
    if (field.message >= 0) {
      if (!input_.IncrementRecursionDepth()) {
        return MalformedAbove(plan, "nested too deeply");
      }
      const auto limit = input_.PushLimit(static_cast<int>(length));
      bool go_on = WalkMessage(field.message);
      if (go_on && input_.BytesUntilLimit() > 0) {
        go_on = MalformedAbove(plan, past_the_end);
      }
      input_.PopLimit(limit);
      input_.DecrementRecursionDepth();
      return go_on;
    }
    if (field.utf8 && mode_ == Mode::kExplain) {
      if (!input_.ReadString(&text_, static_cast<int>(length))) {
        return MalformedAbove(plan, past_the_end);
      }
      return IsValidUtf8(text_) || FieldProblem("not valid UTF-8");
    }
    if (!input_.Skip(static_cast<int>(length))) {
      return MalformedAbove(plan, past_the_end);
    }
    return true;
  }

  // Malformed() for the message holding the field on top of the path.
  bool MalformedAbove(const MessagePlan& plan, absl::string_view detail) {
    const Frame top = path_.back();
    path_.pop_back();
    Malformed(*plan.type, detail);
    path_.push_back(top);
    return false;
  }

  // A packed repeated enum: a length, then varints. Each element counts as
  // one entry of the field.
  bool WalkPackedEnum(const MessagePlan& plan, const FieldPlan& field,
                      int* count) {
    uint32_t length = 0;
    if (!input_.ReadVarint32(&length) || length > INT_MAX) {
      return Malformed(*plan.type,
                       absl::StrCat(Named(*field.field), ": truncated length"));
    }
    if (static_cast<int>(length) > input_.BytesUntilLimit()) {
      return Malformed(*plan.type,
                       absl::StrCat(Named(*field.field), ": length ", length,
                                    " runs past the end"));
    }
    const auto limit = input_.PushLimit(static_cast<int>(length));
    bool go_on = true;
    while (go_on && input_.BytesUntilLimit() > 0) {
      uint64_t varint = 0;
      if (!input_.ReadVarint64(&varint)) {
        go_on = Malformed(*plan.type,
                          absl::StrCat(Named(*field.field), ": truncated"));
        break;
      }
      path_.push_back({field.field, (*count)++});
      go_on = CheckEnum(varint);
      path_.pop_back();
    }
    input_.PopLimit(limit);
    return go_on;
  }

  const WireCheck& check_;
  google::protobuf::io::CodedInputStream input_;
  const Mode mode_;
  absl::InlinedVector<Frame, 8> path_;
  std::string text_;  // a string field's bytes (kExplain only)
  absl::Status status_;
};

absl::Status WireCheck::ExplainParseFailure(
    google::protobuf::io::ZeroCopyInputStream& input, int size) const {
  return Walk(*this, input, Walk::Mode::kExplain).Run(size);
}

absl::Status WireCheck::FindOutOfRangeEnum(
    google::protobuf::io::ZeroCopyInputStream& input, int size) const {
  return Walk(*this, input, Walk::Mode::kEnums).Run(size);
}

}  // namespace refund
