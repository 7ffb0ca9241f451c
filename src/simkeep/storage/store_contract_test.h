#ifndef SIMKEEP_STORAGE_STORE_CONTRACT_TEST_H_
#define SIMKEEP_STORAGE_STORE_CONTRACT_TEST_H_

// The storage contract: one value-parameterised GoogleTest suite that every adapter of the
// storage port (app/ports.h) must pass, so that SQLite and PostgreSQL behave alike. An adapter's
// test file includes this header once and instantiates the suite with its backend:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            ::testing::Values(MakeSqliteBackend()),
//                            simkeep::storage::testing::BackendName);
//
// Each test gets an empty store from the backend, migrates it and seeds a small catalog and a
// few ledger accounts. Everything the tests check goes through the port, except what the
// database itself must refuse (updating a receipt, a negative wallet row): that goes through the
// backend's raw-SQL hook, in SQL valid for every backend.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "simkeep/app/limits.h"
#include "simkeep/app/ports.h"

namespace simkeep::storage::testing {

// Opens the store a test runs against. Every call opens the same store, so that a commit made
// through one Database is seen through the next (closing and reopening is a test).
using DatabaseFactory = std::function<std::unique_ptr<app::Database>()>;

// What an adapter provides to run the contract.
struct StoreContractBackend {
  std::string name;  // A test-name suffix: letters and digits only.
  // Creates a new, empty store and returns its factory. The store is removed when the last copy
  // of the factory is destroyed.
  std::function<DatabaseFactory()> make_empty_store;
  // Runs `sql` as is on `session` (inside its open transaction).
  std::function<Result<void>(app::Session& session, std::string_view sql)> execute_sql;
};

inline std::string BackendName(const ::testing::TestParamInfo<StoreContractBackend>& info) {
  return info.param.name;
}

// ---------------------------------------------------------------------------------------------
// Assertions and sample data.

template <typename T>
::testing::AssertionResult IsOk(const Result<T>& result) {
  if (result) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << ErrorCodeName(result.error().code) << " "
                                       << result.error().reason << ": " << result.error().message;
}

template <typename T>
::testing::AssertionResult IsError(const Result<T>& result, ErrorCode code,
                                   std::string_view reason) {
  if (result) {
    return ::testing::AssertionFailure() << "succeeded; expected " << reason;
  }
  if (result.error().code != code || result.error().reason != reason) {
    return ::testing::AssertionFailure()
           << "got " << ErrorCodeName(result.error().code) << " " << result.error().reason << " ("
           << result.error().message << "); expected " << ErrorCodeName(code) << " " << reason;
  }
  return ::testing::AssertionSuccess();
}

// 2026-04-01 00:00:00 UTC plus `seconds`.
inline Timestamp At(int64_t seconds) {
  return FromMicros(1'775'001'600'000'000 + seconds * 1'000'000);
}

// Text renderings of every field, so that a round trip is compared field by field and a
// difference shows which field it is.
inline std::string Dump(const domain::Catalog& catalog) {
  std::ostringstream out;
  for (const domain::Carrier& carrier : catalog.carriers) {
    out << "carrier " << domain::CarrierCodeName(carrier.code) << "|" << carrier.name << "|"
        << carrier.keep.keep_window_days << "|" << carrier.keep.grace_days << "|"
        << carrier.keep.suspension_to_termination_days << "|" << carrier.keep.number_quarantine_days
        << "|" << carrier.keep.activity_usage_charge_jpy_min << "|bands";
    for (const std::string& band : carrier.bands) {
      out << " " << band;
    }
    out << "\n";
  }
  for (const domain::Plan& plan : catalog.plans) {
    out << "plan " << plan.id.value << "|" << domain::CarrierCodeName(plan.carrier) << "|"
        << plan.name << "|" << domain::PlanKindName(plan.kind) << "|"
        << domain::ServiceKindName(plan.service) << "|" << plan.tax_rate_percent << "|"
        << plan.validity.days << "d" << plan.validity.hours << "h|"
        << domain::DayConventionName(plan.validity.convention) << "|"
        << domain::StartTriggerName(plan.validity.start) << "|"
        << domain::RenewalModeName(plan.renewal_mode) << "|" << plan.extend_cap_days << "|"
        << (plan.daily_cap_bytes ? std::to_string(*plan.daily_cap_bytes) : "-") << "|"
        << plan.auto_renewable << "|" << plan.voice_jpy_per_30s << "|" << plan.sms_jpy_tenths << "|"
        << plan.free_call_length_seconds << "|" << plan.activate_within_days << "|"
        << plan.kyc_required << "\n";
    for (const domain::PriceVersion& price : plan.prices) {
      out << "  price " << ToMicros(price.effective_from) << " " << price.price_jpy << "\n";
    }
    for (const domain::Bundle& bundle : plan.bundles) {
      out << "  bundle " << domain::BundleKindName(bundle.kind) << " " << bundle.quantity << "\n";
    }
    for (const domain::ThrottleStep& step : plan.throttle) {
      out << "  throttle " << step.up_to_extra_bytes << " " << step.speed_kbps << "\n";
    }
  }
  return out.str();
}

inline std::string DumpTime(const std::optional<Timestamp>& t) {
  return t ? std::to_string(ToMicros(*t)) : "-";
}

inline std::string Dump(const domain::Line& line) {
  std::ostringstream out;
  out << line.id.value << "|" << line.iccid << "|" << line.msisdn << "|" << line.number_class << "|"
      << line.imsi << "|" << line.eid << "|" << domain::CarrierCodeName(line.carrier) << "|"
      << domain::FormFactorName(line.form_factor) << "|" << domain::ServiceKindName(line.service)
      << "|" << domain::LineStateName(line.state) << "|" << DumpTime(line.expires_at) << "|"
      << DumpTime(line.activate_by) << "|" << line.plan_id.value << "|"
      << line.wallet_account_id.value << "|";
  if (line.esim) {
    out << "esim " << line.esim->smdp_address << "|" << line.esim->matching_id << "|"
        << line.esim->smdp_oid << "|" << line.esim->confirmation_code_required << "|"
        << line.esim->confirmation_code_sealed;
  } else {
    out << "no esim";
  }
  out << "|" << ToMicros(line.created_at) << "|" << ToMicros(line.updated_at);
  return out.str();
}

inline std::string Dump(const domain::Order& order) {
  std::ostringstream out;
  out << order.id.value << "|" << order.line_id.value << "|" << domain::OrderKindName(order.kind)
      << "|" << domain::OrderStatusName(order.status) << "|" << order.plan_id.value << "|"
      << order.amount_jpy << "|" << domain::ChannelName(order.channel) << "|"
      << order.idempotency_key << "|" << order.failure_reason << "|"
      << order.receipt_number.value_or("-") << "|" << ToMicros(order.created_at) << "|"
      << DumpTime(order.completed_at);
  return out.str();
}

inline std::string Dump(const domain::Payment& payment) {
  std::ostringstream out;
  out << payment.id.value << "|" << payment.order_id.value << "|"
      << domain::PaymentMethodName(payment.method) << "|" << payment.provider << "|"
      << domain::PaymentStatusName(payment.status) << "|" << payment.amount_jpy << "|"
      << payment.failure_reason << "|" << payment.provider_reference << "|" << payment.card_brand
      << "|" << payment.card_last4 << "|" << ToMicros(payment.created_at) << "|"
      << ToMicros(payment.updated_at) << "|" << payment.saved_method_id.value << "|"
      << payment.idempotency_key;
  return out.str();
}

inline std::string Dump(const domain::SavedPaymentMethod& saved) {
  std::ostringstream out;
  out << saved.id.value << "|" << saved.line_id.value << "|"
      << domain::PaymentMethodName(saved.method) << "|" << saved.provider << "|"
      << domain::SavedMethodStatusName(saved.status) << "|" << saved.token << "|"
      << saved.card_brand << "|" << saved.card_last4 << "|" << saved.exp_month << "/"
      << saved.exp_year << "|" << saved.failure_reason << "|" << saved.idempotency_key << "|"
      << ToMicros(saved.created_at) << "|" << ToMicros(saved.updated_at);
  return out.str();
}

inline std::string Dump(const domain::Receipt& receipt) {
  std::ostringstream out;
  out << receipt.number << "|" << receipt.order_id.value << "|" << receipt.line_id.value << "|"
      << domain::ReceiptKindName(receipt.kind) << "|" << receipt.issuer_name << "|"
      << receipt.invoice_registration_number << "|" << receipt.channel << "|"
      << receipt.payment_method << "|" << ToMicros(receipt.issued_at) << "\n";
  for (const domain::ReceiptLine& line : receipt.lines) {
    out << "  line " << line.description << "|" << line.quantity << "|" << line.unit_price_jpy
        << "|" << line.tax_rate_percent << "|" << line.taxable << "\n";
  }
  for (const domain::RateTotal& rate : receipt.totals.by_rate) {
    out << "  rate " << rate.tax_rate_percent << "|" << rate.total_including_tax_jpy << "|"
        << rate.tax_jpy << "|" << rate.total_excluding_tax_jpy << "\n";
  }
  out << "  non_taxable " << receipt.totals.non_taxable_jpy << " total "
      << receipt.totals.total_jpy;
  return out.str();
}

inline std::string Dump(const domain::Bucket& bucket) {
  std::ostringstream out;
  out << bucket.id.value << "|" << bucket.line_id.value << "|"
      << domain::BundleKindName(bucket.kind) << "|" << bucket.initial << "|" << bucket.remaining
      << "|" << ToMicros(bucket.starts_at) << "|" << ToMicros(bucket.expires_at) << "|"
      << bucket.order_id.value;
  return out.str();
}

// A stacking data topping on au.
inline domain::Plan SampleTopping() {
  domain::Plan topping;
  topping.id.value = "pl_au_topping_3gb";
  topping.carrier = domain::CarrierCode::kAu;
  topping.name = "SAMPLE data topping 3 GB";
  topping.kind = domain::PlanKind::kTopping;
  topping.service = domain::ServiceKind::kData;
  topping.prices = {{At(0), 990}, {At(86'400), 1'090}};
  topping.bundles = {{domain::BundleKind::kData, 3'000'000'000}};
  topping.validity = {30, 0, domain::DayConvention::kHours24EndOfDay,
                      domain::StartTrigger::kPurchase};
  topping.renewal_mode = domain::RenewalMode::kStack;
  topping.throttle = {{0, 128}};
  topping.auto_renewable = true;
  topping.kyc_required = false;
  return topping;
}

// An extending voice recharge on docomo that sets every other field to a non-default value.
inline domain::Plan SampleRecharge() {
  domain::Plan recharge;
  recharge.id.value = "pl_docomo_recharge";
  recharge.carrier = domain::CarrierCode::kDocomo;
  recharge.name = "SAMPLE recharge 60 days";
  recharge.kind = domain::PlanKind::kRenewal;
  recharge.service = domain::ServiceKind::kVoice;
  recharge.prices = {{At(0), 3'000}};
  recharge.tax_rate_percent = 8;
  recharge.bundles = {{domain::BundleKind::kVoice, 600},
                      {domain::BundleKind::kSms, 50},
                      {domain::BundleKind::kData, 1'000'000'000}};
  recharge.validity = {60, 0, domain::DayConvention::kCalendarDays,
                       domain::StartTrigger::kFirstAttach};
  recharge.renewal_mode = domain::RenewalMode::kExtend;
  recharge.extend_cap_days = 360;
  recharge.throttle = {{1'000'000'000, 1'000}, {0, 128}};
  recharge.daily_cap_bytes = 100'000'000;
  recharge.voice_jpy_per_30s = 22;
  recharge.sms_jpy_tenths = 33;
  recharge.free_call_length_seconds = 300;
  recharge.activate_within_days = 30;
  return recharge;
}

// Two carriers and two plans, in the order LoadCatalog returns them (carriers in CarrierCode
// order, plans by id).
inline domain::Catalog SampleCatalog() {
  domain::Catalog catalog;
  catalog.carriers.push_back(domain::Carrier{
      domain::CarrierCode::kDocomo, "NTT docomo", domain::KeepRule{0, 30, 60, 180, 0}, {}});
  catalog.carriers.push_back(domain::Carrier{domain::CarrierCode::kAu,
                                             "au (KDDI)",
                                             domain::KeepRule{180, 0, 30, 365, 660},
                                             {"B1", "B18", "n78"}});
  catalog.plans = {SampleTopping(), SampleRecharge()};
  return catalog;
}

// An eSIM voice line with every field set; `n` makes the unique fields unique.
inline domain::Line SampleLine(int n) {
  const std::string digits = std::to_string(1000 + n);
  domain::Line line;
  line.id.value = "ln_" + digits;
  line.iccid = "898110123456789" + digits;
  line.msisdn = "+8190123" + digits + "0";
  line.number_class = "voice_mobile";
  line.imsi = "44010123456" + digits;
  line.eid = "8904903212345123451234567890" + digits;
  line.carrier = domain::CarrierCode::kDocomo;
  line.form_factor = domain::FormFactor::kEsim;
  line.service = domain::ServiceKind::kVoice;
  line.state = domain::LineState::kActive;
  line.expires_at = At(30 * 86'400);
  line.activate_by = At(7 * 86'400);
  line.plan_id.value = "pl_docomo_recharge";
  line.wallet_account_id.value = "ac_wallet";
  line.esim = domain::EsimProfile{"smdp.example.com", "MATCH-" + digits, "1.3.6.1.4.1.31746", true,
                                  "sealed-box-" + digits};
  line.created_at = At(n);
  line.updated_at = At(n + 1);
  return line;
}

inline ledger::Account SampleAccount(std::string id, ledger::AccountKind kind) {
  return ledger::MakeAccount(AccountId{std::move(id)}, kind);
}

inline domain::Order SampleOrder(std::string id, Timestamp created_at) {
  domain::Order order;
  order.id.value = std::move(id);
  order.line_id.value = "ln_1001";
  order.kind = domain::OrderKind::kRenewal;
  order.status = domain::OrderStatus::kPending;
  order.plan_id.value = "pl_docomo_recharge";
  order.amount_jpy = 3'000;
  order.channel = domain::Channel::kKiosk;
  order.idempotency_key = "key-" + order.id.value;
  order.created_at = created_at;
  return order;
}

inline domain::Payment SamplePayment(std::string id, std::string order_id, Timestamp at) {
  domain::Payment payment;
  payment.id.value = std::move(id);
  payment.order_id.value = std::move(order_id);
  payment.method = domain::PaymentMethod::kCard;
  payment.provider = "sandbox";
  payment.status = domain::PaymentStatus::kPending;
  payment.amount_jpy = 3'000;
  payment.provider_reference = "sb_123";
  payment.card_brand = "visa";
  payment.card_last4 = "4242";
  payment.saved_method_id.value = "pm_1";
  payment.idempotency_key = "ak_1:key-1";
  payment.created_at = at;
  payment.updated_at = at;
  return payment;
}

inline domain::SavedPaymentMethod SampleSavedMethod(std::string id, std::string line_id,
                                                    Timestamp at) {
  domain::SavedPaymentMethod saved;
  saved.id.value = std::move(id);
  saved.line_id.value = std::move(line_id);
  saved.provider = "sandbox";
  saved.status = domain::SavedMethodStatus::kPending;
  saved.idempotency_key = "ak_1:save-1";
  saved.created_at = at;
  saved.updated_at = at;
  return saved;
}

inline domain::Receipt SampleReceipt(std::string number, std::string order_id) {
  domain::Receipt receipt;
  receipt.number = std::move(number);
  receipt.order_id.value = std::move(order_id);
  receipt.line_id.value = "ln_1001";
  receipt.kind = domain::ReceiptKind::kQualifiedInvoice;
  receipt.issuer_name = "SAMPLE Mobile K.K.";
  receipt.invoice_registration_number = "T7010705000725";
  receipt.channel = "kiosk";
  receipt.payment_method = "card";
  receipt.lines = {{"SAMPLE recharge 60 days", 1, 3'000, 10, true},
                   {"Data pass", 3, 330, 8, true},
                   {"Balance top-up", 1, 1'000, 0, false}};
  receipt.totals.by_rate = {{8, 990, 73, 917}, {10, 3'000, 272, 2'728}};
  receipt.totals.non_taxable_jpy = 1'000;
  receipt.totals.total_jpy = 4'990;
  receipt.issued_at = At(3'600);
  return receipt;
}

inline ledger::Transfer SampleTransfer(std::string id, std::string debit, std::string credit,
                                       int64_t amount) {
  ledger::Transfer transfer;
  transfer.id.value = std::move(id);
  transfer.debit_account_id.value = std::move(debit);
  transfer.credit_account_id.value = std::move(credit);
  transfer.amount = Money::Yen(amount);
  transfer.kind = ledger::TransferKind::kPosted;
  transfer.created_at = At(60);
  transfer.code = "topup";
  transfer.reference = "or_1";
  return transfer;
}

// ---------------------------------------------------------------------------------------------
// The fixture.

class StoreContractTest : public ::testing::TestWithParam<StoreContractBackend> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make_empty_store();
    database_ = factory_();
    ASSERT_NE(database_, nullptr);
    Result<int> migrated = database_->Migrate();
    ASSERT_TRUE(IsOk(migrated));
    EXPECT_GE(*migrated, 1);
    session_ = Connect();
    ASSERT_NE(session_, nullptr);
    Write([](app::Transaction& transaction) {
      ASSERT_TRUE(IsOk(transaction.SaveCatalog(SampleCatalog())));
      ASSERT_TRUE(IsOk(transaction.InsertAccount(
          SampleAccount("ac_wallet", ledger::AccountKind::kCustomerWallet))));
      ASSERT_TRUE(IsOk(transaction.InsertAccount(
          SampleAccount("ac_clearing", ledger::AccountKind::kProviderClearing))));
      ASSERT_TRUE(IsOk(
          transaction.InsertAccount(SampleAccount("ac_revenue", ledger::AccountKind::kRevenue))));
    });
  }

  void TearDown() override {
    session_.reset();
    database_.reset();
    factory_ = nullptr;
  }

  std::unique_ptr<app::Session> Connect() {
    Result<std::unique_ptr<app::Session>> session = database_->Connect();
    EXPECT_TRUE(IsOk(session));
    return session ? std::move(*session) : nullptr;
  }

  // Runs `body` in a write transaction on the main session and commits it.
  void Write(const std::function<void(app::Transaction&)>& body) {
    ASSERT_TRUE(IsOk(session_->Begin(false)));
    body(session_->transaction());
    ASSERT_TRUE(IsOk(session_->Commit()));
  }

  // Runs `body` in a read-only transaction on the main session.
  void Read(const std::function<void(app::Transaction&)>& body) {
    ASSERT_TRUE(IsOk(session_->Begin(true)));
    body(session_->transaction());
    ASSERT_TRUE(IsOk(session_->Rollback()));
  }

  Result<void> ExecuteSql(std::string_view sql) { return GetParam().execute_sql(*session_, sql); }

  // Inserts SampleLine(n) for each n.
  void InsertLines(const std::vector<int>& numbers) {
    Write([&](app::Transaction& transaction) {
      for (int n : numbers) {
        ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(n))));
      }
    });
  }

  DatabaseFactory factory_;
  std::unique_ptr<app::Database> database_;
  std::unique_ptr<app::Session> session_;
};

// ---------------------------------------------------------------------------------------------
// Schema and catalog.

TEST_P(StoreContractTest, MigrateTwiceRunsNothingTheSecondTime) {
  Result<int> again = database_->Migrate();
  ASSERT_TRUE(IsOk(again));
  EXPECT_EQ(*again, 0);
}

TEST_P(StoreContractTest, SchemaVersionIsZeroBeforeMigrateAndTheLatestAfter) {
  ASSERT_GT(database_->SchemaVersionLatest(), 0);
  Result<int64_t> migrated = database_->SchemaVersion();
  ASSERT_TRUE(IsOk(migrated));
  EXPECT_EQ(*migrated, database_->SchemaVersionLatest());

  DatabaseFactory fresh_factory = GetParam().make_empty_store();
  std::unique_ptr<app::Database> fresh = fresh_factory();
  ASSERT_NE(fresh, nullptr);
  Result<int64_t> fresh_version = fresh->SchemaVersion();
  ASSERT_TRUE(IsOk(fresh_version));
  EXPECT_EQ(*fresh_version, 0);
  // Reading the version created nothing: the store still migrates from scratch.
  Result<int64_t> again = fresh->SchemaVersion();
  ASSERT_TRUE(IsOk(again));
  EXPECT_EQ(*again, 0);
  Result<int> ran = fresh->Migrate();
  ASSERT_TRUE(IsOk(ran));
  EXPECT_GE(*ran, 1);
}

TEST_P(StoreContractTest, CatalogRoundTripsEveryField) {
  Read([](app::Transaction& transaction) {
    Result<domain::Catalog> loaded = transaction.LoadCatalog();
    ASSERT_TRUE(IsOk(loaded));
    EXPECT_EQ(Dump(*loaded), Dump(SampleCatalog()));
  });
}

TEST_P(StoreContractTest, SaveCatalogAddsNewPricesAndNeverRewritesStoredFields) {
  domain::Catalog changed = SampleCatalog();
  changed.plans[0].name = "renamed";
  changed.plans[0].prices.push_back({At(2 * 86'400), 1'190});
  changed.carriers[1].keep.grace_days = 99;
  Write(
      [&](app::Transaction& transaction) { ASSERT_TRUE(IsOk(transaction.SaveCatalog(changed))); });
  Read([](app::Transaction& transaction) {
    Result<domain::Catalog> loaded = transaction.LoadCatalog();
    ASSERT_TRUE(IsOk(loaded));
    const domain::Plan* topping = loaded->FindPlan(PlanId{"pl_au_topping_3gb"});
    ASSERT_NE(topping, nullptr);
    EXPECT_EQ(topping->name, "SAMPLE data topping 3 GB");
    ASSERT_EQ(topping->prices.size(), 3u);
    EXPECT_EQ(topping->prices[2].price_jpy, 1'190);
    EXPECT_EQ(loaded->FindCarrier(domain::CarrierCode::kAu)->keep.grace_days, 0);
  });
}

TEST_P(StoreContractTest, SaveCatalogRefusesToRewriteAPriceVersion) {
  domain::Catalog rewritten = SampleCatalog();
  rewritten.plans[0].prices[0].price_jpy = 1;
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().SaveCatalog(rewritten),
                      ErrorCode::kFailedPrecondition, "price_version_conflict"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

// ---------------------------------------------------------------------------------------------
// Lines, events and buckets.

TEST_P(StoreContractTest, LineRoundTripsEveryFieldByEachKey) {
  domain::Line plain = SampleLine(2);
  plain.msisdn.clear();
  plain.esim.reset();
  plain.expires_at.reset();
  plain.activate_by.reset();
  plain.plan_id.value.clear();
  plain.form_factor = domain::FormFactor::kSim;
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(1))));
    ASSERT_TRUE(IsOk(transaction.InsertLine(plain)));
  });
  Read([&](app::Transaction& transaction) {
    const domain::Line full = SampleLine(1);
    Result<std::optional<domain::Line>> by_id = transaction.FindLine(full.id);
    ASSERT_TRUE(IsOk(by_id));
    ASSERT_TRUE(by_id->has_value());
    EXPECT_EQ(Dump(**by_id), Dump(full));
    Result<std::optional<domain::Line>> by_iccid = transaction.FindLineByIccid(full.iccid);
    ASSERT_TRUE(IsOk(by_iccid) && by_iccid->has_value());
    EXPECT_EQ((*by_iccid)->id.value, full.id.value);
    Result<std::optional<domain::Line>> by_msisdn = transaction.FindLineByMsisdn(full.msisdn);
    ASSERT_TRUE(IsOk(by_msisdn) && by_msisdn->has_value());
    EXPECT_EQ((*by_msisdn)->id.value, full.id.value);
    Result<std::optional<domain::Line>> by_imsi = transaction.FindLineByImsi(full.imsi);
    ASSERT_TRUE(IsOk(by_imsi) && by_imsi->has_value());
    EXPECT_EQ((*by_imsi)->id.value, full.id.value);
    Result<std::optional<domain::Line>> no_imsi = transaction.FindLineByImsi("440109999999999");
    ASSERT_TRUE(IsOk(no_imsi));
    EXPECT_FALSE(no_imsi->has_value());
    Result<std::optional<domain::Line>> bare = transaction.FindLine(plain.id);
    ASSERT_TRUE(IsOk(bare) && bare->has_value());
    EXPECT_EQ(Dump(**bare), Dump(plain));
  });
}

TEST_P(StoreContractTest, MissingLinesAreNulloptNotErrors) {
  Read([](app::Transaction& transaction) {
    Result<std::optional<domain::Line>> missing = transaction.FindLine(LineId{"ln_none"});
    ASSERT_TRUE(IsOk(missing));
    EXPECT_FALSE(missing->has_value());
    Result<std::optional<domain::Line>> no_number = transaction.FindLineByMsisdn("");
    ASSERT_TRUE(IsOk(no_number));
    EXPECT_FALSE(no_number->has_value());
  });
}

TEST_P(StoreContractTest, LineUniqueKeysGiveTheirReasons) {
  InsertLines({1});
  domain::Line same_id = SampleLine(2);
  same_id.id = SampleLine(1).id;
  domain::Line same_iccid = SampleLine(3);
  same_iccid.iccid = SampleLine(1).iccid;
  domain::Line same_msisdn = SampleLine(4);
  same_msisdn.msisdn = SampleLine(1).msisdn;
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  EXPECT_TRUE(IsError(transaction.InsertLine(same_id), ErrorCode::kAlreadyExists, "line_exists"));
  // A retried insert of the very same line clashes on every key and names the line.
  EXPECT_TRUE(
      IsError(transaction.InsertLine(SampleLine(1)), ErrorCode::kAlreadyExists, "line_exists"));
  EXPECT_TRUE(
      IsError(transaction.InsertLine(same_iccid), ErrorCode::kAlreadyExists, "iccid_taken"));
  EXPECT_TRUE(
      IsError(transaction.InsertLine(same_msisdn), ErrorCode::kAlreadyExists, "msisdn_taken"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, ManyLinesMayHaveNoNumber) {
  domain::Line first = SampleLine(1);
  domain::Line second = SampleLine(2);
  first.msisdn.clear();
  second.msisdn.clear();
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertLine(first)));
    ASSERT_TRUE(IsOk(transaction.InsertLine(second)));
  });
}

TEST_P(StoreContractTest, UpdateLineRewritesTheLine) {
  InsertLines({1});
  domain::Line line = SampleLine(1);
  line.state = domain::LineState::kGrace;
  line.expires_at = At(90 * 86'400);
  line.esim.reset();
  line.msisdn = "+819099998888";
  line.updated_at = At(500);
  Write([&](app::Transaction& transaction) { ASSERT_TRUE(IsOk(transaction.UpdateLine(line))); });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::Line>> loaded = transaction.FindLine(line.id);
    ASSERT_TRUE(IsOk(loaded) && loaded->has_value());
    EXPECT_EQ(Dump(**loaded), Dump(line));
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().UpdateLine(SampleLine(9)), ErrorCode::kNotFound,
                      "line_not_found"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, ListLinesPagesByIdAndCounts) {
  InsertLines({4, 2, 5, 1, 3});
  Read([](app::Transaction& transaction) {
    std::vector<std::string> seen;
    app::PageRequest page{2, ""};
    for (int round = 0; round < 10; ++round) {
      Result<std::vector<domain::Line>> lines = transaction.ListLines(page);
      ASSERT_TRUE(IsOk(lines));
      if (lines->empty()) {
        break;
      }
      EXPECT_LE(lines->size(), 2u);
      for (const domain::Line& line : *lines) {
        seen.push_back(line.id.value);
      }
      page.after_id = lines->back().id.value;
    }
    EXPECT_EQ(seen,
              (std::vector<std::string>{"ln_1001", "ln_1002", "ln_1003", "ln_1004", "ln_1005"}));
    Result<int64_t> count = transaction.CountLines();
    ASSERT_TRUE(IsOk(count));
    EXPECT_EQ(*count, 5);
  });
}

TEST_P(StoreContractTest, ListLinesReturnsAtMostThePageLimitMax) {
  std::vector<int> numbers;
  for (int n = 1; n <= app::kPageLimitMax + 1; ++n) {
    numbers.push_back(n);
  }
  InsertLines(numbers);
  Read([](app::Transaction& transaction) {
    Result<std::vector<domain::Line>> all = transaction.ListLines({app::kPageLimitMax + 50, ""});
    ASSERT_TRUE(IsOk(all));
    EXPECT_EQ(all->size(), static_cast<size_t>(app::kPageLimitMax));
    Result<std::vector<domain::Line>> none = transaction.ListLines({0, ""});
    ASSERT_TRUE(IsOk(none));
    EXPECT_TRUE(none->empty());
  });
}

TEST_P(StoreContractTest, LineEventsComeBackNewestFirst) {
  InsertLines({1});
  Write([](app::Transaction& transaction) {
    for (int i = 0; i < 4; ++i) {
      domain::LineEvent event;
      event.id.value = "ev_" + std::to_string(i);
      event.line_id.value = "ln_1001";
      event.kind = i == 0 ? "provisioned" : "state_changed";
      if (i > 0) {
        event.from_state = domain::LineState::kActive;
        event.to_state = domain::LineState::kGrace;
      }
      event.reason = "test";
      event.at = At(i < 2 ? 10 : 20);  // Two pairs with equal times: write order breaks ties.
      ASSERT_TRUE(IsOk(transaction.InsertLineEvent(event)));
    }
  });
  Read([](app::Transaction& transaction) {
    Result<std::vector<domain::LineEvent>> events =
        transaction.ListLineEvents(LineId{"ln_1001"}, 3);
    ASSERT_TRUE(IsOk(events));
    ASSERT_EQ(events->size(), 3u);
    EXPECT_EQ((*events)[0].id.value, "ev_3");
    EXPECT_EQ((*events)[1].id.value, "ev_2");
    EXPECT_EQ((*events)[2].id.value, "ev_1");
    EXPECT_EQ((*events)[2].from_state, domain::LineState::kActive);
    EXPECT_EQ((*events)[2].to_state, domain::LineState::kGrace);
    EXPECT_EQ((*events)[2].kind, "state_changed");
    EXPECT_EQ((*events)[2].reason, "test");
    EXPECT_EQ(ToMicros((*events)[2].at), ToMicros(At(10)));
    EXPECT_TRUE((*events)[2].order_id.empty());
  });
}

TEST_P(StoreContractTest, NumberQuarantineFindsTheHoldReleasedLast) {
  InsertLines({1, 2});
  Read([](app::Transaction& transaction) {
    Result<std::optional<domain::NumberQuarantine>> none =
        transaction.FindNumberQuarantine("+819044440001");
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
  });
  Write([](app::Transaction& transaction) {
    // The number held twice, years apart: the later hold is the one that counts.
    ASSERT_TRUE(IsOk(transaction.InsertNumberQuarantine(
        {"+819044440001", LineId{"ln_1002"}, domain::CarrierCode::kAu, At(500), At(680)})));
    ASSERT_TRUE(IsOk(transaction.InsertNumberQuarantine(
        {"+819044440001", LineId{"ln_1001"}, domain::CarrierCode::kDocomo, At(10), At(190)})));
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(
      session_->transaction().InsertNumberQuarantine(
          {"+819044440002", LineId{"ln_1001"}, domain::CarrierCode::kDocomo, At(20), At(30)}),
      ErrorCode::kAlreadyExists, "number_quarantine_exists"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  Read([](app::Transaction& transaction) {
    Result<std::optional<domain::NumberQuarantine>> hold =
        transaction.FindNumberQuarantine("+819044440001");
    ASSERT_TRUE(IsOk(hold));
    ASSERT_TRUE(hold->has_value());
    EXPECT_EQ((*hold)->line_id.value, "ln_1002");
    EXPECT_EQ((*hold)->msisdn, "+819044440001");
    EXPECT_EQ((*hold)->carrier, domain::CarrierCode::kAu);
    EXPECT_EQ(ToMicros((*hold)->quarantined_at), ToMicros(At(500)));
    EXPECT_EQ(ToMicros((*hold)->released_at), ToMicros(At(680)));
  });
}

TEST_P(StoreContractTest, UsageRecordsAreStoredOnceAndFoundByIdInChunks) {
  InsertLines({1});
  const auto applied = [](int n) {
    domain::AppliedUsage usage;
    usage.record.record_id = "cdr-" + std::to_string(n);
    usage.record.line_id = LineId{"ln_1001"};
    usage.record.kind = n % 2 == 0 ? domain::UsageKind::kData : domain::UsageKind::kVoice;
    usage.record.quantity = 100 + n;
    usage.record.start = At(n);
    usage.record.end = At(n + 1);
    if (n == 3) {
      usage.record.rating_group = 42;
    }
    usage.from_buckets = 50;
    usage.overage = 50;
    usage.rated_jpy = n == 3 ? 22 : 0;
    usage.received_at = At(1000);
    return usage;
  };
  Write([&](app::Transaction& transaction) {
    for (int n = 0; n < 450; ++n) {  // More than two lookups' worth of ids.
      ASSERT_TRUE(IsOk(transaction.InsertUsageRecord(applied(n))));
    }
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().InsertUsageRecord(applied(7)),
                      ErrorCode::kAlreadyExists, "usage_record_exists"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  Read([](app::Transaction& transaction) {
    std::vector<std::string> asked;
    for (int n = 440; n < 900; ++n) {
      asked.push_back("cdr-" + std::to_string(n));
    }
    asked.push_back("cdr-3");
    Result<std::vector<std::string>> stored = transaction.FindStoredUsageIds(asked);
    ASSERT_TRUE(IsOk(stored));
    std::vector<std::string> found = *stored;
    std::sort(found.begin(), found.end());
    std::vector<std::string> expected = {"cdr-3"};
    for (int n = 440; n < 450; ++n) {
      expected.push_back("cdr-" + std::to_string(n));
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(found, expected);
    Result<std::vector<std::string>> none = transaction.FindStoredUsageIds({});
    ASSERT_TRUE(IsOk(none));
    EXPECT_TRUE(none->empty());
  });
  // What was stored is what was written (read back through the raw table).
  ASSERT_TRUE(IsOk(ExecuteSql(
      "DELETE FROM usage_records WHERE record_id = 'cdr-3' AND line_id = 'ln_1001' AND "
      "kind = 'voice' AND quantity = 103 AND rating_group = 42 AND from_buckets = 50 AND "
      "overage = 50 AND rated_jpy = 22")));
  Read([](app::Transaction& transaction) {
    Result<std::vector<std::string>> stored = transaction.FindStoredUsageIds({"cdr-3"});
    ASSERT_TRUE(IsOk(stored));
    EXPECT_TRUE(stored->empty());
  });
}

TEST_P(StoreContractTest, UsageDaysAddUpAndLineUsageRoundTrips) {
  InsertLines({1});
  Write([](app::Transaction& transaction) {
    const LineId line{"ln_1001"};
    ASSERT_TRUE(IsOk(transaction.AddUsageDay(line, {At(0), domain::UsageKind::kData, 100, 1, 0})));
    ASSERT_TRUE(IsOk(transaction.AddUsageDay(line, {At(0), domain::UsageKind::kData, 50, 2, 0})));
    ASSERT_TRUE(IsOk(transaction.AddUsageDay(line, {At(0), domain::UsageKind::kSms, 3, 1, 9})));
    ASSERT_TRUE(
        IsOk(transaction.AddUsageDay(line, {At(10), domain::UsageKind::kVoice, 60, 1, 44})));
    ASSERT_TRUE(IsOk(transaction.AddUsageDay(line, {At(20), domain::UsageKind::kData, 7, 1, 0})));
    Result<std::optional<domain::LineUsage>> none = transaction.FindLineUsage(line);
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
    ASSERT_TRUE(IsOk(transaction.SaveLineUsage({line, 5, At(3), 7, 300, At(4)})));
    ASSERT_TRUE(IsOk(transaction.SaveLineUsage({line, 6, At(3), 8, std::nullopt, At(5)})));
  });
  Read([](app::Transaction& transaction) {
    const LineId line{"ln_1001"};
    Result<std::vector<domain::UsageDay>> days = transaction.ListUsageDays(line, At(0), At(10));
    ASSERT_TRUE(IsOk(days));
    ASSERT_EQ(days->size(), 3u);  // Day 20 is outside the range.
    EXPECT_EQ(ToMicros((*days)[0].day), ToMicros(At(0)));
    EXPECT_EQ((*days)[0].kind, domain::UsageKind::kData);
    EXPECT_EQ((*days)[0].units, 150);
    EXPECT_EQ((*days)[0].records, 3);
    EXPECT_EQ((*days)[1].kind, domain::UsageKind::kSms);
    EXPECT_EQ((*days)[1].rated_jpy, 9);
    EXPECT_EQ((*days)[2].kind, domain::UsageKind::kVoice);
    EXPECT_EQ((*days)[2].rated_jpy, 44);
    Result<std::optional<domain::LineUsage>> usage = transaction.FindLineUsage(line);
    ASSERT_TRUE(IsOk(usage));
    ASSERT_TRUE(usage->has_value());
    EXPECT_EQ((*usage)->overage_bytes, 6);
    EXPECT_EQ(ToMicros((*usage)->overage_since), ToMicros(At(3)));
    EXPECT_EQ((*usage)->sms_tenths_carry, 8);
    EXPECT_EQ((*usage)->speed_kbps, std::nullopt);
    EXPECT_EQ(ToMicros((*usage)->updated_at), ToMicros(At(5)));
  });
}

TEST_P(StoreContractTest, UsageChargesRoundTripAndAreUnique) {
  InsertLines({1});
  domain::UsageCharge charge;
  charge.charge_id = "uc_1";
  charge.line_id = LineId{"ln_1001"};
  charge.rated_jpy = 66;
  charge.charged_jpy = 50;
  charge.tax_rate_percent = 10;
  charge.tax_jpy = 4;
  charge.records = 3;
  charge.created_at = At(7);
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertUsageCharge(charge)));
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().InsertUsageCharge(charge), ErrorCode::kAlreadyExists,
                      "usage_charge_exists"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::UsageCharge>> found = transaction.FindUsageCharge("uc_1");
    ASSERT_TRUE(IsOk(found));
    ASSERT_TRUE(found->has_value());
    const domain::UsageCharge& read = **found;
    EXPECT_EQ(read.charge_id, "uc_1");
    EXPECT_EQ(read.line_id.value, "ln_1001");
    EXPECT_EQ(read.rated_jpy, 66);
    EXPECT_EQ(read.charged_jpy, 50);
    EXPECT_EQ(read.tax_rate_percent, 10);
    EXPECT_EQ(read.tax_jpy, 4);
    EXPECT_EQ(read.records, 3);
    EXPECT_EQ(ToMicros(read.created_at), ToMicros(At(7)));
    Result<std::optional<domain::UsageCharge>> none = transaction.FindUsageCharge("uc_2");
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
    // Sums what was paid, after `from` and up to `to`.
    Result<int64_t> paid = transaction.SumUsageCharges(LineId{"ln_1001"}, At(6), At(7));
    ASSERT_TRUE(IsOk(paid));
    EXPECT_EQ(*paid, 50);
    Result<int64_t> later = transaction.SumUsageCharges(LineId{"ln_1001"}, At(7), At(9));
    ASSERT_TRUE(IsOk(later));
    EXPECT_EQ(*later, 0);
  });
}

TEST_P(StoreContractTest, BucketsComeBackByExpiry) {
  InsertLines({1});
  Write([](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertOrder(SampleOrder("or_1", At(0)))));
    domain::Bucket late{BucketId{"bk_late"},
                        LineId{"ln_1001"},
                        domain::BundleKind::kData,
                        3'000,
                        2'500,
                        At(0),
                        At(200),
                        OrderId{"or_1"}};
    domain::Bucket early{BucketId{"bk_early"},
                         LineId{"ln_1001"},
                         domain::BundleKind::kUnlimited,
                         0,
                         0,
                         At(0),
                         At(100),
                         OrderId{}};
    ASSERT_TRUE(IsOk(transaction.InsertBucket(late)));
    ASSERT_TRUE(IsOk(transaction.InsertBucket(early)));
  });
  Read([](app::Transaction& transaction) {
    Result<std::vector<domain::Bucket>> buckets = transaction.ListBuckets(LineId{"ln_1001"});
    ASSERT_TRUE(IsOk(buckets));
    ASSERT_EQ(buckets->size(), 2u);
    EXPECT_EQ(Dump((*buckets)[0]), "bk_early|ln_1001|unlimited|0|0|" +
                                       std::to_string(ToMicros(At(0))) + "|" +
                                       std::to_string(ToMicros(At(100))) + "|");
    EXPECT_EQ(Dump((*buckets)[1]), "bk_late|ln_1001|data|3000|2500|" +
                                       std::to_string(ToMicros(At(0))) + "|" +
                                       std::to_string(ToMicros(At(200))) + "|or_1");
  });
  Write([](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.UpdateBucketRemaining(BucketId{"bk_late"}, 1'000)));
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().UpdateBucketRemaining(BucketId{"bk_none"}, 1),
                      ErrorCode::kNotFound, "bucket_not_found"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  Read([](app::Transaction& transaction) {
    Result<std::vector<domain::Bucket>> buckets = transaction.ListBuckets(LineId{"ln_1001"});
    ASSERT_TRUE(IsOk(buckets));
    ASSERT_EQ(buckets->size(), 2u);
    EXPECT_EQ((*buckets)[1].remaining, 1'000);
    EXPECT_EQ((*buckets)[1].initial, 3'000);
  });
}

// ---------------------------------------------------------------------------------------------
// Ledger.

TEST_P(StoreContractTest, AccountsRoundTripAndUpdateBalances) {
  Read([](app::Transaction& transaction) {
    Result<std::optional<ledger::Account>> wallet = transaction.FindAccount(AccountId{"ac_wallet"});
    ASSERT_TRUE(IsOk(wallet) && wallet->has_value());
    EXPECT_TRUE(**wallet == SampleAccount("ac_wallet", ledger::AccountKind::kCustomerWallet));
    Result<std::optional<ledger::Account>> none = transaction.FindAccount(AccountId{"ac_none"});
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
  });
  ledger::Account wallet = SampleAccount("ac_wallet", ledger::AccountKind::kCustomerWallet);
  wallet.credits_posted = 5'000;
  wallet.debits_posted = 1'000;
  wallet.debits_pending = 4'000;
  Write(
      [&](app::Transaction& transaction) { ASSERT_TRUE(IsOk(transaction.UpdateAccount(wallet))); });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<ledger::Account>> loaded = transaction.FindAccount(wallet.id);
    ASSERT_TRUE(IsOk(loaded) && loaded->has_value());
    EXPECT_TRUE(**loaded == wallet);
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  EXPECT_TRUE(
      IsError(transaction.InsertAccount(wallet), ErrorCode::kAlreadyExists, "account_exists"));
  EXPECT_TRUE(IsError(transaction.UpdateAccount(SampleAccount("ac_none", wallet.kind)),
                      ErrorCode::kNotFound, "account_not_found"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, WalletNeverGoesBelowZeroEvenThroughRawSql) {
  ledger::Account wallet = SampleAccount("ac_wallet", ledger::AccountKind::kCustomerWallet);
  wallet.credits_posted = 1'000;
  wallet.debits_posted = 600;
  wallet.debits_pending = 401;  // Holds count: 1000 - 600 - 401 < 0.
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().UpdateAccount(wallet), ErrorCode::kFailedPrecondition,
                      "constraint_violation"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_FALSE(
      IsOk(ExecuteSql("UPDATE ledger_accounts SET debits_posted = credits_posted + 1 "
                      "WHERE account_id = 'ac_wallet'")));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_FALSE(IsOk(ExecuteSql(
      "UPDATE ledger_accounts SET credits_posted = -5 WHERE account_id = 'ac_revenue'")));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  // An unconstrained account may run past zero, as refunds and fees need.
  ledger::Account clearing = SampleAccount("ac_clearing", ledger::AccountKind::kProviderClearing);
  clearing.credits_posted = 700;
  Write([&](app::Transaction& transaction) {
    EXPECT_TRUE(IsOk(transaction.UpdateAccount(clearing)));
  });
}

TEST_P(StoreContractTest, TransfersRoundTripAndHoldsSettleOnce) {
  ledger::Transfer hold = SampleTransfer("tr_hold", "ac_wallet", "ac_revenue", 500);
  hold.kind = ledger::TransferKind::kPending;
  hold.timeout_at = At(3'600);
  ledger::Transfer post = SampleTransfer("tr_post", "ac_wallet", "ac_revenue", 500);
  post.kind = ledger::TransferKind::kPostPending;
  post.pending_id = hold.id;
  ledger::Transfer void_hold = SampleTransfer("tr_void", "ac_wallet", "ac_revenue", 500);
  void_hold.kind = ledger::TransferKind::kVoidPending;
  void_hold.pending_id = hold.id;
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertTransfer(hold)));
    ASSERT_TRUE(IsOk(transaction.InsertTransfer(post)));
  });
  Read([&](app::Transaction& transaction) {
    for (const ledger::Transfer& expected : {hold, post}) {
      Result<std::optional<ledger::Transfer>> loaded = transaction.FindTransfer(expected.id);
      ASSERT_TRUE(IsOk(loaded) && loaded->has_value());
      EXPECT_TRUE(**loaded == expected) << expected.id.value;
    }
    Result<std::optional<ledger::Transfer>> none = transaction.FindTransfer(TransferId{"tr_x"});
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  EXPECT_TRUE(
      IsError(transaction.InsertTransfer(hold), ErrorCode::kAlreadyExists, "transfer_exists"));
  EXPECT_TRUE(
      IsError(transaction.InsertTransfer(post), ErrorCode::kAlreadyExists, "transfer_exists"));
  EXPECT_TRUE(IsError(transaction.InsertTransfer(void_hold), ErrorCode::kAlreadyExists,
                      "pending_transfer_settled"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, DatabaseRefusesMalformedTransfers) {
  ledger::Transfer zero = SampleTransfer("tr_zero", "ac_wallet", "ac_revenue", 0);
  ledger::Transfer same = SampleTransfer("tr_same", "ac_wallet", "ac_wallet", 10);
  ledger::Transfer orphan = SampleTransfer("tr_orphan", "ac_nobody", "ac_wallet", 10);
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  for (const ledger::Transfer& transfer : {zero, same, orphan}) {
    EXPECT_TRUE(IsError(session_->transaction().InsertTransfer(transfer),
                        ErrorCode::kFailedPrecondition, "constraint_violation"))
        << transfer.id.value;
  }
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, ForEachTransferFollowsWriteOrderAndStopsOnError) {
  Write([](app::Transaction& transaction) {
    for (const char* id : {"tr_c", "tr_a", "tr_b"}) {
      ASSERT_TRUE(
          IsOk(transaction.InsertTransfer(SampleTransfer(id, "ac_clearing", "ac_wallet", 100))));
    }
  });
  Read([](app::Transaction& transaction) {
    std::vector<std::string> order;
    ASSERT_TRUE(IsOk(transaction.ForEachTransfer([&](const ledger::Transfer& transfer) {
      order.push_back(transfer.id.value);
      return Ok();
    })));
    EXPECT_EQ(order, (std::vector<std::string>{"tr_c", "tr_a", "tr_b"}));
    int calls = 0;
    Result<void> stopped = transaction.ForEachTransfer([&](const ledger::Transfer&) {
      ++calls;
      return calls == 2 ? Result<void>(FailedPrecondition("stop", "stop here")) : Ok();
    });
    EXPECT_TRUE(IsError(stopped, ErrorCode::kFailedPrecondition, "stop"));
    EXPECT_EQ(calls, 2);
    std::vector<std::string> accounts;
    ASSERT_TRUE(IsOk(transaction.ForEachAccount([&](const ledger::Account& account) {
      accounts.push_back(account.id.value);
      return Ok();
    })));
    std::sort(accounts.begin(), accounts.end());
    EXPECT_EQ(accounts, (std::vector<std::string>{"ac_clearing", "ac_revenue", "ac_wallet"}));
  });
}

TEST_P(StoreContractTest, LedgerTransfersAndLineEventsAreAppendOnly) {
  InsertLines({1});
  Write([](app::Transaction& transaction) {
    ASSERT_TRUE(
        IsOk(transaction.InsertTransfer(SampleTransfer("tr_1", "ac_clearing", "ac_wallet", 100))));
    domain::LineEvent event;
    event.id.value = "ev_1";
    event.line_id.value = "ln_1001";
    event.kind = "provisioned";
    event.reason = "import";
    event.at = At(0);
    ASSERT_TRUE(IsOk(transaction.InsertLineEvent(event)));
  });
  for (const char* sql : {"UPDATE ledger_transfers SET amount = 1 WHERE transfer_id = 'tr_1'",
                          "DELETE FROM ledger_transfers WHERE transfer_id = 'tr_1'",
                          "UPDATE line_events SET reason = 'x' WHERE event_id = 'ev_1'",
                          "DELETE FROM line_events WHERE event_id = 'ev_1'"}) {
    ASSERT_TRUE(IsOk(session_->Begin(false)));
    Result<void> refused = ExecuteSql(sql);
    EXPECT_FALSE(IsOk(refused)) << sql;
    if (!refused) {
      EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition) << sql;
    }
    ASSERT_TRUE(IsOk(session_->Rollback()));
  }
}

// ---------------------------------------------------------------------------------------------
// Orders, payments, receipts and sequences.

TEST_P(StoreContractTest, OrdersRoundTripUpdateAndClash) {
  InsertLines({1});
  domain::Order order = SampleOrder("or_1", At(10));
  Write([&](app::Transaction& transaction) { ASSERT_TRUE(IsOk(transaction.InsertOrder(order))); });
  order.status = domain::OrderStatus::kCompleted;
  order.receipt_number = "R0000000001";
  order.completed_at = At(11);
  order.failure_reason = "";
  Write([&](app::Transaction& transaction) { ASSERT_TRUE(IsOk(transaction.UpdateOrder(order))); });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::Order>> loaded = transaction.FindOrder(order.id);
    ASSERT_TRUE(IsOk(loaded) && loaded->has_value());
    EXPECT_EQ(Dump(**loaded), Dump(order));
  });
  domain::Order topup = SampleOrder("or_2", At(12));
  topup.kind = domain::OrderKind::kTopUp;
  topup.plan_id.value.clear();
  topup.status = domain::OrderStatus::kFailed;
  topup.failure_reason = "card_declined";
  Write([&](app::Transaction& transaction) { ASSERT_TRUE(IsOk(transaction.InsertOrder(topup))); });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::Order>> loaded = transaction.FindOrder(topup.id);
    ASSERT_TRUE(IsOk(loaded) && loaded->has_value());
    EXPECT_EQ(Dump(**loaded), Dump(topup));
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().InsertOrder(order), ErrorCode::kAlreadyExists,
                      "order_exists"));
  EXPECT_TRUE(IsError(session_->transaction().UpdateOrder(SampleOrder("or_9", At(0))),
                      ErrorCode::kNotFound, "order_not_found"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, ListOrdersPagesNewestFirst) {
  InsertLines({1, 2});
  Write([](app::Transaction& transaction) {
    const std::vector<std::pair<const char*, int>> orders = {
        {"or_a", 10}, {"or_b", 10}, {"or_c", 20}, {"or_d", 30}, {"or_e", 30}};
    for (const auto& [id, seconds] : orders) {
      ASSERT_TRUE(IsOk(transaction.InsertOrder(SampleOrder(id, At(seconds)))));
    }
    domain::Order other = SampleOrder("or_other", At(25));
    other.line_id.value = "ln_1002";
    ASSERT_TRUE(IsOk(transaction.InsertOrder(other)));
  });
  Read([](app::Transaction& transaction) {
    std::vector<std::string> seen;
    app::PageRequest page{2, ""};
    for (int round = 0; round < 10; ++round) {
      Result<std::vector<domain::Order>> orders = transaction.ListOrders(LineId{"ln_1001"}, page);
      ASSERT_TRUE(IsOk(orders));
      if (orders->empty()) {
        break;
      }
      for (const domain::Order& order : *orders) {
        seen.push_back(order.id.value);
      }
      page.after_id = orders->back().id.value;
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"or_e", "or_d", "or_c", "or_b", "or_a"}));
  });
}

TEST_P(StoreContractTest, PaymentsRoundTripByIdAndOrderAndListPendingOldestFirst) {
  InsertLines({1});
  Write([](app::Transaction& transaction) {
    for (const char* id : {"or_1", "or_2", "or_3"}) {
      ASSERT_TRUE(IsOk(transaction.InsertOrder(SampleOrder(id, At(0)))));
    }
    ASSERT_TRUE(IsOk(transaction.InsertPayment(SamplePayment("pa_2", "or_2", At(20)))));
    ASSERT_TRUE(IsOk(transaction.InsertPayment(SamplePayment("pa_1", "or_1", At(10)))));
    domain::Payment done = SamplePayment("pa_3", "or_3", At(5));
    done.status = domain::PaymentStatus::kSucceeded;
    ASSERT_TRUE(IsOk(transaction.InsertPayment(done)));
  });
  domain::Payment failed = SamplePayment("pa_2", "or_2", At(20));
  failed.status = domain::PaymentStatus::kFailed;
  failed.failure_reason = "card_declined";
  failed.updated_at = At(21);
  Write(
      [&](app::Transaction& transaction) { ASSERT_TRUE(IsOk(transaction.UpdatePayment(failed))); });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::Payment>> by_id = transaction.FindPayment(failed.id);
    ASSERT_TRUE(IsOk(by_id) && by_id->has_value());
    EXPECT_EQ(Dump(**by_id), Dump(failed));
    Result<std::optional<domain::Payment>> by_order =
        transaction.FindPaymentByOrder(OrderId{"or_1"});
    ASSERT_TRUE(IsOk(by_order) && by_order->has_value());
    EXPECT_EQ(Dump(**by_order), Dump(SamplePayment("pa_1", "or_1", At(10))));
    Result<std::vector<domain::Payment>> pending = transaction.ListPendingPayments(10);
    ASSERT_TRUE(IsOk(pending));
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ((*pending)[0].id.value, "pa_1");
    std::vector<std::string> streamed;
    ASSERT_TRUE(IsOk(transaction.ForEachOrder([&](const domain::Order& order) {
      streamed.push_back(order.id.value);
      return Ok();
    })));
    EXPECT_EQ(streamed, (std::vector<std::string>{"or_1", "or_2", "or_3"}));
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  EXPECT_TRUE(IsError(transaction.InsertPayment(SamplePayment("pa_1", "or_3", At(0))),
                      ErrorCode::kAlreadyExists, "payment_exists"));
  EXPECT_TRUE(IsError(transaction.UpdatePayment(SamplePayment("pa_9", "or_1", At(0))),
                      ErrorCode::kNotFound, "payment_not_found"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, SavedMethodsRoundTripListAndSettle) {
  InsertLines({1});
  const std::string line = SampleLine(1).id.value;
  domain::SavedPaymentMethod active = SampleSavedMethod("pm_2", line, At(20));
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertSavedMethod(SampleSavedMethod("pm_1", line, At(10)))));
    ASSERT_TRUE(IsOk(transaction.InsertSavedMethod(active)));
    ASSERT_TRUE(IsOk(transaction.InsertSavedMethod(SampleSavedMethod("pm_3", line, At(30)))));
  });
  active.status = domain::SavedMethodStatus::kActive;
  active.token = "tok_2";
  active.card_brand = "visa";
  active.card_last4 = "4242";
  active.exp_month = 12;
  active.exp_year = 2030;
  active.updated_at = At(21);
  domain::SavedPaymentMethod removed = SampleSavedMethod("pm_3", line, At(30));
  removed.status = domain::SavedMethodStatus::kRemoved;
  removed.token = "tok_3";
  removed.exp_month = 1;
  removed.exp_year = 2031;
  removed.updated_at = At(31);
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.UpdateSavedMethod(active)));
    ASSERT_TRUE(IsOk(transaction.UpdateSavedMethod(removed)));
  });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::SavedPaymentMethod>> found =
        transaction.FindSavedMethod(active.id);
    ASSERT_TRUE(IsOk(found) && found->has_value());
    EXPECT_EQ(Dump(**found), Dump(active));
    Result<std::optional<domain::SavedPaymentMethod>> missing =
        transaction.FindSavedMethod(SavedMethodId{"pm_9"});
    ASSERT_TRUE(IsOk(missing));
    EXPECT_FALSE(missing->has_value());
    // The line's pending and active ones, oldest first.
    Result<std::vector<domain::SavedPaymentMethod>> listed =
        transaction.ListSavedMethods(LineId{line});
    ASSERT_TRUE(IsOk(listed));
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].id.value, "pm_1");
    EXPECT_EQ((*listed)[1].id.value, "pm_2");
    // To settle: pending since before the cutoff, and removed with a token.
    Result<std::vector<domain::SavedPaymentMethod>> settle =
        transaction.ListSavedMethodsToSettle(At(15), 10);
    ASSERT_TRUE(IsOk(settle));
    ASSERT_EQ(settle->size(), 2u);
    EXPECT_EQ((*settle)[0].id.value, "pm_1");
    EXPECT_EQ((*settle)[1].id.value, "pm_3");
    Result<std::vector<domain::SavedPaymentMethod>> early =
        transaction.ListSavedMethodsToSettle(At(5), 10);
    ASSERT_TRUE(IsOk(early));
    ASSERT_EQ(early->size(), 1u);
    EXPECT_EQ((*early)[0].id.value, "pm_3");
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::Transaction& transaction = session_->transaction();
  EXPECT_TRUE(IsError(transaction.InsertSavedMethod(SampleSavedMethod("pm_1", line, At(0))),
                      ErrorCode::kAlreadyExists, "saved_method_exists"));
  EXPECT_TRUE(IsError(transaction.UpdateSavedMethod(SampleSavedMethod("pm_9", line, At(0))),
                      ErrorCode::kNotFound, "saved_method_not_found"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  // An active method without a token is refused by the database.
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  domain::SavedPaymentMethod tokenless = active;
  tokenless.token.clear();
  EXPECT_FALSE(IsOk(session_->transaction().UpdateSavedMethod(tokenless)));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, TheSandboxVaultKeepsOneCardPerTokenAndSaveRequest) {
  app::SandboxSavedCard card;
  card.token = "sbxtok_pm_1";
  card.saved_method_id = SavedMethodId{"pm_1"};
  card.card_brand = "visa";
  card.card_last4 = "4242";
  card.exp_month = 12;
  card.exp_year = 2030;
  card.created_at = At(1);
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertSandboxSavedCard(card)));
  });
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.DeleteSandboxSavedCard(card.token, At(5))));
    ASSERT_TRUE(IsOk(transaction.DeleteSandboxSavedCard(card.token, At(9))));  // Kept: At(5).
  });
  Read([&](app::Transaction& transaction) {
    for (const auto& [token, saved] :
         {std::pair<std::string, SavedMethodId>{card.token, {}}, {"", card.saved_method_id}}) {
      Result<std::optional<app::SandboxSavedCard>> found =
          transaction.FindSandboxSavedCard(token, saved);
      ASSERT_TRUE(IsOk(found) && found->has_value());
      EXPECT_EQ((*found)->card_last4, "4242");
      EXPECT_EQ((*found)->exp_year, 2030);
      EXPECT_EQ((*found)->deleted_at, At(5));
    }
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  app::SandboxSavedCard again = card;
  again.token = "sbxtok_other";
  EXPECT_TRUE(IsError(session_->transaction().InsertSandboxSavedCard(again),
                      ErrorCode::kAlreadyExists, "sandbox_saved_card_exists"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, AutoRenewalsAreFoundDueUntilTheirJobExists) {
  InsertLines({1, 2, 3});
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.SaveCatalog(SampleCatalog())));
  });
  const std::string plan = SampleCatalog().plans.front().id.value;
  // Lines 1 and 2 active, ending at At(100) and At(50); line 3 has no validity.
  for (auto [n, end] : {std::pair<int, int>{1, 100}, {2, 50}}) {
    domain::Line line = SampleLine(n);
    line.state = domain::LineState::kActive;
    line.expires_at = At(end);
    Write([&](app::Transaction& transaction) { ASSERT_TRUE(IsOk(transaction.UpdateLine(line))); });
  }
  auto setting = [&](int n, bool enabled) {
    domain::AutoRenewal renewal;
    renewal.line_id = SampleLine(n).id;
    renewal.enabled = enabled;
    renewal.plan_id = PlanId{plan};
    renewal.payment_method_id = "balance";
    renewal.monthly_cap_jpy = 3000;
    renewal.updated_at = At(1);
    return renewal;
  };
  Write([&](app::Transaction& transaction) {
    for (int n : {1, 2, 3}) {
      ASSERT_TRUE(IsOk(transaction.UpsertAutoRenewal(setting(n, true))));
    }
    // Upsert replaces.
    domain::AutoRenewal changed = setting(1, true);
    changed.monthly_cap_jpy = 4000;
    changed.topup_plan_id = changed.plan_id;
    changed.topup_below_bytes = 500'000'000;
    ASSERT_TRUE(IsOk(transaction.UpsertAutoRenewal(changed)));
  });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::AutoRenewal>> found =
        transaction.FindAutoRenewal(SampleLine(1).id);
    ASSERT_TRUE(IsOk(found) && found->has_value());
    EXPECT_EQ((*found)->monthly_cap_jpy, 4000);
    EXPECT_EQ((*found)->topup_plan_id, (*found)->plan_id);
    EXPECT_EQ((*found)->topup_below_bytes, 500'000'000);
    Result<std::optional<domain::AutoRenewal>> plain =
        transaction.FindAutoRenewal(SampleLine(2).id);
    ASSERT_TRUE(IsOk(plain) && plain->has_value());
    EXPECT_TRUE((*plain)->topup_plan_id.empty());
    EXPECT_FALSE((*plain)->topup_below_bytes.has_value());
    Result<std::vector<app::DueAutoRenewal>> due = transaction.ListDueAutoRenewals(At(100), 10);
    ASSERT_TRUE(IsOk(due));
    ASSERT_EQ(due->size(), 2u);  // Earliest expiry first; line 3 has none.
    EXPECT_EQ((*due)[0].setting.line_id, SampleLine(2).id);
    EXPECT_EQ((*due)[0].expires_at, At(50));
    EXPECT_EQ((*due)[1].setting.line_id, SampleLine(1).id);
    Result<std::vector<app::DueAutoRenewal>> early = transaction.ListDueAutoRenewals(At(60), 10);
    ASSERT_TRUE(IsOk(early));
    EXPECT_EQ(early->size(), 1u);
  });
  domain::SchedulerJob job;
  job.line_id = SampleLine(2).id;
  job.period_end = At(50);
  job.amount_jpy = 850;
  job.created_at = At(40);
  job.updated_at = At(40);
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertSchedulerJob(job)));
    ASSERT_TRUE(IsOk(transaction.UpsertAutoRenewal(setting(1, false))));
  });
  Read([&](app::Transaction& transaction) {
    // Line 2 has its job for that validity end; line 1 is switched off.
    Result<std::vector<app::DueAutoRenewal>> due = transaction.ListDueAutoRenewals(At(100), 10);
    ASSERT_TRUE(IsOk(due));
    EXPECT_TRUE(due->empty());
    Result<int64_t> charged = transaction.SumAutoRenewalCharges(job.line_id, At(0), At(41));
    ASSERT_TRUE(IsOk(charged));
    EXPECT_EQ(*charged, 850);
    Result<int64_t> before = transaction.SumAutoRenewalCharges(job.line_id, At(0), At(40));
    ASSERT_TRUE(IsOk(before));
    EXPECT_EQ(*before, 0);
  });
  // An automatic top-up counts against the same cap.
  domain::SchedulerJob topup = job;
  topup.kind = std::string(domain::kAutoTopupJob);
  topup.period_end = At(41);
  topup.amount_jpy = 500;
  topup.created_at = At(41);
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertSchedulerJob(topup)));
  });
  Read([&](app::Transaction& transaction) {
    Result<int64_t> charged = transaction.SumAutoRenewalCharges(job.line_id, At(0), At(42));
    ASSERT_TRUE(IsOk(charged));
    EXPECT_EQ(*charged, 1350);
  });
  job.status = domain::JobStatus::kRetrying;
  job.attempts = 1;
  job.next_attempt_at = At(60);
  job.reason = "card_declined";
  job.updated_at = At(45);
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.UpdateSchedulerJob(job)));
  });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::SchedulerJob>> found =
        transaction.FindSchedulerJob("auto_renewal", job.line_id, job.period_end);
    ASSERT_TRUE(IsOk(found) && found->has_value());
    EXPECT_EQ((*found)->reason, "card_declined");
    EXPECT_EQ((*found)->next_attempt_at, At(60));
    Result<std::vector<domain::SchedulerJob>> not_yet =
        transaction.ListSchedulerJobs(domain::JobStatus::kRetrying, At(59), 10);
    ASSERT_TRUE(IsOk(not_yet));
    EXPECT_TRUE(not_yet->empty());
    Result<std::vector<domain::SchedulerJob>> due =
        transaction.ListSchedulerJobs(domain::JobStatus::kRetrying, At(60), 10);
    ASSERT_TRUE(IsOk(due));
    EXPECT_EQ(due->size(), 1u);
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().InsertSchedulerJob(job), ErrorCode::kAlreadyExists,
                      "scheduler_job_exists"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, ReceiptsRoundTripAndCannotBeChanged) {
  InsertLines({1});
  Write([](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertOrder(SampleOrder("or_1", At(0)))));
    ASSERT_TRUE(IsOk(transaction.InsertOrder(SampleOrder("or_2", At(0)))));
    ASSERT_TRUE(IsOk(transaction.InsertReceipt(SampleReceipt("R0000000001", "or_1"))));
  });
  Read([](app::Transaction& transaction) {
    Result<std::optional<domain::Receipt>> loaded = transaction.FindReceiptByOrder(OrderId{"or_1"});
    ASSERT_TRUE(IsOk(loaded) && loaded->has_value());
    EXPECT_EQ(Dump(**loaded), Dump(SampleReceipt("R0000000001", "or_1")));
    Result<std::optional<domain::Receipt>> none = transaction.FindReceiptByOrder(OrderId{"or_2"});
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().InsertReceipt(SampleReceipt("R0000000001", "or_2")),
                      ErrorCode::kAlreadyExists, "receipt_exists"));
  EXPECT_TRUE(IsError(session_->transaction().InsertReceipt(SampleReceipt("R0000000002", "or_1")),
                      ErrorCode::kAlreadyExists, "receipt_exists"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  for (const char* sql :
       {"UPDATE receipts SET total_jpy = 1 WHERE receipt_number = 'R0000000001'",
        "DELETE FROM receipts WHERE receipt_number = 'R0000000001'",
        "UPDATE receipt_lines SET unit_price_jpy = 1 WHERE receipt_number = 'R0000000001'",
        "DELETE FROM receipt_lines WHERE receipt_number = 'R0000000001'",
        "UPDATE receipt_rate_totals SET tax_jpy = 0 WHERE receipt_number = 'R0000000001'",
        "DELETE FROM receipt_rate_totals WHERE receipt_number = 'R0000000001'"}) {
    ASSERT_TRUE(IsOk(session_->Begin(false)));
    Result<void> refused = ExecuteSql(sql);
    EXPECT_FALSE(IsOk(refused)) << sql;
    if (!refused) {
      EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition) << sql;
    }
    ASSERT_TRUE(IsOk(session_->Rollback()));
  }
}

