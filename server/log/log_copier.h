// Copies a whole decision log into an empty one, store to store
// (`refundctl migrate`), through the DecisionLog and LogSnapshot interfaces
// only: it knows no store.
//
// Every bundle version goes first (PutBundle with its name, text and
// decision dictionary, as the source's snapshot gives them:
// StoredBundleText), then every row in seq order as the DecisionLogEntry it
// was made from (ids, refund and shop ids, verdict, decided_at, bundle
// version, the request and decision bytes, the indexed rule ids), many
// appends outstanding at once so that the destination batches them. The
// row hash covers the request, the decision, the bundle version,
// decided_at and prev_hash, so the same rows appended in the same order to
// an empty log get the same seqs and hashes: the copier links each row
// itself (server/log/hash_chain.h) and checks it against the source's
// stored seq, prev_hash and row_hash before appending it, and at the end
// checks that the destination's committed head is the source's last row
// (and the source's stored chain head, when it keeps one).
//
// It never writes the source; it writes the destination only through
// PutBundle and Append. It checks the links, not the whole row: verify the
// source before (rows whose columns or rule ids disagree with their bytes
// would be copied as they are) and the destination after
// (server/log/log_verifier.h).
#ifndef SERVER_LOG_LOG_COPIER_H_
#define SERVER_LOG_LOG_COPIER_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/log/decision_log.h"
#include "server/log/hash_chain.h"
#include "server/log/log_snapshot.h"

namespace refund::server {

// How far a copy is.
struct LogCopyProgress {
  // Rows the destination has acknowledged.
  int64_t rows_copied = 0;
  // Since the copy started.
  absl::Duration elapsed;
};

struct LogCopyOptions {
  // Appends outstanding at once (the destination batches them; each holds
  // its row's bytes twice). Values below 1 count as 1.
  int max_in_flight = 4096;
  // Called on the copying thread about every `progress_interval` while
  // rows are copied (never for a copy that takes less); may be empty.
  std::function<void(const LogCopyProgress&)> progress;
  absl::Duration progress_interval = absl::Seconds(1);
};

// What a copy did, as far as it went.
struct LogCopyResult {
  // Bundle versions given to the destination's PutBundle.
  int64_t bundles_copied = 0;
  // Rows the destination acknowledged.
  int64_t rows_copied = 0;
  // Whether the destination may have been written (a PutBundle or an
  // Append was made): when the copy then fails, the destination may hold a
  // partial copy. False when the copy was refused before any write.
  bool destination_written = false;
  // After a copy that succeeded: the last row copied, which is both the
  // source's last row and the destination's committed head (seq 0 and the
  // genesis hash for an empty log).
  ChainHead head;
};

// Copies `source` (read to its end) into `destination`, which must hold no
// row (it may hold bundle versions: PutBundle keeps the first text of a
// version, which hashes to the version as the source's does). Fills
// `result` (required) as far as it went, also on error. Requires a
// destination that stores the appends of one thread in the order they were
// made, as the stores of this tree do; one that does not fails the final
// check. Errors, the first one found (appends already outstanding are
// waited for before it returns):
// - FAILED_PRECONDITION: the destination holds rows (nothing is written);
//   a source row sealed with a key the source snapshot was not given;
// - DATA_LOSS: a source row whose request or decision cannot be read, or
//   that does not follow the row before it (seq, prev_hash) or does not
//   hash to its row_hash; the source's chain head does not name its last
//   row; after the copy, the destination's committed head is not the
//   source's last row;
// - ALREADY_EXISTS: the destination answered a row with another decision
//   than the row's (its request_id was stored already);
// - the source snapshot's errors, and the destination's PutBundle and
//   Append errors (UNAVAILABLE: a store failure), naming the bundle
//   version or the row's seq.
// Not thread-safe with respect to `source`; `destination` may be used by
// others meanwhile only for reads.
absl::Status CopyDecisionLog(LogSnapshot& source, DecisionLog& destination,
                             const LogCopyOptions& options,
                             LogCopyResult* result);

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_COPIER_H_
