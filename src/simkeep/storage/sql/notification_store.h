#ifndef SIMKEEP_STORAGE_SQL_NOTIFICATION_STORE_H_
#define SIMKEEP_STORAGE_SQL_NOTIFICATION_STORE_H_

// Tables notification_settings, webhook_endpoints, notifications and scheduler_cursors, and the
// range reads the scheduler's reminders scan (lines by validity end, payments by deadline).
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h), like payment_store.h.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simkeep/app/limits.h"
#include "simkeep/app/ports.h"
#include "simkeep/domain/notification.h"
#include "simkeep/storage/sql/limits.h"
#include "simkeep/storage/sql/line_store.h"
#include "simkeep/storage/sql/order_store.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {
namespace internal {

inline constexpr const char* kSelectNotification =
    "SELECT notification_id, line_id, topic, channel, dedupe_key, language, recipient, subject, "
    "body, status, attempts, next_attempt_at, last_error, created_at, sent_at, read_at "
    "FROM notifications";

inline constexpr const char* kSelectWebhookEndpoint =
    "SELECT endpoint_id, url, events, secret_sealed, created_at, disabled_at "
    "FROM webhook_endpoints";

template <SqlStatement Statement>
Result<domain::Notification> ReadNotification(Statement& row) {
  domain::Notification notification;
  notification.id = row.ReadText();
  notification.line_id.value = row.ReadText();
  notification.topic = row.ReadEnum(domain::ParseNotificationTopic);
  notification.channel = row.ReadEnum(domain::ParseNotificationChannel);
  notification.dedupe_key = row.ReadText();
  notification.language = row.ReadText();
  notification.recipient = row.ReadText();
  notification.subject = row.ReadText();
  notification.body = row.ReadText();
  notification.status = row.ReadEnum(domain::ParseNotificationStatus);
  notification.attempts = static_cast<int>(row.ReadInt64());
  notification.next_attempt_at = row.ReadOptionalTime();
  notification.last_error = row.ReadText();
  notification.created_at = row.ReadTime();
  notification.sent_at = row.ReadOptionalTime();
  notification.read_at = row.ReadOptionalTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return notification;
}

template <SqlStatement Statement>
Result<domain::WebhookEndpoint> ReadWebhookEndpoint(Statement& row) {
  domain::WebhookEndpoint endpoint;
  endpoint.id = row.ReadText();
  endpoint.url = row.ReadText();
  endpoint.events = row.ReadText();
  endpoint.secret_sealed = row.ReadText();
  endpoint.created_at = row.ReadTime();
  endpoint.disabled_at = row.ReadOptionalTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return endpoint;
}

}  // namespace internal

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpsertNotificationSettings(Connection& connection,
                                        const domain::NotificationSettings& settings) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO notification_settings (line_id, language, email, sms_to, data_low_bytes, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (line_id) DO UPDATE SET "
      "language = excluded.language, email = excluded.email, sms_to = excluded.sms_to, "
      "data_low_bytes = excluded.data_low_bytes, updated_at = excluded.updated_at");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(settings.line_id.value)
      .BindText(settings.language)
      .BindText(settings.email)
      .BindText(settings.sms_to)
      .BindOptionalInt64(settings.data_low_bytes)
      .BindTime(settings.updated_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::NotificationSettings>> FindNotificationSettings(
    Connection& connection, const LineId& line_id) {
  Result<Statement> statement = connection.Prepare(
      "SELECT line_id, language, email, sms_to, data_low_bytes, updated_at "
      "FROM notification_settings "
      "WHERE line_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value);
  return ReadOptional<domain::NotificationSettings>(
      *statement, [](Statement& row) -> Result<domain::NotificationSettings> {
        domain::NotificationSettings settings;
        settings.line_id.value = row.ReadText();
        settings.language = row.ReadText();
        settings.email = row.ReadText();
        settings.sms_to = row.ReadText();
        settings.data_low_bytes = row.ReadOptionalInt64();
        settings.updated_at = row.ReadTime();
        if (row.RowError()) {
          return *row.RowError();
        }
        return settings;
      });
}

// A dedupe key stored already writes nothing: no error, so that queuing inside a command never
// aborts it (PostgreSQL) and a pipelined write needs no replay.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertNotification(Connection& connection, const domain::Notification& n) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO notifications (notification_id, line_id, topic, channel, dedupe_key, "
      "language, recipient, subject, body, status, attempts, next_attempt_at, last_error, "
      "created_at, sent_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (dedupe_key) DO NOTHING");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(n.id)
      .BindText(n.line_id.value)
      .BindText(domain::NotificationTopicName(n.topic))
      .BindText(domain::NotificationChannelName(n.channel))
      .BindText(n.dedupe_key)
      .BindText(n.language)
      .BindText(n.recipient)
      .BindText(n.subject)
      .BindText(n.body)
      .BindText(domain::NotificationStatusName(n.status))
      .BindInt64(n.attempts)
      .BindOptionalTime(n.next_attempt_at)
      .BindText(n.last_error)
      .BindTime(n.created_at)
      .BindOptionalTime(n.sent_at)
      .BindOptionalTime(n.read_at);
  return statement->Run();
}

