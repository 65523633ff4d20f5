#include "server/grpc/grpc_log_routing.h"

#include <atomic>

#include "grpc/support/log.h"
#include "server/grpc/listener_failure.h"

namespace refund::server {
namespace {

std::atomic<ServerLogger*> routed_logger{nullptr};

void LogToServerLogger(gpr_log_func_args* args) {
  if (args == nullptr) return;
  // Health still learns of the listener's death from gRPC's line.
  WatchGrpcLogLine(*args);
  ServerLogger* logger = routed_logger.load(std::memory_order_acquire);
  if (logger == nullptr) return;
  LogLevel level = LogLevel::kInfo;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) {
    level = LogLevel::kError;
  } else if (args->severity == GPR_LOG_SEVERITY_INFO) {
    level = LogLevel::kInfo;
  } else {
    // gRPC's debug lines (GRPC_VERBOSITY=DEBUG) as info.
    level = LogLevel::kInfo;
  }
  logger->Log(level, "grpc",
              {{"file", args->file != nullptr ? args->file : ""},
               {"line", args->line},
               {"message", args->message != nullptr ? args->message : ""}});
}

}  // namespace

void RouteGrpcLogTo(ServerLogger& logger) {
  routed_logger.store(&logger, std::memory_order_release);
  gpr_set_log_function(LogToServerLogger);
}

void StopRoutingGrpcLog() {
  gpr_set_log_function(nullptr);
  routed_logger.store(nullptr, std::memory_order_release);
}

}  // namespace refund::server
