#include "simkeep/storage/postgres/postgres_loader.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "simkeep/base/assert.h"
#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/limits.h"

namespace simkeep::storage::postgres {
namespace {

// Tables and their columns in the current schema, in column order. information_schema rather
// than pg_catalog: it spells the types the way the schema file does (bigint, integer, text) and
// says which columns are identities.
constexpr const char* kColumnsSql =
    "SELECT c.table_name, c.column_name, c.data_type, c.is_identity "
    "FROM information_schema.columns c JOIN information_schema.tables t "
    "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
    "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
    "ORDER BY c.table_name, c.ordinal_position";

constexpr const char* kPrimaryKeysSql =
    "SELECT k.table_name, k.column_name FROM information_schema.table_constraints tc "
    "JOIN information_schema.key_column_usage k ON k.constraint_schema = tc.constraint_schema "
    "AND k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name "
    "WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY' "
    "ORDER BY k.table_name, k.ordinal_position";

// Which table each foreign key refers to. From pg_constraint, because information_schema links a
// foreign key to the table it refers to only by constraint name, and constraint names are unique
// per table, not per schema.
constexpr const char* kForeignKeysSql =
    "SELECT DISTINCT source.relname::text, target.relname::text FROM pg_constraint c "
    "JOIN pg_class source ON source.oid = c.conrelid "
    "JOIN pg_class target ON target.oid = c.confrelid "
    "WHERE c.contype = 'f' AND source.relnamespace = current_schema()::regnamespace";

// `text` escaped for COPY's text format: backslash, and the characters that end a field or a
// row. Everything else, UTF-8 included, goes as it is.
void AppendCopyText(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

void AppendCopyRow(std::string& out, std::span<const sql::Value> row) {
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) {
      out += '\t';
    }
    if (const auto* number = std::get_if<int64_t>(&row[i])) {
      out += std::to_string(*number);
    } else if (const auto* text = std::get_if<std::string>(&row[i])) {
      AppendCopyText(out, *text);
    } else {
      out += "\\N";
    }
  }
  out += '\n';
}

// The error a failed COPY (or other libpq call) reports, named after `context`. PostgreSQL's
// CONTEXT says which row and column of the COPY it stopped at.
Error CopyError(PGconn* connection, const PGresult* result, const std::string& context) {
  std::string sqlstate;
  std::string constraint;
  std::string message = context + ": ";
  if (result != nullptr && PQresultStatus(result) == PGRES_FATAL_ERROR) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const char* name = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    const char* where = PQresultErrorField(result, PG_DIAG_CONTEXT);
    sqlstate = state != nullptr ? state : "";
    constraint = name != nullptr ? name : "";
    message += internal::Trimmed(PQresultErrorMessage(result));
    if (where != nullptr) {
      message += " (" + internal::Trimmed(where) + ")";
    }
  } else {
    message += internal::Trimmed(PQerrorMessage(connection));
  }
  if (PQstatus(connection) != CONNECTION_OK) {
    sqlstate.clear();  // Whatever the server said last, the connection is gone.
  }
  return internal::ErrorFromSqlState(sqlstate, constraint, std::move(message));
}

// Rows of a catalog query whose columns are all text.
Result<std::vector<std::vector<std::string>>> ReadTextRows(internal::Connection& connection,
                                                           const char* sql, int columns) {
  Result<internal::Statement> statement = connection.Prepare(sql);
  if (!statement) {
    return statement.error();
  }
  std::vector<std::vector<std::string>> rows;
  while (true) {
    Result<bool> row = statement->Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return rows;
    }
    std::vector<std::string>& values = rows.emplace_back();
    for (int i = 0; i < columns; ++i) {
      values.push_back(statement->ReadText());
    }
  }
}

Result<std::vector<sql::TableSchema>> ReadCatalog(internal::Connection& connection) {
  Result<std::vector<std::vector<std::string>>> columns = ReadTextRows(connection, kColumnsSql, 4);
  if (!columns) {
    return columns.error();
  }
  Result<std::vector<std::vector<std::string>>> keys = ReadTextRows(connection, kPrimaryKeysSql, 2);
  if (!keys) {
    return keys.error();
  }
  Result<std::vector<std::vector<std::string>>> references =
      ReadTextRows(connection, kForeignKeysSql, 2);
  if (!references) {
    return references.error();
  }
  std::map<std::string, sql::TableSchema> tables;  // By name, as TableReader::Tables() returns.
  for (const std::vector<std::string>& row : *columns) {
    sql::TableSchema& table = tables[row[0]];
    table.name = row[0];
    table.columns.push_back(
        sql::ColumnSchema{row[1], sql::ColumnTypeOf(row[2]), row[2], row[3] == "YES"});
  }
  for (const std::vector<std::string>& row : *keys) {
    tables[row[0]].primary_key.push_back(row[1]);
  }
  for (const std::vector<std::string>& row : *references) {
    tables[row[0]].references.push_back(row[1]);
  }
  std::vector<sql::TableSchema> sorted;
  for (auto& [name, table] : tables) {
    std::sort(table.references.begin(), table.references.end());
    sorted.push_back(std::move(table));
  }
  return sorted;
}

}  // namespace

