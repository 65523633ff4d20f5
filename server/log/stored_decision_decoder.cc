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

}  // namespace refund::server
