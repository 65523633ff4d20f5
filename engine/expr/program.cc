#include "engine/expr/program.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/base/absl_compat.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"

namespace refund::expr {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace {

// Money is {currency = 1, minor_units = 2}; Timestamp is {seconds = 1,
// nanos = 2}. The checker verified the layouts, so fields are taken by
// index, which costs no look-up.
int64_t MinorUnitsOf(const Message& money) {
  return money.GetReflection()->GetInt64(money,
                                         money.GetDescriptor()->field(1));
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Time TimeOf(const Message& timestamp) {
  const Reflection* r = timestamp.GetReflection();
  const google::protobuf::Descriptor* d = timestamp.GetDescriptor();
  return absl::FromUnixSeconds(r->GetInt64(timestamp, d->field(0))) +
         absl::Nanoseconds(r->GetInt32(timestamp, d->field(1)));
}

bool ReadUInt64(Frame& frame, const Node& node, uint64_t v, Value* out) {
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return frame.Fail(node, absl::StatusCode::kOutOfRange,
                      "unsigned value out of int range");
  }
  *out = Value::Int(static_cast<int64_t>(v));
  return true;
}

// Reads the last field of a path through its generated accessor; false when
// the accessor has no reader for this kind of read.
bool ReadFast(const FieldAccessor& a, FieldRead read, const Message& m,
              Value* out) {
  switch (read) {
    case FieldRead::kBool:
      if (a.integer == nullptr) return false;
      *out = Value::Bool(a.integer(m) != 0);
      return true;
    case FieldRead::kInt32:
    case FieldRead::kInt64:
    case FieldRead::kEnum:
    case FieldRead::kMoney:
      if (a.integer == nullptr) return false;
      *out = Value::Int(a.integer(m));
      return true;
    case FieldRead::kTimestamp:
      if (a.time == nullptr) return false;
      *out = Value::Time(a.time(m));
      return true;
    case FieldRead::kString:
      if (a.string == nullptr) return false;
      *out = Value::String(a.string(m));
      return true;
    case FieldRead::kMessage:
      if (a.message == nullptr) return false;
      *out = Value::Message(a.message(m));
      return true;
    default:
      return false;
  }
}

// The sub-message at path[0..last) of `m`.
const Message* WalkPath(const Frame& frame, const Node& node, const Message* m,
                        bool fast) {
  const size_t last = node.path.size() - 1;
  for (size_t i = 0; i < last; ++i) {
    const FieldAccessor* a = fast ? node.accessors[i] : nullptr;
    m = a != nullptr && a->message != nullptr
            ? a->message(*m)
            : &ReflectionAt(frame, node, i, *m)->GetMessage(*m, node.path[i]);
  }
  return m;
}

bool ReadPath(Frame& frame, const Node& node, const Message* m, Value* out) {
  const bool fast = frame.generated && !node.accessors.empty();
  m = WalkPath(frame, node, m, fast);
  const size_t last = node.path.size() - 1;
  if (fast && node.accessors[last] != nullptr) {
    const FieldAccessor& a = *node.accessors[last];
    if (node.read == FieldRead::kRepeated) {
      const bool readable = node.element_kind == ValueKind::kMessage
                                ? a.message_at != nullptr
                                : node.element_kind == ValueKind::kEnum &&
                                      a.integer_at != nullptr;
      if (readable && a.size != nullptr) {
        *out = Value::List(ListRef::Accessor(m, &a));
        return true;
      }
    } else if (ReadFast(a, node.read, *m, out)) {
      return true;
    }
  }
  const FieldDescriptor* field = node.path[last];
  const Reflection* r = ReflectionAt(frame, node, last, *m);
  const bool typed_leaf = frame.generated && node.generated_leaf;
  switch (node.read) {
    case FieldRead::kBool:
      *out = Value::Bool(r->GetBool(*m, field));
      return true;
    case FieldRead::kInt32:
      *out = Value::Int(r->GetInt32(*m, field));
      return true;
    case FieldRead::kInt64:
      *out = Value::Int(r->GetInt64(*m, field));
      return true;
    case FieldRead::kUInt32:
      *out = Value::Int(r->GetUInt32(*m, field));
      return true;
    case FieldRead::kUInt64:
      return ReadUInt64(frame, node, r->GetUInt64(*m, field), out);
    case FieldRead::kString: {
      std::string scratch;
      const std::string& s = r->GetStringReference(*m, field, &scratch);
      if (&s == &scratch) {
        // Only for exotic string representations (cords); a view of the
        // scratch copy would dangle.
        return frame.Fail(node, absl::StatusCode::kUnimplemented,
                          "string field representation not supported");
      }
      *out = Value::String(s);
      return true;
    }
    case FieldRead::kEnum:
      *out = Value::Int(r->GetEnumValue(*m, field));
      return true;
    case FieldRead::kMoney: {
      const Message& money = r->GetMessage(*m, field);
      *out = Value::Int(typed_leaf
                            ? static_cast<const v1::Money&>(money).minor_units()
                            : MinorUnitsOf(money));
      return true;
    }
    case FieldRead::kTimestamp: {
      const Message& t = r->GetMessage(*m, field);
      *out = Value::Time(
          typed_leaf
              ? TimeOf(static_cast<const google::protobuf::Timestamp&>(t))
              : TimeOf(t));
      return true;
    }
    case FieldRead::kMessage:
      *out = Value::Message(&r->GetMessage(*m, field));
      return true;
    case FieldRead::kRepeated:
      *out = Value::List(ListRef::Field(m, field, r));
      return true;
  }
  return false;
}

ABSL_ATTRIBUTE_NOINLINE bool EvalHas(Frame& frame, const Node& node,
                                     Value* out) {
  Value base;
  if (!Eval(*node.children[0], frame, &base)) return false;
  const bool fast = frame.generated && !node.accessors.empty();
  const Message* m = WalkPath(frame, node, base.m, fast);
  const size_t last = node.path.size() - 1;
  if (fast && node.accessors[last] != nullptr &&
      node.accessors[last]->has != nullptr) {
    *out = Value::Bool(node.accessors[last]->has(*m));
    return true;
  }
  const FieldDescriptor* field = node.path[last];
  const Reflection* r = ReflectionAt(frame, node, last, *m);
  *out = Value::Bool(field->is_repeated() ? r->FieldSize(*m, field) > 0
                                          : r->HasField(*m, field));
  return true;
}

// CEL's commutative logic: a deciding operand (false for &&, true for ||)
// wins over an error anywhere; otherwise the first error is the result.
// `operand(i)` is the i-th of `count` operands.
template <typename Operand>
bool EvalLogicOf(Frame& frame, size_t count, Operand operand, bool deciding,
                 Value* out) {
  absl::Status first_error;
  for (size_t i = 0; i < count; ++i) {
    Value v;
    if (!Eval(operand(i), frame, &v)) {
      if (frame.OutOfSteps()) return false;
      if (first_error.ok()) first_error = std::move(frame.error);
      frame.error = absl::OkStatus();
      continue;
    }
    if (v.b == deciding) {
      *out = Value::Bool(deciding);
      return true;
    }
  }
  if (!first_error.ok()) {
    frame.error = std::move(first_error);
    return false;
  }
  *out = Value::Bool(!deciding);
  return true;
}

ABSL_ATTRIBUTE_NOINLINE bool EvalLogic(Frame& frame, const Node& node,
                                       bool deciding, Value* out) {
  return EvalLogicOf(
      frame, node.children.size(),
      [&node](size_t i) -> const Node& { return *node.children[i]; }, deciding,
      out);
}

bool EvalCompare(Frame& frame, const Node& node, Value* out) {
  Value a;
  Value b;
  if (!Eval(*node.children[0], frame, &a)) return false;
  if (!Eval(*node.children[1], frame, &b)) return false;
  bool result = false;
  switch (node.op) {
    case Op::kEqual:
      result = ValuesEqual(a, b);
      break;
    case Op::kNotEqual:
      result = !ValuesEqual(a, b);
      break;
    case Op::kLess:
      result = CompareValues(a, b) < 0;
      break;
    case Op::kLessEqual:
      result = CompareValues(a, b) <= 0;
      break;
    case Op::kGreater:
      result = CompareValues(a, b) > 0;
      break;
    case Op::kGreaterEqual:
      result = CompareValues(a, b) >= 0;
      break;
    default:
      break;
  }
  *out = Value::Bool(result);
  return true;
}

bool Overflow(Frame& frame, const Node& node) {
  return frame.Fail(node, absl::StatusCode::kOutOfRange, "integer overflow");
}

bool EvalIntArithmetic(Frame& frame, const Node& node, int64_t a, int64_t b,
                       Value* out) {
  int64_t r = 0;
  switch (node.op) {
    case Op::kAdd:
      if (__builtin_add_overflow(a, b, &r)) return Overflow(frame, node);
      break;
    case Op::kSubtract:
      if (__builtin_sub_overflow(a, b, &r)) return Overflow(frame, node);
      break;
    case Op::kMultiply:
      if (__builtin_mul_overflow(a, b, &r)) return Overflow(frame, node);
      break;
    case Op::kDivide:
    case Op::kModulo:
      if (b == 0) {
        return frame.Fail(
            node, absl::StatusCode::kInvalidArgument,
            node.op == Op::kDivide ? "division by zero" : "modulo by zero");
      }
      if (b == -1 && a == std::numeric_limits<int64_t>::min()) {
        if (node.op == Op::kDivide) return Overflow(frame, node);
        r = 0;
        break;
      }
      r = node.op == Op::kDivide ? a / b : a % b;
      break;
    default:
      break;
  }
  *out = Value::Int(r);
  return true;
}

bool CheckTime(Frame& frame, const Node& node, absl::Time t, Value* out) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) {
    return frame.Fail(node, absl::StatusCode::kOutOfRange,
                      "timestamp out of range");
  }
  *out = Value::Time(t);
  return true;
}

