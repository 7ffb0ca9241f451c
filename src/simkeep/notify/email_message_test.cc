#include "simkeep/notify/email_message.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "notify_servers.h"
#include "simkeep/notify/internal/text.h"
#include "simkeep/notify/limits.h"

namespace simkeep::notify {
namespace {

using testing::DecodeBase64;

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const size_t end = text.find("\r\n");
    EXPECT_NE(end, std::string_view::npos) << "a line without CRLF: " << text;
    if (end == std::string_view::npos) {
      break;
    }
    lines.emplace_back(text.substr(0, end));
    text.remove_prefix(end + 2);
  }
  return lines;
}

// The text of a header field body made of encoded words, as a mail reader shows it.
std::string DecodeWords(std::string_view field) {
  std::string text;
  size_t at = 0;
  while ((at = field.find("=?UTF-8?B?", at)) != std::string_view::npos) {
    const size_t start = at + 10;
    const size_t end = field.find("?=", start);
    const std::string chunk = DecodeBase64(field.substr(start, end - start));
    EXPECT_TRUE(internal::IsUtf8(chunk)) << "a word splits a character";
    text += chunk;
    at = end + 2;
  }
  return text;
}

app::OutboundMessage Message() {
  app::OutboundMessage message;
  message.notification_id = "nt_5kq2v7x0m3h9c1w4tz8b";
  message.dedupe_key = "line.expiring:ln_1:2026-12-05";
  message.recipient = "taro@example.jp";
  message.subject = "【simkeep】ご利用期限が近づいています";
  message.body = "山田様\nご利用期限は 2026-12-05 です。\n";
  message.language = "ja";
  message.created_at = Timestamp(std::chrono::seconds(1'796'199'600));
  return message;
}

const EmailSender kSender{"noreply@simkeep.example.jp", "simkeep サポート"};

TEST(EmailMessageTest, EncodesHeaderTextAsUtf8Words) {
  const std::string subject =
      "您的线路即将到期，请及时续费以保留号码。感谢您使用 simkeep 预付费服务！";
  const std::string field = EncodeHeaderText(subject);
  EXPECT_EQ(DecodeWords(field), subject);
  for (const std::string& line : Lines("Subject: " + field + "\r\n")) {
    EXPECT_LE(line.size(), 76u) << line;
  }
  EXPECT_TRUE(field.starts_with("=?UTF-8?B?"));
  EXPECT_NE(field.find("\r\n "), std::string::npos) << "a long subject is folded";
  EXPECT_EQ(EncodeHeaderText("Hi"), "=?UTF-8?B?SGk=?=");
  EXPECT_EQ(EncodeHeaderText(""), "");
}

TEST(EmailMessageTest, EncodedWordsNeverSplitACharacter) {
  // Four-byte characters and three-byte ones, at every offset against the word boundary.
  for (int prefix = 0; prefix < 4; ++prefix) {
    const std::string text = std::string(static_cast<size_t>(prefix), 'a') + "😀期限😀切れ" +
                             std::string(40, 'x') + "ご確認ください😀";
    EXPECT_EQ(DecodeWords(EncodeHeaderText(text)), text);
  }
}

TEST(EmailMessageTest, Base64LinesAreAtMost76Characters) {
  EXPECT_EQ(Base64Lines(""), "");
  EXPECT_EQ(Base64Lines("M"), "TQ==\r\n");
  EXPECT_EQ(Base64Lines("Ma"), "TWE=\r\n");
  EXPECT_EQ(Base64Lines("Man"), "TWFu\r\n");
  // 57 bytes are exactly one full line of 76 characters; one more starts a second line.
  const std::string full(57, 'z');
  EXPECT_EQ(Lines(Base64Lines(full)).size(), 1u);
  EXPECT_EQ(Lines(Base64Lines(full))[0].size(), kBase64LineCharsMax);
  EXPECT_EQ(Lines(Base64Lines(full + "z")).size(), 2u);
  const std::string long_text(10'000, '\xE3');
  const std::string encoded = Base64Lines(long_text);
  for (const std::string& line : Lines(encoded)) {
    EXPECT_LE(line.size(), kBase64LineCharsMax);
  }
  EXPECT_EQ(DecodeBase64(encoded), long_text);
}

TEST(EmailMessageTest, FormatsTheDateInJapanTime) {
  EXPECT_EQ(FormatRfc5322Date(Timestamp(std::chrono::seconds(1'796'199'600))),
            "Wed, 02 Dec 2026 17:20:00 +0900");
  // 15:00 UTC on New Year's Eve is midnight in Tokyo.
  EXPECT_EQ(FormatRfc5322Date(Timestamp(std::chrono::seconds(1'798'729'200)) +
                              std::chrono::microseconds(999'999)),
            "Fri, 01 Jan 2027 00:00:00 +0900");
}

TEST(EmailMessageTest, ChecksAddressesMinimally) {
  EXPECT_TRUE(IsEmailAddress("taro@example.jp"));
  EXPECT_TRUE(IsEmailAddress("first.last+tag@mail.example.co.jp"));
  const std::string domain = "@example.jp";
  const std::string longest = std::string(kEmailAddressBytesMax - domain.size(), 'a') + domain;
  ASSERT_EQ(longest.size(), kEmailAddressBytesMax);
  EXPECT_TRUE(IsEmailAddress(longest));
  EXPECT_FALSE(IsEmailAddress("a" + longest));
  for (const char* address :
       {"", "taro", "@example.jp", "taro@", "taro@@example.jp", "taro@ex@ample.jp",
        "taro @example.jp", "taro@example.jp\r\nBcc: x@evil.example", "taro@example.jp\n",
        "<taro@example.jp>", "taro@example.jp,jiro@example.jp", "taro;x@example.jp",
        "\"taro\"@example.jp", "太郎@example.jp", "taro@example.jp\t"}) {
    EXPECT_FALSE(IsEmailAddress(address)) << address;
  }
}

TEST(EmailMessageTest, BuildsTheWholeMessage) {
  Result<std::string> email = BuildEmailMessage(Message(), kSender, Message().created_at);
  ASSERT_TRUE(email) << email.error().message;
  const size_t blank = email->find("\r\n\r\n");
  ASSERT_NE(blank, std::string::npos);
  const std::string head = email->substr(0, blank + 2);
  const std::string body = email->substr(blank + 4);
  EXPECT_TRUE(head.starts_with("Date: Wed, 02 Dec 2026 17:20:00 +0900\r\n"));
  EXPECT_NE(head.find("\r\nTo: <taro@example.jp>\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\n <noreply@simkeep.example.jp>\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nMessage-ID: <nt_5kq2v7x0m3h9c1w4tz8b@simkeep>\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nMIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Transfer-Encoding: base64\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Language: ja\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Simkeep-Dedupe-Key: line.expiring:ln_1:2026-12-05\r\n"),
            std::string::npos);
  const size_t subject_at = head.find("\r\nSubject: ");
  ASSERT_NE(subject_at, std::string::npos);
  const size_t subject_end = head.find("\r\nMessage-ID:");
  EXPECT_EQ(DecodeWords(head.substr(subject_at, subject_end - subject_at)), Message().subject);
  for (const std::string& line : Lines(head)) {
    EXPECT_LE(line.size(), 78u) << line;
  }
  for (const std::string& line : Lines(body)) {
    EXPECT_LE(line.size(), kBase64LineCharsMax);
  }
  EXPECT_EQ(DecodeBase64(body), "山田様\r\nご利用期限は 2026-12-05 です。\r\n");
}

TEST(EmailMessageTest, LeavesOutEmptyOptionalHeaders) {
  app::OutboundMessage message = Message();
  message.subject.clear();
  message.language.clear();
  message.dedupe_key.clear();
  Result<std::string> email =
      BuildEmailMessage(message, EmailSender{"a@example.jp", ""}, message.created_at);
  ASSERT_TRUE(email) << email.error().message;
  EXPECT_NE(email->find("From: <a@example.jp>\r\n"), std::string::npos);
  EXPECT_EQ(email->find("Subject:"), std::string::npos);
  EXPECT_EQ(email->find("Content-Language:"), std::string::npos);
  EXPECT_EQ(email->find("X-Simkeep-Dedupe-Key:"), std::string::npos);
}

void ExpectRejected(const app::OutboundMessage& message, const EmailSender& sender = kSender) {
  Result<std::string> email = BuildEmailMessage(message, sender, message.created_at);
  ASSERT_FALSE(email);
  EXPECT_EQ(email.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(email.error().reason, "notification_rejected");
}

TEST(EmailMessageTest, RefusesHeaderInjection) {
  for (const std::string& subject :
       {std::string("期限\r\nBcc: victim@example.jp"), std::string("期限\nBcc: x@example.jp"),
        std::string("期限\rX: y"), std::string("a\0b", 3)}) {
    app::OutboundMessage message = Message();
    message.subject = subject;
    SCOPED_TRACE(subject);
    ExpectRejected(message);
  }
  app::OutboundMessage message = Message();
  message.recipient = "taro@example.jp\r\nBcc: victim@example.jp";
  ExpectRejected(message);
  ExpectRejected(Message(), EmailSender{"noreply@example.jp", "simkeep\r\nBcc: x@example.jp"});
  ExpectRejected(Message(), EmailSender{"noreply@example.jp\r\n", ""});
  message = Message();
  message.dedupe_key = "key\r\nBcc: victim@example.jp";
  ExpectRejected(message);
  message = Message();
  message.notification_id = "nt_1>\r\nBcc: victim@example.jp";
  ExpectRejected(message);
  message = Message();
  message.language = "ja\r\nBcc: victim@example.jp";
  ExpectRejected(message);
}

TEST(EmailMessageTest, RefusesMalformedMessages) {
  app::OutboundMessage message = Message();
  message.recipient = "+818012345678";
  ExpectRejected(message);
  message = Message();
  message.body.clear();
  ExpectRejected(message);
  message = Message();
  message.body = "\xFF\xFE";
  ExpectRejected(message);
  message = Message();
  message.subject = "\xE6\x9C";  // A truncated character.
  ExpectRejected(message);
  message = Message();
  message.notification_id.clear();
  ExpectRejected(message);
  message = Message();
  message.dedupe_key = "期限";
  ExpectRejected(message);
}

TEST(EmailMessageTest, TakesABodyAndSubjectUpToTheirBounds) {
  app::OutboundMessage message = Message();
  message.body = std::string(kBodyBytesMax, 'a');
  message.subject = std::string(kSubjectBytesMax, 'b');
  message.dedupe_key = std::string(kHeaderValueBytesMax, 'c');
  Result<std::string> email = BuildEmailMessage(message, kSender, message.created_at);
  ASSERT_TRUE(email) << email.error().message;
  message.body += 'a';
  ExpectRejected(message);
  message = Message();
  message.subject = std::string(kSubjectBytesMax + 1, 'b');
  ExpectRejected(message);
  message = Message();
  message.dedupe_key = std::string(kHeaderValueBytesMax + 1, 'c');
  ExpectRejected(message);
}

}  // namespace
}  // namespace simkeep::notify