TEST_P(StoreContractTest, AFailedReceiptInsertLeavesNoPartOfIt) {
  InsertLines({1});
  Write([](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertOrder(SampleOrder("or_1", At(0)))));
  });
  domain::Receipt broken = SampleReceipt("R0000000001", "or_1");
  broken.totals.by_rate[1].tax_jpy = 1;  // The per-rate sum no longer holds.
  Write([&](app::Transaction& transaction) {
    EXPECT_TRUE(IsError(transaction.InsertReceipt(broken), ErrorCode::kFailedPrecondition,
                        "constraint_violation"));
  });
  Read([](app::Transaction& transaction) {
    Result<std::optional<domain::Receipt>> none = transaction.FindReceiptByOrder(OrderId{"or_1"});
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
  });
}

TEST_P(StoreContractTest, SequencesAreGapFreeAcrossRollbacks) {
  auto next = [](app::Transaction& transaction, std::string_view name) {
    Result<int64_t> value = transaction.NextSequenceValue(name);
    EXPECT_TRUE(IsOk(value));
    return value ? *value : -1;
  };
  Write([&](app::Transaction& transaction) {
    EXPECT_EQ(next(transaction, "receipt"), 1);
    EXPECT_EQ(next(transaction, "receipt"), 2);
    EXPECT_EQ(next(transaction, "other"), 1);
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_EQ(next(session_->transaction(), "receipt"), 3);
  ASSERT_TRUE(IsOk(session_->Rollback()));
  Write([&](app::Transaction& transaction) {
    EXPECT_EQ(next(transaction, "receipt"), 3);
    ASSERT_TRUE(IsOk(session_->Savepoint()));
    EXPECT_EQ(next(transaction, "receipt"), 4);
    ASSERT_TRUE(IsOk(session_->RollbackToSavepoint()));
    EXPECT_EQ(next(transaction, "receipt"), 4);
  });
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys and API keys.

TEST_P(StoreContractTest, IdempotencyKeysAreScopedCompletedAndExpired) {
  const app::IdempotencyRecord first{"ak_1", "key-1", "hash-1", false, 0, "", At(0)};
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertIdempotency(first)));
    ASSERT_TRUE(
        IsOk(transaction.InsertIdempotency({"ak_2", "key-1", "hash-2", false, 0, "", At(0)})));
    ASSERT_TRUE(
        IsOk(transaction.InsertIdempotency({"ak_1", "key-2", "hash-3", false, 0, "", At(0)})));
    ASSERT_TRUE(IsOk(
        transaction.InsertIdempotency({"ak_1", "key-3", "hash-4", true, 200, "{}", At(7'200)})));
    EXPECT_TRUE(IsError(transaction.InsertIdempotency(first), ErrorCode::kAlreadyExists,
                        "idempotency_key_exists"));
  });
  Write([](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.CompleteIdempotency("ak_1", "key-1", 201, "{\"id\":1}")));
    EXPECT_TRUE(IsError(transaction.CompleteIdempotency("ak_3", "key-1", 201, ""),
                        ErrorCode::kNotFound, "idempotency_key_not_found"));
  });
  Read([](app::Transaction& transaction) {
    Result<std::optional<app::IdempotencyRecord>> found =
        transaction.FindIdempotency("ak_1", "key-1");
    ASSERT_TRUE(IsOk(found) && found->has_value());
    EXPECT_EQ((*found)->request_hash, "hash-1");
    EXPECT_TRUE((*found)->completed);
    EXPECT_EQ((*found)->response_status, 201);
    EXPECT_EQ((*found)->response_body, "{\"id\":1}");
    EXPECT_EQ(ToMicros((*found)->created_at), ToMicros(At(0)));
    Result<std::optional<app::IdempotencyRecord>> other =
        transaction.FindIdempotency("ak_2", "key-1");
    ASSERT_TRUE(IsOk(other) && other->has_value());
    EXPECT_FALSE((*other)->completed);
  });
  // Only completed keys older than the cutoff go: ak_1/key-1. In-flight ones stay.
  Write([](app::Transaction& transaction) {
    Result<int64_t> deleted = transaction.DeleteIdempotencyBefore(At(3'600));
    ASSERT_TRUE(IsOk(deleted));
    EXPECT_EQ(*deleted, 1);
    Result<std::optional<app::IdempotencyRecord>> gone =
        transaction.FindIdempotency("ak_1", "key-1");
    ASSERT_TRUE(IsOk(gone));
    EXPECT_FALSE(gone->has_value());
  });
}

TEST_P(StoreContractTest, ApiKeysAreFoundByTokenHash) {
  const app::ApiKey kiosk{ApiKeyId{"ak_1"}, "kiosk", "Airport kiosk 3",
                          "hash-kiosk",     At(0),   std::nullopt};
  const app::ApiKey revoked{ApiKeyId{"ak_2"}, "admin", "Old admin", "hash-admin", At(0), At(50)};
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertApiKey(kiosk)));
    ASSERT_TRUE(IsOk(transaction.InsertApiKey(revoked)));
    app::ApiKey same_token = kiosk;
    same_token.id.value = "ak_3";
    EXPECT_TRUE(
        IsError(transaction.InsertApiKey(same_token), ErrorCode::kAlreadyExists, "api_key_exists"));
  });
  Read([&](app::Transaction& transaction) {
    for (const app::ApiKey& expected : {kiosk, revoked}) {
      Result<std::optional<app::ApiKey>> found =
          transaction.FindApiKeyByTokenHash(expected.token_hash);
      ASSERT_TRUE(IsOk(found) && found->has_value());
      EXPECT_EQ((*found)->id.value, expected.id.value);
      EXPECT_EQ((*found)->role, expected.role);
      EXPECT_EQ((*found)->name, expected.name);
      EXPECT_EQ(DumpTime((*found)->created_at), DumpTime(expected.created_at));
      EXPECT_EQ(DumpTime((*found)->revoked_at), DumpTime(expected.revoked_at));
    }
    Result<std::optional<app::ApiKey>> none = transaction.FindApiKeyByTokenHash("nope");
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
  });
}