bool CheckDuration(Frame& frame, const Node& node, absl::Duration d,
                   Value* out) {
  if (d == absl::InfiniteDuration() || d == -absl::InfiniteDuration()) {
    return frame.Fail(node, absl::StatusCode::kOutOfRange,
                      "duration out of range");
  }
  *out = Value::Duration(d);
  return true;
}

ABSL_ATTRIBUTE_NOINLINE bool EvalArithmetic(Frame& frame, const Node& node,
                                            Value* out) {
  Value a;
  Value b;
  if (!Eval(*node.children[0], frame, &a)) return false;
  if (!Eval(*node.children[1], frame, &b)) return false;
  const bool add = node.op == Op::kAdd;
  if (a.rep == Rep::kInt && b.rep == Rep::kInt) {
    return EvalIntArithmetic(frame, node, a.i, b.i, out);
  }
  if (a.rep == Rep::kTime && b.rep == Rep::kTime) {
    return CheckDuration(frame, node, a.t - b.t, out);
  }
  if (a.rep == Rep::kTime && b.rep == Rep::kDuration) {
    return CheckTime(frame, node, add ? a.t + b.d : a.t - b.d, out);
  }
  if (a.rep == Rep::kDuration && b.rep == Rep::kTime) {
    return CheckTime(frame, node, b.t + a.d, out);
  }
  if (a.rep == Rep::kDuration && b.rep == Rep::kDuration) {
    return CheckDuration(frame, node, add ? a.d + b.d : a.d - b.d, out);
  }
  return frame.Fail(node, absl::StatusCode::kInternal,
                    "operands of unexpected types");
}

