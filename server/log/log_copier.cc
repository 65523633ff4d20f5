#include "server/log/log_copier.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "refund/v1/refund.pb.h"
#include "server/log/log_entry.h"

namespace refund::server {
namespace {

std::string Describe(const ChainHead& head) {
  return absl::StrCat("seq ", head.last_seq, " row_hash ",
                      ToHex(head.last_hash));
}

// The appends outstanding, shared with their callbacks (which run on a
// thread of the destination, and keep it alive as long as the destination
// keeps them).
class Outstanding : public std::enable_shared_from_this<Outstanding> {
 public:
  // The callback of the append of source row `seq`, whose decision bytes
  // the destination must answer with.
  AppendCallback Callback(int64_t seq, std::string expected_decision) {
    {
      absl::MutexLock lock(&mu_);
      ++outstanding_;
    }
    return [self = shared_from_this(), seq,
            expected = std::move(expected_decision)](
               absl::StatusOr<std::string> outcome) {
      self->Answered(seq, expected, std::move(outcome));
    };
  }

  // Waits until fewer than `limit` appends are outstanding, or one failed,
  // calling `tick` about every `interval` meanwhile. The first failure.
  absl::Status WaitBelow(int64_t limit, absl::Duration interval,
                         const std::function<void()>& tick) {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        auto ready = [&] { return outstanding_ < limit || !first_error_.ok(); };
        if (mu_.AwaitWithTimeout(absl::Condition(&ready), interval)) {
          return first_error_;
        }
      }
      tick();
    }
  }

  // Waits for every outstanding append, calling `tick` meanwhile.
  void Drain(absl::Duration interval, const std::function<void()>& tick) {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        auto drained = [&] { return outstanding_ == 0; };
        if (mu_.AwaitWithTimeout(absl::Condition(&drained), interval)) return;
      }
      tick();
    }
  }

  int64_t acknowledged() {
    absl::MutexLock lock(&mu_);
    return acknowledged_;
  }

  absl::Status first_error() {
    absl::MutexLock lock(&mu_);
    return first_error_;
  }

 private:
  void Answered(int64_t seq, const std::string& expected,
                absl::StatusOr<std::string> outcome) {
    absl::MutexLock lock(&mu_);
    --outstanding_;
    if (!outcome.ok()) {
      Fail(absl::Status(outcome.status().code(),
                        absl::StrCat("the destination refused source row seq ",
                                     seq, ": ", outcome.status().message())));
    } else if (*outcome != expected) {
      Fail(absl::AlreadyExistsError(absl::StrCat(
          "the destination answered source row seq ", seq,
          " with another decision: its request_id was stored there already, "
          "so the row was not copied")));
    } else {
      ++acknowledged_;
    }
  }

  void Fail(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (first_error_.ok()) first_error_ = std::move(status);
  }

  absl::Mutex mu_;
  int64_t outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t acknowledged_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

// OK when the destination holds no row.
absl::Status RequireEmpty(DecisionLog& destination) {
  ASSIGN_OR_RETURN(ChainHead head, destination.CommittedHead());
  bool has_rows = head.last_seq != 0;
  if (!has_rows) {
    // Also as stored, should the store's head and rows disagree.
    ASSIGN_OR_RETURN(std::unique_ptr<LogSnapshot> snapshot,
                     destination.OpenSnapshot());
    ASSIGN_OR_RETURN(std::optional<LogRecord> first, snapshot->Next());
    has_rows = first.has_value();
  }
  if (!has_rows) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the destination is not empty (it holds decisions; its "
                   "chain head is at seq ",
                   head.last_seq, "): a log is copied into an empty one only"));
}

// The entry `record` was stored from, or why it cannot be copied.
absl::StatusOr<DecisionLogEntry> EntryOf(LogRecord record) {
  if (!record.missing_key_id.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "source row seq ", record.seq, " is encrypted with key \"",
        record.missing_key_id,
        "\", which the source was not opened with (give a key file that "
        "holds it)"));
  }
  if (!record.request_error.empty() || !record.decision_error.empty()) {
    return absl::DataLossError(
        absl::StrCat("source row seq ", record.seq, " cannot be read: ",
                     record.request_error.empty() ? record.decision_error
                                                  : record.request_error));
  }
  StoredRowColumns& columns = record.columns;
  DecisionLogEntry entry;
  entry.request_bytes = std::move(record.request);
  entry.decision_bytes = std::move(record.decision);
  entry.decision_id = std::move(columns.decision_id);
  entry.request_id = std::move(columns.request_id);
  entry.refund_id = std::move(columns.refund_id);
  entry.shop_id = std::move(columns.shop_id);
  entry.verdict = static_cast<v1::Verdict>(columns.verdict);
  entry.decided_at_micros = columns.decided_at_micros;
  entry.bundle_version = std::move(columns.bundle_version);
  entry.rule_ids = std::move(record.indexed_rule_ids);
  return entry;
}

