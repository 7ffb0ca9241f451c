#include "simkeep/app/payment_coordinator.h"

#include <chrono>
#include <memory>

#include "simkeep/app/ledger_writer.h"
#include "simkeep/app/limits.h"
#include "simkeep/base/time.h"

namespace simkeep::app {

Result<OrderView> PaymentCoordinator::Record(const PaymentId& payment_id,
                                             const ChargeOutcome& outcome,
                                             const OutcomeHook& hook) {
  std::optional<OrderView> view;
  Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    view.reset();  // The committer may run a command twice.
    Result<OrderView> applied = orders_.ApplyChargeOutcome(transaction, payment_id, outcome);
    if (!applied) {
      return applied.error();
    }
    const OutcomeHook& run = hook ? hook : outcome_hook_;
    if (run) {
      if (Result<void> hooked = run(transaction, *applied); !hooked) {
        return hooked;
      }
    }
    view = std::move(*applied);
    return Ok();
  });
  if (!written) {
    return written.error();
  }
  return std::move(*view);
}

Result<std::optional<domain::Payment>> PaymentCoordinator::LoadPayment(const PaymentId& id) {
  std::optional<domain::Payment> payment;
  Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
    Result<std::optional<domain::Payment>> found = transaction.FindPayment(id);
    if (!found) {
      return found.error();
    }
    payment = std::move(*found);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  return payment;
}

Result<OrderView> PaymentCoordinator::Collect(const domain::Payment& payment,
                                              const PaymentInput& input, const OutcomeHook& hook) {
  // The first answer completes the request's key whatever it is, so that a retry replays it
  // (a waiting payment's numbers included) instead of waiting for the outcome.
  if (payment.saved_method_id.empty()) {
    return Record(payment.id, orders_.Charge(payment, input), hook);
  }
  // A saved card: its token, read now (it never travels with the request).
  std::optional<domain::SavedPaymentMethod> saved;
  Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
    Result<std::optional<domain::SavedPaymentMethod>> found =
        transaction.FindSavedMethod(payment.saved_method_id);
    if (!found) {
      return found.error();
    }
    saved = std::move(*found);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  if (!saved || saved->status != domain::SavedMethodStatus::kActive) {
    // Removed between the order and its charge: nothing is sent to the provider.
    ChargeOutcome refused;
    refused.status = ChargeStatus::kFailed;
    refused.failure_reason = "saved_method_unavailable";
    return Record(payment.id, refused, hook);
  }
  PaymentInput with_token = input;
  with_token.saved_method_token = saved->token;
  return Record(payment.id, orders_.Charge(payment, with_token), hook);
}

Result<domain::SavedPaymentMethod> PaymentCoordinator::RecordSave(const SavedMethodId& id,
                                                                  const SaveMethodOutcome& outcome,
                                                                  const SaveHook& hook) {
  std::optional<domain::SavedPaymentMethod> recorded;
  Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    recorded.reset();
    Result<domain::SavedPaymentMethod> applied = orders_.ApplySaveOutcome(transaction, id, outcome);
    if (!applied) {
      return applied.error();
    }
    const SaveHook& run = hook ? hook : save_hook_;
    if (run) {
      if (Result<void> hooked = run(transaction, *applied); !hooked) {
        return hooked;
      }
    }
    recorded = std::move(*applied);
    return Ok();
  });
  if (!written) {
    return written.error();
  }
  return std::move(*recorded);
}

Result<domain::SavedPaymentMethod> PaymentCoordinator::FinishSave(
    const domain::SavedPaymentMethod& saved, const SaveMethodInput& input, const SaveHook& hook) {
  return RecordSave(saved.id, orders_.TokenizeMethod(saved, input), hook);
}

Result<void> PaymentCoordinator::Forget(const domain::SavedPaymentMethod& saved) {
  if (saved.token.empty() || saved.provider != provider_.name()) {
    return Ok();  // Nothing held, or held by a provider this instance does not run.
  }
  if (Result<void> forgotten = provider_.ForgetMethod(saved.token); !forgotten) {
    return forgotten;
  }
  return committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    return orders_.ClearSavedMethodToken(transaction, saved.id);
  });
}

Result<OrderView> PaymentCoordinator::Refresh(const PaymentId& id) {
  Result<std::optional<domain::Payment>> payment = LoadPayment(id);
  if (!payment) {
    return payment.error();
  }
  if (!payment->has_value()) {
    return NotFound("payment_not_found", "No payment " + id.value + " exists.");
  }
  if (!domain::ThroughProvider((*payment)->method) || (*payment)->provider != provider_.name()) {
    // Nothing to ask: settled by simkeep itself, or by a provider this instance does not run.
    return Record(id, ChargeOutcome{});
  }
  return Record(id, provider_.Retrieve(**payment));
}

