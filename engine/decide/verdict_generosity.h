// How generous a verdict is to the buyer, the order shop layers are held to
// (policies/README.md, "Shop layers"): REJECT < NEGOTIATE < APPROVE.
#ifndef ENGINE_DECIDE_VERDICT_GENEROSITY_H_
#define ENGINE_DECIDE_VERDICT_GENEROSITY_H_

#include "refund/v1/refund.pb.h"

namespace refund {

// 1 for REJECT, 2 for NEGOTIATE, 3 for APPROVE; 0 for anything else.
inline int VerdictGenerosity(v1::Verdict verdict) {
  switch (verdict) {
    case v1::VERDICT_REJECT:
      return 1;
    case v1::VERDICT_NEGOTIATE:
      return 2;
    case v1::VERDICT_APPROVE:
      return 3;
    default:
      return 0;
  }
}

}  // namespace refund

#endif  // ENGINE_DECIDE_VERDICT_GENEROSITY_H_
