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
               python3-cvxopt

.PHONY: all deps check check-int64 dist docs bench figures clean

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

$(BUILD)/tests/%: tests/c/%.c tests/c/check.h $(CORE_LIB) | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CORE_FLAGS) -Itests/c $< -o $@ $(CORE_LIB) $(LIBS)

$(BUILD)/int64/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(BUILD)/int64/tests
	$(CC) $(CORE_FLAGS) -DNC_BLAS_INT64 -c $< -o $@

$(CORE64_LIB): $(CORE64_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/int64/tests/%: tests/c/%.c tests/c/check.h $(CORE64_LIB)
	$(CC) $(CORE_FLAGS) -DNC_BLAS_INT64 -Itests/c $< -o $@ $(CORE64_LIB) $(BLAS64_LIBS)

check: deps
	@$(MAKE) --no-print-directory all $(CTESTS)
	@tests/run_all.sh $(CTESTS)

# Not yet part of check: solve.c and theory.c still pass int pointers to
# LAPACK (being rewritten).
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
	rm -rf $(BUILD) m/*.mex *.o ncufm-*.tar.gz
