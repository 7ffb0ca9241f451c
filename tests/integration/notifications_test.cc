// Notifications end to end: reminders and lifecycle messages queued by the scheduler in the
// holder's language (read back through the inbox API), each once however often the scheduler
// passes; and the outbox's delivery: retries with backoff, the dead-letter list, a requeue.
// SQLite, and PostgreSQL as notifications_test_postgres.

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "notify_servers.h"
#include "simkeep/app/audit_service.h"
#include "simkeep/app/notification_dispatcher.h"
#include "simkeep/app/outbox.h"
#include "simkeep/app/scheduler.h"
#include "simkeep/base/time.h"
#include "simkeep/notify/message_renderer.h"
#include "simkeep/notify/webhook_signature.h"
#include "test_server.h"

namespace simkeep::testing {
namespace {

constexpr const char* kPlan = "sample-docomo-mvno-2gb";  // ¥850, 30 calendar days.
constexpr const char* kExpiry = "2026-11-30T23:59:59+09:00";

// A delivery channel for the dispatcher's own rules: records what it was handed and answers
// as scripted (success once the script runs out).
class ScriptedChannel final : public app::NotificationChannel {
 public:
  Result<void> Deliver(const app::OutboundMessage& message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    seen.push_back(message);
    if (script.empty()) {
      return Ok();
    }
    Error next = script.front();
    script.erase(script.begin());
    return next;
  }

  std::vector<Error> script;
  std::vector<app::OutboundMessage> seen;

 private:
  std::mutex mutex_;
};

class NotificationsTest : public ::testing::Test {
 protected:
  void SetUp() override { admin_ = server_.Token("admin"); }

  std::string NewLine(const std::string& carrier, const std::string& plan,
                      const std::string& expires_at) {
    return server_.ProvisionLine(admin_, {{"iccid", TestServer::NextIccid()},
                                          {"carrier", carrier},
                                          {"state", "active"},
                                          {"plan_id", plan},
                                          {"expires_at", expires_at}});
  }
  void Speak(const std::string& line, const std::string& language) {
    HttpResult set = server_.Call(admin_, "PUT", "/v1/lines/" + line + "/notification-settings",
                                  {{"language", language}});
    ASSERT_EQ(set.status, 200) << set.body;
  }
  // The line's inbox, oldest first.
  std::vector<Json> Inbox(const std::string& line) {
    HttpResult inbox = server_.Call(admin_, "GET", "/v1/lines/" + line + "/inbox?limit=200");
    EXPECT_EQ(inbox.status, 200) << inbox.body;
    std::vector<Json> messages(inbox.json["data"].rbegin(), inbox.json["data"].rend());
    return messages;
  }
  std::vector<std::string> Topics(const std::string& line) {
    std::vector<std::string> topics;
    for (const Json& message : Inbox(line)) {
      topics.push_back(message["topic"]);
    }
    return topics;
  }
  void At(const char* rfc3339) { server_.clock().Set(*ParseRfc3339(rfc3339)); }
  app::SchedulerReport Tick() {
    Result<app::SchedulerReport> report = server_.runtime().scheduler->RunDue();
    EXPECT_TRUE(report) << report.error().reason << ": " << report.error().message;
    return report ? *report : app::SchedulerReport{};
  }

  TestServer server_;
  std::string admin_;
};

TEST_F(NotificationsTest, ExpiryRemindersGoOutOnceEachInTheHoldersLanguage) {
  const std::string line = NewLine("docomo", kPlan, kExpiry);
  Speak(line, "zh-Hant");
  const std::string other = NewLine("docomo", kPlan, "2026-12-30T23:59:59+09:00");
  At("2026-11-23T23:00:00+09:00");  // Eight days before: nothing yet.
  EXPECT_EQ(Tick().reminders, 0);
  EXPECT_TRUE(Inbox(line).empty());
  At("2026-11-24T00:30:00+09:00");  // Seven days before, passed.
  EXPECT_EQ(Tick().reminders, 1);
  EXPECT_EQ(Tick().reminders, 0);
  std::vector<Json> inbox = Inbox(line);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0]["topic"], "expiry_soon");
  EXPECT_EQ(inbox[0]["language"], "zh-Hant");
  const std::string subject = inbox[0]["subject"];
  const std::string body = inbox[0]["body"];
  EXPECT_NE(subject.find("門號"), std::string::npos) << subject;
  EXPECT_NE(subject.find("7"), std::string::npos) << subject;
  EXPECT_NE(body.find("2026年11月30日 23:59"), std::string::npos) << body;
  EXPECT_TRUE(inbox[0]["read_at"].is_null());
  // One day before; the other line (a month later) has had nothing, in Japanese by default.
  At("2026-11-30T00:00:00+09:00");
  EXPECT_EQ(Tick().reminders, 1);
  EXPECT_EQ(Topics(line), (std::vector<std::string>{"expiry_soon", "expiry_soon"}));
  EXPECT_NE(std::string(Inbox(line)[1]["subject"]).find("1"), std::string::npos);
  EXPECT_TRUE(Inbox(other).empty());
  At("2026-12-23T23:59:58+09:00");
  Tick();
  EXPECT_TRUE(Inbox(other).empty());
  At("2026-12-23T23:59:59+09:00");  // Seven days before 23:59:59 JST, to the second.
  Tick();
  ASSERT_EQ(Inbox(other).size(), 1u);
  EXPECT_EQ(Inbox(other)[0]["language"], "ja");
  // Marked read once; the first time stays.
  const std::string id = inbox[0]["notification_id"];
  const std::string read_path = "/v1/lines/" + line + "/inbox/" + id + "/read";
  HttpResult read = server_.Call(admin_, "POST", read_path);
  ASSERT_EQ(read.status, 200) << read.body;
  server_.clock().Advance(std::chrono::hours{1});
  EXPECT_EQ(server_.Call(admin_, "POST", read_path).json["read_at"], read.json["read_at"]);
  EXPECT_EQ(
      server_.Call(admin_, "POST", "/v1/lines/" + other + "/inbox/" + id + "/read").json["code"],
      "notification_not_found");
}

