#include "server/access/refused_call_log.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace refund::server {

RefusedCallLog::RefusedCallLog(std::ostream& out, int max_lines_per_second)
    : out_(out), max_lines_per_second_(max_lines_per_second) {}

void RefusedCallLog::Record(const RefusedCall& call) {
  if (watcher_) watcher_(call);
  const int64_t second = absl::ToUnixSeconds(absl::Now());
  absl::MutexLock lock(&mu_);
  if (call.code == absl::StatusCode::kUnauthenticated) {
    ++unauthenticated_;
  } else {
    ++permission_denied_;
  }
  if (second != current_second_) {
    current_second_ = second;
    lines_this_second_ = 0;
  }
  if (lines_this_second_ >= max_lines_per_second_) {
    ++not_logged_;
    return;
  }
  ++lines_this_second_;
  std::string line = absl::StrCat(
      "refund-server: refused call=", absl::CHexEscape(call.method),
      " code=", absl::StatusCodeToString(call.code), " principal=\"",
      absl::CHexEscape(call.principal), "\" peer=\"",
      absl::CHexEscape(call.peer), "\" reason=\"",
      absl::CHexEscape(call.reason),
      "\" refused_total=", unauthenticated_ + permission_denied_);
  if (not_logged_ > 0) {
    absl::StrAppend(&line, " not_logged=", not_logged_);
    not_logged_ = 0;
  }
  if (line_writer_) {
    line_writer_(line);
    return;
  }
  line.push_back('\n');
  out_ << line << std::flush;
}

int64_t RefusedCallLog::unauthenticated() const {
  absl::MutexLock lock(&mu_);
  return unauthenticated_;
}

int64_t RefusedCallLog::permission_denied() const {
  absl::MutexLock lock(&mu_);
  return permission_denied_;
}

int64_t RefusedCallLog::total() const {
  absl::MutexLock lock(&mu_);
  return unauthenticated_ + permission_denied_;
}

}  // namespace refund::server
