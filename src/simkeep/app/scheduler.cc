#include "simkeep/app/scheduler.h"

#include <optional>
#include <string>

#include "simkeep/app/limits.h"
#include "simkeep/app/line_service.h"
#include "simkeep/domain/lifecycle.h"
#include "simkeep/domain/payment.h"

namespace simkeep::app {
namespace {

constexpr std::string_view kAutoRenewalKind = "auto_renewal";

Result<void> RecordJobEvent(Transaction& transaction, IdGenerator& ids,
                            const domain::SchedulerJob& job, std::string kind, Timestamp now) {
  domain::LineEvent event{EventId{ids.Next("ev")},
                          job.line_id,
                          std::move(kind),
                          std::nullopt,
                          std::nullopt,
                          job.reason,
                          job.order_id,
                          now};
  return transaction.InsertLineEvent(event);
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
Result<void> SaveJob(Transaction& transaction, IdGenerator& ids, const domain::SchedulerJob& job,
                     bool attempt_failed, Timestamp now) {
  if (Result<void> updated = transaction.UpdateSchedulerJob(job); !updated) {
    return updated;
  }
  if (attempt_failed) {
    return RecordJobEvent(transaction, ids, job, "auto_renewal_failed", now);
  }
  if (job.status == domain::JobStatus::kSkipped) {
    return RecordJobEvent(transaction, ids, job, "auto_renewal_skipped", now);
  }
  return Ok();
}

void Count(const domain::SchedulerJob& job, bool attempt_failed, SchedulerReport& report) {
  if (attempt_failed) {
    ++report.failed;
    report.gave_up += job.status == domain::JobStatus::kFailed ? 1 : 0;
    return;
  }
  switch (job.status) {
    case domain::JobStatus::kDone:
      ++report.renewed;
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
  for (const domain::SchedulerJob& job : running) {
    // No order: the process stopped between creating the job and placing its order.
    Result<void> done = job.order_id.empty() ? Attempt(job, report) : Sync(job, report);
    if (!done) {
      return done.error();
    }
  }
  for (const domain::SchedulerJob& job : retrying) {
    if (Result<void> done = Attempt(job, report); !done) {
      return done.error();
    }
  }
  for (const DueAutoRenewal& renewal : due) {
    if (Result<void> done = Start(renewal, report); !done) {
      return done.error();
    }
  }
  if (Result<void> advanced = AdvanceLifecycles(now, report); !advanced) {
    return advanced.error();
  }
  return report;
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
  for (const domain::Line& found : lines) {
    const domain::Carrier* carrier = context_.catalog->FindCarrier(found.carrier);
    if (carrier == nullptr) {
      continue;
    }
    int steps = 0;
    Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
      steps = 0;
      Result<domain::Line> line = LoadLine(transaction, found.id);
      if (!line) {
        return line.error();
      }
      while (std::optional<domain::LifecycleStep> step =
                 domain::NextLifecycleStep(line->state, line->expires_at, carrier->keep, now)) {
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
        ++steps;
      }
      return steps > 0 ? transaction.UpdateLine(*line) : Ok();
    });
    if (!written) {
      return written.error();
    }
    report.lifecycle += steps > 0 ? 1 : 0;
  }
  return Ok();
}

Result<void> Scheduler::Start(const DueAutoRenewal& due, SchedulerReport& report) {
  const Timestamp now = context_.clock->Now();
  std::optional<domain::SchedulerJob> created;
  Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    created.reset();
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
    const domain::Plan* plan = context_.catalog->FindPlan((*setting)->plan_id);
    Result<Money> price = plan != nullptr
                              ? domain::PriceAt(*plan, now)
                              : Result<Money>(NotFound("plan_not_found", "The plan is gone."));
    Result<void> allowed = Ok();
    if (price) {
      job.amount_jpy = price->minor;
      Result<int64_t> charged = transaction.SumAutoRenewalCharges(
          line->id, domain::JstMonthStart(now), domain::JstNextMonthStart(now));
      if (!charged) {
        return charged.error();
      }
      allowed = domain::CheckMonthlyCap(*charged, price->minor, (*setting)->monthly_cap_jpy);
    } else {
      allowed = price.error();
    }
    if (!allowed) {
      job.status = domain::JobStatus::kSkipped;
      job.amount_jpy = 0;
      job.reason = allowed.error().reason;
    }
    if (Result<void> inserted = transaction.InsertSchedulerJob(job); !inserted) {
      return inserted;
    }
    if (job.status == domain::JobStatus::kSkipped) {
      if (Result<void> event =
              RecordJobEvent(transaction, *context_.ids, job, "auto_renewal_skipped", now);
          !event) {
        return event;
      }
    }
    created = job;
    return Ok();
  });
  if (!written) {
    return written.error();
  }
  if (!created) {
    return Ok();
  }
  ++report.started;
  if (created->status == domain::JobStatus::kSkipped) {
    ++report.skipped;
    return Ok();
  }
  return Attempt(*created, report);
}

