#include "simkeep/notify/sms_gateway_channel.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "notify_servers.h"

namespace simkeep::notify {
namespace {

using testing::HttpReceiver;
using testing::ReceivedRequest;

constexpr std::string_view kToken = "sms-gw-token-9c1e";

app::OutboundMessage Message() {
  app::OutboundMessage message;
  message.notification_id = "nt_5kq2v7x0m3h9c1w4tz8b";
  message.dedupe_key = "line.expiring:ln_1:2026-12-05";
  message.recipient = "+818012345678";
  message.body = "simkeep: ご利用期限は12/5です。您的号码将于12月5日到期。";
  return message;
}

void ExpectError(const Result<void>& result, ErrorCode code, std::string_view reason) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, code);
  EXPECT_EQ(result.error().reason, reason);
}

class SmsGatewayChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_ = HttpReceiver::Start();
    ASSERT_NE(receiver_, nullptr);
  }

  std::unique_ptr<SmsGatewayChannel> Channel(std::string_view path, int total_timeout_ms = 60'000) {
    SmsGatewayOptions options;
    options.url = receiver_->Url(path);
    options.token = std::string(kToken);
    options.allow_plain_http = true;
    options.connect_timeout_ms = std::min(10'000, total_timeout_ms);
    options.total_timeout_ms = total_timeout_ms;
    Result<std::unique_ptr<SmsGatewayChannel>> channel = SmsGatewayChannel::Create(options);
    EXPECT_TRUE(channel) << channel.error().message;
    return channel ? std::move(*channel) : nullptr;
  }

  std::unique_ptr<HttpReceiver> receiver_;
};

TEST_F(SmsGatewayChannelTest, PostsJsonWithTheBearerToken) {
  std::unique_ptr<SmsGatewayChannel> channel = Channel("/v1/messages");
  ASSERT_NE(channel, nullptr);
  Result<void> delivered = channel->Deliver(Message());
  ASSERT_TRUE(delivered) << delivered.error().message;
  const std::vector<ReceivedRequest> received = receiver_->Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].path, "/v1/messages");
  EXPECT_EQ(received[0].headers.at("authorization"), "Bearer " + std::string(kToken));
  EXPECT_EQ(received[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(received[0].body),
            (nlohmann::json{{"to", "+818012345678"},
                            {"text", Message().body},
                            {"reference", "nt_5kq2v7x0m3h9c1w4tz8b"}}));
}

TEST_F(SmsGatewayChannelTest, MapsStatuses) {
  for (int status : {200, 201, 202}) {
    EXPECT_TRUE(Channel("/status/" + std::to_string(status))->Deliver(Message())) << status;
  }
  for (int status : {400, 401, 403, 404, 410, 422}) {
    SCOPED_TRACE(status);
    Result<void> result = Channel("/status/" + std::to_string(status))->Deliver(Message());
    ExpectError(result, ErrorCode::kFailedPrecondition, "notification_rejected");
    EXPECT_EQ(result.error().message.find(kToken), std::string::npos);
  }
  for (int status : {408, 429, 500, 503}) {
    SCOPED_TRACE(status);
    ExpectError(Channel("/status/" + std::to_string(status))->Deliver(Message()),
                ErrorCode::kUnavailable, "notification_delivery_failed");
  }
}

TEST_F(SmsGatewayChannelTest, ATimeoutOrAGatewayThatIsDownIsAPassingFailure) {
  ExpectError(Channel("/sleep/5", 1'000)->Deliver(Message()), ErrorCode::kUnavailable,
              "notification_delivery_failed");
  std::unique_ptr<SmsGatewayChannel> channel = Channel("/v1/messages");
  receiver_.reset();
  ExpectError(channel->Deliver(Message()), ErrorCode::kUnavailable, "notification_delivery_failed");
}

TEST_F(SmsGatewayChannelTest, RefusesWhatNoRetryCanMendBeforeSending) {
  std::unique_ptr<SmsGatewayChannel> channel = Channel("/v1/messages");
  app::OutboundMessage message = Message();
  message.recipient = "08012345678";
  ExpectError(channel->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  message = Message();
  message.recipient = "taro@example.jp";
  ExpectError(channel->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  message = Message();
  message.body.clear();
  for (int i = 0; i < 671; ++i) {
    message.body += "期";
  }
  ExpectError(channel->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  EXPECT_TRUE(receiver_->Received().empty());
  message.body.resize(message.body.size() - 3);  // 670: the most that goes.
  EXPECT_TRUE(channel->Deliver(message));
  EXPECT_EQ(receiver_->Received().size(), 1u);
}

TEST(SmsGatewayChannelOptionsTest, ChecksItsOptions) {
  SmsGatewayOptions good;
  good.url = "https://sms.example.jp/v1/messages";
  good.token = "token";
  EXPECT_TRUE(SmsGatewayChannel::Create(good));
  SmsGatewayOptions options = good;
  options.url = "http://sms.example.jp/v1/messages";
  Result<std::unique_ptr<SmsGatewayChannel>> channel = SmsGatewayChannel::Create(options);
  ASSERT_FALSE(channel);  // The token would travel in clear.
  EXPECT_EQ(channel.error().reason, "notification_config_invalid");
  options.allow_plain_http = true;
  EXPECT_TRUE(SmsGatewayChannel::Create(options));
  for (const char* url : {"ftp://sms.example.jp/", "sms.example.jp", ""}) {
    options = good;
    options.url = url;
    EXPECT_FALSE(SmsGatewayChannel::Create(options)) << url;
  }
  for (const char* token : {"", "two words", "line\r\nbreak", "トークン"}) {
    options = good;
    options.token = token;
    EXPECT_FALSE(SmsGatewayChannel::Create(options)) << token;
  }
  options = good;
  options.connect_timeout_ms = 0;
  EXPECT_FALSE(SmsGatewayChannel::Create(options));
}

}  // namespace
}  // namespace simkeep::notify
