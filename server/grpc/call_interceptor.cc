#include "server/grpc/call_interceptor.h"

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/interceptor.h"
#include "grpcpp/support/slice.h"
#include "refund/v1/service.pb.h"

namespace refund::server {
namespace {

using google::protobuf::internal::WireFormatLite;
using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;

// The bytes of a received message. gRPC hands interceptors the message its
// handler reads: a ByteBuffer for raw methods (Decide, SuggestActions) and
// for health (gRPC's own service is raw), the generated message otherwise.
// -1 for a method whose message type is not known here.
template <typename Message>
int64_t MessageBytes(void* message) {
  return static_cast<int64_t>(static_cast<Message*>(message)->ByteSizeLong());
}

int64_t ReceivedBytes(KnownMethod method, void* message) {
  if (message == nullptr) return 0;
  switch (method) {
    case KnownMethod::kDecide:
    case KnownMethod::kSuggestActions:
    case KnownMethod::kHealthCheck:
    case KnownMethod::kHealthWatch:
      return static_cast<int64_t>(
          static_cast<grpc::ByteBuffer*>(message)->Length());
    case KnownMethod::kGetDecision:
      return MessageBytes<v1::GetDecisionRequest>(message);
    case KnownMethod::kListDecisions:
      return MessageBytes<v1::ListDecisionsRequest>(message);
    case KnownMethod::kReplay:
      return MessageBytes<v1::ReplayRequest>(message);
    case KnownMethod::kVerifyDecisionLog:
      return MessageBytes<v1::VerifyDecisionLogRequest>(message);
    case KnownMethod::kGetCheckpoint:
      return MessageBytes<v1::GetCheckpointRequest>(message);
    case KnownMethod::kGetPolicyBundle:
      return MessageBytes<v1::GetPolicyBundleRequest>(message);
    case KnownMethod::kValidatePolicyBundle:
      return MessageBytes<v1::ValidatePolicyBundleRequest>(message);
    case KnownMethod::kReloadPolicies:
      return MessageBytes<v1::ReloadPoliciesRequest>(message);
    case KnownMethod::kReflectionV1Alpha:
    case KnownMethod::kOther:
      return -1;
  }
  return -1;
}

// Field numbers of refund.v1.Decision and PolicyRef read for the log line.
constexpr int kDecisionId = 1;
constexpr int kRequestId = 2;
constexpr int kVerdict = 4;
constexpr int kPolicy = 12;
constexpr int kPolicyVersion = 2;

class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(ServerObserver& observer, KnownMethod method,
                  bool read_decision)
      : observer_(observer),
        start_(absl::Now()),
        read_decision_(read_decision && method == KnownMethod::kDecide) {
    record_.method = method;
    observer_.OnCallStarted(method);
    record_.received_bytes = method == KnownMethod::kReflectionV1Alpha ||
                                     method == KnownMethod::kOther
                                 ? -1
                                 : 0;
  }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        record_.received_bytes >= 0) {
      record_.received_bytes +=
          ReceivedBytes(record_.method, methods->GetRecvMessage());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      // Serializes the message in place if it is not yet: gRPC then sends
      // this buffer, it is not serialized twice.
      if (grpc::ByteBuffer* sent = methods->GetSerializedSendMessage()) {
        record_.sent_bytes += static_cast<int64_t>(sent->Length());
        if (read_decision_) ReadDecision(*sent);
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      record_.status_code = static_cast<int>(status.error_code());
      // error_message() returns a copy: keep it while the record views it.
      const std::string message =
          status.ok() ? std::string() : status.error_message();
      record_.status_message = message;
      record_.latency = absl::Now() - start_;
      observer_.OnCall(record_);
      record_.status_message = {};
    }
    methods->Proceed();
  }

 private:
  // Decide's answer: a Decision exactly as stored. Its top-level fields are
  // walked (strings are not copied: the views point into the held slice).
  void ReadDecision(const grpc::ByteBuffer& sent) {
    if (!sent.TrySingleSlice(&decision_).ok()) {
      std::vector<grpc::Slice> slices;
      if (!sent.Dump(&slices).ok()) return;
      std::string joined;
      for (const grpc::Slice& s : slices) {
        joined.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      decision_ = grpc::Slice(joined);
    }
    const auto* data = decision_.begin();
    const int size = static_cast<int>(decision_.size());
    google::protobuf::io::CodedInputStream input(data, size);
    auto view = [&](uint32_t length) {
      const absl::string_view text(
          reinterpret_cast<const char*>(data) + input.CurrentPosition(),
          length);
      return input.Skip(static_cast<int>(length)) ? text : absl::string_view();
    };
    for (uint32_t tag = input.ReadTag(); tag != 0; tag = input.ReadTag()) {
      const int field = WireFormatLite::GetTagFieldNumber(tag);
      const bool length_delimited = WireFormatLite::GetTagWireType(tag) ==
                                    WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
      uint32_t length = 0;
      if (length_delimited &&
          (field == kDecisionId || field == kRequestId || field == kPolicy)) {
        if (!input.ReadVarint32(&length)) return;
        if (field == kDecisionId) {
          record_.decision_id = view(length);
        } else if (field == kRequestId) {
          record_.request_id = view(length);
        } else {
          ReadPolicyVersion(data + input.CurrentPosition(), length);
          if (!input.Skip(static_cast<int>(length))) return;
        }
      } else if (field == kVerdict && WireFormatLite::GetTagWireType(tag) ==
                                          WireFormatLite::WIRETYPE_VARINT) {
        uint32_t verdict = 0;
        if (!input.ReadVarint32(&verdict)) return;
        record_.verdict = static_cast<int>(verdict);
      } else if (!WireFormatLite::SkipField(&input, tag)) {
        return;
      }
    }
    // A Decision whose verdict is the default (0) does not carry it.
    if (record_.verdict < 0) record_.verdict = 0;
  }

  void ReadPolicyVersion(const uint8_t* data, uint32_t size) {
    google::protobuf::io::CodedInputStream input(data, static_cast<int>(size));
    for (uint32_t tag = input.ReadTag(); tag != 0; tag = input.ReadTag()) {
      if (WireFormatLite::GetTagFieldNumber(tag) == kPolicyVersion &&
          WireFormatLite::GetTagWireType(tag) ==
              WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        uint32_t length = 0;
        if (!input.ReadVarint32(&length)) return;
        const int at = input.CurrentPosition();
        if (!input.Skip(static_cast<int>(length))) return;
        record_.bundle_version =
            absl::string_view(reinterpret_cast<const char*>(data) + at, length);
        return;
      }
      if (!WireFormatLite::SkipField(&input, tag)) return;
    }
  }

  ServerObserver& observer_;
  const absl::Time start_;
  const bool read_decision_;
  CallRecord record_;
  // Decide's answer, held while record_ points into it.
  grpc::Slice decision_;
};

}  // namespace

grpc::experimental::Interceptor*
CallInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallInterceptor(observer_, KnownMethodOf(info->method()),
                             read_decisions_);
}

}  // namespace refund::server
