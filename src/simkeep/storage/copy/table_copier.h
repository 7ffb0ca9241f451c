#ifndef SIMKEEP_STORAGE_COPY_TABLE_COPIER_H_
#define SIMKEEP_STORAGE_COPY_TABLE_COPIER_H_

// The generic part of copying one database into another: compare the two catalogs, order the
// tables so that each comes after the tables its foreign keys refer to, move the rows through
// sql::TableReader / sql::TableWriter, and read them back to prove they arrived unchanged. It
// knows no database and no simkeep table; database_copy.h puts it to work.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/base/result.h"
#include "simkeep/storage/sql/table_copy.h"

namespace simkeep::storage::copy {

// Checks that `source` and `destination` (each a TableReader::Tables()) describe the same
// tables, leaving out `skipped` ones on both sides, and returns the source's tables in an order
// where every table comes after the tables it refers to (ties by name, so the order is stable).
// The same means: the same table names; in each, the same column names (in any order) with the
// same type class (sql::ColumnType) and identity flag, and the same primary key. Foreign keys
// are taken from both sides, so the order suits the destination whatever the source says.
// Errors (kFailedPrecondition): "schema_mismatch", the message listing the differences;
// "column_type_unsupported" for a column neither integer nor text; "foreign_key_cycle" when no
// order puts every referred-to table first (a table referring to itself is fine: its rows go in
// primary-key order, which simkeep's self-references follow).
Result<std::vector<sql::TableSchema>> PlanTableCopy(std::span<const sql::TableSchema> source,
                                                    std::span<const sql::TableSchema> destination,
                                                    std::span<const std::string_view> skipped);

// An order-independent fingerprint of a multiset of rows: the wrapping sum of a 64-bit hash of
// each row (its values with their kinds, so NULL, "" and 0 differ, as do 1 and "1"). Two tables
// holding the same rows in any order have the same value; a changed, lost or extra row changes
// it (barring a 64-bit collision). Valid within one process only: the row hash is std::hash.
class RowsDigest {
 public:
  void Add(std::span<const sql::Value> row);
  uint64_t value() const { return sum_; }

 private:
  uint64_t sum_ = 0;
  std::string buffer_;  // Reused for each row's encoding.
};

// What CopyTables found for one table.
struct TableCopyCount {
  std::string table;
  int64_t source_rows = 0;          // count(*) on the source, before the copy.
  int64_t copied_rows = 0;          // Rows read from the source and written.
  int64_t destination_rows = 0;     // count(*) on the destination, after the copy.
  int64_t read_back_rows = 0;       // Rows read back from the destination.
  uint64_t source_digest = 0;       // RowsDigest of the rows copied.
  uint64_t destination_digest = 0;  // RowsDigest of the rows read back.

  // Whether every count agrees and the rows read back are those copied.
  bool Matches() const {
    return copied_rows == source_rows && destination_rows == source_rows &&
           read_back_rows == source_rows && destination_digest == source_digest;
  }
};

// What a long step is doing, for progress reports.
enum class CopyStep {
  kCopy,    // Copying a table's rows.
  kVerify,  // Reading a table's rows back from the destination.
  kAudit,   // The ledger audit of one side (`table` is "source" or "destination").
};
// `done` of `total` rows (total 0: unknown).
using CopyProgress =
    std::function<void(CopyStep step, std::string_view table, int64_t done, int64_t total)>;

// Copies every row of each table of `plan` (from PlanTableCopy), in that order, from `source`
// to `writer`, then reads each table back from `destination` (the writer's own reader, inside
// the same transaction) and counts both sides. Mismatches are not errors: they are in the
// counts (TableCopyCount::Matches), for the caller to report and roll back. `progress` (may be
// empty) is called every kProgressRowsStep rows of a table and once more at the table's end if
// it was called before, so small tables pass silently.
// Errors: whatever the reader or writer returns; the copy stops at the first.
Result<std::vector<TableCopyCount>> CopyTables(sql::TableReader& source, sql::TableWriter& writer,
                                               sql::TableReader& destination,
                                               std::span<const sql::TableSchema> plan,
                                               const CopyProgress& progress);

}  // namespace simkeep::storage::copy

#endif  // SIMKEEP_STORAGE_COPY_TABLE_COPIER_H_
