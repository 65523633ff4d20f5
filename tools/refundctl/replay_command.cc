#include "tools/refundctl/replay_command.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/load/bundle_loader.h"
#include "google/protobuf/util/time_util.h"
#include "server/audit/decision_replayer.h"
#include "server/audit/replay_request.h"
#include "server/bundles/bundle_cache.h"
#include "server/bundles/candidate_root.h"
#include "server/log/open/open_decision_log.h"
#include "tools/refundctl/log_key_flag.h"
#include "tools/refundctl/replay_format.h"
#include "tools/refundctl/server_client.h"

namespace refund {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status ParseTime(const Args& args, const std::string& flag,
                       google::protobuf::Timestamp* out) {
  const std::string value = Flag(args, flag, "");
  if (!TimeUtil::FromString(value, out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": \"", value,
                     "\" is not an RFC 3339 time (2026-05-01T00:00:00+08:00)"));
  }
  return absl::OkStatus();
}

absl::Status ParseVerdict(const std::string& value, v1::Verdict* out) {
  if (value.empty()) return absl::OkStatus();
  std::string name = absl::AsciiStrToUpper(value);
  if (name.rfind("VERDICT_", 0) != 0) name = "VERDICT_" + name;
  if (!v1::Verdict_Parse(name, out) || *out == v1::VERDICT_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--verdict: \"", value, "\" is not one of approve, negotiate, reject"));
  }
  return absl::OkStatus();
}

// Offline: the log the spec names opened read-only, replayed in this
// process.
absl::Status ReplayOffline(const std::string& spec,
                           std::shared_ptr<const server::LogKeyring> keyring,
                           const v1::ReplayRequest& request,
                           ReplayPrinter& printer, v1::ReplaySummary* summary) {
  server::OpenLogOptions options;
  options.read_only = true;
  options.keyring = std::move(keyring);
  absl::StatusOr<std::unique_ptr<server::DecisionLog>> log =
      server::OpenDecisionLog(spec, options);
  if (!log.ok()) return log.status();
  server::BundleCache bundles(**log);
  // The candidate, if any, was read here and is sent as files.
  absl::StatusOr<server::ReplayOptions> replay =
      server::ReplayOptionsFromRequest(request, bundles,
                                       server::CandidateRoot());
  if (!replay.ok()) return replay.status();
  return server::RunReplay(**log, bundles, *std::move(replay),
                           [&](const v1::ReplayResult& result) {
                             printer.Print(result);
                             if (result.has_summary()) {
                               *summary = result.summary();
                             }
                           });
}

absl::Status ReplayOnServer(const Args& args, const v1::ReplayRequest& request,
                            ReplayPrinter& printer,
                            v1::ReplaySummary* summary) {
  absl::StatusOr<ServerStub> connected = ConnectToServer(args);
  if (!connected.ok()) return connected.status();
  grpc::ClientContext context;
  connected->connection.PrepareCall(&context);
  std::unique_ptr<grpc::ClientReader<v1::ReplayResult>> reader =
      connected->stub->Replay(&context, request);
  v1::ReplayResult result;
  while (reader->Read(&result)) {
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
  v1::ListDecisionsRequest* filter = request.mutable_filter();
  filter->set_shop_id(Flag(args, "shop", ""));
  filter->set_refund_id(Flag(args, "refund", ""));
  filter->set_rule_id(Flag(args, "rule", ""));
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
  absl::Status parsed = ParseVerdict(Flag(args, "verdict", ""), &verdict);
  if (!parsed.ok()) return parsed;
  filter->set_verdict(verdict);
  if (!Flag(args, "from", "").empty()) {
    parsed = ParseTime(args, "from", filter->mutable_from());
    if (!parsed.ok()) return parsed;
  }
  if (!Flag(args, "to", "").empty()) {
    parsed = ParseTime(args, "to", filter->mutable_to());
    if (!parsed.ok()) return parsed;
  }
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
  absl::StatusOr<std::unique_ptr<ReplayPrinter>> printer =
      NewReplayPrinter(Flag(args, "format", "table"), out);
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
  absl::Status status =
      source.log.empty() ? ReplayOnServer(args, *request, **printer, &summary)
                         : ReplayOffline(source.log, std::move(keyring),
                                         *request, **printer, &summary);
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
