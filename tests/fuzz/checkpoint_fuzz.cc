// Arbitrary bytes as a checkpoint note (server/log/checkpoint/
// log_checkpoint.h): what VerifyDecisionLog parses from any client and
// `refundctl verify` from any file. Never a crash; a note that parses is
// exactly the text its fields format to (one written form per note), and
// checking its signature with a key fails cleanly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "server/log/checkpoint/log_checkpoint.h"

namespace {

// A fixed Ed25519 public key (RFC 8032's first test vector).
constexpr char kPublicKeyPem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* public_key =
      refund::server::CheckpointPublicKey::FromPem(kPublicKeyPem)
          .value()
          .release();
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<refund::server::SignedCheckpoint> note =
      refund::server::ParseCheckpoint(text);
  if (note.ok()) {
    absl::StatusOr<std::string> body =
        refund::server::FormatCheckpointBody(note->checkpoint);
    if (!body.ok() || *body != note->body) std::abort();
    absl::StatusOr<std::string> again = refund::server::FormatSignedCheckpoint(
        *body, note->key_name, note->key_id, note->signature);
    if (!again.ok() || *again != text) std::abort();
  }
  (void)public_key->Verify(text);
  return 0;
}
