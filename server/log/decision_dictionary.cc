#include "server/log/decision_dictionary.h"

#include <string>
#include <vector>

#include "server/log/decision_serializer.h"

namespace refund::server {

std::string BuildDecisionDictionary(const CompiledBundle& bundle) {
  const std::vector<v1::Decision> samples = bundle.RuleSamples();
  // Taken from the back (the default locale's samples) until full, then
  // laid out in the samples' order.
  std::vector<std::string> kept;
  size_t size = 0;
  for (auto it = samples.rbegin(); it != samples.rend(); ++it) {
    std::string bytes = SerializeDecision(*it);
    if (size + bytes.size() > kMaxDecisionDictionaryBytes) break;
    size += bytes.size();
    kept.push_back(std::move(bytes));
  }
  std::string dictionary;
  dictionary.reserve(size);
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) dictionary += *it;
  return dictionary;
}

}  // namespace refund::server