int CodePoints(std::string_view s) {
  int n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

ABSL_ATTRIBUTE_NOINLINE bool EvalComprehension(Frame& frame, const Node& node,
                                               Value* out) {
  Value range;
  if (!Eval(*node.children[0], frame, &range)) return false;
  // exists: any true wins; all: any false wins; else the first error.
  const bool deciding = node.op == Op::kExists;
  const ValueKind element_kind = node.children[0]->element_kind;
  const int size = ListSize(range.list);
  absl::Status first_error;
  for (int i = 0; i < size; ++i) {
    if (!frame.Charge(node, node.iteration_steps)) return false;
    if (!ListElement(frame, range.list, i, element_kind,
                     &frame.vars[node.slot])) {
      return false;
    }
    Value v;
    if (!Eval(*node.children[1], frame, &v)) {
      if (frame.OutOfSteps()) return false;
      if (first_error.ok()) first_error = std::move(frame.error);
      frame.error = absl::OkStatus();
      continue;
    }
    if (v.b == deciding) {
      *out = Value::Bool(deciding);
      return true;
    }
  }
  if (!first_error.ok()) {
    frame.error = std::move(first_error);
    return false;
  }
  *out = Value::Bool(!deciding);
  return true;
}

}  // namespace

bool Frame::Fail(const Node& node, absl::StatusCode code,
                 std::string_view what) {
  if (program == nullptr) {
    // Constant folding at compile time: the caller reports the position.
    error = absl::Status(code, ToAbsl(what));
    return false;
  }
  const std::string_view text = std::string_view(program->text())
                                    .substr(node.begin, node.end - node.begin);
  error = absl::Status(code,
                       absl::StrCat(ToAbsl(what), " in `", ToAbsl(text), "`"));
  return false;
}

