#include "simkeep/app/scheduler.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "simkeep/app/auto_renewal_service.h"
#include "simkeep/app/limits.h"
#include "simkeep/app/line_service.h"
#include "simkeep/app/outbox.h"
#include "simkeep/app/reservation_service.h"
#include "simkeep/app/usage_service.h"
#include "simkeep/base/time.h"
#include "simkeep/domain/lifecycle.h"
#include "simkeep/domain/payment.h"

namespace simkeep::app {
namespace {

constexpr std::string_view kAutoRenewalKind = domain::kAutoRenewalJob;

// Records the line event of a job that failed an attempt or was skipped, and tells the holder.
Result<void> RecordJobEvent(Transaction& transaction, const ServiceContext& context,
                            const domain::SchedulerJob& job, std::string kind, Timestamp now) {
  domain::LineEvent event{EventId{context.ids->Next("ev")},
                          job.line_id,
                          kind,
                          std::nullopt,
                          std::nullopt,
                          job.reason,
                          job.order_id,
                          now};
  if (Result<void> inserted = transaction.InsertLineEvent(event); !inserted) {
    return inserted;
  }
  if (job.kind == domain::kAutoTopupJob) {
    return Ok();  // The holder was told the data ran low; the event records the rest.
  }
  Result<std::optional<domain::Line>> line = transaction.FindLine(job.line_id);
  if (!line) {
    return line.error();
  }
  if (!*line) {
    return Ok();
  }
  const bool failed = kind == "auto_renewal_failed";
  NotificationEvent notice;
  notice.topic = failed ? domain::NotificationTopic::kAutoRenewalFailed
                        : domain::NotificationTopic::kAutoRenewalSkipped;
  // One message per failed attempt; one for a skip.
  notice.period = domain::AutoRenewalKey(job.line_id, job.period_end) +
                  (failed ? "#" + std::to_string(job.attempts) : "");
  notice.args["reason"] = job.reason;
  notice.args["expires_at"] = FormatRfc3339Jst(job.period_end);
  if (job.next_attempt_at) {
    notice.args["next_attempt_at"] = FormatRfc3339Jst(*job.next_attempt_at);
  }
  return QueueNotification(transaction, context, **line, notice);
}

// Counts a failed attempt: retried later, or given up after the last.
void FailAttempt(domain::SchedulerJob& job, std::string reason, Timestamp now) {
  ++job.attempts;
  job.reason = std::move(reason);
  job.next_attempt_at = domain::NextRetryAt(job.attempts, now);
  job.status = job.next_attempt_at ? domain::JobStatus::kRetrying : domain::JobStatus::kFailed;
  job.updated_at = now;
}

// Moves `job` on from its order as it now is. Returns true when the attempt failed.
bool FollowOrder(domain::SchedulerJob& job, const OrderView& view, Timestamp now) {
  job.order_id = view.order.id;
  job.updated_at = now;
  switch (view.order.status) {
    case domain::OrderStatus::kCompleted:
      job.status = domain::JobStatus::kDone;
      job.next_attempt_at.reset();
      job.reason.clear();
      return false;
    case domain::OrderStatus::kPending:
      // Its payment waits (3-D Secure, an unknown outcome): looked at again after a while.
      job.status = domain::JobStatus::kRunning;
      job.next_attempt_at = now + std::chrono::milliseconds(kPaymentReconcileAfterMs);
      return false;
    case domain::OrderStatus::kFailed:
    case domain::OrderStatus::kExpired:
    case domain::OrderStatus::kCanceled:
      FailAttempt(job, view.order.failure_reason, now);
      return true;
  }
  return false;
}

// Records `job` as it now is, with the line event its state calls for.
Result<void> SaveJob(Transaction& transaction, const ServiceContext& context,
                     const domain::SchedulerJob& job, bool attempt_failed, Timestamp now) {
  if (Result<void> updated = transaction.UpdateSchedulerJob(job); !updated) {
    return updated;
  }
  const std::string prefix = job.kind == domain::kAutoTopupJob ? "auto_topup" : "auto_renewal";
  if (attempt_failed) {
    return RecordJobEvent(transaction, context, job, prefix + "_failed", now);
  }
  if (job.status == domain::JobStatus::kSkipped) {
    return RecordJobEvent(transaction, context, job, prefix + "_skipped", now);
  }
  return Ok();
}

// What the holder of a line that just moved on through its keep rule is told: the state it is
// in now and the date of the next step. The period is the validity end, so each step of one
// validity end is told once.
NotificationEvent LifecycleNotice(const domain::Line& line, const domain::KeepRule& rule) {
  NotificationEvent notice;
  const Timestamp expires_at = line.expires_at.value_or(Timestamp{});
  notice.period = std::to_string(ToMicros(expires_at));
  notice.args["expires_at"] = FormatRfc3339Jst(expires_at);
  switch (line.state) {
    case domain::LineState::kGrace:
      notice.topic = domain::NotificationTopic::kGraceStarted;
      notice.args["suspend_at"] = FormatRfc3339Jst(domain::SuspensionDueAt(expires_at, rule));
      break;
    case domain::LineState::kSuspended:
      notice.topic = domain::NotificationTopic::kSuspended;
      notice.args["terminate_at"] = FormatRfc3339Jst(domain::TerminationDueAt(expires_at, rule));
      break;
    default:
      notice.topic = domain::NotificationTopic::kTerminated;
      break;
  }
  return notice;
}

void Count(const domain::SchedulerJob& job, bool attempt_failed, SchedulerReport& report) {
  if (attempt_failed) {
    ++report.failed;
    report.gave_up += job.status == domain::JobStatus::kFailed ? 1 : 0;
    return;
  }
  switch (job.status) {
    case domain::JobStatus::kDone:
      ++(job.kind == domain::kAutoTopupJob ? report.topped_up : report.renewed);
      break;
    case domain::JobStatus::kRunning:
      ++report.waiting;
      break;
    case domain::JobStatus::kSkipped:
      ++report.skipped;
      break;
    case domain::JobStatus::kRetrying:
    case domain::JobStatus::kFailed:
      break;
  }
}

// An error of one line's work ends the pass only when the database itself failed (every other
// line's work would fail alike); otherwise it is noted in the report and the pass goes on, the
// work left for the next pass.
Result<void> Isolate(Result<void> outcome, const LineId& line_id, const char* work,
                     SchedulerReport& report) {
  if (outcome || outcome.error().code == ErrorCode::kUnavailable ||
      outcome.error().code == ErrorCode::kDeadlineExceeded) {
    return outcome;
  }
  report.errors.push_back({line_id, work, outcome.error()});
  return Ok();
}

constexpr const char* kRenewalWork = "auto_renewal";
constexpr const char* kLifecycleWork = "lifecycle";
constexpr const char* kExpiryWork = "bucket_expiry";

// How far back the scan of bucket expiries looks: a server stopped for longer leaves the older
// expiries unnoted (their buckets are long spent; only the events would be late).
constexpr std::chrono::hours kBucketExpiryLookback{7 * 24};

// Runs `count` commands through the committer at once, so that group commit writes them in as
// few transactions as it can, and waits for every outcome (outcomes[i] is command i's).
std::vector<Result<void>> RunAll(Committer& committer, size_t count,
                                 const std::function<Result<void>(size_t, Transaction&)>& apply) {
  std::vector<Result<void>> outcomes(count);
  std::mutex mutex;
  std::condition_variable all_done;
  size_t pending = count;
  for (size_t i = 0; i < count; ++i) {
    committer.Submit([&apply, i](Transaction& transaction) { return apply(i, transaction); },
                     [&, i](Result<void> outcome) {
                       std::lock_guard<std::mutex> lock(mutex);
                       outcomes[i] = std::move(outcome);
                       if (--pending == 0) {
                         all_done.notify_all();
                       }
                     });
  }
  std::unique_lock<std::mutex> lock(mutex);
  all_done.wait(lock, [&] { return pending == 0; });
  return outcomes;
}

}  // namespace

Result<SchedulerReport> Scheduler::RunDue() {
  SchedulerReport report;
  const Timestamp now = context_.clock->Now();
  std::vector<domain::SchedulerJob> running;
  std::vector<domain::SchedulerJob> retrying;
  std::vector<DueAutoRenewal> due;
  Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
    Result<std::vector<domain::SchedulerJob>> open =
        transaction.ListSchedulerJobs(domain::JobStatus::kRunning, now, options_.batch);
    if (!open) {
      return open.error();
    }
    running = std::move(*open);
    Result<std::vector<domain::SchedulerJob>> again =
        transaction.ListSchedulerJobs(domain::JobStatus::kRetrying, now, options_.batch);
    if (!again) {
      return again.error();
    }
    retrying = std::move(*again);
    Result<std::vector<DueAutoRenewal>> found =
        transaction.ListDueAutoRenewals(now + options_.auto_renewal_lead, options_.batch);
    if (!found) {
      return found.error();
    }
    due = std::move(*found);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  std::vector<domain::SchedulerJob> to_attempt;
  for (const domain::SchedulerJob& job : running) {
    if (job.order_id.empty()) {
      // No order: the process stopped between creating the job and placing its order.
      to_attempt.push_back(job);
    } else if (Result<void> done = Isolate(Sync(job, report), job.line_id, kRenewalWork, report);
               !done) {
      return done.error();
    }
  }
  to_attempt.insert(to_attempt.end(), retrying.begin(), retrying.end());
  if (Result<void> started = Start(due, to_attempt, report); !started) {
    return started.error();
  }
  if (Result<void> attempted = Attempt(to_attempt, report); !attempted) {
    return attempted.error();
  }
  if (Result<void> advanced = AdvanceLifecycles(now, report); !advanced) {
    return advanced.error();
  }
  if (Result<void> expired = NoteBucketExpiries(now, report); !expired) {
    return expired.error();
  }
  if (Result<void> reminded = QueueReminders(now, report); !reminded) {
    return reminded.error();
  }
  if (Result<void> swept = ExpireReservations(report); !swept) {
    return swept.error();
  }
  return report;
}

Result<void> Scheduler::NoteBucketExpiries(Timestamp now, SchedulerReport& report) {
  const UsageService usage(context_);
  while (true) {
    std::vector<domain::Bucket> buckets;
    Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
      Result<std::vector<domain::Bucket>> found =
          transaction.ListExpiredBuckets(now - kBucketExpiryLookback, now, options_.batch);
      if (!found) {
        return found.error();
      }
      buckets = std::move(*found);
      return Ok();
    });
    if (!read) {
      return read;
    }
    // Each line's buckets in a command of its own, the commands submitted together.
    std::vector<LineId> lines;
    std::map<std::string, std::vector<const domain::Bucket*>> of_line;
    for (const domain::Bucket& bucket : buckets) {
      std::vector<const domain::Bucket*>& mine = of_line[bucket.line_id.value];
      if (mine.empty()) {
        lines.push_back(bucket.line_id);
      }
      mine.push_back(&bucket);
    }
    std::vector<int> noted(lines.size(), 0);
    const std::vector<Result<void>> outcomes =
        RunAll(committer_, lines.size(), [&](size_t i, Transaction& transaction) -> Result<void> {
          noted[i] = 0;
          Result<domain::Line> line = LoadLine(transaction, lines[i]);
          if (!line) {
            return line.error();
          }
          for (const domain::Bucket* bucket : of_line[lines[i].value]) {
            Result<bool> first = transaction.NoteBucketExpired(bucket->id, now);
            if (!first) {
              return first.error();
            }
            if (!*first) {
              continue;  // Noted by another pass since it was read.
            }
            const domain::LineEvent event{EventId{context_.ids->Next("ev")},
                                          line->id,
                                          "bucket_expired",
                                          std::nullopt,
                                          std::nullopt,
                                          domain::BundleKindName(bucket->kind),
                                          bucket->order_id,
                                          now};
            if (Result<void> inserted = transaction.InsertLineEvent(event); !inserted) {
              return inserted;
            }
            NotificationEvent notice{domain::NotificationTopic::kBucketExpired,
                                     bucket->id.value,
                                     {{"bucket_id", bucket->id.value},
                                      {"kind", domain::BundleKindName(bucket->kind)},
                                      {"remaining", std::to_string(bucket->remaining)},
                                      {"expired_at", FormatRfc3339Jst(bucket->expires_at)}}};
            if (Result<void> queued = QueueNotification(transaction, context_, *line, notice);
                !queued) {
              return queued;
            }
            ++noted[i];
          }
          return noted[i] > 0 ? usage.NoteSpeed(transaction, *line) : Ok();
        });
    bool moved = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (!outcomes[i]) {
        if (Result<void> isolated = Isolate(outcomes[i], lines[i], kExpiryWork, report);
            !isolated) {
          return isolated;
        }
        continue;
      }
      moved = true;
      report.expiries += noted[i];
    }
    // A short page was the last; a page whose every line failed would only be read again.
    if (static_cast<int>(buckets.size()) < options_.batch || !moved) {
      return Ok();
    }
  }
}