// A source row's place in the chain as stored.
struct StoredLink {
  int64_t seq = 0;
  std::string prev_hash;
  std::string row_hash;
};

// OK when `link`, made by the copier's chain for the row, is the row's
// stored seq and hashes: the destination will then store the row as the
// source has it.
absl::Status CheckLink(const ChainLink& link, const StoredLink& stored) {
  if (link.seq != stored.seq) {
    return absl::DataLossError(absl::StrCat(
        "source row seq ", stored.seq, " follows seq ", link.seq - 1,
        ": the source has a gap (verify it), and a copy would renumber it"));
  }
  if (link.prev_hash != stored.prev_hash) {
    return absl::DataLossError(absl::StrCat(
        "source row seq ", stored.seq,
        ": its prev_hash is not the row_hash of the row before it (verify "
        "the source)"));
  }
  if (link.row_hash != stored.row_hash) {
    return absl::DataLossError(absl::StrCat(
        "source row seq ", stored.seq,
        ": its row_hash does not match its bytes (verify the source)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CopyDecisionLog(LogSnapshot& source, DecisionLog& destination,
                             const LogCopyOptions& options,
                             LogCopyResult* result) {
  *result = LogCopyResult();
  const absl::Time start = absl::Now();
  RETURN_IF_ERROR(RequireEmpty(destination));

  ASSIGN_OR_RETURN(std::vector<StoredBundleText> bundles, source.Bundles());
  for (const StoredBundleText& bundle : bundles) {
    result->destination_written = true;
    absl::Status put = destination.PutBundle(
        bundle.version, bundle.name, bundle.text, bundle.decision_dictionary);
    if (!put.ok()) {
      return absl::Status(
          put.code(), absl::StrCat("storing bundle version ", bundle.version,
                                   ": ", put.message()));
    }
    ++result->bundles_copied;
  }

  const std::shared_ptr<Outstanding> outstanding =
      std::make_shared<Outstanding>();
  absl::Time last_report = start;
  const std::function<void()> tick = [&] {
    const absl::Time now = absl::Now();
    if (!options.progress || now - last_report < options.progress_interval) {
      return;
    }
    last_report = now;
    options.progress({outstanding->acknowledged(), now - start});
  };
  const int64_t limit = std::max(options.max_in_flight, 1);
  // How long a wait lasts before it looks at the progress clock.
  const absl::Duration wait =
      std::max(options.progress_interval, absl::Milliseconds(10));
  HashChain chain;
  // The rows, each appended once the copier's chain agrees with it.
  absl::Status copied = [&]() -> absl::Status {
    for (;;) {
      ASSIGN_OR_RETURN(std::optional<LogRecord> record, source.Next());
      if (!record) return absl::OkStatus();
      // Kept apart: the entry takes the record's bytes.
      const StoredLink stored{record->seq, record->columns.prev_hash,
                              record->columns.row_hash};
      ASSIGN_OR_RETURN(DecisionLogEntry entry, EntryOf(*std::move(record)));
      const ChainLink link = chain.Link(entry);
      RETURN_IF_ERROR(CheckLink(link, stored));
      chain.Advance(link);
      RETURN_IF_ERROR(outstanding->WaitBelow(limit, wait, tick));
      tick();
      AppendCallback done =
          outstanding->Callback(stored.seq, entry.decision_bytes);
      result->destination_written = true;
      destination.Append(std::move(entry), std::move(done));
    }
  }();
  // Every append answered before anything is concluded (or returned).
  outstanding->Drain(wait, tick);
  result->rows_copied = outstanding->acknowledged();
  RETURN_IF_ERROR(copied);
  RETURN_IF_ERROR(outstanding->first_error());

  ASSIGN_OR_RETURN(LogSnapshot::HeadState source_head, source.Head());
  if (source_head.kept &&
      (!source_head.head.has_value() ||
       source_head.head->last_seq != chain.head().last_seq ||
       source_head.head->last_hash != chain.head().last_hash)) {
    return absl::DataLossError(absl::StrCat(
        "the source's chain head ",
        source_head.head.has_value() ? Describe(*source_head.head)
                                     : std::string("is missing and"),
        " does not name its last row (", Describe(chain.head()),
        "): its last rows may have been deleted (verify the source)"));
  }
  ASSIGN_OR_RETURN(ChainHead destination_head, destination.CommittedHead());
  if (destination_head.last_seq != chain.head().last_seq ||
      destination_head.last_hash != chain.head().last_hash) {
    return absl::DataLossError(absl::StrCat(
        "after the copy the destination's chain head is ",
        Describe(destination_head), ", not the source's last row (",
        Describe(chain.head()),
        "): the destination did not store the rows as they were appended"));
  }
  result->head = chain.head();
  return absl::OkStatus();
}

}  // namespace refund::server
