#include "simkeep/storage/postgres/internal/connection.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <utility>

#include <poll.h>
#include <sys/socket.h>

#include "simkeep/storage/postgres/limits.h"
#include "simkeep/storage/sql/clash_message.h"
#include "simkeep/storage/sql/placeholders.h"

namespace simkeep::storage::postgres::internal {
namespace {

struct UniqueKeyReason {
  std::string_view constraint;  // As PostgreSQL names it: <table>_pkey, <table>_<column>_key,
                                // or a unique index's own name.
  std::string_view reason;
};

// Every unique key of the schema that a caller can clash on, and the reason app/ports.h
// documents for it; the same reasons the SQLite adapter gives. The remaining keys
// (schema_migrations, sequences, the position keys of catalog children, the seq identities)
// cannot clash through the port and report "duplicate_key".
constexpr std::array<UniqueKeyReason, 43> kUniqueKeyReasons{{
    {"notifications_pkey", "notification_exists"},
    {"notifications_dedupe_key_key", "notification_exists"},
    {"webhook_endpoints_pkey", "webhook_endpoint_exists"},
    {"notification_settings_pkey", "notification_settings_exists"},
    {"scheduler_cursors_pkey", "scheduler_cursor_exists"},
    {"lines_pkey", "line_exists"},
    {"lines_iccid_key", "iccid_taken"},
    {"lines_msisdn_key", "msisdn_taken"},
    {"number_quarantine_pkey", "number_quarantine_exists"},
    {"usage_records_pkey", "usage_record_exists"},
    {"usage_daily_pkey", "usage_day_exists"},
    {"line_usage_pkey", "line_usage_exists"},
    {"usage_charges_pkey", "usage_charge_exists"},
    {"reservations_pkey", "reservation_exists"},
    {"reservations_session_id_request_number_key", "reservation_request_exists"},
    {"ledger_accounts_pkey", "account_exists"},
    {"ledger_transfers_transfer_id_key", "transfer_exists"},
    {"ledger_transfers_pending_id_key", "pending_transfer_settled"},
    {"orders_pkey", "order_exists"},
    {"orders_receipt_number_key", "receipt_exists"},
    {"payments_pkey", "payment_exists"},
    {"payments_one_live_per_order", "payment_live_exists"},
    {"refunds_pkey", "refund_exists"},
    {"webhook_deliveries_pkey", "webhook_delivery_exists"},
    {"sandbox_charges_pkey", "sandbox_charge_exists"},
    {"sandbox_refunds_pkey", "sandbox_refund_exists"},
    {"scheduler_jobs_pkey", "scheduler_job_exists"},
    {"auto_renewals_pkey", "auto_renewal_exists"},
    {"saved_payment_methods_pkey", "saved_method_exists"},
    {"sandbox_saved_cards_pkey", "sandbox_saved_card_exists"},
    {"sandbox_saved_cards_saved_method_id_key", "sandbox_saved_card_exists"},
    {"receipts_pkey", "receipt_exists"},
    {"receipts_order_id_key", "receipt_exists"},
    {"receipt_lines_pkey", "receipt_exists"},
    {"receipt_rate_totals_pkey", "receipt_exists"},
    {"idempotency_keys_pkey", "idempotency_key_exists"},
    {"api_keys_pkey", "api_key_exists"},
    {"api_keys_token_hash_key", "api_key_exists"},
    {"buckets_pkey", "bucket_exists"},
    {"line_events_event_id_key", "event_exists"},
    {"carriers_pkey", "carrier_exists"},
    {"plans_pkey", "plan_exists"},
    {"plan_prices_pkey", "price_version_exists"},
}};

// The savepoint every kWrite statement runs in. Statements never nest, so one name will do.
constexpr const char* kStatementSavepoint = "SAVEPOINT simkeep_statement";
constexpr const char* kStatementRelease = "RELEASE SAVEPOINT simkeep_statement";
constexpr const char* kStatementUndo =
    "ROLLBACK TO SAVEPOINT simkeep_statement; RELEASE SAVEPOINT simkeep_statement";

bool IsUnavailable(std::string_view sqlstate) {
  if (sqlstate.size() != 5) {
    return true;  // libpq failed on its own side: the connection is gone or unusable.
  }
  const std::string_view error_class = sqlstate.substr(0, 2);
  if (error_class == "08" || error_class == "53" || error_class == "58") {
    return true;
  }
  for (std::string_view code : {"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03",
                                "25006", "25P02", "25P03", "XX001", "XX002"}) {
    if (sqlstate == code) {
      return true;
    }
  }
  return false;
}

// The start of a statement's SQL, to say which statement failed without quoting all of it.
std::string Summary(std::string_view sql) {
  constexpr size_t kSummaryLengthMax = 72;
  if (sql.size() <= kSummaryLengthMax) {
    return std::string(sql);
  }
  return std::string(sql.substr(0, kSummaryLengthMax)) + "...";
}

int64_t CommandRows(const PGresult* result) {
  if (result == nullptr) {
    return 0;
  }
  const char* text = PQcmdTuples(const_cast<PGresult*>(result));
  const std::string_view digits = text != nullptr ? text : "";
  int64_t rows = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), rows);
  return rows;
}

