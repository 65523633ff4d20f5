// The compiled form of an expression and its evaluator.
//
// Compiled form: a tree of `Node`s owned by a `Program`. Every name has been
// resolved by the checker and compiler: a field path such as
// `request.order.delivered_at` is one kSelect node holding the chain of
// FieldDescriptors, how to read the last one (int32, enum, Money ->
// minor_units, Timestamp -> absl::Time, ...), and, for generated messages,
// the cached Reflection of each step and a generated accessor function where
// one exists (fast_fields.h; ~10x cheaper than Reflection in protobuf 3.21);
// enum values, named constants and constant sub-expressions (`yuan(5)`,
// `days(7)`, `1 + 2`) are folded into kConstant nodes; helpers are plain
// function pointers; `&&`/`||` chains are flattened into one n-ary node.
// Evaluation is a recursive switch over the node's opcode (leaves inlined
// into their parent) producing a `Value`: a 32-byte tagged union of int64 /
// bool / string_view / absl::Time / absl::Duration / const Message* / list
// reference — no name look-ups, no maps, no heap allocation and no string
// copies on the success path. Comprehension variables (`x` in
// `list.exists(x, ...)`) live in a fixed array of slots in the `Frame` on the
// stack. Calendar helpers use local-day numbers computed by integer
// arithmetic for zones without DST (CompiledCalendar). An evaluation error
// (overflow, division by zero, an unset time a helper needs) is returned as
// a status whose message quotes the failing sub-expression's text; `&&`,
// `||`, exists() and all() absorb errors the way CEL does (`false && error`
// is false).
#ifndef ENGINE_EXPR_PROGRAM_H_
#define ENGINE_EXPR_PROGRAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/expr/calendar.h"
#include "engine/expr/fast_fields.h"
#include "engine/expr/types.h"
#include "engine/expr/value.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "refund/v1/refund.pb.h"

namespace refund::expr {

// Nesting limit of exists()/all(); each level uses one variable slot.
inline constexpr int kMaxComprehensionNesting = 8;
// Most arguments a helper takes.
inline constexpr int kMaxHelperArgs = 2;
// The steps one evaluation may take unless its caller sets another budget
// (Frame::ResetSteps): the loader refuses an expression whose estimate
// exceeds the same number (cost_estimate.h, kDefaultMaxExpressionCost), so
// a loaded expression evaluated on a valid request stays within it.
inline constexpr int64_t kDefaultStepBudget = 50'000'000;

enum class Op : uint8_t {
  kConstant,  // `constant` (strings: `string_constant`)
  kRoot,      // the root message
  kVariable,  // comprehension variable `slot`
  kSelect,    // children[0] (a message), then `path`; last field per `read`
  kHas,       // children[0] (a message), then `path`; presence of the last
  kList,      // list literal; children are the elements
  kNot,
  kNegate,
  kAnd,  // n-ary
  kOr,   // n-ary
  kTernary,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kIn,  // children[0] in children[1]
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kSize,    // of a list or a string (code points)
  kExists,  // children[0] the list, children[1] the predicate over `slot`
  kAll,
  kCall,  // `helper` applied to the children
};

// How a kSelect node reads the last field of its path.
enum class FieldRead : uint8_t {
  kBool,
  kInt32,
  kInt64,
  kUInt32,
  kUInt64,
  kString,
  kEnum,
  kMoney,      // Money message -> minor_units
  kTimestamp,  // Timestamp message -> absl::Time
  kMessage,
  kRepeated,  // -> ListRef
};

struct Frame;
struct Node;

// A helper: reads `args` (already evaluated, as many as the call has) and
// writes `out`; on failure calls frame.Fail(call, ...) and returns false.
using HelperFn = bool (*)(Frame& frame, const Node& call, const Value* args,
                          Value* out);

struct Node {
  Op op = Op::kConstant;
  ValueKind kind = ValueKind::kBool;  // static type of the result
  // kEnum results (and list-of-enum elements): for printing values.
  const google::protobuf::EnumDescriptor* enum_type = nullptr;
  ValueKind element_kind = ValueKind::kInt;  // kList results
  int begin = 0;  // [begin, end) span in the expression text
  int end = 0;
  Value constant;
  std::string string_constant;
  std::vector<const google::protobuf::FieldDescriptor*> path;
  // The reflection of the message holding each field of `path`, resolved at
  // compile time for generated messages (empty when the types are not
  // generated ones): Message::GetReflection() is not free in protobuf 3.21.
  std::vector<const google::protobuf::Reflection*> reflections;
  // Generated accessors for the fields of `path` (see fast_fields.h), used
  // instead of the reflections where not null; empty with `reflections`.
  std::vector<const FieldAccessor*> accessors;
  // kMoney/kTimestamp reads of the generated refund.v1.Money /
  // google.protobuf.Timestamp: read through the generated class.
  bool generated_leaf = false;
  FieldRead read = FieldRead::kBool;
  int slot = 0;
  // kExists/kAll: the steps charged per iteration; kIn: per element compared
  // (cost_estimate.h, SetIterationSteps). What the iteration does besides
  // the loops nested in it, which charge their own.
  int64_t iteration_steps = 1;
  HelperFn helper = nullptr;
  std::vector<std::unique_ptr<Node>> children;
};

class Program;

// Per-evaluation state, on the caller's stack.
struct Frame {
  const Program* program = nullptr;
  const google::protobuf::Message* root = nullptr;  // null for constants
  // The root as the generated class, for helpers; null when the root is of
  // another type or a dynamic message.
  const v1::RefundRequest* request = nullptr;
  // The root is an instance of the generated class of the root type, so the
  // reflections cached in the nodes apply.
  bool generated = false;
  Value vars[kMaxComprehensionNesting];
  absl::Status error;  // set when an evaluation step returns false

