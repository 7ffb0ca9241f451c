#include "simkeep/storage/copy/table_copier.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "simkeep/storage/copy/limits.h"

namespace simkeep::storage::copy {
namespace {

using sql::ColumnSchema;
using sql::ColumnType;
using sql::TableSchema;
using sql::Value;
using Row = std::vector<Value>;

ColumnSchema Integer(std::string name, bool identity = false) {
  return ColumnSchema{std::move(name), ColumnType::kInteger, "BIGINT", identity};
}
ColumnSchema Text(std::string name) {
  return ColumnSchema{std::move(name), ColumnType::kText, "TEXT", false};
}

TableSchema Table(std::string name, std::vector<ColumnSchema> columns,
                  std::vector<std::string> references = {}) {
  TableSchema table;
  table.name = std::move(name);
  table.primary_key = {columns.front().name};
  table.columns = std::move(columns);
  table.references = std::move(references);
  return table;
}

std::vector<std::string> Names(const std::vector<TableSchema>& tables) {
  std::vector<std::string> names;
  names.reserve(tables.size());
  for (const TableSchema& table : tables) {
    names.push_back(table.name);
  }
  return names;
}

// A database in memory: rows by table, read in the column order asked for. As a writer it can
// be told to lose a row or change a value, as a broken destination would.
class MemoryDatabase final : public sql::TableReader, public sql::TableWriter {
 public:
  explicit MemoryDatabase(std::vector<TableSchema> tables) : tables_(std::move(tables)) {}

  Result<std::vector<TableSchema>> Tables() override { return tables_; }
  Result<int64_t> CountRows(const TableSchema& table) override {
    return static_cast<int64_t>(rows_[table.name].size());
  }
  Result<void> ForEachRow(const TableSchema& table, const sql::RowCallback& callback) override {
    for (const std::map<std::string, Value>& stored : rows_[table.name]) {
      Row row;
      for (const ColumnSchema& column : table.columns) {
        row.push_back(stored.at(column.name));
      }
      if (Result<void> handled = callback(row); !handled) {
        return handled;
      }
    }
    return Ok();
  }

  Result<void> BeginTable(const TableSchema& table) override {
    writing_ = table;
    return Ok();
  }
  Result<void> WriteRow(std::span<const Value> row) override {
    ++written_;
    if (written_ == fail_at_row_) {
      return FailedPrecondition("constraint_violation", "refused");
    }
    if (written_ == lose_row_) {
      return Ok();
    }
    Insert(writing_.name, Row(row.begin(), row.end()), writing_);
    if (written_ == change_row_) {
      rows_[writing_.name].back().begin()->second = Value(std::string("changed"));
    }
    return Ok();
  }
  Result<void> EndTable() override {
    ++tables_ended_;
    return Ok();
  }

  // Stores `row`, its values in the order of `table`'s columns.
  void Insert(const std::string& name, Row row, const TableSchema& table) {
    std::map<std::string, Value> stored;
    for (size_t i = 0; i < row.size(); ++i) {
      stored[table.columns[i].name] = std::move(row[i]);
    }
    rows_[name].push_back(std::move(stored));
  }

  int64_t fail_at_row_ = 0;  // 1-based over every row written; 0: never.
  int64_t lose_row_ = 0;
  int64_t change_row_ = 0;
  int tables_ended_ = 0;

 private:
  std::vector<TableSchema> tables_;
  std::map<std::string, std::vector<std::map<std::string, Value>>> rows_;
  TableSchema writing_;
  int64_t written_ = 0;
};

// PlanTableCopy ----------------------------------------------------------------------------------

TEST(PlanTableCopyTest, OrdersTablesAfterTheTablesTheyReferTo) {
  // Alphabetical order would put every table before what it refers to.
  const std::vector<TableSchema> tables = {
      Table("a_receipts", {Text("id"), Text("order_id")}, {"b_orders"}),
      Table("b_orders", {Text("id"), Text("line_id")}, {"c_lines"}),
      Table("c_lines", {Text("id"), Text("carrier")}, {"d_carriers"}),
      Table("d_carriers", {Text("id")}),
      Table("e_unrelated", {Text("id")}),
  };
  Result<std::vector<TableSchema>> plan = PlanTableCopy(tables, tables, {});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"d_carriers", "c_lines", "b_orders",
                                                    "a_receipts", "e_unrelated"}));
}

TEST(PlanTableCopyTest, HonoursForeignKeysOnlyTheDestinationHas) {
  const std::vector<TableSchema> source = {Table("a", {Text("id")}), Table("b", {Text("id")})};
  std::vector<TableSchema> destination = source;
  destination[0].references = {"b"};
  Result<std::vector<TableSchema>> plan = PlanTableCopy(source, destination, {});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"b", "a"}));
}

