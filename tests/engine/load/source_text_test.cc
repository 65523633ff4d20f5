#include "engine/load/source_text.h"

#include "gtest/gtest.h"

namespace refund {
namespace {

TEST(SourceTextTest, LineAndColumnOfOffsets) {
  SourceText text("ab\ncd\n\nef");
  EXPECT_EQ(text.LineColumnOf(0), std::make_pair(1, 1));
  EXPECT_EQ(text.LineColumnOf(4), std::make_pair(2, 2));
  EXPECT_EQ(text.LineColumnOf(7), std::make_pair(4, 1));
}

TEST(SourceTextTest, TokenizerColumnsExpandTabs) {
  SourceText text("x\n\twhen: 1");
  EXPECT_EQ(text.OffsetOfTokenizerPosition(1, 8), 3u);
}

TEST(SourceTextTest, MapsAdjacentLiteralsBackToTheFile) {
  //                 0         1         2
  //                 0123456789012345678901234567
  SourceText text("when: \"a &&\"  # c\n  'b\\x41'\n");
  std::vector<size_t> offsets = text.StringValueOffsets(0);
  // Decoded value: "a &&" + "b" + "A" and one past the end.
  ASSERT_EQ(offsets.size(), 7u);
  EXPECT_EQ(offsets[0], 7u);   // a
  EXPECT_EQ(offsets[3], 10u);  // second &
  EXPECT_EQ(offsets[4], 21u);  // b on the next line
  EXPECT_EQ(offsets[5], 22u);  // \x41 maps to its backslash
}

TEST(SourceTextTest, NoLiteralGivesNoOffsets) {
  SourceText text("priority: 5\n");
  EXPECT_TRUE(text.StringValueOffsets(0).empty());
}

}  // namespace
}  // namespace refund