Result<void> Scheduler::ExpireReservations(SchedulerReport& report) {
  const ReservationService reservations(context_);
  while (true) {
    int64_t expired = 0;
    Result<void> done = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
      Result<int64_t> marked = reservations.ExpireDue(transaction, options_.batch);
      if (!marked) {
        return marked.error();
      }
      expired = *marked;
      return Ok();
    });
    if (!done) {
      return done;
    }
    report.reservations_expired += static_cast<int>(expired);
    if (expired < options_.batch) {
      return Ok();
    }
  }
}

Result<void> Scheduler::AdvanceLifecycles(Timestamp now, SchedulerReport& report) {
  // Per carrier and state, the lines past the date of their next step: indexed range reads.
  // A validity end `e` is due for suspension when SuspensionDueAt(e) <= now, that is when
  // e <= now - (SuspensionDueAt(now) - now), the rule's periods being fixed lengths.
  std::vector<domain::Line> lines;
  Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
    for (const domain::Carrier& carrier : context_.catalog->carriers) {
      const domain::KeepRule& rule = carrier.keep;
      const std::pair<domain::LineState, Timestamp> searches[] = {
          {domain::LineState::kActive, now},
          {domain::LineState::kGrace, now - (domain::SuspensionDueAt(now, rule) - now)},
          {domain::LineState::kSuspended, now - (domain::TerminationDueAt(now, rule) - now)},
      };
      for (const auto& [state, expired_by] : searches) {
        Result<std::vector<domain::Line>> found =
            transaction.ListLinesExpiredBy(state, carrier.code, expired_by, options_.batch);
        if (!found) {
          return found.error();
        }
        lines.insert(lines.end(), found->begin(), found->end());
      }
    }
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  // Every line's steps in a command of its own, the commands submitted together (group commit).
  std::vector<int> steps(lines.size(), 0);
  const std::vector<Result<void>> outcomes =
      RunAll(committer_, lines.size(), [&](size_t i, Transaction& transaction) -> Result<void> {
        steps[i] = 0;
        const domain::Carrier* carrier = context_.catalog->FindCarrier(lines[i].carrier);
        if (carrier == nullptr) {
          return Ok();
        }
        Result<domain::Line> line = LoadLine(transaction, lines[i].id);
        if (!line) {
          return line.error();
        }
        if (line->state == domain::LineState::kActive && line->expires_at) {
          // An automatic renewal of this validity end not started yet (a backlog beyond one
          // batch, a pass after downtime) comes first: the line stays active until its job has
          // run, and leaves only if that job did not renew it.
          Result<std::optional<domain::AutoRenewal>> setting =
              transaction.FindAutoRenewal(line->id);
          if (!setting) {
            return setting.error();
          }
          if (*setting && (*setting)->enabled) {
            Result<std::optional<domain::SchedulerJob>> job =
                transaction.FindSchedulerJob(kAutoRenewalKind, line->id, *line->expires_at);
            if (!job) {
              return job.error();
            }
            if (!*job) {
              return Ok();
            }
          }
        }
        bool moved = false;
        while (std::optional<domain::LifecycleStep> step =
                   domain::NextLifecycleStep(line->state, line->expires_at, carrier->keep, now)) {
          if (step->reason == "keep_window_ended" &&
              carrier->keep.activity_usage_charge_jpy_min > 0) {
            // Usage charges paid within the window may keep the line for another one.
            const Timestamp window_end = domain::SuspensionDueAt(*line->expires_at, carrier->keep);
            Result<int64_t> paid =
                transaction.SumUsageCharges(line->id, *line->expires_at, window_end);
            if (!paid) {
              return paid.error();
            }
            if (domain::UsageChargesKeepLine(carrier->keep, *paid)) {
              line->expires_at = window_end;
              line->updated_at = now;
              const domain::LineEvent kept{EventId{context_.ids->Next("ev")},
                                           line->id,
                                           "keep_window_restarted",
                                           std::nullopt,
                                           std::nullopt,
                                           "usage_charges",
                                           OrderId{},
                                           now};
              if (Result<void> inserted = transaction.InsertLineEvent(kept); !inserted) {
                return inserted;
              }
              ++steps[i];
              continue;
            }
          }
          moved = true;
          if (Result<void> allowed = domain::CheckTransition(line->state, step->to); !allowed) {
            return allowed;
          }
          const domain::LineState from = line->state;
          line->state = step->to;
          line->updated_at = now;
          domain::LineEvent event{EventId{context_.ids->Next("ev")},
                                  line->id,
                                  "state_changed",
                                  from,
                                  line->state,
                                  step->reason,
                                  OrderId{},
                                  now};
          if (Result<void> inserted = transaction.InsertLineEvent(event); !inserted) {
            return inserted;
          }
          ++steps[i];
        }
        if (steps[i] == 0) {
          return Ok();
        }
        if (!moved) {
          return transaction.UpdateLine(*line);  // Kept for another window; nothing to tell.
        }
        // Told before the number goes: the message names the line by it.
        if (Result<void> queued = QueueNotification(transaction, context_, *line,
                                                    LifecycleNotice(*line, carrier->keep));
            !queued) {
          return queued;
        }
        if (line->state == domain::LineState::kTerminated && !line->msisdn.empty()) {
          // The number is lost to the line and held from every other until its quarantine ends.
          const domain::NumberQuarantine hold{line->msisdn, line->id, line->carrier, now,
                                              domain::NumberReleasedAt(now, carrier->keep)};
          if (Result<void> held = transaction.InsertNumberQuarantine(hold); !held) {
            return held;
          }
          line->msisdn.clear();
        }
        if (Result<void> updated = transaction.UpdateLine(*line); !updated) {
          return updated;
        }
        // Grace runs at the plan's last throttle step, suspension blocks data.
        return UsageService(context_).NoteSpeed(transaction, *line);
      });
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!outcomes[i]) {
      if (Result<void> isolated = Isolate(outcomes[i], lines[i].id, kLifecycleWork, report);
          !isolated) {
        return isolated;
      }
      continue;
    }
    report.lifecycle += steps[i] > 0 ? 1 : 0;
  }
  return Ok();
}