Result<bool> PaymentCoordinator::HandleWebhook(const std::map<std::string, std::string>& headers,
                                               std::string_view body) {
  const Timestamp now = clock_.Now();
  Result<WebhookDelivery> delivery = provider_.VerifyWebhook(headers, body, now);
  if (!delivery) {
    return delivery.error();
  }
  StoredWebhook stored{std::string(provider_.name()), delivery->delivery_id, delivery->event_type,
                       delivery->payment_id,          std::string(body),     now};
  bool fresh = true;
  Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    fresh = true;
    Result<void> inserted = transaction.InsertWebhookDelivery(stored);
    if (!inserted && inserted.error().reason == "webhook_delivery_exists") {
      fresh = false;
      return Ok();
    }
    return inserted;
  });
  if (!written) {
    return written.error();
  }
  if (delivery->payment_id.empty()) {
    return fresh;
  }
  // A delivery seen before refreshes too: if the first one's refresh failed, the provider's
  // retry is what brings the payment up to date. Recording is idempotent either way.
  // The outcome comes from the provider, asked now, never from the body: a delivery replayed,
  // delayed or out of order cannot move the payment backwards or pay it twice.
  Result<OrderView> refreshed = Refresh(delivery->payment_id);
  if (!refreshed && refreshed.error().code != ErrorCode::kNotFound) {
    return refreshed.error();
  }
  return fresh;
}

Result<OrderView> PaymentCoordinator::Simulate(const PaymentId& id, ChargeStatus outcome) {
  Result<std::optional<domain::Payment>> payment = LoadPayment(id);
  if (!payment) {
    return payment.error();
  }
  if (!payment->has_value()) {
    return NotFound("payment_not_found", "No payment " + id.value + " exists.");
  }
  if (Result<void> simulated = provider_.Simulate(id, outcome); !simulated) {
    return simulated.error();
  }
  return Refresh(id);
}

Result<RefundView> PaymentCoordinator::Refund(const RefundInput& input, const RefundHook& then) {
  std::optional<RefundView> started;
  Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    started.reset();
    Result<RefundView> view = orders_.StartRefund(transaction, input);
    if (!view) {
      return view.error();
    }
    started = std::move(*view);
    return Ok();
  });
  if (!written) {
    return written.error();
  }
  return FinishRefund(started->refund, then);
}

Result<RefundView> PaymentCoordinator::FinishRefund(const domain::Refund& refund,
                                                    const RefundHook& then) {
  Result<std::optional<domain::Payment>> payment = LoadPayment(refund.payment_id);
  if (!payment) {
    return payment.error();
  }
  SIMKEEP_ASSERT(payment->has_value());
  const RefundOutcome outcome =
      provider_.Refund(RefundRequest{refund.id, **payment, refund.amount_jpy, refund.reason});
  std::optional<RefundView> recorded;
  Result<void> written = committer_.RunAndWait([&](Transaction& transaction) -> Result<void> {
    recorded.reset();
    Result<RefundView> view = orders_.ApplyRefundOutcome(transaction, refund.id, outcome);
    if (!view) {
      return view.error();
    }
    if (then) {
      if (Result<void> hooked = then(transaction, *view); !hooked) {
        return hooked;
      }
    }
    recorded = std::move(*view);
    return Ok();
  });
  if (!written) {
    return written.error();
  }
  return std::move(*recorded);
}

namespace {

// What the ledger moved out of `clearing` for `reference`, net of transfers back into it.
int64_t MovedFrom(const std::vector<ledger::Transfer>& transfers, const AccountId& clearing) {
  int64_t moved = 0;
  for (const ledger::Transfer& transfer : transfers) {
    if (transfer.debit_account_id == clearing) {
      moved += transfer.amount.minor;
    } else if (transfer.credit_account_id == clearing) {
      moved -= transfer.amount.minor;
    }
  }
  return moved;
}

}  // namespace

