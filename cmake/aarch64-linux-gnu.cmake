# Cross-compiling for AArch64 Linux with Debian's g++-aarch64-linux-gnu; programs run under qemu-aarch64
# (Debian qemu-user), which CTest uses by itself through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(COPE_AARCH64_SYSROOT /usr/aarch64-linux-gnu CACHE PATH "Where qemu-aarch64 finds the AArch64 C library")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L ${COPE_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH ${COPE_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
