// Scripts (话术) with `{{name}}` placeholders, parsed when the bundle loads so
// that a placeholder the case cannot fill is a load error, never a blank in
// front of a buyer.
#ifndef ENGINE_DECIDE_SCRIPT_TEMPLATE_H_
#define ENGINE_DECIDE_SCRIPT_TEMPLATE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "refund/v1/refund.pb.h"

namespace refund {

// The values a script can name.
enum class ScriptValue {
  kOrderId,          // {{order_id}}  (a placeholder text when not given)
  kRefundId,         // {{refund_id}}
  kShopId,           // {{shop_id}}
  kRequestedAmount,  // {{requested_amount}}  "¥12.50"
  kRefundAmount,     // {{refund_amount}}     "¥12.50"
  kRespondBy,        // {{respond_by}}        local "2026-05-01 10:00"
  kMissingEvidence,  // {{missing_evidence}}  evidence kinds in the locale
};

// The case's values, computed once per decision.
struct ScriptContext {
  const v1::RefundRequest* request = nullptr;
  int64_t refund_amount = 0;
  absl::Time respond_by;
  absl::TimeZone zone;
  std::string locale;
  std::vector<v1::EvidenceKind> missing_evidence;

  // Optional, for a caller rendering several scripts of one case: the texts
  // of {{respond_by}} and {{missing_evidence}} formatted once (with
  // FormatScriptValue); when null they are formatted at each use.
  const std::string* respond_by_text = nullptr;
  const std::string* missing_evidence_text = nullptr;
};

// The text of {{respond_by}} or {{missing_evidence}} for `context` (ignoring
// the preformatted texts).
std::string FormatScriptValue(ScriptValue value, const ScriptContext& context);

// "¥12.50" from 1250 minor units; negative amounts get a leading '-'.
std::string FormatYuan(int64_t minor_units);
// FormatYuan appended to `out`.
void AppendYuan(int64_t minor_units, std::string* out);

// Local "YYYY-MM-DD HH:MM" of `t` in `zone`.
std::string FormatLocalTime(absl::Time t, absl::TimeZone zone);

// The display name of an evidence kind in `locale` ("zh-CN" or "en").
std::string EvidenceKindName(v1::EvidenceKind kind, absl::string_view locale);

class ScriptTemplate {
 public:
  struct Issue {
    int offset = 0;  // byte offset in the template text
    std::string message;
  };

  // Parses `text`; unknown placeholder names and unclosed `{{` are issues.
  // Returns false when there were issues (appended to `issues`).
  static bool Parse(absl::string_view text, ScriptTemplate* out,
                    std::vector<Issue>* issues);

  std::string Render(const ScriptContext& context) const;
  // Render into `out` (replaced).
  void RenderTo(const ScriptContext& context, std::string* out) const;

  // Whether the script names `value`.
  bool Uses(ScriptValue value) const {
    return (uses_ & (1u << static_cast<int>(value))) != 0;
  }

 private:
  struct Piece {
    bool is_value = false;
    std::string literal;
    ScriptValue value = ScriptValue::kOrderId;
  };
  std::vector<Piece> pieces_;
  uint32_t uses_ = 0;  // bit i: names ScriptValue i
};

// Phrases that promise something for a review (好评返现): a script that
// contains one is refused by the loader and reported by lint. Returns the
// phrase found, or an empty view.
absl::string_view FindReviewInducement(absl::string_view script);

}  // namespace refund

#endif  // ENGINE_DECIDE_SCRIPT_TEMPLATE_H_
