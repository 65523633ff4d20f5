#include "tools/refundctl/explain_command.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "server/bundles/bundle_cache.h"
#include "server/log/open/open_decision_log.h"
#include "tools/refundctl/decide_command.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/log_key_flag.h"
#include "tools/refundctl/request_input.h"

namespace refund {
namespace {

// Every rule, matched or not, with its sub-expressions.
void PrintRuleTraces(const CompiledBundle& bundle,
                     const v1::RefundRequest& request, std::ostream& out) {
  out << "\n";
  out << "rules, in evaluation order (priority, then id):\n";
  for (const RuleTrace& trace : bundle.Explain(request)) {
    out << "  [" << trace.priority << "] " << trace.rule_id << ": "
        << trace.outcome << "\n";
    for (const RuleTrace::Step& step : trace.steps) {
      out << "      " << std::string(2 * step.depth, ' ') << step.text
          << "  =>  " << step.value << "\n";
    }
  }
}

// --decision_id: the stored decision, its request and its bundle, from the
// log --log or --db names.
int ExplainStored(const Args& args, const std::string& decision_id,
                  std::ostream& out, std::ostream& err) {
  std::string spec;
  if (!GetLogSpec(args, "explain", &spec, err)) return 2;
  if (spec.empty()) {
    err << "explain: --decision_id needs --log=SPEC (or --db=FILE): the "
           "stored request is read from the log (no RPC returns it)\n";
    return 2;
  }
  std::shared_ptr<const server::LogKeyring> keyring;
  if (!ReadLogKeyFlag(args, "explain", &keyring, err)) return 1;
  server::OpenLogOptions options;
  options.read_only = true;
  options.keyring = std::move(keyring);
  absl::StatusOr<std::unique_ptr<server::DecisionLog>> log =
      server::OpenDecisionLog(spec, options);
  if (!log.ok()) {
    err << "explain: " << log.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<server::StoredDecision> stored =
      (*log)->GetDecision(decision_id);
  if (!stored.ok()) {
    err << "explain: " << decision_id << ": " << stored.status().message()
        << "\n";
    return 1;
  }
  v1::RefundRequest request;
  if (!request.ParseFromString(stored->request_bytes)) {
    err << "explain: " << decision_id
        << ": the stored request does not parse\n";
    return 1;
  }
  server::BundleCache bundles(**log);
  absl::StatusOr<std::shared_ptr<const CompiledBundle>> bundle =
      bundles.Get(stored->bundle_version);
  if (!bundle.ok()) {
    err << "explain: bundle " << stored->bundle_version << ": "
        << bundle.status().message() << "\n";
    return 1;
  }
  out << ToJson(stored->decision);
  PrintRuleTraces(**bundle, request, out);
  return 0;
}

}  // namespace

int RunExplainCommand(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string decision_id = Flag(args, "decision_id", "");
  if (!decision_id.empty()) {
    if (!args.positional.empty() || !Flag(args, "policies", "").empty()) {
      err << "explain: --decision_id explains a stored decision under its "
             "own bundle: give no request and no --policies\n";
      return 2;
    }
    return ExplainStored(args, decision_id, out, err);
  }
  if (!Flag(args, "log", "").empty() || !Flag(args, "db", "").empty()) {
    err << "explain: --log and --db go with --decision_id\n";
    return 2;
  }
  absl::StatusOr<v1::RefundRequest> request = ReadRefundRequest(args);
  if (!request.ok()) {
    err << request.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<const CompiledBundle> bundle =
      DecideInProcess(*request, args, out, err);
  if (bundle == nullptr) return 1;
  PrintRuleTraces(*bundle, *request, out);
  return 0;
}

}  // namespace refund
