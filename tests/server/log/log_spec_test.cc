// What a decision log spec says before its store is opened
// (server/log/log_spec.h): PostgreSQL URIs read as libpq reads them, and a
// password in one refused without ever being quoted.
#include "server/log/log_spec.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

TEST(LogSpecTest, KnowsPostgresUrisByTheirScheme) {
  EXPECT_TRUE(IsPostgresUri("postgresql://db/refund"));
  EXPECT_TRUE(IsPostgresUri("postgres://db/refund"));
  EXPECT_TRUE(IsPostgresUri("postgresql://"));
  EXPECT_FALSE(IsPostgresUri("sqlite:data/decisions.db"));
  EXPECT_FALSE(IsPostgresUri("data/decisions.db"));
  EXPECT_FALSE(IsPostgresUri("memory:"));
  EXPECT_FALSE(IsPostgresUri("postgresql:relative.db"));
  EXPECT_FALSE(IsPostgresUri("POSTGRESQL://db/refund"));
}

TEST(LogSpecTest, ReadsEveryPartOfAUri) {
  absl::StatusOr<PostgresUri> uri = ParsePostgresUri(
      "postgresql://refund%5Fapp@db-1.internal:5432,[2001:db8::7]:6432/"
      "refund%20log?sslmode=verify-full&application_name=refund%2Dserver");
  ASSERT_TRUE(uri.ok()) << uri.status();
  EXPECT_EQ(uri->user, "refund_app");
  EXPECT_FALSE(uri->has_password);
  EXPECT_THAT(uri->hosts, ElementsAre("db-1.internal", "[2001:db8::7]"));
  EXPECT_EQ(uri->database, "refund log");
  EXPECT_THAT(uri->parameters,
              ElementsAre(Pair("sslmode", "verify-full"),
                          Pair("application_name", "refund-server")));
}

TEST(LogSpecTest, EveryPartMayBeMissing) {
  for (const char* spec :
       {"postgresql://", "postgres://", "postgresql:///", "postgresql://?",
        "postgresql://:5432", "postgresql:///refund?host=/run/postgresql"}) {
    absl::StatusOr<PostgresUri> uri = ParsePostgresUri(spec);
    ASSERT_TRUE(uri.ok()) << spec << ": " << uri.status();
    EXPECT_THAT(uri->hosts, IsEmpty()) << spec;
    EXPECT_THAT(uri->user, IsEmpty()) << spec;
  }
  absl::StatusOr<PostgresUri> socket =
      ParsePostgresUri("postgresql:///refund?host=/run/postgresql");
  ASSERT_TRUE(socket.ok());
  EXPECT_EQ(socket->database, "refund");
  EXPECT_THAT(socket->parameters, ElementsAre(Pair("host", "/run/postgresql")));
}

TEST(LogSpecTest, AnAtAfterTheFirstSlashIsNotAUser) {
  absl::StatusOr<PostgresUri> uri = ParsePostgresUri("postgresql://db/a@b");
  ASSERT_TRUE(uri.ok()) << uri.status();
  EXPECT_THAT(uri->user, IsEmpty());
  EXPECT_THAT(uri->hosts, ElementsAre("db"));
  EXPECT_EQ(uri->database, "a@b");
}

// What libpq refuses is refused, saying what, never quoting the URI.
TEST(LogSpecTest, MalformedUrisAreRefusedWithoutQuotingThem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"postgresql://[bad", "no \"]\" closes the IPv6 address"},
      {"postgresql://u@[]/db", "empty IPv6 address"},
      {"postgresql://[::1]x/db", "\"x\" follows an IPv6 address"},
      {"postgresql://db/refund%zz", "database name is not followed by two hex"},
      {"postgresql://db/refund%2", "not followed by two hex digits"},
      {"postgresql://db%00x/refund", "host holds %00"},
      {"postgresql://db/refund?sslmode", "query parameter without \"=\""},
      {"postgresql://db/refund?a=b=c", "with more than one \"=\""},
      {"postgresql://u:%zzsecret@db/refund", "password is not followed"},
  };
  for (const auto& [spec, why] : cases) {
    absl::StatusOr<PostgresUri> uri = ParsePostgresUri(spec);
    EXPECT_THAT(uri, StatusIs(absl::StatusCode::kInvalidArgument,
                              AllOf(HasSubstr("not a valid PostgreSQL URI"),
                                    HasSubstr(why), Not(HasSubstr("//")),
                                    Not(HasSubstr("secret")))))
        << spec;
    EXPECT_THAT(CheckLogSpecHasNoPassword(spec),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(why)))
        << spec;
  }
}

TEST(LogSpecTest, APasswordIsRefusedAndNeverQuoted) {
  for (const char* spec : {
           "postgresql://refund:s3cr3t@db.internal/refund",
           "postgres://refund:s3cr3t@db.internal:5432/refund?sslmode=require",
           "postgresql://:s3cr3t@db.internal/refund",
           "postgresql://refund:@db.internal/refund",
           "postgresql://refund@db.internal/refund?password=s3cr3t",
           "postgresql://db.internal/refund?sslmode=require&password=s3cr3t",
           "postgresql://db.internal/refund?%70assword=s3cr3t",
       }) {
    absl::Status checked = CheckLogSpecHasNoPassword(spec);
    EXPECT_THAT(
        checked,
        StatusIs(absl::StatusCode::kInvalidArgument,
                 AllOf(HasSubstr("holds a password"), HasSubstr("PGPASSFILE"),
                       HasSubstr("PGPASSWORD"), Not(HasSubstr("s3cr3t")),
                       Not(HasSubstr("db.internal")))))
        << spec;
  }
  absl::StatusOr<PostgresUri> uri =
      ParsePostgresUri("postgresql://refund:s3cr3t@db.internal/refund");
  ASSERT_TRUE(uri.ok());
  EXPECT_TRUE(uri->has_password);
  EXPECT_EQ(uri->user, "refund");
}

TEST(LogSpecTest, SpecsWithoutAPasswordPass) {
  for (const char* spec : {
           "data/decisions.db",
           "sqlite:/srv/refund/log.db",
           "memory:",
           "user:secret@host.db",  // a file name, not a URI
           "postgresql://refund@db.internal:5432/refund?sslmode=verify-full",
           "postgresql://db.internal/refund?passfile=/etc/refund/pgpass",
           "postgresql:///refund",
       }) {
    EXPECT_TRUE(CheckLogSpecHasNoPassword(spec).ok()) << spec;
  }
}

}  // namespace
}  // namespace refund::server
