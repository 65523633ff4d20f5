#include "tools/refundctl/export_command.h"

#include <memory>
#include <optional>
#include <string>

#include "engine/base/sha256.h"
#include "refund/v1/service.pb.h"
#include "server/log/log_snapshot.h"
#include "server/log/open/open_decision_log.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/log_key_flag.h"

namespace refund {

int RunExportCommand(const Args& args, std::ostream& out, std::ostream& err) {
  std::string spec;
  if (!GetLogSpec(args, "export", &spec, err)) return 2;
  if (spec.empty()) {
    err << "export: --log=SPEC (or --db=FILE) is required\n";
    return 2;
  }
  const std::string format = Flag(args, "format", "jsonl");
  if (format != "jsonl") {
    err << "--format: \"" << format << "\" is not jsonl\n";
    return 2;
  }
  std::shared_ptr<const server::LogKeyring> keyring;
  if (!ReadLogKeyFlag(args, "export", &keyring, err)) return 1;
  absl::StatusOr<std::unique_ptr<server::LogSnapshot>> snapshot =
      server::OpenLogSnapshot(spec, keyring);
  if (!snapshot.ok()) {
    err << "export: " << snapshot.status().message() << "\n";
    return 1;
  }
  int exit_code = 0;
  for (;;) {
    absl::StatusOr<std::optional<server::LogRecord>> row = (*snapshot)->Next();
    if (!row.ok()) {
      err << "export: " << row.status().message() << "\n";
      return 1;
    }
    if (!row->has_value()) break;
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
    }
    out << ToJsonLine(record);
  }
  return exit_code;
}

}  // namespace refund