PostgresLoader::PostgresLoader(std::unique_ptr<internal::Connection> connection)
    : connection_(std::move(connection)), transaction_(*connection_) {
  connection_->RequireTransaction();
  // The store's queries only read here (the audit); as readers they lock nothing.
  transaction_.set_writable(false);
}

PostgresLoader::~PostgresLoader() {
  // Neither committed nor rolled back: the copy was abandoned, and none of it may stay. A
  // failure cannot be reported from here, and closing the connection rolls back anyway.
  static_cast<void>(Rollback());
}

Result<std::unique_ptr<PostgresLoader>> PostgresLoader::Open(const std::string& conninfo) {
  Result<std::unique_ptr<internal::Connection>> connection = internal::Connection::Open(conninfo);
  if (!connection) {
    return connection.error();
  }
  // Its statements copy, index and verify whole tables.
  (*connection)->SetCallDeadline(std::chrono::milliseconds(kLongCallDeadlineMs));
  auto loader = std::make_unique<PostgresLoader>(std::move(*connection));
  Result<void> begun =
      loader->connection_->Execute("BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE");
  if (!begun) {
    return begun.error();
  }
  Result<std::vector<sql::TableSchema>> tables = ReadCatalog(*loader->connection_);
  if (!tables) {
    return tables.error();
  }
  if (!tables->empty()) {
    // EXCLUSIVE blocks every writer (and other EXCLUSIVE lockers) until the transaction ends,
    // and lets plain readers through.
    std::string lock = "LOCK TABLE ";
    for (size_t i = 0; i < tables->size(); ++i) {
      lock += (i == 0 ? "" : ", ") + sql::QuotedIdentifier((*tables)[i].name);
    }
    lock += " IN EXCLUSIVE MODE";
    if (Result<void> locked = loader->connection_->Execute(lock.c_str()); !locked) {
      return locked.error();
    }
  }
  loader->tables_ = std::move(*tables);
  return loader;
}

Result<std::vector<sql::TableSchema>> PostgresLoader::Tables() { return tables_; }

Result<int64_t> PostgresLoader::CountRows(const sql::TableSchema& table) {
  const std::string query = "SELECT count(*) FROM " + sql::QuotedIdentifier(table.name);
  Result<internal::Statement> statement = connection_->Prepare(query.c_str());
  if (!statement) {
    return statement.error();
  }
  Result<bool> row = statement->Step();
  if (!row) {
    return row.error();
  }
  SIMKEEP_ASSERT(*row);  // count(*) always yields one row.
  return statement->ReadInt64();
}

Result<void> PostgresLoader::ForEachRow(const sql::TableSchema& table,
                                        const sql::RowCallback& callback) {
  std::string query =
      "SELECT " + sql::QuotedColumnList(table) + " FROM " + sql::QuotedIdentifier(table.name);
  for (size_t i = 0; i < table.primary_key.size(); ++i) {
    query += (i == 0 ? " ORDER BY " : ", ") + sql::QuotedIdentifier(table.primary_key[i]);
  }
  Result<internal::Statement> statement = connection_->PrepareStream(query.c_str());
  if (!statement) {
    return statement.error();
  }
  std::vector<sql::Value> row(table.columns.size());
  while (true) {
    Result<bool> next = statement->Step();
    if (!next) {
      return next.error();
    }
    if (!*next) {
      return Ok();
    }
    for (size_t i = 0; i < row.size(); ++i) {
      if (statement->NextIsNull()) {
        statement->Skip();
        row[i] = std::monostate();
      } else if (table.columns[i].type == sql::ColumnType::kInteger) {
        row[i] = statement->ReadInt64();
      } else {
        row[i] = statement->ReadText();
      }
    }
    if (statement->RowError()) {
      return *statement->RowError();
    }
    if (Result<void> handled = callback(row); !handled) {
      return handled;
    }
  }
}

Result<void> PostgresLoader::BeginTable(const sql::TableSchema& table) {
  if (writing_) {
    return Internal("BeginTable: " + writing_->name + " is still being written");
  }
  // COPY writes identity columns as given, GENERATED ALWAYS ones included: what INSERT needs
  // OVERRIDING SYSTEM VALUE for.
  const std::string copy = "COPY " + sql::QuotedIdentifier(table.name) + " (" +
                           sql::QuotedColumnList(table) + ") FROM STDIN";
  internal::ResultHandle result(PQexec(connection_->handle(), copy.c_str()));
  if (PQresultStatus(result.get()) != PGRES_COPY_IN) {
    return CopyError(connection_->handle(), result.get(), "copy into " + table.name);
  }
  writing_ = table;
  buffer_.clear();
  return Ok();
}