Result<ReconciliationReport> PaymentCoordinator::Reconcile(std::chrono::year_month_day date) {
  const Timestamp from = JstStartOfDay(date);
  const Timestamp to = JstStartOfDay(
      std::chrono::year_month_day{std::chrono::sys_days{date} + std::chrono::days{1}});
  Result<std::vector<ProviderPayment>> collected = provider_.ListPayments(from, to);
  if (!collected) {
    return collected.error();
  }
  ReconciliationReport report;
  report.provider = std::string(provider_.name());
  report.date = FormatIsoDate(date);
  const AccountId clearing = ProviderClearingAccount(provider_.name());
  std::map<domain::PaymentMethod, ReconciliationTotal> totals;
  const auto total = [&](domain::PaymentMethod method) -> ReconciliationTotal& {
    ReconciliationTotal& entry = totals[method];
    entry.method = method;
    return entry;
  };
  // Recorded as collected that day, but not in the provider's list for it: each is asked about
  // (collected just before midnight and recorded after it is no mismatch).
  std::vector<std::pair<domain::Payment, int64_t>> unmatched;
  Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
    // The ledger's side of one payment: what it moved, and the refunds that succeeded.
    struct LedgerSide {
      int64_t moved = 0;
      int64_t refunded = 0;
    };
    const auto ledger_side = [&](const domain::Payment& payment) -> Result<LedgerSide> {
      LedgerSide side;
      Result<std::vector<ledger::Transfer>> transfers =
          transaction.ListTransfersByReference(payment.order_id.value);
      if (!transfers) {
        return transfers.error();
      }
      side.moved = MovedFrom(*transfers, clearing);
      Result<std::vector<domain::Refund>> refunds = transaction.ListRefunds(payment.id);
      if (!refunds) {
        return refunds.error();
      }
      for (const domain::Refund& refund : *refunds) {
        if (refund.status == domain::RefundStatus::kSucceeded) {
          side.refunded += refund.amount_jpy;
        }
      }
      return side;
    };
    std::map<PaymentId, const ProviderPayment*> at_provider;
    for (const ProviderPayment& payment : *collected) {
      at_provider[payment.payment_id] = &payment;
      ReconciliationTotal& entry = total(payment.method);
      ++entry.provider_count;
      entry.provider_jpy += payment.amount_jpy;
      entry.provider_refunded_jpy += payment.refunded_jpy;
    }
    Result<std::vector<domain::Payment>> recorded =
        transaction.ListPaymentsSucceededBetween(from, to);
    if (!recorded) {
      return recorded.error();
    }
    std::map<PaymentId, const domain::Payment*> in_ledger;
    for (const domain::Payment& payment : *recorded) {
      if (payment.provider != provider_.name()) {
        continue;  // Cash, balance, or another provider's.
      }
      in_ledger[payment.id] = &payment;
      Result<LedgerSide> side = ledger_side(payment);
      if (!side) {
        return side.error();
      }
      ReconciliationTotal& entry = total(payment.method);
      ++entry.ledger_count;
      entry.ledger_jpy += side->moved;
      entry.ledger_refunded_jpy += side->refunded;
      auto found = at_provider.find(payment.id);
      if (found == at_provider.end()) {
        unmatched.emplace_back(payment, side->moved);  // Asked about below, outside the read.
        continue;
      }
      const ProviderPayment& theirs = *found->second;
      if (theirs.amount_jpy != payment.amount_jpy || side->moved != payment.amount_jpy) {
        report.mismatches.push_back({"amount_mismatch", payment.id, payment.method,
                                     theirs.amount_jpy, side->moved,
                                     "payment " + std::to_string(payment.amount_jpy) +
                                         " yen, provider " + std::to_string(theirs.amount_jpy) +
                                         " yen, ledger " + std::to_string(side->moved) + " yen"});
      }
      if (theirs.refunded_jpy != side->refunded) {
        report.mismatches.push_back(
            {"refund_mismatch", payment.id, payment.method, theirs.refunded_jpy, side->refunded,
             "provider refunded " + std::to_string(theirs.refunded_jpy) + " yen, simkeep " +
                 std::to_string(side->refunded) + " yen"});
      }
    }
    for (const ProviderPayment& theirs : *collected) {
      if (in_ledger.count(theirs.payment_id) > 0) {
        continue;
      }
      Result<std::optional<domain::Payment>> ours = transaction.FindPayment(theirs.payment_id);
      if (!ours) {
        return ours.error();
      }
      const bool recorded_paid = ours->has_value() && (*ours)->succeeded_at.has_value() &&
                                 (*ours)->amount_jpy == theirs.amount_jpy;
      if (!recorded_paid) {
        report.mismatches.push_back(
            {"missing_in_ledger", theirs.payment_id, theirs.method, theirs.amount_jpy, 0,
             ours->has_value() ? std::string("simkeep has the payment as ") +
                                     domain::PaymentStatusName((*ours)->status)
                               : std::string("simkeep has no such payment")});
      }
    }
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  for (const auto& [payment, moved] : unmatched) {
    const ChargeOutcome outcome = provider_.Retrieve(payment);
    if (outcome.status != ChargeStatus::kSucceeded) {
      report.mismatches.push_back({"missing_at_provider", payment.id, payment.method, 0, moved,
                                   "the provider holds no collection for this payment"});
    }
  }
  for (auto& [method, entry] : totals) {
    report.totals.push_back(entry);
  }
  return report;
}

