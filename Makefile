# Thin wrapper over CMake so that a newcomer needs only `make run` and `make test`.
# build/      release build (build/tocsin)
# build-san/  AddressSanitizer + UBSan build used by the tests
# build-fuzz/ libFuzzer drivers (clang), built and run by `make fuzz`

CONFIG ?= examples/tocsin.yaml
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 300
FUZZ_RUNS ?=

# make install: PREFIX/bin/tocsin, PREFIX/share/man/man{1,5}/, PREFIX/lib/systemd/system/
# tocsin.service, PREFIX/lib/sysusers.d/tocsin.conf, and the example configuration as
# SYSCONFDIR/tocsin/tocsin.yaml. SYSCONFDIR is /etc whatever the PREFIX, because that is
# where the unit and an administrator look for a daemon's config (make install
# SYSCONFDIR=/usr/local/etc to follow the GNU rule instead). DESTDIR stages the tree
# elsewhere (packages, tests); BUILD is the build folder installed from (default build/, a
# release build).
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR ?=
BUILD ?= build
INSTALL_DIRS = -DCMAKE_INSTALL_PREFIX=$(PREFIX) -DCMAKE_INSTALL_SYSCONFDIR=$(SYSCONFDIR)
RELEASE = -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTC_TESTS=OFF

.PHONY: all deps build build-san run test unit integration bench fuzz clean install uninstall deb

all: build

deps:
	bash scripts/install-deps

build:
	cmake -S . -B build $(RELEASE) $(INSTALL_DIRS) >/dev/null
	cmake --build build -j $(JOBS)

# The paths are compiled into the unit, so the build folder is configured with them first.
install:
	cmake -S . -B $(BUILD) $(if $(wildcard $(BUILD)/CMakeCache.txt),,$(RELEASE)) \
	  $(INSTALL_DIRS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR="$(abspath $(DESTDIR))" cmake --install $(BUILD)

# Removes what the last `make install` from $(BUILD) installed; keeps the configuration
# (and the data, which was never installed).
uninstall:
	DESTDIR="$(abspath $(DESTDIR))" cmake -DMANIFEST=$(BUILD)/install_manifest.txt \
	  -DCONFDIR=$(SYSCONFDIR)/tocsin -P packaging/uninstall.cmake

build-san:
	cmake -S . -B build-san -DCMAKE_BUILD_TYPE=Debug -DTC_SANITIZE=ON -DTC_WERROR=ON >/dev/null
	cmake --build build-san -j $(JOBS)

# The example page is a live demo: its monitors watch tocsin itself, a heartbeat loop feeds
# its push monitor (scripts/demo-run), and the demo history of examples/history.json (the
# seed's incidents) is imported moved to recent weeks (--shift-to-now), so the bars and "Past
# incidents" show what incidents look like. The first run adds a console user "demo" and
# every run prints the page's and the console's address and login (scripts/demo-user).
run: deps build
	./build/tocsin import --shift-to-now -c $(CONFIG) statuspage examples/history.json
	bash scripts/demo-user ./build/tocsin $(CONFIG)
	bash scripts/demo-run ./build/tocsin $(CONFIG)

# build-deb/tocsin_VERSION_ARCH.deb with debhelper: the binary, man pages, unit, a conffile
# /etc/tocsin/tocsin.yaml, data in /var/lib/tocsin, the user tocsin made in postinst.
deb: deps
	bash scripts/build-deb

test: deps build-san
	bash scripts/run-tests build-san

# Every fuzz harness for FUZZ_SECONDS each, one after the other (docs/internals/TESTING.md).
# make fuzz FUZZ_SECONDS=300 runs each harness that long; FUZZ_RUNS=10000000 instead runs each
# until 10 M inputs (FUZZ_SECONDS then caps each run).
fuzz: deps
	FUZZ_RUNS=$(FUZZ_RUNS) bash scripts/run-fuzz $(FUZZ_SECONDS)

bench: deps build
	bash bench/run

clean:
	rm -rf build build-san build-fuzz build-deb
