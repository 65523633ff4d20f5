// How the rule index reads its key fields from a request: one pass that
// walks each sub-message once and reads every key field from it, instead of
// walking each field's path from the root (`request.flags.urgent`,
// `request.flags.force_majeure`, ... would each walk `flags`).
//
// Built from the key fields' read nodes (kSelect of a scalar enum, string or
// bool field, or kHas, at any depth of the root; rule_index.h). Each
// sub-message on the way is one step reading it from its parent's slot
// through its generated accessor (fast_fields.h); each field is one leaf
// reading it from its message's slot. A field without generated accessors
// all the way, and every field of a root that is not an instance of the
// generated class, is read by evaluating its node instead, as the evaluator
// would: the plan is an optimisation that can never change a value.
//
// Immutable after Build; Read is const and thread-safe. The nodes must
// outlive the plan.
#ifndef ENGINE_INDEX_KEY_READ_PLAN_H_
#define ENGINE_INDEX_KEY_READ_PLAN_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/expr/program.h"

namespace refund {

class KeyReadPlan {
 public:
  // A plan that reads nothing.
  KeyReadPlan() = default;

  // Plans reading `reads` (kSelect/kHas nodes whose child is the root);
  // field i of Read's output is reads[i].
  static KeyReadPlan Build(const std::vector<const expr::Node*>& reads);

  // Reads every field on `frame`'s root (the frame must be initialised for
  // it, Program::InitFrame). Field i: a string field into
  // texts[text_index(i)] (a view into the request; texts are numbered apart
  // so that a caller with many flags and few strings sizes two arrays
  // field_count() and text_count() without constructing a view per field),
  // the others into numbers[i] (enums as their number, bools and has() as
  // 0/1; numbers[i] of a string field is left alone). False only if
  // evaluating a node failed (key fields cannot fail; the caller then treats
  // every rule as a candidate), with frame.error cleared.
  bool Read(expr::Frame& frame, int64_t* numbers,
            std::string_view* texts) const;

  int field_count() const { return static_cast<int>(reads_.size()); }
  // String fields, and the rank of field i among them (-1: not a string).
  int text_count() const { return text_count_; }
  int text_index(int i) const { return text_index_[i]; }
  // Sub-messages read per request (each once).
  int message_step_count() const { return static_cast<int>(steps_.size()); }
  // Fields read by evaluating their node even for generated requests.
  int evaluated_field_count() const;

 private:
  using MessageFn =
      const google::protobuf::Message* (*)(const google::protobuf::Message&);
  // slots[i + 1] = read(*slots[from]); slot 0 is the root.
  struct MessageStep {
    int from = 0;
    MessageFn read = nullptr;
  };
  enum class LeafKind : uint8_t {
    kHas,       // has() of a singular field
    kNonEmpty,  // has() of a repeated field: not empty
    kBool,
    kInteger,
    kString,
    kEvaluate,
  };
  struct Leaf {
    LeafKind kind = LeafKind::kEvaluate;
    int slot = 0;
    const expr::FieldAccessor* accessor = nullptr;
    int field = 0;  // index into reads_
    int out = 0;    // index into numbers, or texts for kString
  };

  // Evaluates reads_[i] into numbers[i] / texts[text_index(i)].
  bool Evaluate(expr::Frame& frame, int i, int64_t* numbers,
                std::string_view* texts) const;

  std::vector<const expr::Node*> reads_;
  std::vector<int> text_index_;  // by field
  int text_count_ = 0;
  std::vector<MessageStep> steps_;
  // Grouped by kind, in LeafKind order (each group in field order), so that
  // Read runs one loop per kind rather than a switch per field; the group
  // of kind k is leaves_[kind_begin_[k], kind_begin_[k + 1]).
  std::vector<Leaf> leaves_;
  int kind_begin_[static_cast<int>(LeafKind::kEvaluate) + 2] = {};
};

}  // namespace refund

#endif  // ENGINE_INDEX_KEY_READ_PLAN_H_