TEST_P(StoreContractTest, RevokingAnApiKeyKeepsTheFirstRevocationTime) {
  const app::ApiKey kiosk{ApiKeyId{"ak_1"}, "kiosk", "Airport kiosk 3",
                          "hash-kiosk",     At(0),   std::nullopt};
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertApiKey(kiosk)));
    ASSERT_TRUE(IsOk(transaction.RevokeApiKey(kiosk.id, At(60))));
    ASSERT_TRUE(IsOk(transaction.RevokeApiKey(kiosk.id, At(120))));
    EXPECT_TRUE(IsError(transaction.RevokeApiKey(ApiKeyId{"ak_none"}, At(60)), ErrorCode::kNotFound,
                        "api_key_not_found"));
  });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<app::ApiKey>> found = transaction.FindApiKeyByTokenHash("hash-kiosk");
    ASSERT_TRUE(IsOk(found) && found->has_value());
    EXPECT_EQ(DumpTime((*found)->revoked_at), DumpTime(std::optional<Timestamp>(At(60))));
    EXPECT_EQ((*found)->role, "kiosk");
  });
}

// ---------------------------------------------------------------------------------------------
// Transactions, savepoints, connections and durability.

TEST_P(StoreContractTest, RolledBackTransactionLeavesNothing) {
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(session_->transaction().InsertLine(SampleLine(1))));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  Read([](app::Transaction& transaction) {
    Result<int64_t> count = transaction.CountLines();
    ASSERT_TRUE(IsOk(count));
    EXPECT_EQ(*count, 0);
  });
}

