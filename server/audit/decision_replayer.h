// Replays stored decisions (the Replay RPC): each stored request is
// decided again, either under the bundle version it was decided with (exact:
// must reproduce the stored decision) or under a candidate bundle (what
// would change), and compared with the stored decision.
//
// Pull-based, so that the caller sets the pace: the gRPC stream asks for the
// next result only when the previous write is done (flow control), and
// `refundctl replay --db` loops. Stored decisions are read page by page
// (kMaxPageSize at a time) through the DecisionLog interface, so the same
// code serves the SQLite file offline and the server.
#ifndef SERVER_AUDIT_DECISION_REPLAYER_H_
#define SERVER_AUDIT_DECISION_REPLAYER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "refund/v1/service.pb.h"
#include "server/bundles/bundle_cache.h"
#include "server/log/decision_log.h"

namespace refund::server {

struct ReplayOptions {
  v1::ReplayMode mode = v1::REPLAY_MODE_EXACT;
  // page_size and page_token are ignored.
  DecisionFilter filter;
  // At most this many decisions; 0 = all.
  int64_t limit = 0;
  // Emit only changed results, errors and integrity failures (the summary
  // counts all).
  bool changed_only = false;
  // Candidate mode: the bundle to replay under (required there).
  std::shared_ptr<const CompiledBundle> candidate;
  // Stored decisions read per page (1..kMaxPageSize): what one replay holds
  // in memory at a time. The server reads small pages (kServerReplayPageSize)
  // so that many open streams cost little; refundctl reads large ones.
  int page_size = kMaxPageSize;
};

// The page size of the server's replays: ~100 stored decisions, about 1 MB
// decoded, per open stream.
inline constexpr int kServerReplayPageSize = 100;

// Not thread-safe: one caller at a time (the gRPC reactor serialises its
// writes). Borrows `log` and `bundles`, which must outlive it.
class DecisionReplayer {
 public:
  DecisionReplayer(DecisionLog& log, BundleCache& bundles,
                   ReplayOptions options);

  // The next result: one ReplayDiff per stored decision matching the filter
  // (oldest first), then the ReplaySummary, then nullopt. A decision that
  // cannot be replayed (bundle text missing or altered, request bytes that
  // no longer parse or validate) is a diff with `error` set, not a failed
  // call. Non-OK only when the log cannot be read; the replay cannot go on.
  absl::StatusOr<std::optional<v1::ReplayResult>> Next();

  // Next that asks `stop` before each stored decision and ends with
  // CANCELLED when it says yes: with `changed_only`, one result may take the
  // whole log to find, and nobody may be waiting for it any more.
  absl::StatusOr<std::optional<v1::ReplayResult>> Next(
      absl::FunctionRef<bool()> stop);

  // Replays one stored decision (no counting); for tests and benchmarks.
  // In exact mode the stored row is also checked on its own (its row_hash,
  // its indexed columns against the hashed bytes) when the store provides
  // them: a decision the replay reproduces is still an integrity failure if
  // its row was edited. Links between rows are `verify`'s.
  v1::ReplayDiff ReplayOne(StoredDecision stored);

 private:
  // Adds the row's own integrity problems to `diff` (`request` null when
  // the request bytes do not parse).
  static void CheckStoredRow(const StoredDecision& stored,
                             const v1::RefundRequest* request,
                             v1::ReplayDiff& diff);
  // Reads the next page; sets log_done_ after the last.
  absl::Status FetchPage();
  // The bundle of `version`, from the cache, remembering the last one.
  absl::StatusOr<std::shared_ptr<const CompiledBundle>> BundleOf(
      const std::string& version);
  void Count(const v1::ReplayDiff& diff);
  v1::ReplaySummary Summary() const;

  DecisionLog& log_;
  BundleCache& bundles_;
  const ReplayOptions options_;

  std::vector<StoredDecision> page_;
  size_t page_pos_ = 0;
  std::string next_page_token_;
  bool log_done_ = false;
  bool summary_sent_ = false;
  int64_t fetched_ = 0;

  std::shared_ptr<const CompiledBundle> last_bundle_;

  int64_t total_ = 0;
  int64_t changed_ = 0;
  int64_t integrity_failures_ = 0;
  int64_t errors_ = 0;
  std::map<std::pair<int, int>, int64_t> transitions_;
  // rule id -> (newly matched, no longer matched)
  std::map<std::string, std::pair<int64_t, int64_t>> rule_changes_;
  std::map<std::string, int64_t> field_changes_;
};

// Runs a replay to the end, handing each result (the summary last) to
// `sink`. The log's error when it cannot be read.
absl::Status RunReplay(DecisionLog& log, BundleCache& bundles,
                       ReplayOptions options,
                       absl::FunctionRef<void(const v1::ReplayResult&)> sink);

}  // namespace refund::server

#endif  // SERVER_AUDIT_DECISION_REPLAYER_H_
