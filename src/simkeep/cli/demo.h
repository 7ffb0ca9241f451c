#ifndef SIMKEEP_CLI_DEMO_H_
#define SIMKEEP_CLI_DEMO_H_

#include "simkeep/cli/runtime.h"

namespace simkeep::cli {

// Provisions three demo lines (an au data eSIM, a SoftBank voice SIM, a docomo data SIM) with
// SAMPLE plans and tops the first one up with cash, unless the database already has lines.
// Prints what it made.
Result<void> SeedDemoLines(Runtime& runtime);

}  // namespace simkeep::cli

#endif  // SIMKEEP_CLI_DEMO_H_
