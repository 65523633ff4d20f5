#include "server/audit/verify_report_proto.h"

namespace refund::server {

v1::VerifyDecisionLogResponse ToProto(const VerifyReport& report) {
  v1::VerifyDecisionLogResponse out;
  out.set_ok(report.ok);
  out.set_rows_checked(report.rows_checked);
  out.set_bundles_checked(report.bundles_checked);
  for (const LogProblem& problem : report.problems) {
    v1::LogProblem* added = out.add_problems();
    added->set_seq(problem.seq);
    added->set_decision_id(problem.decision_id);
    added->set_kind(problem.kind);
    added->set_message(problem.message);
  }
  out.set_problem_count(report.problem_count);
  out.set_last_seq(report.last_seq);
  out.set_last_row_hash(report.last_row_hash);
  out.set_has_chain_head(report.has_chain_head);
  for (const AnchorResult& anchor : report.anchors) {
    v1::CheckpointResult* result = out.add_checkpoints();
    result->set_seq(anchor.seq);
    result->set_holds(anchor.holds);
  }
  return out;
}

}  // namespace refund::server