  // The step budget (see cost_estimate.h for what a step is): only the work
  // that grows with the request's lists is counted, where it happens (each
  // iteration of exists()/all(), each element `in` compares, the loops of
  // helpers). Going over it is an evaluation error that &&, || and
  // exists()/all() do not absorb: the whole evaluation fails.
  int64_t step_budget = kDefaultStepBudget;
  int64_t steps_left = kDefaultStepBudget;
  // A new budget for the next evaluation in this frame.
  void ResetSteps(int64_t budget) {
    step_budget = budget;
    steps_left = budget;
  }
  // Takes `steps` from the budget; false (error set, at `node`) when that
  // goes over it.
  bool Charge(const Node& node, int64_t steps) {
    steps_left -= steps;
    return steps_left >= 0 || OverBudget(node);
  }
  // The budget is spent: the error in `error` must not be absorbed.
  bool OutOfSteps() const { return steps_left < 0; }

  // Successful results of helpers called without arguments (is_delivered(),
  // has_unexpected_items(), ...): they depend on the root alone, and a
  // decision evaluates many rules in one frame, several calling the same
  // helper. Failures are not kept (their message names the failing call).
  struct HelperResult {
    HelperFn helper = nullptr;
    Value value;
  };
  // At least the number of argument-less helpers (functions.cc), so each
  // runs at most once per frame: the cost estimate counts their loops once
  // (cost_estimate.h). cost_estimate_test holds the two together.
  static constexpr int kMaxHelperResults = 16;
  HelperResult helper_results[kMaxHelperResults];
  int helper_result_count = 0;

  // Records an evaluation error at `node` ("<what> in `<node text>`"; just
  // "<what>" without a program, when folding constants) and returns false.
  bool Fail(const Node& node, absl::StatusCode code, std::string_view what);

