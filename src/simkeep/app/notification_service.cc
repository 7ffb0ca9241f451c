#include "simkeep/app/notification_service.h"

#include <optional>
#include <utility>

namespace simkeep::app {

Result<void> NotificationService::RequireLine(Transaction& transaction,
                                              const LineId& line_id) const {
  Result<std::optional<domain::Line>> line = transaction.FindLine(line_id);
  if (!line) {
    return line.error();
  }
  if (!*line) {
    return NotFound("line_not_found", "No line " + line_id.value + " exists.");
  }
  return Ok();
}

Result<domain::NotificationSettings> NotificationService::GetSettings(Transaction& transaction,
                                                                      const LineId& line_id) const {
  if (Result<void> exists = RequireLine(transaction, line_id); !exists) {
    return exists.error();
  }
  Result<std::optional<domain::NotificationSettings>> stored =
      transaction.FindNotificationSettings(line_id);
  if (!stored) {
    return stored.error();
  }
  if (*stored) {
    return std::move(**stored);
  }
  domain::NotificationSettings defaults;
  defaults.line_id = line_id;
  return defaults;
}

Result<domain::NotificationSettings> NotificationService::SetSettings(
    Transaction& transaction, domain::NotificationSettings settings) const {
  if (Result<void> valid = domain::ValidateNotificationSettings(settings); !valid) {
    return valid.error();
  }
  if (Result<void> exists = RequireLine(transaction, settings.line_id); !exists) {
    return exists.error();
  }
  settings.updated_at = context_.clock->Now();
  if (Result<void> stored = transaction.UpsertNotificationSettings(settings); !stored) {
    return stored.error();
  }
  return settings;
}

Result<std::vector<domain::Notification>> NotificationService::Inbox(
    Transaction& transaction, const LineId& line_id, const PageRequest& page) const {
  if (Result<void> exists = RequireLine(transaction, line_id); !exists) {
    return exists.error();
  }
  return transaction.ListLineNotifications(line_id, domain::NotificationChannel::kInApp, page);
}

Result<domain::Notification> NotificationService::MarkRead(Transaction& transaction,
                                                           const LineId& line_id,
                                                           std::string_view notification_id) const {
  Result<std::optional<domain::Notification>> found = transaction.FindNotification(notification_id);
  if (!found) {
    return found.error();
  }
  if (!*found || (*found)->line_id != line_id ||
      (*found)->channel != domain::NotificationChannel::kInApp) {
    return NotFound("notification_not_found", "Line " + line_id.value + " has no message " +
                                                  std::string(notification_id) + ".");
  }
  domain::Notification notification = std::move(**found);
  if (!notification.read_at) {
    notification.read_at = context_.clock->Now();
    if (Result<void> updated = transaction.UpdateNotification(notification); !updated) {
      return updated.error();
    }
  }
  return notification;
}

Result<domain::Notification> NotificationService::Requeue(Transaction& transaction,
                                                          std::string_view notification_id) const {
  Result<std::optional<domain::Notification>> found = transaction.FindNotification(notification_id);
  if (!found) {
    return found.error();
  }
  if (!*found) {
    return NotFound("notification_not_found",
                    "No notification " + std::string(notification_id) + " exists.");
  }
  if ((*found)->status != domain::NotificationStatus::kDead) {
    return FailedPrecondition(
        "notification_not_dead",
        "Only a notification whose delivery failed for good can be queued again; this one is " +
            std::string(domain::NotificationStatusName((*found)->status)) + ".");
  }
  domain::Notification requeued = std::move(**found);
  requeued.status = domain::NotificationStatus::kPending;
  requeued.attempts = 0;
  requeued.next_attempt_at = context_.clock->Now();
  if (Result<void> updated = transaction.UpdateNotification(requeued); !updated) {
    return updated.error();
  }
  return requeued;
}

Result<CreatedWebhookEndpoint> NotificationService::CreateEndpoint(Transaction& transaction,
                                                                   std::string url,
                                                                   std::string events) const {
  CreatedWebhookEndpoint created;
  created.endpoint.id = context_.ids->Next("we");
  created.endpoint.url = std::move(url);
  created.endpoint.events = std::move(events);
  if (Result<void> valid = domain::ValidateWebhookEndpoint(created.endpoint); !valid) {
    return valid.error();
  }
  if (!options_.webhook_allow_private) {
    if (Result<void> public_url = domain::CheckWebhookUrlPublic(created.endpoint.url);
        !public_url) {
      return public_url.error();
    }
  }
  if (context_.sealer == nullptr) {
    return FailedPrecondition("secret_key_required",
                              "This instance has no key to seal a webhook secret with.");
  }
  created.secret = context_.sealer->NewSecret();
  created.endpoint.secret_sealed = context_.sealer->Seal(created.secret);
  created.endpoint.created_at = context_.clock->Now();
  if (Result<void> inserted = transaction.InsertWebhookEndpoint(created.endpoint); !inserted) {
    return inserted.error();
  }
  return created;
}

Result<domain::WebhookEndpoint> NotificationService::DisableEndpoint(
    Transaction& transaction, std::string_view endpoint_id) const {
  if (Result<void> disabled =
          transaction.DisableWebhookEndpoint(endpoint_id, context_.clock->Now());
      !disabled) {
    return disabled.error();
  }
  Result<std::optional<domain::WebhookEndpoint>> endpoint =
      transaction.FindWebhookEndpoint(endpoint_id);
  if (!endpoint) {
    return endpoint.error();
  }
  if (!*endpoint) {
    return NotFound("webhook_endpoint_not_found",
                    "No webhook endpoint " + std::string(endpoint_id) + " exists.");
  }
  return std::move(**endpoint);
}

}  // namespace simkeep::app
