#include "tools/refundctl/verify_command.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "server/audit/verify_report_proto.h"
#include "server/log/checkpoint/checkpoint_file.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "server/log/log_verifier.h"
#include "server/log/open/open_decision_log.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/log_key_flag.h"
#include "tools/refundctl/progress_snapshot.h"
#include "tools/refundctl/server_client.h"

namespace refund {
namespace {

// Offline: a snapshot of the log the spec names, verified here.
absl::StatusOr<v1::VerifyDecisionLogResponse> VerifyOffline(
    const std::string& spec, int max_problems,
    std::shared_ptr<const server::LogKeyring> keyring,
    const std::vector<KeptCheckpoint>& checkpoints, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<server::LogSnapshot>> opened =
      server::OpenLogSnapshot(spec, std::move(keyring));
  if (!opened.ok()) return opened.status();
  ProgressReporter progress("verify", "rows checked", err);
  ProgressSnapshot snapshot(**opened, progress);
  server::VerifyOptions options;
  options.max_problems = max_problems;
  for (const KeptCheckpoint& checkpoint : checkpoints) {
    options.anchors.push_back(server::AnchorOf(checkpoint.note.checkpoint));
  }
  absl::StatusOr<server::VerifyReport> report =
      server::VerifyLog(snapshot, options, [] { return false; });
  if (!report.ok()) return report.status();
  progress.Finish();
  return server::ToProto(*report);
}

absl::StatusOr<v1::VerifyDecisionLogResponse> VerifyOnServer(
    const Args& args, int max_problems,
    const std::vector<KeptCheckpoint>& checkpoints) {
  absl::StatusOr<ServerStub> connected = ConnectToServer(args);
  if (!connected.ok()) return connected.status();
  grpc::ClientContext context;
  connected->connection.PrepareCall(&context);
  v1::VerifyDecisionLogRequest request;
  request.set_max_problems(max_problems);
  for (const KeptCheckpoint& checkpoint : checkpoints) {
    request.add_checkpoints(checkpoint.text);
  }
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

// The files of --checkpoint, each read and its signature checked with
// --public-key. The first failure, naming the file.
absl::StatusOr<std::vector<KeptCheckpoint>> ReadCheckpoints(
    const std::string& files, const std::string& public_key_path) {
  absl::StatusOr<std::unique_ptr<server::CheckpointPublicKey>> public_key =
      server::CheckpointPublicKey::FromPemFile(public_key_path);
  if (!public_key.ok()) {
    return absl::Status(
        public_key.status().code(),
        absl::StrCat("--public-key: ", public_key.status().message()));
  }
  std::vector<KeptCheckpoint> checkpoints;
  for (absl::string_view path : absl::StrSplit(files, ',', absl::SkipEmpty())) {
    KeptCheckpoint checkpoint;
    checkpoint.path = std::string(path);
    absl::StatusOr<std::string> text =
        server::ReadCheckpointFile(checkpoint.path);
    if (!text.ok()) return text.status();
    checkpoint.text = *std::move(text);
    absl::StatusOr<server::SignedCheckpoint> note =
        (*public_key)->Verify(checkpoint.text);
    if (!note.ok()) {
      return absl::Status(note.status().code(),
                          absl::StrCat("checkpoint ", checkpoint.path, ": ",
                                       note.status().message()));
    }
    checkpoint.note = *std::move(note);
    checkpoints.push_back(std::move(checkpoint));
  }
  return checkpoints;
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

void PrintCheckpointResults(const std::vector<KeptCheckpoint>& checkpoints,
                            const v1::VerifyDecisionLogResponse& report,
                            std::ostream& out) {
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    const KeptCheckpoint& kept = checkpoints[i];
    const server::LogCheckpoint& checkpoint = kept.note.checkpoint;
    const bool holds = static_cast<int>(i) < report.checkpoints_size() &&
                       report.checkpoints(static_cast<int>(i)).holds();
    out << "checkpoint " << kept.path << ": seq " << checkpoint.seq
        << " (origin " << checkpoint.origin << ", "
        << absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", checkpoint.time,
                            absl::UTCTimeZone())
        << ", key " << kept.note.key_name << " " << ToHex(kept.note.key_id)
        << "): "
        << (holds ? absl::StrCat("holds: rows 1..", checkpoint.seq,
                                 " are unchanged since it was signed")
                  : absl::StrCat("DOES NOT HOLD: the log no longer has rows "
                                 "1..",
                                 checkpoint.seq, " as they were signed"))
        << "\n";
  }
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
        << " is for --log or --db; a server reads its log with its own key "
           "file\n";
    return 2;
  }
  std::shared_ptr<const server::LogKeyring> keyring;
  if (!ReadLogKeyFlag(args, "verify", &keyring, err)) return 1;
  const std::string checkpoint_files = Flag(args, "checkpoint", "");
  const std::string public_key =
      Flag(args, "public-key", Flag(args, "public_key", ""));
  if (checkpoint_files.empty() != public_key.empty()) {
    err << "verify: --checkpoint=FILE[,FILE...] and --public-key=FILE go "
           "together (a checkpoint is trusted only with its signer's public "
           "key)\n";
    return 2;
  }
  std::vector<KeptCheckpoint> checkpoints;
  if (!checkpoint_files.empty()) {
    absl::StatusOr<std::vector<KeptCheckpoint>> read =
        ReadCheckpoints(checkpoint_files, public_key);
    if (!read.ok()) {
      err << "verify: " << read.status().message() << "\n";
      return 1;
    }
    checkpoints = *std::move(read);
  }
  absl::StatusOr<v1::VerifyDecisionLogResponse> report =
      source.log.empty() ? VerifyOnServer(args, max_problems, checkpoints)
                         : VerifyOffline(source.log, max_problems,
                                         std::move(keyring), checkpoints, err);
  if (!report.ok()) {
    err << "verify: " << report.status().message() << "\n";
    return 1;
  }
  if (report->checkpoints_size() != static_cast<int>(checkpoints.size())) {
    err << "verify: the server checked " << report->checkpoints_size() << " of "
        << checkpoints.size()
        << " checkpoints (a server without checkpoint support?)\n";
    return 1;
  }
  if (format == "json") {
    out << ToJson(*report);
  } else {
    PrintVerifyReport(*report, out);
    PrintCheckpointResults(checkpoints, *report, out);
  }
  return report->ok() ? 0 : 1;
}

}  // namespace refund
