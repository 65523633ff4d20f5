#include "server/grpc/listener_failure.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "absl/base/call_once.h"
#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/support/log.h"

namespace refund::server {
namespace {

absl::Mutex failure_mu(absl::kConstInit);
std::optional<std::string>& Failure()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(failure_mu) {
  static auto* failure = new std::optional<std::string>();
  return *failure;
}

char SeverityLetter(gpr_log_severity severity) {
  switch (severity) {
    case GPR_LOG_SEVERITY_DEBUG:
      return 'D';
    case GPR_LOG_SEVERITY_INFO:
      return 'I';
    case GPR_LOG_SEVERITY_ERROR:
      return 'E';
  }
  return '?';
}

// The listener's file and message in gRPC 1.51 (src/core/lib/iomgr/
// tcp_server_posix.cc): its only log line on the path that stops accepting.
bool IsListenerFailure(const gpr_log_func_args& args) {
  return args.severity == GPR_LOG_SEVERITY_ERROR && args.file != nullptr &&
         args.message != nullptr &&
         absl::EndsWith(args.file, "tcp_server_posix.cc") &&
         absl::StartsWith(args.message, "Failed accept4");
}

void LogAndWatch(gpr_log_func_args* args) {
  WatchGrpcLogLine(*args);
  const char* file = args->file != nullptr ? args->file : "?";
  if (const char* slash = std::strrchr(file, '/')) file = slash + 1;
  const std::string when =
      absl::FormatTime("%m%d %H:%M:%E6S", absl::Now(), absl::UTCTimeZone());
  std::fprintf(stderr, "%c%s %s:%d] %s\n", SeverityLetter(args->severity),
               when.c_str(), file, args->line,
               args->message != nullptr ? args->message : "");
}

}  // namespace

void WatchGrpcLogLine(const gpr_log_func_args& args) {
  if (IsListenerFailure(args)) {
    absl::MutexLock lock(&failure_mu);
    if (!Failure().has_value()) Failure() = args.message;
  }
}

void WatchForListenerFailure() {
  static absl::once_flag once;
  absl::call_once(once, [] { gpr_set_log_function(LogAndWatch); });
}

std::optional<std::string> ListenerFailure() {
  absl::MutexLock lock(&failure_mu);
  return Failure();
}

}  // namespace refund::server
