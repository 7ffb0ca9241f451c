#include "simkeep/app/notification_dispatcher.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace simkeep::app {
namespace {

// The outcome of one attempt, as it is written.
struct Outcome {
  bool sent = false;
  bool permanent = false;  // Retrying cannot help.
  std::string error;
};

}  // namespace

Result<DispatchReport> NotificationDispatcher::RunDue() {
  const Timestamp now = context_.clock->Now();
  std::vector<domain::Notification> due;
  Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
    Result<std::vector<domain::Notification>> found = transaction.ListNotificationsDue(now, batch_);
    if (!found) {
      return found.error();
    }
    due = std::move(*found);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  DispatchReport report;
  for (const domain::Notification& notification : due) {
    if (Result<void> delivered = DeliverOne(notification, report); !delivered) {
      return delivered.error();
    }
  }
  return report;
}

Result<void> NotificationDispatcher::DeliverOne(const domain::Notification& due,
                                                DispatchReport& report) {
  OutboundMessage message;
  message.notification_id = due.id;
  message.dedupe_key = due.dedupe_key;
  message.recipient = due.recipient;
  message.subject = due.subject;
  message.body = due.body;
  message.language = due.language;
  message.event_type = domain::WebhookEventType(due.topic);
  message.created_at = due.created_at;
  message.attempt = due.attempts + 1;

  Outcome outcome;
  const auto channel = channels_.find(due.channel);
  if (channel == channels_.end() || channel->second == nullptr) {
    outcome = {false, true,
               std::string("no ") + domain::NotificationChannelName(due.channel) +
                   " delivery is configured on this instance"};
  } else if (due.channel == domain::NotificationChannel::kWebhook) {
    std::optional<domain::WebhookEndpoint> endpoint;
    Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
      Result<std::optional<domain::WebhookEndpoint>> found =
          transaction.FindWebhookEndpoint(due.recipient);
      if (!found) {
        return found.error();
      }
      endpoint = std::move(*found);
      return Ok();
    });
    if (!read) {
      return read.error();
    }
    if (!endpoint || endpoint->disabled_at) {
      outcome = {false, true, "the webhook endpoint was removed"};
    } else if (context_.sealer == nullptr) {
      outcome = {false, true, "no key to open the endpoint's secret"};
    } else {
      Result<std::string> secret = context_.sealer->Open(endpoint->secret_sealed);
      if (!secret) {
        outcome = {false, true, "the endpoint's secret cannot be opened"};
      } else {
        message.recipient = endpoint->url;
        message.secret = std::move(*secret);
      }
    }
  }
  if (outcome.error.empty()) {
    Result<void> delivered = channel->second->Deliver(message);
    if (delivered) {
      outcome.sent = true;
    } else {
      outcome.permanent = delivered.error().reason == "notification_rejected";
      outcome.error = delivered.error().message;
    }
  }

  const Timestamp finished = context_.clock->Now();
  std::optional<domain::NotificationStatus> written_status;
  Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    written_status.reset();
    Result<std::optional<domain::Notification>> found = transaction.FindNotification(due.id);
    if (!found) {
      return found.error();
    }
    // Another pass (an operator's requeue, another leader) moved it on meanwhile: keep theirs.
    if (!*found || (*found)->status != domain::NotificationStatus::kPending ||
        (*found)->attempts != due.attempts) {
      return Ok();
    }
    domain::Notification notification = std::move(**found);
    notification.attempts += 1;
    if (outcome.sent) {
      notification.status = domain::NotificationStatus::kSent;
      notification.sent_at = finished;
      notification.next_attempt_at.reset();
      notification.last_error.clear();
    } else {
      notification.last_error = outcome.error;
      const std::optional<Timestamp> next =
          outcome.permanent ? std::nullopt
                            : domain::NextDeliveryAt(notification.attempts, finished);
      notification.next_attempt_at = next;
      notification.status =
          next ? domain::NotificationStatus::kPending : domain::NotificationStatus::kDead;
    }
    written_status = notification.status;
    return transaction.UpdateNotification(notification);
  });
  if (!written) {
    return written.error();
  }
  if (written_status == domain::NotificationStatus::kSent) {
    ++report.sent;
  } else if (written_status == domain::NotificationStatus::kPending) {
    ++report.retried;
  } else if (written_status == domain::NotificationStatus::kDead) {
    ++report.dead;
  }
  return Ok();
}

}  // namespace simkeep::app