bool Frame::OverBudget(const Node& node) {
  return Fail(
      node, absl::StatusCode::kResourceExhausted,
      absl::StrCat("evaluation budget of ", step_budget, " steps exceeded"));
}

bool EvalConjunction(const Node* const* conjuncts, size_t count, Frame& frame,
                     Value* out) {
  return EvalLogicOf(
      frame, count,
      [conjuncts](size_t i) -> const Node& { return *conjuncts[i]; }, false,
      out);
}

int ListSize(const ListRef& list) {
  if (list.message == nullptr) {
    return static_cast<int>(list.literal->children.size());
  }
  if (list.field == nullptr) return list.accessor->size(*list.message);
  return list.reflection->FieldSize(*list.message, list.field);
}

bool ListElement(Frame& frame, const ListRef& list, int i,
                 ValueKind element_kind, Value* out) {
  if (list.message == nullptr) {
    return Eval(*list.literal->children[i], frame, out);
  }
  if (list.field == nullptr) {
    // Made only for message and enum elements (see ReadPath).
    if (element_kind == ValueKind::kMessage) {
      *out = Value::Message(list.accessor->message_at(*list.message, i));
    } else {
      *out = Value::Int(list.accessor->integer_at(*list.message, i));
    }
    return true;
  }
  const Message& m = *list.message;
  const FieldDescriptor* field = list.field;
  const Reflection* r = list.reflection;
  switch (element_kind) {
    case ValueKind::kBool:
      *out = Value::Bool(r->GetRepeatedBool(m, field, i));
      return true;
    case ValueKind::kInt:
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          *out = Value::Int(r->GetRepeatedInt32(m, field, i));
          return true;
        case FieldDescriptor::CPPTYPE_UINT32:
          *out = Value::Int(r->GetRepeatedUInt32(m, field, i));
          return true;
        case FieldDescriptor::CPPTYPE_UINT64: {
          const uint64_t v = r->GetRepeatedUInt64(m, field, i);
          if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            frame.error = absl::OutOfRangeError(absl::StrCat(
                "unsigned value out of int range in ", field->full_name()));
            return false;
          }
          *out = Value::Int(static_cast<int64_t>(v));
          return true;
        }
        default:
          *out = Value::Int(r->GetRepeatedInt64(m, field, i));
          return true;
      }
    case ValueKind::kString: {
      std::string scratch;
      const std::string& s =
          r->GetRepeatedStringReference(m, field, i, &scratch);
      if (&s == &scratch) {
        frame.error = absl::UnimplementedError(
            "string field representation not supported");
        return false;
      }
      *out = Value::String(s);
      return true;
    }
    case ValueKind::kEnum:
      *out = Value::Int(r->GetRepeatedEnumValue(m, field, i));
      return true;
    case ValueKind::kMoney: {
      const Message& money = r->GetRepeatedMessage(m, field, i);
      *out = Value::Int(frame.generated &&
                                field->message_type() == v1::Money::descriptor()
                            ? static_cast<const v1::Money&>(money).minor_units()
                            : MinorUnitsOf(money));
      return true;
    }
    case ValueKind::kTimestamp: {
      const Message& t = r->GetRepeatedMessage(m, field, i);
      *out = Value::Time(
          frame.generated && field->message_type() ==
                                 google::protobuf::Timestamp::descriptor()
              ? TimeOf(static_cast<const google::protobuf::Timestamp&>(t))
              : TimeOf(t));
      return true;
    }
    case ValueKind::kMessage:
      *out = Value::Message(&r->GetRepeatedMessage(m, field, i));
      return true;
    default:
      frame.error = absl::InternalError("list of lists");
      return false;
  }
}

