// The simkeep binary: everything lives in the libraries; this only hands over the arguments.
#include "simkeep/cli/commands.h"

int main(int argc, char** argv) { return simkeep::cli::Main(argc, argv); }
