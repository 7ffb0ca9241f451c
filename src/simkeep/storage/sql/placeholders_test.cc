#include "simkeep/storage/sql/placeholders.h"

#include <gtest/gtest.h>

namespace simkeep::storage::sql {
namespace {

TEST(PlaceholdersTest, NumbersBarePlaceholdersInOrder) {
  EXPECT_EQ(NumberedPlaceholders("INSERT INTO t (a, b, c) VALUES (?, ?, ?)"),
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)");
  EXPECT_EQ(NumberedPlaceholders("SELECT 1"), "SELECT 1");
  EXPECT_EQ(NumberedPlaceholders(""), "");
}

TEST(PlaceholdersTest, KeepsNumberedPlaceholdersAndCountsOnFromTheLargest) {
  // As SQLite numbers them: ?NNN is NNN, and a bare ? is one more than the largest so far.
  EXPECT_EQ(NumberedPlaceholders("a = ?1 AND (?2 = '' OR b < ?2) LIMIT ?3"),
            "a = $1 AND ($2 = '' OR b < $2) LIMIT $3");
  EXPECT_EQ(NumberedPlaceholders("?2 ?"), "$2 $3");
  EXPECT_EQ(NumberedPlaceholders("? ?1 ?"), "$1 $1 $2");
  EXPECT_EQ(NumberedPlaceholders("?10?"), "$10$11");
}

TEST(PlaceholdersTest, LeavesTextThatIsNotAPlaceholderAlone) {
  EXPECT_EQ(NumberedPlaceholders("SELECT '?', 'it''s ?', ? FROM t"),
            "SELECT '?', 'it''s ?', $1 FROM t");
  EXPECT_EQ(NumberedPlaceholders("SELECT \"a?b\" FROM t WHERE c = ?"),
            "SELECT \"a?b\" FROM t WHERE c = $1");
  EXPECT_EQ(NumberedPlaceholders("SELECT ? -- why?\n, ? /* or ? */ , ?"),
            "SELECT $1 -- why?\n, $2 /* or ? */ , $3");
  // Text already numbered for PostgreSQL passes through as it is.
  EXPECT_EQ(NumberedPlaceholders("SELECT $1::bigint + $2"), "SELECT $1::bigint + $2");
}

TEST(PlaceholdersTest, CopiesAnUnclosedLiteralToTheEnd) {
  EXPECT_EQ(NumberedPlaceholders("SELECT ?, 'open ?"), "SELECT $1, 'open ?");
  EXPECT_EQ(NumberedPlaceholders("SELECT ? /* open ?"), "SELECT $1 /* open ?");
}

}  // namespace
}  // namespace simkeep::storage::sql
