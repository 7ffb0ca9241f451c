#include "simkeep/notify/webhook_channel.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "notify_servers.h"
#include "simkeep/notify/webhook_signature.h"

namespace simkeep::notify {
namespace {

using testing::HttpReceiver;
using testing::ReceivedRequest;

constexpr int64_t kNow = 1'796'199'600;
constexpr std::string_view kSecret = "whsec_partner_7f3a";
constexpr std::string_view kBody =
    R"({"type":"line.expiring","line_id":"ln_1","expires_at":"2026-12-05","note":"残り3日"})";

app::OutboundMessage Message(std::string url) {
  app::OutboundMessage message;
  message.notification_id = "nt_5kq2v7x0m3h9c1w4tz8b";
  message.dedupe_key = "line.expiring:ln_1:2026-12-05";
  message.recipient = std::move(url);
  message.body = std::string(kBody);
  message.event_type = "line.expiring";
  message.secret = std::string(kSecret);
  message.created_at = Timestamp(std::chrono::seconds(kNow - 3600));
  return message;
}

void ExpectError(const Result<void>& result, ErrorCode code, std::string_view reason) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, code);
  EXPECT_EQ(result.error().reason, reason);
}

class WebhookChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_ = HttpReceiver::Start();
    ASSERT_NE(receiver_, nullptr);
    channel_ = MakeChannel(10'000, 60'000);
    ASSERT_NE(channel_, nullptr);
  }

  // The receiver is on loopback, so these channels allow private addresses unless told not to.
  std::unique_ptr<WebhookChannel> MakeChannel(int connect_timeout_ms, int total_timeout_ms,
                                              bool allow_private_addresses = true) {
    WebhookOptions options;
    options.connect_timeout_ms = connect_timeout_ms;
    options.total_timeout_ms = total_timeout_ms;
    options.allow_private_addresses = allow_private_addresses;
    Result<std::unique_ptr<WebhookChannel>> channel = WebhookChannel::Create(options, clock_);
    EXPECT_TRUE(channel) << channel.error().message;
    return channel ? std::move(*channel) : nullptr;
  }

  FakeClock clock_{Timestamp(std::chrono::seconds(kNow))};
  std::unique_ptr<HttpReceiver> receiver_;
  std::unique_ptr<WebhookChannel> channel_;
};

TEST_F(WebhookChannelTest, PostsASignedDelivery) {
  Result<void> delivered = channel_->Deliver(Message(receiver_->Url("/hooks/simkeep?a=1")));
  ASSERT_TRUE(delivered) << delivered.error().message;
  const std::vector<ReceivedRequest> received = receiver_->Received();
  ASSERT_EQ(received.size(), 1u);
  const ReceivedRequest& request = received[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/hooks/simkeep?a=1");
  EXPECT_EQ(request.body, kBody);
  EXPECT_EQ(request.headers.at("content-type"), "application/json");
  EXPECT_EQ(request.headers.at("simkeep-event"), "line.expiring");
  EXPECT_EQ(request.headers.at("simkeep-delivery"), "nt_5kq2v7x0m3h9c1w4tz8b");
  const std::string& signature = request.headers.at("simkeep-signature");
  // Signed at the time of sending, not of the message's creation.
  EXPECT_TRUE(signature.starts_with("t=" + std::to_string(kNow) + ",v1=")) << signature;
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, signature, request.body, clock_.Now(),
                                     std::chrono::seconds(300)));
  ExpectError(VerifyWebhookSignature("whsec_other", signature, request.body, clock_.Now(),
                                     std::chrono::seconds(300)),
              ErrorCode::kUnauthenticated, "webhook_signature_invalid");
  EXPECT_EQ(request.headers.count("expect"), 0u);
}

TEST_F(WebhookChannelTest, SignsEachAttemptAfresh) {
  const app::OutboundMessage message = Message(receiver_->Url("/hooks"));
  ASSERT_TRUE(channel_->Deliver(message));
  clock_.Advance(std::chrono::minutes(10));
  ASSERT_TRUE(channel_->Deliver(message));
  const std::vector<ReceivedRequest> received = receiver_->Received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].headers.at("simkeep-delivery"), received[1].headers.at("simkeep-delivery"));
  const std::string& later = received[1].headers.at("simkeep-signature");
  EXPECT_TRUE(later.starts_with("t=" + std::to_string(kNow + 600) + ",")) << later;
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, later, received[1].body, clock_.Now(),
                                     std::chrono::seconds(300)));
  // The first attempt's signature is now older than the tolerance.
  ExpectError(VerifyWebhookSignature(kSecret, received[0].headers.at("simkeep-signature"),
                                     received[0].body, clock_.Now(), std::chrono::seconds(300)),
              ErrorCode::kUnauthenticated, "webhook_signature_expired");
}

TEST_F(WebhookChannelTest, MapsStatuses) {
  EXPECT_TRUE(channel_->Deliver(Message(receiver_->Url("/status/200"))));
  EXPECT_TRUE(channel_->Deliver(Message(receiver_->Url("/status/204"))));
  for (int status : {400, 401, 404, 410, 422, 301, 302}) {
    SCOPED_TRACE(status);
    ExpectError(channel_->Deliver(Message(receiver_->Url("/status/" + std::to_string(status)))),
                ErrorCode::kFailedPrecondition, "notification_rejected");
  }
  for (int status : {408, 429, 500, 502, 503}) {
    SCOPED_TRACE(status);
    ExpectError(channel_->Deliver(Message(receiver_->Url("/status/" + std::to_string(status)))),
                ErrorCode::kUnavailable, "notification_delivery_failed");
  }
}

