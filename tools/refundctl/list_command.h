// `refundctl list --server ADDR [filters]`: stored decisions, as the server's
// ListDecisions pages them.
#ifndef TOOLS_REFUNDCTL_LIST_COMMAND_H_
#define TOOLS_REFUNDCTL_LIST_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

// With kDecisionFilterFlags (decision_filter_flags.h).
inline constexpr FlagSpec kListFlags[] = {
    kServerFlagSpec,
    {"page_size,page-size", "N",
     "decisions per page (server default 50, at "
     "most 1000)"},
    {"page_token,page-token", "TOKEN",
     "the page after this one (a "
     "next_page_token printed before)"},
    {"all", nullptr, "every page, one Decision per line (JSON Lines)"}};

// One page: the ListDecisionsResponse as JSON (its next_page_token asks for
// the next). --all: every decision of every page from --page_token on, one
// Decision per line. Exit code 0; 1 when a call fails; 2 on bad usage.
int RunListCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_LIST_COMMAND_H_