Result<void> Scheduler::StartJob(Transaction& transaction, const DueAutoRenewal& due,
                                 std::optional<domain::SchedulerJob>& created, Timestamp now,
                                 AttemptState* attempt) {
  created.reset();
  if (attempt != nullptr) {
    *attempt = AttemptState{};
  }
  Result<std::optional<domain::AutoRenewal>> setting =
      transaction.FindAutoRenewal(due.setting.line_id);
  if (!setting) {
    return setting.error();
  }
  Result<domain::Line> line = LoadLine(transaction, due.setting.line_id);
  if (!line) {
    return line.error();
  }
  if (!setting->has_value() || !(*setting)->enabled || line->expires_at != due.expires_at) {
    return Ok();  // Changed since it was found due.
  }
  Result<std::optional<domain::SchedulerJob>> existing =
      transaction.FindSchedulerJob(kAutoRenewalKind, line->id, due.expires_at);
  if (!existing) {
    return existing.error();
  }
  if (existing->has_value()) {
    return Ok();  // Started already (another instance, an earlier pass).
  }
  domain::SchedulerJob job;
  job.kind = std::string(kAutoRenewalKind);
  job.line_id = line->id;
  job.period_end = due.expires_at;
  job.status = domain::JobStatus::kRunning;
  job.created_at = now;
  job.updated_at = now;
  Result<AutomaticCharge> charge =
      PriceWithinCap(transaction, *context_.catalog, line->id, (*setting)->plan_id,
                     (*setting)->monthly_cap_jpy, now);
  if (!charge) {
    return charge.error();
  }
  job.amount_jpy = charge->price_jpy;
  if (!charge->skipped_reason.empty()) {
    job.status = domain::JobStatus::kSkipped;
    job.reason = charge->skipped_reason;
  }
  if (Result<void> inserted = transaction.InsertSchedulerJob(job); !inserted) {
    return inserted;
  }
  if (job.status == domain::JobStatus::kSkipped) {
    if (Result<void> event =
            RecordJobEvent(transaction, context_, job, "auto_renewal_skipped", now);
        !event) {
      return event;
    }
  }
  created = job;
  if (attempt != nullptr && job.status == domain::JobStatus::kRunning &&
      (*setting)->payment_method_id == domain::kPayFromBalance) {
    // Paid from the balance: no provider to call, so the attempt joins the job's command.
    return AttemptJob(transaction, job, *attempt, now);
  }
  return Ok();
}

