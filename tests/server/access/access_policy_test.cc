#include "server/access/access_policy.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/access/bearer_token.h"
#include "tests/testing/status_matchers.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsNull;
using ::testing::NotNull;

constexpr char kOmsToken[] = "oms-token-0123456789abcdef0123456789abcdef";
constexpr char kAuditorToken[] = "auditor-token-0123456789abcdef0123456789ab";

std::string ExamplePolicy() {
  return absl::StrReplaceAll(
      R"(
    principals {
      name: "oms-shop-a"
      roles: ROLE_OMS
      shops: "shop-a"
      certificate { uri_san: "spiffe://refund.test/oms/shop-a" }
    }
    principals {
      name: "console"
      roles: ROLE_AGENT
      roles: ROLE_OMS
      shops: "shop-b"
      shops: "shop-a"
      certificate { dns_san: "console.refund.test" common_name: "console" }
    }
    principals {
      name: "ops"
      roles: ROLE_OPERATOR
      certificate { common_name: "ops" }
    }
    principals {
      name: "oms-token"
      roles: ROLE_OMS
      shops: "shop-t"
      token_sha256: "$OMS_HASH"
    }
    principals {
      name: "auditor"
      roles: ROLE_AUDITOR
      all_shops: true
      token_sha256: "$AUDITOR_HASH"
    }
  )",
      {{"$OMS_HASH", BearerTokenSha256Hex(kOmsToken)},
       {"$AUDITOR_HASH", BearerTokenSha256Hex(kAuditorToken)}});
}

std::shared_ptr<const AccessPolicy> Example() {
  absl::StatusOr<std::shared_ptr<const AccessPolicy>> policy =
      AccessPolicy::Parse(ExamplePolicy(), "access.textproto");
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : nullptr;
}

TEST(AccessPolicyTest, FindsACertificatePrincipalByUriSan) {
  auto policy = Example();
  ASSERT_THAT(policy, NotNull());
  CertificateNames names;
  names.uri_sans = {"spiffe://other", "spiffe://refund.test/oms/shop-a"};
  names.common_name = "anything";
  absl::StatusOr<const AccessPrincipal*> found =
      policy->FindByCertificate(names);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_THAT(*found, NotNull());
  EXPECT_EQ((*found)->name, "oms-shop-a");
  EXPECT_FALSE((*found)->scope.all());
  EXPECT_THAT((*found)->scope.shop_ids(), ElementsAre("shop-a"));
  EXPECT_TRUE((*found)->MayCall(ServiceMethod::kDecide));
  EXPECT_FALSE((*found)->MayCall(ServiceMethod::kListDecisions));
}

TEST(AccessPolicyTest, EveryFieldOfACertificateMatchMustHold) {
  auto policy = Example();
  ASSERT_THAT(policy, NotNull());
  CertificateNames both;
  both.dns_sans = {"console.refund.test"};
  both.common_name = "console";
  ASSERT_THAT(*policy->FindByCertificate(both), NotNull());
  EXPECT_EQ((*policy->FindByCertificate(both))->RoleNames(), "agent+oms");

  CertificateNames dns_only;
  dns_only.dns_sans = {"console.refund.test"};
  dns_only.common_name = "someone-else";
  EXPECT_THAT(*policy->FindByCertificate(dns_only), IsNull());

  CertificateNames unknown;
  unknown.uri_sans = {"spiffe://refund.test/oms/shop-z"};
  EXPECT_THAT(*policy->FindByCertificate(unknown), IsNull());
}

TEST(AccessPolicyTest, ACertificateMatchingTwoPrincipalsIsRefused) {
  auto policy = Example();
  ASSERT_THAT(policy, NotNull());
  CertificateNames names;
  names.uri_sans = {"spiffe://refund.test/oms/shop-a"};
  names.common_name = "ops";
  EXPECT_THAT(policy->FindByCertificate(names).status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("more than one principal (oms-shop-a, ops)")));
}

