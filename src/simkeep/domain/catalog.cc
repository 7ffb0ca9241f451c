#include "simkeep/domain/catalog.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <set>
#include <utility>

namespace simkeep::domain {
namespace {

template <typename E>
struct NamedValue {
  E value;
  const char* name;
};

constexpr std::array<NamedValue<CarrierCode>, 4> kCarrierCodeNames{{
    {CarrierCode::kDocomo, "docomo"},
    {CarrierCode::kAu, "au"},
    {CarrierCode::kSoftbank, "softbank"},
    {CarrierCode::kRakuten, "rakuten"},
}};
constexpr std::array<NamedValue<PlanKind>, 3> kPlanKindNames{{
    {PlanKind::kRenewal, "renewal"},
    {PlanKind::kTopping, "topping"},
    {PlanKind::kTopup, "topup"},
}};
constexpr std::array<NamedValue<BundleKind>, 4> kBundleKindNames{{
    {BundleKind::kData, "data"},
    {BundleKind::kVoice, "voice"},
    {BundleKind::kSms, "sms"},
    {BundleKind::kUnlimited, "unlimited"},
}};
constexpr std::array<NamedValue<DayConvention>, 3> kDayConventionNames{{
    {DayConvention::kHours24, "hours_24"},
    {DayConvention::kHours24EndOfDay, "hours_24_end_of_day"},
    {DayConvention::kCalendarDays, "calendar_days"},
}};
constexpr std::array<NamedValue<StartTrigger>, 4> kStartTriggerNames{{
    {StartTrigger::kPurchase, "purchase"},
    {StartTrigger::kRedemption, "redemption"},
    {StartTrigger::kProfileInstall, "profile_install"},
    {StartTrigger::kFirstAttach, "first_attach"},
}};
constexpr std::array<NamedValue<RenewalMode>, 2> kRenewalModeNames{{
    {RenewalMode::kExtend, "extend"},
    {RenewalMode::kStack, "stack"},
}};
constexpr std::array<NamedValue<ServiceKind>, 2> kServiceKindNames{{
    {ServiceKind::kVoice, "voice"},
    {ServiceKind::kData, "data"},
}};

template <typename E, size_t N>
const char* NameOf(const std::array<NamedValue<E>, N>& table, E value) {
  for (const NamedValue<E>& entry : table) {
    if (entry.value == value) {
      return entry.name;
    }
  }
  // Every enumerator is in its table; only a cast from a bad integer gets here.
  SIMKEEP_UNREACHABLE();
  return "";
}

template <typename E, size_t N>
std::optional<E> ParseName(const std::array<NamedValue<E>, N>& table, std::string_view name) {
  for (const NamedValue<E>& entry : table) {
    if (name == entry.name) {
      return entry.value;
    }
  }
  return std::nullopt;
}

// Collects field problems with one reason; paths are relative to what is being checked.
class Problems {
 public:
  explicit Problems(std::string reason) : reason_(std::move(reason)) {}

  void Add(std::string field, std::string message) {
    errors_.push_back(FieldError{std::move(field), reason_, std::move(message)});
  }
  void AddAll(const std::string& prefix, const std::vector<FieldError>& errors) {
    for (const FieldError& error : errors) {
      errors_.push_back(FieldError{prefix + error.field, error.reason, error.message});
    }
  }
  bool empty() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }

  // An InvalidArgument error whose message is `subject`, the first problem and a count.
  Error ToError(const std::string& subject) const {
    const FieldError& first = errors_.front();
    std::string message = subject + ": " + first.field + ": " + first.message;
    if (errors_.size() > 1) {
      message += " (and " + std::to_string(errors_.size() - 1) + " more problems)";
    }
    Error error = InvalidArgument(reason_, std::move(message));
    error.errors = errors_;
    return error;
  }

