#include "server/log/random_bytes.h"

#include <openssl/rand.h>

#include <cstring>

namespace refund::server {
namespace {

class RandomPool {
 public:
  bool Take(unsigned char* out, size_t count) {
    if (count > sizeof(pool_)) return RAND_bytes(out, count) == 1;
    if (count > available_) {
      if (RAND_bytes(pool_, sizeof(pool_)) != 1) return false;
      available_ = sizeof(pool_);
    }
    available_ -= count;
    std::memcpy(out, pool_ + available_, count);
    // Bytes handed out are not kept.
    std::memset(pool_ + available_, 0, count);
    return true;
  }

 private:
  unsigned char pool_[4096];
  size_t available_ = 0;
};

}  // namespace

bool TakeRandomBytes(unsigned char* out, size_t count) {
  thread_local RandomPool pool;
  return pool.Take(out, count);
}

}  // namespace refund::server
