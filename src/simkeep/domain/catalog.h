#ifndef SIMKEEP_DOMAIN_CATALOG_H_
#define SIMKEEP_DOMAIN_CATALOG_H_

// The product catalog: carriers with their number-keeping rules, and the plans sold on them.
// Plain value types plus pure lookups and validation; no I/O. The config module loads a catalog
// from a file and must run ValidateCatalog before anything else sees it.
//
// Every enum has a stable lower-case name (the API and file spelling) and a parser that accepts
// exactly that name.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/money.h"
#include "simkeep/base/result.h"

namespace simkeep::domain {

// Bounds checked by ValidatePlan / ValidateCatalog.
inline constexpr int64_t kPlanPriceJpyMax = 10'000'000;
inline constexpr int kValidityDaysMax = 3660;       // About ten years.
inline constexpr int kValidityHoursMax = 24 * 366;  // Hour-based passes up to a year.
inline constexpr int64_t kBundleQuantityMax = 1'000'000'000'000'000;  // 1 PB, 31 years of calls.
inline constexpr int64_t kVoiceJpyPer30sMax = 10'000;
inline constexpr int64_t kSmsJpyTenthsMax = 100'000;
inline constexpr size_t kPlanPriceVersionsMax = 64;
inline constexpr size_t kPlanBundlesMax = 8;
inline constexpr size_t kPlanThrottleStepsMax = 4;
inline constexpr size_t kCatalogPlansMax = 1000;
inline constexpr size_t kCarrierBandsMax = 64;

// The mobile network operator a line runs on.
enum class CarrierCode { kDocomo, kAu, kSoftbank, kRakuten };
// "docomo", "au", "softbank", "rakuten".
const char* CarrierCodeName(CarrierCode code);
std::optional<CarrierCode> ParseCarrierCode(std::string_view name);

// When a line stops being kept, per carrier. All day counts are whole days; 0 disables the rule
// where noted. Value type.
struct KeepRule {
  // A line with no paid activity for this many days after its last validity end is suspended
  // (povo, Rakuten: 180); it stays in grace until then. 0 = no inactivity rule.
  int keep_window_days = 0;
  // Days after the validity end during which the line is in grace (receive only, still
  // renewable) before it becomes eligible for suspension. 0 = no grace period.
  int grace_days = 0;
  // Days a suspended line is kept before termination. 0 = termination follows at once.
  int suspension_to_termination_days = 0;
  // Days a terminated number is withheld before it may be reassigned. Carrier discretion.
  int number_quarantine_days = 0;
  // Usage-based charges (calls, SMS) in the keep window above this amount count as activity
  // (povo: 660). 0 = any usage at all counts (Rakuten: zero data and zero calls).
  int64_t activity_usage_charge_jpy_min = 0;
};

// A network and its rules. Value type.
struct Carrier {
  CarrierCode code = CarrierCode::kDocomo;
  std::string name;
  KeepRule keep;
  std::vector<std::string> bands;  // e.g. "B1", "n78"; informational.
};

// renewal: renews or extends the line (monthly plans, recharge cards, base plans).
// topping: an add-on bundle on top of the line's plan. topup: a yen amount; grants no bundles.
enum class PlanKind { kRenewal, kTopping, kTopup };
// "renewal", "topping", "topup".
const char* PlanKindName(PlanKind kind);
std::optional<PlanKind> ParsePlanKind(std::string_view name);

// What a bundle grants. kUnlimited is an unlimited data pass: it is counted in bytes, has
// quantity 0 and is consumed before any other data bucket.
enum class BundleKind { kData, kVoice, kSms, kUnlimited };
// "data", "voice", "sms", "unlimited".
const char* BundleKindName(BundleKind kind);
std::optional<BundleKind> ParseBundleKind(std::string_view name);
// The unit of Bundle::quantity: "bytes" (data, unlimited), "seconds" (voice), "messages" (sms).
const char* BundleUnitName(BundleKind kind);

// How validity days are counted. All calendar arithmetic is in JST (UTC+9, no DST).
enum class DayConvention {
  kHours24,          // Exactly days×24 h + hours from the start.
  kHours24EndOfDay,  // days×24 h + hours, then to 23:59:59 JST of that day (povo toppings).
  kCalendarDays,     // The start day is day 1; ends 23:59:59 JST on day N (Sakura, b-mobile).
};
// "hours_24", "hours_24_end_of_day", "calendar_days".
const char* DayConventionName(DayConvention convention);
std::optional<DayConvention> ParseDayConvention(std::string_view name);

// The event that starts a validity period.
enum class StartTrigger { kPurchase, kRedemption, kProfileInstall, kFirstAttach };
// "purchase", "redemption", "profile_install", "first_attach".
const char* StartTriggerName(StartTrigger trigger);
std::optional<StartTrigger> ParseStartTrigger(std::string_view name);

// extend: adds days to the line's current expiry, up to a cap (SoftBank prepaid, b-mobile).
// stack: each purchase adds buckets with their own expiry; nothing is extended (povo).
enum class RenewalMode { kExtend, kStack };
// "extend", "stack".
const char* RenewalModeName(RenewalMode mode);
std::optional<RenewalMode> ParseRenewalMode(std::string_view name);

// The kind of line a plan is sold for.
enum class ServiceKind { kVoice, kData };
// "voice", "data".
const char* ServiceKindName(ServiceKind kind);
std::optional<ServiceKind> ParseServiceKind(std::string_view name);

// An allowance a plan grants. Value type.
struct Bundle {
  BundleKind kind = BundleKind::kData;
  int64_t quantity = 0;  // In BundleUnitName(kind): bytes, seconds or messages; 0 for unlimited.
};

// How long what a plan grants lasts. days 0 and hours 0 together mean open-ended: a base plan
// with no expiry, whose line is kept by the carrier's KeepRule (see IsOpenEnded). Value type.
struct Validity {
  int days = 0;
  int hours = 0;  // e.g. a 24 h pass: days 0, hours 24. Always 0 with kCalendarDays.
  DayConvention convention = DayConvention::kHours24;
  StartTrigger start = StartTrigger::kPurchase;
};

// True when `validity` grants no expiry (days and hours both 0).
bool IsOpenEnded(const Validity& validity);

// One throttle stage after a data quota is used up: the line runs at speed_kbps until
// up_to_extra_bytes more have been used, then the next step applies. A plan's throttle list
// is ordered; only its last step may have up_to_extra_bytes 0 (no further limit). After a last
// step with a limit, and after the quota of a plan with no steps, data is blocked.
struct ThrottleStep {
  int64_t up_to_extra_bytes = 0;
  int speed_kbps = 0;
};

// The price that applies from `effective_from` until the next version. Versions are never
// edited, so a price change never rewrites past orders.
struct PriceVersion {
  Timestamp effective_from;
  int64_t price_jpy = 0;  // Tax included.
};

// A product that can be bought. Value type; plans in a validated Catalog satisfy ValidatePlan.
struct Plan {
  PlanId id;
  CarrierCode carrier = CarrierCode::kDocomo;
  std::string name;
  PlanKind kind = PlanKind::kRenewal;
  ServiceKind service = ServiceKind::kVoice;
  std::vector<PriceVersion> prices;  // Strictly ascending effective_from.
  int tax_rate_percent = 10;         // 10, 8 or 0.
  std::vector<Bundle> bundles;
  Validity validity;
  RenewalMode renewal_mode = RenewalMode::kStack;
  int extend_cap_days = 0;  // kExtend: the expiry never moves beyond now + cap. 0 for kStack.
  std::vector<ThrottleStep> throttle;
  std::optional<int64_t> daily_cap_bytes;  // Resets at 00:00 JST.
  bool auto_renewable = false;
  int64_t voice_jpy_per_30s = 0;
  int64_t sms_jpy_tenths = 0;        // Per message sent; ¥3.3 = 33 tenths, to stay in integers.
  int free_call_length_seconds = 0;  // Calls up to this long are free; the rest is charged.
  int activate_within_days = 0;  // The line must start within this many days of sale; 0 = no limit.
  bool kyc_required = true;
};

// All carriers and plans. Value type; thread-compatible. Lookups are linear: catalogs are small
// (kCatalogPlansMax).
struct Catalog {
  std::vector<Carrier> carriers;
  std::vector<Plan> plans;

