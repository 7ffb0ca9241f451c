#include "simkeep/cli/runtime.h"

#include <algorithm>
#include <filesystem>
#include <span>
#include <string_view>
#include <system_error>

#include <sys/stat.h>

#include "simkeep/app/ledger_writer.h"
#include "simkeep/app/limits.h"
#include "simkeep/cli/sodium_sealer.h"
#include "simkeep/config/catalog_file.h"
#include "simkeep/http/api.h"
#include "simkeep/notify/message_renderer.h"
#include "simkeep/notify/sms_gateway_channel.h"
#include "simkeep/notify/smtp_channel.h"
#include "simkeep/notify/webhook_channel.h"
#include "simkeep/payments/komoju/komoju_provider.h"
#include "simkeep/payments/sandbox/sandbox_provider.h"
#include "simkeep/storage/postgres/leader_lock.h"
#include "simkeep/storage/postgres/postgres_database.h"
#include "simkeep/storage/sqlite/leader_lock.h"
#include "simkeep/storage/sqlite/sqlite_database.h"

namespace simkeep::cli {
namespace {

constexpr const char* kRoles[] = {"admin", "operator", "clerk", "agent", "kiosk", "partner"};
// Every API token starts with this; ids start with "key_".
constexpr std::string_view kTokenPrefix = "sk_";

std::string SqlitePath(const std::string& url) {
  return url.rfind("sqlite:", 0) == 0 ? url.substr(7) : url;
}

bool IsPostgresUrl(std::string_view url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

// The sealing key: the given file, or next to a SQLite database. A PostgreSQL database has no
// file to sit next to, and every process sharing it must seal with the same key.
Result<std::string> SecretKeyFile(const RuntimeOptions& options) {
  if (!options.secret_key_file.empty()) {
    return options.secret_key_file;
  }
  if (IsPostgresUrl(options.database)) {
    return InvalidArgument("secret_key_file_required",
                           "With a PostgreSQL database, pass --secret-key-file: every simkeep "
                           "process sharing the database must use the same key file.");
  }
  return SqlitePath(options.database) + ".key";
}

// The migrations this build carries: both adapters embed the same ones, from one source.
std::span<const storage::Migration> MigrationsCarried() {
  return storage::sqlite::SqliteDatabase::Migrations();
}

Error KeyFileMissingForExistingDatabase(const std::string& key_file, const std::string& url) {
  return FailedPrecondition(
      "secret_key_file_missing",
      "The key file " + key_file + " does not exist, and the database " + DatabaseDisplayName(url) +
          " was created already: copy here the key file it was created with (every instance "
          "sharing it uses that one). simkeep makes a new key only for a new database.");
}

// Loads the stored catalog; stores the sample catalog first when the database has none, and
// merges `extra_file` in when given.
Result<std::shared_ptr<const domain::Catalog>> LoadCatalog(Runtime& runtime,
                                                           const std::string& extra_file) {
  domain::Catalog stored;
  Result<void> read = runtime.reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<domain::Catalog> catalog = transaction.LoadCatalog();
    if (!catalog) {
      return catalog.error();
    }
    stored = std::move(*catalog);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  std::optional<domain::Catalog> to_save;
  if (stored.plans.empty()) {
    Result<domain::Catalog> sample = config::ParseCatalogJson(SampleCatalogJson());
    if (!sample) {
      return sample.error();
    }
    to_save = std::move(*sample);
  }
  if (!extra_file.empty()) {
    Result<domain::Catalog> extra = config::LoadCatalogFile(extra_file);
    if (!extra) {
      return extra.error();
    }
    to_save = std::move(*extra);
  }
  if (to_save) {
    Result<void> saved = runtime.committer->RunAndWait(
        [&](app::Transaction& transaction) { return transaction.SaveCatalog(*to_save); });
    if (!saved) {
      return saved.error();
    }
    return LoadCatalog(runtime, "");
  }
  if (Result<void> valid = domain::ValidateCatalog(stored); !valid) {
    return valid.error();
  }
  return std::shared_ptr<const domain::Catalog>(
      std::make_shared<domain::Catalog>(std::move(stored)));
}

// Reads the stored catalog as it is, for a read-only runtime.
Result<std::shared_ptr<const domain::Catalog>> ReadCatalog(Runtime& runtime) {
  domain::Catalog stored;
  Result<void> read = runtime.reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<domain::Catalog> catalog = transaction.LoadCatalog();
    if (!catalog) {
      return catalog.error();
    }
    stored = std::move(*catalog);
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  if (!stored.plans.empty()) {
    if (Result<void> valid = domain::ValidateCatalog(stored); !valid) {
      return valid.error();
    }
  }
  return std::shared_ptr<const domain::Catalog>(
      std::make_shared<domain::Catalog>(std::move(stored)));
}

}  // namespace

Runtime::~Runtime() {
  if (committer) {
    committer->Stop();
  }
}

Result<std::unique_ptr<app::Database>> OpenDatabase(const std::string& url, DatabaseAccess access) {
  if (IsPostgresUrl(url)) {
    // The URL goes to libpq as it is: any libpq URI, multi-host ones included. Opening writes
    // nothing, so read-only access needs nothing more: a reading command only ever begins
    // read-only transactions, which a standby and a SELECT-only user both allow.
    Result<std::unique_ptr<storage::postgres::PostgresDatabase>> opened =
        storage::postgres::PostgresDatabase::Open(url);
    if (!opened) {
      return opened.error();
    }
    return std::unique_ptr<app::Database>(std::move(*opened));
  }
  if (url.find("://") != std::string::npos) {
    return InvalidArgument("database_url_invalid",
                           "Unknown database URL " + DatabaseDisplayName(url) +
                               ": use a file path, sqlite:PATH or postgresql://...");
  }
  Result<std::unique_ptr<storage::sqlite::SqliteDatabase>> opened =
      access == DatabaseAccess::kReadOnly
          ? storage::sqlite::SqliteDatabase::OpenReadOnly(SqlitePath(url))
          : storage::sqlite::SqliteDatabase::Open(SqlitePath(url));
  if (!opened) {
    return opened.error();
  }
  return std::unique_ptr<app::Database>(std::move(*opened));
}

Result<std::unique_ptr<app::LeaderLease>> OpenLeaderLease(const std::string& url) {
  if (IsPostgresUrl(url)) {
    Result<std::unique_ptr<storage::postgres::PostgresLeaderLock>> lock =
        storage::postgres::PostgresLeaderLock::Create(url);
    if (!lock) {
      return lock.error();
    }
    return std::unique_ptr<app::LeaderLease>(std::move(*lock));
  }
  if (url.find("://") != std::string::npos) {
    return InvalidArgument("database_url_invalid",
                           "Unknown database URL " + DatabaseDisplayName(url) +
                               ": use a file path, sqlite:PATH or postgresql://...");
  }
  Result<std::unique_ptr<storage::sqlite::SqliteLeaderLock>> lock =
      storage::sqlite::SqliteLeaderLock::Create(SqlitePath(url));
  if (!lock) {
    return lock.error();
  }
  return std::unique_ptr<app::LeaderLease>(std::move(*lock));
}

namespace {

// The provider named in `options`. kInvalidArgument "payment_provider_invalid" for an unknown
// name; the errors of KomojuProvider::Create (a missing secret key, a URL that is not HTTPS).
Result<std::unique_ptr<app::PaymentProvider>> MakePaymentProvider(const RuntimeOptions& options,
                                                                  app::Database& database,
                                                                  const Clock& clock) {
  if (options.payment_provider == "sandbox") {
    return std::unique_ptr<app::PaymentProvider>(std::make_unique<payments::SandboxProvider>(
        database, clock,
        payments::SandboxOptions{options.public_url, options.sandbox_webhook_secret}));
  }
  if (options.payment_provider == "komoju") {
    payments::KomojuConfig config;
    config.base_url = options.komoju_url;
    config.secret_key = options.komoju_secret_key;
    config.webhook_secret = options.komoju_webhook_secret;
    Result<std::unique_ptr<payments::KomojuProvider>> komoju =
        payments::KomojuProvider::Create(std::move(config));
    if (!komoju) {
      return komoju.error();
    }
    return std::unique_ptr<app::PaymentProvider>(std::move(*komoju));
  }
  return InvalidArgument(
      "payment_provider_invalid",
      "--payment-provider must be sandbox or komoju, not '" + options.payment_provider + "'.");
}

}  // namespace

namespace {

// The notification delivery adapters `options` configure: email with an SMTP server, SMS with a
// gateway, webhooks always. kInvalidArgument "notification_config_invalid" for a malformed one.
Result<void> OpenChannels(const RuntimeOptions& options, Runtime& runtime) {
  if (!options.smtp_url.empty()) {
    notify::SmtpOptions smtp;
    smtp.url = options.smtp_url;
    smtp.from = notify::EmailSender{options.smtp_from, options.smtp_from_name};
    smtp.username = options.smtp_user;
    smtp.password = options.smtp_password;
    smtp.require_tls = options.smtp_require_tls;
    Result<std::unique_ptr<notify::SmtpChannel>> email =
        notify::SmtpChannel::Create(std::move(smtp), *runtime.clock);
    if (!email) {
      return email.error();
    }
    runtime.channels[domain::NotificationChannel::kEmail] = std::move(*email);
  }
  if (!options.sms_gateway_url.empty()) {
    notify::SmsGatewayOptions sms;
    sms.url = options.sms_gateway_url;
    sms.token = options.sms_gateway_token;
    sms.allow_plain_http = options.sms_gateway_allow_http;
    Result<std::unique_ptr<notify::SmsGatewayChannel>> gateway =
        notify::SmsGatewayChannel::Create(std::move(sms));
    if (!gateway) {
      return gateway.error();
    }
    runtime.channels[domain::NotificationChannel::kSms] = std::move(*gateway);
  }
  notify::WebhookOptions webhook;
  webhook.allow_private_addresses = options.webhook_allow_private;
  Result<std::unique_ptr<notify::WebhookChannel>> webhooks =
      notify::WebhookChannel::Create(std::move(webhook), *runtime.clock);
  if (!webhooks) {
    return webhooks.error();
  }
  runtime.channels[domain::NotificationChannel::kWebhook] = std::move(*webhooks);
  return Ok();
}

}  // namespace

Result<std::unique_ptr<Runtime>> OpenRuntime(const RuntimeOptions& options,
                                             std::unique_ptr<Clock> clock,
                                             std::unique_ptr<IdGenerator> ids) {
  Result<std::string> key_file = SecretKeyFile(options);
  if (!key_file) {
    return key_file.error();
  }
  Result<std::unique_ptr<SodiumSealer>> sealer = SodiumSealer::FromKeyFile(*key_file);
  if (!sealer) {
    return sealer.error();
  }
  auto runtime = std::make_unique<Runtime>();
  runtime->clock = clock ? std::move(clock) : std::make_unique<SystemClock>();
  runtime->ids = ids ? std::move(ids) : std::make_unique<RandomIdGenerator>(*runtime->clock);
  runtime->sealer = std::move(*sealer);
  Result<std::unique_ptr<app::Database>> database = OpenDatabase(options.database);
  if (!database) {
    return database.error();
  }
  runtime->database = std::move(*database);
  if (Result<int> migrated = runtime->database->Migrate(); !migrated) {
    return migrated.error();
  }
  Result<std::unique_ptr<app::PaymentProvider>> provider =
      MakePaymentProvider(options, *runtime->database, *runtime->clock);
  if (!provider) {
    return provider.error();
  }
  runtime->payment_provider = std::move(*provider);
  runtime->reads = std::make_unique<app::ReadPool>(*runtime->database);
  const size_t batch_size_max = runtime->database->backend() == "postgresql"
                                    ? app::kPostgresCommitBatchSizeMax
                                    : app::kCommitBatchSizeMax;
  runtime->committer = std::make_unique<app::Committer>(*runtime->database, batch_size_max);
  if (Result<void> started = runtime->committer->Start(); !started) {
    return started.error();
  }
  Result<void> accounts = runtime->committer->RunAndWait([&](app::Transaction& transaction) {
    return app::EnsureSystemAccounts(transaction, {runtime->payment_provider->name()});
  });
  if (!accounts) {
    return accounts.error();
  }
  Result<std::shared_ptr<const domain::Catalog>> catalog =
      LoadCatalog(*runtime, options.catalog_file);
  if (!catalog) {
    return catalog.error();
  }
  runtime->context.clock = runtime->clock.get();
  runtime->context.ids = runtime->ids.get();
  runtime->context.catalog = std::move(*catalog);
  runtime->context.issuer =
      app::IssuerInfo{options.issuer_name, options.invoice_registration_number};
  runtime->context.sealer = runtime->sealer.get();
  if (Result<void> channels = OpenChannels(options, *runtime); !channels) {
    return channels.error();
  }
  runtime->renderer = std::make_unique<notify::MessageRenderer>();
  app::OutboxOptions outbox;
  outbox.email = runtime->channels.contains(domain::NotificationChannel::kEmail);
  outbox.sms = runtime->channels.contains(domain::NotificationChannel::kSms);
  outbox.webhooks = runtime->channels.contains(domain::NotificationChannel::kWebhook);
  runtime->outbox = std::make_unique<app::Outbox>(*runtime->renderer, outbox);
  runtime->context.outbox = runtime->outbox.get();
  runtime->lines = std::make_unique<app::LineService>(runtime->context);
  runtime->orders =
      std::make_unique<app::OrderService>(runtime->context, *runtime->payment_provider);
  runtime->payments = std::make_unique<app::PaymentCoordinator>(
      *runtime->committer, *runtime->reads, *runtime->orders, *runtime->payment_provider,
      *runtime->clock);
  runtime->auto_renewals =
      std::make_unique<app::AutoRenewalService>(runtime->context, *runtime->payment_provider);
  runtime->notifications = std::make_unique<app::NotificationService>(
      runtime->context,
      app::NotificationServiceOptions{.webhook_allow_private = options.webhook_allow_private});
  runtime->usage = std::make_unique<app::UsageService>(runtime->context);
  runtime->reservations = std::make_unique<app::ReservationService>(
      runtime->context, app::ReservationOptions{.validity = std::chrono::seconds{
                                                    options.reservation_validity_seconds}});
  app::SchedulerOptions scheduling;
  scheduling.auto_renewal_lead = std::chrono::hours{options.auto_renewal_lead_hours};
  runtime->scheduler =
      std::make_unique<app::Scheduler>(*runtime->committer, *runtime->reads, runtime->context,
                                       *runtime->orders, *runtime->payments, scheduling);
  std::map<domain::NotificationChannel, app::NotificationChannel*> channels;
  for (const auto& [channel, adapter] : runtime->channels) {
    channels[channel] = adapter.get();
  }
  runtime->dispatcher = std::make_unique<app::NotificationDispatcher>(
      *runtime->committer, *runtime->reads, runtime->context, std::move(channels));
  return runtime;
}

Result<MigrateReport> Migrate(const RuntimeOptions& options, std::unique_ptr<Clock> clock) {
  Result<std::string> key_file = SecretKeyFile(options);
  if (!key_file) {
    return key_file.error();
  }
  Result<std::unique_ptr<app::Database>> database = OpenDatabase(options.database);
  if (!database) {
    return database.error();
  }
  MigrateReport report;
  report.key_file = *key_file;
  std::error_code ignored;
  if (!std::filesystem::exists(*key_file, ignored)) {
    Result<int64_t> version = (*database)->SchemaVersion();
    if (!version) {
      return version.error();
    }
    if (*version != 0) {
      return KeyFileMissingForExistingDatabase(*key_file, options.database);
    }
    // Made before the schema, so that a key that cannot be written leaves no database behind
    // without one; removed again unless this call turns out to have created the database.
    if (Result<void> created = SodiumSealer::CreateKeyFile(*key_file); !created) {
      return created.error();
    }
    Result<int> migrated = (*database)->Migrate();
    const bool created_database =
        migrated && *migrated == static_cast<int>(MigrationsCarried().size());
    if (!created_database) {
      std::filesystem::remove(*key_file, ignored);
      if (!migrated) {
        return migrated.error();
      }
      // Another process created the schema between the version check and the migration.
      return KeyFileMissingForExistingDatabase(*key_file, options.database);
    }
    report.migrations_applied = *migrated;
    report.key_file_created = true;
  } else {
    // A key file that will not do (unreadable, open to others) stops the migration too.
    if (Result<std::unique_ptr<SodiumSealer>> sealer = SodiumSealer::FromKeyFile(*key_file);
        !sealer) {
      return sealer.error();
    }
    Result<int> migrated = (*database)->Migrate();
    if (!migrated) {
      return migrated.error();
    }
    report.migrations_applied = *migrated;
  }
  // With the key file in place, the rest is what every writing command does at start.
  database->reset();
  Result<std::unique_ptr<Runtime>> runtime = OpenRuntime(options, std::move(clock));
  if (!runtime) {
    return runtime.error();
  }
  return report;
}

Result<void> CheckSchemaCurrent(app::Database& database, std::string_view url) {
  Result<int64_t> version = database.SchemaVersion();
  if (!version) {
    return version.error();
  }
  const int64_t latest = database.SchemaVersionLatest();
  const std::string name = DatabaseDisplayName(url);
  if (*version == 0) {
    return FailedPrecondition(
        "schema_out_of_date",
        "The database " + name + " has no simkeep schema: run simkeep migrate first.");
  }
  if (*version < latest) {
    return FailedPrecondition("schema_out_of_date",
                              "The database " + name + " has schema version " +
                                  std::to_string(*version) + "; this build needs version " +
                                  std::to_string(latest) + ": run simkeep migrate first.");
  }
  if (*version > latest) {
    return FailedPrecondition("schema_too_new",
                              "The database " + name + " has schema version " +
                                  std::to_string(*version) + "; this build knows up to " +
                                  std::to_string(latest) + ": use a newer simkeep.");
  }
  return Ok();
}

Result<std::unique_ptr<Runtime>> OpenReadOnlyRuntime(const RuntimeOptions& options,
                                                     std::unique_ptr<Clock> clock) {
  if (!options.catalog_file.empty()) {
    return InvalidArgument("catalog_read_only",
                           "--catalog merges a catalog into the database, and this command only "
                           "reads: run simkeep migrate --catalog FILE instead.");
  }
  auto runtime = std::make_unique<Runtime>();
  runtime->clock = clock ? std::move(clock) : std::make_unique<SystemClock>();
  runtime->ids = std::make_unique<RandomIdGenerator>(*runtime->clock);
  Result<std::unique_ptr<app::Database>> database =
      OpenDatabase(options.database, DatabaseAccess::kReadOnly);
  if (!database) {
    return database.error();
  }
  runtime->database = std::move(*database);
  if (Result<void> current = CheckSchemaCurrent(*runtime->database, options.database); !current) {
    return current.error();
  }
  runtime->reads = std::make_unique<app::ReadPool>(*runtime->database);
  Result<std::shared_ptr<const domain::Catalog>> catalog = ReadCatalog(*runtime);
  if (!catalog) {
    return catalog.error();
  }
  runtime->context.clock = runtime->clock.get();
  runtime->context.ids = runtime->ids.get();
  runtime->context.catalog = std::move(*catalog);
  runtime->context.issuer =
      app::IssuerInfo{options.issuer_name, options.invoice_registration_number};
  runtime->lines = std::make_unique<app::LineService>(runtime->context);
  return runtime;
}

std::string DatabaseDisplayName(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::string(url);
  }
  std::string shown(url.substr(0, scheme_end + 3));
  std::string_view rest = url.substr(scheme_end + 3);
  // user:password@host -> user:***@host. The userinfo ends at the last '@' before the path.
  const size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  const size_t at = rest.substr(0, authority_end).rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const size_t colon = userinfo.find(':');
    shown += colon == std::string_view::npos ? userinfo : userinfo.substr(0, colon + 1);
    shown += colon == std::string_view::npos ? "" : "***";
    rest = rest.substr(at);
  }
  // ...?password=secret&... -> ...?password=***&...
  const size_t query = rest.find('?');
  shown += rest.substr(0, query);
  if (query == std::string_view::npos) {
    return shown;
  }
  std::string_view parameters = rest.substr(query + 1);
  shown += '?';
  while (true) {
    const size_t end = std::min(parameters.find('&'), parameters.size());
    const std::string_view parameter = parameters.substr(0, end);
    shown += parameter.rfind("password=", 0) == 0 ? std::string_view("password=***") : parameter;
    if (end == parameters.size()) {
      return shown;
    }
    shown += '&';
    parameters = parameters.substr(end + 1);
  }
}

