#include "simkeep/notify/sms_message.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "simkeep/notify/internal/text.h"
#include "simkeep/notify/limits.h"

namespace simkeep::notify {
namespace {

app::OutboundMessage Message() {
  app::OutboundMessage message;
  message.notification_id = "nt_5kq2v7x0m3h9c1w4tz8b";
  message.recipient = "+818012345678";
  message.body = "simkeep: ご利用期限は12/5です。续费请访问 https://example.jp/r";
  return message;
}

std::string Repeat(std::string_view text, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) {
    out += text;
  }
  return out;
}

void ExpectRejected(const Result<void>& result) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().reason, "notification_rejected");
}

TEST(SmsMessageTest, AcceptsE164NumbersOnly) {
  EXPECT_TRUE(IsE164Number("+818012345678"));
  EXPECT_TRUE(IsE164Number("+8613812345678"));
  EXPECT_TRUE(IsE164Number("+12345678"));         // 8 digits, the fewest.
  EXPECT_TRUE(IsE164Number("+123456789012345"));  // 15 digits, the most.
  for (const char* number :
       {"", "+", "+1234567", "+1234567890123456", "818012345678", "08012345678", "+0812345678",
        "+81 80 1234 5678", "+81-80-1234-5678", "+81801234567a", "＋818012345678",
        "+818012345678\r\n", "++818012345678"}) {
    EXPECT_FALSE(IsE164Number(number)) << number;
  }
}

TEST(SmsMessageTest, CountsUtf16CodeUnits) {
  EXPECT_EQ(internal::Utf16Length("abc"), 3u);
  EXPECT_EQ(internal::Utf16Length("期限"), 2u);
  EXPECT_EQ(internal::Utf16Length("😀"), 2u);  // Beyond U+FFFF: a surrogate pair.
  EXPECT_EQ(internal::Utf16Length(""), 0u);
  for (const std::string& bad :
       {std::string("\xFF"), std::string("\xE6\x9C"), std::string("\xC0\xAF"),  // overlong "/"
        std::string("\xED\xA0\x80"),                                            // a surrogate
        std::string("\xF4\x90\x80\x80"), std::string("\x80")}) {
    EXPECT_FALSE(internal::Utf16Length(bad)) << bad;
  }
}

TEST(SmsMessageTest, TakesTextUpTo670Utf16Units) {
  EXPECT_TRUE(CheckSmsText(std::string(kSmsUtf16UnitsMax, 'a')));
  ExpectRejected(CheckSmsText(std::string(kSmsUtf16UnitsMax + 1, 'a')));
  EXPECT_TRUE(CheckSmsText(Repeat("期", kSmsUtf16UnitsMax)));
  ExpectRejected(CheckSmsText(Repeat("期", kSmsUtf16UnitsMax + 1)));
  // An emoji counts two units: 335 fit, and one more character does not.
  EXPECT_TRUE(CheckSmsText(Repeat("😀", kSmsUtf16UnitsMax / 2)));
  ExpectRejected(CheckSmsText(Repeat("😀", kSmsUtf16UnitsMax / 2) + "a"));
  ExpectRejected(CheckSmsText(""));
  ExpectRejected(CheckSmsText("\xE6\x9C"));
}

TEST(SmsMessageTest, BuildsTheGatewayRequest) {
  Result<std::string> body = BuildSmsGatewayRequest(Message());
  ASSERT_TRUE(body) << body.error().message;
  const nlohmann::json request = nlohmann::json::parse(*body);
  EXPECT_EQ(request, (nlohmann::json{{"to", "+818012345678"},
                                     {"text", Message().body},
                                     {"reference", "nt_5kq2v7x0m3h9c1w4tz8b"}}));
  // The text goes as UTF-8, quotes and line breaks escaped.
  app::OutboundMessage message = Message();
  message.body = "「続く」\"q\"\n";
  body = BuildSmsGatewayRequest(message);
  ASSERT_TRUE(body);
  EXPECT_NE(body->find(R"("text":"「続く」\"q\"\n")"), std::string::npos) << *body;
}

void ExpectRequestRejected(const app::OutboundMessage& message) {
  Result<std::string> body = BuildSmsGatewayRequest(message);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(body.error().reason, "notification_rejected");
}

TEST(SmsMessageTest, RefusesWhatNoRetryCanMend) {
  app::OutboundMessage message = Message();
  message.recipient = "090-1234-5678";
  ExpectRequestRejected(message);
  message = Message();
  message.body = Repeat("期", kSmsUtf16UnitsMax + 1);
  ExpectRequestRejected(message);
  message = Message();
  message.body.clear();
  ExpectRequestRejected(message);
  message = Message();
  message.notification_id = "nt 1";
  ExpectRequestRejected(message);
}

}  // namespace
}  // namespace simkeep::notify
