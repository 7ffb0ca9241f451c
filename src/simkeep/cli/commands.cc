#include "simkeep/cli/commands.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "simkeep/app/audit_service.h"
#include "simkeep/app/leader_loop.h"
#include "simkeep/app/limits.h"
#include "simkeep/base/time.h"
#include "simkeep/cli/demo.h"
#include "simkeep/cli/import_lines.h"
#include "simkeep/cli/import_usage.h"
#include "simkeep/cli/migrate_copy.h"
#include "simkeep/cli/runtime.h"
#include "simkeep/domain/identifiers.h"
#include "simkeep/http/api.h"
#include "simkeep/http/json_codec.h"
#include "simkeep/http/server.h"

namespace simkeep::cli {
namespace {

// A clock that starts at a chosen time and then runs at real speed (`--now` for demos).
class ShiftedClock final : public Clock {
 public:
  explicit ShiftedClock(Timestamp start) : offset_(start - SystemClock().Now()) {}
  Timestamp Now() const override { return SystemClock().Now() + offset_; }

 private:
  std::chrono::microseconds offset_;
};

int Fail(const Error& error) {
  std::fprintf(stderr, "simkeep: %s: %s\n", error.reason.c_str(), error.message.c_str());
  for (const FieldError& field : error.errors) {
    std::fprintf(stderr, "  %s: %s\n", field.field.c_str(), field.message.c_str());
  }
  return 1;
}

struct Global {
  RuntimeOptions runtime;
  std::string now;
};

// The clock of a command: the system clock, or one shifted to --now.
Result<std::unique_ptr<Clock>> CommandClock(const Global& global) {
  if (global.now.empty()) {
    return std::unique_ptr<Clock>(std::make_unique<SystemClock>());
  }
  std::optional<Timestamp> start = ParseRfc3339(global.now);
  if (!start) {
    return InvalidArgument("time_invalid", "--now must be an RFC 3339 time.");
  }
  return std::unique_ptr<Clock>(std::make_unique<ShiftedClock>(*start));
}

// Opens the runtime for a command: `access` kReadOnly for the commands that only read (audit,
// line, plan), which must never migrate or write.
Result<std::unique_ptr<Runtime>> Open(const Global& global,
                                      DatabaseAccess access = DatabaseAccess::kReadWrite) {
  Result<std::unique_ptr<Clock>> clock = CommandClock(global);
  if (!clock) {
    return clock.error();
  }
  if (access == DatabaseAccess::kReadOnly) {
    return OpenReadOnlyRuntime(global.runtime, std::move(*clock));
  }
  return OpenRuntime(global.runtime, std::move(*clock));
}

// `simkeep migrate` (without --from): the schema, and the key file of a new database.
int MigrateCommand(const Global& global) {
  Result<std::unique_ptr<Clock>> clock = CommandClock(global);
  if (!clock) {
    return Fail(clock.error());
  }
  Result<MigrateReport> report = Migrate(global.runtime, std::move(*clock));
  if (!report) {
    return Fail(report.error());
  }
  if (report->key_file_created) {
    std::printf(
        "migrate: created the key file %s (mode 0600). Back it up apart from the database, and "
        "give every instance that shares the database this same file.\n",
        report->key_file.c_str());
  }
  std::printf("migrate: database %s is up to date (%d migrations applied)\n",
              DatabaseDisplayName(global.runtime.database).c_str(), report->migrations_applied);
  return 0;
}

void Print(const http::Json& json) { std::cout << json.dump(2) << "\n"; }

// Waits for SIGINT or SIGTERM (blocked in every thread, taken here with sigwait).
void WaitForSignal(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received signal {}, stopping", received);
}

// Logs the election's turns: a gain or loss of leadership, and a lock that cannot be reached.
app::LeaderCallbacks LoggingLeaderCallbacks(const std::string& lease) {
  app::LeaderCallbacks callbacks;
  callbacks.on_gain = [lease](int64_t term) {
    spdlog::info("leader: this instance leads (term {}; holds the {})", term, lease);
  };
  callbacks.on_lose = [](int64_t term, const std::optional<Error>& cause) {
    if (cause) {
      spdlog::warn("leader: this instance no longer leads (term {} ended): {}: {}", term,
                   cause->reason, cause->message);
    } else {
      spdlog::info("leader: this instance gave up leadership (term {} ended: stopping)", term);
    }
  };
  callbacks.on_unavailable = [](const Error& error) {
    spdlog::warn("leader: cannot reach the leader lock, following until it can: {}: {}",
                 error.reason, error.message);
  };
  return callbacks;
}

// How often the leader looks for notifications due.
constexpr int kDeliveryIntervalMs = 5'000;

// Logs what a scheduler pass did, if anything.
void LogSchedulerReport(const app::SchedulerReport& report) {
  for (const app::SchedulerReport::WorkError& failed : report.errors) {
    spdlog::error("scheduler: {} of line {} left for the next pass: {}: {}", failed.work,
                  failed.line_id.value, failed.error.reason, failed.error.message);
  }
  if (report.total() > 0) {
    spdlog::info(
        "scheduler: {} automatic renewals started, {} renewed, {} topped up, {} waiting for their "
        "payment, {} attempts failed ({} given up), {} skipped; {} lines moved on after their "
        "validity ended; {} allowances expired; {} reminders queued",
        report.started, report.renewed, report.topped_up, report.waiting, report.failed,
        report.gave_up, report.skipped, report.lifecycle, report.expiries, report.reminders);
  }
}

// Work the leader repeats every `interval` while this instance leads, on a thread of its own.
// Stops (joining its thread) when destroyed.
class LeaderWork {
 public:
  LeaderWork(const app::LeaderLoop& leader, std::chrono::milliseconds interval,
             std::function<void()> work)
      : leader_(leader), interval_(interval), work_(std::move(work)), thread_([this] { Run(); }) {}
  ~LeaderWork() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      if (!leader_.IsLeader()) {
        continue;
      }
      lock.unlock();
      work_();
      lock.lock();
    }
  }

