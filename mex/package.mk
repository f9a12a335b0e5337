# SPDX-License-Identifier: GPL-3.0-or-later
# The Octave package's src/Makefile: pkg install runs make here.  The MEX
# files go to ../inst, beside their help stubs, so that they are installed
# with them (a MEX function's help comes from the .m file next to it).
CORE_DIR = core
INC_DIR  = include
MEX_DIR  = mex
MEX_OUT  = ../inst
OBJ_DIR  = obj
.DEFAULT_GOAL := all
include mex/build.mk

.PHONY: all clean
all: $(MEXFILES)

clean:
	rm -rf $(OBJ_DIR) $(MEXFILES)