TEST_F(NotificationsTest, AutomaticRenewalIsAnnouncedWithItsPriceAndItsFailureIsTold) {
  const std::string line = NewLine("docomo", kPlan, kExpiry);
  Speak(line, "ja");
  HttpResult set = server_.Call(admin_, "PUT", "/v1/lines/" + line + "/auto-renewal",
                                {{"enabled", true},
                                 {"plan_id", kPlan},
                                 {"payment_method_id", "balance"},
                                 {"monthly_cap_jpy", 5000}});
  ASSERT_EQ(set.status, 200) << set.body;
  At("2026-11-24T00:30:00+09:00");
  Tick();
  std::vector<Json> inbox = Inbox(line);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0]["topic"], "auto_renewal_upcoming");
  const std::string upcoming = inbox[0]["body"];
  EXPECT_NE(upcoming.find("850円"), std::string::npos) << upcoming;
  EXPECT_NE(upcoming.find("2026年11月29日 23:59"), std::string::npos) << upcoming;
  // Due 24 hours before the end; the wallet is empty, so it fails and is tried again later.
  At("2026-11-30T00:00:00+09:00");
  app::SchedulerReport report = Tick();
  EXPECT_EQ(report.failed, 1);
  inbox = Inbox(line);
  // The failure; no 1-day reminder, which falls due with the renewal itself (the renewal's
  // receipt or its failure speaks then).
  ASSERT_EQ(inbox.size(), 2u);
  const size_t at = 1;
  EXPECT_EQ(inbox[at]["topic"], "auto_renewal_failed");
  const std::string failed = inbox[at]["body"];
  EXPECT_NE(failed.find("残高が不足"), std::string::npos) << failed;
  EXPECT_NE(failed.find("2026年11月30日 01:00"), std::string::npos) << failed;  // The retry.
  EXPECT_EQ(Tick().reminders, 0);
  EXPECT_EQ(Inbox(line).size(), 2u);
}

TEST_F(NotificationsTest, TheLifecycleIsToldStepByStep) {
  const std::string line = NewLine("docomo", kPlan, kExpiry);  // Grace 2 days, then 30.
  Speak(line, "en");
  At("2026-12-01T00:00:30+09:00");
  EXPECT_EQ(Tick().lifecycle, 1);
  std::vector<Json> inbox = Inbox(line);
  ASSERT_EQ(inbox.back()["topic"], "grace_started");
  const std::string grace = inbox.back()["body"];
  EXPECT_NE(grace.find("2026-12-02 23:59 JST"), std::string::npos) << grace;
  At("2026-12-03T00:00:30+09:00");
  EXPECT_EQ(Tick().lifecycle, 1);
  ASSERT_EQ(Inbox(line).back()["topic"], "suspended");
  const std::string suspended = Inbox(line).back()["body"];
  EXPECT_NE(suspended.find("2027-01-01 23:59 JST"), std::string::npos) << suspended;
  At("2027-01-02T00:00:30+09:00");
  EXPECT_EQ(Tick().lifecycle, 1);
  Tick();
  // The first pass came after the validity ended: no expiry reminders.
  EXPECT_EQ(Topics(line), (std::vector<std::string>{"grace_started", "suspended", "terminated"}));
}

