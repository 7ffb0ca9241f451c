#ifndef SIMKEEP_DOMAIN_LINE_H_
#define SIMKEEP_DOMAIN_LINE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/domain/catalog.h"
#include "simkeep/domain/line_state.h"

namespace simkeep::domain {

enum class FormFactor { kSim, kEsim };
const char* FormFactorName(FormFactor form_factor);  // "sim", "esim"
std::optional<FormFactor> ParseFormFactor(std::string_view text);

// The eSIM profile a line was provisioned with (DOMAIN.md §2.3). The confirmation code is
// kept only encrypted (`confirmation_code_sealed`, opaque to the domain); the activation code
// itself carries only the "confirmation code required" flag.
struct EsimProfile {
  std::string smdp_address;
  std::string matching_id;
  std::string smdp_oid;
  bool confirmation_code_required = false;
  std::string confirmation_code_sealed;  // Empty when there is none.
};

// One SIM or eSIM subscription. Value type; owned by whoever loaded it.
struct Line {
  LineId id;
  std::string iccid;         // Normalised: 19-20 digits, no F padding.
  std::string msisdn;        // E.164, empty for data-only lines without a number.
  std::string number_class;  // "voice_mobile", "m2m_020", ... or empty.
  std::string imsi;
  std::string eid;
  CarrierCode carrier = CarrierCode::kDocomo;
  FormFactor form_factor = FormFactor::kSim;
  ServiceKind service = ServiceKind::kData;
  LineState state = LineState::kInactive;
  std::optional<Timestamp> expires_at;   // Validity end; none before the first renewal.
  std::optional<Timestamp> activate_by;  // For inactive lines.
  PlanId plan_id;                        // The line's current base plan, if any.
  AccountId wallet_account_id;           // The prepaid yen wallet (a ledger account).
  std::optional<EsimProfile> esim;
  Timestamp created_at;
  Timestamp updated_at;
};

// An allowance on a line (DESIGN.md §2): data bytes, voice seconds, SMS, or an unlimited pass.
struct Bucket {
  BucketId id;
  LineId line_id;
  BundleKind kind = BundleKind::kData;
  int64_t initial = 0;    // Units granted; 0 for unlimited.
  int64_t remaining = 0;  // Units left; 0 for unlimited.
  Timestamp starts_at;
  Timestamp expires_at;
  OrderId order_id;  // The order that granted it.
};

// One recorded fact about a line: a state transition, a renewal, a top-up. Append-only.
struct LineEvent {
  EventId id;
  LineId line_id;
  std::string kind;  // "provisioned", "state_changed", "renewed", "topped_up", ...
  std::optional<LineState> from_state;
  std::optional<LineState> to_state;
  std::string reason;  // Why, in a stable word: "renewal", "import", "expired", ...
  OrderId order_id;    // Empty when no order caused it.
  Timestamp at;
};

// The number a terminated line gave up, held back from every other line until released_at
// (domain::NumberReleasedAt). Value type.
struct NumberQuarantine {
  std::string msisdn;  // E.164.
  LineId line_id;      // The line that held it.
  CarrierCode carrier = CarrierCode::kDocomo;
  Timestamp quarantined_at;
  Timestamp released_at;
};

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_LINE_H_