bool Succeeded(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Whether `text` can be stored in a PostgreSQL text column of a UTF8 database: valid UTF-8
// (no overlong forms, no surrogates, nothing past U+10FFFF) without NUL bytes.
bool IsStorableText(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead == 0) {
      return false;
    }
    if (lead < 0x80) {
      ++i;
      continue;
    }
    int length = 0;
    uint32_t code_point = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return false;
    }
    if (text.size() - i < static_cast<size_t>(length)) {
      return false;
    }
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
      if ((next & 0xC0) != 0x80) {
        return false;
      }
      code_point = (code_point << 6) | (next & 0x3F);
    }
    constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += static_cast<size_t>(length);
  }
  return true;
}

}  // namespace

std::string Trimmed(const char* text) {
  std::string message;
  for (const char* c = text != nullptr ? text : ""; *c != '\0'; ++c) {
    // libpq continues long messages on indented lines; one line reads better in a log.
    if (*c == '\n' || *c == '\t') {
      if (!message.empty() && message.back() != ' ') {
        message += ' ';
      }
    } else {
      message += *c;
    }
  }
  while (!message.empty() && message.back() == ' ') {
    message.pop_back();
  }
  return message;
}

std::string UniqueClashReason(std::string_view constraint) {
  for (const UniqueKeyReason& entry : kUniqueKeyReasons) {
    if (entry.constraint == constraint) {
      return std::string(entry.reason);
    }
  }
  return "duplicate_key";
}

std::vector<std::string_view> KnownUniqueConstraints() {
  std::vector<std::string_view> names;
  names.reserve(kUniqueKeyReasons.size());
  for (const UniqueKeyReason& entry : kUniqueKeyReasons) {
    names.push_back(entry.constraint);
  }
  return names;
}

Error ErrorFromSqlState(std::string_view sqlstate, std::string_view constraint,
                        std::string message) {
  if (sqlstate == "23505") {
    std::string reason = UniqueClashReason(constraint);
    // The statement and the server's text stay out of the message: it is shown to people.
    return AlreadyExists(reason, sql::ClashMessage(reason));
  }
  if (sqlstate.size() == 5 && (sqlstate.substr(0, 2) == "23" || sqlstate.substr(0, 2) == "22")) {
    return FailedPrecondition("constraint_violation", std::move(message));
  }
  if (IsUnavailable(sqlstate)) {
    return Unavailable("db_unavailable", std::move(message));
  }
  return Internal(std::move(message));
}

// Statement -----------------------------------------------------------------------------------

Statement::Statement(Connection& connection, StatementText& text,
                     std::unique_ptr<StatementText> owned_text, StatementKind kind)
    : connection_(&connection), text_(&text), owned_text_(std::move(owned_text)), kind_(kind) {}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      text_(other.text_),
      owned_text_(std::move(other.owned_text_)),
      kind_(other.kind_),
      parameters_(std::move(other.parameters_)),
      bind_error_(std::move(other.bind_error_)),
      unmatchable_(other.unmatchable_),
      executed_(other.executed_),
      cursor_(std::exchange(other.cursor_, std::string())),
      cursor_exhausted_(other.cursor_exhausted_),
      result_(std::move(other.result_)),
      row_(other.row_),
      row_count_(other.row_count_),
      read_index_(other.read_index_),
      row_error_(std::move(other.row_error_)) {}

Statement::~Statement() {
  if (!cursor_.empty()) {
    connection_->CloseCursor(cursor_);
  }
}

