#include "simkeep/storage/sqlite/sqlite_snapshot.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "simkeep/storage/sqlite/internal/connection.h"
#include "simkeep/storage/sqlite/limits.h"

namespace simkeep::storage::sqlite {
namespace {

// A statement prepared for one use. The catalog and row queries are built from table names, so
// they do not go through the connection's cache of the store's fixed statements; and the row
// stream needs each value's storage class, which the store's Statement does not show.
Result<internal::StatementHandle> PrepareOnce(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  internal::StatementHandle statement(raw);
  if (rc != SQLITE_OK) {
    return internal::ErrorFromSqlite(db, rc, "prepare " + sql);
  }
  return statement;
}

// Steps `statement` to its end, calling `row` for each row. Stops at the first error.
template <typename RowFunction>
Result<void> StepAll(sqlite3* db, sqlite3_stmt* statement, std::string_view context,
                     RowFunction row) {
  while (true) {
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_DONE) {
      return Ok();
    }
    if (rc != SQLITE_ROW) {
      return internal::ErrorFromSqlite(db, rc, context);
    }
    if (Result<void> handled = row(); !handled) {
      return handled;
    }
  }
}

std::string ColumnText(sqlite3_stmt* statement, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return text == nullptr
             ? std::string()
             : std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement, column)));
}

