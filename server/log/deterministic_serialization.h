// The bytes the decision log stores and hashes: protobuf's deterministic
// serialization (map entries sorted), so that the same message gives the same
// bytes within one build of the schema.
#ifndef SERVER_LOG_DETERMINISTIC_SERIALIZATION_H_
#define SERVER_LOG_DETERMINISTIC_SERIALIZATION_H_

#include <string>

#include "google/protobuf/message_lite.h"

namespace refund::server {

std::string SerializeDeterministically(
    const google::protobuf::MessageLite& message);

}  // namespace refund::server

#endif  // SERVER_LOG_DETERMINISTIC_SERIALIZATION_H_
