#ifndef SIMKEEP_APP_USAGE_SERVICE_H_
#define SIMKEEP_APP_USAGE_SERVICE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simkeep/app/context.h"
#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/usage.h"

namespace simkeep::app {

// Records one request or file may carry.
inline constexpr size_t kUsageBatchMax = 10'000;
// Days of usage history a line's status shows.
inline constexpr int kUsageHistoryDays = 90;

// One usage record as received: the line named by exactly one of line_id, msisdn, iccid, imsi;
// times as RFC 3339. `problem` is set when the record could not even be decoded (a quantity
// that is not an integer, a field of the wrong type): it is then rejected with that error.
struct UsageInput {
  std::string record_id;
  std::string line_id;
  std::string msisdn;
  std::string iccid;
  std::string imsi;
  std::string kind;
  int64_t quantity = 0;
  std::string start;
  std::string end;
  std::optional<int64_t> rating_group;
  std::optional<Error> problem;
};

// A record refused: its position in the batch (from 0), its id as sent, and why.
struct UsageRejection {
  size_t index = 0;
  std::string record_id;
  Error error;
};

// What a batch did. Every record is in exactly one of: accepted (applied and stored now),
// duplicates (stored before, or earlier in the same batch: applied once), rejected.
struct UsageReport {
  int64_t accepted = 0;
  // Voice and SMS beyond the allowances, at the plans' rates, over all lines: what the wallets
  // paid and what they could not (see domain::UsageCharge).
  int64_t charged_jpy = 0;
  int64_t unpaid_jpy = 0;
  std::vector<std::string> duplicates;
  std::vector<UsageRejection> rejected;
};

// A line's usage as its status shows it: the speed it runs at now and its daily history.
struct LineUsageView {
  std::optional<int> speed_kbps;       // domain::DataSpeedAt: nullopt full speed, 0 blocked.
  std::vector<domain::UsageDay> days;  // The last kUsageHistoryDays JST days, oldest first.
};

// Applies usage records to lines (domain/usage.h) and reads their usage back. Stateless apart
// from the context; thread-safe.
class UsageService {
 public:
  explicit UsageService(const ServiceContext& context) : context_(context) {}

  // Checks every record, drops duplicates and applies the rest, grouped by line in the order
  // received, within the caller's transaction: the records, the buckets' remaining units, the
  // usage days and each line's overage and speed are written together, so an accepted record is
  // stored and counted exactly when the transaction commits. A record is rejected (the others
  // go on) when it cannot be decoded, names its line by none or several of line_id, msisdn,
  // iccid, imsi ("line_ref_invalid"), names an unknown line ("line_not_found"), has an unknown
  // kind ("usage_kind_invalid"), a bad time ("time_invalid") or fails
  // domain::CheckUsageRecord; rejections are listed by index. A line whose data speed changes gets
  // a "speed_changed" event (reason "throttled", "blocked" or "restored") and a throttle_changed
  // notification; a line whose data left falls below its holder's data_low_bytes a "data_low"
  // event and notification (once per crossing: domain::FellBelow), and one whose data left falls
  // below its automatic top-up threshold an auto_topup scheduler job. What a line's records
  // rated (voice and SMS beyond its allowances) is charged to its wallet in the same transaction:
  // one domain::UsageCharge per line, its ledger transfers (code "usage" to revenue, "tax" to
  // tax payable) referencing the charge id; when the wallet cannot pay it all, the line gets a
  // "usage_charge_unpaid" event. Errors: kInvalidArgument
  // "usage_batch_too_large" beyond kUsageBatchMax records (nothing is applied); kAborted
  // "usage_conflict" when another transaction stored one of the records since they were looked up
  // (run the batch again: it is then a duplicate).
  Result<UsageReport> Ingest(Transaction& transaction, const std::vector<UsageInput>& inputs) const;

  // Records a change of the line's data speed that did not come from usage (a renewal or
  // topping granted data, a bucket expired): when the line has had usage and its speed now
  // differs from the speed last stored, stores it with a "speed_changed" event and a
  // throttle_changed notification. Lines without usage cost one read.
  Result<void> NoteSpeed(Transaction& transaction, const domain::Line& line) const;

  // The line's speed now and its last kUsageHistoryDays days of usage. `buckets` are the line's
  // (Transaction::ListBuckets).
  Result<LineUsageView> Usage(Transaction& transaction, const domain::Line& line,
                              const std::vector<domain::Bucket>& buckets) const;

 private:
  const ServiceContext& context_;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_USAGE_SERVICE_H_
