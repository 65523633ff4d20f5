#include "server/log/checkpoint/checkpoint_signer.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "server/log/checkpoint/checkpoint_file.h"

namespace refund::server {
namespace {

constexpr size_t kRawPublicKeySize = 32;
constexpr size_t kSignatureSize = 64;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// OpenSSL's error queue as text (and emptied), for a message.
std::string OpenSslErrors() {
  std::string text;
  while (unsigned long error = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "no detail" : text;
}

// A PEM password callback that gives none: an encrypted key fails to load
// instead of OpenSSL asking on the terminal.
int NoPassword(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) {
  return -1;
}

std::unique_ptr<BIO, BioDeleter> ReadBio(absl::string_view text) {
  return std::unique_ptr<BIO, BioDeleter>(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

absl::StatusOr<std::string> RawPublicKey(EVP_PKEY* key) {
  std::string raw(kRawPublicKeySize, '\0');
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(
          key, reinterpret_cast<unsigned char*>(raw.data()), &size) != 1 ||
      size != kRawPublicKeySize) {
    return absl::InternalError(
        absl::StrCat("cannot read the Ed25519 public key: ", OpenSslErrors()));
  }
  return raw;
}

absl::Status CheckEd25519(EVP_PKEY* key, const char* what) {
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(
        absl::StrCat(what,
                     " is not an Ed25519 key (make one with `openssl "
                     "genpkey -algorithm ed25519`)"));
  }
  return absl::OkStatus();
}

absl::Status WithPath(const absl::Status& status, const std::string& path) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(path, ": ", status.message()));
}

}  // namespace

void EvpPkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

std::string CheckpointKeyId(absl::string_view raw_public_key) {
  return Sha256(raw_public_key).substr(0, 4);
}

absl::StatusOr<std::unique_ptr<CheckpointSigner>> CheckpointSigner::FromPem(
    absl::string_view pem, std::string key_name) {
  RETURN_IF_ERROR(ValidateCheckpointKeyName(key_name));
  std::unique_ptr<BIO, BioDeleter> bio = ReadBio(pem);
  if (bio == nullptr) return absl::InternalError("cannot allocate a BIO");
  EvpPkeyPtr key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  if (key == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "not an unencrypted PEM private key (\"BEGIN PRIVATE KEY\", as "
        "`openssl genpkey -algorithm ed25519` writes)");
  }
  RETURN_IF_ERROR(CheckEd25519(key.get(), "the private key"));
  ASSIGN_OR_RETURN(std::string raw, RawPublicKey(key.get()));
  std::string key_id = CheckpointKeyId(raw);
  return std::unique_ptr<CheckpointSigner>(new CheckpointSigner(
      std::move(key), std::move(key_name), std::move(key_id)));
}

absl::StatusOr<std::unique_ptr<CheckpointSigner>> CheckpointSigner::FromPemFile(
    const std::string& path, std::string key_name) {
  ASSIGN_OR_RETURN(std::string pem, ReadCheckpointFile(path));
  absl::StatusOr<std::unique_ptr<CheckpointSigner>> signer =
      FromPem(pem, std::move(key_name));
  if (!signer.ok()) return WithPath(signer.status(), path);
  return signer;
}

absl::StatusOr<std::string> CheckpointSigner::Sign(
    const LogCheckpoint& checkpoint) const {
  ASSIGN_OR_RETURN(std::string body, FormatCheckpointBody(checkpoint));
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  std::string signature(kSignatureSize, '\0');
  size_t size = signature.size();
  // Ed25519 hashes internally: no digest is named (NULL md).
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(),
                     reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(body.data()),
                     body.size()) != 1 ||
      size != kSignatureSize) {
    return absl::InternalError(
        absl::StrCat("cannot sign the checkpoint: ", OpenSslErrors()));
  }
  return FormatSignedCheckpoint(body, key_name_, key_id_, signature);
}

std::string CheckpointSigner::PublicKeyPem() const {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    ERR_clear_error();
    return "";
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<std::unique_ptr<CheckpointPublicKey>>
CheckpointPublicKey::FromPem(absl::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio = ReadBio(pem);
  if (bio == nullptr) return absl::InternalError("cannot allocate a BIO");
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassword, nullptr));
  if (key == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "not a PEM public key (\"BEGIN PUBLIC KEY\", as `openssl pkey "
        "-pubout` writes)");
  }
  RETURN_IF_ERROR(CheckEd25519(key.get(), "the public key"));
  ASSIGN_OR_RETURN(std::string raw, RawPublicKey(key.get()));
  std::string key_id = CheckpointKeyId(raw);
  return std::unique_ptr<CheckpointPublicKey>(
      new CheckpointPublicKey(std::move(key), std::move(key_id)));
}

absl::StatusOr<std::unique_ptr<CheckpointPublicKey>>
CheckpointPublicKey::FromPemFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string pem, ReadCheckpointFile(path));
  absl::StatusOr<std::unique_ptr<CheckpointPublicKey>> key = FromPem(pem);
  if (!key.ok()) return WithPath(key.status(), path);
  return key;
}

absl::StatusOr<SignedCheckpoint> CheckpointPublicKey::Verify(
    absl::string_view note) const {
  ASSIGN_OR_RETURN(SignedCheckpoint parsed, ParseCheckpoint(note));
  if (parsed.key_id != key_id_) {
    return absl::PermissionDeniedError(absl::StrCat(
        "checkpoint: signed by key \"", parsed.key_name, "\" (key id ",
        ToHex(parsed.key_id), "), not by this public key (key id ",
        ToHex(key_id_), ")"));
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr,
                                             nullptr, key_.get()) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot verify the checkpoint: ", OpenSslErrors()));
  }
  const int verified = EVP_DigestVerify(
      ctx.get(),
      reinterpret_cast<const unsigned char*>(parsed.signature.data()),
      parsed.signature.size(),
      reinterpret_cast<const unsigned char*>(parsed.body.data()),
      parsed.body.size());
  ERR_clear_error();
  if (verified != 1) {
    return absl::PermissionDeniedError(
        "checkpoint: the signature does not verify with this public key: the "
        "note was altered after it was signed, or forged");
  }
  return parsed;
}

}  // namespace refund::server
