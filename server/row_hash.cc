#include "server/row_hash.h"

#include <openssl/evp.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace refund::server {
namespace {

constexpr absl::string_view kDomainTag = "refund.decision_log.v1\n";

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

class Sha256Builder {
 public:
  Sha256Builder() : ctx_(EVP_MD_CTX_new()) {
    // Failure here means OpenSSL cannot allocate; nothing sensible remains.
    if (ctx_ == nullptr ||
        EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      std::abort();
    }
  }

  void Update(absl::string_view data) {
    if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
      std::abort();
    }
  }

  void UpdateU64(uint64_t value) {
    char buf[8];
    for (int i = 7; i >= 0; --i) {
      buf[i] = static_cast<char>(value & 0xff);
      value >>= 8;
    }
    Update(absl::string_view(buf, sizeof(buf)));
  }

  void UpdateLengthPrefixed(absl::string_view data) {
    UpdateU64(data.size());
    Update(data);
  }

  std::string Finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), out, &len) != 1) std::abort();
    return std::string(reinterpret_cast<const char*>(out), len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx_;
};

}  // namespace

std::string GenesisHash() { return std::string(kSha256Size, '\0'); }

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

std::string ComputeRowHash(absl::string_view request_bytes,
                           absl::string_view decision_bytes,
                           absl::string_view bundle_version,
                           int64_t decided_at_micros,
                           absl::string_view prev_hash) {
  Sha256Builder builder;
  builder.Update(kDomainTag);
  builder.UpdateLengthPrefixed(request_bytes);
  builder.UpdateLengthPrefixed(decision_bytes);
  builder.UpdateLengthPrefixed(bundle_version);
  builder.UpdateU64(static_cast<uint64_t>(decided_at_micros));
  builder.Update(prev_hash);
  return builder.Finish();
}

}  // namespace refund::server