  // The plan with `id`, or nullptr. The pointer lives as long as `plans` is not modified.
  const Plan* FindPlan(const PlanId& id) const;
  // The carrier with `code`, or nullptr. The pointer lives as long as `carriers` is not modified.
  const Carrier* FindCarrier(CarrierCode code) const;
};

// The price of `plan` at `at`: the latest version whose effective_from <= at.
// Errors: kFailedPrecondition "plan_not_on_sale" when no version is effective yet.
// REQUIRES: plan.prices is sorted (ValidatePlan).
Result<Money> PriceAt(const Plan& plan, Timestamp at);

// Checks one plan's internal consistency (prices, tax rate, bundles, validity, renewal mode,
// throttle, caps, rates). On failure returns kInvalidArgument "plan_invalid"; the message names
// the plan and the first bad field, and `errors` lists every problem with its field path
// relative to the plan (e.g. "prices[1].effective_from").
Result<void> ValidatePlan(const Plan& plan);

// Checks every plan (ValidatePlan), carrier rules, unique carrier codes and plan ids, and that
// every plan's carrier exists. On failure returns kInvalidArgument "catalog_invalid"; `errors`
// lists every problem with a path such as "plans[3].prices[0].price_jpy" or "carriers[1].code"
// (indices are positions in the vectors).
Result<void> ValidateCatalog(const Catalog& catalog);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_CATALOG_H_
