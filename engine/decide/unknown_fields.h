// Whether a parsed request carries fields this build's schema does not know
// (protobuf keeps them, and would serialize them again into the log).
#ifndef ENGINE_DECIDE_UNKNOWN_FIELDS_H_
#define ENGINE_DECIDE_UNKNOWN_FIELDS_H_

#include "refund/v1/refund.pb.h"

namespace refund {

// True when `request` or any message in it (amounts, the order and its lines,
// the return, the inspection and its items, the buyer, the flags, every
// Timestamp) holds an unknown field. Reads each present message's unknown
// field set through its type's Reflection, cached once: a few nanoseconds
// per message, where DiscardUnknownFields' generic walk (listing every set
// field by reflection) costs several microseconds, more than the decision.
// So callers discard only when this says so. Every message type under
// RefundRequest is visited; unknown_fields_test holds this to the schema.
bool HasUnknownFields(const v1::RefundRequest& request);

}  // namespace refund

#endif  // ENGINE_DECIDE_UNKNOWN_FIELDS_H_
