#include "server/log/stored_decision_decoder.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"

namespace refund::server {

absl::StatusOr<std::string> StoredDecisionDecoder::Decode(
    DictionaryReader read_dictionary, int64_t codec,
    const std::string& bundle_version, std::string stored) {
  switch (static_cast<DecisionCodec>(codec)) {
    case DecisionCodec::kPlain:
      return stored;
    case DecisionCodec::kZstdBundleDictionary: {
      ASSIGN_OR_RETURN(std::shared_ptr<const DecisionDecompressor> decompressor,
                       DecompressorFor(read_dictionary, bundle_version));
      return decompressor->Decompress(stored);
    }
  }
  return absl::DataLossError(
      absl::StrCat("decision_codec ", codec, " is not a known codec"));
}

absl::StatusOr<std::shared_ptr<const DecisionDecompressor>>
StoredDecisionDecoder::DecompressorFor(DictionaryReader read_dictionary,
                                       const std::string& bundle_version) {
  {
    absl::MutexLock lock(&mu_);
    auto it = decompressors_.find(bundle_version);
    if (it != decompressors_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(const std::string dictionary,
                   read_dictionary(bundle_version));
  if (dictionary.empty()) {
    return absl::DataLossError(
        absl::StrCat("the decision is compressed but bundle version ",
                     bundle_version, " has no stored decision dictionary"));
  }
  absl::StatusOr<std::unique_ptr<const DecisionDecompressor>> created =
      DecisionDecompressor::Create(dictionary);
  if (!created.ok()) return created.status();
  std::shared_ptr<const DecisionDecompressor> decompressor =
      *std::move(created);
  absl::MutexLock lock(&mu_);
  // Rows are read mostly in order, a version after another: forgetting all
  // of them at once is as good as a finer policy here.
  if (decompressors_.size() >= kMaxCachedVersions) decompressors_.clear();
  decompressors_.emplace(bundle_version, decompressor);
  return decompressor;
}

namespace {

// A sealed blob that could not be unsealed: FAILED_PRECONDITION (no key)
// names the key, DATA_LOSS (does not authenticate) says the row is corrupt.
absl::Status UnsealError(const absl::Status& status, int64_t seq,
                         absl::string_view what) {
  if (absl::IsFailedPrecondition(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat("decision log: row seq ", seq, " is ", status.message()));
  }
  return absl::DataLossError(absl::StrCat("decision log: stored ", what,
                                          " at seq ", seq,
                                          " is corrupt: ", status.message()));
}

}  // namespace

absl::StatusOr<StoredDecision> StoredDecisionDecoder::ReadDecision(
    DictionaryReader read_dictionary, StoredRow row) {
  StoredDecision stored;
  stored.seq = row.seq;
  stored.bundle_version = row.columns.bundle_version;
  const std::string& decision_id = row.columns.decision_id;
  absl::StatusOr<std::string> request = Unseal(
      row.key_id, BlobRole::kRequest, decision_id, std::move(row.request_blob));
  if (!request.ok()) {
    return UnsealError(request.status(), stored.seq, "request");
  }
  absl::StatusOr<std::string> frame =
      Unseal(row.key_id, BlobRole::kDecision, decision_id,
             std::move(row.decision_blob));
  if (!frame.ok()) return UnsealError(frame.status(), stored.seq, "decision");
  absl::StatusOr<std::string> decision = Decode(
      read_dictionary, row.codec, stored.bundle_version, *std::move(frame));
  if (!decision.ok() || !stored.decision.ParseFromString(*decision)) {
    return absl::DataLossError(absl::StrCat(
        "decision log: stored decision at seq ", stored.seq, " is corrupt",
        decision.ok() ? "" : ": ", decision.status().message()));
  }
  stored.decision_bytes = *std::move(decision);
  stored.request_bytes = *std::move(request);
  stored.row = std::move(row.columns);
  return stored;
}

LogRecord StoredDecisionDecoder::ReadRecord(DictionaryReader read_dictionary,
                                            StoredRow row) {
  LogRecord record;
  record.seq = row.seq;
  record.columns = std::move(row.columns);
  const std::string& decision_id = record.columns.decision_id;
  absl::StatusOr<std::string> request = Unseal(
      row.key_id, BlobRole::kRequest, decision_id, std::move(row.request_blob));
  absl::StatusOr<std::string> decision =
      Unseal(row.key_id, BlobRole::kDecision, decision_id,
             std::move(row.decision_blob));
  if (absl::IsFailedPrecondition(request.status())) {
    // No key for it: the row is given without its bytes.
    record.missing_key_id = row.key_id;
    return record;
  }
  if (request.ok()) {
    record.request = *std::move(request);
  } else {
    record.request_error = std::string(request.status().message());
  }
  if (decision.ok()) {
    decision = Decode(read_dictionary, row.codec, record.columns.bundle_version,
                      *std::move(decision));
  }
  if (decision.ok()) {
    record.decision = *std::move(decision);
  } else {
    record.decision_error = std::string(decision.status().message());
  }
  return record;
}

}  // namespace refund::server
