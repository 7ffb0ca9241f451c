#ifndef SIMKEEP_APP_NOTIFICATION_DISPATCHER_H_
#define SIMKEEP_APP_NOTIFICATION_DISPATCHER_H_

#include <map>
#include <string_view>

#include "simkeep/app/committer.h"
#include "simkeep/app/context.h"
#include "simkeep/app/notification_channel.h"
#include "simkeep/app/read_pool.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/notification.h"

namespace simkeep::app {

// What one pass delivered.
struct DispatchReport {
  int sent = 0;     // Accepted by the far end.
  int retried = 0;  // Failed; tried again later (domain::NextDeliveryAt).
  int dead = 0;     // Failed for good: refused, or the last attempt failed.
  int total() const { return sent + retried + dead; }
};

// Delivers the outbox: pending notifications due by now, each handed to its channel's adapter
// outside any transaction, then its outcome written. A message whose outcome is lost (a crash
// between the two) is sent again with the same notification id, which the adapters pass on for
// the far end to drop: delivery is at least once. A failure is retried with backoff; a refusal,
// a missing adapter or endpoint, or the last failed attempt makes the row dead, where it stays
// for an operator (NotificationService::Requeue).
//
// Runs on the leader (its own thread in `simkeep serve`) or from a CLI; one pass at a time.
// Blocks on the committer and on the adapters, never on the committer thread.
class NotificationDispatcher {
 public:
  // `channels`: the adapter of each channel this instance delivers on (not in-app). Everything
  // referenced outlives the dispatcher.
  NotificationDispatcher(Committer& committer, ReadPool& reads, const ServiceContext& context,
                         std::map<domain::NotificationChannel, NotificationChannel*> channels,
                         int batch = 100)
      : committer_(committer),
        reads_(reads),
        context_(context),
        channels_(std::move(channels)),
        batch_(batch) {}

  // One pass over what is due at the context clock's now, at most `batch` messages.
  Result<DispatchReport> RunDue();

 private:
  Result<void> DeliverOne(const domain::Notification& due, DispatchReport& report);

  Committer& committer_;
  ReadPool& reads_;
  const ServiceContext& context_;
  std::map<domain::NotificationChannel, NotificationChannel*> channels_;
  int batch_;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_NOTIFICATION_DISPATCHER_H_
