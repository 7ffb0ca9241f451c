#ifndef SIMKEEP_APP_LINE_SERVICE_H_
#define SIMKEEP_APP_LINE_SERVICE_H_

#include <optional>
#include <string>
#include <vector>

#include "simkeep/app/context.h"
#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/identifiers.h"
#include "simkeep/domain/line.h"
#include "simkeep/domain/usage.h"

namespace simkeep::app {

// A request to provision one line, as text fields exactly as they arrived (from JSON or a CSV
// row), so that the API and the import share one validation. Empty means "not given".
struct ProvisionRequest {
  std::string iccid;
  domain::IccidSource iccid_source = domain::IccidSource::kHumanInput;
  std::string msisdn;
  std::string imsi;
  std::string eid;
  std::string carrier;
  std::string form_factor;  // "sim" (default) or "esim".
  std::string service;      // "data" (default) or "voice".
  std::string plan_id;
  std::string activation_code;    // eSIM only: "LPA:1$smdp$matching-id[...]".
  std::string confirmation_code;  // eSIM only; stored sealed.
  std::string state;              // "inactive" (default) or "active" (migrating live lines).
  std::string expires_at;         // RFC 3339; for lines imported as active.
  std::string activate_by;        // RFC 3339; for inactive lines.
};

// A validated request: everything parsed, ready to insert.
struct ValidProvision {
  domain::Line line;
  std::string confirmation_code;  // Plaintext until sealed at insert.
};

// What GET /v1/lines/{id}/status shows.
struct LineStatus {
  domain::Line line;
  int64_t balance_jpy = 0;
  std::vector<domain::Bucket> buckets;              // Current: started, not expired, units left.
  std::optional<int> speed_kbps;                    // domain::DataSpeedAt: nullopt at full
                                                    // speed, 0 when data is blocked.
  std::vector<domain::UsageDay> usage_days;         // The last kUsageHistoryDays days.
  std::vector<domain::LineEvent> events;            // Newest first.
  std::optional<domain::AutoRenewal> auto_renewal;  // Its setting, if it ever had one.
};

// Provisioning and reading lines. Stateless apart from the context; thread-safe.
class LineService {
 public:
  explicit LineService(const ServiceContext& context) : context_(context) {}

  // Checks every field without touching storage and reports all problems at once: with a single
  // problem its reason is the error's reason ("iccid_invalid", "iccid_checksum",
  // "msisdn_invalid", "imsi_invalid", "eid_invalid", "eid_checksum", "carrier_unknown",
  // "form_factor_invalid", "service_invalid", "plan_id_invalid",
  // "activation_code_invalid", "activation_code_required", "state_invalid", "time_invalid");
  // with several it is "validation_failed" and `errors` lists each.
  Result<ValidProvision> Validate(const ProvisionRequest& request) const;

  // Inserts a validated line with its wallet and a "provisioned" event. kAlreadyExists
  // "iccid_taken" / "msisdn_taken" when the number is already provisioned, "msisdn_quarantined"
  // when a terminated line gave the number up and its quarantine has not ended.
  Result<domain::Line> Insert(Transaction& transaction, ValidProvision provision) const;

  // Reads a line; kNotFound "line_not_found".
  Result<domain::Line> Get(Transaction& transaction, const LineId& id) const;

  // Reads the line's status as of now.
  Result<LineStatus> Status(Transaction& transaction, const LineId& id) const;

 private:
  const ServiceContext& context_;
};

// Reads a line within `transaction`; kNotFound "line_not_found" when there is none.
Result<domain::Line> LoadLine(Transaction& transaction, const LineId& id);

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_LINE_SERVICE_H_
