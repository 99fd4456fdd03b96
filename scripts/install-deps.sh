#!/bin/sh
# Installs what pftrace needs to build and test (Debian/Ubuntu, as root).
#   build:  libtracefs-dev libtraceevent-dev libtracecmd-dev libjansson-dev libzstd-dev
#           libdw-dev libelf-dev (elfutils: naming code) libiberty-dev (demangling C++ and Rust)
#           libbpf-dev (the kernel's enums from BTF: --why=full)
#           pkg-config gcc make
#   tests:  jq (JSON checks), trace-cmd (interop), valgrind, clang + libclang-rt-dev (libFuzzer),
#           bsdutils (script: a terminal for the progress line and ^C), bc (benchmark scripts),
#           linux-perf (perf trace: the peer pftrace is checked against), python3 (workloads),
#           procps (pgrep), perl (signals sent at once, as timeout sends them),
#           debuginfod, elfutils (a local debuginfod server: naming code through DEBUGINFOD_URLS),
#           python3-jsonschema (the JSON Schemas against real output), nginx-light and curl (a
#           prefork server under -p), openjdk-17-jdk-headless (a JVM under -p), golang-go and rustc (a Go
#           and a Rust program: whole stacks, demangled names), clickhouse-server and
#           clickhouse-client (the fleet example)
# Fedora: dnf install libtracefs-devel libtraceevent-devel libtracecmd-devel jansson-devel libzstd-devel libbpf-devel \
#         elfutils-devel binutils-devel \
#         pkgconf-pkg-config gcc make jq trace-cmd clang
set -e
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
	gcc make pkg-config libc6-dev \
	libtracefs-dev libtraceevent-dev libtracecmd-dev libjansson-dev libzstd-dev \
	libdw-dev libelf-dev libiberty-dev libbpf-dev \
	jq trace-cmd valgrind clang libclang-rt-dev bsdutils bc linux-perf python3 procps perl \
	debuginfod elfutils python3-jsonschema nginx-light curl openjdk-17-jdk-headless golang-go rustc clickhouse-server clickhouse-client >/dev/null
