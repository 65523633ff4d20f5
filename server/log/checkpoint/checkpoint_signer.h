// The Ed25519 keys of checkpoints (server/log/checkpoint/log_checkpoint.h),
// on OpenSSL 3's EVP API: the server signs with a private key, an auditor
// checks with the public key.
//
// Keys are PEM files as OpenSSL writes them:
//   openssl genpkey -algorithm ed25519 -out checkpoint.key      (private)
//   openssl pkey -in checkpoint.key -pubout -out checkpoint.pub  (public)
// An encrypted private key is refused (the server starts unattended); no
// password is ever asked for.
#ifndef SERVER_LOG_CHECKPOINT_CHECKPOINT_SIGNER_H_
#define SERVER_LOG_CHECKPOINT_CHECKPOINT_SIGNER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/checkpoint/log_checkpoint.h"

// OpenSSL's key type, kept out of this header.
typedef struct evp_pkey_st EVP_PKEY;

namespace refund::server {

// Owns an EVP_PKEY.
struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// The key id of a raw 32-byte Ed25519 public key: the first 4 bytes of its
// SHA-256.
std::string CheckpointKeyId(absl::string_view raw_public_key);

// Signs checkpoints. Thread-safe: each Sign uses a context of its own over
// the shared, unchanging key.
class CheckpointSigner {
 public:
  // From the text of a private key PEM (PKCS#8, "BEGIN PRIVATE KEY").
  // `key_name` goes in every signature line
  // (ValidateCheckpointKeyName). INVALID_ARGUMENT when the text is not an
  // unencrypted PEM private key, the key is not Ed25519, or the name is
  // not valid.
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> FromPem(
      absl::string_view pem, std::string key_name);

  // FromPem on a file's text; the file's read errors (NOT_FOUND,
  // PERMISSION_DENIED, ...) name it.
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> FromPemFile(
      const std::string& path, std::string key_name);

  // The whole note of `checkpoint` (FormatCheckpointBody, signed).
  // INVALID_ARGUMENT for a field the format cannot hold; INTERNAL when
  // OpenSSL fails to sign.
  absl::StatusOr<std::string> Sign(const LogCheckpoint& checkpoint) const;

  const std::string& key_name() const { return key_name_; }
  // 4 bytes: CheckpointKeyId of the public key.
  const std::string& key_id() const { return key_id_; }
  // The public key as a PEM (what `openssl pkey -pubout` writes).
  std::string PublicKeyPem() const;

 private:
  CheckpointSigner(EvpPkeyPtr key, std::string key_name, std::string key_id)
      : key_(std::move(key)),
        key_name_(std::move(key_name)),
        key_id_(std::move(key_id)) {}

  const EvpPkeyPtr key_;
  const std::string key_name_;
  const std::string key_id_;
};

// Checks checkpoints' signatures. Thread-safe.
class CheckpointPublicKey {
 public:
  // From the text of a public key PEM (SubjectPublicKeyInfo, "BEGIN PUBLIC
  // KEY"). INVALID_ARGUMENT when it is not one or not Ed25519.
  static absl::StatusOr<std::unique_ptr<CheckpointPublicKey>> FromPem(
      absl::string_view pem);
  static absl::StatusOr<std::unique_ptr<CheckpointPublicKey>> FromPemFile(
      const std::string& path);

  // Parses `note` (ParseCheckpoint) and checks that it is signed by this
  // key: its key id is this key's, and the Ed25519 signature verifies over
  // the body's exact bytes. The key name is not checked (a PEM file carries
  // none). INVALID_ARGUMENT naming the line for a malformed note;
  // PERMISSION_DENIED when it was signed by another key ("key id ...") or
  // its signature does not verify (altered or forged).
  absl::StatusOr<SignedCheckpoint> Verify(absl::string_view note) const;

  // 4 bytes.
  const std::string& key_id() const { return key_id_; }

 private:
  CheckpointPublicKey(EvpPkeyPtr key, std::string key_id)
      : key_(std::move(key)), key_id_(std::move(key_id)) {}

  const EvpPkeyPtr key_;
  const std::string key_id_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_CHECKPOINT_CHECKPOINT_SIGNER_H_
