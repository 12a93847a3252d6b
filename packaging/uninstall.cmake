# `make uninstall`: removes every file the last `make install` recorded in the build folder's
# install_manifest.txt (paths without DESTDIR), except the configuration under CONFDIR (yours
# to keep or delete). The data folder was never installed, so it stays too.
#   cmake -DMANIFEST=build/install_manifest.txt -DCONFDIR=/etc/tocsin -P uninstall.cmake
if(NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "${MANIFEST} not found: nothing was installed from this build folder")
endif()
file(STRINGS "${MANIFEST}" files)
foreach(f IN LISTS files)
  string(FIND "${f}" "${CONFDIR}/" at)
  set(path "$ENV{DESTDIR}${f}")
  if(at EQUAL 0)
    message(STATUS "Keeping ${path}")
  elseif(EXISTS "${path}" OR IS_SYMLINK "${path}")
    file(REMOVE "${path}")
    message(STATUS "Removed ${path}")
  endif()
endforeach()
