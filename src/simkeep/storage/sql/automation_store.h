#ifndef SIMKEEP_STORAGE_SQL_AUTOMATION_STORE_H_
#define SIMKEEP_STORAGE_SQL_AUTOMATION_STORE_H_

// Tables auto_renewals and scheduler_jobs.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h), like payment_store.h.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/storage/sql/limits.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {
namespace internal {

inline constexpr const char* kSelectAutoRenewal =
    "SELECT line_id, enabled, plan_id, payment_method_id, monthly_cap_jpy, updated_at, "
    "topup_plan_id, topup_below_bytes FROM auto_renewals";

inline constexpr const char* kSelectSchedulerJob =
    "SELECT kind, line_id, period_end, status, order_id, amount_jpy, attempts, next_attempt_at, "
    "reason, created_at, updated_at FROM scheduler_jobs";

template <SqlStatement Statement>
Result<domain::AutoRenewal> ReadAutoRenewal(Statement& row) {
  domain::AutoRenewal setting;
  setting.line_id.value = row.ReadText();
  setting.enabled = row.ReadBool();
  setting.plan_id.value = row.ReadText();
  setting.payment_method_id = row.ReadText();
  setting.monthly_cap_jpy = row.ReadInt64();
  setting.updated_at = row.ReadTime();
  setting.topup_plan_id.value = row.ReadText();  // NULL: none.
  setting.topup_below_bytes = row.ReadOptionalInt64();
  if (row.RowError()) {
    return *row.RowError();
  }
  return setting;
}

template <SqlStatement Statement>
Result<domain::SchedulerJob> ReadSchedulerJob(Statement& row) {
  domain::SchedulerJob job;
  job.kind = row.ReadText();
  job.line_id.value = row.ReadText();
  job.period_end = row.ReadTime();
  job.status = row.ReadEnum(domain::ParseJobStatus);
  job.order_id.value = row.ReadText();
  job.amount_jpy = row.ReadInt64();
  job.attempts = static_cast<int>(row.ReadInt64());
  job.next_attempt_at = row.ReadOptionalTime();
  job.reason = row.ReadText();
  job.created_at = row.ReadTime();
  job.updated_at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return job;
}

}  // namespace internal

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpsertAutoRenewal(Connection& connection, const domain::AutoRenewal& setting) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO auto_renewals (line_id, enabled, plan_id, payment_method_id, "
      "monthly_cap_jpy, updated_at, topup_plan_id, topup_below_bytes) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (line_id) DO UPDATE "
      "SET enabled = excluded.enabled, plan_id = excluded.plan_id, payment_method_id = "
      "excluded.payment_method_id, monthly_cap_jpy = excluded.monthly_cap_jpy, updated_at = "
      "excluded.updated_at, topup_plan_id = excluded.topup_plan_id, "
      "topup_below_bytes = excluded.topup_below_bytes");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(setting.line_id.value)
      .BindBool(setting.enabled)
      .BindText(setting.plan_id.value)
      .BindText(setting.payment_method_id)
      .BindInt64(setting.monthly_cap_jpy)
      .BindTime(setting.updated_at)
      .BindTextOrNull(setting.topup_plan_id.value)
      .BindOptionalInt64(setting.topup_below_bytes);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::AutoRenewal>> FindAutoRenewal(Connection& connection,
                                                           const LineId& line_id, RowLock lock) {
  static const LookupSql by_line(std::string(internal::kSelectAutoRenewal) + " WHERE line_id = ?");
  Result<Statement> statement = connection.Prepare(by_line.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value);
  return ReadOptional<domain::AutoRenewal>(*statement, internal::ReadAutoRenewal<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<app::DueAutoRenewal>> ListDueAutoRenewals(Connection& connection,
                                                             Timestamp expiring_by, int limit) {
  static const std::string sql =
      // From the active lines due (index lines (state, expires_at)) to their settings, never
      // the other way round: the cost follows the lines due, not the settings switched on.
      "SELECT a.line_id, a.enabled, a.plan_id, a.payment_method_id, a.monthly_cap_jpy, "
      "a.updated_at, a.topup_plan_id, a.topup_below_bytes, l.expires_at "
      "FROM lines l CROSS JOIN auto_renewals a "
      "WHERE a.line_id = l.line_id AND l.state = 'active' AND l.expires_at <= ? "
      "AND a.enabled = 1 AND NOT EXISTS (SELECT 1 FROM scheduler_jobs j "
      "WHERE j.kind = 'auto_renewal' AND j.line_id = l.line_id AND j.period_end = l.expires_at) "
      "ORDER BY l.expires_at, l.line_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(expiring_by).BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<app::DueAutoRenewal>(
      *statement, [](Statement& row) -> Result<app::DueAutoRenewal> {
        Result<domain::AutoRenewal> setting = internal::ReadAutoRenewal(row);
        if (!setting) {
          return setting.error();
        }
        app::DueAutoRenewal due{std::move(*setting), row.ReadTime()};
        if (row.RowError()) {
          return *row.RowError();
        }
        return due;
      });
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertSchedulerJob(Connection& connection, const domain::SchedulerJob& job) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO scheduler_jobs (kind, line_id, period_end, status, order_id, amount_jpy, "
      "attempts, next_attempt_at, reason, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(job.kind)
      .BindText(job.line_id.value)
      .BindTime(job.period_end)
      .BindText(domain::JobStatusName(job.status))
      .BindText(job.order_id.value)
      .BindInt64(job.amount_jpy)
      .BindInt64(job.attempts)
      .BindOptionalTime(job.next_attempt_at)
      .BindText(job.reason)
      .BindTime(job.created_at)
      .BindTime(job.updated_at);
  return statement->Run();
}

// Writes status, order_id, amount_jpy, attempts, next_attempt_at, reason and updated_at.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdateSchedulerJob(Connection& connection, const domain::SchedulerJob& job) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE scheduler_jobs SET status = ?, order_id = ?, amount_jpy = ?, attempts = ?, "
      "next_attempt_at = ?, reason = ?, updated_at = ? "
      "WHERE kind = ? AND line_id = ? AND period_end = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::JobStatusName(job.status))
      .BindText(job.order_id.value)
      .BindInt64(job.amount_jpy)
      .BindInt64(job.attempts)
      .BindOptionalTime(job.next_attempt_at)
      .BindText(job.reason)
      .BindTime(job.updated_at)
      .BindText(job.kind)
      .BindText(job.line_id.value)
      .BindTime(job.period_end);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "scheduler_job_not_found", job.line_id.value);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::SchedulerJob>> FindSchedulerJob(Connection& connection,
                                                             std::string_view kind,
                                                             const LineId& line_id,
                                                             Timestamp period_end, RowLock lock) {
  static const LookupSql by_key(std::string(internal::kSelectSchedulerJob) +
                                " WHERE kind = ? AND line_id = ? AND period_end = ?");
  Result<Statement> statement = connection.Prepare(by_key.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(kind).BindText(line_id.value).BindTime(period_end);
  return ReadOptional<domain::SchedulerJob>(*statement, internal::ReadSchedulerJob<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::SchedulerJob>> ListSchedulerJobs(Connection& connection,
                                                            domain::JobStatus status,
                                                            Timestamp due_by, int limit) {
  static const std::string sql =
      std::string(internal::kSelectSchedulerJob) +
      " WHERE status = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
      "ORDER BY next_attempt_at, created_at, line_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::JobStatusName(status))
      .BindTime(due_by)
      .BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::SchedulerJob>(*statement, internal::ReadSchedulerJob<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<int64_t> SumAutoRenewalCharges(Connection& connection, const LineId& line_id, Timestamp from,
                                      Timestamp to) {
  Result<Statement> statement = connection.Prepare(
      "SELECT COALESCE(SUM(amount_jpy), 0) FROM scheduler_jobs WHERE line_id = ? AND "
      "kind IN ('auto_renewal', 'auto_topup') AND created_at >= ? AND created_at < ? AND "
      "status IN ('running', 'retrying', 'done')");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value).BindTime(from).BindTime(to);
  return ReadSingleInt64(*statement);
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_AUTOMATION_STORE_H_
