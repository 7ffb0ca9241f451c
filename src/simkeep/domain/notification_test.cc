#include "simkeep/domain/notification.h"

#include <set>

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

Timestamp At(const char* text) { return *ParseRfc3339(text); }

TEST(NotificationTest, NamesParseBack) {
  for (NotificationChannel channel : {NotificationChannel::kEmail, NotificationChannel::kSms,
                                      NotificationChannel::kWebhook, NotificationChannel::kInApp}) {
    EXPECT_EQ(ParseNotificationChannel(NotificationChannelName(channel)), channel);
  }
  for (NotificationStatus status :
       {NotificationStatus::kPending, NotificationStatus::kSent, NotificationStatus::kDead}) {
    EXPECT_EQ(ParseNotificationStatus(NotificationStatusName(status)), status);
  }
  std::set<std::string> names;
  std::set<std::string> events;
  for (NotificationTopic topic : AllNotificationTopics()) {
    EXPECT_EQ(ParseNotificationTopic(NotificationTopicName(topic)), topic);
    EXPECT_EQ(ParseWebhookEventType(WebhookEventType(topic)), topic);
    names.insert(NotificationTopicName(topic));
    events.insert(WebhookEventType(topic));
  }
  EXPECT_EQ(names.size(), AllNotificationTopics().size());
  EXPECT_EQ(events.size(), AllNotificationTopics().size());
  EXPECT_FALSE(ParseNotificationChannel("fax"));
  EXPECT_FALSE(ParseNotificationTopic(""));
  EXPECT_FALSE(ParseWebhookEventType("line.*"));
}

TEST(NotificationTest, EmailAddressesAreCheckedForShapeOnly) {
  NotificationSettings settings;
  for (const char* good : {"a@b.jp", "taro.yamada+sim@example.co.jp", "x@localhost"}) {
    settings.email = good;
    EXPECT_TRUE(ValidateNotificationSettings(settings)) << good;
  }
  for (const char* bad : {"a", "@b.jp", "a@", "a@@b.jp", "a@b@c.jp", "a b@c.jp", "a@b..jp",
                          "a@.b.jp", "a@b.jp.", "a@b.jp\r\nBcc: x@y.jp", "<a@b.jp>", "a,b@c.jp"}) {
    settings.email = bad;
    Result<void> checked = ValidateNotificationSettings(settings);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().reason, "email_invalid");
  }
  settings.email = std::string(kEmailBytesMax - 4, 'a') + "@b.jp";
  EXPECT_FALSE(ValidateNotificationSettings(settings));
  settings.email = std::string(kEmailBytesMax - 5, 'a') + "@b.jp";
  EXPECT_TRUE(ValidateNotificationSettings(settings));
}

TEST(NotificationTest, SmsNumbersAreE164) {
  NotificationSettings settings;
  for (const char* good : {"+819012345678", "+8613800138000", "+12025550123", "+44123456"}) {
    settings.sms_to = good;
    EXPECT_TRUE(ValidateNotificationSettings(settings)) << good;
  }
  for (const char* bad : {"09012345678", "+0901234567", "+81 90 1234 5678", "+8190123456789012",
                          "+8190-1234-5678", "+", "+4412345"}) {
    settings.sms_to = bad;
    Result<void> checked = ValidateNotificationSettings(settings);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().reason, "sms_to_invalid");
  }
}

TEST(NotificationTest, WebhookEndpointsNeedAnHttpUrlAndKnownEvents) {
  WebhookEndpoint endpoint;
  endpoint.url = "https://crm.example.jp/hooks/simkeep";
  EXPECT_TRUE(ValidateWebhookEndpoint(endpoint));
  endpoint.url = "http://127.0.0.1:9000/";
  EXPECT_TRUE(ValidateWebhookEndpoint(endpoint));
  for (const char* bad : {"ftp://x.jp/", "https://", "https:///path", "https://a b.jp/",
                          "javascript:alert(1)", "//x.jp/"}) {
    endpoint.url = bad;
    Result<void> checked = ValidateWebhookEndpoint(endpoint);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().reason, "webhook_url_invalid");
  }
  endpoint.url = "https://x.jp/" + std::string(kWebhookUrlBytesMax, 'a');
  EXPECT_FALSE(ValidateWebhookEndpoint(endpoint));
  endpoint.url = "https://x.jp/";
  endpoint.events = "line.expiring,payment.receipt";
  EXPECT_TRUE(ValidateWebhookEndpoint(endpoint));
  for (const char* bad : {"line.expiring,", "line.expired", ",payment.receipt", "LINE.EXPIRING"}) {
    endpoint.events = bad;
    Result<void> checked = ValidateWebhookEndpoint(endpoint);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().reason, "webhook_event_unknown");
  }
}

