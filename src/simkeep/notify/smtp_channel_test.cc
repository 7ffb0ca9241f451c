#include "simkeep/notify/smtp_channel.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "notify_servers.h"

namespace simkeep::notify {
namespace {

using testing::DecodeBase64;
using testing::ReceivedMail;
using testing::SmtpSink;
using testing::SmtpSinkOptions;

constexpr int64_t kCreated = 1'796'199'600;  // 2026-12-02 17:20 JST.

// The text of the header `name` in `data` (unfolded, encoded words decoded), "" when absent.
std::string HeaderText(const std::string& data, const std::string& name) {
  const std::string head = data.substr(0, data.find("\r\n\r\n") + 2);
  const size_t at = head.find("\r\n" + name + ": ");
  const size_t start = head.starts_with(name + ": ") ? name.size() + 2
                       : at == std::string::npos     ? std::string::npos
                                                     : at + name.size() + 4;
  if (start == std::string::npos) {
    return "";
  }
  std::string field;
  size_t end = start;
  while (true) {
    const size_t line_end = head.find("\r\n", end);
    field += head.substr(end, line_end - end);
    end = line_end + 2;
    if (end >= head.size() || (head[end] != ' ' && head[end] != '\t')) {
      break;
    }
  }
  if (field.find("=?UTF-8?B?") == std::string::npos) {
    return field;
  }
  std::string text;
  for (size_t word = field.find("=?UTF-8?B?"); word != std::string::npos;
       word = field.find("=?UTF-8?B?", word + 1)) {
    const size_t word_end = field.find("?=", word + 10);
    text += DecodeBase64(field.substr(word + 10, word_end - word - 10));
  }
  return text;
}

std::string BodyText(const std::string& data) {
  return DecodeBase64(data.substr(data.find("\r\n\r\n") + 4));
}

app::OutboundMessage Message(std::string recipient) {
  app::OutboundMessage message;
  message.notification_id = "nt_5kq2v7x0m3h9c1w4tz8b";
  message.dedupe_key = "line.expiring:ln_1:2026-12-05";
  message.recipient = std::move(recipient);
  message.subject = "【simkeep】ご利用期限が近づいています（残り3日）";
  message.body = "山田 太郎 様\n\nご利用の回線 +81 80-1234-5678 の期限は 2026-12-05 です。\n";
  message.language = "ja";
  message.created_at = Timestamp(std::chrono::seconds(kCreated));
  return message;
}

class SmtpChannelTest : public ::testing::Test {
 protected:
  std::unique_ptr<SmtpChannel> Channel(const SmtpSink& sink,
                                       const std::function<void(SmtpOptions&)>& adjust = {}) {
    SmtpOptions options;
    options.url = sink.url();
    options.from = EmailSender{"noreply@simkeep.example.jp", "simkeep サポート"};
    options.require_tls = false;  // Loopback; the STARTTLS test turns it on.
    options.connect_timeout_ms = 10'000;
    options.total_timeout_ms = 60'000;
    if (adjust) {
      adjust(options);
    }
    Result<std::unique_ptr<SmtpChannel>> channel = SmtpChannel::Create(options, clock_);
    EXPECT_TRUE(channel) << channel.error().message;
    return channel ? std::move(*channel) : nullptr;
  }

  FakeClock clock_{Timestamp(std::chrono::seconds(kCreated + 60))};
};

void ExpectError(const Result<void>& result, ErrorCode code, std::string_view reason) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, code);
  EXPECT_EQ(result.error().reason, reason);
}

