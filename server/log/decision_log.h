// The decision log: every request the service decided, the decision it
// returned and the policy bundle version it used, kept durably and chained by
// hash (docs/decision_log_format.md). An interface with its own types, so that
// a shared store (PostgreSQL) can replace the embedded SQLite one; what every
// store shares is written once beside it (the entry, the chain, the codec,
// the verifier), and every store passes one conformance suite
// (tests/server/log/decision_log_conformance_test.cc).
#ifndef SERVER_LOG_DECISION_LOG_H_
#define SERVER_LOG_DECISION_LOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "refund/v1/refund.pb.h"
#include "server/log/hash_chain.h"
#include "server/log/log_entry.h"
#include "server/log/log_health.h"
#include "server/log/log_snapshot.h"
#include "server/log/shop_scope.h"
#include "server/log/stored_row.h"

namespace refund::server {

// Receives the outcome of an Append:
// - OK and the decision's bytes as stored (the entry's own decision_bytes
//   for a new one), or
// - OK and the bytes of the decision stored earlier under the same
//   request_id when the request bytes are identical (an idempotent retry), or
// - INVALID_ARGUMENT: the entry's request_id or decision_id is empty;
// - FAILED_PRECONDITION: the bundle version was never stored (checked
//   first: even an identical retry of a stored request answers this when
//   its version is unknown);
// - ALREADY_EXISTS: the request_id is stored with different request bytes,
//   or the decision_id is already taken by another request;
// - DATA_LOSS: the decision stored for this request_id does not parse (or,
//   sealed, does not authenticate);
// - FAILED_PRECONDITION: also when the row stored for this request_id is
//   sealed with a key the store was not given (server/log/log_keyring.h);
// - UNAVAILABLE: the store failed; nothing of this entry is in the log
//   (while the store stays open: the SQLite store rolled its batch back).
//   After a crash or a power loss, though, an entry whose COMMIT failed at
//   its sync, after its bytes were written, may be found again, whole and
//   chained, as if it had committed (the disk may keep what the failed sync
//   was for, or another sync of the file made it durable, and the next
//   commit had not yet overwritten it); an identical retry then gets it. A
//   client must retry an UNAVAILABLE with the same request, as after any
//   unanswered call.
// Only OK and UNAVAILABLE outcomes depend on the store; a refusal leaves
// the log as it was and the other entries of the same batch unaffected.
// It runs on a thread of the log (never the caller's), only after the
// outcome is durable; it must not block, and must not call PutBundle or
// Close on the same log (Append is fine).
using AppendCallback = absl::AnyInvocable<void(absl::StatusOr<std::string>)>;

// Which decisions ListDecisions returns. Empty strings, VERDICT_UNSPECIFIED
// and unset times do not filter.
struct DecisionFilter {
  std::string refund_id;
  std::string shop_id;
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
  // decided_at in [from, to), microseconds since the Unix epoch.
  std::optional<int64_t> decided_from_micros;
  std::optional<int64_t> decided_to_micros;
  std::string rule_id;
  // 0 = kDefaultPageSize; larger than kMaxPageSize is reduced to it;
  // negative is INVALID_ARGUMENT.
  int page_size = 0;
  // From a previous page's next_page_token, with the same filter; empty for
  // the first page.
  std::string page_token;
  // Only decisions of these shops (the caller's limit, applied in the
  // store's query). A page token does not carry it: every page is read
  // through the scope of its own call.
  ShopScope scope = ShopScope::All();
};

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// A stored decision with what is needed to replay it.
struct StoredDecision {
  int64_t seq = 0;  // position in the log, 1-based, increasing
  v1::Decision decision;
  // `decision` exactly as stored (its deterministic serialization, unless
  // the row was altered), for byte comparisons; may be empty for a store
  // that does not keep bytes.
  std::string decision_bytes;
  std::string request_bytes;
  std::string bundle_version;
  // The row's indexed columns and chain hashes, when the store keeps them
  // (exact replay checks the row against them).
  std::optional<StoredRowColumns> row;
};

struct DecisionPage {
  // Oldest first.
  std::vector<StoredDecision> decisions;
  // Empty on the last page.
  std::string next_page_token;
};

// All methods are thread-safe.
class DecisionLog {
 public:
  virtual ~DecisionLog() = default;

