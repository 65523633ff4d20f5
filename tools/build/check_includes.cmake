# Fails when a file of a part includes something the part may not use: the
# build's enforcement of the dependency rules between parts (see
# docs/ARCHITECTURE.md and refund_check_includes in the top CMakeLists.txt).
#
# cmake -DPART=name -DDIRS="d1;d2" -DALLOW="p1;p2" -DDENY="p3" -P check_includes.cmake
#
# Every `#include "x"` and every `#include <x>` whose name has an extension
# (a C header, a library header; C++ standard headers have none) must start
# with one of ALLOW and with none of DENY. The files checked are the *.h and
# *.cc directly in DIRS.
set(bad "")
foreach(dir IN LISTS DIRS)
  file(GLOB files "${dir}/*.h" "${dir}/*.cc")
  foreach(file IN LISTS files)
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"].*$"
                           "\\1" name "${line}")
      if(line MATCHES "<" AND NOT name MATCHES "\\.")
        continue()  # a C++ standard header
      endif()
      set(ok FALSE)
      foreach(prefix IN LISTS ALLOW)
        string(FIND "${name}" "${prefix}" at)
        if(at EQUAL 0)
          set(ok TRUE)
        endif()
      endforeach()
      foreach(prefix IN LISTS DENY)
        string(FIND "${name}" "${prefix}" at)
        if(at EQUAL 0)
          set(ok FALSE)
        endif()
      endforeach()
      if(NOT ok)
        string(APPEND bad "  ${file}: ${name}\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR
    "part ${PART} includes what it may not use (see docs/ARCHITECTURE.md):\n${bad}")
endif()