  const app::LeaderLoop& leader_;
  const std::chrono::milliseconds interval_;
  const std::function<void()> work_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// The leader's upkeep: the payment sweep (deadlines passed, outcomes not known), then the
// scheduler's due work (automatic renewals and their retries, the lifecycle, reminders).
void RunUpkeep(app::PaymentCoordinator& payments, app::Scheduler& scheduler) {
  Result<app::PaymentSweepReport> swept = payments.Sweep();
  if (!swept) {
    spdlog::warn("payments: sweep failed: {}: {}", swept.error().reason, swept.error().message);
  } else if (swept->asked + swept->expired + swept->settled + swept->unknown + swept->refunds +
                 swept->saved_methods >
             0) {
    spdlog::info(
        "payments: swept: {} asked about, {} expired, {} found paid, {} unanswered, {} "
        "refunds settled, {} saved cards settled",
        swept->asked, swept->expired, swept->settled, swept->unknown, swept->refunds,
        swept->saved_methods);
  }
  Result<app::SchedulerReport> scheduled = scheduler.RunDue();
  if (!scheduled) {
    spdlog::warn("scheduler: pass failed: {}: {}", scheduled.error().reason,
                 scheduled.error().message);
  } else {
    LogSchedulerReport(*scheduled);
  }
}

// The outbox's delivery, on a thread of its own so that a slow mail server never holds up
// renewals: passes until nothing more is due.
void RunDelivery(app::NotificationDispatcher& dispatcher) {
  while (true) {
    Result<app::DispatchReport> delivered = dispatcher.RunDue();
    if (!delivered) {
      spdlog::warn("notifications: delivery pass failed: {}: {}", delivered.error().reason,
                   delivered.error().message);
      return;
    }
    if (delivered->total() == 0) {
      return;
    }
    spdlog::info("notifications: {} delivered, {} to be retried, {} failed for good",
                 delivered->sent, delivered->retried, delivered->dead);
  }
}

struct ServeOptions {
  std::string address = "127.0.0.1";
  int port = 8080;
  int threads = 2;
  bool demo = false;
  std::string port_file;
};

int Serve(const Global& global, const ServeOptions& options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // Before any thread starts.
  Result<std::unique_ptr<Runtime>> runtime = Open(global);
  if (!runtime) {
    return Fail(runtime.error());
  }
  Runtime& rt = **runtime;
  // One instance among those sharing the database leads, and the scheduler (not written yet)
  // will run its jobs there only; the others follow, and one takes over when the leader ends.
  Result<std::unique_ptr<app::LeaderLease>> lease = OpenLeaderLease(global.runtime.database);
  if (!lease) {
    return Fail(lease.error());
  }
  app::LeaderLoop leader(**lease, LoggingLeaderCallbacks((*lease)->Describe()));
  spdlog::info("leader: electing through the {}; following until this instance holds it",
               (*lease)->Describe());
  leader.Start();
  http::Api api(http::ApiDependencies{.committer = rt.committer.get(),
                                      .reads = rt.reads.get(),
                                      .context = &rt.context,
                                      .lines = rt.lines.get(),
                                      .orders = rt.orders.get(),
                                      .payments = rt.payments.get(),
                                      .auto_renewals = rt.auto_renewals.get(),
                                      .notifications = rt.notifications.get(),
                                      .usage = rt.usage.get(),
                                      .reservations = rt.reservations.get(),
                                      .version = "0.1.0",
                                      .leader = &leader});
  LeaderWork upkeep(leader, std::chrono::milliseconds(app::kPaymentSweepIntervalMs),
                    [&rt] { RunUpkeep(*rt.payments, *rt.scheduler); });
  LeaderWork delivery(leader, std::chrono::milliseconds(kDeliveryIntervalMs),
                      [&rt] { RunDelivery(*rt.dispatcher); });
  Result<int> recovered = api.RecoverPendingPayments();
  if (!recovered) {
    return Fail(recovered.error());
  }
  if (*recovered > 0) {
    spdlog::info("resolved {} payments left pending by an earlier stop", *recovered);
  }
  if (options.demo) {
    if (Result<void> seeded = SeedDemoLines(rt); !seeded) {
      return Fail(seeded.error());
    }
  }
  http::ServerOptions server_options;
  server_options.address = options.address;
  server_options.port = static_cast<uint16_t>(options.port);
  server_options.threads = options.threads;
  http::Server server(server_options, [&api](http::Request request, http::Responder respond) {
    api.Handle(std::move(request), std::move(respond));
  });
  Result<uint16_t> port = server.Start();
  if (!port) {
    return Fail(port.error());
  }
  std::printf("simkeep listening on http://%s:%u (database %s)\n", options.address.c_str(),
              static_cast<unsigned>(*port), DatabaseDisplayName(global.runtime.database).c_str());
  std::fflush(stdout);
  if (!options.port_file.empty()) {
    // Written whole and renamed into place, so a reader never sees a half-written file.
    const std::string partial = options.port_file + ".partial";
    std::ofstream(partial) << *port << "\n";
    std::rename(partial.c_str(), options.port_file.c_str());
  }
  WaitForSignal(signals);
  leader.Stop();  // First, so that another instance can take over while this one drains.
  server.Stop();
  rt.committer->Stop();
  return 0;
}

int Audit(const Global& global) {
  Result<std::unique_ptr<Runtime>> runtime = Open(global, DatabaseAccess::kReadOnly);
  if (!runtime) {
    return Fail(runtime.error());
  }
  std::optional<app::DatabaseAudit> report;
  Result<void> read = (*runtime)->reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<app::DatabaseAudit> audited = app::AuditDatabase(transaction, [](int64_t seen) {
      std::fprintf(stderr, "\raudited %lld transfers", static_cast<long long>(seen));
    });
    if (!audited) {
      return audited.error();
    }
    report = std::move(*audited);
    return Ok();
  });
  if (!read) {
    return Fail(read.error());
  }
  std::fprintf(stderr, "\r");
  for (const std::string& violation : report->ledger.violations) {
    std::printf("VIOLATION %s\n", violation.c_str());
  }
  for (const std::string& violation : report->order_violations) {
    std::printf("VIOLATION %s\n", violation.c_str());
  }
  const ledger::AuditReport& ledger = report->ledger;
  std::printf(
      "audit: %lld accounts, %lld transfers, %lld orders, %lld open holds, %zu violations%s\n",
      static_cast<long long>(ledger.accounts), static_cast<long long>(ledger.transfers),
      static_cast<long long>(report->orders), static_cast<long long>(ledger.holds_open),
      ledger.violations.size() + static_cast<size_t>(ledger.violations_omitted) +
          report->order_violations.size(),
      report->ok() ? " - ledger OK" : "");
  return report->ok() ? 0 : 1;
}

