#include "server/access/service_method.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace refund::server {
namespace {

using ::testing::ElementsAreArray;

constexpr ServiceMethod kEveryMethod[] = {
    ServiceMethod::kDecide,
    ServiceMethod::kSuggestActions,
    ServiceMethod::kGetDecision,
    ServiceMethod::kListDecisions,
    ServiceMethod::kReplay,
    ServiceMethod::kVerifyDecisionLog,
    ServiceMethod::kGetCheckpoint,
    ServiceMethod::kGetPolicyBundle,
    ServiceMethod::kValidatePolicyBundle,
    ServiceMethod::kReloadPolicies,
};

std::vector<std::string> MethodsOf(v1::Role role) {
  std::vector<std::string> methods;
  for (ServiceMethod method : kEveryMethod) {
    if (RoleMayCall(role, method)) methods.emplace_back(MethodName(method));
  }
  return methods;
}

// The table of the specification ("Who may call what").
TEST(RoleMayCallTest, EachRoleHasExactlyItsMethods) {
  EXPECT_THAT(MethodsOf(v1::ROLE_OMS),
              ElementsAreArray({"Decide", "GetDecision"}));
  EXPECT_THAT(MethodsOf(v1::ROLE_AGENT),
              ElementsAreArray({"SuggestActions", "GetDecision"}));
  EXPECT_THAT(MethodsOf(v1::ROLE_AUDITOR),
              ElementsAreArray({"GetDecision", "ListDecisions", "Replay",
                                "VerifyDecisionLog", "GetCheckpoint"}));
  EXPECT_THAT(MethodsOf(v1::ROLE_OPERATOR),
              ElementsAreArray({"GetPolicyBundle", "ValidatePolicyBundle",
                                "ReloadPolicies"}));
  EXPECT_THAT(MethodsOf(v1::ROLE_UNSPECIFIED),
              ElementsAreArray<std::string>({}));
}

TEST(FullMethodNameTest, IsTheGrpcPathOfTheMethod) {
  for (ServiceMethod method : kEveryMethod) {
    EXPECT_EQ(FullMethodName(method),
              std::string("/refund.v1.RefundDecisionService/") +
                  std::string(MethodName(method)));
  }
}

TEST(ReadsEveryShopTest, OnlyTheWholeLogReports) {
  std::vector<std::string> whole_log;
  for (ServiceMethod method : kEveryMethod) {
    if (ReadsEveryShop(method)) whole_log.emplace_back(MethodName(method));
  }
  EXPECT_THAT(whole_log,
              ElementsAreArray({"VerifyDecisionLog", "GetCheckpoint"}));
}

}  // namespace
}  // namespace refund::server
