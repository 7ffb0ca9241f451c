#include "simkeep/cli/csv_reader.h"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace simkeep::cli {
namespace {

using Fields = std::vector<std::string>;

TEST(CsvReaderTest, SplitsQuotedFieldsWithCommasAndDoubledQuotes) {
  Fields fields;
  ASSERT_TRUE(SplitCsv(R"(a,"b,c","say ""hi""",,e)", fields));
  EXPECT_EQ(fields, (Fields{"a", "b,c", "say \"hi\"", "", "e"}));
  ASSERT_TRUE(SplitCsv("", fields));
  EXPECT_EQ(fields, (Fields{""}));
}

TEST(CsvReaderTest, ReportsAnUnterminatedQuote) {
  Fields fields;
  EXPECT_FALSE(SplitCsv(R"(a,"b)", fields));
}

TEST(CsvReaderTest, NumbersRowsByFileLineSkippingBlankLinesAndCarriageReturns) {
  std::istringstream in("\xEF\xBB\xBFid,name\r\n1,one\r\n\r\n\n2,\"two\r\n3,three\n");
  CsvReader reader(in);
  Result<Fields> header = reader.ReadHeader();
  ASSERT_TRUE(header);
  EXPECT_EQ(*header, (Fields{"id", "name"}));  // The byte order mark is dropped.
  CsvRow row;
  ASSERT_TRUE(reader.Next(row));
  EXPECT_EQ(row.line, 2);
  EXPECT_TRUE(row.well_formed);
  EXPECT_EQ(row.fields, (Fields{"1", "one"}));
  ASSERT_TRUE(reader.Next(row));
  EXPECT_EQ(row.line, 5);
  EXPECT_FALSE(row.well_formed);
  ASSERT_TRUE(reader.Next(row));
  EXPECT_EQ(row.line, 6);
  EXPECT_EQ(row.fields, (Fields{"3", "three"}));
  EXPECT_FALSE(reader.Next(row));
}

TEST(CsvReaderTest, AnEmptyFileOrABlankFirstLineHasNoHeader) {
  for (const char* text : {"", "\n", "\r\nid\n"}) {
    std::istringstream in(text);
    CsvReader reader(in);
    Result<Fields> header = reader.ReadHeader();
    ASSERT_FALSE(header) << text;
    EXPECT_EQ(header.error().reason, "csv_header_missing");
  }
}

}  // namespace
}  // namespace simkeep::cli
