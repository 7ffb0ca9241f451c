#include "simkeep/storage/sqlite/internal/connection.h"

#include <array>
#include <filesystem>
#include <mutex>
#include <utility>

#include "simkeep/storage/sql/clash_message.h"
#include "simkeep/storage/sqlite/internal/checkpointer.h"
#include "simkeep/storage/sqlite/limits.h"

namespace simkeep::storage::sqlite::internal {
namespace {

struct UniqueKeyReason {
  std::string_view first_column;  // "table.column" as SQLite names the first column of the key.
  std::string_view reason;
};

// Every unique key of the schema and the reason app/ports.h documents for a clash on it.
constexpr std::array<UniqueKeyReason, 43> kUniqueKeyReasons{{
    {"notifications.notification_id", "notification_exists"},
    {"notifications.dedupe_key", "notification_exists"},
    {"webhook_endpoints.endpoint_id", "webhook_endpoint_exists"},
    {"notification_settings.line_id", "notification_settings_exists"},
    {"scheduler_cursors.name", "scheduler_cursor_exists"},
    {"lines.line_id", "line_exists"},
    {"lines.iccid", "iccid_taken"},
    {"lines.msisdn", "msisdn_taken"},
    {"number_quarantine.line_id", "number_quarantine_exists"},
    {"usage_records.record_id", "usage_record_exists"},
    {"usage_daily.line_id", "usage_day_exists"},
    {"line_usage.line_id", "line_usage_exists"},
    {"usage_charges.charge_id", "usage_charge_exists"},
    {"reservations.reservation_id", "reservation_exists"},
    {"reservations.session_id", "reservation_request_exists"},
    {"ledger_accounts.account_id", "account_exists"},
    {"ledger_transfers.transfer_id", "transfer_exists"},
    {"ledger_transfers.pending_id", "pending_transfer_settled"},
    {"orders.order_id", "order_exists"},
    {"orders.receipt_number", "receipt_exists"},
    {"payments.payment_id", "payment_exists"},
    {"payments.order_id", "payment_live_exists"},  // The partial index of live attempts.
    {"refunds.refund_id", "refund_exists"},
    {"webhook_deliveries.provider", "webhook_delivery_exists"},
    {"sandbox_charges.payment_id", "sandbox_charge_exists"},
    {"sandbox_refunds.refund_id", "sandbox_refund_exists"},
    {"scheduler_jobs.kind", "scheduler_job_exists"},
    {"auto_renewals.line_id", "auto_renewal_exists"},
    {"saved_payment_methods.saved_method_id", "saved_method_exists"},
    {"sandbox_saved_cards.token", "sandbox_saved_card_exists"},
    {"sandbox_saved_cards.saved_method_id", "sandbox_saved_card_exists"},
    {"receipts.receipt_number", "receipt_exists"},
    {"receipts.order_id", "receipt_exists"},
    {"receipt_lines.receipt_number", "receipt_exists"},
    {"receipt_rate_totals.receipt_number", "receipt_exists"},
    {"idempotency_keys.principal", "idempotency_key_exists"},
    {"api_keys.api_key_id", "api_key_exists"},
    {"api_keys.token_hash", "api_key_exists"},
    {"buckets.bucket_id", "bucket_exists"},
    {"line_events.event_id", "event_exists"},
    {"carriers.carrier_id", "carrier_exists"},
    {"plans.plan_id", "plan_exists"},
    {"plan_prices.plan_id", "price_version_exists"},
}};

bool IsUnavailable(int primary_code) {
  switch (primary_code) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_NOLFS:
    case SQLITE_PERM:
      return true;
    default:
      return false;
  }
}

std::string Describe(sqlite3* db, int rc, std::string_view context) {
  std::string message(context);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on `db`; without one, the code will do.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return message;
}

// Process-wide settings, made before the first connection opens (sqlite3_config refuses them
// once the library is initialised, which is harmless: they only save time). Memory statistics
// take a global mutex on every allocation SQLite makes; nothing here reads them.
void ConfigureLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

int Connection::ReportCommit(void* connection, sqlite3* /*db*/, const char* /*schema*/,
                             int frames) {
  auto* self = static_cast<Connection*>(connection);
  self->log_pages_ = frames;
  self->wal_signal_->NoteCommit(frames);
  return SQLITE_OK;
}

void Connection::RestartLogIfLong() {
  if (log_pages_ < kCheckpointRestartLogPages) {
    return;
  }
  log_pages_ = 0;
  sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
}

namespace {}  // namespace

std::string UniqueClashReason(std::string_view message) {
  constexpr std::string_view kMarker = "constraint failed: ";
  const size_t marker = message.find(kMarker);
  if (marker == std::string_view::npos) {
    return "duplicate_key";
  }
  std::string_view columns = message.substr(marker + kMarker.size());
  const std::string_view first = columns.substr(0, columns.find(','));
  for (const UniqueKeyReason& entry : kUniqueKeyReasons) {
    if (entry.first_column == first) {
      return std::string(entry.reason);
    }
  }
  return "duplicate_key";
}

Error ErrorFromSqlite(sqlite3* db, int rc, std::string_view context) {
  std::string message = Describe(db, rc, context);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    std::string reason = UniqueClashReason(message);
    // The statement and SQLite's text stay out of the message: it is shown to people.
    return AlreadyExists(reason, sql::ClashMessage(reason));
  }
  const int primary_code = rc & 0xff;
  if (primary_code == SQLITE_CONSTRAINT) {
    return FailedPrecondition("constraint_violation", std::move(message));
  }
  if (IsUnavailable(primary_code)) {
    return Unavailable("db_unavailable", std::move(message));
  }
  return Internal(std::move(message));
}