TEST_F(SmtpChannelTest, DeliversAJapaneseMessage) {
  std::unique_ptr<SmtpSink> sink = SmtpSink::Start();
  ASSERT_NE(sink, nullptr);
  std::unique_ptr<SmtpChannel> channel = Channel(*sink);
  ASSERT_NE(channel, nullptr);
  const app::OutboundMessage message = Message("taro@example.jp");
  Result<void> delivered = channel->Deliver(message);
  ASSERT_TRUE(delivered) << delivered.error().message;

  const std::vector<ReceivedMail> received = sink->Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].mail_from, "noreply@simkeep.example.jp");
  EXPECT_EQ(received[0].rcpt_tos, std::vector<std::string>{"taro@example.jp"});
  const std::string& data = received[0].data;
  EXPECT_EQ(HeaderText(data, "Subject"), message.subject);
  EXPECT_EQ(HeaderText(data, "Message-ID"), "<nt_5kq2v7x0m3h9c1w4tz8b@simkeep>");
  EXPECT_EQ(HeaderText(data, "Date"), "Wed, 02 Dec 2026 17:20:00 +0900");
  EXPECT_EQ(HeaderText(data, "To"), "<taro@example.jp>");
  EXPECT_EQ(HeaderText(data, "From"), "simkeep サポート");
  EXPECT_NE(data.find("<noreply@simkeep.example.jp>"), std::string::npos);
  EXPECT_EQ(HeaderText(data, "Content-Language"), "ja");
  EXPECT_EQ(HeaderText(data, "X-Simkeep-Dedupe-Key"), "line.expiring:ln_1:2026-12-05");
  EXPECT_EQ(HeaderText(data, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(BodyText(data),
            "山田 太郎 様\r\n\r\nご利用の回線 +81 80-1234-5678 の期限は 2026-12-05 です。\r\n");
}

TEST_F(SmtpChannelTest, DeliversAChineseMessageDatedNowWithoutACreationTime) {
  std::unique_ptr<SmtpSink> sink = SmtpSink::Start();
  ASSERT_NE(sink, nullptr);
  std::unique_ptr<SmtpChannel> channel = Channel(*sink);
  ASSERT_NE(channel, nullptr);
  app::OutboundMessage message = Message("li.wei@example.cn");
  message.subject = "【simkeep】您的日本号码即将到期，请尽快续费以免停机（保号）";
  message.body = "李伟 您好：\n您的线路将于 2026年12月5日 到期。续费请访问门户。\n谢谢！";
  message.language = "zh-Hans";
  message.created_at = Timestamp();
  Result<void> delivered = channel->Deliver(message);
  ASSERT_TRUE(delivered) << delivered.error().message;

  const std::vector<ReceivedMail> received = sink->Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].rcpt_tos, std::vector<std::string>{"li.wei@example.cn"});
  EXPECT_EQ(HeaderText(received[0].data, "Subject"), message.subject);
  EXPECT_EQ(HeaderText(received[0].data, "Content-Language"), "zh-Hans");
  EXPECT_EQ(HeaderText(received[0].data, "Date"), "Wed, 02 Dec 2026 17:21:00 +0900");
  EXPECT_EQ(BodyText(received[0].data),
            "李伟 您好：\r\n您的线路将于 2026年12月5日 到期。续费请访问门户。\r\n谢谢！");
}

TEST_F(SmtpChannelTest, ARepeatCarriesTheSameMessageId) {
  std::unique_ptr<SmtpSink> sink = SmtpSink::Start();
  ASSERT_NE(sink, nullptr);
  std::unique_ptr<SmtpChannel> channel = Channel(*sink);
  ASSERT_NE(channel, nullptr);
  app::OutboundMessage message = Message("taro@example.jp");
  ASSERT_TRUE(channel->Deliver(message));
  message.attempt = 2;
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_TRUE(channel->Deliver(message));
  const std::vector<ReceivedMail> received = sink->Received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(HeaderText(received[1].data, "Message-ID"), "<nt_5kq2v7x0m3h9c1w4tz8b@simkeep>");
  EXPECT_EQ(received[0].data, received[1].data);
}