TEST_F(NotificationsTest, ALongGraceRemindsOfTheSuspension30And7DaysAhead) {
  // softbank's sample rule: 360 days of grace after the validity ends.
  const std::string line =
      NewLine("softbank", "sample-softbank-linemo-10gb", "2026-11-30T23:59:59+09:00");
  Speak(line, "zh-Hans");
  At("2026-12-01T00:00:30+09:00");
  Tick();
  ASSERT_EQ(Inbox(line).back()["topic"], "grace_started") << Inbox(line).back();
  At("2027-10-26T23:59:58+09:00");
  Tick();
  ASSERT_EQ(Inbox(line).back()["topic"], "grace_started");
  At("2027-10-27T00:30:00+09:00");  // 30 days before 2027-11-25 23:59:59 have passed.
  Tick();
  ASSERT_EQ(Inbox(line).back()["topic"], "suspension_soon");
  const std::string soon = Inbox(line).back()["body"];
  EXPECT_NE(soon.find("2027年11月25日 23:59"), std::string::npos) << soon;
  At("2027-11-19T12:00:00+09:00");
  Tick();
  Tick();
  std::vector<std::string> topics = Topics(line);
  EXPECT_EQ(std::count(topics.begin(), topics.end(), "suspension_soon"), 2);
}

TEST_F(NotificationsTest, AnAuLineInItsKeepWindowIsRemindedOfTheSuspension30And7DaysAhead) {
  // au's sample rule has no grace period but a 180-day keep window, which holds the line in
  // grace: suspended on 29 May 2027 at 23:59:59 JST.
  const std::string line = NewLine("au", "sample-au-base", kExpiry);
  Speak(line, "en");
  At("2026-12-01T00:00:30+09:00");
  Tick();
  ASSERT_EQ(Topics(line), (std::vector<std::string>{"grace_started"}));
  At("2027-04-29T23:59:58+09:00");
  Tick();
  ASSERT_EQ(Inbox(line).back()["topic"], "grace_started");
  At("2027-04-29T23:59:59+09:00");  // 30 days before, to the second.
  Tick();
  ASSERT_EQ(Inbox(line).back()["topic"], "suspension_soon");
  const std::string soon = Inbox(line).back()["body"];
  EXPECT_NE(soon.find("2027-05-29 23:59 JST"), std::string::npos) << soon;
  At("2027-05-22T23:59:59+09:00");  // 7 days before.
  Tick();
  Tick();
  At("2027-05-29T23:59:59+09:00");
  Tick();
  EXPECT_EQ(Topics(line), (std::vector<std::string>{"grace_started", "suspension_soon",
                                                    "suspension_soon", "suspended"}));
}

TEST_F(NotificationsTest, AYearOfDailyPassesRenewsWarnsAndEndsLinesEachMessageOnce) {
  // A: renews itself every month from its balance. B: never renewed (docomo: 2 days of grace,
  // then 30 suspended). C: never renewed, softbank's 360 days of grace.
  const std::string a = NewLine("docomo", kPlan, "2026-11-25T23:59:59+09:00");
  const std::string b = NewLine("docomo", kPlan, "2026-11-25T23:59:59+09:00");
  const std::string c =
      NewLine("softbank", "sample-softbank-linemo-10gb", "2026-11-25T23:59:59+09:00");
  Speak(a, "ja");
  Speak(b, "en");
  Speak(c, "zh-Hans");
  const std::string clerk = server_.Token("clerk");
  ASSERT_EQ(server_
                .Call(clerk, "POST", "/v1/lines/" + a + "/topups",
                      {{"amount_jpy", 20000}, {"payment", {{"method", "cash"}}}}, "year-fund")
                .status,
            201);
  ASSERT_EQ(server_
                .Call(admin_, "PUT", "/v1/lines/" + a + "/auto-renewal",
                      {{"enabled", true},
                       {"plan_id", kPlan},
                       {"payment_method_id", "balance"},
                       {"monthly_cap_jpy", 5000}})
                .status,
            200);
  int renewed = 0;
  for (int day = 0; day < 366; ++day) {
    server_.clock().Set(*ParseRfc3339("2026-11-22T12:00:00+09:00") + std::chrono::days(day));
    renewed += Tick().renewed;
    ASSERT_TRUE(server_.runtime().dispatcher->RunDue());
  }
  // A: a renewal every 30 days (on days 3, 33, ... 363: bought 24 hours ahead, each continues
  // the validity by 30 calendar days, so none is lost), paid from the balance; its holder
  // told 7 days ahead of each but the first (due before the first pass), once.
  EXPECT_EQ(renewed, 13);
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines/" + a + "/status").json["balance_jpy"],
            20000 - 13 * 850);
  const std::vector<std::string> a_topics = Topics(a);
  EXPECT_EQ(std::count(a_topics.begin(), a_topics.end(), "auto_renewal_upcoming"), 12);
  EXPECT_EQ(std::count(a_topics.begin(), a_topics.end(), "auto_renewal_failed"), 0);
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines/" + a).json["state"], "active");
  // B: warned, then each step once, in order.
  EXPECT_EQ(Topics(b),
            (std::vector<std::string>{"expiry_soon", "grace_started", "suspended", "terminated"}));
  // C: a year of grace, reminded of the suspension 30 and 7 days ahead, then terminated at once
  // (softbank's sample rule keeps no suspended time).
  EXPECT_EQ(Topics(c), (std::vector<std::string>{"expiry_soon", "grace_started", "suspension_soon",
                                                 "suspension_soon", "terminated"}));
  // Every message once: no two with the same subject and body.
  for (const std::string& line : {a, b, c}) {
    std::set<std::string> seen;
    for (const Json& message : Inbox(line)) {
      EXPECT_TRUE(seen.insert(message["subject"].get<std::string>() + "|" +
                              message["body"].get<std::string>())
                      .second)
          << message;
    }
  }
  ASSERT_TRUE(server_.runtime().reads->Read([](app::Transaction& transaction) -> Result<void> {
    Result<app::DatabaseAudit> audit = app::AuditDatabase(transaction, nullptr);
    EXPECT_TRUE(audit && audit->ok());
    return Ok();
  }));
}