TEST(PlanTableCopyTest, AcceptsATableReferringToItselfAndLeavesSkippedTablesOut) {
  const std::vector<TableSchema> source = {
      Table("transfers", {Integer("seq", true), Text("pending_id")}, {"transfers"}),
      Table("schema_migrations", {Integer("version"), Integer("applied_at")}),
  };
  // The destination's skipped table may differ freely: it is not compared.
  const std::vector<TableSchema> destination = {
      source[0], Table("schema_migrations", {Integer("version"), Text("other")})};
  const std::vector<std::string_view> skipped = {"schema_migrations"};
  Result<std::vector<TableSchema>> plan = PlanTableCopy(source, destination, skipped);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"transfers"}));
}

TEST(PlanTableCopyTest, ListsEveryDifferenceBetweenTheSchemas) {
  const std::vector<TableSchema> source = {
      Table("lines", {Text("id"), Text("iccid"), Integer("created_at"), Integer("seq")}),
      Table("only_source", {Text("id")}),
  };
  std::vector<TableSchema> destination = {
      Table("lines", {Text("id"), Integer("iccid"), Text("msisdn"), Integer("seq", true)}),
      Table("only_destination", {Text("id")}),
  };
  destination[0].primary_key = {"id", "seq"};
  Result<std::vector<TableSchema>> plan = PlanTableCopy(source, destination, {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().reason, "schema_mismatch");
  const std::string& message = plan.error().message;
  for (const char* expected :
       {"lines.iccid is text in the source and integer in the destination",
        "lines.created_at is only in the source", "lines.msisdn is only in the destination",
        "lines.seq is an identity column only in the destination",
        "lines's primary key is (id) in the source and (id, seq) in the destination",
        "table only_source is only in the source",
        "table only_destination is only in the destination"}) {
    EXPECT_NE(message.find(expected), std::string::npos) << expected << "\n" << message;
  }
}

TEST(PlanTableCopyTest, AcceptsTheSameColumnsInAnotherOrder) {
  const std::vector<TableSchema> source = {Table("t", {Text("id"), Integer("a"), Text("b")})};
  std::vector<TableSchema> destination = {Table("t", {Text("id"), Text("b"), Integer("a")})};
  Result<std::vector<TableSchema>> plan = PlanTableCopy(source, destination, {});
  ASSERT_TRUE(plan) << plan.error().message;
  // The source's column order is the one copied (the writer names its columns).
  EXPECT_EQ(plan->front().columns[1].name, "a");
}

TEST(PlanTableCopyTest, RefusesAColumnThatIsNeitherIntegerNorText) {
  std::vector<TableSchema> source = {Table("t", {Text("id"), Text("price")})};
  source[0].columns[1].type = ColumnType::kOther;
  source[0].columns[1].declared_type = "REAL";
  Result<std::vector<TableSchema>> plan = PlanTableCopy(source, source, {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().reason, "column_type_unsupported");
  EXPECT_NE(plan.error().message.find("t.price is declared REAL"), std::string::npos);
}

TEST(PlanTableCopyTest, RefusesAForeignKeyCycle) {
  const std::vector<TableSchema> tables = {
      Table("a", {Text("id")}, {"b"}),
      Table("b", {Text("id")}, {"a"}),
      Table("c", {Text("id")}),
  };
  Result<std::vector<TableSchema>> plan = PlanTableCopy(tables, tables, {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().reason, "foreign_key_cycle");
  EXPECT_NE(plan.error().message.find("a, b"), std::string::npos) << plan.error().message;
}

// RowsDigest -------------------------------------------------------------------------------------

uint64_t DigestOf(const std::vector<Row>& rows) {
  RowsDigest digest;
  for (const Row& row : rows) {
    digest.Add(row);
  }
  return digest.value();
}

TEST(RowsDigestTest, IgnoresRowOrderButSeesEveryValueAndItsKind) {
  const Row first = {Value(int64_t{1}), Value(std::string("東京")), Value()};
  const Row second = {Value(int64_t{2}), Value(std::string("")), Value(int64_t{0})};
  EXPECT_EQ(DigestOf({first, second}), DigestOf({second, first}));
  EXPECT_NE(DigestOf({first, second}), DigestOf({first}));
  EXPECT_NE(DigestOf({first, first}), DigestOf({first}));  // A duplicated row counts.
  EXPECT_NE(DigestOf({{Value()}}), DigestOf({{Value(std::string())}}));
  EXPECT_NE(DigestOf({{Value()}}), DigestOf({{Value(int64_t{0})}}));
  EXPECT_NE(DigestOf({{Value(int64_t{1})}}), DigestOf({{Value(std::string("1"))}}));
  EXPECT_NE(DigestOf({{Value(std::string("ab")), Value(std::string("c"))}}),
            DigestOf({{Value(std::string("a")), Value(std::string("bc"))}}));
  EXPECT_NE(DigestOf({{Value(int64_t{-1})}}), DigestOf({{Value(int64_t{1})}}));
}

// CopyTables -------------------------------------------------------------------------------------

struct Fixture {
  std::vector<TableSchema> schema = {
      Table("carriers", {Text("id"), Text("name")}),
      Table("lines", {Text("id"), Text("carrier"), Integer("expires_at")}, {"carriers"}),
  };
  MemoryDatabase source{schema};
  MemoryDatabase destination{schema};

  explicit Fixture(int64_t lines) {
    source.Insert("carriers", {Value(std::string("au")), Value(std::string("au (KDDI)"))},
                  schema[0]);
    for (int64_t i = 0; i < lines; ++i) {
      source.Insert("lines",
                    {Value("ln_" + std::to_string(i)), Value(std::string("au")),
                     i % 3 == 0 ? Value() : Value(int64_t{1'700'000'000'000'000} + i)},
                    schema[1]);
    }
  }

  Result<std::vector<TableCopyCount>> Copy(const CopyProgress& progress = {}) {
    Result<std::vector<TableSchema>> plan = PlanTableCopy(schema, schema, {});
    EXPECT_TRUE(plan);
    return CopyTables(source, destination, destination, *plan, progress);
  }
};

TEST(CopyTablesTest, CopiesEveryRowAndFindsThemAllBack) {
  Fixture fixture(25);
  Result<std::vector<TableCopyCount>> counts = fixture.Copy();
  ASSERT_TRUE(counts) << counts.error().message;
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].table, "carriers");
  EXPECT_EQ((*counts)[1].table, "lines");
  for (const TableCopyCount& count : *counts) {
    EXPECT_TRUE(count.Matches()) << count.table;
  }
  EXPECT_EQ((*counts)[1].source_rows, 25);
  EXPECT_EQ((*counts)[1].destination_rows, 25);
  EXPECT_EQ(fixture.destination.tables_ended_, 2);
}

TEST(CopyTablesTest, ReportsALostRowAndAChangedValue) {
  Fixture lost(10);
  lost.destination.lose_row_ = 5;
  Result<std::vector<TableCopyCount>> counts = lost.Copy();
  ASSERT_TRUE(counts);
  EXPECT_FALSE((*counts)[1].Matches());
  EXPECT_EQ((*counts)[1].copied_rows, 10);
  EXPECT_EQ((*counts)[1].destination_rows, 9);

  Fixture changed(10);
  changed.destination.change_row_ = 7;
  counts = changed.Copy();
  ASSERT_TRUE(counts);
  EXPECT_EQ((*counts)[1].destination_rows, 10);  // The count alone would not tell.
  EXPECT_NE((*counts)[1].destination_digest, (*counts)[1].source_digest);
  EXPECT_FALSE((*counts)[1].Matches());
}

TEST(CopyTablesTest, StopsAtTheFirstRowTheWriterRefuses) {
  Fixture fixture(10);
  fixture.destination.fail_at_row_ = 4;
  Result<std::vector<TableCopyCount>> counts = fixture.Copy();
  ASSERT_FALSE(counts);
  EXPECT_EQ(counts.error().reason, "constraint_violation");
  EXPECT_EQ(fixture.destination.tables_ended_, 1);  // carriers only; lines was left mid-way.
}

TEST(CopyTablesTest, ReportsProgressOfLargeTablesOnly) {
  const int64_t rows = 2 * kProgressRowsStep + 5;
  Fixture fixture(rows);
  std::vector<std::string> reports;
  Result<std::vector<TableCopyCount>> counts =
      fixture.Copy([&](CopyStep step, std::string_view table, int64_t done, int64_t total) {
        reports.push_back(std::string(step == CopyStep::kCopy ? "copy " : "verify ") +
                          std::string(table) + " " + std::to_string(done) + "/" +
                          std::to_string(total));
      });
  ASSERT_TRUE(counts) << counts.error().message;
  const std::string total = std::to_string(rows);
  EXPECT_EQ(reports, (std::vector<std::string>{
                         "copy lines " + std::to_string(kProgressRowsStep) + "/" + total,
                         "copy lines " + std::to_string(2 * kProgressRowsStep) + "/" + total,
                         "copy lines " + total + "/" + total,
                         "verify lines " + std::to_string(kProgressRowsStep) + "/" + total,
                         "verify lines " + std::to_string(2 * kProgressRowsStep) + "/" + total,
                         "verify lines " + total + "/" + total,
                     }));
}

}  // namespace
}  // namespace simkeep::storage::copy