Statement& Statement::BindValue(std::optional<std::string> value) {
  if (value && !IsStorableText(*value)) {
    if (kind_ == StatementKind::kWrite) {
      if (!bind_error_) {
        bind_error_ = FailedPrecondition("constraint_violation",
                                         "parameter $" + std::to_string(parameters_.size() + 1) +
                                             " holds a NUL byte or invalid UTF-8, which PostgreSQL "
                                             "cannot store");
      }
    } else {
      unmatchable_ = true;
    }
    value.reset();
  }
  parameters_.push_back(std::move(value));
  return *this;
}

Statement& Statement::BindText(std::string_view value) { return BindValue(std::string(value)); }

Statement& Statement::BindInt64(int64_t value) { return BindValue(std::to_string(value)); }

Statement& Statement::BindNull() { return BindValue(std::nullopt); }

Result<void> Statement::Execute(bool rows_needed) {
  ++connection_->executions_;
  if (bind_error_) {
    return *bind_error_;
  }
  executed_ = true;
  row_ = -1;
  row_count_ = 0;
  if (unmatchable_) {
    return Ok();  // No stored row can match; nothing is sent.
  }
  Connection::Parameters parameters;
  parameters.values.reserve(parameters_.size());
  for (const std::optional<std::string>& value : parameters_) {
    parameters.values.push_back(value ? value->c_str() : nullptr);
  }
  if (kind_ == StatementKind::kStream) {
    Result<std::string> cursor = connection_->OpenCursor(*text_, parameters);
    if (!cursor) {
      return cursor.error();
    }
    cursor_ = std::move(*cursor);
    return FetchBatch();
  }
  Result<ResultHandle> result =
      kind_ != StatementKind::kWrite ? connection_->Run(*text_, parameters)
      : connection_->Deferring()     ? connection_->RunDeferred(*text_, parameters, rows_needed)
                                     : connection_->RunInSavepoint(*text_, parameters);
  if (!result) {
    return result.error();
  }
  result_ = std::move(*result);
  row_count_ = result_ != nullptr ? PQntuples(result_.get()) : 0;  // Null: a queued write.
  return Ok();
}

Result<void> Statement::FetchBatch() {
  Result<ResultHandle> batch = connection_->FetchFromCursor(cursor_);
  if (!batch) {
    return batch.error();
  }
  result_ = std::move(*batch);
  row_ = -1;
  row_count_ = PQntuples(result_.get());
  if (row_count_ < kStreamBatchRows) {
    // The last batch: the cursor has nothing more to give and is closed now, not at commit.
    connection_->CloseCursor(cursor_);
    cursor_.clear();
  }
  return Ok();
}

Result<bool> Statement::Step() {
  if (!executed_) {
    Result<void> executed = Execute(/*rows_needed=*/true);
    if (!executed) {
      return executed.error();
    }
  }
  read_index_ = 0;
  row_error_.reset();
  if (row_ + 1 >= row_count_ && !cursor_.empty()) {
    Result<void> fetched = FetchBatch();
    if (!fetched) {
      return fetched.error();
    }
  }
  if (row_ + 1 >= row_count_) {
    row_ = row_count_;
    return false;
  }
  ++row_;
  return true;
}

Result<void> Statement::Run() {
  if (executed_) {
    return Ok();
  }
  return Execute(/*rows_needed=*/false);
}

const char* Statement::Value(int column) const {
  if (result_ == nullptr || row_ < 0 || row_ >= row_count_ || column < 0 ||
      column >= PQnfields(result_.get()) || PQgetisnull(result_.get(), row_, column) != 0) {
    return nullptr;
  }
  return PQgetvalue(result_.get(), row_, column);
}

std::string Statement::ReadText() {
  const char* text = Value(read_index_++);
  if (text == nullptr) {
    return std::string();
  }
  return std::string(text, static_cast<size_t>(PQgetlength(result_.get(), row_, read_index_ - 1)));
}

int64_t Statement::ReadInt64() {
  const char* text = Value(read_index_++);
  if (text == nullptr) {
    return 0;
  }
  const std::string_view digits(text);
  int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) {
    NoteUnknownValue(digits);
    return 0;
  }
  return value;
}

bool Statement::NextIsNull() const { return Value(read_index_) == nullptr; }

void Statement::NoteUnknownValue(std::string_view text) {
  if (!row_error_) {
    row_error_ = sql::UnknownValueError(
        text, result_ != nullptr ? PQfname(result_.get(), read_index_ - 1) : nullptr);
  }
}

// Connection ----------------------------------------------------------------------------------

