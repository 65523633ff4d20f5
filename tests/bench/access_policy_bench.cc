// What the access check costs per call, apart from gRPC: finding the
// principal of a certificate's names or of a bearer token, in a policy of
// 1,000 principals (one OMS per shop, as a company with many shops has),
// then the role check and the shop check a Decide makes.
//   build/tests/bench/access_policy_bench
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "server/access/access_policy.h"
#include "server/access/bearer_token.h"

namespace refund::server {
namespace {

constexpr int kShops = 1000;

std::string Token(int i) {
  return absl::StrCat("token-of-shop-", i, "-", std::string(40, 'x'));
}

// Half the principals by certificate, half by token.
std::shared_ptr<const AccessPolicy> ManyShops() {
  std::string text;
  for (int i = 0; i < kShops; ++i) {
    absl::StrAppend(&text, "principals { name: \"oms-", i,
                    "\" roles: ROLE_OMS shops: \"shop-", i, "\" ");
    if (i % 2 == 0) {
      absl::StrAppend(&text, "certificate { uri_san: \"spiffe://shops/oms-", i,
                      "\" } }\n");
    } else {
      absl::StrAppend(&text, "token_sha256: \"", BearerTokenSha256Hex(Token(i)),
                      "\" }\n");
    }
  }
  return *AccessPolicy::Parse(text, "bench");
}

void BM_CertificatePrincipal(benchmark::State& state) {
  const std::shared_ptr<const AccessPolicy> policy = ManyShops();
  CertificateNames names;
  names.uri_sans = {"spiffe://shops/oms-500"};
  names.common_name = "oms-500";
  for (auto _ : state) {
    const AccessPrincipal* principal = *policy->FindByCertificate(names);
    benchmark::DoNotOptimize(principal->MayCall(ServiceMethod::kDecide) &&
                             principal->scope.Contains("shop-500"));
  }
}
BENCHMARK(BM_CertificatePrincipal);

// The token is hashed, then compared with all 500 token hashes.
void BM_TokenPrincipal(benchmark::State& state) {
  const std::shared_ptr<const AccessPolicy> policy = ManyShops();
  const std::string token = Token(501);
  for (auto _ : state) {
    const AccessPrincipal* principal = policy->FindByToken(token);
    benchmark::DoNotOptimize(principal->MayCall(ServiceMethod::kDecide) &&
                             principal->scope.Contains("shop-501"));
  }
}
BENCHMARK(BM_TokenPrincipal);

}  // namespace
}  // namespace refund::server

BENCHMARK_MAIN();
