#include "simkeep/payments/komoju/komoju_provider.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fake_komoju_server.h"
#include "simkeep/base/time.h"

// The adapter against the fake KOMOJU server (tests/komoju/fake_komoju.py), one server for the
// whole suite; every test makes payments of its own. The server keeps real time (payment
// deadlines, capture times), so these tests read the wall clock where it does.

namespace simkeep::payments {
namespace {

using app::ChargeStatus;
using domain::PaymentMethod;
using nlohmann::json;
using testing::FakeKomojuServer;

class KomojuProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = FakeKomojuServer::Start(); }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override { ASSERT_NE(server_, nullptr) << "the fake KOMOJU server did not start"; }

  static KomojuConfig Config() {
    KomojuConfig config = server_->Config();
    config.connect_timeout_ms = 5'000;
    config.total_timeout_ms = 20'000;
    return config;
  }

  static std::unique_ptr<KomojuProvider> Provider(KomojuConfig config) {
    Result<std::unique_ptr<KomojuProvider>> provider = KomojuProvider::Create(std::move(config));
    EXPECT_TRUE(provider) << provider.error().message;
    return provider ? std::move(*provider) : nullptr;
  }
  static std::unique_ptr<KomojuProvider> Provider() { return Provider(Config()); }

  static Timestamp Now() { return SystemClock().Now(); }

  static PaymentId NewPaymentId() {
    static std::atomic<int> counter{0};
    return PaymentId{"pay_komoju_test_" + std::to_string(++counter)};
  }

  static app::ChargeRequest Card(std::string number, int64_t amount_jpy = 1000) {
    app::ChargeRequest request;
    request.payment_id = NewPaymentId();
    request.order_id = OrderId{"ord_" + request.payment_id.value};
    request.amount_jpy = amount_jpy;
    request.card = app::CardDetails{std::move(number), 12, 2035, "123"};
    request.customer_email = "taro@example.jp";
    return request;
  }

  static app::ChargeRequest Deferred(PaymentMethod method, std::string store = "") {
    app::ChargeRequest request;
    request.payment_id = NewPaymentId();
    request.method = method;
    request.amount_jpy = 3000;
    request.konbini_store = std::move(store);
    request.customer_email = "hanako@example.jp";
    request.customer_name = "山田 花子";
    request.customer_name_kana = "ヤマダ ハナコ";
    request.customer_phone = "090-1234-5678";
    return request;
  }

  static SavedMethodId NewSavedMethodId() {
    static std::atomic<int> counter{0};
    return SavedMethodId{"sm_komoju_test_" + std::to_string(++counter)};
  }

  static app::SaveMethodRequest SaveCard(std::string number) {
    app::SaveMethodRequest request;
    request.id = NewSavedMethodId();
    request.card = app::CardDetails{std::move(number), 7, 2034, "123"};
    request.customer_email = "taro@example.jp";
    return request;
  }

  // A charge of the card saved under `token`.
  static app::ChargeRequest SavedCard(const std::string& token, int64_t amount_jpy = 1000) {
    app::ChargeRequest request = Card("", amount_jpy);
    request.saved_method_token = token;
    return request;
  }

  // The payment row simkeep would keep for a charge.
  static domain::Payment Row(const app::ChargeRequest& request, const app::ChargeOutcome& outcome) {
    domain::Payment payment;
    payment.id = request.payment_id;
    payment.method = request.method;
    payment.provider = "komoju";
    payment.amount_jpy = request.amount_jpy;
    payment.provider_reference = outcome.provider_reference;
    return payment;
  }

  // How many customers the fake holds for our saved method id.
  static int CustomersAtKomoju(const SavedMethodId& id) {
    const json list = server_->Get("/api/v1/customers");
    if (!list.is_object() || !list.contains("data")) {
      return -1;
    }
    int count = 0;
    for (const json& customer : list["data"]) {
      if (customer["metadata"].value("saved_method_id", "") == id.value) {
        ++count;
      }
    }
    return count;
  }

  // How many payments the fake holds for our payment id.
  static int CountAtKomoju(const PaymentId& id) {
    const json list = server_->Get("/api/v1/payments?external_order_num=" + id.value);
    return list.is_object() ? list.value("total", -1) : -1;
  }

  static void Control(const std::string& reference, const std::string& action) {
    int status = 0;
    server_->Post("/_test/payments/" + reference + "/" + action, "{}", &status);
    ASSERT_EQ(status, 200) << action << " " << reference;
  }

  // Asks until KOMOJU knows what became of the payment (a bounded wait, not a timing check).
  static app::ChargeOutcome RetrieveUntilKnown(KomojuProvider& provider,
                                               const domain::Payment& payment) {
    app::ChargeOutcome outcome;
    for (int attempt = 0; attempt < 600; ++attempt) {
      outcome = provider.Retrieve(payment);
      if (outcome.status != ChargeStatus::kUnknown) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return outcome;
  }

  static std::unique_ptr<FakeKomojuServer> server_;
};

std::unique_ptr<FakeKomojuServer> KomojuProviderTest::server_;

std::map<std::string, std::string> LowerCaseHeaders(const json& headers) {
  std::map<std::string, std::string> lower;
  for (const auto& [name, value] : headers.items()) {
    std::string key = name;
    for (char& c : key) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    lower[key] = value.get<std::string>();
  }
  return lower;
}

std::string HmacHex(std::string_view secret, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &size);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += "0123456789abcdef"[digest[i] >> 4];
    hex += "0123456789abcdef"[digest[i] & 0x0F];
  }
  return hex;
}

