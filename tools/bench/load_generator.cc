#include "tools/bench/load_generator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.pb.h"
#include "tools/client/server_connection.h"

namespace refund::bench {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// Field 1, length-delimited.
void AppendField1(const std::string& bytes, std::string* out) {
  out->push_back(0x0a);
  AppendVarint(bytes.size(), out);
  out->append(bytes);
}

std::string RandomPrefix() {
  std::random_device device;
  return absl::StrFormat("bench-%08x%08x", device(), device());
}

class LoadRun {
 public:
  LoadRun(const LoadOptions& options, client::ServerConnection connection)
      : options_(options), connection_(std::move(connection)) {
    method_ = options.target == Target::kRefund
                  ? "/refund.v1.RefundDecisionService/Decide"
                  : "/refund.bench.v1.EchoDecisionService/Decide";
    prefix_ = options.id_prefix.empty() ? RandomPrefix() : options.id_prefix;
    // DecideRequest bytes without the request_id; each call appends a
    // second `request` field holding only its request_id, which protobuf
    // merges into the first (the server sees one request with its id).
    for (::refund::v1::RefundRequest request : options.mix) {
      request.clear_request_id();
      ::refund::v1::DecideRequest decide;
      *decide.mutable_request() = std::move(request);
      bodies_.push_back(decide.SerializeAsString());
    }
    for (int i = 0; i < std::max(1, options.channels); ++i) {
      grpc::ChannelArguments args;
      // Separate connections, not one shared subchannel.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("refund.bench.channel", i);
      stubs_.push_back(
          std::make_unique<grpc::GenericStub>(connection_.NewChannel(args)));
    }
  }

  LoadReport Run() {
    const int64_t start = NowNs();
    window_begin_ = start + absl::ToInt64Nanoseconds(options_.warmup);
    end_ = start + absl::ToInt64Nanoseconds(options_.duration);
    if (options_.rate > 0) {
      RunOpenLoop(start);
    } else {
      for (int i = 0; i < options_.concurrency; ++i) Send(NowNs());
    }
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](LoadRun* run) { return run->stopped_ && run->in_flight_ == 0; },
          this));
    }
    report_.target = options_.target == Target::kRefund ? "refund" : "echo";
    report_.mode =
        options_.rate > 0
            ? absl::StrFormat("open loop at %.0f calls/s over %d channels",
                              options_.rate, static_cast<int>(stubs_.size()))
            : absl::StrFormat("closed loop, %d in flight over %d channels",
                              options_.concurrency,
                              static_cast<int>(stubs_.size()));
    report_.seconds = static_cast<double>(end_ - window_begin_) / 1e9;
    std::sort(report_.latencies_ns.begin(), report_.latencies_ns.end());
    return std::move(report_);
  }

 private:
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    int64_t start_ns = 0;  // sent (closed loop) or intended (open loop)
  };

  // Sends the next call, intended at `start_ns`; false once the run is over.
  bool Send(int64_t start_ns) {
    {
      absl::MutexLock lock(&mu_);
      if (start_ns >= end_) {
        stopped_ = true;
        return false;
      }
      ++in_flight_;
      report_.max_in_flight = std::max(report_.max_in_flight, in_flight_);
    }
    Issue(start_ns);
    return true;
  }

  // Starts the next call; its place in in_flight_ is already taken, so the
  // run cannot end (and this object go away) meanwhile.
  void Issue(int64_t start_ns) {
    const uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
    auto call = std::make_unique<Call>();
    std::string bytes = bodies_[n % bodies_.size()];
    std::string id_field;
    AppendField1(absl::StrCat(prefix_, "-", n), &id_field);
    AppendField1(id_field, &bytes);
    grpc::Slice slice(std::move(bytes));
    call->request = grpc::ByteBuffer(&slice, 1);
    connection_.PrepareCall(&call->context);
    call->context.set_deadline(
        std::chrono::system_clock::now() +
        absl::ToChronoNanoseconds(options_.call_deadline));
    call->start_ns = start_ns;
    Call* raw = call.release();
    stubs_[n % stubs_.size()]->UnaryCall(
        &raw->context, method_, grpc::StubOptions(), &raw->request,
        &raw->response,
        [this, raw](grpc::Status status) { Done(raw, std::move(status)); });
  }

  void Done(Call* raw, grpc::Status status) {
    const int64_t done = NowNs();
    const int64_t start_ns = raw->start_ns;
    const int64_t response_bytes = static_cast<int64_t>(raw->response.Length());
    // Destroyed before its place is given back: once the last place is back
    // the run ends, and its channels and gRPC itself may go away at once.
    delete raw;
    bool send_next = false;
    {
      absl::MutexLock lock(&mu_);
      const bool counted = options_.rate > 0
                               ? start_ns >= window_begin_
                               : done >= window_begin_ && done < end_;
      if (counted) {
        report_.latencies_ns.push_back(done - start_ns);
        if (status.ok()) {
          ++report_.ok;
          report_.response_bytes += response_bytes;
        } else {
          ++report_.errors[static_cast<int>(status.error_code())];
        }
      }
      // Closed loop: this call's place goes to the next call.
      if (options_.rate <= 0 && done < end_) {
        send_next = true;
      } else {
        if (options_.rate <= 0) stopped_ = true;
        --in_flight_;
      }
    }
    // Nothing of `this` is touched after the last place was given back.
    if (send_next) Issue(done);
  }

  void RunOpenLoop(int64_t start) {
    const double period_ns = 1e9 / options_.rate;
    for (uint64_t i = 0;; ++i) {
      const int64_t intended =
          start + static_cast<int64_t>(static_cast<double>(i) * period_ns);
      const int64_t wait = intended - NowNs();
      if (wait > 100'000) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(wait - 50'000));
      }
      while (NowNs() < intended) {
      }
      if (!Send(intended)) return;
    }
  }

  const LoadOptions& options_;
  const client::ServerConnection connection_;
  std::string method_;
  std::string prefix_;
  std::vector<std::string> bodies_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::atomic<uint64_t> next_{0};
  int64_t window_begin_ = 0;
  int64_t end_ = 0;

  absl::Mutex mu_;
  LoadReport report_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::StatusOr<LoadReport> RunLoad(const LoadOptions& options) {
  if (options.server.address.empty()) {
    return absl::InvalidArgumentError("address: required");
  }
  if (options.mix.empty()) {
    return absl::InvalidArgumentError("mix: no requests to send");
  }
  if (options.rate <= 0 && options.concurrency <= 0) {
    return absl::InvalidArgumentError("concurrency: must be positive");
  }
  if (options.channels <= 0) {
    return absl::InvalidArgumentError("channels: must be positive");
  }
  if (options.warmup >= options.duration) {
    return absl::InvalidArgumentError("warmup: must be shorter than duration");
  }
  absl::StatusOr<client::ServerConnection> connection =
      client::ServerConnection::Open(options.server);
  if (!connection.ok()) return connection.status();
  LoadRun run(options, *std::move(connection));
  return run.Run();
}

}  // namespace refund::bench
