// The VerifyDecisionLog RPC's message of a verification report
// (server/log/verify_report.h).
#ifndef SERVER_AUDIT_VERIFY_REPORT_PROTO_H_
#define SERVER_AUDIT_VERIFY_REPORT_PROTO_H_

#include "refund/v1/service.pb.h"
#include "server/log/verify_report.h"

namespace refund::server {

v1::VerifyDecisionLogResponse ToProto(const VerifyReport& report);

}  // namespace refund::server

#endif  // SERVER_AUDIT_VERIFY_REPORT_PROTO_H_
