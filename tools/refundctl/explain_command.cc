#include "tools/refundctl/explain_command.h"

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "tools/refundctl/decide_command.h"
#include "tools/refundctl/request_input.h"

namespace refund {

int RunExplainCommand(const Args& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::RefundRequest> request = ReadRefundRequest(args);
  if (!request.ok()) {
    err << request.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<const CompiledBundle> bundle =
      DecideInProcess(*request, args, out, err);
  if (bundle == nullptr) return 1;
  out << "\n";
  out << "rules, in evaluation order (priority, then id):\n";
  for (const RuleTrace& trace : bundle->Explain(*request)) {
    out << "  [" << trace.priority << "] " << trace.rule_id << ": "
        << trace.outcome << "\n";
    if (trace.outcome == "true") continue;
    for (const RuleTrace::Step& step : trace.steps) {
      out << "      " << std::string(2 * step.depth, ' ') << step.text
          << "  =>  " << step.value << "\n";
    }
  }
  return 0;
}

}  // namespace refund
