#include <iostream>
#include <string>
#include <vector>

#include "tools/refundctl/refundctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return refund::RunRefundctl(args, std::cout, std::cerr);
}