TEST_P(StoreContractTest, SavepointRollbackUndoesOnlyItsPart) {
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(1))));
    ASSERT_TRUE(IsOk(session_->Savepoint()));
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(2))));
    ASSERT_TRUE(IsOk(session_->RollbackToSavepoint()));
    ASSERT_TRUE(IsOk(session_->Savepoint()));
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(3))));
    ASSERT_TRUE(IsOk(session_->Savepoint()));  // Nested: undone alone.
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(4))));
    ASSERT_TRUE(IsOk(session_->RollbackToSavepoint()));
    ASSERT_TRUE(IsOk(session_->ReleaseSavepoint()));
  });
  Read([](app::Transaction& transaction) {
    Result<std::vector<domain::Line>> lines = transaction.ListLines({10, ""});
    ASSERT_TRUE(IsOk(lines));
    std::vector<std::string> ids;
    for (const domain::Line& line : *lines) {
      ids.push_back(line.id.value);
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"ln_1001", "ln_1003"}));
  });
}

TEST_P(StoreContractTest, ARejectedCommandInASavepointSparesTheBatch) {
  // The committer's pattern: a savepoint per command; a rejected one is rolled back alone.
  InsertLines({1});
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(session_->Savepoint()));
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(2))));
    ASSERT_TRUE(IsOk(session_->ReleaseSavepoint()));
    ASSERT_TRUE(IsOk(session_->Savepoint()));
    EXPECT_FALSE(IsOk(transaction.InsertLine(SampleLine(1))));
    ASSERT_TRUE(IsOk(session_->RollbackToSavepoint()));
    ASSERT_TRUE(IsOk(session_->Savepoint()));
    ASSERT_TRUE(IsOk(transaction.InsertLine(SampleLine(3))));
    ASSERT_TRUE(IsOk(session_->ReleaseSavepoint()));
  });
  Read([](app::Transaction& transaction) {
    Result<int64_t> count = transaction.CountLines();
    ASSERT_TRUE(IsOk(count));
    EXPECT_EQ(*count, 3);
  });
}