TEST_F(NotificationsTest, FailedDeliveriesBackOffThenWaitForAnOperator) {
  const std::string line = NewLine("docomo", kPlan, kExpiry);
  HttpResult set = server_.Call(admin_, "PUT", "/v1/lines/" + line + "/notification-settings",
                                {{"language", "en"}, {"email", "holder@example.jp"}});
  ASSERT_EQ(set.status, 200) << set.body;
  // An outbox that queues email, and a dispatcher delivering it through the scripted channel.
  cli::Runtime& rt = server_.runtime();
  notify::MessageRenderer renderer;
  app::OutboxOptions options;
  options.email = true;
  app::Outbox outbox(renderer, options);
  app::ServiceContext context = rt.context;
  context.outbox = &outbox;
  ScriptedChannel email;
  app::NotificationDispatcher dispatcher(*rt.committer, *rt.reads, context,
                                         {{domain::NotificationChannel::kEmail, &email}});
  app::NotificationEvent event;
  event.topic = domain::NotificationTopic::kTerminated;
  event.period = "test";
  for (int twice = 0; twice < 2; ++twice) {  // Queued once by its dedupe key.
    ASSERT_TRUE(rt.committer->RunAndWait([&](app::Transaction& transaction) -> Result<void> {
      Result<std::optional<domain::Line>> found = transaction.FindLine(LineId{line});
      EXPECT_TRUE(found && found->has_value());
      return app::QueueNotification(transaction, context, **found, event);
    }));
  }
  for (int i = 0; i < domain::kNotificationAttemptsMax; ++i) {
    email.script.push_back(Unavailable("notification_delivery_failed", "connection refused"));
  }
  const std::vector<int> waits_minutes = {1, 5, 30, 120, 720};
  for (size_t attempt = 0; attempt < 6; ++attempt) {
    Result<app::DispatchReport> pass = dispatcher.RunDue();
    ASSERT_TRUE(pass);
    EXPECT_EQ(pass->total(), 1) << attempt;
    EXPECT_EQ(dispatcher.RunDue()->total(), 0);  // Not due again at once.
    if (attempt < waits_minutes.size()) {
      EXPECT_EQ(pass->retried, 1);
      server_.clock().Advance(std::chrono::minutes{waits_minutes[attempt]} -
                              std::chrono::seconds{1});
      EXPECT_EQ(dispatcher.RunDue()->total(), 0);
      server_.clock().Advance(std::chrono::seconds{1});
    } else {
      EXPECT_EQ(pass->dead, 1);
    }
  }
  ASSERT_EQ(email.seen.size(), 6u);
  for (size_t i = 0; i < email.seen.size(); ++i) {
    EXPECT_EQ(email.seen[i].notification_id, email.seen[0].notification_id);
    EXPECT_EQ(email.seen[i].attempt, static_cast<int>(i) + 1);
    EXPECT_EQ(email.seen[i].recipient, "holder@example.jp");
  }
  EXPECT_NE(email.seen[0].subject.find("terminated"), std::string::npos);
  // The dead-letter list shows it, with what went wrong; a retry queues it again.
  const std::string operator_token = server_.Token("operator");
  HttpResult dead = server_.Call(operator_token, "GET", "/v1/notifications?status=dead");
  ASSERT_EQ(dead.status, 200) << dead.body;
  ASSERT_EQ(dead.json["data"].size(), 1u);
  EXPECT_EQ(dead.json["data"][0]["attempts"], 6);
  EXPECT_EQ(dead.json["data"][0]["last_error"], "connection refused");
  EXPECT_EQ(dead.json["data"][0]["channel"], "email");
  const std::string id = dead.json["data"][0]["notification_id"];
  HttpResult retried = server_.Call(operator_token, "POST", "/v1/notifications/" + id + "/retry");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(retried.json["status"], "pending");
  EXPECT_EQ(server_.Call(operator_token, "POST", "/v1/notifications/" + id + "/retry").json["code"],
            "notification_not_dead");
  Result<app::DispatchReport> delivered = dispatcher.RunDue();
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->sent, 1);
  EXPECT_EQ(email.seen.back().notification_id, id);
  EXPECT_TRUE(
      server_.Call(operator_token, "GET", "/v1/notifications?status=dead").json["data"].empty());
  // A refusal for good is dead at once.
  event.period = "refused";
  ASSERT_TRUE(rt.committer->RunAndWait([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<domain::Line>> found = transaction.FindLine(LineId{line});
    return app::QueueNotification(transaction, context, **found, event);
  }));
  email.script.push_back(FailedPrecondition("notification_rejected", "550 no such user"));
  Result<app::DispatchReport> refused = dispatcher.RunDue();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->dead, 1);
}

