#include "simkeep/cli/runtime.h"

#include <sys/stat.h>

#include "simkeep/app/ledger_writer.h"
#include "simkeep/app/limits.h"
#include "simkeep/cli/sodium_sealer.h"
#include "simkeep/config/catalog_file.h"
#include "simkeep/http/api.h"
#include "simkeep/payments/sandbox/sandbox_provider.h"
#include "simkeep/storage/sqlite/sqlite_database.h"

namespace simkeep::cli {
namespace {

constexpr const char* kRoles[] = {"admin", "operator", "clerk", "agent", "kiosk", "partner"};

std::string SqlitePath(const std::string& url) {
  return url.rfind("sqlite:", 0) == 0 ? url.substr(7) : url;
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

}  // namespace

Runtime::~Runtime() {
  if (committer) {
    committer->Stop();
  }
}

Result<std::unique_ptr<app::Database>> OpenDatabase(const std::string& url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return InvalidArgument("database_url_invalid",
                           "This build of simkeep has no PostgreSQL backend yet.");
  }
  if (url.find("://") != std::string::npos) {
    return InvalidArgument("database_url_invalid",
                           "Unknown database URL " + url + ": use a file path or sqlite:PATH.");
  }
  Result<std::unique_ptr<storage::sqlite::SqliteDatabase>> opened =
      storage::sqlite::SqliteDatabase::Open(SqlitePath(url));
  if (!opened) {
    return opened.error();
  }
  return std::unique_ptr<app::Database>(std::move(*opened));
}

Result<std::unique_ptr<Runtime>> OpenRuntime(const RuntimeOptions& options,
                                             std::unique_ptr<Clock> clock,
                                             std::unique_ptr<IdGenerator> ids) {
  auto runtime = std::make_unique<Runtime>();
  runtime->clock = clock ? std::move(clock) : std::make_unique<SystemClock>();
  runtime->ids = ids ? std::move(ids) : std::make_unique<RandomIdGenerator>(*runtime->clock);
  Result<std::unique_ptr<app::Database>> database = OpenDatabase(options.database);
  if (!database) {
    return database.error();
  }
  runtime->database = std::move(*database);
  if (Result<int> migrated = runtime->database->Migrate(); !migrated) {
    return migrated.error();
  }
  const std::string key_file = options.secret_key_file.empty()
                                   ? SqlitePath(options.database) + ".key"
                                   : options.secret_key_file;
  Result<std::unique_ptr<SodiumSealer>> sealer = SodiumSealer::FromKeyFile(key_file);
  if (!sealer) {
    return sealer.error();
  }
  runtime->sealer = std::move(*sealer);
  runtime->card_provider = std::make_unique<payments::SandboxProvider>();
  runtime->reads = std::make_unique<app::ReadPool>(*runtime->database);
  runtime->committer =
      std::make_unique<app::Committer>(*runtime->database, app::kCommitBatchSizeMax);
  if (Result<void> started = runtime->committer->Start(); !started) {
    return started.error();
  }
  Result<void> accounts = runtime->committer->RunAndWait([&](app::Transaction& transaction) {
    return app::EnsureSystemAccounts(transaction, {runtime->card_provider->name()});
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
  runtime->lines = std::make_unique<app::LineService>(runtime->context);
  runtime->orders = std::make_unique<app::OrderService>(runtime->context, *runtime->card_provider);
  return runtime;
}

Result<std::string> CreateApiKey(Runtime& runtime, const std::string& role,
                                 const std::string& name) {
  bool known = false;
  for (const char* candidate : kRoles) {
    known = known || role == candidate;
  }
  if (!known) {
    return InvalidArgument("role_invalid",
                           "role must be one of admin, operator, clerk, agent, kiosk, partner.");
  }
  const std::string token = "sk_" + RandomHex(24);
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
  return token;
}

}  // namespace simkeep::cli
