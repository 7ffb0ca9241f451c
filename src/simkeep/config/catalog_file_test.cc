#include "simkeep/config/catalog_file.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "simkeep/base/time.h"

namespace simkeep::config {
namespace {

using Json = nlohmann::json;

const std::string kSamplePath = std::string(SIMKEEP_SOURCE_DIR) + "/data/sample_catalog.json";

Json SampleDocument() {
  std::ifstream file(kSamplePath);
  std::stringstream text;
  text << file.rdbuf();
  return Json::parse(text.str());
}

// A small valid document: one carrier, one plan with only the required keys.
Json MinimalDocument() {
  return Json::parse(R"({
    "format_version": 1,
    "carriers": [{"code": "au", "name": "au",
                  "keep": {"keep_window_days": 180, "grace_days": 0,
                           "suspension_to_termination_days": 30, "number_quarantine_days": 180,
                           "activity_usage_charge_jpy_min": 660}}],
    "plans": [{"id": "p1", "carrier": "au", "name": "SAMPLE p1", "kind": "topping",
               "service": "voice", "renewal_mode": "stack",
               "prices": [{"effective_from": "2025-01-01T00:00:00+09:00", "price_jpy": 990}],
               "validity": {"days": 30, "convention": "hours_24_end_of_day"}}]
  })");
}

bool HasProblem(const Error& error, const std::string& field, const std::string& text) {
  return std::any_of(error.errors.begin(), error.errors.end(), [&](const FieldError& e) {
    return e.field == field && e.reason == "catalog_invalid" &&
           e.message.find(text) != std::string::npos;
  });
}

// Parses `document` and expects a catalog_invalid error naming `field` with `text`.
void ExpectProblem(const std::string& document, const std::string& field, const std::string& text) {
  const Result<domain::Catalog> catalog = ParseCatalogJson(document);
  ASSERT_FALSE(catalog) << field;
  EXPECT_EQ(catalog.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog.error().reason, "catalog_invalid");
  EXPECT_TRUE(HasProblem(catalog.error(), field, text)) << catalog.error().message;
}

void ExpectJsonProblem(const Json& document, const std::string& field, const std::string& text) {
  ExpectProblem(document.dump(), field, text);
}

TEST(CatalogFileTest, LoadsTheShippedSampleCatalog) {
  const Result<domain::Catalog> catalog = LoadCatalogFile(kSamplePath);
  ASSERT_TRUE(catalog) << catalog.error().message;
  EXPECT_EQ(catalog->carriers.size(), 4U);
  ASSERT_EQ(catalog->plans.size(), 17U);
  const Timestamp on_sale = *ParseRfc3339("2025-01-01T00:00:00+09:00");
  for (const domain::Plan& plan : catalog->plans) {
    EXPECT_EQ(plan.name.rfind("SAMPLE ", 0), 0U) << plan.name;
    EXPECT_EQ(plan.id.value.rfind("sample-", 0), 0U) << plan.id.value;
    EXPECT_TRUE(domain::PriceAt(plan, on_sale)) << plan.id.value;
    EXPECT_FALSE(domain::PriceAt(plan, on_sale - std::chrono::seconds(1))) << plan.id.value;
  }
  for (domain::CarrierCode code : {domain::CarrierCode::kDocomo, domain::CarrierCode::kAu,
                                   domain::CarrierCode::kSoftbank, domain::CarrierCode::kRakuten}) {
    EXPECT_NE(catalog->FindCarrier(code), nullptr);
  }
}

TEST(CatalogFileTest, SampleRowsKeepTheirDistinctiveRules) {
  const Result<domain::Catalog> catalog = LoadCatalogFile(kSamplePath);
  ASSERT_TRUE(catalog) << catalog.error().message;
  const domain::KeepRule& au = catalog->FindCarrier(domain::CarrierCode::kAu)->keep;
  EXPECT_EQ(au.keep_window_days, 180);
  EXPECT_EQ(au.activity_usage_charge_jpy_min, 660);
  EXPECT_EQ(au.suspension_to_termination_days, 30);

  const domain::Plan* topping = catalog->FindPlan(PlanId{"sample-au-topping-3gb"});
  ASSERT_NE(topping, nullptr);
  EXPECT_EQ(topping->bundles.at(0).quantity, 3'000'000'000);
  EXPECT_EQ(topping->validity.convention, domain::DayConvention::kHours24EndOfDay);
  EXPECT_TRUE(topping->auto_renewable);

  const domain::Plan* card = catalog->FindPlan(PlanId{"sample-softbank-prepaid-card-3000"});
  ASSERT_NE(card, nullptr);
  EXPECT_EQ(card->renewal_mode, domain::RenewalMode::kExtend);
  EXPECT_EQ(card->validity.days, 60);
  EXPECT_EQ(card->extend_cap_days, 360);

  const domain::Plan* base = catalog->FindPlan(PlanId{"sample-au-base"});
  ASSERT_NE(base, nullptr);
  EXPECT_TRUE(domain::IsOpenEnded(base->validity));
  EXPECT_EQ(base->sms_jpy_tenths, 33);

  const domain::Plan* daily = catalog->FindPlan(PlanId{"sample-docomo-daily-100mb-7d"});
  ASSERT_NE(daily, nullptr);
  EXPECT_EQ(daily->daily_cap_bytes, 100'000'000);
  EXPECT_EQ(daily->validity.start, domain::StartTrigger::kFirstAttach);
}

TEST(CatalogFileTest, OptionalKeysTakeTheirDocumentedDefaults) {
  const Result<domain::Catalog> catalog = ParseCatalogJson(MinimalDocument().dump());
  ASSERT_TRUE(catalog) << catalog.error().message;
  const domain::Plan& plan = catalog->plans.at(0);
  EXPECT_EQ(plan.tax_rate_percent, 10);
  EXPECT_TRUE(plan.kyc_required);
  EXPECT_FALSE(plan.auto_renewable);
  EXPECT_FALSE(plan.daily_cap_bytes.has_value());
  EXPECT_EQ(plan.validity.hours, 0);
  EXPECT_EQ(plan.validity.start, domain::StartTrigger::kPurchase);
  EXPECT_TRUE(plan.bundles.empty());
  EXPECT_TRUE(catalog->carriers.at(0).bands.empty());
}

TEST(CatalogFileTest, RejectsMalformedJson) {
  ExpectProblem(std::string("{\"format_version\": 1,"), "$", "malformed JSON");
  ExpectProblem(std::string(""), "$", "malformed JSON");
  ExpectProblem(std::string("[]"), "$", "must be an object");
}

TEST(CatalogFileTest, RejectsWrongTypes) {
  Json document = MinimalDocument();
  document["plans"][0]["prices"][0]["price_jpy"] = "990";
  ExpectJsonProblem(document, "plans[0].prices[0].price_jpy", "must be an integer");
  document = MinimalDocument();
  document["plans"][0]["validity"]["days"] = 1.5;
  ExpectJsonProblem(document, "plans[0].validity.days", "must be an integer");
  document = MinimalDocument();
  document["plans"][0]["auto_renewable"] = "yes";
  ExpectJsonProblem(document, "plans[0].auto_renewable", "true or false");
  document = MinimalDocument();
  document["plans"] = Json::object();
  ExpectJsonProblem(document, "plans", "must be an array");
  document = MinimalDocument();
  document["plans"][0]["name"] = 7;
  ExpectJsonProblem(document, "plans[0].name", "must be a string");
  document = MinimalDocument();
  document["carriers"][0]["keep"] = Json::array();
  ExpectJsonProblem(document, "carriers[0].keep", "must be an object");
}

TEST(CatalogFileTest, RejectsNumbersOutOfRange) {
  Json document = MinimalDocument();
  document["plans"][0]["validity"]["days"] = 10'000'000'000;  // Does not fit an int.
  ExpectJsonProblem(document, "plans[0].validity.days", "between");
  ExpectProblem(R"({"format_version": 18446744073709551615, "carriers": [], "plans": []})",
                "format_version", "between");
}

TEST(CatalogFileTest, RejectsUnknownEnumNames) {
  Json document = MinimalDocument();
  document["plans"][0]["kind"] = "toppng";
  ExpectJsonProblem(document, "plans[0].kind", "\"toppng\" (expected renewal, topping or topup)");
  document = MinimalDocument();
  document["plans"][0]["validity"]["convention"] = "calendar";
  ExpectJsonProblem(document, "plans[0].validity.convention", "calendar");
  document = MinimalDocument();
  document["carriers"][0]["code"] = "kddi";
  ExpectJsonProblem(document, "carriers[0].code", "kddi");
}

TEST(CatalogFileTest, RejectsMissingKeys) {
  Json document = MinimalDocument();
  document["plans"][0].erase("name");
  ExpectJsonProblem(document, "plans[0].name", "is required");
  document = MinimalDocument();
  document["plans"][0]["renewal_mode"] = nullptr;
  ExpectJsonProblem(document, "plans[0].renewal_mode", "is required");
  document = MinimalDocument();
  document["carriers"][0]["keep"].erase("grace_days");
  ExpectJsonProblem(document, "carriers[0].keep.grace_days", "is required");
  document = MinimalDocument();
  document.erase("plans");
  ExpectJsonProblem(document, "plans", "is required");
}

TEST(CatalogFileTest, RejectsUnknownKeys) {
  Json document = MinimalDocument();
  document["plans"][0]["auto_renew"] = true;
  ExpectJsonProblem(document, "plans[0].auto_renew", "unknown key");
  document = MinimalDocument();
  document["extra"] = 1;
  ExpectJsonProblem(document, "extra", "unknown key");
}

TEST(CatalogFileTest, RejectsBundleUnitsThatDoNotMatchTheKind) {
  Json document = MinimalDocument();
  document["plans"][0]["bundles"] =
      Json::parse(R"([{"kind": "data", "quantity": 3000, "unit": "megabytes"}])");
  ExpectJsonProblem(document, "plans[0].bundles[0].unit", "\"bytes\"");
  document["plans"][0]["bundles"] =
      Json::parse(R"([{"kind": "voice", "quantity": 300, "unit": "seconds"}])");
  EXPECT_TRUE(ParseCatalogJson(document.dump()));
}

TEST(CatalogFileTest, RejectsBadTimes) {
  Json document = MinimalDocument();
  document["plans"][0]["prices"][0]["effective_from"] = "2025-01-01";
  ExpectJsonProblem(document, "plans[0].prices[0].effective_from", "RFC 3339");
  document["plans"][0]["prices"][0]["effective_from"] = "";
  ExpectJsonProblem(document, "plans[0].prices[0].effective_from", "RFC 3339");
}

TEST(CatalogFileTest, RejectsDuplicatePlanIds) {
  Json document = SampleDocument();
  document["plans"][2]["id"] = document["plans"][1]["id"];
  const std::string id = document["plans"][1]["id"].get<std::string>();
  ExpectJsonProblem(document, "plans[2].id", "duplicate plan id " + id);
}

TEST(CatalogFileTest, RejectsDuplicateJsonKeys) {
  std::string text = MinimalDocument().dump();
  text.insert(text.find("\"format_version\""), "\"format_version\": 1, ");
  ExpectProblem(text, "$", "duplicate key \"format_version\"");
}

TEST(CatalogFileTest, ReportsDomainValidationFailures) {
  Json document = MinimalDocument();
  document["plans"][0]["prices"][0]["price_jpy"] = -1;
  document["plans"][0]["carrier"] = "rakuten";
  const Result<domain::Catalog> catalog = ParseCatalogJson(document.dump());
  ASSERT_FALSE(catalog);
  EXPECT_EQ(catalog.error().reason, "catalog_invalid");
  EXPECT_EQ(catalog.error().errors.size(), 2U);
  EXPECT_NE(catalog.error().message.find("p1"), std::string::npos);
}

TEST(CatalogFileTest, RejectsUnsupportedFormatVersions) {
  Json document = MinimalDocument();
  document["format_version"] = 2;
  ExpectJsonProblem(document, "format_version", "unsupported");
}

TEST(CatalogFileTest, ListsEveryProblemInOneError) {
  Json document = MinimalDocument();
  document["plans"][0].erase("name");
  document["plans"][0]["kind"] = "x";
  document["carriers"][0]["name"] = false;
  const Result<domain::Catalog> catalog = ParseCatalogJson(document.dump());
  ASSERT_FALSE(catalog);
  EXPECT_EQ(catalog.error().errors.size(), 3U);
  EXPECT_NE(catalog.error().message.find("and 2 more problems"), std::string::npos);
}

TEST(CatalogFileTest, CapsTheNumberOfListedProblems) {
  Json document = MinimalDocument();
  for (size_t i = 0; i < kCatalogProblemsMax + 10; ++i) {
    document["plans"][0]["unknown_" + std::to_string(i)] = 1;
  }
  const Result<domain::Catalog> catalog = ParseCatalogJson(document.dump());
  ASSERT_FALSE(catalog);
  EXPECT_EQ(catalog.error().errors.size(), kCatalogProblemsMax);
  EXPECT_NE(catalog.error().message.find("and 109 more problems"), std::string::npos);
}

TEST(CatalogFileTest, RejectsDocumentsNestedTooDeeply) {
  Json document = MinimalDocument();
  Json nested = "deep";
  for (int i = 0; i < kCatalogJsonDepthMax; ++i) {
    nested = Json::array({nested});
  }
  document["notes"] = Json::array({nested});
  ExpectJsonProblem(document, "$", "nested deeper");
  EXPECT_FALSE(ParseCatalogJson(std::string(100'000, '[') + std::string(100'000, ']')));
}

TEST(CatalogFileTest, RejectsDocumentsOverTheSizeLimit) {
  std::string text = MinimalDocument().dump();
  text.append(kCatalogFileBytesMax + 1 - text.size(), ' ');
  ExpectProblem(text, "$", "larger than");
  text.pop_back();
  EXPECT_TRUE(ParseCatalogJson(text));
}

TEST(CatalogFileTest, ReportsUnreadableFiles) {
  const Result<domain::Catalog> missing = LoadCatalogFile(kSamplePath + ".missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(missing.error().reason, "catalog_file_unreadable");
  EXPECT_NE(missing.error().message.find(".missing"), std::string::npos);

  const Result<domain::Catalog> directory = LoadCatalogFile(std::string(SIMKEEP_SOURCE_DIR));
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().reason, "catalog_file_unreadable");
}

}  // namespace
}  // namespace simkeep::config