TEST(NotificationTest, WebhookUrlsNamingThisMachineOrAPrivateNetworkAreRefused) {
  for (const char* bad : {"http://127.0.0.1:9000/",
                          "http://localhost/hooks",
                          "https://LOCALHOST./",
                          "http://api.localhost:8080/",
                          "http://[::1]/",
                          "http://[::ffff:127.0.0.1]:80/",
                          "http://[fe80::1%25eth0]/",
                          "http://169.254.169.254/latest/meta-data/",
                          "http://10.0.0.1/",
                          "https://172.16.5.4/",
                          "http://192.168.1.10/hooks",
                          "http://100.64.0.1/",
                          "http://0.0.0.0/",
                          "http://0/",
                          "http://224.0.0.1/",
                          "http://[fd00::1]/",
                          "http://[ff02::1]/",
                          "http://2130706433/",
                          "http://127.1/",
                          "http://0x7f.0.0.1/",
                          "http://user:pass@127.0.0.1/",
                          "http://evil.jp@10.0.0.1/",
                          "http://127.0.0.1?q",
                          "http://127.0.0.1#f",
                          "http://%31%32%37.0.0.1/"}) {
    Result<void> checked = CheckWebhookUrlPublic(bad);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().code, ErrorCode::kFailedPrecondition) << bad;
    EXPECT_EQ(checked.error().reason, "webhook_url_private") << bad;
  }
  for (const char* good :
       {"https://crm.example.jp/hooks/simkeep", "https://203.0.113.7/", "http://8.8.8.8:8080/x",
        "https://[2001:db8::1]/", "https://127.0.0.1.example.jp/", "https://localhost.example.jp/",
        "https://mylocalhost/", "https://10.0.0.1.nip.example/",
        "https://127.0.0.1@crm.example.jp/", "https://crm.example.jp/?next=http://127.0.0.1/"}) {
    EXPECT_TRUE(CheckWebhookUrlPublic(good)) << good;
  }
  // The message names the kind of address, for the admin who registered it.
  EXPECT_NE(CheckWebhookUrlPublic("http://169.254.169.254/").error().message.find("link-local"),
            std::string::npos);
}

TEST(NotificationTest, EndpointsTakeTheEventsTheyListOrAllWhileEnabled) {
  WebhookEndpoint endpoint;
  endpoint.url = "https://x.jp/";
  for (NotificationTopic topic : AllNotificationTopics()) {
    EXPECT_TRUE(Subscribes(endpoint, topic));
  }
  endpoint.events = "line.suspended,payment.receipt";
  EXPECT_TRUE(Subscribes(endpoint, NotificationTopic::kSuspended));
  EXPECT_TRUE(Subscribes(endpoint, NotificationTopic::kPaymentReceipt));
  EXPECT_FALSE(Subscribes(endpoint, NotificationTopic::kExpirySoon));
  endpoint.disabled_at = At("2026-12-01T00:00:00Z");
  EXPECT_FALSE(Subscribes(endpoint, NotificationTopic::kSuspended));
}

TEST(NotificationTest, DedupeKeysTellEventsChannelsAndEndpointsApart) {
  const LineId line{"ln_1"};
  const std::string email = NotificationDedupeKey(NotificationTopic::kExpirySoon, line, "p:7d",
                                                  NotificationChannel::kEmail);
  EXPECT_EQ(email, "expiry_soon:ln_1:p:7d:email");
  EXPECT_NE(email, NotificationDedupeKey(NotificationTopic::kExpirySoon, line, "p:1d",
                                         NotificationChannel::kEmail));
  EXPECT_NE(email, NotificationDedupeKey(NotificationTopic::kExpirySoon, line, "p:7d",
                                         NotificationChannel::kSms));
  EXPECT_NE(NotificationDedupeKey(NotificationTopic::kSuspended, line, "p",
                                  NotificationChannel::kWebhook, "we_1"),
            NotificationDedupeKey(NotificationTopic::kSuspended, line, "p",
                                  NotificationChannel::kWebhook, "we_2"));
}

TEST(NotificationTest, DeliveriesAreRetriedWithBackoffThenGivenUp) {
  const Timestamp failed = At("2026-12-31T23:59:59Z");
  using namespace std::chrono;
  EXPECT_EQ(NextDeliveryAt(1, failed), failed + minutes{1});
  EXPECT_EQ(NextDeliveryAt(2, failed), failed + minutes{5});
  EXPECT_EQ(NextDeliveryAt(3, failed), failed + minutes{30});
  EXPECT_EQ(NextDeliveryAt(4, failed), failed + hours{2});
  EXPECT_EQ(NextDeliveryAt(5, failed), failed + hours{12});
  EXPECT_EQ(NextDeliveryAt(kNotificationAttemptsMax, failed), std::nullopt);
  EXPECT_EQ(NextDeliveryAt(0, failed), std::nullopt);
}

TEST(NotificationTest, RemindersFallDueWholeDaysBeforeTheirDeadline) {
  // A validity ending 23:59:59 JST on 1 March of a leap year: 7 days before crosses 29 February.
  const Timestamp end = At("2028-03-01T23:59:59+09:00");
  EXPECT_EQ(ReminderDueAt(end, 7), At("2028-02-23T23:59:59+09:00"));
  EXPECT_EQ(ReminderDueAt(end, 1), At("2028-02-29T23:59:59+09:00"));
}

}  // namespace
}  // namespace simkeep::domain
