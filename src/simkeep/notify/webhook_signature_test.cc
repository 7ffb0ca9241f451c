#include "simkeep/notify/webhook_signature.h"

#include <cctype>
#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace simkeep::notify {
namespace {

using std::chrono::seconds;

constexpr std::string_view kSecret = "whsec_partner_one";
constexpr std::string_view kBody = R"({"type":"line.expiring","line_id":"ln_1","msg":"残り3日"})";
constexpr int64_t kSent = 1'796'000'000;  // 2026-11-30.

Timestamp At(int64_t unix_seconds) { return Timestamp(seconds(unix_seconds)); }

void ExpectReason(const Result<void>& result, std::string_view reason) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(result.error().reason, reason);
}

TEST(WebhookSignatureTest, SignsLikeStripe) {
  // echo -n '1796000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
  EXPECT_EQ(SignWebhook("whsec_test", R"({"a":1})", kSent),
            "t=1796000000,v1=085ae0e1f7d07c47ac6d09a4d065480abc30b77a8295721984b7a20f8b9c2000");
}

TEST(WebhookSignatureTest, VerifiesItsOwnSignature) {
  const std::string header = SignWebhook(kSecret, kBody, kSent);
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, kBody, At(kSent), seconds(300)));
}

TEST(WebhookSignatureTest, AcceptsTheToleranceEdgesAndRefusesPastThem) {
  const std::string header = SignWebhook(kSecret, kBody, kSent);
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, kBody, At(kSent + 300), seconds(300)));
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, kBody, At(kSent - 300), seconds(300)));
  // A microsecond past the edge is past it.
  ExpectReason(VerifyWebhookSignature(kSecret, header, kBody,
                                      At(kSent + 300) + std::chrono::microseconds(1), seconds(300)),
               "webhook_signature_expired");
  ExpectReason(VerifyWebhookSignature(kSecret, header, kBody, At(kSent + 301), seconds(300)),
               "webhook_signature_expired");
  ExpectReason(VerifyWebhookSignature(kSecret, header, kBody, At(kSent - 301), seconds(300)),
               "webhook_signature_expired");
  // The default tolerance is kWebhookToleranceDefault.
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, kBody, At(kSent) + kWebhookToleranceDefault));
  ExpectReason(VerifyWebhookSignature(kSecret, header, kBody,
                                      At(kSent) + kWebhookToleranceDefault + seconds(1)),
               "webhook_signature_expired");
}

TEST(WebhookSignatureTest, RefusesATamperedBodyOrTimestamp) {
  const std::string header = SignWebhook(kSecret, kBody, kSent);
  std::string tampered(kBody);
  tampered.back() = ' ';
  ExpectReason(VerifyWebhookSignature(kSecret, header, tampered, At(kSent), seconds(300)),
               "webhook_signature_invalid");
  // The signature of one moment does not cover another.
  const std::string moved = "t=" + std::to_string(kSent + 1) + header.substr(header.find(','));
  ExpectReason(VerifyWebhookSignature(kSecret, moved, kBody, At(kSent), seconds(300)),
               "webhook_signature_invalid");
}

TEST(WebhookSignatureTest, AForgedOldHeaderIsInvalidNotExpired) {
  const std::string forged = SignWebhook("another_secret", kBody, kSent - 10'000);
  ExpectReason(VerifyWebhookSignature(kSecret, forged, kBody, At(kSent), seconds(300)),
               "webhook_signature_invalid");
}

TEST(WebhookSignatureTest, RefusesAnotherSecretAndAnEmptyOne) {
  const std::string header = SignWebhook("whsec_other", kBody, kSent);
  ExpectReason(VerifyWebhookSignature(kSecret, header, kBody, At(kSent), seconds(300)),
               "webhook_signature_invalid");
  ExpectReason(
      VerifyWebhookSignature("", SignWebhook("", kBody, kSent), kBody, At(kSent), seconds(300)),
      "webhook_signature_invalid");
}

TEST(WebhookSignatureTest, AcceptsAnyOfSeveralSignaturesDuringARotation) {
  const std::string old_header = SignWebhook("whsec_old", kBody, kSent);
  const std::string new_header = SignWebhook("whsec_new", kBody, kSent);
  const std::string v1_old = old_header.substr(old_header.find("v1="));
  const std::string v1_new = new_header.substr(new_header.find("v1="));
  const std::string both = "t=" + std::to_string(kSent) + "," + v1_old + "," + v1_new;
  EXPECT_TRUE(VerifyWebhookSignature("whsec_old", both, kBody, At(kSent), seconds(300)));
  EXPECT_TRUE(VerifyWebhookSignature("whsec_new", both, kBody, At(kSent), seconds(300)));
  ExpectReason(VerifyWebhookSignature("whsec_other", both, kBody, At(kSent), seconds(300)),
               "webhook_signature_invalid");
  // Order, spaces around parts and unknown schemes do not matter.
  const std::string reordered = " v0=abc, " + v1_new + " , t=" + std::to_string(kSent) + " ";
  EXPECT_TRUE(VerifyWebhookSignature("whsec_new", reordered, kBody, At(kSent), seconds(300)));
}

TEST(WebhookSignatureTest, RefusesMalformedHeaders) {
  const std::string good = SignWebhook(kSecret, kBody, kSent);
  const std::string v1 = good.substr(good.find("v1="));
  const std::string t = "t=" + std::to_string(kSent);
  for (const std::string& header : {
           std::string(""), std::string(","),
           t,                                         // no v1
           v1,                                        // no t
           "t=," + v1,                                // empty t
           "t=abc," + v1,                             // not a number
           "t=-" + std::to_string(kSent) + "," + v1,  // negative
           "t=1796000000x," + v1,                     // trailing garbage
           "t=99999999999999999999," + v1,            // overflows
           "t=253402300800," + v1,                    // past year 9999
           t + "," + t + "," + v1,                    // two timestamps
           t + ",v1=",                                // empty signature
           t + "," + v1.substr(0, v1.size() - 1),     // short signature
           t + ",V1=" + v1.substr(3),                 // wrong key case
       }) {
    SCOPED_TRACE(header);
    ExpectReason(VerifyWebhookSignature(kSecret, header, kBody, At(kSent), seconds(300)),
                 "webhook_signature_invalid");
  }
  // Upper-case hex is not what was signed.
  std::string upper = good;
  for (size_t i = upper.find("v1=") + 3; i < upper.size(); ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  }
  ExpectReason(VerifyWebhookSignature(kSecret, upper, kBody, At(kSent), seconds(300)),
               "webhook_signature_invalid");
}

TEST(WebhookSignatureTest, ReadsAHeaderUpToItsBound) {
  const std::string good = SignWebhook(kSecret, kBody, kSent);
  std::string padded = good + ",x=";
  padded.append(kSignatureHeaderBytesMax - padded.size(), 'a');
  ASSERT_EQ(padded.size(), kSignatureHeaderBytesMax);
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, padded, kBody, At(kSent), seconds(300)));
  ExpectReason(VerifyWebhookSignature(kSecret, padded + "a", kBody, At(kSent), seconds(300)),
               "webhook_signature_invalid");
}

}  // namespace
}  // namespace simkeep::notify
