#include "server/main.h"

int main(int argc, char** argv) { return server::Main(argc, argv); }
