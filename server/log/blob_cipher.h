// Authenticated encryption of the decision log's stored blobs (the request
// and the decision of a row) with AES-256-GCM through OpenSSL.
//
// A sealed blob is nonce (12 bytes, random per blob) || ciphertext || tag
// (16 bytes); its additional authenticated data (BlobAad) names the blob's
// role and row, so that a blob moved to another row or column does not open.
// Opening checks the tag: a changed byte anywhere in the blob, another key or
// another AAD is refused (DATA_LOSS), never decrypted to garbage.
//
// Nonces are drawn from OpenSSL's generator (server/log/random_bytes.h): with
// random 96-bit nonces one key should seal at most 2^32 blobs (NIST SP
// 800-38D), about two billion decisions; rotate keys well before
// (docs/decision_log_format.md).
#ifndef SERVER_LOG_BLOB_CIPHER_H_
#define SERVER_LOG_BLOB_CIPHER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace refund::server {

// Which column of a row a blob is.
enum class BlobRole { kRequest, kDecision };

// The AAD of a row's blob: a domain tag, the role and the row's decision_id
// (unique, and never changed by a rekey), each length-prefixed.
std::string BlobAad(BlobRole role, absl::string_view decision_id);

// Thread-safe (every call has its own OpenSSL context).
class BlobCipher {
 public:
  static constexpr size_t kKeySize = 32;
  static constexpr size_t kNonceSize = 12;
  static constexpr size_t kTagSize = 16;
  // What a sealed blob adds to its plaintext.
  static constexpr size_t kOverhead = kNonceSize + kTagSize;

  // INVALID_ARGUMENT unless `key` is kKeySize bytes; INTERNAL when OpenSSL
  // has no AES-256-GCM. The key is copied (and wiped on destruction).
  static absl::StatusOr<std::unique_ptr<const BlobCipher>> Create(
      absl::string_view key);
  ~BlobCipher();
  BlobCipher(const BlobCipher&) = delete;
  BlobCipher& operator=(const BlobCipher&) = delete;

  // nonce || ciphertext || tag of `plaintext` bound to `aad`. INTERNAL when
  // OpenSSL fails (its generator cannot give a nonce).
  absl::StatusOr<std::string> Seal(absl::string_view plaintext,
                                   absl::string_view aad) const;

  // The plaintext of a blob Seal made with this key and `aad`. DATA_LOSS
  // when `blob` is shorter than kOverhead or does not authenticate (edited,
  // another key, another AAD).
  absl::StatusOr<std::string> Open(absl::string_view blob,
                                   absl::string_view aad) const;

 private:
  struct Evp;
  explicit BlobCipher(std::unique_ptr<Evp> evp);

  std::unique_ptr<Evp> evp_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_BLOB_CIPHER_H_
