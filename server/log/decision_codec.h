// How the decision log keeps a decision's bytes: as they are, or as a zstd
// frame compressed with a dictionary made from the decision's policy bundle
// (server/log/decision_dictionary.h). A decision is mostly the bundle's own
// text (scripts, explanations, evidence reasons, risks) around a few case
// values, so with that dictionary it shrinks about tenfold; the log then
// writes, syncs and checkpoints a tenth of the bytes per decision.
//
// Compression is lossless: decompressing gives the decision's bytes exactly,
// and the hash chain covers those bytes, not the frame (server/log/row_hash.h).
#ifndef SERVER_LOG_DECISION_CODEC_H_
#define SERVER_LOG_DECISION_CODEC_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace refund::server {

// The decisions.decision_codec column.
enum class DecisionCodec : int64_t {
  // The decision's deterministic serialization as is.
  kPlain = 0,
  // One zstd frame of it, compressed with the decision dictionary stored for
  // the row's bundle version (table decision_dictionaries).
  kZstdBundleDictionary = 1,
};

// Decompression refuses frames that claim more than this (a tampered header
// must not make a reader allocate gigabytes).
inline constexpr size_t kMaxDecisionBytes = size_t{64} << 20;

// Compresses decisions with one dictionary. Not thread-safe: one per
// writer thread.
class DecisionCompressor {
 public:
  // INVALID_ARGUMENT for an empty dictionary; RESOURCE_EXHAUSTED when zstd
  // cannot allocate its tables.
  static absl::StatusOr<std::unique_ptr<DecisionCompressor>> Create(
      absl::string_view dictionary);
  ~DecisionCompressor();
  DecisionCompressor(const DecisionCompressor&) = delete;
  DecisionCompressor& operator=(const DecisionCompressor&) = delete;

  // The zstd frame of `decision`, valid until the next call. INTERNAL on a
  // zstd error (none is expected).
  absl::StatusOr<absl::string_view> Compress(absl::string_view decision);

 private:
  struct Zstd;
  explicit DecisionCompressor(std::unique_ptr<Zstd> zstd);

  std::unique_ptr<Zstd> zstd_;
  std::string frame_;
};

// Decompresses frames made with one dictionary. Thread-safe.
class DecisionDecompressor {
 public:
  // INVALID_ARGUMENT for an empty dictionary; RESOURCE_EXHAUSTED when zstd
  // cannot allocate.
  static absl::StatusOr<std::unique_ptr<const DecisionDecompressor>> Create(
      absl::string_view dictionary);
  ~DecisionDecompressor();
  DecisionDecompressor(const DecisionDecompressor&) = delete;
  DecisionDecompressor& operator=(const DecisionDecompressor&) = delete;

  // The decision's bytes. DATA_LOSS when `frame` is not one whole zstd frame
  // made with this dictionary, or claims more than kMaxDecisionBytes.
  absl::StatusOr<std::string> Decompress(absl::string_view frame) const;

 private:
  struct Zstd;
  explicit DecisionDecompressor(std::unique_ptr<Zstd> zstd);

  std::unique_ptr<Zstd> zstd_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_DECISION_CODEC_H_
