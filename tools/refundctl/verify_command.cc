#include "tools/refundctl/verify_command.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/audit/verify_report_proto.h"
#include "server/log/log_verifier.h"
#include "server/log/open/open_decision_log.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/log_key_flag.h"
#include "tools/refundctl/server_client.h"

namespace refund {
namespace {

// Offline: a snapshot of the log the spec names (a file), verified here.
absl::StatusOr<v1::VerifyDecisionLogResponse> VerifyOffline(
    const std::string& db, int max_problems,
    std::shared_ptr<const server::LogKeyring> keyring) {
  absl::StatusOr<std::unique_ptr<server::LogSnapshot>> snapshot =
      server::OpenLogSnapshot(db, std::move(keyring));
  if (!snapshot.ok()) return snapshot.status();
  absl::StatusOr<server::VerifyReport> report =
      server::VerifyLog(**snapshot, max_problems);
  if (!report.ok()) return report.status();
  return server::ToProto(*report);
}

absl::StatusOr<v1::VerifyDecisionLogResponse> VerifyOnServer(const Args& args,
                                                             int max_problems) {
  absl::StatusOr<ServerStub> connected = ConnectToServer(args);
  if (!connected.ok()) return connected.status();
  grpc::ClientContext context;
  connected->connection.PrepareCall(&context);
  v1::VerifyDecisionLogRequest request;
  request.set_max_problems(max_problems);
  v1::VerifyDecisionLogResponse response;
  grpc::Status status =
      connected->stub->VerifyDecisionLog(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        DescribeRpcError("VerifyDecisionLog", status));
  }
  return response;
}

std::string Place(const v1::LogProblem& problem) {
  if (problem.seq() == 0) return "the log";
  std::string place = absl::StrCat("seq ", problem.seq());
  if (!problem.decision_id().empty()) {
    absl::StrAppend(&place, " (decision ", problem.decision_id(), ")");
  }
  return place;
}

}  // namespace

void PrintVerifyReport(const v1::VerifyDecisionLogResponse& report,
                       std::ostream& out) {
  if (report.ok()) {
    out << "OK: " << report.rows_checked() << " decisions, "
        << report.bundles_checked() << " bundles, hash chain intact\n";
  } else {
    out << "BROKEN: " << report.problem_count() << " problems in "
        << report.rows_checked() << " decisions (" << report.bundles_checked()
        << " bundles)\n";
    for (int i = 0; i < report.problems_size(); ++i) {
      const v1::LogProblem& problem = report.problems(i);
      out << (i == 0 ? "first broken link: " : "also: ") << Place(problem)
          << ": " << problem.kind() << ": " << problem.message() << "\n";
    }
    if (report.problem_count() > report.problems_size()) {
      out << "... " << report.problem_count() - report.problems_size()
          << " more\n";
    }
  }
  out << "last row: seq " << report.last_seq() << " row_hash "
      << (report.last_row_hash().empty() ? "-" : report.last_row_hash())
      << (report.has_chain_head() ? " (chain head checked)"
                                  : " (no chain head: a deletion of the last "
                                    "rows is not detectable)")
      << "\n";
}

int RunVerifyCommand(const Args& args, std::ostream& out, std::ostream& err) {
  LogSource source;
  if (!GetLogSource(args, "verify", &source, err)) return 2;
  const std::string format = Flag(args, "format", "text");
  if (format != "text" && format != "json") {
    err << "--format: \"" << format << "\" is not one of text, json\n";
    return 2;
  }
  int max_problems = 0;
  const std::string max_flag = Flag(args, "max-problems", "0");
  if (!absl::SimpleAtoi(max_flag, &max_problems) || max_problems < 0) {
    err << "--max-problems: \"" << max_flag
        << "\" is not a non-negative number\n";
    return 2;
  }
  if (!source.server.empty() && HasLogKeyFlag(args)) {
    err << "verify: --" << kLogKeyFileFlag
        << " is for --db; a server reads its log with its own key file\n";
    return 2;
  }
  std::shared_ptr<const server::LogKeyring> keyring;
  if (!ReadLogKeyFlag(args, "verify", &keyring, err)) return 1;
  absl::StatusOr<v1::VerifyDecisionLogResponse> report =
      source.db.empty()
          ? VerifyOnServer(args, max_problems)
          : VerifyOffline(source.db, max_problems, std::move(keyring));
  if (!report.ok()) {
    err << "verify: " << report.status().message() << "\n";
    return 1;
  }
  if (format == "json") {
    out << ToJson(*report);
  } else {
    PrintVerifyReport(*report, out);
  }
  return report->ok() ? 0 : 1;
}

}  // namespace refund