TEST_F(KomojuProviderTest, ConfigurationIsChecked) {
  auto reason = [](KomojuConfig config) {
    Result<std::unique_ptr<KomojuProvider>> made = KomojuProvider::Create(std::move(config));
    return made ? std::string() : made.error().reason;
  };
  KomojuConfig config = Config();
  EXPECT_EQ(reason(config), "");
  config.base_url = "http://127.0.0.1:1";
  EXPECT_EQ(reason(config), "komoju_config_invalid");
  config = Config();
  config.secret_key.clear();
  EXPECT_EQ(reason(config), "komoju_config_invalid");
  config = Config();
  config.connect_timeout_ms = komoju::kTimeoutMsMin;
  config.total_timeout_ms = komoju::kTimeoutMsMax;
  EXPECT_EQ(reason(config), "");
  config.connect_timeout_ms = komoju::kTimeoutMsMin - 1;
  EXPECT_EQ(reason(config), "komoju_config_invalid");
  config.connect_timeout_ms = komoju::kTimeoutMsMin;
  config.total_timeout_ms = komoju::kTimeoutMsMax + 1;
  EXPECT_EQ(reason(config), "komoju_config_invalid");
  config = Config();
  config.connect_timeout_ms = config.total_timeout_ms + 1;
  EXPECT_EQ(reason(config), "komoju_config_invalid");
  config = Config();
  config.list_page_size = komoju::kListPageSizeMax;
  EXPECT_EQ(reason(config), "");
  config.list_page_size = komoju::kListPageSizeMax + 1;
  EXPECT_EQ(reason(config), "komoju_config_invalid");
  config.list_page_size = 0;
  EXPECT_EQ(reason(config), "komoju_config_invalid");
}

TEST_F(KomojuProviderTest, SupportsWhatKomojuCollects) {
  auto provider = Provider();
  std::set<PaymentMethod> supported;
  for (PaymentMethod method : domain::AllPaymentMethods()) {
    if (provider->Supports(method)) {
      supported.insert(method);
    }
  }
  EXPECT_EQ(supported, (std::set<PaymentMethod>{
                           PaymentMethod::kCard, PaymentMethod::kKonbini, PaymentMethod::kPayEasy,
                           PaymentMethod::kBankTransfer, PaymentMethod::kPayPay,
                           PaymentMethod::kAlipay, PaymentMethod::kWeChatPay}));
}

TEST_F(KomojuProviderTest, ValidateChargeRefusesWhatCanBeCheckedBeforehand) {
  auto provider = Provider();
  const Timestamp now = *ParseRfc3339("2026-11-22T12:00:00+09:00");
  auto reason = [&](const app::ChargeRequest& request) {
    Result<void> checked = provider->ValidateCharge(request, now);
    return checked ? std::string() : checked.error().reason;
  };
  EXPECT_EQ(reason(Card("4111111111111111")), "");
  EXPECT_EQ(reason(Card("")), "card_required");
  EXPECT_EQ(reason(Card("4111111111111112")), "card_number_invalid");
  EXPECT_EQ(reason(Card("41111111111x1111")), "card_number_invalid");
  app::ChargeRequest expired = Card("4111111111111111");
  expired.card.exp_year = 2026;
  expired.card.exp_month = 10;
  EXPECT_EQ(reason(expired), "card_expiry_invalid");
  expired.card.exp_month = 11;
  EXPECT_EQ(reason(expired), "");
  expired.card.exp_month = 13;
  EXPECT_EQ(reason(expired), "card_expiry_invalid");
  app::ChargeRequest saved = Card("");
  saved.saved_method_token = "cus_123";
  EXPECT_EQ(reason(saved), "");
  EXPECT_EQ(reason(Deferred(PaymentMethod::kKonbini, "lawson")), "");
  EXPECT_EQ(reason(Deferred(PaymentMethod::kKonbini, "circle-k")), "konbini_store_invalid");
  EXPECT_EQ(reason(Deferred(PaymentMethod::kKonbini)), "konbini_store_invalid");
  app::ChargeRequest no_email = Deferred(PaymentMethod::kPayEasy);
  no_email.customer_email.clear();
  EXPECT_EQ(reason(no_email), "email_required");
  for (PaymentMethod method : {PaymentMethod::kPayEasy, PaymentMethod::kBankTransfer}) {
    const std::string name(domain::PaymentMethodName(method));
    EXPECT_EQ(reason(Deferred(method)), "") << name;
    auto with_name = [&](std::string customer_name, std::string kana) {
      app::ChargeRequest request = Deferred(method);
      request.customer_name = std::move(customer_name);
      request.customer_name_kana = std::move(kana);
      return reason(request);
    };
    EXPECT_EQ(with_name("Hanako Yamada", "ヤマダ　ハナコ"), "") << name;
    EXPECT_EQ(with_name("", "ヤマダ ハナコ"), "customer_name_required") << name;
    EXPECT_EQ(with_name("山田 花子", ""), "customer_name_required") << name;
    EXPECT_EQ(with_name("山田花子", "ヤマダ ハナコ"), "customer_name_required") << name;
    EXPECT_EQ(with_name("山田 花子", "ヤマダハナコ"), "customer_name_required") << name;
    EXPECT_EQ(with_name("山田 花子", "やまだ はなこ"), "customer_name_required") << name;
    EXPECT_EQ(with_name("山田 花子", "ﾔﾏﾀﾞ ﾊﾅｺ"), "customer_name_required") << name;
    EXPECT_EQ(with_name("山田 花子", "Yamada Hanako"), "customer_name_required") << name;
    auto with_phone = [&](std::string phone) {
      app::ChargeRequest request = Deferred(method);
      request.customer_phone = std::move(phone);
      return reason(request);
    };
    EXPECT_EQ(with_phone("0312345678"), "") << name;
    EXPECT_EQ(with_phone("03-1234-5678"), "") << name;
    EXPECT_EQ(with_phone(""), "customer_phone_invalid") << name;
    EXPECT_EQ(with_phone("031234567"), "customer_phone_invalid") << name;
    EXPECT_EQ(with_phone("090123456789"), "customer_phone_invalid") << name;
    EXPECT_EQ(with_phone("9012345678"), "customer_phone_invalid") << name;
    EXPECT_EQ(with_phone("+81 90 1234 5678"), "customer_phone_invalid") << name;
    // The email is asked for first, then the name, then the phone.
    app::ChargeRequest nothing = Deferred(method);
    nothing.customer_email.clear();
    nothing.customer_name.clear();
    nothing.customer_phone.clear();
    EXPECT_EQ(reason(nothing), "email_required") << name;
    nothing.customer_email = "hanako@example.jp";
    EXPECT_EQ(reason(nothing), "customer_name_required") << name;
  }
  // Konbini and wallets need no payer.
  app::ChargeRequest konbini = Deferred(PaymentMethod::kKonbini, "lawson");
  konbini.customer_name.clear();
  konbini.customer_phone.clear();
  EXPECT_EQ(reason(konbini), "");
  for (PaymentMethod method : {PaymentMethod::kLinePay, PaymentMethod::kPayPal,
                               PaymentMethod::kBalance, PaymentMethod::kCash}) {
    EXPECT_EQ(reason(Deferred(method)), "payment_method_not_supported")
        << domain::PaymentMethodName(method);
  }
}

