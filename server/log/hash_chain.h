// The decision log's hash chain, apart from any store: which row comes next
// and its hashes. Each row carries the row_hash of the row before it
// (prev_hash; 32 zero bytes for the first), and its own row_hash covers its
// bytes and that prev_hash (server/log/row_hash.h), so that an edited,
// inserted or deleted row breaks the chain (server/log/log_verifier.h).
//
// A store keeps a HashChain positioned at its head and, for each row it
// appends, asks Link for the row's seq and hashes, stores the row, then
// Advances; a failed transaction restores the head it started from. A store
// shared by several writers reads the head inside the transaction that
// appends (holding the lock that serialises appends), so that every writer
// links to the row committed before its own.
#ifndef SERVER_LOG_HASH_CHAIN_H_
#define SERVER_LOG_HASH_CHAIN_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "server/log/log_entry.h"

namespace refund::server {

// The chain head: the last row's seq and row_hash. A store keeps it apart
// from the rows, updated in the same transaction as they are, so that
// deleting the last rows is detectable too.
struct ChainHead {
  int64_t last_seq = 0;
  std::string last_hash;  // raw 32 bytes
};

// Where one row goes in the chain.
struct ChainLink {
  int64_t seq = 0;
  std::string prev_hash;
  std::string row_hash;
};

// Not thread-safe: one writer at a time.
class HashChain {
 public:
  // An empty log's chain: last_seq 0, the genesis hash.
  HashChain();
  // A chain whose last row is `head`. `head.last_hash` must be 32 bytes.
  explicit HashChain(ChainHead head);

  // The link of a row holding `entry` appended after the head. Changes
  // nothing.
  ChainLink Link(const DecisionLogEntry& entry) const;

  // Makes the row of `link` (from Link on this head) the head.
  void Advance(const ChainLink& link);

  const ChainHead& head() const { return head_; }

 private:
  ChainHead head_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_HASH_CHAIN_H_
