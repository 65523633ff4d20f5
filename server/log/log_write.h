// One write a store's writer takes from its queue: a decision to append or a
// bundle version to store (DecisionLog::Append, DecisionLog::PutBundle).
#ifndef SERVER_LOG_LOG_WRITE_H_
#define SERVER_LOG_LOG_WRITE_H_

#include <string>
#include <variant>

#include "server/log/log_entry.h"

namespace refund::server {

// A bundle version to store (DecisionLog::PutBundle).
struct BundleWrite {
  std::string version;
  std::string name;
  std::string text;
  std::string decision_dictionary;
};

using LogWrite = std::variant<DecisionLogEntry, BundleWrite>;

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_WRITE_H_
