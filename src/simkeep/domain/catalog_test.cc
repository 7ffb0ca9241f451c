#include "simkeep/domain/catalog.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

Timestamp At(const char* rfc3339) {
  std::optional<Timestamp> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(Timestamp{});
}

// A valid povo-style 3 GB topping.
Plan Topping() {
  Plan plan;
  plan.id = PlanId{"test-topping-3gb"};
  plan.carrier = CarrierCode::kAu;
  plan.name = "TEST topping 3 GB";
  plan.kind = PlanKind::kTopping;
  plan.service = ServiceKind::kVoice;
  plan.prices = {{At("2025-01-01T00:00:00+09:00"), 990}};
  plan.bundles = {{BundleKind::kData, 3'000'000'000}};
  plan.validity = {30, 0, DayConvention::kHours24EndOfDay, StartTrigger::kPurchase};
  plan.renewal_mode = RenewalMode::kStack;
  plan.throttle = {{0, 128}};
  return plan;
}

// A valid SoftBank-style recharge card: +60 days, cap 360.
Plan Card() {
  Plan plan = Topping();
  plan.id = PlanId{"test-card"};
  plan.carrier = CarrierCode::kSoftbank;
  plan.kind = PlanKind::kRenewal;
  plan.bundles.clear();
  plan.throttle.clear();
  plan.validity = {60, 0, DayConvention::kHours24EndOfDay, StartTrigger::kPurchase};
  plan.renewal_mode = RenewalMode::kExtend;
  plan.extend_cap_days = 360;
  return plan;
}

Catalog SmallCatalog() {
  Catalog catalog;
  catalog.carriers.push_back(Carrier{CarrierCode::kAu, "au", KeepRule{180, 0, 30, 180, 660}, {}});
  catalog.carriers.push_back(
      Carrier{CarrierCode::kSoftbank, "SoftBank", KeepRule{0, 360, 0, 180, 0}, {"B1", "n77"}});
  catalog.plans = {Topping(), Card()};
  return catalog;
}

bool HasField(const Error& error, const std::string& field) {
  return std::any_of(error.errors.begin(), error.errors.end(),
                     [&](const FieldError& e) { return e.field == field; });
}

TEST(CatalogNamesTest, EveryEnumRoundTripsThroughItsName) {
  for (CarrierCode code :
       {CarrierCode::kDocomo, CarrierCode::kAu, CarrierCode::kSoftbank, CarrierCode::kRakuten}) {
    EXPECT_EQ(ParseCarrierCode(CarrierCodeName(code)), code);
  }
  for (PlanKind kind : {PlanKind::kRenewal, PlanKind::kTopping, PlanKind::kTopup}) {
    EXPECT_EQ(ParsePlanKind(PlanKindName(kind)), kind);
  }
  for (BundleKind kind :
       {BundleKind::kData, BundleKind::kVoice, BundleKind::kSms, BundleKind::kUnlimited}) {
    EXPECT_EQ(ParseBundleKind(BundleKindName(kind)), kind);
  }
  for (DayConvention convention :
       {DayConvention::kHours24, DayConvention::kHours24EndOfDay, DayConvention::kCalendarDays}) {
    EXPECT_EQ(ParseDayConvention(DayConventionName(convention)), convention);
  }
  for (StartTrigger trigger : {StartTrigger::kPurchase, StartTrigger::kRedemption,
                               StartTrigger::kProfileInstall, StartTrigger::kFirstAttach}) {
    EXPECT_EQ(ParseStartTrigger(StartTriggerName(trigger)), trigger);
  }
  for (RenewalMode mode : {RenewalMode::kExtend, RenewalMode::kStack}) {
    EXPECT_EQ(ParseRenewalMode(RenewalModeName(mode)), mode);
  }
  for (ServiceKind kind : {ServiceKind::kVoice, ServiceKind::kData}) {
    EXPECT_EQ(ParseServiceKind(ServiceKindName(kind)), kind);
  }
}

TEST(CatalogNamesTest, NamesAreTheDocumentedSpellings) {
  EXPECT_STREQ(CarrierCodeName(CarrierCode::kSoftbank), "softbank");
  EXPECT_STREQ(DayConventionName(DayConvention::kHours24EndOfDay), "hours_24_end_of_day");
  EXPECT_STREQ(StartTriggerName(StartTrigger::kProfileInstall), "profile_install");
  EXPECT_STREQ(BundleUnitName(BundleKind::kData), "bytes");
  EXPECT_STREQ(BundleUnitName(BundleKind::kUnlimited), "bytes");
  EXPECT_STREQ(BundleUnitName(BundleKind::kVoice), "seconds");
  EXPECT_STREQ(BundleUnitName(BundleKind::kSms), "messages");
}

TEST(CatalogNamesTest, ParsersRejectAnythingElse) {
  EXPECT_FALSE(ParseCarrierCode("Docomo"));
  EXPECT_FALSE(ParseCarrierCode(""));
  EXPECT_FALSE(ParsePlanKind("top-up"));
  EXPECT_FALSE(ParseBundleKind("data "));
  EXPECT_FALSE(ParseDayConvention("calendar"));
  EXPECT_FALSE(ParseStartTrigger("install"));
  EXPECT_FALSE(ParseRenewalMode("EXTEND"));
  EXPECT_FALSE(ParseServiceKind("sms"));
}

TEST(CatalogTest, FindsPlansAndCarriers) {
  const Catalog catalog = SmallCatalog();
  ASSERT_NE(catalog.FindPlan(PlanId{"test-card"}), nullptr);
  EXPECT_EQ(catalog.FindPlan(PlanId{"test-card"})->extend_cap_days, 360);
  EXPECT_EQ(catalog.FindPlan(PlanId{"missing"}), nullptr);
  ASSERT_NE(catalog.FindCarrier(CarrierCode::kAu), nullptr);
  EXPECT_EQ(catalog.FindCarrier(CarrierCode::kAu)->keep.keep_window_days, 180);
  EXPECT_EQ(catalog.FindCarrier(CarrierCode::kRakuten), nullptr);
}

TEST(PriceAtTest, PicksTheLatestEffectiveVersion) {
  Plan plan = Topping();
  plan.prices.push_back({At("2026-04-01T00:00:00+09:00"), 1100});
  EXPECT_EQ(*PriceAt(plan, At("2025-01-01T00:00:00+09:00")), Money::Yen(990));
  EXPECT_EQ(*PriceAt(plan, At("2026-03-31T23:59:59+09:00")), Money::Yen(990));
  EXPECT_EQ(*PriceAt(plan, At("2026-04-01T00:00:00+09:00")), Money::Yen(1100));
  EXPECT_EQ(*PriceAt(plan, At("2030-01-01T00:00:00Z")), Money::Yen(1100));
}

TEST(PriceAtTest, BeforeTheFirstVersionThePlanIsNotOnSale) {
  const Result<Money> price = PriceAt(Topping(), At("2024-12-31T23:59:59+09:00"));
  ASSERT_FALSE(price);
  EXPECT_EQ(price.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(price.error().reason, "plan_not_on_sale");
}

TEST(ValidatePlanTest, AcceptsValidPlans) {
  EXPECT_TRUE(ValidatePlan(Topping()));
  EXPECT_TRUE(ValidatePlan(Card()));
}

TEST(ValidatePlanTest, AcceptsAnOpenEndedBasePlan) {
  Plan plan = Topping();
  plan.kind = PlanKind::kRenewal;
  plan.bundles.clear();
  plan.validity = {0, 0, DayConvention::kHours24, StartTrigger::kPurchase};
  EXPECT_TRUE(IsOpenEnded(plan.validity));
  EXPECT_TRUE(ValidatePlan(plan));
  plan.bundles = {{BundleKind::kData, 1}};
  EXPECT_FALSE(ValidatePlan(plan));
}

void ExpectInvalid(const Plan& plan, const std::string& field) {
  const Result<void> result = ValidatePlan(plan);
  ASSERT_FALSE(result) << field;
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().reason, "plan_invalid");
  EXPECT_NE(result.error().message.find(plan.id.value), std::string::npos);
  EXPECT_TRUE(HasField(result.error(), field)) << result.error().message;
}

TEST(ValidatePlanTest, RejectsBadPrices) {
  Plan plan = Topping();
  plan.prices.clear();
  ExpectInvalid(plan, "prices");
  plan = Topping();
  plan.prices[0].price_jpy = -1;
  ExpectInvalid(plan, "prices[0].price_jpy");
  plan.prices[0].price_jpy = kPlanPriceJpyMax + 1;
  ExpectInvalid(plan, "prices[0].price_jpy");
  plan.prices[0].price_jpy = kPlanPriceJpyMax;
  EXPECT_TRUE(ValidatePlan(plan));
  plan.prices.push_back(plan.prices[0]);  // Same effective_from: not strictly ascending.
  ExpectInvalid(plan, "prices[1].effective_from");
  plan.prices.assign(kPlanPriceVersionsMax + 1, plan.prices[0]);
  ExpectInvalid(plan, "prices");
}

TEST(ValidatePlanTest, RejectsTaxRatesOtherThanZeroEightOrTen) {
  Plan plan = Topping();
  for (int rate : {0, 8, 10}) {
    plan.tax_rate_percent = rate;
    EXPECT_TRUE(ValidatePlan(plan)) << rate;
  }
  plan.tax_rate_percent = 5;
  ExpectInvalid(plan, "tax_rate_percent");
}

TEST(ValidatePlanTest, RejectsBadBundles) {
  Plan plan = Topping();
  plan.bundles[0].quantity = 0;
  ExpectInvalid(plan, "bundles[0].quantity");
  plan.bundles[0] = {BundleKind::kUnlimited, 5};
  ExpectInvalid(plan, "bundles[0].quantity");
  plan.bundles[0] = {BundleKind::kUnlimited, 0};
  EXPECT_TRUE(ValidatePlan(plan));
  plan = Topping();
  plan.kind = PlanKind::kTopup;
  ExpectInvalid(plan, "bundles");
  plan = Topping();
  plan.service = ServiceKind::kData;
  plan.bundles = {{BundleKind::kVoice, 300}};
  ExpectInvalid(plan, "bundles[0].kind");
}

TEST(ValidatePlanTest, RejectsBadValidity) {
  Plan plan = Topping();
  plan.validity.days = -1;
  ExpectInvalid(plan, "validity.days");
  plan.validity.days = kValidityDaysMax + 1;
  ExpectInvalid(plan, "validity.days");
  plan = Topping();
  plan.validity = {1, 12, DayConvention::kCalendarDays, StartTrigger::kPurchase};
  ExpectInvalid(plan, "validity.hours");
  plan = Topping();
  plan.validity = {0, 0, DayConvention::kHours24, StartTrigger::kPurchase};  // With bundles.
  ExpectInvalid(plan, "validity");
}

TEST(ValidatePlanTest, ExtendPlansNeedDaysAndACapOfAtLeastTheDays) {
  Plan plan = Card();
  plan.extend_cap_days = 60;
  EXPECT_TRUE(ValidatePlan(plan));
  plan.extend_cap_days = 59;
  ExpectInvalid(plan, "extend_cap_days");
  plan = Card();
  plan.validity = {0, 24, DayConvention::kHours24, StartTrigger::kPurchase};
  ExpectInvalid(plan, "validity.days");
  plan = Topping();
  plan.extend_cap_days = 30;  // Meaningless for stack.
  ExpectInvalid(plan, "extend_cap_days");
}

TEST(ValidatePlanTest, RejectsBadThrottleAndCaps) {
  Plan plan = Topping();
  plan.throttle = {{0, 300}, {0, 128}};  // Only the last step may be unlimited.
  ExpectInvalid(plan, "throttle[0].up_to_extra_bytes");
  plan.throttle = {{5'000'000'000, 0}};
  ExpectInvalid(plan, "throttle[0].speed_kbps");
  plan.throttle = {{5'000'000'000, 300}, {0, 128}};
  EXPECT_TRUE(ValidatePlan(plan));
  plan.daily_cap_bytes = 0;
  ExpectInvalid(plan, "daily_cap_bytes");
}

TEST(ValidatePlanTest, RejectsBadRates) {
  Plan plan = Topping();
  plan.voice_jpy_per_30s = -1;
  ExpectInvalid(plan, "voice_jpy_per_30s");
  plan = Topping();
  plan.sms_jpy_tenths = -33;
  ExpectInvalid(plan, "sms_jpy_tenths");
  plan = Topping();
  plan.service = ServiceKind::kData;
  plan.voice_jpy_per_30s = 22;
  ExpectInvalid(plan, "service");
  plan = Topping();
  plan.activate_within_days = -1;
  ExpectInvalid(plan, "activate_within_days");
}

TEST(ValidatePlanTest, ListsEveryProblem) {
  Plan plan = Topping();
  plan.name.clear();
  plan.tax_rate_percent = 3;
  plan.prices[0].price_jpy = -5;
  const Result<void> result = ValidatePlan(plan);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().errors.size(), 3U);
  EXPECT_NE(result.error().message.find("and 2 more"), std::string::npos);
}

TEST(ValidateCatalogTest, AcceptsAConsistentCatalog) {
  EXPECT_TRUE(ValidateCatalog(SmallCatalog()));
}

void ExpectCatalogInvalid(const Catalog& catalog, const std::string& field) {
  const Result<void> result = ValidateCatalog(catalog);
  ASSERT_FALSE(result) << field;
  EXPECT_EQ(result.error().reason, "catalog_invalid");
  EXPECT_TRUE(HasField(result.error(), field)) << result.error().message;
}

TEST(ValidateCatalogTest, RejectsDuplicatePlanIds) {
  Catalog catalog = SmallCatalog();
  catalog.plans.push_back(Topping());
  ExpectCatalogInvalid(catalog, "plans[2].id");
  EXPECT_NE(ValidateCatalog(catalog).error().message.find("test-topping-3gb"), std::string::npos);
}

TEST(ValidateCatalogTest, RejectsDuplicateAndMissingCarriers) {
  Catalog catalog = SmallCatalog();
  catalog.carriers.push_back(catalog.carriers[0]);
  ExpectCatalogInvalid(catalog, "carriers[2].code");
  catalog = SmallCatalog();
  catalog.plans[0].carrier = CarrierCode::kRakuten;
  ExpectCatalogInvalid(catalog, "plans[0].carrier");
}

TEST(ValidateCatalogTest, RejectsBadKeepRules) {
  Catalog catalog = SmallCatalog();
  catalog.carriers[1].keep.grace_days = -1;
  ExpectCatalogInvalid(catalog, "carriers[1].keep.grace_days");
  catalog = SmallCatalog();
  catalog.carriers[0].keep.activity_usage_charge_jpy_min = -660;
  ExpectCatalogInvalid(catalog, "carriers[0].keep.activity_usage_charge_jpy_min");
  catalog = SmallCatalog();
  catalog.carriers[0].name.clear();
  ExpectCatalogInvalid(catalog, "carriers[0].name");
}

TEST(ValidateCatalogTest, ReportsPlanProblemsWithTheirIndexAndPlanId) {
  Catalog catalog = SmallCatalog();
  catalog.plans[1].tax_rate_percent = 5;
  const Result<void> result = ValidateCatalog(catalog);
  ASSERT_FALSE(result);
  ASSERT_EQ(result.error().errors.size(), 1U);
  EXPECT_EQ(result.error().errors[0].field, "plans[1].tax_rate_percent");
  EXPECT_EQ(result.error().errors[0].reason, "plan_invalid");
  EXPECT_NE(result.error().message.find("test-card"), std::string::npos);
}

TEST(ValidateCatalogTest, RejectsTooManyPlans) {
  Catalog catalog = SmallCatalog();
  for (size_t i = catalog.plans.size(); i <= kCatalogPlansMax; ++i) {
    Plan plan = Topping();
    plan.id = PlanId{"plan-" + std::to_string(i)};
    catalog.plans.push_back(plan);
  }
  ExpectCatalogInvalid(catalog, "plans");
  catalog.plans.pop_back();
  EXPECT_TRUE(ValidateCatalog(catalog));
}

}  // namespace
}  // namespace simkeep::domain
