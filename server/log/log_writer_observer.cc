#include "server/log/log_writer_observer.h"

namespace refund::server {

const char* LogStoreErrorName(LogStoreError error) {
  switch (error) {
    case LogStoreError::kUnavailable:
      return "unavailable";
    case LogStoreError::kDataLoss:
      return "data_loss";
    case LogStoreError::kBroken:
      return "broken";
  }
  return "unknown";
}

}  // namespace refund::server