TEST_P(StoreContractTest, SecondConnectionSeesOnlyCommittedData) {
  std::unique_ptr<app::Session> other = Connect();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  ASSERT_TRUE(IsOk(session_->transaction().InsertLine(SampleLine(1))));
  ASSERT_TRUE(IsOk(other->Begin(true)));  // A reader does not wait for the writer.
  Result<std::optional<domain::Line>> before = other->transaction().FindLine(LineId{"ln_1001"});
  ASSERT_TRUE(IsOk(before));
  EXPECT_FALSE(before->has_value());
  ASSERT_TRUE(IsOk(other->Rollback()));
  ASSERT_TRUE(IsOk(session_->Commit()));
  ASSERT_TRUE(IsOk(other->Begin(true)));
  Result<std::optional<domain::Line>> after = other->transaction().FindLine(LineId{"ln_1001"});
  ASSERT_TRUE(IsOk(after));
  EXPECT_TRUE(after->has_value());
  ASSERT_TRUE(IsOk(other->Rollback()));
}

TEST_P(StoreContractTest, AWriterIsNotBlockedByAnOpenReader) {
  std::unique_ptr<app::Session> reader = Connect();
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(IsOk(reader->Begin(true)));
  ASSERT_TRUE(IsOk(reader->transaction().CountLines()));
  InsertLines({1});
  ASSERT_TRUE(IsOk(reader->Rollback()));
}

