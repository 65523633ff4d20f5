// Protobuf wire format written by hand, for the tests that send what a
// protobuf message cannot hold (an enum beyond 32 bits, a string that is
// not UTF-8 where the serializer would refuse it, malformed lengths).
#ifndef TESTS_TESTING_WIRE_FORMAT_H_
#define TESTS_TESTING_WIRE_FORMAT_H_

#include <cstdint>
#include <string>

namespace refund::testing {

// `value` as a base-128 varint.
inline std::string Varint(uint64_t value) {
  std::string out;
  for (; value >= 0x80; value >>= 7) {
    out.push_back(static_cast<char>(value | 0x80));
  }
  out.push_back(static_cast<char>(value));
  return out;
}

// Field `number` as a varint (wire type 0).
inline std::string VarintField(int number, uint64_t value) {
  return Varint(static_cast<uint64_t>(number) << 3) + Varint(value);
}

// Field `number` as length-delimited `bytes` (wire type 2).
inline std::string LengthField(int number, const std::string& bytes) {
  return Varint(static_cast<uint64_t>(number) << 3 | 2) + Varint(bytes.size()) +
         bytes;
}

}  // namespace refund::testing

#endif  // TESTS_TESTING_WIRE_FORMAT_H_