Result<void> Scheduler::Start(const std::vector<DueAutoRenewal>& due,
                              std::vector<domain::SchedulerJob>& to_attempt,
                              SchedulerReport& report) {
  const Timestamp now = context_.clock->Now();
  std::vector<std::optional<domain::SchedulerJob>> created(due.size());
  std::vector<AttemptState> attempts(due.size());
  const std::vector<Result<void>> outcomes =
      RunAll(committer_, due.size(), [&](size_t i, Transaction& transaction) {
        return StartJob(transaction, due[i], created[i], now, &attempts[i]);
      });
  for (size_t i = 0; i < due.size(); ++i) {
    const LineId& line_id = due[i].setting.line_id;
    if (!outcomes[i]) {
      Result<void> alone = outcomes[i];
      if (attempts[i].refused) {
        // The renewal was refused (a short balance, ...), which undid the job with it: the job
        // alone first, then the attempt on its own, which records the refusal.
        alone = committer_.RunAndWait([&](Transaction& transaction) {
          return StartJob(transaction, due[i], created[i], now, nullptr);
        });
      }
      if (!alone) {
        if (Result<void> isolated = Isolate(alone, line_id, kRenewalWork, report); !isolated) {
          return isolated;
        }
        continue;
      }
    }
    if (!created[i]) {
      continue;
    }
    ++report.started;
    if (created[i]->status == domain::JobStatus::kSkipped) {
      ++report.skipped;
    } else if (outcomes[i] && attempts[i].job) {
      if (Result<void> finished =
              Isolate(FinishAttempt(*created[i], attempts[i], outcomes[i], report), line_id,
                      kRenewalWork, report);
          !finished) {
        return finished;
      }
    } else {
      to_attempt.push_back(*created[i]);
    }
  }
  return Ok();
}

