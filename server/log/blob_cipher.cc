#include "server/log/blob_cipher.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/log/random_bytes.h"

namespace refund::server {
namespace {

// Frees an EVP_CIPHER_CTX on every path.
struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

void AppendLengthPrefixed(std::string* out, absl::string_view part) {
  const uint64_t size = part.size();
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((size >> shift) & 0xff));
  }
  out->append(part.data(), part.size());
}

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

struct BlobCipher::Evp {
  EVP_CIPHER* cipher = nullptr;
  unsigned char key[kKeySize];
  ~Evp() {
    OPENSSL_cleanse(key, sizeof key);
    EVP_CIPHER_free(cipher);
  }
};

std::string BlobAad(BlobRole role, absl::string_view decision_id) {
  std::string aad = "refund.decision_log.blob.v1\n";
  AppendLengthPrefixed(&aad,
                       role == BlobRole::kRequest ? "request" : "decision");
  AppendLengthPrefixed(&aad, decision_id);
  return aad;
}

absl::StatusOr<std::unique_ptr<const BlobCipher>> BlobCipher::Create(
    absl::string_view key) {
  if (key.size() != kKeySize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an AES-256 key is ", kKeySize, " bytes, not ", key.size()));
  }
  auto evp = std::make_unique<Evp>();
  // Fetched once: an implicit fetch on every call would look the algorithm
  // up again each time.
  evp->cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (evp->cipher == nullptr) {
    return absl::InternalError("OpenSSL has no AES-256-GCM");
  }
  std::copy(key.begin(), key.end(), evp->key);
  return std::unique_ptr<const BlobCipher>(new BlobCipher(std::move(evp)));
}

BlobCipher::BlobCipher(std::unique_ptr<Evp> evp) : evp_(std::move(evp)) {}

BlobCipher::~BlobCipher() = default;

absl::StatusOr<std::string> BlobCipher::Seal(absl::string_view plaintext,
                                             absl::string_view aad) const {
  if (plaintext.size() > INT_MAX - kOverhead || aad.size() > INT_MAX) {
    return absl::InvalidArgumentError("blob too large to seal");
  }
  std::string blob(kOverhead + plaintext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(blob.data());
  if (!TakeRandomBytes(out, kNonceSize)) {
    return absl::InternalError("OpenSSL's generator gave no nonce");
  }
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  if (ctx == nullptr ||
      EVP_EncryptInit_ex2(ctx.get(), evp_->cipher, evp_->key, out, nullptr) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out + kNonceSize, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + kNonceSize + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          out + kNonceSize + plaintext.size()) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  return blob;
}

absl::StatusOr<std::string> BlobCipher::Open(absl::string_view blob,
                                             absl::string_view aad) const {
  if (blob.size() < kOverhead) {
    return absl::DataLossError(
        absl::StrCat("encrypted blob of ", blob.size(),
                     " bytes is shorter than its nonce and tag"));
  }
  if (blob.size() > INT_MAX || aad.size() > INT_MAX) {
    return absl::DataLossError("encrypted blob too large");
  }
  const size_t size = blob.size() - kOverhead;
  std::string plaintext(size, '\0');
  const unsigned char* in = Bytes(blob);
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer; it only reads it.
  unsigned char tag[kTagSize];
  std::copy(in + kNonceSize + size, in + blob.size(), tag);
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  if (ctx == nullptr ||
      EVP_DecryptInit_ex2(ctx.get(), evp_->cipher, evp_->key, in, nullptr) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(),
                        reinterpret_cast<unsigned char*>(plaintext.data()),
                        &len, in + kNonceSize, static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) !=
          1 ||
      EVP_DecryptFinal_ex(
          ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + len,
          &final_len) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return absl::DataLossError(
        "encrypted blob does not authenticate (edited, or sealed with "
        "another key or for another row)");
  }
  return plaintext;
}

}  // namespace refund::server
