#include "simkeep/app/outbox.h"

#include <utility>

namespace simkeep::app {

Result<std::vector<domain::WebhookEndpoint>> Outbox::Endpoints(Transaction& transaction,
                                                               Timestamp now) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (endpoints_read_at_ && now >= *endpoints_read_at_ &&
        now - *endpoints_read_at_ < options_.endpoints_ttl) {
      return endpoints_;
    }
  }
  Result<std::vector<domain::WebhookEndpoint>> read = transaction.ListWebhookEndpoints();
  if (!read) {
    return read.error();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  endpoints_ = *read;
  endpoints_read_at_ = now;
  return read;
}

Result<int> Outbox::Queue(Transaction& transaction, const domain::Line& line,
                          const NotificationEvent& event, const ServiceContext& context) const {
  using domain::NotificationChannel;
  Result<std::optional<domain::NotificationSettings>> settings =
      transaction.FindNotificationSettings(line.id);
  if (!settings) {
    return settings.error();
  }
  const std::string language = *settings ? (*settings)->language : "ja";
  const Timestamp now = context.clock->Now();

  struct Target {
    NotificationChannel channel;
    std::string recipient;
    std::string endpoint_id;
  };
  std::vector<Target> targets;
  if (event.topic != domain::NotificationTopic::kPaymentReceipt) {
    targets.push_back({NotificationChannel::kInApp, "", ""});
  }
  const bool mail = *settings && domain::MailsHolder(event.topic);
  if (mail && options_.email && !(*settings)->email.empty()) {
    targets.push_back({NotificationChannel::kEmail, (*settings)->email, ""});
  }
  if (mail && options_.sms && !(*settings)->sms_to.empty()) {
    targets.push_back({NotificationChannel::kSms, (*settings)->sms_to, ""});
  }
  if (options_.webhooks) {
    Result<std::vector<domain::WebhookEndpoint>> endpoints = Endpoints(transaction, now);
    if (!endpoints) {
      return endpoints.error();
    }
    for (const domain::WebhookEndpoint& endpoint : *endpoints) {
      if (domain::Subscribes(endpoint, event.topic)) {
        targets.push_back({NotificationChannel::kWebhook, endpoint.id, endpoint.id});
      }
    }
  }

  for (const Target& target : targets) {
    domain::Notification notification;
    notification.id = context.ids->Next("nt");
    notification.line_id = line.id;
    notification.topic = event.topic;
    notification.channel = target.channel;
    notification.dedupe_key = domain::NotificationDedupeKey(event.topic, line.id, event.period,
                                                            target.channel, target.endpoint_id);
    // Webhooks go to systems, which read English field names whatever the holder speaks.
    notification.language = target.channel == NotificationChannel::kWebhook ? "en" : language;
    notification.recipient = target.recipient;
    Result<RenderedMessage> rendered =
        renderer_.Render(event, line, target.channel, notification.language, notification.id, now);
    if (!rendered) {
      return rendered.error();
    }
    notification.subject = std::move(rendered->subject);
    notification.body = std::move(rendered->body);
    notification.created_at = now;
    if (target.channel == NotificationChannel::kInApp) {
      notification.status = domain::NotificationStatus::kSent;  // Stored is delivered.
      notification.sent_at = now;
    } else {
      notification.status = domain::NotificationStatus::kPending;
      notification.next_attempt_at = now;
    }
    if (Result<void> inserted = transaction.InsertNotification(notification); !inserted) {
      return inserted.error();
    }
  }
  return static_cast<int>(targets.size());
}

Result<void> QueueNotification(Transaction& transaction, const ServiceContext& context,
                               const domain::Line& line, const NotificationEvent& event) {
  if (context.outbox == nullptr) {
    return Ok();
  }
  Result<int> queued = context.outbox->Queue(transaction, line, event, context);
  if (!queued) {
    return queued.error();
  }
  return Ok();
}

}  // namespace simkeep::app
