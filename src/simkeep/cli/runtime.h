#ifndef SIMKEEP_CLI_RUNTIME_H_
#define SIMKEEP_CLI_RUNTIME_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "simkeep/app/auto_renewal_service.h"
#include "simkeep/app/committer.h"
#include "simkeep/app/context.h"
#include "simkeep/app/leader_lease.h"
#include "simkeep/app/line_service.h"
#include "simkeep/app/notification_channel.h"
#include "simkeep/app/notification_dispatcher.h"
#include "simkeep/app/notification_service.h"
#include "simkeep/app/order_service.h"
#include "simkeep/app/outbox.h"
#include "simkeep/app/payment_coordinator.h"
#include "simkeep/app/read_pool.h"
#include "simkeep/app/reservation_service.h"
#include "simkeep/app/scheduler.h"
#include "simkeep/app/usage_service.h"
#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"

namespace simkeep::cli {

// Options every command shares.
struct RuntimeOptions {
  std::string database = "./simkeep.db";  // A path, "sqlite:PATH", or a postgresql:// URL.
  std::string secret_key_file;  // Default: the database path + ".key"; required with PostgreSQL.
  std::string catalog_file;     // Extra catalog to merge in; empty = none.
  std::string issuer_name = "simkeep demo operator (SAMPLE)";
  std::string invoice_registration_number = "T9234567890123";
  // Where customers reach `simkeep serve` (the sandbox provider's simulated wallet pages).
  std::string public_url = "http://localhost:8080";
  // The secret the sandbox provider signs and checks its webhooks with.
  std::string sandbox_webhook_secret = "whsec_sandbox";
  // Who collects payments other than cash and balance: "sandbox" (the default) or "komoju".
  std::string payment_provider = "sandbox";
  std::string komoju_url = "https://komoju.com";
  std::string komoju_secret_key;      // Required for "komoju"; from the environment only.
  std::string komoju_webhook_secret;  // Required for "komoju"; from the environment only.
  // How long before a validity ends its automatic renewal runs.
  int auto_renewal_lead_hours = 24;
  // How long a quota reservation holds its units when nobody commits or releases it.
  int reservation_validity_seconds = 300;
  // Notification delivery. Email goes out only with an SMTP server, SMS only with a gateway;
  // webhooks always (to the endpoints registered through the API).
  std::string smtp_url;  // "smtp://host:587" (STARTTLS) or "smtps://host:465"; empty: no email.
  std::string smtp_from = "noreply@localhost";
  std::string smtp_from_name = "simkeep";
  std::string smtp_user;
  std::string smtp_password;            // From the environment only.
  bool smtp_require_tls = true;         // For smtp:// URLs; off only for a relay on loopback.
  std::string sms_gateway_url;          // Empty: no SMS.
  std::string sms_gateway_token;        // From the environment only.
  bool sms_gateway_allow_http = false;  // Only for a gateway on loopback.
  // Let webhook endpoints be registered at, and webhooks delivered to, loopback, private,
  // link-local and other non-public addresses: only for receivers on the operator's own
  // network. Off (the default), both the API and the delivery refuse them.
  bool webhook_allow_private = false;
};

// Everything a command needs, wired together: the migrated database, the committer, the catalog
// (the sample catalog is stored on first start), the services. Owned by the command (or test)
// that opened it; members are declared in dependency order so they are destroyed safely.
// A runtime from OpenReadOnlyRuntime has no sealer, payment provider, committer, order service,
// payment coordinator, auto-renewal service, scheduler, outbox or dispatcher (those members are
// null): it can only
// read.
struct Runtime {
  std::unique_ptr<Clock> clock;
  std::unique_ptr<IdGenerator> ids;
  std::unique_ptr<app::Database> database;
  std::unique_ptr<app::Sealer> sealer;
  std::unique_ptr<app::PaymentProvider> payment_provider;
  std::unique_ptr<app::NotificationRenderer> renderer;
  std::unique_ptr<app::Outbox> outbox;
  app::ServiceContext context;
  std::unique_ptr<app::ReadPool> reads;
  std::unique_ptr<app::Committer> committer;
  std::unique_ptr<app::LineService> lines;
  std::unique_ptr<app::OrderService> orders;
  std::unique_ptr<app::PaymentCoordinator> payments;
  std::unique_ptr<app::AutoRenewalService> auto_renewals;
  std::unique_ptr<app::NotificationService> notifications;
  std::unique_ptr<app::UsageService> usage;
  std::unique_ptr<app::ReservationService> reservations;
  std::unique_ptr<app::Scheduler> scheduler;
  // The delivery adapters configured (email, SMS gateway, webhooks) and the dispatcher that
  // hands them the outbox.
  std::map<domain::NotificationChannel, std::unique_ptr<app::NotificationChannel>> channels;
  std::unique_ptr<app::NotificationDispatcher> dispatcher;

