#include "server/log/hash_chain.h"

#include <utility>

#include "server/log/row_hash.h"

namespace refund::server {

HashChain::HashChain() : head_{0, GenesisHash()} {}

HashChain::HashChain(ChainHead head) : head_(std::move(head)) {}

ChainLink HashChain::Link(const DecisionLogEntry& entry) const {
  ChainLink link;
  link.seq = head_.last_seq + 1;
  link.prev_hash = head_.last_hash;
  link.row_hash = ComputeRowHash(entry.request_bytes, entry.decision_bytes,
                                 entry.bundle_version, entry.decided_at_micros,
                                 head_.last_hash);
  return link;
}

void HashChain::Advance(const ChainLink& link) {
  head_.last_seq = link.seq;
  head_.last_hash = link.row_hash;
}

}  // namespace refund::server