TEST_F(WebhookChannelTest, ALongAnswerIsReadInPartAndIgnored) {
  EXPECT_TRUE(channel_->Deliver(Message(receiver_->Url("/big"))));
}

TEST_F(WebhookChannelTest, ATimeoutIsAPassingFailure) {
  std::unique_ptr<WebhookChannel> impatient = MakeChannel(1'000, 1'000);
  ASSERT_NE(impatient, nullptr);
  Result<void> result = impatient->Deliver(Message(receiver_->Url("/sleep/5")));
  ExpectError(result, ErrorCode::kUnavailable, "notification_delivery_failed");
}

TEST_F(WebhookChannelTest, AReceiverThatIsDownIsAPassingFailure) {
  const std::string url = receiver_->Url("/hooks");
  receiver_.reset();
  ExpectError(channel_->Deliver(Message(url)), ErrorCode::kUnavailable,
              "notification_delivery_failed");
}

TEST_F(WebhookChannelTest, RefusesWhatNoRetryCanMendBeforeSending) {
  for (const char* url :
       {"ftp://127.0.0.1/hooks", "file:///etc/passwd", "mailto:a@example.jp", "127.0.0.1/hooks", "",
        "gopher://127.0.0.1/", "http://[127.0.0.1/hooks", "http://exa mple.jp/hooks"}) {
    SCOPED_TRACE(url);
    ExpectError(channel_->Deliver(Message(url)), ErrorCode::kFailedPrecondition,
                "notification_rejected");
  }
  app::OutboundMessage message = Message(receiver_->Url("/hooks"));
  message.secret.clear();
  ExpectError(channel_->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  message = Message(receiver_->Url("/hooks"));
  message.event_type = "line.expiring\r\nX-Injected: 1";
  ExpectError(channel_->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  message = Message(receiver_->Url("/hooks"));
  message.notification_id = "nt_1\r\nX-Injected: 1";
  ExpectError(channel_->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  message = Message(receiver_->Url("/hooks\r\nX-Injected: 1"));
  ExpectError(channel_->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  message = Message(receiver_->Url("/hooks"));
  message.body = std::string(kBodyBytesMax + 1, ' ');
  ExpectError(channel_->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  EXPECT_TRUE(receiver_->Received().empty());
  // The largest body goes.
  message.body = std::string(kBodyBytesMax, ' ');
  EXPECT_TRUE(channel_->Deliver(message));
}

TEST_F(WebhookChannelTest, MessagesHoldNeitherSecretNorUrl) {
  app::OutboundMessage message = Message(receiver_->Url("/status/500?token=partner-token-123"));
  Result<void> result = channel_->Deliver(message);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message.find("partner-token-123"), std::string::npos);
  EXPECT_EQ(result.error().message.find(kSecret), std::string::npos);
}

TEST_F(WebhookChannelTest, RefusesNonPublicAddressesByDefaultWithoutSendingAnything) {
  std::unique_ptr<WebhookChannel> guarded = MakeChannel(10'000, 60'000, false);
  ASSERT_NE(guarded, nullptr);
  const std::string url = receiver_->Url("/hooks?token=partner-token-123");
  const std::string after_host = url.substr(std::string("http://127.0.0.1").size());
  // The literal, and names and other spellings that lead to the same receiver: each is
  // checked on the address the connection would be opened to.
  for (const char* host : {"127.0.0.1", "localhost", "127.1", "2130706433", "[::1]",
                           "[::ffff:127.0.0.1]", "0.0.0.0"}) {
    SCOPED_TRACE(host);
    Result<void> result = guarded->Deliver(Message(std::string("http://") + host + after_host));
    ExpectError(result, ErrorCode::kFailedPrecondition, "notification_rejected");
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("is not a public address"), std::string::npos)
        << result.error().message;
    EXPECT_NE(result.error().message.find("--webhook-allow-private"), std::string::npos);
    EXPECT_EQ(result.error().message.find("partner-token-123"), std::string::npos);
  }
  Result<void> metadata = guarded->Deliver(Message("http://169.254.169.254/latest/meta-data/"));
  ExpectError(metadata, ErrorCode::kFailedPrecondition, "notification_rejected");
  EXPECT_NE(metadata.error().message.find("169.254.169.254 (link-local)"), std::string::npos)
      << metadata.error().message;
  EXPECT_TRUE(receiver_->Received().empty());
  // The same receiver is reached when private addresses are allowed.
  EXPECT_TRUE(channel_->Deliver(Message(url)));
  EXPECT_EQ(receiver_->Received().size(), 1u);
}

TEST(WebhookChannelOptionsTest, ChecksItsTimeouts) {
  FakeClock clock(Timestamp{});
  EXPECT_FALSE(WebhookOptions{}.allow_private_addresses);
  EXPECT_TRUE(WebhookChannel::Create(WebhookOptions{}, clock));
  WebhookOptions options;
  options.total_timeout_ms = kTimeoutMsMax + 1;
  Result<std::unique_ptr<WebhookChannel>> channel = WebhookChannel::Create(options, clock);
  ASSERT_FALSE(channel);
  EXPECT_EQ(channel.error().reason, "notification_config_invalid");
}

}  // namespace
}  // namespace simkeep::notify