TEST_F(NotificationsTest, AChannelThisInstanceDoesNotDeliverOnFailsForGood) {
  const std::string line = NewLine("docomo", kPlan, kExpiry);
  HttpResult set = server_.Call(admin_, "PUT", "/v1/lines/" + line + "/notification-settings",
                                {{"language", "en"}, {"sms_to", "+819012345678"}});
  ASSERT_EQ(set.status, 200) << set.body;
  cli::Runtime& rt = server_.runtime();
  notify::MessageRenderer renderer;
  app::OutboxOptions options;
  options.sms = true;
  app::Outbox outbox(renderer, options);
  app::ServiceContext context = rt.context;
  context.outbox = &outbox;
  app::NotificationDispatcher dispatcher(*rt.committer, *rt.reads, context, {});
  app::NotificationEvent event;
  event.topic = domain::NotificationTopic::kSuspended;
  event.period = "p";
  ASSERT_TRUE(rt.committer->RunAndWait([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<domain::Line>> found = transaction.FindLine(LineId{line});
    return app::QueueNotification(transaction, context, **found, event);
  }));
  Result<app::DispatchReport> pass = dispatcher.RunDue();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->dead, 1);
  HttpResult dead = server_.Call(admin_, "GET", "/v1/notifications");
  ASSERT_EQ(dead.json["data"].size(), 1u);
  EXPECT_EQ(dead.json["data"][0]["recipient"], "+819012345678");
  EXPECT_NE(std::string(dead.json["data"][0]["last_error"]).find("no sms delivery"),
            std::string::npos);
}