namespace {

ABSL_ATTRIBUTE_NOINLINE bool EvalNegate(const Node& node, Frame& frame,
                                        Value* out) {
  Value v;
  if (!Eval(*node.children[0], frame, &v)) return false;
  if (v.rep == Rep::kDuration) return CheckDuration(frame, node, -v.d, out);
  if (v.i == std::numeric_limits<int64_t>::min()) return Overflow(frame, node);
  *out = Value::Int(-v.i);
  return true;
}

ABSL_ATTRIBUTE_NOINLINE bool EvalIn(const Node& node, Frame& frame,
                                    Value* out) {
  Value needle;
  Value list;
  if (!Eval(*node.children[0], frame, &needle)) return false;
  if (!Eval(*node.children[1], frame, &list)) return false;
  const ValueKind element_kind = node.children[1]->element_kind;
  const int size = ListSize(list.list);
  for (int i = 0; i < size; ++i) {
    if (!frame.Charge(node, node.iteration_steps)) return false;
    Value element;
    if (!ListElement(frame, list.list, i, element_kind, &element)) {
      return false;
    }
    if (ValuesEqual(needle, element)) {
      *out = Value::Bool(true);
      return true;
    }
  }
  *out = Value::Bool(false);
  return true;
}

ABSL_ATTRIBUTE_NOINLINE bool EvalSize(const Node& node, Frame& frame,
                                      Value* out) {
  Value v;
  if (!Eval(*node.children[0], frame, &v)) return false;
  *out = Value::Int(v.rep == Rep::kString ? CodePoints(v.s) : ListSize(v.list));
  return true;
}

ABSL_ATTRIBUTE_NOINLINE bool EvalCall(const Node& node, Frame& frame,
                                      Value* out) {
  Value args[kMaxHelperArgs];
  const size_t n = node.children.size();
  if (n == 0 && frame.root != nullptr) {
    for (int i = 0; i < frame.helper_result_count; ++i) {
      if (frame.helper_results[i].helper == node.helper) {
        *out = frame.helper_results[i].value;
        return true;
      }
    }
    if (!node.helper(frame, node, args, out)) return false;
    if (frame.helper_result_count < Frame::kMaxHelperResults) {
      frame.helper_results[frame.helper_result_count++] = {node.helper, *out};
    }
    return true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!Eval(*node.children[i], frame, &args[i])) return false;
  }
  return node.helper(frame, node, args, out);
}

}  // namespace