int Import(const Global& global, const std::string& file, bool skip_invalid) {
  std::ifstream csv(file);
  if (!csv) {
    return Fail(InvalidArgument("file_unreadable", "Cannot read " + file + "."));
  }
  Result<std::unique_ptr<Runtime>> runtime = Open(global);
  if (!runtime) {
    return Fail(runtime.error());
  }
  Result<std::unique_ptr<app::Session>> session = (*runtime)->database->Connect();
  if (!session) {
    return Fail(session.error());
  }
  const bool tty = isatty(STDERR_FILENO) != 0;
  Result<ImportReport> report = ImportLines(
      **session, *(*runtime)->lines, csv, skip_invalid, [tty](int64_t done, int64_t total) {
        const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
        const int filled = percent / 5;
        std::fprintf(stderr, "%s[%-20s] %3d%% %lld/%lld lines%s", tty ? "\r" : "",
                     std::string(static_cast<size_t>(filled), '#').c_str(), percent,
                     static_cast<long long>(done), static_cast<long long>(total), tty ? "" : "\n");
      });
  if (!report) {
    return Fail(report.error());
  }
  if (tty) {
    std::fprintf(stderr, "\n");
  }
  for (const RowProblem& problem : report->problems) {
    std::printf("line %lld: %s: %s\n", static_cast<long long>(problem.row), problem.reason.c_str(),
                problem.message.c_str());
  }
  if (!report->committed) {
    std::printf(
        "import: %zu of %lld rows are invalid; nothing was imported "
        "(fix them, or pass --skip-invalid to import the rest)\n",
        report->problems.size(), static_cast<long long>(report->rows));
    return 1;
  }
  std::printf("import: %lld lines imported, %zu rows skipped\n",
              static_cast<long long>(report->imported), report->problems.size());
  return 0;
}