TEST_F(SmtpChannelTest, MapsRecipientRepliesToPermanentAndPassingFailures) {
  SmtpSinkOptions options;
  options.replies = {{550, "gone@example.jp"}, {450, "busy@example.jp"}};
  std::unique_ptr<SmtpSink> sink = SmtpSink::Start(options);
  ASSERT_NE(sink, nullptr);
  std::unique_ptr<SmtpChannel> channel = Channel(*sink);
  ASSERT_NE(channel, nullptr);
  Result<void> gone = channel->Deliver(Message("gone@example.jp"));
  ExpectError(gone, ErrorCode::kFailedPrecondition, "notification_rejected");
  EXPECT_NE(gone.error().message.find("550"), std::string::npos) << gone.error().message;
  Result<void> busy = channel->Deliver(Message("busy@example.jp"));
  ExpectError(busy, ErrorCode::kUnavailable, "notification_delivery_failed");
  EXPECT_NE(busy.error().message.find("450"), std::string::npos) << busy.error().message;
  EXPECT_TRUE(sink->Received().empty());
  // The same server still takes mail for others.
  EXPECT_TRUE(channel->Deliver(Message("taro@example.jp")));
}

TEST_F(SmtpChannelTest, AServerThatIsDownIsAPassingFailure) {
  std::string url;
  {
    std::unique_ptr<SmtpSink> sink = SmtpSink::Start();
    ASSERT_NE(sink, nullptr);
    url = sink->url();
  }  // Stopped: nothing listens on its port now.
  SmtpOptions options;
  options.url = url;
  options.from = EmailSender{"noreply@simkeep.example.jp", ""};
  options.require_tls = false;
  Result<std::unique_ptr<SmtpChannel>> channel = SmtpChannel::Create(options, clock_);
  ASSERT_TRUE(channel);
  ExpectError((*channel)->Deliver(Message("taro@example.jp")), ErrorCode::kUnavailable,
              "notification_delivery_failed");
}