// Statement -----------------------------------------------------------------------------------

Statement::Statement(Connection& connection, sqlite3_stmt* statement, bool* in_use,
                     StatementHandle owned)
    : connection_(&connection), statement_(statement), in_use_(in_use), owned_(std::move(owned)) {}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      statement_(std::exchange(other.statement_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      owned_(std::move(other.owned_)),
      bind_index_(other.bind_index_),
      bind_rc_(other.bind_rc_),
      read_index_(other.read_index_),
      row_error_(std::move(other.row_error_)) {}

Statement::~Statement() {
  if (statement_ == nullptr) {
    return;
  }
  // sqlite3_reset repeats the error of the last step, which the caller has already seen through
  // Step() or Run(); there is nothing left to report. sqlite3_clear_bindings always succeeds.
  static_cast<void>(sqlite3_reset(statement_));
  static_cast<void>(sqlite3_clear_bindings(statement_));
  if (in_use_ != nullptr) {
    *in_use_ = false;
  }
}

void Statement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
  }
}

Statement& Statement::BindText(std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the text, so `value` need not outlive the statement.
  NoteBind(sqlite3_bind_text64(statement_, ++bind_index_, value.data(), value.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindInt64(int64_t value) {
  NoteBind(sqlite3_bind_int64(statement_, ++bind_index_, value));
  return *this;
}

Statement& Statement::BindNull() {
  NoteBind(sqlite3_bind_null(statement_, ++bind_index_));
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return ErrorFromSqlite(connection_->handle(), bind_rc_, "bind");
  }
  read_index_ = 0;
  row_error_.reset();
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return ErrorFromSqlite(connection_->handle(), rc, sqlite3_sql(statement_));
}

Result<void> Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return Ok();
    }
  }
}

std::string Statement::ReadText() {
  const int column = read_index_++;
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) {
    return std::string();
  }
  const int size = sqlite3_column_bytes(statement_, column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

int64_t Statement::ReadInt64() { return sqlite3_column_int64(statement_, read_index_++); }

bool Statement::NextIsNull() const {
  return sqlite3_column_type(statement_, read_index_) == SQLITE_NULL;
}

void Statement::NoteUnknownValue(std::string_view text) {
  if (!row_error_) {
    row_error_ = sql::UnknownValueError(text, sqlite3_column_name(statement_, read_index_ - 1));
  }
}

// Connection ----------------------------------------------------------------------------------

Connection::Connection(DatabaseHandle db) : db_(std::move(db)) {}

Connection::~Connection() {
  // Statements are finalized before the handle is closed (member order), so sqlite3_close_v2
  // closes at once.
  cache_.clear();
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     std::shared_ptr<WalSignal> wal_signal) {
  ConfigureLibraryOnce();
  sqlite3* raw = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  // Even a failed open may allocate a handle, which must be closed.
  DatabaseHandle db(raw);
  if (rc != SQLITE_OK) {
    Error error = ErrorFromSqlite(db.get(), rc, "open " + path);
    error.code = ErrorCode::kUnavailable;
    error.reason = "db_unavailable";
    return error;
  }
  auto connection = std::make_unique<Connection>(std::move(db));
  Result<void> configured = connection->Configure();
  if (!configured) {
    return configured.error();
  }
  if (wal_signal != nullptr) {
    // Replaces SQLite's automatic checkpoint, which is itself a WAL hook.
    connection->wal_signal_ = std::move(wal_signal);
    sqlite3_wal_hook(connection->handle(), &Connection::ReportCommit, connection.get());
  }
  return connection;
}

Result<std::unique_ptr<Connection>> Connection::OpenReadOnly(const std::string& path,
                                                             bool immutable) {
  ConfigureLibraryOnce();
  // A URI filename, so that the immutable parameter can be given: the characters a URI gives a
  // meaning to are escaped, and "file:" + an absolute path has no authority part to misread.
  std::string uri = "file:";
  for (const char c : std::filesystem::absolute(path).lexically_normal().string()) {
    if (c == '%' || c == '?' || c == '#') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      uri += '%';
      uri += kHex[static_cast<unsigned char>(c) >> 4];
      uri += kHex[static_cast<unsigned char>(c) & 15];
    } else {
      uri += c;
    }
  }
  uri += immutable ? "?immutable=1" : "?mode=ro";
  sqlite3* raw = nullptr;
  const int flags =
      SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(uri.c_str(), &raw, flags, nullptr);
  DatabaseHandle db(raw);  // Even a failed open may allocate a handle, which must be closed.
  if (rc != SQLITE_OK) {
    Error error = ErrorFromSqlite(db.get(), rc, "open " + path);
    error.code = ErrorCode::kUnavailable;
    error.reason = "db_unavailable";
    return error;
  }
  auto connection = std::make_unique<Connection>(std::move(db));
  Result<void> configured = connection->Configure();
  if (!configured) {
    return configured.error();
  }
  return connection;
}

