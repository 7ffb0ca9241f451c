#ifndef SIMKEEP_STORAGE_SQL_TABLE_COPY_H_
#define SIMKEEP_STORAGE_SQL_TABLE_COPY_H_

// The table-level view of a database that copying one database into another needs
// (`simkeep migrate --from ... --to ...`, storage/copy): each table's schema as the database's
// own catalog describes it, its rows as plain values, and a bulk writer. The adapters implement
// it over their own connections (sqlite/sqlite_snapshot.h reads, postgres/postgres_loader.h
// reads and writes); storage/copy compares the two catalogs, orders the tables and moves the
// rows. Nothing here knows simkeep's tables: a migration that adds one is copied without a
// change here.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "simkeep/base/result.h"

namespace simkeep::storage::sql {

// What a column holds, as far as a copy cares. Every simkeep column is one of the first two
// (money and times are BIGINT, booleans INTEGER 0/1, everything else TEXT); anything else is
// refused rather than copied approximately.
enum class ColumnType { kInteger, kText, kOther };

// The type of a column declared `declared_type` ("BIGINT", "integer", "TEXT", ...): kInteger when
// the name holds "INT" (SQLite's own rule for integer affinity), kText for "TEXT" or "CHAR",
// kOther for the rest (REAL, BLOB, NUMERIC, boolean, ...). Case-insensitive.
ColumnType ColumnTypeOf(std::string_view declared_type);

struct ColumnSchema {
  std::string name;
  ColumnType type = ColumnType::kOther;
  std::string declared_type;  // As the catalog spells it, for messages.
  // Filled in by the database on insert when not given: SQLite's INTEGER PRIMARY KEY
  // (AUTOINCREMENT or not), PostgreSQL's identity columns. A copy writes the stored values and
  // then moves the destination's generator past them.
  bool identity = false;
};

// One table as a database's catalog describes it.
struct TableSchema {
  std::string name;
  std::vector<ColumnSchema> columns;     // In the table's column order.
  std::vector<std::string> primary_key;  // Column names, in key order; empty without one.
  // Tables this one's foreign keys refer to (possibly itself), each once, sorted.
  std::vector<std::string> references;
};

// One stored value: NULL, an integer, or text (UTF-8, any bytes the database holds).
using Value = std::variant<std::monostate, int64_t, std::string>;

// Called with each row, its values in the order of the TableSchema's columns. The span is valid
// during the call only. An error stops the stream and is returned by it.
using RowCallback = std::function<Result<void>(std::span<const Value> row)>;

// Reads tables. Implementations read inside one transaction they hold open, so that every call
// sees the same snapshot. Not thread-safe.
class TableReader {
 public:
  virtual ~TableReader() = default;

  // Every table of the database's schema, by name, without the database's own (sqlite_*).
  virtual Result<std::vector<TableSchema>> Tables() = 0;
  // How many rows `table` holds.
  virtual Result<int64_t> CountRows(const TableSchema& table) = 0;
  // Streams every row of `table`, reading the columns `table` lists in that order (which need
  // not be the stored order), by primary key when it has one. Integer columns yield int64_t,
  // text columns std::string, NULL std::monostate. A value of another storage class (SQLite
  // can hold a REAL or a BLOB in any column) is kFailedPrecondition "value_unsupported".
  virtual Result<void> ForEachRow(const TableSchema& table, const RowCallback& callback) = 0;
};

// Writes tables in bulk, one table at a time: BeginTable, WriteRow for each row, EndTable. A
// failure leaves the writer unusable except to roll back (which its owner does). Not
// thread-safe.
class TableWriter {
 public:
  virtual ~TableWriter() = default;

  // Starts writing rows into `table`, whose columns (by name, in the order WriteRow gives them)
  // are those `table` lists; identity columns included, their values kept as given.
  virtual Result<void> BeginTable(const TableSchema& table) = 0;
  // One row, its values in the order of BeginTable's columns.
  virtual Result<void> WriteRow(std::span<const Value> row) = 0;
  // Ends the table: every row is written (constraints checked), and each identity column's
  // generator now gives values above the largest stored one.
  virtual Result<void> EndTable() = 0;
};

// `name` as a quoted SQL identifier ("name", with any '"' doubled), for the statements built
// from catalog names. The same in SQLite and PostgreSQL.
std::string QuotedIdentifier(std::string_view name);

// "a", "b" -> "\"a\", \"b\"": the columns of `table` as a quoted, comma-separated list.
std::string QuotedColumnList(const TableSchema& table);

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_TABLE_COPY_H_