TEST_F(KomojuProviderTest, CardPaymentSucceeds) {
  auto provider = Provider();
  const app::ChargeRequest request = Card("4111111111111111", 1200);
  ASSERT_TRUE(provider->ValidateCharge(request, Now()));
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  EXPECT_EQ(outcome.status, ChargeStatus::kSucceeded);
  EXPECT_FALSE(outcome.provider_reference.empty());
  EXPECT_EQ(outcome.card_brand, "visa");
  EXPECT_EQ(outcome.card_last4, "1111");
  EXPECT_EQ(outcome.amount_jpy, 1200);
  EXPECT_EQ(outcome.refunded_jpy, 0);
  EXPECT_EQ(provider->Retrieve(Row(request, outcome)).status, ChargeStatus::kSucceeded);
}

TEST_F(KomojuProviderTest, CardErrorsMapToStableReasons) {
  auto provider = Provider();
  struct Case {
    const char* number;
    const char* reason;
  };
  for (const Case& c :
       {Case{"4123111111111000", "insufficient_funds"}, Case{"4123111111111018", "limit_exceeded"},
        Case{"4123111111111034", "incorrect_cvc"}, Case{"4123111111111042", "expired_card"},
        Case{"4123111111111059", "card_declined"}}) {
    const app::ChargeRequest request = Card(c.number);
    ASSERT_TRUE(provider->ValidateCharge(request, Now())) << c.number;
    const app::ChargeOutcome outcome = provider->Charge(request, Now());
    EXPECT_EQ(outcome.status, ChargeStatus::kFailed) << c.number;
    EXPECT_EQ(outcome.failure_reason, c.reason) << c.number;
    EXPECT_EQ(outcome.card_last4, std::string(c.number).substr(12)) << c.number;
    // Had the answer been lost, asking later says the same.
    const app::ChargeOutcome retrieved = provider->Retrieve(Row(request, {}));
    EXPECT_EQ(retrieved.status, ChargeStatus::kFailed) << c.number;
  }
}

TEST_F(KomojuProviderTest, SamePaymentIdChargedTwiceChargesOnce) {
  auto provider = Provider();
  const app::ChargeRequest request = Card("5555555555554444");
  const app::ChargeOutcome first = provider->Charge(request, Now());
  const app::ChargeOutcome second = provider->Charge(request, Now());
  EXPECT_EQ(first.status, ChargeStatus::kSucceeded);
  EXPECT_EQ(second.status, ChargeStatus::kSucceeded);
  EXPECT_EQ(first.provider_reference, second.provider_reference);
  EXPECT_EQ(second.card_brand, "mastercard");
  EXPECT_EQ(CountAtKomoju(request.payment_id), 1);
}

TEST_F(KomojuProviderTest, RepeatedChargeWithAnotherBodyStillFindsThePayment) {
  auto provider = Provider();
  app::ChargeRequest request = Card("4111111111111111", 1000);
  const app::ChargeOutcome first = provider->Charge(request, Now());
  ASSERT_EQ(first.status, ChargeStatus::kSucceeded);
  request.amount_jpy = 2000;  // KOMOJU refuses the key with another body.
  const app::ChargeOutcome second = provider->Charge(request, Now());
  EXPECT_EQ(second.status, ChargeStatus::kSucceeded);
  EXPECT_EQ(second.provider_reference, first.provider_reference);
  EXPECT_EQ(second.amount_jpy, 1000);
  EXPECT_EQ(CountAtKomoju(request.payment_id), 1);
}

TEST_F(KomojuProviderTest, OnlyCardsAreSaved) {
  auto provider = Provider();
  for (PaymentMethod method : domain::AllPaymentMethods()) {
    EXPECT_EQ(provider->SupportsSaving(method), method == PaymentMethod::kCard)
        << domain::PaymentMethodName(method);
  }
  app::SaveMethodRequest request = SaveCard("4111111111111111");
  request.method = PaymentMethod::kPayPay;
  const app::SaveMethodOutcome outcome = provider->SaveMethod(request, Now());
  EXPECT_EQ(outcome.status, app::SaveStatus::kFailed);
  EXPECT_EQ(outcome.failure_reason, "payment_method_not_savable");
  EXPECT_EQ(CustomersAtKomoju(request.id), 0);
}