Connection::Connection(ConnectionHandle handle)
    : handle_(std::move(handle)), call_deadline_(kCallDeadlineMs) {}

Connection::~Connection() = default;

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  // The connection string is expanded from "dbname" (expand_dbname = 1) exactly as libpq reads
  // it. Keywords before it are defaults the string may override; the one after it is not.
  const std::string connect_timeout = std::to_string(kConnectTimeoutSeconds);
  const std::string keepalive_idle = std::to_string(kKeepaliveIdleSeconds);
  const std::string keepalive_interval = std::to_string(kKeepaliveIntervalSeconds);
  const std::string keepalive_count = std::to_string(kKeepaliveCount);
  const std::string tcp_user_timeout = std::to_string(kTcpUserTimeoutMs);
  const char* const keywords[] = {"connect_timeout",           "keepalives",
                                  "keepalives_idle",           "keepalives_interval",
                                  "keepalives_count",          "tcp_user_timeout",
                                  "fallback_application_name", "dbname",
                                  "client_encoding",           nullptr};
  const char* const values[] = {connect_timeout.c_str(),
                                "1",
                                keepalive_idle.c_str(),
                                keepalive_interval.c_str(),
                                keepalive_count.c_str(),
                                tcp_user_timeout.c_str(),
                                "simkeep",
                                conninfo.c_str(),
                                "UTF8",
                                nullptr};
  ConnectionHandle handle(PQconnectdbParams(keywords, values, 1));
  if (handle == nullptr) {
    return Unavailable("db_unavailable", "connect: libpq could not allocate a connection");
  }
  if (PQstatus(handle.get()) != CONNECTION_OK) {
    return Unavailable("db_unavailable", "connect: " + Trimmed(PQerrorMessage(handle.get())));
  }
  auto connection = std::make_unique<Connection>(std::move(handle));
  Result<void> configured = connection->Configure();
  if (!configured) {
    return configured.error();
  }
  return connection;
}

Result<void> Connection::Configure() {
  // synchronous_commit = on whatever the server's default: an acknowledged commit survives a
  // crash of the server (DESIGN.md §3, invariant 3).
  const std::string settings =
      "SET synchronous_commit = on; SET lock_timeout = " + std::to_string(kLockTimeoutMs) +
      "; SET client_min_messages = warning";
  return Execute(settings.c_str());
}

Error Connection::LastError(const PGresult* result, std::string_view context) const {
  std::string sqlstate;
  std::string constraint;
  std::string detail;
  if (result != nullptr) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const char* name = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    sqlstate = state != nullptr ? state : "";
    constraint = name != nullptr ? name : "";
    detail = primary != nullptr ? primary : Trimmed(PQresultErrorMessage(result));
  }
  if (detail.empty()) {
    detail = Trimmed(PQerrorMessage(handle_.get()));
  }
  if (abandoned_) {
    detail = "no answer from the database within " + std::to_string(call_deadline_.count()) +
             " ms; the connection was dropped";
  }
  if (IsBroken()) {
    sqlstate.clear();  // Whatever the last statement said, the connection is gone.
  }
  std::string message(context);
  message += ": ";
  message += detail;
  return ErrorFromSqlState(sqlstate, constraint, std::move(message));
}

bool Connection::AwaitResult(SteadyClock::time_point deadline) {
  PGconn* connection = handle_.get();
  while (PQisBusy(connection) == 1) {
    const int socket = PQsocket(connection);
    if (socket < 0) {
      return true;  // No connection left: PQgetResult reports that without waiting.
    }
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) {
      Abandon();
      return false;
    }
    pollfd descriptor{socket, POLLIN, 0};
    const int ready = poll(&descriptor, 1, static_cast<int>(std::min<int64_t>(left, INT_MAX)));
    if (ready < 0 && errno != EINTR) {
      Abandon();  // Cannot wait on the socket at all (never expected): treat it as dead.
      return false;
    }
    if (ready > 0 && PQconsumeInput(connection) != 1) {
      return true;  // The connection broke: PQgetResult reports it without waiting.
    }
  }
  return true;
}

void Connection::Abandon() {
  abandoned_ = true;
  const int socket = PQsocket(handle_.get());
  if (socket >= 0) {
    shutdown(socket, SHUT_RDWR);
    // libpq reads the end of the stream at once and marks the connection bad.
    static_cast<void>(PQconsumeInput(handle_.get()));
  }
}