Result<void> Connection::Configure() {
  sqlite3* db = db_.get();
  int rc = sqlite3_extended_result_codes(db, 1);
  if (rc == SQLITE_OK) {
    rc = sqlite3_busy_timeout(db, kBusyTimeoutMs);
  }
  // Double-quoted string literals are a SQLite quirk PostgreSQL reads as identifiers; refusing
  // them keeps the shared migration and query text portable.
  if (rc == SQLITE_OK) {
    rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  }
  if (rc != SQLITE_OK) {
    return ErrorFromSqlite(db, rc, "configure connection");
  }
  // synchronous=FULL with WAL syncs the log on every commit: an acknowledged commit survives a
  // power loss (DESIGN.md §3, invariant 3).
  return Execute(
      "PRAGMA foreign_keys = ON;"
      "PRAGMA synchronous = FULL;"
      "PRAGMA cache_size = -32768;"  // 32 MiB of page cache per connection.
      "PRAGMA temp_store = MEMORY;"
      // When the log starts over, its file is cut back to 64 MiB if a burst made it longer.
      "PRAGMA journal_size_limit = 67108864;"
      "PRAGMA trusted_schema = OFF;");
}

Result<void> Connection::Execute(const char* sql) {
  char* raw_message = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &raw_message);
  // sqlite3_exec allocates the message with sqlite3_malloc; it is freed here in every case.
  std::unique_ptr<char, decltype(&sqlite3_free)> message(raw_message, &sqlite3_free);
  if (rc != SQLITE_OK) {
    return ErrorFromSqlite(db_.get(), rc, "execute");
  }
  return Ok();
}

Result<void> Connection::CheckTransaction() const {
  if (transaction_required_ && !InTransaction()) {
    return Unavailable("db_unavailable",
                       "no open transaction: none was begun, or the database rolled it back");
  }
  return Ok();
}

Result<Statement> Connection::Prepare(const char* sql) {
  Result<void> in_transaction = CheckTransaction();
  if (!in_transaction) {
    return in_transaction.error();
  }
  auto found = cache_.find(std::string_view(sql));
  if (found != cache_.end() && !found->second.in_use) {
    found->second.in_use = true;
    return Statement(*this, found->second.statement.get(), &found->second.in_use, nullptr);
  }
  const bool cacheable = found == cache_.end() && cache_.size() < kStatementCacheSizeMax;
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql, -1, cacheable ? SQLITE_PREPARE_PERSISTENT : 0,
                                    &raw, nullptr);
  StatementHandle statement(raw);
  if (rc != SQLITE_OK) {
    return ErrorFromSqlite(db_.get(), rc, "prepare");
  }
  if (statement == nullptr) {
    return Internal("prepare: no statement in SQL text");
  }
  if (!cacheable) {
    sqlite3_stmt* handle = statement.get();
    return Statement(*this, handle, nullptr, std::move(statement));
  }
  CachedStatement& slot = cache_[std::string(sql)];
  slot.statement = std::move(statement);
  slot.in_use = true;
  return Statement(*this, slot.statement.get(), &slot.in_use, nullptr);
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_.get()); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

}  // namespace simkeep::storage::sqlite::internal