TEST_P(StoreContractTest, ACommitSurvivesClosingAndReopening) {
  InsertLines({1});
  session_.reset();
  database_.reset();
  database_ = factory_();
  ASSERT_NE(database_, nullptr);
  Result<int> migrated = database_->Migrate();
  ASSERT_TRUE(IsOk(migrated));
  EXPECT_EQ(*migrated, 0);
  session_ = Connect();
  ASSERT_NE(session_, nullptr);
  Read([](app::Transaction& transaction) {
    Result<std::optional<domain::Line>> line = transaction.FindLine(LineId{"ln_1001"});
    ASSERT_TRUE(IsOk(line) && line->has_value());
    EXPECT_EQ(Dump(**line), Dump(SampleLine(1)));
  });
}

TEST_P(StoreContractTest, NotificationsAreQueuedOnceByTheirDedupeKey) {
  InsertLines({1, 2});
  domain::NotificationSettings settings{SampleLine(1).id, "zh-Hant",   "a@example.jp",
                                        "+819012345678",  500'000'000, At(1)};
  auto make = [](const std::string& id, const std::string& key, int line, int64_t due) {
    domain::Notification n;
    n.id = id;
    n.line_id = SampleLine(line).id;
    n.topic = domain::NotificationTopic::kExpirySoon;
    n.channel = domain::NotificationChannel::kEmail;
    n.dedupe_key = key;
    n.language = "ja";
    n.recipient = "a@example.jp";
    n.subject = "件名";
    n.body = "本文";
    n.next_attempt_at = At(due);
    n.created_at = At(1);
    return n;
  };
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.UpsertNotificationSettings(settings)));
    settings.language = "en";
    ASSERT_TRUE(IsOk(transaction.UpsertNotificationSettings(settings)));
    ASSERT_TRUE(IsOk(transaction.InsertNotification(make("nt_1", "k1", 1, 20))));
    ASSERT_TRUE(IsOk(transaction.InsertNotification(make("nt_2", "k2", 1, 10))));
    ASSERT_TRUE(IsOk(transaction.InsertNotification(make("nt_3", "k3", 2, 30))));
    // The same key again writes nothing and succeeds.
    ASSERT_TRUE(IsOk(transaction.InsertNotification(make("nt_4", "k1", 2, 5))));
    domain::Notification inbox = make("nt_5", "k5", 1, 0);
    inbox.channel = domain::NotificationChannel::kInApp;
    inbox.status = domain::NotificationStatus::kSent;
    inbox.next_attempt_at.reset();
    inbox.sent_at = At(1);
    ASSERT_TRUE(IsOk(transaction.InsertNotification(inbox)));
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().InsertNotification(make("nt_1", "k9", 1, 1)),
                      ErrorCode::kAlreadyExists, "notification_exists"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::NotificationSettings>> found =
        transaction.FindNotificationSettings(SampleLine(1).id);
    ASSERT_TRUE(IsOk(found) && found->has_value());
    EXPECT_EQ((*found)->language, "en");
    EXPECT_EQ((*found)->sms_to, "+819012345678");
    EXPECT_EQ((*found)->data_low_bytes, 500'000'000);
    Result<std::optional<domain::NotificationSettings>> none =
        transaction.FindNotificationSettings(SampleLine(2).id);
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
    Result<std::vector<domain::Notification>> due = transaction.ListNotificationsDue(At(20), 10);
    ASSERT_TRUE(IsOk(due));
    ASSERT_EQ(due->size(), 2u);  // Soonest first; nt_4 was never written, nt_5 is sent.
    EXPECT_EQ((*due)[0].id, "nt_2");
    EXPECT_EQ((*due)[1].id, "nt_1");
    EXPECT_EQ((*due)[1].subject, "件名");
    Result<std::optional<domain::Notification>> missing = transaction.FindNotification("nt_4");
    ASSERT_TRUE(IsOk(missing));
    EXPECT_FALSE(missing->has_value());
    Result<std::vector<domain::Notification>> inbox = transaction.ListLineNotifications(
        SampleLine(1).id, domain::NotificationChannel::kInApp, app::PageRequest{10, ""});
    ASSERT_TRUE(IsOk(inbox));
    ASSERT_EQ(inbox->size(), 1u);
    EXPECT_EQ((*inbox)[0].sent_at, At(1));
    Result<std::vector<domain::Notification>> email = transaction.ListLineNotifications(
        SampleLine(1).id, domain::NotificationChannel::kEmail, app::PageRequest{1, ""});
    ASSERT_TRUE(IsOk(email));
    ASSERT_EQ(email->size(), 1u);  // Newest (largest id) first, one per page.
    EXPECT_EQ((*email)[0].id, "nt_2");
    Result<std::vector<domain::Notification>> next = transaction.ListLineNotifications(
        SampleLine(1).id, domain::NotificationChannel::kEmail, app::PageRequest{1, "nt_2"});
    ASSERT_TRUE(IsOk(next));
    ASSERT_EQ(next->size(), 1u);
    EXPECT_EQ((*next)[0].id, "nt_1");
  });
  domain::Notification dead = make("nt_1", "k1", 1, 20);
  dead.status = domain::NotificationStatus::kDead;
  dead.attempts = 6;
  dead.next_attempt_at.reset();
  dead.last_error = "550 no such user";
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.UpdateNotification(dead)));
    EXPECT_TRUE(IsError(transaction.UpdateNotification(make("nt_9", "k9", 1, 1)),
                        ErrorCode::kNotFound, "notification_not_found"));
  });
  Read([&](app::Transaction& transaction) {
    Result<std::vector<domain::Notification>> list = transaction.ListNotificationsByStatus(
        domain::NotificationStatus::kDead, app::PageRequest{10, ""});
    ASSERT_TRUE(IsOk(list));
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].attempts, 6);
    EXPECT_EQ((*list)[0].last_error, "550 no such user");
    EXPECT_FALSE((*list)[0].next_attempt_at.has_value());
  });
  // A pending row must have its next attempt, a settled one none.
  domain::Notification broken = make("nt_2", "k2", 1, 10);
  broken.next_attempt_at.reset();
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().UpdateNotification(broken),
                      ErrorCode::kFailedPrecondition, "constraint_violation"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, WebhookEndpointsAndSchedulerCursorsRoundTrip) {
  domain::WebhookEndpoint endpoint{
      "we_1", "https://crm.example.jp/hook", "line.expiring", "sealed", At(1), std::nullopt};
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertWebhookEndpoint(endpoint)));
    domain::WebhookEndpoint second = endpoint;
    second.id = "we_2";
    second.events.clear();
    ASSERT_TRUE(IsOk(transaction.InsertWebhookEndpoint(second)));
    ASSERT_TRUE(IsOk(transaction.DisableWebhookEndpoint("we_2", At(5))));
    ASSERT_TRUE(IsOk(transaction.DisableWebhookEndpoint("we_2", At(9))));  // Keeps At(5).
    EXPECT_TRUE(IsError(transaction.DisableWebhookEndpoint("we_9", At(5)), ErrorCode::kNotFound,
                        "webhook_endpoint_not_found"));
    ASSERT_TRUE(IsOk(transaction.SetSchedulerCursor("reminder.x", At(10))));
    ASSERT_TRUE(IsOk(transaction.SetSchedulerCursor("reminder.x", At(20))));
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().InsertWebhookEndpoint(endpoint),
                      ErrorCode::kAlreadyExists, "webhook_endpoint_exists"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  Read([&](app::Transaction& transaction) {
    Result<std::vector<domain::WebhookEndpoint>> all = transaction.ListWebhookEndpoints();
    ASSERT_TRUE(IsOk(all));
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].events, "line.expiring");
    EXPECT_EQ((*all)[0].secret_sealed, "sealed");
    EXPECT_FALSE((*all)[0].disabled_at.has_value());
    EXPECT_EQ((*all)[1].disabled_at, At(5));
    Result<std::optional<domain::WebhookEndpoint>> found = transaction.FindWebhookEndpoint("we_1");
    ASSERT_TRUE(IsOk(found) && found->has_value());
    EXPECT_EQ((*found)->url, "https://crm.example.jp/hook");
    Result<std::optional<Timestamp>> cursor = transaction.FindSchedulerCursor("reminder.x");
    ASSERT_TRUE(IsOk(cursor) && cursor->has_value());
    EXPECT_EQ(**cursor, At(20));
    Result<std::optional<Timestamp>> none = transaction.FindSchedulerCursor("reminder.y");
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
  });
}