// The first column, as text, of every row of a catalog query taking at most one parameter.
Result<std::vector<std::string>> TextColumn(sqlite3* db, const std::string& sql,
                                            const std::string& parameter = "") {
  Result<internal::StatementHandle> statement = PrepareOnce(db, sql);
  if (!statement) {
    return statement.error();
  }
  if (sqlite3_bind_parameter_count(statement->get()) > 0) {
    sqlite3_bind_text(statement->get(), 1, parameter.data(), static_cast<int>(parameter.size()),
                      SQLITE_TRANSIENT);
  }
  std::vector<std::string> values;
  Result<void> read = StepAll(db, statement->get(), sql, [&]() -> Result<void> {
    values.push_back(ColumnText(statement->get(), 0));
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  return values;
}

// Whether `table` is a WITHOUT ROWID table, where an INTEGER PRIMARY KEY is an ordinary column.
Result<bool> WithoutRowid(sqlite3* db, const std::string& table) {
  Result<std::vector<std::string>> flag =
      TextColumn(db, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1", table);
  if (!flag) {
    return flag.error();
  }
  return !flag->empty() && flag->front() == "1";
}

Result<sql::TableSchema> DescribeTable(sqlite3* db, const std::string& name) {
  sql::TableSchema table;
  table.name = name;
  Result<internal::StatementHandle> columns =
      PrepareOnce(db, "SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid");
  if (!columns) {
    return columns.error();
  }
  sqlite3_bind_text(columns->get(), 1, name.data(), static_cast<int>(name.size()),
                    SQLITE_TRANSIENT);
  std::vector<std::pair<int64_t, std::string>> key_columns;  // (position in the key, name)
  Result<void> read = StepAll(db, columns->get(), "table_info " + name, [&]() -> Result<void> {
    sql::ColumnSchema column;
    column.name = ColumnText(columns->get(), 0);
    column.declared_type = ColumnText(columns->get(), 1);
    column.type = sql::ColumnTypeOf(column.declared_type);
    const int64_t key_position = sqlite3_column_int64(columns->get(), 2);
    if (key_position > 0) {
      key_columns.emplace_back(key_position, column.name);
    }
    table.columns.push_back(std::move(column));
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  std::sort(key_columns.begin(), key_columns.end());
  for (auto& [position, column] : key_columns) {
    table.primary_key.push_back(std::move(column));
  }
  // A column declared exactly INTEGER that is the whole primary key is the rowid itself, which
  // SQLite fills in on insert (the seq columns, AUTOINCREMENT or not).
  if (table.primary_key.size() == 1) {
    Result<bool> without_rowid = WithoutRowid(db, name);
    if (!without_rowid) {
      return without_rowid.error();
    }
    for (sql::ColumnSchema& column : table.columns) {
      std::string type = column.declared_type;
      std::transform(type.begin(), type.end(), type.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      column.identity =
          !*without_rowid && column.name == table.primary_key.front() && type == "INTEGER";
    }
  }
  Result<std::vector<std::string>> references =
      TextColumn(db, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1) ORDER BY 1", name);
  if (!references) {
    return references.error();
  }
  table.references = std::move(*references);
  return table;
}

}  // namespace

SqliteSnapshot::SqliteSnapshot(std::unique_ptr<internal::Connection> connection)
    : connection_(std::move(connection)), transaction_(*connection_) {
  connection_->RequireTransaction();
  transaction_.set_writable(false);
}

SqliteSnapshot::~SqliteSnapshot() {
  // Only a read transaction was ever open: ending it cannot lose anything, and a failure here
  // would change nothing (closing the connection ends it too).
  if (connection_->InTransaction()) {
    static_cast<void>(connection_->Execute("ROLLBACK"));
  }
}

Result<std::unique_ptr<SqliteSnapshot>> SqliteSnapshot::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  // Read-only, and never created: a mistyped path must not leave an empty database behind.
  const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  internal::DatabaseHandle db(raw);  // Even a failed open may allocate a handle.
  if (rc != SQLITE_OK) {
    return NotFound("source_not_found", "Cannot open " + path + " (" + sqlite3_errstr(rc) + ").");
  }
  // The settings a reader needs of internal::Connection::Open's: extended codes, the busy
  // timeout (a WAL reader may wait briefly while another connection recovers the log), and no
  // trust in functions the file's schema names, since the file may come from anywhere.
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  auto snapshot =
      std::make_unique<SqliteSnapshot>(std::make_unique<internal::Connection>(std::move(db)));
  sqlite3* handle = snapshot->connection_->handle();
  if (Result<void> begun = snapshot->connection_->Execute("BEGIN DEFERRED"); !begun) {
    return begun.error();
  }
  // The first read takes the snapshot, and is where SQLite finds out what the file holds (the
  // prepare already reads the schema, so either step may say SQLITE_NOTADB).
  sqlite3_stmt* raw_statement = nullptr;
  int read_rc = sqlite3_prepare_v2(
      handle, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", -1,
      &raw_statement, nullptr);
  internal::StatementHandle statement(raw_statement);
  bool simkeep = false;
  if (read_rc == SQLITE_OK) {
    read_rc = sqlite3_step(statement.get());
    simkeep = read_rc == SQLITE_ROW;
    read_rc = read_rc == SQLITE_ROW || read_rc == SQLITE_DONE ? SQLITE_OK : read_rc;
  }
  if ((read_rc & 0xff) == SQLITE_NOTADB) {
    return InvalidArgument("source_not_sqlite", path + " is not a SQLite database.");
  }
  if (read_rc != SQLITE_OK) {
    return internal::ErrorFromSqlite(handle, read_rc, "read " + path);
  }
  if (!simkeep) {
    return FailedPrecondition("source_not_simkeep",
                              path +
                                  " is a SQLite database but not simkeep's (it has no "
                                  "schema_migrations table).");
  }
  return snapshot;
}

Result<std::vector<sql::TableSchema>> SqliteSnapshot::Tables() {
  sqlite3* db = connection_->handle();
  Result<std::vector<std::string>> names =
      TextColumn(db,
                 "SELECT name FROM sqlite_master WHERE type = 'table' "
                 "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  if (!names) {
    return names.error();
  }
  std::vector<sql::TableSchema> tables;
  for (const std::string& name : *names) {
    Result<sql::TableSchema> table = DescribeTable(db, name);
    if (!table) {
      return table.error();
    }
    tables.push_back(std::move(*table));
  }
  return tables;
}

Result<int64_t> SqliteSnapshot::CountRows(const sql::TableSchema& table) {
  sqlite3* db = connection_->handle();
  Result<internal::StatementHandle> statement =
      PrepareOnce(db, "SELECT count(*) FROM " + sql::QuotedIdentifier(table.name));
  if (!statement) {
    return statement.error();
  }
  int64_t count = 0;
  Result<void> read = StepAll(db, statement->get(), "count " + table.name, [&]() -> Result<void> {
    count = sqlite3_column_int64(statement->get(), 0);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  return count;
}

Result<void> SqliteSnapshot::ForEachRow(const sql::TableSchema& table,
                                        const sql::RowCallback& callback) {
  sqlite3* db = connection_->handle();
  std::string query =
      "SELECT " + sql::QuotedColumnList(table) + " FROM " + sql::QuotedIdentifier(table.name);
  for (size_t i = 0; i < table.primary_key.size(); ++i) {
    query += (i == 0 ? " ORDER BY " : ", ") + sql::QuotedIdentifier(table.primary_key[i]);
  }
  Result<internal::StatementHandle> statement = PrepareOnce(db, query);
  if (!statement) {
    return statement.error();
  }
  sqlite3_stmt* rows = statement->get();
  std::vector<sql::Value> row(table.columns.size());
  return StepAll(db, rows, "read " + table.name, [&]() -> Result<void> {
    for (size_t i = 0; i < row.size(); ++i) {
      const int column = static_cast<int>(i);
      switch (sqlite3_column_type(rows, column)) {
        case SQLITE_NULL:
          row[i] = std::monostate();
          break;
        case SQLITE_INTEGER:
          row[i] = static_cast<int64_t>(sqlite3_column_int64(rows, column));
          break;
        case SQLITE_TEXT:
          row[i] = ColumnText(rows, column);
          break;
        default:
          // A REAL or a BLOB: no simkeep column holds one, and neither has an exact twin in
          // the destination's columns.
          return FailedPrecondition("value_unsupported",
                                    table.name + "." + table.columns[i].name +
                                        " holds a REAL or BLOB value, which is not copied.");
      }
    }
    return callback(row);
  });
}

Result<std::vector<int64_t>> SqliteSnapshot::SchemaVersions() {
  sqlite3* db = connection_->handle();
  Result<internal::StatementHandle> statement =
      PrepareOnce(db, "SELECT version FROM schema_migrations ORDER BY version");
  if (!statement) {
    return statement.error();
  }
  std::vector<int64_t> versions;
  Result<void> read = StepAll(db, statement->get(), "schema_migrations", [&]() -> Result<void> {
    versions.push_back(sqlite3_column_int64(statement->get(), 0));
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  return versions;
}

}  // namespace simkeep::storage::sqlite