Result<ResultHandle> Connection::Finish(std::string_view context) {
  const SteadyClock::time_point deadline = SteadyClock::now() + call_deadline_;
  ResultHandle kept;
  while (true) {
    if (!AwaitResult(deadline)) {
      return LastError(nullptr, context);
    }
    ResultHandle result(PQgetResult(handle_.get()));
    if (result == nullptr) {
      break;
    }
    if (kept == nullptr || Succeeded(kept.get())) {
      kept = std::move(result);
    }
  }
  if (kept == nullptr || !Succeeded(kept.get())) {
    return LastError(kept.get(), context);
  }
  return kept;
}

Result<void> Connection::Execute(const char* sql) {
  ++executions_;
  if (Result<void> settled = Settle(); !settled) {
    return settled;
  }
  if (PQsendQuery(handle_.get(), sql) != 1) {
    return LastError(nullptr, Summary(sql));
  }
  Result<ResultHandle> result = Finish(Summary(sql));
  if (!result) {
    return result.error();
  }
  return Ok();
}

Result<std::string> Connection::ExecuteCommand(const char* sql) {
  ++executions_;
  if (Result<void> settled = Settle(); !settled) {
    return settled.error();
  }
  if (PQsendQuery(handle_.get(), sql) != 1) {
    return LastError(nullptr, Summary(sql));
  }
  Result<ResultHandle> result = Finish(Summary(sql));
  if (!result) {
    return result.error();
  }
  return std::string(PQcmdStatus(result->get()));
}

Result<void> Connection::CheckTransaction() const {
  if (transaction_required_ && !InTransaction()) {
    return Unavailable("db_unavailable",
                       "no open transaction: none was begun, or the connection was lost");
  }
  return Ok();
}

Result<Statement> Connection::Prepare(const char* sql, StatementKind kind) {
  Result<void> in_transaction = CheckTransaction();
  if (!in_transaction) {
    return in_transaction.error();
  }
  auto found = texts_.find(std::string_view(sql));
  if (found == texts_.end()) {
    if (texts_.size() >= kStatementCacheSizeMax) {
      // Past the cache, which the adapter's own fixed set of texts never fills: converted for
      // this statement alone, and run unprepared.
      auto text = std::make_unique<StatementText>();
      text->numbered = sql::NumberedPlaceholders(sql);
      StatementText& owned = *text;
      return Statement(*this, owned, std::move(text), kind);
    }
    found = texts_.emplace(sql, StatementText{sql::NumberedPlaceholders(sql), "", true}).first;
  }
  // The entry stays where it is while the statement lives: entries are never erased, and a
  // rehash moves no element of an unordered_map.
  return Statement(*this, found->second, nullptr, kind);
}

bool Connection::InTransaction() const {
  switch (PQtransactionStatus(handle_.get())) {
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR:
    case PQTRANS_ACTIVE:
      return true;
    case PQTRANS_IDLE:
    case PQTRANS_UNKNOWN:
      return false;
  }
  return false;
}

bool Connection::TransactionFailed() const {
  return PQtransactionStatus(handle_.get()) == PQTRANS_INERROR;
}

bool Connection::IsBroken() const { return abandoned_ || PQstatus(handle_.get()) != CONNECTION_OK; }

Result<void> Connection::Reset() {
  PQreset(handle_.get());
  abandoned_ = false;
  queued_.clear();
  deferring_ = false;
  deferred_error_.reset();
  for (auto& entry : texts_) {
    entry.second.prepared_name.clear();
  }
  if (IsBroken()) {
    return Unavailable("db_unavailable", "reconnect: " + Trimmed(PQerrorMessage(handle_.get())));
  }
  return Configure();
}

Result<bool> Connection::Prepared(StatementText& text) {
  if (!text.prepared_name.empty()) {
    return true;
  }
  if (!text.cached) {
    return false;
  }
  if (Result<void> settled = Settle(); !settled) {
    return settled.error();  // PQsendPrepare's answer would come after the queued ones.
  }
  std::string name = "simkeep_" + std::to_string(++prepared_count_);
  const std::string context = "prepare " + Summary(text.numbered);
  if (PQsendPrepare(handle_.get(), name.c_str(), text.numbered.c_str(), 0, nullptr) != 1) {
    return LastError(nullptr, context);
  }
  if (Result<ResultHandle> result = Finish(context); !result) {
    return result.error();
  }
  text.prepared_name = std::move(name);
  return true;
}