// `simkeep import usage FILE`: every failure, from an unreadable file on, is
// kUsageImportExitStopped (see import_usage.h for the others).
int ImportUsageFile(const Global& global, const std::string& file) {
  const auto stop = [](const Error& error) {
    Fail(error);
    return kUsageImportExitStopped;
  };
  std::ifstream csv(file, std::ios::binary);
  if (!csv) {
    return stop(InvalidArgument("file_unreadable", "Cannot read " + file + "."));
  }
  csv.seekg(0, std::ios::end);
  const int64_t size_bytes = std::max<int64_t>(static_cast<int64_t>(csv.tellg()), 0);
  csv.seekg(0, std::ios::beg);
  Result<std::unique_ptr<Runtime>> runtime = Open(global);
  if (!runtime) {
    return stop(runtime.error());
  }
  Result<std::unique_ptr<app::Session>> session = (*runtime)->database->Connect();
  if (!session) {
    return stop(session.error());
  }
  return RunUsageImport(**session, *(*runtime)->usage, csv, size_bytes);
}

// Runs one order command through the committer, as the store counter would (channel "cli").
int PlaceOrder(const Global& global,
               const std::function<Result<app::OrderView>(Runtime&, app::Transaction&)>& place) {
  Result<std::unique_ptr<Runtime>> runtime = Open(global);
  if (!runtime) {
    return Fail(runtime.error());
  }
  std::optional<app::OrderView> view;
  Result<void> placed = (*runtime)->committer->RunAndWait([&](app::Transaction& transaction) {
    Result<app::OrderView> result = place(**runtime, transaction);
    if (!result) {
      return Result<void>(result.error());
    }
    view = std::move(*result);
    return Ok();
  });
  if (!placed) {
    return Fail(placed.error());
  }
  Print(http::EncodeOrder(*view));
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App cli{"simkeep: keeps prepaid and number-keeping SIM and eSIM lines alive"};
  cli.require_subcommand(1);
  Global global;
  if (const char* env = std::getenv("SIMKEEP_DATABASE"); env != nullptr && *env != '\0') {
    global.runtime.database = env;
  }
  cli.add_option("--database", global.runtime.database,
                 "Database: a SQLite file path or a postgresql:// URL (default ./simkeep.db, or "
                 "$SIMKEEP_DATABASE)");
  cli.add_option("--secret-key-file", global.runtime.secret_key_file,
                 "Key for sealed secrets (default: the database path + .key; required with "
                 "PostgreSQL). Only `migrate` creates it, for a new database");
  cli.add_option("--catalog", global.runtime.catalog_file, "A catalog JSON file to merge in");
  cli.add_option("--issuer-name", global.runtime.issuer_name, "Issuer name on receipts");
  cli.add_option("--invoice-number", global.runtime.invoice_registration_number,
                 "Qualified-invoice registration number (T + 13 digits)");
  cli.add_option("--now", global.now, "Pretend the time is this (RFC 3339), for demos");
  if (const char* env = std::getenv("SIMKEEP_PUBLIC_URL"); env != nullptr && *env != '\0') {
    global.runtime.public_url = env;
  }
  cli.add_option("--public-url", global.runtime.public_url,
                 "Where customers reach this server (the sandbox's wallet pages); default "
                 "http://localhost:8080, or $SIMKEEP_PUBLIC_URL");
  cli.add_option("--payment-provider", global.runtime.payment_provider,
                 "Who collects cards, wallets and konbini payments: sandbox (default) or komoju "
                 "(secrets from $SIMKEEP_KOMOJU_SECRET_KEY and $SIMKEEP_KOMOJU_WEBHOOK_SECRET)");
  cli.add_option("--komoju-url", global.runtime.komoju_url,
                 "KOMOJU's API (default "
                 "https://komoju.com)");
  if (const char* env = std::getenv("SIMKEEP_KOMOJU_SECRET_KEY"); env != nullptr) {
    global.runtime.komoju_secret_key = env;
  }
  if (const char* env = std::getenv("SIMKEEP_KOMOJU_WEBHOOK_SECRET"); env != nullptr) {
    global.runtime.komoju_webhook_secret = env;
  }
  cli.add_option("--smtp-url", global.runtime.smtp_url,
                 "Send email through this SMTP server: smtp://host:587 (STARTTLS) or "
                 "smtps://host:465 (password from $SIMKEEP_SMTP_PASSWORD); default: no email");
  cli.add_option("--smtp-from", global.runtime.smtp_from, "The sender's address");
  cli.add_option("--smtp-from-name", global.runtime.smtp_from_name, "The sender's name");
  cli.add_option("--smtp-user", global.runtime.smtp_user, "The SMTP AUTH user name");
  cli.add_flag("!--smtp-no-tls", global.runtime.smtp_require_tls,
               "Talk to an smtp:// server without STARTTLS (a relay on loopback only)");
  cli.add_option("--sms-gateway-url", global.runtime.sms_gateway_url,
                 "Send SMS through this HTTP gateway (bearer token from "
                 "$SIMKEEP_SMS_GATEWAY_TOKEN); default: no SMS");
  cli.add_flag("--sms-gateway-allow-http", global.runtime.sms_gateway_allow_http,
               "Allow an http:// gateway URL (a gateway on loopback only)");
  cli.add_flag("--webhook-allow-private", global.runtime.webhook_allow_private,
               "Let webhook endpoints be at loopback, private, link-local and other non-public "
               "addresses (receivers on your own network only); refused by default");
  if (const char* env = std::getenv("SIMKEEP_SMTP_PASSWORD"); env != nullptr) {
    global.runtime.smtp_password = env;
  }
  if (const char* env = std::getenv("SIMKEEP_SMS_GATEWAY_TOKEN"); env != nullptr) {
    global.runtime.sms_gateway_token = env;
  }
  if (const char* env = std::getenv("SIMKEEP_SANDBOX_WEBHOOK_SECRET");
      env != nullptr && *env != '\0') {
    global.runtime.sandbox_webhook_secret = env;
  }

  ServeOptions serve;
  CLI::App* serve_command = cli.add_subcommand("serve", "Run the HTTP API");
  serve_command->add_option("--port", serve.port, "TCP port (0 picks a free one)");
  serve_command->add_option("--address", serve.address, "Address to listen on");
  serve_command->add_option("--threads", serve.threads, "I/O threads");
  serve_command->add_flag("--demo", serve.demo, "Provision a few demo lines on first start");
  serve_command->add_option("--port-file", serve.port_file, "Write the bound port here");

  CLI::App* migrate = cli.add_subcommand(
      "migrate", "Create or upgrade the database schema (and a new database's key file)");
  std::string copy_from, copy_to;
  CLI::Option* from_option = migrate->add_option(
      "--from", copy_from, "Copy this SQLite database (PATH or sqlite:PATH) into --to instead");
  CLI::Option* to_option = migrate->add_option(
      "--to", copy_to, "The empty PostgreSQL database (postgresql://...) to copy --from into");
  from_option->needs(to_option);
  to_option->needs(from_option);

  CLI::App* apikey = cli.add_subcommand("apikey", "Manage API keys");
  apikey->require_subcommand(1);
  std::string role, key_name = "cli";
  CLI::App* apikey_create = apikey->add_subcommand("create", "Create a key and print its token");
  apikey_create->add_option("--role", role, "admin, operator, clerk, agent, kiosk or partner")
      ->required();
  apikey_create->add_option("--name", key_name, "A label for the key");
  std::string revoke_key;
  CLI::App* apikey_revoke =
      apikey->add_subcommand("revoke", "Revoke a key: every instance refuses it within 5 seconds");
  apikey_revoke->add_option("key", revoke_key, "The key's id (key_...) or its token (sk_...)")
      ->required();

  CLI::App* import = cli.add_subcommand("import", "Import records from files");
  import->require_subcommand(1);
  std::string import_file;
  bool skip_invalid = false;
  CLI::App* import_lines = import->add_subcommand("lines", "Import lines from a CSV file");
  import_lines->add_option("file", import_file, "CSV file")->required();
  import_lines->add_flag("--skip-invalid", skip_invalid, "Import the valid rows, report the rest");
  CLI::App* import_usage = import->add_subcommand(
      "usage",
      "Import usage records from a CSV file, committed in chunks of 10,000; exits 1 when rows "
      "were rejected, 3 when it stopped early (run the same file again: stored rows count as "
      "duplicates)");
  import_usage->add_option("file", import_file, "CSV file")->required();

  CLI::App* audit = cli.add_subcommand(
      "audit", "Check every ledger invariant (reads only; the schema must be current)");

  std::string line_id, msisdn, iccid, plan_id, method = "cash";
  int64_t amount = 0;
  CLI::App* line = cli.add_subcommand("line", "Show a line's status");
  line->add_option("line_id", line_id, "Line id");
  line->add_option("--msisdn", msisdn, "Find by phone number");
  line->add_option("--iccid", iccid, "Find by ICCID");
  CLI::App* plan = cli.add_subcommand("plan", "List the plans on sale");
  CLI::App* topup = cli.add_subcommand("topup", "Top up a line's balance (cash at the counter)");
  topup->add_option("line_id", line_id, "Line id")->required();
  topup->add_option("--amount", amount, "Yen")->required();
  CLI::App* renew = cli.add_subcommand("renew", "Renew a line");
  renew->add_option("line_id", line_id, "Line id")->required();
  renew->add_option("--plan", plan_id, "Plan id")->required();
  renew->add_option("--method", method, "balance or cash");
  CLI::App* sandbox = cli.add_subcommand("sandbox", "Play the customer's side of sandbox payments");
  CLI::App* sandbox_settle = sandbox->add_subcommand(
      "settle", "Pay a waiting sandbox payment (konbini, Pay-easy, wallet) as its customer would");
  std::string payment_id;
  bool decline = false;
  sandbox_settle->add_option("payment_id", payment_id, "Payment id")->required();
  sandbox_settle->add_flag("--decline", decline, "Decline it in the wallet instead of paying");
  CLI::App* report = cli.add_subcommand("report", "Reports");
  CLI::App* report_reconcile = report->add_subcommand(
      "reconcile",
      "The provider's collections against the ledger for one JST day; exits 1 on "
      "any mismatch");
  std::string report_date;
  report_reconcile->add_option("--date", report_date, "The day, YYYY-MM-DD (JST)")->required();
  cli.add_option("--auto-renew-lead-hours", global.runtime.auto_renewal_lead_hours,
                 "How long before a validity ends its automatic renewal runs (default 24)")
      ->check(CLI::Range(1, 24 * 30));
  cli.add_option("--reservation-validity-seconds", global.runtime.reservation_validity_seconds,
                 "How long a quota reservation holds its units without a commit (default 300)")
      ->check(CLI::Range(1, 86'400));
  CLI::App* tick = cli.add_subcommand(
      "tick",
      "Run the scheduled work due up to now (or --now): automatic renewals, retries, the "
      "lifecycle, reminders, then the notifications due");
  CLI::App* payments = cli.add_subcommand("payments", "Payment upkeep");
  CLI::App* payments_sweep = payments->add_subcommand(
      "sweep", "Expire payments past their deadline and ask about unknown outcomes, now");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }

  if (serve_command->parsed()) {
    return Serve(global, serve);
  }
  if (migrate->parsed() && from_option->count() > 0) {
    return MigrateCopy(copy_from, copy_to);
  }
  if (migrate->parsed()) {
    return MigrateCommand(global);
  }
  if (apikey_create->parsed()) {
    Result<std::unique_ptr<Runtime>> runtime = Open(global);
    if (!runtime) {
      return Fail(runtime.error());
    }
    Result<NewApiKey> created = CreateApiKey(**runtime, role, key_name);
    if (!created) {
      return Fail(created.error());
    }
    // The token alone on stdout, for scripts; the id (to revoke the key by) on stderr.
    std::fprintf(stderr, "simkeep: created API key %s (role %s)\n", created->id.value.c_str(),
                 role.c_str());
    std::printf("%s\n", created->token.c_str());
    return 0;
  }
  if (apikey_revoke->parsed()) {
    Result<std::unique_ptr<Runtime>> runtime = Open(global);
    if (!runtime) {
      return Fail(runtime.error());
    }
    Result<ApiKeyId> revoked = RevokeApiKey(**runtime, revoke_key);
    if (!revoked) {
      return Fail(revoked.error());
    }
    std::printf("apikey: revoked %s; every instance refuses it within %lld seconds\n",
                revoked->value.c_str(), static_cast<long long>(app::kApiKeyCacheTtlMs / 1000));
    return 0;
  }
  if (import_lines->parsed()) {
    return Import(global, import_file, skip_invalid);
  }
  if (import_usage->parsed()) {
    return ImportUsageFile(global, import_file);
  }
  if (audit->parsed()) {
    return Audit(global);
  }
  if (report_reconcile->parsed()) {
    std::optional<std::chrono::year_month_day> date = http::ParseIsoDate(report_date);
    if (!date) {
      return Fail(InvalidArgument("date_invalid", "--date must be a day as YYYY-MM-DD (JST)."));
    }
    Result<std::unique_ptr<Runtime>> runtime = Open(global);
    if (!runtime) {
      return Fail(runtime.error());
    }
    Result<app::ReconciliationReport> reconciled = (*runtime)->payments->Reconcile(*date);
    if (!reconciled) {
      return Fail(reconciled.error());
    }
    Print(http::EncodeReconciliation(*reconciled));
    return reconciled->mismatches.empty() ? 0 : 1;
  }
  if (tick->parsed()) {
    Result<std::unique_ptr<Runtime>> runtime = Open(global);
    if (!runtime) {
      return Fail(runtime.error());
    }
    const auto started = std::chrono::steady_clock::now();
    app::SchedulerReport total;
    while (true) {
      Result<app::PaymentSweepReport> swept = (*runtime)->payments->Sweep();
      if (!swept) {
        return Fail(swept.error());
      }
      Result<app::SchedulerReport> pass = (*runtime)->scheduler->RunDue();
      if (!pass) {
        return Fail(pass.error());
      }
      total.started += pass->started;
      total.renewed += pass->renewed;
      total.topped_up += pass->topped_up;
      total.waiting += pass->waiting;
      total.failed += pass->failed;
      total.gave_up += pass->gave_up;
      total.skipped += pass->skipped;
      total.lifecycle += pass->lifecycle;
      total.reminders += pass->reminders;
      total.expiries += pass->expiries;
      // Work that failed is tried again by every pass: the last pass's errors are all of it.
      total.errors = std::move(pass->errors);
      // A pass that started and moved nothing new has done all that is due now.
      if (pass->started == 0 && pass->lifecycle == 0) {
        break;
      }
    }
    const auto scheduled = std::chrono::steady_clock::now();
    // Then the outbox: every message due now, once each (a failed one is due again later).
    app::DispatchReport delivered;
    while (true) {
      Result<app::DispatchReport> pass = (*runtime)->dispatcher->RunDue();
      if (!pass) {
        return Fail(pass.error());
      }
      delivered.sent += pass->sent;
      delivered.retried += pass->retried;
      delivered.dead += pass->dead;
      if (pass->total() == 0) {
        break;
      }
    }
    std::printf(
        "scheduler: %d automatic renewals started, %d renewed, %d topped up, %d waiting for "
        "their payment, %d attempts failed (%d given up), %d skipped; %d lines moved on after "
        "their validity ended; %d allowances expired\n",
        total.started, total.renewed, total.topped_up, total.waiting, total.failed, total.gave_up,
        total.skipped, total.lifecycle, total.expiries);
    std::printf(
        "notifications: %d reminders queued; %d delivered, %d to be retried, %d failed for "
        "good\n",
        total.reminders, delivered.sent, delivered.retried, delivered.dead);
    // How long the work took, for benchmarks (bench/scheduler.sh); not part of the report above.
    const auto ms = [](auto duration) {
      return static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
    };
    std::fprintf(stderr, "tick: sweep and scheduler %lld ms, delivery %lld ms\n",
                 ms(scheduled - started), ms(std::chrono::steady_clock::now() - scheduled));
    for (const app::SchedulerReport::WorkError& failed : total.errors) {
      std::fprintf(stderr, "tick: %s of line %s not done: %s: %s\n", failed.work.c_str(),
                   failed.line_id.value.c_str(), failed.error.reason.c_str(),
                   failed.error.message.c_str());
    }
    return total.errors.empty() ? 0 : 1;
  }
  if (sandbox_settle->parsed() || payments_sweep->parsed()) {
    Result<std::unique_ptr<Runtime>> runtime = Open(global);
    if (!runtime) {
      return Fail(runtime.error());
    }
    Runtime& rt = **runtime;
    if (sandbox_settle->parsed()) {
      Result<app::OrderView> view =
          rt.payments->Simulate(PaymentId{payment_id}, decline ? app::ChargeStatus::kFailed
                                                               : app::ChargeStatus::kSucceeded);
      if (!view) {
        return Fail(view.error());
      }
      Print(http::EncodeOrder(*view));
      return 0;
    }
    app::PaymentSweepReport total;
    while (true) {
      Result<app::PaymentSweepReport> swept = rt.payments->Sweep();
      if (!swept) {
        return Fail(swept.error());
      }
      total.asked += swept->asked;
      total.expired += swept->expired;
      total.settled += swept->settled;
      total.unknown += swept->unknown;
      total.refunds += swept->refunds;
      total.saved_methods += swept->saved_methods;
      if (swept->asked + swept->expired + swept->settled + swept->refunds + swept->saved_methods <
          app::kPaymentSweepBatch) {
        break;
      }
    }
    std::printf(
        "payments: %d asked about, %d expired, %d found paid, %d unanswered, %d refunds settled, "
        "%d saved cards settled\n",
        total.asked, total.expired, total.settled, total.unknown, total.refunds,
        total.saved_methods);
    return 0;
  }
  const app::Requester counter{"clerk", domain::Channel::kCli, ""};
  if (topup->parsed()) {
    return PlaceOrder(global, [&](Runtime& rt, app::Transaction& transaction) {
      app::TopUpInput input{LineId{line_id}, amount, app::PayWith("cash"), counter};
      return rt.orders->PlaceTopUp(transaction, input);
    });
  }
  if (renew->parsed()) {
    return PlaceOrder(global, [&](Runtime& rt, app::Transaction& transaction) {
      app::RenewalInput input{LineId{line_id}, PlanId{plan_id}, app::PayWith(method), counter};
      return rt.orders->PlaceRenewal(transaction, input);
    });
  }
  // `plan` and `line` only read.
  Result<std::unique_ptr<Runtime>> runtime = Open(global, DatabaseAccess::kReadOnly);
  if (!runtime) {
    return Fail(runtime.error());
  }
  Runtime& rt = **runtime;
  if (plan->parsed()) {
    for (const domain::Plan& p : rt.context.catalog->plans) {
      Result<Money> price = domain::PriceAt(p, rt.clock->Now());
      std::printf("%-40s %-9s %-8s %8s  %s\n", p.id.value.c_str(),
                  domain::CarrierCodeName(p.carrier), domain::PlanKindName(p.kind),
                  price ? ("¥" + std::to_string(price->minor)).c_str() : "-", p.name.c_str());
    }
    return 0;
  }
  // `line`: show a line's status.
  std::optional<http::Json> shown;
  Result<void> read = rt.reads->Read([&](app::Transaction& transaction) -> Result<void> {
    LineId id{line_id};
    if (!msisdn.empty() || !iccid.empty()) {
      std::string key;
      if (!msisdn.empty()) {
        Result<domain::Msisdn> parsed = domain::ParseMsisdn(msisdn);
        if (!parsed) {
          return parsed.error();
        }
        key = parsed->e164;
      } else {
        Result<domain::Iccid> parsed = domain::ParseIccid(iccid, domain::IccidSource::kUpstream);
        if (!parsed) {
          return parsed.error();
        }
        key = parsed->digits;
      }
      Result<std::optional<domain::Line>> found =
          msisdn.empty() ? transaction.FindLineByIccid(key) : transaction.FindLineByMsisdn(key);
      if (!found) {
        return found.error();
      }
      if (!found->has_value()) {
        return NotFound("line_not_found", "No such line.");
      }
      id = (*found)->id;
    }
    Result<app::LineStatus> status = rt.lines->Status(transaction, id);
    if (!status) {
      return status.error();
    }
    shown = http::EncodeStatus(*status, false);
    return Ok();
  });
  if (!read) {
    return Fail(read.error());
  }
  Print(*shown);
  return 0;
}

}  // namespace simkeep::cli