Result<NewApiKey> CreateApiKey(Runtime& runtime, const std::string& role, const std::string& name) {
  bool known = false;
  for (const char* candidate : kRoles) {
    known = known || role == candidate;
  }
  if (!known) {
    return InvalidArgument("role_invalid",
                           "role must be one of admin, operator, clerk, agent, kiosk, partner.");
  }
  const std::string token = std::string(kTokenPrefix) + RandomHex(24);
  app::ApiKey key{ApiKeyId{runtime.ids->Next("key")},
                  role,
                  name,
                  http::Sha256Hex(token),
                  runtime.clock->Now(),
                  std::nullopt};
  Result<void> stored = runtime.committer->RunAndWait(
      [&](app::Transaction& transaction) { return transaction.InsertApiKey(key); });
  if (!stored) {
    return stored.error();
  }
  return NewApiKey{key.id, token};
}

Result<ApiKeyId> RevokeApiKey(Runtime& runtime, const std::string& key) {
  const Timestamp now = runtime.clock->Now();
  ApiKeyId id{key};
  Result<void> revoked = runtime.committer->RunAndWait([&](app::Transaction& transaction) {
    if (key.rfind(kTokenPrefix, 0) == 0) {
      Result<std::optional<app::ApiKey>> found =
          transaction.FindApiKeyByTokenHash(http::Sha256Hex(key));
      if (!found) {
        return Result<void>(found.error());
      }
      if (!found->has_value()) {
        return Result<void>(NotFound("api_key_not_found", "No API key has this token."));
      }
      id = (*found)->id;
    }
    return transaction.RevokeApiKey(id, now);
  });
  if (!revoked) {
    if (revoked.error().reason == "api_key_not_found" && key.rfind(kTokenPrefix, 0) != 0) {
      return NotFound("api_key_not_found", "No API key has the id " + key + ".");
    }
    return revoked.error();
  }
  return id;
}

}  // namespace simkeep::cli
