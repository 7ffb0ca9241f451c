#ifndef SIMKEEP_APP_NOTIFICATION_SERVICE_H_
#define SIMKEEP_APP_NOTIFICATION_SERVICE_H_

#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/context.h"
#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/notification.h"

namespace simkeep::app {

// A webhook endpoint just created, with its signing secret (shown this once).
struct CreatedWebhookEndpoint {
  domain::WebhookEndpoint endpoint;
  std::string secret;
};

// How NotificationService checks what it is given. Fixed for the service's life.
struct NotificationServiceOptions {
  // Whether a webhook endpoint may name a loopback, private, link-local or otherwise non-public
  // address (domain::CheckWebhookUrlPublic): on only for receivers on the operator's own
  // network (`--webhook-allow-private`), since anyone who may register an endpoint could
  // otherwise make this server send requests into that network.
  bool webhook_allow_private = false;
};

// What people change and read about notifications: a line's settings and inbox, the webhook
// endpoints, the dead-letter list. Runs inside the caller's transaction (writes in a committer
// command). Thread-safe: no state of its own.
class NotificationService {
 public:
  explicit NotificationService(const ServiceContext& context,
                               NotificationServiceOptions options = {})
      : context_(context), options_(options) {}

  // The line's settings, or the defaults (Japanese, no email, no SMS) when none are stored.
  // kNotFound "line_not_found".
  Result<domain::NotificationSettings> GetSettings(Transaction& transaction,
                                                   const LineId& line_id) const;
  // Checks (domain::ValidateNotificationSettings) and stores them. kNotFound "line_not_found".
  Result<domain::NotificationSettings> SetSettings(Transaction& transaction,
                                                   domain::NotificationSettings settings) const;

  // The line's in-app messages, newest first. kNotFound "line_not_found".
  Result<std::vector<domain::Notification>> Inbox(Transaction& transaction, const LineId& line_id,
                                                  const PageRequest& page) const;
  // Marks one of the line's in-app messages read (once: the first time stays).
  // kNotFound "notification_not_found" for an id that is not one of them.
  Result<domain::Notification> MarkRead(Transaction& transaction, const LineId& line_id,
                                        std::string_view notification_id) const;

  // Puts a dead notification back in the queue, due now, its attempts counted afresh.
  // kNotFound "notification_not_found"; kFailedPrecondition "notification_not_dead".
  Result<domain::Notification> Requeue(Transaction& transaction,
                                       std::string_view notification_id) const;

  // Creates an endpoint for `url` taking `events` (comma-separated event types; empty: all),
  // with a new secret sealed for storage. Errors of domain::ValidateWebhookEndpoint, then,
  // unless options.webhook_allow_private, of domain::CheckWebhookUrlPublic
  // (kFailedPrecondition "webhook_url_private").
  Result<CreatedWebhookEndpoint> CreateEndpoint(Transaction& transaction, std::string url,
                                                std::string events) const;
  // Stops deliveries to an endpoint (queued ones die). kNotFound "webhook_endpoint_not_found".
  Result<domain::WebhookEndpoint> DisableEndpoint(Transaction& transaction,
                                                  std::string_view endpoint_id) const;

 private:
  Result<void> RequireLine(Transaction& transaction, const LineId& line_id) const;

  const ServiceContext& context_;
  const NotificationServiceOptions options_;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_NOTIFICATION_SERVICE_H_