TEST(AccessPolicyTest, FindsATokenPrincipalByTheHashOfItsToken) {
  auto policy = Example();
  ASSERT_THAT(policy, NotNull());
  const AccessPrincipal* oms = policy->FindByToken(kOmsToken);
  ASSERT_THAT(oms, NotNull());
  EXPECT_EQ(oms->name, "oms-token");
  const AccessPrincipal* auditor = policy->FindByToken(kAuditorToken);
  ASSERT_THAT(auditor, NotNull());
  EXPECT_TRUE(auditor->scope.all());
  EXPECT_THAT(policy->FindByToken("not-a-token"), IsNull());
  // The hash itself is not a token.
  EXPECT_THAT(policy->FindByToken(BearerTokenSha256Hex(kOmsToken)), IsNull());
}

TEST(AccessPolicyTest, AnOperatorNeedsNoShops) {
  auto policy = Example();
  ASSERT_THAT(policy, NotNull());
  CertificateNames ops;
  ops.common_name = "ops";
  const AccessPrincipal* found = *policy->FindByCertificate(ops);
  ASSERT_THAT(found, NotNull());
  EXPECT_TRUE(found->MayCall(ServiceMethod::kReloadPolicies));
  EXPECT_FALSE(found->MayCall(ServiceMethod::kGetDecision));
}

TEST(AccessPolicyTest, AnEmptyPolicyRecognisesNobody) {
  auto policy = AccessPolicy::Parse("", "empty.textproto");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ((*policy)->principal_count(), 0);
  EXPECT_THAT((*policy)->FindByToken(kOmsToken), IsNull());
}

TEST(AccessPolicyTest, SyntaxErrorsNameFileLineAndColumn) {
  EXPECT_THAT(AccessPolicy::Parse("principals {\n  nmae: \"x\"\n}\n",
                                  "access.textproto")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("access.textproto:2:")));
  EXPECT_THAT(
      AccessPolicy::Parse("principals { roles: ROLE_ADMIN }", "a.textproto")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ROLE_ADMIN")));
}

struct BadPrincipalCase {
  std::string name;
  std::string principal;  // the body of one `principals { ... }`
  std::string expected;
};

class BadPrincipalTest : public ::testing::TestWithParam<BadPrincipalCase> {};

TEST_P(BadPrincipalTest, IsRefusedNamingThePrincipalAndTheField) {
  const std::string text =
      "# a comment line\nprincipals {" + GetParam().principal + "}\n";
  absl::StatusOr<std::shared_ptr<const AccessPolicy>> policy =
      AccessPolicy::Parse(text, "access.textproto");
  EXPECT_THAT(policy.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr(GetParam().expected)));
  // The principal's own line.
  EXPECT_THAT(policy.status().message(), HasSubstr("access.textproto:2:"));
}

const std::string kGoodHash(64, 'a');