TEST_F(KomojuProviderTest, SavedCardGivesTokenBrandLast4AndExpiry) {
  auto provider = Provider();
  const app::SaveMethodRequest request = SaveCard("5555555555554444");
  const app::SaveMethodOutcome saved = provider->SaveMethod(request, Now());
  ASSERT_EQ(saved.status, app::SaveStatus::kSaved) << saved.failure_reason;
  EXPECT_FALSE(saved.token.empty());
  EXPECT_EQ(saved.card_brand, "mastercard");
  EXPECT_EQ(saved.card_last4, "4444");
  EXPECT_EQ(saved.exp_month, 7);
  EXPECT_EQ(saved.exp_year, 2034);
  EXPECT_EQ(saved.failure_reason, "");
  // KOMOJU holds it as a customer with the email, and never hands back the number.
  int status = 0;
  const json customer = server_->Get("/api/v1/customers/" + saved.token, &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(customer["email"], "taro@example.jp");
  EXPECT_EQ(customer["source"]["last_four_digits"], "4444");
  EXPECT_EQ(customer.dump().find("5555555555554444"), std::string::npos);
}

TEST_F(KomojuProviderTest, SavingTwiceWithOneIdKeepsOneCustomer) {
  auto provider = Provider();
  const app::SaveMethodRequest request = SaveCard("4111111111111111");
  const app::SaveMethodOutcome first = provider->SaveMethod(request, Now());
  const app::SaveMethodOutcome second = provider->SaveMethod(request, Now());
  ASSERT_EQ(first.status, app::SaveStatus::kSaved);
  EXPECT_EQ(second.status, app::SaveStatus::kSaved);
  EXPECT_EQ(second.token, first.token);
  EXPECT_EQ(CustomersAtKomoju(request.id), 1);
  // Another id is another card kept.
  const app::SaveMethodOutcome other = provider->SaveMethod(SaveCard("4111111111111111"), Now());
  ASSERT_EQ(other.status, app::SaveStatus::kSaved);
  EXPECT_NE(other.token, first.token);
}

TEST_F(KomojuProviderTest, RefusedCardsAreNotSaved) {
  auto provider = Provider();
  struct Case {
    const char* number;
    const char* reason;
  };
  for (const Case& c :
       {Case{"4123111111111059", "card_declined"}, Case{"4123111111111067", "card_number_invalid"},
        Case{"4123111111111042", "expired_card"}, Case{"4123111111111034", "incorrect_cvc"}}) {
    const app::SaveMethodRequest request = SaveCard(c.number);
    const app::SaveMethodOutcome outcome = provider->SaveMethod(request, Now());
    EXPECT_EQ(outcome.status, app::SaveStatus::kFailed) << c.number;
    EXPECT_EQ(outcome.failure_reason, c.reason) << c.number;
    EXPECT_TRUE(outcome.token.empty()) << c.number;
    EXPECT_EQ(CustomersAtKomoju(request.id), 0) << c.number;
  }
}

TEST_F(KomojuProviderTest, InvalidCardsAreRefusedBeforeAnyCall) {
  // Nothing listens at this address: a call would be kUnknown, not kFailed.
  KomojuConfig config = Config();
  config.base_url = "https://127.0.0.1:1";
  auto provider = Provider(config);
  const Timestamp now = *ParseRfc3339("2026-11-22T12:00:00+09:00");
  auto reason = [&](const app::SaveMethodRequest& request) {
    const app::SaveMethodOutcome outcome = provider->SaveMethod(request, now);
    EXPECT_NE(outcome.status, app::SaveStatus::kUnknown);
    return outcome.failure_reason;
  };
  EXPECT_EQ(reason(SaveCard("")), "card_required");
  EXPECT_EQ(reason(SaveCard("4111111111111112")), "card_number_invalid");
  EXPECT_EQ(reason(SaveCard("4111 1111 1111 1111")), "card_number_invalid");
  app::SaveMethodRequest expired = SaveCard("4111111111111111");
  expired.card.exp_year = 2026;
  expired.card.exp_month = 10;
  EXPECT_EQ(reason(expired), "card_expiry_invalid");
  expired.card.exp_month = 0;
  EXPECT_EQ(reason(expired), "card_expiry_invalid");
  app::SaveMethodRequest long_id = SaveCard("4111111111111111");
  long_id.id.value.assign(komoju::kIdempotencyKeyBytesMax + 1, 'x');
  EXPECT_EQ(reason(long_id), "processing_error");
  app::SaveMethodRequest no_id = SaveCard("4111111111111111");
  no_id.id.value.clear();
  EXPECT_EQ(reason(no_id), "processing_error");
}

TEST_F(KomojuProviderTest, SaveWithoutAnAnswerIsUnknownAndTheRepeatFindsIt) {
  KomojuConfig config = Config();
  config.connect_timeout_ms = 1'000;
  config.total_timeout_ms = 2'000;
  auto provider = Provider(config);
  const app::SaveMethodRequest request = SaveCard("4111111111111111");
  server_->Post("/_test/delay?seconds=5");  // Well past the client's 2 s.
  const app::SaveMethodOutcome lost = provider->SaveMethod(request, Now());
  EXPECT_EQ(lost.status, app::SaveStatus::kUnknown);
  EXPECT_TRUE(lost.token.empty());
  // KOMOJU made the customer after all; repeating the id answers it (kUnknown while the first
  // call still runs: KOMOJU answers 409), and makes no other.
  app::SaveMethodOutcome repeated;
  for (int attempt = 0; attempt < 600; ++attempt) {
    repeated = provider->SaveMethod(request, Now());
    if (repeated.status != app::SaveStatus::kUnknown) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(repeated.status, app::SaveStatus::kSaved);
  EXPECT_FALSE(repeated.token.empty());
  EXPECT_EQ(CustomersAtKomoju(request.id), 1);
}

TEST_F(KomojuProviderTest, SavedCardIsChargedThroughItsCustomer) {
  auto provider = Provider();
  const app::SaveMethodOutcome saved = provider->SaveMethod(SaveCard("4111111111111111"), Now());
  ASSERT_EQ(saved.status, app::SaveStatus::kSaved);
  const app::ChargeRequest request = SavedCard(saved.token, 1500);
  ASSERT_TRUE(provider->ValidateCharge(request, Now()));
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  EXPECT_EQ(outcome.status, ChargeStatus::kSucceeded);
  EXPECT_EQ(outcome.card_brand, "visa");
  EXPECT_EQ(outcome.card_last4, "1111");
  EXPECT_EQ(outcome.amount_jpy, 1500);
  EXPECT_EQ(provider->Retrieve(Row(request, outcome)).status, ChargeStatus::kSucceeded);
  // The card stays saved: it is charged again.
  EXPECT_EQ(provider->Charge(SavedCard(saved.token), Now()).status, ChargeStatus::kSucceeded);
}

TEST_F(KomojuProviderTest, SavedCardChargesFollowTheTestCard) {
  auto provider = Provider();
  struct Case {
    const char* number;
    const char* reason;
  };
  for (const Case& c : {Case{"4123111111111000", "insufficient_funds"},
                        Case{"4123111111111018", "limit_exceeded"}}) {
    const app::SaveMethodOutcome saved = provider->SaveMethod(SaveCard(c.number), Now());
    ASSERT_EQ(saved.status, app::SaveStatus::kSaved) << c.number;
    const app::ChargeRequest request = SavedCard(saved.token);
    const app::ChargeOutcome outcome = provider->Charge(request, Now());
    EXPECT_EQ(outcome.status, ChargeStatus::kFailed) << c.number;
    EXPECT_EQ(outcome.failure_reason, c.reason) << c.number;
    EXPECT_EQ(provider->Retrieve(Row(request, {})).status, ChargeStatus::kFailed) << c.number;
  }
  const app::SaveMethodOutcome three_d_secure =
      provider->SaveMethod(SaveCard("4100000000000100"), Now());
  ASSERT_EQ(three_d_secure.status, app::SaveStatus::kSaved);
  const app::ChargeOutcome outcome = provider->Charge(SavedCard(three_d_secure.token), Now());
  EXPECT_EQ(outcome.status, ChargeStatus::kRequiresAction);
  EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kRedirect);
}

TEST_F(KomojuProviderTest, ForgottenCardIsGoneAndCannotBeCharged) {
  auto provider = Provider();
  const app::SaveMethodOutcome saved = provider->SaveMethod(SaveCard("4111111111111111"), Now());
  ASSERT_EQ(saved.status, app::SaveStatus::kSaved);
  Result<void> forgotten = provider->ForgetMethod(saved.token);
  EXPECT_TRUE(forgotten) << forgotten.error().message;
  int status = 0;
  server_->Get("/api/v1/customers/" + saved.token, &status);
  EXPECT_EQ(status, 404);
  // Forgetting again, or a token KOMOJU never held, is done already.
  EXPECT_TRUE(provider->ForgetMethod(saved.token));
  EXPECT_TRUE(provider->ForgetMethod("cus_never_made"));
  EXPECT_TRUE(provider->ForgetMethod(""));
  const app::ChargeRequest request = SavedCard(saved.token);
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  EXPECT_EQ(outcome.status, ChargeStatus::kFailed);
  EXPECT_EQ(outcome.failure_reason, "processing_error");
  EXPECT_EQ(CountAtKomoju(request.payment_id), 0);
}

TEST_F(KomojuProviderTest, KonbiniWaitsForTheCustomerAndThenSucceeds) {
  auto provider = Provider();
  const app::ChargeRequest request = Deferred(PaymentMethod::kKonbini, "lawson");
  ASSERT_TRUE(provider->ValidateCharge(request, Now()));
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction);
  EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kKonbini);
  EXPECT_EQ(outcome.action.store, "lawson");
  EXPECT_FALSE(outcome.action.payment_number.empty());
  EXPECT_FALSE(outcome.action.confirmation_number.empty());
  EXPECT_TRUE(outcome.action.url.starts_with("https://"));
  ASSERT_TRUE(outcome.action.expires_at);
  EXPECT_TRUE(FormatRfc3339Jst(*outcome.action.expires_at).ends_with("T23:59:59+09:00"))
      << FormatRfc3339Jst(*outcome.action.expires_at);
  EXPECT_GT(*outcome.action.expires_at, Now());
  EXPECT_EQ(outcome.amount_jpy, 3000);

  const domain::Payment row = Row(request, outcome);
  EXPECT_EQ(provider->Retrieve(row).status, ChargeStatus::kRequiresAction);
  Control(outcome.provider_reference, "capture");  // Paid at the till.
  EXPECT_EQ(provider->Retrieve(row).status, ChargeStatus::kSucceeded);
  // A restart that lost the reference still finds it, by our payment id.
  EXPECT_EQ(provider->Retrieve(Row(request, {})).status, ChargeStatus::kSucceeded);
}