Result<void> Scheduler::AttemptJob(Transaction& transaction, const domain::SchedulerJob& key,
                                   AttemptState& state, Timestamp now) {
  state = AttemptState{};
  Result<std::optional<domain::SchedulerJob>> found =
      transaction.FindSchedulerJob(key.kind, key.line_id, key.period_end);
  if (!found) {
    return found.error();
  }
  if (!found->has_value() || ((*found)->status != domain::JobStatus::kRunning &&
                              (*found)->status != domain::JobStatus::kRetrying)) {
    return Ok();
  }
  domain::SchedulerJob current = std::move(**found);
  Result<domain::Line> line = LoadLine(transaction, current.line_id);
  if (!line) {
    return line.error();
  }
  Result<std::optional<domain::AutoRenewal>> setting = transaction.FindAutoRenewal(current.line_id);
  if (!setting) {
    return setting.error();
  }
  const bool topup = current.kind == domain::kAutoTopupJob;
  std::string skipped;
  if (topup) {
    // A top-up goes on while the setting still asks for one (the data may have been lifted
    // meanwhile: it was bought for the crossing, which happened).
    skipped = setting->has_value() && domain::HasAutoTopup(**setting) ? "" : "auto_topup_off";
  } else if (line->expires_at != current.period_end) {
    skipped = "renewed_otherwise";
  } else if (!setting->has_value() || !(*setting)->enabled) {
    skipped = "auto_renewal_off";
  }
  if (!skipped.empty()) {
    current.status = domain::JobStatus::kSkipped;
    current.next_attempt_at.reset();
    current.reason = skipped;
    current.updated_at = now;
    state.job = current;
    return SaveJob(transaction, context_, current, false, now);
  }
  const PlanId& plan_id = topup ? (*setting)->topup_plan_id : (*setting)->plan_id;
  state.input = PayWith(std::string(domain::kPayFromBalance));
  if ((*setting)->payment_method_id != domain::kPayFromBalance) {
    state.input = PayWith("card");
    state.input.saved_method_id = SavedMethodId{(*setting)->payment_method_id};
  }
  const Requester requester{"scheduler", domain::Channel::kApi,
                            "scheduler:" + std::string(topup ? "topup:" : "") +
                                domain::AutoRenewalKey(line->id, current.period_end) + "#" +
                                std::to_string(current.attempts + 1)};
  std::optional<domain::Order> order;
  if (!current.order_id.empty()) {
    Result<std::optional<domain::Order>> placed = transaction.FindOrder(current.order_id);
    if (!placed) {
      return placed.error();
    }
    order = std::move(*placed);
  }
  Result<OrderView> view =
      order && order->status == domain::OrderStatus::kFailed
          ? orders_.PayAgain(transaction, PayAgainInput{order->id, state.input, requester})
          : orders_.PlaceRenewal(transaction,
                                 RenewalInput{line->id, plan_id, state.input, requester});
  if (!view) {
    state.refused = view.error();
    return view.error();  // Undoes this command; the failure is recorded below.
  }
  state.attempt_failed = FollowOrder(current, *view, now);
  if (view->order.status == domain::OrderStatus::kPending && view->payment) {
    state.to_charge = view->payment;
  }
  state.job = current;
  return SaveJob(transaction, context_, current, state.attempt_failed, now);
}