 private:
  std::string reason_;
  std::vector<FieldError> errors_;
};

std::string Indexed(const char* name, size_t index) {
  return std::string(name) + "[" + std::to_string(index) + "]";
}

void CheckPrices(const Plan& plan, Problems& problems) {
  if (plan.prices.empty()) {
    problems.Add("prices", "at least one price version is required");
  }
  if (plan.prices.size() > kPlanPriceVersionsMax) {
    problems.Add("prices", "more than " + std::to_string(kPlanPriceVersionsMax) + " versions");
  }
  for (size_t i = 0; i < plan.prices.size(); ++i) {
    const PriceVersion& version = plan.prices[i];
    if (version.price_jpy < 0 || version.price_jpy > kPlanPriceJpyMax) {
      problems.Add(Indexed("prices", i) + ".price_jpy",
                   "must be between 0 and " + std::to_string(kPlanPriceJpyMax) + " yen");
    }
    if (i > 0 && version.effective_from <= plan.prices[i - 1].effective_from) {
      problems.Add(Indexed("prices", i) + ".effective_from",
                   "must be later than the previous version's");
    }
  }
  if (plan.tax_rate_percent != 0 && plan.tax_rate_percent != 8 && plan.tax_rate_percent != 10) {
    problems.Add("tax_rate_percent", "must be 0, 8 or 10");
  }
}

void CheckBundles(const Plan& plan, Problems& problems) {
  if (plan.kind == PlanKind::kTopup && !plan.bundles.empty()) {
    problems.Add("bundles", "a topup plan is a yen amount and grants no bundles");
  }
  if (plan.bundles.size() > kPlanBundlesMax) {
    problems.Add("bundles", "more than " + std::to_string(kPlanBundlesMax) + " bundles");
  }
  for (size_t i = 0; i < plan.bundles.size(); ++i) {
    const Bundle& bundle = plan.bundles[i];
    const std::string field = Indexed("bundles", i) + ".quantity";
    if (bundle.kind == BundleKind::kUnlimited && bundle.quantity != 0) {
      problems.Add(field, "must be 0 for an unlimited pass");
    } else if (bundle.kind != BundleKind::kUnlimited &&
               (bundle.quantity <= 0 || bundle.quantity > kBundleQuantityMax)) {
      problems.Add(field, std::string("must be between 1 and ") +
                              std::to_string(kBundleQuantityMax) + " " +
                              BundleUnitName(bundle.kind));
    }
    if (bundle.kind == BundleKind::kVoice && plan.service == ServiceKind::kData) {
      problems.Add(Indexed("bundles", i) + ".kind", "a data plan cannot grant voice");
    }
  }
}

void CheckValidity(const Plan& plan, Problems& problems) {
  const Validity& validity = plan.validity;
  if (validity.days < 0 || validity.days > kValidityDaysMax) {
    problems.Add("validity.days", "must be between 0 and " + std::to_string(kValidityDaysMax));
  }
  if (validity.hours < 0 || validity.hours > kValidityHoursMax) {
    problems.Add("validity.hours", "must be between 0 and " + std::to_string(kValidityHoursMax));
  }
  if (validity.convention == DayConvention::kCalendarDays && validity.hours != 0) {
    problems.Add("validity.hours", "must be 0 with calendar_days");
  }
  if (IsOpenEnded(validity) &&
      (plan.kind != PlanKind::kRenewal || plan.renewal_mode != RenewalMode::kStack ||
       !plan.bundles.empty() || plan.auto_renewable)) {
    problems.Add("validity",
                 "open-ended validity (0 days, 0 hours) is only for base plans: kind renewal, "
                 "mode stack, no bundles, not auto-renewable");
  }
}

void CheckRenewalMode(const Plan& plan, Problems& problems) {
  if (plan.renewal_mode == RenewalMode::kStack) {
    if (plan.extend_cap_days != 0) {
      problems.Add("extend_cap_days", "must be 0 for a stack plan");
    }
    return;
  }
  if (plan.validity.days <= 0) {
    problems.Add("validity.days", "an extend plan must add at least one day");
  }
  if (plan.extend_cap_days < plan.validity.days || plan.extend_cap_days > kValidityDaysMax) {
    problems.Add("extend_cap_days",
                 "must be at least validity.days and at most " + std::to_string(kValidityDaysMax));
  }
}

void CheckThrottle(const Plan& plan, Problems& problems) {
  if (plan.throttle.size() > kPlanThrottleStepsMax) {
    problems.Add("throttle", "more than " + std::to_string(kPlanThrottleStepsMax) + " steps");
  }
  for (size_t i = 0; i < plan.throttle.size(); ++i) {
    const ThrottleStep& step = plan.throttle[i];
    const bool last = i + 1 == plan.throttle.size();
    if (step.speed_kbps <= 0) {
      problems.Add(Indexed("throttle", i) + ".speed_kbps", "must be positive");
    }
    if (step.up_to_extra_bytes < 0 || step.up_to_extra_bytes > kBundleQuantityMax ||
        (step.up_to_extra_bytes == 0 && !last)) {
      problems.Add(Indexed("throttle", i) + ".up_to_extra_bytes",
                   "must be positive, or 0 (no further limit) on the last step only");
    }
  }
  if (plan.daily_cap_bytes.has_value() &&
      (*plan.daily_cap_bytes <= 0 || *plan.daily_cap_bytes > kBundleQuantityMax)) {
    problems.Add("daily_cap_bytes", "must be positive when set");
  }
}

void CheckRatesAndFlags(const Plan& plan, Problems& problems) {
  if (plan.voice_jpy_per_30s < 0 || plan.voice_jpy_per_30s > kVoiceJpyPer30sMax) {
    problems.Add("voice_jpy_per_30s",
                 "must be between 0 and " + std::to_string(kVoiceJpyPer30sMax));
  }
  if (plan.sms_jpy_tenths < 0 || plan.sms_jpy_tenths > kSmsJpyTenthsMax) {
    problems.Add("sms_jpy_tenths", "must be between 0 and " + std::to_string(kSmsJpyTenthsMax));
  }
  if (plan.free_call_length_seconds < 0) {
    problems.Add("free_call_length_seconds", "must not be negative");
  }
  if (plan.service == ServiceKind::kData &&
      (plan.voice_jpy_per_30s != 0 || plan.free_call_length_seconds != 0)) {
    problems.Add("service", "a data plan cannot carry voice rates");
  }
  if (plan.activate_within_days < 0 || plan.activate_within_days > kValidityDaysMax) {
    problems.Add("activate_within_days",
                 "must be between 0 and " + std::to_string(kValidityDaysMax));
  }
  if (plan.auto_renewable && plan.kind == PlanKind::kTopup) {
    problems.Add("auto_renewable", "a topup plan cannot auto-renew");
  }
}

std::vector<FieldError> PlanProblems(const Plan& plan) {
  Problems problems("plan_invalid");
  if (plan.id.empty()) {
    problems.Add("id", "must not be empty");
  }
  if (plan.name.empty()) {
    problems.Add("name", "must not be empty");
  }
  CheckPrices(plan, problems);
  CheckBundles(plan, problems);
  CheckValidity(plan, problems);
  CheckRenewalMode(plan, problems);
  CheckThrottle(plan, problems);
  CheckRatesAndFlags(plan, problems);
  return problems.errors();
}

void CheckCarrier(const Carrier& carrier, const std::string& path, Problems& problems) {
  if (carrier.name.empty()) {
    problems.Add(path + ".name", "must not be empty");
  }
  const KeepRule& keep = carrier.keep;
  const std::pair<const char*, int> day_fields[] = {
      {"keep_window_days", keep.keep_window_days},
      {"grace_days", keep.grace_days},
      {"suspension_to_termination_days", keep.suspension_to_termination_days},
      {"number_quarantine_days", keep.number_quarantine_days},
  };
  for (const auto& [field, days] : day_fields) {
    if (days < 0 || days > kValidityDaysMax) {
      problems.Add(path + ".keep." + field,
                   "must be between 0 and " + std::to_string(kValidityDaysMax));
    }
  }
  if (keep.activity_usage_charge_jpy_min < 0 ||
      keep.activity_usage_charge_jpy_min > kPlanPriceJpyMax) {
    problems.Add(path + ".keep.activity_usage_charge_jpy_min",
                 "must be between 0 and " + std::to_string(kPlanPriceJpyMax));
  }
  if (carrier.bands.size() > kCarrierBandsMax) {
    problems.Add(path + ".bands", "more than " + std::to_string(kCarrierBandsMax) + " bands");
  }
  for (size_t i = 0; i < carrier.bands.size(); ++i) {
    if (carrier.bands[i].empty()) {
      problems.Add(path + Indexed(".bands", i), "must not be empty");
    }
  }
}

void CheckCarriers(const Catalog& catalog, Problems& problems) {
  std::set<CarrierCode> seen;
  for (size_t i = 0; i < catalog.carriers.size(); ++i) {
    const Carrier& carrier = catalog.carriers[i];
    const std::string path = Indexed("carriers", i);
    if (!seen.insert(carrier.code).second) {
      problems.Add(path + ".code",
                   std::string("duplicate carrier ") + CarrierCodeName(carrier.code));
    }
    CheckCarrier(carrier, path, problems);
  }
}

void CheckPlans(const Catalog& catalog, Problems& problems) {
  if (catalog.plans.size() > kCatalogPlansMax) {
    problems.Add("plans", "more than " + std::to_string(kCatalogPlansMax) + " plans");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < catalog.plans.size(); ++i) {
    const Plan& plan = catalog.plans[i];
    const std::string path = Indexed("plans", i);
    if (!plan.id.empty() && !seen.insert(plan.id.value).second) {
      problems.Add(path + ".id", "duplicate plan id " + plan.id.value);
    }
    if (catalog.FindCarrier(plan.carrier) == nullptr) {
      problems.Add(path + ".carrier", std::string("plan ") + plan.id.value + " refers to carrier " +
                                          CarrierCodeName(plan.carrier) + ", which is not listed");
    }
    std::vector<FieldError> plan_errors = PlanProblems(plan);
    for (FieldError& error : plan_errors) {
      error.message = "plan " + plan.id.value + ": " + error.message;
    }
    problems.AddAll(path + ".", plan_errors);
  }
}

}  // namespace