// The real channels against real far ends on loopback: a mail server (aiosmtpd), and an HTTP
// receiver standing for a webhook endpoint and an SMS gateway. Webhooks to loopback need the
// operator's consent (--webhook-allow-private), which these servers give.
TEST(NotificationDeliveryTest, AReceiptGoesOutOnceByEmailSmsAndASignedWebhook) {
  std::unique_ptr<SmtpSink> mail = SmtpSink::Start();
  ASSERT_NE(mail, nullptr);
  std::unique_ptr<HttpReceiver> receiver = HttpReceiver::Start();
  ASSERT_NE(receiver, nullptr);
  TestServer server([&](cli::RuntimeOptions& options) {
    options.smtp_url = mail->url();
    options.smtp_require_tls = false;  // A relay on loopback.
    options.smtp_from = "noreply@simkeep.example.jp";
    options.sms_gateway_url = receiver->Url("/sms");
    options.sms_gateway_token = "gateway-token";
    options.sms_gateway_allow_http = true;
    options.webhook_allow_private = true;
  });
  const std::string admin = server.Token("admin");
  HttpResult endpoint =
      server.Call(admin, "POST", "/v1/webhook-endpoints",
                  {{"url", receiver->Url("/hooks")}, {"events", {"payment.receipt"}}});
  ASSERT_EQ(endpoint.status, 201) << endpoint.body;
  const std::string secret = endpoint.json["secret"];
  const std::string line = server.ProvisionLine(admin, {{"iccid", TestServer::NextIccid()},
                                                        {"carrier", "docomo"},
                                                        {"state", "active"},
                                                        {"plan_id", kPlan},
                                                        {"expires_at", kExpiry}});
  HttpResult set = server.Call(
      admin, "PUT", "/v1/lines/" + line + "/notification-settings",
      {{"language", "ja"}, {"email", "holder@example.jp"}, {"sms_to", "+819012345678"}});
  ASSERT_EQ(set.status, 200) << set.body;
  const std::string clerk = server.Token("clerk");
  for (int twice = 0; twice < 2; ++twice) {  // A retried request is one payment, one receipt.
    HttpResult topup =
        server.Call(clerk, "POST", "/v1/lines/" + line + "/topups",
                    {{"amount_jpy", 1000}, {"payment", {{"method", "cash"}}}}, "receipt-once");
    ASSERT_EQ(topup.status, 201) << topup.body;
  }
  app::NotificationDispatcher& dispatcher = *server.runtime().dispatcher;
  Result<app::DispatchReport> pass = dispatcher.RunDue();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->sent, 3);
  EXPECT_EQ(pass->total(), 3);
  EXPECT_EQ(dispatcher.RunDue()->total(), 0);

  std::vector<ReceivedMail> mails = mail->Received();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].mail_from, "noreply@simkeep.example.jp");
  EXPECT_EQ(mails[0].rcpt_tos, std::vector<std::string>{"holder@example.jp"});
  EXPECT_NE(mails[0].data.find("Content-Language: ja"), std::string::npos) << mails[0].data;
  EXPECT_NE(mails[0].data.find("Message-ID: <nt_"), std::string::npos) << mails[0].data;
  EXPECT_NE(mails[0].data.find("Subject: =?UTF-8?B?"), std::string::npos) << mails[0].data;

  std::vector<ReceivedRequest> requests = receiver->Received();
  ASSERT_EQ(requests.size(), 2u);
  const ReceivedRequest& hook = requests[0].path == "/hooks" ? requests[0] : requests[1];
  const ReceivedRequest& sms = requests[0].path == "/sms" ? requests[0] : requests[1];
  EXPECT_EQ(hook.path, "/hooks");
  EXPECT_EQ(hook.headers.at("simkeep-event"), "payment.receipt");
  EXPECT_TRUE(notify::VerifyWebhookSignature(secret, hook.headers.at("simkeep-signature"),
                                             hook.body, server.clock().Now(),
                                             std::chrono::minutes{5}));
  EXPECT_FALSE(notify::VerifyWebhookSignature("whsec_other", hook.headers.at("simkeep-signature"),
                                              hook.body, server.clock().Now(),
                                              std::chrono::minutes{5}));
  const Json event = Json::parse(hook.body);
  EXPECT_EQ(event["type"], "payment.receipt");
  EXPECT_EQ(event["data"]["line_id"], line);
  EXPECT_EQ(event["data"]["amount_jpy"], 1000);
  EXPECT_EQ(event["id"], hook.headers.at("simkeep-delivery"));
  EXPECT_EQ(sms.path, "/sms");
  EXPECT_EQ(sms.headers.at("authorization"), "Bearer gateway-token");
  const Json text = Json::parse(sms.body);
  EXPECT_EQ(text["to"], "+819012345678");
  const std::string words = text["text"];
  EXPECT_NE(words.find("1,000円"), std::string::npos) << words;
  // Receipts are not kept in-app: the line's orders show them.
  EXPECT_TRUE(server.Call(admin, "GET", "/v1/lines/" + line + "/inbox").json["data"].empty());
}