Result<void> Scheduler::Attempt(const std::vector<domain::SchedulerJob>& keys,
                                SchedulerReport& report) {
  const Timestamp now = context_.clock->Now();
  std::vector<AttemptState> states(keys.size());
  const std::vector<Result<void>> outcomes =
      RunAll(committer_, keys.size(), [&](size_t i, Transaction& transaction) {
        return AttemptJob(transaction, keys[i], states[i], now);
      });
  for (size_t i = 0; i < keys.size(); ++i) {
    if (Result<void> finished = Isolate(FinishAttempt(keys[i], states[i], outcomes[i], report),
                                        keys[i].line_id, kRenewalWork, report);
        !finished) {
      return finished;
    }
  }
  return Ok();
}

Result<void> Scheduler::FinishAttempt(const domain::SchedulerJob& key, AttemptState& state,
                                      const Result<void>& written, SchedulerReport& report) {
  const Timestamp now = context_.clock->Now();
  if (!written) {
    if (!state.refused || state.refused->reason != written.error().reason ||
        state.refused->code == ErrorCode::kUnavailable ||
        state.refused->code == ErrorCode::kInternal) {
      return written.error();
    }
    // Refused before any money moved (short balance, a card no longer usable, a plan off
    // sale): an attempt that failed.
    Result<void> recorded = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
      state.job.reset();
      Result<std::optional<domain::SchedulerJob>> found =
          transaction.FindSchedulerJob(key.kind, key.line_id, key.period_end);
      if (!found) {
        return found.error();
      }
      if (!found->has_value()) {
        return Ok();
      }
      domain::SchedulerJob current = std::move(**found);
      FailAttempt(current, state.refused->reason, now);
      state.job = current;
      return SaveJob(transaction, context_, current, true, now);
    });
    if (!recorded) {
      return recorded.error();
    }
    if (state.job) {
      Count(*state.job, true, report);
    }
    return Ok();
  }
  if (!state.job) {
    return Ok();
  }
  if (!state.to_charge) {
    Count(*state.job, state.attempt_failed, report);
    return Ok();
  }
  // A saved card: charged outside any transaction; the outcome and the job move together.
  std::optional<domain::SchedulerJob> after;
  bool charge_failed = false;
  Result<OrderView> collected = payments_.Collect(
      *state.to_charge, state.input,
      [&](Transaction& transaction, const OrderView& view) -> Result<void> {
        after.reset();
        Result<std::optional<domain::SchedulerJob>> found =
            transaction.FindSchedulerJob(key.kind, key.line_id, key.period_end);
        if (!found) {
          return found.error();
        }
        if (!found->has_value() || (*found)->status != domain::JobStatus::kRunning) {
          return Ok();
        }
        domain::SchedulerJob current = std::move(**found);
        charge_failed = FollowOrder(current, view, now);
        after = current;
        return SaveJob(transaction, context_, current, charge_failed, now);
      });
  if (!collected) {
    return collected.error();
  }
  Count(after ? *after : *state.job, after && charge_failed, report);
  return Ok();
}

Result<void> Scheduler::Sync(const domain::SchedulerJob& key, SchedulerReport& report) {
  const Timestamp now = context_.clock->Now();
  std::optional<domain::SchedulerJob> job;
  bool attempt_failed = false;
  Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    job.reset();
    attempt_failed = false;
    Result<std::optional<domain::SchedulerJob>> found =
        transaction.FindSchedulerJob(key.kind, key.line_id, key.period_end);
    if (!found) {
      return found.error();
    }
    if (!found->has_value() || (*found)->status != domain::JobStatus::kRunning ||
        (*found)->order_id.empty()) {
      return Ok();
    }
    domain::SchedulerJob current = std::move(**found);
    Result<OrderView> view = orders_.GetOrder(transaction, current.order_id);
    if (!view) {
      return view.error();
    }
    attempt_failed = FollowOrder(current, *view, now);
    job = current;
    return SaveJob(transaction, context_, current, attempt_failed, now);
  });
  if (!written) {
    return written.error();
  }
  if (job && job->status != domain::JobStatus::kRunning) {
    Count(*job, attempt_failed, report);
  }
  return Ok();
}

}  // namespace simkeep::app