const char* CarrierCodeName(CarrierCode code) { return NameOf(kCarrierCodeNames, code); }
std::optional<CarrierCode> ParseCarrierCode(std::string_view name) {
  return ParseName(kCarrierCodeNames, name);
}
const char* PlanKindName(PlanKind kind) { return NameOf(kPlanKindNames, kind); }
std::optional<PlanKind> ParsePlanKind(std::string_view name) {
  return ParseName(kPlanKindNames, name);
}
const char* BundleKindName(BundleKind kind) { return NameOf(kBundleKindNames, kind); }
std::optional<BundleKind> ParseBundleKind(std::string_view name) {
  return ParseName(kBundleKindNames, name);
}
const char* DayConventionName(DayConvention convention) {
  return NameOf(kDayConventionNames, convention);
}
std::optional<DayConvention> ParseDayConvention(std::string_view name) {
  return ParseName(kDayConventionNames, name);
}
const char* StartTriggerName(StartTrigger trigger) { return NameOf(kStartTriggerNames, trigger); }
std::optional<StartTrigger> ParseStartTrigger(std::string_view name) {
  return ParseName(kStartTriggerNames, name);
}
const char* RenewalModeName(RenewalMode mode) { return NameOf(kRenewalModeNames, mode); }
std::optional<RenewalMode> ParseRenewalMode(std::string_view name) {
  return ParseName(kRenewalModeNames, name);
}
const char* ServiceKindName(ServiceKind kind) { return NameOf(kServiceKindNames, kind); }
std::optional<ServiceKind> ParseServiceKind(std::string_view name) {
  return ParseName(kServiceKindNames, name);
}

