// The keys the decision log encrypts its stored blobs with
// (server/log/blob_cipher.h), read from a key file given by flag
// (refund-server --log_key_file, refundctl --log-key-file).
//
// The key file: one key per line, `<key id> <64 hex digits>` (the 32-byte
// AES-256 key, e.g. from `openssl rand -hex 32`), separated by spaces or
// tabs; blank lines and lines starting with `#` are ignored. A key id is 1 to
// 64 characters of [A-Za-z0-9._-], chosen by the operator (`2026-12`); each
// row stores the id of the key that sealed it (NULL for a plain row). The
// LAST key seals new rows; every key opens the rows sealed with it, so a key
// is rotated by appending a new line, and an old line may go once
// `refundctl rekey` has moved its rows to a newer key.
//
// The file is refused (naming the line, never quoting it: it may hold a key)
// for a malformed line, a repeated key id, or no key at all; and when group
// or others may access it (any of mode 077), as ssh refuses a private key
// file others can read.
#ifndef SERVER_LOG_LOG_KEYRING_H_
#define SERVER_LOG_LOG_KEYRING_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/blob_cipher.h"

namespace refund::server {

inline constexpr size_t kMaxKeyIdSize = 64;

// Immutable and thread-safe once made.
class LogKeyring {
 public:
  // The keyring of a key file's text. INVALID_ARGUMENT naming the 1-based
  // line: a line that is not `<key id> <64 hex digits>`, a key id that is
  // too long or has other characters, a key id given twice; or a text with
  // no key. `source` names the file in messages.
  static absl::StatusOr<std::shared_ptr<const LogKeyring>> Parse(
      absl::string_view text, absl::string_view source);

  // The keyring of the key file at `path`. NOT_FOUND / PERMISSION_DENIED when
  // it cannot be opened; FAILED_PRECONDITION when it is not a regular file,
  // is larger than 1 MiB, or group or others have any access to it
  // (`chmod 600` it); then Parse's errors.
  static absl::StatusOr<std::shared_ptr<const LogKeyring>> ReadFile(
      const std::string& path);

  // The id of the key that seals new blobs (the file's last).
  const std::string& current_key_id() const { return keys_.back().first; }

  // Every key id, in the file's order.
  std::vector<std::string> key_ids() const;

  // Whether a key with this id is held.
  bool Holds(absl::string_view key_id) const;

  // `plaintext` sealed with the current key for `role` of the row
  // `decision_id` (BlobCipher::Seal).
  absl::StatusOr<std::string> Seal(BlobRole role, absl::string_view decision_id,
                                   absl::string_view plaintext) const;

  // The plaintext of a blob sealed with key `key_id` for `role` of the row
  // `decision_id`. FAILED_PRECONDITION when this keyring does not hold
  // `key_id`; DATA_LOSS when the blob does not authenticate.
  absl::StatusOr<std::string> Open(absl::string_view key_id, BlobRole role,
                                   absl::string_view decision_id,
                                   absl::string_view blob) const;

 private:
  explicit LogKeyring(
      std::vector<std::pair<std::string, std::unique_ptr<const BlobCipher>>>
          keys)
      : keys_(std::move(keys)) {}

  const BlobCipher* Find(absl::string_view key_id) const;

  // In the file's order; never empty.
  std::vector<std::pair<std::string, std::unique_ptr<const BlobCipher>>> keys_;
};

// The message of a row that cannot be read without a key: `encrypted with
// key "K", which the key file does not hold` (or `..., and no key file was
// given`).
std::string KeyNotHeldMessage(const LogKeyring* keyring,
                              absl::string_view key_id);

// A stored blob's plaintext: `stored` itself when `key_id` is empty (a plain
// row), otherwise keyring->Open. FAILED_PRECONDITION (KeyNotHeldMessage) when
// `keyring` is null or does not hold `key_id`; DATA_LOSS when the blob does
// not authenticate.
absl::StatusOr<std::string> OpenStoredBlob(const LogKeyring* keyring,
                                           absl::string_view key_id,
                                           BlobRole role,
                                           absl::string_view decision_id,
                                           std::string stored);

// OK when `keyring` (null: none given) holds every id of `stored_key_ids`
// (the key ids a log's rows may be sealed with); FAILED_PRECONDITION naming
// the missing ids otherwise, e.g. `decision log: rows are encrypted with key
// "2026-12", which the key file does not hold; give --log_key_file a file
// with it`.
absl::Status CheckKeysHeld(const std::vector<std::string>& stored_key_ids,
                           const LogKeyring* keyring);

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_KEYRING_H_
