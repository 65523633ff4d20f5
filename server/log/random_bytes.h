// Random bytes from OpenSSL's generator for the log's hot paths (decision
// ids, blob nonces), drawn 4 KiB at a time per thread: one RAND_bytes call
// (a lock and a getpid) then serves hundreds of small draws.
#ifndef SERVER_LOG_RANDOM_BYTES_H_
#define SERVER_LOG_RANDOM_BYTES_H_

#include <cstddef>

namespace refund::server {

// Fills out[0, count) from this thread's pool (refilled from RAND_bytes;
// larger draws go to RAND_bytes directly). Bytes handed out are wiped from
// the pool. False when OpenSSL's generator fails. Thread-safe.
bool TakeRandomBytes(unsigned char* out, size_t count);

}  // namespace refund::server

#endif  // SERVER_LOG_RANDOM_BYTES_H_
