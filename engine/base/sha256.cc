#include "engine/base/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace refund {

struct Sha256Builder::Context {
  EVP_MD_CTX* md = nullptr;
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256Builder::Sha256Builder() : ctx_(std::make_unique<Context>()) {
  ctx_->md = EVP_MD_CTX_new();
  // Failure here means OpenSSL cannot allocate; nothing sensible remains.
  if (ctx_->md == nullptr ||
      EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
}

Sha256Builder::~Sha256Builder() = default;

void Sha256Builder::Update(absl::string_view data) {
  if (EVP_DigestUpdate(ctx_->md, data.data(), data.size()) != 1) std::abort();
}

void Sha256Builder::UpdateU64(uint64_t value) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  Update(absl::string_view(buf, sizeof(buf)));
}

void Sha256Builder::UpdateLengthPrefixed(absl::string_view data) {
  UpdateU64(data.size());
  Update(data);
}

std::string Sha256Builder::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->md, out, &len) != 1) std::abort();
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Sha256(absl::string_view data) {
  Sha256Builder builder;
  builder.Update(data);
  return builder.Finish();
}

std::string ToHex(absl::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::string Sha256Hex(absl::string_view data) { return ToHex(Sha256(data)); }

}  // namespace refund