Result<void> PostgresLoader::WriteRow(std::span<const sql::Value> row) {
  SIMKEEP_ASSERT(writing_.has_value());
  SIMKEEP_ASSERT(row.size() == writing_->columns.size());
  AppendCopyRow(buffer_, row);
  if (buffer_.size() >= kCopyBufferBytes) {
    return SendBuffered();
  }
  return Ok();
}

Result<void> PostgresLoader::SendBuffered() {
  if (buffer_.empty()) {
    return Ok();
  }
  // A blocking connection: 1 is sent (or queued), -1 is a failure, typically the server having
  // stopped the COPY on a bad row; its error comes with the COPY's result.
  const int sent =
      PQputCopyData(connection_->handle(), buffer_.data(), static_cast<int>(buffer_.size()));
  buffer_.clear();
  if (sent == 1) {
    return Ok();
  }
  Error failed = CopyError(connection_->handle(), nullptr, "copy into " + writing_->name);
  Result<void> finished = FinishCopy("simkeep: sending failed");
  writing_.reset();
  if (!finished) {
    return finished;  // The server's own account of what went wrong, when it gave one.
  }
  return failed;
}

Result<void> PostgresLoader::FinishCopy(const char* abandon_reason) {
  PGconn* connection = connection_->handle();
  const std::string context = "copy into " + (writing_ ? writing_->name : std::string("?"));
  std::optional<Error> error;
  if (PQputCopyEnd(connection, abandon_reason) != 1) {
    error = CopyError(connection, nullptr, context);
  }
  // Every result up to the null that ends the command; the first failure is the one to report.
  while (internal::ResultHandle result{PQgetResult(connection)}) {
    if (!error && PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      error = CopyError(connection, result.get(), context);
    }
    if (PQstatus(connection) != CONNECTION_OK) {
      break;
    }
  }
  if (error) {
    return *error;
  }
  return Ok();
}

Result<void> PostgresLoader::EndTable() {
  if (!writing_) {
    return Internal("EndTable: no table is being written");
  }
  if (Result<void> sent = SendBuffered(); !sent) {
    return sent;  // SendBuffered has ended the COPY.
  }
  Result<void> finished = FinishCopy(nullptr);
  const sql::TableSchema table = std::move(*writing_);
  writing_.reset();
  if (!finished) {
    return finished;
  }
  return AdvanceIdentitySequences(table);
}

Result<void> PostgresLoader::AdvanceIdentitySequences(const sql::TableSchema& table) {
  for (const sql::ColumnSchema& column : table.columns) {
    if (!column.identity) {
      continue;
    }
    // The next value the sequence gives is one past the largest stored (1 for an empty table,
    // as on a fresh one). pg_get_serial_sequence parses its first argument as SQL, so it gets
    // the quoted name; the column name is taken literally.
    const std::string query = "SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(max(" +
                              sql::QuotedIdentifier(column.name) + "), 0) + 1, false) FROM " +
                              sql::QuotedIdentifier(table.name);
    Result<internal::Statement> statement = connection_->Prepare(query.c_str());
    if (!statement) {
      return statement.error();
    }
    statement->BindText(sql::QuotedIdentifier(table.name)).BindText(column.name);
    if (Result<void> ran = statement->Run(); !ran) {
      return ran;
    }
  }
  return Ok();
}

Result<std::vector<int64_t>> PostgresLoader::SchemaVersions() {
  Result<internal::Statement> statement =
      connection_->Prepare("SELECT version FROM schema_migrations ORDER BY version");
  if (!statement) {
    return statement.error();
  }
  std::vector<int64_t> versions;
  while (true) {
    Result<bool> row = statement->Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return versions;
    }
    versions.push_back(statement->ReadInt64());
  }
}

Result<void> PostgresLoader::Commit() {
  if (writing_) {
    return Internal("Commit: " + writing_->name + " is still being written");
  }
  Result<std::string> tag = connection_->ExecuteCommand("COMMIT");
  if (!tag) {
    return tag.error();
  }
  // PostgreSQL answers COMMIT of a transaction an error aborted with ROLLBACK.
  if (*tag != "COMMIT") {
    return Unavailable("db_unavailable",
                       "commit: the transaction had been aborted by an earlier error");
  }
  return Ok();
}

Result<void> PostgresLoader::Rollback() {
  if (writing_) {
    // Ends the COPY with an error, which is the only way to abandon one; its outcome (the
    // error just asked for) is of no interest.
    static_cast<void>(FinishCopy("simkeep: copy abandoned"));
    writing_.reset();
  }
  if (!connection_->InTransaction() || connection_->IsBroken()) {
    return Ok();
  }
  return connection_->Execute("ROLLBACK");
}

}  // namespace simkeep::storage::postgres
