#include "tools/refundctl/export_command.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "engine/base/sha256.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"
#include "refund/v1/service.pb.h"
#include "server/log/log_snapshot.h"
#include "server/log/open/open_decision_log.h"
#include "tools/refundctl/decision_filter_flags.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/log_key_flag.h"
#include "tools/refundctl/progress_reporter.h"
#include "tools/refundctl/server_client.h"

namespace refund {
namespace {

using google::protobuf::util::TimeUtil;

// Whether a filter field is set: an offline export then reads every row's
// request and decision to select it.
bool Filters(const v1::ListDecisionsRequest& filter) {
  return !filter.refund_id().empty() || !filter.shop_id().empty() ||
         filter.verdict() != v1::VERDICT_UNSPECIFIED || filter.has_from() ||
         filter.has_to() || !filter.rule_id().empty();
}

int ExportOffline(const std::string& spec, const Args& args,
                  const v1::ListDecisionsRequest& filter, int32_t limit,
                  std::ostream& out, std::ostream& err) {
  std::shared_ptr<const server::LogKeyring> keyring;
  if (!ReadLogKeyFlag(args, "export", &keyring, err)) return 1;
  absl::StatusOr<std::unique_ptr<server::LogSnapshot>> snapshot =
      server::OpenLogSnapshot(spec, keyring);
  if (!snapshot.ok()) {
    err << "export: " << snapshot.status().message() << "\n";
    return 1;
  }
  ProgressReporter progress("export", "rows read", err);
  if (progress.enabled()) {
    absl::StatusOr<server::LogSnapshot::HeadState> head = (*snapshot)->Head();
    if (head.ok() && head->head.has_value()) {
      progress.SetTotal(head->head->last_seq);
    }
  }
  const bool filters = Filters(filter);
  int exit_code = 0;
  int32_t exported = 0;
  while (limit == 0 || exported < limit) {
    absl::StatusOr<std::optional<server::LogRecord>> row = (*snapshot)->Next();
    if (!row.ok()) {
      err << "export: " << row.status().message() << "\n";
      return 1;
    }
    if (!row->has_value()) break;
    progress.Advance();
    const server::LogRecord& stored = **row;
    if (!stored.missing_key_id.empty()) {
      // Nothing of the row can be exported; the rows after it are likely
      // sealed with the same key: stop here, once.
      err << "export: row seq " << stored.seq << " is "
          << server::KeyNotHeldMessage(keyring.get(), stored.missing_key_id)
          << "; give --" << kLogKeyFileFlag << "\n";
      return 1;
    }
    v1::LogExportRecord record;
    record.set_seq(stored.seq);
    const server::StoredRowColumns& columns = stored.columns;
    record.set_decision_id(columns.decision_id);
    record.set_bundle_version(columns.bundle_version);
    record.set_decided_at_micros(columns.decided_at_micros);
    record.set_request_sha256(ToHex(columns.request_sha256));
    record.set_prev_hash(ToHex(columns.prev_hash));
    record.set_row_hash(ToHex(columns.row_hash));
    if (!stored.request_error.empty()) {
      err << "export: seq " << stored.seq
          << ": the stored request cannot be read: " << stored.request_error
          << "\n";
      exit_code = 1;
    } else if (!stored.decision_error.empty()) {
      err << "export: seq " << stored.seq
          << ": the stored decision cannot be read: " << stored.decision_error
          << "\n";
      exit_code = 1;
    } else if (!record.mutable_request()->ParseFromString(stored.request) ||
               !record.mutable_decision()->ParseFromString(stored.decision)) {
      err << "export: seq " << stored.seq
          << ": the request or decision bytes do not parse\n";
      exit_code = 1;
    } else if (filters && !PassesDecisionFilter(filter, record.decision(),
                                                record.request().shop_id())) {
      continue;
    }
    out << ToJsonLine(record);
    ++exported;
  }
  progress.Finish();
  return exit_code;
}

int ExportThroughServer(const Args& args,
                        const v1::ListDecisionsRequest& filter, int32_t limit,
                        std::ostream& out, std::ostream& err) {
  absl::StatusOr<ServerStub> connected = ConnectToServer(args);
  if (!connected.ok()) {
    err << "export: " << connected.status().message() << "\n";
    return 2;
  }
  v1::ReplayRequest request;
  request.set_mode(v1::REPLAY_MODE_EXACT);
  *request.mutable_filter() = filter;
  request.set_limit(limit);
  grpc::ClientContext context;
  connected->connection.PrepareCall(&context);
  std::unique_ptr<grpc::ClientReader<v1::ReplayResult>> reader =
      connected->stub->Replay(&context, request);
  ProgressReporter progress("export", "decisions", err);
  progress.SetTotal(limit);
  v1::ReplayResult result;
  while (reader->Read(&result)) {
    if (!result.has_diff()) continue;
    const v1::ReplayDiff& diff = result.diff();
    v1::LogExportRecord record;
    record.set_seq(diff.seq());
    record.set_decision_id(diff.decision_id());
    record.set_bundle_version(diff.stored_version());
    record.set_decided_at_micros(
        TimeUtil::TimestampToMicroseconds(diff.stored().decided_at()));
    *record.mutable_decision() = diff.stored();
    out << ToJsonLine(record);
    progress.Advance();
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    err << "export: " << DescribeRpcError("Replay", status) << "\n";
    return 1;
  }
  progress.Finish();
  return 0;
}

}  // namespace

int RunExportCommand(const Args& args, std::ostream& out, std::ostream& err) {
  LogSource source;
  if (!GetLogSpec(args, "export", &source.log, err)) return 2;
  source.server = Flag(args, "server", "");
  if (source.log.empty() && source.server.empty()) {
    err << "export: --log=SPEC (or --db=FILE) is required, or --server\n";
    return 2;
  }
  if (!source.server.empty() && HasLogKeyFlag(args)) {
    err << "export: --" << kLogKeyFileFlag
        << " is for --log or --db; a server reads its log with its own key "
           "file\n";
    return 2;
  }
  const std::string format = Flag(args, "format", "jsonl");
  if (format != "jsonl") {
    err << "--format: \"" << format << "\" is not jsonl\n";
    return 2;
  }
  v1::ListDecisionsRequest filter;
  absl::Status filtered = DecisionFilterFromFlags(args, &filter);
  if (!filtered.ok()) {
    err << "export: " << filtered.message() << "\n";
    return 2;
  }
  const std::string limit_flag = Flag(args, "limit", "0");
  int32_t limit = 0;
  if (!absl::SimpleAtoi(limit_flag, &limit) || limit < 0) {
    err << "export: --limit: \"" << limit_flag
        << "\" is not a non-negative number\n";
    return 2;
  }
  return source.server.empty()
             ? ExportOffline(source.log, args, filter, limit, out, err)
             : ExportThroughServer(args, filter, limit, out, err);
}

}  // namespace refund