TEST_F(KomojuProviderTest, KonbiniDeadlineFollowsPayBy) {
  auto provider = Provider();
  app::ChargeRequest request = Deferred(PaymentMethod::kKonbini, "family-mart");
  const Timestamp now = Now();
  request.pay_by = domain::DeferredPaymentDeadline(now, 7);
  const app::ChargeOutcome outcome = provider->Charge(request, now);
  ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction);
  ASSERT_TRUE(outcome.action.expires_at);
  // The fake counts days from its own clock, which may have passed midnight JST meanwhile.
  const Timestamp due = *outcome.action.expires_at;
  EXPECT_TRUE(due == request.pay_by || due == request.pay_by + std::chrono::days(1))
      << FormatRfc3339Jst(due);
}

TEST_F(KomojuProviderTest, UnpaidKonbiniExpires) {
  auto provider = Provider();
  const app::ChargeRequest request = Deferred(PaymentMethod::kKonbini, "seven-eleven");
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction);
  Control(outcome.provider_reference, "expire");
  EXPECT_EQ(provider->Retrieve(Row(request, outcome)).status, ChargeStatus::kCanceled);
}

TEST_F(KomojuProviderTest, CancelWithdrawsAnOpenPayment) {
  auto provider = Provider();
  const app::ChargeRequest request = Deferred(PaymentMethod::kKonbini, "ministop");
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction);
  EXPECT_EQ(provider->Cancel(Row(request, outcome)).status, ChargeStatus::kCanceled);
  EXPECT_EQ(provider->Retrieve(Row(request, outcome)).status, ChargeStatus::kCanceled);
  // Cancelling again, or without the reference, answers the same.
  EXPECT_EQ(provider->Cancel(Row(request, {})).status, ChargeStatus::kCanceled);
}

TEST_F(KomojuProviderTest, CancelAfterTheCustomerPaidSaysSucceeded) {
  auto provider = Provider();
  const app::ChargeRequest request = Deferred(PaymentMethod::kKonbini, "seicomart");
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction);
  Control(outcome.provider_reference, "capture");
  EXPECT_EQ(provider->Cancel(Row(request, outcome)).status, ChargeStatus::kSucceeded);
}