namespace simkeep::app {
namespace {

// A scan that has never run starts this far back, so reminders that fell due just before the
// first pass still go out.
constexpr std::chrono::hours kFirstScanLookback{24};

// A deferred payment (konbini, Pay-easy, bank transfer) due at 23:59:59 JST is reminded of at
// about 09:00 JST the day before.
constexpr std::chrono::hours kPaymentDeadlineReminderLead{39};

}  // namespace

Result<void> Scheduler::ScanWindow(
    const std::string& name, Timestamp now,
    const std::function<Result<int>(Timestamp from, Timestamp to, RangeCursor& after)>& page,
    std::vector<std::string>& scanned) {
  std::optional<Timestamp> cursor;
  Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
    Result<std::optional<Timestamp>> found = transaction.FindSchedulerCursor(name);
    if (!found) {
      return found.error();
    }
    cursor = *found;
    return Ok();
  });
  if (!read) {
    return read;
  }
  const Timestamp from = cursor.value_or(now - kFirstScanLookback);
  if (from >= now) {
    return Ok();
  }
  RangeCursor after;
  while (true) {
    Result<int> seen = page(from, now, after);
    if (!seen) {
      return seen.error();
    }
    if (*seen < options_.batch) {
      break;
    }
  }
  scanned.push_back(name);
  return Ok();
}

Result<void> Scheduler::QueueReminders(Timestamp now, SchedulerReport& report) {
  // The scans whose window was queued; their cursors move to `now` together at the end, in one
  // command (a crash before it scans those windows again, which the dedupe keys absorb).
  std::vector<std::string> scanned;
  if (Result<void> queued = QueueReminderScans(now, report, scanned); !queued) {
    return queued;
  }
  if (scanned.empty()) {
    return Ok();
  }
  return committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    for (const std::string& name : scanned) {
      if (Result<void> set = transaction.SetSchedulerCursor(name, now); !set) {
        return set;
      }
    }
    return Ok();
  });
}

