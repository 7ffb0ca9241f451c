#ifndef SIMKEEP_APP_SCHEDULER_H_
#define SIMKEEP_APP_SCHEDULER_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "simkeep/app/committer.h"
#include "simkeep/app/context.h"
#include "simkeep/app/order_service.h"
#include "simkeep/app/payment_coordinator.h"
#include "simkeep/app/read_pool.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/auto_renewal.h"

namespace simkeep::app {

struct SchedulerOptions {
  // How long before a validity ends its automatic renewal runs.
  std::chrono::minutes auto_renewal_lead{24 * 60};
  // Jobs started per kind in one pass.
  int batch = 1000;
};

// What one pass did.
struct SchedulerReport {
  int started = 0;    // Automatic renewals found due and started (jobs created).
  int renewed = 0;    // Jobs done: the line renewed.
  int topped_up = 0;  // Automatic top-ups done (queued by usage that crossed the threshold).
  int waiting = 0;    // Attempts whose payment is still open (a card's 3-D Secure, an unknown
                      // outcome): settled by the payment sweep, then picked up here.
  int failed = 0;     // Attempts that failed (a retry is scheduled, or the job gave up).
  int gave_up = 0;    // Jobs failed for good after kAutoRenewalAttemptsMax attempts.
  int skipped = 0;    // Jobs not attempted: the monthly cap, the setting off, renewed otherwise.
  int lifecycle = 0;  // Lines moved on by their validity end (grace, suspended, terminated).
  int reminders = 0;  // Reminders queued (expiry, automatic renewal ahead, suspension ahead,
                      // a deferred payment's deadline).
  int expiries = 0;   // Buckets (allowances) whose expiry was noted.
  int reservations_expired = 0;  // Quota reservations past their validity marked expired.
  // Work that failed on an error of its own (a bug, a row the database refused), left undone for
  // the next pass while the rest of this pass went on. The database being unavailable fails the
  // whole pass instead.
  struct WorkError {
    LineId line_id;
    std::string work;  // "auto_renewal", "lifecycle" or "bucket_expiry".
    Error error;
  };
  std::vector<WorkError> errors;
  int total() const {
    return started + renewed + topped_up + waiting + failed + skipped + lifecycle + reminders +
           expiries;
  }
};

// Runs the work that falls due with time: automatic renewals and their retries, the lifecycle
// of lines whose validity ended, then the reminders (each work's notifications go through the
// context's outbox). The lifecycle covers lines whose validity ended (active → grace → suspended →
// terminated by the carrier's keep rule; automatic renewals run first, so a line renewed in time
// never lapses). Every job has a natural key (kind, line, period) stored in scheduler_jobs in the
// same transaction as the order it places, so a pass run twice, by two instances, or again after a
// crash does each job once; a job found `running` with no order (a crash between its two
// commands) is attempted again, one whose order has settled takes the order's outcome.
//
// An automatic renewal is due `auto_renewal_lead` before the validity it extends ends. It is
// skipped when this month's automatic renewals (JST calendar month) plus its price would exceed
// the line's cap. It pays from the balance or a saved card as the setting says; a failed attempt
// (declined card, short balance) is tried again after 1 hour, 1 day and 3 days; then the job
// gives up. Each outcome is a line event ("auto_renewal_failed", "auto_renewal_skipped"; a
// success is the renewal's own "renewed").
//
// Last, open quota reservations past their validity are marked expired (a write only: they hold
// nothing from their expiry on).
//
// Calls block on the committer and on the provider: run it on the leader's upkeep thread or a
// CLI, never on the committer thread. Thread-compatible: one pass at a time.
class Scheduler {
 public:
  Scheduler(Committer& committer, ReadPool& reads, const ServiceContext& context,
            const OrderService& orders, PaymentCoordinator& payments, SchedulerOptions options = {})
      : committer_(committer),
        reads_(reads),
        context_(context),
        orders_(orders),
        payments_(payments),
        options_(options) {}

  // One pass at the context clock's now: jobs whose payment settled are brought up to date,
  // retries due are attempted, and renewals newly due are started (at most options.batch of
  // each). Run again while it reports work (total() > 0 and a batch filled). One line's work
  // that fails on an error of its own is reported in `errors` and the pass goes on; kUnavailable
  // or kDeadlineExceeded (the database is gone) ends the pass with that error.
  Result<SchedulerReport> RunDue();

