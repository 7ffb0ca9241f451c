#include "simkeep/notify/message_renderer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "simkeep/base/time.h"
#include "simkeep/i18n/language.h"
#include "simkeep/i18n/messages.h"

namespace simkeep::notify {
namespace {

using domain::NotificationChannel;
using domain::NotificationTopic;

domain::Line SampleLine() {
  domain::Line line;
  line.id = LineId{"ln_sample"};
  line.iccid = "8981100000000000017";
  line.msisdn = "+819012345678";
  return line;
}

Timestamp At(const char* text) { return *ParseRfc3339(text); }

TEST(MessageRendererTest, EveryTopicHasItsTextsInEveryLanguage) {
  for (i18n::Language language : i18n::AllLanguages()) {
    for (NotificationTopic topic : domain::AllNotificationTopics()) {
      const std::string key = std::string("notification.") + domain::NotificationTopicName(topic);
      EXPECT_TRUE(i18n::HasKey(language, key + ".subject"))
          << i18n::LanguageTag(language) << " " << key;
      EXPECT_TRUE(i18n::HasKey(language, key + ".body"))
          << i18n::LanguageTag(language) << " " << key;
    }
    for (const char* extra :
         {"notification.auto_renewal_failed.retry", "notification.auto_renewal_failed.final",
          "notification.reason.auto_renewal_cap_reached", "notification.reason.plan_not_found",
          "notification.speed.full", "notification.speed.blocked", "notification.allowance.data",
          "notification.allowance.voice", "notification.allowance.sms",
          "notification.allowance.unlimited"}) {
      EXPECT_TRUE(i18n::HasKey(language, extra)) << i18n::LanguageTag(language) << " " << extra;
    }
  }
}

TEST(MessageRendererTest, FillsEveryPlaceholderOfEveryTopicInEveryLanguage) {
  app::NotificationEvent event;
  event.args = {{"expires_at", "2026-12-09T23:59:59+09:00"},
                {"days", "7"},
                {"plan", "Plan A"},
                {"amount_jpy", "1100"},
                {"renew_at", "2026-12-08T23:59:59+09:00"},
                {"reason", "card_declined"},
                {"next_attempt_at", "2026-12-09T00:59:59+09:00"},
                {"receipt_number", "R-000001"},
                {"method", "konbini"},
                {"deadline_at", "2026-12-10T23:59:59+09:00"},
                {"payment_number", "123456"},
                {"suspend_at", "2026-12-11T23:59:59+09:00"},
                {"terminate_at", "2027-01-10T23:59:59+09:00"},
                {"speed_kbps", "128"},
                {"state", "throttled"},
                {"remaining_bytes", "450000000"},
                {"threshold_bytes", "500000000"},
                {"bucket_id", "bk_1"},
                {"kind", "data"},
                {"remaining", "0"},
                {"expired_at", "2026-12-09T23:59:59+09:00"}};
  const MessageRenderer renderer;
  for (i18n::Language language : i18n::AllLanguages()) {
    for (NotificationTopic topic : domain::AllNotificationTopics()) {
      event.topic = topic;
      for (NotificationChannel channel :
           {NotificationChannel::kEmail, NotificationChannel::kSms, NotificationChannel::kInApp}) {
        Result<app::RenderedMessage> message =
            renderer.Render(event, SampleLine(), channel, i18n::LanguageTag(language), "nt_1",
                            At("2026-12-01T00:00:00Z"));
        ASSERT_TRUE(message.has_value());
        EXPECT_EQ(message->body.find("{{"), std::string::npos)
            << i18n::LanguageTag(language) << " " << message->body;
        EXPECT_EQ(message->subject.find("{{"), std::string::npos) << message->subject;
        EXPECT_NE(message->body.find("090-1234-5678"), std::string::npos) << message->body;
        EXPECT_EQ(message->subject.empty(), channel == NotificationChannel::kSms);
      }
    }
  }
}

TEST(MessageRendererTest, WritesDatesAndYenForTheReader) {
  app::NotificationEvent event;
  event.topic = NotificationTopic::kAutoRenewalUpcoming;
  event.args = {{"plan", "Data 3GB"},
                {"amount_jpy", "1100"},
                {"renew_at", "2026-12-08T14:59:59Z"},
                {"expires_at", "2026-12-09T14:59:59Z"}};
  const MessageRenderer renderer;
  Result<app::RenderedMessage> ja = renderer.Render(
      event, SampleLine(), NotificationChannel::kEmail, "ja", "nt_1", At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(ja.has_value());
  EXPECT_NE(ja->body.find("2026年12月8日 23:59"), std::string::npos) << ja->body;
  EXPECT_NE(ja->body.find("1,100円"), std::string::npos) << ja->body;
  Result<app::RenderedMessage> en = renderer.Render(
      event, SampleLine(), NotificationChannel::kEmail, "en", "nt_1", At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(en.has_value());
  EXPECT_NE(en->body.find("2026-12-08 23:59 JST"), std::string::npos) << en->body;
  EXPECT_NE(en->body.find("¥1,100"), std::string::npos) << en->body;
  Result<app::RenderedMessage> hant =
      renderer.Render(event, SampleLine(), NotificationChannel::kInApp, "zh-Hant", "nt_1",
                      At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(hant.has_value());
  EXPECT_NE(hant->body.find("1,100日圓"), std::string::npos) << hant->body;
  EXPECT_NE(hant->body.find("自動續約"), std::string::npos) << hant->body;
}

TEST(MessageRendererTest, SaysWhyAnAutomaticRenewalFailedAndWhatComesNext) {
  app::NotificationEvent event;
  event.topic = NotificationTopic::kAutoRenewalFailed;
  event.args = {{"reason", "insufficient_balance"},
                {"expires_at", "2026-12-09T14:59:59Z"},
                {"next_attempt_at", "2026-12-08T15:59:59Z"}};
  const MessageRenderer renderer;
  Result<app::RenderedMessage> retry = renderer.Render(
      event, SampleLine(), NotificationChannel::kEmail, "en", "nt_1", At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(retry.has_value());
  EXPECT_NE(retry->body.find("balance is too low"), std::string::npos) << retry->body;
  EXPECT_NE(retry->body.find("try again on 2026-12-09 00:59 JST"), std::string::npos)
      << retry->body;
  event.args.erase("next_attempt_at");
  Result<app::RenderedMessage> last = renderer.Render(
      event, SampleLine(), NotificationChannel::kEmail, "en", "nt_1", At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(last.has_value());
  EXPECT_NE(last->body.find("will not try again"), std::string::npos) << last->body;
  event.args["reason"] = "something_new";
  Result<app::RenderedMessage> unknown = renderer.Render(
      event, SampleLine(), NotificationChannel::kEmail, "ja", "nt_1", At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->body.find("something_new"), std::string::npos) << unknown->body;
}

TEST(MessageRendererTest, AWebhookIsTheSameJsonDocumentInEveryLanguage) {
  app::NotificationEvent event;
  event.topic = NotificationTopic::kPaymentReceipt;
  event.args = {{"amount_jpy", "1100"}, {"receipt_number", "R-7"}, {"method", "card"}};
  const MessageRenderer renderer;
  Result<app::RenderedMessage> en = renderer.Render(
      event, SampleLine(), NotificationChannel::kWebhook, "en", "nt_7", At("2026-12-01T00:00:00Z"));
  Result<app::RenderedMessage> ja = renderer.Render(
      event, SampleLine(), NotificationChannel::kWebhook, "ja", "nt_7", At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(en.has_value());
  ASSERT_TRUE(ja.has_value());
  EXPECT_EQ(en->body, ja->body);
  const nlohmann::json body = nlohmann::json::parse(en->body);
  EXPECT_EQ(body["id"], "nt_7");
  EXPECT_EQ(body["type"], "payment.receipt");
  EXPECT_EQ(body["created_at"], "2026-12-01T09:00:00+09:00");
  EXPECT_EQ(body["data"]["line_id"], "ln_sample");
  EXPECT_EQ(body["data"]["amount_jpy"], 1100);
  EXPECT_EQ(body["data"]["method"], "card");
}

TEST(MessageRendererTest, RefusesALanguageNotOurs) {
  const MessageRenderer renderer;
  Result<app::RenderedMessage> message =
      renderer.Render(app::NotificationEvent{}, SampleLine(), NotificationChannel::kEmail, "ko",
                      "nt_1", At("2026-12-01T00:00:00Z"));
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error().reason, "language_invalid");
}

TEST(MessageRendererTest, ALineWithoutANumberIsNamedByItsIccid) {
  domain::Line line = SampleLine();
  line.msisdn.clear();
  app::NotificationEvent event;
  event.topic = NotificationTopic::kTerminated;
  const MessageRenderer renderer;
  Result<app::RenderedMessage> message = renderer.Render(event, line, NotificationChannel::kEmail,
                                                         "en", "nt_1", At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(message.has_value());
  EXPECT_NE(message->body.find("ICCID …0017"), std::string::npos) << message->body;
}

TEST(MessageRendererTest, SaysHowFastDataRunsAndHowMuchIsLeft) {
  const MessageRenderer renderer;
  app::NotificationEvent event;
  event.topic = NotificationTopic::kThrottleChanged;
  event.period = "ev_1";
  const auto body = [&](const char* language, NotificationChannel channel) {
    Result<app::RenderedMessage> message = renderer.Render(event, SampleLine(), channel, language,
                                                           "nt_1", At("2026-12-01T10:00:00+09:00"));
    EXPECT_TRUE(message);
    return message ? message->body : std::string();
  };
  event.args = {{"state", "throttled"}, {"speed_kbps", "1000"}};
  EXPECT_NE(body("en", NotificationChannel::kEmail).find("1 Mbps"), std::string::npos);
  nlohmann::json hook = nlohmann::json::parse(body("en", NotificationChannel::kWebhook));
  EXPECT_EQ(hook["type"], "line.throttle_changed");
  EXPECT_EQ(hook["data"]["speed_kbps"], 1000);
  EXPECT_EQ(hook["data"]["state"], "throttled");
  event.args = {{"state", "blocked"}, {"speed_kbps", "0"}};
  EXPECT_NE(body("ja", NotificationChannel::kEmail).find("停止中"), std::string::npos);
  event.args = {{"state", "restored"}, {"speed_kbps", ""}};
  EXPECT_NE(body("zh-Hant", NotificationChannel::kInApp).find("最高速度"), std::string::npos);
  hook = nlohmann::json::parse(body("en", NotificationChannel::kWebhook));
  EXPECT_TRUE(hook["data"]["speed_kbps"].is_null());

  event.topic = NotificationTopic::kDataLow;
  event.args = {{"remaining_bytes", "450000000"}, {"threshold_bytes", "500000000"}};
  EXPECT_NE(body("zh-Hans", NotificationChannel::kInApp).find("450 MB"), std::string::npos);
  hook = nlohmann::json::parse(body("en", NotificationChannel::kWebhook));
  EXPECT_EQ(hook["type"], "line.data_low");
  EXPECT_EQ(hook["data"]["remaining_bytes"], 450000000);
  EXPECT_EQ(hook["data"]["threshold_bytes"], 500000000);

  event.topic = NotificationTopic::kBucketExpired;
  event.args = {{"bucket_id", "bk_1"},
                {"kind", "voice"},
                {"remaining", "120"},
                {"expired_at", "2026-12-09T23:59:59+09:00"}};
  EXPECT_NE(body("en", NotificationChannel::kInApp).find("(calls)"), std::string::npos);
  hook = nlohmann::json::parse(body("en", NotificationChannel::kWebhook));
  EXPECT_EQ(hook["type"], "bucket.expired");
  EXPECT_EQ(hook["data"]["kind"], "voice");
  EXPECT_EQ(hook["data"]["remaining"], 120);
}

TEST(FormatBytesTest, OneDecimalRoundedDownInDecimalUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(999), "999 B");
  EXPECT_EQ(FormatBytes(1'000), "1 kB");
  EXPECT_EQ(FormatBytes(450'000'000), "450 MB");
  EXPECT_EQ(FormatBytes(1'599'999'999), "1.5 GB");
  EXPECT_EQ(FormatBytes(3'000'000'000), "3 GB");
  EXPECT_EQ(FormatBytes(1'234'500'000'000'000), "1,234.5 TB");
}

TEST(FormatKbpsTest, KbpsBelowAMegabitAndWholeTenthsAbove) {
  EXPECT_EQ(FormatKbps(128), "128 kbps");
  EXPECT_EQ(FormatKbps(300), "300 kbps");
  EXPECT_EQ(FormatKbps(1000), "1 Mbps");
  EXPECT_EQ(FormatKbps(1500), "1.5 Mbps");
  EXPECT_EQ(FormatKbps(1024), "1,024 kbps");
}

TEST(FormatYenTest, GroupsThousandsAndNamesTheCurrencyPerLanguage) {
  EXPECT_EQ(FormatYen(0, "en"), "¥0");
  EXPECT_EQ(FormatYen(999, "ja"), "999円");
  EXPECT_EQ(FormatYen(1000, "ja"), "1,000円");
  EXPECT_EQ(FormatYen(1234567, "zh-Hans"), "1,234,567日元");
  EXPECT_EQ(FormatYen(-1100, "zh-Hant"), "-1,100日圓");
}

}  // namespace
}  // namespace simkeep::notify