Result<void> Scheduler::QueueReminderScans(Timestamp now, SchedulerReport& report,
                                           std::vector<std::string>& scanned) {
  using std::chrono::days;
  using Notice =
      std::function<Result<std::optional<NotificationEvent>>(Transaction&, const domain::Line&)>;
  // Lines in `state` whose validity ends `before(carrier)` after the window (none for a carrier
  // when nullopt): found per carrier by an indexed range read of expires_at in
  // (from + before, to + before], each queued with `notice` (nullopt: not this one) in one
  // command per page, after checking it still stands as found.
  const auto scan_lines =
      [&](const std::string& name, domain::LineState state,
          const std::function<std::optional<std::chrono::seconds>(const domain::Carrier&)>&
              before_for,
          const Notice& notice) -> Result<void> {
    for (const domain::Carrier& carrier : context_.catalog->carriers) {
      const std::optional<std::chrono::seconds> before = before_for(carrier);
      if (!before) {
        continue;
      }
      Result<void> window = ScanWindow(
          name + "." + domain::CarrierCodeName(carrier.code), now,
          [&](Timestamp from, Timestamp to, RangeCursor& after) -> Result<int> {
            if (after.id.empty()) {
              after.at = from + *before;
            }
            std::vector<domain::Line> lines;
            Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
              Result<std::vector<domain::Line>> found = transaction.ListLinesExpiringBetween(
                  state, carrier.code, after, to + *before, options_.batch);
              if (!found) {
                return found.error();
              }
              lines = std::move(*found);
              return Ok();
            });
            if (!read) {
              return read.error();
            }
            if (lines.empty()) {
              return 0;
            }
            int queued = 0;
            Result<void> written =
                committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
                  queued = 0;
                  for (const domain::Line& found : lines) {
                    Result<domain::Line> line = LoadLine(transaction, found.id);
                    if (!line) {
                      return line.error();
                    }
                    if (line->state != state || line->expires_at != found.expires_at) {
                      continue;  // Renewed or moved on since it was found.
                    }
                    Result<std::optional<NotificationEvent>> event = notice(transaction, *line);
                    if (!event) {
                      return event.error();
                    }
                    if (!*event) {
                      continue;
                    }
                    if (Result<void> done =
                            QueueNotification(transaction, context_, *line, **event);
                        !done) {
                      return done;
                    }
                    ++queued;
                  }
                  return Ok();
                });
            if (!written) {
              return written.error();
            }
            report.reminders += queued;
            after.at = *lines.back().expires_at;
            after.id = lines.back().id.value;
            return static_cast<int>(lines.size());
          },
          scanned);
      if (!window) {
        return window;
      }
    }
    return Ok();
  };

  for (const int ahead : domain::kExpiryReminderDays) {
    Result<void> done = scan_lines(
        "reminder.expiry." + std::to_string(ahead) + "d", domain::LineState::kActive,
        [&](const domain::Carrier&) -> std::optional<std::chrono::seconds> { return days(ahead); },
        [&](Transaction& transaction,
            const domain::Line& line) -> Result<std::optional<NotificationEvent>> {
          NotificationEvent event;
          event.period =
              std::to_string(ToMicros(*line.expires_at)) + ":" + std::to_string(ahead) + "d";
          event.args["expires_at"] = FormatRfc3339Jst(*line.expires_at);
          event.args["days"] = std::to_string(ahead);
          Result<std::optional<domain::AutoRenewal>> setting = transaction.FindAutoRenewal(line.id);
          if (!setting) {
            return setting.error();
          }
          const domain::Plan* plan = *setting && (*setting)->enabled
                                         ? context_.catalog->FindPlan((*setting)->plan_id)
                                         : nullptr;
          Result<Money> price =
              plan != nullptr ? domain::PriceAt(*plan, now) : Result<Money>(Money{});
          const Timestamp renew_at =
              domain::AutoRenewalDueAt(*line.expires_at, options_.auto_renewal_lead);
          if (plan != nullptr && renew_at <= now) {
            // Renewing in this very pass (or its next batch): its receipt or its failure speaks.
            return std::optional<NotificationEvent>();
          }
          if (plan != nullptr && price) {
            // "Will renew on D for ¥X" instead of "expires on D".
            event.topic = domain::NotificationTopic::kAutoRenewalUpcoming;
            event.args["plan"] = plan->name;
            event.args["amount_jpy"] = std::to_string(price->minor);
            event.args["renew_at"] = FormatRfc3339Jst(renew_at);
          } else {
            event.topic = domain::NotificationTopic::kExpirySoon;
          }
          return std::optional<NotificationEvent>(std::move(event));
        });
    if (!done) {
      return done;
    }
  }

  // A line in grace is suspended on SuspensionDueAt(expires_at), when its grace period or its
  // keep window (au's 180 days), whichever is longer, has passed. Only days inside that time are
  // reminded of (earlier ones would come before the validity ends, when the expiry reminders
  // speak).
  for (const int ahead : domain::kSuspensionReminderDays) {
    Result<void> done = scan_lines(
        "reminder.suspension." + std::to_string(ahead) + "d", domain::LineState::kGrace,
        [&](const domain::Carrier& carrier) -> std::optional<std::chrono::seconds> {
          const days in_grace = domain::GraceLength(carrier.keep);
          if (in_grace < days(ahead)) {
            return std::nullopt;
          }
          return days(ahead) - in_grace;
        },
        [&](Transaction&, const domain::Line& line) -> Result<std::optional<NotificationEvent>> {
          const domain::Carrier* carrier = context_.catalog->FindCarrier(line.carrier);
          if (carrier == nullptr) {
            return std::optional<NotificationEvent>();
          }
          NotificationEvent event;
          event.topic = domain::NotificationTopic::kSuspensionSoon;
          event.period =
              std::to_string(ToMicros(*line.expires_at)) + ":" + std::to_string(ahead) + "d";
          event.args["expires_at"] = FormatRfc3339Jst(*line.expires_at);
          event.args["suspend_at"] =
              FormatRfc3339Jst(domain::SuspensionDueAt(*line.expires_at, carrier->keep));
          event.args["days"] = std::to_string(ahead);
          return std::optional<NotificationEvent>(std::move(event));
        });
    if (!done) {
      return done;
    }
  }

  // Deferred payments (konbini, Pay-easy, bank transfer) still unpaid the day before their
  // deadline.
  return ScanWindow(
      "reminder.payment_deadline", now,
      [&](Timestamp from, Timestamp to, RangeCursor& after) -> Result<int> {
        if (after.id.empty()) {
          after.at = from + kPaymentDeadlineReminderLead;
        }
        std::vector<domain::Payment> payments;
        Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
          Result<std::vector<domain::Payment>> found = transaction.ListPaymentsDueBetween(
              after, to + kPaymentDeadlineReminderLead, options_.batch);
          if (!found) {
            return found.error();
          }
          payments = std::move(*found);
          return Ok();
        });
        if (!read) {
          return read.error();
        }
        if (payments.empty()) {
          return 0;
        }
        int queued = 0;
        Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
          queued = 0;
          for (const domain::Payment& payment : payments) {
            if (payment.action.kind != domain::PaymentActionKind::kKonbini &&
                payment.action.kind != domain::PaymentActionKind::kPayEasy &&
                payment.action.kind != domain::PaymentActionKind::kBankTransfer) {
              continue;  // A wallet or 3-D Secure: paid there and then, or not at all.
            }
            Result<std::optional<domain::Order>> order = transaction.FindOrder(payment.order_id);
            if (!order) {
              return order.error();
            }
            if (!*order) {
              continue;
            }
            Result<std::optional<domain::Line>> line = transaction.FindLine((*order)->line_id);
            if (!line) {
              return line.error();
            }
            if (!*line) {
              continue;
            }
            NotificationEvent event;
            event.topic = domain::NotificationTopic::kPaymentDeadline;
            event.period = payment.id.value;
            event.args["deadline_at"] = FormatRfc3339Jst(*payment.action.expires_at);
            event.args["amount_jpy"] = std::to_string(payment.amount_jpy);
            event.args["method"] = domain::PaymentMethodName(payment.method);
            event.args["payment_number"] = payment.action.payment_number;
            if (Result<void> done = QueueNotification(transaction, context_, **line, event);
                !done) {
              return done;
            }
            ++queued;
          }
          return Ok();
        });
        if (!written) {
          return written.error();
        }
        report.reminders += queued;
        after.at = *payments.back().action.expires_at;
        after.id = payments.back().id.value;
        return static_cast<int>(payments.size());
      },
      scanned);
}

}  // namespace simkeep::app
