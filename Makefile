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
               gnuplot-nox fonts-freefont-otf dataset-fashion-mnist python3-cvxopt

.PHONY: all deps check bench figures clean

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

bench: deps all
	@bench/run_all.sh

# The figures' GEMMs are small; a second BLAS thread only adds contention.
figures: deps all
	OPENBLAS_NUM_THREADS=1 $(OCTAVE) --no-gui --eval "addpath('m'); nc_setup; nc_figures('Profile', '$(PROFILE)', 'Out', '$(OUT)')"

clean:
	rm -rf $(BUILD) m/*.mex *.o