Result<ResultHandle> Connection::Run(StatementText& text, const Parameters& parameters) {
  Result<bool> prepared = Prepared(text);
  if (!prepared) {
    return prepared.error();
  }
  if (!queued_.empty() && *prepared) {
    // The queued writes' answers and this statement's come back in one round trip.
    const Tail tail{&text, nullptr, &parameters};
    return Flush(&tail);
  }
  if (Result<void> settled = Settle(); !settled) {
    return settled.error();
  }
  const int sent =
      *prepared ? PQsendQueryPrepared(handle_.get(), text.prepared_name.c_str(), parameters.count(),
                                      parameters.values.data(), nullptr, nullptr, 0)
                : PQsendQueryParams(handle_.get(), text.numbered.c_str(), parameters.count(),
                                    nullptr, parameters.values.data(), nullptr, nullptr, 0);
  if (sent != 1) {
    return LastError(nullptr, Summary(text.numbered));
  }
  Result<ResultHandle> result = Finish(Summary(text.numbered));
  if (!result) {
    return result.error();
  }
  changes_ = CommandRows(result->get());
  return result;
}

Result<ResultHandle> Connection::RunInSavepoint(StatementText& text, const Parameters& parameters) {
  // Prepared first, synchronously: PQprepare is not allowed in pipeline mode.
  Result<bool> prepared = Prepared(text);
  if (!prepared) {
    return prepared.error();
  }
  const std::string& sql = text.numbered;
  PGconn* connection = handle_.get();
  if (PQenterPipelineMode(connection) != 1) {
    return LastError(nullptr, "enter pipeline mode");
  }
  const bool sent =
      PQsendQueryParams(connection, kStatementSavepoint, 0, nullptr, nullptr, nullptr, nullptr,
                        0) == 1 &&
      (*prepared ? PQsendQueryPrepared(connection, text.prepared_name.c_str(), parameters.count(),
                                       parameters.values.data(), nullptr, nullptr, 0)
                 : PQsendQueryParams(connection, sql.c_str(), parameters.count(), nullptr,
                                     parameters.values.data(), nullptr, nullptr, 0)) == 1 &&
      PQsendQueryParams(connection, kStatementRelease, 0, nullptr, nullptr, nullptr, nullptr, 0) ==
          1 &&
      PQpipelineSync(connection) == 1;  // Also flushes; without it no result comes back.
  if (!sent) {
    Error error = LastError(nullptr, "send " + Summary(sql));
    if (!IsBroken()) {
      // libpq could not queue the commands (out of memory): what reached the server is unknown,
      // so the connection is made anew, and the transaction is lost with the old one.
      static_cast<void>(Reset());
    }
    return Unavailable("db_unavailable", std::move(error.message));
  }
  return CollectPipeline(sql);
}

// Reads the results of the savepoint, the statement and the release sent by RunInSavepoint,
// then leaves pipeline mode.
Result<ResultHandle> Connection::CollectPipeline(const std::string& sql) {
  PGconn* connection = handle_.get();
  // The first result of each of the three commands. In pipeline mode each command's results end
  // with a null, and the sync point ends the pipeline.
  std::array<ResultHandle, 3> results;
  size_t command = 0;
  bool synced = false;
  const SteadyClock::time_point deadline = SteadyClock::now() + call_deadline_;
  // Bounded: three commands and a sync make seven calls; a lost connection answers null.
  for (int call = 0; call < 32 && !synced; ++call) {
    if (!AwaitResult(deadline)) {
      break;
    }
    ResultHandle result(PQgetResult(connection));
    if (result == nullptr) {
      if (IsBroken()) {
        break;
      }
      ++command;
      continue;
    }
    if (PQresultStatus(result.get()) == PGRES_PIPELINE_SYNC) {
      synced = true;
    } else if (command < results.size() && results[command] == nullptr) {
      results[command] = std::move(result);
    }
  }
  // Fails only when the connection is lost, and Reset() leaves pipeline mode then.
  static_cast<void>(PQexitPipelineMode(connection));
  ResultHandle& savepoint = results[0];
  ResultHandle& statement = results[1];
  ResultHandle& release = results[2];
  if (!synced) {
    Error error = LastError(statement != nullptr ? statement.get() : savepoint.get(), Summary(sql));
    if (!IsBroken()) {
      // No sync point although the connection stands: its state is unknown, so it is made anew
      // (the transaction is lost with the old one).
      static_cast<void>(Reset());
    }
    return Unavailable("db_unavailable", std::move(error.message));
  }
  if (IsBroken()) {
    return LastError(statement != nullptr ? statement.get() : savepoint.get(), Summary(sql));
  }
  if (!Succeeded(savepoint.get())) {
    // The transaction was aborted before this statement; there is no savepoint to undo.
    return LastError(savepoint.get(), Summary(sql));
  }
  if (!Succeeded(statement.get())) {
    Error error = LastError(statement.get(), Summary(sql));
    // Undo the statement alone. Should the undo fail, the transaction stays aborted and the
    // next statement or the commit reports it.
    static_cast<void>(Execute(kStatementUndo));
    return error;
  }
  if (!Succeeded(release.get())) {
    return LastError(release.get(), Summary(sql));
  }
  changes_ = CommandRows(statement.get());
  return std::move(statement);
}

