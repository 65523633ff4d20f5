// SHA-256, the one implementation the project uses (OpenSSL's EVP): bundle
// versions (engine/load/bundle_canonicalizer.h) and the decision log's hash
// chain (server/log/row_hash.h).
#ifndef ENGINE_BASE_SHA256_H_
#define ENGINE_BASE_SHA256_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace refund {

inline constexpr int kSha256Size = 32;

// Raw (32-byte) SHA-256 of `data`.
std::string Sha256(absl::string_view data);

// Lower-case hex of SHA-256 of `data` (64 characters).
std::string Sha256Hex(absl::string_view data);

// Lower-case hex of `bytes`.
std::string ToHex(absl::string_view bytes);

// An incremental SHA-256. Not thread-safe; one digest per object. Aborts
// only when OpenSSL cannot allocate its context.
class Sha256Builder {
 public:
  Sha256Builder();
  ~Sha256Builder();
  Sha256Builder(const Sha256Builder&) = delete;
  Sha256Builder& operator=(const Sha256Builder&) = delete;

  void Update(absl::string_view data);
  // `value` as 8 bytes, big-endian.
  void UpdateU64(uint64_t value);
  // u64be(len(data)) then data: an unambiguous encoding of a field.
  void UpdateLengthPrefixed(absl::string_view data);
  // The raw 32 bytes; the builder must not be used afterwards.
  std::string Finish();

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

}  // namespace refund

#endif  // ENGINE_BASE_SHA256_H_
