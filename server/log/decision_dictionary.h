// The compression dictionary of a bundle's decisions (server/
// decision_codec.h): the serialized rule samples of the bundle
// (CompiledBundle::RuleSamples), so that a compressor finds every script,
// explanation, evidence reason and risk of a decision in it, framed as the
// decision frames them.
//
// The log stores a version's dictionary with the version's text, the first
// time the version is stored, and decompresses with the stored bytes ever
// after: a later build that builds dictionaries differently still reads old
// rows.
#ifndef SERVER_LOG_DECISION_DICTIONARY_H_
#define SERVER_LOG_DECISION_DICTIONARY_H_

#include <cstddef>
#include <string>

#include "engine/decide/compiled_bundle.h"

namespace refund::server {

// Bigger dictionaries cost memory in every compressor and decompressor and
// gain little: the samples that do not fit are dropped from the front (the
// default locale's come last, so they are kept).
inline constexpr size_t kMaxDecisionDictionaryBytes = size_t{256} << 10;

// Deterministic: the same bundle gives the same bytes. Empty (decisions are
// then stored uncompressed) only when the last sample alone exceeds the
// limit.
std::string BuildDecisionDictionary(const CompiledBundle& bundle);

}  // namespace refund::server

#endif  // SERVER_LOG_DECISION_DICTIONARY_H_