TEST_F(SmtpChannelTest, RefusesHeaderInjectionBeforeConnecting) {
  std::unique_ptr<SmtpSink> sink = SmtpSink::Start();
  ASSERT_NE(sink, nullptr);
  std::unique_ptr<SmtpChannel> channel = Channel(*sink);
  ASSERT_NE(channel, nullptr);
  app::OutboundMessage message = Message("taro@example.jp");
  message.subject = "期限\r\nBcc: victim@example.jp";
  ExpectError(channel->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  message = Message("taro@example.jp\r\nRCPT TO:<victim@example.jp>");
  ExpectError(channel->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  message = Message("+818012345678");
  ExpectError(channel->Deliver(message), ErrorCode::kFailedPrecondition, "notification_rejected");
  EXPECT_TRUE(sink->Received().empty());
}

TEST_F(SmtpChannelTest, UpgradesWithStartTlsWhenRequired) {
  SmtpSinkOptions options;
  options.starttls = true;
  std::unique_ptr<SmtpSink> sink = SmtpSink::Start(options);
  ASSERT_NE(sink, nullptr);
  std::unique_ptr<SmtpChannel> channel = Channel(*sink, [&sink](SmtpOptions& adjusted) {
    adjusted.require_tls = true;
    adjusted.ca_file = sink->ca_file();
  });
  ASSERT_NE(channel, nullptr);
  Result<void> delivered = channel->Deliver(Message("taro@example.jp"));
  ASSERT_TRUE(delivered) << delivered.error().message;
  ASSERT_EQ(sink->Received().size(), 1u);
  // Without TLS the server takes no mail: it answers 530, a 5xx about the session, not the
  // message, so a retry once the channel is set up right can deliver it.
  std::unique_ptr<SmtpChannel> plain = Channel(*sink);
  ASSERT_NE(plain, nullptr);
  ExpectError(plain->Deliver(Message("taro@example.jp")), ErrorCode::kUnavailable,
              "notification_delivery_failed");
}

TEST_F(SmtpChannelTest, ATlsRequirementTheServerCannotMeetIsAPassingFailure) {
  std::unique_ptr<SmtpSink> sink = SmtpSink::Start();  // No STARTTLS on offer.
  ASSERT_NE(sink, nullptr);
  std::unique_ptr<SmtpChannel> channel =
      Channel(*sink, [](SmtpOptions& adjusted) { adjusted.require_tls = true; });
  ASSERT_NE(channel, nullptr);
  ExpectError(channel->Deliver(Message("taro@example.jp")), ErrorCode::kUnavailable,
              "notification_delivery_failed");
  EXPECT_TRUE(sink->Received().empty());
}

TEST_F(SmtpChannelTest, AuthenticatesAndTreatsRefusedCredentialsAsPassing) {
  SmtpSinkOptions options;
  options.user = "simkeep";
  options.password = "s3cret-pw";
  std::unique_ptr<SmtpSink> sink = SmtpSink::Start(options);
  ASSERT_NE(sink, nullptr);
  std::unique_ptr<SmtpChannel> channel = Channel(*sink, [](SmtpOptions& adjusted) {
    adjusted.username = "simkeep";
    adjusted.password = "s3cret-pw";
  });
  ASSERT_NE(channel, nullptr);
  Result<void> delivered = channel->Deliver(Message("taro@example.jp"));
  ASSERT_TRUE(delivered) << delivered.error().message;
  EXPECT_EQ(sink->Received().size(), 1u);

  std::unique_ptr<SmtpChannel> wrong = Channel(*sink, [](SmtpOptions& adjusted) {
    adjusted.username = "simkeep";
    adjusted.password = "wrong-pw";
  });
  ASSERT_NE(wrong, nullptr);
  Result<void> refused = wrong->Deliver(Message("taro@example.jp"));
  ExpectError(refused, ErrorCode::kUnavailable, "notification_delivery_failed");
  EXPECT_EQ(refused.error().message.find("wrong-pw"), std::string::npos);
  EXPECT_EQ(sink->Received().size(), 1u);
}

TEST(SmtpChannelOptionsTest, ChecksItsOptions) {
  FakeClock clock(Timestamp{});
  SmtpOptions good;
  good.url = "smtps://mail.example.jp:465";
  good.from = EmailSender{"noreply@example.jp", ""};
  EXPECT_TRUE(SmtpChannel::Create(good, clock));
  SmtpOptions options = good;
  options.url = "SMTP://mail.example.jp:587";
  EXPECT_TRUE(SmtpChannel::Create(options, clock));
  for (const char* url : {"http://mail.example.jp", "mail.example.jp:25", "", "file:///x"}) {
    options = good;
    options.url = url;
    Result<std::unique_ptr<SmtpChannel>> channel = SmtpChannel::Create(options, clock);
    ASSERT_FALSE(channel) << url;
    EXPECT_EQ(channel.error().reason, "notification_config_invalid");
  }
  options = good;
  options.from.address = "noreply";
  EXPECT_FALSE(SmtpChannel::Create(options, clock));
  options = good;
  options.from.name = "a\r\nBcc: x@example.jp";
  EXPECT_FALSE(SmtpChannel::Create(options, clock));
  options = good;
  options.password = "no user";
  EXPECT_FALSE(SmtpChannel::Create(options, clock));
  options = good;
  options.connect_timeout_ms = kTimeoutMsMin - 1;
  EXPECT_FALSE(SmtpChannel::Create(options, clock));
  options = good;
  options.connect_timeout_ms = kTimeoutMsMin;
  options.total_timeout_ms = kTimeoutMsMax;
  EXPECT_TRUE(SmtpChannel::Create(options, clock));
  options.total_timeout_ms = kTimeoutMsMax + 1;
  EXPECT_FALSE(SmtpChannel::Create(options, clock));
  options = good;
  options.connect_timeout_ms = 2'000;
  options.total_timeout_ms = 1'000;
  EXPECT_FALSE(SmtpChannel::Create(options, clock));
}

}  // namespace
}  // namespace simkeep::notify
