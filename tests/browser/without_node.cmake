# The browser test where node is not installed: skipped, but a failure in CI.
if("$ENV{CI}" STREQUAL "true")
  message(FATAL_ERROR "FAILED: node is not installed (required when CI=true; packaging/dev.sh installs it)")
endif()
message("SKIPPED: node is not installed (packaging/dev.sh installs it)")
