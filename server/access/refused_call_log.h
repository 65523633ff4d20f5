// The access log of refused calls: every call refused for want of
// credentials (UNAUTHENTICATED) or of permission (PERMISSION_DENIED) is
// counted, and logged as one line with the method, the principal, the peer
// and the reason; never the request's body.
#ifndef SERVER_ACCESS_REFUSED_CALL_LOG_H_
#define SERVER_ACCESS_REFUSED_CALL_LOG_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace refund::server {

struct RefusedCall {
  // "/refund.v1.RefundDecisionService/Decide".
  absl::string_view method;
  // The principal's name; empty when the caller is not a known principal.
  absl::string_view principal;
  // gRPC's peer string, e.g. "ipv4:10.0.0.7:53122".
  absl::string_view peer;
  absl::StatusCode code = absl::StatusCode::kPermissionDenied;
  absl::string_view reason;
};

// Thread-safe. Writes lines such as
//   refund-server: refused call=/refund.v1.RefundDecisionService/ListDecisions
//   code=PERMISSION_DENIED principal="oms-a" peer="ipv4:127.0.0.1:40002"
//   reason="..." refused_total=3
// (one line), each value C-escaped so that a client-chosen name cannot forge
// a line. A client that hammers the port must not fill the disk: at most
// `max_lines_per_second` lines are written per second; the calls beyond are
// counted all the same, and the next line written says how many were left
// out (`not_logged=N`).
class RefusedCallLog {
 public:
  explicit RefusedCallLog(std::ostream& out, int max_lines_per_second = 100);

  void Record(const RefusedCall& call) ABSL_LOCKS_EXCLUDED(mu_);

  // Before the first Record (not thread-safe with it): every refused call,
  // written or not, is also passed to `watcher` (metrics count them all).
  void SetWatcher(std::function<void(const RefusedCall&)> watcher) {
    watcher_ = std::move(watcher);
  }
  // Before the first Record: the lines (without their newline) go to
  // `writer` instead of the stream (the server's logger), as rate-limited.
  void SetLineWriter(std::function<void(const std::string& line)> writer) {
    line_writer_ = std::move(writer);
  }

  // Refused calls since start, by code, and all of them.
  int64_t unauthenticated() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t permission_denied() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t total() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  std::ostream& out_;
  std::function<void(const RefusedCall&)> watcher_;
  std::function<void(const std::string& line)> line_writer_;
  const int max_lines_per_second_;
  mutable absl::Mutex mu_;
  int64_t unauthenticated_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t permission_denied_ ABSL_GUARDED_BY(mu_) = 0;
  // The second (since the epoch) the lines counted in lines_this_second_
  // were written in.
  int64_t current_second_ ABSL_GUARDED_BY(mu_) = 0;
  int lines_this_second_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t not_logged_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace refund::server

#endif  // SERVER_ACCESS_REFUSED_CALL_LOG_H_
