# SPDX-License-Identifier: GPL-3.0-or-later
# ncufm: build, test, benchmark and figures.  See README.md.
OCTAVE    ?= octave-cli
PROFILE   ?= quick
OUT       ?= results
VERSION   := $(shell sed -n 's/^Version: *//p' DESCRIPTION)
.DEFAULT_GOAL := all

CORE_DIR = src
INC_DIR  = include
MEX_DIR  = mex
MEX_OUT  = m
OBJ_DIR  = build
include mex/build.mk

BUILD     = build
CTESTS    = $(patsubst tests/c/%.c,$(BUILD)/tests/%,$(wildcard tests/c/test_*.c))

# The same C tests against a BLAS/LAPACK with 64-bit integers (as MATLAB's
# libmwblas and libmwlapack take): Debian's libopenblas64, whose symbols
# have the usual names.  GSL keeps its own 32-bit CBLAS.
BLAS64_DIR   = /usr/lib/x86_64-linux-gnu/openblas64-pthread
BLAS64_LIBS  = -lgsl -lgslcblas -L$(BLAS64_DIR) -Wl,-rpath,$(BLAS64_DIR) -lopenblas64 -lz -lm
CORE64_OBJ   = $(CORE_SRC:src/%.c=$(BUILD)/int64/%.o)
CORE64_LIB   = $(BUILD)/int64/libncufm.a
CTESTS64     = $(patsubst tests/c/%.c,$(BUILD)/int64/tests/%,$(wildcard tests/c/test_*.c))

# Debian packages the project needs at build, test and figure time.
DEB_PACKAGES = octave liboctave-dev libgsl-dev liblapack-dev libopenblas-dev zlib1g-dev \
               libopenblas64-pthread-dev gnuplot-nox fonts-freefont-otf dataset-fashion-mnist \
               python3-cvxopt python3-numpy valgrind

.PHONY: all deps check check-int64 dist docs bench figures clean fuzz leakcheck

