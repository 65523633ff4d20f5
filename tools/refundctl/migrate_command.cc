#include "tools/refundctl/migrate_command.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "server/log/decision_log.h"
#include "server/log/log_copier.h"
#include "server/log/log_keyring.h"
#include "server/log/log_snapshot.h"
#include "server/log/log_verifier.h"
#include "server/log/open/open_decision_log.h"
#include "server/log/verify_report.h"
#include "tools/refundctl/log_key_flag.h"
#include "tools/refundctl/progress_reporter.h"
#include "tools/refundctl/progress_snapshot.h"

namespace refund {
namespace {

std::string Elapsed(absl::Duration duration) {
  return absl::FormatDuration(absl::Trunc(duration, absl::Milliseconds(1)));
}

// "seq 12 (decision d-1): ROW_HASH_MISMATCH: ...", the report's first
// problem.
std::string FirstProblem(const server::VerifyReport& report) {
  if (report.problems.empty()) return "none listed";
  const server::LogProblem& problem = report.problems.front();
  std::string place = problem.seq == 0 ? std::string("the log")
                                       : absl::StrCat("seq ", problem.seq);
  if (!problem.decision_id.empty()) {
    absl::StrAppend(&place, " (decision ", problem.decision_id, ")");
  }
  return absl::StrCat(place, ": ", problem.kind, ": ", problem.message);
}

// The report of verifying the log `spec` names.
absl::StatusOr<server::VerifyReport> Verify(
    const std::string& spec, std::shared_ptr<const server::LogKeyring> keyring,
    std::ostream& err) {
  absl::StatusOr<std::unique_ptr<server::LogSnapshot>> opened =
      server::OpenLogSnapshot(spec, std::move(keyring));
  if (!opened.ok()) return opened.status();
  ProgressReporter progress("migrate: verifying", "rows", err);
  ProgressSnapshot snapshot(**opened, progress);
  absl::StatusOr<server::VerifyReport> report = server::VerifyLog(snapshot);
  if (report.ok()) progress.Finish();
  return report;
}

// What the destination holds after a copy that stopped, for the message
// that says so.
std::string PartialCopy(server::DecisionLog& destination,
                        const server::LogCopyResult& copy) {
  absl::StatusOr<server::ChainHead> head = destination.CommittedHead();
  return absl::StrCat(
      head.ok() ? absl::StrCat(head->last_seq, " decisions (chain head at seq ",
                               head->last_seq, ")")
                : absl::StrCat("at least ", copy.rows_copied, " decisions"),
      " and ", copy.bundles_copied, " bundle versions");
}

// Whether the log `spec` names can be read and holds a row: looked at
// read-only before the destination is opened for writing, so that a
// destination that is the source under another spelling (`a.db`,
// `sqlite:./a.db`) is never opened for writing. A log that cannot be read
// (it does not exist yet, or has no tables yet) is left to the copier's own
// check.
bool HoldsRows(const std::string& spec,
               std::shared_ptr<const server::LogKeyring> keyring) {
  absl::StatusOr<std::unique_ptr<server::LogSnapshot>> snapshot =
      server::OpenLogSnapshot(spec, std::move(keyring));
  if (!snapshot.ok()) return false;
  absl::StatusOr<std::optional<server::LogRecord>> first = (*snapshot)->Next();
  return first.ok() && first->has_value();
}

}  // namespace

int RunMigrateCommand(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string from = Flag(args, "from", "");
  const std::string to = Flag(args, "to", "");
  if (from.empty() || to.empty()) {
    err << "migrate: --from=SPEC and --to=SPEC are required\n";
    return 2;
  }
  if (!CheckLogSpecFlag("migrate", "from", from, err) ||
      !CheckLogSpecFlag("migrate", "to", to, err)) {
    return 2;
  }
  if (from == to) {
    err << "migrate: --from and --to name the same log\n";
    return 2;
  }
  if (to == "memory:") {
    err << "migrate: --to=memory: would be lost when refundctl exits: name a "
           "store that keeps the copy\n";
    return 2;
  }
  std::shared_ptr<const server::LogKeyring> keyring;
  if (!ReadLogKeyFlag(args, "migrate", &keyring, err)) return 1;
  const absl::Time start = absl::Now();

  // The source must verify: a copy of a broken log would look whole.
  err << "migrate: verifying the source " << from << "\n";
  absl::StatusOr<server::VerifyReport> source = Verify(from, keyring, err);
  if (!source.ok()) {
    err << "migrate: cannot read the source " << from << ": "
        << source.status().message() << "\nmigrate: nothing was copied\n";
    return 1;
  }
  if (!source->ok) {
    err << "migrate: the source " << from << " does not verify ("
        << source->problem_count << " problems in " << source->rows_checked
        << " decisions); the first: " << FirstProblem(*source)
        << "\nmigrate: nothing was copied; `refundctl verify --log=" << from
        << "` lists the problems\n";
    return 1;
  }
  err << "migrate: the source verifies: " << source->rows_checked
      << " decisions, " << source->bundles_checked << " bundle versions\n";

  if (HoldsRows(to, keyring)) {
    err << "migrate: the destination " << to
        << " is not empty (it holds decisions): a log is migrated into an "
           "empty one only\nmigrate: nothing was written\n";
    return 1;
  }
  server::OpenLogOptions options;
  options.keyring = keyring;
  absl::StatusOr<std::unique_ptr<server::DecisionLog>> destination =
      server::OpenDecisionLog(to, options);
  if (!destination.ok()) {
    err << "migrate: cannot open the destination " << to << ": "
        << destination.status().message() << "\nmigrate: nothing was copied\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<server::LogSnapshot>> rows =
      server::OpenLogSnapshot(from, keyring);
  if (!rows.ok()) {
    err << "migrate: cannot read the source " << from << ": "
        << rows.status().message() << "\nmigrate: nothing was copied\n";
    return 1;
  }

  err << "migrate: copying into " << to << "\n";
  const absl::Time copy_start = absl::Now();
  server::LogCopyOptions copy_options;
  const int64_t total = source->rows_checked;
  ProgressReporter copy_progress("migrate: copying", "decisions", err);
  copy_progress.SetTotal(total);
  copy_options.progress = [&](const server::LogCopyProgress& progress) {
    copy_progress.Update(progress.rows_copied);
  };
  copy_options.progress_interval = absl::Milliseconds(250);
  server::LogCopyResult copy;
  const absl::Status copied =
      server::CopyDecisionLog(**rows, **destination, copy_options, &copy);
  rows->reset();
  // Everything acknowledged is stored; Close only stops the store.
  (*destination)->Close();
  if (!copied.ok()) {
    err << "migrate: FAILED: " << copied.message() << "\n";
    if (copy.destination_written) {
      err << "migrate: the destination " << to << " holds a partial copy ("
          << PartialCopy(**destination, copy)
          << "): do not use it; empty it (or name a new one) and migrate "
             "again. The source was only read.\n";
    } else {
      err << "migrate: nothing was written to the destination\n";
    }
    return 1;
  }
  copy_progress.Update(copy.rows_copied);
  copy_progress.Finish();
  const absl::Duration copy_time = absl::Now() - copy_start;
  destination->reset();

  // Rows a server appended to the source after the copy's snapshot are not
  // in the copy: switching to it would lose them.
  absl::StatusOr<std::unique_ptr<server::LogSnapshot>> after =
      server::OpenLogSnapshot(from, keyring);
  absl::StatusOr<server::LogSnapshot::HeadState> source_now =
      after.ok()
          ? (*after)->Head()
          : absl::StatusOr<server::LogSnapshot::HeadState>(after.status());
  if (after.ok()) after->reset();
  if (!source_now.ok()) {
    err << "migrate: cannot read the source's chain head again: "
        << source_now.status().message() << "\nmigrate: the destination " << to
        << " holds a copy up to seq " << copy.head.last_seq
        << "; make sure nothing wrote to the source meanwhile\n";
    return 1;
  }
  if (source_now->head.has_value() &&
      source_now->head->last_seq != copy.head.last_seq) {
    err << "migrate: the source gained decisions during the copy (it ends at "
           "seq "
        << source_now->head->last_seq << ", the copy at seq "
        << copy.head.last_seq << "): the destination " << to
        << " lacks them. Stop every server writing to the source, empty the "
           "destination (or name a new one) and migrate again.\n";
    return 1;
  }

  err << "migrate: verifying the destination " << to << "\n";
  absl::StatusOr<server::VerifyReport> copied_report = Verify(to, keyring, err);
  if (!copied_report.ok()) {
    err << "migrate: cannot read the copy in " << to << ": "
        << copied_report.status().message()
        << "\nmigrate: the copy is unproven: do not use it\n";
    return 1;
  }
  const std::string head_hex = ToHex(copy.head.last_hash);
  if (!copied_report->ok || copied_report->last_seq != copy.head.last_seq ||
      (copy.head.last_seq > 0 && copied_report->last_row_hash != head_hex)) {
    err << "migrate: the copy in " << to << " does not verify ("
        << copied_report->problem_count << " problems; last row seq "
        << copied_report->last_seq << ", the source's " << copy.head.last_seq
        << "); the first: " << FirstProblem(*copied_report)
        << "\nmigrate: do not use the copy\n";
    return 1;
  }

  out << "migrated " << copy.rows_copied << " decisions and "
      << copy.bundles_copied << " bundle versions from " << from << " to " << to
      << " in " << Elapsed(absl::Now() - start) << " (copying "
      << Elapsed(copy_time) << ")\n"
      << "chain head: seq " << copy.head.last_seq << " row_hash "
      << (copy.head.last_seq > 0 ? head_hex : std::string("-"))
      << ", the same in both\n"
      << "destination verified: " << copied_report->rows_checked
      << " decisions, " << copied_report->bundles_checked
      << " bundles, hash chain intact\n";
  return 0;
}

}  // namespace refund