const char* BundleUnitName(BundleKind kind) {
  switch (kind) {
    case BundleKind::kData:
    case BundleKind::kUnlimited:
      return "bytes";
    case BundleKind::kVoice:
      return "seconds";
    case BundleKind::kSms:
      return "messages";
  }
  SIMKEEP_UNREACHABLE();
  return "";
}

bool IsOpenEnded(const Validity& validity) { return validity.days == 0 && validity.hours == 0; }

const Plan* Catalog::FindPlan(const PlanId& id) const {
  for (const Plan& plan : plans) {
    if (plan.id == id) {
      return &plan;
    }
  }
  return nullptr;
}

const Carrier* Catalog::FindCarrier(CarrierCode code) const {
  for (const Carrier& carrier : carriers) {
    if (carrier.code == code) {
      return &carrier;
    }
  }
  return nullptr;
}

Result<Money> PriceAt(const Plan& plan, Timestamp at) {
  // Versions are sorted, so the effective one is the last that has started.
  const auto after = std::upper_bound(
      plan.prices.begin(), plan.prices.end(), at,
      [](Timestamp t, const PriceVersion& version) { return t < version.effective_from; });
  if (after == plan.prices.begin()) {
    return FailedPrecondition("plan_not_on_sale",
                              "plan " + plan.id.value + " has no price effective at that time");
  }
  return Money::Yen(std::prev(after)->price_jpy);
}

Result<void> ValidatePlan(const Plan& plan) {
  const std::vector<FieldError> errors = PlanProblems(plan);
  if (errors.empty()) {
    return Ok();
  }
  Problems problems("plan_invalid");
  problems.AddAll("", errors);
  return problems.ToError("plan " + plan.id.value);
}

Result<void> ValidateCatalog(const Catalog& catalog) {
  Problems problems("catalog_invalid");
  CheckCarriers(catalog, problems);
  CheckPlans(catalog, problems);
  if (problems.empty()) {
    return Ok();
  }
  return problems.ToError("catalog");
}

}  // namespace simkeep::domain