bool EvalNode(const Node& node, Frame& frame, Value* out) {
  switch (node.op) {
    case Op::kConstant:  // strings; the others are handled by Eval()
      if (node.kind == ValueKind::kString) {
        *out = Value::String(node.string_constant);
      } else {
        *out = node.constant;
      }
      return true;
    case Op::kRoot:
      *out = Value::Message(frame.root);
      return true;
    case Op::kVariable:
      *out = frame.vars[node.slot];
      return true;
    case Op::kSelect: {
      Value base;
      if (!Eval(*node.children[0], frame, &base)) return false;
      return ReadPath(frame, node, base.m, out);
    }
    case Op::kHas:
      return EvalHas(frame, node, out);
    case Op::kList:
      *out = Value::List(ListRef::Literal(&node));
      return true;
    case Op::kNot: {
      Value v;
      if (!Eval(*node.children[0], frame, &v)) return false;
      *out = Value::Bool(!v.b);
      return true;
    }
    case Op::kNegate:
      return EvalNegate(node, frame, out);
    case Op::kAnd:
      return EvalLogic(frame, node, false, out);
    case Op::kOr:
      return EvalLogic(frame, node, true, out);
    case Op::kTernary: {
      Value c;
      if (!Eval(*node.children[0], frame, &c)) return false;
      return Eval(*node.children[c.b ? 1 : 2], frame, out);
    }
    case Op::kEqual:
    case Op::kNotEqual:
    case Op::kLess:
    case Op::kLessEqual:
    case Op::kGreater:
    case Op::kGreaterEqual:
      return EvalCompare(frame, node, out);
    case Op::kIn:
      return EvalIn(node, frame, out);
    case Op::kAdd:
    case Op::kSubtract:
    case Op::kMultiply:
    case Op::kDivide:
    case Op::kModulo:
      return EvalArithmetic(frame, node, out);
    case Op::kSize:
      return EvalSize(node, frame, out);
    case Op::kExists:
    case Op::kAll:
      return EvalComprehension(frame, node, out);
    case Op::kCall:
      return EvalCall(node, frame, out);
  }
  return frame.Fail(node, absl::StatusCode::kInternal, "unknown opcode");
}

Program::Program(std::string text, std::unique_ptr<const Node> root,
                 std::shared_ptr<const CalendarConfig> calendar,
                 std::shared_ptr<const CompiledCalendar> compiled_calendar,
                 const google::protobuf::Descriptor* root_type, bool reads_root)
    : text_(std::move(text)),
      root_(std::move(root)),
      calendar_(calendar != nullptr ? std::move(calendar) : DefaultCalendar()),
      compiled_calendar_(
          compiled_calendar != nullptr
              ? std::move(compiled_calendar)
              : std::make_shared<const CompiledCalendar>(*calendar_)),
      root_type_(root_type),
      reads_root_(reads_root) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          root_type_);
  if (prototype != nullptr) generated_type_ = &typeid(*prototype);
  root_is_request_ = root_type_ == v1::RefundRequest::descriptor();
}

