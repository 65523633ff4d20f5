#include "tools/refundctl/replay_command.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/load/bundle_loader.h"
#include "server/audit/decision_replayer.h"
#include "server/audit/replay_request.h"
#include "server/bundles/bundle_cache.h"
#include "server/bundles/candidate_root.h"
#include "server/log/open/open_decision_log.h"
#include "tools/refundctl/decision_filter_flags.h"
#include "tools/refundctl/log_key_flag.h"
#include "tools/refundctl/progress_reporter.h"
#include "tools/refundctl/replay_format.h"
#include "tools/refundctl/server_client.h"

namespace refund {
namespace {

// Offline: the log the spec names opened read-only, replayed in this
// process.
absl::Status ReplayOffline(const std::string& spec,
                           std::shared_ptr<const server::LogKeyring> keyring,
                           const v1::ReplayRequest& request,
                           ReplayPrinter& printer, ProgressReporter& progress,
                           v1::ReplaySummary* summary) {
  server::OpenLogOptions options;
  options.read_only = true;
  options.keyring = std::move(keyring);
  absl::StatusOr<std::unique_ptr<server::DecisionLog>> log =
      server::OpenDecisionLog(spec, options);
  if (!log.ok()) return log.status();
  if (progress.enabled()) {
    // The whole log's length: the total when nothing narrows the replay.
    const v1::ListDecisionsRequest& filter = request.filter();
    absl::StatusOr<server::ChainHead> head = (*log)->CommittedHead();
    if (head.ok() && filter.refund_id().empty() && filter.shop_id().empty() &&
        filter.verdict() == v1::VERDICT_UNSPECIFIED && !filter.has_from() &&
        !filter.has_to() && filter.rule_id().empty()) {
      progress.SetTotal(request.limit() > 0
                            ? std::min<int64_t>(request.limit(), head->last_seq)
                            : head->last_seq);
    } else {
      progress.SetTotal(request.limit());
    }
  }
  server::BundleCache bundles(**log);
  // The candidate, if any, was read here and is sent as files.
  absl::StatusOr<server::ReplayOptions> replay =
      server::ReplayOptionsFromRequest(request, bundles,
                                       server::CandidateRoot());
  if (!replay.ok()) return replay.status();
  return server::RunReplay(**log, bundles, *std::move(replay),
                           [&](const v1::ReplayResult& result) {
                             if (result.has_diff()) progress.Advance();
                             printer.Print(result);
                             if (result.has_summary()) {
                               *summary = result.summary();
                             }
                           });
}

absl::Status ReplayOnServer(const Args& args, const v1::ReplayRequest& request,
                            ReplayPrinter& printer, ProgressReporter& progress,
                            v1::ReplaySummary* summary) {
  absl::StatusOr<ServerStub> connected = ConnectToServer(args);
  if (!connected.ok()) return connected.status();
  grpc::ClientContext context;
  connected->connection.PrepareCall(&context);
  std::unique_ptr<grpc::ClientReader<v1::ReplayResult>> reader =
      connected->stub->Replay(&context, request);
  v1::ReplayResult result;
  progress.SetTotal(request.limit());
  while (reader->Read(&result)) {
    if (result.has_diff()) progress.Advance();
    printer.Print(result);
    if (result.has_summary()) *summary = result.summary();
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        DescribeRpcError("Replay", status));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ReplayRequest> ReplayRequestFromFlags(const Args& args) {
  v1::ReplayRequest request;
  const std::string candidate_dir = Flag(args, "candidate", "");
  const std::string candidate_version = Flag(args, "candidate-version", "");
  if (!candidate_dir.empty() && !candidate_version.empty()) {
    return absl::InvalidArgumentError(
        "--candidate, --candidate-version: give one of them");
  }
  request.set_mode(candidate_dir.empty() && candidate_version.empty()
                       ? v1::REPLAY_MODE_EXACT
                       : v1::REPLAY_MODE_CANDIDATE);
  request.set_candidate_version(candidate_version);
  if (!candidate_dir.empty()) {
    absl::StatusOr<std::vector<BundleSourceFile>> files =
        ReadBundleDirectory(candidate_dir);
    if (!files.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--candidate: ", files.status().message()));
    }
    for (BundleSourceFile& file : *files) {
      v1::SourceFile* out = request.mutable_candidate()->add_files();
      out->set_path(std::move(file.path));
      out->set_content(std::move(file.content));
    }
    if (request.candidate().files_size() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--candidate: no *.textproto files in ", candidate_dir));
    }
  }
  absl::Status filtered =
      DecisionFilterFromFlags(args, request.mutable_filter());
  if (!filtered.ok()) return filtered;
  const std::string limit = Flag(args, "limit", "0");
  int32_t limit_value = 0;
  if (!absl::SimpleAtoi(limit, &limit_value) || limit_value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--limit: \"", limit, "\" is not a non-negative number"));
  }
  request.set_limit(limit_value);
  request.set_changed_only(Flag(args, "changed-only", "false") == "true");
  return request;
}

int RunReplayCommand(const Args& args, std::ostream& out, std::ostream& err) {
  LogSource source;
  if (!GetLogSource(args, "replay", &source, err)) return 2;
  ReplayPrintOptions print_options;
  print_options.format = Flag(args, "format", "table");
  print_options.include_unchanged_decisions =
      Flag(args, "include_unchanged_decisions", "false") == "true";
  absl::StatusOr<std::unique_ptr<ReplayPrinter>> printer =
      NewReplayPrinter(print_options, out, err);
  if (!printer.ok()) {
    err << "--" << printer.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<v1::ReplayRequest> request = ReplayRequestFromFlags(args);
  if (!request.ok()) {
    err << request.status().message() << "\n";
    return 2;
  }
  if (!source.server.empty() && HasLogKeyFlag(args)) {
    err << "replay: --" << kLogKeyFileFlag
        << " is for --log or --db; a server reads its log with its own key "
           "file\n";
    return 2;
  }
  std::shared_ptr<const server::LogKeyring> keyring;
  if (!ReadLogKeyFlag(args, "replay", &keyring, err)) return 1;
  v1::ReplaySummary summary;
  ProgressReporter progress("replay", "decisions", err);
  absl::Status status =
      source.log.empty()
          ? ReplayOnServer(args, *request, **printer, progress, &summary)
          : ReplayOffline(source.log, std::move(keyring), *request, **printer,
                          progress, &summary);
  if (status.ok()) progress.Finish();
  if (!status.ok()) {
    err << "replay: " << status.message() << "\n";
    return 1;
  }
  if (summary.integrity_failures() > 0 || summary.errors() > 0) {
    err << "replay: " << summary.integrity_failures() << " integrity failures, "
        << summary.errors() << " decisions could not be replayed\n";
    return 1;
  }
  return 0;
}

}  // namespace refund
