#include "simkeep/app/usage_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "simkeep/app/auto_renewal_service.h"
#include "simkeep/app/ledger_writer.h"
#include "simkeep/app/outbox.h"
#include "simkeep/base/time.h"
#include "simkeep/domain/identifiers.h"

namespace simkeep::app {
namespace {

// A record ready to apply: checked, not a duplicate, its line found.
struct Pending {
  domain::UsageRecord record;
  size_t line = 0;  // Index into the batch's lines.
};

// The key a record names its line by ("id:", "msisdn:", "iccid:", "imsi:" + value), or an error.
Result<std::string> LineKeyOf(const UsageInput& input) {
  const int named = (input.line_id.empty() ? 0 : 1) + (input.msisdn.empty() ? 0 : 1) +
                    (input.iccid.empty() ? 0 : 1) + (input.imsi.empty() ? 0 : 1);
  if (named != 1) {
    return InvalidArgument("line_ref_invalid",
                           "A record names its line by exactly one of line_id, msisdn, iccid or "
                           "imsi.");
  }
  if (!input.line_id.empty()) {
    return "id:" + input.line_id;
  }
  if (!input.msisdn.empty()) {
    Result<domain::Msisdn> msisdn = domain::ParseMsisdn(input.msisdn);
    if (!msisdn) {
      return msisdn.error();
    }
    return "msisdn:" + msisdn->e164;
  }
  if (!input.iccid.empty()) {
    Result<domain::Iccid> iccid = domain::ParseIccid(input.iccid, domain::IccidSource::kUpstream);
    if (!iccid) {
      return iccid.error();
    }
    return "iccid:" + iccid->digits;
  }
  Result<domain::Imsi> imsi = domain::ParseImsi(input.imsi);
  if (!imsi) {
    return imsi.error();
  }
  return "imsi:" + imsi->digits;
}

// The record an input describes, its line left to the caller.
Result<domain::UsageRecord> RecordOf(const UsageInput& input) {
  domain::UsageRecord record;
  record.record_id = input.record_id;
  std::optional<domain::UsageKind> kind = domain::ParseUsageKind(input.kind);
  if (!kind) {
    return InvalidArgument("usage_kind_invalid", "kind must be data, voice or sms.");
  }
  record.kind = *kind;
  record.quantity = input.quantity;
  std::optional<Timestamp> start = ParseRfc3339(input.start);
  std::optional<Timestamp> end = ParseRfc3339(input.end);
  if (!start || !end) {
    return InvalidArgument("time_invalid", "start and end must be RFC 3339 times.");
  }
  record.start = *start;
  record.end = *end;
  record.rating_group = input.rating_group;
  return record;
}

Result<std::optional<domain::Line>> FindByKey(Transaction& transaction, const std::string& key) {
  const size_t colon = key.find(':');
  const std::string_view kind = std::string_view(key).substr(0, colon);
  const std::string value = key.substr(colon + 1);
  if (kind == "id") {
    return transaction.FindLine(LineId{value});
  }
  if (kind == "msisdn") {
    return transaction.FindLineByMsisdn(value);
  }
  if (kind == "iccid") {
    return transaction.FindLineByIccid(value);
  }
  return transaction.FindLineByImsi(value);
}

// The line's UsageState with its usage days from `from_day` to `to_day`.
Result<domain::UsageState> LoadState(Transaction& transaction, const LineId& line_id,
                                     std::vector<domain::Bucket> buckets, Timestamp from_day,
                                     Timestamp to_day, std::optional<domain::LineUsage>& stored,
                                     std::vector<domain::UsageDay>* days_read = nullptr) {
  domain::UsageState state;
  state.buckets = std::move(buckets);
  Result<std::optional<domain::LineUsage>> usage = transaction.FindLineUsage(line_id);
  if (!usage) {
    return usage.error();
  }
  stored = std::move(*usage);
  if (stored) {
    state.overage_bytes = stored->overage_bytes;
    state.overage_since = stored->overage_since;
    state.sms_tenths_carry = stored->sms_tenths_carry;
  }
  Result<std::vector<domain::UsageDay>> days = transaction.ListUsageDays(line_id, from_day, to_day);
  if (!days) {
    return days.error();
  }
  for (const domain::UsageDay& day : *days) {
    state.daily[{day.day, day.kind}] = day.units;
  }
  if (days_read != nullptr) {
    *days_read = std::move(*days);
  }
  domain::NoteDataGrants(state);
  return state;
}

// "throttled", "blocked" or "restored": what a change of speed from `before` to `after` is.
const char* SpeedChange(std::optional<int> after) {
  if (!after) {
    return "restored";
  }
  return *after == 0 ? "blocked" : "throttled";
}

// Records the line's new data speed as a "speed_changed" event and tells the holder and the
// systems subscribed to line.throttle_changed.
Result<void> RecordSpeedChange(Transaction& transaction, const ServiceContext& context,
                               const domain::Line& line, std::optional<int> speed, Timestamp now) {
  const domain::LineEvent event{EventId{context.ids->Next("ev")},
                                line.id,
                                "speed_changed",
                                std::nullopt,
                                std::nullopt,
                                SpeedChange(speed),
                                OrderId{},
                                now};
  if (Result<void> inserted = transaction.InsertLineEvent(event); !inserted) {
    return inserted;
  }
  NotificationEvent notice{domain::NotificationTopic::kThrottleChanged, event.id.value, {}};
  notice.args["state"] = SpeedChange(speed);
  notice.args["speed_kbps"] = speed ? std::to_string(*speed) : std::string();
  return QueueNotification(transaction, context, line, notice);
}

// When the line's data left fell below its holder's threshold between `before` and `after`:
// a "data_low" event, and the holder and the systems subscribed to line.data_low told.
Result<void> NoteDataLeft(Transaction& transaction, const ServiceContext& context,
                          const domain::Line& line, int64_t before, int64_t after, Timestamp now) {
  if (after >= before) {
    return Ok();
  }
  Result<std::optional<domain::NotificationSettings>> settings =
      transaction.FindNotificationSettings(line.id);
  if (!settings) {
    return settings.error();
  }
  if (!*settings || !(*settings)->data_low_bytes ||
      !domain::FellBelow(before, after, *(*settings)->data_low_bytes)) {
    return Ok();
  }
  const domain::LineEvent event{EventId{context.ids->Next("ev")},
                                line.id,
                                "data_low",
                                std::nullopt,
                                std::nullopt,
                                "threshold_crossed",
                                OrderId{},
                                now};
  if (Result<void> inserted = transaction.InsertLineEvent(event); !inserted) {
    return inserted;
  }
  NotificationEvent notice{domain::NotificationTopic::kDataLow, event.id.value, {}};
  notice.args["remaining_bytes"] = std::to_string(after);
  notice.args["threshold_bytes"] = std::to_string(*(*settings)->data_low_bytes);
  return QueueNotification(transaction, context, line, notice);
}

// Charges what `line`'s records rated to its wallet: the charge, its transfers, and an event
// when the wallet could not pay it all.
Result<void> ChargeWallet(Transaction& transaction, const ServiceContext& context,
                          const domain::Line& line, const domain::Plan& plan, int64_t rated_jpy,
                          int64_t records, Timestamp now, UsageReport& report) {
  Result<int64_t> balance = WalletBalance(transaction, line.wallet_account_id);
  if (!balance) {
    return balance.error();
  }
  domain::UsageCharge charge = domain::ChargeUsage(rated_jpy, *balance, plan.tax_rate_percent);
  charge.charge_id = context.ids->Next("uc");
  charge.line_id = line.id;
  charge.records = records;
  charge.created_at = now;
  if (Result<void> inserted = transaction.InsertUsageCharge(charge); !inserted) {
    return inserted;
  }
  std::vector<ledger::Transfer> transfers;
  if (charge.charged_jpy - charge.tax_jpy > 0) {
    transfers.push_back(MakeTransfer(*context.ids, line.wallet_account_id, kRevenueAccount,
                                     charge.charged_jpy - charge.tax_jpy, "usage", charge.charge_id,
                                     now));
  }
  if (charge.tax_jpy > 0) {
    transfers.push_back(MakeTransfer(*context.ids, line.wallet_account_id, kTaxPayableAccount,
                                     charge.tax_jpy, "tax", charge.charge_id, now));
  }
  if (Result<void> posted = PostTransfers(transaction, transfers, now); !posted) {
    return posted;
  }
  report.charged_jpy += charge.charged_jpy;
  const int64_t unpaid = charge.rated_jpy - charge.charged_jpy;
  if (unpaid == 0) {
    return Ok();
  }
  report.unpaid_jpy += unpaid;
  const domain::LineEvent event{EventId{context.ids->Next("ev")},
                                line.id,
                                "usage_charge_unpaid",
                                std::nullopt,
                                std::nullopt,
                                "wallet_empty",
                                OrderId{},
                                now};
  return transaction.InsertLineEvent(event);
}

// When the line's data left fell below its automatic top-up threshold between `before` and
// `after`: an auto_topup job keyed by this instant, running (the scheduler's next pass buys the
// topping) or, over the monthly cap, skipped with an "auto_topup_skipped" event.
Result<void> QueueAutoTopup(Transaction& transaction, const ServiceContext& context,
                            const domain::Line& line, int64_t before, int64_t after,
                            Timestamp now) {
  if (after >= before) {
    return Ok();
  }
  Result<std::optional<domain::AutoRenewal>> setting = transaction.FindAutoRenewal(line.id);
  if (!setting) {
    return setting.error();
  }
  if (!*setting || !domain::HasAutoTopup(**setting) ||
      !domain::FellBelow(before, after, *(*setting)->topup_below_bytes)) {
    return Ok();
  }
  Result<std::optional<domain::SchedulerJob>> existing =
      transaction.FindSchedulerJob(domain::kAutoTopupJob, line.id, now);
  if (!existing) {
    return existing.error();
  }
  if (*existing) {
    return Ok();  // A crossing at this very instant has its job already.
  }
  Result<AutomaticCharge> charge =
      PriceWithinCap(transaction, *context.catalog, line.id, (*setting)->topup_plan_id,
                     (*setting)->monthly_cap_jpy, now);
  if (!charge) {
    return charge.error();
  }
  domain::SchedulerJob job;
  job.kind = std::string(domain::kAutoTopupJob);
  job.line_id = line.id;
  job.period_end = now;
  job.status =
      charge->skipped_reason.empty() ? domain::JobStatus::kRunning : domain::JobStatus::kSkipped;
  job.amount_jpy = charge->price_jpy;
  job.reason = charge->skipped_reason;
  job.created_at = now;
  job.updated_at = now;
  if (Result<void> inserted = transaction.InsertSchedulerJob(job); !inserted) {
    return inserted;
  }
  if (job.status == domain::JobStatus::kRunning) {
    return Ok();
  }
  const domain::LineEvent event{EventId{context.ids->Next("ev")},
                                line.id,
                                "auto_topup_skipped",
                                std::nullopt,
                                std::nullopt,
                                job.reason,
                                OrderId{},
                                now};
  return transaction.InsertLineEvent(event);
}

}  // namespace

Result<UsageReport> UsageService::Ingest(Transaction& transaction,
                                         const std::vector<UsageInput>& inputs) const {
  if (inputs.size() > kUsageBatchMax) {
    return InvalidArgument("usage_batch_too_large",
                           "A batch holds at most " + std::to_string(kUsageBatchMax) +
                               " records; this one has " + std::to_string(inputs.size()) + ".");
  }
  const Timestamp now = context_.clock->Now();
  UsageReport report;
  // Checks first. A record too old to apply may still be one stored before (a file sent again
  // long after): it is a duplicate then, and rejected only if it is not.
  std::vector<std::pair<size_t, domain::UsageRecord>> checked;
  std::vector<std::pair<size_t, Error>> too_old;
  std::vector<std::string> keys(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const UsageInput& input = inputs[i];
    const auto reject = [&](Error error) {
      report.rejected.push_back({i, input.record_id, std::move(error)});
    };
    if (input.problem) {
      reject(*input.problem);
      continue;
    }
    Result<domain::UsageRecord> record = RecordOf(input);
    if (!record) {
      reject(record.error());
      continue;
    }
    if (Result<void> valid = domain::CheckUsageRecord(*record, now); !valid) {
      if (valid.error().reason == "usage_too_old") {
        too_old.emplace_back(i, valid.error());
      } else {
        reject(valid.error());
      }
      continue;
    }
    Result<std::string> key = LineKeyOf(input);
    if (!key) {
      reject(key.error());
      continue;
    }
    keys[i] = std::move(*key);
    checked.emplace_back(i, std::move(*record));
  }
  // Then the records stored already.
  std::vector<std::string> ids;
  ids.reserve(checked.size() + too_old.size());
  for (const auto& [index, record] : checked) {
    ids.push_back(record.record_id);
  }
  for (const auto& [index, error] : too_old) {
    ids.push_back(inputs[index].record_id);
  }
  Result<std::vector<std::string>> stored_ids = transaction.FindStoredUsageIds(ids);
  if (!stored_ids) {
    return stored_ids.error();
  }
  const std::unordered_set<std::string> stored(stored_ids->begin(), stored_ids->end());
  for (auto& [index, error] : too_old) {
    if (stored.count(inputs[index].record_id) > 0) {
      report.duplicates.push_back(inputs[index].record_id);
    } else {
      report.rejected.push_back({index, inputs[index].record_id, std::move(error)});
    }
  }
  // Then each record's line, looked up once per way of naming it. A record id repeated in the
  // batch is a duplicate of its first copy that is applied (one rejected does not count).
  std::unordered_set<std::string> seen;
  std::vector<domain::Line> lines;
  std::unordered_map<std::string, std::optional<size_t>> line_of_key;
  std::unordered_map<std::string, size_t> line_of_id;
  std::vector<std::vector<domain::UsageRecord>> records_of_line;
  for (auto& [index, record] : checked) {
    if (stored.count(record.record_id) > 0) {
      report.duplicates.push_back(record.record_id);
      continue;
    }
    auto found = line_of_key.find(keys[index]);
    if (found == line_of_key.end()) {
      Result<std::optional<domain::Line>> line = FindByKey(transaction, keys[index]);
      if (!line) {
        return line.error();
      }
      std::optional<size_t> position;
      if (*line) {
        auto known = line_of_id.find((*line)->id.value);
        if (known == line_of_id.end()) {
          known = line_of_id.emplace((*line)->id.value, lines.size()).first;
          lines.push_back(std::move(**line));
          records_of_line.emplace_back();
        }
        position = known->second;
      }
      found = line_of_key.emplace(keys[index], position).first;
    }
    if (!found->second) {
      report.rejected.push_back(
          {index, record.record_id, NotFound("line_not_found", "No such line.")});
      continue;
    }
    if (!seen.insert(record.record_id).second) {
      report.duplicates.push_back(record.record_id);
      continue;
    }
    record.line_id = lines[*found->second].id;
    records_of_line[*found->second].push_back(std::move(record));
  }
  // Then each line's records, in the order received.
  for (size_t l = 0; l < lines.size(); ++l) {
    const domain::Line& line = lines[l];
    const std::vector<domain::UsageRecord>& records = records_of_line[l];
    const domain::Plan* plan = context_.catalog->FindPlan(line.plan_id);
    Timestamp from_day = domain::JstDayStart(now);
    Timestamp to_day = from_day;
    for (const domain::UsageRecord& record : records) {
      from_day = std::min(from_day, domain::JstDayStart(record.start));
      to_day = std::max(to_day, domain::JstDayStart(record.start));
    }
    Result<std::vector<domain::Bucket>> buckets = transaction.ListBuckets(line.id);
    if (!buckets) {
      return buckets.error();
    }
    std::optional<domain::LineUsage> before;
    Result<domain::UsageState> state =
        LoadState(transaction, line.id, std::move(*buckets), from_day, to_day, before);
    if (!state) {
      return state.error();
    }
    const std::optional<int> speed_before =
        before ? before->speed_kbps : domain::DataSpeedAt(plan, line.state, *state, now);
    std::vector<domain::Bucket> initial = state->buckets;
    const int64_t data_left_before = domain::DataLeftAt(state->buckets, now);
    std::map<std::pair<Timestamp, domain::UsageKind>, domain::UsageDay> added;
    int64_t rated_jpy = 0;
    int64_t rated_records = 0;
    for (const domain::UsageRecord& record : records) {
      const domain::UsageOutcome outcome = domain::ApplyUsage(record, plan, *state);
      if (outcome.charge_jpy > 0) {
        rated_jpy += outcome.charge_jpy;
        ++rated_records;
      }
      const domain::AppliedUsage applied{record, outcome.from_buckets + outcome.unlimited,
                                         outcome.overage, outcome.charge_jpy, now};
      if (Result<void> inserted = transaction.InsertUsageRecord(applied); !inserted) {
        if (inserted.error().reason == "usage_record_exists") {
          return Error{ErrorCode::kAborted,
                       "usage_conflict",
                       "Record " + record.record_id + " was stored by another request.",
                       {}};
        }
        return inserted.error();
      }
      const Timestamp day = domain::JstDayStart(record.start);
      domain::UsageDay& sum = added[{day, record.kind}];
      sum.day = day;
      sum.kind = record.kind;
      sum.units += record.quantity;
      sum.records += 1;
      sum.rated_jpy += outcome.charge_jpy;
      ++report.accepted;
    }
    for (size_t b = 0; b < state->buckets.size(); ++b) {
      if (state->buckets[b].remaining != initial[b].remaining) {
        if (Result<void> updated = transaction.UpdateBucketRemaining(state->buckets[b].id,
                                                                     state->buckets[b].remaining);
            !updated) {
          return updated.error();
        }
      }
    }
    for (const auto& [key, day] : added) {
      if (Result<void> written = transaction.AddUsageDay(line.id, day); !written) {
        return written.error();
      }
    }
    if (rated_jpy > 0) {
      // A plan rates nothing without rates, so a rated record always has its plan.
      if (Result<void> charged = ChargeWallet(transaction, context_, line, *plan, rated_jpy,
                                              rated_records, now, report);
          !charged) {
        return charged.error();
      }
    }
    const std::optional<int> speed = domain::DataSpeedAt(plan, line.state, *state, now);
    const domain::LineUsage usage{
        line.id, state->overage_bytes, state->overage_since, state->sms_tenths_carry, speed, now};
    if (Result<void> saved = transaction.SaveLineUsage(usage); !saved) {
      return saved.error();
    }
    if (speed != speed_before) {
      if (Result<void> logged = RecordSpeedChange(transaction, context_, line, speed, now);
          !logged) {
        return logged.error();
      }
    }
    const int64_t data_left = domain::DataLeftAt(state->buckets, now);
    if (Result<void> noted =
            NoteDataLeft(transaction, context_, line, data_left_before, data_left, now);
        !noted) {
      return noted.error();
    }
    if (Result<void> queued =
            QueueAutoTopup(transaction, context_, line, data_left_before, data_left, now);
        !queued) {
      return queued.error();
    }
  }
  std::sort(report.rejected.begin(), report.rejected.end(),
            [](const UsageRejection& a, const UsageRejection& b) { return a.index < b.index; });
  return report;
}

Result<void> UsageService::NoteSpeed(Transaction& transaction, const domain::Line& line) const {
  Result<std::optional<domain::LineUsage>> stored = transaction.FindLineUsage(line.id);
  if (!stored) {
    return stored.error();
  }
  if (!*stored) {
    return Ok();
  }
  Result<std::vector<domain::Bucket>> buckets = transaction.ListBuckets(line.id);
  if (!buckets) {
    return buckets.error();
  }
  const Timestamp now = context_.clock->Now();
  const Timestamp today = domain::JstDayStart(now);
  std::optional<domain::LineUsage> before;
  Result<domain::UsageState> state =
      LoadState(transaction, line.id, std::move(*buckets), today, today, before);
  if (!state) {
    return state.error();
  }
  const std::optional<int> speed =
      domain::DataSpeedAt(context_.catalog->FindPlan(line.plan_id), line.state, *state, now);
  if (speed == (*stored)->speed_kbps) {
    return Ok();
  }
  const domain::LineUsage usage{
      line.id, state->overage_bytes, state->overage_since, state->sms_tenths_carry, speed, now};
  if (Result<void> saved = transaction.SaveLineUsage(usage); !saved) {
    return saved;
  }
  return RecordSpeedChange(transaction, context_, line, speed, now);
}

Result<LineUsageView> UsageService::Usage(Transaction& transaction, const domain::Line& line,
                                          const std::vector<domain::Bucket>& buckets) const {
  const Timestamp now = context_.clock->Now();
  const Timestamp today = domain::JstDayStart(now);
  const Timestamp first = today - std::chrono::days{kUsageHistoryDays - 1};
  std::optional<domain::LineUsage> stored;
  LineUsageView view;
  Result<domain::UsageState> state =
      LoadState(transaction, line.id, buckets, first, today, stored, &view.days);
  if (!state) {
    return state.error();
  }
  view.speed_kbps =
      domain::DataSpeedAt(context_.catalog->FindPlan(line.plan_id), line.state, *state, now);
  return view;
}

}  // namespace simkeep::app