// Writes status, attempts, next_attempt_at, last_error, sent_at and read_at.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdateNotification(Connection& connection, const domain::Notification& n) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE notifications SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, "
      "sent_at = ?, read_at = ? WHERE notification_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::NotificationStatusName(n.status))
      .BindInt64(n.attempts)
      .BindOptionalTime(n.next_attempt_at)
      .BindText(n.last_error)
      .BindOptionalTime(n.sent_at)
      .BindOptionalTime(n.read_at)
      .BindText(n.id);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "notification_not_found", n.id);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::Notification>> FindNotification(Connection& connection,
                                                             std::string_view id, RowLock lock) {
  static const LookupSql by_id(std::string(internal::kSelectNotification) +
                               " WHERE notification_id = ?");
  Result<Statement> statement = connection.Prepare(by_id.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id);
  return ReadOptional<domain::Notification>(*statement, internal::ReadNotification<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Notification>> ListNotificationsDue(Connection& connection,
                                                               Timestamp due_by, int limit) {
  static const std::string sql = std::string(internal::kSelectNotification) +
                                 " WHERE status = 'pending' AND next_attempt_at <= ? "
                                 "ORDER BY next_attempt_at, notification_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(due_by).BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::Notification>(*statement, internal::ReadNotification<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Notification>> ListNotificationsByStatus(
    Connection& connection, domain::NotificationStatus status, const app::PageRequest& page) {
  static const std::string sql = std::string(internal::kSelectNotification) +
                                 " WHERE status = ? AND notification_id > ? "
                                 "ORDER BY notification_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::NotificationStatusName(status))
      .BindText(page.after_id)
      .BindInt64(ClampLimit(page.limit, app::kPageLimitMax));
  return ReadAll<domain::Notification>(*statement, internal::ReadNotification<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Notification>> ListLineNotifications(Connection& connection,
                                                                const LineId& line_id,
                                                                domain::NotificationChannel channel,
                                                                const app::PageRequest& page) {
  static const std::string first_page = std::string(internal::kSelectNotification) +
                                        " WHERE line_id = ? AND channel = ? "
                                        "ORDER BY notification_id DESC LIMIT ?";
  static const std::string next_page = std::string(internal::kSelectNotification) +
                                       " WHERE line_id = ? AND channel = ? AND notification_id < ? "
                                       "ORDER BY notification_id DESC LIMIT ?";
  Result<Statement> statement =
      connection.Prepare(page.after_id.empty() ? first_page.c_str() : next_page.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value).BindText(domain::NotificationChannelName(channel));
  if (!page.after_id.empty()) {
    statement->BindText(page.after_id);
  }
  statement->BindInt64(ClampLimit(page.limit, app::kPageLimitMax));
  return ReadAll<domain::Notification>(*statement, internal::ReadNotification<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertWebhookEndpoint(Connection& connection,
                                   const domain::WebhookEndpoint& endpoint) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO webhook_endpoints (endpoint_id, url, events, secret_sealed, created_at, "
      "disabled_at) VALUES (?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(endpoint.id)
      .BindText(endpoint.url)
      .BindText(endpoint.events)
      .BindText(endpoint.secret_sealed)
      .BindTime(endpoint.created_at)
      .BindOptionalTime(endpoint.disabled_at);
  return statement->Run();
}

// Sets disabled_at once; an endpoint disabled already keeps its first time.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> DisableWebhookEndpoint(Connection& connection, std::string_view id, Timestamp at) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, ?) WHERE endpoint_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(at).BindText(id);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "webhook_endpoint_not_found", std::string(id));
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::WebhookEndpoint>> FindWebhookEndpoint(Connection& connection,
                                                                   std::string_view id) {
  static const std::string sql =
      std::string(internal::kSelectWebhookEndpoint) + " WHERE endpoint_id = ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id);
  return ReadOptional<domain::WebhookEndpoint>(*statement,
                                               internal::ReadWebhookEndpoint<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::WebhookEndpoint>> ListWebhookEndpoints(Connection& connection) {
  static const std::string sql = std::string(internal::kSelectWebhookEndpoint) +
                                 " ORDER BY endpoint_id LIMIT " + std::to_string(kListRowsMax);
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  return ReadAll<domain::WebhookEndpoint>(*statement, internal::ReadWebhookEndpoint<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<Timestamp>> FindSchedulerCursor(Connection& connection,
                                                     std::string_view name) {
  Result<Statement> statement =
      connection.Prepare("SELECT position FROM scheduler_cursors WHERE name = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(name);
  return ReadOptional<Timestamp>(*statement, [](Statement& row) -> Result<Timestamp> {
    const Timestamp position = row.ReadTime();
    if (row.RowError()) {
      return *row.RowError();
    }
    return position;
  });
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> SetSchedulerCursor(Connection& connection, std::string_view name, Timestamp position) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO scheduler_cursors (name, position) VALUES (?, ?) ON CONFLICT (name) DO "
      "UPDATE SET position = excluded.position");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(name).BindTime(position);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Line>> ListLinesExpiringBetween(Connection& connection,
                                                           domain::LineState state,
                                                           domain::CarrierCode carrier,
                                                           const app::RangeCursor& after,
                                                           Timestamp until, int limit) {
  static const std::string sql =
      std::string(internal::kSelectLine) +
      " WHERE state = ? AND carrier_id = ? AND (expires_at, line_id) > (?, ?) "
      "AND expires_at <= ? ORDER BY expires_at, line_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::LineStateName(state))
      .BindText(domain::CarrierCodeName(carrier))
      .BindTime(after.at)
      .BindText(after.id)
      .BindTime(until)
      .BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::Line>(*statement, internal::ReadLine<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Bucket>> ListExpiredBuckets(Connection& connection, Timestamp from,
                                                       Timestamp until, int limit) {
  // The partial index buckets_expiry_unnoted serves exactly this.
  Result<Statement> statement = connection.Prepare(
      "SELECT bucket_id, line_id, kind, initial_units, remaining_units, starts_at, expires_at, "
      "order_id FROM buckets WHERE expiry_noted_at IS NULL AND expires_at > ? AND expires_at <= ? "
      "ORDER BY expires_at, bucket_id LIMIT ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(from).BindTime(until).BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::Bucket>(*statement, internal::ReadBucket<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<bool> NoteBucketExpired(Connection& connection, const BucketId& id, Timestamp at) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE buckets SET expiry_noted_at = ? WHERE bucket_id = ? AND expiry_noted_at IS NULL "
      "RETURNING bucket_id");
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(at).BindText(id.value);
  Result<bool> row = statement->Step();
  if (!row) {
    return row.error();
  }
  const bool first = *row;
  if (Result<void> done = statement->Run(); !done) {
    return done.error();
  }
  if (first) {
    return true;
  }
  // Noted already, or no such bucket.
  Result<Statement> exists = connection.Prepare("SELECT 1 FROM buckets WHERE bucket_id = ?");
  if (!exists) {
    return exists.error();
  }
  exists->BindText(id.value);
  Result<bool> found = exists->Step();
  if (!found) {
    return found.error();
  }
  const bool known = *found;
  if (Result<void> done = exists->Run(); !done) {
    return done.error();
  }
  if (!known) {
    return NotFound("bucket_not_found", "No bucket " + id.value + ".");
  }
  return false;
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Payment>> ListPaymentsDueBetween(Connection& connection,
                                                            const app::RangeCursor& after,
                                                            Timestamp until, int limit) {
  static const std::string sql =
      std::string(internal::kSelectPayment) +
      " WHERE status = 'requires_action' AND (action_expires_at > ? OR (action_expires_at = ? "
      "AND payment_id > ?)) AND action_expires_at <= ? ORDER BY action_expires_at, payment_id "
      "LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(after.at).BindTime(after.at).BindText(after.id).BindTime(until).BindInt64(
      ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::Payment>(*statement, internal::ReadPayment<Statement>);
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_NOTIFICATION_STORE_H_