  // Queues `entry` to be stored; `done` receives the outcome (see
  // AppendCallback). After Close, `done` runs at once with UNAVAILABLE.
  virtual void Append(DecisionLogEntry entry, AppendCallback done) = 0;

  // Stores the canonical text of a bundle version once (a version already
  // stored is left as it is). Blocks until durable. Call it before appending
  // any decision made with that version. UNAVAILABLE on a storage failure.
  // `decision_dictionary` (server/log/decision_dictionary.h; may be empty) is
  // what the store may compress this version's decisions with; a store
  // keeps the first one it got for a version, and reads its rows with it.
  virtual absl::Status PutBundle(const std::string& version,
                                 const std::string& name,
                                 const std::string& canonical_text,
                                 const std::string& decision_dictionary) = 0;

  // NOT_FOUND when no decision has this id, or its shop is outside
  // `scope` (the same answer: a scoped reader cannot tell another shop's
  // decision from none); DATA_LOSS when its stored bytes do not read back
  // (corrupt, compressed with a dictionary the store lacks, or sealed and
  // not authenticating); FAILED_PRECONDITION when they are sealed with a key
  // the store was not given; UNAVAILABLE when the store cannot be read.
  virtual absl::StatusOr<StoredDecision> GetDecision(
      const std::string& decision_id, const ShopScope& scope) = 0;
  // The same for every shop. (A store that overrides the scoped one brings
  // this into its scope with `using DecisionLog::GetDecision;`.)
  absl::StatusOr<StoredDecision> GetDecision(const std::string& decision_id) {
    return GetDecision(decision_id, ShopScope::All());
  }

  // One page of the decisions matching `filter`, oldest first.
  // INVALID_ARGUMENT for a malformed page token, one made for another filter,
  // or a negative page size; DATA_LOSS when a row of the page does not read
  // back; UNAVAILABLE when the store cannot be read.
  virtual absl::StatusOr<DecisionPage> ListDecisions(
      const DecisionFilter& filter) = 0;

  // NOT_FOUND when the version was never stored.
  virtual absl::StatusOr<std::string> GetBundleText(
      const std::string& version) = 0;

  // One consistent view of the whole log as stored, for verify
  // (server/log/log_verifier.h), export and audit: every row in seq order,
  // the bundle texts, the chain head. UNAVAILABLE when the store cannot be
  // read.
  virtual absl::StatusOr<std::unique_ptr<LogSnapshot>> OpenSnapshot() = 0;

  // The chain head after the last committed append: the last row's seq and
  // row_hash as this process stored them (seq 0 and the genesis hash for an
  // empty log), kept in memory, not read back from the store, so that a
  // signed checkpoint (server/log/checkpoint/) vouches only for rows this
  // process wrote or found at open. Cheap (one mutex); works after Close. A
  // read-only store gives the head its store keeps (UNAVAILABLE when it
  // cannot be read, FAILED_PRECONDITION when there is none).
  virtual absl::StatusOr<ChainHead> CommittedHead() = 0;

  // Whether the store can take decisions now (server/log/log_health.h):
  // not while its commits fail (until the next good one), nor ever again
  // once what it writes is no longer its store (a file moved or deleted, a
  // corrupt page found). Appends made while it is not serving answer
  // UNAVAILABLE. Cheap: health checks poll it.
  virtual LogHealth Health() = 0;

  // Stores everything already queued, then refuses new work. Idempotent.
  virtual void Close() = 0;
};

}  // namespace refund::server

#endif  // SERVER_LOG_DECISION_LOG_H_
