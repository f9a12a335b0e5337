# SPDX-License-Identifier: GPL-3.0-or-later
# ncufm: build, test, benchmark and figures.  See README.md.
MKOCTFILE ?= mkoctfile
OCTAVE    ?= octave-cli
PROFILE   ?= quick
OUT       ?= results

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Wno-unused-parameter -Wshadow
CORE_FLAGS = -std=c11 -fPIC -Iinclude -Isrc $(WARN) $(CFLAGS)
LAPACK_LIBS := $(shell $(MKOCTFILE) -p LAPACK_LIBS 2>/dev/null)
BLAS_LIBS   := $(shell $(MKOCTFILE) -p BLAS_LIBS 2>/dev/null)
LIBS      = -lgsl $(LAPACK_LIBS) $(BLAS_LIBS) -lz -lm

BUILD     = build
CORE_SRC  = $(wildcard src/*.c)
CORE_OBJ  = $(CORE_SRC:src/%.c=$(BUILD)/%.o)
CORE_LIB  = $(BUILD)/libncufm.a
GATEWAYS  = $(filter-out mex/ncm.c,$(wildcard mex/*.c))
MEXFILES  = $(GATEWAYS:mex/%.c=m/%.mex)
CTESTS    = $(patsubst tests/c/%.c,$(BUILD)/tests/%,$(wildcard tests/c/test_*.c))

# Debian packages the project needs at build, test and figure time.
DEB_PACKAGES = octave liboctave-dev libgsl-dev liblapack-dev libopenblas-dev zlib1g-dev \
               gnuplot-nox fonts-freefont-otf dataset-fashion-mnist python3-cvxopt valgrind

.PHONY: all deps check bench figures clean fuzz leakcheck

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

$(BUILD)/%.o: src/%.c $(wildcard include/*.h src/*.h) | $(BUILD)
	$(CC) $(CORE_FLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD):
	mkdir -p $(BUILD)/tests

# Gateways are compiled by mkoctfile so that they match the running Octave.
m/%.mex: mex/%.c mex/ncm.c mex/ncm.h $(wildcard include/*.h) $(CORE_LIB)
	CFLAGS="-std=c11 -O2 -g -fPIC $(WARN)" $(MKOCTFILE) --mex -Iinclude -Imex \
	  -o $@ $< mex/ncm.c $(CORE_LIB) $(LIBS)
	@rm -f $(notdir $(<:.c=.o)) ncm.o

$(BUILD)/tests/%: tests/c/%.c tests/c/check.h $(CORE_LIB) | $(BUILD)
	$(CC) $(CORE_FLAGS) -Itests/c $< -o $@ $(CORE_LIB) $(LIBS)

check: deps
	@$(MAKE) --no-print-directory all $(CTESTS)
	@tests/run_all.sh $(CTESTS)
	@python3 tests/fuzz/fuzz.py --calls 300 --seed 1 --timeout 60 --quiet

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

$(FUZZ_BUILD)/%.o: src/%.c $(wildcard include/*.h src/*.h)
	@mkdir -p $(FUZZ_BUILD)/m
	$(CC) -std=c11 -fPIC -Iinclude -Isrc $(WARN) -O1 -g $(SANITIZE) -c $< -o $@

$(FUZZ_BUILD)/libncufm.a: $(CORE_SRC:src/%.c=$(FUZZ_BUILD)/%.o)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/m/%.mex: mex/%.c mex/ncm.c mex/ncm.h $(wildcard include/*.h) $(FUZZ_BUILD)/libncufm.a
	CFLAGS="-std=c11 -O1 -g -fPIC $(WARN) $(SANITIZE)" LDFLAGS="$(SANITIZE)" $(MKOCTFILE) \
	  --mex -Iinclude -Imex -o $@ $< mex/ncm.c $(FUZZ_BUILD)/libncufm.a $(LIBS)
	@rm -f $(notdir $(<:.c=.o)) ncm.o

# Heap growth per call of every gateway under valgrind (tests/leak).
LEAK_CALLS ?= 20

$(BUILD)/leakcheck/leak_probe.mex: tests/leak/leak_probe.c
	@mkdir -p $(BUILD)/leakcheck
	$(MKOCTFILE) --mex -o $@ $<
	@rm -f leak_probe.o

leakcheck: deps all $(BUILD)/leakcheck/leak_probe.mex
	nice -n 10 tests/leak/leakcheck.sh $(LEAK_CALLS)

fuzz: deps $(FUZZ_MEX)
	OPENBLAS_NUM_THREADS=1 nice -n 10 python3 tests/fuzz/fuzz.py --calls $(FUZZ_CALLS) \
	  --seed $(FUZZ_SEED) --timeout 60 --mexdir $(FUZZ_BUILD)/m $(FUZZ_ENV) \
	  --log $(FUZZ_BUILD)/fuzz.log

bench: deps all
	@bench/run_all.sh

# The figures' GEMMs are small; a second BLAS thread only adds contention.
figures: deps all
	OPENBLAS_NUM_THREADS=1 $(OCTAVE) --no-gui --eval "addpath('m'); nc_setup; nc_figures('Profile', '$(PROFILE)', 'Out', '$(OUT)')"

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) m/*.mex *.o