TEST_P(StoreContractTest, RangeReadsPageByTimeThenId) {
  InsertLines({1, 2, 3, 4});
  // Lines 1-3 end at the same instant, line 4 later; line 3 is in grace.
  for (auto [n, end] : {std::pair<int, int>{1, 100}, {2, 100}, {3, 100}, {4, 200}}) {
    domain::Line line = SampleLine(n);
    line.expires_at = At(end);
    if (n == 3) {
      line.state = domain::LineState::kGrace;
    }
    Write([&](app::Transaction& transaction) { ASSERT_TRUE(IsOk(transaction.UpdateLine(line))); });
  }
  Read([&](app::Transaction& transaction) {
    const auto active = domain::LineState::kActive;
    const auto docomo = domain::CarrierCode::kDocomo;
    Result<std::vector<domain::Line>> first = transaction.ListLinesExpiringBetween(
        active, docomo, app::RangeCursor{At(50), ""}, At(200), 1);
    ASSERT_TRUE(IsOk(first));
    ASSERT_EQ(first->size(), 1u);
    EXPECT_EQ((*first)[0].id, SampleLine(1).id);
    Result<std::vector<domain::Line>> rest = transaction.ListLinesExpiringBetween(
        active, docomo, app::RangeCursor{At(100), SampleLine(1).id.value}, At(200), 10);
    ASSERT_TRUE(IsOk(rest));
    ASSERT_EQ(rest->size(), 2u);  // Line 2 at the same instant, then line 4; not line 3.
    EXPECT_EQ((*rest)[0].id, SampleLine(2).id);
    EXPECT_EQ((*rest)[1].id, SampleLine(4).id);
    // The lower end is exclusive, the upper inclusive.
    Result<std::vector<domain::Line>> window = transaction.ListLinesExpiringBetween(
        active, docomo, app::RangeCursor{At(100), "~"}, At(199), 10);
    ASSERT_TRUE(IsOk(window));
    EXPECT_TRUE(window->empty());
    Result<std::vector<domain::Line>> grace = transaction.ListLinesExpiringBetween(
        domain::LineState::kGrace, docomo, app::RangeCursor{At(0), ""}, At(100), 10);
    ASSERT_TRUE(IsOk(grace));
    ASSERT_EQ(grace->size(), 1u);
  });
  // Three konbini payments: two due at the same instant, one later; one paid already.
  Write([&](app::Transaction& transaction) {
    for (auto [n, due] : {std::pair<int, int>{1, 300}, {2, 300}, {3, 500}, {4, 300}}) {
      const std::string order = "or_" + std::to_string(n);
      ASSERT_TRUE(IsOk(transaction.InsertOrder(SampleOrder(order, At(n)))));
      domain::Payment payment = SamplePayment("pa_" + std::to_string(n), order, At(n));
      payment.method = domain::PaymentMethod::kKonbini;
      payment.saved_method_id = {};
      payment.card_brand.clear();
      payment.card_last4.clear();
      payment.status =
          n == 4 ? domain::PaymentStatus::kSucceeded : domain::PaymentStatus::kRequiresAction;
      payment.action.kind = domain::PaymentActionKind::kKonbini;
      payment.action.expires_at = At(due);
      ASSERT_TRUE(IsOk(transaction.InsertPayment(payment)));
    }
  });
  Read([&](app::Transaction& transaction) {
    Result<std::vector<domain::Payment>> first =
        transaction.ListPaymentsDueBetween(app::RangeCursor{At(0), ""}, At(1000), 1);
    ASSERT_TRUE(IsOk(first));
    ASSERT_EQ(first->size(), 1u);
    EXPECT_EQ((*first)[0].id.value, "pa_1");
    Result<std::vector<domain::Payment>> rest =
        transaction.ListPaymentsDueBetween(app::RangeCursor{At(300), "pa_1"}, At(1000), 10);
    ASSERT_TRUE(IsOk(rest));
    ASSERT_EQ(rest->size(), 2u);  // Not the paid one.
    EXPECT_EQ((*rest)[0].id.value, "pa_2");
    EXPECT_EQ((*rest)[1].id.value, "pa_3");
    Result<std::vector<domain::Payment>> window =
        transaction.ListPaymentsDueBetween(app::RangeCursor{At(300), "~"}, At(499), 10);
    ASSERT_TRUE(IsOk(window));
    EXPECT_TRUE(window->empty());
  });
}

TEST_P(StoreContractTest, ForeignKeysAreEnforced) {
  domain::Line orphan = SampleLine(1);
  orphan.wallet_account_id.value = "ac_nobody";
  domain::Order no_line = SampleOrder("or_1", At(0));
  no_line.line_id.value = "ln_nobody";
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().InsertLine(orphan), ErrorCode::kFailedPrecondition,
                      "constraint_violation"));
  EXPECT_TRUE(IsError(session_->transaction().InsertOrder(no_line), ErrorCode::kFailedPrecondition,
                      "constraint_violation"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

}  // namespace simkeep::storage::testing

#endif  // SIMKEEP_STORAGE_STORE_CONTRACT_TEST_H_
