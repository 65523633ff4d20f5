// The server's events as log lines (server_logger.h): one line per finished
// call (info when OK; warn for a caller's mistake, error for the server's
// own failures: UNKNOWN, INTERNAL, UNAVAILABLE, DATA_LOSS), one per policy
// reload after start-up (info; warn when refused, with its issues). A call line
// holds the method, status, latency, bytes each way and, for Decide, the
// request and decision ids, the verdict and the bundle version; never a
// request's body or buyer data. A failed call's line holds the status message
// the caller got.
#ifndef SERVER_LOGGING_CALL_LOGGER_H_
#define SERVER_LOGGING_CALL_LOGGER_H_

#include "server/logging/server_logger.h"
#include "server/telemetry/server_observer.h"

namespace refund::server {

// Thread-safe. Borrows `logger`, which must outlive it.
class CallLogger final : public ServerObserver {
 public:
  explicit CallLogger(ServerLogger& logger) : logger_(logger) {}

  // Whether OK calls are logged (so that Decide's fields are worth reading).
  bool logs_ok_calls() const { return logger_.Enabled(LogLevel::kInfo); }

  void OnCall(const CallRecord& call) override;
  void OnReload(const ReloadEvent& reload) override;

 private:
  ServerLogger& logger_;
};

// The level of a call that finished with gRPC status `code`.
LogLevel CallLogLevel(int code);

}  // namespace refund::server

#endif  // SERVER_LOGGING_CALL_LOGGER_H_
