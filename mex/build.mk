# SPDX-License-Identifier: GPL-3.0-or-later
# The MEX build, shared by the repository's Makefile and the Octave package's
# src/Makefile (which pkg install runs).  The includer sets:
#   CORE_DIR  the C core's sources and private headers
#   INC_DIR   the public headers
#   MEX_DIR   the gateways and their validation helper ncm.c
#   MEX_OUT   where the .mex files go: beside their help stubs, because Octave
#             and MATLAB take a MEX function's help from the .m file of the
#             same name in the same folder
#   OBJ_DIR   objects and the core library
MKOCTFILE ?= mkoctfile
CC        ?= cc
CFLAGS    ?= -O2 -g
WARN       = -Wall -Wextra -Wno-unused-parameter -Wshadow
CORE_FLAGS = -std=c11 -fPIC -I$(INC_DIR) -I$(CORE_DIR) $(WARN) $(CFLAGS)
# The MEX files link the BLAS and LAPACK the running Octave uses.
LAPACK_LIBS := $(shell $(MKOCTFILE) -p LAPACK_LIBS 2>/dev/null)
BLAS_LIBS   := $(shell $(MKOCTFILE) -p BLAS_LIBS 2>/dev/null)
LIBS       = -lgsl $(LAPACK_LIBS) $(BLAS_LIBS) -lz -lm

CORE_SRC  = $(wildcard $(CORE_DIR)/*.c)
CORE_OBJ  = $(CORE_SRC:$(CORE_DIR)/%.c=$(OBJ_DIR)/%.o)
CORE_LIB  = $(OBJ_DIR)/libncufm.a
GATEWAYS  = $(filter-out $(MEX_DIR)/ncm.c,$(wildcard $(MEX_DIR)/*.c))
MEXFILES  = $(GATEWAYS:$(MEX_DIR)/%.c=$(MEX_OUT)/%.mex)
CORE_HDRS = $(wildcard $(INC_DIR)/*.h $(CORE_DIR)/*.h)
MEX_FLAGS = CFLAGS="-std=c11 -O2 -g -fPIC $(WARN)" $(MKOCTFILE) --mex -I$(INC_DIR) -I$(MEX_DIR)

$(OBJ_DIR)/%.o: $(CORE_DIR)/%.c $(CORE_HDRS) | $(OBJ_DIR)
	$(CC) $(CORE_FLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(OBJ_DIR):
	mkdir -p $(OBJ_DIR)

# Gateways are compiled by mkoctfile, so that they match the running Octave;
# each object has its own name, so parallel builds never share a file.
$(OBJ_DIR)/mex_%.o: $(MEX_DIR)/%.c $(MEX_DIR)/ncm.h $(wildcard $(INC_DIR)/*.h) | $(OBJ_DIR)
	$(MEX_FLAGS) -c $< -o $@

$(MEX_OUT)/%.mex: $(OBJ_DIR)/mex_%.o $(OBJ_DIR)/mex_ncm.o $(CORE_LIB)
	$(MEX_FLAGS) -o $@ $< $(OBJ_DIR)/mex_ncm.o $(CORE_LIB) $(LIBS)
