#ifndef SIMKEEP_CLI_COMMANDS_H_
#define SIMKEEP_CLI_COMMANDS_H_

namespace simkeep::cli {

// The `simkeep` command line (DESIGN.md §4): serve, migrate, apikey create, import lines, audit,
// and the operator commands line, plan, topup and renew. Returns the process exit code:
// 0 success, 1 a failure the output explains, 2 a usage error.
int Main(int argc, char** argv);

}  // namespace simkeep::cli

#endif  // SIMKEEP_CLI_COMMANDS_H_