  ~Runtime();
};

// Opens the database named in `options`, migrates it, loads (or first stores) the catalog, and
// starts the committer. `clock` and `ids` default to the system clock and random ids. The key
// file is read first, so that a command with a wrong key file touches no database.
// kInvalidArgument "secret_key_file_required" for a PostgreSQL database without
// secret_key_file; the errors of SodiumSealer::FromKeyFile ("secret_key_file_missing": the key
// file is never created here, see Migrate).
Result<std::unique_ptr<Runtime>> OpenRuntime(const RuntimeOptions& options,
                                             std::unique_ptr<Clock> clock = nullptr,
                                             std::unique_ptr<IdGenerator> ids = nullptr);

// What Migrate did.
struct MigrateReport {
  int migrations_applied = 0;
  std::string key_file;           // The key file the database is used with.
  bool key_file_created = false;  // Whether Migrate made it.
};

// `simkeep migrate`: creates or upgrades the schema of the database named in `options`, then
// opens it as OpenRuntime does (system accounts, the catalog) and closes it again.
//
// The key file is the one thing simkeep creates besides the database, and only here: when it is
// missing and the database has no schema, Migrate writes a new random key (mode 0600) before it
// creates the schema, and keeps the key only if this call then applied every migration (created
// the database). Otherwise the key file is left as it was and Migrate fails, so an instance
// with a mistyped key path, or one started before the key was copied to it, never seals with a
// key of its own. Errors: "secret_key_file_missing" when the key file is missing and the
// database has a schema already (or another process created it at the same moment); the errors
// of OpenRuntime, SodiumSealer::CreateKeyFile and Database::Migrate.
Result<MigrateReport> Migrate(const RuntimeOptions& options,
                              std::unique_ptr<Clock> clock = nullptr);

// Opens the database named in `options` for a command that only reads (audit, line, plan):
// nothing is migrated, created or written, so it works on a SQLite file (and folder) the user
// may only read, on a PostgreSQL standby, and for a PostgreSQL user with SELECT rights alone. No
// key file is needed. The stored catalog is read as it is.
// kFailedPrecondition "schema_out_of_date" when the database is not at the schema version this
// build expects (a new database included: run `simkeep migrate` first), "schema_too_new" when
// a newer build migrated it; kInvalidArgument "catalog_read_only" when options.catalog_file is
// set (merging a catalog writes); the errors of OpenDatabase.
Result<std::unique_ptr<Runtime>> OpenReadOnlyRuntime(const RuntimeOptions& options,
                                                     std::unique_ptr<Clock> clock = nullptr);

// How OpenDatabase opens a database: kReadOnly creates and writes nothing (a SQLite file must
// exist; see SqliteDatabase::OpenReadOnly).
enum class DatabaseAccess { kReadWrite, kReadOnly };

// Opens a database by URL or path: a SQLite file path or "sqlite:PATH", or a "postgresql://"
// (or "postgres://") URL, which goes to libpq unchanged. kInvalidArgument
// "database_url_invalid" for a scheme simkeep does not support or a malformed PostgreSQL URL;
// kUnavailable "db_unavailable" when the database cannot be opened or reached.
Result<std::unique_ptr<app::Database>> OpenDatabase(
    const std::string& url, DatabaseAccess access = DatabaseAccess::kReadWrite);

// Success when `database` is at the schema version this build expects (SchemaVersionLatest);
// reads only. kFailedPrecondition "schema_out_of_date" (older, or no schema at all) or
// "schema_too_new", naming the database by `url` (its password hidden).
Result<void> CheckSchemaCurrent(app::Database& database, std::string_view url);

// The lease `simkeep serve` elects its leader with, for the database at `url` (as OpenDatabase
// takes it): on PostgreSQL a session-level advisory lock on a connection of its own
// (storage/postgres/leader_lock.h), on SQLite an flock on the file beside the database with
// ".leader" appended (storage/sqlite/leader_lock.h). Nothing is opened until its first
// TryAcquire. kInvalidArgument "database_url_invalid" or "database_path_invalid" as
// OpenDatabase would answer.
Result<std::unique_ptr<app::LeaderLease>> OpenLeaderLease(const std::string& url);

// `url` fit to print: a password in it (user:password@ or ?password=) is replaced by ***.
std::string DatabaseDisplayName(std::string_view url);

// The sample catalog shipped in data/sample_catalog.json, compiled into the binary.
std::string_view SampleCatalogJson();

// A new API key: its id (to revoke it by) and its token (shown once; only its hash is stored).
struct NewApiKey {
  ApiKeyId id;
  std::string token;
};

// Creates an API key with `role`. kInvalidArgument "role_invalid".
Result<NewApiKey> CreateApiKey(Runtime& runtime, const std::string& role, const std::string& name);

// Revokes the API key whose id ("key_...") or token ("sk_...") is `key`, and returns its id.
// Every instance sharing the database refuses it within app::kApiKeyCacheTtlMs (each caches the
// keys it has seen that long). Revoking a revoked key again succeeds and changes nothing.
// kNotFound "api_key_not_found".
Result<ApiKeyId> RevokeApiKey(Runtime& runtime, const std::string& key);

}  // namespace simkeep::cli

#endif  // SIMKEEP_CLI_RUNTIME_H_