Result<std::string> Connection::OpenCursor(const StatementText& text,
                                           const Parameters& parameters) {
  const std::string& sql = text.numbered;
  std::string name = "simkeep_cursor_" + std::to_string(++next_cursor_);
  const std::string declare = "DECLARE " + name + " NO SCROLL CURSOR FOR " + sql;
  if (Result<void> settled = Settle(); !settled) {
    return settled.error();
  }
  if (PQsendQueryParams(handle_.get(), declare.c_str(), parameters.count(), nullptr,
                        parameters.values.data(), nullptr, nullptr, 0) != 1) {
    return LastError(nullptr, Summary(sql));
  }
  if (Result<ResultHandle> result = Finish(Summary(sql)); !result) {
    return result.error();
  }
  return name;
}

Result<ResultHandle> Connection::FetchFromCursor(const std::string& cursor) {
  const std::string fetch = "FETCH FORWARD " + std::to_string(kStreamBatchRows) + " FROM " + cursor;
  if (Result<void> settled = Settle(); !settled) {
    return settled.error();
  }
  if (PQsendQuery(handle_.get(), fetch.c_str()) != 1) {
    return LastError(nullptr, fetch);
  }
  return Finish(fetch);
}

void Connection::CloseCursor(const std::string& cursor) {
  // A cursor lives until its transaction ends; once the transaction is over or aborted there is
  // nothing to close (and CLOSE would fail). Otherwise a failure has nowhere to go: the stream's
  // own result is what the caller hears.
  if (PQtransactionStatus(handle_.get()) == PQTRANS_INTRANS) {
    static_cast<void>(Execute(("CLOSE " + cursor).c_str()));
  }
}

// Deferred writes --------------------------------------------------------------------------------

int64_t Connection::Changes() {
  if (!queued_.empty()) {
    // A failure is recorded as the deferred failure, which makes the caller run its work again;
    // until then no row counts as changed.
    if (Result<void> settled = Settle(); !settled) {
      return 0;
    }
  }
  return changes_;
}

bool Connection::ExpectChanged() {
  if (!deferring_ || queued_execution_ != executions_ || queued_.empty()) {
    return false;
  }
  queued_.back().expect_change = true;
  return true;
}

bool Connection::ExpectationQueued() const {
  for (const Queued& queued : queued_) {
    if (queued.expect_change) {
      return true;
    }
  }
  return false;
}

Result<void> Connection::EnterPipeline() {
  if (PQpipelineStatus(handle_.get()) != PQ_PIPELINE_OFF) {
    return Ok();
  }
  if (PQenterPipelineMode(handle_.get()) != 1) {
    return LastError(nullptr, "enter pipeline mode");
  }
  return Ok();
}

Result<void> Connection::QueueControl(const std::string& sql) {
  ++executions_;
  if (deferred_error_) {
    return *deferred_error_;
  }
  if (Result<void> entered = EnterPipeline(); !entered) {
    return entered;
  }
  if (PQsendQueryParams(handle_.get(), sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) !=
      1) {
    return LastError(nullptr, "send " + sql);
  }
  queued_.push_back(Queued{sql, false});
  return Ok();
}