INSTANTIATE_TEST_SUITE_P(
    AccessPolicyTest, BadPrincipalTest,
    ::testing::Values(
        BadPrincipalCase{"NoName",
                         "roles: ROLE_OPERATOR certificate { common_name: "
                         "\"x\" }",
                         "name: 1 to 128"},
        BadPrincipalCase{"NameWithSpace",
                         "name: \"a b\" roles: ROLE_OPERATOR certificate { "
                         "common_name: \"x\" }",
                         "principals[0] \"a b\": name: 1 to 128"},
        BadPrincipalCase{"NoRole",
                         "name: \"a\" certificate { common_name: \"x\" }",
                         "roles: give at least one role"},
        BadPrincipalCase{"UnspecifiedRole",
                         "name: \"a\" roles: ROLE_UNSPECIFIED certificate { "
                         "common_name: \"x\" }",
                         "ROLE_UNSPECIFIED is not a role"},
        BadPrincipalCase{"DecisionRoleWithoutShops",
                         "name: \"a\" roles: ROLE_OMS certificate { "
                         "common_name: \"x\" }",
                         "give shops (the shops it may decide and read for) "
                         "or all_shops: true"},
        BadPrincipalCase{"ShopsAndAllShops",
                         "name: \"a\" roles: ROLE_AUDITOR shops: \"s\" "
                         "all_shops: true certificate { common_name: \"x\" }",
                         "give shops or all_shops: true, not both"},
        BadPrincipalCase{"EmptyShop",
                         "name: \"a\" roles: ROLE_OMS shops: \"\" certificate "
                         "{ common_name: \"x\" }",
                         "shops: \"\" is not a shop id"},
        BadPrincipalCase{"NoCredential", "name: \"a\" roles: ROLE_OPERATOR",
                         "give one of certificate or token_sha256"},
        BadPrincipalCase{"BothCredentials",
                         "name: \"a\" roles: ROLE_OPERATOR certificate { "
                         "common_name: \"x\" } token_sha256: \"" +
                             kGoodHash + "\"",
                         "give one of certificate or token_sha256"},
        BadPrincipalCase{"EmptyCertificateMatch",
                         "name: \"a\" roles: ROLE_OPERATOR certificate { }",
                         "certificate: give uri_san, dns_san or common_name"},
        BadPrincipalCase{"ShortHash",
                         "name: \"a\" roles: ROLE_OPERATOR token_sha256: "
                         "\"abc\"",
                         "token_sha256: 64 lower-case hex digits"},
        BadPrincipalCase{"UpperCaseHash",
                         "name: \"a\" roles: ROLE_OPERATOR token_sha256: \"" +
                             std::string(64, 'A') + "\"",
                         "token_sha256: 64 lower-case hex digits"}),
    [](const ::testing::TestParamInfo<BadPrincipalCase>& info) {
      return info.param.name;
    });

TEST(AccessPolicyTest, DuplicatesAreRefusedAllAtOnce) {
  const std::string hash(64, 'b');
  const std::string text =
      "principals { name: \"a\" roles: ROLE_OPERATOR token_sha256: \"" + hash +
      "\" }\n"
      "principals { name: \"a\" roles: ROLE_OPERATOR token_sha256: \"" +
      hash +
      "\" }\n"
      "principals { name: \"c\" roles: ROLE_OPERATOR certificate { uri_san: "
      "\"u\" } }\n"
      "principals { name: \"d\" roles: ROLE_OPERATOR certificate { uri_san: "
      "\"u\" } }\n";
  absl::Status status = AccessPolicy::Parse(text, "p").status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("another principal has this name")));
  EXPECT_THAT(status.message(),
              HasSubstr("another principal has the same token"));
  EXPECT_THAT(status.message(), HasSubstr("p:4:1: principals[3] \"d\": "
                                          "certificate: another principal has "
                                          "the same match"));
}

TEST(AccessPolicyTest, LoadNamesAFileItCannotRead) {
  EXPECT_THAT(AccessPolicy::Load("/nonexistent/access.textproto").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("/nonexistent/access.textproto: cannot be "
                                 "read")));
}

}  // namespace
}  // namespace refund::server

namespace refund::server {
namespace {

// The example the documentation shows loads, and names one principal of
// every role.
TEST(ExampleAccessPolicyTest, LoadsAndCoversEveryRole) {
  absl::StatusOr<std::shared_ptr<const AccessPolicy>> policy =
      AccessPolicy::Load(REFUND_SOURCE_DIR
                         "/docs/examples/access_policy.textproto");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ((*policy)->principal_count(), 5);
  CertificateNames oms;
  oms.uri_sans = {"spiffe://refund.example/oms/shop-a"};
  ASSERT_THAT(*(*policy)->FindByCertificate(oms), ::testing::NotNull());
  EXPECT_EQ((*(*policy)->FindByCertificate(oms))->RoleNames(), "oms");
  CertificateNames ops;
  ops.common_name = "ops-lead";
  EXPECT_EQ((*(*policy)->FindByCertificate(ops))->RoleNames(), "operator");
}

}  // namespace
}  // namespace refund::server