all: $(MEXFILES)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(BUILD)/tests/%: tests/c/%.c $(wildcard tests/c/*.h) $(CORE_LIB) | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CORE_FLAGS) -Itests/c $< -o $@ $(CORE_LIB) $(LIBS)

$(BUILD)/int64/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(BUILD)/int64/tests
	$(CC) $(CORE_FLAGS) -DNC_BLAS_INT64 -c $< -o $@

$(CORE64_LIB): $(CORE64_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/int64/tests/%: tests/c/%.c $(wildcard tests/c/*.h) $(CORE64_LIB)
	$(CC) $(CORE_FLAGS) -DNC_BLAS_INT64 -Itests/c $< -o $@ $(CORE64_LIB) $(BLAS64_LIBS)

# The C tests run twice: against the BLAS/LAPACK Octave uses, and against
# one with 64-bit integers, as MATLAB's libmwblas and libmwlapack take them.
check: deps
	@$(MAKE) --no-print-directory all $(CTESTS) $(CTESTS64)
	@tests/run_all.sh $(CTESTS) $(CTESTS64)

# The fuzzer against the core and gateways built with sanitizers into their
# own folder.  Octave is not instrumented: the ASan runtime is preloaded
# into it, ignoring its leaks, its allocator pairing and the globals every
# MEX file links again.
FUZZ_CALLS ?= 50000
FUZZ_SEED  ?= 1
FUZZ_BUILD  = build-fuzz
SANITIZE    = -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
FUZZ_MEX    = $(GATEWAYS:mex/%.c=$(FUZZ_BUILD)/m/%.mex)
FUZZ_ENV    = --child-env LD_PRELOAD=$(shell $(CC) -print-file-name=libasan.so) \
              --child-env ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:detect_odr_violation=0:alloc_dealloc_mismatch=0:new_delete_type_mismatch=0 \
              --child-env UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(FUZZ_BUILD)/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(FUZZ_BUILD)/m
	$(CC) $(CORE_FLAGS) -O1 $(SANITIZE) -c $< -o $@

$(FUZZ_BUILD)/libncufm.a: $(CORE_SRC:src/%.c=$(FUZZ_BUILD)/%.o)
	rm -f $@ && ar rcs $@ $^

FUZZ_MEX_FLAGS = CFLAGS="-std=c11 -O1 -g -fPIC $(WARN) $(SANITIZE)" LDFLAGS="$(SANITIZE)" \
                 $(MKOCTFILE) --mex -I$(INC_DIR) -I$(MEX_DIR)

$(FUZZ_BUILD)/mex_%.o: mex/%.c mex/ncm.h $(wildcard include/*.h)
	@mkdir -p $(FUZZ_BUILD)/m
	$(FUZZ_MEX_FLAGS) -c $< -o $@

$(FUZZ_BUILD)/m/%.mex: $(FUZZ_BUILD)/mex_%.o $(FUZZ_BUILD)/mex_ncm.o $(FUZZ_BUILD)/libncufm.a
	$(FUZZ_MEX_FLAGS) -o $@ $< $(FUZZ_BUILD)/mex_ncm.o $(FUZZ_BUILD)/libncufm.a $(LIBS)

# Heap growth per call of every gateway under valgrind (tests/leak).
LEAK_CALLS ?= 20

$(BUILD)/leakcheck/leak_probe.mex: tests/leak/leak_probe.c
	@mkdir -p $(BUILD)/leakcheck
	$(MKOCTFILE) --mex -o $@ $<
	@rm -f leak_probe.o

leakcheck: deps all $(BUILD)/leakcheck/leak_probe.mex
	nice -n 10 tests/leak/leakcheck.sh $(LEAK_CALLS)

$(FUZZ_BUILD)/m/fuzz_selftest.mex: tests/fuzz/fuzz_selftest.c
	@mkdir -p $(FUZZ_BUILD)/m
	$(FUZZ_MEX_FLAGS) -o $@ $<
	@rm -f fuzz_selftest.o

fuzz: deps $(FUZZ_MEX) $(FUZZ_BUILD)/m/fuzz_selftest.mex
	python3 tests/fuzz/fuzz.py --selftest --mexdir $(FUZZ_BUILD)/m $(FUZZ_ENV)
	OPENBLAS_NUM_THREADS=1 nice -n 10 python3 tests/fuzz/fuzz.py --calls $(FUZZ_CALLS) \
	  --seed $(FUZZ_SEED) --timeout 60 --mexdir $(FUZZ_BUILD)/m $(FUZZ_ENV) \
	  --log $(FUZZ_BUILD)/fuzz.log

check-int64: deps $(CTESTS64)
	@for t in $(CTESTS64); do $$t || exit 1; done

# The Octave-forge package: DESCRIPTION, INDEX, COPYING, NEWS, CITATION,
# inst/ (the .m files and the figure pipeline) and src/ (the C sources and
# the Makefile pkg install runs to build the MEX files).
DIST      = ncufm-$(VERSION)
DIST_DIR  = $(BUILD)/dist/$(DIST)
dist: $(DIST).tar.gz

$(DIST).tar.gz: DESCRIPTION INDEX COPYING NEWS CITATION $(wildcard m/*.m m/*/*.m m/*/*/*.m) \
                $(CORE_SRC) $(CORE_HDRS) $(wildcard mex/*) 
	rm -rf $(BUILD)/dist && mkdir -p $(DIST_DIR)/inst $(DIST_DIR)/src/core $(DIST_DIR)/src/include $(DIST_DIR)/src/mex
	cp DESCRIPTION INDEX COPYING NEWS CITATION $(DIST_DIR)/
	cp m/*.m mex/PKG_ADD mex/PKG_DEL $(DIST_DIR)/inst/
	cp -r m/figures $(DIST_DIR)/inst/
	if [ -d m/private ]; then cp -r m/private $(DIST_DIR)/inst/; fi
	cp $(CORE_SRC) $(wildcard src/*.h) $(DIST_DIR)/src/core/
	cp include/*.h $(DIST_DIR)/src/include/
	cp mex/*.c mex/*.h mex/build.mk $(DIST_DIR)/src/mex/
	cp mex/package.mk $(DIST_DIR)/src/Makefile
	tar -C $(BUILD)/dist -czf $@ $(DIST)
	@echo "make dist: wrote $@"

# The function reference docs/reference.md, generated from the help texts;
# make check fails when it is out of date.
docs:
	$(OCTAVE) --no-gui --norc --eval "addpath('tests'); gen_reference();"

bench: deps all
	@bench/run_all.sh

# The figures' GEMMs are small; a second BLAS thread only adds contention.
figures: deps all
	OPENBLAS_NUM_THREADS=1 $(OCTAVE) --no-gui --eval "addpath('m'); nc_setup; nc_figures('Profile', '$(PROFILE)', 'Out', '$(OUT)')"

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) m/*.mex *.o ncufm-*.tar.gz
