// The readable form of a SuggestActionsResponse, for `refundctl suggest`: what
// an agent reads on a console, times in the bundle's time zone.
#ifndef TOOLS_REFUNDCTL_SUGGESTION_PRINTER_H_
#define TOOLS_REFUNDCTL_SUGGESTION_PRINTER_H_

#include <string>

#include "refund/v1/service.pb.h"

namespace refund {

// The verdict, amount and deadline, then the actions in order with their
// channel, timing and script, the missing evidence, the forbidden conduct and
// the risks. Enum values without their prefix (NEGOTIATE, UNBOXING_VIDEO).
std::string FormatSuggestion(const v1::SuggestActionsResponse& suggestion);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_SUGGESTION_PRINTER_H_
