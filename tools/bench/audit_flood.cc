#include "tools/bench/audit_flood.h"

#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace refund::bench {

std::string AuditFloodReport::Format() const {
  return absl::StrCat(
      "FLOOD verifies_ok=", verifies_ok, " verifies_refused=", verifies_refused,
      " verifies_failed=", verifies_failed,
      " replays_refused=", replays_refused, " replays_failed=", replays_failed,
      " replay_results=", replay_results, "\n");
}

absl::StatusOr<std::unique_ptr<AuditFlood>> AuditFlood::Start(
    const AuditFloodOptions& options) {
  absl::StatusOr<client::ServerConnection> connection =
      client::ServerConnection::Open(options.server);
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<AuditFlood>(
      new AuditFlood(options, *std::move(connection)));
}

std::shared_ptr<grpc::Channel> AuditFlood::OwnChannel() const {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return connection_.NewChannel(arguments);
}

AuditFlood::AuditFlood(const AuditFloodOptions& options,
                       client::ServerConnection connection)
    : options_(options),
      connection_(std::move(connection)),
      verify_channel_(OwnChannel()) {
  for (int i = 0; i < options_.verifies; ++i) {
    threads_.emplace_back([this] { VerifyLoop(); });
  }
  for (int i = 0; i < options_.slow_replays; ++i) {
    threads_.emplace_back([this] { SlowReplay(); });
  }
}

AuditFlood::~AuditFlood() { Stop(); }

AuditFloodReport AuditFlood::Stop() {
  if (!stopped_) {
    stopped_ = true;
    stop_.Notify();
    for (std::thread& thread : threads_) thread.join();
  }
  AuditFloodReport report;
  report.verifies_ok = verifies_ok_.load();
  report.verifies_refused = verifies_refused_.load();
  report.verifies_failed = verifies_failed_.load();
  report.replays_refused = replays_refused_.load();
  report.replays_failed = replays_failed_.load();
  report.replay_results = replay_results_.load();
  return report;
}

void AuditFlood::VerifyLoop() {
  auto stub = v1::RefundDecisionService::NewStub(verify_channel_);
  while (!stop_.HasBeenNotified()) {
    grpc::ClientContext context;
    connection_.PrepareCall(&context);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::minutes(10));
    v1::VerifyDecisionLogResponse response;
    const grpc::Status status = stub->VerifyDecisionLog(
        &context, v1::VerifyDecisionLogRequest(), &response);
    if (status.ok()) {
      ++verifies_ok_;
    } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++verifies_refused_;
      // A script that retries at once; the pause keeps this client from
      // spending the machine's CPU on the retries.
      stop_.WaitForNotificationWithTimeout(absl::Milliseconds(10));
    } else {
      ++verifies_failed_;
    }
  }
}

void AuditFlood::SlowReplay() {
  while (!stop_.HasBeenNotified()) {
    auto stub = v1::RefundDecisionService::NewStub(OwnChannel());
    grpc::ClientContext context;
    connection_.PrepareCall(&context);
    v1::ReplayRequest request;
    request.set_mode(v1::REPLAY_MODE_EXACT);
    auto reader = stub->Replay(&context, request);
    v1::ReplayResult result;
    bool reading = true;
    while (reading &&
           !stop_.WaitForNotificationWithTimeout(options_.replay_read_every)) {
      reading = reader->Read(&result);
      if (reading) ++replay_results_;
    }
    if (reading) context.TryCancel();
    while (reader->Read(&result)) {
    }
    const grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++replays_refused_;
      stop_.WaitForNotificationWithTimeout(options_.replay_read_every);
    } else if (!status.ok() && !stop_.HasBeenNotified()) {
      ++replays_failed_;
    }
  }
}

}  // namespace refund::bench