 private:
  // What one attempt's command left for after its commit.
  struct AttemptState {
    std::optional<domain::SchedulerJob> job;   // The job as written; none when it was not due.
    std::optional<domain::Payment> to_charge;  // A saved card's payment still to collect.
    std::optional<Error> refused;              // Why the renewal was refused (nothing written).
    PaymentInput input;
    bool attempt_failed = false;
  };

  // Creates the job of a renewal found due (or records it skipped): one command. With
  // `attempt`, a renewal paid from the balance is also attempted in the same command
  // (AttemptJob); a refusal then undoes the job too, and `attempt->refused` says so.
  Result<void> StartJob(Transaction& transaction, const DueAutoRenewal& due,
                        std::optional<domain::SchedulerJob>& created, Timestamp now,
                        AttemptState* attempt);
  // Starts every renewal in `due`, their commands submitted together (group commit), and adds
  // the jobs created and not skipped to `to_attempt`.
  Result<void> Start(const std::vector<DueAutoRenewal>& due,
                     std::vector<domain::SchedulerJob>& to_attempt, SchedulerReport& report);
  // One attempt of a running or retrying job: places the renewal (or pays its failed order
  // again). One command.
  Result<void> AttemptJob(Transaction& transaction, const domain::SchedulerJob& key,
                          AttemptState& state, Timestamp now);
  // Attempts every job in `keys`, their commands submitted together, then finishes each.
  Result<void> Attempt(const std::vector<domain::SchedulerJob>& keys, SchedulerReport& report);
  // After an attempt's command: records a refusal as a failed attempt, or collects a saved
  // card's payment (outside any transaction), and counts the outcome.
  Result<void> FinishAttempt(const domain::SchedulerJob& key, AttemptState& state,
                             const Result<void>& written, SchedulerReport& report);
  // Brings a running job whose order settled up to date.
  Result<void> Sync(const domain::SchedulerJob& key, SchedulerReport& report);
  // Moves lines whose validity ended on through their carrier's keep rule (domain/lifecycle.h),
  // each step a state change and a line event, all of a line's due steps in one command (a line
  // whose usage charges paid within its keep window keep it, domain::UsageChargesKeepLine,
  // instead starts its next window at that one's end: event "keep_window_restarted"), tells
  // the holder where the line now stands, and records the data speed the new state gives
  // (UsageService::NoteSpeed).
  Result<void> AdvanceLifecycles(Timestamp now, SchedulerReport& report);
  // Notes the buckets that reached their expiry (at most kBucketExpiryLookback ago) and were not
  // noted yet: per line, one command marks them noted (Transaction::NoteBucketExpired), records
  // a "bucket_expired" event (reason: the bucket's kind) and a bucket_expired notification for
  // each, and re-checks the line's data speed (UsageService::NoteSpeed), so a line whose last
  // data ran out at its expiry is throttled now, and a line throttled by a daily cap gets its
  // speed back. Each expiry is noted once, whatever crashes or passes repeat.
  Result<void> NoteBucketExpiries(Timestamp now, SchedulerReport& report);
  // Marks the quota reservations past their validity expired (app/reservation_service.h), a
  // command of at most options_.batch at a time until none is left. They held nothing from their
  // expiry on already; this only writes it down.
  Result<void> ExpireReservations(SchedulerReport& report);
  // Queues the reminders that fell due since the last pass: kExpiryReminderDays before a
  // validity end (or, with automatic renewal on, what it will charge), kSuspensionReminderDays
  // before a line in grace is suspended, and a deferred payment's deadline the day before.
  Result<void> QueueReminders(Timestamp now, SchedulerReport& report);
  // The scans of QueueReminders, each named in `scanned` once its window is queued.
  Result<void> QueueReminderScans(Timestamp now, SchedulerReport& report,
                                  std::vector<std::string>& scanned);
  // One reminder scan: the window from the cursor `name` to `now`, read by `page` (given the
  // window and the last item of the previous page; it returns how many items it saw, 0 when the
  // window is done); `name` is added to `scanned` when the window is done (nothing is added
  // when the window is empty: the cursor is at `now` already).
  Result<void> ScanWindow(
      const std::string& name, Timestamp now,
      const std::function<Result<int>(Timestamp from, Timestamp to, RangeCursor& after)>& page,
      std::vector<std::string>& scanned);

  Committer& committer_;
  ReadPool& reads_;
  const ServiceContext& context_;
  const OrderService& orders_;
  PaymentCoordinator& payments_;
  SchedulerOptions options_;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_SCHEDULER_H_