Result<void> Scheduler::Attempt(const domain::SchedulerJob& key, SchedulerReport& report) {
  const Timestamp now = context_.clock->Now();
  std::optional<domain::SchedulerJob> job;
  std::optional<domain::Payment> to_charge;
  std::optional<Error> refused;
  PaymentInput input;
  bool attempt_failed = false;
  Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    job.reset();
    to_charge.reset();
    refused.reset();
    attempt_failed = false;
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
    Result<std::optional<domain::AutoRenewal>> setting =
        transaction.FindAutoRenewal(current.line_id);
    if (!setting) {
      return setting.error();
    }
    if (line->expires_at != current.period_end || !setting->has_value() || !(*setting)->enabled) {
      current.status = domain::JobStatus::kSkipped;
      current.next_attempt_at.reset();
      current.reason =
          line->expires_at != current.period_end ? "renewed_otherwise" : "auto_renewal_off";
      current.updated_at = now;
      job = current;
      return SaveJob(transaction, *context_.ids, current, false, now);
    }
    input = PayWith(std::string(domain::kPayFromBalance));
    if ((*setting)->payment_method_id != domain::kPayFromBalance) {
      input = PayWith("card");
      input.saved_method_id = SavedMethodId{(*setting)->payment_method_id};
    }
    const Requester requester{"scheduler", domain::Channel::kApi,
                              "scheduler:" + domain::AutoRenewalKey(line->id, current.period_end) +
                                  "#" + std::to_string(current.attempts + 1)};
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
            ? orders_.PayAgain(transaction, PayAgainInput{order->id, input, requester})
            : orders_.PlaceRenewal(transaction,
                                   RenewalInput{line->id, (*setting)->plan_id, input, requester});
    if (!view) {
      refused = view.error();
      return view.error();  // Undoes this command; the failure is recorded below.
    }
    attempt_failed = FollowOrder(current, *view, now);
    if (view->order.status == domain::OrderStatus::kPending && view->payment) {
      to_charge = view->payment;
    }
    job = current;
    return SaveJob(transaction, *context_.ids, current, attempt_failed, now);
  });
  if (!written) {
    if (!refused || refused->reason != written.error().reason ||
        refused->code == ErrorCode::kUnavailable || refused->code == ErrorCode::kInternal) {
      return written.error();
    }
    // Refused before any money moved (short balance, a card no longer usable, a plan off
    // sale): an attempt that failed.
    Result<void> recorded = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
      job.reset();
      Result<std::optional<domain::SchedulerJob>> found =
          transaction.FindSchedulerJob(key.kind, key.line_id, key.period_end);
      if (!found) {
        return found.error();
      }
      if (!found->has_value()) {
        return Ok();
      }
      domain::SchedulerJob current = std::move(**found);
      FailAttempt(current, refused->reason, now);
      job = current;
      return SaveJob(transaction, *context_.ids, current, true, now);
    });
    if (!recorded) {
      return recorded.error();
    }
    if (job) {
      Count(*job, true, report);
    }
    return Ok();
  }
  if (!job) {
    return Ok();
  }
  if (!to_charge) {
    Count(*job, attempt_failed, report);
    return Ok();
  }
  // A saved card: charged outside any transaction; the outcome and the job move together.
  std::optional<domain::SchedulerJob> after;
  bool charge_failed = false;
  Result<OrderView> collected = payments_.Collect(
      *to_charge, input, [&](Transaction& transaction, const OrderView& view) -> Result<void> {
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
        return SaveJob(transaction, *context_.ids, current, charge_failed, now);
      });
  if (!collected) {
    return collected.error();
  }
  Count(after ? *after : *job, after && charge_failed, report);
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
    return SaveJob(transaction, *context_.ids, current, attempt_failed, now);
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
