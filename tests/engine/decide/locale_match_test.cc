#include "engine/decide/locale_match.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace refund {
namespace {

const std::vector<std::string> kLocales = {"zh-CN", "en"};

TEST(MatchLocaleTest, EmptyIsTheDefaultAndNotAFallback) {
  LocaleMatch match = MatchLocale(kLocales, "");
  EXPECT_EQ(match.index, 0);
  EXPECT_FALSE(match.fallback);
}

TEST(MatchLocaleTest, ExactTagsIgnoreCaseAndUnderscores) {
  EXPECT_EQ(MatchLocale(kLocales, "en").index, 1);
  EXPECT_EQ(MatchLocale(kLocales, "zh-CN").index, 0);
  EXPECT_EQ(MatchLocale(kLocales, "zh_cn").index, 0);
  EXPECT_EQ(MatchLocale(kLocales, "EN").index, 1);
  EXPECT_FALSE(MatchLocale(kLocales, "EN").fallback);
}

TEST(MatchLocaleTest, ARegionalVariantGetsItsLanguage) {
  EXPECT_EQ(MatchLocale(kLocales, "en-US").index, 1);
  EXPECT_EQ(MatchLocale(kLocales, "en_GB").index, 1);
  EXPECT_EQ(MatchLocale(kLocales, "zh-Hans").index, 0);
  EXPECT_EQ(MatchLocale(kLocales, "zh").index, 0);
  EXPECT_FALSE(MatchLocale(kLocales, "en-US").fallback);
}

TEST(MatchLocaleTest, AnUnknownLanguageFallsBackToTheDefault) {
  LocaleMatch match = MatchLocale(kLocales, "fr-FR");
  EXPECT_EQ(match.index, 0);
  EXPECT_TRUE(match.fallback);
  // A language whose name merely starts like a known one is not it.
  EXPECT_TRUE(MatchLocale(kLocales, "eng").fallback);
}

TEST(MatchLocaleTest, TheDefaultIsTheFirstLocale) {
  const std::vector<std::string> english_first = {"en", "zh-CN"};
  EXPECT_EQ(MatchLocale(english_first, "de").index, 0);
  EXPECT_EQ(MatchLocale(english_first, "zh-TW").index, 1);
}

}  // namespace
}  // namespace refund
