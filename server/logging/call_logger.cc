#include "server/logging/call_logger.h"

#include <string>

#include "absl/time/time.h"
#include "refund/v1/refund.pb.h"

namespace refund::server {

LogLevel CallLogLevel(int code) {
  switch (code) {
    case 0:  // OK
      return LogLevel::kInfo;
    case 2:   // UNKNOWN
    case 13:  // INTERNAL
    case 14:  // UNAVAILABLE
    case 15:  // DATA_LOSS
      return LogLevel::kError;
    default:
      return LogLevel::kWarn;
  }
}

void CallLogger::OnCall(const CallRecord& call) {
  const LogLevel level = CallLogLevel(call.status_code);
  if (!logger_.Enabled(level)) return;
  const absl::string_view method = KnownMethodName(call.method);
  const absl::string_view status = StatusCodeName(call.status_code);
  const double latency_ms = absl::ToDoubleMilliseconds(call.latency);
  if (call.method == KnownMethod::kDecide && call.verdict >= 0) {
    const std::string& verdict = v1::Verdict_Name(call.verdict);
    logger_.Log(level, "call",
                {{"method", method},
                 {"status", status},
                 {"latency_ms", latency_ms},
                 {"request_id", call.request_id},
                 {"decision_id", call.decision_id},
                 {"verdict", verdict},
                 {"bundle_version", call.bundle_version},
                 {"sent_bytes", call.sent_bytes},
                 {"received_bytes", call.received_bytes}});
    return;
  }
  if (call.status_code != 0) {
    logger_.Log(level, "call",
                {{"method", method},
                 {"status", status},
                 {"latency_ms", latency_ms},
                 {"message", call.status_message},
                 {"sent_bytes", call.sent_bytes},
                 {"received_bytes", call.received_bytes}});
    return;
  }
  logger_.Log(level, "call",
              {{"method", method},
               {"status", status},
               {"latency_ms", latency_ms},
               {"sent_bytes", call.sent_bytes},
               {"received_bytes", call.received_bytes}});
}

void CallLogger::OnReload(const ReloadEvent& reload) {
  // The start-up line names the first bundle; a start-up that fails to
  // load one says so in its one error line.
  const char* source = ReloadSourceName(reload.source);
  // Shop layers a whole reload refused (the others serve): at start too.
  if (reload.status.ok() && reload.shop_id.empty() &&
      !reload.active->layer_issues.empty()) {
    logger_.Log(LogLevel::kWarn, "shop_layers",
                {{"result", "refused"},
                 {"source", source},
                 {"issues", reload.active->layer_issues}});
  }
  if (reload.source == ReloadSource::kStart) return;
  if (reload.status.ok()) {
    const ShopLayers::Entry* layer =
        reload.shop_id.empty() ? nullptr
                               : reload.active->LayerEntry(reload.shop_id);
    logger_.Log(
        LogLevel::kInfo, "reload",
        {{"result", "ok"},
         {"source", source},
         {"shop_id", reload.shop_id},
         {"bundle_name", reload.active->bundle->name()},
         {"bundle_version", reload.active->bundle->version()},
         {"layer_version", layer != nullptr ? layer->layer->version() : ""},
         {"shop_layers", reload.active->layers != nullptr
                             ? std::to_string(reload.active->layers->size())
                             : "0"}});
    return;
  }
  const char* result =
      absl::IsFailedPrecondition(reload.status) ? "refused" : "error";
  const std::string serving =
      reload.active != nullptr ? reload.active->bundle->version() : "";
  logger_.Log(LogLevel::kWarn, "reload",
              {{"result", result},
               {"source", source},
               {"shop_id", reload.shop_id},
               {"serving_version", serving},
               {"issues", reload.status.message()}});
}

}  // namespace refund::server
