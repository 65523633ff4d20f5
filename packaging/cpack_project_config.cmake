# Read by cpack before it makes each package (CPACK_PROJECT_CONFIG_FILE).
# CPack's DEB generator quietly leaves every shared library out of Depends
# when dpkg-shlibdeps is missing; a package that installs without them and
# then cannot start is worse than no package.
if(CPACK_GENERATOR STREQUAL "DEB")
  cmake_policy(SET CMP0109 NEW)  # found means executable, as CPackDeb finds it
  find_program(REFUND_DPKG_SHLIBDEPS dpkg-shlibdeps)
  if(NOT REFUND_DPKG_SHLIBDEPS)
    message(FATAL_ERROR
      "cpack -G DEB needs dpkg-shlibdeps for the package's Depends: "
      "apt-get install dpkg-dev")
  endif()
endif()
