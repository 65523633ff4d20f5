// Which decision log refund-server opens from --log and --db
// (server/grpc/log_flags.h).
#include "server/grpc/log_flags.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ServerLogSpecTest, DbIsTheDefault) {
  EXPECT_EQ(ServerLogSpec("", kDefaultDbPath).value_or(""), kDefaultDbPath);
  EXPECT_EQ(ServerLogSpec("", "sqlite:/srv/log.db").value_or(""),
            "sqlite:/srv/log.db");
  EXPECT_EQ(ServerLogSpec("", "memory:").value_or(""), "memory:");
}

TEST(ServerLogSpecTest, LogIsPassedAsItIs) {
  for (const char* spec :
       {"sqlite:/srv/log.db", "memory:", "relative.db",
        "postgresql://refund@db.internal:5432/refund?sslmode=verify-full"}) {
    EXPECT_EQ(ServerLogSpec(spec, kDefaultDbPath).value_or(""), spec);
  }
}

// Whether it holds a password cannot be told: refused before any store
// sees it, in one line that does not quote it.
TEST(ServerLogSpecTest, AMalformedPostgresUriIsRefused) {
  EXPECT_THAT(ServerLogSpec("postgresql://[bad", kDefaultDbPath),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("--log: not a valid PostgreSQL URI: "
                                       "no \"]\" closes the IPv6 address"),
                             Not(HasSubstr("[bad")), Not(HasSubstr("\n")))));
}

TEST(ServerLogSpecTest, LogAndAnotherDbAreRefused) {
  EXPECT_THAT(ServerLogSpec("memory:", "other.db"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--log and --db both name a decision log")));
}

TEST(ServerLogSpecTest, APasswordIsRefusedNamingTheFlag) {
  EXPECT_THAT(
      ServerLogSpec("postgresql://refund:s3cr3t@db/refund", kDefaultDbPath),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("--log: the PostgreSQL URI holds a password"),
                     HasSubstr("PGPASSFILE"), HasSubstr("PGPASSWORD"),
                     Not(HasSubstr("s3cr3t")))));
  EXPECT_THAT(ServerLogSpec("", "postgresql://db/refund?password=s3cr3t"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("--db: the PostgreSQL URI holds"),
                             Not(HasSubstr("s3cr3t")))));
}

}  // namespace
}  // namespace refund::server
