// Reads a row's stored blobs back into the bytes the row hash covers:
// unsealed with the log's keyring when the row names a key
// (server/log/log_keyring.h), and the decision decompressed whichever codec
// wrote it (server/log/decision_codec.h), fetching (through the store) and
// caching the dictionary of each bundle version. Shared by every store that
// keeps rows sealed or compressed.
#ifndef SERVER_LOG_STORED_DECISION_DECODER_H_
#define SERVER_LOG_STORED_DECISION_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/log/blob_cipher.h"
#include "server/log/decision_codec.h"
#include "server/log/decision_log.h"
#include "server/log/log_keyring.h"
#include "server/log/log_snapshot.h"
#include "server/log/stored_row.h"

namespace refund::server {

// Reads the decision dictionary stored with a bundle version: its bytes, or
// an empty string when the version has none; UNAVAILABLE when the store
// cannot be read.
using DictionaryReader =
    absl::FunctionRef<absl::StatusOr<std::string>(const std::string& version)>;

// Thread-safe. Keeps the decompressors of the versions it met (a version's
// dictionary never changes once stored), so use one per log file; at most
// kMaxCachedVersions of them (each holds a copy of its dictionary and its
// tables: 157 KB for the shipped bundle), so that replaying years of
// versions stays small.
class StoredDecisionDecoder {
 public:
  static constexpr size_t kMaxCachedVersions = 16;

  // `keyring` (may be null: no key given) unseals sealed rows.
  explicit StoredDecisionDecoder(
      std::shared_ptr<const LogKeyring> keyring = nullptr)
      : keyring_(std::move(keyring)) {}

  // May be null.
  const LogKeyring* keyring() const { return keyring_.get(); }

  // A stored blob as it was before sealing: `stored` itself for a plain row
  // (`key_id` empty), otherwise unsealed for `role` of row `decision_id`.
  // FAILED_PRECONDITION when the keyring does not hold `key_id` (or there is
  // none); DATA_LOSS when the blob does not authenticate.
  absl::StatusOr<std::string> Unseal(absl::string_view key_id, BlobRole role,
                                     absl::string_view decision_id,
                                     std::string stored) const {
    return OpenStoredBlob(keyring_.get(), key_id, role, decision_id,
                          std::move(stored));
  }

  // The decision's bytes from the (unsealed) decision blob `stored` of a
  // row with `codec` and `bundle_version`. `read_dictionary` reads the
  // version's dictionary from the store the first time.
  // DATA_LOSS for an unknown codec, a version without a stored dictionary,
  // or a blob that does not decompress; UNAVAILABLE when the dictionary
  // cannot be read.
  absl::StatusOr<std::string> Decode(DictionaryReader read_dictionary,
                                     int64_t codec,
                                     const std::string& bundle_version,
                                     std::string stored);

  // What a store read of one row: its columns and its blobs as kept.
  struct StoredRow {
    int64_t seq = 0;
    StoredRowColumns columns;
    // Empty: plain.
    std::string key_id;
    std::string request_blob;
    std::string decision_blob;
    int64_t codec = 0;
  };

  // The StoredDecision of `row` (GetDecision, ListDecisions): unsealed,
  // decompressed and parsed. FAILED_PRECONDITION naming the seq and key
  // when the keyring lacks the row's key (`row seq 12 is encrypted with key
  // "2026-12", which ...`); DATA_LOSS when a blob does not authenticate,
  // decompress or parse.
  absl::StatusOr<StoredDecision> ReadDecision(DictionaryReader read_dictionary,
                                              StoredRow row);

  // The LogRecord of `row` (snapshots): the bytes, or why each cannot be
  // read (request_error, decision_error), or the missing key's id; the rule
  // ids are the caller's to fill.
  LogRecord ReadRecord(DictionaryReader read_dictionary, StoredRow row);

 private:
  absl::StatusOr<std::shared_ptr<const DecisionDecompressor>> DecompressorFor(
      DictionaryReader read_dictionary, const std::string& bundle_version);

  const std::shared_ptr<const LogKeyring> keyring_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const DecisionDecompressor>>
      decompressors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace refund::server

#endif  // SERVER_LOG_STORED_DECISION_DECODER_H_