Result<PaymentSweepReport> PaymentCoordinator::Sweep() {
  PaymentSweepReport report;
  const Timestamp now = clock_.Now();
  std::vector<domain::Payment> pending;
  std::vector<domain::Payment> due;
  std::vector<domain::Refund> refunds;
  std::vector<domain::SavedPaymentMethod> saves;
  const Timestamp asked_before = now - std::chrono::milliseconds(kPaymentReconcileAfterMs);
  Result<void> read = reads_.Read([&](Transaction& transaction) -> Result<void> {
    Result<std::vector<domain::Payment>> found =
        transaction.ListPendingPayments(kPaymentSweepBatch);
    if (!found) {
      return found.error();
    }
    pending = std::move(*found);
    Result<std::vector<domain::Payment>> past =
        transaction.ListPaymentsDue(now, kPaymentSweepBatch);
    if (!past) {
      return past.error();
    }
    due = std::move(*past);
    Result<std::vector<domain::Refund>> open = transaction.ListPendingRefunds(kPaymentSweepBatch);
    if (!open) {
      return open.error();
    }
    refunds = std::move(*open);
    Result<std::vector<domain::SavedPaymentMethod>> unsettled =
        transaction.ListSavedMethodsToSettle(asked_before, kPaymentSweepBatch);
    if (!unsettled) {
      return unsettled.error();
    }
    saves = std::move(*unsettled);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  for (const domain::Payment& payment : pending) {
    if (payment.created_at > asked_before || payment.provider != provider_.name()) {
      continue;  // Its charge call may still be in flight; or another provider's.
    }
    const ChargeOutcome outcome = provider_.Retrieve(payment);
    if (outcome.status == ChargeStatus::kUnknown) {
      ++report.unknown;
      continue;
    }
    Result<OrderView> recorded = Record(payment.id, outcome);
    if (!recorded) {
      return recorded.error();
    }
    ++report.asked;
    report.settled += outcome.status == ChargeStatus::kSucceeded ? 1 : 0;
  }
  for (const domain::Payment& payment : due) {
    if (payment.provider != provider_.name()) {
      continue;
    }
    // Withdrawn at the provider first, so that it can no longer be paid; if the customer paid
    // in the meantime, the order completes instead.
    const ChargeOutcome outcome = provider_.Cancel(payment);
    if (outcome.status == ChargeStatus::kUnknown) {
      ++report.unknown;
      continue;
    }
    Result<OrderView> recorded = Record(payment.id, outcome);
    if (!recorded) {
      return recorded.error();
    }
    if (outcome.status == ChargeStatus::kSucceeded) {
      ++report.settled;
    } else {
      ++report.expired;
    }
  }
  for (const domain::Refund& refund : refunds) {
    if (refund.created_at > asked_before) {
      continue;  // Its provider call may still be in flight.
    }
    Result<RefundView> finished = FinishRefund(refund);
    if (!finished) {
      return finished.error();
    }
    if (finished->refund.status == domain::RefundStatus::kPending) {
      ++report.unknown;
    } else {
      ++report.refunds;
    }
  }
  for (const domain::SavedPaymentMethod& saved : saves) {
    if (saved.status == domain::SavedMethodStatus::kPending) {
      // The request that started it ended without an answer, and the card is gone with it:
      // the save fails, and the customer saves the card again.
      SaveMethodOutcome interrupted;
      interrupted.status = SaveStatus::kFailed;
      interrupted.failure_reason = "save_interrupted";
      Result<domain::SavedPaymentMethod> recorded = RecordSave(saved.id, interrupted);
      if (!recorded) {
        return recorded.error();
      }
      ++report.saved_methods;
    } else if (Result<void> forgotten = Forget(saved); forgotten) {
      ++report.saved_methods;
    } else if (forgotten.error().code == ErrorCode::kUnavailable) {
      ++report.unknown;
    } else {
      return forgotten.error();
    }
  }
  return report;
}

}  // namespace simkeep::app