TEST_F(KomojuProviderTest, PayEasyAndBankTransferGiveTheirNumbers) {
  auto provider = Provider();
  const app::ChargeRequest pay_easy = Deferred(PaymentMethod::kPayEasy);
  app::ChargeOutcome outcome = provider->Charge(pay_easy, Now());
  ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction);
  EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kPayEasy);
  EXPECT_FALSE(outcome.action.institution_number.empty());
  EXPECT_FALSE(outcome.action.payment_number.empty());
  EXPECT_FALSE(outcome.action.confirmation_number.empty());
  ASSERT_TRUE(outcome.action.expires_at);

  const app::ChargeRequest bank = Deferred(PaymentMethod::kBankTransfer);
  outcome = provider->Charge(bank, Now());
  ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction);
  EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kBankTransfer);
  EXPECT_FALSE(outcome.action.payment_number.empty());
  ASSERT_TRUE(outcome.action.expires_at);
  Control(outcome.provider_reference, "capture");
  EXPECT_EQ(provider->Retrieve(Row(bank, outcome)).status, ChargeStatus::kSucceeded);
}

TEST_F(KomojuProviderTest, PayEasyAndBankTransferWithoutThePayerAreRefused) {
  auto provider = Provider();
  for (PaymentMethod method : {PaymentMethod::kPayEasy, PaymentMethod::kBankTransfer}) {
    const std::string name(domain::PaymentMethodName(method));
    // Charged without ValidateCharge: KOMOJU refuses, and nothing is made.
    for (int missing = 0; missing < 3; ++missing) {
      app::ChargeRequest request = Deferred(method);
      if (missing == 0) {
        request.customer_name.clear();
      } else if (missing == 1) {
        request.customer_name_kana = "ヤマダハナコ";  // Not in two parts.
      } else {
        request.customer_phone.clear();
      }
      EXPECT_FALSE(provider->ValidateCharge(request, Now())) << name << " " << missing;
      const app::ChargeOutcome outcome = provider->Charge(request, Now());
      EXPECT_EQ(outcome.status, ChargeStatus::kFailed) << name << " " << missing;
      EXPECT_EQ(outcome.failure_reason, "processing_error") << name << " " << missing;
      EXPECT_EQ(CountAtKomoju(request.payment_id), 0) << name << " " << missing;
    }
    // With the payer, as ValidateCharge lets through.
    const app::ChargeRequest request = Deferred(method);
    ASSERT_TRUE(provider->ValidateCharge(request, Now())) << name;
    EXPECT_EQ(provider->Charge(request, Now()).status, ChargeStatus::kRequiresAction) << name;
  }
}

TEST_F(KomojuProviderTest, WalletsRedirectAndSettleLater) {
  auto provider = Provider();
  for (PaymentMethod method :
       {PaymentMethod::kPayPay, PaymentMethod::kAlipay, PaymentMethod::kWeChatPay}) {
    app::ChargeRequest request = Deferred(method);
    request.return_url = "https://shop.example/back";
    const app::ChargeOutcome outcome = provider->Charge(request, Now());
    ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction) << domain::PaymentMethodName(method);
    EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kRedirect);
    EXPECT_TRUE(outcome.action.url.starts_with("https://"));
    Control(outcome.provider_reference, "capture");
    EXPECT_EQ(provider->Retrieve(Row(request, outcome)).status, ChargeStatus::kSucceeded);
  }
}

TEST_F(KomojuProviderTest, ThreeDSecureRedirectsAndMayFail) {
  auto provider = Provider();
  const app::ChargeRequest request = Card("4100000000000100");
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction);
  EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kRedirect);
  Control(outcome.provider_reference, "fail");
  const app::ChargeOutcome retrieved = provider->Retrieve(Row(request, outcome));
  EXPECT_EQ(retrieved.status, ChargeStatus::kFailed);
  EXPECT_EQ(retrieved.failure_reason, "authentication_failed");
}

TEST_F(KomojuProviderTest, RefundsInFullAndInPartEachOnce) {
  auto provider = Provider();
  const app::ChargeRequest request = Card("3530111333300000", 1000);
  const app::ChargeOutcome charged = provider->Charge(request, Now());
  ASSERT_EQ(charged.status, ChargeStatus::kSucceeded);
  EXPECT_EQ(charged.card_brand, "jcb");
  const domain::Payment row = Row(request, charged);
  auto refund = [&](const char* id, int64_t amount) {
    return provider->Refund(
        app::RefundRequest{RefundId{id + request.payment_id.value}, row, amount, "customer asked"});
  };
  const app::RefundOutcome part = refund("rf_a_", 300);
  EXPECT_EQ(part.status, app::RefundStatus::kSucceeded);
  EXPECT_FALSE(part.provider_reference.empty());
  const app::RefundOutcome again = refund("rf_a_", 300);  // The same refund id: once.
  EXPECT_EQ(again.status, app::RefundStatus::kSucceeded);
  EXPECT_EQ(again.provider_reference, part.provider_reference);
  app::ChargeOutcome now = provider->Retrieve(row);
  EXPECT_EQ(now.status, ChargeStatus::kSucceeded);
  EXPECT_EQ(now.refunded_jpy, 300);

  EXPECT_EQ(refund("rf_b_", 701).failure_reason, "refund_exceeds_payment");
  const app::RefundOutcome rest = refund("rf_c_", 700);
  EXPECT_EQ(rest.status, app::RefundStatus::kSucceeded);
  EXPECT_NE(rest.provider_reference, part.provider_reference);
  now = provider->Retrieve(row);
  EXPECT_EQ(now.refunded_jpy, 1000);
  EXPECT_EQ(now.amount_jpy, 1000);
  EXPECT_EQ(refund("rf_d_", 1).status, app::RefundStatus::kFailed);
}

TEST_F(KomojuProviderTest, TillAndBankPaymentsAreNotRefunded) {
  auto provider = Provider();
  const app::ChargeRequest request = Deferred(PaymentMethod::kKonbini, "lawson");
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  Control(outcome.provider_reference, "capture");
  const app::RefundOutcome refund = provider->Refund(app::RefundRequest{
      RefundId{"rf_" + request.payment_id.value}, Row(request, outcome), 100, ""});
  EXPECT_EQ(refund.status, app::RefundStatus::kFailed);
  EXPECT_EQ(refund.failure_reason, "refund_not_supported");
}