absl::Status Program::InitFrame(const Message* root, Frame* frame) const {
  frame->program = this;
  if (root == nullptr) {
    if (reads_root_) {
      return absl::FailedPreconditionError(
          absl::StrCat("expression reads the ", root_type_->full_name(),
                       " message but none was given: ", text_));
    }
    return absl::OkStatus();
  }
  frame->root = root;
  if (generated_type_ != nullptr && typeid(*root) == *generated_type_) {
    frame->generated = true;
    if (root_is_request_) {
      frame->request = static_cast<const v1::RefundRequest*>(root);
    }
    return absl::OkStatus();
  }
  // Another class: a dynamic message of the root type (helpers that need the
  // generated request then refuse) or a mistake.
  if (root->GetDescriptor() != root_type_) {
    frame->root = nullptr;
    return absl::InvalidArgumentError(absl::StrCat(
        "expression compiled for ", root_type_->full_name(),
        " evaluated against ", root->GetDescriptor()->full_name()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Value> Program::Evaluate(const Message* root) const {
  return EvaluateNode(*root_, root);
}

absl::StatusOr<Value> Program::EvaluateNode(const Node& node,
                                            const Message* root) const {
  Frame frame;
  if (absl::Status status = InitFrame(root, &frame); !status.ok()) {
    return status;
  }
  Value out;
  if (!Eval(node, frame, &out)) return std::move(frame.error);
  return out;
}

namespace {

std::string FormatScalar(const CalendarConfig& calendar, ValueKind kind,
                         const google::protobuf::EnumDescriptor* enum_type,
                         const Value& v) {
  switch (kind) {
    case ValueKind::kBool:
      return v.b ? "true" : "false";
    case ValueKind::kInt:
      return absl::StrCat(v.i);
    case ValueKind::kString:
      return absl::StrCat("\"", absl::Utf8SafeCEscape(ToAbsl(v.s)), "\"");
    case ValueKind::kEnum: {
      if (enum_type != nullptr && v.i >= std::numeric_limits<int>::min() &&
          v.i <= std::numeric_limits<int>::max()) {
        const auto* value = enum_type->FindValueByNumber(static_cast<int>(v.i));
        if (value != nullptr) return value->name();
      }
      return absl::StrCat(v.i);
    }
    case ValueKind::kMoney:
      return FormatMoney(v.i);
    case ValueKind::kTimestamp:
      return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*S%Ez", v.t, calendar.zone);
    case ValueKind::kDuration:
      return absl::FormatDuration(v.d);
    case ValueKind::kMessage: {
      // One line, UTF-8 text as it is (ShortDebugString escapes every
      // non-ASCII byte: Chinese text would print as octal escapes).
      google::protobuf::TextFormat::Printer printer;
      printer.SetSingleLineMode(true);
      printer.SetUseUtf8StringEscaping(true);
      std::string text;
      printer.PrintToString(*v.m, &text);
      if (!text.empty() && text.back() == ' ') text.pop_back();
      constexpr size_t kMaxShown = 80;
      if (text.size() > kMaxShown) {
        // Cut at a UTF-8 boundary.
        size_t cut = kMaxShown;
        while (cut > 0 &&
               (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
          --cut;
        }
        text = absl::StrCat(text.substr(0, cut), "...");
      }
      return absl::StrCat(v.m->GetDescriptor()->full_name(), "{", text, "}");
    }
    case ValueKind::kList:
      return "[...]";
  }
  return "?";
}

}  // namespace

std::vector<Program::Step> Program::Trace(const Message* root) const {
  std::vector<Step> steps;
  Frame frame;
  if (absl::Status status = InitFrame(root, &frame); !status.ok()) {
    steps.push_back({0, 0, static_cast<int>(text_.size()),
                     absl::StrCat("error: ", status.message())});
    return steps;
  }
  struct Walker {
    const Program& program;
    Frame& frame;
    std::vector<Step>& steps;

    std::string Format(const Node& node, const Value& v) {
      if (node.kind != ValueKind::kList) {
        return FormatScalar(program.calendar(), node.kind, node.enum_type, v);
      }
      constexpr int kMaxShown = 10;
      const int size = ListSize(v.list);
      std::string out = "[";
      for (int i = 0; i < size && i < kMaxShown; ++i) {
        Value element;
        if (i > 0) out += ", ";
        if (!ListElement(frame, v.list, i, node.element_kind, &element)) {
          frame.error = absl::OkStatus();
          out += "error";
          continue;
        }
        out += FormatScalar(program.calendar(), node.element_kind,
                            node.enum_type, element);
      }
      if (size > kMaxShown)
        absl::StrAppend(&out, ", ... (", size, " elements)");
      out += "]";
      return out;
    }

    void Walk(const Node& node, int depth) {
      const size_t index = steps.size();
      steps.push_back({depth, node.begin, node.end, ""});
      // Each node is evaluated on its own, with a budget of its own.
      frame.ResetSteps(frame.step_budget);
      Value v;
      if (Eval(node, frame, &v)) {
        steps[index].value = Format(node, v);
      } else {
        steps[index].value = absl::StrCat("error: ", frame.error.message());
        frame.error = absl::OkStatus();
      }
      for (size_t i = 0; i < node.children.size(); ++i) {
        const Node& child = *node.children[i];
        // A predicate depends on its bound variable; the root message alone
        // says nothing.
        if ((node.op == Op::kExists || node.op == Op::kAll) && i == 1) continue;
        if (child.op == Op::kRoot) continue;
        Walk(child, depth + 1);
      }
    }
  };
  Walker{*this, frame, steps}.Walk(*root_, 0);
  return steps;
}

}  // namespace refund::expr