 private:
  bool OverBudget(const Node& node);
};

// Evaluates `node`; on failure returns false with frame.error set.
bool EvalNode(const Node& node, Frame& frame, Value* out);

// EvalNode with the leaves (constants, the root, variables) inlined into the
// caller: most operands are leaves.
inline bool Eval(const Node& node, Frame& frame, Value* out) {
  switch (node.op) {
    case Op::kConstant:
      if (node.kind == ValueKind::kString) break;
      *out = node.constant;
      return true;
    case Op::kRoot:
      *out = Value::Message(frame.root);
      return true;
    case Op::kVariable:
      *out = frame.vars[node.slot];
      return true;
    default:
      break;
  }
  return EvalNode(node, frame, out);
}

// `conjuncts[0] && ... && conjuncts[count - 1]` as an n-ary kAnd node of
// them evaluates it (`false && error` is false; otherwise the first error).
// For a rule's condition less the conjuncts the rule index already checked.
bool EvalConjunction(const Node* const* conjuncts, size_t count, Frame& frame,
                     Value* out);

// The number of elements of a list value.
int ListSize(const ListRef& list);
// The reflection to read the fields of `m`, held at `path` index `i` of
// `node`: cached when the frame's messages are generated ones.
inline const google::protobuf::Reflection* ReflectionAt(
    const Frame& frame, const Node& node, size_t i,
    const google::protobuf::Message& m) {
  return frame.generated && !node.reflections.empty() ? node.reflections[i]
                                                      : m.GetReflection();
}
// Element `i` of a list whose elements are of `element_kind`.
bool ListElement(Frame& frame, const ListRef& list, int i,
                 ValueKind element_kind, Value* out);

// A compiled expression: immutable, thread-safe.
class Program {
 public:
  // `compiled_calendar` must be of `calendar` (shared by the programs of a
  // bundle: preparing one walks the zone's transitions); null: made here.
  Program(std::string text, std::unique_ptr<const Node> root,
          std::shared_ptr<const CalendarConfig> calendar,
          std::shared_ptr<const CompiledCalendar> compiled_calendar,
          const google::protobuf::Descriptor* root_type, bool reads_root);

  const std::string& text() const { return text_; }
  const Node& root() const { return *root_; }
  const CalendarConfig& calendar() const { return *calendar_; }
  const CompiledCalendar& compiled_calendar() const {
    return *compiled_calendar_;
  }
  const google::protobuf::Descriptor* root_type() const { return root_type_; }
  bool reads_root() const { return reads_root_; }

  // Evaluates against `root` (null only when !reads_root()).
  // INVALID_ARGUMENT when `root` is of another type than root_type();
  // otherwise the evaluation error, if any.
  absl::StatusOr<Value> Evaluate(const google::protobuf::Message* root) const;

  // Evaluates one sub-tree (for traces and constant folding).
  absl::StatusOr<Value> EvaluateNode(
      const Node& node, const google::protobuf::Message* root) const;

  // A value for people: "true", "42", "\"text\"", "REASON_NO_REASON",
  // "¥12.50", "2026-05-01T10:00:00+08:00" (in the bundle zone), "72h",
  // "[1, 2]", "refund.v1.Order{...}". `node` gives the static type.
  std::string Format(const Node& node, const Value& value) const;

  struct Step {
    int depth = 0;
    int begin = 0;
    int end = 0;
    std::string value;
  };
  // Every node's value, depth-first pre-order. Each node is evaluated on its
  // own, so an operand skipped by short-circuiting still shows its value;
  // the predicates of exists()/all() (which depend on the bound variable)
  // are not listed.
  std::vector<Step> Trace(const google::protobuf::Message* root) const;

  // Prepares `frame` for evaluating against `root` (null only when
  // !reads_root()); the errors of Evaluate().
  absl::Status InitFrame(const google::protobuf::Message* root,
                         Frame* frame) const;

 private:
  std::string text_;
  std::unique_ptr<const Node> root_;
  std::shared_ptr<const CalendarConfig> calendar_;
  std::shared_ptr<const CompiledCalendar> compiled_calendar_;
  const google::protobuf::Descriptor* root_type_;
  bool reads_root_;
  // typeid of the generated class of root_type_, or null: recognising a
  // generated root costs a vtable read instead of two GetMetadata() calls.
  const std::type_info* generated_type_ = nullptr;
  bool root_is_request_ = false;
};

}  // namespace refund::expr

#endif  // ENGINE_EXPR_PROGRAM_H_