// What a policy server or the automation acts on: the data falling below the holder's
// threshold, the throttle, and an allowance's end, each once as a signed webhook.
TEST(NotificationDeliveryTest, UsageEventsReachAPolicyServerAsSignedWebhooks) {
  std::unique_ptr<HttpReceiver> receiver = HttpReceiver::Start();
  ASSERT_NE(receiver, nullptr);
  TestServer server([](cli::RuntimeOptions& options) { options.webhook_allow_private = true; });
  const std::string admin = server.Token("admin");
  HttpResult endpoint =
      server.Call(admin, "POST", "/v1/webhook-endpoints",
                  {{"url", receiver->Url("/policy")},
                   {"events", {"line.throttle_changed", "line.data_low", "bucket.expired"}}});
  ASSERT_EQ(endpoint.status, 201) << endpoint.body;
  const std::string secret = endpoint.json["secret"];
  const std::string line = server.ProvisionLine(
      admin, {{"iccid", TestServer::NextIccid()}, {"carrier", "softbank"}, {"service", "data"}});
  const std::string clerk = server.Token("clerk");
  ASSERT_EQ(server
                .Call(clerk, "POST", "/v1/lines/" + line + "/topups",
                      {{"amount_jpy", 2090}, {"payment", {{"method", "cash"}}}}, "fund")
                .status,
            201);
  HttpResult bought = server.Call(
      clerk, "POST", "/v1/lines/" + line + "/renewals",
      {{"plan_id", "sample-softbank-linemo-10gb"}, {"payment", {{"method", "balance"}}}}, "buy");
  ASSERT_EQ(bought.status, 201) << bought.body;
  ASSERT_EQ(server
                .Call(admin, "PUT", "/v1/lines/" + line + "/notification-settings",
                      {{"language", "ja"}, {"data_low_bytes", 2'000'000'000}})
                .status,
            200);
  const std::string network = server.Token("operator");
  const auto use = [&](const std::string& id, int64_t bytes) {
    const std::string at = FormatRfc3339Jst(server.clock().Now());
    HttpResult used = server.Call(network, "POST", "/v1/usage",
                                  {{"records",
                                    {{{"record_id", id},
                                      {"line_id", line},
                                      {"kind", "data"},
                                      {"quantity", bytes},
                                      {"start", at},
                                      {"end", at}}}}});
    ASSERT_EQ(used.status, 200) << used.body;
  };
  const Json status = server.Call(admin, "GET", "/v1/lines/" + line + "/status").json;
  ASSERT_EQ(status["buckets"].size(), 1U) << status;
  const std::string bucket_id = status["buckets"][0]["bucket_id"];
  const std::string bucket_end = status["buckets"][0]["expires_at"];
  use("u-1", 9'000'000'000);  // 1 GB left: below 2 GB.
  use("u-2", 1'500'000'000);  // Run out: 300 kbps.
  // The bucket ends after 30 calendar days; the scheduler notes it once.
  server.clock().Set(*ParseRfc3339(bucket_end) + std::chrono::seconds(1));
  Result<app::SchedulerReport> tick = server.runtime().scheduler->RunDue();
  ASSERT_TRUE(tick) << tick.error().message;
  EXPECT_EQ(tick->expiries, 1);
  EXPECT_EQ(server.runtime().scheduler->RunDue()->expiries, 0);
  app::NotificationDispatcher& dispatcher = *server.runtime().dispatcher;
  ASSERT_TRUE(dispatcher.RunDue());
  EXPECT_EQ(dispatcher.RunDue()->total(), 0);

  std::vector<std::string> types;
  std::vector<int> speeds;
  for (const ReceivedRequest& hook : receiver->Received()) {
    EXPECT_EQ(hook.path, "/policy");
    EXPECT_TRUE(notify::VerifyWebhookSignature(secret, hook.headers.at("simkeep-signature"),
                                               hook.body, server.clock().Now(),
                                               std::chrono::minutes{5}));
    const Json event = Json::parse(hook.body);
    EXPECT_EQ(event["type"], hook.headers.at("simkeep-event"));
    EXPECT_EQ(event["data"]["line_id"], line);
    types.push_back(event["type"]);
    if (event["type"] == "line.data_low") {
      EXPECT_EQ(event["data"]["remaining_bytes"], 1'000'000'000);
      EXPECT_EQ(event["data"]["threshold_bytes"], 2'000'000'000);
    } else if (event["type"] == "line.throttle_changed") {
      EXPECT_EQ(event["data"]["state"], "throttled");
      speeds.push_back(event["data"]["speed_kbps"]);
    } else if (event["type"] == "bucket.expired") {
      EXPECT_EQ(event["data"]["bucket_id"], bucket_id);
      EXPECT_EQ(event["data"]["kind"], "data");
      EXPECT_EQ(event["data"]["remaining"], 0);
    }
  }
  std::sort(types.begin(), types.end());
  EXPECT_EQ(types, (std::vector<std::string>{"bucket.expired", "line.data_low",
                                             "line.throttle_changed", "line.throttle_changed"}));
  // Out of data at 300 kbps; then, its validity over, in grace at the plan's last step.
  std::sort(speeds.begin(), speeds.end());
  EXPECT_EQ(speeds, (std::vector<int>{128, 300}));
}

TEST(NotificationDeliveryTest,
     AnEndpointThatRefusesForGoodIsDeadLetteredAndAnUnreachableOneRetried) {
  std::unique_ptr<HttpReceiver> receiver = HttpReceiver::Start();
  ASSERT_NE(receiver, nullptr);
  TestServer server([](cli::RuntimeOptions& options) { options.webhook_allow_private = true; });
  const std::string admin = server.Token("admin");
  ASSERT_EQ(server
                .Call(admin, "POST", "/v1/webhook-endpoints",
                      {{"url", receiver->Url("/status/410")}, {"events", {"line.terminated"}}})
                .status,
            201);
  ASSERT_EQ(server
                .Call(admin, "POST", "/v1/webhook-endpoints",
                      {{"url", "http://127.0.0.1:9/nobody"}, {"events", {"line.terminated"}}})
                .status,
            201);
  const std::string line = server.ProvisionLine(admin, {{"iccid", TestServer::NextIccid()},
                                                        {"carrier", "docomo"},
                                                        {"state", "active"},
                                                        {"plan_id", kPlan},
                                                        {"expires_at", kExpiry}});
  // Long past every step of docomo's rule: straight to terminated.
  server.clock().Set(*ParseRfc3339("2027-02-01T00:00:00+09:00"));
  ASSERT_TRUE(server.runtime().scheduler->RunDue());
  Result<app::DispatchReport> pass = server.runtime().dispatcher->RunDue();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->dead, 1);     // 410 Gone.
  EXPECT_EQ(pass->retried, 1);  // Nothing listening.
  HttpResult dead = server.Call(admin, "GET", "/v1/notifications?status=dead");
  ASSERT_EQ(dead.json["data"].size(), 1u);
  EXPECT_EQ(dead.json["data"][0]["channel"], "webhook");
  HttpResult pending = server.Call(admin, "GET", "/v1/notifications?status=pending");
  ASSERT_EQ(pending.json["data"].size(), 1u);
  EXPECT_EQ(pending.json["data"][0]["attempts"], 1);
  // The inbox has the termination too.
  EXPECT_EQ(server.Call(admin, "GET", "/v1/lines/" + line + "/inbox").json["data"][0]["topic"],
            "terminated");
}

// Without the operator's consent, webhooks never go to a private address: the API refuses to
// register one, and an endpoint stored before (by an instance that allowed it, or an older
// version), or a name that resolves to one, is refused as the connection is about to be opened.
// The notification is dead at once, with the reason, and the receiver sees nothing.
TEST(NotificationDeliveryTest, AWebhookToAPrivateAddressIsDeadLetteredUnsent) {
  std::unique_ptr<HttpReceiver> receiver = HttpReceiver::Start();
  ASSERT_NE(receiver, nullptr);
  TestServer allowing([](cli::RuntimeOptions& options) { options.webhook_allow_private = true; });
  TestServer server(allowing);  // The same database, private addresses refused (the default).
  const std::string admin = server.Token("admin");
  const std::string url = receiver->Url("/hooks");
  HttpResult refused = server.Call(admin, "POST", "/v1/webhook-endpoints",
                                   {{"url", url}, {"events", {"line.terminated"}}});
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.json["code"], "webhook_url_private");
  for (const char* other : {"http://localhost:8080/hooks", "http://169.254.169.254/latest",
                            "http://[::1]/hooks", "http://10.0.0.7/hooks"}) {
    EXPECT_EQ(server.Call(admin, "POST", "/v1/webhook-endpoints", {{"url", other}}).json["code"],
              "webhook_url_private")
        << other;
  }
  ASSERT_EQ(allowing
                .Call(allowing.Token("admin"), "POST", "/v1/webhook-endpoints",
                      {{"url", url}, {"events", {"line.terminated"}}})
                .status,
            201);
  const std::string line = server.ProvisionLine(admin, {{"iccid", TestServer::NextIccid()},
                                                        {"carrier", "docomo"},
                                                        {"state", "active"},
                                                        {"plan_id", kPlan},
                                                        {"expires_at", kExpiry}});
  server.clock().Set(*ParseRfc3339("2027-02-01T00:00:00+09:00"));
  ASSERT_TRUE(server.runtime().scheduler->RunDue());
  Result<app::DispatchReport> pass = server.runtime().dispatcher->RunDue();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->dead, 1);
  EXPECT_EQ(pass->total(), 1);
  EXPECT_TRUE(receiver->Received().empty());
  HttpResult dead = server.Call(admin, "GET", "/v1/notifications?status=dead");
  ASSERT_EQ(dead.json["data"].size(), 1u) << dead.body;
  EXPECT_EQ(dead.json["data"][0]["channel"], "webhook");
  EXPECT_EQ(dead.json["data"][0]["attempts"], 1);
  const std::string last_error = dead.json["data"][0]["last_error"];
  EXPECT_NE(last_error.find("127.0.0.1 (loopback) is not a public address"), std::string::npos)
      << last_error;
  EXPECT_NE(last_error.find("--webhook-allow-private"), std::string::npos) << last_error;
  // Retried by an operator, it is refused again, still unsent.
  const std::string id = dead.json["data"][0]["notification_id"];
  ASSERT_EQ(server.Call(admin, "POST", "/v1/notifications/" + id + "/retry").status, 200);
  EXPECT_EQ(server.runtime().dispatcher->RunDue()->dead, 1);
  EXPECT_TRUE(receiver->Received().empty());
}

}  // namespace
}  // namespace simkeep::testing