TEST_F(KomojuProviderTest, WebhookSignatureIsChecked) {
  auto provider = Provider();
  const app::ChargeRequest request = Deferred(PaymentMethod::kKonbini, "daily-yamazaki");
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  Control(outcome.provider_reference, "capture");
  const json signed_event = server_->Post(
      "/_test/webhooks",
      json{{"type", "payment.captured"}, {"payment", outcome.provider_reference}}.dump());
  ASSERT_TRUE(signed_event.is_object());
  const std::map<std::string, std::string> headers = LowerCaseHeaders(signed_event["headers"]);
  const std::string body = signed_event["body"].get<std::string>();

  Result<app::WebhookDelivery> delivery = provider->VerifyWebhook(headers, body, Now());
  ASSERT_TRUE(delivery) << delivery.error().message;
  EXPECT_EQ(delivery->delivery_id, headers.at("x-komoju-id"));
  EXPECT_EQ(delivery->event_type, "payment.captured");
  EXPECT_EQ(delivery->payment_id, request.payment_id);

  std::map<std::string, std::string> forged = headers;
  forged["x-komoju-signature"][0] = forged["x-komoju-signature"][0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(provider->VerifyWebhook(forged, body, Now()).error().reason,
            "webhook_signature_invalid");
  std::map<std::string, std::string> missing = headers;
  missing.erase("x-komoju-signature");
  EXPECT_EQ(provider->VerifyWebhook(missing, body, Now()).error().code,
            ErrorCode::kUnauthenticated);
  std::string tampered = body;
  tampered.replace(tampered.find("\"amount\": 3000"), 14, "\"amount\": 9000");
  EXPECT_EQ(provider->VerifyWebhook(headers, tampered, Now()).error().reason,
            "webhook_signature_invalid");
  KomojuConfig no_secret = Config();
  no_secret.webhook_secret.clear();
  EXPECT_EQ(Provider(no_secret)->VerifyWebhook(headers, body, Now()).error().reason,
            "webhook_signature_invalid");
}

TEST_F(KomojuProviderTest, WebhookAboutNoPaymentAndUnreadableBodies) {
  auto provider = Provider();
  const json ping = server_->Post("/_test/webhooks", R"({"type": "ping"})");
  ASSERT_TRUE(ping.is_object());
  Result<app::WebhookDelivery> delivery = provider->VerifyWebhook(
      LowerCaseHeaders(ping["headers"]), ping["body"].get<std::string>(), Now());
  ASSERT_TRUE(delivery);
  EXPECT_EQ(delivery->event_type, "ping");
  EXPECT_TRUE(delivery->payment_id.empty());

  const std::string secret(FakeKomojuServer::kWebhookSecret);
  auto verify = [&](const std::string& body, std::map<std::string, std::string> headers) {
    headers["x-komoju-signature"] = HmacHex(secret, body);
    return provider->VerifyWebhook(headers, body, Now());
  };
  const std::map<std::string, std::string> ids = {{"x-komoju-id", "d1"},
                                                  {"x-komoju-event", "payment.captured"}};
  EXPECT_EQ(verify("not json", ids).error().reason, "webhook_malformed");
  EXPECT_EQ(verify("[1, 2]", ids).error().reason, "webhook_malformed");
  EXPECT_EQ(verify("{}", {}).error().reason, "webhook_malformed");  // No id, no event.
  // The event type may come from the body alone.
  Result<app::WebhookDelivery> from_body =
      verify(R"({"type": "payment.expired", "data": {"external_order_num": "pay_9"}})",
             {{"x-komoju-id", "d2"}});
  ASSERT_TRUE(from_body);
  EXPECT_EQ(from_body->event_type, "payment.expired");
  EXPECT_EQ(from_body->payment_id.value, "pay_9");
  // A body of exactly kWebhookBodyBytesMax bytes is read; one byte more is not.
  std::string largest = R"({"type": "ping"})";
  largest.append(komoju::kWebhookBodyBytesMax - largest.size(), ' ');
  EXPECT_TRUE(verify(largest, ids));
  EXPECT_EQ(verify(largest + " ", ids).error().reason, "webhook_malformed");
}

TEST_F(KomojuProviderTest, HungCallIsUnknownAndRetrieveFindsTheOutcome) {
  KomojuConfig config = Config();
  config.connect_timeout_ms = 1'000;
  config.total_timeout_ms = 2'000;
  auto provider = Provider(config);
  const app::ChargeRequest request = Card("4111111111111111");
  server_->Post("/_test/delay?seconds=5");  // Well past the client's 2 s.
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  EXPECT_EQ(outcome.status, ChargeStatus::kUnknown);
  EXPECT_TRUE(outcome.provider_reference.empty());
  // The call went through at KOMOJU after all: asking (by our payment id) finds the payment.
  const app::ChargeOutcome found = RetrieveUntilKnown(*provider, Row(request, outcome));
  EXPECT_EQ(found.status, ChargeStatus::kSucceeded);
  EXPECT_FALSE(found.provider_reference.empty());
  EXPECT_EQ(CountAtKomoju(request.payment_id), 1);
}

TEST_F(KomojuProviderTest, ChargeStillRunningIsUnknownNotRepeated) {
  auto provider = Provider();
  const app::ChargeRequest request = Card("4111111111111111");
  server_->Post("/_test/delay?seconds=3");
  app::ChargeOutcome first;
  std::thread slow([&] { first = provider->Charge(request, Now()); });
  for (int attempt = 0; attempt < 600; ++attempt) {
    const json inflight = server_->Get("/_test/inflight");
    if (inflight.is_object() && inflight.value("count", 0) > 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const app::ChargeOutcome second = provider->Charge(request, Now());  // KOMOJU answers 409.
  slow.join();
  EXPECT_EQ(second.status, ChargeStatus::kUnknown);
  EXPECT_EQ(first.status, ChargeStatus::kSucceeded);
  EXPECT_EQ(CountAtKomoju(request.payment_id), 1);
}

TEST_F(KomojuProviderTest, NoServerMeansUnknownNeverFailed) {
  KomojuConfig config = Config();
  config.base_url = "https://127.0.0.1:1";  // Nothing listens there.
  auto provider = Provider(config);
  const app::ChargeRequest request = Card("4111111111111111");
  EXPECT_EQ(provider->Charge(request, Now()).status, ChargeStatus::kUnknown);
  domain::Payment row = Row(request, {});
  EXPECT_EQ(provider->Retrieve(row).status, ChargeStatus::kUnknown);
  EXPECT_EQ(provider->Cancel(row).status, ChargeStatus::kUnknown);
  row.provider_reference = "komoju_1";
  EXPECT_EQ(provider->Retrieve(row).status, ChargeStatus::kUnknown);
  EXPECT_EQ(provider->Refund(app::RefundRequest{RefundId{"rf_1"}, row, 100, ""}).status,
            app::RefundStatus::kUnknown);
  Result<std::vector<app::ProviderPayment>> listed =
      provider->ListPayments(Now() - std::chrono::hours(1), Now());
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().reason, "provider_unavailable");
  const app::SaveMethodOutcome saved = provider->SaveMethod(SaveCard("4111111111111111"), Now());
  EXPECT_EQ(saved.status, app::SaveStatus::kUnknown);
  EXPECT_EQ(saved.failure_reason, "");
  Result<void> forgotten = provider->ForgetMethod("cus_1");
  ASSERT_FALSE(forgotten);
  EXPECT_EQ(forgotten.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(forgotten.error().reason, "provider_unavailable");
}

TEST_F(KomojuProviderTest, WrongSecretKeyChargesNothing) {
  KomojuConfig config = Config();
  config.secret_key = "sk_wrong";
  auto provider = Provider(config);
  const app::ChargeRequest request = Card("4111111111111111");
  const app::ChargeOutcome outcome = provider->Charge(request, Now());
  EXPECT_EQ(outcome.status, ChargeStatus::kFailed);
  EXPECT_EQ(outcome.failure_reason, "processing_error");
  EXPECT_EQ(CountAtKomoju(request.payment_id), 0);
}

TEST_F(KomojuProviderTest, IdempotencyKeyLengthAtTheBound) {
  auto provider = Provider();
  app::ChargeRequest request = Card("4111111111111111");
  request.payment_id.value.resize(komoju::kIdempotencyKeyBytesMax, 'x');
  EXPECT_EQ(provider->Charge(request, Now()).status, ChargeStatus::kSucceeded);
  request.payment_id.value += "y";
  const app::ChargeOutcome too_long = provider->Charge(request, Now());
  EXPECT_EQ(too_long.status, ChargeStatus::kFailed);
  EXPECT_EQ(CountAtKomoju(request.payment_id), 0);
}

TEST_F(KomojuProviderTest, AnswerLongerThanTheBoundIsNoAnswer) {
  auto provider = Provider();
  const app::ChargeRequest request = Card("4111111111111111");
  const app::ChargeOutcome charged = provider->Charge(request, Now());
  ASSERT_EQ(charged.status, ChargeStatus::kSucceeded);
  server_->Post("/_test/pad?bytes=" + std::to_string(komoju::kResponseBodyBytesMax));
  EXPECT_EQ(provider->Retrieve(Row(request, charged)).status, ChargeStatus::kUnknown);
  server_->Post("/_test/pad?bytes=" + std::to_string(komoju::kResponseBodyBytesMax / 2));
  EXPECT_EQ(provider->Retrieve(Row(request, charged)).status, ChargeStatus::kSucceeded);
}

TEST_F(KomojuProviderTest, ListPaymentsPagesThroughAWindow) {
  KomojuConfig config = Config();
  config.list_page_size = 2;  // Several pages even for a few payments.
  auto provider = Provider(config);
  // KOMOJU's times are whole seconds.
  const Timestamp from = std::chrono::floor<std::chrono::seconds>(Now());
  std::map<std::string, int64_t> refunded_by_id;
  for (int64_t amount : {1000, 2000, 3000}) {
    const app::ChargeRequest request = Card("4111111111111111", amount);
    const app::ChargeOutcome outcome = provider->Charge(request, Now());
    ASSERT_EQ(outcome.status, ChargeStatus::kSucceeded);
    refunded_by_id[request.payment_id.value] = 0;
    if (amount == 2000) {
      ASSERT_EQ(provider
                    ->Refund(app::RefundRequest{RefundId{"rf_" + request.payment_id.value},
                                                Row(request, outcome), 500, ""})
                    .status,
                app::RefundStatus::kSucceeded);
      refunded_by_id[request.payment_id.value] = 500;
    }
  }
  const app::ChargeRequest paid_konbini = Deferred(PaymentMethod::kKonbini, "lawson");
  const app::ChargeOutcome konbini = provider->Charge(paid_konbini, Now());
  Control(konbini.provider_reference, "capture");
  refunded_by_id[paid_konbini.payment_id.value] = 0;
  const app::ChargeRequest open_konbini = Deferred(PaymentMethod::kKonbini, "lawson");
  ASSERT_EQ(provider->Charge(open_konbini, Now()).status, ChargeStatus::kRequiresAction);
  const Timestamp to = Now() + std::chrono::minutes(1);

  Result<std::vector<app::ProviderPayment>> listed = provider->ListPayments(from, to);
  ASSERT_TRUE(listed) << listed.error().message;
  std::map<std::string, int64_t> found;
  for (const app::ProviderPayment& payment : *listed) {
    EXPECT_GE(payment.captured_at, from);
    EXPECT_LT(payment.captured_at, to);
    EXPECT_EQ(payment.status, ChargeStatus::kSucceeded);
    if (refunded_by_id.contains(payment.payment_id.value)) {
      found[payment.payment_id.value] = payment.refunded_jpy;
    }
    EXPECT_NE(payment.payment_id, open_konbini.payment_id);
  }
  EXPECT_EQ(found, refunded_by_id);

  Result<std::vector<app::ProviderPayment>> later =
      provider->ListPayments(to, to + std::chrono::hours(1));
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->empty());
  Result<std::vector<app::ProviderPayment>> backwards = provider->ListPayments(to, from);
  ASSERT_TRUE(backwards);
  EXPECT_TRUE(backwards->empty());
}

}  // namespace
}  // namespace simkeep::payments