Result<ResultHandle> Connection::RunDeferred(StatementText& text, const Parameters& parameters,
                                             bool rows_needed) {
  if (deferred_error_) {
    return *deferred_error_;  // The transaction is aborted; the caller is bound to start over.
  }
  Result<bool> prepared = Prepared(text);
  if (!prepared) {
    return prepared.error();
  }
  if (rows_needed || !*prepared) {
    // Its rows are wanted now (INSERT ... RETURNING), or it is past the statement cache: run
    // at once, still without a savepoint, so a refusal counts as a deferred failure.
    Result<ResultHandle> result = Run(text, parameters);
    if (!result && !deferred_error_ && !IsBroken()) {
      deferred_error_ = result.error();
    }
    return result;
  }
  if (Result<void> entered = EnterPipeline(); !entered) {
    return entered.error();
  }
  if (PQsendQueryPrepared(handle_.get(), text.prepared_name.c_str(), parameters.count(),
                          parameters.values.data(), nullptr, nullptr, 0) != 1) {
    return LastError(nullptr, "send " + Summary(text.numbered));
  }
  queued_.push_back(Queued{Summary(text.numbered), false});
  queued_execution_ = executions_;
  return ResultHandle();
}

Result<void> Connection::Settle(const char* tail_sql) {
  if (queued_.empty() && tail_sql == nullptr) {
    return Ok();
  }
  const Tail tail{nullptr, tail_sql, nullptr};
  Result<ResultHandle> flushed = Flush(tail_sql != nullptr ? &tail : nullptr);
  if (!flushed) {
    return flushed.error();
  }
  return Ok();
}

void Connection::EndDeferring() {
  if (!queued_.empty()) {
    static_cast<void>(Settle());  // Its failure is the caller's to undo; nothing to add here.
  }
  deferring_ = false;
  deferred_error_.reset();
}

Result<ResultHandle> Connection::Flush(const Tail* tail) {
  PGconn* connection = handle_.get();
  if (Result<void> entered = EnterPipeline(); !entered) {
    return entered.error();
  }
  std::string tail_summary;
  if (tail != nullptr) {
    int sent = 0;
    if (tail->text != nullptr) {
      tail_summary = Summary(tail->text->numbered);
      sent = PQsendQueryPrepared(connection, tail->text->prepared_name.c_str(),
                                 tail->parameters->count(), tail->parameters->values.data(),
                                 nullptr, nullptr, 0);
    } else {
      tail_summary = Summary(tail->sql);
      sent = PQsendQueryParams(connection, tail->sql, 0, nullptr, nullptr, nullptr, nullptr, 0);
    }
    if (sent != 1) {
      queued_.clear();
      return LastError(nullptr, "send " + tail_summary);
    }
  }
  const size_t queued = queued_.size();
  if (PQpipelineSync(connection) != 1) {  // Also flushes what was queued.
    queued_.clear();
    return LastError(nullptr, "send pipeline");
  }
  // Each command's results end with a null; the sync point ends the pipeline. A command after a
  // refused one answers PGRES_PIPELINE_ABORTED.
  const SteadyClock::time_point deadline = SteadyClock::now() + call_deadline_;
  std::optional<Error> refused;
  ResultHandle own;
  size_t command = 0;
  bool synced = false;
  while (!synced) {
    if (!AwaitResult(deadline)) {
      break;
    }
    ResultHandle result(PQgetResult(connection));
    if (result == nullptr) {
      if (IsBroken()) {
        break;
      }
      ++command;
      continue;
    }
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_PIPELINE_SYNC) {
      synced = true;
    } else if (command < queued) {
      if (status == PGRES_PIPELINE_ABORTED) {
        continue;
      }
      if (!Succeeded(result.get())) {
        if (!refused) {
          refused = LastError(result.get(), queued_[command].summary);
        }
      } else {
        changes_ = CommandRows(result.get());
        if (queued_[command].expect_change && changes_ == 0 && !refused) {
          refused = NotFound("row_not_found", queued_[command].summary + ": no row changed");
        }
      }
    } else if (own == nullptr) {
      own = std::move(result);
    }
  }
  queued_.clear();
  static_cast<void>(PQexitPipelineMode(connection));  // Fails only when the connection is lost.
  if (!synced || IsBroken()) {
    Error error = LastError(nullptr, tail != nullptr ? tail_summary : "pipeline");
    if (!IsBroken()) {
      static_cast<void>(Reset());  // No sync point although the connection stands.
    }
    return Unavailable("db_unavailable", std::move(error.message));
  }
  if (refused) {
    if (!deferred_error_) {
      deferred_error_ = *refused;
    }
    return *refused;
  }
  if (tail == nullptr) {
    return ResultHandle();
  }
  if (own == nullptr || !Succeeded(own.get())) {
    return LastError(own.get(), tail_summary);
  }
  changes_ = CommandRows(own.get());
  return own;
}

}  // namespace simkeep::storage::postgres::internal
